"""Rules of the mesh traffic routers a Rollout canary names (KC190-KC194), on the rendered
objects, so a custom template or an overlay patch that breaks them is caught before the
controller refuses the Rollout at sync time.

Istio (ported from argoproj/argo-rollouts rollout/trafficrouting/istio/istio.go:
``getHttpRouteIndexesToPatch``, ``ValidateHTTPRoutes``,
``validateVirtualServiceRouteDestinations``, ``getHost``): the VirtualService a Rollout names
exists; every route it names is an HTTP route of it (no route named: the VirtualService has
exactly one); each of those routes has a destination whose host, up to its first dot, is the
stable Service and one that is the canary Service. The controller writes the weights as
percentages (the canary's ``setWeight`` and 100 minus it), so the weights of a route it
re-weights add up to 100 from the start (Istio itself only refuses a total of 0:
istio/istio pkg/config/validation/validation.go ``validateHTTPRouteDestinations``).

Gateway API (the argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi plugin,
pkg/plugin/httproute.go): the HTTPRoute named in the Rollout's plugin configuration exists
in the namespace given, and its rules hold backendRefs to the stable and the canary
Service (the plugin re-weights only those).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from kconfig.check.semantic import Check, CheckContext, Finding
from kconfig.core.manifests import Manifest
from kconfig.core.paths import PathKey, walk

PLUGIN: Final = "argoproj-labs/gatewayAPI"
_CANARY: Final = ("spec", "strategy", "canary")


def _by_name(ctx: CheckContext, kind: str) -> dict[tuple[str, str], Manifest]:
    return {(ctx.namespace_of(m), m.name): m for m in ctx.of_kind(kind)}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _services(rollout: Manifest) -> tuple[str, str]:
    canary = walk(rollout.body, _CANARY)
    canary = canary if isinstance(canary, Mapping) else {}
    return str(canary.get("stableService") or ""), str(canary.get("canaryService") or "")


def _host(destination: Any) -> str:
    """A destination's Service as the controller reads it: the host up to its first dot."""
    host = walk(destination, ("destination", "host"))
    return str(host).split(".", 1)[0] if isinstance(host, str) else ""


# -- Istio ---------------------------------------------------------------------------------
def _istio_refs(rollout: Manifest) -> Iterator[tuple[PathKey, Mapping[str, Any]]]:
    """Each VirtualService reference of the Rollout (``virtualService`` and
    ``virtualServices[]``), with its path."""
    base = (*_CANARY, "trafficRouting", "istio")
    one = walk(rollout.body, (*base, "virtualService"))
    if isinstance(one, Mapping):
        yield (*base, "virtualService"), one
    for i, ref in enumerate(_list(walk(rollout.body, (*base, "virtualServices")))):
        if isinstance(ref, Mapping):
            yield (*base, "virtualServices", i), ref


def _vs_name(ref: Mapping[str, Any], rollout: Manifest, ctx: CheckContext) -> tuple[str, str]:
    """``name`` or ``name.namespace`` (the controller's form) as (namespace, name)."""
    name, _, namespace = str(ref.get("name") or "").partition(".")
    return namespace or ctx.namespace_of(rollout), name


def _routed(ctx: CheckContext) -> Iterator[tuple[Manifest, PathKey, Mapping[str, Any], Manifest]]:
    """(Rollout, path of its reference, the reference, the VirtualService) for every
    reference that names a rendered VirtualService."""
    services = _by_name(ctx, "VirtualService")
    for rollout in ctx.of_kind("Rollout"):
        for path, ref in _istio_refs(rollout):
            found = services.get(_vs_name(ref, rollout, ctx))
            if found is not None:
                yield rollout, path, ref, found


def check_virtual_service_exists(ctx: CheckContext) -> Iterator[Finding]:
    services = _by_name(ctx, "VirtualService")
    for rollout in ctx.of_kind("Rollout"):
        for path, ref in _istio_refs(rollout):
            key = _vs_name(ref, rollout, ctx)
            if key not in services:
                have = ", ".join(sorted(n for _, n in services)) or "none"
                yield Finding(
                    rollout,
                    f"trafficRouting.istio names VirtualService {key[1]!r}, which is not "
                    f"rendered in this environment (VirtualServices: {have})",
                    (*path, "name"),
                    (("strategy", "canary", "trafficRouting"),),
                )


def _routes(vs: Manifest) -> list[Any]:
    return _list(walk(vs.body, ("spec", "http")))


