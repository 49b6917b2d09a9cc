"""The build cache: skip environments whose inputs did not change since the last build.

Stored under the project in ``.kconfig-cache/`` (git-ignored, safe to delete at any time).
Everything in it is keyed by content, never trusted across versions, and authenticated with
a per-user key kept outside the project (:func:`machine_secret`), so an entry committed by
a pull request is ignored, never used:

* a **package key**: kconfig's version, the bytes of its own code, templates and schemas, the
  installations of the libraries that shape the output (Jinja2, Jsonnet, PyYAML,
  jsonschema-rs, the schema data: each main file's size and time, so a reinstall counts);
  a different key is a different folder, so an upgrade starts empty;
* per environment, a **digest** of every input that can affect that environment's output:
  kconfig.yaml, the env.yaml files of its ``extends`` chain and their overlays, every file
  under ``bases/``, ``components/`` and ``lib/``, the ``crds:`` files, the values of the
  environment variables templates may read (``sandbox.allowEnv``) and the build options.
  The entry holds the environment's planned files (bytes) and the warnings its validation
  gave, so a cache hit reports the same warnings without rendering anything;
* per output folder, the **signature** (path, size, mtime) of the files written last, so a
  rebuild where neither inputs nor outputs changed does not even read the output back.

A template may read a project file outside those folders (a Jinja2 include or a Jsonnet
import of ``vendor/x.libsonnet``): such a file is not tracked, so ``--no-cache`` (or deleting
``.kconfig-cache/``) is needed after changing it. Writes are atomic (temp file + rename); a
damaged or foreign entry is ignored, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconfig._version import __version__
from kconfig.core.manifests import Manifest, manifest_data, manifest_from_data
from kconfig.errors import Diagnostic, OutputError, SourcePos
from kconfig.load.paths import (
    BASES,
    COMPONENTS,
    LIB,
    PROJECT_FILE,
    base_dir,
    env_file,
    overlay_dir,
    overlay_file,
)
from kconfig.load.usercache import user_cache_dir

if TYPE_CHECKING:
    from kconfig.load.sources import Sources
    from kconfig.render.pipeline import RenderOptions

CACHE_DIR = ".kconfig-cache"
GITIGNORE = ".gitignore"
SUBFOLDERS = ("envs", "apps", "inputs", "out")
# The largest entry read back: one environment's planned files (the 500-app bench fleet's
# biggest is ~6 MB). Anything larger is not ours (an entry linked to /dev/zero is refused
# before this, as not a regular file).
MAX_ENTRY = 256 * 1024 * 1024
LINK_REFUSED = "is a symbolic link; kconfig does not write through links (into its build cache)"
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
TRACKED = (BASES, COMPONENTS, LIB)
# The libraries whose code or data shapes the output, by importable name.
_OUTPUT_LIBRARIES = (
    "jinja2",
    "_jsonnet",
    "rjsonnet",  # renders the Jsonnet built-ins when installed
    "yaml",
    "jsonschema_rs",
    "kubernetes_validate",
)


# A file whose last change (mtime or ctime) is this close to the start of the run, or
# later, is "racily clean" (git's term): a later write within the same timestamp tick would
# leave its signature unchanged, so its row is not kept and it is hashed again next time.
# Two seconds covers coarse file-system clocks (FAT's 2 s, a jiffy elsewhere).
RACY_NS = 2_000_000_000
_SIGNATURES = "_files.json"  # under inputs/ (an environment name cannot start with "_")
_REHASH_WORTH_SAVING = 64


class FileDigests:
    """Content digests of input files, each read once per process, and, across runs, not
    at all while its signature (size, mtime, ctime, inode) is the one recorded with its
    digest: 4,000 reads and hashes become 4,000 ``stat`` calls.

    Only an unchanged signature is trusted; any other is read and hashed. A row is
    recorded only for a file last changed :data:`RACY_NS` before this run started, as git
    treats an index entry whose mtime is not older than the index itself: a file written
    again within the same clock tick as the content hashed would keep its signature.
    """

    def __init__(self, root: Path | None = None, known: Mapping[str, Any] | None = None) -> None:
        self.prefix = len(str(root)) + 1 if root is not None else 0
        self.memo: dict[Path, bytes | None] = {}
        self.known: Mapping[str, Any] = known or {}
        self.rows: dict[str, list[Any]] = {}  # seen this run and trusted next time
        self.started = time.time_ns()
        self.hashed = 0  # files read this run (no trusted row)
        self.dropped = False  # a known file is gone

    @property
    def worth_saving(self) -> bool:
        """Whether recording this run's rows pays: rewriting the table costs about what
        hashing a few dozen files does, so a run that hashed a handful (the file the
        pre-commit hook was run for) leaves the table as it is."""
        return self.dropped or self.hashed >= _REHASH_WORTH_SAVING

    def of(self, path: Path) -> bytes | None:
        """The digest of ``path``'s content (None when it cannot be read)."""
        if path in self.memo:
            return self.memo[path]
        text = str(path)
        name = text[self.prefix :] if self.prefix else text
        try:
            st = path.stat()
        except OSError:
            self.memo[path] = None
            self.dropped |= name in self.known
            return None
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        row = self.known.get(name)
        found: bytes | None = None
        if isinstance(row, list) and row[:4] == sig and isinstance(row[4], str):
            with contextlib.suppress(ValueError):
                found = bytes.fromhex(row[4])
        if found is None and stat.S_ISREG(st.st_mode):
            # Only a regular file is read (a FIFO named in `crds:` would block the run; it
            # counts as unreadable). Stat first, then read: a write in between changes the
            # next stat.
            try:
                found = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
            except OSError:
                found = None
            self.hashed += 1
        if found is not None and max(sig[1], sig[2]) < self.started - RACY_NS:
            self.rows[name] = [*sig, found.hex()]
        self.memo[path] = found
        return found

    def table(self, listings: Mapping[Path, list[Path]]) -> dict[str, list[Any]]:
        """The rows to keep: this run's, and those of files it did not look at, except a
        file gone from a folder this run listed (deleted or renamed)."""
        seen = {str(p)[self.prefix :] for p in self.memo}
        listed = {str(p)[self.prefix :] for files in listings.values() for p in files}
        walked = {str(folder)[self.prefix :] for folder in listings}
        rows = dict(self.rows)
        for name, row in self.known.items():
            if name in seen or (name.rpartition("/")[0] in walked and name not in listed):
                continue
            rows[name] = row
        return rows


