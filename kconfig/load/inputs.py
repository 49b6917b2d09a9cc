"""kconfig's own JSON schemas, compiled once, and the located errors of an input file.

:class:`OwnSchemas` holds kconfig's schemas (``kconfig/schemas/``, see
:mod:`kconfig.core.schemadata`) compiled on first use: the input schemas every file a user
writes is checked against (kconfig.yaml, env.yaml, app values, components), and the output
schemas of the custom resources kconfig writes. :meth:`OwnSchemas.check` turns the problems
of one document into diagnostics located at the offending key or value (the positions the
reader kept): an unknown key with a "did you mean" hint, a wrong type naming the expected one.

jsonschema-rs answers "valid?" in microseconds; only a document that fails is checked again
with ``jsonschema`` for its richer errors (FACTS.md: jsonschema is 200x slower, fine for the
few files that are wrong).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kconfig.core.marked import MarkedMap, locate
from kconfig.core.names import MAX_NAME, NAME_PATTERN, close_matches, did_you_mean, name_problem
from kconfig.core.paths import PathKey, dotted, walk
from kconfig.errors import Diagnostic, SourcePos, type_name

INPUT_SCHEMA = "KC090"  # an input file breaks its schema
UNKNOWN_KEY = "KC091"  # an input file has a key its schema does not know
STRAY_OVERLAY = "KC170"  # a file under overlays/<env>/ that names no app of the environment

# Input rules that are not schema problems, as `kconfig validate --list-checks` lists them.
INPUT_CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        STRAY_OVERLAY,
        "error",
        "every .yaml/.yml/.json file under overlays/<env>/ is env.yaml or <app>.yaml of an "
        "app of that environment (a typo or a .yml file is never ignored silently)",
    ),
)
# Files of an overlay folder that look like configuration: a README or .gitkeep is not.
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json")

# The schema of each kind of input file.
SCHEMA_OF_ROLE = {
    "project": "kconfig.schema.json",
    "env": "env.schema.json",
    "base": "app.schema.json",
    "overlay": "app.schema.json",
    "component": "component.schema.json",
}


def not_a_string(dotted: str, value: Any) -> str:
    """The message for a YAML 1.1 boolean or number where Kubernetes wants a string."""
    shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return (
        f"{dotted} must be a string, but YAML 1.1 read the value as the "
        f"{type_name(value)} {shown}; put it in quotes"
    )


_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (Mapping, "object"),
)


def json_type(value: Any) -> str:
    """The JSON Schema type name of a Python value (``null`` for None)."""
    if value is None:
        return "null"
    for cls, name in _JSON_TYPES:
        if isinstance(value, cls):
            return name
    return type_name(value)


def describe(value: Any) -> str:
    """A value as messages show it: its type and, for scalars, the value itself."""
    kind = json_type(value)
    if isinstance(value, Mapping | list):
        return _article(kind)
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if value is None:
        return "null"
    shown = json.dumps(value) if isinstance(value, str | int | float) else str(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{kind} {shown}"


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


class OwnSchemas:
    """kconfig's schemas, compiled on first use and reused for every later document."""

    def __init__(self) -> None:
        self._resources: list[tuple[str, dict[str, Any]]] | None = None
        self._registry: Any = None
        self._fast: dict[str, Any] = {}
        self._rich: dict[str, Any] = {}
        self._rich_registry: Any = None

    def resources(self) -> list[tuple[str, dict[str, Any]]]:
        """``(uri, schema)`` of every kconfig schema, read once."""
        if self._resources is None:
            from kconfig.core.schemadata import schema_resources

            self._resources = schema_resources()
        return self._resources

    def registry(self) -> Any:
        """The jsonschema-rs registry of every kconfig schema (they refer to each other)."""
        if self._registry is None:
            import jsonschema_rs

            self._registry = jsonschema_rs.Registry(self.resources())
        return self._registry

    def validator(self, name: str) -> Any:
        """The jsonschema-rs validator of the schema file ``name`` (``app.schema.json``)."""
        found = self._fast.get(name)
        if found is None:
            import jsonschema_rs

            from kconfig.core.schemadata import load_schema

            found = jsonschema_rs.validator_for(load_schema(name), registry=self.registry())
            self._fast[name] = found
        return found

    def _rich_validator(self, name: str) -> Any:
        found = self._rich.get(name)
        if found is None:
            from jsonschema import (  # type: ignore[import-untyped,unused-ignore]
                Draft202012Validator,
            )

            from kconfig.core.schemadata import load_schema, schema_registry

            if self._rich_registry is None:
                self._rich_registry = schema_registry()
            found = Draft202012Validator(load_schema(name), registry=self._rich_registry)
            self._rich[name] = found
        return found

    def check(self, doc: Any, schema: str, source: str) -> list[Diagnostic]:
        """Problems of one document against one of kconfig's input schemas, located."""
        return [diag for _, diag in self.problems(doc, schema, source)]

    def problems(self, doc: Any, schema: str, source: str) -> list[tuple[PathKey, Diagnostic]]:
        """As :meth:`check`, each problem with the path of the value it is about."""
        try:
            if self.validator(schema).is_valid(doc):
                return []
            failed = True
        except ValueError:  # a YAML 1.1 date or similar: only jsonschema can judge it
            failed = False
        report = _InputErrors(doc, source)
        out: list[tuple[PathKey, Diagnostic]] = []
        for err in self._rich_validator(schema).iter_errors(doc):
            path: PathKey = tuple(err.absolute_path)
            out.extend((path, diag) for diag in report.diagnostics(err))
        if not out and failed:  # the two engines disagree (regex dialects): trust the fast one
            whole = SourcePos(source, 1, 1)
            message = f"{source} does not match {schema}"
            out = [((), Diagnostic(message, whole, "error", INPUT_SCHEMA))]
        return out


