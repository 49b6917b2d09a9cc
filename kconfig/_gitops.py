"""GitOps wiring: ``kconfig build`` end to end, Argo CD and Flux objects, branch commits.

- :func:`build` renders the environments, plans the output (``_layout``) and hands the
  plan to the writer (``_writer``), or with ``--check`` compares it, or with ``--commit``
  commits each environment to its own branch.
- :func:`gitops_documents` makes, from kconfig.yaml ``gitops:``, one Argo CD
  ``Application`` per environment (destination namespace = the environment's namespace,
  automated sync with prune and selfHeal), an ``ApplicationSet`` (git directory generator
  over ``<output>/*``; a list generator in branch layout) and, with ``gitops.flux``, a Flux
  ``Kustomization`` per environment. Argo CD objects are validated against kconfig's own
  schemas (``schemas/argocd-*.schema.json``).
- :func:`commit_branches` (``gitops.layout: branches`` + ``--commit``) writes each
  environment's files as one commit on ``<branchPrefix><env>`` of the output repository
  with git plumbing only (``fast-import`` for blobs, a temporary index for the tree,
  ``commit-tree``, ``update-ref``): the user's HEAD, index and working tree are never
  touched, and a branch whose tree would not change gets no commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from kconfig._cache import AppCache, BuildCache, InputCache
from kconfig._layout import ARGOCD_UNIT, FLUX_UNIT, plan_environment, plan_output
from kconfig._version import __version__
from kconfig._writer import (
    FileDiff,
    OutputDir,
    UnitResult,
    apply_plan,
    check_plan,
    resolve_output,
)
from kconfig._yamlio import locate
from kconfig.errors import (
    Collector,
    Diagnostic,
    KconfigError,
    LoadError,
    OutputError,
    SourcePos,
    UsageError,
    ValidationError,
    sorted_diagnostics,
)

if TYPE_CHECKING:
    from kconfig._manifests import Manifest
    from kconfig._project import Project, ProjectConfig

ARGOCD_NAMESPACE = "argocd"
FLUX_NAMESPACE = "flux-system"
IN_CLUSTER = "https://kubernetes.default.svc"
DEFAULT_BRANCH_PREFIX = "env/"
ARGOCD_SCHEMAS = {
    "Application": "argocd-application.schema.json",
    "ApplicationSet": "argocd-applicationset.schema.json",
}
# The project's inputs: a change under these makes the source commit "dirty".
INPUT_PATHS = ("kconfig.yaml", "bases", "overlays", "components")

Layout = Literal["directories", "branches"]


# --------------------------------------------------------------------------------------------
# settings (kconfig.yaml gitops:)


@dataclass(frozen=True, slots=True)
class ArgoCD:
    repo_url: str
    target_revision: str = "HEAD"
    project: str = "default"
    path: str | None = None  # the output folder's path in the repository
    application_set: bool = True


@dataclass(frozen=True, slots=True)
class Flux:
    source_name: str
    source_kind: str = "GitRepository"
    source_namespace: str | None = None
    path: str | None = None
    interval: str = "10m"
    prune: bool = True


@dataclass(frozen=True, slots=True)
class GitOps:
    layout: Layout = "directories"
    branch_prefix: str = DEFAULT_BRANCH_PREFIX
    argocd: ArgoCD | None = None
    flux: Flux | None = None
    pos: SourcePos = field(default_factory=lambda: SourcePos("kconfig.yaml"))


class _Reader:
    """Typed reads from kconfig.yaml ``gitops:``, each error at the offending line."""

    def __init__(self, config: ProjectConfig) -> None:
        self.doc = config.doc
        self.source = config.doc.source

    def pos(self, *path: str) -> SourcePos:
        return locate(self.doc, ("gitops", *path)) or SourcePos(self.source, 1, 1)

    def get(self, path: tuple[str, ...], kind: type, default: Any = None) -> Any:
        node: Any = self.doc.get("gitops")
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            return default
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            dotted = ".".join(("gitops", *path))
            raise LoadError(f"'{dotted}' must be a {kind.__name__}", self.pos(*path))
        return node


def gitops_settings(config: ProjectConfig) -> GitOps:
    """kconfig.yaml ``gitops:``, checked (types and the values kconfig depends on)."""
    read = _Reader(config)
    layout = read.get(("layout",), str, "directories")
    if layout not in ("directories", "branches"):
        raise LoadError(
            f"unknown gitops layout {layout!r}: use directories or branches", read.pos("layout")
        )
    argocd = None
    if read.get(("argocd",), Mapping) is not None:
        argocd = ArgoCD(
            repo_url=_required(read, ("argocd", "repoURL")),
            target_revision=read.get(("argocd", "targetRevision"), str, "HEAD"),
            project=read.get(("argocd", "project"), str, "default"),
            path=read.get(("argocd", "path"), str),
            application_set=read.get(("argocd", "applicationSet"), bool, True),
        )
    flux = None
    if read.get(("flux",), Mapping) is not None:
        flux = Flux(
            source_name=_required(read, ("flux", "sourceRef", "name")),
            source_kind=read.get(("flux", "sourceRef", "kind"), str, "GitRepository"),
            source_namespace=read.get(("flux", "sourceRef", "namespace"), str),
            path=read.get(("flux", "path"), str),
            interval=read.get(("flux", "interval"), str, "10m"),
            prune=read.get(("flux", "prune"), bool, True),
        )
    prefix = read.get(("branchPrefix",), str, DEFAULT_BRANCH_PREFIX)
    return GitOps(layout, prefix, argocd, flux, read.pos("layout"))


def _required(read: _Reader, path: tuple[str, ...]) -> str:
    value = read.get(path, str)
    if not value:
        dotted = ".".join(("gitops", *path))
        raise LoadError(f"'{dotted}' is required", read.pos(*path[:-1]))
    return str(value)


# --------------------------------------------------------------------------------------------
# Argo CD and Flux objects


@dataclass(frozen=True, slots=True)
class _Target:
    """What the controller objects need to know about the project."""

    project: str
    environments: tuple[tuple[str, str], ...]  # (environment, namespace), promotion order
    output: str  # the output folder's path inside the repository
    settings: GitOps

    @property
    def labels(self) -> dict[str, str]:
        return {
            "app.kubernetes.io/managed-by": "kconfig",
            "app.kubernetes.io/part-of": self.project,
        }


def repo_path(config: ProjectConfig, override: str | None) -> str:
    """The output folder's path inside the repository (``gitops.*.path``, else ``output``)."""
    value = override if override is not None else config.output
    path = posixpath.normpath(value.replace(os.sep, "/"))
    if posixpath.isabs(path) or path == ".." or path.startswith("../"):
        raise OutputError(
            f"output folder {config.output!r} is not inside the repository; set "
            "gitops.argocd.path (or gitops.flux.path) to its path in the repository",
            config.doc.pos("output") if "output" in config.doc else SourcePos("kconfig.yaml"),
            code="KC058",
        )
    return path


