"""The Markdown report: the machine and its load, the target table, every measurement."""

from __future__ import annotations

import contextlib
import os
import platform
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.jobs import COLD, TOOL_NAMES, WARM, Tools
from bench.measure import Cell
from bench.rows import ROW_CONDITIONS, fmt_seconds, judge_all, selected

if TYPE_CHECKING:
    from bench.run import GroupResult, Settings

Capture = Callable[[Sequence[str]], tuple[int, str]]
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The machine at one moment: time, load averages, tool versions."""

    when: datetime
    load: tuple[float, float, float]
    versions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def now(cls, capture: Capture | None = None, tools: Tools | None = None) -> Snapshot:
        """Now; with the tools' versions when capture and tools are given."""
        found = versions(capture, tools) if capture and tools else ()
        return cls(datetime.now(UTC), os.getloadavg(), found)


def _version(capture: Capture, command: Sequence[str]) -> str:
    rc, output = capture(command)
    return "; ".join(output.splitlines()) if rc == 0 else "unavailable"


def versions(capture: Capture, tools: Tools) -> tuple[tuple[str, str], ...]:
    kubectl = "not found"
    if tools.kubectl is not None:
        found = _version(capture, (tools.kubectl, "version", "--client"))
        kubectl = f"{found} (`{tools.kubectl}`)"
    kapitan = "not given (`--kapitan-cmd`): its row is n/a"
    if tools.kapitan is not None:
        found = _version(capture, (*tools.kapitan, "--version"))
        kapitan = f"{found} (`{shlex.join(tools.kapitan)}`)"
    kconfig = _version(capture, (*tools.kconfig, "--version"))
    rc, commit = capture(("git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"))
    if rc == 0:
        kconfig += f", commit {commit}"
    return (
        ("kconfig", f"{kconfig} (`{shlex.join(tools.kconfig)}`)"),
        ("Jsonnet engines", jsonnet_engines()),
        ("kubectl / Kustomize", kubectl),
        ("Kapitan", kapitan),
    )