def _hash_files(
    paths: Iterable[Path],
    root: Path,
    digests: FileDigests | None = None,
    *,
    skip_missing: bool = False,
) -> str:
    """One digest over the names and contents of ``paths``; a file that cannot be read counts
    as such, or, with ``skip_missing``, not at all (an app without an overlay)."""
    digests = FileDigests() if digests is None else digests
    digest = hashlib.blake2b(digest_size=20)
    prefix = len(str(root)) + 1
    # Ordered and named by plain strings: Path comparisons and relative_to() cost more than
    # the hashing at thousands of files.
    for text, path in sorted((str(p), p) for p in paths):
        part = digests.of(path)
        if part is None and skip_missing:
            continue
        digest.update(text[prefix:].replace(os.sep, "/").encode() + b"\0")
        digest.update(b"<unreadable>" if part is None else part)
    return digest.hexdigest()


def _files_under(folder: Path, memo: dict[Path, list[Path]] | None = None) -> list[Path]:
    """Files below ``folder`` (hidden folders and ``__pycache__`` left out). With ``memo``,
    the listing of every folder walked on the way is kept too: one walk of ``bases/`` then
    answers each app's folder."""
    memo = {} if memo is None else memo
    found = memo.get(folder)
    if found is not None:
        return found
    walked: dict[Path, list[Path]] = {folder: []}
    if folder.is_dir():
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            here = Path(dirpath)
            files = [here / name for name in filenames]
            node = here
            while True:  # a file is under its folder and every folder above, up to ``folder``
                walked.setdefault(node, []).extend(files)
                if node == folder:
                    break
                node = node.parent
    for path, files in walked.items():
        memo.setdefault(path, files)
    return walked[folder]


