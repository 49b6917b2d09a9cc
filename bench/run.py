"""Measure kconfig against `kubectl kustomize` (and Kapitan) on the reference fleet (FLEET.md).

Every figure is a whole process (cold start included): wall time from time.perf_counter around
the child, peak RSS from the child's own rusage (os.wait4). The tools alternate inside each run
(kconfig, Kustomize, then Kustomize, kconfig, ...) so drift in machine load hits both alike.
Each cell is the median of the runs with its spread (min-max); a ratio is kconfig's median over
the peer's median for the same workload and N. See bench/README.md.

    python -m bench.run --smoke                       # N=10, one run, a few seconds
    python -m bench.run --skip-kustomize-500          # the full table without Kustomize's minutes
    python -m bench.run --out docs/benchmarks.md      # write the Markdown table to a file
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from bench import fleet as fleetgen
from bench.fleet import ENVS, Fleet

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = REPO_ROOT / "bench" / "out" / "work"
DEFAULT_NS = (10, 100, 500)
SLOW_N = 500
# Where kconfig may keep a render cache, relative to the project root. Cold workloads (W1-W3)
# delete it before every run; W4 measures the warm cache on purpose.
KCONFIG_CACHE_DIRS = (".kconfig-cache",)
W4_APP = fleetgen.app_name(0)
W4_ENV = "qa"
W4_TAGS = ("1.0.1-rc", "1.0.2-rc")  # alternated so every run really changes the overlay
STDERR_TAIL_LINES = 15

Tool = Literal["kconfig", "kustomize", "kapitan"]
Command = tuple[str, ...]
Status = Literal["PASS", "FAIL", "n/a"]
TOOL_NAMES: dict[Tool, str] = {"kconfig": "kconfig", "kustomize": "Kustomize", "kapitan": "Kapitan"}


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured run: total wall seconds and the largest peak RSS of its processes."""

    wall: float
    maxrss_kb: int


@dataclass(frozen=True, slots=True)
class Failure:
    label: str
    command: Command
    detail: str  # exit code or timeout
    stderr_tail: str


class CommandFailedError(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.label}: {failure.detail}")
        self.failure = failure


@dataclass(slots=True)
class Measurement:
    samples: list[Sample] = field(default_factory=list)
    failure: Failure | None = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.samples) and self.failure is None and self.skipped is None

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


@dataclass(frozen=True, slots=True)
class Job:
    """Commands measured together as one run, and what to do (untimed) before each run."""

    tool: Tool
    label: str
    commands: tuple[Command, ...]
    prepare: Callable[[int], None] | None = None  # gets the run index
    cwd: Path = REPO_ROOT


@dataclass(frozen=True, slots=True)
class Row:
    workload: str
    n: int
    results: dict[Tool, Measurement]


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    measured: str
    limit: str
    status: Status


@dataclass(frozen=True, slots=True)
class Settings:
    ns: tuple[int, ...]
    runs: int
    tools: tuple[Tool, ...]
    kconfig: Command
    kubectl: str | None
    skip_kustomize_slow: bool
    kustomize_slow_w1: bool  # with skip_kustomize_slow: still run W1 at N>=500
    kapitan: Command | None  # the Kapitan command (absolute program) when its column runs
    smoke: bool
    timeout: float
    work: Path


# --- processes -------------------------------------------------------------------------------


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_command(
    command: Command, label: str, stderr_path: Path, timeout: float, cwd: Path = REPO_ROOT
) -> Sample:
    """Run one command to completion; its own wall time and peak RSS, or CommandFailedError."""
    timed_out = threading.Event()
    with stderr_path.open("wb") as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        except OSError as exc:
            raise CommandFailedError(Failure(label, command, f"cannot start: {exc}", "")) from exc

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    if proc.returncode != 0:
        detail = f"exit {proc.returncode}"
        if timed_out.is_set():
            detail = f"timed out after {timeout:g} s"
        elif proc.returncode < 0:
            detail = f"killed by signal {-proc.returncode}"
        raise CommandFailedError(Failure(label, command, detail, _tail(stderr_path)))
    return Sample(wall=wall, maxrss_kb=usage.ru_maxrss)


