"""The only module that writes build output: atomic swaps, ownership, pruning, drift check.

``apply_plan`` writes an :class:`~kconfig.output.plan.OutputPlan` into ``<out>``; ``check_plan``
compares it with what is on disk and writes nothing. Every top-level folder of ``<out>``
(a *unit*: an environment, ``argocd/``, ``flux/``) is replaced as a whole:

1. the new tree is written into ``<out>/.kconfig-tmp-<unit>-<random>/`` (same filesystem,
   so renames are atomic): the planned files, then the files of the old folder that
   kconfig did not write (hard links, else copies; a hand-written README survives), then
   the ownership index ``.kconfig-owned.json`` (generator, project, version, the sorted
   files kconfig wrote). Files kconfig wrote before and no longer renders are simply left
   out: that is the pruning. A folder whose index names another project is refused.
2. the data reaches the disk: one ``syncfs(2)`` on the new tree's filesystem (one call
   instead of an fsync per file: 8,000 fsyncs cost seconds, and nothing of the new tree is
   visible before the rename below; where ``syncfs`` is missing, every file and folder is
   fsynced).
3. the new tree takes the unit's name: ``renameat2(RENAME_EXCHANGE)`` swaps the two
   folders in one step (Linux); elsewhere the old folder is renamed to
   ``.kconfig-bak-<unit>`` and the new one into place. ``<out>`` is fsynced.
4. the old tree (now at the temporary or backup name) is deleted, after moving into the new
   tree any foreign file that appeared in the old folder while the build ran.

Crash-recovery invariants (a SIGKILL or power loss at any instant):

- ``<out>/<unit>`` is always a complete tree, the old one or the new one, never a mix:
  the new tree is complete and on disk before it gets the name, and the name changes in one
  rename. The only exception is the fallback swap, between its two renames: then
  ``<unit>`` is absent and ``.kconfig-bak-<unit>`` holds the complete old tree.
- ``.kconfig-tmp-*`` folders are never live: they hold an unfinished new tree or an old
  tree already replaced. Deleting them is always safe.
- Recovery (:func:`recover`, run under the lock at the start of every build) deletes every
  ``.kconfig-tmp-*``; a ``.kconfig-bak-<unit>`` is renamed back to ``<unit>`` when
  ``<unit>`` is absent (the old tree returns) and deleted otherwise (the new one is live).
- Concurrent builds into one ``<out>`` are serialised by ``flock`` on the ``<out>`` folder.

Safety: every path written is checked to be a plain relative path inside ``<out>``;
a unit folder that is a symbolic link or a file is refused; a planned file never replaces a
file kconfig did not write (that is an error naming the file).
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import errno
import json
import os
import posixpath
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kconfig._version import __version__
from kconfig.errors import Collector, OutputError, SourcePos
from kconfig.load.paths import BASES, COMPONENTS, LIB, OVERLAYS
from kconfig.output.plan import OutputPlan

INDEX = ".kconfig-owned.json"
TMP_PREFIX = ".kconfig-tmp-"
BAK_PREFIX = ".kconfig-bak-"
SOURCE_DIRS = (BASES, OVERLAYS, COMPONENTS, LIB, ".git")

_RENAME_EXCHANGE = 2  # linux/fs.h
_NOT_SUPPORTED = frozenset({errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP})
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)

Action = Literal["unchanged", "written", "removed"]
Change = Literal["add", "modify", "delete"]


# --------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True, slots=True)
class OutputDir:
    """The resolved output folder, how messages show it, and where it was configured."""

    path: Path
    label: str
    pos: SourcePos

    def show(self, rel: str) -> str:
        """``rel`` (a path under ``<out>``) as messages show it."""
        return posixpath.join(self.label, rel)


@dataclass(frozen=True, slots=True)
class UnitResult:
    """What a build did to one unit folder."""

    unit: str
    action: Action
    files: int  # files kconfig owns in the folder now
    written: tuple[str, ...] = ()  # files added or changed
    pruned: tuple[str, ...] = ()  # files kconfig wrote before and removed now


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file that differs between ``<out>`` and the plan, with its unified diff."""

    path: str  # under <out>
    change: Change
    diff: str


