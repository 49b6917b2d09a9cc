"""``kconfig build`` end to end: render, plan the output, then write, check or commit.

Renders the environments (:mod:`kconfig.run.pool`), plans the output
(:mod:`kconfig.output.plan`) and hands the plan to the writer (:mod:`kconfig.output.writer`),
or with ``--check`` compares it, or with ``--commit`` commits each environment to its own
branch (:mod:`kconfig.output.branches`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from kconfig.load.paths import PROJECT_FILE, env_file
from kconfig.output.branches import BranchCommit, commit_branches
from kconfig.output.gitops import gitops_documents
from kconfig.output.plan import plan_output
from kconfig.output.writer import (
    FileDiff,
    OutputDir,
    UnitResult,
    apply_plan,
    check_plan,
    resolve_output,
)
from kconfig.run.cache import BuildCache
from kconfig.run.gcbudget import large_run_gc
from kconfig.run.pool import EnvJob, render_envs

if TYPE_CHECKING:
    from kconfig.load.sources import Sources


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
class BuildResult:
    """What a build did: per unit (write), per file (check) or per branch (commit)."""

    out: OutputDir | None = None
    units: tuple[UnitResult, ...] = ()
    diffs: tuple[FileDiff, ...] = ()
    commits: tuple[BranchCommit, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()


def output_dir(sources: Sources, out: str | None) -> OutputDir:
    """``--out`` (relative to the current folder) or kconfig.yaml ``output:``, checked."""
    if out is not None:
        return resolve_output(sources.root, out, SourcePos("--out"), base=Path.cwd())
    config = sources.config
    pos = config.pos("output")
    return resolve_output(sources.root, config.output, pos)


def build(sources: Sources, request: BuildRequest) -> BuildResult:
    """``kconfig build``: render, then write (or check, or commit) the GitOps output.

    With the cache on (the default), an environment whose inputs are unchanged since the
    last build is not rendered again: its planned files and warnings come from
    ``.kconfig-cache`` (see :mod:`kconfig.run.cache`); when nothing changed and the output
    folder is exactly as the last build left it, nothing is read back or written.
    """
    settings = sources.config.gitops
    if request.commit and request.check:
        raise UsageError("--commit and --check cannot be combined")
    if request.commit and settings.layout != "branches":
        raise UsageError(
            "--commit needs 'gitops: {layout: branches}' in kconfig.yaml", settings.pos
        )
    envs = list(dict.fromkeys(request.environments)) or sources.environments
    if not envs:
        raise LoadError(
            f"the project has no environments ({env_file('<env>')})", SourcePos(PROJECT_FILE)
        )
    for env in envs:
        sources.env(env)  # an unknown environment stops here, before any rendering
    out = output_dir(sources, request.out)
    controllers = {} if request.commit else gitops_documents(sources)
    planned, warnings, key, cache, fresh = _plan_environments(sources, envs, request, controllers)
    if request.commit:
        commits = tuple(commit_branches(sources, settings, planned, out))
        return BuildResult(out, commits=commits, warnings=warnings)
    state = cache.output_state(out.path, key) if cache is not None else None
    if state is not None and state.unchanged:
        if cache is not None and not request.check:
            cache.flush()  # the file signatures this run learnt, if worth keeping
        units = tuple(UnitResult(env, "unchanged", len(files)) for env, files in planned.items())
        return BuildResult(out, units=units, warnings=warnings)
    plan = plan_output(
        {},
        controllers,
        planned=planned,
        project_environments=sources.environments,
        every_environment=not request.environments,
        owner=sources.name,
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
    sources: Sources,
    envs: Sequence[str],
    request: BuildRequest,
    controllers: Mapping[str, Any],
) -> tuple[dict[str, dict[str, bytes]], tuple[Diagnostic, ...], str, BuildCache | None, set[str]]:
    """Each environment's files (from the cache, or rendered now), the warnings, and a key
    naming this exact output (to recognise an output folder nothing has touched since)."""
    # --commit promises to leave the working tree exactly as it was: no cache there.
    cache = BuildCache.open(sources) if request.cache and not request.commit else None
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
    job = EnvJob(request.validate, plan=True, digests=digests)
    with large_run_gc():
        outcomes = render_envs(sources, missing, job, cache)
    for outcome in outcomes:
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
    from kconfig.check.validate import merge_environments

    return tuple(sorted_diagnostics(merge_environments(per_env)))
