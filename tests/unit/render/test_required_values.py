"""Values deleted with ``null`` (kconfig.render.context, KC218): every key a built-in template reads
either renders without it, the same in both backends, or is an error at the ``null`` that
deleted it; never an undefined value inside a built-in template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import kconfig
from kconfig import dump_yaml
from kconfig.check.schemas import SchemaStore
from kconfig.check.validate import Validator
from kconfig.errors import Diagnostic, KconfigError, SourcePos
from kconfig.load.sources import load_sources
from kconfig.render.context import EMPTY_WHEN_DELETED, REQUIRED, required_values, template_values
from kconfig.render.pipeline import RenderOptions
from kconfig.run.recipe import run_environment
from kconfig.values.layers import BUILTIN_DEFAULTS
from tests.conftest import write_tree

OVERLAY = "overlays/qa/web.yaml"
BACKENDS = ("jinja", "jsonnet")

# Every value a built-in template reads, set (the Service and the Ingress are rendered).
FULL_APP = """\
image: {repository: registry.example.com/shop/web, tag: "1.0.0", pullPolicy: IfNotPresent}
replicas: 2
port: 8080
service: {port: 80, type: ClusterIP, enabled: true, annotations: {svc.example.com/a: b}}
command: [/bin/web]
args: [--serve]
env: {LOG_LEVEL: info}
envFrom: [{configMapRef: {name: web-extra}}]
resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
securityContext: {runAsNonRoot: true}
podSecurityContext: {fsGroup: 2000}
probes:
  readiness: {path: /ready, periodSeconds: 5}
  liveness: {path: /live, initialDelaySeconds: 10}
labels: {team: core}
annotations: {owner.example.com/team: core}
podAnnotations: {prometheus.io/scrape: "true"}
sidecars:
- name: proxy
  image: envoyproxy/envoy:v1.30.0
ingress:
  enabled: true
  host: web.qa.example.com
  path: /
  pathType: Prefix
  className: nginx
  tls: true
  annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 8m}
networkPolicy:
  enabled: true
  allowFrom: [{app: web}, {namespace: monitoring}]
strategy: {type: rolling, rolling: {maxSurge: 1, maxUnavailable: 0}}
configMap: {data: {app.properties: "a=1"}}
serviceAccountName: web
nodeSelector: {disktype: ssd}
tolerations: [{key: dedicated, operator: Equal, value: core, effect: NoSchedule}]
volumes: [{name: cache, emptyDir: {}}]
volumeMounts: [{name: cache, mountPath: /cache}]
"""

FILES = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n",
    "bases/web/app.yaml": FULL_APP,
    "overlays/qa/env.yaml": "domain: qa.example.com\nlabels: {env: qa}\n",
    "overlays/prod/env.yaml": "domain: example.com\n",
}

# What a null deletes that no template can do without, with the app above.
REPORTED = {
    ("image",): ("image", "repository"),
    ("image", "repository"): ("image", "repository"),
    ("port",): ("port",),
    ("service",): ("service", "port"),
    ("service", "port"): ("service", "port"),
    ("ingress", "path"): ("ingress", "path"),
}

# Nulls that render but leave a reference the API server refuses: the check that says so.
REFUSED_AFTER = {("volumes",): "KC134"}


def _mapping_paths(
    doc: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    for key, value in doc.items():
        yield (*prefix, key)
        if isinstance(value, Mapping):
            yield from _mapping_paths(value, (*prefix, key))


# Mappings whose entries are data the templates copy as a whole, not keys they read.
FREE_FORM = {
    ("annotations",),
    ("configMap", "data"),
    ("env",),
    ("ingress", "annotations"),
    ("labels",),
    ("nodeSelector",),
    ("podAnnotations",),
    ("podSecurityContext",),
    ("resources", "limits"),
    ("resources", "requests"),
    ("securityContext",),
    ("service", "annotations"),
}

# Every key (at any depth of mappings) of the full app and of kconfig's built-in defaults.
PATHS = sorted(
    path
    for path in set(_mapping_paths(yaml.safe_load(FULL_APP)))
    | set(_mapping_paths(BUILTIN_DEFAULTS))
    if path[:-1] not in FREE_FORM
)


def _null_at(path: tuple[str, ...]) -> tuple[str, int]:
    """An overlay line writing null at ``path`` (``a: {b: null}``), and the null's column."""
    text = "null"
    for key in reversed(path[1:]):
        text = f"{{{key}: {text}}}"
    line = f"{path[0]}: {text}"
    return line + "\n", line.index("null") + 1


