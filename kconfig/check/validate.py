"""Validation of a project: its input files, its rendered manifests, and semantic checks.

Inputs: every file a user writes is checked against kconfig's own JSON Schema for its role
(kconfig.yaml, env.yaml, app values in bases/ and overlays/, components), once per run, and
each problem is reported at the file:line:col of the offending key or value in that file
(:class:`kconfig.load.inputs.OwnSchemas` words and locates them).

Outputs: every rendered manifest is checked against the schema of its kind
(:mod:`kconfig.check.schemas`: Kubernetes of the project's version, ``crds:``, kconfig's own), then
by the semantic checks of :mod:`kconfig.check.semantic`. An output problem names the manifest
(environment, kind/name), the field path, and the template or patch that produced it; it is
located in the user's files when it can be: the patch line that wrote the field, or the value
(by provenance) that fed it; otherwise at the template.

This module never renders: :func:`kconfig.run.recipe.run_environment` checks the inputs
here, renders, then checks the outputs here. An environment whose inputs have errors is not
rendered: its output would only repeat them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kconfig.check.registry import CHECKS
from kconfig.check.schemas import (
    CrdVersion,
    SchemaError,
    SchemaProblem,
    SchemaStore,
    available_versions,
    choose_version,
    load_crd_file,
)
from kconfig.check.semantic import CheckContext, Finding, run_checks
from kconfig.core.marked import MarkedList, MarkedMap
from kconfig.core.names import did_you_mean
from kconfig.core.paths import PathKey, dotted, walk
from kconfig.errors import (
    Collector,
    Diagnostic,
    KconfigError,
    LoadError,
    Severity,
    SourcePos,
    UsageError,
    ValidationError,
)
from kconfig.load.inputs import INPUT_CHECKS, SCHEMA_OF_ROLE, stray_overlay_files
from kconfig.load.paths import PROJECT_FILE, base_file, component_file, overlay_dir, overlay_file
from kconfig.values.layers import app_values

if TYPE_CHECKING:
    from kconfig.core.manifests import Manifest
    from kconfig.load.environments import Environment
    from kconfig.load.sources import Sources
    from kconfig.values.layers import Values

# Stable codes of schema validation (semantic checks are KC1nn, in kconfig.check.semantic).
OUTPUT_SCHEMA = "KC092"  # a rendered manifest breaks the schema of its kind
NO_SCHEMA = "KC093"  # no schema for a rendered kind (warning; error under --strict)
CRD_FILE = "KC094"  # a `crds:` file cannot be used
K8S_VERSION = "KC095"  # no schemas for the project's kubernetesVersion
MISPLACED_PATCHES = "KC096"  # `patches:` outside an overlay
UNKNOWN_CHECK = "KC097"  # env.yaml disables a check id that does not exist


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


# -- outputs: where a field of a manifest came from ---------------------------------------------
class Locator:
    """Finds the user's file:line for a field of a rendered manifest of one environment."""

    def __init__(self, sources: Sources, env: str, overrides: Sequence[str] = ()) -> None:
        self.sources = sources
        self.env = env
        self.overrides = tuple(overrides)
        self._values: dict[str, Values | None] = {}

    def values(self, app: str) -> Values | None:
        """The app's values (computed only when a problem needs a position)."""
        if app not in self._values:
            try:
                self._values[app] = app_values(self.sources, self.env, app, self.overrides)
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
            doc = self.sources.files.mapping(where.path)
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
            return SourcePos(base_file(manifest.app), 1, 1), produced
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
            if origin.pos.path == "--set":
                # The command line wrote the value last: point there, not at the line of a
                # file whose value it replaced (issue 18).
                return SourcePos("--set")
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