@dataclass(frozen=True, slots=True)
class UnitState:
    """What is in a unit folder now."""

    exists: bool = False
    has_index: bool = False
    index: bytes = b""
    project: str | None = None  # the project the index names
    owned: frozenset[str] = frozenset()
    files: frozenset[str] = frozenset()  # every non-folder entry but the index
    dirs: frozenset[str] = frozenset()
    empty_dirs: tuple[str, ...] = ()

    @property
    def foreign(self) -> list[str]:
        return sorted(self.files - self.owned)


@dataclass(slots=True)
class _Sync:
    """How data reaches the disk: one ``syncfs`` when the platform has it, else fsyncs."""

    syncfs: Any = None
    dirs: list[str] = field(default_factory=list)

    @property
    def each_file(self) -> bool:
        return self.syncfs is None


# --------------------------------------------------------------------------------------------
# the output folder


def resolve_output(
    root: Path, value: str, pos: SourcePos, *, base: Path | None = None
) -> OutputDir:
    """Check the output folder ``value`` (relative to ``base``, default the project
    ``root``) and return it resolved.

    Refused, at ``pos`` (kconfig.yaml's ``output:`` or ``--out``): the project root itself,
    a folder containing the project, a folder inside ``bases/``, ``overlays/``,
    ``components/``, ``lib/`` or ``.git/``, and a path that is a file.
    """
    if not value:
        raise OutputError("the output folder must not be empty", pos, code="KC053")
    if "\0" in value:
        raise OutputError("the output folder must not contain a NUL byte", pos, code="KC053")
    real_root = root.resolve()
    real = _resolve_no_links(real_root, (base or root) / value, value)
    if real == real_root:
        raise OutputError(
            f"output folder {value!r} is the project root itself; use a subfolder such as 'deploy'",
            pos,
            code="KC053",
        )
    if real_root.is_relative_to(real):
        raise OutputError(
            f"output folder {value!r} contains the project; use a folder inside or beside it",
            pos,
            code="KC053",
        )
    # Any repository's .git (the project may sit in a subfolder of its repository).
    inside_git = ".git" in real.parts and ".git" not in real_root.parts
    for name in SOURCE_DIRS:
        if real.is_relative_to(real_root / name) or (name == ".git" and inside_git):
            raise OutputError(
                f"output folder {value!r} is inside {name}/, which holds the project's sources",
                pos,
                code="KC053",
            )
    if real.exists() and not real.is_dir():
        raise OutputError(f"output folder {value!r} is a file, not a folder", pos, code="KC053")
    label = real.relative_to(real_root).as_posix() if real.is_relative_to(real_root) else str(real)
    return OutputDir(real, label, pos)


LINK_REFUSED = "is a symbolic link; kconfig does not write through links"
READ_LINK_REFUSED = "is a symbolic link; kconfig does not read through links"


def _resolve_no_links(real_root: Path, path: Path, value: str) -> Path:
    return resolve_no_links(real_root, path, f"output folder {value!r}: {LINK_REFUSED}")


def resolve_no_links(real_root: Path, path: Path, message: str) -> Path:
    """``path`` with its symbolic links resolved, refusing every link that lies inside the
    project (a pull request can commit ``deploy -> /elsewhere``; issue 18): the error names
    the link. Links outside the project are the machine's own (``/tmp -> /private/tmp``)
    and are followed. ``..`` applies to the folder reached so far, as the kernel does."""
    parts = (path if path.is_absolute() else Path.cwd() / path).parts
    current = Path(parts[0])
    for part in parts[1:]:
        if part in ("", "."):
            continue
        if part == "..":
            current = current.parent
            continue
        step = current / part
        try:
            info = step.lstat()
        except OSError:  # absent (created by the build) or unreadable: nothing to follow
            current = step
            continue
        if stat.S_ISLNK(info.st_mode):
            if step.is_relative_to(real_root):
                where = step.relative_to(real_root).as_posix()
                raise OutputError(message, SourcePos(where), code="KC053")
            current = step.resolve()
            continue
        current = step
    return current


