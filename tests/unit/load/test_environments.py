"""Environments with ``extends`` (CONTRACT "overlays/<env>/env.yaml", README): a child
inherits every env.yaml key of what it extends but ``namespace``; each environment of the
chain contributes its ``defaults`` and its overlays, root first."""

from __future__ import annotations

from pathlib import Path

import pytest

import kconfig
from kconfig.load.environments import NOT_INHERITED
from tests.conftest import MINIMAL, write_tree

QA = (
    "namespace: shop-qa-custom\n"
    "domain: qa.example.com\n"
    "labels: {env: qa, team: web}\n"
    "annotations: {owner: qa}\n"
    "isolation: false\n"
    "allowNamespaces: [monitoring]\n"
    "apps: [web]\n"
    "checks: {disable: [KC106]}\n"
    "allowSecrets: true\n"
    "defaults: {replicas: 2, env: {LOG: debug}}\n"
)


def _project(tmp_path: Path, e2e: str, **files: str) -> kconfig.Project:
    tree = {
        **MINIMAL,
        "kconfig.yaml": "project: shop\nenvironments: [qa, e2e]\n",
        "overlays/qa/env.yaml": QA,
        "overlays/e2e/env.yaml": e2e,
        **files,
    }
    return kconfig.Project.load(write_tree(tmp_path / "p", tree))


def test_a_child_inherits_every_key_but_namespace(tmp_path: Path) -> None:
    env = _project(tmp_path, "extends: qa\n").env("e2e")
    assert env.chain == ("qa", "e2e")
    assert env.namespace == "shop-e2e"  # not qa's shop-qa-custom: each env is its namespace
    assert (env.domain, env.isolation, env.allow_secrets) == ("qa.example.com", False, True)
    assert env.labels == {"env": "qa", "team": "web"}
    assert env.annotations == {"owner": "qa"}
    assert env.allow_namespaces == ("monitoring",)
    assert env.apps == ("web",)
    assert env.disabled_checks == frozenset({"KC106"})


def test_namespace_is_the_only_value_not_inherited() -> None:
    """``extends`` and ``defaults`` are not values of the child either: ``defaults`` are app
    values, applied per environment of the chain (below)."""
    assert set(NOT_INHERITED) == {"namespace", "extends", "defaults"}


def test_own_keys_merge_over_inherited_ones_and_null_deletes(tmp_path: Path) -> None:
    e2e = "extends: qa\nlabels: {env: e2e, team: null}\ndomain: null\nnamespace: e2e-ns\n"
    env = _project(tmp_path, e2e).env("e2e")
    assert env.labels == {"env": "e2e"}
    assert env.domain is None
    assert env.namespace == "e2e-ns"


def test_defaults_and_overlays_of_the_chain_apply_root_first(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "extends: qa\ndefaults: {env: {LOG: info}}\n",
        **{
            "overlays/qa/web.yaml": "replicas: 3\nenv: {QA: 'yes'}\n",
            "overlays/e2e/web.yaml": "env: {E2E: 'yes'}\n",
        },
    )
    values = project.values("e2e", "web")
    assert values.data["replicas"] == 3  # qa's overlay over qa's defaults (2)
    assert values.data["env"] == {"LOG": "info", "QA": "yes", "E2E": "yes"}
    labels = [layer.label for layer in values.layers]
    assert labels == [
        "kconfig defaults",
        "base",
        "env qa defaults",
        "overlay qa",
        "env e2e defaults",
        "overlay e2e",
    ]
    # qa itself sees none of e2e's
    assert project.values("qa", "web").data["env"] == {"LOG": "debug", "QA": "yes"}


def test_every_problem_of_the_chain_is_reported_at_once(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "extends: qa\nisolation: maybe\n",
        **{"overlays/qa/env.yaml": "domian: qa.example.com\n"},
    )
    with pytest.raises(kconfig.LoadError) as caught:
        project.env("e2e")
    assert [d.format() for d in caught.value.diagnostics] == [
        'overlays/e2e/env.yaml:2:12: error: `isolation` must be a boolean, not string "maybe"',
        "overlays/qa/env.yaml:1:1: error: unknown key `domian` (did you mean `domain`?)",
    ]
