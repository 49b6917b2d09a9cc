"""Comment-preserving edits of hand-written YAML: the engine of ``set image`` and ``promote``.

The only module that changes a file the user wrote. An edit sets values at dotted paths
(``image.tag``, ``sidecars[metrics-agent].image``) with a ruamel.yaml round trip, then:

1. **keeps the file's form.** ruamel keeps comments, blank lines, key order, quoting and
   flow-style mappings, but re-indents everything with one global setting and normalises
   some spellings (``~`` becomes empty, ``a:   1`` becomes ``a: 1``, a comment before ``---``
   is dropped). So the indentation is detected from the file (ruamel does not report it),
   and afterwards every changed hunk of lines that does not change the data is put back as
   the user wrote it. A new key that ruamel puts after blank lines, or after the comments
   that introduce the next key, is moved up above them. The result: ``git diff`` shows the
   lines that carry the change, nothing else.
2. **proves the result.** The new text is parsed with kconfig's own reader
   (:func:`kconfig.load.reader.parse_yaml`, YAML 1.1) and must equal the old data with exactly
   the requested values changed; then the apps' values are merged again from a project that
   sees the new text (string-type checks included) and must have the requested effective
   values. A file is written only when every edit of the run passed.
3. **writes atomically.** A temporary file in the same folder, fsync, ``os.replace``; the
   file mode is kept. On any error no file is touched.

New strings are written as strings for a YAML 1.1 reader: quoted when kubectl would read
them as something else (``1.10``, ``on``, ``0644``), otherwise in the quote style of the value
they replace; a new key's string is double-quoted.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import stat
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kconfig.core.dump import is_plain
from kconfig.core.marked import locate, plain
from kconfig.core.paths import parse_value_path
from kconfig.errors import (
    Collector,
    KconfigError,
    LoadError,
    OutputError,
    SourcePos,
    UsageError,
    ValidationError,
    type_name,
)
from kconfig.load.files import Files
from kconfig.load.paths import base_file, overlay_file
from kconfig.load.reader import SAFE_LOADER, ReadLimits, parse_yaml, read_text
from kconfig.values.layers import app_values

if TYPE_CHECKING:
    from ruamel.yaml import YAML

    from kconfig.load.sources import Sources

__all__ = [
    "Change",
    "EditResult",
    "FileEdit",
    "Indent",
    "apply_changes",
    "changed_lines",
    "check_edits",
    "detect_indent",
    "edit_text",
    "plan_edits",
    "set_image",
    "write_atomic",
]

ValuePath = Sequence[str | tuple[str]]

_MISSING: Any = object()
_CODE = "KC062"
# Restoring hunks costs one parse each; a file rewritten beyond this is left as ruamel wrote it.
_MAX_HUNKS = 400
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_REPO_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
# A first component is a registry host only with a dot, a port or as localhost (Docker's rule).
_REGISTRY = r"(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+(?=:))(?::[0-9]+)?"
_REPOSITORY = re.compile(rf"(?:{_REGISTRY}/)?{_REPO_PART}(?:/{_REPO_PART})*")


# -- records -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Change:
    """One value to write: ``path`` of ``app`` in ``env``'s own overlay becomes ``new``.

    ``old`` is the effective value before (``None`` when unset), for reports.
    """

    env: str
    app: str
    path: str
    old: Any
    new: Any

    @property
    def file(self) -> str:
        return overlay_file(self.env, self.app)

    def describe(self) -> str:
        """``storefront image.tag 2.2.9 -> 2.3.0-rc.2``"""
        return f"{self.app} {self.path} {_shown(self.old)} -> {_shown(self.new)}"


def _shown(value: Any) -> str:
    from kconfig.daytwo.explain import flow

    if value is None:
        return "(unset)"
    return value if isinstance(value, str) else flow(value)


@dataclass(frozen=True, slots=True)
class FileEdit:
    """The text of one file before (``None``: the file is new) and after an edit."""

    rel: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True, slots=True)
class Indent:
    """Block indentation of a file, in ruamel's terms (relative to the parent key)."""

    mapping: int = 2
    sequence: int = 2  # column of a sequence item's content
    offset: int = 0  # column of the dash


