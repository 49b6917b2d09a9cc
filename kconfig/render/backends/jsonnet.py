"""The Jsonnet backend: the C++ Jsonnet VM (``_jsonnet``), confined to the project.

How values reach a template: the render context (exactly the JSON data the Jinja2 templates
get) is passed as the top-level argument ``ctx``, so a template is ``function(ctx) ...``.
External variables carry nothing but the environment variables kconfig.yaml lists in
``sandbox.allowEnv`` (``std.extVar('NAME')``); no other environment variable is readable.

Imports (``import``, ``importstr``, ``importbin``) go through :class:`_Importer`, which
resolves a path relative to the importing file, then the project root, then kconfig's
library folder (``kconfig/render/templates/jsonnet``: ``import 'kconfig.libsonnet'``). Absolute
paths, ``..`` leading out of those folders and symlinks resolving outside them are refused;
the VM reports the refusal at the import in the template file.

Errors of the VM (``RUNTIME ERROR: msg`` followed by a stack trace, or ``STATIC ERROR:
file:line:col: msg``) become a :class:`RenderError` at ``path:line:col`` of the .jsonnet file:
the innermost frame in the user's project (else in kconfig's library), paths made
project-relative and kconfig's own files named ``kconfig:templates/jsonnet/...``.

Speed: the C++ VM costs ~25 ms to start and ~10 ms more per distinct file it loads (it
re-desugars the standard library for each file), far more than evaluating a template.
So :meth:`JsonnetBackend.prefetch` renders the (template, context) pairs of a run in a few
large batch VMs: one program that imports each template and applies it to its context by
name (``t(ctx=...)``, exactly the top-level-argument call), the contexts passed once, as one
JSON string, and the output parsed once. :meth:`render` then hands out the
prefetched result. A batch that fails is split in halves until the failing requests are
isolated; render() evaluates those on their own, which locates every error exactly as if
there had been no batch.

Engines: the C++ VM (``jsonnet``, a dependency) is the reference. When ``rjsonnet`` (the Rust
implementation, ``pip install 'kconfig[fast-jsonnet]'``) is installed, batches of kconfig's
built-in templates run on it instead (~3.5x less CPU, under half the memory: docs/profiles),
their output tested to be the same bytes; a batch that fails there is run again on the C++ VM,
so every error and its location are the reference engine's. Users' own templates always run
on the C++ VM: rjsonnet holds the GIL while it evaluates (the time limit cannot abandon it),
crashes on an endless ``tailstrict`` recursion instead of stopping at max_stack, and turns
some numbers into other strings (``'' + 0.1``). kconfig's built-ins do none of that: no
recursion, no loops, no number turned into a string, over values of bounded size and depth.
``KCONFIG_JSONNET=jsonnet`` turns rjsonnet off.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kconfig.errors import RenderError, SourcePos
from kconfig.load.reader import position
from kconfig.render.backends import (
    BUILTIN_PREFIX,
    PRIVATE_FILE,
    BackendSettings,
    Template,
    _as_documents,
    builtin_dir,
    parse_documents,
    private_path,
)
from kconfig.render.limits import MemoryLimitExceeded, TimeLimitExceeded, Watchdog

_MAX_TRACE = 20
# The batch program's file name: its folder is the only importer allowed absolute paths
# (kconfig's own generated imports); no user file can have it as its folder.
_BATCH_DIR = "<kconfig-batch>/"
_BATCH_FILE = _BATCH_DIR + "batch.jsonnet"
# Requests per batch VM: bounds the memory of one VM (the C++ VM keeps every result until the
# end: +15 MB per 1,000 requests) and its run time, which limits.renderTimeout bounds too. The C++
# VM also re-desugars the standard library for each file it loads (~10 ms, 17 built-in files),
# so its batches are larger: 2,400 is 3 VMs per environment at 500 apps instead of 8. rjsonnet
# loads files cheaply: its batches stay small, for memory.
_BATCH_SIZE = 2400
_FAST_BATCH_SIZE = 1000
# Batch VMs a failing prefetch may spend isolating the failing requests, and the fewest
# requests worth splitting in two batches rather than evaluating one by one.
_RETRY_BUDGET = 64
_MIN_SPLIT = 8
# Which engine renders kconfig's built-ins (see the module docstring).
ENGINE_VARIABLE = "KCONFIG_JSONNET"
ENGINES = ("auto", "jsonnet")
# Contexts holding numbers the engines write differently: integers of 16 digits and more (the
# C++ VM writes a double's exact digits, 12345678901234567168, rjsonnet the shortest ones,
# 12345678901234567000) and numbers in exponent form. Such a batch runs on the C++ VM. A JSON
# number follows ':', ',' or '[' and ends at ',', '}' or ']' (a string that merely looks like
# one sends its batch there too; an image digest, "sha256:4e2d...", does not).
_WIDE_NUMBER = re.compile(r"(?<=[:,\[])-?(?:\d{16,}|\d+(?:\.\d+)?[eE][-+]?\d+)(?=[,}\]])")

# One frame of a runtime trace: "\tpath:L:C-C2\tframe", "\tpath:L:C\t..." or
# "\tpath:(L1:C1)-(L2:C2)\t...".
_FRAME = re.compile(
    r"^\t(?P<path>.+?):(?:\((?P<l2>\d+):(?P<c2>\d+)\)-\(\d+:\d+\)|"
    r"(?P<l>\d+):(?P<c>\d+)(?:-\d+)?)(?:\t|$)"
)
_STATIC = re.compile(
    r"^STATIC ERROR: (?P<path>.+?):(?:\((?P<l2>\d+):(?P<c2>\d+)\)-\(\d+:\d+\)|"
    r"(?P<l>\d+):(?P<c>\d+)(?:-\d+)?): (?P<msg>.*)$",
    re.DOTALL,
)


def _absolute(path: Path) -> Path:
    """``path`` made absolute and normalised, symlinks kept: a relative root like ../estate
    must be normalised, or every normalised import path would seem to leave it."""
    return Path(os.path.normpath(path.absolute()))


_Request = tuple[Template, Mapping[str, Any]]


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

    def __init__(self, root: Path, library_dirs: tuple[Path, ...], output: str = "") -> None:
        lib = builtin_dir("jsonnet")
        self.output = output
        self.project = _Area(_absolute(root), root.resolve(), "")
        self.libraries = tuple(
            _Area(
                _absolute(d),
                d.resolve(),
                f"{BUILTIN_PREFIX}templates/jsonnet/" if d == lib else str(_absolute(d)) + os.sep,
            )
            for d in (*library_dirs, lib)
        )
        self._cache: dict[str, bytes] = {}
        # The templates of the batch being evaluated: the batch program imports them by
        # absolute path (rjsonnet names the working directory as the batch's folder).
        self.batch: frozenset[str] = frozenset()

    @property
    def areas(self) -> tuple[_Area, ...]:
        return (self.project, *self.libraries)

    def __call__(self, importer_dir: str, rel: str) -> tuple[str, bytes]:
        try:
            return self._find(importer_dir, rel)
        except OSError as err:  # a name too long for the file system, an unreadable file
            raise ImportRefused(f"the file cannot be read ({err.strerror})") from None

    def _find(self, importer_dir: str, rel: str) -> tuple[str, bytes]:
        if not rel:
            raise ImportRefused("empty import path")
        if importer_dir == _BATCH_DIR or rel in self.batch:
            found = self._candidate(self.project.base, rel)
            if found is None:
                raise ImportRefused("no such template")
            return found
        if Path(rel).is_absolute() or rel.startswith("~"):
            raise ImportRefused(
                "absolute paths are refused: imports must stay inside the project "
                "(or name kconfig's library, e.g. 'kconfig.libsonnet')"
            )
        for folder in self._search(importer_dir):
            found = self._candidate(folder, rel)
            if found is not None:
                return found
        raise ImportRefused(
            "no such file in the importing folder, the project root or kconfig's library"
        )

    def _search(self, importer_dir: str) -> list[Path]:
        first = Path(importer_dir) if importer_dir else self.project.base
        folders = [first, self.project.base, *(a.base for a in self.libraries)]
        return list(dict.fromkeys(folders))

    def _candidate(self, folder: Path, rel: str) -> tuple[str, bytes] | None:
        path = _absolute(folder / rel)
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
        project = self.project.real
        inside_library = any(real.is_relative_to(a.real) for a in self.libraries)
        if not inside_library and private_path(project, real, self.output):
            raise ImportRefused(PRIVATE_FILE)
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


class _TextImporter:
    """The import callback for rjsonnet, which takes a file's contents as text."""

    def __init__(self, importer: _Importer) -> None:
        self.importer = importer

    def __call__(self, importer_dir: str, rel: str) -> tuple[str, str]:
        path, data = self.importer(importer_dir, rel)
        try:
            return path, data.decode("utf-8")
        except UnicodeDecodeError:  # the C++ VM takes it (the batch is run again there)
            raise ImportRefused("not UTF-8 text") from None


