"""The built-in Jinja2 templates ship compiled (kconfig/render/templates/jinja/_compiled/):
current, used without compiling or writing anything, and a stale module is never used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest

import kconfig.render.backends.jinja as jinja_backend
from kconfig import Project
from kconfig.render.backends import BackendSettings, builtin_dir

MakeProject = Callable[..., Path]
FOLDER = builtin_dir("jinja") / jinja_backend.COMPILED_DIR


def test_the_compiled_templates_are_current() -> None:
    files = jinja_backend.compile_builtins()
    index = (FOLDER / jinja_backend.COMPILED_INDEX).read_text(encoding="utf-8")
    if f'"jinja2": "{jinja2.__version__}"' not in index:
        pytest.skip(f"compiled by another Jinja2 than {jinja2.__version__} (they fall back)")
    committed = {p.name: p.read_text(encoding="utf-8") for p in FOLDER.iterdir() if p.is_file()}
    assert committed == files, "stale: run python tools/compile_templates.py"
    built_ins = {p.name for p in builtin_dir("jinja").glob("*.j2")}
    assert {name.removesuffix(".py") for name in files} - {"index.json"} == built_ins


def _compiled_from_source(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None, *a, **k):  # type: ignore[no-untyped-def]
        compiled.append(str(name))
        return real(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return compiled


def test_a_fresh_machine_compiles_and_writes_nothing(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = make_project()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    compiled = _compiled_from_source(monkeypatch)
    manifests = Project.load(root).render("qa", validate=False)
    assert manifests and compiled == []
    assert not (tmp_path / "xdg" / "kconfig" / f"jinja-{jinja2.__version__}").exists()


def test_templates_keep_their_names_for_messages() -> None:
    env = jinja_backend.trusted_environment(BackendSettings(root=Path.cwd(), user_cache=False))
    name = "kconfig:templates/jinja/deployment.json.j2"
    template = env.get_template(name)
    assert template.filename == name
    assert template.root_render_func.__code__.co_filename == name


def test_a_stale_or_foreign_module_is_not_used(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project()
    expected = [m.body for m in Project.load(root, user_cache=False).render("qa", validate=False)]
    # an edited template (its digest differs) and a module from another Jinja2 release
    stale = {"deployment.json.j2": "0" * 64}
    monkeypatch.setattr(jinja_backend._BuiltinLoader, "index", lambda self: stale)
    compiled = _compiled_from_source(monkeypatch)
    got = [m.body for m in Project.load(root, user_cache=False).render("qa", validate=False)]
    assert got == expected
    assert "kconfig:templates/jinja/deployment.json.j2" in compiled
    monkeypatch.undo()
    monkeypatch.setattr(jinja2, "__version__", "0.0.0")
    loader = jinja_backend._BuiltinLoader(root)
    assert loader.index() == {}