# --------------------------------------------------------------------------------------------
# reading the current state


def index_bytes(files: Iterable[str], owner: str = "") -> bytes:
    """The ownership index kconfig writes into a unit folder."""
    doc = {"generator": "kconfig", "project": owner, "version": __version__, "files": sorted(files)}
    return (json.dumps(doc, indent=2) + "\n").encode()


def _walk(top: Path) -> tuple[list[str], list[str], list[str]]:
    """(non-folder entries, folders, empty folders) below ``top``; links are not followed."""
    files: list[str] = []
    dirs: list[str] = []
    empty: list[str] = []
    stack = [""]
    while stack:
        rel = stack.pop()
        count = 0
        with os.scandir(top / rel if rel else top) as entries:
            for entry in entries:
                count += 1
                sub = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    dirs.append(sub)
                    stack.append(sub)
                else:
                    files.append(sub)
        if rel and not count:
            empty.append(rel)
    return files, dirs, empty


def _read_index(out: OutputDir, unit: str, data: bytes) -> tuple[frozenset[str], str | None]:
    where = SourcePos(out.show(f"{unit}/{INDEX}"))
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as err:  # RecursionError: nested 100,000 deep
        raise OutputError(
            f"ownership index is not valid JSON ({err}); delete the folder and build again",
            where,
            code="KC054",
        ) from err
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise OutputError(
            "ownership index has no 'files' list of paths; delete the folder and build again",
            where,
            code="KC054",
        )
    project = doc.get("project")
    return frozenset(files), project if isinstance(project, str) else None


def read_state(out: OutputDir, unit: str) -> UnitState:
    """The unit folder as it is: ownership index, files, folders."""
    top = out.path / unit
    try:
        info = top.lstat()
    except FileNotFoundError:
        return UnitState()
    where = SourcePos(out.show(unit))
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(
            "is a symbolic link; kconfig replaces this folder as a whole and does not follow links",
            where,
            code="KC055",
        )
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError("is a file where kconfig writes a folder", where, code="KC055")
    files, dirs, empty = _walk(top)
    index = b""
    owned: frozenset[str] = frozenset()
    project = None
    has_index = INDEX in files
    if has_index:
        index = _read_bytes(top / INDEX) or b""
        owned, project = _read_index(out, unit, index)
        files.remove(INDEX)
    return UnitState(
        True, has_index, index, project, owned, frozenset(files), frozenset(dirs), tuple(empty)
    )


def _read_bytes(path: str | Path, size: int | None = None) -> bytes | None:
    """A regular file's bytes (``None`` when absent, a link, a folder, or not ``size`` long)."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (size is not None and info.st_size != size):
            return None
        chunks = []
        while chunk := os.read(fd, max(info.st_size, 65536)):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _scope(out: OutputDir, plan: OutputPlan) -> list[str]:
    """The units of this build: the plan's, plus (whole-project builds) stale owned ones."""
    units = list(plan.units)
    if plan.prune_stale and out.path.is_dir():
        known = set(units)
        with os.scandir(out.path) as entries:
            found = sorted(
                e.name
                for e in entries
                if e.name not in known
                and not e.name.startswith(".")
                and e.is_dir(follow_symlinks=False)
            )
        units.extend(name for name in found if _owner(out.path / name / INDEX) == plan.owner)
    return units


def _owner(index: Path) -> str | None:
    """The project an ownership index names (None: no readable index)."""
    data = _read_bytes(index)
    try:
        doc = json.loads(data) if data is not None else None
    except (ValueError, RecursionError):
        return None
    project = doc.get("project", "") if isinstance(doc, dict) else None
    return project if isinstance(project, str) else None


