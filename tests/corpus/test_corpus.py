"""The corpus: small realistic projects that the API server, an admission webhook or a
controller refuses or breaks (tests/corpus/README.md). Each case's ``expect`` lists, one per
line, ``<file:line:col or template> <check id>``: every one must be reported, and the run
must fail. The projects are validated in-process (the CLI's ``main``) to stay fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kconfig.cli.main import main

CORPUS = Path(__file__).resolve().parent


def _cases() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "expect").is_file())


def test_the_corpus_is_big_enough() -> None:
    assert len(_cases()) >= 60


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_corpus_case_is_refused_at_its_line(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-C", str(case / "project"), "validate"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    expected = [line.split() for line in (case / "expect").read_text().splitlines() if line]
    assert expected, f"{case.name}: expect names no located error"
    for where, check in expected:
        hits = [
            line
            for line in err.splitlines()
            if line.startswith(f"{where}: ") and line.endswith(f"[{check}]")
        ]
        assert hits, f"{case.name}: no {check} at {where} in:\n{err}"
