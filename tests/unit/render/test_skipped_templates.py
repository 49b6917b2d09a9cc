"""Built-ins whose context says they render nothing are not called
(kconfig.render.pipeline.NOTHING_TO_RENDER), and skipping them changes no output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kconfig.render.pipeline as pipeline
from kconfig import Project
from kconfig.load.sources import load_sources
from kconfig.render.pipeline import EnvRender, RenderOptions, app_job
from kconfig.values.layers import Layering
from tests.conftest import REPO

MakeProject = Callable[..., Path]


def _everything(root: Path, backend: str) -> list[tuple[Any, ...]]:
    project = Project.load(root, user_cache=False)
    out = []
    for env in project.environments:
        for m in project.render(env, validate=False, backend=backend):
            out.append((m.env, m.app, m.origin, m.body))
    return out


@pytest.mark.parametrize("backend", ["jinja", "jsonnet"])
def test_skipping_changes_nothing(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    skipped = _everything(REPO, backend)
    never = {name: (lambda ctx: False) for name in pipeline.NOTHING_TO_RENDER}
    monkeypatch.setattr(pipeline, "NOTHING_TO_RENDER", never)
    assert _everything(REPO, backend) == skipped


def test_a_plain_app_renders_only_what_it_has(make_project: MakeProject) -> None:
    root = make_project()
    sources = load_sources(root, user_cache=False)
    job = EnvRender(sources, "qa", RenderOptions())
    values = Layering(sources, job.env, ()).values("web")
    called = [t.name for t, _ in app_job(job.run, values).templates]
    rendered = [m.origin.path for m in Project.load(root).render("qa", apps=["web"])]
    assert set(called) == set(rendered)  # each template called rendered something
    assert len(called) < len(pipeline.APP_TEMPLATES)


def test_a_context_it_does_not_know_renders_the_template() -> None:
    for name, nothing in pipeline.NOTHING_TO_RENDER.items():
        assert not nothing({}), name
        assert not nothing({"values": 1, "plan": None, "platform": []}), name
    assert not pipeline.NOTHING_TO_RENDER["deployment"]({"plan": {"workloads": [{}]}})
    assert not pipeline.NOTHING_TO_RENDER["networkpolicy"]({"values": {"networkPolicy": {}}})