def package_key() -> str:
    """What of kconfig and its libraries shapes the output: a new key means a new cache."""
    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{__version__}\0{sys.version_info[:2]}".encode())
    for name in _OUTPUT_LIBRARIES:
        digest.update(f"{name}={_installed(name)}\0".encode())
    # kconfig's own code, templates and schemas: a development install changes them
    # without a new version number.
    own = [
        p
        for p in _files_under(here)
        if p.suffix in (".py", ".j2", ".jsonnet", ".libsonnet", ".json")
    ]
    digest.update(_hash_files(own, here).encode())
    return digest.hexdigest()


def _installed(module: str) -> str:
    """Which installation of ``module`` this is: its file's size and modification time.

    Stricter than the version number (a reinstall counts as new) and found without importing
    the library or ``importlib.metadata`` (~15 ms, most of a no-change build's budget).
    """
    try:
        spec = importlib.util.find_spec(module)
        st = Path(spec.origin).stat() if spec is not None and spec.origin else None
    except (ImportError, ValueError, OSError):
        st = None
    return "none" if st is None else f"{st.st_size}:{st.st_mtime_ns}"


@dataclass(frozen=True, slots=True)
class EnvEntry:
    """A cached environment: its planned files and the warnings validation gave."""

    files: dict[str, bytes]
    warnings: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class OutputState:
    """``unchanged``: the output folder is exactly what the build with this key wrote;
    ``untouched``: unit folders exactly as the last build left them."""

    unchanged: bool
    untouched: frozenset[str]
    signatures: Mapping[str, list[list[Any]]] = field(default_factory=dict)  # per unit, as scanned


