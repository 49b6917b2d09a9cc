"""The Jinja2 backend: a sandboxed environment with strict undefined values.

Templates are loaded by name through :class:`_ConfinedLoader`: ``kconfig:...`` names are
kconfig's built-ins, every other name is a project-relative path that must stay inside the
project root after symlinks are resolved. So ``{% include "../../etc/passwd" %}`` and a
symlinked template pointing out of the project are refused, not read.

Errors are reported at the template's file and line, which Jinja2 keeps in the traceback
frames it rewrites for template code.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from kconfig.backends import (
    BUILTIN_PREFIX,
    BackendSettings,
    Template,
    builtin_dir,
    parse_documents,
)
from kconfig.errors import RenderError, SourcePos


class _ConfinedLoader(jinja2.BaseLoader):
    """Loads built-ins by ``kconfig:`` name and project files only from inside the root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
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
            rel = PurePosixPath(name[len(BUILTIN_PREFIX):])
            base, real_base = self.builtins.parent.parent, self.builtins
        else:
            rel = PurePosixPath(name)
            base, real_base = self.root, self.real_root
        if rel.is_absolute() or ".." in rel.parts:
            raise jinja2.TemplateNotFound(f"{name} (paths must stay inside the project)")
        real = (base / rel).resolve()
        if not real.is_relative_to(real_base) or not real.is_file():
            raise jinja2.TemplateNotFound(f"{name} (not a file inside the project)")
        return real


def _compact(value: Mapping[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None or empty: templates build objects without if-chains."""
    return {k: v for k, v in value.items() if v is not None and v != {} and v != []}


class JinjaBackend:
    """Renders ``*.j2`` templates (built-ins emit JSON; users may write YAML)."""

    name = "jinja"

    def __init__(self, settings: BackendSettings) -> None:
        self.settings = settings
        env = SandboxedEnvironment(
            loader=_ConfinedLoader(settings.root),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        env.filters["compact"] = _compact
        # Deterministic and compact JSON: key order is fixed later by the output stage.
        env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
        self.env = env

    def render(self, template: Template, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        try:
            compiled = self.env.get_template(template.name)
            text = compiled.render(context)
        except jinja2.TemplateSyntaxError as err:
            raise RenderError(
                f"template syntax error: {err.message}",
                SourcePos(err.filename or template.name, err.lineno or 1, 1),
                code="KC031",
            ) from err
        except jinja2.UndefinedError as err:
            raise RenderError(
                f"undefined value in template: {err.message}",
                _where(err, template), code="KC032",
            ) from err
        except SecurityError as err:
            raise RenderError(
                f"template sandbox refused: {err}", _where(err, template), code="KC033"
            ) from err
        except jinja2.TemplateNotFound as err:
            raise RenderError(
                f"template include refused or missing: {err.message}",
                _where(err, template), code="KC034",
            ) from err
        except RecursionError as err:
            raise RenderError(
                "template recursion too deep (a template including itself?)",
                SourcePos(template.name, 1, 1), code="KC035",
            ) from err
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as err:
            raise RenderError(
                f"template failed: {type(err).__name__}: {err}",
                _where(err, template), code="KC036",
            ) from err
        return parse_documents(text, template)


def _where(err: BaseException, template: Template) -> SourcePos:
    """The innermost template frame of ``err``'s traceback (Jinja2 rewrites them)."""
    frames = traceback.extract_tb(err.__traceback__)
    for frame in reversed(frames):
        name = frame.filename
        if name.startswith(BUILTIN_PREFIX) or name.endswith((".j2", ".jinja", ".jinja2")):
            return SourcePos(name, frame.lineno or 1, 1)
    return SourcePos(template.name, 1, 1)
