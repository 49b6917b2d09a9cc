"""The only reader of hand-written YAML: files in, plain data with positions out.

Why PyYAML's C composer and not ruamel.yaml round-trip: FACTS.md measured 2.6 ms per file for
ruamel round-trip against a fraction of that for ``yaml.compose(..., Loader=CSafeLoader)``,
which also keeps a line/column mark on every node and resolves scalars with YAML 1.1 rules
(``on`` is a boolean, ``0644`` is 420), exactly as kubectl reads them. ruamel.yaml is kept
for what only it can do: comment-preserving edits (``kconfig.daytwo.edit``).

The data we return is made of :class:`MarkedMap` and :class:`MarkedList`: a ``dict``/``list``
subclass that also remembers where each key and item was written, so any later step (merge
provenance, schema errors, ``explain``) can point at the user's file:line without a second
parse. Limits that keep hostile input cheap: file size, node count (alias bombs expand to
billions of nodes), nesting depth (libyaml itself refuses more than 1,000 levels).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from kconfig.core.marked import MarkedList, MarkedMap, plain
from kconfig.errors import LoadError, SourcePos, type_name

# libyaml's loader where PyYAML has it (every wheel does), the pure-Python one otherwise; every
# YAML kconfig reads (inputs, rendered templates, CRD files, build output) goes through it.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Binary data has no place in text manifests (and bytes do not survive the trip to JSON).
_BINARY = "tag:yaml.org,2002:binary"


_INT_TOO_BIG = "integer with more than 4300 digits"
_INT_MAX_BITS = 14_000  # ~4,215 decimal digits: below Python's default str() limit of 4,300


class ReadLimits(NamedTuple):
    """Bounds on what one input file may cost to read."""

    max_bytes: int = 4 * 1024 * 1024
    max_nodes: int = 200_000
    max_depth: int = 100


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed node graph into Marked data, counting nodes as aliases expand."""

    def __init__(
        self, source: str, loader: Any, limits: ReadLimits, *, json_only: bool = False
    ) -> None:
        self.source = source
        self.loader = loader
        self.limits = limits
        self.count = 0
        # Template output: values JSON (and so Kubernetes) can hold, nothing else.
        self.json_only = json_only

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise self._error(
                node,
                f"more than {self.limits.max_nodes} values (an alias bomb?); refusing to expand",
            )
        if depth > self.limits.max_depth:
            raise self._error(node, f"nesting deeper than {self.limits.max_depth} levels")
        if isinstance(node, yaml.MappingNode):
            self._plain_tag(node, _MAP)
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            self._plain_tag(node, _SEQ)
            seq = MarkedList(self.source, _at(node))
            for item in node.value:
                seq.mark_append(self.build(item, depth + 1), _at(item))
            return seq
        return self._scalar(node)

    def _plain_tag(self, node: yaml.Node, tag: str) -> None:
        """Collections are plain mappings and lists: ``!!python/object``, ``!!set``, ``!!omap``
        and local tags would otherwise be dropped without a word."""
        if node.tag != tag:
            raise self._error(node, f"the YAML tag {node.tag!r} is not supported here")

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR:
            return node.value
        if node.tag == _BINARY:
            raise self._error(node, "binary (!!binary) values are not supported: write text")
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            raise self._error(node, _yaml_problem(err)) from err
        except ValueError as err:  # Python's own int limit (sys.get_int_max_str_digits)
            raise self._error(node, _INT_TOO_BIG) from err
        if self.json_only:
            self._json_value(node, value)
        if isinstance(value, int) and value.bit_length() > _INT_MAX_BITS:
            # A hex or octal integer Python reads but cannot print (a template would fail
            # on it far from the overlay that wrote it).
            raise self._error(node, _INT_TOO_BIG)
        return value

    def _json_value(self, node: yaml.Node, value: Any) -> None:
        """Refuse, at its line, a value the output cannot hold: a YAML 1.1 date or time
        (``2024-01-01`` unquoted) or a float that is not a number (``.nan``, ``.inf``)."""
        if isinstance(value, datetime.date):
            raise self._error(node, f"a date or time ({node.value}): quote it to keep text")
        if isinstance(value, float) and not math.isfinite(value):
            raise self._error(node, f"{node.value} is not a number JSON can hold")

    def _mapping(self, node: yaml.MappingNode, depth: int) -> MarkedMap:
        out = MarkedMap(self.source)
        for key_node, value_node in self._pairs(node):
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                raise self._error(key_node, f"mapping key {shown!r} must be a string; quote it")
            if key in out:
                first = out.key_pos(key)
                raise self._error(
                    key_node, f"duplicate key {key!r} (first defined at line {first.line})"
                )
            out[key] = self.build(value_node, depth + 1)
            out.mark(key, _at(key_node), _at(value_node))
        return out

    def _pairs(
        self, node: yaml.MappingNode, depth: int = 0
    ) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        """Mapping pairs with YAML merge keys (``<<: *base``) expanded, explicit keys winning.

        A merged mapping's own merge keys are expanded too (YAML 1.1 allows ``<<`` inside a
        merged mapping). Every merged pair counts against the node bound, kept or not:
        ``<<: [*a, *a, ...]`` with 100,000 aliases of a large mapping is cheap to write and
        costly to expand (issue 18)."""
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        raise self._error(src, "a merge key (<<) needs a mapping or mappings")
                    merged.extend(self._merged(src, depth))
            else:
                own.append((key_node, value_node))
        if merged:
            own_keys = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
            seen: set[Any] = set()
            for key_node, value_node in merged:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self._error(key_node, "mapping key 'a collection' must be a string")
                if key_node.value not in own_keys and key_node.value not in seen:
                    seen.add(key_node.value)
                    yield key_node, value_node
        yield from own

    def _merged(self, src: yaml.MappingNode, depth: int) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        """The pairs one merged mapping brings, each counted against the node bound."""
        if depth > self.limits.max_depth:
            raise self._error(src, "merge keys nested too deep")
        for pair in self._pairs(src, depth + 1):
            self.count += 1
            if self.count > self.limits.max_nodes:
                raise self._error(
                    src,
                    f"more than {self.limits.max_nodes} values (an alias bomb?); refusing to "
                    "expand",
                )
            yield pair

    def _error(self, node: yaml.Node, message: str) -> LoadError:
        line, col = _at(node)
        return LoadError(message, SourcePos(self.source, line, col))