class BuildCache:
    """The cache of one project. Construct with :meth:`open`; every method is best-effort."""

    def __init__(self, sources: Sources, folder: Path, secret: bytes) -> None:
        self.sources = sources
        self.folder = folder
        self.secret = secret
        self._shared: str | None = None
        # Per process, and inherited by forked workers: folder listings, and file digests
        # (trusting the signatures the last run recorded: FileDigests).
        self.listings: dict[Path, list[Path]] = {}
        self._digests: FileDigests | None = None
        # Writes wait until the build has succeeded: a failed or --check run leaves the
        # project untouched. (Forked workers hand theirs back to the parent.)
        # Held as signed bytes: a forked worker encodes its own entries (in parallel) and
        # hands back bytes, which pickle far faster than the manifests they hold.
        self.pending: list[tuple[Path, bytes]] = []

    def stage(self, path: Path, payload: Any) -> None:
        self.pending.append((path, _signed(payload, self.secret)))

    @property
    def digests(self) -> FileDigests:
        if self._digests is None:
            known = self.read(self._signatures_path())
            root = self.sources.root
            self._digests = FileDigests(root, known if isinstance(known, dict) else None)
        return self._digests

    def _signatures_path(self) -> Path:
        return self.folder / "inputs" / _SIGNATURES

    def flush(self) -> None:
        digests = self._digests
        if digests is not None and digests.worth_saving:
            self.stage(self._signatures_path(), digests.table(self.listings))
            digests.hashed, digests.dropped = 0, False
        for path, data in self.pending:
            _write_bytes(self.sources.root, path, data)
        self.pending.clear()

    def read(self, path: Path) -> Any:
        return _read_json(self.sources.root, path, self.secret)

    @classmethod
    def open(cls, sources: Sources) -> BuildCache | None:
        """The project's cache, or None when no secret key can be had (then: no cache):
        also when the per-user cache folder, where the key lives, is off."""
        secret = machine_secret() if sources.user_cache else None
        if secret is None:
            return None
        key = package_key()
        refuse_links(sources.root, key)
        return cls(sources, sources.root / CACHE_DIR / key, secret)

    # -- digests -----------------------------------------------------------------------
    def _shared_digest(self) -> str:
        """Inputs every environment shares: kconfig.yaml, bases/, components/, lib/, crds."""
        if self._shared is None:
            root = self.sources.root
            paths = [root / PROJECT_FILE]
            for folder in TRACKED:
                paths += _files_under(root / folder, self.listings)
            paths += [root / crd for crd in self.sources.config.crds]
            self._shared = _hash_files(paths, root, self.digests)
        return self._shared

    def env_digest(self, env: str, options: Mapping[str, Any]) -> str:
        """Everything that can change ``env``'s output, hashed."""
        root = self.sources.root
        chain = self.sources.env(env).chain
        overlays = [
            p for name in chain for p in _files_under(root / overlay_dir(name), self.listings)
        ]
        allowed = {name: os.environ.get(name) for name in self.sources.config.allow_env}
        digest = hashlib.blake2b(digest_size=20)
        for part in (
            self._shared_digest(),
            _hash_files(overlays, root, self.digests),
            json.dumps(
                [env, list(chain), allowed, dict(options), self.sources.config.kubernetes_version],
                sort_keys=True,
            ),
        ):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    # -- environments --------------------------------------------------------------------
    def _env_path(self, env: str) -> Path:
        return self.folder / "envs" / f"{env}.json"

    def load_env(self, env: str, digest: str) -> EnvEntry | None:
        data = self.read(self._env_path(env))
        if not isinstance(data, dict) or data.get("digest") != digest:
            return None
        try:
            files = {path: text.encode() for path, text in data["files"].items()}
            warnings = tuple(_diagnostic(d) for d in data["warnings"])
        except (KeyError, TypeError, AttributeError, ValueError):
            return None
        return EnvEntry(files, warnings)

    def store_env(
        self, env: str, digest: str, files: Mapping[str, bytes], warnings: Sequence[Diagnostic]
    ) -> None:
        payload = {
            "digest": digest,
            "files": {path: data.decode() for path, data in files.items()},
            "warnings": [d.to_dict() for d in warnings],
        }
        self.stage(self._env_path(env), payload)

    # -- output signatures ---------------------------------------------------------------
    def _out_path(self, out: Path) -> Path:
        name = hashlib.blake2b(str(out).encode(), digest_size=10).hexdigest()
        return self.folder / "out" / f"{name}.json"

    def output_state(self, out: Path, key: str) -> OutputState:
        """How ``out`` compares with what the last build (or the one with ``key``) left:
        one read of the record and one scan of the folder."""
        data = self.read(self._out_path(out))
        known = data.get("units") if isinstance(data, dict) else None
        if not isinstance(known, dict):
            return OutputState(False, frozenset())
        now = _unit_signatures(out)
        untouched = frozenset(unit for unit, rows in known.items() if now.get(unit) == rows)
        return OutputState(data.get("key") == key and known == now, untouched, now)

    def remember_output(
        self, out: Path, key: str, state: OutputState | None, unchanged: Iterable[str] = ()
    ) -> None:
        """Record ``out`` as this build leaves it; the ``unchanged`` units, which the build
        did not touch, keep the signature ``state`` scanned at its start."""
        known = state.signatures if state is not None else {}
        reuse = {unit: known[unit] for unit in unchanged if unit in known}
        payload = {"key": key, "units": _unit_signatures(out, reuse)}
        _write_bytes(self.sources.root, self._out_path(out), _signed(payload, self.secret))