def _states(out: OutputDir, plan: OutputPlan, units: Sequence[str]) -> dict[str, UnitState]:
    """The state of every unit; a folder another project owns is an error."""
    states = {unit: read_state(out, unit) for unit in units}
    errors = Collector()
    for unit, state in states.items():
        if state.has_index and (state.project or "") != plan.owner:
            errors.error(
                f"this folder belongs to kconfig project {state.project!r}, not "
                f"{plan.owner!r}; give each project its own output folder",
                SourcePos(out.show(f"{unit}/{INDEX}")),
                "KC072",
            )
    errors.raise_if_errors(OutputError)
    return states


def _check_paths(plan: OutputPlan) -> None:
    """Every planned path is a plain relative path inside one of the plan's units."""
    units = set(plan.units)
    for path in plan.files:
        parts = path.split("/")
        bad = (
            len(parts) < 2
            or parts[0] not in units
            or "\\" in path
            or "\0" in path
            or any(p in ("", ".", "..") for p in parts)
            or parts[-1] == INDEX
            or parts[0].startswith(".")
        )
        if bad:
            raise OutputError(
                f"refusing to write {path!r}: not a plain path inside a unit folder of the output",
                SourcePos(path),
                code="KC056",
            )


def _conflicts(
    out: OutputDir, unit: str, files: Mapping[str, bytes], state: UnitState, errors: Collector
) -> None:
    """Planned files that would replace something kconfig did not write."""
    foreign = state.files - state.owned
    hint = f"(it is not listed in {unit}/{INDEX}); move it away or delete it"
    for rel in files:
        where = SourcePos(out.show(f"{unit}/{rel}"))
        if rel in foreign:
            errors.error(
                f"refusing to overwrite a file kconfig did not write {hint}", where, "KC057"
            )
        elif rel in state.dirs:
            errors.error(
                f"refusing to replace a folder kconfig did not create {hint}", where, "KC057"
            )
        else:
            parent = rel.rpartition("/")[0]
            while parent:
                if parent in foreign:
                    errors.error(
                        f"{out.show(f'{unit}/{parent}')} is a file kconfig did not "
                        f"write, where it needs a folder {hint}",
                        where,
                        "KC057",
                    )
                    break
                parent = parent.rpartition("/")[0]


# --------------------------------------------------------------------------------------------
# writing


def apply_plan(
    out: OutputDir, plan: OutputPlan, trusted: frozenset[str] = frozenset()
) -> list[UnitResult]:
    """Write ``plan`` into ``out``, one atomic swap per changed unit; see the module doc.

    ``trusted`` units are known (by the build cache: same inputs, and the folder exactly as
    the last build left it) to hold the planned files already: they are not read back.
    """
    _check_paths(plan)
    with _os_errors(out, "write"):
        return _apply(out, plan, trusted)


@contextlib.contextmanager
def _os_errors(out: OutputDir, verb: str) -> Iterator[None]:
    """An operating-system error (permissions, a full disk) as a located OutputError."""
    try:
        yield
    except OSError as err:
        where = out.label
        if err.filename is not None:
            name = Path(os.fsdecode(err.filename))
            if name.is_absolute() and name.is_relative_to(out.path):
                where = out.show(name.relative_to(out.path).as_posix()).removesuffix("/.")
            else:
                where = str(name)
        raise OutputError(
            f"{err.strerror or err} (kconfig cannot {verb} its output here)",
            SourcePos(where),
            code="KC050",
        ) from err


