"""Validation of a project: its input files, its rendered manifests, and semantic checks.

Inputs: every file a user writes is checked against kconfig's own JSON Schema for its role
(kconfig.yaml, env.yaml, app values in bases/ and overlays/, components), once per run, and
each problem is reported at the file:line:col of the offending key or value in that file
(the positions the reader kept): an unknown key with a "did you mean" hint, a wrong type
naming the expected one. jsonschema-rs answers "valid?" in microseconds; only a file that
fails is checked again with ``jsonschema`` for its richer errors (FACTS.md: jsonschema is 200x
slower, fine for the few files that are wrong).

Outputs: every rendered manifest is checked against the schema of its kind
(:mod:`kconfig.check.schemas`: Kubernetes of the project's version, ``crds:``, kconfig's own), then
by the semantic checks of :mod:`kconfig.check.semantic`. An output problem names the manifest
(environment, kind/name), the field path, and the template or patch that produced it; it is
located in the user's files when it can be: the patch line that wrote the field, or the value
(by provenance) that fed it; otherwise at the template.

An environment whose inputs have errors is not rendered: its output would only repeat them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kconfig.check.schemas import (
    CrdVersion,
    SchemaError,
    SchemaProblem,
    SchemaStore,
    describe,
    json_type,
    load_crd_file,
)
from kconfig.check.semantic import CHECKS, CheckContext, Finding, run_checks
from kconfig.core.marked import MarkedList, MarkedMap, locate
from kconfig.core.names import did_you_mean
from kconfig.core.paths import PathKey, dotted, walk
from kconfig.errors import (
    Diagnostic,
    KconfigError,
    Severity,
    SourcePos,
    UsageError,
    ValidationError,
    sorted_diagnostics,
)

if TYPE_CHECKING:
    from kconfig.core.manifests import Manifest
    from kconfig.load.project import Environment, Project
    from kconfig.render.pipeline import RenderOptions
    from kconfig.values.layers import Values

# Stable codes of schema validation (semantic checks are KC1nn, in kconfig.check.semantic).
INPUT_SCHEMA = "KC090"  # an input file breaks its schema
UNKNOWN_KEY = "KC091"  # an input file has a key its schema does not know
OUTPUT_SCHEMA = "KC092"  # a rendered manifest breaks the schema of its kind
NO_SCHEMA = "KC093"  # no schema for a rendered kind (warning; error under --strict)
CRD_FILE = "KC094"  # a `crds:` file cannot be used
K8S_VERSION = "KC095"  # no schemas for the project's kubernetesVersion
MISPLACED_PATCHES = "KC096"  # `patches:` outside an overlay
UNKNOWN_CHECK = "KC097"  # env.yaml disables a check id that does not exist

SCHEMA_OF_ROLE = {
    "project": "kconfig.schema.json",
    "env": "env.schema.json",
    "base": "app.schema.json",
    "overlay": "app.schema.json",
    "component": "component.schema.json",
}


@dataclass
class Report:
    """Every problem of a validation run, and the environments it covered."""

    diagnostics: list[Diagnostic]
    environments: list[str]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def failed(self, strict: bool = False) -> bool:
        """Errors fail a run; with ``strict`` warnings do too."""
        return bool(self.errors or (strict and self.warnings))

    def summary(self) -> str:
        """``N errors, M warnings in K environments``."""
        e, w, k = len(self.errors), len(self.warnings), len(self.environments)
        return (
            f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)} in {k} "
            f"environment{'s' * (k != 1)}"
        )

    def raise_if_failed(self, strict: bool = False) -> None:
        if self.failed(strict):
            raise ValidationError(self.diagnostics)


@dataclass
class EnvResult:
    """One environment: its manifests (None when it could not be rendered) and problems."""

    manifests: list[Manifest] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


# -- inputs ------------------------------------------------------------------------------------
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
        return f"; YAML 1.1 read it as a {type(value).__name__}: put it in quotes"
    return ""


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


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
        handler = {
            "additionalProperties": self._unknown,
            "type": self._type,
            "enum": self._enum,
            "required": self._required,
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
            from kconfig.values.layers import not_a_string

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

    def _required(self, err: Any, path: PathKey) -> list[Diagnostic]:
        present = err.instance if isinstance(err.instance, Mapping) else {}
        missing = [r for r in err.validator_value if r not in present]
        where = f"`{dotted(path)}`" if path else "the file"
        return [self._diag(path, f"{where} needs the key `{key}`") for key in missing]


# -- outputs: where a field of a manifest came from ---------------------------------------------
class Locator:
    """Finds the user's file:line for a field of a rendered manifest of one environment."""

    def __init__(self, project: Project, env: str, overrides: Sequence[str] = ()) -> None:
        self.project = project
        self.env = env
        self.overrides = tuple(overrides)
        self._values: dict[str, Values | None] = {}

    def values(self, app: str) -> Values | None:
        """The app's values (computed only when a problem needs a position)."""
        if app not in self._values:
            try:
                self._values[app] = self.project.values(self.env, app, self.overrides)
            except KconfigError:
                self._values[app] = None
        return self._values[app]

    def value_pos(self, app: str, paths: Sequence[PathKey]) -> SourcePos | None:
        """Where the first of ``paths`` that a user's file set was written."""
        values = self.values(app) if app else None
        if values is None:
            return None
        for path in paths:
            resolved = _resolve_names(values.data, path)
            if resolved is None:
                continue
            pos = _provenance_pos(values, resolved)
            if pos is not None:
                return pos
        return None

    def patch_pos(
        self, manifest: Manifest, path: PathKey, *, key: bool = False
    ) -> SourcePos | None:
        """The position in the last patch that wrote ``path`` of ``manifest``, if any (of
        the key itself with ``key``, e.g. for an unknown field)."""
        for where in reversed(manifest.patched_by):
            body = self._patch_body(where)
            if body is not None:
                found = _patch_field(body, manifest.body, path, key=key)
                if found is not None:
                    return found
        return None

    def _patch_body(self, where: SourcePos) -> Any:
        try:
            doc = self.project.files.mapping(where.path)
        except KconfigError:
            return None
        patches = doc.get("patches")
        if not isinstance(patches, MarkedList):
            return None
        for i, entry in enumerate(patches):
            if patches.pos(i) == where and isinstance(entry, Mapping):
                return entry.get("patch")
        return None

    def place(
        self,
        manifest: Manifest,
        path: PathKey,
        values: Sequence[PathKey] = (),
        *,
        anchor_base: bool = False,
        key: bool = False,
    ) -> tuple[SourcePos, str]:
        """(position, how it was produced) for a problem at ``path`` of ``manifest``."""
        produced = f"rendered by {manifest.origin.path}"
        patched = self.patch_pos(manifest, path, key=key)
        if patched is not None:
            return patched, f"{produced}, patched here"
        pos = self.value_pos(manifest.app, values)
        if pos is not None:
            return pos, f"{produced} from this value"
        if anchor_base and manifest.app:
            return SourcePos(f"bases/{manifest.app}/app.yaml", 1, 1), produced
        return manifest.origin, produced


