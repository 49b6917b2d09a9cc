"""Issue 18 item 7: exit 1 (or 2 for usage) with a located message, never exit 3.

Inputs Python itself chokes on: a committed ``.kconfig-owned.json`` nested 100,000 deep
(``build`` and ``build --check``), ``ARGOCD_APP_PARAMETERS`` nested deep, stdout closed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversarial._harness import BASE, DIAGNOSTIC, Case, check_case

DEEP = "[" * 100_000 + "]" * 100_000
INDEX = "deploy/qa/.kconfig-owned.json"

CASES = [
    Case(
        "owned-index-nested-deep",
        ("build", "qa"),
        1,
        f"{INDEX}: error: ownership index is not valid JSON",
        files={INDEX: DEEP},
        about="a committed .kconfig-owned.json nested 100,000 deep",
    ),
    Case(
        "owned-index-nested-deep-check",
        ("build", "qa", "--check"),
        1,
        f"{INDEX}: error: ownership index is not valid JSON",
        files={INDEX: DEEP},
        about="the same under build --check",
    ),
    Case(
        "owned-index-wrong-shape",
        ("build", "--check"),
        1,
        f"{INDEX}: error: ownership index has no 'files' list of paths",
        files={INDEX: "[1]"},
        about="a committed .kconfig-owned.json that is a list",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_located_not_internal(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def _kconfig(root: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kconfig", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kw,  # type: ignore[call-overload]
    )


def test_argocd_parameters_nested_deep(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    env = {**os.environ, "ARGOCD_APP_PARAMETERS": "[" * 20_000 + "]" * 20_000}
    got = _kconfig(root, "argocd-generate", env=env)
    assert got.returncode == 2, got.stderr
    assert got.stderr.startswith("kconfig: error: ARGOCD_APP_PARAMETERS is not valid JSON")
    assert got.stdout == ""


def test_stdout_closed(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    got = subprocess.run(
        f'"{sys.executable}" -m kconfig -C "{root}" render qa >&-',
        shell=True,
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    assert got.returncode == 1, got.stderr
    lines = got.stderr.splitlines()
    assert lines == ["kconfig: error: standard output is closed; kconfig writes its results there"]
    assert DIAGNOSTIC.match(lines[0])