def run_job(job: Job, run_index: int, stderr_path: Path, timeout: float) -> Sample:
    if job.prepare is not None:
        job.prepare(run_index)
    samples = [run_command(c, job.label, stderr_path, timeout, job.cwd) for c in job.commands]
    return Sample(wall=sum(s.wall for s in samples), maxrss_kb=max(s.maxrss_kb for s in samples))


def measure(jobs: Sequence[Job], runs: int, settings: Settings) -> list[Measurement]:
    """Run the jobs `runs` times, alternating their order; a failed job stops being run."""
    results = [Measurement() for _ in jobs]
    stderr_path = settings.work / "stderr.txt"
    for run_index in range(runs):
        order = list(range(len(jobs)))
        if run_index % 2:
            order.reverse()
        for k in order:
            if results[k].failure is not None:
                continue
            try:
                results[k].samples.append(
                    run_job(jobs[k], run_index, stderr_path, settings.timeout)
                )
            except CommandFailedError as err:
                results[k].failure = err.failure
                _report_failure(err.failure)
    return results


def _report_failure(failure: Failure) -> None:
    print(f"FAILED {failure.label}: {failure.detail}", file=sys.stderr)
    print(f"  command: {shlex.join(failure.command)}", file=sys.stderr)
    for line in failure.stderr_tail.splitlines():
        print(f"  | {line}", file=sys.stderr)


def capture(command: Command, timeout: float = 60) -> tuple[int, str]:
    """Exit code and combined output of a quick command (versions, --help)."""
    try:
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return 127, str(err)
    return done.returncode, (done.stdout + done.stderr).strip()


# --- preparing runs --------------------------------------------------------------------------