def _resolve_names(data: Any, path: PathKey) -> PathKey | None:
    """``("sidecars", "metrics-agent", ...)`` -> ``("sidecars", 0, ...)``."""
    if len(path) >= 2 and path[0] == "sidecars" and isinstance(path[1], str):
        sidecars = data.get("sidecars") if isinstance(data, Mapping) else None
        for i, item in enumerate(sidecars if isinstance(sidecars, list) else []):
            if isinstance(item, Mapping) and item.get("name") == path[1]:
                return ("sidecars", i, *path[2:])
        return None
    return path


def _provenance_pos(values: Values, path: PathKey) -> SourcePos | None:
    """Where a user's file set ``path`` (or the first leaf under it); defaults do not count."""
    under = values.merged.origins_under(path)
    for key in sorted(under, key=lambda k: (len(k), str(k))):
        for origin in under[key][::-1]:
            if origin.pos.line and not origin.pos.path.startswith("<"):
                return origin.pos
    return None


def _patch_field(patch: Any, body: Any, path: PathKey, *, key: bool = False) -> SourcePos | None:
    """Where ``patch`` wrote ``path`` (named list items matched by name, as merged)."""
    node, target, found = patch, body, None
    for depth, part in enumerate(path):
        if isinstance(part, int):
            item = target[part] if isinstance(target, list) and part < len(target) else None
            index = _patch_index(node, item, part)
            if index is None:
                return None
            found = node.pos(index) if isinstance(node, MarkedList) else found
            node, target = node[index], item
        else:
            if not isinstance(node, Mapping) or part not in node:
                return None
            if isinstance(node, MarkedMap):
                last = key and depth == len(path) - 1
                found = node.key_pos(part) if last else node.pos(part)
            node = node[part]
            target = target.get(part) if isinstance(target, Mapping) else None
        if not isinstance(node, Mapping | list):
            return found  # the patch set a scalar (or null) here: it wrote everything below
    return found


