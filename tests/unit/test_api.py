"""The public surface: pinned names, and a light ``import kconfig``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import kconfig
from tests.conftest import MINIMAL, write_tree

PUBLIC = [
    "BranchCommit",
    "BuildResult",
    "Change",
    "Check",
    "Diagnostic",
    "EditResult",
    "EnvDiff",
    "Environment",
    "Explanation",
    "FileDiff",
    "FileEdit",
    "KconfigError",
    "Layer",
    "Leaf",
    "Limits",
    "LoadError",
    "Manifest",
    "ManifestDiff",
    "MergeError",
    "Merged",
    "Origin",
    "OutputDir",
    "OutputError",
    "Patch",
    "PatchError",
    "Project",
    "ProjectConfig",
    "PromoteResult",
    "RenderError",
    "Rendered",
    "Report",
    "Setting",
    "SourcePos",
    "SwitchResult",
    "UnitResult",
    "UsageError",
    "ValidationError",
    "Values",
    "__version__",
    "dump_json",
    "dump_yaml",
    "input_checks",
    "kubernetes_versions",
    "semantic_checks",
]


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert sorted(kconfig.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(kconfig, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        kconfig.nope  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as err:
        assert "nope" in str(err)
    else:  # pragma: no cover
        raise AssertionError("kconfig.nope resolved")


def test_import_kconfig_loads_no_pipeline_library() -> None:
    code = (
        "import sys, kconfig\n"
        "heavy = ('yaml', 'deepmerge', 'jinja2', '_jsonnet', 'jsonschema_rs', 'ruamel')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- the API keeps the CLI's promises -----------------------------------------------------------
def _project(tmp_path: Path, files: dict[str, str]) -> kconfig.Project:
    return kconfig.Project.load(write_tree(tmp_path / "p", {**MINIMAL, **files}))


def test_render_validates_by_default_and_reports_every_problem(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {"overlays/qa/web.yaml": "replica: 3\n", "overlays/prod/web.yaml": "port: http\n"},
    )
    with pytest.raises(kconfig.ValidationError) as caught:
        project.render("qa", overrides=["service.port=many"])
    assert [d.format() for d in caught.value.diagnostics] == [
        '--set: error: `service.port` must be an integer, not string "many"',
        "overlays/qa/web.yaml:1:1: error: unknown key `replica` (did you mean `replicas`?)",
    ]
    # validate=False only renders: the unknown key is not the renderer's business
    assert [m.title for m in project.render("qa", validate=False)][-1] == "Deployment/web"


def test_render_fails_on_invalid_output_in_one_pass(tmp_path: Path) -> None:
    patch = (
        "patches:\n- target: {kind: Deployment, name: web}\n"
        "  patch: {spec: {template: {spec: {priorityClass: high}}}}\n"
    )
    project = _project(tmp_path, {"overlays/qa/web.yaml": patch})
    with pytest.raises(kconfig.ValidationError) as caught:
        project.render("qa")
    (diag,) = caught.value.errors
    assert str(diag.pos) == "overlays/qa/web.yaml:3:36" and "priorityClass" in diag.message
    rendered = project.rendered("qa", validate=False)
    assert isinstance(rendered, kconfig.Rendered) and rendered.warnings == ()


def test_a_duplicate_key_is_a_load_error(tmp_path: Path) -> None:
    project = _project(tmp_path, {"overlays/qa/web.yaml": "replicas: 1\nreplicas: 2\n"})
    for validate in (True, False):
        with pytest.raises(kconfig.LoadError) as caught:
            project.render("qa", validate=validate)
        assert str(caught.value) == (
            "overlays/qa/web.yaml:2:1: error: duplicate key 'replicas' (first defined at line 1)"
        )


def test_a_patch_that_matches_nothing_is_a_patch_error(tmp_path: Path) -> None:
    patch = "patches:\n- target: {kind: Deployment, name: nope}\n  patch: {spec: {}}\n"
    project = _project(tmp_path, {"overlays/qa/web.yaml": patch})
    for validate in (True, False):
        with pytest.raises(kconfig.PatchError, match="Deployment/nope matches no rendered"):
            project.render("qa", validate=validate)


def test_messages_never_name_an_internal_class(tmp_path: Path) -> None:
    project = _project(tmp_path, {"overlays/qa/web.yaml": "components: [[extra]]\n"})
    with pytest.raises(kconfig.LoadError) as caught:
        project.render("qa", validate=False)
    text = str(caught.value)
    assert text == "overlays/qa/web.yaml:1:13: error: component: a name must be a string, not list"
    with pytest.raises(kconfig.ValidationError) as caught:
        project.render("qa")
    assert str(caught.value) == (
        "overlays/qa/web.yaml:1:14: error: `components[0]` must be a string, not an array"
    )
    for internal in ("MarkedList", "MarkedMap", "CommentedMap", "CommentedSeq"):
        assert internal not in text


def test_user_cache_off_writes_nothing_there(tmp_path: Path) -> None:
    """An embedding tool keeps kconfig out of $XDG_CACHE_HOME: render (Jinja2 bytecode),
    validate (schema bundles) and build (the build cache's key) write nothing there."""
    cache = tmp_path / "xdg"
    root = write_tree(tmp_path / "p", MINIMAL)
    code = (
        "import kconfig\n"
        f"p = kconfig.Project.load({str(root)!r}, user_cache=False)\n"
        "p.render('qa')\n"
        "assert not p.validate().failed()\n"
        "p.build()\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert not cache.exists() or not any(cache.rglob("*"))
    assert (root / "deploy" / "qa").is_dir() and not (root / ".kconfig-cache").exists()
    # the same run with the cache on does keep files there (so the test can fail)
    subprocess.run([sys.executable, "-c", code.replace(", user_cache=False", "")], env=env)
    assert any(cache.rglob("*"))


def test_the_environment_variable_turns_the_user_cache_off(tmp_path: Path) -> None:
    cache = tmp_path / "xdg"
    root = write_tree(tmp_path / "p", MINIMAL)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "KCONFIG_NO_USER_CACHE": "1"}
    code = f"import kconfig\nkconfig.Project.load({str(root)!r}).build()\n"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert not cache.exists() or not any(cache.rglob("*"))
