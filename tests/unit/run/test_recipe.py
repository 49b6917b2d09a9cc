"""kconfig.run.recipe: one environment's inputs, render and outputs in one pass, every
problem collected, the documented error class kept."""

from __future__ import annotations

from pathlib import Path

from kconfig.check.validate import Validator
from kconfig.core.manifests import Manifest
from kconfig.errors import LoadError, PatchError, ValidationError
from kconfig.load.sources import Sources, load_sources
from kconfig.render.pipeline import RenderOptions, render_environment
from kconfig.run.recipe import run_environment
from tests.conftest import MINIMAL, write_tree


def _sources(tmp_path: Path, files: dict[str, str]) -> Sources:
    return load_sources(write_tree(tmp_path / "p", {**MINIMAL, **files}))


def test_inputs_with_an_error_are_not_rendered(tmp_path: Path) -> None:
    sources = _sources(tmp_path, {"overlays/qa/web.yaml": "replica: 3\n"})
    calls: list[str] = []

    def renderer(s: Sources, env: str, options: RenderOptions) -> list[Manifest]:
        calls.append(env)
        return render_environment(s, env, options)

    result = run_environment(sources, "qa", validator=Validator(sources), renderer=renderer)
    assert (result.manifests, result.failure, calls) == (None, ValidationError, [])
    assert [d.code for d in result.diagnostics] == ["KC091"]
    # without a validator the recipe only renders (once)
    result = run_environment(sources, "qa", renderer=renderer)
    assert result.manifests and not result.failed and calls == ["qa"]


def test_the_class_of_what_failed_is_kept(tmp_path: Path) -> None:
    dup = _sources(tmp_path / "a", {"overlays/qa/web.yaml": "port: 1\nport: 2\n"})
    assert run_environment(dup, "qa", validator=Validator(dup)).failure is LoadError
    patch = "patches:\n- target: {kind: Service, name: nope}\n  patch: {spec: {}}\n"
    bad = _sources(tmp_path / "b", {"overlays/qa/web.yaml": patch})
    assert run_environment(bad, "qa", validator=Validator(bad)).failure is PatchError


def test_outputs_are_checked_after_the_render(tmp_path: Path) -> None:
    """A warning of the semantic checks (no resource requests) comes with the manifests."""
    sources = _sources(tmp_path, {"bases/web/app.yaml": "image: {repository: r/web, tag: '1'}\n"})
    result = run_environment(sources, "qa", validator=Validator(sources))
    assert result.manifests is not None and not result.failed
    assert [d.code for d in result.diagnostics] == ["KC106"]