def jsonnet_engines() -> str:
    """Which Jsonnet implementations the runner's environment has: with rjsonnet
    (``kconfig[fast-jsonnet]``) the built-in templates run on it, a large part of the
    Jsonnet row; without it, on the C++ ``jsonnet`` alone."""
    from importlib import metadata

    found = []
    for dist in ("jsonnet", "rjsonnet"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{dist} {metadata.version(dist)}")
    engines = ", ".join(found) or "none"
    fast = "rjsonnet" in engines
    return f"{engines} ({'kconfig[fast-jsonnet]' if fast else 'default install'})"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _loads(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{v:.2f}" for v in load)


def table(header: Sequence[str], align: str, body: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table; align is one character per column, l or r."""
    rule = "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"
    return ["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(r) + " |" for r in body)]


def machine_lines(settings: Settings, start: Snapshot, end: Snapshot) -> list[str]:
    minutes = (end.when - start.when).total_seconds() / 60
    runs = (
        "1 (smoke)"
        if settings.smoke
        else str(settings.runs or "11 (W1 rows), 5, 3 (N=2000/5000 rows)")
    )
    load = f"{_loads(start.load)} at start, {_loads(end.load)} at end"
    rows = [
        ("date", start.when.strftime("%Y-%m-%d %H:%M UTC") + f", {minutes:.0f} min"),
        ("CPU", f"{cpu_model()}, {len(os.sched_getaffinity(0))} cores (nproc)"),
        ("memory", memory()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_version()} (runner and kconfig)"),
        *start.versions,
        ("load average (1, 5, 15 min)", load),
        ("runs per job", f"{runs}, the jobs of a row alternating within each run"),
    ]
    return table(["", ""], "ll", [list(r) for r in rows])


def _fmt_spread(cell: Cell) -> str:
    if len(cell.samples) == 1:
        return fmt_seconds(cell.median)
    scale, unit = (1000, "ms") if cell.high < 1 else (1, "s")
    low, high = cell.low * scale, cell.high * scale
    spread = f"{low:.0f}-{high:.0f}" if unit == "ms" else f"{low:.2f}-{high:.2f}"
    return f"{fmt_seconds(cell.median)} ({spread})"


PROFILES = REPO_ROOT / "docs" / "profiles"


def target_lines(
    settings: Settings, results: Sequence[GroupResult]
) -> tuple[list[str], bool, list[str]]:
    """The issue's table, whether a target is missed, and the profiles
    (docs/profiles/<name>.md) of the missed ones."""
    cells = {r.group: r.cells for r in results}
    body = []
    missed = False
    profiles: list[str] = []
    for row, verdict in judge_all(selected(settings.rows), cells):
        met: str = "- (smoke)" if settings.smoke else verdict.met
        if verdict.met == "no" and not settings.smoke:
            missed = True
            links = ", ".join(f"[profile](profiles/{p}.md)" for p in row.profiles)
            met = f"no: {links}" if links else "no"
            profiles += [p for p in row.profiles if p not in profiles]
        body.append([row.workload, verdict.now, row.target, met])
    return table(["workload", "now", "target", "met"], "llll", body), missed, profiles


def profile_lines(names: Sequence[str], folder: Path = PROFILES) -> list[str]:
    """Each missed target's profile, inlined: the report alone says where the rest of the
    time goes and what would close it. The files are written by hand from profiling runs
    (cProfile, callgrind), so their figures carry their own date and machine."""
    if not names:
        return ["- every measured target is met"]
    out: list[str] = []
    for name in names:
        path = folder / f"{name}.md"
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError:
            out += [f"### {name}", "", f"- no profile written yet (`docs/profiles/{name}.md`)", ""]
            continue
        # one level down: the file's own "# Title" becomes a "###" under "## Profiles"
        out += [("##" + line) if line.startswith("#") else line for line in text.splitlines()]
        out += [""]
    return out[:-1] if out and out[-1] == "" else out


def _rows_of(group: str, settings: Settings) -> str:
    return ", ".join(r.id for r in selected(settings.rows) if r.group == group)


_NONE = ("-", "-", "-")  # peak RSS, tree RSS, CPU of a job that did not run


def measurement_lines(settings: Settings, results: Sequence[GroupResult]) -> list[str]:
    header = [
        "rows",
        "N",
        "command",
        "condition",
        "runs",
        "wall: median (min-max)",
        "peak RSS",
        "tree RSS",
        "CPU",
        "load before -> after",
        "others' CPU",
    ]
    body = []
    for result in results:
        load = f"{result.load_before:.2f} -> {result.load_after:.2f}"
        rows = _rows_of(result.group, settings)
        for job in result.jobs:
            cell = result.cells[job.key]
            what = (
                f"{TOOL_NAMES[job.tool]}: `{job.what}`"
                if job.tool != "kconfig"
                else f"`{job.what}`"
            )
            if not cell.ok:
                detail = f"FAILED ({cell.failure.detail})" if cell.failure else "not run"
                body.append([rows, str(job.n), what, job.condition, "0", detail, *_NONE, load, "-"])
                continue
            cpu = sorted(s.cpu for s in cell.samples)[len(cell.samples) // 2]
            tree = f"{cell.tree_mb:.0f} MB" if cell.tree_mb else "-"
            body.append(
                [
                    rows,
                    str(job.n),
                    what,
                    job.condition,
                    str(len(cell.samples)),
                    _fmt_spread(cell),
                    f"{cell.peak_mb:.0f} MB",
                    tree,
                    fmt_seconds(cpu),
                    load,
                    f"{cell.other_load:.2f} cores",
                ]
            )
        for key, why in result.skipped.items():
            body.append([rows, "-", key, "-", "0", f"skipped: {why}", *_NONE, load, "-"])
    return table(header, "lrllrrrrrrr", body)


def how_lines(settings: Settings) -> list[str]:
    lines = [
        f"- **{COLD}**: before every run (untimed) a fresh copy of the generated fleet (no "
        "`.kconfig-cache/`, no output folder) and an empty `$XDG_CACHE_HOME` for the child "
        "(none of kconfig's per-user data: built-in template bytecode, schema bundles, the "
        "cache key). Installed packages keep the bytecode `pip install` compiled (kconfig's own "
        "is compiled likewise before measuring); children run with `PYTHONDONTWRITEBYTECODE=1`, "
        "so no run leaves bytecode for the next.",
        f"- **{WARM}**: one copy and one `$XDG_CACHE_HOME` kept for the row, one untimed "
        "warm-up run, then every timed run finds what the previous one left.",
        "- wall: from `Popen` to exit; peak RSS: the largest single process of the run "
        "(`wait4`, workers included); tree RSS: the largest sum over the process tree, sampled "
        "every 20 ms (forked workers share pages, so it over-counts them); CPU: the median "
        "user+system seconds of the run, workers included.",
        "- load before -> after: the one-minute load average (`uptime`) before the row's first "
        "warm-up and after its last run (the row's own processes raise it); others' CPU: cores "
        "the rest of the machine kept busy on average while the row's processes ran "
        "(`/proc/stat` busy and stolen time less theirs and the harness's).",
        f"- Before every row the harness waits up to {settings.settle:g} s for the load "
        f"average to fall to {settings.max_load:g}; a row during which others used more than "
        f"{settings.max_other:g} cores is measured again after the others "
        f"({settings.retries} time(s)) and the quieter attempt is kept (see Notes).",
    ]
    for row in selected(settings.rows):
        lines.append(f"- {row.workload}: {ROW_CONDITIONS[row.id]}.")
    return lines


def note_lines(
    notes: Sequence[str], results: Sequence[GroupResult], settings: Settings
) -> list[str]:
    out = [f"- {n}" for n in notes]
    for result in results:
        rows = _rows_of(result.group, settings)
        if result.earlier:
            out.append(
                f"- {rows}: measured again under load; kept {result.summary()}; earlier: "
                + "; ".join(result.earlier)
            )
        if not settings.smoke and result.loaded(settings):
            out.append(
                f"- {rows}: **measured under load** ({result.summary()}"
                + (f", after waiting {result.waited:.0f} s" if result.waited > 1 else "")
                + "): its figures are pessimistic."
            )
        for job in result.jobs:
            failure = result.cells[job.key].failure
            if failure is None:
                continue
            out += [f"- FAILED {failure.label}: {failure.detail}, `{shlex.join(failure.command)}`"]
            out += ["", "  ```", *(f"  {x}" for x in failure.stderr_tail.splitlines()), "  ```"]
    return out or ["- none"]


def render(
    argv: Sequence[str],
    settings: Settings,
    start: Snapshot,
    end: Snapshot,
    results: Sequence[GroupResult],
    notes: Sequence[str],
) -> tuple[str, int]:
    """The report, and the exit status: 1 a command failed, 3 a target missed, else 0."""
    targets, missed, profiles = target_lines(settings, results)
    command = shlex.join(["python", "-m", "bench.run", *argv])
    sections = [
        ["# kconfig benchmarks (issue 19)", "", f"`{command}`"],
        ["## Machine", "", *machine_lines(settings, start, end)],
        ["## Targets", "", *targets],
        ["## Measurements", "", *measurement_lines(settings, results)],
        ["## How it is measured", "", *how_lines(settings)],
        ["## Notes", "", *note_lines(notes, results, settings)],
    ]
    if not settings.smoke:
        sections.insert(3, ["## Profiles of the missed targets", "", *profile_lines(profiles)])
    failed = any(c.failure is not None for r in results for c in r.cells.values())
    status = 1 if failed else (3 if missed and not settings.smoke else 0)
    return "\n\n".join("\n".join(s) for s in sections) + "\n", status
