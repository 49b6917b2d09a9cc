"""Day two of an ``ingressBlueGreen`` app, and image pins: ``kconfig set image`` (the idle
colour's tag on a blue-green app, ``--digest`` anywhere) and ``kconfig switch`` (which colour
the Ingress routes to).

A blue-green release is: put the new version on the colour no user sees (``set image``),
check it there, then make it live (``switch``). So ``set image`` on an ingressBlueGreen app
never writes ``image.tag``: a colour without a tag of its own runs ``image.tag``, and changing
it would move the live colour too. Edits go through :mod:`kconfig.daytwo.edit` (comments kept,
the result merged again and checked before anything is written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from kconfig.daytwo.edit import (
    Change,
    EditResult,
    FileEdit,
    apply_changes,
    check_tag,
    set_image,
)
from kconfig.errors import SourcePos, UsageError, ValidationError
from kconfig.load.paths import base_file, overlay_file
from kconfig.values.layers import Values, app_values

if TYPE_CHECKING:
    from kconfig.load.sources import Sources

COLOURS: Final = ("blue", "green")
_STRATEGY: Final = ("strategy", "ingressBlueGreen")
# Ids of the day-two refusals (input errors, KC2xx like the strategy checks).
NOT_BLUE_GREEN: Final = "KC222"
NOT_READY: Final = "KC223"
BAD_PIN: Final = "KC224"
# The OCI image-spec digest forms registries accept for a pin (descriptor.md: sha256 and
# sha512, lower-case hex of the full length).
_DIGEST: Final = re.compile(r"sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}")


@dataclass(frozen=True, slots=True)
class SwitchResult:
    """What ``switch`` changed (or, in a dry run, would change): ``live`` is the colour the
    Ingress routes to afterwards, ``image`` what it runs; ``changes`` empty: it already was."""

    live: str
    idle: str
    image: str
    changes: tuple[Change, ...]
    edits: tuple[FileEdit, ...]
    written: bool


class _BlueGreen:
    """The effective blue-green values of one app in one environment."""

    def __init__(self, values: Values) -> None:
        self.values = values
        data = values.data
        strategy = data.get("strategy") if isinstance(data.get("strategy"), dict) else {}
        self.type = (strategy or {}).get("type") or "rolling"
        block = (strategy or {}).get("ingressBlueGreen")
        self.block: dict[str, Any] = block if isinstance(block, dict) else {}
        active = self.block.get("active") or "blue"
        self.live = active if active in COLOURS else "blue"
        self.idle = COLOURS[1 - COLOURS.index(self.live)]
        image = data.get("image")
        self.image: dict[str, Any] = image if isinstance(image, dict) else {}

    def tag(self, colour: str) -> str | None:
        """The colour's own tag (None: it runs ``image.tag``)."""
        block = self.block.get(colour)
        tag = block.get("tag") if isinstance(block, dict) else None
        return str(tag) if tag not in (None, "") else None

    def runs(self, colour: str) -> str:
        """The image reference the colour's Deployment runs (as the planner decides it)."""
        repo = self.image.get("repository") or "(no image.repository)"
        tag = self.tag(colour)
        if tag is not None:
            return f"{repo}:{tag}"
        if self.image.get("digest"):
            return f"{repo}@{self.image['digest']}"
        return f"{repo}:{self.image.get('tag')}" if self.image.get("tag") else str(repo)

    def at(self, *paths: tuple[str, ...]) -> SourcePos:
        """Where the first of ``paths`` that some file wrote was set; the app's base file
        when only kconfig's defaults say any of them."""
        for path in paths:
            history = self.values.history(path)
            if history and not history[-1].pos.path.startswith("<"):
                return history[-1].pos
        return SourcePos(base_file(self.values.app), 1, 1)


def _blue_green(sources: Sources, env: str, app: str, command: str) -> _BlueGreen:
    """The app's blue-green values; KC222 (located at strategy.type) when it is not one."""
    found = _BlueGreen(app_values(sources, env, app))
    if found.type != "ingressBlueGreen":
        raise ValidationError(
            f"{command}: {app} in {env} has strategy {found.type}, not ingressBlueGreen "
            "(only an ingressBlueGreen app has colours to switch between)",
            found.at(("strategy", "type")),
            code=NOT_BLUE_GREEN,
        )
    return found


def check_digest(digest: str) -> None:
    if not _DIGEST.fullmatch(digest):
        raise UsageError(
            f"invalid image digest {digest!r}: expected sha256: and 64 lower-case hex digits "
            "(or sha512: and 128), as `docker buildx imagetools inspect` prints it",
            code=BAD_PIN,
        )


