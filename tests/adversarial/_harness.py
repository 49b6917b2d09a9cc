"""What every hostile-input case asserts, and the helpers to build and check one.

A case is a small broken project (the shared ``cases/_base`` project plus the case's own files,
symlinks and files *outside* the project), a kconfig command line, the exit code and the
expected located error line. :func:`check_case` runs it in a subprocess and asserts:

* the exit code (1 invalid input, 2 usage), never 3 (internal error) or a signal;
* every line of stderr is one diagnostic, ``path:line:col: error: message`` (or
  ``kconfig: error: ...`` for usage), no traceback, and one line starts with the expected text
  (``error``) or matches the expected regex (``error_re``);
* stdout is empty (a failed render must never look like an empty manifest stream);
* nothing was written: the project tree and the folder outside it hold the same bytes, modes
  and mtimes as before;
* the answer came within a few seconds;

and every run is capped at :data:`ADDRESS_SPACE` of memory, so that a bound that stopped
holding fails its case at once instead of exhausting a shared CI machine.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
BASE = CASES / "_base" / "project"

TIMEOUT = 20.0  # the subprocess is killed after this
MAX_SECONDS = 10.0  # and must have answered well before
# RLIMIT_AS of every run: room for kconfig (~0.5 GiB mapped) and its default 2 GiB render
# bound, far below what a bomb that escaped its bound would take.
ADDRESS_SPACE = 4 << 30

# One diagnostic line: `path:line:col: error: ...`, `path: error: ...` (a file or folder as a
# whole), or `kconfig: error: ...` (usage, no file). Paths may hold colons
# (`kconfig:templates/...`), never start with a space.
DIAGNOSTIC = re.compile(r"^\S.*?(?::\d+:\d+)?: (?:error|warning): \S.*$")

Setup = Callable[[Path, Path], None]


@dataclass(frozen=True)
class Case:
    """One hostile input: the files that make it, the command, and what must come out."""

    name: str
    args: tuple[str, ...]
    exit: int
    error: str  # one stderr line starts with this text ({project}, {outside} expanded)
    error_re: str = ""  # or, when set, one stderr line matches this regex (re.match)
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    symlinks: Mapping[str, str] = field(default_factory=dict)
    outside: Mapping[str, str | bytes] = field(default_factory=dict)
    needs: str | None = None  # a kconfig command that must exist (else the case skips)
    readonly: tuple[str, ...] = ()  # folders made read-only before the run
    setup: Setup | None = None  # code that builds what files cannot (FIFOs, huge files)
    about: str = ""
    base: bool = True
    source: Path | None = None  # the case folder, for committed cases


def load_case(folder: Path) -> Case:
    """A committed case: ``case.toml`` plus the files under ``project/``."""
    spec = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    files: dict[str, str | bytes] = {}
    project = folder / "project"
    if project.is_dir():
        for path in sorted(project.rglob("*")):
            if path.is_file():
                files[path.relative_to(project).as_posix()] = path.read_bytes()
    return Case(
        name=folder.name,
        args=tuple(spec["args"]),
        exit=int(spec["exit"]),
        error=spec.get("error", ""),
        error_re=spec.get("error_re", ""),
        files=files,
        remove=tuple(spec.get("remove", ())),
        symlinks=dict(spec.get("symlinks", {})),
        outside=dict(spec.get("outside", {})),
        needs=spec.get("needs"),
        readonly=tuple(spec.get("readonly", ())),
        about=spec.get("about", ""),
        base=bool(spec.get("base", True)),
        source=folder,
    )


def committed_cases() -> list[Case]:
    return [
        load_case(p)
        for p in sorted(CASES.iterdir())
        if not p.name.startswith("_") and (p / "case.toml").is_file()
    ]


def _write(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _expand(text: str, places: Mapping[str, Path], quote: Callable[[str], str] = str) -> str:
    for key, value in places.items():
        text = text.replace("{" + key + "}", quote(str(value)))
    return text


def build(case: Case, tmp: Path) -> tuple[Path, Path]:
    """Write the case's project and its outside folder under ``tmp``; return both."""
    root, outside = tmp / "project", tmp / "outside"
    outside.mkdir(parents=True)
    if case.base:
        shutil.copytree(BASE, root)
    root.mkdir(exist_ok=True)
    for rel in case.remove:
        (root / rel).unlink()
    _write(root, case.files)
    _write(outside, case.outside)
    places = {"outside": outside, "project": root}
    for rel, target in case.symlinks.items():
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        elif link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(_expand(target, places))
    if case.setup is not None:
        case.setup(root, outside)
    return root, outside