def _application(t: _Target, argo: ArgoCD, env: str, namespace: str) -> dict[str, Any]:
    branches = t.settings.layout == "branches"
    source = {
        "repoURL": argo.repo_url,
        "targetRevision": f"{t.settings.branch_prefix}{env}" if branches else argo.target_revision,
        "path": "." if branches else f"{t.output}/{env}",
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"{t.project}-{env}",
            "namespace": ARGOCD_NAMESPACE,
            "labels": {**t.labels, "kconfig.dev/environment": env},
        },
        "spec": {
            "project": argo.project,
            "source": source,
            "destination": {"server": IN_CLUSTER, "namespace": namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    }


def _namespace_template(t: _Target, key: str) -> str:
    """A Go template giving each environment's namespace from the generator's ``key``."""
    if all(ns == f"{t.project}-{env}" for env, ns in t.environments):
        return f"{t.project}-{{{{{key}}}}}"
    pairs = " ".join(f'"{env}" "{ns}"' for env, ns in t.environments)
    return f"{{{{ get (dict {pairs}) {key} }}}}"


def _application_set(t: _Target, argo: ArgoCD) -> dict[str, Any]:
    if t.settings.layout == "branches":
        generator: dict[str, Any] = {
            "list": {"elements": [{"env": env, "namespace": ns} for env, ns in t.environments]}
        }
        key, revision, path = ".env", f"{t.settings.branch_prefix}{{{{.env}}}}", "."
        namespace = "{{.namespace}}"
    else:
        generator = {
            "git": {
                "repoURL": argo.repo_url,
                "revision": argo.target_revision,
                "directories": [
                    {"path": f"{t.output}/*"},
                    {"path": f"{t.output}/{ARGOCD_UNIT}", "exclude": True},
                    {"path": f"{t.output}/{FLUX_UNIT}", "exclude": True},
                ],
            }
        }
        key, revision, path = ".path.basename", argo.target_revision, "{{.path.path}}"
        namespace = _namespace_template(t, key)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": t.project, "namespace": ARGOCD_NAMESPACE, "labels": t.labels},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [generator],
            "template": {
                "metadata": {
                    "name": f"{t.project}-{{{{{key}}}}}",
                    "labels": {**t.labels, "kconfig.dev/environment": f"{{{{{key}}}}}"},
                },
                "spec": {
                    "project": argo.project,
                    "source": {"repoURL": argo.repo_url, "targetRevision": revision, "path": path},
                    "destination": {"server": IN_CLUSTER, "namespace": namespace},
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
                },
            },
        },
    }


