"""The Jsonnet backend: the C++ Jsonnet VM (``_jsonnet``), confined to the project.

How values reach a template: the render context (exactly the JSON data the Jinja2 templates
get) is passed as the top-level argument ``ctx``, so a template is ``function(ctx) ...``.
External variables carry nothing but the environment variables kconfig.yaml lists in
``sandbox.allowEnv`` (``std.extVar('NAME')``); no other environment variable is readable.

Imports (``import``, ``importstr``, ``importbin``) go through :class:`_Importer`, which
resolves a path relative to the importing file, then the project root, then kconfig's
library folder (``kconfig/templates/jsonnet``: ``import 'kconfig.libsonnet'``). Absolute
paths, ``..`` leading out of those folders and symlinks resolving outside them are refused;
the VM reports the refusal at the import in the template file.

Errors of the VM (``RUNTIME ERROR: msg`` followed by a stack trace, or ``STATIC ERROR:
file:line:col: msg``) become a :class:`RenderError` at ``path:line:col`` of the .jsonnet file:
the innermost frame in the user's project (else in kconfig's library), paths made
project-relative and kconfig's own files named ``kconfig:templates/jsonnet/...``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kconfig.backends import (
    BUILTIN_PREFIX,
    BackendSettings,
    Template,
    builtin_dir,
    parse_documents,
)
from kconfig.errors import RenderError, SourcePos

_MAX_TRACE = 20

# One frame of a runtime trace: "\tpath:L:C-C2\tframe", "\tpath:L:C\t..." or
# "\tpath:(L1:C1)-(L2:C2)\t...".
_FRAME = re.compile(r"^\t(?P<path>.+?):(?:\((?P<l2>\d+):(?P<c2>\d+)\)-\(\d+:\d+\)|"
                    r"(?P<l>\d+):(?P<c>\d+)(?:-\d+)?)(?:\t|$)")
_STATIC = re.compile(r"^STATIC ERROR: (?P<path>.+?):(?:\((?P<l2>\d+):(?P<c2>\d+)\)-\(\d+:\d+\)|"
                     r"(?P<l>\d+):(?P<c>\d+)(?:-\d+)?): (?P<msg>.*)$", re.DOTALL)


class ImportRefused(Exception):
    """Raised inside the import callback; the VM turns it into a located runtime error."""


@dataclass(frozen=True, slots=True)
class _Area:
    """A folder imports may read from: ``base`` as given, ``real`` with symlinks resolved,
    and ``shown`` the prefix messages use for its files."""

    base: Path
    real: Path
    shown: str


class _Importer:
    """The import callback: confined to the project root and kconfig's library folder.

    File contents are kept for the backend's lifetime (one render run), so kconfig.libsonnet
    and shared user libraries are read once, not once per template and app.
    """

    def __init__(self, root: Path, library_dirs: tuple[Path, ...]) -> None:
        lib = builtin_dir("jsonnet")
        self.project = _Area(root.absolute(), root.resolve(), "")
        self.libraries = tuple(
            _Area(d.absolute(), d.resolve(), f"{BUILTIN_PREFIX}templates/jsonnet/" if d == lib
                  else str(d.absolute()) + os.sep)
            for d in (*library_dirs, lib)
        )
        self._cache: dict[str, bytes] = {}

    @property
    def areas(self) -> tuple[_Area, ...]:
        return (self.project, *self.libraries)

    def __call__(self, importer_dir: str, rel: str) -> tuple[str, bytes]:
        if not rel:
            raise ImportRefused("empty import path")
        if os.path.isabs(rel) or rel.startswith("~"):
            raise ImportRefused(
                "absolute paths are refused: imports must stay inside the project "
                "(or name kconfig's library, e.g. 'kconfig.libsonnet')"
            )
        for folder in self._search(importer_dir):
            found = self._candidate(folder, rel)
            if found is not None:
                return found
        raise ImportRefused("no such file in the importing folder, the project root or "
                            "kconfig's library")

    def _search(self, importer_dir: str) -> list[Path]:
        first = Path(importer_dir) if importer_dir else self.project.base
        folders = [first, self.project.base, *(a.base for a in self.libraries)]
        return list(dict.fromkeys(folders))

    def _candidate(self, folder: Path, rel: str) -> tuple[str, bytes] | None:
        path = Path(os.path.normpath(folder / rel))
        area = self._area_of(path)
        if area is None:
            raise ImportRefused("'..' leads outside the project: imports must stay inside it")
        cached = self._cache.get(str(path))
        if cached is not None:
            return str(path), cached
        if not path.exists():
            return None
        real = path.resolve()
        if not any(real.is_relative_to(a.real) for a in self.areas):
            raise ImportRefused("the file is a symlink to a place outside the project")
        if not real.is_file():
            return None
        data = real.read_bytes()
        self._cache[str(path)] = data
        return str(path), data

    def _area_of(self, path: Path) -> _Area | None:
        for area in self.areas:
            if path.is_relative_to(area.base):
                return area
        return None

    def shown(self, path: str) -> str:
        """``path`` as messages show it: project-relative, or ``kconfig:templates/...``."""
        candidate = Path(path)
        if not candidate.is_absolute():
            return path
        for area in (*self.libraries, self.project):
            if candidate.is_relative_to(area.base):
                rel = candidate.relative_to(area.base).as_posix()
                return f"{area.shown}{rel}"
        return path


class JsonnetBackend:
    """Renders ``*.jsonnet`` templates: ``function(ctx)`` -> an object, a list, or null."""

    name = "jsonnet"

    def __init__(self, settings: BackendSettings) -> None:
        import _jsonnet

        self.settings = settings
        self._vm = _jsonnet
        self.importer = _Importer(settings.root, settings.library_dirs)
        # Only what the project file allows; a name that is not set stays undefined, so
        # std.extVar reports it instead of reading an empty string.
        self.ext_vars = {
            name: os.environ[name] for name in settings.allow_env if name in os.environ
        }
        self._last: tuple[Mapping[str, Any], str] | None = None

    def _ctx_json(self, context: Mapping[str, Any]) -> str:
        # Every template of one app gets the same context object: encode it once.
        last = self._last
        if last is not None and last[0] is context:
            return last[1]
        text = json.dumps(context, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        self._last = (context, text)
        return text

    def _path(self, template: Template) -> str:
        path = template.path
        if template.builtin:
            return os.path.normpath(path.absolute())
        if not path.is_absolute():
            path = self.settings.root / path
        real = path.resolve()
        if not real.is_relative_to(self.importer.project.real) or not real.is_file():
            raise RenderError("template file is not a file inside the project (symlink?)",
                              SourcePos(template.name), code="KC034")
        return os.path.normpath(path.absolute())

    def render(self, template: Template, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        path = self._path(template)
        try:
            ctx = self._ctx_json(context)
        except (TypeError, ValueError) as err:
            raise RenderError(f"values cannot be passed to Jsonnet as JSON: {err}",
                              SourcePos(template.name, 1, 1), code="KC036") from err
        try:
            text: str = self._vm.evaluate_file(
                path,
                tla_codes={"ctx": ctx},
                ext_vars=self.ext_vars,
                import_callback=self.importer,
                max_stack=self.settings.max_stack,
                max_trace=_MAX_TRACE,
            )
        except RuntimeError as err:
            raise self.error(str(err), template) from err
        return parse_documents(text, template)

    def error(self, text: str, template: Template) -> RenderError:
        """The VM's error text as a RenderError at the template's (or library's) line."""
        static = _STATIC.match(text.strip())
        if static:
            pos = self._pos(static)
            return RenderError(f"Jsonnet syntax error: {static['msg'].strip()}", pos,
                               code="KC031")
        message, _, trace = text.partition("\n")
        message = message.removeprefix("RUNTIME ERROR: ").strip()
        pos, inner = self._frame(trace, template)
        if inner is not None and inner != pos:
            message += f" (in {inner})"
        return RenderError(_describe(message), pos, code=_code(message))

    def _frame(self, trace: str, template: Template) -> tuple[SourcePos, SourcePos | None]:
        """The frame to report (innermost in the project, else innermost anywhere) and the
        innermost frame itself."""
        frames = [self._pos(m) for m in map(_FRAME.match, trace.split("\n")) if m]
        frames = [f for f in frames if not f.path.startswith(("<", "std.jsonnet"))]
        if not frames:
            return SourcePos(template.name, 1, 1), None
        own = [f for f in frames if not f.path.startswith(("/", BUILTIN_PREFIX))]
        return (own or frames)[0], frames[0]

    def _pos(self, match: re.Match[str]) -> SourcePos:
        line = match["l"] or match["l2"]
        col = match["c"] or match["c2"]
        return SourcePos(self.importer.shown(match["path"]), int(line), int(col))


def _code(message: str) -> str:
    if message.startswith("field does not exist"):
        return "KC032"
    if message.startswith("couldn't open import"):
        return "KC034"
    if message.startswith("max stack frames exceeded"):
        return "KC035"
    return "KC036"


def _describe(message: str) -> str:
    if message.startswith("field does not exist"):
        return f"undefined value in template: {message}"
    if message.startswith("couldn't open import"):
        return "import refused or missing: " + message.replace("couldn't open import ", "", 1)
    return f"Jsonnet error: {message}"