def check_route_names(ctx: CheckContext) -> Iterator[Finding]:
    for rollout, path, ref, vs in _routed(ctx):
        names = [r.get("name") for r in _routes(vs) if isinstance(r, Mapping)]
        wanted = _list(ref.get("routes"))
        if not wanted and len(names) != 1:
            yield Finding(
                rollout,
                f"trafficRouting.istio names no routes, so {vs.title} must have exactly one "
                f"HTTP route, but it has {len(names)}",
                path,
            )
        for i, route in enumerate(wanted):
            if route not in names:
                shown = ", ".join(repr(n) for n in names if n) or "none named"
                yield Finding(
                    rollout,
                    f"HTTP route {route!r} is not a route of {vs.title} (its routes: {shown}); "
                    "the controller would refuse the Rollout",
                    (*path, "routes", i),
                )


def check_route_destinations(ctx: CheckContext) -> Iterator[Finding]:
    for rollout, _path, ref, vs in _routed(ctx):
        stable, canary = _services(rollout)
        wanted = set(_list(ref.get("routes")))
        for i, route in enumerate(_routes(vs)):
            if not isinstance(route, Mapping) or (wanted and route.get("name") not in wanted):
                continue
            hosts = {_host(d) for d in _list(route.get("route"))}
            for role, service in (("stable", stable), ("canary", canary)):
                if service and service not in hosts:
                    yield Finding(
                        vs,
                        f"HTTP route {route.get('name')!r} has no destination to the "
                        f"{role} Service {service!r} of Rollout/{rollout.name}, which the "
                        "controller re-weights",
                        ("spec", "http", i, "route"),
                    )


def check_route_weights(ctx: CheckContext) -> Iterator[Finding]:
    for rollout, _path, ref, vs in _routed(ctx):
        wanted = set(_list(ref.get("routes")))
        for i, route in enumerate(_routes(vs)):
            if not isinstance(route, Mapping) or (wanted and route.get("name") not in wanted):
                continue
            weights = [d.get("weight") for d in _list(route.get("route")) if isinstance(d, Mapping)]
            numbers = [w for w in weights if isinstance(w, int)]
            if len(weights) < 2 or len(numbers) != len(weights):
                continue  # one destination takes everything; a wrong type is the schema's
            total = sum(numbers)
            if total != 100:
                yield Finding(
                    vs,
                    f"the weights of HTTP route {route.get('name')!r} add up to {total}, not "
                    f"100: Rollout/{rollout.name}'s controller sets them as percentages",
                    ("spec", "http", i, "route"),
                )


# -- Gateway API ---------------------------------------------------------------------------
def check_http_route(ctx: CheckContext) -> Iterator[Finding]:
    routes = _by_name(ctx, "HTTPRoute")
    path = (*_CANARY, "trafficRouting", "plugins", PLUGIN)
    for rollout in ctx.of_kind("Rollout"):
        config = walk(rollout.body, path)
        if not isinstance(config, Mapping):
            continue
        name = str(config.get("httpRoute") or "")
        key = (str(config.get("namespace") or ctx.namespace_of(rollout)), name)
        route = routes.get(key)
        if route is None:
            have = ", ".join(sorted(n for _, n in routes)) or "none"
            yield Finding(
                rollout,
                f"the {PLUGIN} plugin names HTTPRoute {name!r} in namespace {key[0]!r}, "
                f"which is not rendered (HTTPRoutes: {have})",
                (*path, "httpRoute"),
                (("strategy", "canary", "trafficRouting"),),
            )
            continue
        refs = {
            b.get("name")
            for rule in _list(walk(route.body, ("spec", "rules")))
            for b in _list(walk(rule, ("backendRefs",)))
            if isinstance(b, Mapping)
        }
        stable, canary = _services(rollout)
        for role, service in (("stable", stable), ("canary", canary)):
            if service and service not in refs:
                yield Finding(
                    route,
                    f"no rule has a backendRef to the {role} Service {service!r} of "
                    f"Rollout/{rollout.name}, which the {PLUGIN} plugin re-weights",
                    ("spec", "rules"),
                )


CHECKS: tuple[Check, ...] = (
    Check(
        "KC190",
        "error",
        "a Rollout's trafficRouting.istio names a rendered VirtualService",
        check_virtual_service_exists,
    ),
    Check(
        "KC191",
        "error",
        "the routes a Rollout names are HTTP routes of its VirtualService (exactly one when "
        "it names none)",
        check_route_names,
    ),
    Check(
        "KC192",
        "error",
        "each route a Rollout re-weights has destinations to its stable and canary Services",
        check_route_destinations,
    ),
    Check(
        "KC193",
        "error",
        "the weights of a VirtualService HTTP route a Rollout re-weights add up to 100",
        check_route_weights,
    ),
    Check(
        "KC194",
        "error",
        "the HTTPRoute of a Rollout's gatewayAPI plugin is rendered and has backendRefs to "
        "its stable and canary Services",
        check_http_route,
    ),
)