def _flux_kustomization(t: _Target, flux: Flux, env: str) -> dict[str, Any]:
    source: dict[str, Any] = {"kind": flux.source_kind, "name": flux.source_name}
    if flux.source_namespace:
        source["namespace"] = flux.source_namespace
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {
            "name": f"{t.project}-{env}",
            "namespace": FLUX_NAMESPACE,
            "labels": {**t.labels, "kconfig.dev/environment": env},
        },
        "spec": {
            "interval": flux.interval,
            "path": f"./{t.output}/{env}",
            "prune": flux.prune,
            "sourceRef": source,
        },
    }


def gitops_documents(project: Project, settings: GitOps | None = None) -> dict[str, Any]:
    """``{path under <out>: object}`` for the Argo CD and Flux files kconfig.yaml asks for."""
    settings = settings or gitops_settings(project.config)
    envs = tuple((env, project.env(env).namespace) for env in project.environments)
    docs: dict[str, Any] = {}
    argo = settings.argocd
    if argo is not None:
        t = _Target(project.name, envs, repo_path(project.config, argo.path), settings)
        for env, namespace in envs:
            docs[f"{ARGOCD_UNIT}/applications/{env}.yaml"] = _application(t, argo, env, namespace)
        if argo.application_set:
            docs[f"{ARGOCD_UNIT}/applicationset/{project.name}.yaml"] = _application_set(t, argo)
    flux = settings.flux
    if flux is not None and settings.layout == "directories":
        t = _Target(project.name, envs, repo_path(project.config, flux.path), settings)
        for env, _ in envs:
            docs[f"{FLUX_UNIT}/{env}.yaml"] = _flux_kustomization(t, flux, env)
    validate_argocd(docs, settings.pos)
    return docs


def validate_argocd(docs: Mapping[str, Mapping[str, Any]], pos: SourcePos) -> None:
    """Check the Argo CD objects against kconfig's schemas (a wrong setting shows here)."""
    import jsonschema_rs

    from kconfig._schemadata import load_schema, schema_resources

    registry = jsonschema_rs.Registry(schema_resources())
    validators: dict[str, Any] = {}
    errors = Collector()
    for path, doc in docs.items():
        name = ARGOCD_SCHEMAS.get(str(doc.get("kind")))
        if name is None or doc.get("apiVersion") != "argoproj.io/v1alpha1":
            continue
        if name not in validators:
            validators[name] = jsonschema_rs.validator_for(load_schema(name), registry=registry)
        for err in validators[name].iter_errors(doc):
            where = "/".join(str(p) for p in err.instance_path) or "(root)"
            errors.error(f"generated {path}: {where}: {err.message}", pos, "KC059")
    errors.raise_if_errors(ValidationError)


# --------------------------------------------------------------------------------------------
# rendering for output


@dataclass(frozen=True, slots=True)
class Rendered:
    """The manifests of some environments, and the warnings their validation gave."""

    manifests: dict[str, list[Manifest]]
    warnings: tuple[Diagnostic, ...] = ()


