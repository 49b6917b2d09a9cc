"""Strategy plans: which workloads, Services, Ingresses and AnalysisTemplates an app needs.

A plan is plain JSON data decided once, in Python, from the app's ``strategy:`` values, and
read by the built-in templates of both backends (so Jinja2 and Jsonnet cannot disagree about
names, tags, selectors or annotations):

``type``              the strategy type (``rolling`` when unset)
``workloads``         ``[{kind: Deployment|Rollout, name, image, labels, selector, replicas,
                      strategy}]``: ``labels`` are the pod labels, ``selector`` the workload's
                      selector (always a subset of ``labels``), ``strategy`` the Deployment's
                      ``spec.strategy`` or the Rollout's ``spec.strategy`` as written
``services``          ``[{name, selector}]``
``ingresses``         ``[{name, service, annotations}]``: ``service`` is the backend Service,
                      ``annotations`` the strategy's (added to ``ingress.annotations``)
``analysisTemplates`` ``[{name, args, metric: {name, address, query, successCondition,
                      interval, count, failureLimit}}]`` (progressive delivery)

Each strategy type is planned by one family module behind the :class:`~.base.Planner`
interface, listed in the explicit registry :data:`PLANNERS` (nothing registers itself at
import): :mod:`.deployment` (rolling, recreate), :mod:`.blue_green` and :mod:`.canary`
(Argo Rollouts; the canary's traffic routings in :mod:`.canary_routing`), and the
NGINX-Ingress-only :mod:`.ingress_canary` and :mod:`.ingress_blue_green`. Each module's
docstring says what its family renders. They share :mod:`.base` (the interface, the plan
records, the planning state), :mod:`.shared` (checks several families make) and
:mod:`.analysis` (successRate AnalysisTemplates). A new strategy type is a new module and
one line in :data:`PLANNERS` (and in the app schema's ``strategy.type`` enum).

Values-level checks fail the render with every problem of the app, each located at the
file:line:col of the layer (base, component, env defaults, overlay, ``--set``) that wrote the
offending value; their ids are listed in :data:`CHECKS` (KC218, a value the built-in
templates need deleted by ``null``, is checked with the plan by :mod:`kconfig.render.context`;
:meth:`ValuesLocator.deleted` finds the ``null``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kconfig.core.names import close_matches
from kconfig.errors import ValidationError
from kconfig.render.strategies import (
    blue_green,
    canary,
    deployment,
    ingress_blue_green,
    ingress_canary,
)
from kconfig.render.strategies.analysis import success_rate_query
from kconfig.render.strategies.base import (
    App,
    Ingress,
    Parts,
    Planner,
    Planning,
    Service,
    Workload,
    shown,
)
from kconfig.render.strategies.locator import Locator, PathKey, ValuesLocator
from kconfig.render.strategies.shared import image_ref

__all__ = [
    "CHECKS",
    "NETPOL_LABEL",
    "PLANNERS",
    "STRATEGY_TYPES",
    "App",
    "Ingress",
    "Locator",
    "Parts",
    "PathKey",
    "Planner",
    "Planning",
    "Service",
    "ValuesLocator",
    "Workload",
    "image_ref",
    "plan_strategy",
    "strategy_type",
    "success_rate_query",
]

# The values-level checks of strategies: id -> what it means, in one line.
CHECKS: Final[Mapping[str, str]] = {
    "KC200": "a strategy value has the wrong shape (e.g. a list where a mapping belongs)",
    "KC201": "strategy.type is not rolling, recreate, blueGreen, canary, ingressCanary or "
    "ingressBlueGreen",
    "KC202": "a canary step is not exactly one of setWeight, pause, analysis, setCanaryScale, "
    "or what it holds is invalid (e.g. a pause duration Argo Rollouts cannot parse)",
    "KC203": "a traffic weight (canary setWeight, ingressCanary.weight) is not an integer "
    "within 0..100",
    "KC204": "the canary's setWeight steps do not ascend",
    "KC205": "a strategy's two Services have the same name (stableService == canaryService, "
    "activeService == previewService)",
    "KC206": "an analysis refers to an AnalysisTemplate that is not rendered (no successRate "
    "configured for it)",
    "KC207": "a successRate analysis is incomplete or out of range (prometheusAddress, "
    "minimum within 0..1, interval, count, failureLimit)",
    "KC208": "strategy ingressCanary has no canary image tag (strategy.ingressCanary.tag)",
    "KC209": "the strategy routes through the app's Services, but service.enabled is false",
    "KC210": "the strategy routes through the app's Ingress, but ingress.enabled is false",
    "KC211": "setCanaryScale needs traffic routing (canary.trafficRouting: nginx)",
    "KC212": "canary.trafficRouting is not nginx or none",
    "KC213": "a Service name given in strategy values is not a DNS-1035 label",
    "KC214": "ingressBlueGreen.active is not blue or green",
    "KC215": "maxSurge and maxUnavailable are both zero, so no pod could ever be replaced",
    "KC216": "canary.analysis.startingStep is not a step index of the canary",
    "KC217": "an image tag in strategy values is not a string (YAML read a number or boolean)",
    "KC218": "a value the built-in templates need (image.repository, port, service.port, "
    "ingress.path) is deleted by a null or never set",
    "KC123": "strategy.blueGreen.previewIngress is enabled but has no host (previewIngress.host, "
    "ingress.host or the environment's domain)",
}

# strategy.type -> the family that plans it, in the order messages list the types (the app
# schema's strategy.type enum names the same types: a test holds them equal).
PLANNERS: Final[Mapping[str, Planner]] = {
    "rolling": deployment,
    "recreate": deployment,
    "blueGreen": blue_green,
    "canary": canary,
    "ingressCanary": ingress_canary,
    "ingressBlueGreen": ingress_blue_green,
}
STRATEGY_TYPES: Final = tuple(PLANNERS)
DEFAULT_TYPE: Final = "rolling"


def plan_strategy(
    app: str,
    values: Mapping[str, Any],
    labels: Mapping[str, str],
    selector: Mapping[str, str],
    image: str | None,
    *,
    namespace: str = "",
    host: str | None = None,
    locator: Locator | None = None,
) -> dict[str, Any]:
    """The objects the app's strategy renders; ValidationError (every problem) if the
    strategy values are wrong. ``host``: the host of the app's Ingress, if it has one."""
    facts = App(
        app, values, own_policy_labels(values, labels), dict(selector), image, namespace, host
    )
    p = Planning(facts, locator)
    kind = strategy_type(p)
    plan = {"type": kind, **PLANNERS[kind].plan(p).as_json()}
    plan["analysisTemplates"] = p.analyses.templates
    p.errors.raise_if_errors(ValidationError)
    return plan


