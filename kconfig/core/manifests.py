"""Rendered manifests: the record type, identity, and the contract's document order.

Output order (CONTRACT "Output order and form"): Namespace, NetworkPolicy, Secret, ConfigMap,
AnalysisTemplate, Service, Deployment, Rollout, Ingress, then any other kind (alphabetically);
within a kind by app (environment-wide objects first), then name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kconfig.core.marked import plain
from kconfig.errors import SourcePos

KIND_ORDER = (
    "Namespace",
    "NetworkPolicy",
    "Secret",
    "ConfigMap",
    "AnalysisTemplate",
    "Service",
    "Deployment",
    "Rollout",
    "Ingress",
)
_RANK = {kind: i for i, kind in enumerate(KIND_ORDER)}

# The origin path of a manifest rendered by one of kconfig's built-in templates
# (``kconfig:templates/jinja/deployment.json.j2``); a user's template has a project path.
BUILTIN_PREFIX = "kconfig:"

# Kinds that live outside any namespace: kconfig gives them no namespace and does not hold
# them to the environment's.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "StorageClass",
        "PersistentVolume",
        "IngressClass",
        "RuntimeClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ClusterIssuer",
        "ClusterAnalysisTemplate",
        "APIService",
        "CSIDriver",
        "VolumeSnapshotClass",
    }
)

ENV_APP = ""  # the "app" of environment-wide objects (Namespace, isolation policy)


@dataclass(frozen=True, slots=True)
class Manifest:
    """One rendered Kubernetes object with where it came from."""

    body: dict[str, Any]
    env: str
    app: str  # "" for environment-wide objects
    origin: SourcePos  # the template that produced it (patches are listed in ``patched_by``)
    patched_by: tuple[SourcePos, ...] = ()

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def name(self) -> str:
        meta = self.body.get("metadata") or {}
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str | None:
        meta = self.body.get("metadata") or {}
        ns = meta.get("namespace") if isinstance(meta, dict) else None
        return str(ns) if ns is not None else None

    @property
    def key(self) -> tuple[str, str]:
        """Identity within an environment: (kind, name)."""
        return self.kind, self.name

    @property
    def title(self) -> str:
        """``kind/name`` as messages show it."""
        return f"{self.kind}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """The object as plain data (the caller owns the copy)."""
        copied: dict[str, Any] = plain(self.body)
        return copied


def manifest_data(manifest: Manifest) -> dict[str, Any]:
    """A manifest as JSON data (the build cache stores these)."""
    return {
        "body": manifest.body,
        "env": manifest.env,
        "app": manifest.app,
        "origin": list(_pos(manifest.origin)),
        "patchedBy": [list(_pos(p)) for p in manifest.patched_by],
    }


def manifest_from_data(data: dict[str, Any]) -> Manifest:
    """The inverse of :func:`manifest_data`."""
    return Manifest(
        data["body"],
        data["env"],
        data["app"],
        SourcePos(*data["origin"]),
        tuple(SourcePos(*p) for p in data["patchedBy"]),
    )


def _pos(pos: SourcePos) -> tuple[str, int, int]:
    return pos.path, pos.line, pos.col


def drop_nulls(value: Any) -> Any:
    """Remove ``None`` values from mappings, recursively: a null field is an absent field."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def kind_rank(kind: str) -> tuple[int, str]:
    """Where ``kind`` goes in the document order: its place in :data:`KIND_ORDER`, other
    kinds after them, alphabetically."""
    rank = _RANK.get(kind, len(KIND_ORDER))
    return rank, kind if rank == len(KIND_ORDER) else ""


def sort_key(manifest: Manifest) -> tuple[int, str, str, str]:
    return (*kind_rank(manifest.kind), manifest.app, manifest.name)


def ordered(manifests: Iterable[Manifest]) -> list[Manifest]:
    """Manifests in the contract's document order."""
    return sorted(manifests, key=sort_key)


def is_list_kind(doc: Mapping[str, Any]) -> bool:
    """Whether ``doc`` is a list object that clients unpack into its items: ``kind: List``
    or any ``<Kind>List`` (``SecretList``) with an ``items`` list. kubectl's resource
    builder (kubernetes/cli-runtime pkg/resource/visitor.go, ``meta.ExtractList``),
    Kustomize and Argo CD apply the items, never the wrapper."""
    kind = doc.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list)


def expand_lists(docs: Iterable[Any], max_depth: int = 100) -> Iterator[Any]:
    """``docs`` with every list object replaced by its items, recursively (issue 18: a Secret
    inside a ``kind: List`` must meet the same checks as one on its own). Items that are not
    mappings come out as they are, for the caller to refuse."""
    stack: list[tuple[Iterator[Any], int]] = [(iter(docs), 0)]
    while stack:
        items, depth = stack[-1]
        item = next(items, _END)
        if item is _END:
            stack.pop()
        elif isinstance(item, Mapping) and is_list_kind(item) and depth < max_depth:
            stack.append((iter(item["items"]), depth + 1))
        else:
            yield item


_END = object()