def _apply(out: OutputDir, plan: OutputPlan, trusted: frozenset[str]) -> list[UnitResult]:
    out.path.mkdir(parents=True, exist_ok=True)
    with _locked(out.path):
        recover(out.path)
        units = _scope(out, plan)
        states = _states(out, plan, units)
        errors = Collector()
        for unit in units:
            _conflicts(out, unit, plan.unit_files(unit), states[unit], errors)
        errors.raise_if_errors(OutputError)  # before any folder changes
        prepared: list[UnitResult | _Prepared] = []
        try:
            for unit in units:
                prepared.append(
                    UnitResult(unit, "unchanged", len(plan.unit_files(unit)))
                    if unit in trusted and states[unit].has_index
                    else _prepare_unit(out, unit, plan.unit_files(unit), states[unit], plan.owner)
                )
            # Every new tree reaches the disk before any of them gets its name: one syncfs
            # for all units (each one waits for every dirty page of the filesystem, so one
            # is much cheaper than one per unit).
            _sync_trees(out.path, [p.tmp for p in prepared if isinstance(p, _Prepared)])
            return [p.swap_in(out) if isinstance(p, _Prepared) else p for p in prepared]
        except BaseException:
            # Ctrl-C or a full disk: no temporary tree is left behind (issue 18). Each
            # holds an unfinished new tree or, once swapped, the replaced old one.
            for p in prepared:
                if isinstance(p, _Prepared):
                    shutil.rmtree(out.path / p.tmp, ignore_errors=True)
            raise


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A unit whose new tree is written (not yet synced, not yet swapped in)."""

    unit: str
    tmp: str
    state: UnitState
    result: UnitResult

    def swap_in(self, out: OutputDir) -> UnitResult:
        old = _swap(out.path, self.unit, self.tmp)
        if old is not None:
            _discard(out.path / old, out.path / self.unit, self.state)
        return self.result


def _sync_trees(out: Path, trees: Sequence[str]) -> None:
    if not trees:
        return
    syncfs = _syncfs()
    if syncfs is None:
        return  # each tree was fsynced file by file as it was written
    fd = os.open(out, os.O_RDONLY | _O_DIRECTORY)
    try:
        if syncfs(fd) == 0:
            return
    finally:
        os.close(fd)
    for name in trees:  # syncfs failed: fsync every file and folder
        tree = out / name
        _fsync_files(tree)
        _, dirs, _ = _walk(tree)
        for rel in [*sorted(dirs, reverse=True), ""]:
            _fsync_dir(tree / rel if rel else tree)


def _changed(top: Path, files: Mapping[str, bytes], state: UnitState) -> tuple[str, ...]:
    """The planned files whose bytes are not on disk yet (new or different)."""
    return tuple(
        rel
        for rel, data in files.items()
        if rel not in state.owned or _read_bytes(f"{top}/{rel}", len(data)) != data
    )


def _prepare_unit(
    out: OutputDir, unit: str, files: Mapping[str, bytes], state: UnitState, owner: str
) -> UnitResult | _Prepared:
    top = out.path / unit
    pruned = tuple(sorted(state.owned.intersection(state.files) - files.keys()))
    if not files:
        if not state.has_index:
            return UnitResult(unit, "unchanged", 0)
        if not state.foreign and not state.empty_dirs:
            _remove(out.path, unit)
            return UnitResult(unit, "removed", 0, (), pruned)
    index = index_bytes(files, owner) if files else b""
    written = _changed(top, files, state)
    if files and not written and not pruned and state.index == index:
        return UnitResult(unit, "unchanged", len(files))
    tmp = _build_tree(out.path, unit, files, index, state, frozenset(written))
    return _Prepared(unit, tmp, state, UnitResult(unit, "written", len(files), written, pruned))


def _tmp_name(unit: str) -> str:
    return f"{TMP_PREFIX}{unit}-{secrets.token_hex(4)}"


def _new_folder(out: Path, unit: str) -> str:
    while True:
        name = _tmp_name(unit)
        try:
            (out / name).mkdir(0o777)
            return name
        except FileExistsError:
            continue


def _build_tree(
    out: Path,
    unit: str,
    files: Mapping[str, bytes],
    index: bytes,
    state: UnitState,
    written: frozenset[str] = frozenset(),
) -> str:
    """The new tree of ``unit`` in a temporary folder of ``out``; returns its name. Its data
    reaches the disk in :func:`_sync_trees` (one call for every unit of the build).

    On an error (a full disk, Ctrl-C) the unfinished tree is deleted at once; after a kill
    the next build's :func:`recover` does it.
    """
    name = _new_folder(out, unit)
    try:
        _fill_tree(out, unit, out / name, files, index, state, written)
    except BaseException:
        shutil.rmtree(out / name, ignore_errors=True)
        raise
    return name


def _fill_tree(
    out: Path,
    unit: str,
    tmp: Path,
    files: Mapping[str, bytes],
    index: bytes,
    state: UnitState,
    written: frozenset[str],
) -> None:
    sync = _Sync(_syncfs())
    made: set[str] = {""}
    # The hot loop of a build (thousands of files): plain strings, a pathlib object per file
    # costs as much as the write itself.
    top, before = str(tmp), str(out / unit)
    # A file kconfig wrote before whose bytes are unchanged is linked, not rewritten: the
    # old tree is never modified in place (every write makes a new inode), so sharing the
    # inode is safe, and a link costs half a write.
    reuse = state.owned.intersection(files) - written
    for rel, data in files.items():
        _ensure_dirs(top, rel.rpartition("/")[0], made, sync)
        if rel in reuse:
            try:
                os.link(f"{before}/{rel}", f"{top}/{rel}", follow_symlinks=False)
                continue
            except OSError:
                pass  # a filesystem without hard links: write the bytes
        _write_new(f"{top}/{rel}", data, sync.each_file)
    old = out / unit
    for rel in state.foreign:
        _ensure_dirs(top, rel.rpartition("/")[0], made, sync)
        _carry(old / rel, tmp / rel)
    for rel in state.empty_dirs:
        _ensure_dirs(top, rel, made, sync)
    if index:
        _write_new(f"{top}/{INDEX}", index, sync.each_file)
    if sync.syncfs is None:
        _flush(tmp, sync)  # files were fsynced as written; now the folders
    # else: one syncfs for every unit of the build, in _sync_trees


def _ensure_dirs(top: str, rel: str, made: set[str], sync: _Sync) -> None:
    if rel in made:
        return
    _ensure_dirs(top, rel.rpartition("/")[0], made, sync)
    os.mkdir(f"{top}/{rel}", 0o777)  # noqa: PTH102 - hot path, see _fill_tree
    made.add(rel)
    sync.dirs.append(rel)


def _write_new(path: str, data: bytes, fsync: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _carry(src: Path, dst: Path) -> None:
    """A file kconfig did not write, into the new tree: same inode when possible."""
    if src.is_symlink():
        dst.symlink_to(src.readlink())
        return
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _flush(tmp: Path, sync: _Sync) -> None:
    """Everything under ``tmp`` on disk before the tree gets its name."""
    if sync.syncfs is not None:
        fd = os.open(tmp, os.O_RDONLY | _O_DIRECTORY)
        try:
            if sync.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
        sync.syncfs = None  # failed: fall back to fsyncing what we can still reach
        _fsync_files(tmp)
    for rel in [*reversed(sync.dirs), ""]:
        _fsync_dir(tmp / rel if rel else tmp)


def _fsync_files(top: Path) -> None:
    files, _, _ = _walk(top)
    for rel in files:
        path = top / rel
        if not path.is_symlink():
            fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _fsync_dir(path: str | Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | _O_DIRECTORY)
    except OSError:  # platforms that cannot open folders (Windows): nothing to do
        return
    try:
        os.fsync(fd)
    except OSError as err:  # some filesystems refuse fsync on folders
        if err.errno not in (errno.EINVAL, errno.EBADF, errno.EISDIR):
            raise
    finally:
        os.close(fd)


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to load (not a POSIX system)
        return None


def _syncfs() -> Any:
    fn = getattr(_libc(), "syncfs", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
    return fn


def _exchange(dir_fd: int, a: str, b: str) -> bool:
    """Swap the entries ``a`` and ``b`` of a folder in one step (Linux renameat2)."""
    fn = getattr(_libc(), "renameat2", None)
    if fn is None:
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(dir_fd, os.fsencode(a), dir_fd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NOT_SUPPORTED:
        return False
    raise OSError(err, os.strerror(err), b)


def _swap(out: Path, unit: str, tmp: str) -> str | None:
    """Give the tree at ``tmp`` the name ``unit``; return the name now holding the old tree."""
    fd = os.open(out, os.O_RDONLY | _O_DIRECTORY)
    try:
        if not os.path.lexists(out / unit):
            os.rename(tmp, unit, src_dir_fd=fd, dst_dir_fd=fd)
            old = None
        elif _exchange(fd, tmp, unit):
            old = tmp
        else:
            old = BAK_PREFIX + unit
            os.rename(unit, old, src_dir_fd=fd, dst_dir_fd=fd)
            os.fsync(fd)
            os.rename(tmp, unit, src_dir_fd=fd, dst_dir_fd=fd)
        os.fsync(fd)
        return old
    finally:
        os.close(fd)


def _remove(out: Path, unit: str) -> None:
    """Take a unit folder away in one rename, then delete it."""
    name = _tmp_name(unit)
    (out / unit).rename(out / name)
    _fsync_dir(out)
    shutil.rmtree(out / name, ignore_errors=True)


def _discard(old: Path, new: Path, state: UnitState) -> None:
    """Delete the replaced tree, keeping foreign files that appeared while we built."""
    files, _, _ = _walk(old)
    for rel in files:
        if rel == INDEX or rel in state.files:
            continue
        target = new / rel
        if not os.path.lexists(target):
            with contextlib.suppress(OSError):
                target.parent.mkdir(parents=True, exist_ok=True)
                (old / rel).rename(target)
    # A leftover is deleted by the next build's recovery.
    shutil.rmtree(old, ignore_errors=True)


def recover(out: Path) -> None:
    """Finish or undo what a killed build left in ``out`` (see the module docstring)."""
    changed = False
    with os.scandir(out) as entries:
        found = [(e.name, Path(e.path)) for e in entries if e.is_dir(follow_symlinks=False)]
    for name, path in sorted(found):
        if name.startswith(TMP_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
            changed = True
        elif name.startswith(BAK_PREFIX):
            live = out / name[len(BAK_PREFIX) :]
            if os.path.lexists(live):
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.rename(live)
            changed = True
    if changed:
        _fsync_dir(out)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``folder`` (serialises builds into one output)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not a POSIX system
        yield
        return
    fd = os.open(folder, os.O_RDONLY | _O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --------------------------------------------------------------------------------------------
# --check


def check_plan(out: OutputDir, plan: OutputPlan) -> list[FileDiff]:
    """Every file of ``out`` that differs from ``plan``, with a unified diff; writes nothing.

    Files kconfig did not write are ignored, as is the version in the ownership index.
    """
    _check_paths(plan)
    with _os_errors(out, "read"):
        return _check(out, plan)


def _check(out: OutputDir, plan: OutputPlan) -> list[FileDiff]:
    diffs: list[FileDiff] = []
    units = _scope(out, plan)
    for unit, state in _states(out, plan, units).items():
        files = plan.unit_files(unit)
        top = out.path / unit
        for rel, data in files.items():
            old = _read_bytes(top / rel) if rel in state.files else None
            if old != data:
                diffs.append(_diff(out, f"{unit}/{rel}", old, data))
        for rel in sorted(state.owned.intersection(state.files) - files.keys()):
            diffs.append(_diff(out, f"{unit}/{rel}", _read_bytes(top / rel), None))
    return diffs


def _diff(out: OutputDir, path: str, old: bytes | None, new: bytes | None) -> FileDiff:
    shown = out.show(path)
    prefix = ("", "") if posixpath.isabs(shown) else ("a/", "b/")
    change: Change = "add" if old is None else "delete" if new is None else "modify"
    text = unified_diff(
        old,
        new,
        "/dev/null" if old is None else prefix[0] + shown,
        "/dev/null" if new is None else prefix[1] + shown,
    )
    return FileDiff(path, change, text)


def unified_diff(old: bytes | None, new: bytes | None, old_name: str, new_name: str) -> str:
    """A ``diff -u`` style text of two byte strings (``None``: the file does not exist)."""
    a = _lines(old)
    b = _lines(new)
    out: list[str] = []
    for line in difflib.unified_diff(a, b, old_name, new_name):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(data: bytes | None) -> Sequence[str]:
    if not data:
        return []
    return data.decode("utf-8", "replace").splitlines(keepends=True)