# -- indentation ---------------------------------------------------------------------------
def _votes(node: yaml.Node, maps: Counter[int], seqs: Counter[tuple[int, int]]) -> None:
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _votes(item, maps, seqs)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        col = key.start_mark.column
        if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
            first = value.value[0][0]
            if first.start_mark.line > key.start_mark.line:
                maps[first.start_mark.column - col] += 1
        elif isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
            item = value.value[0]
            if value.start_mark.line > key.start_mark.line:
                seqs[(item.start_mark.column - col, value.start_mark.column - col)] += 1
        _votes(value, maps, seqs)


def detect_indent(text: str) -> Indent:
    """The indentation most of ``text`` uses (ruamel cannot tell; its default is 2/2/0)."""
    try:
        root = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return Indent()
    maps: Counter[int] = Counter()
    seqs: Counter[tuple[int, int]] = Counter()
    if root is not None:
        _votes(root, maps, seqs)
    mapping = maps.most_common(1)[0][0] if maps else 2
    mapping = mapping if mapping > 0 else 2
    if seqs:
        sequence, offset = seqs.most_common(1)[0][0]
        if offset >= 0 and sequence >= offset + 2:
            return Indent(mapping, sequence, offset)
    # No block sequence to learn from: kubectl style for 2, dash under the content otherwise.
    return Indent(mapping, mapping, max(0, mapping - 2))


# -- quoting ---------------------------------------------------------------------------------
def _styled(new: Any, old: Any) -> Any:
    """``new`` for ruamel, as a string that stays a string, quoted like ``old`` was."""
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        ScalarString,
        SingleQuotedScalarString,
    )

    if not isinstance(new, str):
        return _to_ruamel(new)
    if isinstance(old, SingleQuotedScalarString) and new.isprintable():
        return SingleQuotedScalarString(new)
    plain_before = isinstance(old, str | int | float) and not isinstance(old, ScalarString)
    if plain_before and old is not _MISSING and is_plain(new):
        return new
    return DoubleQuotedScalarString(new)


def _to_ruamel(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, Mapping):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = _styled(item, _MISSING)
        return out
    if isinstance(value, list):
        return CommentedSeq(_styled(item, _MISSING) for item in value)
    return value


# -- assigning -------------------------------------------------------------------------------
class _Conflict(Exception):
    """The file holds something else where the path needs a mapping or a list."""

    def __init__(self, message: str, depth: int) -> None:
        super().__init__(message)
        self.depth = depth  # how many parts of the path lead to the conflicting value


def _named(node: Any, name: str, depth: int) -> Any:
    if not isinstance(node, list):
        raise _Conflict(f"[{name}] needs a list of named items here", depth)
    for item in node:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    node.append(_new_container(node, "map"))
    node[-1]["name"] = name
    return node[-1]


def _step(node: Any, part: str | tuple[str], nxt: str | tuple[str], depth: int) -> Any:
    """The child of ``node`` at ``part``, created (a mapping or a list) when missing."""
    if isinstance(part, tuple):
        return _named(node, part[0], depth)
    if not isinstance(node, dict):
        raise _Conflict(f"{part!r} needs a mapping here", depth)
    child = node.get(part)
    if isinstance(child, dict | list):
        return child
    if child is not None:
        shown = f"{type_name(child)} {child!r}"
        raise _Conflict(f"{part!r} holds the {shown}, not a mapping or a list", depth + 1)
    node[part] = _new_container(node, "list" if isinstance(nxt, tuple) else "map")
    return node[part]


def _new_container(parent: Any, kind: str) -> Any:
    """A new empty mapping or list of the parent's family (ruamel's or plain)."""
    if type(parent).__module__.startswith("ruamel"):
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        return CommentedSeq() if kind == "list" else CommentedMap()
    return [] if kind == "list" else {}


def _assign(doc: Any, path: ValuePath, value: Any, *, ruamel: bool) -> None:
    node = doc
    for i, part in enumerate(path[:-1]):
        node = _step(node, part, path[i + 1], i)
    last = path[-1]
    assert isinstance(last, str)  # checked by _value_path
    node[last] = _styled(value, node.get(last, _MISSING)) if ruamel else value


def _value_path(text: str) -> list[str | tuple[str]]:
    try:
        path = parse_value_path(text)
    except ValueError as err:
        raise UsageError(str(err), code=_CODE) from err
    if isinstance(path[-1], tuple):
        raise UsageError(f"{text}: a value path must end with a key", code=_CODE)
    return path


