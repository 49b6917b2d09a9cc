"""``explain``: an app's effective values, each with every layer that set or overrode it.

Answers "which file set this value?" from the merge's provenance (``Values.merged``), which
holds, for every leaf path of the merged values, the history of layers that set it, lowest
first. Paths are written as the user thinks of them (``image.tag``,
``resources.limits.memory``, ``sidecars[metrics-agent].image``); items of named lists sit at
an index in the merged data, so ``[name]`` is resolved to that index here. ``[key]`` also
selects a mapping key that holds dots (``labels[app.kubernetes.io/name]``).

The module also owns :func:`lookup`, the one resolver of such paths in plain data, used by
``promote`` and the edit checks. Nothing here prints: :func:`format_explanation` returns text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kconfig.core.dump import is_plain
from kconfig.core.marked import position_of
from kconfig.core.merge import Origin, is_named_list
from kconfig.core.names import close_matches
from kconfig.core.paths import PathKey, parse_value_path
from kconfig.errors import SourcePos, UsageError
from kconfig.values.layers import DEFAULTS_SOURCE, app_values

if TYPE_CHECKING:
    from kconfig.load.sources import Sources
    from kconfig.values.layers import Values

__all__ = ["Explanation", "Leaf", "Setting", "explain", "format_explanation", "lookup"]

_CODE = "KC060"
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_][-A-Za-z0-9_]*")
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")


# -- records ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Setting:
    """One layer's say about a value: where (``file:line``, ``--set``, built-in defaults)."""

    pos: SourcePos
    value: Any
    layer: str  # "base", "component hpa", "env prod defaults", "overlay qa", "--set", ...

    @property
    def where(self) -> str:
        """``path:line`` (``--set`` and ``<kconfig defaults>`` have no line)."""
        return f"{self.pos.path}:{self.pos.line}" if self.pos.line > 0 else self.pos.path


@dataclass(frozen=True, slots=True)
class Leaf:
    """An effective value and the layers that set it, lowest first (the last one wins).

    ``within`` names the value the layers set as a whole when this one is a part of it (an
    item of a plain list is set with its list)."""

    path: str
    key: PathKey
    value: Any
    settings: tuple[Setting, ...]
    within: str | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """The effective value of ``app`` in ``env`` at ``path`` (all values when ``None``)."""

    env: str
    app: str
    path: str | None
    key: PathKey
    value: Any
    leaves: tuple[Leaf, ...]

    @property
    def is_leaf(self) -> bool:
        """Whether ``path`` names one value (else a mapping or named list of them)."""
        return self.path is not None and len(self.leaves) == 1 and self.leaves[0].key == self.key

    def format(self) -> str:
        """The text ``kconfig explain`` prints; see :func:`format_explanation`."""
        return format_explanation(self)


# -- paths -----------------------------------------------------------------------------------
def _parts(path: str) -> list[str | tuple[str]]:
    try:
        return parse_value_path(path)
    except ValueError as err:
        raise UsageError(
            f"{err} (write paths like image.tag or sidecars[name].image)", code=_CODE
        ) from err


def _index(node: list[Any], name: str) -> int | None:
    for i, item in enumerate(node):
        if isinstance(item, Mapping) and item.get("name") == name:
            return i
    if name.isdigit() and int(name) < len(node):
        return int(name)
    return None


def _step(node: Any, part: str | tuple[str]) -> tuple[str | int, Any] | None:
    """One step down ``node``: ``(key or index, child)``, or ``None`` when there is none."""
    if isinstance(part, tuple):
        if isinstance(node, Mapping) and part[0] in node:
            return part[0], node[part[0]]  # [key] on a mapping: a key with dots
        if not isinstance(node, list):
            return None
        i = _index(node, part[0])
        return None if i is None else (i, node[i])
    if isinstance(node, Mapping) and part in node:
        return part, node[part]
    return None


def _resolve(data: Any, parts: Sequence[str | tuple[str]]) -> tuple[PathKey, Any, int]:
    """Follow ``parts``: (key so far, node reached, how many parts were followed)."""
    key: PathKey = ()
    node = data
    for n, part in enumerate(parts):
        found = _step(node, part)
        if found is None:
            return key, node, n
        key = (*key, found[0])
        node = found[1]
    return key, node, len(parts)


