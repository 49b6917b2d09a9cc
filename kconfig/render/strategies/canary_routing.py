"""How an Argo Rollouts canary's traffic reaches the canary pods: one :class:`Routing` per
``canary.trafficRouting`` value, listed in :data:`ROUTINGS`.

``nginx``: the controller weights requests through the app's Ingress (``stableIngress``)
and creates the canary Ingress itself, so none is rendered. ``none`` (the default): the
canary is weighted by replicas, and ``<app>`` is deliberately *not* named ``stableService``:
the controller would pin its selector to the stable pods, and the Ingress (which routes to
``<app>``) would then never reach a canary pod.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple

from kconfig.render.strategies.analysis import nginx_canary_query
from kconfig.render.strategies.base import Planning, shown
from kconfig.render.strategies.shared import need_ingress


class Routing(NamedTuple):
    """One kind of canary traffic routing."""

    # True: a traffic router sends each setWeight's share of the requests to the canary
    # Service (so analysis measures that Service, and setCanaryScale is allowed); False: the
    # share of canary pods among all the app's pods decides.
    router: bool
    # The fields it adds to the Rollout's spec.strategy.canary, given the stable Service's
    # name; it checks what it routes through (reported on the Planning).
    fields: Callable[[Planning, str], Mapping[str, Any]]
    # The built-in success-rate query measuring what the analysis is given (the canary
    # Service when ``router``); None: the query of a Service an Ingress routes to.
    query: Callable[[Planning], str] | None = None


def _nginx(p: Planning, stable: str) -> Mapping[str, Any]:
    need_ingress(
        p,
        "canary.trafficRouting nginx needs the app's Ingress as the stable Ingress",
        ("strategy", "canary", "trafficRouting"),
    )
    return {"stableService": stable, "trafficRouting": {"nginx": {"stableIngress": p.app.name}}}


def _nginx_query(p: Planning) -> str:
    """The canary's requests as ingress-nginx labels them: under the stable Ingress' location,
    ``canary`` naming the canary Service's upstream on the port of the Ingress backend, which
    the controller copies from the stable Ingress (argoproj/argo-rollouts
    ``rollout/trafficrouting/nginx/nginx.go``: only the backend's service name changes)."""
    service = p.app.values.get("service")
    port = service.get("port") if isinstance(service, Mapping) else None
    return nginx_canary_query(p.app.namespace, port)


def _by_replicas(p: Planning, stable: str) -> Mapping[str, Any]:
    return {}


ROUTINGS: Final[Mapping[str, Routing]] = {
    "nginx": Routing(router=True, fields=_nginx, query=_nginx_query),
    "none": Routing(router=False, fields=_by_replicas),
}


def traffic_routing(p: Planning, canary: Mapping[str, Any]) -> Routing:
    """The routing ``canary.trafficRouting`` names (``none`` when unset or wrong: KC212)."""
    name = canary.get("trafficRouting")
    if name is None:
        return ROUTINGS["none"]
    if isinstance(name, str) and name in ROUTINGS:
        return ROUTINGS[name]
    p.error(
        "KC212",
        f"strategy.canary.trafficRouting: {shown(name)} is not one of {', '.join(ROUTINGS)}",
        ("strategy", "canary", "trafficRouting"),
    )
    return ROUTINGS["none"]