def _key_pos(doc: Any, path: PathKey, key: str, source: str) -> SourcePos:
    node = walk(doc, path)
    if isinstance(node, MarkedMap):
        pos = node.key_pos(key)
        if pos.line:
            return pos
    return _value_pos(doc, path, source)


def _value_pos(doc: Any, path: PathKey, source: str) -> SourcePos:
    pos = locate(doc, path)
    return pos if pos is not None and pos.line else SourcePos(source, 1, 1)


def _quote_hint(value: Any, expected: Sequence[str]) -> str:
    if "string" not in expected:
        return ""
    if isinstance(value, bool | int | float):
        return "; YAML 1.1 read it as a " + json_type(value) + ": put it in quotes"
    if not isinstance(value, str | Mapping | list) and value is not None:
        return f"; YAML 1.1 read it as a {type_name(value)}: put it in quotes"
    return ""


# What a name is called in messages, by the key that holds it (else the key's path).
_NAME_OF = {
    "project": "project",
    "environments": "environment",
    "extends": "environment",
    "apps": "app",
    "components": "component",
    "namespace": "namespace",
}


def _is_name_rule(err: Any) -> bool:
    """An error of the name rule (the schema's name pattern, or its length)."""
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    return (
        err.validator in ("pattern", "maxLength")
        and schema.get("pattern") == NAME_PATTERN
        and isinstance(err.instance, str)
    )


def _name_message(path: PathKey, value: str, schema: Mapping[str, Any]) -> str:
    """The name rule worded as :func:`kconfig.core.names.name_problem` words it everywhere."""
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    what = _NAME_OF.get(key, f"`{dotted(path)}`")
    problem = name_problem(value, int(schema.get("maxLength", MAX_NAME)))
    return f"{what}: {problem}"


