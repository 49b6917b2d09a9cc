"""``ingressBlueGreen`` (no Argo Rollouts): Deployments and Services ``<app>-blue`` and
``<app>-green`` (``kconfig.dev/color`` in selectors and pod labels), a Service ``<app>`` for
in-cluster clients and the Ingress ``<app>``, both following ``ingressBlueGreen.active``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.base import Ingress, Parts, Planning, Service, Workload, shown
from kconfig.render.strategies.shared import (
    deployment,
    image_ref,
    image_tag,
    need_service,
)

PATH: Final = ("strategy", "ingressBlueGreen")
COLOURS: Final = ("blue", "green")
# Pod and selector label telling the colours apart (both Deployments are new workloads).
COLOR_LABEL: Final = "kconfig.dev/color"


def plan(p: Planning) -> Parts:
    app, ibg = p.app, p.block("ingressBlueGreen")
    active = ibg.get("active") or "blue"
    if active not in COLOURS:
        p.error(
            "KC214",
            f"strategy.ingressBlueGreen.active: {shown(active)} is not blue or green",
            (*PATH, "active"),
        )
        active = "blue"
    need_service(p, "ingressBlueGreen")
    workloads = tuple(_colour(p, c, p.mapping(ibg.get(c), (*PATH, c))) for c in COLOURS)
    services = (
        *(Service(w.name, w.selector) for w in workloads),
        Service(app.name, {**app.selector, COLOR_LABEL: active}),
    )
    ingresses = (Ingress(app.name, f"{app.name}-{active}"),) if app.ingress_on else ()
    return Parts(workloads, services, ingresses)


def _colour(p: Planning, colour: str, block: Mapping[str, Any]) -> Workload:
    """The Deployment of one colour: its own tag, else the app's image."""
    tag = image_tag(p, block.get("tag"), (*PATH, colour, "tag"))
    app = p.app
    image = app.image if tag is None else image_ref(app.values.get("image") or {}, tag)
    labels = {**app.labels, COLOR_LABEL: colour}
    selector = {**app.selector, COLOR_LABEL: colour}
    return deployment(p, f"{app.name}-{colour}", image, labels, selector)
