"""Fuzzing: random overlays and ``--set`` expressions over the reference estate.

Whatever the input, kconfig either renders output that is valid YAML made of Kubernetes
objects, or raises a :class:`kconfig.KconfigError` whose every diagnostic is one located line.
Anything else (a ``TypeError`` from deep inside, a traceback, exit 3) is a bug.

In CI the examples are few and derandomized (the same inputs every run). A longer campaign,
with fresh random inputs each time::

    KCONFIG_FUZZ_EXAMPLES=5000 KCONFIG_FUZZ_RANDOM=1 python -m pytest tests/fuzz -p no:cacheprovider

(see SECURITY.md). A failure prints the smallest input Hypothesis found.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kconfig
from tests.adversarial._harness import DIAGNOSTIC
from tests.conftest import copy_estate

EXAMPLES = int(os.environ.get("KCONFIG_FUZZ_EXAMPLES", "80"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("KCONFIG_FUZZ_RANDOM"),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _words(text: str) -> list[str]:
    return text.split()


# The app values vocabulary (CONTRACT.md), so that random overlays reach deep into kconfig
# instead of stopping at "unknown key".
KEYS = _words("""
    image replicas port service command args env resources probes labels annotations
    sidecars ingress networkPolicy strategy components backend patches envFrom secrets
""")
NESTED = _words("""
    repository tag type port enabled host path className tls requests limits cpu memory
    readiness liveness allowFrom app namespace canary blueGreen steps setWeight pause
    duration weight header active blue green maxSurge maxUnavailable trafficRouting analysis
    successRate minimum name target patch kind spec value valueFrom secretKeyRef key image
    LOG_LEVEL PASSWORD apiKey
""")
# Strings a YAML 1.1 reader, a template or Kubernetes could trip on.
AWKWARD = [
    "",
    " ",
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "~",
    "null",
    "true",
    "1.10",
    "0644",
    "1e3",
    "12:30",
    ".inf",
    ".nan",
    "-",
    "*",
    "&a",
    "!tag",
    "{{ x }}",
    "{% raw %}",
    "${HOME}",
    "a: b",
    "- x",
    "#",
    "'",
    '"',
    "\\",
    "\n",
    "\t",
    "café ☕",
    "../../etc/passwd",
    "/etc",
    "Deployment",
    "canary",
    "blueGreen",
    "ingressCanary",
    "rolling",
    "recreate",
    "nginx",
    "none",
    "jinja",
    "jsonnet",
    "latest",
    "hpa",
    "frontend",
    "100m",
    "128Mi",
    "25%",
    "x" * 300,
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(AWKWARD),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(NESTED) | st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=20,
)
# Values of the right shape (CONTRACT.md app values) with awkward contents: these get past the
# input schemas and reach the templates, strategies and output checks.
words = st.sampled_from(AWKWARD) | st.text(max_size=10)
names = st.sampled_from(["web", "frontend", "metrics-agent", "x", "a-b", "Web", ""]) | words
ints = st.integers(-3, 70000) | st.sampled_from([2**31, 2**63, -(2**63)])
maybe = st.none() | st.just({})


def _obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


SHAPED: dict[str, st.SearchStrategy[Any]] = {
    "image": _obj(repository=words, tag=words, digest=words),
    "replicas": ints | st.none(),
    "port": ints,
    "service": _obj(
        port=ints, type=st.sampled_from(["ClusterIP", "NodePort", "x"]), enabled=st.booleans()
    ),
    "command": st.lists(words, max_size=3),
    "args": st.lists(words, max_size=3),
    "env": st.dictionaries(
        words, words | _obj(valueFrom=_obj(secretKeyRef=_obj(name=names, key=words))), max_size=3
    ),
    "resources": _obj(requests=_obj(cpu=words, memory=words), limits=_obj(memory=words)),
    "probes": _obj(readiness=_obj(path=words), liveness=_obj(path=words)),
    "labels": st.dictionaries(words, words, max_size=3),
    "annotations": st.dictionaries(words, words, max_size=3),
    "sidecars": st.lists(
        _obj(name=names, image=words, args=st.lists(words, max_size=2)), max_size=2
    ),
    "ingress": _obj(
        enabled=st.booleans(),
        host=words | st.none(),
        path=words,
        className=words,
        tls=st.none() | st.booleans() | words,
    ),
    "networkPolicy": _obj(
        enabled=st.booleans(), allowFrom=st.lists(_obj(app=names, namespace=names), max_size=2)
    ),
    "strategy": _obj(
        type=st.sampled_from(
            ["rolling", "recreate", "blueGreen", "canary", "ingressCanary", "ingressBlueGreen"]
        )
        | words,
        rolling=_obj(maxSurge=words | ints, maxUnavailable=words | ints),
        canary=_obj(
            steps=st.lists(_obj(setWeight=ints, pause=maybe | _obj(duration=words)), max_size=3),
            trafficRouting=st.sampled_from(["nginx", "none"]) | words,
            analysis=_obj(
                successRate=_obj(prometheusAddress=words, minimum=st.floats(-1, 2) | words)
            ),
        ),
        blueGreen=_obj(autoPromotionEnabled=st.booleans(), scaleDownDelaySeconds=ints),
        ingressCanary=_obj(tag=words, weight=ints, header=words),
        ingressBlueGreen=_obj(
            active=st.sampled_from(["blue", "green"]) | words,
            blue=_obj(tag=words),
            green=_obj(tag=words),
        ),
    ),
    "components": st.lists(st.sampled_from(["hpa"]) | names, max_size=2),
    "backend": st.sampled_from(["jinja", "jsonnet"]) | words,
    "patches": st.lists(
        _obj(
            target=_obj(
                kind=st.sampled_from(["Deployment", "Service", "Ingress"]) | words, name=names
            ),
            patch=st.dictionaries(st.sampled_from(NESTED), values, max_size=3),
        ),
        max_size=2,
    ),
}
shaped_overlays = st.lists(st.sampled_from(sorted(SHAPED)), max_size=4, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: SHAPED[k] for k in keys})
)
overlays = st.one_of(
    shaped_overlays,
    shaped_overlays,
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), values, max_size=6),
)

# Raw text: sometimes valid YAML, mostly not; exercises the reader's error paths.
YAML_CHARS = " \n\t:-?[]{},#&*!|>'\"%@`.0123456789abcxyz~é☕\x00\x85\ufeff"
raw_texts = st.text(alphabet=YAML_CHARS, max_size=80)

PATHS = _words("""
    replicas image.tag image env.LOG_LEVEL resources.limits.memory
    sidecars[metrics-agent].image strategy.type ingress.enabled labels.team service.port
    args components backend probes.readiness.path
