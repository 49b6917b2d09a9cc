"""Paths into values and manifests: the one spelling of "where inside a document".

A :data:`PathKey` is the path as data (``("spec", "template", "spec", "containers", 0)``);
:func:`parse_value_path` reads a value path as users write it (``image.tag``,
``sidecars[metrics-agent].image``, ``labels[app.kubernetes.io/name]``); :func:`dotted`
writes a PathKey for messages; :func:`walk` follows one through plain data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

PathKey = tuple[str | int, ...]

# As deep as a file may nest values (``ReadLimits.max_depth``): a longer path is an attack on
# the recursive merge, not a value anyone needs.
MAX_PATH_PARTS = 100

_SEGMENT = re.compile(r"([A-Za-z0-9_][-A-Za-z0-9_./]*?)((?:\[[^\[\]]+\])*)(?:\.|$)")
_INDEX = re.compile(r"\[([^\[\]]+)\]")


def parse_value_path(text: str) -> list[str | tuple[str]]:
    """``a.b[name].c`` -> ["a", "b", ("name",), "c"]; a 1-tuple selects a named list item."""
    if not text or text.startswith(".") or text.endswith(".") or ".." in text:
        raise ValueError(f"malformed value path {text!r}")
    parts: list[str | tuple[str]] = []
    pos = 0
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"malformed value path {text!r} at character {pos + 1}")
        parts.append(match.group(1))
        parts.extend((name,) for name in _INDEX.findall(match.group(2)))
        if len(parts) > MAX_PATH_PARTS:
            raise ValueError(f"a value path may have at most {MAX_PATH_PARTS} parts")
        pos = match.end()
    return parts


def dotted(path: Sequence[str | int]) -> str:
    """``spec.template.spec.containers[0].image`` (``(top level)`` for the empty path)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def walk(node: Any, path: Sequence[str | int]) -> Any:
    """The value at ``path`` in plain data (mappings by key, lists by index), else None."""
    for key in path:
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node