# Pod label of the apps with a NetworkPolicy of their own (networkPolicy.enabled): the
# environment's same-namespace policy selects only pods without it, so the app's own policy
# decides alone who in the namespace reaches it (NetworkPolicies add up: a policy admitting the
# whole namespace to every pod would make every app's allowFrom meaningless). A label on the
# app's own pods, not a list of apps in the environment's policy, so it stays right whatever
# layer enables the policy, and the environment's objects never depend on the apps' values.
NETPOL_LABEL: Final = "kconfig.dev/netpol"


def own_policy_labels(values: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, str]:
    """The pod labels: ``labels``, plus ``kconfig.dev/netpol: own`` when the app has its own
    NetworkPolicy. Never part of a selector (selectors are immutable)."""
    policy = values.get("networkPolicy")
    if isinstance(policy, Mapping) and policy.get("enabled"):
        return {**labels, NETPOL_LABEL: "own"}
    return dict(labels)


def strategy_type(p: Planning) -> str:
    """``strategy.type`` (``rolling`` when unset); KC201 for an unknown type, planned as
    ``rolling`` so that the app's other problems are reported too."""
    kind = p.strategy.get("type")
    if kind is None:
        return DEFAULT_TYPE
    if isinstance(kind, str) and kind in PLANNERS:
        return kind
    close = close_matches(str(kind), STRATEGY_TYPES)
    folded = [t for t in STRATEGY_TYPES if t.lower() == str(kind).lower()]
    hint = f"; did you mean {(folded or close)[0]!r}?" if folded or close else ""
    p.error(
        "KC201",
        f"unknown strategy type {shown(kind)} (one of {', '.join(STRATEGY_TYPES)}){hint}",
        ("strategy", "type"),
    )
    return DEFAULT_TYPE