class CachedOutputs(Protocol):
    """Remembers, per app, the output problems that depend on that app alone: the schema
    problems of its manifests and the findings of its ``app``-scoped checks
    (:data:`kconfig.check.semantic.CheckScope`), keyed by everything that can change them
    (the build cache: the app's inputs, the ``crds:`` files, ``strict``)."""

    def outputs(self, app: str, strict: bool) -> list[Diagnostic] | None: ...

    def remember_outputs(self, app: str, strict: bool, diags: Sequence[Diagnostic]) -> None: ...


class Validator:
    """One validation run over a project: schemas compiled once, each file checked once."""

    def __init__(
        self,
        sources: Sources,
        *,
        strict: bool = False,
        store: SchemaStore | None = None,
        clean_inputs: CleanInputs | None = None,
    ) -> None:
        self.sources = sources
        self.strict = strict
        self._store = store
        self._files: dict[str, tuple[list[Diagnostic], type[KconfigError]]] = {}
        self._setup: list[Diagnostic] = []
        # Input files known (by content) to hold no problem: the build cache fills this so a
        # rebuild does not parse and schema-check files that did not change.
        self.clean_inputs = clean_inputs
        # The build cache's per-app output verdicts, set per environment (None: check all).
        self.cached_outputs: CachedOutputs | None = None

    # -- the schema store -------------------------------------------------------------
    @property
    def store(self) -> SchemaStore:
        if self._store is None:
            config = self.sources.config
            crds = [(rel, self._crd_loader(i, rel)) for i, rel in enumerate(config.crds)]
            self._store = SchemaStore(
                self._schema_version(config.kubernetes_version),
                crds,
                own=self.sources.schemas,
                user_cache=self.sources.user_cache,
            )
        return self._store

    def _schema_version(self, version: str) -> str:
        """The installed schema version for ``version``; a newer one than any installed is
        validated with the newest, with a warning at ``kubernetesVersion`` (an older one is
        refused when the schemas are first read: :attr:`SchemaStore.folder`)."""
        try:
            chosen, newer = choose_version(version, available_versions())
        except SchemaError:
            return version
        if newer:
            pos = self.sources.config.doc.pos("kubernetesVersion")
            message = (
                f"kubernetesVersion {version} is newer than the newest installed Kubernetes "
                f"schemas (kubernetes-validate); validating with {chosen}"
            )
            self._setup.append(Diagnostic(message, pos, "warning", K8S_VERSION))
        return chosen

    def _crd_loader(self, index: int, rel: str) -> Any:
        def load() -> list[CrdVersion]:
            pos = _list_item_pos(self.sources.config.doc, "crds", index)
            if not self.sources.files.inside(rel):
                self._setup.append(
                    Diagnostic(f"CRD file {rel} is outside the project", pos, "error", CRD_FILE)
                )
                return []
            try:
                return load_crd_file(self.sources.root / rel, rel, self.sources.config.limits.read)
            except SchemaError as err:
                self._setup.append(Diagnostic(str(err), pos, "error", CRD_FILE))
            except LoadError as err:  # at its line in the CRD file (the bounded reader)
                self._setup.extend(err.diagnostics)
            return []

        return load

    # -- inputs -----------------------------------------------------------------------
    def input_files(
        self, env: Environment, apps: Sequence[str] | None = None
    ) -> list[tuple[str, str]]:
        """(file, role) of every input ``env`` reads (for ``apps`` only, when given), but
        kconfig.yaml, checked when it was loaded (env.yaml's settings were too: here its
        ``defaults``, app values, are); roles name the schema."""
        files = [(doc.source, "env") for _, doc in self.sources.env_docs(env.name)]
        for app in self.sources.apps_of(env):
            if apps and app not in apps:
                continue
            files.append((base_file(app), "base"))
            for name in env.chain:
                rel = overlay_file(name, app)
                if self.sources.files.exists(rel):
                    files.append((rel, "overlay"))
        files += [(component_file(name), "component") for name in self.sources.components]
        return files

    def inputs(
        self,
        env: Environment,
        apps: Sequence[str] | None = None,
        overrides: Sequence[str] = (),
    ) -> Collector:
        """Problems of every input file of ``env`` (each file is checked once per run), of
        the ``--set`` overrides, and the check ids ``env`` disables that do not exist."""
        found = Collector()
        try:
            files = self.input_files(env, apps)
        except KconfigError as err:
            found.capture(err)
            return found
        for rel, role in files:
            diags, cls = self.check_file(rel, role)
            found.extend(diags, cls)
        found.extend(self._stray_overlays(env), ValidationError)
        found.extend(_unknown_checks(env))
        if overrides:
            self._check_overrides(overrides, found)
        return found

    def _stray_overlays(self, env: Environment) -> list[Diagnostic]:
        """KC170: files of overlays/<env>/ that kconfig would never read."""
        folder = overlay_dir(env.name)
        path = self.sources.files.path(folder)
        try:
            names = [p.name for p in path.iterdir() if p.is_file()]
        except OSError:
            return []
        try:
            apps = self.sources.apps_of(env)
        except KconfigError:
            return []  # the apps list is broken: that error is reported already
        found = stray_overlay_files(folder, names, env.name, apps, self.sources.apps)
        return [d for d in found if d.code not in env.disabled_checks]

    def check_file(self, rel: str, role: str) -> tuple[list[Diagnostic], type[KconfigError]]:
        """The problems of one input file, and the kind of error they are."""
        found = self._files.get(rel)
        clean = self.clean_inputs
        if found is not None and clean is not None and not found[0]:
            # Checked for another environment of this run: this environment's record of
            # clean files learns it too (a later run of this environment alone skips it).
            clean.mark(rel, role)
        if found is None:
            if clean is not None and clean.is_clean(rel, role):
                found = self._files[rel] = ([], ValidationError)
                return found
            try:
                doc = self.sources.files.mapping(rel)
                diags = self.check_document(doc, SCHEMA_OF_ROLE[role], rel)
                found = (diags + _role_rules(doc, role, rel), ValidationError)
            except KconfigError as err:
                found = (list(err.diagnostics), type(err))
            self._files[rel] = found
            if clean is not None and not found[0]:
                clean.mark(rel, role)
        return found

    def check_shared(self, envs: Sequence[str]) -> None:
        """Check the files several environments share (every app's base, the components)
        now, once: workers forked after this inherit the results instead of each checking
        them again for every environment it renders."""
        apps: dict[str, None] = {}
        for name in envs:
            try:
                apps.update(dict.fromkeys(self.sources.apps_of(self.sources.env(name))))
            except KconfigError:
                continue  # reported where it belongs, by the environment's own run
        for app in apps:
            self.check_file(base_file(app), "base")
        for name in self.sources.components:
            self.check_file(component_file(name), "component")

    def check_document(self, doc: Any, schema: str, source: str) -> list[Diagnostic]:
        """Problems of one document against one of kconfig's input schemas, located."""
        return self.sources.schemas.check(doc, schema, source)

    def _check_overrides(self, overrides: Sequence[str], found: Collector) -> None:
        """``--set`` values against the app schema (located at ``--set``)."""
        from kconfig.values.layers import set_layer

        try:
            layer = set_layer(overrides)
        except UsageError:
            raise
        except KconfigError as err:
            found.capture(err)
            return
        diags = self.check_document(layer.doc, "app.schema.json", "--set")
        found.extend(
            (Diagnostic(d.message, SourcePos("--set"), d.severity, d.code) for d in diags),
            ValidationError,
        )

    # -- outputs ----------------------------------------------------------------------
    def outputs(
        self, env: Environment, manifests: Sequence[Manifest], overrides: Sequence[str] = ()
    ) -> list[Diagnostic]:
        """Schema and semantic problems of ``env``'s rendered manifests (the rendering is
        the caller's: :func:`kconfig.run.recipe.run_environment`).

        With :attr:`cached_outputs`, an app whose verdict is cached is neither schema-checked
        nor given to the ``app``-scoped checks: its problems of those kinds are the cached
        ones. The ``env``-scoped checks still see every manifest, so the report is the one a
        run without the cache gives (the order of the list aside: callers sort it).
        """
        locator = Locator(self.sources, env.name, overrides)
        cached = self.cached_outputs if not overrides else None
        known = self._known_outputs(manifests, cached)
        fresh = [m for m in manifests if m.app not in known] if known else manifests
        per_app: dict[str, list[Diagnostic]] = {}
        out = self.schema_problems(fresh, locator, per_app)
        schemas_ok = not any(d.code == K8S_VERSION and d.severity == "error" for d in out)
        whole = self._context(env, manifests)
        part = self._context(env, fresh) if known else whole
        for check, finding in run_checks(whole, env.disabled_checks, CHECKS, part):
            diag = _finding_diagnostic(check.id, check.severity, finding, locator)
            out.append(diag)
            if check.scope == "app":
                per_app.setdefault(finding.manifest.app, []).append(diag)
        for diags in known.values():
            out.extend(diags)
        if known:
            _ = self.store.crds()  # its problems (_setup) as a run that reads them gives
        out.extend(self._setup)
        if cached is not None and schemas_ok:
            for app in dict.fromkeys(m.app for m in fresh if m.app):
                cached.remember_outputs(app, self.strict, per_app.get(app, []))
        return [d for d in out if d.code not in env.disabled_checks]

    def _known_outputs(
        self, manifests: Sequence[Manifest], cached: CachedOutputs | None
    ) -> dict[str, list[Diagnostic]]:
        """The cached per-app problems of the apps that have them (environment-wide objects,
        of no app, are always checked)."""
        known: dict[str, list[Diagnostic]] = {}
        if cached is None:
            return known
        for app in dict.fromkeys(m.app for m in manifests if m.app):
            found = cached.outputs(app, self.strict)
            if found is not None:
                known[app] = found
        return known

    def _context(self, env: Environment, manifests: Sequence[Manifest]) -> CheckContext:
        envs = self.sources.environments
        return CheckContext(
            env=env.name,
            namespace=env.namespace,
            manifests=manifests,
            last_env=bool(envs) and envs[-1] == env.name,
            allow_secrets=env.allow_secrets,
            kubernetes_version=self.sources.config.kubernetes_version,
        )

    def schema_problems(
        self,
        manifests: Sequence[Manifest],
        locator: Locator,
        per_app: dict[str, list[Diagnostic]] | None = None,
    ) -> list[Diagnostic]:
        """Each manifest against the schema of its kind (``per_app`` collects each app's
        problems too, for the build cache)."""
        out: list[Diagnostic] = []
        for manifest in manifests:
            try:
                schema = self.store.kind(manifest.api_version, manifest.kind)
            except SchemaError as err:
                pos = self.sources.config.doc.pos("kubernetesVersion")
                where = pos if pos.line else SourcePos(PROJECT_FILE, 1, 1)
                return [*out, Diagnostic(str(err), where, "error", K8S_VERSION)]
            if schema is None:
                found = [self._no_schema(manifest)]
            else:
                found = [
                    d
                    for problem in schema.problems(manifest.body)
                    for d in _output_diagnostics(manifest, problem, locator)
                ]
            out.extend(found)
            if per_app is not None and found:
                per_app.setdefault(manifest.app, []).extend(found)
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
                "`patches` belong in an environment's overlay "
                f"({overlay_file('<env>', '<app>')}), not in "
                f"{'a base' if role == 'base' else 'a component'}",
                doc.key_pos("patches"),
                "error",
                MISPLACED_PATCHES,
            )
        ]
    return []


def _unknown_checks(env: Environment) -> list[Diagnostic]:
    """A check id in ``checks.disable`` that no check has (a typo silences nothing)."""
    known = sorted({c.id for c in CHECKS} | {NO_SCHEMA} | {c[0] for c in INPUT_CHECKS})
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