def _conflict_pos(text: str, source: str, path: ValuePath, depth: int) -> SourcePos:
    """Where the value that is in the way was written."""
    doc = parse_yaml(text, source, ReadLimits())
    keys: list[str | int] = []
    node = doc
    for part in path[:depth]:
        if isinstance(part, tuple):
            found = next(
                (
                    i
                    for i, it in enumerate(node or ())
                    if isinstance(it, dict) and it.get("name") == part[0]
                ),
                None,
            )
            if found is None:
                break
            keys.append(found)
        else:
            keys.append(part)
        try:
            node = node[keys[-1]]
        except (KeyError, IndexError, TypeError):
            break
    return locate(doc, tuple(keys)) or SourcePos(source, 1, 1)


# -- data comparison ------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    """Equal data with equal types (``True == 1`` in Python, not in YAML)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and (a == b or (a != a and b != b))  # NaN equals NaN here


def _data(text: str, source: str) -> Any:
    doc = parse_yaml(text, source, ReadLimits())
    return {} if doc is None else plain(doc)


# -- the round trip -------------------------------------------------------------------------
def _yaml(indent: Indent) -> YAML:
    from ruamel.yaml import YAML

    rt = YAML()  # round trip: comments, order, flow style
    rt.preserve_quotes = True
    rt.width = 1 << 30  # never re-wrap a long line
    rt.indent(mapping=indent.mapping, sequence=indent.sequence, offset=indent.offset)
    return rt


_TRAILING_BLANKS = re.compile(r"[ \t]+$", re.MULTILINE)


def _ruamel_load(rt: YAML, text: str, source: str) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        try:
            return rt.load(text)
        except MarkedYAMLError:
            # ruamel refuses a tab at the end of a line that YAML allows; the lines are put
            # back as written afterwards (and a change of data would be refused).
            stripped = _TRAILING_BLANKS.sub("", text)
            if stripped == text:
                raise
            return rt.load(stripped)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        pos = SourcePos(source, mark.line + 1, mark.column + 1) if mark else SourcePos(source)
        raise LoadError(
            f"cannot edit this file: ruamel.yaml cannot read it: {err.problem}", pos, code=_CODE
        ) from err
    except YAMLError as err:
        raise LoadError(
            f"cannot edit this file: ruamel.yaml cannot read it: {err}",
            SourcePos(source),
            code=_CODE,
        ) from err


def _dump(rt: YAML, doc: Any) -> str:
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue()


def _ruamel_edit(text: str, parts: Sequence[tuple[str, ValuePath, Any]], source: str) -> str:
    """ruamel's rendering of ``text`` with the assignments made (before restoring)."""
    from ruamel.yaml.comments import CommentedMap

    indent = detect_indent(text)
    rt = _yaml(indent)
    doc = _ruamel_load(rt, text, source)
    if doc is None:  # empty, or comments only: keep them and add a mapping below
        doc = CommentedMap()
        head = text if text.endswith("\n") or not text else text + "\n"
    elif isinstance(doc, CommentedMap):
        head = ""
    else:
        raise LoadError(
            "expected a mapping at the top of the file", SourcePos(source, 1, 1), code=_CODE
        )
    for _, path, value in parts:
        _assign(doc, path, value, ruamel=True)
    return head + _dump(rt, doc)


def edit_text(
    before: str | None, assignments: Mapping[str, Any], source: str, *, header: str = ""
) -> str:
    """``before`` (``None``: a new file, started with ``header``) with each dotted path of
    ``assignments`` set to its value; every other line kept byte for byte.

    Raises :class:`LoadError` when the file cannot be read, holds a scalar where the path
    needs a mapping, or cannot be edited without changing anything else;
    :class:`UsageError` for a malformed path.
    """
    parts = [(p, _value_path(p), v) for p, v in assignments.items()]
    text = header if before is None else before
    newline = "\r\n" if "\r\n" in text else "\n"
    text = text.replace("\r\n", "\n")
    target = _data(text, source)
    for dotted, path, value in parts:
        try:
            _assign(target, path, value, ruamel=False)
        except _Conflict as err:
            pos = _conflict_pos(text, source, path, err.depth)
            raise LoadError(f"cannot set {dotted}: {err}", pos, code=_CODE) from err
    raw = _ruamel_edit(text, parts, source)
    if not _same(_data(raw, source), target):
        raise LoadError(
            "cannot edit this file without changing other values (anchors or aliases share "
            "the value?); edit it by hand",
            SourcePos(source, 1, 1),
            code=_CODE,
        )
    result = _restore(text, raw, target, source)
    if before and not before.endswith(("\n", "\r")) and result.endswith("\n"):
        result = result[:-1]
    return result.replace("\n", newline) if newline != "\n" else result