def render_all(project: Project, envs: Sequence[str], *, validate: bool = True) -> Rendered:
    """Render (and unless ``validate`` is false, validate) ``envs``.

    Every environment's problems are collected into one error; warnings are returned.
    Validation is :class:`kconfig._validate.Validator`'s (inputs, output schemas, semantic
    checks). Environments are independent, so with several of them and more than one core
    they render in forked worker processes (``KCONFIG_JOBS`` caps how many; 1 disables it);
    results are gathered in environment order, so the output does not depend on it.
    """
    for env in envs:
        project.env(env)  # an unknown environment stops here, before any rendering
    found = Collector()
    rendered: dict[str, list[Manifest]] = {}
    for outcome in _render_envs(project, list(envs), _Job(validate)):
        found.extend(outcome.diagnostics)
        if outcome.manifests is not None:
            rendered[outcome.env] = outcome.manifests
    found.raise_if_errors(ValidationError if validate else KconfigError)
    return Rendered(rendered, tuple(found.diagnostics))


class _Job(NamedTuple):
    """What each environment's worker does, besides rendering it."""

    validate: bool
    # Build: turn the manifests into the environment's files in the worker (YAML is written
    # in parallel, and bytes travel back faster than manifests), and cache them under these
    # digests. Otherwise the manifests themselves come back.
    plan: bool = False
    digests: Mapping[str, str] = {}


class _EnvOutcome(NamedTuple):
    env: str
    manifests: list[Manifest] | None  # render_all
    files: dict[str, bytes] | None  # build: the planned files
    diagnostics: list[Diagnostic]  # rendering and validation
    output_errors: tuple[Diagnostic, ...] = ()  # planning (two objects for one file)
    cache_writes: tuple[tuple[Path, bytes], ...] = ()  # a forked worker's, for the parent


def _jobs(count: int) -> int:
    wanted = os.environ.get("KCONFIG_JOBS", "")
    limit = int(wanted) if wanted.isdigit() and int(wanted) > 0 else (os.cpu_count() or 1)
    return max(1, min(limit, count))


def _render_envs(
    project: Project, envs: list[str], job: _Job, cache: BuildCache | None = None
) -> list[_EnvOutcome]:
    if not envs:  # every environment came from the cache
        return []
    import multiprocessing  # here: a build answered from the cache never forks
    from concurrent.futures import ProcessPoolExecutor

    jobs = _jobs(len(envs))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        validator = _validator(project) if job.validate else None
        return [_render_one(project, env, validator, job, cache) for env in envs]
    # fork: the children start with the project already loaded (handed over through
    # _FORKED, set only around the pool's life) and only results travel back pickled.
    context = multiprocessing.get_context("fork")
    _FORKED[:] = [(project, cache)]
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_render_in_worker, env, job) for env in envs]
            outcomes = [f.result() for f in futures]
    finally:
        _FORKED.clear()
    if cache is not None:
        for outcome in outcomes:
            cache.pending.extend(outcome.cache_writes)
    for outcome in outcomes:
        usage = [d for d in outcome.diagnostics if d.code == _USAGE_MARK]
        if usage:
            raise UsageError([Diagnostic(d.message, d.pos, d.severity, "KC001") for d in usage])
    return outcomes


# (project, cache) a forked worker renders with; empty outside a pool
_FORKED: list[tuple[Project, BuildCache | None]] = []
_USAGE_MARK = "KC001-worker"  # a UsageError raised in a worker, carried back as diagnostics


def _validator(project: Project) -> Any:
    from kconfig._validate import Validator

    return Validator(project)


def _render_in_worker(env: str, job: _Job) -> _EnvOutcome:
    """One environment in a forked worker; its staged cache writes go back to the parent."""
    project, cache = _FORKED[0]
    try:
        outcome = _render_one(
            project, env, _validator(project) if job.validate else None, job, cache
        )
    except UsageError as err:  # exceptions do not pickle with their diagnostics: send data
        diags = [Diagnostic(d.message, d.pos, d.severity, _USAGE_MARK) for d in err.diagnostics]
        outcome = _EnvOutcome(env, None, None, diags)
    if cache is None:
        return outcome
    # A worker may render several environments: hand back each one's writes once.
    writes, cache.pending[:] = tuple(cache.pending), []
    return outcome._replace(cache_writes=writes)


def _render_one(
    project: Project, env: str, validator: Any, job: _Job, cache: BuildCache | None = None
) -> _EnvOutcome:
    manifests, diags = _rendered(project, env, validator, cache)
    if not job.plan:
        return _EnvOutcome(env, manifests, None, diags)
    if manifests is None or any(d.severity == "error" for d in diags):
        return _EnvOutcome(env, None, None, diags)
    try:
        files = plan_environment(env, manifests)
    except OutputError as err:
        return _EnvOutcome(env, None, None, diags, tuple(err.diagnostics))
    if cache is not None and env in job.digests:
        warnings = [d for d in diags if d.severity != "error"]
        cache.store_env(env, job.digests[env], files, warnings)
    return _EnvOutcome(env, None, files, diags)