def _patch_index(node: Any, item: Any, index: int) -> int | None:
    if not isinstance(node, list):
        return None
    name = item.get("name") if isinstance(item, Mapping) else None
    if name is not None:
        for i, candidate in enumerate(node):
            if isinstance(candidate, Mapping) and candidate.get("name") == name:
                return i
        return None
    return index if index < len(node) else None


# -- the run -------------------------------------------------------------------------------------
class CleanInputs(Protocol):
    """Remembers input files (by content) that validated with no problem."""

    def is_clean(self, rel: str, role: str) -> bool: ...

    def mark(self, rel: str, role: str) -> None: ...


class Validator:
    """One validation run over a project: schemas compiled once, each file checked once."""

    def __init__(
        self, project: Project, *, strict: bool = False, store: SchemaStore | None = None
    ) -> None:
        self.project = project
        self.strict = strict
        self._store = store
        self._files: dict[str, list[Diagnostic]] = {}
        self._rich: dict[str, Any] = {}
        self._registry: Any = None
        self._setup: list[Diagnostic] = []
        # Input files known (by content) to hold no problem: the build cache fills this so a
        # rebuild does not parse and schema-check files that did not change.
        self.clean_inputs: CleanInputs | None = None

    # -- the schema store -------------------------------------------------------------
    @property
    def store(self) -> SchemaStore:
        if self._store is None:
            config = self.project.config
            crds = [(rel, self._crd_loader(i, rel)) for i, rel in enumerate(config.crds)]
            self._store = SchemaStore(config.kubernetes_version, crds)
        return self._store

    def _crd_loader(self, index: int, rel: str) -> Any:
        def load() -> list[CrdVersion]:
            pos = _list_item_pos(self.project.config.doc, "crds", index)
            if not self.project.files.inside(rel):
                self._setup.append(
                    Diagnostic(f"CRD file {rel} is outside the project", pos, "error", CRD_FILE)
                )
                return []
            try:
                return load_crd_file(self.project.root / rel, rel)
            except SchemaError as err:
                self._setup.append(Diagnostic(str(err), pos, "error", CRD_FILE))
                return []

        return load

    # -- inputs -----------------------------------------------------------------------
    def input_files(
        self, env: Environment, apps: Sequence[str] | None = None
    ) -> list[tuple[str, str]]:
        """(file, role) of every input ``env`` reads (for ``apps`` only, when given); roles
        name the schema to use."""
        files = [("kconfig.yaml", "project")]
        files += [(doc.source, "env") for _, doc in self.project.env_docs(env.name)]
        for app in self.project.apps_of(env):
            if apps and app not in apps:
                continue
            files.append((f"bases/{app}/app.yaml", "base"))
            for name in env.chain:
                rel = f"overlays/{name}/{app}.yaml"
                if self.project.files.exists(rel):
                    files.append((rel, "overlay"))
        folder = self.project.root / "components"
        if folder.is_dir():
            for entry in sorted(folder.iterdir()):
                if (entry / "values.yaml").is_file():
                    files.append((f"components/{entry.name}/values.yaml", "component"))
        return files

    def inputs(self, env: Environment, apps: Sequence[str] | None = None) -> list[Diagnostic]:
        """Problems of every input file of ``env`` (each file is checked once per run)."""
        try:
            files = self.input_files(env, apps)
        except KconfigError as err:
            return list(err.diagnostics)
        out: list[Diagnostic] = []
        for rel, role in files:
            out.extend(self.check_file(rel, role))
        return out

    def check_file(self, rel: str, role: str) -> list[Diagnostic]:
        found = self._files.get(rel)
        if found is None:
            clean = self.clean_inputs
            if clean is not None and clean.is_clean(rel, role):
                found = self._files[rel] = []
                return found
            try:
                doc = self.project.files.mapping(rel)
                found = self.check_document(doc, SCHEMA_OF_ROLE[role], rel)
                found += _role_rules(doc, role, rel)
            except KconfigError as err:
                found = list(err.diagnostics)
            self._files[rel] = found
            if clean is not None and not found:
                clean.mark(rel, role)
        return found

    def check_document(self, doc: Any, schema: str, source: str) -> list[Diagnostic]:
        """Problems of one document against one of kconfig's input schemas, located."""
        fast = self.store.input_validator(schema)
        try:
            if fast.is_valid(doc):
                return []
            failed = True
        except ValueError:  # a YAML 1.1 date or similar: only jsonschema can judge it
            failed = False
        report = _InputErrors(doc, source)
        out: list[Diagnostic] = []
        for err in self._rich_validator(schema).iter_errors(doc):
            out.extend(report.diagnostics(err))
        if not out and failed:  # the two engines disagree (regex dialects): trust the fast one
            out = [
                Diagnostic(
                    f"{source} does not match {schema}",
                    SourcePos(source, 1, 1),
                    "error",
                    INPUT_SCHEMA,
                )
            ]
        return out

    def _rich_validator(self, schema: str) -> Any:
        found = self._rich.get(schema)
        if found is None:
            from jsonschema import (  # type: ignore[import-untyped,unused-ignore]
                Draft202012Validator,
            )

            from kconfig.core.schemadata import load_schema, schema_registry

            if self._registry is None:
                self._registry = schema_registry()
            found = Draft202012Validator(load_schema(schema), registry=self._registry)
            self._rich[schema] = found
        return found

    def check_overrides(self, overrides: Sequence[str]) -> list[Diagnostic]:
        """``--set`` values against the app schema (located at ``--set``)."""
        from kconfig.values.layers import set_layer

        try:
            layer = set_layer(overrides)
        except UsageError:
            raise
        except KconfigError as err:
            return list(err.diagnostics)
        return [
            Diagnostic(d.message, SourcePos("--set"), d.severity, d.code)
            for d in self.check_document(layer.doc, "app.schema.json", "--set")
        ]

    # -- outputs ----------------------------------------------------------------------
    def outputs(
        self, env: Environment, manifests: Sequence[Manifest], overrides: Sequence[str] = ()
    ) -> list[Diagnostic]:
        """Schema and semantic problems of ``env``'s rendered manifests."""
        locator = Locator(self.project, env.name, overrides)
        out = self.schema_problems(manifests, locator)
        envs = self.project.environments
        ctx = CheckContext(
            env=env.name,
            namespace=env.namespace,
            manifests=manifests,
            last_env=bool(envs) and envs[-1] == env.name,
            allow_secrets=env.allow_secrets,
        )
        for check, finding in run_checks(ctx, env.disabled_checks):
            out.append(_finding_diagnostic(check.id, check.severity, finding, locator))
        out.extend(self._setup)
        return [d for d in out if d.code not in env.disabled_checks]

    def schema_problems(self, manifests: Sequence[Manifest], locator: Locator) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for manifest in manifests:
            try:
                schema = self.store.kind(manifest.api_version, manifest.kind)
            except SchemaError as err:
                pos = self.project.config.doc.pos("kubernetesVersion")
                where = pos if pos.line else SourcePos("kconfig.yaml", 1, 1)
                return [*out, Diagnostic(str(err), where, "error", K8S_VERSION)]
            if schema is None:
                out.append(self._no_schema(manifest))
                continue
            for problem in schema.problems(manifest.body):
                out.extend(_output_diagnostics(manifest, problem, locator))
        return out

    def _no_schema(self, manifest: Manifest) -> Diagnostic:
        kind, api = manifest.kind, manifest.api_version
        known = self.store.known_api_versions(kind)
        if known:
            hint = f"; {kind} exists as {', '.join(known)}"
        else:
            hint = did_you_mean(kind, self.store.similar_kinds(kind))
            hint += "; add its CustomResourceDefinition to `crds:` in kconfig.yaml"
        message = (
            f"{manifest.title} ({manifest.env}): no schema for {kind} in {api} "
            f"(Kubernetes {self.store.version}){hint} [rendered by "
            f"{manifest.origin.path}]"
        )
        severity: Severity = "error" if self.strict else "warning"
        return Diagnostic(message, manifest.origin, severity, NO_SCHEMA)

    # -- one environment, many environments ----------------------------------------------
    def environment(self, name: str, options: RenderOptions | None = None) -> EnvResult:
        """Inputs, then (when they hold no error) the rendered output of one environment."""
        from kconfig.render.pipeline import RenderOptions, render_environment

        options = options or RenderOptions()
        try:
            env = self.project.env(name)
        except UsageError:
            raise
        except KconfigError as err:
            return EnvResult(None, list(err.diagnostics))
        diags = self.inputs(env, options.apps) + _unknown_checks(env)
        if options.overrides:
            diags += self.check_overrides(options.overrides)
        if any(d.severity == "error" for d in diags):
            return EnvResult(None, diags)
        try:
            manifests = render_environment(self.project, name, options)
        except UsageError:
            raise
        except KconfigError as err:
            return EnvResult(None, diags + list(err.diagnostics))
        diags += self.outputs(env, manifests, options.overrides)
        return EnvResult(manifests, diags)

    def run(self, envs: Sequence[str] | None = None) -> Report:
        """Validate ``envs`` (default: all), collecting every problem of every one."""
        names = list(self.project.environments if envs is None else envs)
        per_env = [(name, self.environment(name).diagnostics) for name in names]
        return Report(sorted_diagnostics(merge_environments(per_env)), names)


