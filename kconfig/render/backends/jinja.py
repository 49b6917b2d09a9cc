"""The Jinja2 backend: a sandboxed environment with strict undefined values.

Templates are loaded by name through :class:`_ConfinedLoader`: ``kconfig:...`` names are
kconfig's built-ins, every other name is a project-relative path that must stay inside the
project root after symlinks are resolved. So ``{% include "../../etc/passwd" %}`` and a
symlinked template pointing out of the project are refused, not read.

Users' templates run in :class:`_Sandbox`: Jinja2's SandboxedEnvironment (no dunder or
internal attributes, so ``''.__class__.__mro__`` and ``cycler.__init__.__globals__`` fail),
without the ``lipsum``/``cycler``/``joiner`` globals, with ``*`` and ``**`` bounded (a
template cannot ask for a gigabyte string or a million-digit number), and with no way to
read environment variables but ``env_var('NAME')`` for the names kconfig.yaml lists in
``sandbox.allowEnv``.

Errors are reported at the template's file and line, which Jinja2 keeps in the traceback
frames it rewrites for template code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from importlib.machinery import SourceFileLoader
from pathlib import Path, PurePosixPath
from types import CodeType
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.runtime
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from kconfig.errors import RenderError, SourcePos
from kconfig.load.usercache import user_cache_dir
from kconfig.render.backends import (
    BUILTIN_PREFIX,
    PRIVATE_FILE,
    BackendSettings,
    Template,
    builtin_dir,
    parse_documents,
    private_path,
)
from kconfig.render.limits import TimeLimitExceeded, memory_limit, time_limit


class _ConfinedLoader(jinja2.BaseLoader):
    """Loads built-ins by ``kconfig:`` name and project files only from inside the root."""

    def __init__(self, root: Path, output: str = "") -> None:
        self.root = root
        self.real_root = root.resolve()
        self.output = output
        self.builtins = builtin_dir("jinja").resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self._resolve(template)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise jinja2.TemplateNotFound(template) from err
        return text, template, lambda: True

    def _resolve(self, name: str) -> Path:
        if name.startswith(BUILTIN_PREFIX):
            rel = PurePosixPath(name[len(BUILTIN_PREFIX) :])
            base, real_base = self.builtins.parent.parent, self.builtins
        else:
            rel = PurePosixPath(name)
            base, real_base = self.root, self.real_root
        if rel.is_absolute() or ".." in rel.parts:
            raise jinja2.TemplateNotFound(f"{name} (paths must stay inside the project)")
        try:
            real = (base / rel).resolve()
            inside = real.is_relative_to(real_base) and real.is_file()
        except OSError as err:  # a name too long for the file system: at the include
            raise jinja2.TemplateNotFound(f"{_shorter(name)} ({err.strerror})") from None
        if not inside:
            raise jinja2.TemplateNotFound(f"{name} (not a file inside the project)")
        if real_base == self.real_root and private_path(self.real_root, real, self.output):
            raise jinja2.TemplateNotFound(f"{name} {PRIVATE_FILE}")
        return real


def _shorter(name: str, most: int = 80) -> str:
    """A name for a message: a file name too long for the file system is cut, not printed
    whole (it can be thousands of characters)."""
    return name if len(name) <= most else f"{name[:most]}... ({len(name)} characters)"


# kconfig's built-in templates compiled to Python when kconfig is released (committed beside
# them, current by tests/unit/render/test_compiled_templates.py): ``pip install`` turns them
# into .pyc files like the rest of the package, so even the first run on a fresh machine
# compiles no template. ``index.json`` names the Jinja2 release that generated them and each
# template's source digest; another Jinja2, or an edited template, falls back to compiling.
COMPILED_DIR = "_compiled"
COMPILED_INDEX = "index.json"


def _source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _renamed(code: CodeType, filename: str) -> CodeType:
    """``code`` (and the functions it defines) as if compiled from ``filename``: Jinja2
    reports errors at the template's name, which it takes from the code object."""
    consts = tuple(
        _renamed(const, filename) if isinstance(const, CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


class _BuiltinLoader(_ConfinedLoader):
    """The loader of the trusted environment: built-ins from their compiled modules when
    those are current (:data:`COMPILED_DIR`), everything else as :class:`_ConfinedLoader`."""

    def __init__(self, root: Path, output: str = "") -> None:
        super().__init__(root, output)
        self._index: dict[str, str] | None = None

    def load(
        self,
        environment: jinja2.Environment,
        name: str,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        # The template's globals as one plain dict, not Jinja2's ChainMap over the
        # environment's (which never change here): every render copies them into its
        # context and every macro import compares their keys, and through a ChainMap that
        # was a fifth of the render time.
        flat = dict(globals or {})
        code = self._compiled(name) if name.startswith(BUILTIN_PREFIX) else None
        if code is None:
            return super().load(environment, name, flat)
        return environment.template_class.from_code(environment, code, flat, lambda: True)

    def _compiled(self, name: str) -> CodeType | None:
        """The code of built-in ``name`` from its compiled module, or None when absent or not
        current (another Jinja2 release, an edited template)."""
        file_name = PurePosixPath(name).name
        if name != f"{BUILTIN_PREFIX}templates/jinja/{file_name}":
            return None
        try:
            source = (self.builtins / file_name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if self.index().get(file_name) != _source_digest(source):
            return None
        module = self.builtins / COMPILED_DIR / f"{file_name}.py"
        try:
            # The import system's loader: it uses (and, like any import, writes) the .pyc.
            fullname = f"_kconfig_{file_name}"
            code = SourceFileLoader(fullname, str(module)).get_code(fullname)
        except (OSError, ImportError, SyntaxError):
            return None
        return _renamed(code, name) if code is not None else None

    def index(self) -> dict[str, str]:
        """File name -> source digest of the compiled built-ins usable with this Jinja2."""
        if self._index is None:
            self._index = {}
            try:
                data = json.loads((self.builtins / COMPILED_DIR / COMPILED_INDEX).read_bytes())
            except (OSError, ValueError):
                return self._index
            if isinstance(data, dict) and data.get("jinja2") == jinja2.__version__:
                self._index = dict(data.get("templates") or {})
        return self._index


_UNBOUNDED = contextlib.nullcontext()


def _compact(value: Mapping[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None or empty: templates build objects without if-chains."""
    return {k: v for k, v in value.items() if v is not None and v != {} and v != []}


# One encoder for every call: json.dumps with options builds a new JSONEncoder each time,
# which cost as much as the encoding of the small values templates pass.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _tojson(value: Any) -> str:
    return _ENCODER.encode(value)


_OPTIONS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "autoescape": False,
    "keep_trailing_newline": True,
    "auto_reload": False,
}


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A bytecode cache that never fails a render: an unwritable cache is only slower."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            # Made on the first write only: with current compiled built-ins nothing is.
            Path(self.directory).mkdir(mode=0o700, parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            return


def _builtin_bytecode_cache() -> jinja2.BytecodeCache:
    """Compiled built-in templates kept per user, for what the shipped compiled modules do
    not cover (another Jinja2 release, a template edited in a development checkout).

    It lives beside the build cache's key, outside any project (``$XDG_CACHE_HOME/kconfig``),
    is keyed by Jinja2 itself on each template's name and source checksum, and is only ever
    used for kconfig's own (trusted) templates.
    """
    folder = user_cache_dir() / f"jinja-{jinja2.__version__}"
    return _QuietBytecodeCache(str(folder), "kconfig-%s.cache")


def trusted_environment(settings: BackendSettings) -> jinja2.Environment:
    """The environment of kconfig's own templates: compiled built-ins (:data:`COMPILED_DIR`),
    else the per-user bytecode cache, else compiled on the spot."""
    return _configure(
        jinja2.Environment(
            loader=_BuiltinLoader(settings.root, settings.output),
            bytecode_cache=_builtin_bytecode_cache() if settings.user_cache else None,
            **_OPTIONS,
        )
    )


def compile_builtins() -> dict[str, str]:
    """The files of :data:`COMPILED_DIR` (name -> text) for the installed Jinja2: each
    built-in template compiled to Python, and the index."""
    env = trusted_environment(BackendSettings(root=Path.cwd(), user_cache=False))
    folder = builtin_dir("jinja")
    out: dict[str, str] = {}
    digests: dict[str, str] = {}
    for path in sorted(folder.glob("*.j2")):
        name = f"{BUILTIN_PREFIX}templates/jinja/{path.name}"
        source = path.read_text(encoding="utf-8")
        header = (
            f"# Generated from {path.name} by Jinja2 {jinja2.__version__} "
            "(python tools/compile_templates.py): do not edit.\n"
        )
        out[f"{path.name}.py"] = header + env.compile(source, name, name, raw=True)
        digests[path.name] = _source_digest(source)
    index = {"jinja2": jinja2.__version__, "templates": digests}
    out[COMPILED_INDEX] = json.dumps(index, indent=2, sort_keys=True) + "\n"
    return out


def _configure(env: jinja2.Environment) -> jinja2.Environment:
    env.filters["compact"] = _compact
    # Plain json.dumps instead of Jinja's HTML-safe tojson: the output is parsed as
    # JSON/YAML, never embedded in HTML, and the escaping costs ~15% of a render.
    env.filters["tojson"] = _tojson
    return env


# Largest string or list one `*` may build, and largest number (in bits) `**` may build.
_MAX_REPEAT = 1_000_000
_MAX_POWER_BITS = 100_000


def _too_big(operator: str, left: Any, right: Any) -> bool:
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                return len(seq) * times > _MAX_REPEAT
        return False
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        return left.bit_length() * right > _MAX_POWER_BITS
    return False


class _Sandbox(SandboxedEnvironment):
    """The environment of users' templates (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, allow_env: tuple[str, ...], **options: Any) -> None:
        super().__init__(**options)
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        allowed = frozenset(allow_env)

        def env_var(name: str) -> str:
            if name not in allowed:
                raise SecurityError(
                    f"environment variable {name!r} is not readable by templates: list it "
                    "in kconfig.yaml under sandbox.allowEnv to allow it"
                )
            value = os.environ.get(name)
            if value is None:
                raise jinja2.UndefinedError(f"environment variable {name!r} is not set")
            return value

        self.globals["env_var"] = env_var

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if _too_big(operator, left, right):
            raise SecurityError(f"the result of {operator!r} would be too large")
        return super().call_binop(context, operator, left, right)


class JinjaBackend:
    """Renders ``*.j2`` templates (built-ins emit JSON; users may write YAML)."""

    name = "jinja"

    def __init__(self, settings: BackendSettings) -> None:
        self.settings = settings
        loader = _ConfinedLoader(settings.root, settings.output)
        # Users' templates run sandboxed. kconfig's own built-ins are trusted code fed with
        # data (data cannot execute in Jinja2), so they skip the sandbox's per-attribute
        # checks, which cost about a third of the render time at fleet scale.
        self.env = _configure(_Sandbox(settings.allow_env, loader=loader, **_OPTIONS))
        self.trusted = trusted_environment(settings)
        self._bounded = False  # inside bounded(): the caller's time bound covers render()

    @contextmanager
    def bounded(self, seconds: float) -> Iterator[None]:
        """One time bound for every :meth:`render` in the block (an app's templates): the
        per-template bound is then not entered at all (its checks cost ~20 us a call)."""
        with time_limit(seconds):
            self._bounded = True
            try:
                yield
            finally:
                self._bounded = False

    def render(self, template: Template, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        # kconfig's own templates are trusted code on bounded data: only users' are bounded
        # (and the built-ins, thousands of renders at fleet scale, skip even the no-op).
        memory = 0 if template.builtin else self.settings.max_memory
        bound = memory_limit(memory) if memory else _UNBOUNDED
        try:
            env = self.trusted if template.builtin else self.env
            timed = _UNBOUNDED if self._bounded else time_limit(self.settings.timeout)
            with timed, bound:
                text = env.get_template(template.name).render(context)
        except MemoryError as err:
            raise _out_of_memory(err, template, self.settings.max_memory) from None
        except TimeLimitExceeded as err:
            raise RenderError(
                f"template took longer than {err.seconds:g} s to render "
                "(kconfig.yaml limits.renderTimeout)",
                _where(err, template),
                code="KC038",
            ) from err
        except jinja2.TemplateSyntaxError as err:
            raise RenderError(
                f"template syntax error: {err.message}",
                SourcePos(err.filename or template.name, err.lineno or 1, 1),
                code="KC031",
            ) from err
        except jinja2.UndefinedError as err:
            raise RenderError(
                f"undefined value in template: {err.message}",
                _where(err, template),
                code="KC032",
            ) from err
        except SecurityError as err:
            raise RenderError(
                f"template sandbox refused: {err}", _where(err, template), code="KC033"
            ) from err
        except jinja2.TemplateNotFound as err:
            raise RenderError(
                f"template include refused or missing: {err.message}",
                _where(err, template),
                code="KC034",
            ) from err
        except RecursionError as err:
            raise RenderError(
                "template recursion too deep (a template including itself?)",
                SourcePos(template.name, 1, 1),
                code="KC035",
            ) from err
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as err:
            raise RenderError(
                f"template failed: {type(err).__name__}: {err}",
                _where(err, template),
                code="KC036",
            ) from err
        return parse_documents(text, template)


def _out_of_memory(err: MemoryError, template: Template, limit: int) -> RenderError:
    """The error of a render that ran out of memory, at its template line. The traceback's
    frames still hold what the render built (a gigabyte string): they are cleared first."""
    import traceback

    where = _where(err, template)
    traceback.clear_frames(err.__traceback__)
    bound = f"more than {limit >> 20} MiB" if limit else "more than the machine has"
    return RenderError(
        f"template needed {bound} of memory (kconfig.yaml limits.maxRenderMemory)",
        where,
        code="KC039",
    )


def _where(err: BaseException, template: Template) -> SourcePos:
    """The innermost template frame of ``err``'s traceback (Jinja2 rewrites them)."""
    import traceback  # only on an error: its import costs a millisecond of every start

    frames = traceback.extract_tb(err.__traceback__)
    for frame in reversed(frames):
        name = frame.filename
        if name.startswith(BUILTIN_PREFIX) or name.endswith((".j2", ".jinja", ".jinja2")):
            return SourcePos(name, frame.lineno or 1, 1)
    return SourcePos(template.name, 1, 1)
