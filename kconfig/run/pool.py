"""Environments rendered (and validated) side by side, in forked worker processes.

Environments are independent, so with several of them and more than one core they render in
forked workers (``KCONFIG_JOBS`` caps how many; 1 disables it); results are gathered in
environment order, so the output does not depend on it.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kconfig.errors import (
    Diagnostic,
    OutputError,
    UsageError,
)
from kconfig.output.plan import plan_environment
from kconfig.run.cache import AppCache, BuildCache, InputCache

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from kconfig.check.validate import Validator
    from kconfig.core.manifests import Manifest
    from kconfig.load.sources import Sources
    from kconfig.run.recipe import Renderer


class EnvJob(NamedTuple):
    """What each environment's worker does, besides rendering it."""

    validate: bool
    strict: bool = False  # validate --strict: a kind without a schema is an error
    # Build (the only caller): turn the manifests into the environment's files in the
    # worker (YAML is written in parallel, and bytes travel back faster than manifests),
    # and cache them under these digests. Otherwise the manifests themselves come back.
    plan: bool = False
    digests: Mapping[str, str] = {}
    # ``validate``: only the diagnostics are wanted; thousands of manifests pickled back
    # from each worker would cost more than checking them.
    manifests: bool = True


class _EnvOutcome(NamedTuple):
    env: str
    manifests: list[Manifest] | None  # without ``plan``
    files: dict[str, bytes] | None  # build: the planned files
    diagnostics: list[Diagnostic]  # rendering and validation
    output_errors: tuple[Diagnostic, ...] = ()  # planning (two objects for one file)
    cache_writes: tuple[tuple[Path, bytes], ...] = ()  # a forked worker's, for the parent


def _jobs(count: int) -> int:
    wanted = os.environ.get("KCONFIG_JOBS", "")
    limit = int(wanted) if wanted.isdigit() and int(wanted) > 0 else (os.cpu_count() or 1)
    return max(1, min(limit, count))


def render_envs(
    sources: Sources, envs: list[str], job: EnvJob, cache: BuildCache | None = None
) -> list[_EnvOutcome]:
    if not envs:  # every environment came from the cache
        return []
    import multiprocessing  # here: a build answered from the cache never forks
    from concurrent.futures import ProcessPoolExecutor

    jobs = _jobs(len(envs))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        validator = _validator(sources, job.strict) if job.validate else None
        return [_render_one(sources, env, validator, job, cache) for env in envs]
    # fork: the children start with the project already loaded (handed over through
    # _FORKED, set only around the pool's life) and only results travel back pickled.
    context = multiprocessing.get_context("fork")
    # One validator for the whole run, its shared files (bases, components) checked here
    # once (with the first environment's record of clean files) instead of once per
    # environment in the workers, which inherit it.
    validator = _validator(sources, job.strict) if job.validate else None
    if validator is not None:
        validator.clean_inputs = InputCache(cache, envs[0]) if cache is not None else None
        validator.check_shared(envs)
    _FORKED[:] = [(sources, cache, validator)]
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
    )
    try:
        futures = [pool.submit(_render_in_worker, env, job) for env in envs]
        outcomes = [f.result() for f in futures]
    except BaseException:
        # Ctrl-C or an error: the workers' work is moot; do not wait for it.
        _stop(pool)
        raise
    else:
        pool.shutdown(wait=True)
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


def _worker_start(parent: int) -> None:
    """First thing in a forked worker: die with the parent (issue 18; see
    :func:`kconfig.render.limits.die_with_parent`, which the Jsonnet children share)."""
    from kconfig.render.limits import die_with_parent  # here: a cached build renders nothing

    die_with_parent(parent)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End a pool now: cancel what has not started, kill the workers (rendering is pure:
    nothing of theirs needs finishing), then reap them."""
    workers = dict(getattr(pool, "_processes", None) or {})  # pid -> Process (CPython)
    pool.shutdown(wait=False, cancel_futures=True)
    for pid in workers:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for proc in workers.values():
        with contextlib.suppress(Exception):
            proc.join(5)


# (sources, cache, validator) a forked worker renders with; empty outside a pool
_FORKED: list[tuple[Sources, BuildCache | None, Validator | None]] = []
_USAGE_MARK = "KC001-worker"  # a UsageError raised in a worker, carried back as diagnostics


def _validator(sources: Sources, strict: bool = False) -> Validator:
    from kconfig.check.validate import Validator

    return Validator(sources, strict=strict)


def _render_in_worker(env: str, job: EnvJob) -> _EnvOutcome:
    """One environment in a forked worker; its staged cache writes go back to the parent."""
    sources, cache, validator = _FORKED[0]
    try:
        outcome = _render_one(sources, env, validator if job.validate else None, job, cache)
    except UsageError as err:  # exceptions do not pickle with their diagnostics: send data
        diags = [Diagnostic(d.message, d.pos, d.severity, _USAGE_MARK) for d in err.diagnostics]
        outcome = _EnvOutcome(env, None, None, diags)
    if cache is None:
        return outcome
    # A worker may render several environments: hand back each one's writes once.
    writes, cache.pending[:] = tuple(cache.pending), []
    return outcome._replace(cache_writes=writes)


def _render_one(
    sources: Sources,
    env: str,
    validator: Validator | None,
    job: EnvJob,
    cache: BuildCache | None = None,
) -> _EnvOutcome:
    manifests, diags = _rendered(sources, env, validator, cache)
    if not job.plan:
        return _EnvOutcome(env, manifests if job.manifests else None, None, diags)
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
    sources: Sources, env: str, validator: Validator | None, cache: BuildCache | None
) -> tuple[list[Manifest] | None, list[Diagnostic]]:
    """One environment's manifests (None when it failed) and its diagnostics: the recipe,
    with the build cache wrapped around its stages when there is one."""
    # Here, not at the top: a build answered from the cache imports no pipeline.
    from kconfig.render.pipeline import render_environment
    from kconfig.run.recipe import run_environment

    renderer: Renderer = render_environment
    inputs = apps = None
    if cache is not None:
        apps = AppCache(cache, env, {"validate": validator is not None})
        renderer = apps.render
        if validator is not None:
            inputs = validator.clean_inputs = InputCache(cache, env)
            validator.cached_outputs = apps
    try:
        result = run_environment(sources, env, validator=validator, renderer=renderer)
    finally:
        if validator is not None:
            validator.cached_outputs = None  # this environment's, not the next one's
    if inputs is not None:
        inputs.save()
    if apps is not None:
        apps.save()
    return result.manifests, list(result.diagnostics)
