"""Reporters: diagnostics as text lines (``path:line:col: error: message``) or JSON.

The only place that formats problems for people or machines; library code raises.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from kconfig.errors import Diagnostic, sorted_diagnostics


def summary(diags: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diags if d.severity == "error")
    warnings = len(diags) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


def report_text(diags: Sequence[Diagnostic], out: TextIO) -> None:
    """One line per problem, sorted by file and line."""
    for diag in sorted_diagnostics(diags):
        out.write(diag.format() + "\n")


def report_json(diags: Sequence[Diagnostic], out: TextIO) -> None:
    """A stable machine-readable list: file, line, col, severity, id, message."""
    payload = [d.to_dict() for d in sorted_diagnostics(diags)]
    out.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
