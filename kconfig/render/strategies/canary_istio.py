"""``canary.trafficRouting: istio``: the Argo Rollouts controller weights the canary through
an Istio VirtualService ``<app>`` whose one HTTP route, ``primary``, sends the app's host to
the Services ``<app>`` (weight 100) and ``<app>-canary`` (weight 0); at each ``setWeight``
the controller rewrites those two weights (host-level traffic splitting: no DestinationRule
subsets). The Rollout names it in ``trafficRouting.istio.virtualService {name: <app>, routes:
[primary]}``. The VirtualService replaces the app's Ingress: none is rendered.

What the controller requires (argoproj/argo-rollouts rollout/trafficrouting/istio/istio.go,
``ValidateHTTPRoutes`` and ``validateVirtualServiceRouteDestinations``): every route the
Rollout names exists in the VirtualService, and each of those routes has a destination
whose host (up to its first dot) is the stable Service and one that is the canary Service.
The plan builds it that way; :mod:`kconfig.check.routing` checks the rendered objects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.base import MeshRoute, Parts, Planning, dotted, shown

PATH: Final = ("strategy", "canary", "istio")
ROUTE: Final = "primary"
# An Istio gateway reference as the VirtualService spec documents it: <namespace>/<name>
# (kconfig asks for the namespace: a bare name means the VirtualService's own namespace,
# which is rarely where the ingress gateway lives), or the reserved word "mesh" (sidecars).
_GATEWAY: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
MESH: Final = "mesh"
# KC219: a gateway reference in the wrong form; KC220: what a mesh route needs is missing.
BAD_GATEWAY: Final = "KC219"
NO_ROUTE: Final = "KC220"


def fields(p: Planning, stable: str) -> Mapping[str, Any]:
    """The Rollout's side: the stable Service and the VirtualService's route to weight."""
    return {
        "stableService": stable,
        "trafficRouting": {"istio": {"virtualService": {"name": p.app.name, "routes": [ROUTE]}}},
    }


def routes(p: Planning, stable: str, canary: str) -> Parts:
    """The VirtualService ``<app>`` (KC220 when the app has no host to route)."""
    block = p.mapping(p.block("canary").get("istio"), PATH)
    gateways = gateway_refs(p, block.get("gateways"))
    if not p.app.host:
        p.error(
            NO_ROUTE,
            "canary.trafficRouting istio routes the app's host, but it has none: set "
            "ingress.host, or the environment's domain (the host is then <app>.<domain>)",
            ("strategy", "canary", "trafficRouting"),
        )
        return Parts(())
    route = MeshRoute(p.app.name, (p.app.host,), tuple(gateways), stable, canary)
    return Parts((), virtual_services=(route,))


def gateway_refs(p: Planning, raw: Any) -> list[str]:
    """``canary.istio.gateways``: each ``namespace/name`` or ``mesh`` (KC219 otherwise)."""
    path = (*PATH, "gateways")
    if raw is None:
        return []
    if not isinstance(raw, list):
        p.error("KC200", f"{dotted(path)} must be a list of namespace/name", path)
        return []
    out: list[str] = []
    for i, ref in enumerate(raw):
        if ref == MESH or (isinstance(ref, str) and _GATEWAY.fullmatch(ref)):
            out.append(ref)
            continue
        p.error(
            BAD_GATEWAY,
            f"{dotted((*path, i))}: {shown(ref)} is not a gateway reference of the form "
            "namespace/name (e.g. istio-system/public), or mesh for the sidecars",
            (*path, i),
        )
    return out
