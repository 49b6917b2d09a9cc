"""What a command loads at start-up: one sub-parser, no hint or error machinery.

Start-up is most of a small project's run (docs/benchmarks.md, W1 at N=10), so these pin the
cheap path: ``kconfig render`` builds only its own sub-parser, and modules needed only to
explain an error (difflib, traceback) are not imported when nothing goes wrong.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kconfig.cli.main import COMMANDS, _command_of, build_parser
from kconfig.run.cache import _files_under
from tests.conftest import MINIMAL, write_tree


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["render", "qa"], "render"),
        (["-C", "render", "build"], "build"),  # -C takes the next word as its value
        (["-Cdir", "--debug", "validate"], "validate"),
        (["--debug", "set", "image"], "set"),
        (["--version"], None),
        (["--", "render"], None),
        ([], None),
        (["rendr", "qa"], "rendr"),
    ],
)
def test_the_command_word_is_found_past_global_options(
    argv: list[str], command: str | None
) -> None:
    assert _command_of(argv) == command


def _commands(parser: object) -> set[str]:
    sub = next(a for a in parser._actions if a.dest == "command")  # type: ignore[attr-defined]
    return set(sub.choices)


def test_a_known_command_builds_only_its_own_parser() -> None:
    assert _commands(build_parser("render")) == {"render"}
    assert _commands(build_parser("argocd-generate")) == {"argocd-generate"}


def test_help_and_unknown_commands_see_every_command() -> None:
    assert _commands(build_parser(None)) == set(COMMANDS)
    assert _commands(build_parser("rendr")) == set(COMMANDS)


def test_unknown_command_lists_the_choices(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kconfig", "rendr", "qa"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid choice: 'rendr'" in done.stderr
    assert "'render', 'envs', 'validate'" in done.stderr


def test_a_clean_render_imports_no_error_machinery(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", MINIMAL)
    code = (
        "import sys\n"
        "from kconfig.cli.main import main\n"
        f"assert main(['-C', {str(root)!r}, 'render', 'qa']) == 0\n"
        "late = {'difflib', 'traceback', 'referencing', 'jsonschema'} & set(sys.modules)\n"
        "assert not late, late\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_one_walk_answers_every_subfolder(tmp_path: Path) -> None:
    for rel in ("a/app.yaml", "a/x/deep.yaml", "b/app.yaml", "b/.hidden/skip.yaml", "c.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("k: v\n", encoding="utf-8")
    memo: dict[Path, list[Path]] = {}
    everything = _files_under(tmp_path, memo)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in everything) == [
        "a/app.yaml",
        "a/x/deep.yaml",
        "b/app.yaml",
        "c.yaml",
    ]
    for sub in ("a", "a/x", "b", "missing"):
        direct = _files_under(tmp_path / sub)
        assert sorted(memo.get(tmp_path / sub, [])) == sorted(direct)
        assert sorted(_files_under(tmp_path / sub, memo)) == sorted(direct)