def _rendered(
    project: Project, env: str, validator: Any, cache: BuildCache | None
) -> tuple[list[Manifest] | None, list[Diagnostic]]:
    """One environment's manifests (None when it failed) and its diagnostics."""
    from kconfig._pipeline import RenderOptions, render_environment

    options = RenderOptions()
    inputs = None
    if cache is not None:
        options.app_cache = AppCache(cache, env, {"validate": validator is not None})
        if validator is not None:
            inputs = validator.clean_inputs = InputCache(cache, env)
    if validator is not None:
        result = validator.environment(env, options)
        if inputs is not None:
            inputs.save()
        return result.manifests, list(result.diagnostics)
    try:
        return render_environment(project, env, options), []
    except UsageError:
        raise
    except KconfigError as err:
        return None, list(err.diagnostics)


# --------------------------------------------------------------------------------------------
# kconfig build


@dataclass(frozen=True, slots=True)
class BuildRequest:
    """What ``kconfig build`` was asked to do."""

    environments: Sequence[str] = ()  # empty: every environment of the project
    out: str | None = None  # --out; default kconfig.yaml ``output``
    check: bool = False
    commit: bool = False
    validate: bool = True
    cache: bool = True  # --no-cache: render everything, read and write no cache


@dataclass(frozen=True, slots=True)
class BranchCommit:
    """The outcome of ``--commit`` for one environment."""

    env: str
    branch: str
    commit: str | None  # the new commit; None when the tree did not change
    previous: str | None  # the branch's commit before


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did: per unit (write), per file (check) or per branch (commit)."""

    out: OutputDir | None = None
    units: tuple[UnitResult, ...] = ()
    diffs: tuple[FileDiff, ...] = ()
    commits: tuple[BranchCommit, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()


def output_dir(project: Project, out: str | None) -> OutputDir:
    """``--out`` (relative to the current folder) or kconfig.yaml ``output:``, checked."""
    if out is not None:
        return resolve_output(project.root, out, SourcePos("--out"), base=Path.cwd())
    config = project.config
    pos = config.doc.pos("output") if "output" in config.doc else SourcePos("kconfig.yaml")
    return resolve_output(project.root, config.output, pos)


def build(project: Project, request: BuildRequest) -> BuildResult:
    """``kconfig build``: render, then write (or check, or commit) the GitOps output.

    With the cache on (the default), an environment whose inputs are unchanged since the
    last build is not rendered again: its planned files and warnings come from
    ``.kconfig-cache`` (see :mod:`kconfig._cache`); when nothing changed and the output
    folder is exactly as the last build left it, nothing is read back or written.
    """
    settings = gitops_settings(project.config)
    if request.commit and request.check:
        raise UsageError("--commit and --check cannot be combined")
    if request.commit and settings.layout != "branches":
        raise UsageError(
            "--commit needs 'gitops: {layout: branches}' in kconfig.yaml", settings.pos
        )
    envs = list(dict.fromkeys(request.environments)) or project.environments
    if not envs:
        raise LoadError(
            "the project has no environments (overlays/<env>/env.yaml)", SourcePos("kconfig.yaml")
        )
    for env in envs:
        project.env(env)  # an unknown environment stops here, before any rendering
    out = output_dir(project, request.out)
    controllers = {} if request.commit else gitops_documents(project, settings)
    planned, warnings, key, cache, fresh = _plan_environments(project, envs, request, controllers)
    if request.commit:
        commits = tuple(commit_branches(project, settings, planned, out))
        return BuildResult(out, commits=commits, warnings=warnings)
    state = cache.output_state(out.path, key) if cache is not None else None
    if state is not None and state.unchanged:
        units = tuple(UnitResult(env, "unchanged", len(files)) for env, files in planned.items())
        return BuildResult(out, units=units, warnings=warnings)
    plan = plan_output(
        {},
        controllers,
        planned=planned,
        project_environments=project.environments,
        every_environment=not request.environments,
        owner=project.name,
    )
    if request.check:  # writes nothing, the cache included
        return BuildResult(out, diffs=tuple(check_plan(out, plan)), warnings=warnings)
    # Environments taken from the cache whose folder the last build left untouched.
    # (Only environments: the argocd/ and flux/ files are recomputed every build.)
    trusted = (state.untouched & planned.keys()) - fresh if state is not None else frozenset()
    units = tuple(apply_plan(out, plan, trusted))
    if cache is not None:
        cache.flush()
        unchanged = [u.unit for u in units if u.action == "unchanged"]
        cache.remember_output(out.path, key, state, unchanged)
    return BuildResult(out, units=units, warnings=warnings)


def _plan_environments(
    project: Project,
    envs: Sequence[str],
    request: BuildRequest,
    controllers: Mapping[str, Any],
) -> tuple[dict[str, dict[str, bytes]], tuple[Diagnostic, ...], str, BuildCache | None, set[str]]:
    """Each environment's files (from the cache, or rendered now), the warnings, and a key
    naming this exact output (to recognise an output folder nothing has touched since)."""
    # --commit promises to leave the working tree exactly as it was: no cache there.
    cache = BuildCache.open(project) if request.cache and not request.commit else None
    # (None also when no per-user key can be had: then every environment renders.)
    options = {"validate": request.validate}
    digests = {env: cache.env_digest(env, options) for env in envs} if cache else {}
    planned: dict[str, dict[str, bytes]] = {}
    per_env: list[tuple[str, Sequence[Diagnostic]]] = []
    missing: list[str] = []
    for env in envs:
        entry = cache.load_env(env, digests[env]) if cache else None
        if entry is None:
            missing.append(env)
        else:
            planned[env] = entry.files
            per_env.append((env, entry.warnings))
    found = Collector()
    output_errors = Collector()
    job = _Job(request.validate, plan=True, digests=digests)
    for outcome in _render_envs(project, missing, job, cache):
        found.extend(outcome.diagnostics)
        output_errors.extend(outcome.output_errors)
        per_env.append((outcome.env, [d for d in outcome.diagnostics if d.severity != "error"]))
        if outcome.files is not None:
            planned[outcome.env] = outcome.files
    found.raise_if_errors(ValidationError if request.validate else KconfigError)
    output_errors.raise_if_errors(OutputError)
    planned = {env: planned[env] for env in envs}
    key = hashlib.blake2b(
        json.dumps(
            [sorted(digests.items()), controllers, sorted(planned), not request.environments],
            sort_keys=True,
            default=str,
        ).encode(),
        digest_size=20,
    ).hexdigest()
    return planned, _merged_warnings(per_env), key, cache, set(missing)


def _merged_warnings(per_env: Sequence[tuple[str, Sequence[Diagnostic]]]) -> tuple[Diagnostic, ...]:
    if not any(diags for _, diags in per_env):
        return ()
    from kconfig._validate import merge_environments

    return tuple(sorted_diagnostics(merge_environments(per_env)))


# --------------------------------------------------------------------------------------------
# branch per environment


def _run(
    repo: Path, args: Sequence[str], input: bytes | None, env: Mapping[str, str] | None
) -> subprocess.CompletedProcess[bytes]:
    # GIT_OPTIONAL_LOCKS=0: `git status` must not refresh the user's index file.
    run_env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", **(env or {})}
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            input=input,
            capture_output=True,
            env=run_env,
            check=False,
        )
    except OSError as err:
        raise OutputError(
            f"cannot run git: {err.strerror or err}", SourcePos("kconfig.yaml"), code="KC070"
        ) from err


def _git(
    repo: Path,
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> str:
    """git's stdout, stripped ("" when it failed and ``check`` is false)."""
    proc = _run(repo, args, input, env)
    if check and proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}"
        raise OutputError(
            f"git {args[0]} failed: {message}", SourcePos("kconfig.yaml"), code="KC070"
        )
    return proc.stdout.decode(errors="replace").strip() if proc.returncode == 0 else ""


