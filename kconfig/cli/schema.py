"""``kconfig schema app|env|project``: print the JSON Schema of an input file, for editors
(``# yaml-language-server: $schema=...``) and other tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

# The input file each name describes -> its schema in kconfig/schemas/ (read as data: no
# import of the loading stage, so the command stays as cheap as `kconfig --version`).
SCHEMAS = {
    "app": "app.schema.json",  # bases/<app>/app.yaml and overlays/<env>/<app>.yaml
    "env": "env.schema.json",  # overlays/<env>/env.yaml
    "project": "kconfig.schema.json",  # kconfig.yaml
    "component": "component.schema.json",  # components/<name>/values.yaml
}
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def add_arguments(sub: Any, name: str, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        name,
        parents=[common],
        help="print the JSON Schema of an input file (for editors)",
        description="Print the JSON Schema (draft 2020-12) of an input file: app "
        "(bases/<app>/app.yaml, overlays/<env>/<app>.yaml), env (overlays/<env>/env.yaml), "
        "project (kconfig.yaml) or component (components/<name>/values.yaml). Save it and "
        "point your editor at it: `# yaml-language-server: $schema=app.schema.json`.",
    )
    p.add_argument("which", choices=tuple(SCHEMAS), metavar="|".join(SCHEMAS))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write((SCHEMA_DIR / SCHEMAS[args.which]).read_text(encoding="utf-8"))
    return 0
