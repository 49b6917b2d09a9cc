"""kconfig.run.validate: ``validate`` of several environments in build's worker pool and
with build's cache; what it reports never depends on either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import kconfig.render.pipeline as pipeline
from kconfig import Project
from kconfig.errors import Diagnostic
from kconfig.load.sources import load_sources
from kconfig.run.validate import validate_environments
from tests.conftest import MINIMAL, write_tree

# Two apps; `api` renders a ConfigMap `common` of its own (a custom template).
COMMON = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: common}\ndata: {a: '1'}\n"
APP = (
    "image: {{repository: registry.example.com/shop/{name}, tag: '1.0.0'}}\n"
    "port: 8080\nresources: {{requests: {{cpu: 100m, memory: 64Mi}}}}\n"
)
FILES = {
    **MINIMAL,
    "kconfig.yaml": "project: shop\nenvironments: [qa, e2e, prod]\n",
    "overlays/e2e/env.yaml": "extends: qa\ndomain: e2e.example.com\nlabels: {env: e2e}\n",
    "bases/api/app.yaml": APP.format(name="api"),
    "bases/api/templates/common.yaml.j2": COMMON,
    # no resource requests: a warning (KC106) in every environment
    "bases/web/app.yaml": "image: {repository: registry.example.com/shop/web, tag: '1.0.0'}\n",
}


@pytest.fixture(autouse=True)
def _user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KCONFIG_NO_USER_CACHE", raising=False)


def _diags(root: Path, *, cache: bool = True, strict: bool = False) -> list[Diagnostic]:
    return validate_environments(load_sources(root), strict=strict, cache=cache).diagnostics


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    rendered: list[str] = []
    real = pipeline.render_app

    def counting(run: Any, job: Any) -> Any:
        rendered.append(f"{run.env.name}/{job.values.app}")
        return real(run, job)

    monkeypatch.setattr(pipeline, "render_app", counting)
    monkeypatch.setenv("KCONFIG_JOBS", "1")  # in this process, where the counter is
    return rendered


def test_a_warm_run_renders_only_the_changed_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "p", FILES)
    rendered = _count_renders(monkeypatch)
    first = _diags(root)
    assert sorted(rendered) == sorted(
        f"{e}/{a}" for e in ("qa", "e2e", "prod") for a in ("api", "web")
    )
    rendered.clear()
    assert _diags(root) == first and rendered == []
    # the overlay of web in qa: web again in qa and in e2e (which extends qa), nothing else
    write_tree(root, {"overlays/qa/web.yaml": "image: {tag: '1.0.1'}\n"})
    warm = _diags(root)
    assert sorted(rendered) == ["e2e/web", "qa/web"]
    assert warm == _diags(root, cache=False)


def test_a_cross_app_problem_is_found_against_cached_apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """web starts rendering `common` too: the duplicate (KC104) is found although api, the
    other half of it, comes from the cache, exactly as a run without the cache finds it."""
    root = write_tree(tmp_path / "p", FILES)
    rendered = _count_renders(monkeypatch)
    assert "KC104" not in {d.code for d in _diags(root)}
    rendered.clear()
    write_tree(root, {"bases/web/templates/common.yaml.j2": COMMON})
    warm = _diags(root)
    assert not any(r.endswith("/api") for r in rendered)
    assert [d.code for d in warm].count("KC104") == 1  # merged: (qa, e2e, prod)
    assert warm == _diags(root, cache=False)


def test_several_environments_in_workers_report_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(tmp_path / "p", FILES)
    monkeypatch.setenv("KCONFIG_JOBS", "1")
    serial = _diags(root, cache=False)
    monkeypatch.setenv("KCONFIG_JOBS", "3")
    assert _diags(root, cache=False) == serial
    assert [d.code for d in serial] == ["KC106"]
    assert "(qa, e2e, prod)" in serial[0].message


def test_strict_reaches_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    root = write_tree(tmp_path / "p", {**FILES, "bases/api/templates/widget.yaml.j2": widget})
    monkeypatch.setenv("KCONFIG_JOBS", "3")
    severities = {d.severity for d in _diags(root, strict=True) if d.code == "KC093"}
    assert severities == {"error"}
    assert {d.severity for d in _diags(root) if d.code == "KC093"} == {"warning"}


def test_the_kubernetes_version_is_part_of_the_cache_key(tmp_path: Path) -> None:
    """Templates see the version: Project.load's kubernetes_version must not be answered
    from entries rendered for kconfig.yaml's."""
    show = "{{ project.kubernetesVersion }}"
    template = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: v}}\ndata: {{v: '{show}'}}\n"
    root = write_tree(tmp_path / "p", {**FILES, "bases/api/templates/version.yaml.j2": template})
    for version in ("1.35", "1.36"):
        Project.load(root, kubernetes_version=version).build(["qa"])
        written = [p.read_text() for p in (root / "deploy" / "qa").rglob("*.yaml")]
        assert next(t for t in written if "v: '1." in t).count(f"v: '{version}'") == 1


def test_lib_and_bases_select_every_environment(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", FILES)
    project = Project.load(root)
    every = ["qa", "e2e", "prod"]
    assert project.select_environments(["lib/helpers.libsonnet"], root) == every
    assert project.select_environments(["bases/web/app.yaml"], root) == every
    assert project.select_environments(["overlays/qa/web.yaml"], root) == ["qa", "e2e"]
    assert project.select_environments(["overlays/prod/web.yaml"], root) == ["prod"]