@pytest.fixture(scope="module")
def store() -> SchemaStore:
    return SchemaStore("1.30", [])


def _render(root: Path, backend: str, store: SchemaStore) -> tuple[str, list[Diagnostic]]:
    """Rendered and validated as `kconfig render` does: (YAML, errors)."""
    sources = load_sources(root)
    validator = Validator(sources, store=store)
    result = run_environment(sources, "qa", RenderOptions(backend=backend), validator=validator)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    return dump_yaml(result.manifests or []), errors


def test_the_sweep_covers_every_required_value() -> None:
    assert {needed for needed in REPORTED.values()} == {path for path, *_ in REQUIRED}
    assert set(REPORTED) <= set(PATHS)
    assert {(key,) for key in EMPTY_WHEN_DELETED} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=".".join)
def test_null_renders_or_is_reported_at_the_null(
    tmp_path: Path, store: SchemaStore, path: tuple[str, ...]
) -> None:
    overlay, col = _null_at(path)
    root = write_tree(tmp_path / "p", {**FILES, OVERLAY: overlay})
    outputs = [_render(root, backend, store) for backend in BACKENDS]
    needed = REPORTED.get(path)
    for text, errors in outputs:
        if path in REFUSED_AFTER:
            # It renders, but what the null removed is still referred to: the API server's
            # rule is reported (at the reference, e.g. the volumeMount of a deleted volume).
            assert {e.code for e in errors} == {REFUSED_AFTER[path]}, errors
            continue
        if needed is None:
            assert errors == [] and "kind: Deployment" in text
            continue
        nulled = ".".join(path)
        (error,) = errors
        assert (error.code, error.pos) == ("KC218", SourcePos(OVERLAY, 1, col))
        assert error.message.startswith(f"{'.'.join(needed)} is required (")
        assert f"but `{nulled}: null` deletes it; set {'.'.join(needed)}" in error.message
    # Both backends: the same manifests, or the same error (a check's message names the
    # template, which differs, so only its code and place are compared there).
    same = [(text, [(e.code, e.pos) for e in errors]) for text, errors in outputs]
    assert same[0] == same[1]
    if path not in REFUSED_AFTER:
        assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("overlay", "reported"),
    [
        # Not needed when nothing reads it: no Service and no Ingress, no Ingress.
        ("service: {port: null, enabled: false}\ningress: {enabled: false}\n", []),
        ("ingress: {path: null, enabled: false}\n", []),
        # An Ingress still routes to service.port when the Service is disabled.
        ("service: {port: null, enabled: false}\n", ["1:17 service.port"]),
        # Strategies whose Services always render need it too.
        (
            "strategy: {type: canary}\nservice: null\ningress: {enabled: false}\n",
            ["2:10 service.port"],
        ),
        ("strategy: {type: ingressCanary, ingressCanary: {tag: '2'}}\nport: null\n", ["2:7 port"]),
    ],
)
def test_only_what_the_plan_renders_is_required(
    tmp_path: Path, overlay: str, reported: list[str]
) -> None:
    root = write_tree(tmp_path / "p", {**FILES, OVERLAY: overlay})
    project = kconfig.Project.load(root)
    for backend in BACKENDS:
        if not reported:
            assert project.render("qa", backend=backend)
            continue
        with pytest.raises(KconfigError) as caught:
            project.render("qa", backend=backend)
        assert [
            f"{d.pos.line}:{d.pos.col} {d.message.split()[0]}"
            for d in caught.value.diagnostics
            if d.pos
        ] == reported


