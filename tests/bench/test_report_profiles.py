"""A missed target carries its profile into the report (issue 19: "where one is not, the
profile that shows where the rest of the time goes and what would close it")."""

from __future__ import annotations

from pathlib import Path

from bench.report import profile_lines
from bench.rows import ROWS


def test_every_row_names_a_profile() -> None:
    # a row without one would print "no" with nothing to say why
    assert all(row.profiles for row in ROWS), [r.id for r in ROWS if not r.profiles]


def test_profiles_are_inlined_one_level_down(tmp_path: Path) -> None:
    (tmp_path / "render.md").write_text("# Rendering\n\ntext\n\n## Part\n\nmore\n")
    lines = profile_lines(["render"], tmp_path)
    assert lines == ["### Rendering", "", "text", "", "#### Part", "", "more"]


def test_a_missing_profile_is_said(tmp_path: Path) -> None:
    lines = profile_lines(["render", "absent"], tmp_path)
    assert "- no profile written yet (`docs/profiles/render.md`)" in lines
    assert "- no profile written yet (`docs/profiles/absent.md`)" in lines


def test_nothing_missed_says_so(tmp_path: Path) -> None:
    assert profile_lines([], tmp_path) == ["- every measured target is met"]
