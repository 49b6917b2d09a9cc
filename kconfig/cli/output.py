"""The one output flag, ``-o text|yaml|json``, of every command that prints a result, and
the printers of its ``yaml`` and ``json`` forms (the ``text`` form is each command's own).

Data given to :func:`emit` is plain (dicts, lists, strings, numbers); records are turned into
it by :func:`plain`. Older spellings (``validate --format``) stay as aliases of ``-o``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

FORMATS = ("text", "yaml", "json")


def add_output_flag(
    parser: argparse.ArgumentParser,
    *aliases: str,
    default: str = "text",
    formats: Sequence[str] = FORMATS,
    what: str = "the result",
) -> None:
    """``-o/--output`` (plus ``aliases``, e.g. ``--format``) with ``formats``."""
    parser.add_argument(
        "-o",
        "--output",
        *aliases,
        dest="output",
        choices=tuple(formats),
        default=default,
        help=f"print {what} as {', '.join(formats)} (default {default})",
    )


def plain(value: Any) -> Any:
    """``value`` as JSON-able data: dataclasses become dicts (fields in order), positions
    ``path:line:col`` strings, tuples lists."""
    from kconfig.errors import SourcePos

    if isinstance(value, SourcePos):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def emit(data: Any, output: str, out: TextIO) -> None:
    """``data`` as JSON (indented, keys in their order) or YAML (block style)."""
    if output == "json":
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    import yaml

    out.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False))
