"""Name rules for apps, environments, components and templates (CONTRACT: app/env names).

A name is checked before it is ever joined to a path, so a name like ``../x`` or ``/etc`` is
an error that names the file that used it, never a file access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kconfig.errors import LoadError, SourcePos, type_name

NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# The same rule as kconfig's JSON schemas spell it (their ``pattern``).
NAME_PATTERN = f"^{NAME_RE.pattern}$"
MAX_NAME = 53
DNS_LABEL = 63  # a namespace, a Service: an RFC 1123 label


def name_problem(name: object, max_len: int = MAX_NAME) -> str | None:
    """Why ``name`` is not a valid app/environment/component name (or, with ``max_len`` 63,
    a valid namespace, a DNS label), or ``None``."""
    if not isinstance(name, str):
        return f"a name must be a string, not {type_name(name)}"
    if not name:
        return "a name must not be empty"
    if len(name) > max_len:
        return f"name {name!r} is longer than {max_len} characters"
    if not NAME_RE.fullmatch(name):
        return (
            f"invalid name {name!r}: use lower-case letters, digits and '-', "
            "starting and ending with a letter or digit (no paths)"
        )
    return None


def check_name(name: object, what: str, pos: SourcePos, *, max_len: int = MAX_NAME) -> str:
    """Return ``name`` when valid; raise a LoadError at ``pos`` otherwise."""
    problem = name_problem(name, max_len)
    if problem is not None:
        raise LoadError(f"{what}: {problem}", pos)
    assert isinstance(name, str)
    return name


def close_matches(
    word: str, candidates: Iterable[str], n: int = 1, cutoff: float = 0.6
) -> list[str]:
    """The ``candidates`` closest to a misspelt ``word`` (for "did you mean" hints).

    difflib is imported here, not at start-up: hints are only computed for an error.
    """
    import difflib

    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean `x`?)`` for the closest candidate, or "" when none is close."""
    close = close_matches(word, candidates)
    return f" (did you mean `{close[0]}`?)" if close else ""
