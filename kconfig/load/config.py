"""kconfig.yaml, read into a typed record: :class:`ProjectConfig` (and its ``limits:``).

Only what loading itself depends on is checked here (names, types the loader reads); the
whole file is checked against ``kconfig.schema.json`` with every other input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from kconfig.core.marked import MarkedMap
from kconfig.core.names import check_name
from kconfig.errors import LoadError, SourcePos
from kconfig.load.reader import ReadLimits

DEFAULT_K8S = "1.30"
BACKENDS = ("jinja", "jsonnet")


class Limits(NamedTuple):
    """Resource bounds for rendering (kconfig.yaml ``limits:``)."""

    render_timeout: float = 10.0
    max_depth: int = 100
    jsonnet_max_stack: int = 500
    read: ReadLimits = ReadLimits()


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """kconfig.yaml, read and checked."""

    name: str
    kubernetes_version: str
    backend: str
    output: str
    environments: tuple[str, ...]
    promote: tuple[str, ...]
    crds: tuple[str, ...]
    gitops: Mapping[str, Any]
    limits: Limits
    allow_env: tuple[str, ...]
    doc: MarkedMap

    def pos(self, key: str) -> SourcePos:
        """Where ``key`` was written (the file's start when it was not)."""
        return self.doc.pos(key) if key in self.doc else SourcePos(self.doc.source)


def _str_tuple(doc: MarkedMap, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    value = doc.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LoadError(f"'{key}' must be a list of strings", doc.pos(key))
    return tuple(value)


def _limit(raw: Mapping[str, Any], key: str, default: float, integer: bool) -> Any:
    """One ``limits:`` value: a positive number (an integer where counted), else an error."""
    value = raw.get(key, default)
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        what = "a positive integer" if integer else "a positive number of seconds"
        pos = raw.pos(key) if isinstance(raw, MarkedMap) else None
        raise LoadError(f"'limits.{key}' must be {what}, not {value!r}", pos)
    return value


def _parse_limits(doc: MarkedMap) -> Limits:
    raw = doc.get("limits") or {}
    if not isinstance(raw, Mapping):
        raise LoadError("'limits' must be a mapping", doc.pos("limits"))
    base = Limits()
    depth = _limit(raw, "maxDepth", base.max_depth, True)
    return Limits(
        render_timeout=float(_limit(raw, "renderTimeout", base.render_timeout, False)),
        max_depth=depth,
        jsonnet_max_stack=_limit(raw, "jsonnetMaxStack", base.jsonnet_max_stack, True),
        read=ReadLimits(
            max_nodes=_limit(raw, "maxAliasExpansion", base.read.max_nodes, True),
            max_depth=depth,
        ),
    )


def _scalar_str(doc: MarkedMap, key: str, default: str) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise LoadError(
            f"'{key}' must be a string, found {type(value).__name__} {value!r}; quote it",
            doc.pos(key),
        )
    return value


def parse_config(doc: MarkedMap) -> ProjectConfig:
    """Check kconfig.yaml's keys the loader depends on; the full schema check is later."""
    if "project" not in doc:
        raise LoadError("'project' is required (the project's name)", SourcePos(doc.source, 1, 1))
    name = check_name(doc["project"], "project", doc.pos("project"))
    version = _scalar_str(doc, "kubernetesVersion", DEFAULT_K8S)
    backend = _scalar_str(doc, "backend", "jinja")
    if backend not in BACKENDS:
        raise LoadError(f"unknown backend {backend!r}: use jinja or jsonnet", doc.pos("backend"))
    envs = _str_tuple(doc, "environments")
    for i, env in enumerate(envs):
        check_name(env, "environment", doc["environments"].pos(i))
    if len(set(envs)) != len(envs):
        raise LoadError("'environments' lists a name twice", doc.pos("environments"))
    sandbox = doc.get("sandbox") or {}
    gitops = doc.get("gitops") or {}
    return ProjectConfig(
        name=name,
        kubernetes_version=version,
        backend=backend,
        output=_scalar_str(doc, "output", "deploy"),
        environments=envs,
        promote=_str_tuple(doc, "promote", ("image.tag",)),
        crds=_str_tuple(doc, "crds"),
        gitops=gitops if isinstance(gitops, Mapping) else {},
        limits=_parse_limits(doc),
        allow_env=_str_tuple(sandbox, "allowEnv") if isinstance(sandbox, MarkedMap) else (),
        doc=doc,
    )
