"""Environments: ``overlays/<env>/env.yaml`` with its ``extends`` chain applied.

An environment inherits every key of the env.yaml files it extends (root first, its own
last) except ``namespace`` (each environment is its own namespace), ``extends`` itself and
``defaults`` (those are app values: :mod:`kconfig.values.layers` applies every
environment's ``defaults`` of the chain in order, with its overlays).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kconfig.core.marked import MarkedList, MarkedMap
from kconfig.core.merge import merge_layers
from kconfig.core.names import check_name, name_problem
from kconfig.errors import Collector, LoadError, MergeError, SourcePos, UsageError
from kconfig.load.files import Files
from kconfig.load.inputs import not_a_string
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
    files: Files, name: str, pos: SourcePos | None, known: Callable[[], Sequence[str]]
) -> Chain:
    """``name`` and the environments it extends, root first."""
    chain: Chain = []
    seen: list[str] = []
    current, where = name, pos
    while True:
        if current in seen:
            cycle = " -> ".join([*seen, current])
            raise MergeError(f"extends cycle: {cycle}", where)
        seen.append(current)
        doc = env_doc(files, current, where, known)
        chain.append((current, doc))
        parent = doc.get("extends")
        if parent is None:
            break
        where = doc.pos("extends")
        if not isinstance(parent, str):
            raise LoadError("'extends' must be an environment name", where)
        current = parent
    chain.reverse()
    return chain


def build_environment(name: str, project: str, chain: Chain) -> Environment:
    """The typed environment of ``chain`` (``name`` last), for project ``project``."""
    own = chain[-1][1]
    inherited = [
        {k: v for k, v in doc.items() if k not in NOT_INHERITED or doc is own} for _, doc in chain
    ]
    merged = merge_layers(inherited).data
    _check_string_maps(doc for _, doc in chain)
    namespace = merged.get("namespace") or f"{project}-{name}"
    check_name(namespace, "namespace", own.pos("namespace"))
    apps = merged.get("apps")
    checks = merged.get("checks") or {}
    if not isinstance(checks, Mapping):
        raise LoadError(
            "'checks' must be a mapping, e.g. {disable: [KC101]}", _key_pos(chain, "checks")
        )
    return Environment(
        name=name,
        namespace=namespace,
        domain=merged.get("domain"),
        labels=_string_map(merged, own, "labels"),
        annotations=_string_map(merged, own, "annotations"),
        isolation=bool(merged.get("isolation", True)),
        allow_namespaces=_env_strings(merged, chain, "allowNamespaces"),
        apps=tuple(apps) if isinstance(apps, list) else None,
        chain=tuple(n for n, _ in chain),
        disabled_checks=frozenset(_env_strings(checks, chain, "checks")),
        allow_secrets=bool(merged.get("allowSecrets", False)),
        source=own.source,
        doc=own,
        merged=merged,
    )


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


def _key_pos(chain: Chain, key: str) -> SourcePos:
    """Where the environment that set ``key`` last (this one, else what it extends) did."""
    for _, doc in reversed(chain):
        if key in doc:
            return doc.pos(key)
    return SourcePos(chain[-1][1].source, 1, 1)


def _env_strings(merged: Mapping[str, Any], chain: Chain, key: str) -> tuple[str, ...]:
    """A list of strings from env.yaml (``checks`` means ``checks.disable``): the wrong type
    is a located error, never a crash or a string taken apart into characters."""
    value = merged.get("disable" if key == "checks" else key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        shown = "'checks.disable'" if key == "checks" else f"'{key}'"
        raise LoadError(f"{shown} must be a list of strings", _key_pos(chain, key))
    return tuple(value)


def _list_pos(doc: MarkedMap, key: str, index: int, source: str) -> SourcePos:
    seq = doc.get(key)
    if isinstance(seq, MarkedList):
        return seq.pos(index)
    return doc.pos(key) if key in doc else SourcePos(source, 1, 1)


def _check_string_maps(docs: Iterable[MarkedMap]) -> None:
    """Label and annotation values must be strings (CONTRACT "Reading input")."""
    errors = Collector()
    for doc in docs:
        for key in ("labels", "annotations"):
            mapping = doc.get(key)
            if not isinstance(mapping, MarkedMap):
                continue
            for name, value in mapping.items():
                if value is not None and not isinstance(value, str):
                    errors.error(not_a_string(f"{key}.{name}", value), mapping.pos(name), "KC014")
    errors.raise_if_errors(LoadError)


def _string_map(merged: Mapping[str, Any], own: MarkedMap, key: str) -> dict[str, str]:
    value = merged.get(key) or {}
    if not isinstance(value, Mapping):
        raise LoadError(f"'{key}' must be a mapping", own.pos(key))
    return dict(value)