def output_repository(project: Project, out: OutputDir) -> Path:
    """The git repository holding the output folder, else the project's."""
    here = out.path
    while not here.exists():
        here = here.parent
    for start in (here, project.root):
        top = _git(start, "rev-parse", "--show-toplevel", check=False)
        if top:
            return Path(top)
    raise OutputError(
        "--commit needs a git repository: neither the output folder nor the project is inside one",
        out.pos,
        code="KC070",
    )


def source_commit(project: Project) -> str:
    """``git rev-parse HEAD`` of the project, ``-dirty`` when its inputs have changes."""
    head = _git(project.root, "rev-parse", "--verify", "-q", "HEAD", check=False)
    if not head:
        return "none"
    status = _git(
        project.root, "status", "--porcelain", "--", *INPUT_PATHS, *project.config.crds, check=False
    )
    return f"{head}-dirty" if status else head


def _checked_out(repo: Path) -> set[str]:
    """Branches checked out in any worktree of ``repo`` (they must not move under it)."""
    listing = _git(repo, "worktree", "list", "--porcelain", check=False)
    return {line[len("branch ") :] for line in listing.splitlines() if line.startswith("branch ")}


def _write_blobs(repo: Path, blobs: Sequence[bytes], work: Path) -> list[str]:
    """Store ``blobs`` in the repository in one ``git fast-import``; their object ids."""
    stream = bytearray()
    for i, data in enumerate(blobs, 1):
        stream += b"blob\nmark :%d\ndata %d\n" % (i, len(data))
        stream += data + b"\n"
    marks = work / "marks"
    _git(repo, "fast-import", "--quiet", f"--export-marks={marks}", input=bytes(stream))
    ids = dict(line.split(" ", 1) for line in marks.read_text().splitlines())
    return [ids[f":{i}"] for i in range(1, len(blobs) + 1)]