class Trash:
    """Where outputs and caches go between runs: moved aside, deleted after the last run.

    Deleting thousands of files just before a measured run makes that run slow on some
    filesystems, whoever runs it: ext4 without a journal (this machine's) skips every inode
    freed in the last 60 s (360 s while its inode table block is dirty) when it allocates a
    new one, so after deleting 10,000 files each of the next 10,000 creates scans past them
    (seen: 0.03 ms per created file on a quiet disk, 0.4-0.8 ms right after a deletion).
    A rename costs the same on every filesystem, so every tool starts from the same state.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count = 0

    def discard(self, path: Path) -> None:
        if not path.exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self._count += 1
        path.rename(self.folder / f"{os.getpid()}-{self._count}-{path.name}")

    def empty(self) -> None:
        if self.folder.exists():
            shutil.rmtree(self.folder)


def clear_kconfig_cache(project: Path, trash: Trash) -> None:
    for name in KCONFIG_CACHE_DIRS:
        trash.discard(project / name)


def _fresh_dirs(paths: Sequence[Path], trash: Trash) -> None:
    for path in paths:
        trash.discard(path)
        path.mkdir(parents=True)


# --- workloads -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Context:
    """What every workload needs: settings, the kconfig flags found, where outputs go."""

    settings: Settings
    build_flags: tuple[str, ...]  # ("--no-validate",) for W2 when kconfig has it
    trash: Trash

    def kconfig(self, project: Path, *args: str) -> Command:
        return (*self.settings.kconfig, "-C", str(project), *args)

    def kustomize(self, overlay: Path, *args: str) -> Command:
        return (self.settings.kubectl or "kubectl", "kustomize", str(overlay), *args)

    def kapitan(self, *args: str) -> Command:
        return (*(self.settings.kapitan or ("kapitan",)), *args)

    def shows(self, tool: Tool) -> bool:
        """Whether the tool has a column at all (Kapitan only with --kapitan)."""
        return tool != "kapitan" or self.settings.kapitan is not None

    def out(self, n: int, name: str) -> Path:
        return self.settings.work / f"out-{n}" / name

    def wants(self, tool: Tool, n: int, workload: str = "") -> str | None:
        """None when the tool runs at this N (and workload), else why it is skipped."""
        if tool not in self.settings.tools:
            return "not selected (--tools)"
        if tool == "kustomize" and self.settings.kubectl is None:
            return "kubectl not found"
        if tool == "kustomize" and n >= SLOW_N and self.settings.skip_kustomize_slow:
            if self.settings.kustomize_slow_w1 and workload.startswith("W1"):
                return None
            return "skipped (--skip-kustomize-500)"
        return None


def run_row(ctx: Context, workload: str, n: int, jobs: Sequence[Job]) -> Row:
    """Measure the jobs that are wanted; the others are recorded as skipped."""
    results: dict[Tool, Measurement] = {}
    wanted: list[Job] = []
    for job in (j for j in jobs if ctx.shows(j.tool)):
        reason = ctx.wants(job.tool, n, workload)
        if reason is None:
            wanted.append(job)
        else:
            results[job.tool] = Measurement(skipped=reason)
    print(f"{workload} N={n} ...", file=sys.stderr, flush=True)
    for job, result in zip(wanted, measure(wanted, ctx.settings.runs, ctx.settings), strict=True):
        results[job.tool] = result
    return Row(workload, n, results)


def w1(ctx: Context, f: Fleet) -> Row:
    kconfig = Job(
        "kconfig",
        f"W1 kconfig render prod N={f.n}",
        (ctx.kconfig(f.kconfig, "render", "prod"),),
        prepare=lambda _: clear_kconfig_cache(f.kconfig, ctx.trash),
    )
    kustomize = Job(
        "kustomize",
        f"W1 kubectl kustomize prod N={f.n}",
        (ctx.kustomize(f.kustomize_overlay("prod")),),
    )
    kapitan = _kapitan_job(ctx, f, "W1", "prod")
    return run_row(ctx, "W1 prod -> stdout", f.n, [kconfig, kustomize, kapitan])


def _kapitan_job(ctx: Context, f: Fleet, label: str, *targets: str) -> Job:
    """`kapitan compile` of the given targets (all when none), run in the inventory's root."""
    out = ctx.out(f.n, f"kapitan-{label.lower()}")
    selection = ("--targets", *targets) if targets else ()
    command = ctx.kapitan("compile", "--output-path", str(out), *selection)
    return Job(
        "kapitan",
        f"{label} kapitan compile N={f.n}",
        (command,),
        lambda _: ctx.trash.discard(out),
        cwd=f.kapitan,
    )


def _kconfig_build_job(ctx: Context, f: Fleet, label: str, flags: tuple[str, ...]) -> Job:
    out = ctx.out(f.n, f"kconfig-{label.split()[0].lower()}")

    def prepare(_: int) -> None:
        clear_kconfig_cache(f.kconfig, ctx.trash)
        ctx.trash.discard(out)

    command = ctx.kconfig(f.kconfig, "build", "--out", str(out), *flags)
    return Job("kconfig", f"{label} kconfig build N={f.n}", (command,), prepare)


def _kustomize_all_envs_job(ctx: Context, f: Fleet, label: str) -> Job:
    out = ctx.out(f.n, "kustomize-w2")
    env_dirs = [out / env for env in ENVS]
    commands = tuple(
        ctx.kustomize(f.kustomize_overlay(env), "-o", f"{d}/")
        for env, d in zip(ENVS, env_dirs, strict=True)
    )
    return Job(
        "kustomize",
        f"{label} kubectl kustomize x4 N={f.n}",
        commands,
        lambda _: _fresh_dirs(env_dirs, ctx.trash),
    )


def w2(ctx: Context, f: Fleet) -> Row:
    jobs = [
        _kconfig_build_job(ctx, f, "W2", ctx.build_flags),
        _kustomize_all_envs_job(ctx, f, "W2"),
        _kapitan_job(ctx, f, "W2"),
    ]
    return run_row(ctx, "W2 4 envs -> files", f.n, jobs)


def w3(ctx: Context, f: Fleet) -> Row:
    kconfig = _kconfig_build_job(ctx, f, "W3", ())
    return run_row(ctx, "W3 4 envs -> files, validated", f.n, [kconfig])


