"""The Jsonnet engines: the C++ VM (the reference, always installed) and rjsonnet (the
``fast-jsonnet`` extra), which renders kconfig's built-ins when installed. Its output must be
the reference's bytes; whatever fails on it is run again on the C++ VM. Tests that need
rjsonnet skip when it is absent; CI's lowest-bounds venv has the extra (.ci/run).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kconfig import Project, dump_yaml
from kconfig.errors import RenderError
from kconfig.render.backends import BackendSettings, Template, builtin_template, prefetch
from kconfig.render.backends.jsonnet import (
    ENGINE_VARIABLE,
    ImportRefused,
    JsonnetBackend,
    _Importer,
    _TextImporter,
    fast_engine,
)
from tests.conftest import REPO
from tests.unit.render.test_jsonnet import _contexts
from tests.unit.render.test_parity import FULL_APP, SPARSE_APP, STRATEGIES, _strategy_app

MakeProject = Callable[..., Path]
TEMPLATE = "bases/web/templates/x.jsonnet"
needs_rjsonnet = pytest.mark.skipif(
    fast_engine("auto") is None, reason="rjsonnet is not installed (kconfig[fast-jsonnet])"
)


class _Counting:
    """Wraps an engine module; counts its batch evaluations, or fails them."""

    def __init__(self, module: Any, fail: bool = False) -> None:
        self.module = module
        self.fail = fail
        self.calls = 0

    def evaluate_snippet(self, *args: Any, **kwargs: Any) -> str:
        self.calls += 1
        if self.fail:
            raise RuntimeError("engine failed")
        return str(self.module.evaluate_snippet(*args, **kwargs))

    def evaluate_file(self, *args: Any, **kwargs: Any) -> str:
        return str(self.module.evaluate_file(*args, **kwargs))


def _backend(root: Path, fail: bool = False) -> tuple[JsonnetBackend, _Counting, _Counting]:
    backend = JsonnetBackend(BackendSettings(root=root))
    fast = _Counting(fast_engine("auto"), fail)
    cpp = _Counting(backend._vm)
    backend._fast, backend._vm = fast, cpp
    return backend, fast, cpp


def _context(root: Path, **extra: Any) -> dict[str, Any]:
    [ctx] = _contexts(root)
    return {**ctx, **extra}


# -- selection ---------------------------------------------------------------------------
def test_kconfig_jsonnet_selects_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fast_engine("jsonnet") is None
    monkeypatch.setenv(ENGINE_VARIABLE, "jsonnet")
    assert fast_engine() is None
    monkeypatch.setitem(sys.modules, "rjsonnet", None)  # not installed: import fails
    assert fast_engine("auto") is None
    with pytest.raises(RenderError, match="KCONFIG_JSONNET=go: expected one of auto, jsonnet"):
        fast_engine("go")


@needs_rjsonnet
def test_auto_is_rjsonnet_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    engine = fast_engine()
    assert engine is not None
    assert engine.__name__ == "rjsonnet"


# -- the same bytes ------------------------------------------------------------------------
def _render_all(project: Project) -> dict[str, str]:
    return {env: dump_yaml(project.render(env, backend="jsonnet")) for env in project.environments}


@needs_rjsonnet
def test_rjsonnet_renders_the_reference_bytes(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n",
        "bases/full/app.yaml": FULL_APP,
        "bases/sparse/app.yaml": SPARSE_APP,
        "overlays/qa/env.yaml": "domain: qa.example.com\nlabels: {env: qa}\n",
        "overlays/prod/env.yaml": "domain: example.com\nisolation: false\n",
        **{f"bases/{n}/app.yaml": _strategy_app(n, s) for n, s in STRATEGIES.items()},
    }
    root = make_project(files, base=False)
    for project in (Project.load(root), Project.load(REPO)):
        monkeypatch.setenv(ENGINE_VARIABLE, "jsonnet")
        reference = _render_all(project)
        monkeypatch.setenv(ENGINE_VARIABLE, "auto")
        assert _render_all(project) == reference


# -- which engine renders what ---------------------------------------------------------------
@needs_rjsonnet
def test_builtins_run_on_rjsonnet_users_templates_on_the_cpp_vm(
    make_project: MakeProject,
) -> None:
    root = make_project({TEMPLATE: "function(ctx) {apiVersion: 'v1', kind: 'X', name: 1}\n"})
    backend, fast, cpp = _backend(root)
    ctx = _context(root)
    builtin = builtin_template("jsonnet", "service")
    own = Template(TEMPLATE, root / TEMPLATE, "jsonnet")
    prefetch(backend, [(builtin, ctx), (own, ctx)])
    assert (fast.calls, cpp.calls) == (1, 1)
    assert backend.render(builtin, ctx)[0]["kind"] == "Service"
    assert backend.render(own, ctx)[0]["kind"] == "X"


@needs_rjsonnet
def test_what_fails_on_rjsonnet_is_run_on_the_cpp_vm(make_project: MakeProject) -> None:
    root = make_project()
    backend, fast, cpp = _backend(root, fail=True)
    ctx = _context(root)
    template = builtin_template("jsonnet", "service")
    prefetch(backend, [(template, ctx)])
    assert (fast.calls, cpp.calls) == (1, 1)
    assert backend.render(template, ctx)[0]["kind"] == "Service"


@needs_rjsonnet
def test_wide_numbers_are_left_to_the_cpp_vm(make_project: MakeProject) -> None:
    root = make_project()
    backend, fast, cpp = _backend(root)
    ctx = _context(root, big=12345678901234567890)
    prefetch(backend, [(builtin_template("jsonnet", "service"), ctx)])
    assert (fast.calls, cpp.calls) == (0, 1)
    for wide in (-12345678901234567890, 1e20, 1e-7, [1.5e300]):
        prefetch(backend, [(builtin_template("jsonnet", "service"), _context(root, n=wide))])
    assert (fast.calls, cpp.calls) == (0, 5)
    # Numbers both engines write alike, and strings that only look like numbers, stay on it.
    digest = "r/x@sha256:4e2d01234567890123456789"
    ctx = _context(root, n=[0.1, 1234567890123], image=digest, tag="1e5")
    prefetch(backend, [(builtin_template("jsonnet", "service"), ctx)])
    assert (fast.calls, cpp.calls) == (1, 5)


# -- rjsonnet's imports are confined like the C++ VM's ----------------------------------------
def _evaluate_as_batch(root: Path, importer: _Importer) -> str:
    """Evaluate root/x.jsonnet on rjsonnet as a batch does: imported by absolute path."""
    engine = fast_engine("auto")
    assert engine is not None
    path = str(root / "x.jsonnet")
    importer.batch = frozenset({path})
    text: str = engine.evaluate_snippet(
        "<kconfig-batch>/batch.jsonnet", f"import {path!r}", import_callback=_TextImporter(importer)
    )
    return text


@needs_rjsonnet
@pytest.mark.parametrize(
    ("source", "refusal"),
    [
        ("import '/etc/hostname'", "absolute paths are refused"),
        ("importstr '../../outside.txt'", "'..' leads outside the project"),
        ("importstr '.git/config'", "kconfig's and Git's own files"),
        ("importbin 'binary.dat'", "not UTF-8 text"),
    ],
)
def test_rjsonnet_imports_are_confined(
    make_project: MakeProject, source: str, refusal: str
) -> None:
    root = make_project({"x.jsonnet": source, ".git/config": "[core]\n"})
    (root / "binary.dat").write_bytes(b"\xff\xfe")
    (root.parent / "outside.txt").write_text("secret\n")
    with pytest.raises(RuntimeError, match=refusal):
        _evaluate_as_batch(root, _Importer(root, ()))


@needs_rjsonnet
def test_rjsonnet_reads_the_kconfig_library(make_project: MakeProject) -> None:
    root = make_project({"x.jsonnet": "(import 'kconfig.libsonnet').truthy([1])"})
    assert _evaluate_as_batch(root, _Importer(root, ())).strip() == "true"


def test_text_importer_hands_over_text(make_project: MakeProject) -> None:
    root = make_project({"lib/a.libsonnet": "{a: 'é'}"})
    path, text = _TextImporter(_Importer(root, ()))(str(root) + "/", "lib/a.libsonnet")
    assert (Path(path), text) == (root / "lib/a.libsonnet", "{a: 'é'}")
    with pytest.raises(ImportRefused):
        _TextImporter(_Importer(root, ()))(str(root) + "/", "/etc/hostname")
