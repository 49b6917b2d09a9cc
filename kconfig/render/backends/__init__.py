"""Rendering backends behind one small interface.

A backend turns one template (a built-in or a user's file) and a context (plain JSON data:
the app's merged values, the environment, the project, the strategy plan) into manifests.
Nothing above this interface knows which backend ran: both produce plain dicts, and the
output stage puts keys in one canonical order.

Backends are listed in an explicit registry and imported only when first used, so commands
that render nothing (``kconfig --help``, ``envs``) never import jinja2 or the Jsonnet VM.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from kconfig.core.manifests import BUILTIN_PREFIX as BUILTIN_PREFIX
from kconfig.core.manifests import expand_lists, is_list_kind
from kconfig.errors import LoadError, RenderError, SourcePos, type_name
from kconfig.load.reader import ReadLimits, parse_yaml_documents

# name -> "module:Class"; the module is imported on first use.
REGISTRY: dict[str, str] = {
    "jinja": "kconfig.render.backends.jinja:JinjaBackend",
    "jsonnet": "kconfig.render.backends.jsonnet:JsonnetBackend",
}

# Which backend renders a user's template file, by suffix.
SUFFIXES: dict[str, str] = {".j2": "jinja", ".jsonnet": "jsonnet"}


class Template(NamedTuple):
    """A template to render: ``name`` is what messages show (project-relative, or
    ``kconfig:templates/jinja/deployment.json.j2`` for a built-in)."""

    name: str
    path: Path
    backend: str
    builtin: bool = False


class BackendSettings(NamedTuple):
    """What a backend may use: the project root it is confined to, and its bounds."""

    root: Path
    timeout: float = 10.0
    max_stack: int = 500
    allow_env: tuple[str, ...] = ()
    library_dirs: tuple[Path, ...] = ()
    user_cache: bool = True  # may keep compiled built-ins under $XDG_CACHE_HOME/kconfig
    output: str = ""  # the output folder (project-relative): never read by templates
    # Bytes a user's template may allocate (limits.maxRenderMemory), 0: unbounded (only when
    # the caller allows kconfig to lower its address-space limit: kconfig.render.limits).
    max_memory: int = 0


# Why a template may not read a file (issue 18): Git's files (CI keeps credentials in
# .git/config), kconfig's build cache and output folder, any hidden folder.
PRIVATE_FILE = "(kconfig's and Git's own files, and the output folder, are not for templates)"


def private_path(real_root: Path, real: Path, output: str) -> bool:
    """Whether ``real`` (symlinks resolved, inside ``real_root``) is a file templates must
    not read: under a hidden folder of the project (``.git/``, ``.kconfig-cache/``), a
    hidden file, or inside the output folder."""
    rel = real.relative_to(real_root)
    if any(part.startswith(".") for part in rel.parts):
        return True
    if output:
        out = (real_root / output).resolve()
        return out != real_root and real.is_relative_to(out)
    return False


class Backend(Protocol):
    """One rendering engine. ``render`` returns the manifests the template produced.

    A backend may also have ``prefetch(requests)``: see :func:`prefetch`."""

    name: str

    def render(self, template: Template, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Render ``template`` with ``context``; raise RenderError located in the template."""
        ...


def prefetch(backend: Backend, requests: Sequence[tuple[Template, Mapping[str, Any]]]) -> None:
    """Tell ``backend`` every (template, context) it is about to render, so that it may render
    them in one go (optional ``prefetch`` method; the Jsonnet VM has a start-up cost far
    above a template's). ``render`` must still be called for each; it then returns the
    prefetched result for the same template and the same context object."""
    hook = getattr(backend, "prefetch", None)
    if hook is not None:
        hook(requests)


@functools.cache
def builtin_dir(backend: str) -> Path:
    """The folder of kconfig's built-in templates for ``backend`` (inside the package).

    The templates are used as real files (Jinja2's and Jsonnet's loaders read paths), so
    kconfig runs from an unpacked install, never from a zip: a path beside this module is
    exact, and cheaper at start-up than ``importlib.resources``.
    """
    return Path(__file__).resolve().parent.parent / "templates" / backend


@functools.cache
def builtin_template(backend: str, stem: str) -> Template:
    suffix = ".json.j2" if backend == "jinja" else ".jsonnet"
    path = builtin_dir(backend) / f"{stem}{suffix}"
    return Template(f"{BUILTIN_PREFIX}templates/{backend}/{path.name}", path, backend, True)


def load_backend(name: str, settings: BackendSettings) -> Backend:
    """Instantiate the backend registered as ``name``."""
    target = REGISTRY.get(name)
    if target is None:
        known = ", ".join(sorted(REGISTRY))
        raise RenderError(f"unknown backend {name!r} (known: {known})")
    module_name, _, cls_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    backend: Backend = cls(settings)
    return backend


# The most one template may print (characters). Everything after a template (parsing,
# checks, the canonical copy, the YAML dump, the cache) copies its text a few times outside
# the render memory bound, so the text itself is bounded here: far above what the API
# server takes (a request body of 3 MiB, an object of 1.5 MiB in etcd), far below what the
# later copies of it could cost (issue 18 item 6).
MAX_TEMPLATE_OUTPUT = 64 * 1024 * 1024


def parse_documents(text: str, template: Template) -> list[dict[str, Any]]:
    """Documents in a template's output: JSON (the built-ins' form) or YAML 1.1 text.

    JSON is tried first because built-ins emit it: it parses ~40x faster than YAML and
    cannot be misread (a tag ``1.10`` stays a string).
    """
    if len(text) > MAX_TEMPLATE_OUTPUT:
        raise RenderError(
            f"template output is {len(text):,} characters, over the limit of "
            f"{MAX_TEMPLATE_OUTPUT:,} for one template",
            SourcePos(template.name, 1, 1),
        )
    stripped = text.lstrip()
    if not stripped:
        return []
    if stripped[0] in "[{":
        try:
            return _as_documents(json.loads(stripped), template)
        except json.JSONDecodeError:
            pass  # flow-style YAML is not always JSON; fall through
        except RecursionError:  # nested deeper than Python's stack (100,000 brackets)
            raise RenderError(
                f"template output: nesting deeper than {ReadLimits().max_depth} levels",
                SourcePos(template.name, 1, 1),
            ) from None
    try:
        docs = parse_yaml_documents(text, template.name)
    except LoadError as err:
        diag = err.diagnostics[0]
        line = diag.pos.line if diag.pos is not None else 0
        where = f" (line {line} of the rendered text)" if line else ""
        message = diag.message.removeprefix("invalid YAML: ")
        if diag.message.startswith("invalid YAML"):
            message = f"template output is not valid YAML{where}: {message}"
        else:
            message = f"template output: {message}{where}"
        raise RenderError(message, SourcePos(template.name, 1, 1)) from err
    out: list[dict[str, Any]] = []
    for doc in docs:
        out.extend(_as_documents(doc, template))
    return out


def _as_documents(data: Any, template: Template) -> list[dict[str, Any]]:
    if data is None:
        return []
    items = data if isinstance(data, list) else [data]
    wrapped = any(isinstance(item, dict) and is_list_kind(item) for item in items)
    if wrapped:  # kind: List and friends: their items are what a cluster gets
        items = list(expand_lists(items))
    for item in items:
        if not isinstance(item, dict) or "kind" not in item:
            raise RenderError(
                "template output must be Kubernetes objects (mappings with apiVersion and "
                f"kind), found {type_name(item)}" + (" (an item of a List)" if wrapped else ""),
                SourcePos(template.name, 1, 1),
            )
    return [item for item in items if item]
