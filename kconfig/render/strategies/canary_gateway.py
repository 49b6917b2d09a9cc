"""``canary.trafficRouting: gatewayAPI``: the Argo Rollouts Gateway API plugin
(argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi) weights the canary through the
HTTPRoute ``<app>`` (``gateway.networking.k8s.io/v1``), attached to the Gateways of
``canary.gatewayAPI.parentRefs``, whose rule sends the app's host to the Services ``<app>``
(weight 100) and ``<app>-canary`` (weight 0). The Rollout names the route in
``trafficRouting.plugins["argoproj-labs/gatewayAPI"] {httpRoute: <app>, namespace: <ns>}``.
The HTTPRoute replaces the app's Ingress: none is rendered.

The plugin only re-weights the backendRefs of the named HTTPRoute that are the Rollout's
stable and canary Services (the plugin's pkg/plugin/httproute.go), so both must be there;
:mod:`kconfig.check.routing` checks the rendered objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.base import MeshRoute, Parts, Planning

PATH: Final = ("strategy", "canary", "gatewayAPI")
PLUGIN: Final = "argoproj-labs/gatewayAPI"
NO_ROUTE: Final = "KC220"


def fields(p: Planning, stable: str) -> Mapping[str, Any]:
    """The Rollout's side: the stable Service and the plugin's HTTPRoute."""
    plugin = {"httpRoute": p.app.name, "namespace": p.app.namespace}
    return {"stableService": stable, "trafficRouting": {"plugins": {PLUGIN: plugin}}}


def routes(p: Planning, stable: str, canary: str) -> Parts:
    """The HTTPRoute ``<app>`` (KC220 without parentRefs: a route attached to no Gateway
    receives no traffic, so the canary could never be weighted)."""
    block = p.mapping(p.block("canary").get("gatewayAPI"), PATH)
    refs = block.get("parentRefs")
    if not isinstance(refs, list) or not refs:
        p.error(
            NO_ROUTE,
            "canary.trafficRouting gatewayAPI needs the Gateways its HTTPRoute attaches to: "
            "set strategy.canary.gatewayAPI.parentRefs, e.g. [{name: public, namespace: "
            "gateway-system}]",
            (*PATH, "parentRefs") if "parentRefs" in block else ("strategy", "canary"),
        )
        return Parts(())
    hosts = (p.app.host,) if p.app.host else ()
    parents = tuple(dict(r) for r in refs if isinstance(r, Mapping))
    route = MeshRoute(p.app.name, hosts, parents, stable, canary)
    return Parts((), http_routes=(route,))