def _warm_build(ctx: Context, f: Fleet, out: Path) -> Failure | None:
    """The untimed build that W4 starts from."""
    command = ctx.kconfig(f.kconfig, "build", "--out", str(out))
    try:
        run_command(
            command,
            f"W4 warm-up build N={f.n}",
            ctx.settings.work / "stderr.txt",
            ctx.settings.timeout,
        )
    except CommandFailedError as err:
        _report_failure(err.failure)
        return err.failure
    return None


def w4(ctx: Context, f: Fleet) -> list[Row]:
    """Rebuild with nothing changed, then with one tag changed in one environment per run."""
    out = ctx.out(f.n, "kconfig-w4")
    ctx.trash.discard(out)
    clear_kconfig_cache(f.kconfig, ctx.trash)
    names = ("W4 rebuild, no change", "W4 rebuild, one tag changed")
    if ctx.wants("kconfig", f.n) is None and (failure := _warm_build(ctx, f, out)) is not None:
        return [Row(name, f.n, {"kconfig": Measurement(failure=failure)}) for name in names]
    command = (ctx.kconfig(f.kconfig, "build", "--out", str(out)),)
    no_change = Job("kconfig", f"W4 no-change build N={f.n}", command)

    def change_tag(run_index: int) -> None:
        fleetgen.set_overlay_tag(f.kconfig, W4_ENV, W4_APP, W4_TAGS[run_index % len(W4_TAGS)])

    one_tag = Job("kconfig", f"W4 one-tag build N={f.n}", command, change_tag)
    try:
        return [run_row(ctx, names[0], f.n, [no_change]), run_row(ctx, names[1], f.n, [one_tag])]
    finally:
        fleetgen.set_overlay_tag(f.kconfig, W4_ENV, W4_APP, fleetgen.image_tag(0, W4_ENV))


def startup(ctx: Context, one: Fleet) -> list[Row]:
    version_jobs = [
        Job("kconfig", "kconfig --version", ((*ctx.settings.kconfig, "--version"),)),
        Job(
            "kustomize",
            "kubectl version --client",
            ((ctx.settings.kubectl or "kubectl", "version", "--client"),),
        ),
        Job("kapitan", "kapitan --version", (ctx.kapitan("--version"),)),
    ]
    render_jobs = [
        Job(
            "kconfig",
            "kconfig render prod, one app",
            (ctx.kconfig(one.kconfig, "render", "prod"),),
            prepare=lambda _: clear_kconfig_cache(one.kconfig, ctx.trash),
        ),
        Job(
            "kustomize",
            "kubectl kustomize prod, one app",
            (ctx.kustomize(one.kustomize_overlay("prod")),),
        ),
        _kapitan_job(ctx, one, "start-up", "prod"),
    ]
    return [
        run_row(ctx, "start-up: --version", 1, version_jobs),
        run_row(ctx, "start-up: render prod, one app", 1, render_jobs),
    ]


def fleet_rows(ctx: Context, n: int) -> list[Row]:
    print(f"generating the fleet, N={n} ...", file=sys.stderr, flush=True)
    folder = ctx.settings.work / f"fleet-{n}"
    ctx.trash.discard(folder)  # regenerated: the old one is moved aside, not deleted now
    f = fleetgen.write_fleet(n, folder)
    return [w1(ctx, f), w2(ctx, f), w3(ctx, f), *w4(ctx, f)]


def run_all(ctx: Context) -> list[Row]:
    """Every row; what the runs left behind is deleted after the last one."""
    try:
        folder = ctx.settings.work / "fleet-1"
        ctx.trash.discard(folder)
        rows = startup(ctx, fleetgen.write_fleet(1, folder))
        for n in ctx.settings.ns:
            rows += fleet_rows(ctx, n)
        return rows
    finally:
        ctx.trash.empty()


# --- targets ---------------------------------------------------------------------------------


def _find(rows: Sequence[Row], workload: str, n: int, tool: Tool) -> Measurement | None:
    for row in rows:
        if row.workload.startswith(workload) and row.n == n:
            m = row.results.get(tool)
            return m if m is not None and m.ok else None
    return None


