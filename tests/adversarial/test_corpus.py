"""The hostile-input corpus: every case is refused with a located one-line error, exit 1 (or
2 for usage), no traceback, nothing written, and quickly.

Committed cases live in ``cases/<name>/`` (``case.toml`` + the files of ``project/`` laid over
``cases/_base/project``). Cases whose files are huge, binary or not files at all (a 50 MB
overlay, 10,000 levels of nesting, invalid UTF-8, a FIFO) are built here, at test time, into
``tmp_path``. See ``_harness.py`` for what is asserted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case, committed_cases

APP_OVERLAY = "overlays/qa/web.yaml"
NAME_HINT = "use lower-case letters, digits and '-'"


def _big_overlay(root: Path, outside: Path) -> None:
    # 50 MB: far over the 4 MiB reader limit. Written sparse-free but fast (one write call).
    (root / APP_OVERLAY).write_bytes(b"replicas: 2\nnote: " + b"x" * (50 * 1024 * 1024) + b"\n")


def _fifo_overlay(root: Path, outside: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: the reader must not open it.
    os.mkfifo(root / APP_OVERLAY)


def _dev_zero_overlay(root: Path, outside: Path) -> None:
    # /dev/zero is endless; the link also leaves the project.
    (root / APP_OVERLAY).symlink_to("/dev/zero")


GENERATED = [
    Case(
        "invalid-utf8-overlay", ("render", "qa"), 1,
        r"overlays/qa/web\.yaml:2:10: error: file is not valid UTF-8 \(byte 0xe9\)",
        files={APP_OVERLAY: b"replicas: 2\nenv: {A: caf\xe9}\n"},
    ),
    Case(
        "invalid-utf8-kconfig", ("render", "qa"), 1,
        r"kconfig\.yaml:1:13: error: file is not valid UTF-8 \(byte 0xff\)",
        files={"kconfig.yaml": b"project: sho\xff\n"},
    ),
    Case(
        "invalid-utf8-env", ("render", "qa"), 1,
        r"overlays/qa/env\.yaml:1:1: error: file is not valid UTF-8 \(byte 0xfe\)",
        files={"overlays/qa/env.yaml": b"\xfe\xff\x00d\x00o\x00m\x00a\x00i\x00n\x00:\x00 \x00x\n"},
    ),
    Case(
        "invalid-utf8-app", ("render", "qa"), 1,
        r"bases/web/app\.yaml:3:7: error: file is not valid UTF-8 \(byte 0xc3\)",
        files={"bases/web/app.yaml": (
            b'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\nport: 8080\n'
            b"note: \xc3\x28\n"
        )},
    ),
    Case(
        "overlay-50mb", ("render", "qa"), 1,
        r"overlays/qa/web\.yaml:1:1: error: file is 52428820 bytes, over the 4194304-byte "
        r"limit for inputs",
        setup=_big_overlay,
    ),
    Case(
        "nesting-10000-flow-sequences", ("render", "qa"), 1,
        r"overlays/qa/web\.yaml:1:\d+: error: invalid YAML: .*exceeded maximum nesting depth",
        files={APP_OVERLAY: "env: " + "[" * 10_000 + "]" * 10_000 + "\n"},
    ),
    Case(
        "nesting-10000-flow-mappings", ("render", "qa"), 1,
        r"overlays/qa/web\.yaml:1:\d+: error: invalid YAML: .*exceeded maximum nesting depth",
        files={APP_OVERLAY: "env: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n"},
    ),
    Case(
        "nesting-10000-block-sequences", ("render", "qa"), 1,
        r"overlays/qa/web\.yaml:2:\d+: error: invalid YAML: .*exceeded maximum nesting depth",
        files={APP_OVERLAY: "env:\n" + "- " * 10_000 + "x\n"},
    ),
    Case(
        "nesting-10000-set-path", ("render", "qa", "--set", ".".join(["a"] * 10_000) + "=1"), 2,
        r"kconfig: error: --set 'a\.a\.a.*: a value path may have at most 100 parts",
    ),
    Case(
        "overlay-is-a-fifo", ("render", "qa"), 1,
        r"overlays/qa/web\.yaml:1:1: error: not a regular file",
        setup=_fifo_overlay,
    ),
    Case(
        "overlay-links-to-dev-zero", ("render", "qa"), 1,
        r"overlays/qa/web\.yaml:1:1: error: refusing to read a file outside the project",
        setup=_dev_zero_overlay,
    ),
]


@pytest.mark.parametrize("case", committed_cases(), ids=lambda c: c.name)
def test_committed_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


@pytest.mark.parametrize("case", GENERATED, ids=lambda c: c.name)
def test_generated_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def test_every_committed_case_is_complete() -> None:
    cases = committed_cases()
    assert len(cases) >= 60
    for case in cases:
        assert case.about, f"{case.name}: say what the hostile input is"
        assert case.exit in (1, 2), case.name
        assert case.error and case.error != "TODO", case.name
