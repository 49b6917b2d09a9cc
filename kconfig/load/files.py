"""Reading project files: once each, confined to the project root, with positions.

Every read goes through :class:`Files`: a path is resolved (symlinks followed) and must stay
inside the root, so a symlink cannot lead a read outside the project; each file is parsed
once per instance by the reader (:mod:`kconfig.load.reader`) and kept with its positions.
"""

from __future__ import annotations

import os
from pathlib import Path

from kconfig.core.marked import MarkedMap
from kconfig.errors import LoadError, SourcePos
from kconfig.load.reader import ReadLimits, load_mapping


class Files:
    """Reads project files once, confined to the root, with positions.

    Folder listings and resolved folder paths are cached per instance: at hundreds of apps,
    ``Path.exists``/``resolve`` per file would cost more than parsing the files (so this
    class uses ``os.path`` on purpose).
    """

    def __init__(self, root: Path, limits: ReadLimits | None = None) -> None:
        self.root = root
        self._real_root = os.path.realpath(root)
        self.limits = limits or ReadLimits()
        self._cache: dict[str, MarkedMap] = {}
        self._listings: dict[str, frozenset[str]] = {}
        self._real_dirs: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        return self.root / rel

    def _listing(self, folder: str) -> frozenset[str]:
        names = self._listings.get(folder)
        if names is None:
            try:
                self.listable(folder)
                names = frozenset(os.listdir(os.path.join(self.root, folder)))  # noqa: PTH208, PTH118
            except OSError:
                names = frozenset()
            self._listings[folder] = names
        return names

    def _within(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def inside(self, rel: str) -> bool:
        """Whether ``rel`` resolves (symlinks followed) to a place inside the root."""
        folder, _, name = rel.rpartition("/")
        real_dir = self._real_dirs.get(folder)
        if real_dir is None:
            real_dir = os.path.realpath(os.path.join(self.root, folder))  # noqa: PTH118
            self._real_dirs[folder] = real_dir
        full = os.path.join(real_dir, name)  # noqa: PTH118
        if os.path.islink(full):  # noqa: PTH114
            full = os.path.realpath(full)
        return self._within(full)

    def listable(self, rel: str) -> None:
        """Refuse to list the folder ``rel`` when it resolves outside the root: a committed
        ``bases -> /elsewhere`` must not have the outside folder read, even for its names
        (issue 18)."""
        real = os.path.realpath(os.path.join(self.root, rel))  # noqa: PTH118
        if not self._within(real):
            raise LoadError(
                "refusing to list a folder outside the project (symlink?)", SourcePos(rel)
            )

    def exists(self, rel: str) -> bool:
        folder, _, name = rel.rpartition("/")
        return name in self._listing(folder)

    def mapping(self, rel: str) -> MarkedMap:
        cached = self._cache.get(rel)
        if cached is not None:
            return cached
        if not self.inside(rel):
            raise LoadError(
                "refusing to read a file outside the project (symlink?)", SourcePos(rel, 1, 1)
            )
        doc = load_mapping(self.path(rel), rel, self.limits)
        self._cache[rel] = doc
        return doc

    def fresh(self) -> Files:
        """A reader of the same tree that has read nothing yet (after an edit)."""
        return Files(self.root, self.limits)
