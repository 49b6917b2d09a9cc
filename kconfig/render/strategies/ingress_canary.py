"""``ingressCanary`` (no Argo Rollouts): Deployments ``<app>`` (the app's tag, pods labelled
``kconfig.dev/track: stable``) and ``<app>-canary`` (``ingressCanary.tag``, ``track: canary``),
a Service for each selecting its track, the Ingress ``<app>`` and a second Ingress
``<app>-canary`` with the NGINX canary annotations.

Both Deployments and both Services select their track as well as ``app.kubernetes.io/name``:
a stable selector of the name alone would also match the canary's pods, so the stable Service
would send traffic to them and an HPA on either Deployment would stop with
``AmbiguousSelector`` (kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go).
The price: switching an app to or from ``ingressCanary`` changes the stable Deployment's
selector, which the API server refuses on an existing Deployment (README, "Switching
strategy").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.base import Ingress, Parts, Planning, Service, Workload
from kconfig.render.strategies.shared import (
    deployment,
    image_ref,
    image_tag,
    need_ingress,
    need_service,
    traffic_weight,
    value_or,
)

PATH: Final = ("strategy", "ingressCanary")
# Pod and selector label telling the tracks apart (kconfig's own prefix: no clash with the
# app's labels).
TRACK_LABEL: Final = "kconfig.dev/track"
NGINX_CANARY: Final = "nginx.ingress.kubernetes.io/canary"


def plan(p: Planning) -> Parts:
    app, ic = p.app, p.block("ingressCanary")
    tag = image_tag(p, ic.get("tag"), (*PATH, "tag"))
    if tag is None:
        p.error(
            "KC208",
            "strategy ingressCanary needs the canary's image tag: set strategy.ingressCanary.tag",
            PATH if ic else ("strategy", "type"),
        )
    weight = traffic_weight(
        p, value_or(ic, "weight", 0), (*PATH, "weight"), "strategy.ingressCanary.weight"
    )
    need_service(p, "ingressCanary")
    need_ingress(
        p, "strategy ingressCanary splits traffic with a second Ingress", ("strategy", "type")
    )
    stable_selector = {**app.selector, TRACK_LABEL: "stable"}
    canary_selector = {**app.selector, TRACK_LABEL: "canary"}
    canary_image = image_ref(app.values.get("image") or {}, tag)
    workloads = (
        _track(p, app.name, "stable", app.image, stable_selector),
        _track(p, f"{app.name}-canary", "canary", canary_image, canary_selector, 1),
    )
    services = (
        Service(app.name, stable_selector),
        Service(f"{app.name}-canary", canary_selector),
    )
    ingresses = (
        Ingress(app.name, app.name),
        Ingress(f"{app.name}-canary", f"{app.name}-canary", _annotations(ic, weight)),
    )
    return Parts(workloads, services, ingresses if app.ingress_on else ())


def _track(
    p: Planning,
    name: str,
    track: str,
    image: str | None,
    selector: Mapping[str, str],
    replicas: Any = None,
) -> Workload:
    labels = {**p.app.labels, TRACK_LABEL: track}
    return deployment(p, name, image, labels, selector, replicas)


def _annotations(ic: Mapping[str, Any], weight: Any) -> dict[str, str]:
    """The canary Ingress' annotations, as ingress-nginx reads them."""
    out = {NGINX_CANARY: "true", f"{NGINX_CANARY}-weight": str(weight)}
    for key, suffix in (("header", "by-header"), ("headerValue", "by-header-value")):
        if ic.get(key) is not None:
            out[f"{NGINX_CANARY}-{suffix}"] = str(ic[key])
    return out
