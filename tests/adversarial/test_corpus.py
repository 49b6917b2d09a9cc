"""The hostile-input corpus: every case is refused with a located one-line error, exit 1 (or
2 for usage), no traceback, nothing written, and quickly.

Committed cases live in ``cases/<name>/`` (``case.toml`` + the files of ``project/`` laid over
``cases/_base/project``). Cases whose files are huge, binary or not files at all (a 50 MB
overlay, 10,000 levels of nesting, invalid UTF-8, a FIFO) are built here, at test time, into
``tmp_path``. See ``_harness.py`` for what is asserted.

Each case is a subprocess (a hostile input may hang or crash the interpreter, and the time
bounds rely on signals and abandoned threads): they run a few at a time on a thread pool, and
each test reports its own case's outcome.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case, committed_cases

APP_OVERLAY = "overlays/qa/web.yaml"
WORKERS = max(2, min(4, os.cpu_count() or 2))


def _big_overlay(root: Path, outside: Path) -> None:
    # 50 MB: far over the 4 MiB reader limit.
    (root / APP_OVERLAY).write_bytes(b"replicas: 2\nnote: " + b"x" * (50 * 1024 * 1024) + b"\n")


def _fifo_overlay(root: Path, outside: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: the reader must not open it.
    os.mkfifo(root / APP_OVERLAY)


def _dev_zero_overlay(root: Path, outside: Path) -> None:
    # /dev/zero is endless; the link also leaves the project.
    (root / APP_OVERLAY).symlink_to("/dev/zero")


ALIAS_BOMB = (
    "[&a [x,x,x,x,x,x,x,x,x,x]"
    + "".join(
        f", &{c} [{', '.join([f'*{p}'] * 10)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]"
)

GENERATED = [
    Case(
        "invalid-utf8-overlay",
        ("render", "qa"),
        1,
        "overlays/qa/web.yaml:2:13: error: file is not valid UTF-8 (byte 0xe9)",
        files={APP_OVERLAY: b"replicas: 2\nenv: {A: caf\xe9}\n"},
        about="a Latin-1 byte in an overlay (column counted in characters)",
    ),
    Case(
        "invalid-utf8-after-multibyte",
        ("render", "qa"),
        1,
        "overlays/qa/web.yaml:1:11: error: file is not valid UTF-8 (byte 0xff)",
        files={APP_OVERLAY: "env: {A: ☕".encode() + b"\xff}\n"},
        about="the column after a 3-byte character is still in characters",
    ),
    Case(
        "invalid-utf8-kconfig",
        ("render", "qa"),
        1,
        "kconfig.yaml:1:13: error: file is not valid UTF-8 (byte 0xff)",
        files={"kconfig.yaml": b"project: sho\xff\n"},
    ),
    Case(
        "invalid-utf8-env",
        ("render", "qa"),
        1,
        "overlays/qa/env.yaml:1:1: error: file is not valid UTF-8 (byte 0xff)",
        files={"overlays/qa/env.yaml": "domain: x\n".encode("utf-16")},
        about="env.yaml saved as UTF-16",
    ),
    Case(
        "invalid-utf8-app",
        ("render", "qa"),
        1,
        "bases/web/app.yaml:3:7: error: file is not valid UTF-8 (byte 0xc3)",
        files={
            "bases/web/app.yaml": (
                b'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\nport: 8080\n'
                b"note: \xc3\x28\n"
            )
        },
    ),
    Case(
        "invalid-utf8-component",
        ("render", "qa"),
        1,
        "components/extra/values.yaml:1:10: error: file is not valid UTF-8 (byte 0x80)",
        files={
            "components/extra/values.yaml": b"replicas:\x80\n",
            APP_OVERLAY: "components: [extra]\n",
        },
    ),
    Case(
        "overlay-50mb",
        ("render", "qa"),
        1,
        "overlays/qa/web.yaml:1:1: error: file is 52428819 bytes, over the 4194304-byte limit "
        "for inputs",
        setup=_big_overlay,
    ),
    Case(
        "nesting-10000-flow-sequences",
        ("render", "qa"),
        1,
        "",
        error_re=r"overlays/qa/web\.yaml:1:\d+: error: invalid YAML: .*exceeded maximum "
        r"nesting depth",
        files={APP_OVERLAY: "env: " + "[" * 10_000 + "]" * 10_000 + "\n"},
    ),
    Case(
        "nesting-10000-flow-mappings",
        ("render", "qa"),
        1,
        "",
        error_re=r"overlays/qa/web\.yaml:1:\d+: error: invalid YAML: .*exceeded maximum "
        r"nesting depth",
        files={APP_OVERLAY: "env: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n"},
    ),
    Case(
        "nesting-10000-block-sequences",
        ("render", "qa"),
        1,
        "",
        error_re=r"overlays/qa/web\.yaml:2:\d+: error: invalid YAML: .*exceeded maximum "
        r"nesting depth",
        files={APP_OVERLAY: "env:\n" + "- " * 10_000 + "x\n"},
    ),
    Case(
        "nesting-10000-set-path",
        ("render", "qa", "--set", ".".join(["a"] * 10_000) + "=1"),
        2,
        "",
        error_re=r"kconfig: error: --set 'a\.a\.a.*: a value path may have at most 100 parts",
    ),
    Case(
        "nesting-10000-set-value",
        ("render", "qa", "--set", "args=" + "[" * 10_000),
        2,
        "",
        error_re=r"kconfig: error: --set 'args=\[\[\[.*: invalid YAML: .*nesting depth",
    ),
    Case(
        "billion-laughs-set",
        ("render", "qa", "--set", f"args={ALIAS_BOMB}"),
        2,
        "",
        error_re=r"kconfig: error: --set 'args=.*: more than 200000 values \(an alias bomb\?\)",
    ),
    Case(
        "overlay-is-a-fifo",
        ("render", "qa"),
        1,
        "overlays/qa/web.yaml:1:1: error: not a regular file",
        setup=_fifo_overlay,
    ),
    Case(
        "overlay-links-to-dev-zero",
        ("render", "qa"),
        1,
        "overlays/qa/web.yaml:1:1: error: refusing to read a file outside the project",
        setup=_dev_zero_overlay,
    ),
]

ALL = {case.name: case for case in [*committed_cases(), *GENERATED]}


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Future[None]]:
    """Start every selected case at once (a few in parallel); tests collect the results."""
    wanted = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "module", None) is request.module and callspec is not None:
            wanted.append(callspec.params["name"])
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="corpus")
    request.addfinalizer(pool.shutdown)
    return {
        name: pool.submit(check_case, ALL[name], tmp_path_factory.mktemp(name)) for name in wanted
    }


@pytest.mark.parametrize("name", sorted(ALL))
def test_case(name: str, outcomes: dict[str, Future[None]]) -> None:
    outcomes[name].result()  # re-raises the case's assertion error (or skip) here


def test_every_committed_case_is_complete() -> None:
    cases = committed_cases()
    assert len(cases) >= 60
    for case in cases:
        assert case.about, f"{case.name}: say what the hostile input is"
        assert case.exit in (1, 2), case.name
        assert bool(case.error) != bool(case.error_re), f"{case.name}: error or error_re"


def test_names_are_unique() -> None:
    assert len(ALL) == len(committed_cases()) + len(GENERATED)