class _InputErrors:
    """Turns jsonschema errors of one document into located diagnostics."""

    def __init__(self, doc: Any, source: str) -> None:
        self.doc = doc
        self.source = source

    def diagnostics(self, err: Any) -> list[Diagnostic]:
        from jsonschema.exceptions import (  # type: ignore[import-untyped,unused-ignore]
            best_match,
        )

        err = best_match([err])
        path: PathKey = tuple(err.absolute_path)
        if _is_name_rule(err):
            return [self._diag(path, _name_message(path, err.instance, err.schema))]
        handler = {
            "additionalProperties": self._unknown,
            "type": self._type,
            "enum": self._enum,
            "required": self._required,
            "pattern": self._pattern,
            "maxLength": self._pattern,
        }.get(err.validator)
        if handler is not None:
            return handler(err, path)
        return [self._diag(path, f"`{dotted(path)}`: {err.message}")]

    def _diag(self, path: PathKey, message: str, code: str = INPUT_SCHEMA) -> Diagnostic:
        return Diagnostic(message, _value_pos(self.doc, path, self.source), "error", code)

    def _unknown(self, err: Any, path: PathKey) -> list[Diagnostic]:
        schema = err.schema if isinstance(err.schema, Mapping) else {}
        known = list(schema.get("properties") or {})
        patterns = list(schema.get("patternProperties") or {})
        where = f" under `{dotted(path)}`" if path else ""
        out = []
        for key in err.instance:
            if key in known or any(re.search(p, str(key)) for p in patterns):
                continue
            hint = did_you_mean(str(key), known)
            if not hint and 0 < len(known) <= 12:
                hint = f" (allowed: {', '.join(known)})"
            out.append(
                Diagnostic(
                    f"unknown key `{key}`{where}{hint}",
                    _key_pos(self.doc, path, str(key), self.source),
                    "error",
                    UNKNOWN_KEY,
                )
            )
        return out

    def _type(self, err: Any, path: PathKey) -> list[Diagnostic]:
        wanted = err.validator_value
        types = [wanted] if isinstance(wanted, str) else list(wanted)
        expected = [t for t in types if t != "null"] or types
        if "string" in expected and isinstance(err.instance, bool | int | float):
            # The reading rule of the contract, worded as the loader words it (KC014).
            return [self._diag(path, not_a_string(dotted(path), err.instance), "KC014")]
        shown = " or ".join(_article(t) for t in expected)
        hint = _quote_hint(err.instance, expected)
        return [
            self._diag(
                path, f"`{dotted(path)}` must be {shown}, not {describe(err.instance)}{hint}"
            )
        ]

    def _enum(self, err: Any, path: PathKey) -> list[Diagnostic]:
        options = [str(o) for o in err.validator_value if o is not None]
        hint = did_you_mean(str(err.instance), options)
        return [
            self._diag(
                path,
                f"`{dotted(path)}` must be one of {', '.join(options)}, not "
                f"{describe(err.instance)}{hint}",
            )
        ]

    def _pattern(self, err: Any, path: PathKey) -> list[Diagnostic]:
        # A schema may say in words what its pattern means ("x-rule"): a regular expression
        # is no message for a user.
        schema = err.schema if isinstance(err.schema, Mapping) else {}
        rule = schema.get("x-rule")
        if not isinstance(rule, str):
            return [self._diag(path, f"`{dotted(path)}`: {err.message}")]
        return [self._diag(path, f"`{dotted(path)}`: {describe(err.instance)} is not {rule}")]

    def _required(self, err: Any, path: PathKey) -> list[Diagnostic]:
        present = err.instance if isinstance(err.instance, Mapping) else {}
        missing = [r for r in err.validator_value if r not in present]
        where = f"`{dotted(path)}`" if path else "the file"
        return [self._diag(path, f"{where} needs the key `{key}`") for key in missing]


def stray_overlay_files(
    folder: str, names: Sequence[str], env: str, apps: Sequence[str], all_apps: Sequence[str]
) -> list[Diagnostic]:
    """KC170 for each file ``names`` of ``folder`` (overlays/<env>/) that kconfig would not
    read: not env.yaml, not <app>.yaml of an app ``env`` renders. kconfig reads overlays by
    app name, so a misspelt ``redis-folower.yaml`` or a ``.yml`` file would otherwise change
    nothing, silently."""
    out = []
    wanted = {f"{app}.yaml" for app in apps} | {"env.yaml"}
    for name in sorted(names):
        if name in wanted or name.startswith(".") or not name.endswith(_CONFIG_SUFFIXES):
            continue
        stem = name.rsplit(".", 1)[0]
        if f"{stem}.yaml" in wanted:
            why = f"kconfig reads <app>.yaml only (did you mean `{stem}.yaml`?)"
        elif stem in all_apps:
            why = (
                f"app {stem} exists but environment {env} does not render it (its `apps:` "
                "in env.yaml)"
            )
        else:
            close = close_matches(stem, [*apps, "env"])
            hint = f" (did you mean `{close[0]}.yaml`?)" if close else ""
            shown = ", ".join(apps) or "none"
            why = f"it names no app of environment {env}{hint}; apps: {shown}"
        out.append(
            Diagnostic(
                f"{folder}/{name} is never read: {why}",
                SourcePos(f"{folder}/{name}", 1, 1),
                "error",
                STRAY_OVERLAY,
            )
        )
    return out
