"""The Jinja2 time bound is armed once per app, not once per template, and still reports a
located KC038 wherever in the app's render it runs out."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kconfig.render.pipeline as pipeline
from kconfig import Project
from kconfig.errors import RenderError

MakeProject = Callable[..., Path]
API = (
    "image: {repository: registry.example.com/shop/api, tag: '1.0.0'}\n"
    "port: 8080\nresources: {requests: {cpu: 100m, memory: 64Mi}}\n"
)


def test_one_timer_per_app(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({"bases/api/app.yaml": API})
    armed: list[float] = []
    real = signal.setitimer

    def counting(which: int, seconds: float, interval: float = 0.0) -> Any:
        if seconds:
            armed.append(seconds)
        return real(which, seconds, interval)

    monkeypatch.setattr(signal, "setitimer", counting)
    manifests = Project.load(root).render("qa", validate=False)
    apps = {m.app for m in manifests if m.app}
    assert apps == {"api", "web"}
    # one per app, and one per environment-wide template (namespace, isolation)
    assert len(armed) == len(apps) + len(pipeline.ENV_TEMPLATES)


def test_the_bound_running_out_between_templates_is_located(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(
        {"kconfig.yaml": "project: shop\nenvironments: [qa]\nlimits: {renderTimeout: 0.2}\n"}
    )
    real = pipeline._finish

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.15)  # kconfig's own code between templates, not a template
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_finish", slow)
    with pytest.raises(RenderError) as info:
        Project.load(root).render("qa", validate=False)
    [diag] = info.value.diagnostics
    assert diag.code == "KC038" and "longer than 0.2 s" in diag.message
    assert diag.pos is not None and diag.pos.path.startswith("kconfig:templates/jinja/")
