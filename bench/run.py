"""Issue 19's target table, measured: kconfig truly cold and warm, against its anchors.

    python -m bench.run --smoke                      # every row at a tiny N, one run: seconds
    python -m bench.run --rows w1-1,w1-10            # some rows (python -m bench.run --list-rows)
    python -m bench.run --kapitan-cmd /tmp/kapvenv/bin/kapitan --out docs/benchmarks.md

Each row's jobs alternate inside every run and flip order on the next; each cell is the median
of its runs. Before every row the harness waits (up to --settle seconds) for the one-minute load
average to fall to --max-load, records the load before and after, and the CPU the rest of the
machine used meanwhile; a row measured while others used more than --max-other cores is
measured again at the end (--retries), and the quieter attempt is kept. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import report
from bench.jobs import Job, Jobs, Tools, Trash, Workspace, missing
from bench.measure import Cell, CommandFailedError, Failure, load_average, run_invocation
from bench.rows import GROUPS, ROW_IDS, ROWS, Group, full_size, groups_of, selected, smoke_size

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = REPO_ROOT / "bench" / "out" / "work"
KAPITAN_ENV = "KCONFIG_BENCH_KAPITAN"  # the Kapitan program, when --kapitan-cmd is not given


@dataclass(frozen=True, slots=True)
class Settings:
    rows: tuple[str, ...]
    runs: int | None  # None: each group's default
    smoke: bool
    tools: Tools
    timeout: float
    work: Path
    max_load: float
    max_other: float
    settle: float
    retries: int


@dataclass(slots=True)
class GroupResult:
    """One measurement of one group: its jobs' cells and the machine's load around it."""

    group: str
    jobs: list[Job]
    cells: dict[str, Cell]
    skipped: dict[str, str]
    load_before: float
    load_after: float = 0.0
    waited: float = 0.0
    attempt: int = 1
    earlier: list[str] = field(default_factory=list)  # attempts measured again

    @property
    def other_load(self) -> float:
        measured = [c for c in self.cells.values() if c.samples]
        wall = sum(s.wall for c in measured for s in c.samples)
        return sum(s.other_cpu for c in measured for s in c.samples) / wall if wall else 0.0

    def loaded(self, settings: Settings) -> bool:
        return self.load_before > settings.max_load or self.other_load > settings.max_other

    def summary(self) -> str:
        return (
            f"attempt {self.attempt}: load {self.load_before:.2f} -> {self.load_after:.2f}, "
            f"others used {self.other_load:.2f} cores"
        )


# --- measuring -------------------------------------------------------------------------------


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def settle(settings: Settings) -> tuple[float, float]:
    """Wait until the one-minute load average is at most max_load (at most `settle` s);
    (the load then, seconds waited)."""
    start = time.monotonic()
    load = load_average()
    while load > settings.max_load and time.monotonic() - start < settings.settle:
        time.sleep(min(5.0, settings.settle))
        load = load_average()
    return load, time.monotonic() - start


def measure_group(
    group: Group, keys: Sequence[str], settings: Settings, workspace: Workspace, attempt: int
) -> GroupResult:
    """Measure the group's jobs (those named by keys), alternating, after the warm-ups."""
    maker = Jobs(settings.tools, workspace, settings.timeout)
    size = smoke_size if settings.smoke else full_size
    jobs = [j for j in group.jobs(maker, size) if j.key in keys]
    skipped = {j.key: why for j in jobs if (why := missing(j, settings.tools)) is not None}
    jobs = [j for j in jobs if j.key not in skipped]
    for job in jobs:  # the fleets are generated before the load is taken
        workspace.master(job.n, job.tree)
    load, waited = (load_average(), 0.0) if settings.smoke else settle(settings)
    result = GroupResult(group.id, jobs, {j.key: Cell() for j in jobs}, skipped, load)
    result.waited, result.attempt = waited, attempt
    log(f"[{group.id}] load {load:.2f}" + (f" after waiting {waited:.0f} s" if waited > 1 else ""))
    _warm_up(jobs, result)
    runs = 1 if settings.smoke else (settings.runs or group.runs)
    stderr_path = settings.work / "stderr.txt"
    for run in range(runs):
        for job in jobs if run % 2 == 0 else reversed(jobs):
            _run_once(job, run, result.cells[job.key], settings, stderr_path, group.id)
    result.load_after = load_average()
    log(f"[{group.id}] done: {result.summary()}")
    return result


