"""``blueGreen``: Argo Rollouts Rollout ``<app>`` with ``activeService: <app>`` and
``previewService: <app>-preview`` (both rendered, same selector); the Ingress routes to the
active Service. Promotion analysis (``pre``/``postPromotionAnalysis.successRate``) renders an
AnalysisTemplate and passes it the Service to measure: the preview before promotion, the
active one after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.analysis import reference, template_for
from kconfig.render.strategies.base import Ingress, Parts, Planning, Service, Workload, dotted
from kconfig.render.strategies.shared import distinct, need_service, service_name

PATH: Final = ("strategy", "blueGreen")
# Settings of spec.strategy.blueGreen passed on as written (the CRD schema checks them).
PASSED_ON: Final = (
    "autoPromotionEnabled",
    "autoPromotionSeconds",
    "scaleDownDelaySeconds",
    "previewReplicaCount",
)


def plan(p: Planning) -> Parts:
    app, bg = p.app, p.block("blueGreen")
    active = service_name(p, bg, "activeService", app.name, PATH)
    preview = service_name(p, bg, "previewService", f"{app.name}-preview", PATH)
    distinct(p, bg, PATH, ("activeService", active), ("previewService", preview))
    need_service(p, "blueGreen")
    spec: dict[str, Any] = {"activeService": active, "previewService": preview}
    spec.update((key, bg[key]) for key in PASSED_ON if bg.get(key) is not None)
    for key, measured in (("prePromotionAnalysis", preview), ("postPromotionAnalysis", active)):
        analysis = _promotion(p, bg, key, measured)
        if analysis:
            spec[key] = analysis
    rollout = Workload(
        "Rollout", app.name, app.image, app.labels, app.selector, app.replicas, {"blueGreen": spec}
    )
    services = (Service(active, app.selector), Service(preview, app.selector))
    ingresses = (Ingress(app.name, active),) if app.ingress_on else ()
    return Parts((rollout,), services, ingresses)


def _promotion(
    p: Planning, bg: Mapping[str, Any], key: str, measured: str
) -> dict[str, Any] | None:
    """``pre``/``postPromotionAnalysis``: a reference to its AnalysisTemplate (None: none)."""
    path = (*PATH, key)
    block = p.mapping(bg.get(key), path)
    if not block:
        return None
    if block.get("successRate") is None:
        p.error(
            "KC206",
            f"{dotted(path)} names no AnalysisTemplate: give it "
            "successRate: {prometheusAddress, minimum}",
            path,
        )
        return None
    stage = "pre" if key.startswith("pre") else "post"
    alt = f"{p.app.name}-{stage}-promotion-success-rate"
    name = template_for(p, block["successRate"], (*path, "successRate"), alt)
    return reference(name, measured) if name else None
