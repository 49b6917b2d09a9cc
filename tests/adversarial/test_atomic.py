"""Nothing lost: SIGKILL during each kind of write leaves the old or the new content.

kconfig writes in three places: ``kconfig build`` (a whole tree per environment),
``kconfig set image`` and ``kconfig promote`` (overlay files edited in place). Each test runs
the command many times and kills it with SIGKILL at a point chosen by a seeded random
generator, then checks every target: it holds exactly the old bytes or exactly the new ones,
never a mix, a truncated file or nothing. Leftover temporary files must be recognisable as
such (and, for build, a later run must clean them up).

Killing at a uniformly random moment would nearly always hit the interpreter's start-up, so
most kills are aimed: the test watches the target folder for the first temporary file the
write creates, then waits a random fraction of the write's measured duration and kills. A few
kills stay purely random in time.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adversarial._harness import BASE, command_exists

SEED = 20261128
KILLS = 10
APPS = ("web", "api", "worker")
Watch = Callable[[], bool]


def _project(tmp_path: Path) -> Path:
    """The corpus base project with three apps, qa ahead of prod."""
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    base = (root / "bases" / "web" / "app.yaml").read_text(encoding="utf-8")
    for i, app in enumerate(APPS):
        (root / "bases" / app).mkdir(exist_ok=True)
        (root / "bases" / app / "app.yaml").write_text(
            base.replace("shop/web", f"shop/{app}"), encoding="utf-8"
        )
        (root / "overlays" / "qa" / f"{app}.yaml").write_text(
            f'# {app} in qa\nimage: {{tag: "2.{i}.0"}}  # candidate\n', encoding="utf-8"
        )
        (root / "overlays" / "prod" / f"{app}.yaml").write_text(
            f'# {app} in prod\nimage:\n  tag: "1.{i}.0"   # pinned\nreplicas: 2\n',
            encoding="utf-8",
        )
    return root


def _kconfig(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "kconfig", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def _run_and_kill(root: Path, args: list[str], watch: Watch | None, delay: float) -> bool:
    """Start ``kconfig ARGS``; once ``watch()`` holds (or at once), wait ``delay`` and SIGKILL.
    True when the kill landed before the process ended on its own."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kconfig", "-C", str(root), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    start = time.monotonic()
    while watch is not None and proc.poll() is None and not watch():
        if time.monotonic() - start > 30:
            break
        time.sleep(0.0002)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGKILL), err.decode("utf-8", "replace")
    return proc.returncode == -signal.SIGKILL


def _listing_has(folder: Path, pattern: re.Pattern[str]) -> Watch:
    def watch() -> bool:
        try:
            return any(pattern.match(name) for name in os.listdir(folder))
        except OSError:
            return False

    return watch


def _write_window(root: Path, args: list[str], watch: Watch) -> float:
    """Seconds from the first sign of writing to the end of one full run (at least 1 ms)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kconfig", "-C", str(root), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = None
    while proc.poll() is None:
        if seen is None and watch():
            seen = time.monotonic()
        time.sleep(0.0002)
    end = time.monotonic()
    assert proc.returncode == 0
    return max(end - (seen or end), 0.001)


def _kill_points(window: float, total: float) -> list[tuple[bool, float]]:
    """(aimed, delay) per kill: aimed kills wait a fraction of the write window after its
    first sign; the others a random moment of the whole run."""
    rng = random.Random(SEED)
    # Squared: most aimed kills come early in the window, where the writes are (the rest of
    # it is the interpreter shutting down).
    points = [(True, window * rng.random() ** 2) for _ in range(KILLS - 2)]
    points += [(False, rng.uniform(0, total)) for _ in range(2)]
    return points


# -- build ------------------------------------------------------------------------------------
def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _unit_state(out: Path, unit: str) -> dict[str, bytes] | None:
    """The unit's live tree; during the fallback swap, the backup that recovery restores."""
    if (out / unit).is_dir():
        return _tree(out / unit)
    backup = out / f".kconfig-bak-{unit}"
    return _tree(backup) if backup.is_dir() else None


