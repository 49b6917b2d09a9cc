"""``kconfig validate`` of several environments: the recipe in build's worker pool, with
build's cache.

Each environment runs :func:`kconfig.run.recipe.run_environment` in the forked workers of
:mod:`kconfig.run.pool` (as ``kconfig build`` does), so ``validate`` of four environments
takes about the time of the slowest two on two cores. The build cache
(:mod:`kconfig.run.cache`) wraps the recipe's stages exactly as for a build: an app whose
inputs did not change since the last run (``build`` or ``validate``) is not rendered again
(its manifests come from the cache, keyed by the content of every file that can change
them), and input files known by content to be clean are not parsed again. Every check on
the output still runs over every manifest of the environment, so what a run reports does
not depend on the cache: this is what makes ``validate FILE`` (the pre-commit hook) cost
the apps the file affects plus the checks, not a render of the whole estate.

Why whole environments, and not cross-app checks limited to the pairs that involve the
changed app: the cross-app checks (duplicate objects, Ingress host and path overlap,
Service and workload selectors, network policies, ...) live in five modules written
independently; a pair-limited run would need every one of them to say which of its findings
involve which app, and a check that did not would silently miss problems. With the cached
manifests of the other apps, each check sees exactly the manifests a full run gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kconfig.check.validate import Report, merge_environments
from kconfig.errors import KconfigError, UsageError, sorted_diagnostics
from kconfig.run.cache import BuildCache
from kconfig.run.gcbudget import large_run_gc
from kconfig.run.pool import EnvJob, render_envs

if TYPE_CHECKING:
    from kconfig.load.sources import Sources


def validate_environments(
    sources: Sources,
    envs: Sequence[str] | None = None,
    *,
    strict: bool = False,
    cache: bool = True,
) -> Report:
    """Validate ``envs`` (default: all), collecting every problem of every one, in
    environment order whatever the workers' order (``cache=False``: render everything,
    read and write no cache)."""
    names = list(dict.fromkeys(sources.environments if envs is None else envs))
    # An environment that does not load (a broken kconfig.yaml or env.yaml) is reported by
    # the recipe, which renders nothing for it: the cache has nothing to add there.
    store = BuildCache.open(sources) if cache and _all_load(sources, names) else None
    job = EnvJob(validate=True, strict=strict, manifests=False)
    with large_run_gc():
        outcomes = render_envs(sources, names, job, store)
    if store is not None:
        # Unlike a build's, a failed validation still keeps what it learnt: entries are
        # keyed by content (rendered manifests, input files that checked clean), never by
        # the verdict, so the next run (the fixed file) starts from them.
        store.flush()
    per_env = [(o.env, o.diagnostics) for o in outcomes]
    return Report(sorted_diagnostics(merge_environments(per_env)), names)


def _all_load(sources: Sources, envs: Sequence[str]) -> bool:
    """Whether every one of ``envs`` loads (an unknown name stays a usage error)."""
    try:
        for name in envs:
            sources.env(name)
    except UsageError:
        raise
    except KconfigError:
        return False
    return True
