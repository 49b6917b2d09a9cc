"""Write docs/values.md, the values reference, from kconfig's input schemas.

    python docs/values_doc.py           # rewrite docs/values.md
    python docs/values_doc.py --check   # exit 1 when docs/values.md is not what it writes

Every key of kconfig.yaml, overlays/<env>/env.yaml and the app values (bases/<app>/app.yaml,
overlays/<env>/<app>.yaml, components/<name>/values.yaml) with its type, default,
description and examples, read from kconfig/schemas/*.schema.json: the schemas that validate
the files are the one source, so the reference cannot leave a key out. A development tool
(not part of the installed package): it reads the schemas as data and imports nothing of
kconfig. tests/unit/test_values_doc.py fails when docs/values.md is stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "kconfig" / "schemas"
OUT = ROOT / "docs" / "values.md"

# (schema file, heading, the files it describes), in the order a new user meets them.
DOCUMENTS = (
    ("kconfig.schema.json", "kconfig.yaml", "`kconfig.yaml` at the project root"),
    ("env.schema.json", "Environments", "`overlays/<env>/env.yaml`"),
    (
        "app.schema.json",
        "App values",
        "`bases/<app>/app.yaml`, `overlays/<env>/<app>.yaml` and "
        "`components/<name>/values.yaml` (components take the same keys)",
    ),
)
_MAX_DEPTH = 8  # $ref cycles (none today) stop here instead of looping


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return data


class _Resolver:
    """``$ref``s within and across kconfig's schemas (``app.schema.json#/$defs/x``)."""

    def __init__(self) -> None:
        self._docs: dict[str, dict[str, Any]] = {}

    def resolve(self, node: Mapping[str, Any], doc: str) -> tuple[Mapping[str, Any], str]:
        """``node`` with its ``$ref`` followed (its own keys win, as in 2020-12), and the
        document the result lives in."""
        seen = 0
        while "$ref" in node and seen < _MAX_DEPTH:
            ref = str(node["$ref"])
            file, _, pointer = ref.partition("#")
            doc = file or doc
            target: Any = self._docs.setdefault(doc, _load(doc))
            for part in [p for p in pointer.split("/") if p]:
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return node, doc


def _types(node: Mapping[str, Any]) -> str:
    if "enum" in node:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in node["enum"] if v is not None)
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    kinds = node.get("type")
    names = [kinds] if isinstance(kinds, str) else list(kinds or [])
    names = [n for n in names if n != "null"]
    for key in ("oneOf", "anyOf"):
        for option in node.get(key) or ():
            names.extend(t for t in _types(option).split(" \\| ") if t and t not in names)
    return " \\| ".join(names) or "any"


def _cell(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(
    node: Mapping[str, Any], doc: str, path: str, resolver: _Resolver, depth: int = 0
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(dotted key, resolved schema) of every key under ``node``, depth first, in the
    schema's order: ``a.b``, list items ``a[]``, any key of a map ``a.<name>``."""
    if depth > _MAX_DEPTH:
        return
    whole = str(node.get("$ref", "")).rstrip("#")
    if path and whole in _SCHEMA_COMMAND:  # a whole input file, e.g. env.yaml `defaults`
        yield path, {**node, "type": "object", "described": _SCHEMA_COMMAND[whole]}
        return
    node, doc = resolver.resolve(node, doc)
    if path:
        yield path, node
    for key, child in (node.get("properties") or {}).items():
        yield from _rows(child, doc, f"{path}.{key}" if path else key, resolver, depth + 1)
    items = node.get("items")
    if isinstance(items, Mapping):
        item, item_doc = resolver.resolve(items, doc)
        if item.get("properties") or item.get("additionalProperties") not in (None, False, True):
            yield from _children(item, item_doc, f"{path}[]", resolver, depth)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        value, value_doc = resolver.resolve(extra, doc)
        yield from _rows(value, value_doc, f"{path}.<name>", resolver, depth + 1)
    yield from _alternatives(node, doc, path, resolver, depth)


def _alternatives(
    node: Mapping[str, Any], doc: str, path: str, resolver: _Resolver, depth: int
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Keys that only a ``oneOf``/``anyOf`` alternative has (a probe's httpGet or exec)."""
    own = node.get("properties") or {}
    for key in ("oneOf", "anyOf"):
        for option in node.get(key) or ():
            resolved, option_doc = resolver.resolve(option, doc)
            for child_key, child in (resolved.get("properties") or {}).items():
                if child_key not in own:
                    yield from _rows(child, option_doc, f"{path}.{child_key}", resolver, depth + 1)


def _children(
    node: Mapping[str, Any], doc: str, path: str, resolver: _Resolver, depth: int
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for key, child in (node.get("properties") or {}).items():
        yield from _rows(child, doc, f"{path}.{key}", resolver, depth + 1)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        yield from _rows(extra, doc, f"{path}.<name>", resolver, depth + 1)


def _section(file: str, heading: str, where: str, resolver: _Resolver) -> list[str]:
    schema = _load(file)
    lines = [
        f"## {heading}",
        "",
        f"{where}. {schema.get('description', '')} Schema: `kconfig schema "
        f"{_SCHEMA_COMMAND[file]}` ([{file}](../kconfig/schemas/{file})).",
        "",
        "| key | type | default | description | example |",
        "|---|---|---|---|---|",
    ]
    for path, node in _rows(schema, file, "", resolver):
        default = f"`{_cell(node['default'])}`" if "default" in node else ""
        examples = node.get("examples") or ()
        example = "<br>".join(f"`{_cell(e)}`" for e in examples)
        description = _cell(node.get("description", ""))
        if "described" in node:
            description += f" Its keys: the {_HEADINGS[node['described']]} below."
        lines.append(f"| `{path}` | {_types(node)} | {default} | {description} | {example} |")
    return [*lines, ""]


_SCHEMA_COMMAND = {
    "kconfig.schema.json": "project",
    "env.schema.json": "env",
    "app.schema.json": "app",
}
_HEADINGS = {_SCHEMA_COMMAND[file]: heading for file, heading, _ in DOCUMENTS}


def render() -> str:
    resolver = _Resolver()
    out = [
        "# Values reference",
        "",
        "<!-- Generated by `python docs/values_doc.py` from kconfig/schemas/*.schema.json; "
        "do not edit (a test fails when it is stale). -->",
        "",
        "Every key kconfig reads, from the JSON schemas that validate the files. `a.b` is key "
        "`b` under `a`; `a[]` an item of the list `a`; `a.<name>` any key of the map `a`. "
        'A key set to `null` in a later layer deletes it (README, "Layers and merge rules"). '
        "Editors complete and check the files with the schemas: put "
        "`# yaml-language-server: $schema=<file>` (the output of `kconfig schema app`, saved) "
        "on the first line.",
        "",
    ]
    for file, heading, where in DOCUMENTS:
        out.extend(_section(file, heading, where, resolver))
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else None
        if current != text:
            sys.stderr.write(f"{OUT.relative_to(ROOT)} is stale: run python docs/values_doc.py\n")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
