"""Per-user data kept outside every project: ``$XDG_CACHE_HOME/kconfig`` (``~/.cache/kconfig``).

Three things live there, each derived from kconfig's installation or owned by the user, never
by a project (a project's files are as untrusted as its overlays, see SECURITY.md):

- ``secret``: the key that authenticates build-cache entries
  (:func:`kconfig.run.cache.machine_secret`);
- ``jinja-<version>/``: bytecode of kconfig's built-in templates, only when the compiled
  ones the package ships do not fit the installed Jinja2 (:mod:`kconfig.render.backends.jinja`);
- ``schemas-<digest>/``: self-contained Kubernetes schemas, one per kind, for the kinds and
  versions whose bundles the package does not ship (:mod:`kconfig.check.schemas`).

Like Python's ``.pyc`` files, everything here except the secret can be deleted at any time and
is rebuilt on the next run; a cache that cannot be written only makes kconfig slower. An
embedding tool turns the folder off with ``Project.load(path, user_cache=False)`` or
``KCONFIG_NO_USER_CACHE=1``: then nothing there is read or written (and, without its key,
the build cache is off).
(:func:`write_cached` also writes the project's build cache entries, the same way.)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

# Set (to anything but "" or "0") to keep kconfig from reading or writing the folder.
NO_USER_CACHE = "KCONFIG_NO_USER_CACHE"


def user_cache_wanted(explicit: bool | None = None) -> bool:
    """Whether kconfig may use the per-user folder: ``explicit`` when given (the Python
    API's ``user_cache=``), else unless ``$KCONFIG_NO_USER_CACHE`` says no."""
    if explicit is not None:
        return explicit
    return os.environ.get(NO_USER_CACHE, "") in ("", "0")


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kconfig``, or ``~/.cache/kconfig`` (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kconfig"


def read_cached(path: Path) -> bytes | None:
    """The bytes of a cache file, or None when it is absent or unreadable."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_cached(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all (a temporary file, then a rename); a failure
    is ignored: the cache is an optimisation, never a reason for a run to fail."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