def ratio(rows: Sequence[Row], workload: str, n: int, other: Tool = "kustomize") -> float | None:
    """kconfig's median over the other tool's, for one workload and N."""
    kconfig = _find(rows, workload, n, "kconfig")
    peer = _find(rows, workload, n, other)
    if kconfig is None or peer is None:
        return None
    return kconfig.median / peer.median


def _status(value: float | None, limit: float, strict: bool) -> Status:
    if value is None:
        return "n/a"
    ok = value < limit if strict else value <= limit
    return "PASS" if ok else "FAIL"


def ratio_target(rows: Sequence[Row], n: int, limit: float) -> Target:
    value = ratio(rows, "W1", n)
    measured = "n/a" if value is None else f"{value:.3f}x"
    return Target(
        f"W1 N={n}: kconfig / Kustomize", measured, f"<= {limit}x", _status(value, limit, False)
    )


def time_target(rows: Sequence[Row], workload: str, n: int, limit: float) -> Target:
    m = _find(rows, workload, n, "kconfig")
    value = None if m is None else m.median
    measured = "n/a" if value is None else fmt_seconds(value)
    return Target(
        f"{workload} N={n}: kconfig", measured, f"< {limit:g} s", _status(value, limit, True)
    )


def memory_target(rows: Sequence[Row], n: int, limit_mb: float) -> Target:
    peaks = [
        m.peak_mb
        for row in rows
        if row.n == n
        for t, m in row.results.items()
        if t == "kconfig" and m.ok
    ]
    value = max(peaks) if peaks else None
    measured = "n/a" if value is None else f"{value:.0f} MB"
    return Target(
        f"peak RSS N={n}: kconfig, any workload",
        measured,
        f"< {limit_mb:g} MB",
        _status(value, limit_mb, True),
    )


def targets(rows: Sequence[Row]) -> list[Target]:
    return [
        ratio_target(rows, 10, 1.5),
        ratio_target(rows, 100, 0.15),
        ratio_target(rows, 500, 0.02),
        time_target(rows, "W2", 500, 4),
        time_target(rows, "W3", 500, 4),
        time_target(rows, "W4 rebuild, no change", 500, 0.5),
        time_target(rows, "W4 rebuild, one tag", 500, 1),
        memory_target(rows, 500, 500),
    ]


# --- report ----------------------------------------------------------------------------------


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_spread(m: Measurement) -> str:
    if m.samples and len(m.samples) == 1:
        return fmt_seconds(m.median)
    if m.samples:
        scale, unit = (1000, "ms") if m.high < 1 else (1, "s")
        low, high = m.low * scale, m.high * scale
        spread = f"{low:.0f}-{high:.0f}" if unit == "ms" else f"{low:.2f}-{high:.2f}"
        return f"{fmt_seconds(m.median)} ({spread})"
    return ""


def fmt_cell(m: Measurement | None) -> str:
    if m is None:
        return "-"
    if m.failure is not None:
        return f"FAILED ({m.failure.detail})"
    if m.skipped is not None:
        return "skipped"
    return fmt_spread(m)


def fmt_rss(m: Measurement | None) -> str:
    return f"{m.peak_mb:.0f} MB" if m is not None and m.ok else "-"


def _version(command: Command) -> str:
    rc, output = capture(command)
    return "; ".join(output.splitlines()) if rc == 0 else "unavailable"


