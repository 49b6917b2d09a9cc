"""Environments: ``overlays/<env>/env.yaml`` with its ``extends`` chain applied.

An environment inherits every key of the env.yaml files it extends (root first, its own
last) except ``namespace`` (each environment is its own namespace), ``extends`` itself and
``defaults`` (those are app values: :mod:`kconfig.values.layers` applies every
environment's ``defaults`` of the chain in order, with its overlays).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kconfig.core.marked import MarkedList, MarkedMap
from kconfig.core.merge import merge_layers
from kconfig.core.names import DNS_LABEL, check_name, name_problem
from kconfig.errors import Collector, LoadError, MergeError, SourcePos, UsageError
from kconfig.load.files import Files
from kconfig.load.inputs import OwnSchemas
from kconfig.load.paths import base_file, env_file

# Keys of env.yaml that a child environment does not inherit from the one it extends.
NOT_INHERITED = ("namespace", "extends", "defaults")

Chain = list[tuple[str, MarkedMap]]  # (environment, its env.yaml), root first


@dataclass(frozen=True, slots=True)
class Environment:
    """One environment, with its ``extends`` chain already applied."""

    name: str
    namespace: str
    domain: str | None
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    isolation: bool
    allow_namespaces: tuple[str, ...]
    apps: tuple[str, ...] | None
    chain: tuple[str, ...]  # root first, this environment last
    disabled_checks: frozenset[str]
    allow_secrets: bool
    source: str  # overlays/<env>/env.yaml
    doc: MarkedMap  # this environment's own env.yaml
    merged: Mapping[str, Any]  # every inherited key, for checks that need more
    # Argo CD (issue 16): the destination cluster ({name: ...} or {server: ...}; empty: the
    # cluster Argo CD runs in), whether sync is automated (prune and selfHeal), syncOptions.
    cluster: Mapping[str, str] = field(default_factory=dict)
    sync_automated: bool = True
    sync_options: tuple[str, ...] = ()
    # Flux: Kustomization fields (dependsOn, timeout, wait, targetNamespace) as written.
    flux: Mapping[str, Any] = field(default_factory=dict)


def env_doc(
    files: Files, name: str, pos: SourcePos | None, known: Callable[[], Sequence[str]]
) -> MarkedMap:
    """The env.yaml of ``name`` (``pos``: where it was named; None: by the user directly)."""
    problem = name_problem(name)
    if problem is not None:
        if pos is None:  # named on the command line or through the API
            raise UsageError(f"environment: {problem}")
        raise LoadError(f"environment: {problem}", pos)
    rel = env_file(name)
    if not files.exists(rel):
        listed = ", ".join(known()) or "none"
        message = f"unknown environment {name!r}: {rel} does not exist (environments: {listed})"
        if pos is None:
            raise UsageError(message)
        raise LoadError(message, pos)
    return files.mapping(rel)


def env_chain(
    files: Files,
    schemas: OwnSchemas,
    name: str,
    pos: SourcePos | None,
    known: Callable[[], Sequence[str]],
) -> Chain:
    """``name`` and the environments it extends, root first; each env.yaml checked against
    its schema, and every problem of the chain raised together."""
    chain: Chain = []
    seen: list[str] = []
    problems = Collector()
    current: str | None = name
    where = pos
    while current is not None:
        if current in seen:
            cycle = " -> ".join([*seen, current])
            raise MergeError(f"extends cycle: {cycle}", where)
        seen.append(current)
        doc = env_doc(files, current, where, known)
        chain.append((current, doc))
        found = schemas.problems(_settings(doc), "env.schema.json", doc.source)
        problems.extend((diag for _, diag in found), LoadError)
        if any(path[:1] == ("extends",) for path, _ in found):
            break  # a parent that is not a name cannot be followed
        current, where = doc.get("extends"), doc.pos("extends")
    problems.raise_if_errors(LoadError)
    chain.reverse()
    return chain


def _settings(doc: MarkedMap) -> MarkedMap:
    """env.yaml as the environment's own settings. ``defaults`` are app values, checked
    with the other app values (:mod:`kconfig.check.validate`), so that only their shape, a
    mapping, is checked at loading."""
    defaults = doc.get("defaults")
    if not isinstance(defaults, Mapping) or not defaults:
        return doc
    return doc.replaced("defaults", MarkedMap(doc.source))


def build_environment(name: str, project: str, chain: Chain) -> Environment:
    """The typed environment of ``chain`` (``name`` last, every env.yaml schema-checked),
    for project ``project``."""
    own = chain[-1][1]
    inherited = [
        {k: v for k, v in doc.items() if k not in NOT_INHERITED or doc is own} for _, doc in chain
    ]
    merged = merge_layers(inherited).data
    namespace = merged.get("namespace")
    if namespace is None:  # the default is no one's spelling: check what it makes
        namespace = check_name(
            f"{project}-{name}", "namespace", SourcePos(own.source), max_len=DNS_LABEL
        )
    apps = merged.get("apps")
    checks = merged.get("checks") or {}
    sync = merged.get("sync") or {}
    return Environment(
        name=name,
        namespace=namespace,
        domain=merged.get("domain"),
        labels=dict(merged.get("labels") or {}),
        annotations=dict(merged.get("annotations") or {}),
        isolation=bool(merged.get("isolation", True)),
        allow_namespaces=tuple(merged.get("allowNamespaces") or ()),
        apps=tuple(apps) if isinstance(apps, list) else None,
        chain=tuple(n for n, _ in chain),
        disabled_checks=frozenset(checks.get("disable") or ()),
        allow_secrets=bool(merged.get("allowSecrets", False)),
        source=own.source,
        doc=own,
        merged=merged,
        cluster=_cluster(chain),
        sync_automated=sync.get("automated") is not False,
        sync_options=tuple(sync.get("options") or ()),
        flux=dict(merged.get("flux") or {}),
    )


def _cluster(chain: Chain) -> dict[str, str]:
    """``cluster:`` of the nearest env.yaml of the chain that sets it (a cluster is replaced
    whole, never merged: {name} over an inherited {server} is a different cluster, not
    both); KC221 when it gives both ``name`` and ``server``, which Argo CD refuses."""
    for _, doc in reversed(chain):
        if "cluster" not in doc:
            continue
        cluster = doc.get("cluster")
        if not isinstance(cluster, Mapping):
            return {}
        if "name" in cluster and "server" in cluster:
            raise LoadError(
                "cluster: give name (the cluster's name in Argo CD) or server (its API "
                "server URL), not both: Argo CD refuses a destination with both",
                doc.pos("cluster"),
                code="KC221",
            )
        return {k: str(v) for k, v in cluster.items() if k in ("name", "server") and v}
    return {}


def check_apps(env: Environment, known: Sequence[str]) -> list[str]:
    """``env``'s ``apps:`` list, each name checked and known (``known``: the project's)."""
    assert env.apps is not None
    have = set(known)
    errors = Collector()
    for i, app in enumerate(env.apps):
        where = _list_pos(env.doc, "apps", i, env.source)
        problem = name_problem(app)
        if problem:
            errors.error(f"app: {problem}", where, "KC011")
        elif app not in have:
            errors.error(f"unknown app {app!r}: {base_file(app)} does not exist", where, "KC012")
    errors.raise_if_errors(LoadError)
    return list(env.apps)


def _list_pos(doc: MarkedMap, key: str, index: int, source: str) -> SourcePos:
    seq = doc.get(key)
    if isinstance(seq, MarkedList):
        return seq.pos(index)
    return doc.pos(key) if key in doc else SourcePos(source, 1, 1)
