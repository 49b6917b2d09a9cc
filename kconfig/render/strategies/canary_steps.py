"""The ``steps`` of an Argo Rollouts canary: each step is exactly one of :data:`STEPS`, checked
as the controller would read it; the setWeight steps must ascend. An analysis step
``{analysis: {successRate: true}}`` runs the canary's AnalysisTemplate ``<app>-success-rate``
(so the background analysis must have been planned first)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple

from kconfig.render.strategies.analysis import reference
from kconfig.render.strategies.base import SERVICE_ARG, Planning, shown
from kconfig.render.strategies.locator import PathKey
from kconfig.render.strategies.shared import GO_DURATION, is_int, traffic_weight

PATH: Final = ("strategy", "canary", "steps")


class Step(NamedTuple):
    """What the check of one step knows of its canary."""

    number: int  # 1-based, as messages count steps
    router: bool  # a traffic router splits the requests (see canary_routing.Routing)
    measured: str  # the Service an analysis step measures


def plan_steps(p: Planning, raw: Any, router: bool, measured: str) -> list[dict[str, Any]] | None:
    """The steps as the Rollout writes them (None when unset or not a list)."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        p.error("KC200", f"strategy.canary.steps must be a list, not {type(raw).__name__}", PATH)
        return None
    out: list[dict[str, Any]] = []
    last: tuple[int, int] | None = None  # (step number, weight) of the last setWeight
    for i, step in enumerate(raw):
        planned = _step(p, step, (*PATH, i), Step(i + 1, router, measured))
        out.append(planned)
        weight = planned.get("setWeight")
        # Only a valid weight is compared: a wrong one is reported once, as wrong.
        if is_int(weight) and 0 <= weight <= 100:
            _ascending(p, last, (i + 1, weight), (*PATH, i, "setWeight"))
            last = (i + 1, weight)
    return out


def _ascending(
    p: Planning, last: tuple[int, int] | None, now: tuple[int, int], path: PathKey
) -> None:
    if last is not None and now[1] <= last[1]:
        p.error(
            "KC204",
            f"canary step {now[0]}: setWeight {now[1]} does not ascend "
            f"(step {last[0]} already set {last[1]}); each setWeight must be "
            "higher than the one before",
            path,
        )


def _step(p: Planning, step: Any, path: PathKey, s: Step) -> dict[str, Any]:
    if not isinstance(step, Mapping) or len(step) != 1 or next(iter(step)) not in STEPS:
        got = ", ".join(map(str, step)) if isinstance(step, Mapping) else type(step).__name__
        p.error(
            "KC202",
            f"canary step {s.number} must hold exactly one of "
            f"{', '.join(STEPS)} (got {got or 'nothing'})",
            path,
        )
        return {}
    key, body = next(iter(step.items()))
    return {key: STEPS[key](p, body, (*path, key), s)}


def _set_weight(p: Planning, body: Any, path: PathKey, s: Step) -> Any:
    return traffic_weight(p, body, path, f"canary step {s.number}: setWeight")


def _pause(p: Planning, body: Any, path: PathKey, s: Step) -> dict[str, Any]:
    if body is None:
        return {}  # `pause:` with nothing: wait until promoted, like `pause: {}`
    if not isinstance(body, Mapping) or set(body) - {"duration"}:
        p.error(
            "KC202",
            f"canary step {s.number}: pause takes only a duration "
            "(pause: {duration: 1h}, or pause: {} to wait until promoted)",
            path,
        )
        return dict(body) if isinstance(body, Mapping) else {}
    duration = body.get("duration")
    if duration is None:
        return {}
    # Argo Rollouts reads an integer (or a string of digits) as seconds.
    valid = (is_int(duration) and duration >= 0) or (
        isinstance(duration, str) and (duration.isdigit() or GO_DURATION.fullmatch(duration))
    )
    if not valid:
        p.error(
            "KC202",
            f"canary step {s.number}: pause duration {shown(duration)} is "
            "not a number of seconds or a duration such as 30s, 10m or 1h",
            (*path, "duration"),
        )
    return {"duration": duration}


def _analysis(p: Planning, body: Any, path: PathKey, s: Step) -> dict[str, Any]:
    block = p.mapping(body, path)
    if block.get("successRate") is True and len(block) == 1:
        name = p.analyses.primary
        if name is None:
            p.error(
                "KC206",
                f"canary step {s.number}: analysis successRate needs "
                "strategy.canary.analysis.successRate (the AnalysisTemplate "
                f"{p.app.name}-success-rate is not rendered)",
                path,
            )
            return {}
        return reference(name, s.measured)
    templates = block.get("templates")
    if not isinstance(templates, list) or not templates or len(block) != 1:
        p.error(
            "KC202",
            f"canary step {s.number}: analysis takes successRate: true or "
            "templates: [{templateName: NAME}]",
            path,
        )
        return dict(block)
    return _named_templates(p, templates, (*path, "templates"), s)


def _named_templates(p: Planning, templates: list[Any], path: PathKey, s: Step) -> dict[str, Any]:
    """``analysis: {templates: [...]}``: each must name a template; naming kconfig's own
    passes it the Service to measure."""
    for i, ref in enumerate(templates):
        _check_template_ref(p, ref, (*path, i), s)
    ours = {t["name"] for t in p.analyses.templates}
    out: dict[str, Any] = {
        "templates": [dict(r) if isinstance(r, Mapping) else r for r in templates]
    }
    if any(isinstance(r, Mapping) and r.get("templateName") in ours for r in templates):
        out["args"] = [{"name": SERVICE_ARG, "value": s.measured}]
    return out


def _check_template_ref(p: Planning, ref: Any, path: PathKey, s: Step) -> None:
    name = ref.get("templateName") if isinstance(ref, Mapping) else None
    if not isinstance(name, str) or not name:
        p.error(
            "KC202", f"canary step {s.number}: each analysis template needs a templateName", path
        )
    elif name == f"{p.app.name}-success-rate" and p.analyses.primary is None:
        p.error(
            "KC206",
            f"canary step {s.number}: AnalysisTemplate {name!r} is not "
            "rendered: configure strategy.canary.analysis.successRate",
            (*path, "templateName"),
        )


def _canary_scale(p: Planning, body: Any, path: PathKey, s: Step) -> Any:
    if not s.router:
        p.error(
            "KC211",
            f"canary step {s.number}: setCanaryScale needs traffic routing "
            "(Argo Rollouts refuses it otherwise); set strategy.canary."
            "trafficRouting: nginx",
            path,
        )
    block = p.mapping(body, path)
    keys = set(block)
    if len(keys) != 1 or not keys <= {"weight", "replicas", "matchTrafficWeight"}:
        p.error(
            "KC202",
            f"canary step {s.number}: setCanaryScale takes exactly one of "
            "weight, replicas, matchTrafficWeight",
            path,
        )
    elif "weight" in block:
        traffic_weight(
            p, block["weight"], (*path, "weight"), f"canary step {s.number}: setCanaryScale weight"
        )
    return dict(block)


# The step kinds, in the order messages list them: each checks one step's body and returns
# it as the Rollout writes it.
STEPS: Final[Mapping[str, Callable[[Planning, Any, PathKey, Step], Any]]] = {
    "setWeight": _set_weight,
    "pause": _pause,
    "analysis": _analysis,
    "setCanaryScale": _canary_scale,
}
