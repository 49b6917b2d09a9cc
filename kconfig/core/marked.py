"""Marked YAML nodes: a dict or list that also remembers where each key and item was
written, so any later step can point at the user's file:line without a second parse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kconfig.errors import SourcePos


class MarkedMap(dict[str, Any]):
    """A mapping read from a file; ``pos(key)`` is where its value was written."""

    __slots__ = ("_keys", "_values", "source")

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source
        self._keys: dict[str, tuple[int, int]] = {}
        self._values: dict[str, tuple[int, int]] = {}

    def pos(self, key: str) -> SourcePos:
        line, col = self._values.get(key, (0, 0))
        return SourcePos(self.source, line, col)

    def key_pos(self, key: str) -> SourcePos:
        line, col = self._keys.get(key, (0, 0))
        return SourcePos(self.source, line, col)

    def mark(self, key: str, key_at: tuple[int, int], value_at: tuple[int, int]) -> None:
        self._keys[key] = key_at
        self._values[key] = value_at

    def replaced(self, key: str, value: Any) -> MarkedMap:
        """A copy with ``key`` holding ``value`` instead (written where it was), or without
        ``key`` when ``value`` is :data:`DROP`; every position kept."""
        out = MarkedMap(self.source)
        for name in self:
            if name != key or value is not DROP:
                out[name] = value if name == key else self[name]
                out.mark(name, self._keys[name], self._values[name])
        return out


DROP: Any = object()  # for MarkedMap.replaced: leave the key out


class MarkedList(list[Any]):
    """A sequence read from a file; ``pos(i)`` is where item ``i`` was written."""

    __slots__ = ("_items", "source", "start")

    def __init__(self, source: str, start: tuple[int, int] = (0, 0)) -> None:
        super().__init__()
        self.source = source
        self.start = start
        self._items: list[tuple[int, int]] = []

    def pos(self, index: int) -> SourcePos:
        if 0 <= index < len(self._items):
            line, col = self._items[index]
        else:
            line, col = self.start
        return SourcePos(self.source, line, col)

    def mark_append(self, value: Any, at: tuple[int, int]) -> None:
        self.append(value)
        self._items.append(at)


def plain(value: Any) -> Any:
    """A deep copy of ``value`` as plain dicts and lists (marked nodes and other mappings
    become ``dict``; scalars are shared, they are immutable)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def position_of(container: Any, key: str | int) -> SourcePos | None:
    """Where ``container[key]`` was written, when the container came from a file."""
    if isinstance(container, MarkedMap) and isinstance(key, str):
        return container.pos(key)
    if isinstance(container, MarkedList) and isinstance(key, int):
        return container.pos(key)
    return None


def locate(doc: Any, path: tuple[str | int, ...]) -> SourcePos | None:
    """The position of the deepest node along ``path`` that exists in ``doc``."""
    found: SourcePos | None = None
    node = doc
    for part in path:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        here = position_of(node, part) if present else None
        if here is None:
            break
        found = here
        node = node[part]
    return found
