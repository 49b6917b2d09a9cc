"""``promote``: golden overlays, the reference estate's chain, the order."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import kconfig
from kconfig.daytwo.edit import changed_lines
from kconfig.daytwo.promote import describe
from tests.conftest import copy_estate, write_tree

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "edit" / "promote"


def _golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def _shop(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path / "shop",
        {
            "kconfig.yaml": (
                "project: shop\nenvironments: [qa, stage, prod]\n"
                "promote: [image.tag, 'sidecars[agent].image']\n"
            ),
            "bases/storefront/app.yaml": (
                'image: {repository: r/storefront, tag: "2.2.0"}\n'
                "sidecars:\n- {name: agent, image: 'agent:1'}\n"
            ),
            "bases/orders/app.yaml": 'image: {repository: r/orders, tag: "1.0.0"}\n',
            "overlays/qa/env.yaml": "labels: {env: qa}\n",
            "overlays/stage/env.yaml": "labels: {env: stage}\n",
            "overlays/prod/env.yaml": "labels: {env: prod}\n",
            "overlays/stage/storefront.yaml": (
                'image: {tag: "2.3.0-rc.2"}\nsidecars:\n- {name: agent, image: "agent:2"}\n'
            ),
            "overlays/stage/orders.yaml": 'image:\n  tag: "1.10"\n',
            "overlays/prod/storefront.yaml": _golden("storefront.before.yaml"),
            "overlays/prod/orders.yaml": _golden("orders.before.yaml"),
        },
    )


def test_promote_golden_overlays(tmp_path: Path, update_golden: bool) -> None:
    root = _shop(tmp_path)
    result = kconfig.Project.load(root).promote("stage", "prod")
    if update_golden:
        for app in ("storefront", "orders"):
            text = (root / f"overlays/prod/{app}.yaml").read_text(encoding="utf-8")
            (GOLDEN / f"{app}.after.yaml").write_text(text, encoding="utf-8")
    assert [describe(c) for c in result.changes] == [
        "orders image.tag 1.0.0 -> 1.10",
        "storefront image.tag 2.2.9 -> 2.3.0-rc.2",
        "storefront sidecars[agent].image agent:1 -> agent:2",
    ]
    assert result.written
    assert (root / "overlays/prod/storefront.yaml").read_text() == _golden("storefront.after.yaml")
    assert (root / "overlays/prod/orders.yaml").read_text() == _golden("orders.after.yaml")
    assert {e.rel: list(changed_lines(e)) for e in result.edits} == {
        "overlays/prod/orders.yaml": ["+image:", '+  tag: "1.10"'],
        "overlays/prod/storefront.yaml": [
            "-  tag: '2.2.9'      # promoted from stage, never edited by hand",
            "+  tag: '2.3.0-rc.2' # promoted from stage, never edited by hand",
            "-  image: agent:1",
            "+  image: agent:2",
        ],
    }
    fresh = kconfig.Project.load(root)
    assert fresh.values("prod", "orders").data["image"]["tag"] == "1.10"
    again = fresh.promote("stage", "prod")
    assert again.changes == ()
    assert not again.written


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    result = kconfig.Project.load(root).promote("stage", "prod", dry_run=True)
    assert len(result.changes) == 3
    assert not result.written
    assert result.files == ["overlays/prod/orders.yaml", "overlays/prod/storefront.yaml"]
    assert (root / "overlays/prod/orders.yaml").read_text() == _golden("orders.before.yaml")


def test_app_narrows(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    result = kconfig.Project.load(root).promote("stage", "prod", apps=["orders"])
    assert [describe(c) for c in result.changes] == ["orders image.tag 1.0.0 -> 1.10"]
    assert (root / "overlays/prod/storefront.yaml").read_text() == _golden("storefront.before.yaml")


def test_an_app_the_source_lacks_is_skipped(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    (root / "overlays/stage/env.yaml").write_text("labels: {env: stage}\napps: [storefront]\n")
    result = kconfig.Project.load(root).promote("stage", "prod")
    assert result.skipped == ("orders",)
    assert [c.app for c in result.changes] == ["storefront", "storefront"]
    with pytest.raises(kconfig.UsageError, match="--app orders: not an app of environment"):
        kconfig.Project.load(root).promote("stage", "prod", apps=["orders"])


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (
            "prod",
            "stage",
            "cannot promote prod -> stage: the promotion order is qa -> stage -> prod, and "
            "stage comes before prod (use --force to do it anyway)",
        ),
        ("stage", "stage", "cannot promote stage to itself"),
    ],
)
def test_backwards_promotion_is_refused(
    tmp_path: Path, source: str, target: str, message: str
) -> None:
    root = _shop(tmp_path)
    before = (root / "overlays/stage/orders.yaml").read_text()
    with pytest.raises(kconfig.UsageError) as info:
        kconfig.Project.load(root).promote(source, target)
    assert str(info.value) == f"kconfig: error: {message}"
    assert (root / "overlays/stage/orders.yaml").read_text() == before


def test_force_promotes_backwards(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    result = kconfig.Project.load(root).promote("prod", "stage", force=True, apps=["orders"])
    assert [describe(c) for c in result.changes] == ["orders image.tag 1.10 -> 1.0.0"]
    assert (root / "overlays/stage/orders.yaml").read_text() == 'image:\n  tag: "1.0.0"\n'


def test_unknown_environment_is_an_error(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    with pytest.raises(kconfig.KconfigError, match="unknown environment 'dev'"):
        kconfig.Project.load(root).promote("dev", "prod")


def test_promotion_along_the_reference_estate_chain(tmp_path: Path) -> None:
    """qa -> e2e -> stage -> prod on a copy of the repository's estate: a new build set in
    qa reaches prod one step at a time, each step changing only image.tag lines."""
    root = copy_estate(tmp_path / "estate")
    project = kconfig.Project.load(root)
    chain = project.environments
    assert chain == ["qa", "e2e", "stage", "prod"]
    for app in project.apps_of(project.env("qa")):
        project.set_image("qa", app, "9.9.9-test")
    for source, target in itertools.pairwise(chain):
        project = kconfig.Project.load(root)
        apps = project.apps_of(project.env(target))
        before = {a: project.values(target, a).data["image"]["tag"] for a in apps}
        result = project.promote(source, target)
        expected = [
            f"{a} image.tag {before[a]} -> 9.9.9-test" for a in apps if before[a] != "9.9.9-test"
        ]
        assert [describe(c) for c in result.changes] == expected
        for edit in result.edits:
            lines = list(changed_lines(edit))
            if edit.before is None:  # a new overlay: a header comment and the image
                assert lines == [
                    f"+# {edit.rel.split('/')[2][:-5]} in {target}: what differs from "
                    f"bases/{edit.rel.split('/')[2][:-5]}/app.yaml",
                    "+image:",
                    '+  tag: "9.9.9-test"',
                ]
            elif "tag:" in edit.before:
                assert len(lines) == 2  # one line out, one line in
                assert lines[1].endswith('tag: "9.9.9-test"')
            else:
                assert lines[-2:] == ["+image:", '+  tag: "9.9.9-test"']
        fresh = kconfig.Project.load(root)
        assert {fresh.values(target, a).data["image"]["tag"] for a in apps} == {"9.9.9-test"}
    with pytest.raises(kconfig.UsageError, match="cannot promote prod -> qa"):
        kconfig.Project.load(root).promote("prod", "qa")