def _warm_up(jobs: Sequence[Job], result: GroupResult) -> None:
    for job in jobs:
        if job.setup is None:
            continue
        try:
            job.setup()
        except CommandFailedError as err:
            result.cells[job.key].failure = err.failure
            report_failure(err.failure)


def _run_once(
    job: Job, run: int, cell: Cell, settings: Settings, stderr_path: Path, group: str
) -> None:
    if cell.failure is not None:
        return
    label = f"{group}/{job.key} N={job.n}"
    try:
        invocation = job.prepare(run)
        sample = run_invocation(
            invocation,
            label,
            stderr_path=stderr_path,
            timeout=settings.timeout,
            sample_tree=job.sample_tree,
        )
    except CommandFailedError as err:
        cell.failure = err.failure
        report_failure(err.failure)
        return
    cell.samples.append(sample)
    log(f"  {label} run {run + 1}: {sample.wall:.3f} s, {sample.maxrss_kb / 1024:.0f} MB")


def report_failure(failure: Failure) -> None:
    log(f"FAILED {failure.label}: {failure.detail}")
    log(f"  command: {shlex.join(failure.command)}")
    for line in failure.stderr_tail.splitlines():
        log(f"  | {line}")


def run_all(settings: Settings) -> list[GroupResult]:
    """Every selected group once, then the loaded ones again (quieter attempt kept)."""
    work = settings.work
    trash = Trash(work / ".trash")
    workspace = Workspace(work, trash)
    plan = groups_of(selected(settings.rows))
    try:
        results = [measure_group(g, keys, settings, workspace, 1) for g, keys in plan]
        if settings.smoke:
            return results
        for retry in range(settings.retries):
            for i, (group, keys) in enumerate(plan):
                if not results[i].loaded(settings):
                    continue
                log(f"[{group.id}] measured under load ({results[i].summary()}): again")
                again = measure_group(group, keys, settings, workspace, retry + 2)
                quieter, other = sorted((again, results[i]), key=lambda r: r.other_load)
                quieter.earlier = [*other.earlier, *quieter.earlier, other.summary()]
                results[i] = quieter
        return results
    finally:
        for folder in ("runs", "fleets"):
            trash.discard(work / folder)
        trash.empty()


# --- set-up ----------------------------------------------------------------------------------