def _unit_signatures(
    out: Path, known: Mapping[str, list[list[Any]]] | None = None
) -> dict[str, list[list[Any]]]:
    """The signature of each top-level folder (unit) of ``out``; those in ``known`` are
    taken from there instead of scanned again."""
    units: dict[str, list[list[Any]]] = {}
    try:
        entries = [e for e in os.scandir(out) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return units
    for entry in entries:
        if entry.name.startswith("."):
            continue
        found = known.get(entry.name) if known else None
        units[entry.name] = found if found is not None else output_signature(Path(entry.path))
    return units


def output_signature(out: Path) -> list[list[Any]]:
    """(path, size, mtime_ns) of every file under ``out``: cheap, and changes on any edit."""
    rows: list[list[Any]] = []
    if out.is_dir():
        _scan(str(out), "", rows)
    return rows


def _scan(folder: str, prefix: str, rows: list[list[Any]]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            _scan(entry.path, rel + "/", rows)
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        rows.append([rel, st.st_size, st.st_mtime_ns])


def _diagnostic(raw: Mapping[str, Any]) -> Diagnostic:
    pos = SourcePos(raw["file"], raw["line"] or 0, raw["col"] or 0) if raw["file"] else None
    return Diagnostic(raw["message"], pos, raw["severity"], raw["id"])


def refuse_links(root: Path, key: str) -> None:
    """A committed ``.kconfig-cache`` link, or a link where the cache keeps a file or folder
    (a dangling ``.kconfig-cache/.gitignore -> /any/path``), is an error naming the link,
    before anything is built (issue 18): the cache is written below the project only.
    The reads and writes themselves never follow a link either (:func:`_open_dir`)."""
    top = root / CACHE_DIR
    for path in (
        top,
        top / GITIGNORE,
        top / key,
        *(top / key / name for name in SUBFOLDERS),
    ):
        try:
            info = path.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(info.st_mode):
            where = path.relative_to(root).as_posix()
            raise OutputError(LINK_REFUSED, SourcePos(where), code="KC055")


def _open_dir(root: Path, parts: Sequence[str], create: bool) -> int | None:
    """A descriptor of the folder ``root/parts...``, each step opened relative to the one
    before and without following a link (``openat`` + ``O_NOFOLLOW``); None when a step is
    absent (and not ``create``), a link or not a folder."""
    flags = os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC
    try:
        fd = os.open(root, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        return None
    for part in parts:
        try:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            nxt = os.open(part, flags, dir_fd=fd)
        except OSError:
            os.close(fd)
            return None
        os.close(fd)
        fd = nxt
    return fd


def _parts(root: Path, path: Path) -> list[str]:
    return list(path.relative_to(root).parts)


def _read_entry(root: Path, path: Path) -> bytes | None:
    """A cache file's bytes: a regular file (never a link, a FIFO or a device) of at most
    :data:`MAX_ENTRY` bytes, reached without following links; else None."""
    parts = _parts(root, path)
    fd = _open_dir(root, parts[:-1], create=False)
    if fd is None:
        return None
    try:
        file_fd = os.open(
            parts[-1], os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | _O_NONBLOCK, dir_fd=fd
        )
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        info = os.fstat(file_fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY:
            return None
        chunks = []
        left = info.st_size + 1  # a file that grows while read is cut, then fails its MAC
        while left > 0 and (chunk := os.read(file_fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(file_fd)


def _read_json(root: Path, path: Path, secret: bytes) -> Any:
    """The payload of a cache file, or None unless its MAC proves this machine wrote it."""
    data = _read_entry(root, path)
    if data is None:
        return None
    mac, _, body = data.partition(b"\n")
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(mac, expected):
        return None  # written elsewhere (committed by a pull request?) or damaged: ignore
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _signed(payload: Any, secret: bytes) -> bytes:
    """A cache entry as stored: the HMAC of the JSON body, a newline, the body."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return hmac.new(secret, body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def _write_bytes(root: Path, path: Path, data: bytes) -> None:
    """Atomic and best-effort: a cache that cannot be written is only a slower build.

    Every folder is opened relative to the one before without following links, the file
    is written beside its name (``O_EXCL | O_NOFOLLOW``) and renamed over it: a link
    committed anywhere on the way is never followed (it makes the write fail, quietly).
    ``.kconfig-cache/`` ignores itself (a ``.gitignore`` of ``*``, as pytest's cache does),
    so it never shows up in ``git status``.
    """
    parts = _parts(root, path)
    top = _open_dir(root, parts[:1], create=True)
    if top is None:
        return
    try:
        _create(top, GITIGNORE, b"# created by kconfig: the build cache, safe to delete\n*\n")
    finally:
        os.close(top)
    fd = _open_dir(root, parts[:-1], create=True)
    if fd is None:
        return
    tmp = f".{parts[-1]}.{os.getpid()}.tmp"
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=fd)
        if _create(fd, tmp, data):
            os.rename(tmp, parts[-1], src_dir_fd=fd, dst_dir_fd=fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=fd)
    finally:
        os.close(fd)


def _create(dir_fd: int, name: str, data: bytes) -> bool:
    """A new file ``name`` in ``dir_fd`` holding ``data``; False when it exists (a link
    included, dangling or not: ``O_EXCL`` never follows one) or cannot be made."""
    try:
        fd = os.open(
            name,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC,
            0o666,
            dir_fd=dir_fd,
        )
    except OSError:
        return False
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return True


def machine_secret() -> bytes | None:
    """The key that authenticates cache entries, kept outside every project.

    Anything inside the project is as untrusted as an overlay: a pull request could commit a
    ``.kconfig-cache/`` entry matching the digest of its own sources and have unvalidated
    output written. Entries carry an HMAC under this per-user key
    (``$XDG_CACHE_HOME/kconfig/secret``, created once, mode 0600), so only entries written on
    this machine are ever used.
    """
    path = user_cache_dir() / "secret"
    try:
        return path.read_bytes() or None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        return path.read_bytes()
    except FileExistsError:  # another build created it meanwhile
        return path.read_bytes() or None
    except OSError:
        return None


# The app cache of an environment is kept in this many files (an app's is fixed by a hash
# of its name): a one-app change reads and re-signs a few dozen apps' entries, not all of
# them (~2.5 KB per app of the bench fleet, 5 MB at 2,000 apps), without a file per app.
SHARDS = 64


class AppCache:
    """Rendered manifests of each app of one environment, keyed by that app's inputs.

    An app's manifests depend only on its own files (``bases/<app>/``, its overlays along the
    ``extends`` chain), the environment's env.yaml chain, kconfig.yaml, ``components/`` and
    ``lib/``, plus the render options: that is its key. A one-tag change in one overlay thus
    re-renders one app. Each entry also keeps the app's output verdict (its schema problems
    and the findings of the ``app``-scoped checks), so validation checks only the changed
    apps against their schemas and per-app rules; the cross-app checks still see every
    manifest of the environment.
    """

    def __init__(self, cache: BuildCache, env: str, options: Mapping[str, Any]) -> None:
        sources = cache.sources
        root = sources.root
        self.cache = cache
        self.env = env
        self.chain = sources.env(env).chain
        shared = [root / PROJECT_FILE]
        shared += [root / env_file(name) for name in self.chain]
        for folder in TRACKED[1:]:  # components, lib
            shared += _files_under(root / folder, cache.listings)
        # One walk of bases/ answers every app's folder in key() (not one walk per app).
        _files_under(root / BASES, cache.listings)
        allowed = {name: os.environ.get(name) for name in sources.config.allow_env}
        # The version templates see may differ from kconfig.yaml's (Project.load's
        # kubernetes_version, the Argo CD plugin's cluster version).
        version = sources.config.kubernetes_version
        self.base = hashlib.blake2b(
            (
                _hash_files(shared, root, cache.digests)
                + json.dumps([allowed, dict(options), version], sort_keys=True)
            ).encode(),
            digest_size=20,
        ).hexdigest()
        # What else an app's output verdict depends on: the CRDs that validate its custom
        # resources (their list and kubernetesVersion are in kconfig.yaml, in ``base``).
        crds = [root / crd for crd in sources.config.crds]
        self.verdict_base = self.base + _hash_files(crds, root, cache.digests)
        self.folder = cache.folder / "apps" / env
        self.shards: dict[int, dict[str, Any]] = {}  # read on first use
        self.dirty: set[int] = set()
        self.hits: dict[str, str] = {}  # app -> key, of the apps this run took from here

    def key(self, app: str) -> str:
        root = self.cache.sources.root
        paths = list(_files_under(root / base_dir(app), self.cache.listings))
        paths += [root / overlay_file(name, app) for name in self.chain]
        own = _hash_files(paths, root, self.cache.digests, skip_missing=True)
        return hashlib.blake2b((self.base + own).encode(), digest_size=20).hexdigest()

    def _shard(self, app: str) -> tuple[int, dict[str, Any]]:
        """(number, entries) of the shard that holds ``app``."""
        digest = hashlib.blake2b(app.encode(), digest_size=4).digest()
        number = int.from_bytes(digest, "big") % SHARDS
        entries = self.shards.get(number)
        if entries is None:
            loaded = self.cache.read(self.folder / f"{number:02x}.json")
            entries = self.shards[number] = loaded if isinstance(loaded, dict) else {}
        return number, entries

    def _entry(self, app: str) -> dict[str, Any] | None:
        entry = self._shard(app)[1].get(app)
        return entry if isinstance(entry, dict) else None

    def get(self, app: str, key: str) -> list[Any] | None:
        """The cached manifests (as :meth:`Manifest` data) of ``app`` under ``key``."""
        entry = self._entry(app)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        manifests = entry.get("manifests")
        return manifests if isinstance(manifests, list) else None

    def put(self, app: str, key: str, manifests: list[Any]) -> None:
        number, entries = self._shard(app)
        entries[app] = {"key": key, "manifests": manifests}
        self.dirty.add(number)

    # -- output verdicts (kconfig.check.validate.CachedOutputs) -------------------------
    def _verdict_key(self, app: str, strict: bool) -> str | None:
        key = self.hits.get(app) or (self._entry(app) or {}).get("key")
        if not isinstance(key, str):
            return None
        raw = f"{self.verdict_base}\0{key}\0{strict}".encode()
        return hashlib.blake2b(raw, digest_size=20).hexdigest()

    def outputs(self, app: str, strict: bool) -> list[Diagnostic] | None:
        """The app's cached per-app output problems, when its manifests came from here this
        run (an app rendered now is checked now) and were checked under the same key."""
        if app not in self.hits:
            return None
        verdict = (self._entry(app) or {}).get("verdict")
        if not isinstance(verdict, dict) or verdict.get("key") != self._verdict_key(app, strict):
            return None
        try:
            return [_diagnostic(d) for d in verdict["diagnostics"]]
        except (KeyError, TypeError, AttributeError, ValueError):
            return None

    def remember_outputs(self, app: str, strict: bool, diags: Sequence[Diagnostic]) -> None:
        entry = self._entry(app)
        key = self._verdict_key(app, strict)
        if entry is None or key is None:
            return
        verdict = {"key": key, "diagnostics": [d.to_dict() for d in diags]}
        if entry.get("verdict") != verdict:
            entry["verdict"] = verdict
            self.dirty.add(self._shard(app)[0])

    def save(self) -> None:
        """Stage the shards that changed: a one-app change rewrites one shard."""
        for number in sorted(self.dirty):
            self.cache.stage(self.folder / f"{number:02x}.json", self.shards[number])
        self.dirty.clear()

    def render(self, sources: Sources, env: str, options: RenderOptions) -> list[Manifest]:
        """The pipeline's render of ``env``, wrapped: apps whose key is cached come from the
        cache, the others are rendered (and cached when the whole environment rendered)."""
        from kconfig.render.pipeline import EnvRender

        job = EnvRender(sources, env, options)
        keys = {app: self.key(app) for app in job.apps}
        hits: list[Manifest] = []
        misses: list[str] = []
        for app in job.apps:
            hit = self.get(app, keys[app])
            if hit is None:
                misses.append(app)
            else:
                self.hits[app] = keys[app]
                hits.extend(manifest_from_data(item) for item in hit)
        env_wide, rendered = job.render(misses)
        for app, manifests in rendered.items():
            self.put(app, keys[app], [manifest_data(m) for m in manifests])
        # Saved by the caller once validation has added its verdicts (:meth:`save`).
        return job.finish([*env_wide, *hits, *(m for ms in rendered.values() for m in ms)])


class InputCache:
    """Input files of one environment known (by role and content) to validate cleanly."""

    def __init__(self, cache: BuildCache, env: str) -> None:
        self.cache = cache
        self.root = cache.sources.root
        self.path = cache.folder / "inputs" / f"{env}.json"
        loaded = cache.read(self.path)
        self.known: set[str] = set(loaded) if isinstance(loaded, list) else set()
        self.added = False

    def _key(self, rel: str, role: str) -> str | None:
        digest = self.cache.digests.of(self.root / rel)
        return None if digest is None else f"{role}:{rel}:{digest.hex()}"

    def is_clean(self, rel: str, role: str) -> bool:
        key = self._key(rel, role)
        return key is not None and key in self.known

    def mark(self, rel: str, role: str) -> None:
        key = self._key(rel, role)
        if key is not None and key not in self.known:
            self.known.add(key)
            self.added = True

    def save(self) -> None:
        if self.added:
            self.cache.stage(self.path, sorted(self.known))
            self.added = False
