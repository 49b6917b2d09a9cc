"""Comment-preserving edits (kconfig.daytwo.edit): golden before/after files, the exact changed
lines, quoting, indentation, atomic writes and refusals that leave the file untouched."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import kconfig
from kconfig.daytwo.edit import (
    Change,
    FileEdit,
    Indent,
    apply_changes,
    changed_lines,
    detect_indent,
    edit_text,
    write_atomic,
)
from kconfig.load.reader import parse_yaml
from kconfig.load.sources import load_sources
from tests.conftest import write_tree

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "edit"

# case -> (assignments, the exact lines that change: "-old" then "+new")
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "comments": (
        {"image.tag": "2.3.0-rc.2"},
        ["-  tag: 2.2.9        # bumped by CI", "+  tag: 2.3.0-rc.2   # bumped by CI"],
    ),
    "quoting": (
        {"image.tag": "1.10"},
        [
            "-  tag: '1.4.0'   # single quotes are house style",
            "+  tag: '1.10'    # single quotes are house style",
        ],
    ),
    "needs-quotes": ({"image.tag": "1.10"}, ["-  tag: v5", '+  tag: "1.10"']),
    "flow": (
        {"image.tag": "3.2.0"},
        [
            '-image: {repository: registry.example.com/shop/orders, tag: "3.1.0"}   # one line',
            '+image: {repository: registry.example.com/shop/orders, tag: "3.2.0"}   # one line',
        ],
    ),
    "flow-add": (
        {"image.tag": "on"},
        [
            "-image: {repository: registry.example.com/shop/orders}",
            '+image: {repository: registry.example.com/shop/orders, tag: "on"}',
        ],
    ),
    "indent4": ({"image.tag": "2024.06.1"}, ['+    tag: "2024.06.1"']),
    "no-image": ({"image.tag": "1.7.0"}, ["+image:", '+  tag: "1.7.0"']),
    "odd-spellings": ({"image.tag": "1.0.0"}, ['-  tag:   "0.9.0"', '+  tag: "1.0.0"']),
    "repository": (
        {"image.repository": "mirror.example.com/shop/web", "image.tag": "1.1.0"},
        [
            '-  repository: "registry.example.com/shop/web"',
            '-  tag: "1.0.0"',
            '+  repository: "mirror.example.com/shop/web"',
            '+  tag: "1.1.0"',
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_edit_changes_only_the_edited_lines(case: str, update_golden: bool) -> None:
    assignments, expected = CASES[case]
    before = (GOLDEN / case / "before.yaml").read_text(encoding="utf-8")
    after = edit_text(before, assignments, f"{case}/before.yaml")
    if update_golden:
        (GOLDEN / case / "after.yaml").write_text(after, encoding="utf-8")
    assert after == (GOLDEN / case / "after.yaml").read_text(encoding="utf-8")
    assert list(changed_lines(FileEdit("f", before, after))) == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_edit_means_what_it_says(case: str) -> None:
    """Read back with kconfig's YAML 1.1 reader: the edited values are strings, the rest
    of the data is unchanged."""
    assignments, _ = CASES[case]
    before = parse_yaml((GOLDEN / case / "before.yaml").read_text(encoding="utf-8"), "b")
    after = parse_yaml((GOLDEN / case / "after.yaml").read_text(encoding="utf-8"), "a")
    for path, value in assignments.items():
        first, second = path.split(".")
        assert after[first][second] == value
        assert type(after[first][second]) is str
        after[first].pop(second)
        if isinstance(before.get(first), dict):
            before[first].pop(second, None)
    before.setdefault("image", {})
    assert after == before


def test_new_file_gets_a_header_and_a_quoted_tag() -> None:
    text = edit_text(None, {"image.tag": "1.5"}, "x.yaml", header="# web in prod\n")
    assert text == '# web in prod\nimage:\n  tag: "1.5"\n'


def test_empty_and_comment_only_files_keep_their_text() -> None:
    assert edit_text("", {"image.tag": "v1"}, "x") == 'image:\n  tag: "v1"\n'
    assert edit_text("# nothing yet\n", {"image.tag": "v1"}, "x") == (
        '# nothing yet\nimage:\n  tag: "v1"\n'
    )


@pytest.mark.parametrize(
    ("old", "new", "written"),
    [
        ("tag: v1", "v2", "tag: v2"),  # plain stays plain
        ("tag: v1", "1.10", 'tag: "1.10"'),  # would read as the float 1.1
        ("tag: v1", "on", 'tag: "on"'),  # would read as true
        ("tag: v1", "0644", 'tag: "0644"'),  # would read as the octal 420
        ("tag: v1", "1e3", 'tag: "1e3"'),  # a float to kubectl's go-yaml
        ("tag: v1", "y", 'tag: "y"'),  # a boolean to kubectl's go-yaml
        ("tag: '1.0'", "1.1", "tag: '1.1'"),  # single quotes kept
        ('tag: "1.0"', "v2", 'tag: "v2"'),  # double quotes kept
        ("tag: 1.10", "1.11", 'tag: "1.11"'),  # a float before: now a string
    ],
)
def test_quoting_of_replaced_values(old: str, new: str, written: str) -> None:
    after = edit_text(f"image:\n  {old}\n", {"image.tag": new}, "x")
    assert after == f"image:\n  {written}\n"
    assert parse_yaml(after, "x")["image"]["tag"] == new


def test_crlf_line_endings_and_missing_final_newline_are_kept() -> None:
    before = "# c\r\nimage:\r\n  tag: v1   # ci\r\nreplicas: 2\r\n"
    assert edit_text(before, {"image.tag": "v2"}, "x") == before.replace("v1", "v2")
    assert edit_text("image:\n  tag: v1", {"image.tag": "v2"}, "x") == "image:\n  tag: v2"


def test_new_key_goes_above_trailing_blank_lines_and_outer_comments() -> None:
    before = "image:\n  repository: r   # c\n\n# scaling\nreplicas: 2\n"
    after = edit_text(before, {"image.tag": "2"}, "x")
    assert after == 'image:\n  repository: r   # c\n  tag: "2"\n\n# scaling\nreplicas: 2\n'


def test_named_list_items_are_addressed_by_name() -> None:
    before = "sidecars:\n- name: agent   # keep\n  image: agent:1\n- name: proxy\n  image: p:1\n"
    after = edit_text(before, {"sidecars[proxy].image": "p:2"}, "x")
    assert after == before.replace("p:1", "p:2")
    added = edit_text(before, {"sidecars[cache].image": "redis:7"}, "x")
    assert added == before + '- name: cache\n  image: "redis:7"\n'


def test_a_block_indented_unlike_the_rest_keeps_its_indentation() -> None:
    before = "a:\n  b: 1\nc:\n  d: 2\nimage:\n   repository: r\n   tag: t\n"
    after = edit_text(before, {"image.tag": "u"}, "x")
    assert after == before.replace("tag: t", "tag: u")


def test_a_value_shared_through_an_alias_is_refused() -> None:
    with pytest.raises(kconfig.LoadError, match="without changing other values"):
        edit_text("base: &b\n  tag: x\nimage: *b\n", {"image.tag": "y"}, "x.yaml")


def test_a_scalar_in_the_way_is_refused_at_its_position() -> None:
    with pytest.raises(kconfig.LoadError) as info:
        edit_text("replicas: 1\nimage: registry/x:1\n", {"image.tag": "2"}, "x.yaml")
    assert str(info.value) == (
        "x.yaml:2:8: error: cannot set image.tag: 'image' holds the str 'registry/x:1', "
        "not a mapping or a list"
    )
    with pytest.raises(kconfig.LoadError, match=r"x\.yaml:1:11: .* needs a list of named"):
        edit_text("sidecars: {a: 1}\n", {"sidecars[a].image": "v"}, "x.yaml")
    with pytest.raises(kconfig.LoadError, match=r"x\.yaml:1:6: .* 'tag' needs a mapping"):
        edit_text("env: [a, b]\n", {"env.tag.x": "v"}, "x.yaml")
    with pytest.raises(kconfig.UsageError, match="must end with a key"):
        edit_text("image: {}\n", {"sidecars[a]": "v"}, "x.yaml")


@pytest.mark.parametrize(
    ("text", "indent"),
    [
        ("a:\n  b: 1\nl:\n- x\n", Indent(2, 2, 0)),
        ("a:\n    b: 1\nl:\n    - x\n", Indent(4, 6, 4)),
        ("a:\n    b: 1\nl:\n    -   x\n", Indent(4, 8, 4)),
        ("a:\n  b: 1\nl:\n  - x\n", Indent(2, 4, 2)),
        ("a:\n    b: 1\n", Indent(4, 4, 2)),
        ("a: {b: 1}\n", Indent(2, 2, 0)),
    ],
)
def test_detect_indent(text: str, indent: Indent) -> None:
    assert detect_indent(text) == indent


# -- writing ------------------------------------------------------------------------------------
def test_write_atomic_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "web.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["web.yaml"]


def test_write_atomic_follows_a_symlink_to_its_file(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


PROJECT: Mapping[str, str] = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n",
    "bases/web/app.yaml": 'image: {repository: r/web, tag: "1.0"}\n',
    "overlays/qa/env.yaml": "labels: {env: qa}\n",
    "overlays/prod/env.yaml": "labels: {env: prod}\n",
    "overlays/qa/web.yaml": "# qa\nimage:\n  tag: v1   # ci\n",
}


def test_set_image_through_the_project_api(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT)
    project = kconfig.Project.load(root)
    result = project.set_image("qa", "web", "v2")
    assert [(c.path, c.old, c.new) for c in result.changes] == [("image.tag", "v1", "v2")]
    assert result.files == ["overlays/qa/web.yaml"]
    assert (root / "overlays/qa/web.yaml").read_text() == "# qa\nimage:\n  tag: v2   # ci\n"
    assert project.values("qa", "web").data["image"]["tag"] == "v2"  # sees its own edit
    assert project.set_image("qa", "web", "v2").changes == ()  # already set: nothing to do


def test_set_image_creates_the_overlay(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT)
    project = kconfig.Project.load(root)
    project.set_image("prod", "web", "1.10", repository="mirror.example.com/web")
    assert (root / "overlays/prod/web.yaml").read_text() == (
        "# web in prod: what differs from bases/web/app.yaml\n"
        'image:\n  repository: "mirror.example.com/web"\n  tag: "1.10"\n'
    )
    assert kconfig.Project.load(root).values("prod", "web").data["image"] == {
        "repository": "mirror.example.com/web",
        "tag": "1.10",
    }


@pytest.mark.parametrize("tag", ["bad tag", "-x", "", "a" * 129, "x/y"])
def test_set_image_refuses_an_invalid_tag(tmp_path: Path, tag: str) -> None:
    root = write_tree(tmp_path, PROJECT)
    with pytest.raises(kconfig.UsageError, match="invalid image tag"):
        kconfig.Project.load(root).set_image("qa", "web", tag)


@pytest.mark.parametrize(
    ("repository", "ok"),
    [
        ("registry.example.com/shop/web", True),
        ("localhost:5000/web", True),
        ("mirror:5000/shop/web", True),
        ("us-docker.pkg.dev/google-samples/containers/gke/gb-frontend", True),
        ("shop/web", True),
        ("UPPER/web", False),
        ("registry.example.com/Shop/web", False),
        ("web:1.0", False),
        ("", False),
    ],
)
def test_set_image_checks_the_repository(tmp_path: Path, repository: str, ok: bool) -> None:
    root = write_tree(tmp_path, PROJECT)
    project = kconfig.Project.load(root)
    if ok:
        project.set_image("qa", "web", "v2", repository=repository)
        assert project.values("qa", "web").data["image"]["repository"] == repository
    else:
        with pytest.raises(kconfig.UsageError, match="invalid image repository"):
            project.set_image("qa", "web", "v2", repository=repository)
        assert (root / "overlays/qa/web.yaml").read_text() == PROJECT["overlays/qa/web.yaml"]


def test_an_invalid_result_is_not_written(tmp_path: Path) -> None:
    """The edit is checked by merging the app's values again: an overlay value YAML 1.1
    reads as a boolean fails that check, and the file stays as it was."""
    files = {**PROJECT, "overlays/qa/web.yaml": "image:\n  tag: v1\nenv:\n  DEBUG: on\n"}
    root = write_tree(tmp_path, files)
    before = (root / "overlays/qa/web.yaml").read_bytes()
    with pytest.raises(kconfig.KconfigError) as info:
        apply_changes(load_sources(root), [Change("qa", "web", "image.tag", "v1", "v2")])
    assert "overlays/qa/web.yaml:4:10: error: env.DEBUG must be a string" in str(info.value)
    assert "nothing was written" in str(info.value)
    assert (root / "overlays/qa/web.yaml").read_bytes() == before
    assert sorted(p.name for p in (root / "overlays/qa").iterdir()) == ["env.yaml", "web.yaml"]


def test_an_unreadable_file_is_not_written(tmp_path: Path) -> None:
    files = {**PROJECT, "overlays/qa/web.yaml": "image:\n  tag: [v1\n"}
    root = write_tree(tmp_path, files)
    with pytest.raises(kconfig.LoadError):
        kconfig.Project.load(root).set_image("qa", "web", "v2")
    assert (root / "overlays/qa/web.yaml").read_text() == "image:\n  tag: [v1\n"


def test_a_file_that_is_a_symlink_out_of_the_project_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {k: v for k, v in PROJECT.items() if "qa/web" not in k})
    outside = tmp_path / "outside.yaml"
    outside.write_text("image:\n  tag: v1\n")
    (root / "overlays/qa/web.yaml").symlink_to(outside)
    with pytest.raises(kconfig.LoadError, match="outside the project"):
        apply_changes(load_sources(root), [Change("qa", "web", "image.tag", "v1", "v2")])
    assert outside.read_text() == "image:\n  tag: v1\n"


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_new_overlay_gets_the_default_mode(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT)
    kconfig.Project.load(root).set_image("prod", "web", "v3")
    mode = stat.S_IMODE((root / "overlays/prod/web.yaml").stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
