"""``canary``: Argo Rollouts Rollout ``<app>`` with ``steps`` (:mod:`.canary_steps`),
``canaryService: <app>-canary`` and the traffic routing ``canary.trafficRouting`` names
(:mod:`.canary_routing`); Services ``<app>`` and ``<app>-canary``, the Ingress ``<app>``.
``canary.analysis.successRate`` renders the AnalysisTemplate ``<app>-success-rate``, run in
the background from ``startingStep``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.analysis import reference, template_for
from kconfig.render.strategies.base import Ingress, Parts, Planning, Service, Workload, shown
from kconfig.render.strategies.canary_routing import traffic_routing
from kconfig.render.strategies.canary_steps import plan_steps
from kconfig.render.strategies.shared import distinct, is_int, need_service, service_name, surge

PATH: Final = ("strategy", "canary")


def plan(p: Planning) -> Parts:
    app, c = p.app, p.block("canary")
    routing = traffic_routing(p, c)
    stable = service_name(p, c, "stableService", app.name, PATH)
    canary = service_name(p, c, "canaryService", f"{app.name}-canary", PATH)
    distinct(p, c, PATH, ("stableService", stable), ("canaryService", canary))
    need_service(p, "canary")
    # What the analysis measures: the canary's own Service when a router sends it its share
    # of the requests, else the Service the Ingress routes to (stable and canary pods alike).
    measured = canary if routing.router else stable
    query = routing.query(p) if routing.query else None
    # Planned before the steps: an analysis step runs the background analysis' template.
    background = _background(p, c, measured, query)
    spec: dict[str, Any] = {"canaryService": canary}
    steps = plan_steps(p, c.get("steps"), routing.router, measured)
    if steps is not None:
        spec["steps"] = steps
    if background:
        spec["analysis"] = _starting_step(p, c["analysis"], background, steps)
    spec.update(routing.fields(p, stable))
    spec.update(surge(p, c, PATH))
    rollout = Workload(
        "Rollout", app.name, app.image, app.labels, app.selector, app.replicas, {"canary": spec}
    )
    services = (Service(stable, app.selector), Service(canary, app.selector))
    ingresses = (Ingress(app.name, stable),) if app.ingress_on else ()
    return Parts((rollout,), services, ingresses)


def _background(
    p: Planning, c: Mapping[str, Any], measured: str, query: str | None
) -> dict[str, Any] | None:
    """``canary.analysis``: a reference to its AnalysisTemplate (None: no analysis)."""
    path = (*PATH, "analysis")
    block = p.mapping(c.get("analysis"), path)
    if not block:
        return None
    if block.get("successRate") is None:
        p.error(
            "KC206",
            "strategy.canary.analysis names no AnalysisTemplate: give it "
            "successRate: {prometheusAddress, minimum}",
            path,
        )
        return None
    name = template_for(
        p, block["successRate"], (*path, "successRate"), f"{p.app.name}-success-rate", query
    )
    return reference(name, measured) if name else None


def _starting_step(
    p: Planning,
    block: Mapping[str, Any],
    analysis: dict[str, Any],
    steps: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    start = block.get("startingStep")
    if start is None:
        return analysis
    count = len(steps or [])
    if not is_int(start) or not 0 <= start < max(count, 1):
        p.error(
            "KC216",
            f"strategy.canary.analysis.startingStep: {shown(start)} is "
            f"not the index of a step (the canary has {count} steps, indices from "
            "0)",
            (*PATH, "analysis", "startingStep"),
        )
    return {**analysis, "startingStep": start}
