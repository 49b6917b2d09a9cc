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
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
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


_UNBOUNDED = contextlib.nullcontext()


def _shorter(name: str, most: int = 80) -> str:
    return name if len(name) <= most else f"{name[:most]}... ({len(name)} characters)"


def _compact(value: Mapping[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None or empty: templates build objects without if-chains."""
    return {k: v for k, v in value.items() if v is not None and v != {} and v != []}


def _tojson(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
            super().dump_bytecode(bucket)
        except OSError:
            return


def _builtin_bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled built-in templates, kept per user like Python's own .pyc files.

    Compiling kconfig's eleven built-ins costs about 0.1 s, a third of a small project's
    render; the cache makes it a file read. It lives beside the build cache's key, outside any
    project (``$XDG_CACHE_HOME/kconfig``), is keyed by Jinja2 itself on each template's name
    and source checksum, and is only ever used for kconfig's own (trusted) templates.
    """
    folder = user_cache_dir() / f"jinja-{jinja2.__version__}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(folder), "kconfig-%s.cache")


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
        self.trusted = _configure(
            jinja2.Environment(
                loader=loader,
                bytecode_cache=_builtin_bytecode_cache() if settings.user_cache else None,
                **_OPTIONS,
            )
        )

    def render(self, template: Template, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        # kconfig's own templates are trusted code on bounded data: only users' are bounded
        # (and the built-ins, thousands of renders at fleet scale, skip even the no-op).
        memory = 0 if template.builtin else self.settings.max_memory
        bound = memory_limit(memory) if memory else _UNBOUNDED
        try:
            env = self.trusted if template.builtin else self.env
            with time_limit(self.settings.timeout), bound:
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