def _write_tree(repo: Path, files: Mapping[str, str], index: Path) -> str:
    """The tree object of ``{path: blob id}``, built in a temporary index file."""
    records = b"".join(
        b"100644 %s\t%s\0" % (oid.encode(), path.encode()) for path, oid in sorted(files.items())
    )
    env = {"GIT_INDEX_FILE": str(index)}
    _git(repo, "update-index", "-z", "--index-info", input=records, env=env)
    return _git(repo, "write-tree", env=env)


def commit_branches(
    project: Project, settings: GitOps, env_files: Mapping[str, Mapping[str, bytes]], out: OutputDir
) -> list[BranchCommit]:
    """Commit each environment's files to ``<branchPrefix><env>``; see the module doc."""
    repo = output_repository(project, out)
    busy = _checked_out(repo)
    branches = {env: f"{settings.branch_prefix}{env}" for env in env_files}
    for env, branch in branches.items():
        if _run(repo, ["check-ref-format", f"refs/heads/{branch}"], None, None).returncode:
            raise OutputError(
                f"{branch!r} is not a valid git branch name (gitops.branchPrefix + environment)",
                settings.pos,
                code="KC071",
            )
        if f"refs/heads/{branch}" in busy:
            raise OutputError(
                f"branch {branch} is checked out; kconfig commits {env} there "
                "without touching any working tree, so check out another "
                "branch first",
                settings.pos,
                code="KC071",
            )
    source = source_commit(project)
    with tempfile.TemporaryDirectory(prefix="kconfig-commit-") as tmp:
        work = Path(tmp)
        unique = list(dict.fromkeys(d for files in env_files.values() for d in files.values()))
        ids = dict(zip(unique, _write_blobs(repo, unique, work), strict=True))
        results = []
        for env, files in env_files.items():
            rel = {path.split("/", 1)[1]: ids[data] for path, data in files.items()}
            tree = _write_tree(repo, rel, work / f"index-{env}")
            results.append(_commit(repo, env, branches[env], tree, source))
    return results


def _commit(repo: Path, env: str, branch: str, tree: str, source: str) -> BranchCommit:
    ref = f"refs/heads/{branch}"
    previous = _git(repo, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    if previous and _git(repo, "rev-parse", f"{previous}^{{tree}}") == tree:
        return BranchCommit(env, branch, None, previous)
    short = source[:12] + ("-dirty" if source.endswith("-dirty") else "")
    message = (
        f"kconfig: render {env} from {short}\n\n"
        f"Source-Commit: {source}\nGenerator: kconfig {__version__}\n"
    )
    parents = ["-p", previous] if previous else []
    commit = _git(repo, "commit-tree", tree, *parents, input=message.encode())
    _git(repo, "update-ref", "-m", f"kconfig build --commit ({env})", ref, commit, previous or "")
    return BranchCommit(env, branch, commit, previous or None)
