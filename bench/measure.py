"""Running one measured process: wall time, peak memory, and what else the machine was doing.

Every figure is a whole process (start-up included), as users and CI run it:

- wall: ``time.perf_counter()`` from ``fork`` to the child's exit;
- peak RSS: ``ru_maxrss`` from ``os.wait4``, the largest of the child and the descendants it
  reaped (worker processes included), not a sum; the child is started by a small launcher
  (bench/launcher.py), so the harness's own memory is not counted as the child's;
- tree RSS (when asked): the largest *sum* of the resident sets of the child and all its
  descendants, sampled every 20 ms from ``/proc`` (forked workers share pages, so the sum
  over-counts them; it is the figure a memory-limited CI runner comes closer to);
- other CPU: the CPU seconds the rest of the machine used while the child ran (``/proc/stat``
  busy and stolen time, less the child's and this harness's own), so a figure measured next
  to someone else's test suite says so.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Command = tuple[str, ...]
STDERR_TAIL_LINES = 15
TREE_SAMPLE_SECONDS = 0.02
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class Invocation:
    """The commands of one measured run (timed together, in sequence), where and with what
    environment they run."""

    commands: tuple[Command, ...]
    cwd: Path
    env: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured run."""

    wall: float
    maxrss_kb: int  # the largest single process (wait4)
    tree_kb: int  # the largest sampled sum over the process tree; 0 when not sampled
    cpu: float  # CPU seconds of the child and its reaped descendants
    other_cpu: float  # CPU seconds the rest of the machine used meanwhile


@dataclass(frozen=True, slots=True)
class Failure:
    label: str
    command: Command
    detail: str  # exit code, signal or timeout
    stderr_tail: str


class CommandFailedError(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.label}: {failure.detail}")
        self.failure = failure


@dataclass(slots=True)
class Cell:
    """The samples of one job in one row (or why there are none)."""

    samples: list[Sample] = field(default_factory=list)
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return bool(self.samples) and self.failure is None

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.wall for s in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(s.maxrss_kb for s in self.samples) / 1024

    @property
    def median_peak_mb(self) -> float:
        return statistics.median(s.maxrss_kb for s in self.samples) / 1024

    @property
    def tree_mb(self) -> float:
        return max(s.tree_kb for s in self.samples) / 1024

    @property
    def other_load(self) -> float:
        """Cores the rest of the machine kept busy, on average, while this job ran."""
        wall = sum(s.wall for s in self.samples)
        return sum(s.other_cpu for s in self.samples) / wall if wall else 0.0


# --- the machine -----------------------------------------------------------------------------


def busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (user, nice, system, irq, softirq,
    steal: stolen time is time this VM wanted a core and did not get it)."""
    with Path("/proc/stat").open(encoding="ascii") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> float:
    """The one-minute load average, as `uptime` shows it."""
    return os.getloadavg()[0]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _resident_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE // 1024
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_kb(pid: int) -> int:
    """The resident set sizes of pid and all its descendants, added up."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _resident_kb(current)
        todo += _children(current)
    return total


class _TreeSampler:
    """Samples tree_rss_kb(pid) in a thread until stopped; keeps the largest."""

    def __init__(self, pid: int) -> None:
        self.peak_kb = 0
        self._pid = pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self._pid))
            if self._stop.wait(TREE_SAMPLE_SECONDS):
                return

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb


# --- one process -----------------------------------------------------------------------------


def tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


class Launcher:
    """The small process that forks and execs every measured command (bench/launcher.py:
    a child forked by the harness itself would report the harness's RSS as its own)."""

    def __init__(self) -> None:
        script = Path(__file__).with_name("launcher.py")
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise OSError("the launcher stopped")
        message: dict[str, Any] = json.loads(line)
        if "error" in message:
            raise OSError(message["error"])
        return message

    def cpu_seconds(self) -> float:
        """The launcher's own CPU time (its forks), so that it is not counted as others'."""
        try:
            fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def run(
        self, request: dict[str, Any], on_start: Callable[[int], None] | None = None
    ) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        started = self._read()
        if on_start is not None:
            on_start(int(started["pid"]))
        return self._read()

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)


_LAUNCHER: list[Launcher] = []


def launcher() -> Launcher:
    """The launcher of this harness (started on first use, stopped at exit)."""
    if not _LAUNCHER:
        _LAUNCHER.append(Launcher())
        atexit.register(_LAUNCHER[0].close)
    return _LAUNCHER[0]


def run_command(
    command: Command,
    label: str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    stderr_path: Path,
    timeout: float,
    sample_tree: bool = False,
) -> Sample:
    """Run one command to completion (stdout to /dev/null); its Sample, or CommandFailedError."""
    runner = launcher()
    samplers: list[_TreeSampler] = []

    def on_start(pid: int) -> None:
        if sample_tree:
            samplers.append(_TreeSampler(pid))

    request = {
        "argv": list(command),
        "cwd": str(cwd),
        "env": dict(env),
        "stderr": str(stderr_path),
        "timeout": timeout,
    }
    busy, own, launched = busy_seconds(), own_cpu_seconds(), runner.cpu_seconds()
    try:
        done = runner.run(request, on_start)
    except OSError as exc:
        raise CommandFailedError(Failure(label, command, f"cannot run: {exc}", "")) from exc
    finally:
        tree_kb = samplers[0].stop() if samplers else 0
    cpu = float(done["cpu"])
    harness = own_cpu_seconds() - own + runner.cpu_seconds() - launched
    other = busy_seconds() - busy - cpu - harness
    code = int(done["status"])
    if code != 0:
        detail = f"exit {code}"
        if done["timed_out"]:
            detail = f"timed out after {timeout:g} s"
        elif code < 0:
            detail = f"killed by signal {-code}"
        raise CommandFailedError(Failure(label, command, detail, tail(stderr_path)))
    return Sample(float(done["wall"]), int(done["maxrss_kb"]), tree_kb, cpu, max(0.0, other))


def run_invocation(
    invocation: Invocation,
    label: str,
    *,
    stderr_path: Path,
    timeout: float,
    sample_tree: bool = False,
) -> Sample:
    """Run the invocation's commands in sequence: wall and CPU summed, memory the largest."""
    samples = [
        run_command(
            command,
            label,
            cwd=invocation.cwd,
            env=invocation.env,
            stderr_path=stderr_path,
            timeout=timeout,
            sample_tree=sample_tree,
        )
        for command in invocation.commands
    ]
    return combine(samples)


def combine(samples: Sequence[Sample]) -> Sample:
    return Sample(
        wall=sum(s.wall for s in samples),
        maxrss_kb=max(s.maxrss_kb for s in samples),
        tree_kb=max(s.tree_kb for s in samples),
        cpu=sum(s.cpu for s in samples),
        other_cpu=sum(s.other_cpu for s in samples),
    )
