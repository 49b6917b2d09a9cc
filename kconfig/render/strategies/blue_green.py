"""``blueGreen``: Argo Rollouts Rollout ``<app>`` with ``activeService: <app>`` and
``previewService: <app>-preview`` (both rendered, same selector); the Ingress routes to the
active Service. Promotion analysis (``pre``/``postPromotionAnalysis.successRate``) renders an
AnalysisTemplate and passes it the Service to measure: the preview before promotion, the
active one after.

The built-in query counts the requests ingress-nginx sent to the measured Service, and no
Ingress routes to the preview Service: a pre-promotion analysis would never get data. So a
preview Ingress ``<app>-preview`` on its own host routes to the preview Service whenever
``prePromotionAnalysis`` uses the built-in query (``previewIngress.enabled`` overrides that
default). Its host is ``previewIngress.host``, else the app's host with ``-preview`` added to
its first label (``shop.example.com`` -> ``shop-preview.example.com``, so ``<app>.<domain>``
becomes ``<app>-preview.<domain>``). The requests it measures are the ones someone sends to
that host before promotion (smoke tests, testers): real users only reach the preview after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.analysis import reference, template_for, uses_builtin_query
from kconfig.render.strategies.base import Ingress, Parts, Planning, Service, Workload, dotted
from kconfig.render.strategies.shared import distinct, need_ingress, need_service, service_name

PATH: Final = ("strategy", "blueGreen")
PREVIEW_INGRESS: Final = "previewIngress"
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
    preview_ingress = _preview_ingress(p, bg, preview)
    if preview_ingress is not None:
        ingresses = (*ingresses, preview_ingress)
    return Parts((rollout,), services, ingresses)


def _preview_ingress(p: Planning, bg: Mapping[str, Any], preview: str) -> Ingress | None:
    """The Ingress ``<app>-preview`` routing the preview host to the preview Service: by
    default when the pre-promotion analysis uses the built-in query (None: none)."""
    path = (*PATH, PREVIEW_INGRESS)
    block = p.mapping(bg.get(PREVIEW_INGRESS), path)
    pre = p.mapping(bg.get("prePromotionAnalysis"), (*PATH, "prePromotionAnalysis"))
    needed = pre.get("successRate") is not None and uses_builtin_query(pre["successRate"])
    enabled = block.get("enabled")
    if not (needed if enabled is None else enabled):
        return None
    if not p.app.ingress_on:
        if enabled:  # asked for explicitly; by default, KC122 reports the analysis
            need_ingress(p, "strategy.blueGreen.previewIngress copies the app's Ingress", path)
        return None
    name = f"{p.app.name}-preview"
    host = block.get("host") or _preview_host(p.app.host)
    if not host:
        fix = (
            f"the preview Ingress {name} needs a host of its own: set "
            f"{dotted((*path, 'host'))}, ingress.host or the environment's domain"
        )
        if enabled:
            p.error("KC123", f"{dotted(path)}: {fix}", (*path, "enabled"))
        else:
            p.error(
                "KC123",
                f"{dotted((*PATH, 'prePromotionAnalysis'))}: the built-in query counts the "
                f"requests an Ingress sends to the preview Service {preview}, and {fix} (or "
                "give successRate a query of your own)",
                (*PATH, "prePromotionAnalysis", "successRate"),
            )
        return None
    return Ingress(name, preview, host=str(host), tls_secret=f"{name}-tls")


def _preview_host(host: str | None) -> str | None:
    """``shop.example.com`` -> ``shop-preview.example.com`` (None when the first label
    would outgrow a DNS label's 63 characters, or there is no host)."""
    if not host:
        return None
    first, dot, rest = host.partition(".")
    label = f"{first}-preview"
    return f"{label}{dot}{rest}" if len(label) <= 63 else None


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