def _problems(root: Path, env: str = "qa", sets: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(KconfigError) as caught:
        kconfig.Project.load(root).render(env, overrides=sets)
    return [d.format() for d in caught.value.diagnostics]


def test_the_null_of_the_highest_layer_is_named(tmp_path: Path) -> None:
    """qa deletes the image, e2e (extends qa) sets only a tag again: the null is qa's."""
    root = write_tree(
        tmp_path / "p",
        {
            **FILES,
            "kconfig.yaml": "project: shop\nenvironments: [qa, e2e]\n",
            "overlays/e2e/env.yaml": "extends: qa\n",
            OVERLAY: "# qa\nimage: null\n",
            "overlays/e2e/web.yaml": 'image: {tag: "2.0.0"}\n',
        },
    )
    assert _problems(root, "e2e") == [
        f"{OVERLAY}:2:8: error: image.repository is required (the image of the app's "
        "container), but `image: null` deletes it; set image.repository and image.tag"
    ]
    write_tree(root, {"overlays/e2e/web.yaml": "image: {repository: null}\n"})
    assert _problems(root, "e2e")[0].startswith(
        "overlays/e2e/web.yaml:1:21: error: image.repository is required"
    )


def test_env_defaults_and_set_are_located(tmp_path: Path) -> None:
    env = "domain: qa.example.com\ndefaults:\n  port: null\n"
    root = write_tree(tmp_path / "p", {**FILES, "overlays/qa/env.yaml": env})
    assert _problems(root) == [
        "overlays/qa/env.yaml:3:9: error: port is required (the port of the app's container, "
        "named http), but `port: null` deletes it; set port to the port the app listens on"
    ]
    root = write_tree(tmp_path / "q", FILES)
    assert _problems(root, sets=("ingress.path=null",)) == [
        "--set: error: ingress.path is required (the path of the app's Ingress rule), but "
        "`ingress.path: null` deletes it; set ingress.path (e.g. /), or ingress.enabled: "
        "false to render no Ingress"
    ]


def test_a_value_never_set_is_reported_at_the_base(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {**FILES, "bases/web/app.yaml": "port: 8080\n"})
    assert _problems(root) == [
        "bases/web/app.yaml:1:1: error: image.repository is required (the image of the "
        "app's container), but it is not set; set image.repository and image.tag"
    ]
    # Where the image mapping was written, when it was.
    write_tree(root, {"bases/web/app.yaml": 'port: 8080\nimage:\n  tag: "1"\n'})
    assert _problems(root)[0].startswith("bases/web/app.yaml:3:3: error: image.repository")


def test_strategy_problems_and_missing_values_come_together(tmp_path: Path) -> None:
    overlay = "strategy: {type: canary, canary: {steps: [{setWeight: 50}, {setWeight: 20}]}}\n"
    root = write_tree(tmp_path / "p", {**FILES, OVERLAY: overlay + "port: null\n"})
    assert [line.split(": error: ")[0] for line in _problems(root)] == [
        f"{OVERLAY}:1:72",  # KC204
        f"{OVERLAY}:2:7",  # KC218
    ]


def test_required_values_without_provenance() -> None:
    """Plain values (no layers): what is missing, located at the app's base file."""
    plan = {"services": [], "ingresses": [{"name": "web"}]}
    found = required_values("web", {"port": 80, "ingress": {}}, plan)
    assert [(d.code, str(d.pos), d.message.split()[0]) for d in found] == [
        ("KC218", "bases/web/app.yaml:1:1", "image.repository"),
        ("KC218", "bases/web/app.yaml:1:1", "service.port"),
        ("KC218", "bases/web/app.yaml:1:1", "ingress.path"),
    ]
    # No plan (the strategy is broken): only what every plan needs.
    assert [d.message.split()[0] for d in required_values("web", {}, None)] == [
        "image.repository",
        "port",
    ]
    # A value of the wrong type is the input schema's to report, not a missing one.
    assert required_values("web", {"image": "r/web:1", "port": 80}, None) == []


def test_template_values_fill_only_what_is_missing() -> None:
    values: dict[str, Any] = {"port": 80, "networkPolicy": {"allowFrom": []}}
    out = template_values(values)
    assert out == {
        "port": 80,
        "annotations": {},
        "probes": {},
        "sidecars": [],
        "networkPolicy": {"allowFrom": [], "enabled": False},
        "portName": "http",
    }
    assert values == {"port": 80, "networkPolicy": {"allowFrom": []}}  # not mutated
    full = {
        "annotations": {"a": "b"},
        "probes": {"readiness": {}},
        "sidecars": [{"name": "x"}],
        "networkPolicy": {"enabled": True},
        "portName": "tcp-redis",
    }
    assert template_values(full) == full
    out["sidecars"].append("changed")
    assert template_values({})["sidecars"] == []  # a fresh empty value every time