def set_app_image(
    sources: Sources,
    env: str,
    app: str,
    tag: str | None,
    *,
    repository: str | None = None,
    digest: str | None = None,
    dry_run: bool = False,
) -> EditResult:
    """``kconfig set image``: on an ingressBlueGreen app the idle colour's tag
    (``EditResult.colour`` names it), else ``image.tag``; ``digest`` pins ``image.digest``."""
    if tag is None and digest is None:
        raise UsageError("set image: give a TAG or --digest sha256:...", code=BAD_PIN)
    if digest is not None:
        check_digest(digest)
    values = app_values(sources, env, app)
    state = _BlueGreen(values)
    if state.type == "ingressBlueGreen":
        if tag is None or digest is not None or repository is not None:
            raise UsageError(
                f"set image: {app} is ingressBlueGreen: its colours pin tags "
                f"(strategy.ingressBlueGreen.{state.idle}.tag); a digest or repository "
                "would change the live colour too",
                code=BAD_PIN,
            )
        return _set_idle_tag(sources, env, app, state, tag, dry_run)
    pinned = state.image.get("digest")
    if tag is not None and digest is None and pinned:
        # image.digest wins over image.tag in the rendered image: the tag alone would
        # change nothing (the bug blue-green day two had).
        raise ValidationError(
            f"set image: image.digest {pinned} pins {app}'s image, so a new tag would not "
            "change what runs; pin the new image with --digest, or delete the digest "
            "(digest: null) first",
            state.at(("image", "digest")),
            code=BAD_PIN,
        )
    return set_image(sources, env, app, tag, repository, digest=digest, dry_run=dry_run)


def _set_idle_tag(
    sources: Sources, env: str, app: str, state: _BlueGreen, tag: str, dry_run: bool
) -> EditResult:
    check_tag(tag)
    path = f"strategy.ingressBlueGreen.{state.idle}.tag"
    rel = overlay_file(env, app)
    if state.tag(state.idle) == tag:
        return EditResult((), (), False, rel, colour=state.idle)
    changes = (Change(env, app, path, state.tag(state.idle), tag),)
    edits = apply_changes(sources, changes, dry_run=dry_run)
    return EditResult(changes, tuple(edits), not dry_run, rel, colour=state.idle)


def switch(
    sources: Sources,
    env: str,
    app: str,
    to: str | None = None,
    *,
    force: bool = False,
    dry_run: bool = False,
) -> SwitchResult:
    """``kconfig switch``: make ``to`` (default: the idle colour) the live one by setting
    ``strategy.ingressBlueGreen.active`` in ``overlays/ENV/APP.yaml``. Refused (KC223,
    located) when that colour has no tag of its own or runs the live colour's image, unless
    ``force``."""
    if to is not None and to not in COLOURS:
        raise UsageError(f"switch --to: {to!r} is not blue or green", code=NOT_READY)
    state = _blue_green(sources, env, app, "switch")
    target = to or state.idle
    other = COLOURS[1 - COLOURS.index(target)]
    if target == state.live:
        return SwitchResult(target, other, state.runs(target), (), (), False)
    if not force:
        _ready(state, app, target)
    changes = (Change(env, app, "strategy.ingressBlueGreen.active", state.live, target),)
    edits = apply_changes(sources, changes, dry_run=dry_run)
    return SwitchResult(target, other, state.runs(target), changes, tuple(edits), not dry_run)


def _ready(state: _BlueGreen, app: str, target: str) -> None:
    """KC223 unless ``target`` has a tag of its own that differs from the live colour's."""
    tag = state.tag(target)
    if tag is None:
        raise ValidationError(
            f"switch: {app}'s {target} colour has no tag of its own "
            f"(strategy.ingressBlueGreen.{target}.tag), so it runs what {state.live} runs; "
            f"set one with `kconfig set image ENV {app} TAG`, or --force",
            state.at((*_STRATEGY, target, "tag"), (*_STRATEGY, "active"), ("strategy", "type")),
            code=NOT_READY,
        )
    if state.runs(target) == state.runs(state.live):
        raise ValidationError(
            f"switch: {app}'s {target} colour runs {state.runs(target)}, the image "
            f"{state.live} already serves; nothing would change for users (--force to "
            "switch anyway)",
            state.at((*_STRATEGY, target, "tag")),
            code=NOT_READY,
        )
