"""Layer order and provenance through a whole project (CONTRACT "Layers and merge rules")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import kconfig
from kconfig.core.paths import parse_value_path
from kconfig.errors import SourcePos

FILES = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, e2e, prod]\n",
    "bases/web/app.yaml": (
        'image: {repository: r/web, tag: "1.0"}\n'
        "replicas: 1\n"
        "components: [tuned]\n"
        "env: {A: a, B: b}\n"
        "sidecars:\n- {name: agent, image: agent:1}\n"
    ),
    "components/tuned/values.yaml": "replicas: 5\nenv: {C: c}\n",
    "overlays/qa/env.yaml": "labels: {env: qa}\ndefaults: {replicas: 2, env: {B: qa}}\n",
    "overlays/qa/web.yaml": 'image: {tag: "1.1-rc"}\nsidecars:\n- {name: agent, image: agent:2}\n',
    "overlays/e2e/env.yaml": "extends: qa\nlabels: {env: e2e}\n",
    "overlays/e2e/web.yaml": "env: {A: null}\n",
    "overlays/prod/env.yaml": "namespace: shop\n",
}


@pytest.fixture
def project(make_project: Callable[..., Path]) -> kconfig.Project:
    return kconfig.Project.load(make_project(FILES, base=False))


def test_layer_order_base_component_env_defaults_overlay(project: kconfig.Project) -> None:
    values = project.values("qa", "web")
    assert values.data["replicas"] == 2  # env defaults beat the component
    assert values.data["env"] == {"A": "a", "B": "qa", "C": "c"}
    assert values.data["image"]["tag"] == "1.1-rc"
    assert values.data["sidecars"] == [{"name": "agent", "image": "agent:2"}]


def test_extends_applies_parent_layers_first_then_own(project: kconfig.Project) -> None:
    values = project.values("e2e", "web")
    assert values.data["image"]["tag"] == "1.1-rc"  # inherited overlay
    assert values.data["env"] == {"B": "qa", "C": "c"}  # A deleted by e2e's null
    env = project.env("e2e")
    assert env.labels == {"env": "e2e"}
    assert env.namespace == "shop-e2e"  # namespace is never inherited
    assert env.chain == ("qa", "e2e")


def test_provenance_lists_every_layer(project: kconfig.Project) -> None:
    values = project.values("e2e", "web")
    history = values.history(("replicas",))
    assert [(o.pos.path, o.value) for o in history] == [
        ("<kconfig defaults>", 1),
        ("bases/web/app.yaml", 1),
        ("components/tuned/values.yaml", 5),
        ("overlays/qa/env.yaml", 2),
    ]
    assert values.origin(("sidecars", 0, "image")) == SourcePos("overlays/qa/web.yaml", 3, 24)


def test_set_overrides_are_the_last_layer(project: kconfig.Project) -> None:
    values = project.values("prod", "web", ["replicas=9", "sidecars[agent].image=agent:3"])
    assert values.data["replicas"] == 9
    assert values.data["sidecars"][0]["image"] == "agent:3"
    assert values.history(("replicas",))[-1].pos.path == "--set"


def test_namespace_default_and_explicit(project: kconfig.Project) -> None:
    assert project.env("qa").namespace == "shop-qa"
    assert project.env("prod").namespace == "shop"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a", ["a"]),
        ("a.b.c", ["a", "b", "c"]),
        ("sidecars[m].image", ["sidecars", ("m",), "image"]),
        ("env.LOG_LEVEL", ["env", "LOG_LEVEL"]),
    ],
)
def test_value_paths(text: str, parts: list[object]) -> None:
    assert parse_value_path(text) == parts


@pytest.mark.parametrize("text", ["", ".a", "a.", "a..b", "a[", "a]b", "[x]"])
def test_malformed_value_paths(text: str) -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse_value_path(text)
