"""The target table of issue 19: one row per target, each judged from the jobs it needs.

Rows that need the same fleet and condition share a *group*: its jobs are measured together,
alternating inside every run (A, B, C, then C, B, A, ...) so that a change in machine load hits
every job of the group alike, and a job two rows need is measured once.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bench.jobs import CHANGED_FILE, Job, Jobs, change_tag
from bench.measure import Cell

Met = Literal["yes", "no", "n/a"]
SMOKE_N = {1: 1, 10: 10, 500: 5, 2000: 10, 5000: 20}


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    runs: int  # default runs per job (the long groups fewer)
    jobs: Callable[[Jobs, Callable[[int], int]], list[Job]]  # (jobs, size) -> jobs


@dataclass(frozen=True, slots=True)
class Verdict:
    now: str
    met: Met


Judge = Callable[[Mapping[str, Cell]], Verdict]


@dataclass(frozen=True, slots=True)
class RowSpec:
    id: str
    workload: str  # the wording (plus whether a W2 row validates)
    target: str
    group: str
    needs: tuple[str, ...]  # job keys in the group
    judge: Judge
    # docs/profiles/<name>.md: where the time goes and what would close the gap, printed
    # under the table when the target is missed (issue 19's "done when")
    profiles: tuple[str, ...] = ()


# --- formatting ------------------------------------------------------------------------------


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ok(cells: Mapping[str, Cell], *keys: str) -> bool:
    return all(k in cells and cells[k].ok for k in keys)


def _missing(cells: Mapping[str, Cell], *keys: str) -> str:
    bad = [k for k in keys if k not in cells or not cells[k].ok]
    return f"n/a ({', '.join(bad)} not measured)"


def _met(*checks: bool) -> Met:
    return "yes" if all(checks) else "no"


# --- judges ----------------------------------------------------------------------------------


def ratio_pair(cold: str, warm: str, anchor: str, limits: tuple[float, float]) -> Judge:
    """kconfig cold and warm over the anchor's median, each against its limit."""

    def judge(cells: Mapping[str, Cell]) -> Verdict:
        if not _ok(cells, cold, warm, anchor):
            return Verdict(_missing(cells, cold, warm, anchor), "n/a")
        c, w, a = cells[cold].median, cells[warm].median, cells[anchor].median
        now = (
            f"{c / a:.2f}x / {w / a:.2f}x ({fmt_seconds(c)} / {fmt_seconds(w)} vs {fmt_seconds(a)})"
        )
        return Verdict(now, _met(c / a <= limits[0], w / a <= limits[1]))

    return judge


def ratio_one(job: str, anchor: str, limit: float) -> Judge:
    def judge(cells: Mapping[str, Cell]) -> Verdict:
        if not _ok(cells, job, anchor):
            kconfig = f"; kconfig {fmt_seconds(cells[job].median)}" if _ok(cells, job) else ""
            return Verdict(_missing(cells, job, anchor) + kconfig, "n/a")
        j, a = cells[job].median, cells[anchor].median
        now = f"{j / a:.3f}x ({fmt_seconds(j)} vs {fmt_seconds(a)})"
        return Verdict(now, _met(j / a <= limit))

    return judge


def seconds_each(keys: Sequence[str], limit: float) -> Judge:
    def judge(cells: Mapping[str, Cell]) -> Verdict:
        if not _ok(cells, *keys):
            return Verdict(_missing(cells, *keys), "n/a")
        medians = [cells[k].median for k in keys]
        now = " / ".join(fmt_seconds(m) for m in medians)
        return Verdict(now, _met(*(m <= limit for m in medians)))

    return judge


def wall_and_rss(key: str, wall_limit: float, rss_limit_mb: float) -> Judge:
    def judge(cells: Mapping[str, Cell]) -> Verdict:
        if not _ok(cells, key):
            return Verdict(_missing(cells, key), "n/a")
        cell = cells[key]
        now = f"{fmt_seconds(cell.median)} / {cell.peak_mb:.0f} MB"
        return Verdict(now, _met(cell.median <= wall_limit, cell.peak_mb <= rss_limit_mb))

    return judge


def overhead(job: str, anchor: str, limit: float) -> Judge:
    """How much longer the job takes than the anchor, in percent."""

    def judge(cells: Mapping[str, Cell]) -> Verdict:
        if not _ok(cells, job, anchor):
            return Verdict(_missing(cells, job, anchor), "n/a")
        j, a = cells[job].median, cells[anchor].median
        extra = j / a - 1
        now = f"{extra * 100:+.0f}% ({fmt_seconds(j)} vs {fmt_seconds(a)})"
        return Verdict(now, _met(extra <= limit))

    return judge


