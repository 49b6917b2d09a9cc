"""The benchmark harness runs, prints issue 19's table, and measures in the conditions it says.

The harness is started as a subprocess in the repository root (as a developer runs it). No
timing is asserted: the tests check that the table has its rows, that cold runs get a fresh
copy and empty caches, and that warm runs keep them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import fleet as fleetgen
from bench.jobs import CHANGED_FILE, Jobs, Tools, Trash, Workspace, change_tag, child_env
from bench.measure import CommandFailedError, Invocation, run_invocation, tree_rss_kb
from bench.rows import ROW_IDS, ROWS

REPO = Path(__file__).resolve().parents[2]
KAPITAN_ENV = "KCONFIG_BENCH_KAPITAN"
TABLE_HEADER = "| workload | now | target | met |"


def _kapitan() -> str | None:
    found = shutil.which(os.environ.get(KAPITAN_ENV) or "kapitan")
    return None if found is None else str(Path(found).absolute())


KAPITAN = _kapitan()


def _bench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != KAPITAN_ENV}
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def _kconfig_runs() -> None:
    probe = subprocess.run(
        [sys.executable, "-m", "kconfig", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"python -m kconfig --version fails: {probe.stderr.strip()[-300:]}")


def _target_rows(report: str) -> dict[str, list[str]]:
    """The target table's rows by workload: [now, target, met]."""
    lines = report.split(TABLE_HEADER, 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    rows = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        rows[cells[0]] = cells[1:]
    return rows


# --- the harness as a developer runs it ------------------------------------------------------


def test_smoke_prints_every_row_of_the_issue_table(tmp_path: Path) -> None:
    _kconfig_runs()
    done = _bench("--smoke", "--work", str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    rows = _target_rows(done.stdout)
    assert list(rows) == [r.workload for r in ROWS]
    for row in ROWS:
        now, target, met = rows[row.workload]
        assert target == row.target
        assert met == "- (smoke)"
        if row.id != "w2-500":  # needs Kapitan, not given here
            assert "n/a" not in now, (row.id, now)
    assert "n/a (kapitan not measured" in rows[ROWS[2].workload][0]
    for section in ("## Machine", "## Measurements", "## How it is measured", "load average"):
        assert section in done.stdout
    assert "truly cold" in done.stdout
    assert "warm, file changed" in done.stdout
    assert not (tmp_path / "runs").exists()  # every copy deleted after the last run
    assert not (tmp_path / ".trash").exists()


def test_rows_are_selectable(tmp_path: Path) -> None:
    _kconfig_runs()
    done = _bench("--smoke", "--rows", "w1-1", "--work", str(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list(_target_rows(done.stdout)) == [ROWS[0].workload]


def test_list_rows_and_unknown_rows() -> None:
    listed = _bench("--list-rows", timeout=60)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(ROW_IDS)
    bad = _bench("--rows", "w9", timeout=60)
    assert bad.returncode == 2
    assert "unknown row" in bad.stderr


def test_a_missing_kapitan_cmd_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-kapitan"
    done = _bench("--smoke", "--kapitan-cmd", str(missing), timeout=60)
    assert done.returncode == 2
    assert f"--kapitan-cmd: cannot find the program of '{missing}'" in done.stderr


@pytest.mark.skipif(KAPITAN is None, reason=f"needs kapitan (${KAPITAN_ENV} or on PATH)")
def test_the_kapitan_row_measures_kapitan(tmp_path: Path) -> None:
    _kconfig_runs()
    assert KAPITAN is not None
    args = ("--smoke", "--rows", "w2-500", "--kapitan-cmd", KAPITAN, "--work", str(tmp_path))
    done = _bench(*args)
    assert done.returncode == 0, done.stderr[-3000:]
    now = _target_rows(done.stdout)[ROWS[2].workload][0]
    assert now.endswith(" s)") and "x (" in now, now
    assert f"(`{KAPITAN}`)" in done.stdout


# --- the conditions --------------------------------------------------------------------------

# A stand-in for kconfig: leaves a file in its per-user cache and one in the project's cache.
FAKE_KCONFIG = (
    "import os, pathlib, sys; "
    "c = pathlib.Path(os.environ['XDG_CACHE_HOME']) / 'kconfig'; c.mkdir(exist_ok=True); "
    "(c / 'seen').write_text('x'); "
    "p = pathlib.Path('.kconfig-cache'); p.mkdir(exist_ok=True); (p / 'entry').write_text('x')"
)


def _jobs(tmp_path: Path) -> Jobs:
    tools = Tools((sys.executable, "-c", FAKE_KCONFIG), None, None)
    return Jobs(tools, Workspace(tmp_path, Trash(tmp_path / ".trash")), timeout=60)


def test_every_cold_run_gets_a_fresh_copy_and_empty_caches(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path)
    job = jobs.kconfig_cold("cold", 2, ("build",))
    master = jobs.ws.master(2, "kconfig")
    seen = set()
    for run in range(2):
        invocation = job.prepare(run)
        assert invocation.cwd not in seen and invocation.cwd != master
        seen.add(invocation.cwd)
        assert sorted(p.name for p in invocation.cwd.iterdir()) == sorted(
            p.name for p in master.iterdir()
        )
        cache = Path(invocation.env["XDG_CACHE_HOME"])
        assert cache.is_dir() and not any(cache.iterdir())
        assert invocation.env["PYTHONDONTWRITEBYTECODE"] == "1"
        run_invocation(invocation, "cold", stderr_path=tmp_path / "err", timeout=60)
        assert (invocation.cwd / ".kconfig-cache" / "entry").exists()
    assert not (master / ".kconfig-cache").exists()  # the master is never run in


def test_warm_runs_keep_what_the_warm_up_left(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path)
    job = jobs.kconfig_warm("warm", 2, ("validate",), change=change_tag)
    assert job.setup is not None
    job.setup()
    tags = []
    for run in range(2):
        invocation = job.prepare(run)
        assert (invocation.cwd / ".kconfig-cache" / "entry").exists()
        assert (Path(invocation.env["XDG_CACHE_HOME"]) / "kconfig" / "seen").exists()
        tags.append((invocation.cwd / CHANGED_FILE).read_text(encoding="utf-8"))
    assert tags[0] != tags[1]  # every run changes the file


def test_child_env_drops_kconfig_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KCONFIG_JOBS", "1")
    env = child_env(tmp_path)
    assert "KCONFIG_JOBS" not in env
    assert env["XDG_CACHE_HOME"] == str(tmp_path)


def test_a_sample_has_wall_memory_and_the_process_tree(tmp_path: Path) -> None:
    code = "import os, time; pid = os.fork(); time.sleep(0.2); pid and os.waitpid(pid, 0)"
    invocation = Invocation(((sys.executable, "-c", code),), tmp_path, dict(os.environ))
    sample = run_invocation(
        invocation, "fork", stderr_path=tmp_path / "err", timeout=60, sample_tree=True
    )
    assert sample.wall > 0.1
    assert sample.maxrss_kb > 0
    assert sample.tree_kb > sample.maxrss_kb  # two processes, added up
    assert sample.other_cpu >= 0
    assert tree_rss_kb(os.getpid()) > 0


def test_a_failing_command_reports_its_stderr(tmp_path: Path) -> None:
    code = "import sys; print('broken fleet', file=sys.stderr); sys.exit(4)"
    invocation = Invocation(((sys.executable, "-c", code),), tmp_path, dict(os.environ))
    with pytest.raises(CommandFailedError) as err:
        run_invocation(invocation, "bad", stderr_path=tmp_path / "err", timeout=60)
    assert err.value.failure.detail == "exit 4"
    assert "broken fleet" in err.value.failure.stderr_tail


def test_outputs_are_moved_aside_and_deleted_at_the_end(tmp_path: Path) -> None:
    trash = Trash(tmp_path / ".trash")
    for name in ("out", "out"):  # the same name twice: both kept until the end
        (tmp_path / name / "qa").mkdir(parents=True)
        (tmp_path / name / "qa" / "f.yaml").write_text("x", encoding="utf-8")
        trash.discard(tmp_path / name)
        assert not (tmp_path / name).exists()
    trash.discard(tmp_path / "never-existed")
    assert len(list((tmp_path / ".trash").iterdir())) == 2
    trash.empty()
    assert not (tmp_path / ".trash").exists()


def test_the_changed_file_is_an_overlay_of_the_fleet(tmp_path: Path) -> None:
    fleetgen.write_kconfig_project(2, tmp_path)
    assert (tmp_path / CHANGED_FILE).is_file()
