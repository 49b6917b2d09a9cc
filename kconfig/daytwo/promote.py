"""``promote``: copy the promoted values of one environment into the next one's overlays.

For each app of the target environment (or the ``--app`` subset), for each path in
kconfig.yaml ``promote:`` (default ``image.tag``), the *effective* value in the source
environment is written into the target's own ``overlays/TO/APP.yaml`` when it differs from
the target's effective value. A path that holds a mapping promotes every value under it.
Edits go through :mod:`kconfig.daytwo.edit`: comments and form kept, every edit checked before any
file is written, written atomically; a dry run checks and writes nothing.

Environments are promoted along kconfig.yaml ``environments`` (the promotion order):
``promote prod qa`` goes backwards and is refused unless forced.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kconfig.daytwo.edit import Change, FileEdit, apply_changes
from kconfig.daytwo.explain import leaf_paths, lookup
from kconfig.errors import UsageError
from kconfig.values.layers import app_values

if TYPE_CHECKING:
    from kconfig.load.sources import Sources

__all__ = ["PromoteResult", "describe", "promote"]

_CODE = "KC061"
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class PromoteResult:
    """What a promotion changed (or, in a dry run, would change)."""

    source: str
    target: str
    changes: tuple[Change, ...]
    edits: tuple[FileEdit, ...]
    written: bool
    skipped: tuple[str, ...] = ()  # apps of the target that the source does not have

    @property
    def files(self) -> list[str]:
        return [edit.rel for edit in self.edits]


def check_order(sources: Sources, source: str, target: str, *, force: bool = False) -> None:
    """Refuse a promotion that does not go forward in kconfig.yaml ``environments``."""
    sources.env(source)
    sources.env(target)
    if source == target:
        raise UsageError(f"cannot promote {source} to itself", code=_CODE)
    if force:
        return
    order = list(sources.config.environments)
    chain = " -> ".join(order)
    missing = [env for env in (source, target) if env not in order]
    if not order or missing:
        raise UsageError(
            f"{' and '.join(missing) or 'the environments'}: not in kconfig.yaml "
            f"'environments', so the promotion order is unknown (use --force)",
            code=_CODE,
        )
    if order.index(target) < order.index(source):
        raise UsageError(
            f"cannot promote {source} -> {target}: the promotion order is {chain}, and "
            f"{target} comes before {source} (use --force to do it anyway)",
            code=_CODE,
        )


def _apps(
    sources: Sources, source: str, target: str, wanted: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """(apps to promote, apps of the target the source lacks)."""
    target_apps = sources.apps_of(sources.env(target))
    source_apps = set(sources.apps_of(sources.env(source)))
    if wanted:
        for app in wanted:
            for env, apps in ((target, target_apps), (source, source_apps)):
                if app not in apps:
                    raise UsageError(f"--app {app}: not an app of environment {env!r}", code=_CODE)
        return [a for a in target_apps if a in set(wanted)], []
    return (
        [a for a in target_apps if a in source_apps],
        [a for a in target_apps if a not in source_apps],
    )


def _changes(
    target: str, app: str, path: str, src: Mapping[str, Any], dst: Mapping[str, Any]
) -> Iterator[Change]:
    for leaf in leaf_paths(src, path):
        new = lookup(src, leaf, _MISSING)
        old = lookup(dst, leaf, None)
        if new is _MISSING or (type(old) is type(new) and old == new):
            continue
        yield Change(target, app, leaf, old, new)


def promote(
    sources: Sources,
    source: str,
    target: str,
    apps: Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    force: bool = False,
) -> PromoteResult:
    """Promote ``source``'s values (kconfig.yaml ``promote:`` paths) into ``target``."""
    check_order(sources, source, target, force=force)
    selected, skipped = _apps(sources, source, target, apps)
    changes: list[Change] = []
    for app in selected:
        src = app_values(sources, source, app).data
        dst = app_values(sources, target, app).data
        for path in sources.config.promote:
            changes.extend(_changes(target, app, path, src, dst))
    if not changes:
        return PromoteResult(source, target, (), (), False, tuple(skipped))
    edits = apply_changes(sources, changes, dry_run=dry_run)
    return PromoteResult(source, target, tuple(changes), tuple(edits), not dry_run, tuple(skipped))


def describe(change: Change) -> str:
    """``storefront image.tag 2.2.9 -> 2.3.0-rc.2``"""
    return change.describe()