def merge_environments(
    per_env: Sequence[tuple[str, Sequence[Diagnostic]]],
) -> list[Diagnostic]:
    """One diagnostic for a problem that several environments share (an overlay that
    ``e2e`` inherits from ``qa`` breaks both at the same line): ``(qa, e2e)``."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for env, diags in per_env:
        for diag in diags:
            marker = f" ({env}):"
            generic = diag.message.replace(marker, " ({envs}):", 1)
            key = (diag.pos, diag.severity, diag.code, generic)
            names = groups.setdefault(key, [])
            if env not in names and marker in diag.message:
                names.append(env)
    out = []
    for (pos, severity, code, generic), names in groups.items():
        message = generic.replace(" ({envs}):", f" ({', '.join(names)}):", 1)
        out.append(Diagnostic(message, pos, severity, code))
    return out


def _list_item_pos(doc: MarkedMap, key: str, index: int) -> SourcePos:
    seq = doc.get(key)
    if isinstance(seq, MarkedList):
        return seq.pos(index)
    pos = doc.pos(key)
    return pos if pos.line else SourcePos(doc.source, 1, 1)


def _role_rules(doc: MarkedMap, role: str, rel: str) -> list[Diagnostic]:
    """Rules a schema shared by several roles cannot say: patches only in overlays."""
    if role in ("base", "component") and "patches" in doc:
        return [
            Diagnostic(
                "`patches` belong in an environment's overlay (overlays/<env>/<app>.yaml), not in "
                f"{'a base' if role == 'base' else 'a component'}",
                doc.key_pos("patches"),
                "error",
                MISPLACED_PATCHES,
            )
        ]
    return []


def _unknown_checks(env: Environment) -> list[Diagnostic]:
    """A check id in ``checks.disable`` that no check has (a typo silences nothing)."""
    known = sorted({c.id for c in CHECKS} | {NO_SCHEMA})
    disable = walk(env.doc, ("checks", "disable"))
    out = []
    for i, code in enumerate(disable if isinstance(disable, MarkedList) else []):
        if isinstance(code, str) and re.fullmatch(r"KC\d{3}", code) and code not in known:
            out.append(
                Diagnostic(
                    f"no check has the id {code}{did_you_mean(code, known)} (see `kconfig "
                    "validate --list-checks`)",
                    disable.pos(i),
                    "warning",
                    UNKNOWN_CHECK,
                )
            )
    return out


def _output_diagnostics(
    manifest: Manifest, problem: SchemaProblem, locator: Locator
) -> list[Diagnostic]:
    head = f"{manifest.title} ({manifest.env})"
    if problem.keyword == "additionalProperties" and problem.unexpected:
        out = []
        for key in problem.unexpected:
            path = (*problem.path, key)
            pos, produced = locator.place(manifest, path, key=True)
            hint = did_you_mean(key, problem.allowed)
            message = f"{head}: {dotted(path)}: unknown field `{key}`{hint} [{produced}]"
            out.append(Diagnostic(message, pos, "error", OUTPUT_SCHEMA))
        return out
    hint = ""
    if problem.keyword == "enum":
        value = walk(manifest.body, problem.path)
        hint = did_you_mean(str(value), problem.allowed)
    pos, produced = locator.place(manifest, problem.path)
    message = f"{head}: {dotted(problem.path)}: {problem.message}{hint} [{produced}]"
    return [Diagnostic(message, pos, "error", OUTPUT_SCHEMA)]


def _finding_diagnostic(
    code: str, severity: Severity, finding: Finding, locator: Locator
) -> Diagnostic:
    m = finding.manifest
    pos, produced = locator.place(m, finding.field, finding.values, anchor_base=finding.anchor_base)
    where = f"{dotted(finding.field)}: " if finding.field else ""
    message = f"{m.title} ({m.env}): {where}{finding.message} [{produced}] [{code}]"
    return Diagnostic(message, pos, severity, code)


# -- which environments a set of files affects ------------------------------------------------
_ALL_ENVS = ("kconfig.yaml", "bases/", "components/", "schemas/")


def affected_environments(project: Project, targets: Sequence[str], cwd: Path) -> list[str]:
    """The environments ``targets`` (environment names or files) select, in promotion order.

    A file under overlays/<env>/ selects that environment and every one that extends it; a
    base, a component, kconfig.yaml, a schema or a ``crds:`` file selects all. Other files
    select nothing. Anything else must be an environment name.
    """
    envs = project.environments
    if not targets:
        return list(envs)
    chosen: set[str] = set()
    for target in targets:
        if target in envs and "/" not in target:
            chosen.add(target)
            continue
        rel = _project_path(project.root, cwd, target)
        if rel is None:
            known = ", ".join(envs) or "none"
            raise UsageError(
                f"{target!r} is neither an environment (environments: {known}) "
                "nor a file of the project"
            )
        chosen.update(_affected_by(project, rel))
    return [e for e in envs if e in chosen]


def _project_path(root: Path, cwd: Path, target: str) -> str | None:
    """``target`` relative to the project root, when it names a path (existing or not)."""
    path = Path(target)
    looks_like_path = "/" in target or path.suffix != "" or (cwd / path).exists()
    if not looks_like_path:
        return None
    absolute = (cwd / path).resolve() if not path.is_absolute() else path.resolve()
    try:
        return absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""  # a path outside the project: it affects nothing


def _affected_by(project: Project, rel: str) -> set[str]:
    envs = project.environments
    if rel == "kconfig.yaml" or rel.startswith(_ALL_ENVS[1:]) or rel in project.config.crds:
        return set(envs)
    parts = rel.split("/")
    if len(parts) >= 2 and parts[0] == "overlays":
        changed = parts[1]
        out = set()
        for env in envs:
            try:
                chain = project.env(env).chain
            except KconfigError:
                chain = (env,)  # broken: validate it, so its error is reported
            if changed in chain:
                out.add(env)
        return out
    return set()


def render_validated(
    project: Project, env: str, options: RenderOptions | None = None, *, strict: bool = False
) -> tuple[list[Manifest], list[Diagnostic]]:
    """``env``'s manifests and its warnings; raises ValidationError holding every problem
    when there is an error (or, with ``strict``, a warning)."""
    result = Validator(project, strict=strict).environment(env, options)
    diags = sorted_diagnostics(result.diagnostics)
    failed = any(d.severity == "error" for d in diags) or (strict and bool(diags))
    if failed or result.manifests is None:
        raise ValidationError(diags)
    return result.manifests, diags
