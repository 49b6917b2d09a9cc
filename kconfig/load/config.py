"""kconfig.yaml: checked against ``kconfig.schema.json``, then read into typed records.

The rules of kconfig.yaml are written once, in its JSON schema; :func:`load_config` checks
the file against it (every problem located at its line, worded as for any input file) and
only then reads it into :class:`ProjectConfig`, :class:`Limits` and :class:`GitOps`, which
trust what the schema let through. A key the schema refuses is reported, and read as if it
were not there: kconfig.yaml is an input of every environment, so those problems fail every
environment (:meth:`kconfig.load.sources.Sources.env`), while ``kconfig validate`` still
reports them with everything else. A broken ``project`` or ``environments`` fails the
load itself: nothing can be named without them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from kconfig.core.marked import MarkedMap, locate
from kconfig.errors import Diagnostic, LoadError, SourcePos
from kconfig.load.inputs import UNKNOWN_KEY, OwnSchemas
from kconfig.load.paths import PROJECT_FILE
from kconfig.load.reader import ReadLimits

DEFAULT_K8S = "1.30"
DEFAULT_BRANCH_PREFIX = "env/"
# Keys without which nothing can be named: a problem there fails the load.
_ESSENTIAL = ("project", "environments")

Layout = Literal["directories", "branches"]


class Limits(NamedTuple):
    """Resource bounds for rendering (kconfig.yaml ``limits:``)."""

    render_timeout: float = 10.0
    max_depth: int = 100
    jsonnet_max_stack: int = 500
    read: ReadLimits = ReadLimits()
    render_memory: int = 2048 << 20  # bytes users' templates may allocate (maxRenderMemory)


@dataclass(frozen=True, slots=True)
class ArgoCD:
    """kconfig.yaml ``gitops.argocd``."""

    repo_url: str
    target_revision: str = "HEAD"
    project: str = "default"
    path: str | None = None  # the output folder's path in the repository
    application_set: bool = True


@dataclass(frozen=True, slots=True)
class Flux:
    """kconfig.yaml ``gitops.flux``."""

    source_name: str
    source_kind: str = "GitRepository"
    source_namespace: str | None = None
    path: str | None = None
    interval: str = "10m"
    prune: bool = True


@dataclass(frozen=True, slots=True)
class GitOps:
    """kconfig.yaml ``gitops``: the output layout and the Argo CD / Flux objects to write."""

    layout: Layout = "directories"
    branch_prefix: str = DEFAULT_BRANCH_PREFIX
    argocd: ArgoCD | None = None
    flux: Flux | None = None
    pos: SourcePos = field(default_factory=lambda: SourcePos(PROJECT_FILE))


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """kconfig.yaml, checked against its schema and read."""

    name: str
    kubernetes_version: str
    backend: str
    output: str
    environments: tuple[str, ...]
    promote: tuple[str, ...]
    crds: tuple[str, ...]
    gitops: GitOps
    limits: Limits
    allow_env: tuple[str, ...]
    doc: MarkedMap
    problems: tuple[Diagnostic, ...] = ()  # what the schema refused (see the module doc)
    external_secrets_version: str = "v1"  # ExternalSecrets' external-secrets.io/<version>

    def pos(self, key: str) -> SourcePos:
        """Where ``key`` was written (the file's start when it was not)."""
        return self.doc.pos(key) if key in self.doc else SourcePos(self.doc.source)


def load_config(doc: MarkedMap, schemas: OwnSchemas) -> ProjectConfig:
    """kconfig.yaml ``doc`` checked (:class:`LoadError` when it cannot name the project or
    its environments) and read; other problems are kept in ``problems``."""
    found = schemas.problems(doc, "kconfig.schema.json", doc.source)
    problems = [diag for _, diag in found]
    # An unknown key is reported and ignored; anything else wrong is read as absent.
    refused = {path[0] if path else "" for path, diag in found if diag.code != UNKNOWN_KEY}
    if "" in refused or refused & set(_ESSENTIAL):
        raise LoadError(problems)
    return _read(doc, {k: v for k, v in doc.items() if k not in refused}, problems)


def _read(
    doc: MarkedMap, valid: Mapping[str, Any], problems: Sequence[Diagnostic]
) -> ProjectConfig:
    sandbox = valid.get("sandbox") or {}
    return ProjectConfig(
        name=valid["project"],
        # Schemas exist per minor version: 1.30.2 is validated (and rendered) as 1.30.
        kubernetes_version=".".join(
            str(valid.get("kubernetesVersion", DEFAULT_K8S)).split(".")[:2]
        ),
        backend=valid.get("backend", "jinja"),
        output=valid.get("output", "deploy"),
        environments=tuple(valid.get("environments") or ()),
        promote=tuple(valid.get("promote", ("image.tag",))),
        crds=tuple(valid.get("crds") or ()),
        gitops=_gitops(doc, valid.get("gitops") or {}),
        limits=_limits(valid.get("limits") or {}),
        allow_env=tuple(sandbox.get("allowEnv") or ()),
        doc=doc,
        problems=tuple(problems),
        external_secrets_version=valid.get("externalSecretsVersion", "v1"),
    )


def _limits(raw: Mapping[str, Any]) -> Limits:
    base = Limits()
    depth = raw.get("maxDepth", base.max_depth)
    return Limits(
        render_timeout=float(raw.get("renderTimeout", base.render_timeout)),
        max_depth=depth,
        jsonnet_max_stack=raw.get("jsonnetMaxStack", base.jsonnet_max_stack),
        read=ReadLimits(
            max_nodes=raw.get("maxAliasExpansion", base.read.max_nodes), max_depth=depth
        ),
        render_memory=raw.get("maxRenderMemory", base.render_memory >> 20) << 20,
    )


def _gitops(doc: MarkedMap, raw: Mapping[str, Any]) -> GitOps:
    argo = raw.get("argocd")
    flux = raw.get("flux")
    source = (flux or {}).get("sourceRef") or {}
    return GitOps(
        layout=raw.get("layout", "directories"),
        branch_prefix=raw.get("branchPrefix", DEFAULT_BRANCH_PREFIX),
        argocd=None
        if argo is None
        else ArgoCD(
            repo_url=argo["repoURL"],
            target_revision=argo.get("targetRevision", "HEAD"),
            project=argo.get("project", "default"),
            path=argo.get("path"),
            application_set=argo.get("applicationSet", True),
        ),
        flux=None
        if flux is None
        else Flux(
            source_name=source["name"],
            source_kind=source.get("kind", "GitRepository"),
            source_namespace=source.get("namespace"),
            path=flux.get("path"),
            interval=flux.get("interval", "10m"),
            prune=flux.get("prune", True),
        ),
        pos=locate(doc, ("gitops", "layout")) or SourcePos(doc.source, 1, 1),
    )