def fast_engine(choice: str | None = None) -> Any | None:
    """The rjsonnet module when it is installed and not turned off (``KCONFIG_JSONNET``, read
    when ``choice`` is None), else None: the C++ VM alone."""
    if choice is None:
        choice = os.environ.get(ENGINE_VARIABLE) or "auto"
    if choice not in ENGINES:
        raise RenderError(f"{ENGINE_VARIABLE}={choice}: expected one of {', '.join(ENGINES)}")
    if choice == "jsonnet":
        return None
    try:
        import rjsonnet
    except ImportError:
        return None
    return rjsonnet


class JsonnetBackend:
    """Renders ``*.jsonnet`` templates: ``function(ctx)`` -> an object, a list, or null."""

    name = "jsonnet"

    def __init__(self, settings: BackendSettings) -> None:
        import _jsonnet

        self.settings = settings
        self._vm = _jsonnet
        # rjsonnet, when installed: batches of built-ins run on it.
        self._fast = fast_engine()
        # The VM is C++ that no signal interrupts: it runs on a worker thread, and a run over
        # limits.renderTimeout is abandoned; with a memory bound, in a forked child, killed
        # past the time bound (it aborts the process on std::bad_alloc: kconfig.render.limits).
        self._watchdog = Watchdog(settings.timeout, "kconfig-jsonnet", settings.max_memory)
        self.importer = _Importer(settings.root, settings.library_dirs, settings.output)
        self._text_importer = _TextImporter(self.importer)
        # Only what the project file allows; a name that is not set stays undefined, so
        # std.extVar reports it instead of reading an empty string.
        self.ext_vars = {
            name: os.environ[name] for name in settings.allow_env if name in os.environ
        }
        self._last: tuple[Mapping[str, Any], str] | None = None
        self._budget = _RETRY_BUDGET
        # (template path, id(context)) -> (context, documents): results of prefetch(); the
        # context is kept so that its id cannot be reused by another object meanwhile.
        self._ready: dict[tuple[str, int], tuple[Mapping[str, Any], list[dict[str, Any]]]] = {}

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
            return str(_absolute(path))
        # template.path was built from the project root as given (maybe relative to the
        # working directory): joining it to the root again would double a relative root.
        real = path.resolve()
        if not real.is_relative_to(self.importer.project.real) or not real.is_file():
            raise RenderError(
                "template file is not a file inside the project (symlink?)",
                SourcePos(template.name),
                code="KC034",
            )
        return str(_absolute(path))

    def render(self, template: Template, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        path = self._path(template)
        ready = self._ready.pop((path, id(context)), None)
        if ready is not None and ready[0] is context:
            return ready[1]
        try:
            ctx = self._ctx_json(context)
        except (TypeError, ValueError) as err:
            raise RenderError(
                f"values cannot be passed to Jsonnet as JSON: {err}",
                SourcePos(template.name, 1, 1),
                code="KC036",
            ) from err
        try:
            text: str = self._watchdog.call(
                self._vm.evaluate_file,
                path,
                tla_codes={"ctx": ctx},
                ext_vars=self.ext_vars,
                import_callback=self.importer,
                max_stack=self.settings.max_stack,
                max_trace=_MAX_TRACE,
            )
        except RuntimeError as err:
            raise self.error(str(err), template) from err
        except TimeLimitExceeded as err:
            raise RenderError(
                f"Jsonnet evaluation took longer than {err.seconds:g} s "
                "(kconfig.yaml limits.renderTimeout)",
                SourcePos(template.name, 1, 1),
                code="KC038",
            ) from err
        except MemoryLimitExceeded as err:
            raise RenderError(
                f"Jsonnet evaluation {err} (kconfig.yaml limits.maxRenderMemory)",
                SourcePos(template.name, 1, 1),
                code="KC039",
            ) from err
        return parse_documents(text, template)

    def prefetch(self, requests: Sequence[tuple[Template, Mapping[str, Any]]]) -> None:
        """Render ``requests`` ahead, in as few VMs as possible; see the module docstring."""
        self._budget = _RETRY_BUDGET
        fast = self._fast
        on_fast = [r for r in requests if fast is not None and r[0].builtin]
        on_vm = [r for r in requests if fast is None or not r[0].builtin]
        for part, engine in ((on_fast, fast), (on_vm, self._vm)):
            size = _BATCH_SIZE if engine is self._vm else _FAST_BATCH_SIZE
            for start in range(0, len(part), size):
                batch = part[start : start + size]
                # What rjsonnet cannot render is rendered by the C++ VM: its errors are
                # the ones kconfig reports, located as always.
                if engine is self._vm or self._batch(batch, engine) is not None:
                    self._prefetch(batch)

    def _prefetch(self, requests: Sequence[_Request]) -> None:
        failed = self._batch(requests, self._vm)
        if failed is not None and self._budget > 0:
            self._isolate(requests, failed)

    def _isolate(self, requests: Sequence[_Request], failed: str) -> None:
        """After a failed batch, batch again what did not fail. The error names the template
        that failed (``failed``) when it can: the others are retried together at once. Those
        left are split in halves while there are enough of them; the rest is left to
        render(), which evaluates each alone (~50 ms apiece) to report its error."""
        others = [r for r in requests if r[0].name != failed]
        if 0 < len(others) < len(requests):
            self._budget -= 1
            self._prefetch(others)
            requests = [r for r in requests if r[0].name == failed]
        if len(requests) >= _MIN_SPLIT:
            self._budget -= 2
            middle = len(requests) // 2
            self._prefetch(requests[:middle])
            self._prefetch(requests[middle:])

    def _batch(self, requests: Sequence[_Request], engine: Any) -> str | None:
        """One VM of ``engine`` for ``requests``. None when every result is ready (or the
        batch ran out of time: splitting it could only take longer); else the name of the
        template that failed, "" when the error does not say."""
        try:
            paths = [self._path(template) for template, _ in requests]
            contexts: dict[int, tuple[int, Mapping[str, Any]]] = {}
            for _, context in requests:
                contexts.setdefault(id(context), (len(contexts), context))
            ctxs = "[" + ",".join(self._ctx_json(c) for _, c in contexts.values()) + "]"
        except (RenderError, TypeError, ValueError):
            return ""  # render() reports it, template by template
        if engine is not self._vm and _WIDE_NUMBER.search(ctxs):
            return ""
        calls = ",\n".join(
            f"call(import {json.dumps(path)}, ctxs[{contexts[id(ctx)][0]}])"
            for path, (_, ctx) in zip(paths, requests, strict=True)
        )
        # The contexts arrive as one string that std.parseJson (native code) reads: passed as
        # Jsonnet code they would go through the VM's parser, 3x slower and ~50 MB more at
        # 500 apps. Explicit calls, not a comprehension over the contexts: the C++ VM runs
        # one comprehension over 7,000 calls 2x slower.
        program = (
            "local call(t, c) = if std.isFunction(t) then t(ctx=c) else t;\n"
            f"function(json) local ctxs = std.parseJson(json); [\n{calls}\n]\n"
        )
        self.importer.batch = frozenset(paths)
        try:
            text = self._watchdog.call(
                engine.evaluate_snippet,
                _BATCH_FILE,
                program,
                tla_vars={"json": ctxs},
                ext_vars=self.ext_vars,
                import_callback=self.importer if engine is self._vm else self._text_importer,
                max_stack=self.settings.max_stack,
                max_trace=_MAX_TRACE,
            )
        except TimeLimitExceeded:
            return None
        except MemoryLimitExceeded:
            self._out_of_memory(requests)
            return None
        except RuntimeError as err:
            if engine is not self._vm:
                return ""
            return self._failed_template(str(err), {t.name for t, _ in requests})
        return self._keep(paths, requests, json.loads(text))

    def _out_of_memory(self, requests: Sequence[_Request]) -> None:
        """After a batch ran out of memory (limits.maxRenderMemory). Only users' templates
        can allocate without bound: kconfig's own are batched again, users' left to
        render(), each alone, so that the error names one. A batch of kconfig's own alone
        is merely too large for the bound: its halves are tried."""
        trusted = [r for r in requests if r[0].builtin]
        if 0 < len(trusted) < len(requests):
            self._prefetch(trusted)
        elif trusted and len(trusted) >= _MIN_SPLIT and self._budget > 0:
            self._budget -= 2
            middle = len(trusted) // 2
            self._prefetch(trusted[:middle])
            self._prefetch(trusted[middle:])

    def _keep(
        self, paths: list[str], requests: Sequence[_Request], results: list[Any]
    ) -> str | None:
        """Store the batch's results; the name of a template whose output is no object."""
        docs = []
        for result, (template, _) in zip(results, requests, strict=True):
            try:
                docs.append(_as_documents(result, template))
            except RenderError:
                return template.name
        for path, (_, context), found in zip(paths, requests, docs, strict=True):
            self._ready[(path, id(context))] = (context, found)
        return None

    def _failed_template(self, text: str, names: set[str]) -> str:
        """The innermost template of ``names`` in the error's trace, else ""."""
        lines = text.strip().split("\n")
        static = _STATIC.match(lines[0])
        found = [static] if static else [_FRAME.match(line) for line in lines[1:]]
        for match in found:
            if match is not None and self._pos(match).path in names:
                return self._pos(match).path
        return ""

    def error(self, text: str, template: Template) -> RenderError:
        """The VM's error text as a RenderError at the template's (or library's) line."""
        static = _STATIC.match(text.strip())
        if static:
            pos = self._pos(static)
            return RenderError(f"Jsonnet syntax error: {static['msg'].strip()}", pos, code="KC031")
        message, _, trace = text.partition("\n")
        message = message.removeprefix("RUNTIME ERROR: ").strip()
        pos, inner = self._frame(trace, template)
        if inner is not None and inner != pos:
            message += f" (in {inner})"
        elif pos.path != template.name:
            # Jsonnet is lazy: an error inside a library's object may surface with no frame
            # of the template that asked for it; name the template then.
            message += f" (rendering {template.name})"
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
        line = int(match["l"] or match["l2"])
        col = int(match["c"] or match["c2"])
        line, col = _lone_cr_position(match["path"], line, col)
        return SourcePos(self.importer.shown(match["path"]), line, col)


def _lone_cr_position(path: str, line: int, col: int) -> tuple[int, int]:
    """Jsonnet counts lines at ``\n`` alone; every other message (and editors) also at a lone
    ``\r``: the VM's position in a file that uses ``\r`` line breaks, in those terms."""
    file = Path(path)
    try:
        data = file.read_bytes() if file.is_absolute() else b""
    except OSError:
        return line, col
    lines = data.split(b"\n")
    if b"\r" not in data or line > len(lines):
        return line, col
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + col - 1
    before = data[:offset].decode("utf-8", "replace")
    return position(before, len(before))


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
