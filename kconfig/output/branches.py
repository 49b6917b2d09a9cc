"""The branch layout: each environment's files as one commit on ``<branchPrefix><env>``.

:func:`commit_branches` (``gitops.layout: branches`` + ``--commit``) writes with git plumbing
only (``fast-import`` for blobs, a temporary index for the tree, ``commit-tree``,
``update-ref``): the user's HEAD, index and working tree are never touched, and a branch
whose tree would not change gets no commit.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kconfig._version import __version__
from kconfig.errors import (
    OutputError,
    SourcePos,
)
from kconfig.load.paths import INPUTS, PROJECT_FILE
from kconfig.output.writer import (
    OutputDir,
)

if TYPE_CHECKING:
    from kconfig.load.config import GitOps
    from kconfig.load.sources import Sources


INPUT_PATHS = INPUTS  # a change under these makes the source commit "dirty"


@dataclass(frozen=True, slots=True)
class BranchCommit:
    """The outcome of ``--commit`` for one environment."""

    env: str
    branch: str
    commit: str | None  # the new commit; None when the tree did not change
    previous: str | None  # the branch's commit before


# --------------------------------------------------------------------------------------------
# branch per environment


def _run(
    repo: Path, args: Sequence[str], input: bytes | None, env: Mapping[str, str] | None
) -> subprocess.CompletedProcess[bytes]:
    # GIT_OPTIONAL_LOCKS=0: `git status` must not refresh the user's index file.
    run_env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", **(env or {})}
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            input=input,
            capture_output=True,
            env=run_env,
            check=False,
        )
    except OSError as err:
        raise OutputError(
            f"cannot run git: {err.strerror or err}", SourcePos(PROJECT_FILE), code="KC070"
        ) from err


def _git(
    repo: Path,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> str:
    """git's stdout, stripped ("" when it failed and ``check`` is false)."""
    proc = _run(repo, args, input, env)
    if check and proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}"
        raise OutputError(f"git {args[0]} failed: {message}", SourcePos(PROJECT_FILE), code="KC070")
    return proc.stdout.decode(errors="replace").strip() if proc.returncode == 0 else ""


def output_repository(sources: Sources, out: OutputDir) -> Path:
    """The git repository holding the output folder, else the project's."""
    here = out.path
    while not here.exists():
        here = here.parent
    for start in (here, sources.root):
        top = _git(start, "rev-parse", "--show-toplevel", check=False)
        if top:
            return Path(top)
    raise OutputError(
        "--commit needs a git repository: neither the output folder nor the project is inside one",
        out.pos,
        code="KC070",
    )


def source_commit(sources: Sources) -> str:
    """``git rev-parse HEAD`` of the project, ``-dirty`` when its inputs have changes."""
    head = _git(sources.root, "rev-parse", "--verify", "-q", "HEAD", check=False)
    if not head:
        return "none"
    status = _git(
        sources.root, "status", "--porcelain", "--", *INPUT_PATHS, *sources.config.crds, check=False
    )
    return f"{head}-dirty" if status else head


def _checked_out(repo: Path) -> set[str]:
    """Branches checked out in any worktree of ``repo`` (they must not move under it)."""
    listing = _git(repo, "worktree", "list", "--porcelain", check=False)
    return {line[len("branch ") :] for line in listing.splitlines() if line.startswith("branch ")}


def _write_blobs(repo: Path, blobs: Sequence[bytes], work: Path) -> list[str]:
    """Store ``blobs`` in the repository in one ``git fast-import``; their object ids."""
    stream = bytearray()
    for i, data in enumerate(blobs, 1):
        stream += b"blob\nmark :%d\ndata %d\n" % (i, len(data))
        stream += data + b"\n"
    marks = work / "marks"
    _git(repo, "fast-import", "--quiet", f"--export-marks={marks}", input=bytes(stream))
    ids = dict(line.split(" ", 1) for line in marks.read_text().splitlines())
    return [ids[f":{i}"] for i in range(1, len(blobs) + 1)]


def _write_tree(repo: Path, files: Mapping[str, str], index: Path) -> str:
    """The tree object of ``{path: blob id}``, built in a temporary index file."""
    records = b"".join(
        b"100644 %s\t%s\0" % (oid.encode(), path.encode()) for path, oid in sorted(files.items())
    )
    env = {"GIT_INDEX_FILE": str(index)}
    _git(repo, "update-index", "-z", "--index-info", input=records, env=env)
    return _git(repo, "write-tree", env=env)


def commit_branches(
    sources: Sources, settings: GitOps, env_files: Mapping[str, Mapping[str, bytes]], out: OutputDir
) -> list[BranchCommit]:
    """Commit each environment's files to ``<branchPrefix><env>``; see the module doc."""
    repo = output_repository(sources, out)
    busy = _checked_out(repo)
    branches = {env: f"{settings.branch_prefix}{env}" for env in env_files}
    for env, branch in branches.items():
        if _run(repo, ["check-ref-format", f"refs/heads/{branch}"], None, None).returncode:
            raise OutputError(
                f"{branch!r} is not a valid git branch name (gitops.branchPrefix + environment)",
                settings.pos,
                code="KC071",
            )
        if f"refs/heads/{branch}" in busy:
            raise OutputError(
                f"branch {branch} is checked out; kconfig commits {env} there "
                "without touching any working tree, so check out another "
                "branch first",
                settings.pos,
                code="KC071",
            )
    source = source_commit(sources)
    with tempfile.TemporaryDirectory(prefix="kconfig-commit-") as tmp:
        work = Path(tmp)
        unique = list(dict.fromkeys(d for files in env_files.values() for d in files.values()))
        ids = dict(zip(unique, _write_blobs(repo, unique, work), strict=True))
        results = []
        for env, files in env_files.items():
            rel = {path.split("/", 1)[1]: ids[data] for path, data in files.items()}
            tree = _write_tree(repo, rel, work / f"index-{env}")
            results.append(_commit(repo, env, branches[env], tree, source))
    return results


def _commit(repo: Path, env: str, branch: str, tree: str, source: str) -> BranchCommit:
    ref = f"refs/heads/{branch}"
    previous = _git(repo, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    if previous and _git(repo, "rev-parse", f"{previous}^{{tree}}") == tree:
        return BranchCommit(env, branch, None, previous)
    short = source[:12] + ("-dirty" if source.endswith("-dirty") else "")
    message = (
        f"kconfig: render {env} from {short}\n\n"
        f"Source-Commit: {source}\nGenerator: kconfig {__version__}\n"
    )
    parents = ["-p", previous] if previous else []
    commit = _git(repo, "commit-tree", tree, *parents, input=message.encode())
    _git(repo, "update-ref", "-m", f"kconfig build --commit ({env})", ref, commit, previous or "")
    return BranchCommit(env, branch, commit, previous or None)