def wall_and_rss_ratio(job: str, anchor: str, limit: float, aside: str = "") -> Judge:
    """``job`` against ``anchor``; ``aside``, when measured, is reported beside (not judged)."""

    def ratios(cells: Mapping[str, Cell], key: str) -> tuple[float, float, str]:
        wall = cells[key].median / cells[anchor].median
        rss = cells[key].peak_mb / cells[anchor].peak_mb
        now = (
            f"{wall:.2f}x wall, {rss:.2f}x RSS ({fmt_seconds(cells[key].median)} vs "
            f"{fmt_seconds(cells[anchor].median)}; {cells[key].peak_mb:.0f} vs "
            f"{cells[anchor].peak_mb:.0f} MB)"
        )
        return wall, rss, now

    def judge(cells: Mapping[str, Cell]) -> Verdict:
        if not _ok(cells, job, anchor):
            return Verdict(_missing(cells, job, anchor), "n/a")
        wall, rss, now = ratios(cells, job)
        if aside and _ok(cells, aside):
            now += f"; C++ engine alone: {ratios(cells, aside)[2]}"
        return Verdict(now, _met(wall <= limit, rss <= limit))

    return judge


# --- groups ----------------------------------------------------------------------------------

Size = Callable[[int], int]


def _w1(n: int) -> Callable[[Jobs, Size], list[Job]]:
    def jobs(j: Jobs, size: Size) -> list[Job]:
        m = size(n)
        render = ("render", "prod")
        return [
            j.kconfig_cold("kconfig-cold", m, render),
            j.kconfig_warm("kconfig-warm", m, render),
            j.kustomize("kustomize", m, "prod"),
        ]

    return jobs


def _w2_500(j: Jobs, size: Size) -> list[Job]:
    m = size(500)
    return [
        j.kconfig_cold("build-cold", m, ("build",), sample_tree=True),
        j.kapitan("kapitan", m),
        j.kconfig_cold(
            "build-cold-jsonnet", m, ("build",), tree="kconfig-jsonnet", sample_tree=True
        ),
        j.kconfig_cold("build-cold-no-validate", m, ("build", "--no-validate")),
        # with kconfig[fast-jsonnet] the row above runs the built-ins on rjsonnet: the
        # default install's C++ engine alone is measured beside it
        *([_jsonnet_cpp(j, m)] if _JSONNET_CPP else []),
    ]


_JSONNET_CPP = ("build-cold-jsonnet-cpp",) if importlib.util.find_spec("rjsonnet") else ()


def _jsonnet_cpp(j: Jobs, m: int) -> Job:
    env = {"KCONFIG_JSONNET": "jsonnet"}
    return j.kconfig_cold("build-cold-jsonnet-cpp", m, ("build",), tree="kconfig-jsonnet", env=env)


def _validate_file(j: Jobs, size: Size) -> list[Job]:
    args = ("validate", CHANGED_FILE)
    found: list[Job] = []
    for n in (500, 2000):
        m = size(n)
        found += [
            j.kconfig_warm(f"warm-{n}", m, args, change=change_tag, condition="warm, file changed"),
            j.kconfig_cold(f"cold-{n}", m, args),
        ]
    return found


def _validate_all(j: Jobs, size: Size) -> list[Job]:
    m = size(2000)
    return [
        j.kconfig_cold("cold", m, ("validate",)),
        j.kconfig_warm("warm", m, ("validate",)),
    ]


def _w4(j: Jobs, size: Size) -> list[Job]:
    m = size(500)
    build = ("build",)
    return [
        j.kconfig_warm("one-tag", m, build, change=change_tag, condition="warm, one tag changed"),
        j.kconfig_warm("no-change", m, build, condition="warm, nothing changed"),
    ]


def _n5000(j: Jobs, size: Size) -> list[Job]:
    m = size(5000)
    return [
        j.kconfig_cold("build-cold", m, ("build",), sample_tree=True),
        j.kconfig_cold("build-cold-no-cache", m, ("build", "--no-cache"), sample_tree=True),
    ]


GROUPS: dict[str, Group] = {
    g.id: g
    for g in (
        # start-up rows are short and most sensitive to noise: more runs
        Group("w1-1", 11, _w1(1)),
        Group("w1-10", 11, _w1(10)),
        Group("n500", 5, _w2_500),
        Group("validate-file", 5, _validate_file),
        Group("validate-all", 3, _validate_all),
        Group("w4", 5, _w4),
        Group("n5000", 3, _n5000),
    )
}


COLD_START = "cold-start-and-render"
VALIDATE_CACHE = "validate-and-cache"
JSONNET = "jsonnet"


def _w1_row(group: str, workload: str, limits: tuple[float, float]) -> RowSpec:
    keys = ("kconfig-cold", "kconfig-warm", "kustomize")
    target = f"<= {limits[0]}x / <= {limits[1]}x"
    judge = ratio_pair(*keys, limits)
    return RowSpec(group, workload, target, group, keys, judge, (COLD_START,))