def _yaml_problem(err: yaml.YAMLError) -> str:
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    text = f"{context}: {problem}" if context and problem != context else str(problem)
    return f"invalid YAML: {text}"


def _error_pos(err: yaml.YAMLError, source: str) -> SourcePos:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return SourcePos(source, 1, 1)
    return SourcePos(source, mark.line + 1, mark.column + 1)


_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of ``text[offset]``, lines broken as YAML and Jinja2 break
    them: at ``\r\n``, ``\n`` or a lone ``\r`` (a file saved on an old Mac)."""
    line, start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, offset):
        line, start = line + 1, match.end()
    return line, offset - start + 1


def read_text(path: Path, source: str, limits: ReadLimits) -> str:
    """File contents as text, refusing non-UTF-8, oversized files and non-files."""
    whole = SourcePos(source, 1, 1)  # a problem of the file as a whole
    try:
        size = path.stat().st_size
        if not path.is_file():  # a FIFO or a device would block or never end
            raise LoadError("not a regular file", whole)
        if size > limits.max_bytes:
            raise LoadError(
                f"file is {size} bytes, over the {limits.max_bytes}-byte limit for inputs",
                whole,
            )
        raw = path.read_bytes()
    except OSError as err:
        raise LoadError(f"cannot read file: {err.strerror}", whole) from err
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        # In characters, as YAML errors count them: what precedes the bad byte is valid.
        before = raw[: err.start].decode("utf-8")
        line, col = position(before, len(before))
        raise LoadError(
            f"file is not valid UTF-8 (byte 0x{raw[err.start]:02x})",
            SourcePos(source, line, col),
        ) from err


def parse_yaml(text: str, source: str, limits: ReadLimits | None = None) -> Any:
    """One YAML document as Marked data; an empty document is ``None``."""
    limits = limits or ReadLimits()
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as err:
        raise LoadError(_yaml_problem(err), _error_pos(err, source)) from err
    finally:
        loader.dispose()
    if node is None:
        return None
    return _Builder(source, loader, limits).build(node)


def load_mapping(path: Path, source: str, limits: ReadLimits | None = None) -> MarkedMap:
    """Read a file that must hold one mapping (``{}`` when the file is empty)."""
    limits = limits or ReadLimits()
    data = parse_yaml(read_text(path, source, limits), source, limits)
    if data is None:
        return MarkedMap(source)
    if not isinstance(data, MarkedMap):
        what = "a list" if isinstance(data, list) else f"a {type_name(data)} scalar"
        raise LoadError(
            f"expected a mapping at the top of the file, found {what}", SourcePos(source, 1, 1)
        )
    return data


def parse_yaml_documents(text: str, source: str, limits: ReadLimits | None = None) -> list[Any]:
    """Every YAML document of ``text`` as plain data, under the same bounds as input files
    (node count with aliases and merges expanded, nesting depth): template output is as
    hostile as the templates that print it (issue 18). Empty documents are ``None``."""
    limits = limits or ReadLimits()
    loader = SAFE_LOADER(text)
    docs: list[Any] = []
    try:
        builder = _Builder(source, loader, limits, json_only=True)
        while True:
            try:
                node = loader.get_node() if loader.check_node() else None
            except yaml.YAMLError as err:
                raise LoadError(_yaml_problem(err), _error_pos(err, source)) from err
            if node is None:
                break
            docs.append(plain(builder.build(node)))
    finally:
        loader.dispose()
    return docs