# -- restoring the user's spelling ----------------------------------------------------------
@dataclass(slots=True)
class _Hunk:
    old: list[str]
    new: list[str]
    use_old: bool = False

    @property
    def lines(self) -> list[str]:
        return self.old if self.use_old else self.new


def _hunks(old: list[str], new: list[str]) -> list[_Hunk]:
    """Equal runs and changed runs, the changed ones split as finely as lines allow."""
    out: list[_Hunk] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(_Hunk(old[i1:i2], new[j1:j2], True))
        else:
            # Line by line as far as both sides go, then the rest: each may be cosmetic.
            n = min(i2 - i1, j2 - j1)
            out.extend(
                _Hunk([a], [b]) for a, b in zip(old[i1 : i1 + n], new[j1 : j1 + n], strict=True)
            )
            if i2 - i1 != j2 - j1:
                out.append(_Hunk(old[i1 + n : i2], new[j1 + n : j2]))
    return out


def _text(hunks: Sequence[_Hunk]) -> str:
    return "".join(line for hunk in hunks for line in hunk.lines)


def _matches(hunks: Sequence[_Hunk], target: Any, source: str) -> bool:
    try:
        return _same(_data(_text(hunks), source), target)
    except KconfigError:
        return False


def _regions(hunks: Sequence[_Hunk]) -> list[list[_Hunk]]:
    """Runs of consecutive changed hunks."""
    out: list[list[_Hunk]] = []
    run: list[_Hunk] = []
    for hunk in [*hunks, _Hunk([], [], True)]:
        if not hunk.use_old:
            run.append(hunk)
        elif run:
            out.append(run)
            run = []
    return out


def _try_old(hunks: Sequence[_Hunk], part: Sequence[_Hunk], target: Any, source: str) -> bool:
    """Put ``part`` back as it was if the data stays ``target``; whether it was."""
    for hunk in part:
        hunk.use_old = True
    if _matches(hunks, target, source):
        return True
    for hunk in part:
        hunk.use_old = False
    return False


def _shift(line: str, delta: int) -> str:
    if delta >= 0:
        return " " * delta + line if line.strip() else line
    return line[min(-delta, _indent_of(line)) :]


def _try_realigned(
    hunks: Sequence[_Hunk], region: Sequence[_Hunk], target: Any, source: str
) -> bool:
    """Give the new lines of ``region`` the indentation the old lines had (a block indented
    unlike the rest of the file keeps its own); whether that keeps the data ``target``."""
    saved = [hunk.new for hunk in region]
    delta = 0
    for hunk in region:
        if len(hunk.old) == 1 and len(hunk.new) == 1:
            delta = _indent_of(hunk.old[0]) - _indent_of(hunk.new[0])
        hunk.new = [_shift(line, delta) for line in hunk.new]
    moved = any(h.new != lines for h, lines in zip(region, saved, strict=True))
    if moved and _matches(hunks, target, source):
        return True
    for hunk, lines in zip(region, saved, strict=True):
        hunk.new = lines
    return False


