"""What one measured job runs, on which copy of the fleet, with which caches.

Two conditions, never mixed up:

- **truly cold**, as a fresh CI machine runs kconfig: before every run (untimed) a fresh copy
  of the generated fleet (so no ``.kconfig-cache/``, no output folder, nothing a previous run
  wrote), and an empty ``$XDG_CACHE_HOME`` for the child (so none of kconfig's per-user data:
  built-in template bytecode, schema bundles, the cache key). Installed packages keep the
  bytecode ``pip install`` compiled for them (kconfig's own is compiled the same way before
  measuring): a fresh CI machine has that too.
- **warm**, as a developer's second run: one copy and one ``$XDG_CACHE_HOME`` kept for the whole
  row, one untimed warm-up run first, then every timed run finds what the previous one left.

The fleet the generator wrote (the *master*) is only ever copied, never run in.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench import fleet as fleetgen
from bench.measure import Command, CommandFailedError, Invocation, run_command

Tool = Literal["kconfig", "kustomize", "kapitan"]
TOOL_NAMES: dict[Tool, str] = {"kconfig": "kconfig", "kustomize": "Kustomize", "kapitan": "Kapitan"}
COLD = "truly cold"
WARM = "warm"
# The file the pre-commit and one-tag rows change, and the tags they alternate between, so that
# every warm run really changes it.
CHANGED_ENV = "qa"
CHANGED_APP = fleetgen.app_name(0)
CHANGED_FILE = f"overlays/{CHANGED_ENV}/{CHANGED_APP}.yaml"
CHANGED_TAGS = ("1.0.1-rc", "1.0.2-rc")


@dataclass(frozen=True, slots=True)
class Tools:
    """The commands measured (shell-split, programs made absolute where it matters)."""

    kconfig: Command
    kubectl: str | None
    kapitan: Command | None


@dataclass(frozen=True, slots=True)
class Job:
    """One measured command in one condition; ``prepare`` makes each run's invocation
    (untimed), ``setup`` runs once before the first (the warm-up)."""

    key: str
    tool: Tool
    n: int
    tree: str  # the fleet's tree it runs on (generated before the row's load is taken)
    what: str  # the command as the report shows it
    condition: str
    prepare: Callable[[int], Invocation]
    setup: Callable[[], None] | None = None
    sample_tree: bool = False


class Trash:
    """Where outputs go after the measurements: moved aside now, deleted after the last run.

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


class Workspace:
    """The generated fleets (masters) and a fresh folder for every run, under one root."""

    def __init__(self, root: Path, trash: Trash) -> None:
        self.root = root
        self.trash = trash
        self._made: set[tuple[int, str]] = set()
        self._count = 0
        for old in ("fleets", "runs"):  # a previous harness's leftovers: deleted at the end
            trash.discard(root / old)

    def master(self, n: int, tree: str) -> Path:
        """The generated tree of n apps (written on first use)."""
        path = fleetgen.Fleet(n, self.root / "fleets" / f"n{n}").tree(tree)
        if (n, tree) not in self._made:
            fleetgen.write_tree(n, tree, path)
            self._made.add((n, tree))
        return path

    def new_dir(self, label: str) -> Path:
        self._count += 1
        path = self.root / "runs" / f"{self._count:04d}-{label}"
        path.mkdir(parents=True)
        return path

    def copy(self, n: int, tree: str, label: str) -> tuple[Path, Path]:
        """A fresh copy of the tree and an empty cache folder beside it: (tree, cache)."""
        folder = self.new_dir(label)
        shutil.copytree(self.master(n, tree), folder / tree, symlinks=True)
        (folder / "xdg-cache").mkdir()
        # Flushed before the timed run: kconfig build ends with syncfs(), which would
        # otherwise write the harness's own fresh copy to disk on the run's clock (measured:
        # 2-3 s of system time at N=500 when the disk is slow); Kapitan and Kustomize sync
        # nothing, so the copy must not be charged to kconfig alone.
        os.sync()
        return folder / tree, folder / "xdg-cache"


def child_env(cache: Path) -> dict[str, str]:
    """The child's environment: this one, with its own $XDG_CACHE_HOME, writing no bytecode
    (installed packages have theirs; the benchmark must not change the installation)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCONFIG_")}
    env["XDG_CACHE_HOME"] = str(cache)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def change_tag(project: Path, run: int) -> None:
    """Rewrite the changed file with the run's tag (alternating: every run changes it)."""
    tag = CHANGED_TAGS[run % len(CHANGED_TAGS)]
    fleetgen.set_overlay_tag(project, CHANGED_ENV, CHANGED_APP, tag)