def machine_lines(ctx: Context) -> list[str]:
    s = ctx.settings
    kubectl = "not found" if s.kubectl is None else _version((s.kubectl, "version", "--client"))
    rows = [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPUs (nproc)", str(len(os.sched_getaffinity(0)))),
        ("CPU", cpu_model()),
        ("OS", platform.platform()),
        ("Python (runner)", platform.python_version()),
        ("kubectl / Kustomize", f"{kubectl} (`{s.kubectl}`)"),
        ("kconfig", f"{_version((*s.kconfig, '--version'))} (`{shlex.join(s.kconfig)}`)"),
    ]
    if s.kapitan is not None:
        version = _version((*s.kapitan, "--version"))
        rows.append(("Kapitan", f"{version} (`{shlex.join(s.kapitan)}`)"))
    rows.append(("runs per cell", f"{s.runs}, tools alternating within each run"))
    return ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _table(header: Sequence[str], align: str, body: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table; align is one character per column, l or r."""
    rule = "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"
    return ["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(r) + " |" for r in body)]


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}x"


def result_lines(ctx: Context, rows: Sequence[Row]) -> list[str]:
    """One line per workload and N that measured anything; a ratio column per peer tool."""
    tools = [t for t in TOOL_NAMES if ctx.shows(t)]
    peers = tools[1:]
    header = [
        "workload",
        "N",
        *(TOOL_NAMES[t] for t in tools),
        *(f"kconfig / {TOOL_NAMES[t]}" for t in peers),
        *(f"{TOOL_NAMES[t]} peak RSS" for t in tools),
    ]
    body = [
        [
            row.workload,
            str(row.n),
            *(fmt_cell(row.results.get(t)) for t in tools),
            *(_fmt_ratio(ratio([row], row.workload, row.n, t)) for t in peers),
            *(fmt_rss(row.results.get(t)) for t in tools),
        ]
        for row in rows
        if any(m.skipped is None for m in row.results.values())
    ]
    return _table(header, "lr" + "r" * (len(header) - 2), body)


def per_app_lines(ctx: Context, rows: Sequence[Row]) -> list[str]:
    tools = [t for t in TOOL_NAMES if ctx.shows(t)]
    body = []
    for n in ctx.settings.ns:
        found = [_find(rows, "W2", n, t) for t in tools]
        cells = ["-" if m is None else f"{m.median / n * 1000:.1f} ms" for m in found]
        body.append([str(n), *cells])
    return _table(["N", *(TOOL_NAMES[t] for t in tools)], "r" * (len(tools) + 1), body)


def target_lines(rows: Sequence[Row], smoke: bool) -> list[str]:
    if smoke:
        return ["Not evaluated: `--smoke` runs N=10 once."]
    body = [[t.name, t.measured, t.limit, t.status] for t in targets(rows)]
    return _table(["target", "measured", "limit", "result"], "lrrl", body)


def note_lines(rows: Sequence[Row], notes: Sequence[str]) -> list[str]:
    out = [f"- {note}" for note in notes]
    skipped = sorted(
        {f"{t}: {m.skipped}" for row in rows for t, m in row.results.items() if m.skipped}
    )
    out += [f"- skipped, {s}" for s in skipped]
    for f in failures(rows):
        out += [f"- FAILED {f.label}: {f.detail}, `{shlex.join(f.command)}`", "", "  ```"]
        out += [f"  {line}" for line in f.stderr_tail.splitlines() or ["(no stderr)"]]
        out += ["  ```"]
    return out


def failures(rows: Sequence[Row]) -> list[Failure]:
    """Each failure once (the W4 warm-up failure is shared by both W4 rows)."""
    found = [m.failure for row in rows for m in row.results.values() if m.failure is not None]
    return list(dict.fromkeys(found))


def report(ctx: Context, rows: Sequence[Row], notes: Sequence[str], argv: Sequence[str]) -> str:
    sections = [
        ["# kconfig benchmarks", "", f"`{shlex.join(['python', '-m', 'bench.run', *argv])}`"],
        ["## Machine", "", *machine_lines(ctx)],
        [
            "## Results (wall time: median (min-max) of whole processes)",
            "",
            *result_lines(ctx, rows),
        ],
        ["## Per-app cost (W2 median / N)", "", *per_app_lines(ctx, rows)],
        ["## Targets", "", *target_lines(rows, ctx.settings.smoke)],
        ["## Notes", "", *note_lines(rows, notes)],
    ]
    return "\n\n".join("\n".join(s) for s in sections) + "\n"


# --- command line ----------------------------------------------------------------------------


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from err
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"need positive integers: {text!r}")
    return values


def _tools(text: str) -> tuple[Tool, ...]:
    by_name: dict[str, Tool] = {name: name for name in TOOL_NAMES}
    try:
        return tuple(by_name[name.strip()] for name in text.split(","))
    except KeyError as err:
        raise argparse.ArgumentTypeError(f"unknown tool {err} ({', '.join(TOOL_NAMES)})") from None


def _default_kubectl() -> str | None:
    return "/usr/bin/kubectl" if Path("/usr/bin/kubectl").exists() else shutil.which("kubectl")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Measure kconfig against kubectl kustomize on the FLEET.md reference fleet.",
    )
    p.add_argument("--n", type=_ints, default=DEFAULT_NS, help="fleet sizes (default 10,100,500)")
    p.add_argument("--runs", type=int, default=5, help="runs per cell (default 5)")
    p.add_argument(
        "--skip-kustomize-500",
        action="store_true",
        help="do not run Kustomize at N>=500 (it takes minutes per run)",
    )
    p.add_argument(
        "--kustomize-500-w1-only",
        action="store_true",
        help="at N>=500 run Kustomize for W1 only (about 2 minutes per run; W2 takes ~6)",
    )
    p.add_argument(
        "--kapitan", action="store_true", help="add a Kapitan column (`kapitan` on PATH)"
    )
    p.add_argument(
        "--kapitan-cmd",
        metavar="CMD",
        help="the Kapitan command, shell-quoted, e.g. /tmp/kapvenv/bin/kapitan (implies --kapitan)",
    )
    p.add_argument("--smoke", action="store_true", help="N=10, one run, no targets: a few seconds")
    p.add_argument(
        "--kconfig",
        default=shlex.join(default_kconfig()),
        help="the kconfig command, shell-quoted (default: the `kconfig` script beside this "
        "Python, as users run it; else this Python -m kconfig)",
    )
    p.add_argument("--kubectl", default=_default_kubectl(), help="kubectl binary")
    p.add_argument(
        "--tools",
        type=_tools,
        default=tuple(TOOL_NAMES),
        help="which tools to run (default kconfig,kustomize,kapitan; Kapitan needs --kapitan "
        "or --kapitan-cmd)",
    )
    p.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch dir for fleets")
    p.add_argument("--out", type=Path, help="write the Markdown report here (default: print)")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        ns=(10,) if args.smoke else args.n,
        runs=1 if args.smoke else max(1, args.runs),
        tools=args.tools,
        kconfig=tuple(shlex.split(args.kconfig)),
        kubectl=args.kubectl,
        skip_kustomize_slow=args.skip_kustomize_500 or args.kustomize_500_w1_only,
        kustomize_slow_w1=args.kustomize_500_w1_only,
        kapitan=kapitan_command(args.kapitan, args.kapitan_cmd),
        smoke=args.smoke,
        timeout=args.timeout,
        work=args.work.resolve(),
    )


def default_kconfig() -> list[str]:
    """The ``kconfig`` console script of this interpreter's environment, as a user runs it
    (``python -m kconfig`` adds runpy's few milliseconds to every start-up row)."""
    script = Path(sys.executable).parent / "kconfig"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kconfig"]


def compile_kconfig() -> str | None:
    """Compile this environment's kconfig to bytecode, as ``pip install`` does for a wheel.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` (common in CI images) would
    otherwise recompile every changed module in every measured process. Returns a note for
    the report, or None when there is no kconfig package here to compile.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("kconfig")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        return None
    with contextlib.redirect_stdout(None):
        compileall.compile_dir(folders[0], quiet=2)
    return "kconfig's bytecode was compiled before measuring, as `pip install` does."


def kapitan_command(requested: bool, cmd: str | None) -> Command | None:
    """The Kapitan command when its column is wanted and its program exists, else None.

    The program is made absolute: Kapitan runs in the inventory's folder, so a relative path
    would not resolve there. absolute(), not resolve(): a venv's `python` is a symlink that must
    stay in the venv.
    """
    if not requested and cmd is None:
        return None
    argv = shlex.split(cmd) if cmd is not None else ["kapitan"]
    found = shutil.which(argv[0]) if argv else None
    return None if found is None else (str(Path(found).absolute()), *argv[1:])


def preflight(settings: Settings) -> tuple[Failure | None, tuple[str, ...], list[str]]:
    """Check kconfig runs; the flags W2 uses; notes for the report."""
    notes: list[str] = []
    if "kconfig" not in settings.tools:
        return None, (), notes
    compiled = compile_kconfig()
    if compiled is not None:
        notes.append(compiled)
    command = (*settings.kconfig, "--version")
    rc, output = capture(command)
    if rc != 0:
        tail = "\n".join(output.splitlines()[-STDERR_TAIL_LINES:])
        return Failure("kconfig --version", command, f"exit {rc}", tail), (), notes
    _, help_text = capture((*settings.kconfig, "build", "--help"))
    if "--no-validate" in help_text:
        notes.append("W2 runs `kconfig build --no-validate`; W3 runs plain `kconfig build`.")
        return None, ("--no-validate",), notes
    notes.append("`kconfig build` has no `--no-validate`: W2 and W3 both validate.")
    return None, (), notes


STANDING_NOTES = (
    "W2 Kustomize is four `kubectl kustomize overlays/ENV -o OUT/ENV/` processes (one file per "
    "resource): wall times summed, peak RSS the largest of the four.",
    "Kustomize validates nothing, so W3 has no Kustomize column; W4 is kconfig only "
    "(Kustomize has no incremental build: compare with its W2).",
    f"W1-W3 move kconfig's cache ({', '.join(KCONFIG_CACHE_DIRS)}) and the output directory "
    "aside before every run (deleted after the last run: see bench/README.md); W4 keeps "
    "both, after one untimed warm-up build. The one-tag rebuild "
    f"rewrites overlays/{W4_ENV}/{W4_APP}.yaml before each run, alternating "
    f"{' and '.join(W4_TAGS)}.",
    "Start-up rows compare with `kubectl version --client` and a one-app Kustomize overlay.",
)


def kapitan_notes(requested: bool, settings: Settings) -> list[str]:
    if not requested:
        return []
    if settings.kapitan is None:
        return [
            "Kapitan: `--kapitan` given but `kapitan` is not on PATH; column skipped "
            "(point `--kapitan-cmd` at it)."
        ]
    return [
        "Kapitan runs `kapitan compile` of the generated inventory (one class, a target per "
        "environment, one Jsonnet component) in its folder. It cannot write to stdout, so its "
        "W1 is `kapitan compile --targets prod` into files; its W2 compiles all four targets "
        "with its default parallelism. It has no W3 (no output schema validation)."
    ]


def exit_code(rows: Sequence[Row], smoke: bool) -> int:
    if failures(rows):
        return 1
    if not smoke and any(t.status == "FAIL" for t in targets(rows)):
        return 3
    return 0


def emit(text: str, out: Path | None) -> None:
    if out is None:
        print(text, end="")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cli = parser()
    args = cli.parse_args(argv)
    settings = settings_from(args)
    if args.kapitan_cmd is not None and settings.kapitan is None:
        cli.error(f"--kapitan-cmd: cannot find the program of {args.kapitan_cmd!r}")
    settings.work.mkdir(parents=True, exist_ok=True)
    failure, build_flags, notes = preflight(settings)
    if failure is not None:
        _report_failure(failure)
        print(
            "kconfig does not run; nothing measured. Fix the command (--kconfig) or measure "
            "Kustomize alone with --tools kustomize.",
            file=sys.stderr,
        )
        return 1
    ctx = Context(settings, build_flags, Trash(settings.work / ".trash"))
    rows = run_all(ctx)
    kapitan_wanted = args.kapitan or args.kapitan_cmd is not None
    notes = [*notes, *STANDING_NOTES, *kapitan_notes(kapitan_wanted, settings)]
    emit(report(ctx, rows, notes, argv), args.out)
    return exit_code(rows, settings.smoke)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
