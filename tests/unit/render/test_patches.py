"""Overlay patches (``patches:`` in ``overlays/<env>/<app>.yaml``): merged into the rendered
manifest their target selects, with the values' merge rules, after templates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kconfig import Project
from kconfig.errors import KconfigError
from tests.conftest import REPO, run_kconfig

MakeProject = Callable[..., Path]

APP = """\
image: {repository: registry.example.com/shop/web, tag: "1.0.0"}
port: 8080
resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
service: {annotations: {team: core}}
sidecars:
- name: proxy
  image: envoyproxy/envoy:v1.30.0
"""


def render(root: Path, env: str = "qa", **kwargs: Any) -> dict[tuple[str, str], Any]:
    """The patched manifests (the patch engine, below validation: a patch may well make a
    manifest that validation refuses, as the null that deletes a sidecar's image does)."""
    kwargs.setdefault("validate", False)
    return {m.key: m for m in Project.load(root).render(env, **kwargs)}


def patched(
    make_project: MakeProject, overlay: str, env: str = "qa", **files: str
) -> dict[tuple[str, str], Any]:
    return render(
        make_project({"bases/web/app.yaml": APP, f"overlays/{env}/web.yaml": overlay, **files}), env
    )


@pytest.mark.parametrize("backend", ["jinja", "jsonnet"])
def test_container_patch_merges_by_name(make_project: MakeProject, backend: str) -> None:
    root = make_project(
        {
            "bases/web/app.yaml": APP,
            "overlays/qa/web.yaml": """\
patches:
- target: {kind: Deployment, name: web}
  patch:
    spec:
      template:
        spec:
          priorityClassName: high
          containers:
          - name: app
            resources: {limits: {memory: 1Gi}}
            env: [{name: EXTRA, value: "1"}]
""",
        }
    )
    deployment = render(root, backend=backend)[("Deployment", "web")]
    pod = deployment.body["spec"]["template"]["spec"]
    app, proxy = pod["containers"]
    assert pod["priorityClassName"] == "high"
    assert app["name"] == "app"
    assert app["image"] == "registry.example.com/shop/web:1.0.0"  # kept
    assert app["resources"] == {
        "limits": {"memory": "1Gi"},
        "requests": {"cpu": "100m", "memory": "64Mi"},
    }
    assert app["env"] == [{"name": "EXTRA", "value": "1"}]
    assert proxy == {"name": "proxy", "image": "envoyproxy/envoy:v1.30.0"}  # untouched
    assert [str(p) for p in deployment.patched_by] == ["overlays/qa/web.yaml:2:3"]
    assert deployment.origin.path.endswith(
        "deployment.json.j2" if backend == "jinja" else "deployment.jsonnet"
    )


def test_service_annotation_patch(make_project: MakeProject) -> None:
    out = patched(
        make_project,
        """\
patches:
- target: {kind: Service, name: web}
  patch:
    metadata:
      annotations:
        service.beta.kubernetes.io/aws-load-balancer-internal: "true"
""",
    )
    assert out[("Service", "web")].body["metadata"]["annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
        "team": "core",
    }


def test_null_deletes_and_named_items_append(make_project: MakeProject) -> None:
    out = patched(
        make_project,
        """\
patches:
- target: {kind: Deployment, name: web}
  patch:
    spec:
      strategy: null
      template:
        spec:
          containers:
          - name: proxy
            image: null
          - name: logger
            image: fluent/fluent-bit:3.0
""",
    )
    spec = out[("Deployment", "web")].body["spec"]
    assert "strategy" not in spec
    containers = spec["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "proxy", "logger"]
    assert containers[1] == {"name": "proxy"}


def test_patches_of_an_extended_environment_apply_too(make_project: MakeProject) -> None:
    out = render(
        make_project(
            {
                "bases/web/app.yaml": APP,
                "kconfig.yaml": "project: shop\nenvironments: [qa, e2e, prod]\n",
                "overlays/e2e/env.yaml": "extends: qa\ndomain: e2e.example.com\n",
                "overlays/qa/web.yaml": (
                    "patches:\n- target: {kind: Service, name: web}\n"
                    "  patch: {metadata: {annotations: {from: qa, both: qa}}}\n"
                ),
                "overlays/e2e/web.yaml": (
                    "patches:\n- target: {kind: Service, name: web}\n"
                    "  patch: {metadata: {annotations: {both: e2e}}}\n"
                ),
            }
        ),
        "e2e",
    )
    service = out[("Service", "web")]
    assert service.body["metadata"]["annotations"] == {"both": "e2e", "from": "qa", "team": "core"}
    assert [str(p) for p in service.patched_by] == [
        "overlays/qa/web.yaml:2:3",
        "overlays/e2e/web.yaml:2:3",
    ]


def test_patch_applies_to_custom_template_output(make_project: MakeProject) -> None:
    out = patched(
        make_project,
        "patches:\n- target: {kind: ConfigMap, name: extra}\n  patch: {data: {b: '2'}}\n",
        **{
            "bases/web/templates/extra.yaml.j2": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {a: '1'}\n"
            )
        },
    )
    assert out[("ConfigMap", "extra")].body["data"] == {"a": "1", "b": "2"}


def test_target_matching_nothing_is_located(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/app.yaml": APP,
            "overlays/qa/web.yaml": """\
replicas: 2
patches:
- target: {kind: Service, name: web}
  patch: {metadata: {annotations: {ok: "yes"}}}
- target: {kind: Deployment, name: api}
  patch: {spec: {paused: true}}
""",
        }
    )
    with pytest.raises(KconfigError) as info:
        Project.load(root).render("qa")
    assert [d.format() for d in info.value.diagnostics] == [
        "overlays/qa/web.yaml:5:3: error: patch target Deployment/api matches no rendered "
        "manifest of this app (rendered: Deployment/web, Service/web)"
    ]
    assert info.value.diagnostics[0].code == "KC042"


def test_target_matching_nothing_cli(make_project: MakeProject) -> None:
    root = make_project(
        {
            "overlays/qa/web.yaml": (
                "patches:\n- target: {kind: Ingress, name: web}\n"
                "  patch: {metadata: {labels: {a: b}}}\n"
            )
        }
    )
    result = run_kconfig("render", "qa", "-C", str(root))
    assert result.returncode == 1
    assert result.stderr.startswith(
        "overlays/qa/web.yaml:2:3: error: patch target Ingress/web matches no rendered "
        "manifest of this app"
    )


def test_reference_estate_patch() -> None:
    prod = {m.key: m for m in Project.load(REPO).render("prod")}
    frontend = prod[("Deployment", "frontend")]
    spread = frontend.body["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert spread == [
        {
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "frontend"}},
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
        }
    ]
    assert [p.path for p in frontend.patched_by] == ["overlays/prod/frontend.yaml"]
