"""The one exception hierarchy of kconfig, and the located diagnostics it carries.

::

    KconfigError                 base: one or more Diagnostics, each located at a SourcePos
    ├── UsageError               the command line was wrong (CLI exit 2)
    ├── LoadError                a file could not be read or parsed, a name is not allowed
    ├── MergeError               layers do not combine (extends cycle, bad --set path)
    ├── RenderError              a template or Jsonnet program failed
    ├── PatchError               an overlay patch targets nothing or does not apply
    ├── ValidationError          input or output failed a schema or a semantic check
    └── OutputError              the output directory cannot be written as asked

Exceptions never print or colour anything; reporters in ``kconfig.cli.report`` do.
Every problem of a run is collected into one exception (``diagnostics``) so that the
user sees them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

_BUILTINS = (bool, int, float, str, bytes, dict, list, tuple, set)


def type_name(value: object) -> str:
    """The name messages give the type of a value the user wrote: the built-in type it is
    (``dict``, ``list``), never the class of a reader or a library (``MarkedMap``,
    ``CommentedSeq``), which means nothing to a user."""
    for base in _BUILTINS:
        if isinstance(value, base):
            return base.__name__
    return type(value).__name__


@dataclass(frozen=True, slots=True, order=True)
class SourcePos:
    """A place in a file the user wrote: path relative to the project root, 1-based."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.col or 1}"


# Every character str.splitlines() or a terminal takes as a line break or control, escaped.
_ONE_LINE = {c: repr(chr(c))[1:-1] for c in (*range(0x20), 0x7F, 0x85, 0x2028, 0x2029)}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where, how bad, which check (stable code), and what to do about it."""

    message: str
    pos: SourcePos | None = None
    severity: Severity = "error"
    code: str = "KC000"

    def format(self) -> str:
        """The one-line form ``path:line:col: error: message`` the CLI prints. Control
        characters from the input (a key holding a newline) are escaped: always one line."""
        where = str(self.pos) if self.pos else "kconfig"
        return f"{where}: {self.severity}: {self.message}".translate(_ONE_LINE)

    def to_dict(self) -> dict[str, object]:
        pos = self.pos
        return {
            "file": pos.path if pos else None,
            "line": pos.line if pos else None,
            "col": pos.col if pos else None,
            "severity": self.severity,
            "id": self.code,
            "message": self.message,
        }


class KconfigError(Exception):
    """Base of every error kconfig raises on purpose. Holds one or more diagnostics."""

    diagnostics: list[Diagnostic]

    def __init__(
        self,
        message: str | Sequence[Diagnostic],
        pos: SourcePos | None = None,
        *,
        code: str | None = None,
    ) -> None:
        if isinstance(message, str):
            diags = [Diagnostic(message, pos, "error", code or self.default_code)]
        else:
            diags = list(message)
        self.diagnostics = diags
        super().__init__("\n".join(d.format() for d in diags))

    default_code = "KC000"

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def __str__(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)


class UsageError(KconfigError):
    default_code = "KC001"


class LoadError(KconfigError):
    default_code = "KC010"


class MergeError(KconfigError):
    default_code = "KC020"


class RenderError(KconfigError):
    default_code = "KC030"


class PatchError(KconfigError):
    default_code = "KC040"


class ValidationError(KconfigError):
    default_code = "KC100"


class OutputError(KconfigError):
    default_code = "KC050"


# The stages in pipeline order: a run that failed in several reports as the earliest.
_STAGES: tuple[type[KconfigError], ...] = (
    UsageError,
    LoadError,
    MergeError,
    RenderError,
    PatchError,
    ValidationError,
    OutputError,
)


class Collector:
    """Gathers diagnostics across a run, so every problem is reported, not only the first.

    It also remembers which kind of error each came from (:meth:`capture`, or ``cls`` of
    :meth:`extend`), so that the run raises the documented subclass (a duplicate key is a
    LoadError, a patch that matches nothing a PatchError), not the base class."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self._classes: list[type[KconfigError]] = []

    def add(self, diag: Diagnostic) -> None:
        self.diagnostics.append(diag)

    def extend(self, diags: Iterable[Diagnostic], cls: type[KconfigError] | None = None) -> None:
        added = list(diags)
        self.diagnostics.extend(added)
        if cls is not None and any(d.severity == "error" for d in added):
            self._classes.append(cls)

    def error(self, message: str, pos: SourcePos | None = None, code: str = "KC000") -> None:
        self.diagnostics.append(Diagnostic(message, pos, "error", code))

    def capture(self, err: KconfigError) -> None:
        self.extend(err.diagnostics, type(err))

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def error_class(self, default: type[KconfigError] = KconfigError) -> type[KconfigError]:
        """The class to raise: that of every error captured, the earliest stage's when
        they differ (:data:`_STAGES`), ``default`` when none was captured."""
        classes = set(self._classes)
        if len(classes) == 1:
            return classes.pop()
        for stage in _STAGES:
            if any(issubclass(cls, stage) for cls in classes):
                return stage
        return default

    def raise_if_errors(self, cls: type[KconfigError] | None = None) -> None:
        """Raise holding every diagnostic (warnings too) when any is an error: as ``cls``
        when given, else as :meth:`error_class` says."""
        if self.has_errors:
            raise (cls or self.error_class())(sorted_diagnostics(self.diagnostics))


def sorted_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Stable report order: by file, line, column, then message; unlocated last."""
    unique = list(dict.fromkeys(diags))
    return sorted(
        unique,
        key=lambda d: (d.pos is None, d.pos or SourcePos(""), d.code, d.message),
    )