def lookup(data: Any, path: str, default: Any = None) -> Any:
    """The value at ``path`` in ``data`` (``[name]`` selects a named list item)."""
    parts = _parts(path)
    _, node, depth = _resolve(data, parts)
    return node if depth == len(parts) else default


def _key_text(key: str) -> str:
    return key if _SIMPLE_KEY.fullmatch(key) else f"[{key}]"


def display(data: Any, key: PathKey) -> str:
    """``key`` as a user writes it: ``sidecars[metrics-agent].image``."""
    out = ""
    node = data
    for part in key:
        if isinstance(part, int):
            item = node[part]
            name = item.get("name") if isinstance(item, Mapping) else None
            out += f"[{name}]" if is_named_list(node) and isinstance(name, str) else f"[{part}]"
        else:
            text = _key_text(part)
            out += text if not out or text.startswith("[") else f".{text}"
        node = node[part]
    return out


def _all_paths(node: Any, key: PathKey = ()) -> Iterator[PathKey]:
    if key:
        yield key
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _all_paths(v, (*key, k))
    elif is_named_list(node):
        for i, item in enumerate(node):
            yield from _all_paths(item, (*key, i))


def _leaf_keys(node: Any, key: PathKey) -> Iterator[PathKey]:
    """Keys of the values under ``node``: scalars, plain lists and empty mappings."""
    if isinstance(node, Mapping) and node:
        for k, v in node.items():
            yield from _leaf_keys(v, (*key, k))
    elif is_named_list(node):
        for i, item in enumerate(node):
            yield from _leaf_keys(item, (*key, i))
    else:
        yield key


def leaf_paths(data: Any, path: str) -> list[str]:
    """The paths of the values at or under ``path`` in ``data`` (none when it is missing)."""
    parts = _parts(path)
    key, node, depth = _resolve(data, parts)
    if depth < len(parts):
        return []
    return [display(data, k) for k in _leaf_keys(node, key)]


# -- explaining ------------------------------------------------------------------------------
def _labels(values: Values) -> dict[str, str]:
    labels = {layer.source: layer.label for layer in values.layers}
    labels.setdefault(DEFAULTS_SOURCE, "kconfig defaults")
    return labels


def _history(values: Values, key: PathKey) -> tuple[list[Origin], PathKey]:
    """The history of ``key`` or of the nearest recorded value that holds it."""
    prov = values.merged.provenance
    here = key
    while here:
        if here in prov:
            return prov[here], here
        here = here[:-1]
    return [], key


def _leaf(values: Values, key: PathKey, labels: Mapping[str, str]) -> Leaf:
    data = values.data
    history, recorded = _history(values, key)
    settings = tuple(Setting(o.pos, o.value, labels.get(o.pos.path, o.pos.path)) for o in history)
    within = display(data, recorded) if recorded != key and history else None
    node: Any = data
    for part in key:
        node = node[part]
    return Leaf(display(data, key), key, node, settings, within)


def _deleted_at(values: Values, parts: Sequence[str | tuple[str]]) -> SourcePos | None:
    """Where a layer deleted the value at ``parts`` with ``null`` (the last such layer)."""
    if not parts or any(isinstance(p, tuple) for p in parts):
        return None
    for layer in reversed(values.layers):
        node: Any = layer.doc
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, Mapping) else None
        last = parts[-1]
        if isinstance(node, Mapping) and last in node and node[last] is None:
            return position_of(node, str(last)) or SourcePos(layer.source)
    return None


def _missing(values: Values, path: str, parts: Sequence[str | tuple[str]]) -> UsageError:
    data = values.data
    what = f"{values.app} in {values.env}"
    deleted = _deleted_at(values, parts)
    if deleted is not None:
        return UsageError(
            f"{path} is not set for {what}: deleted here with null", deleted, code=_CODE
        )
    candidates = [display(data, k) for k in _all_paths(data)]
    near = close_matches(path, candidates, n=3)
    key, node, _ = _resolve(data, parts)
    if near:
        hint = "did you mean " + " or ".join(near) + "?"
    elif isinstance(node, Mapping) and node:
        where = display(data, key) if key else "the top level"
        hint = f"keys at {where}: " + ", ".join(sorted(node))
    else:
        hint = f"{display(data, key) or 'it'} has nothing below it"
    return UsageError(f"no value {path} for {what}; {hint}", code=_CODE)


