"""Broken projects under tests/negative/<case>/: exact diagnostics, exit code, no traceback.

Each case holds ``project/`` (the broken project), ``cmd`` (the kconfig arguments) and
``expected`` (first line ``exit N``, then the exact stderr). Review wording changes in the
diff of ``expected``; regenerate with ``pytest tests/cli/test_negative.py --update-golden``.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.conftest import run_kconfig

CASES = Path(__file__).resolve().parents[1] / "negative"


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "cmd").is_file())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_negative_case(case: Path, update_golden: bool) -> None:
    args = shlex.split((case / "cmd").read_text())
    result = run_kconfig(*args, cwd=case / "project")
    actual = f"exit {result.returncode}\n{result.stderr}"
    expected_file = case / "expected"
    if update_golden:
        expected_file.write_text(actual)
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == "", "nothing may reach stdout when rendering fails"
    for line in result.stderr.splitlines():
        assert ": error: " in line or ": warning: " in line, line
    assert actual == expected_file.read_text()