def test_sigkill_during_build_leaves_old_or_new_trees(tmp_path: Path) -> None:
    if not command_exists("build"):
        pytest.skip("kconfig build not available yet")
    root = _project(tmp_path)
    out = root / "deploy"
    _kconfig(root, "build")
    old = {unit: _tree(out / unit) for unit in ("qa", "prod")}
    pristine = tmp_path / "old-out"
    shutil.copytree(out, pristine, symlinks=True)
    for app in APPS:  # the new build changes every file of both environments' apps
        path = root / "overlays" / "prod" / f"{app}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("replicas: 2", "replicas: 3"))
    (root / "overlays" / "qa" / "env.yaml").write_text("domain: qa2.example.com\n")
    started = _listing_has(out, re.compile(r"\.kconfig-tmp-"))
    start = time.monotonic()
    window = _write_window(root, ["build"], started)
    total = time.monotonic() - start
    new = {unit: _tree(out / unit) for unit in ("qa", "prod")}
    assert new["qa"] != old["qa"] and new["prod"] != old["prod"]
    killed = 0
    for aimed, delay in _kill_points(window, total):
        shutil.rmtree(out)
        shutil.copytree(pristine, out, symlinks=True)
        killed += _run_and_kill(root, ["build"], started if aimed else None, delay)
        for unit in ("qa", "prod"):
            state = _unit_state(out, unit)
            assert state in (old[unit], new[unit]), f"{unit}: a mix of old and new"
        stray = [n for n in os.listdir(out) if n not in ("qa", "prod")]
        assert all(n.startswith((".kconfig-tmp-", ".kconfig-bak-", ".kconfig")) for n in stray)
    assert killed, "no kill landed before the build ended: the test exercised nothing"
    _kconfig(root, "build")  # recovery: leftovers cleared, the new trees in place
    assert {unit: _tree(out / unit) for unit in ("qa", "prod")} == new
    assert not [n for n in os.listdir(out) if n.startswith((".kconfig-tmp-", ".kconfig-bak-"))]


# -- set image and promote ---------------------------------------------------------------------
EDIT_TMP = re.compile(r"^\..+\.yaml\..*tmp$")


def _check_files(files: dict[Path, tuple[bytes, bytes]]) -> None:
    for path, (before, after) in files.items():
        assert path.read_bytes() in (before, after), f"{path.name}: neither old nor new"
    for folder in {p.parent for p in files}:
        for name in os.listdir(folder):
            assert name.endswith(".yaml") or EDIT_TMP.match(name), f"stray file {name}"


def _edit_kills(root: Path, args: list[str], targets: list[Path]) -> None:
    """Kill ``kconfig ARGS`` (an in-place edit of ``targets``) again and again; each target
    must hold its old or its new bytes."""
    old = {p: p.read_bytes() for p in targets}
    folders = {p.parent for p in targets}
    watches = [_listing_has(f, EDIT_TMP) for f in folders]

    def started() -> bool:
        return any(w() for w in watches)

    start = time.monotonic()
    window = _write_window(root, args, started)
    total = time.monotonic() - start
    new = {p: p.read_bytes() for p in targets}
    assert new != old
    killed = 0
    for aimed, delay in _kill_points(window, total):
        for path, data in old.items():
            path.write_bytes(data)
        for folder in folders:  # a killed edit's temporary file would trigger the next kill
            for name in os.listdir(folder):
                if EDIT_TMP.match(name):
                    (folder / name).unlink()
        killed += _run_and_kill(root, args, started if aimed else None, delay)
        _check_files({p: (old[p], new[p]) for p in targets})
    assert killed, "no kill landed before the edit ended: the test exercised nothing"


def test_sigkill_during_set_image_leaves_old_or_new_file(tmp_path: Path) -> None:
    if not command_exists("set"):
        pytest.skip("kconfig set image not available yet")
    root = _project(tmp_path)
    target = root / "overlays" / "prod" / "web.yaml"
    _edit_kills(root, ["set", "image", "prod", "web", "9.9.9"], [target])
    assert b'tag: "9.9.9"   # pinned' in target.read_bytes() or b"1.0.0" in target.read_bytes()


def test_sigkill_during_promote_leaves_old_or_new_files(tmp_path: Path) -> None:
    if not command_exists("promote"):
        pytest.skip("kconfig promote not available yet")
    root = _project(tmp_path)
    targets = [root / "overlays" / "prod" / f"{app}.yaml" for app in APPS]
    _edit_kills(root, ["promote", "qa", "prod"], targets)
