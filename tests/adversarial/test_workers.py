"""Issue 18 item 5: forked workers die with their parent, and Ctrl-C leaves no half tree.

``kconfig build`` renders environments in forked workers. When CI kills the build (a job
timeout sends SIGKILL), the workers must go too: before, about a third of kills left them
alive for ever, blocked on the pool's pipes, and since they hold the caller's stdout,
``out=$(kconfig build)`` never returned. Each run starts in its own session, so every
process of the build shares its process group: after the kill, none may be left, and the
reader of stdout must see end-of-file.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import copy_estate

KILLS = 6
SEED = 18  # fixed: the same kill moments every run
GRACE = 10.0  # seconds for the kernel to deliver the workers' death signal


def _group(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # fields[0] is the state, fields[2] the process group
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry))
    return found


def _start(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kconfig", "-C", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the workers are found by it
        env={**os.environ, "KCONFIG_JOBS": "2"},
    )


def _eof_within(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether the stdout pipe reaches end-of-file (every writer gone) in time."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready and not os.read(fd, 65536):
            return True
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_leaves_no_worker(tmp_path: Path) -> None:
    root = copy_estate(tmp_path / "estate")
    rng = random.Random(SEED)
    survivors: list[str] = []
    for attempt in range(KILLS):
        proc = _start(root, "build", "--no-cache")
        delay = rng.uniform(0.3, 4.0)
        time.sleep(delay)
        pgid = proc.pid
        proc.kill()
        proc.wait()
        eof = _eof_within(proc, GRACE)
        deadline = time.monotonic() + GRACE
        while (left := _group(pgid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if left or not eof:
            survivors.append(f"kill {attempt} after {delay:.2f}s: alive {left}, eof {eof}")
            for pid in left:  # our own test's processes: do not leave them behind
                os.kill(pid, signal.SIGKILL)
        assert proc.stdout is not None
        proc.stdout.close()
    assert survivors == []


def test_sigint_leaves_no_temporary_tree(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the whole foreground group) at seeded moments: no unswapped
    ``.kconfig-tmp-*`` tree is left in the output folder, and the build exits with 130."""
    root = copy_estate(tmp_path / "estate")
    rng = random.Random(SEED)
    for attempt in range(KILLS):
        proc = _start(root, "build", "--no-cache")
        time.sleep(rng.uniform(0.3, 4.0))
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        deadline = time.monotonic() + GRACE
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _group(proc.pid) == [], f"attempt {attempt}: workers outlived Ctrl-C"
        out = root / "deploy"
        left = sorted(p.name for p in out.glob(".kconfig-tmp-*")) if out.is_dir() else []
        assert left == [], f"attempt {attempt}: {left}"
        assert proc.returncode in (0, 130), f"attempt {attempt}: exit {proc.returncode}"
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_leaves_no_jsonnet_child(tmp_path: Path) -> None:
    """A bounded Jsonnet evaluation runs in a child of the worker (the memory bound, issue 18
    item 6): SIGKILL of the build must take those grandchildren too, mid-evaluation."""
    import shutil

    from tests.adversarial._harness import BASE

    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "kconfig.yaml").write_text(
        "project: shop\nenvironments: [qa, prod]\nlimits: {renderTimeout: 60}\n"
    )
    spin = "local f(x) = if x > 1e12 then x else f(x + 1) tailstrict;\nfunction(ctx) {kind: f(0)}\n"
    (root / "bases/web/templates").mkdir(parents=True)
    (root / "bases/web/templates/x.jsonnet").write_text(spin)
    proc = _start(root, "build", "--no-cache")
    deadline = time.monotonic() + 30
    # Both workers and their VM children: at least 5 processes in the group.
    while len(_group(proc.pid)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_group(proc.pid)) >= 5, "the Jsonnet children did not start"
    proc.kill()
    proc.wait()
    assert _eof_within(proc, GRACE)
    deadline = time.monotonic() + GRACE
    while (left := _group(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # our own test's processes: do not leave them behind
        os.kill(pid, signal.SIGKILL)
    assert left == []
    assert proc.stdout is not None
    proc.stdout.close()