""")
set_paths = st.one_of(
    st.sampled_from(PATHS),
    st.text(alphabet="abc.[]-_=/ 0", max_size=12),
    st.lists(st.sampled_from(NESTED), min_size=1, max_size=5).map(".".join),
)
set_values = st.one_of(st.sampled_from(AWKWARD), st.text(alphabet=YAML_CHARS, max_size=20))
good_sets = st.builds(lambda p, v: f"{p}={v}", st.sampled_from(PATHS), set_values)
set_exprs = st.one_of(
    st.just([]),
    st.lists(good_sets, max_size=2),
    st.lists(
        st.one_of(
            good_sets,
            st.builds(lambda p, v: f"{p}={v}", set_paths, set_values),
            st.text(max_size=10),  # no '=' at all, or garbage
        ),
        max_size=3,
    ),
)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_estate(tmp_path_factory.mktemp("fuzz") / "estate")


@pytest.fixture(scope="module")
def layout(estate: Path) -> tuple[list[str], list[str]]:
    project = kconfig.Project.load(estate)
    return project.environments, project.apps


def _render(
    root: Path,
    env: str,
    apps: Sequence[str] | None,
    sets: Sequence[str],
    backend: str | None = None,
) -> str:
    """What ``kconfig render`` does: render, validate, dump."""
    project = kconfig.Project.load(root)
    rendered = project.render(env, apps=apps, overrides=sets, backend=backend)
    return kconfig.dump_yaml(rendered)


def _assert_outcome(call: Callable[[], str]) -> None:
    """Valid YAML of Kubernetes objects, or only located one-line KconfigErrors."""
    try:
        text = call()
    except kconfig.KconfigError as err:
        assert err.diagnostics, "an error with nothing to say"
        for diag in err.diagnostics:
            line = diag.format()
            assert "\n" not in line, f"a diagnostic spans lines: {line!r}"
            assert DIAGNOSTIC.match(line), line
            if not isinstance(err, kconfig.UsageError) and diag.pos is None:
                pytest.fail(f"an input error without a place: {line}")
        return
    docs = list(yaml.safe_load_all(text))
    for doc in docs:
        assert isinstance(doc, dict) and doc.get("kind") and doc.get("apiVersion"), doc


@contextmanager
def _replace(path: Path, content: str | bytes) -> Iterator[None]:
    """``path`` holds ``content`` for the block, and its old bytes (or nothing) after."""
    old = path.read_bytes() if path.exists() else None
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    try:
        yield
    finally:
        if old is None:
            path.unlink()
        else:
            path.write_bytes(old)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@FUZZ
@given(data=st.data(), overlay=overlays, sets=set_exprs)
def test_random_overlays_and_sets(
    data: st.DataObject,
    overlay: dict[str, Any],
    sets: list[str],
    estate: Path,
    layout: tuple[list[str], list[str]],
) -> None:
    envs, apps = layout
    env = data.draw(st.sampled_from(envs), label="env")
    app = data.draw(st.sampled_from(apps), label="app")
    only = data.draw(st.sampled_from([[app], None]), label="apps")
    backend = data.draw(st.sampled_from([None, "jsonnet"]), label="backend")
    target = estate / "overlays" / env / f"{app}.yaml"
    with _replace(target, _dump(overlay)):
        _assert_outcome(lambda: _render(estate, env, only, sets, backend))


@FUZZ
@given(data=st.data(), text=raw_texts)
def test_random_text_in_any_input_file(
    data: st.DataObject, text: str, estate: Path, layout: tuple[list[str], list[str]]
) -> None:
    envs, apps = layout
    env = data.draw(st.sampled_from(envs), label="env")
    app = data.draw(st.sampled_from(apps), label="app")
    rel = data.draw(
        st.sampled_from(
            [
                f"overlays/{env}/{app}.yaml",
                f"overlays/{env}/env.yaml",
                f"bases/{app}/app.yaml",
                "kconfig.yaml",
            ]
        ),
        label="file",
    )
    with _replace(estate / rel, text):
        _assert_outcome(lambda: _render(estate, env, [app], ()))


@FUZZ
@given(
    data=st.data(),
    env_doc=st.dictionaries(
        st.sampled_from(
            [
                "extends",
                "namespace",
                "domain",
                "labels",
                "annotations",
                "isolation",
                "allowNamespaces",
                "apps",
                "defaults",
                "checks",
                "allowSecrets",
            ]
        ),
        values,
        max_size=4,
    ),
)
def test_random_env_files(
    data: st.DataObject,
    env_doc: dict[str, Any],
    estate: Path,
    layout: tuple[list[str], list[str]],
) -> None:
    envs, _ = layout
    env = data.draw(st.sampled_from(envs), label="env")
    with _replace(estate / "overlays" / env / "env.yaml", _dump(env_doc)):
        _assert_outcome(lambda: _render(estate, env, None, ()))


def test_a_few_random_runs_of_the_command(tmp_path: Path) -> None:
    """The same, end to end: exit 0 with YAML on stdout, or 1/2 with only diagnostics."""
    root = copy_estate(tmp_path / "estate")
    project = kconfig.Project.load(root)
    rng = random.Random(8)
    for _ in range(4):
        env, app = rng.choice(project.environments), rng.choice(project.apps)
        overlay = {rng.choice(KEYS): rng.choice([*AWKWARD, 3, None, [1], {"a": "b"}])}
        sets = [f"{rng.choice(PATHS)}={rng.choice(AWKWARD)}"]
        (root / "overlays" / env / f"{app}.yaml").write_text(_dump(overlay), encoding="utf-8")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kconfig",
                "-C",
                str(root),
                "render",
                env,
                *(a for s in sets for a in ("--set", s)),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode in (0, 1, 2), done.stderr
        assert "Traceback" not in done.stderr
        for line in done.stderr.splitlines():
            assert DIAGNOSTIC.match(line), line
        if done.returncode == 0:
            assert all(isinstance(d, dict) for d in yaml.safe_load_all(done.stdout))
        else:
            assert done.stdout == ""