def _restore(old_text: str, new_text: str, target: Any, source: str) -> str:
    """``new_text`` with every changed run that does not change the data put back as it was
    in ``old_text``, and inserted blocks moved above the blank lines they landed after.

    A run is first put back whole (ruamel re-indents a block a line at a time cannot
    restore), else line by line (a run holding the edit itself)."""
    hunks = _hunks(old_text.splitlines(keepends=True), new_text.splitlines(keepends=True))
    if sum(not h.use_old for h in hunks) > _MAX_HUNKS:
        return new_text
    for region in _regions(hunks):
        if _try_old(hunks, region, target, source):
            continue
        if _try_realigned(hunks, region, target, source) or len(region) == 1:
            continue
        for hunk in region:
            _try_old(hunks, [hunk], target, source)
    hunks = _lift_inserts(hunks, target, source)
    return _text(hunks)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _loose(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _lift_count(lines: Sequence[str], block_indent: int) -> int:
    """How many of the blank and comment lines ending ``lines`` an inserted block goes above.

    All of them when they start with a blank line (they are apart from the content above,
    so they belong to what follows, or close the file); otherwise blank lines and comments
    of an outer level, which introduce what follows."""
    run = 0
    while run < len(lines) and _loose(lines[-1 - run]):
        run += 1
    if run and not lines[-run].strip():
        return run
    k = 0
    while k < run and (not lines[-1 - k].strip() or _indent_of(lines[-1 - k]) < block_indent):
        k += 1
    return k


def _lift_inserts(hunks: list[_Hunk], target: Any, source: str) -> list[_Hunk]:
    out = list(hunks)
    i = 1
    while i < len(out):
        trial = _lifted(out, i)
        if trial is not None and _matches(trial, target, source):
            out = trial
            i += 1  # the moved lines now follow the block
        i += 1
    return out


def _lifted(hunks: list[_Hunk], i: int) -> list[_Hunk] | None:
    """``hunks`` with the inserted block ``hunks[i]`` moved above the liftable lines that
    end the unchanged run before it, or ``None`` when there is nothing to move."""
    hunk, before = hunks[i], hunks[i - 1]
    if hunk.use_old or hunk.old or not hunk.new or not before.use_old:
        return None
    k = _lift_count(before.old, _indent_of(hunk.new[0]))
    if k == 0 or k == len(before.old):
        return None
    keep, moved = before.old[:-k], before.old[-k:]
    return [
        *hunks[: i - 1],
        _Hunk(keep, keep, True),
        hunk,
        _Hunk(moved, moved, True),
        *hunks[i + 1 :],
    ]


# -- writing ---------------------------------------------------------------------------------
def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` (following a symlink to its file) with ``text``, atomically: a
    temporary file in the same folder, fsync, rename. An existing file keeps its mode; a
    new one gets the umask's default."""
    target = path.resolve()
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            tmp.chmod(mode)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; not every platform can open a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- edits of a project ---------------------------------------------------------------------
class _EditedFiles(Files):
    """The project's files as they would be after the edits (nothing is written)."""

    def __init__(self, files: Files, edits: Sequence[FileEdit]) -> None:
        super().__init__(files.root, files.limits)
        self._texts = {edit.rel: edit.after for edit in edits}

    def exists(self, rel: str) -> bool:
        return rel in self._texts or super().exists(rel)

    def mapping(self, rel: str) -> Any:
        text = self._texts.get(rel)
        if text is None:
            return super().mapping(rel)
        doc = parse_yaml(text, rel, self.limits)
        if doc is None:
            from kconfig.core.marked import MarkedMap

            return MarkedMap(rel)
        if not isinstance(doc, dict):
            raise LoadError("expected a mapping at the top of the file", SourcePos(rel, 1, 1))
        return doc


def _header(change: Change) -> str:
    return f"# {change.app} in {change.env}: what differs from {base_file(change.app)}\n"


def plan_edits(sources: Sources, changes: Sequence[Change]) -> list[FileEdit]:
    """The edit of each overlay file the changes touch (files are read, not written)."""
    by_file: dict[str, list[Change]] = {}
    for change in changes:
        by_file.setdefault(change.file, []).append(change)
    edits: list[FileEdit] = []
    for rel, group in by_file.items():
        if not sources.files.inside(rel):
            raise LoadError(
                "refusing to edit a file outside the project (symlink?)", SourcePos(rel), code=_CODE
            )
        path = sources.files.path(rel)
        before = read_text(path, rel, sources.files.limits) if path.exists() else None
        assignments = {c.path: c.new for c in group}
        after = edit_text(before, assignments, rel, header=_header(group[0]))
        edits.append(FileEdit(rel, before, after))
    return edits


def _effective(data: Any, path: str) -> Any:
    from kconfig.daytwo.explain import lookup

    return lookup(data, path, default=None)


def check_edits(sources: Sources, edits: Sequence[FileEdit], changes: Sequence[Change]) -> None:
    """Merge the values of every changed app again, from the edited texts, and check that
    each change took effect. Raises one error holding every problem."""
    edited = sources.with_files(_EditedFiles(sources.files, edits))
    errors = Collector()
    checked: dict[tuple[str, str], Any] = {}
    for change in changes:
        key = (change.env, change.app)
        try:
            if key not in checked:
                checked[key] = app_values(edited, change.env, change.app).data
        except KconfigError as err:
            errors.extend(
                replace(d, message=f"{d.message} (after the edit; nothing was written)")
                for d in err.diagnostics
            )
            checked[key] = None
            continue
        got = _effective(checked[key], change.path)
        if not _same(got, change.new):
            errors.error(
                f"{change.app} {change.path} would be {got!r}, not {change.new!r}, after "
                "the edit; nothing was written",
                SourcePos(change.file),
                _CODE,
            )
    errors.raise_if_errors(ValidationError)


def apply_changes(
    sources: Sources, changes: Sequence[Change], *, dry_run: bool = False
) -> list[FileEdit]:
    """Edit, check and (unless ``dry_run``) write every change; all or nothing is written
    (short of a failing disk). Returns the edits of files whose text changes."""
    edits = [e for e in plan_edits(sources, changes) if e.changed]
    check_edits(sources, edits, changes)
    if not dry_run:
        for edit in edits:
            try:
                write_atomic(sources.files.path(edit.rel), edit.after)
            except OSError as err:
                raise OutputError(
                    f"cannot write the file: {err.strerror}", SourcePos(edit.rel), code=_CODE
                ) from err
    return edits


# -- set image ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EditResult:
    """What ``set image`` or ``promote`` changed (or, in a dry run, would change)."""

    changes: tuple[Change, ...]
    edits: tuple[FileEdit, ...]
    written: bool
    target: str = ""  # the overlay file it edits (or would)
    colour: str = ""  # set image on an ingressBlueGreen app: the (idle) colour it set

    @property
    def files(self) -> list[str]:
        return [edit.rel for edit in self.edits]


def check_tag(tag: str) -> None:
    """UsageError unless ``tag`` is a valid image tag."""
    if not _TAG.fullmatch(tag):
        raise UsageError(
            f"invalid image tag {tag!r}: up to 128 letters, digits, '_', '.' and '-', not "
            "starting with '.' or '-'",
            code=_CODE,
        )


def _check_image(tag: str | None, repository: str | None) -> None:
    if tag is not None:
        check_tag(tag)
    if repository is not None and not _REPOSITORY.fullmatch(repository):
        raise UsageError(
            f"invalid image repository {repository!r}: expected [host[:port]/]path with "
            "lower-case path components",
            code=_CODE,
        )


def _own_value(sources: Sources, rel: str, path: str) -> Any:
    """The value the overlay file itself holds at ``path`` (``_MISSING`` when it has none)."""
    from kconfig.daytwo.explain import lookup

    if not sources.files.exists(rel):
        return _MISSING
    return lookup(sources.files.mapping(rel), path, default=_MISSING)


def set_image(
    sources: Sources,
    env: str,
    app: str,
    tag: str | None,
    repository: str | None = None,
    *,
    digest: str | None = None,
    dry_run: bool = False,
) -> EditResult:
    """Set ``image.tag`` (and ``image.repository``, ``image.digest``) of ``app`` in
    ``overlays/ENV/APP.yaml``, creating the file or the ``image`` mapping when missing. A
    value the overlay already holds is not written again. (The digest's form and the
    blue-green rules are :mod:`kconfig.daytwo.bluegreen`'s.)"""
    _check_image(tag, repository)
    values = app_values(sources, env, app).data
    wanted = {"image.repository": repository} if repository is not None else {}
    if tag is not None:
        wanted["image.tag"] = tag
    if digest is not None:
        wanted["image.digest"] = digest
    rel = overlay_file(env, app)
    changes = tuple(
        Change(env, app, path, _effective(values, path), value)
        for path, value in wanted.items()
        if not _same(_own_value(sources, rel, path), value)
    )
    if not changes:
        return EditResult((), (), False, rel)
    edits = apply_changes(sources, changes, dry_run=dry_run)
    return EditResult(changes, tuple(edits), not dry_run, rel)


def changed_lines(edit: FileEdit) -> Iterator[str]:
    """The ``-``/``+`` lines of an edit (for tests and reports)."""
    old = (edit.before or "").splitlines()
    new = edit.after.splitlines()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            yield from (f"-{line}" for line in old[i1:i2])
            yield from (f"+{line}" for line in new[j1:j2])
