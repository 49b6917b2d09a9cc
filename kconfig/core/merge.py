"""The layered values engine: merge rules of the contract plus per-leaf provenance.

Rules (CONTRACT "Layers and merge rules"), applied one layer onto the result so far:

* mappings merge key by key, recursively;
* a scalar or a list replaces what was there;
* a list whose items are all mappings with a ``name`` key (sidecars, containers, ports)
  merges item by item on ``name``, new names appended in order;
* ``null`` deletes the key.

Built on deepmerge: a :class:`deepmerge.Merger` dispatches by type to our strategies. The
strategies also record provenance: for every leaf of the result (a scalar, a replaced list,
an empty mapping), the history of layers that set it, lowest first. Positions come from the
:class:`~kconfig.load.reader.MarkedMap` the layer was read into, so no second parse is needed.

The result never shares an object with its inputs: every value is copied as it is adopted,
so callers may mutate layers or results freely (deepmerge itself mutates its base).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from deepmerge import Merger

from kconfig.core.marked import plain, position_of
from kconfig.core.paths import PathKey
from kconfig.errors import SourcePos


class Origin(NamedTuple):
    """One layer's say about a leaf: where it was written and what it said there."""

    pos: SourcePos
    value: Any


@dataclass
class Merged:
    """Merged values and, for every leaf path, the layers that set it (lowest first)."""

    data: dict[str, Any] = field(default_factory=dict)
    provenance: dict[PathKey, list[Origin]] = field(default_factory=dict)

    def origin(self, path: PathKey) -> SourcePos | None:
        """Where the effective value at ``path`` (or its nearest recorded parent) was set."""
        while True:
            history = self.provenance.get(path)
            if history:
                return history[-1].pos
            if not path:
                return None
            path = path[:-1]

    def origins_under(self, path: PathKey) -> dict[PathKey, list[Origin]]:
        """Histories of ``path`` and every leaf below it."""
        size = len(path)
        return {k: v for k, v in self.provenance.items() if k[:size] == path}


def is_named_list(value: Any) -> bool:
    """A non-empty list whose items are all mappings with a ``name`` key."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, Mapping) and "name" in item for item in value)
    )


class _Engine:
    """One merge run: owns the result's provenance while deepmerge walks the layers."""

    def __init__(self, fallback: SourcePos) -> None:
        self.provenance: dict[PathKey, list[Origin]] = {}
        self.fallback = fallback
        self.merger = Merger(
            [(dict, self._merge_dict), (list, self._merge_list)],
            [self._replace],
            [self._replace],
        )

    # deepmerge strategies: (merger, path, base, nxt) -> merged value
    def _merge_dict(
        self, merger: Merger, path: list[Any], base: dict[str, Any], nxt: Mapping[str, Any]
    ) -> dict[str, Any]:
        here = tuple(path)
        if not base and nxt:
            self.provenance.pop(here, None)  # no longer an empty-mapping leaf
        for key, value in nxt.items():
            sub = (*here, key)
            if value is None:
                base.pop(key, None)
                self._forget(sub, include_self=True)
            elif key in base and _mergeable(base[key], value):
                base[key] = merger.value_strategy(list(sub), base[key], value)
            else:
                if key in base and not (_is_leaf(base[key]) and _is_leaf(value)):
                    self._forget(sub, include_self=True)  # the shape changed: old history is moot
                base[key] = self._adopt(sub, value, position_of(nxt, key) or self.fallback)
        return base

    def _merge_list(
        self, merger: Merger, path: list[Any], base: list[Any], nxt: list[Any]
    ) -> list[Any]:
        here = tuple(path)
        if not (is_named_list(nxt) and (not base or is_named_list(base))):
            replaced: list[Any] = self._replace(merger, path, base, nxt)
            return replaced
        if not base:
            self.provenance.pop(here, None)  # no longer an empty-list leaf
        index = {item["name"]: i for i, item in enumerate(base)}
        for j, item in enumerate(nxt):
            i = index.get(item["name"])
            if i is None:
                i = index[item["name"]] = len(base)
                base.append(self._adopt((*here, i), item, position_of(nxt, j) or self.fallback))
            else:
                base[i] = merger.value_strategy([*here, i], base[i], item)
        return base

    def _replace(self, merger: Merger, path: list[Any], base: Any, nxt: Any) -> Any:
        # Reached only for a top-level replacement; dict keys are adopted in _merge_dict.
        here = tuple(path)
        self._forget(here, include_self=not (_is_leaf(base) and _is_leaf(nxt)))
        return self._adopt(here, nxt, self.fallback)

    # provenance bookkeeping
    def _adopt(self, path: PathKey, value: Any, pos: SourcePos) -> Any:
        """Copy ``value`` into the result, recording every leaf it brings."""
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if item is None:
                    continue
                out[key] = self._adopt((*path, key), item, position_of(value, key) or pos)
            if not out:
                self._record(path, {}, pos)
            return out
        if is_named_list(value):
            return [
                self._adopt((*path, i), item, position_of(value, i) or pos)
                for i, item in enumerate(value)
            ]
        copied = plain(value)
        # The history keeps its own copy: the result's lists may still grow by named merges.
        self._record(path, plain(copied) if isinstance(copied, list) else copied, pos)
        return copied

    def _record(self, path: PathKey, value: Any, pos: SourcePos) -> None:
        self.provenance.setdefault(path, []).append(Origin(pos, value))

    def _forget(self, path: PathKey, *, include_self: bool = False) -> None:
        size = len(path)
        floor = size if include_self else size + 1
        for key in [k for k in self.provenance if k[:size] == path and len(k) >= floor]:
            del self.provenance[key]


def _is_leaf(value: Any) -> bool:
    """Leaves carry a history: scalars and plain lists (empty mappings are recorded too)."""
    return not isinstance(value, Mapping) and not is_named_list(value)


def _mergeable(base: Any, nxt: Any) -> bool:
    if isinstance(base, dict) and isinstance(nxt, Mapping):
        return True
    return isinstance(base, list) and is_named_list(nxt) and (not base or is_named_list(base))


def merge_layers(layers: Sequence[Mapping[str, Any]], fallback: SourcePos | None = None) -> Merged:
    """Merge ``layers`` lowest first. Pure: inputs are never modified or shared."""
    engine = _Engine(fallback or SourcePos("<unknown>"))
    result: dict[str, Any] = {}
    for layer in layers:
        result = engine.merger.value_strategy(
            [], result, dict(layer) if not isinstance(layer, dict) else layer
        )
    return Merged(result, engine.provenance)