ROWS: tuple[RowSpec, ...] = (
    _w1_row(
        "w1-1", "W1 `render prod`, one app, truly cold / warm, vs `kubectl kustomize`", (1.5, 1.2)
    ),
    _w1_row("w1-10", "W1 N=10, truly cold / warm, vs Kustomize", (1.2, 1.0)),
    RowSpec(
        "w2-500",
        "W2 `build` N=500 validated, truly cold, vs `kapitan compile` (unvalidated)",
        "<= 0.06x",
        "n500",
        ("build-cold", "kapitan", "build-cold-no-validate"),
        ratio_one("build-cold", "kapitan", 0.06),
        (COLD_START,),
    ),
    RowSpec(
        "validate-file",
        "`validate overlays/qa/app-000.yaml`, N=500 / N=2000",
        "<= 0.3 s at both",
        "validate-file",
        ("warm-500", "warm-2000", "cold-500", "cold-2000"),
        seconds_each(("warm-500", "warm-2000"), 0.3),
        (VALIDATE_CACHE,),
    ),
    RowSpec(
        "validate-all",
        "`validate` all environments, N=2000",
        "<= 5 s",
        "validate-all",
        ("cold", "warm"),
        seconds_each(("cold",), 5),
        (COLD_START, VALIDATE_CACHE),
    ),
    RowSpec(
        "w4",
        "W4 one tag changed, N=500",
        "<= 0.5 s",
        "w4",
        ("one-tag", "no-change"),
        seconds_each(("one-tag",), 0.5),
        (VALIDATE_CACHE,),
    ),
    RowSpec(
        "w2-5000",
        "W2 N=5000 cold (validated), wall / peak RSS",
        "<= 15 s / <= 300 MB",
        "n5000",
        ("build-cold",),
        wall_and_rss("build-cold", 15, 300),
        (COLD_START,),
    ),
    RowSpec(
        "cache-5000",
        "first build with cache vs `--no-cache`, N=5000",
        "<= +10%",
        "n5000",
        ("build-cold", "build-cold-no-cache"),
        overhead("build-cold", "build-cold-no-cache", 0.10),
        (VALIDATE_CACHE,),
    ),
    RowSpec(
        "jsonnet",
        "Jsonnet backend vs Jinja, W2 N=500 (validated, truly cold)",
        "<= 1.5x, <= 1.5x",
        "n500",
        ("build-cold-jsonnet", "build-cold", *_JSONNET_CPP),
        wall_and_rss_ratio("build-cold-jsonnet", "build-cold", 1.5, "build-cold-jsonnet-cpp"),
        (JSONNET,),
    ),
)

ROW_IDS = tuple(r.id for r in ROWS)

# How each row's "now" is measured, for the report (the conditions are defined in bench/jobs.py).
ROW_CONDITIONS: dict[str, str] = {
    "w1-1": "`kconfig render prod > /dev/null` truly cold and warm, alternating with "
    "`kubectl kustomize overlays/prod` on the one-app fleet; ratios of medians",
    "w1-10": "the same on the 10-app fleet",
    "w2-500": "`kconfig build` (validates by default) truly cold, alternating with "
    "`kapitan compile` of all four targets (no validation) on a fresh copy of its inventory",
    "validate-file": "warm, as the pre-commit hook runs it on a developer's machine: caches "
    "of the previous run kept, the file changed before every run (the tag alternates); the "
    "truly cold figures are in the measurements",
    "validate-all": "truly cold, as CI runs it; warm in the measurements",
    "w4": "warm: after an untimed build, `kconfig build` with the tag of "
    f"`{CHANGED_FILE}` changed before every run; the no-change rebuild alongside",
    "w2-5000": "`kconfig build` truly cold; peak RSS of the largest process (wait4); the "
    "sampled sum over the process tree is in the measurements",
    "cache-5000": "`kconfig build` against `kconfig build --no-cache`, both truly cold, "
    "alternating",
    "jsonnet": "`kconfig build` of the same fleet with `backend: jsonnet` against the default "
    "Jinja2 backend, both truly cold, alternating; peak RSS of the largest process",
}


def smoke_size(n: int) -> int:
    return SMOKE_N.get(n, min(n, 10))


def full_size(n: int) -> int:
    return n


def selected(ids: Sequence[str]) -> tuple[RowSpec, ...]:
    wanted = set(ids)
    return tuple(r for r in ROWS if r.id in wanted)


def groups_of(rows: Sequence[RowSpec]) -> list[tuple[Group, tuple[str, ...]]]:
    """The groups the rows need, in table order, each with the union of the job keys."""
    keys: dict[str, list[str]] = {}
    for row in rows:
        found = keys.setdefault(row.group, [])
        found += [k for k in row.needs if k not in found]
    return [(GROUPS[g], tuple(k)) for g, k in keys.items()]


def judge_all(
    rows: Sequence[RowSpec], cells: Mapping[str, Mapping[str, Cell]]
) -> list[tuple[RowSpec, Verdict]]:
    out = []
    for row in rows:
        found = cells.get(row.group, {})
        out.append((row, row.judge(found)))
    return out