def make_readonly(folder: Path) -> Callable[[], None]:
    """Make ``folder`` unwritable, also for root (who ignores modes: ``chattr +i`` then);
    return the undo. Skips the test where neither works."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(
            "running as root and chattr +i is not available: cannot make a folder read-only"
        )
    return lambda: subprocess.run(["chattr", "-i", str(folder)], check=False)


Snapshot = dict[str, tuple[object, ...]]


def snapshot(*roots: Path) -> Snapshot:
    """Every entry under ``roots`` (symlinks not followed): kind, mode, mtime and content."""
    out: Snapshot = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in [*dirs, *files]:
                path = Path(folder) / name
                st = path.lstat()
                if stat.S_ISLNK(st.st_mode):
                    content: object = os.readlink(path)
                elif stat.S_ISREG(st.st_mode):
                    content = path.read_bytes()
                else:
                    content = None
                out[str(path)] = (
                    stat.S_IFMT(st.st_mode),
                    stat.S_IMODE(st.st_mode),
                    st.st_mtime_ns,
                    content,
                )
    return out


def _diff(before: Snapshot, after: Snapshot) -> list[str]:
    changed = [k for k in before if k in after and before[k] != after[k]]
    return (
        [f"created {k}" for k in sorted(set(after) - set(before))]
        + [f"removed {k}" for k in sorted(set(before) - set(after))]
        + [f"changed {k}" for k in sorted(changed)]
    )


@functools.cache
def command_exists(name: str) -> bool:
    """Whether ``kconfig NAME --help`` works (commands other helpers are still building)."""
    return run([name, "--help"], cwd=None).returncode == 0


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def _cap_address_space() -> None:
    """In the child before exec: at most :data:`ADDRESS_SPACE` mapped (see the docstring)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run(
    args: Sequence[str],
    cwd: Path | None,
    timeout: float = TIMEOUT,
    env: Mapping[str, str] | None = None,
    user: int | None = None,
) -> Outcome:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kconfig", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
        user=user,
        preexec_fn=_cap_address_space if sys.platform.startswith("linux") else None,
    )
    return Outcome(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


def assert_failed_cleanly(outcome: Outcome, exit_code: int, error: str, regex: bool) -> None:
    """The answer of a rejected input: right exit code, only diagnostics, the expected one
    (``error`` is the start of one line, or a regex matching one when ``regex``)."""
    err = outcome.stderr
    assert outcome.returncode == exit_code, f"exit {outcome.returncode}, stderr:\n{err}"
    assert "Traceback" not in err and "internal error" not in err, err
    assert outcome.stdout == "", f"stdout must stay empty on failure:\n{outcome.stdout[:500]}"
    lines = err.splitlines()
    assert lines, "a failure must say why"
    for line in lines:
        assert DIAGNOSTIC.match(line), f"not a one-line located diagnostic: {line!r}"
    found = any(re.match(error, ln) if regex else ln.startswith(error) for ln in lines)
    assert found, f"no line {'matches' if regex else 'starts with'} {error!r}:\n{err}"
    assert outcome.seconds < MAX_SECONDS, f"took {outcome.seconds:.1f} s"


def check_case(case: Case, tmp: Path) -> None:
    """Build ``case`` in ``tmp``, run it, and assert everything the module docstring lists."""
    if case.needs and not command_exists(case.needs):
        pytest.skip(f"kconfig {case.needs} not available yet")
    root, outside = build(case, tmp)
    places = {"outside": outside, "project": root}
    args = ["-C", str(root), *(_expand(a, places) for a in case.args)]
    undo = [make_readonly(Path(_expand(rel, places))) for rel in case.readonly]
    try:
        before = snapshot(root, outside)
        outcome = run(args, cwd=tmp)
        after = snapshot(root, outside)
    finally:
        for step in undo:
            step()
    if case.error_re:
        expected = _expand(case.error_re, places, re.escape)
    else:
        expected = _expand(case.error, places)
    assert_failed_cleanly(outcome, case.exit, expected, regex=bool(case.error_re))
    assert _diff(before, after) == [], "kconfig wrote something"