class Jobs:
    """Makes the jobs of the rows: kconfig cold or warm, Kustomize, Kapitan."""

    def __init__(self, tools: Tools, workspace: Workspace, timeout: float) -> None:
        self.tools = tools
        self.ws = workspace
        self.timeout = timeout

    def _kconfig(self, args: tuple[str, ...]) -> Command:
        return (*self.tools.kconfig, *args)

    def kconfig_cold(
        self,
        key: str,
        n: int,
        args: tuple[str, ...],
        *,
        tree: str = "kconfig",
        sample_tree: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> Job:
        """kconfig run in the project folder (as a user in the repository root), truly cold;
        ``env`` adds variables to the child's environment (and to the job's label)."""

        def prepare(run: int) -> Invocation:
            project, cache = self.ws.copy(n, tree, f"{key}-n{n}-run{run}")
            return Invocation((self._kconfig(args),), project, {**child_env(cache), **(env or {})})

        what = f"kconfig {' '.join(args)}" + (" (backend: jsonnet)" if "jsonnet" in tree else "")
        what += "".join(f" {k}={v}" for k, v in sorted((env or {}).items()))
        return Job(key, "kconfig", n, tree, what, COLD, prepare, sample_tree=sample_tree)

    def kconfig_warm(
        self,
        key: str,
        n: int,
        args: tuple[str, ...],
        *,
        change: Callable[[Path, int], None] | None = None,
        condition: str = WARM,
    ) -> Job:
        """kconfig in one kept copy with one kept cache, after an untimed warm-up run;
        ``change`` edits the project before each timed run."""
        state: dict[str, tuple[Path, Path]] = {}

        def setup() -> None:
            project, cache = self.ws.copy(n, "kconfig", f"{key}-n{n}-warm")
            state["dirs"] = (project, cache)
            self._warm_up(key, self._kconfig(args), project, child_env(cache))

        def prepare(run: int) -> Invocation:
            project, cache = state["dirs"]
            if change is not None:
                change(project, run)
            return Invocation((self._kconfig(args),), project, child_env(cache))

        what = f"kconfig {' '.join(args)}"
        return Job(key, "kconfig", n, "kconfig", what, condition, prepare, setup)

    def _warm_up(self, key: str, command: Command, cwd: Path, env: Mapping[str, str]) -> None:
        run_command(
            command,
            f"{key}: warm-up run",
            cwd=cwd,
            env=env,
            stderr_path=self.ws.root / "warm-up-stderr.txt",
            timeout=self.timeout,
        )

    def kustomize(self, key: str, n: int, env: str) -> Job:
        """`kubectl kustomize overlays/ENV` to stdout, on a fresh copy of the Kustomize tree."""
        kubectl = self.tools.kubectl or "kubectl"

        def prepare(run: int) -> Invocation:
            tree, cache = self.ws.copy(n, "kustomize", f"{key}-n{n}-run{run}")
            command = (kubectl, "kustomize", f"overlays/{env}")
            return Invocation((command,), tree, child_env(cache))

        what = f"kubectl kustomize overlays/{env}"
        return Job(key, "kustomize", n, "kustomize", what, "fresh copy (keeps no cache)", prepare)

    def kapitan(self, key: str, n: int) -> Job:
        """`kapitan compile` of all four targets into a fresh folder, on a fresh copy."""
        kapitan = self.tools.kapitan or ("kapitan",)

        def prepare(run: int) -> Invocation:
            inventory, cache = self.ws.copy(n, "kapitan", f"{key}-n{n}-run{run}")
            out = inventory.parent / "compiled-out"
            command = (*kapitan, "compile", "--output-path", str(out))
            return Invocation((command,), inventory, child_env(cache))

        condition = f"{COLD} (no validation)"
        return Job(key, "kapitan", n, "kapitan", "kapitan compile", condition, prepare)


def missing(job: Job, tools: Tools) -> str | None:
    """Why the job cannot run here (its tool is absent), or None."""
    if job.tool == "kustomize" and tools.kubectl is None:
        return "kubectl not found (--kubectl)"
    if job.tool == "kapitan" and tools.kapitan is None:
        return "no Kapitan (give --kapitan-cmd)"
    return None


def check_warm_up(job: Job) -> CommandFailedError | None:
    """Run the job's warm-up; its failure, or None."""
    if job.setup is None:
        return None
    try:
        job.setup()
    except CommandFailedError as err:
        return err
    return None
