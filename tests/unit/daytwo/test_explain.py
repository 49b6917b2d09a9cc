"""``explain``: every layer that set a value, lowest first, at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

import kconfig
from kconfig.daytwo.explain import format_explanation, leaf_paths, lookup
from tests.conftest import write_tree

FILES = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, e2e, prod]\n",
    "bases/web/app.yaml": (
        "image:\n"
        "  repository: r/web\n"
        '  tag: "1.0"\n'
        "replicas: 2\n"
        "components: [tuned]\n"
        "resources:\n"
        "  limits: {memory: 256Mi}\n"
        "sidecars:\n"
        "- name: metrics-agent\n"
        "  image: agent:1\n"
        "labels:\n"
        "  app.kubernetes.io/component: frontend\n"
    ),
    "components/tuned/values.yaml": "resources:\n  limits:\n    memory: 512Mi\n",
    "overlays/qa/env.yaml": "labels: {env: qa}\ndefaults:\n  replicas: 1\n",
    "overlays/qa/web.yaml": (
        '# qa runs release candidates\nimage:\n  tag: "1.1-rc.1"\n'
        "sidecars:\n- name: metrics-agent\n  image: agent:2-debug\n"
    ),
    "overlays/e2e/env.yaml": "extends: qa\nlabels: {env: e2e}\n",
    "overlays/e2e/web.yaml": "resources:\n  limits:\n    memory: 1Gi\nprobes: null\n",
    "overlays/prod/env.yaml": "labels: {env: prod}\n",
}


@pytest.fixture
def project(tmp_path: Path) -> kconfig.Project:
    return kconfig.Project.load(write_tree(tmp_path, FILES))


def _text(project: kconfig.Project, *args: object, **kwargs: object) -> str:
    return format_explanation(project.explain(*args, **kwargs))  # type: ignore[arg-type]


def test_through_the_extends_chain(project: kconfig.Project) -> None:
    assert _text(project, "e2e", "web", "image.tag") == (
        "image.tag: 1.1-rc.1\n"
        "  bases/web/app.yaml:3    '1.0'     (base)\n"
        "  overlays/qa/web.yaml:3  1.1-rc.1  (overlay qa)\n"
    )


def test_env_defaults_and_built_in_defaults(project: kconfig.Project) -> None:
    assert _text(project, "e2e", "web", "replicas") == (
        "replicas: 1\n"
        "  <kconfig defaults>      1\n"
        "  bases/web/app.yaml:4    2  (base)\n"
        "  overlays/qa/env.yaml:3  1  (env qa defaults)\n"
    )


def test_component_layer(project: kconfig.Project) -> None:
    assert _text(project, "qa", "web", "resources.limits.memory") == (
        "resources.limits.memory: 512Mi\n"
        "  bases/web/app.yaml:7            256Mi  (base)\n"
        "  components/tuned/values.yaml:3  512Mi  (component tuned)\n"
    )
    assert _text(project, "e2e", "web", "resources.limits.memory").splitlines()[-1] == (
        "  overlays/e2e/web.yaml:3         1Gi    (overlay e2e)"
    )


def test_set_overrides_come_last(project: kconfig.Project) -> None:
    text = _text(project, "e2e", "web", "image.tag", overrides=["image.tag=2.0-hotfix"])
    assert text.splitlines()[0] == "image.tag: 2.0-hotfix"
    assert text.splitlines()[-1] == "  --set                   2.0-hotfix"


def test_named_list_item_by_name(project: kconfig.Project) -> None:
    expl = project.explain("qa", "web", "sidecars[metrics-agent].image")
    assert expl.is_leaf
    assert expl.value == "agent:2-debug"
    assert [(s.where, s.value) for s in expl.leaves[0].settings] == [
        ("bases/web/app.yaml:10", "agent:1"),
        ("overlays/qa/web.yaml:6", "agent:2-debug"),
    ]


def test_a_key_with_dots_in_brackets(project: kconfig.Project) -> None:
    expl = project.explain("qa", "web", "labels[app.kubernetes.io/component]")
    assert expl.value == "frontend"
    assert expl.leaves[0].settings[-1].where == "bases/web/app.yaml:12"


def test_a_mapping_lists_its_values_with_sources(project: kconfig.Project) -> None:
    assert _text(project, "e2e", "web", "image") == (
        "image:\n"
        "  repository: r/web  # bases/web/app.yaml:2\n"
        "  tag: 1.1-rc.1      # overlays/qa/web.yaml:3 (over bases/web/app.yaml:3)\n"
    )


def test_whole_values_annotated(project: kconfig.Project) -> None:
    text = _text(project, "e2e", "web")
    lines = text.splitlines()
    assert "sidecars:" in lines
    assert any(
        line.startswith("- name: metrics-agent") and "# overlays/qa/web.yaml:5" in line
        for line in lines
    )
    assert any(
        line.startswith("replicas: 1")
        and line.endswith(
            "# overlays/qa/env.yaml:3 (over bases/web/app.yaml:4, <kconfig defaults>)"
        )
        for line in lines
    )
    assert "probes:" not in text  # deleted by e2e


def test_missing_path_suggests_the_nearest(project: kconfig.Project) -> None:
    with pytest.raises(kconfig.UsageError) as info:
        project.explain("qa", "web", "resources.limit.memory")
    assert str(info.value) == (
        "kconfig: error: no value resources.limit.memory for web in qa; did you mean "
        "resources.limits.memory or resources.limits?"
    )
    with pytest.raises(kconfig.UsageError, match=r"keys at image: repository, tag$"):
        project.explain("qa", "web", "image.zzzzzz")


def test_a_value_deleted_with_null_points_at_the_null(project: kconfig.Project) -> None:
    with pytest.raises(kconfig.UsageError) as info:
        project.explain("e2e", "web", "probes")
    assert str(info.value) == (
        "overlays/e2e/web.yaml:4:9: error: probes is not set for web in e2e: deleted here with null"
    )


def test_malformed_path(project: kconfig.Project) -> None:
    with pytest.raises(kconfig.UsageError, match=r"malformed value path 'a\.\.b'"):
        project.explain("qa", "web", "a..b")


def test_lookup_and_leaf_paths() -> None:
    data = {"image": {"tag": "1"}, "sidecars": [{"name": "a", "image": "x"}]}
    assert lookup(data, "sidecars[a].image") == "x"
    assert lookup(data, "sidecars[0].image") == "x"
    assert lookup(data, "sidecars[b].image", "none") == "none"
    assert leaf_paths(data, "sidecars") == ["sidecars[a].name", "sidecars[a].image"]
    assert leaf_paths(data, "nope") == []