def capture(command: Sequence[str], timeout: float = 60) -> tuple[int, str]:
    """Exit code and combined output of a quick command (versions, --help)."""
    try:
        done = subprocess.run(
            list(command), cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return 127, str(err)
    return done.returncode, (done.stdout + done.stderr).strip()


def compile_kconfig() -> str | None:
    """Compile this environment's kconfig to bytecode, as ``pip install`` does for a wheel
    (an editable install under PYTHONDONTWRITEBYTECODE=1 would compile changed modules in every
    measured process); a note for the report, or None when there is no kconfig here."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("kconfig")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        return None
    with contextlib.redirect_stdout(None):
        compileall.compile_dir(folders[0], quiet=2)
    return "kconfig's bytecode was compiled before measuring, as `pip install` does for a wheel."


def default_kconfig() -> list[str]:
    """The ``kconfig`` console script of this interpreter's environment, as a user runs it
    (``python -m kconfig`` adds runpy's few milliseconds to every start-up)."""
    script = Path(sys.executable).parent / "kconfig"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kconfig"]


def absolute_command(cmd: str) -> tuple[str, ...] | None:
    """The command with its program made absolute (absolute(), not resolve(): a venv's
    `python` is a symlink that must stay in the venv); None when the program is not found."""
    argv = shlex.split(cmd)
    found = shutil.which(argv[0]) if argv else None
    return None if found is None else (str(Path(found).absolute()), *argv[1:])


def _default_kubectl() -> str | None:
    return "/usr/bin/kubectl" if Path("/usr/bin/kubectl").exists() else shutil.which("kubectl")


def _rows(text: str) -> tuple[str, ...]:
    if text == "all":
        return ROW_IDS
    ids = tuple(t.strip() for t in text.split(",") if t.strip())
    unknown = [i for i in ids if i not in ROW_IDS]
    if unknown or not ids:
        raise argparse.ArgumentTypeError(f"unknown row(s) {unknown}: see --list-rows")
    return ids


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Measure issue 19's targets: kconfig truly cold and warm, against "
        "kubectl kustomize and Kapitan on the FLEET.md reference fleet.",
    )
    p.add_argument("--rows", type=_rows, default=ROW_IDS, help="rows to run (default all)")
    p.add_argument("--list-rows", action="store_true", help="list the rows and exit")
    p.add_argument("--smoke", action="store_true", help="every row at a tiny N, one run")
    p.add_argument("--runs", type=int, help="runs per job (default: each row's, 3 to 11)")
    p.add_argument("--kconfig", default=shlex.join(default_kconfig()), help="kconfig command")
    p.add_argument("--kubectl", default=_default_kubectl(), help="kubectl binary")
    p.add_argument(
        "--kapitan-cmd",
        metavar="CMD",
        help=f"the Kapitan command (default ${KAPITAN_ENV}, else `kapitan` on PATH)",
    )
    p.add_argument("--max-load", type=float, default=1.0, help="wait for this load (1 min)")
    p.add_argument("--max-other", type=float, default=0.25, help="others' cores before a retry")
    p.add_argument("--settle", type=float, default=120, help="longest wait for --max-load, s")
    p.add_argument("--retries", type=int, default=1, help="re-measure loaded rows (default 1)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch dir (git-ignored)")
    p.add_argument("--out", type=Path, help="write the Markdown report here (default: print)")
    return p


def kapitan_tools(cli: argparse.ArgumentParser, cmd: str | None) -> tuple[str, ...] | None:
    if cmd is not None:
        found = absolute_command(cmd)
        if found is None:
            cli.error(f"--kapitan-cmd: cannot find the program of {cmd!r}")
        return found
    return absolute_command(os.environ.get(KAPITAN_ENV) or "kapitan")


def settings_from(cli: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    kconfig = tuple(shlex.split(args.kconfig))
    tools = Tools(kconfig, args.kubectl, kapitan_tools(cli, args.kapitan_cmd))
    return Settings(
        rows=args.rows,
        runs=None if args.runs is None else max(1, args.runs),
        smoke=args.smoke,
        tools=tools,
        timeout=args.timeout,
        work=args.work.resolve(),
        max_load=args.max_load,
        max_other=args.max_other,
        settle=max(0.0, args.settle),
        retries=max(0, args.retries),
    )


def preflight(settings: Settings) -> tuple[Failure | None, list[str]]:
    notes = [n for n in (compile_kconfig(),) if n is not None]
    command = (*settings.tools.kconfig, "--version")
    rc, output = capture(command)
    if rc != 0:
        return Failure("kconfig --version", command, f"exit {rc}", output[-2000:]), notes
    return None, notes


def emit(text: str, out: Path | None) -> None:
    if out is None:
        print(text, end="")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    log(f"wrote {out}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cli = parser()
    args = cli.parse_args(argv)
    if args.list_rows:
        for row in ROWS:
            print(f"{row.id:14} {GROUPS[row.group].id:14} {row.workload}")
        return 0
    settings = settings_from(cli, args)
    settings.work.mkdir(parents=True, exist_ok=True)
    failure, notes = preflight(settings)
    if failure is not None:
        report_failure(failure)
        log("kconfig does not run; nothing measured (see --kconfig).")
        return 1
    started = report.Snapshot.now(capture, settings.tools)
    results = run_all(settings)
    text, status = report.render(argv, settings, started, report.Snapshot.now(), results, notes)
    emit(text, args.out)
    return status


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
