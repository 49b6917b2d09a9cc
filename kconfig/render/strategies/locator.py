"""Where a value of an app's merged values was written: the file:line:col every strategy
problem (and every KC218 missing value, see :mod:`kconfig.render.context`) is reported at."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from kconfig.core.marked import locate, position_of
from kconfig.errors import SourcePos

if TYPE_CHECKING:
    from kconfig.values.layers import Values

PathKey = tuple[str | int, ...]


class Locator(Protocol):
    """Where the value at a path of the app's values was written."""

    def at(self, path: PathKey) -> SourcePos | None:
        """The file:line:col of ``path`` (or of its nearest written parent), if known."""
        ...


class ValuesLocator:
    """Positions from merged values: provenance names the layer that wrote a value last,
    and that layer's marked document gives the exact line of any item inside it (a canary
    step of a list the layer wrote as a whole, for instance)."""

    def __init__(self, values: Values) -> None:
        self._merged = values.merged
        self._layers = {layer.source: (i, layer.doc) for i, layer in enumerate(values.layers)}
        self._docs = [layer.doc for layer in values.layers]

    def at(self, path: PathKey) -> SourcePos | None:
        # A missing key (a required one, say) is reported where its mapping was written.
        pos = next(
            filter(None, (self._latest_under(path[:n]) for n in range(len(path), 0, -1))), None
        )
        if pos is None:
            return None
        found = self._layers.get(pos.path)
        deeper = locate(found[1], path) if found else None
        return deeper if deeper is not None and deeper.line > 0 else pos

    def deleted(self, path: PathKey) -> tuple[PathKey, SourcePos] | None:
        """The ``null`` that deleted ``path`` (written at ``path`` or at a mapping above
        it): the path it was written at and where; None when no layer deleted it."""
        # The highest layer with a null along the path deleted it last: any layer above it
        # that set the path again would have brought it back.
        for doc in reversed(self._docs):
            found = _null_along(doc, path)
            if found is not None:
                return found
        return None

    def _rank(self, pos: SourcePos) -> int:
        found = self._layers.get(pos.path)
        return found[0] if found else -1

    def _latest_under(self, path: PathKey) -> SourcePos | None:
        """For a mapping: where the highest layer that wrote anything inside it did so."""
        leaves = [h[-1].pos for h in self._merged.origins_under(path).values() if h]
        return max(leaves, key=self._rank, default=None)


def _null_along(doc: Mapping[str, Any], path: PathKey) -> tuple[PathKey, SourcePos] | None:
    """``(prefix, position)`` of a ``null`` that ``doc`` writes at a prefix of ``path``
    (mappings only: a null list item deletes nothing)."""
    node: Any = doc
    for depth, part in enumerate(path):
        if not isinstance(node, Mapping) or part not in node:
            return None
        if node[part] is None:
            pos = position_of(node, part)
            return path[: depth + 1], pos or SourcePos(str(getattr(doc, "source", "")))
        node = node[part]
    return None