def explain_values(values: Values, path: str | None = None) -> Explanation:
    """The explanation of ``path`` (or of every value) in already merged ``values``."""
    labels = _labels(values)
    data = values.data
    if path is None:
        key: PathKey = ()
        node: Any = data
    else:
        parts = _parts(path)
        key, node, depth = _resolve(data, parts)
        if depth < len(parts):
            raise _missing(values, path, parts)
    leaves = tuple(_leaf(values, k, labels) for k in _leaf_keys(node, key))
    shown = None if path is None else display(data, key)
    return Explanation(values.env, values.app, shown, key, node, leaves)


def explain(
    sources: Sources, env: str, app: str, path: str | None = None, overrides: Sequence[str] = ()
) -> Explanation:
    """Effective value(s) of ``app`` in ``env`` with the layers that set them."""
    return explain_values(app_values(sources, env, app, overrides), path)


# -- text ------------------------------------------------------------------------------------
def flow(value: Any, *, inner: bool = False) -> str:
    """``value`` on one line, in YAML flow form (strings quoted only when needed)."""
    if isinstance(value, str):
        if is_plain(value) and not (inner and _FLOW_UNSAFE.search(value)):
            return value
        if value.isprintable():
            return "'" + value.replace("'", "''") + "'"
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return (
            "{"
            + ", ".join(f"{flow(k, inner=True)}: {flow(v, inner=True)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v, inner=True) for v in value) + "]"
    return str(value)


def _history_lines(leaf: Leaf) -> list[str]:
    rows = [(s.where, flow(s.value), s.layer) for s in leaf.settings]
    if not rows:
        return ["  (no layer recorded)"]
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    out = []
    for where, value, layer in rows:
        line = f"  {where:<{w1}}  {value:<{w2}}"
        if layer not in (where, "--set", "kconfig defaults"):
            line += f"  ({layer})"
        out.append(line.rstrip())
    return out


def _format_leaf(leaf: Leaf) -> str:
    lines = [f"{leaf.path}: {flow(leaf.value)}"]
    if leaf.within:
        lines.append(f"  set as part of {leaf.within}:")
    lines += _history_lines(leaf)
    return "\n".join(lines) + "\n"


class _Listing:
    """Writes values as YAML-ish lines, each leaf with the place that set it."""

    # Notes line up at one column, unless a line is longer than this.
    ALIGN_MAX = 56

    def __init__(self, leaves: Sequence[Leaf]) -> None:
        self.notes = {leaf.key: _note(leaf) for leaf in leaves}
        self.rows: list[tuple[str, str]] = []  # (line, "# where it was set")

    def mapping(self, node: Mapping[str, Any], key: PathKey, indent: str) -> None:
        for k, v in node.items():
            self.entry(flow(k), v, (*key, k), indent)

    def entry(self, label: str, value: Any, key: PathKey, indent: str) -> None:
        if isinstance(value, Mapping) and value:
            self.rows.append((f"{indent}{label}:", ""))
            self.mapping(value, key, indent + "  ")
        elif is_named_list(value):
            self.rows.append((f"{indent}{label}:", ""))
            for i, item in enumerate(value):
                first = len(self.rows)
                self.mapping(item, (*key, i), indent + "  ")
                line, note = self.rows[first]
                self.rows[first] = (f"{indent}- {line[len(indent) + 2 :]}", note)
        else:
            self.rows.append((f"{indent}{label}: {flow(value)}", self.notes.get(key, "")))

    def text(self) -> str:
        fits = [len(line) for line, note in self.rows if note and len(line) <= self.ALIGN_MAX]
        column = max(fits, default=0)
        out = [f"{line:<{column}}  {note}" if note else line for line, note in self.rows]
        return "\n".join(out) + "\n"


def _note(leaf: Leaf) -> str:
    if not leaf.settings:
        return ""
    wheres = [s.where for s in reversed(leaf.settings)]
    text = f"# {wheres[0]}"
    if len(wheres) > 1:
        text += f" (over {', '.join(wheres[1:])})"
    return text


def format_explanation(expl: Explanation) -> str:
    """The text ``kconfig explain`` prints."""
    if expl.is_leaf:
        return _format_leaf(expl.leaves[0])
    listing = _Listing(expl.leaves)
    if expl.path is None:
        listing.mapping(expl.value, (), "")
    else:
        listing.entry(expl.path, expl.value, expl.key, "")
    return listing.text()
