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

What each strategy renders (``<app>`` is the app's name):

* ``rolling`` / ``recreate``: Deployment ``<app>`` (RollingUpdate with ``strategy.rolling``'s
  maxSurge/maxUnavailable, or Recreate), Service and Ingress ``<app>``.
* ``blueGreen``: Argo Rollouts Rollout ``<app>`` with ``activeService: <app>``,
  ``previewService: <app>-preview`` (both rendered, same selector); the Ingress routes to the
  active Service. Promotion analysis (``pre``/``postPromotionAnalysis.successRate``) renders
  an AnalysisTemplate and passes it the Service to measure.
* ``canary``: Rollout ``<app>`` with ``steps``, ``canaryService: <app>-canary``. With
  ``trafficRouting: nginx`` also ``stableService: <app>`` and
  ``trafficRouting.nginx.stableIngress: <app>``; the controller creates the canary Ingress, so
  none is rendered. With ``trafficRouting: none`` (the default) the canary is weighted by
  replicas: ``<app>`` is deliberately *not* named ``stableService``, because the controller
  would pin its selector to the stable pods and the Ingress (which routes to ``<app>``)
  would then never reach a canary pod. ``canary.analysis.successRate`` renders the
  AnalysisTemplate ``<app>-success-rate``, run in the background; a step
  ``{analysis: {successRate: true}}`` runs it as a step.
* ``ingressCanary`` (no Argo Rollouts): Deployments ``<app>`` (the app's tag, pods labelled
  ``track: stable``) and ``<app>-canary`` (``ingressCanary.tag``, ``track: canary``), a
  Service for each selecting its track, the Ingress ``<app>`` and a second Ingress
  ``<app>-canary`` with the NGINX canary annotations. The stable Deployment keeps the plain
  ``app.kubernetes.io/name`` selector, so switching an app between ``rolling`` and
  ``ingressCanary`` never touches an immutable selector (its ReplicaSets select by pod
  template hash, so the canary's pods are never adopted).
* ``ingressBlueGreen`` (no Argo Rollouts): Deployments and Services ``<app>-blue`` and
  ``<app>-green`` (``color`` in selectors and pod labels), a Service ``<app>`` for in-cluster
  clients and the Ingress ``<app>``, both following ``ingressBlueGreen.active``.

Values-level checks fail the render with every problem of the app, each located at the
file:line:col of the layer (base, component, env defaults, overlay, ``--set``) that wrote the
offending value; their ids are listed in :data:`CHECKS` (KC218, a value the built-in
templates need deleted by ``null``, is checked with the plan by :mod:`kconfig.render.context`;
:meth:`ValuesLocator.deleted` finds the ``null``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

from kconfig.core.marked import locate, position_of
from kconfig.core.names import close_matches
from kconfig.errors import Collector, SourcePos, ValidationError

if TYPE_CHECKING:
    from kconfig.values.layers import Values

PathKey = tuple[str | int, ...]

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
}

STRATEGY_TYPES: Final = (
    "rolling",
    "recreate",
    "blueGreen",
    "canary",
    "ingressCanary",
    "ingressBlueGreen",
)
STEP_KINDS: Final = ("setWeight", "pause", "analysis", "setCanaryScale")
TRAFFIC_ROUTING: Final = ("nginx", "none")
COLOURS: Final = ("blue", "green")

# Pod (and, where a workload is new, selector) labels that tell a strategy's pods apart.
COLOR_LABEL: Final = "color"
TRACK_LABEL: Final = "track"

NGINX_CANARY: Final = "nginx.ingress.kubernetes.io/canary"
SERVICE_ARG: Final = "service-name"

# Defaults of a successRate analysis (the AnalysisTemplate's metric).
DEFAULT_INTERVAL: Final = "1m"
DEFAULT_COUNT: Final = 5
DEFAULT_FAILURE_LIMIT: Final = 1

_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
# Go's time.ParseDuration, which Argo Rollouts uses for pause durations and intervals.
_GO_DURATION = re.compile(r"([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+")


class Locator(Protocol):
    """Where the value at a path of the app's values was written."""

    def at(self, path: PathKey) -> SourcePos | None:
        """The file:line:col of ``path`` (or of its nearest written parent), if known."""
        ...


class ValuesLocator:
    """Positions from merged values: provenance names the layer that wrote a value last,
    and that layer's marked document gives the exact line of any item inside it (a canary
    step of a list the layer wrote as a whole, for instance)."""

    def __init__(self, values: Values) -> None:
        self._merged = values.merged
        self._layers = {layer.source: (i, layer.doc) for i, layer in enumerate(values.layers)}
        self._docs = [layer.doc for layer in values.layers]

    def at(self, path: PathKey) -> SourcePos | None:
        # A missing key (a required one, say) is reported where its mapping was written.
        pos = next(
            filter(None, (self._latest_under(path[:n]) for n in range(len(path), 0, -1))), None
        )
        if pos is None:
            return None
        found = self._layers.get(pos.path)
        deeper = locate(found[1], path) if found else None
        return deeper if deeper is not None and deeper.line > 0 else pos

    def deleted(self, path: PathKey) -> tuple[PathKey, SourcePos] | None:
        """The ``null`` that deleted ``path`` (written at ``path`` or at a mapping above
        it): the path it was written at and where; None when no layer deleted it."""
        # The highest layer with a null along the path deleted it last: any layer above it
        # that set the path again would have brought it back.
        for doc in reversed(self._docs):
            found = _null_along(doc, path)
            if found is not None:
                return found
        return None

    def _rank(self, pos: SourcePos) -> int:
        found = self._layers.get(pos.path)
        return found[0] if found else -1

    def _latest_under(self, path: PathKey) -> SourcePos | None:
        """For a mapping: where the highest layer that wrote anything inside it did so."""
        leaves = [h[-1].pos for h in self._merged.origins_under(path).values() if h]
        return max(leaves, key=self._rank, default=None)


def _null_along(doc: Mapping[str, Any], path: PathKey) -> tuple[PathKey, SourcePos] | None:
    """``(prefix, position)`` of a ``null`` that ``doc`` writes at a prefix of ``path``
    (mappings only: a null list item deletes nothing)."""
    node: Any = doc
    for depth, part in enumerate(path):
        if not isinstance(node, Mapping) or part not in node:
            return None
        if node[part] is None:
            pos = position_of(node, part)
            return path[: depth + 1], pos or SourcePos(str(getattr(doc, "source", "")))
        node = node[part]
    return None


def image_ref(image: Mapping[str, Any], tag: str | None = None) -> str | None:
    """``repository:tag`` (or ``repository@digest`` when a digest pins it); ``tag`` given:
    that tag of the repository, whatever the values pin."""
    repo = image.get("repository")
    if not repo:
        return None
    if tag is not None:
        return f"{repo}:{tag}"
    if image.get("digest"):
        return f"{repo}@{image['digest']}"
    tag = image.get("tag")
    return f"{repo}:{tag}" if tag else str(repo)


def success_rate_query(namespace: str) -> str:
    """The default PromQL: the share of non-5xx requests ingress-nginx sent to the Service
    the analysis is given (``args.service-name``), over the last five minutes."""
    where = f'namespace="{namespace}",service="{{{{args.{SERVICE_ARG}}}}}"'
    total = f"sum(rate(nginx_ingress_controller_requests{{{where}}}[5m]))"
    ok = f'sum(rate(nginx_ingress_controller_requests{{{where},status!~"5.."}}[5m]))'
    return f"{ok} / {total}"


def plan_strategy(
    app: str,
    values: Mapping[str, Any],
    labels: Mapping[str, str],
    selector: Mapping[str, str],
    image: str | None,
    *,
    namespace: str = "",
    locator: Locator | None = None,
) -> dict[str, Any]:
    """The objects the app's strategy renders; ValidationError (every problem) if the
    strategy values are wrong."""
    planner = _Planner(_App(app, values, dict(labels), dict(selector), image, namespace), locator)
    return planner.plan()


# -- implementation ----------------------------------------------------------------------
class _App(NamedTuple):
    name: str
    values: Mapping[str, Any]
    labels: dict[str, str]
    selector: dict[str, str]
    image: str | None
    namespace: str


@dataclass(slots=True)
class _Analyses:
    """The AnalysisTemplates of one plan: one per distinct successRate configuration."""

    app: str
    templates: list[dict[str, Any]] = field(default_factory=list)

    def add(self, metric: dict[str, Any], alt_name: str) -> str:
        for template in self.templates:
            if template["metric"] == metric:
                return str(template["name"])
        name = f"{self.app}-success-rate" if not self.templates else alt_name
        self.templates.append({"name": name, "args": [SERVICE_ARG], "metric": metric})
        return name

    @property
    def primary(self) -> str | None:
        return str(self.templates[0]["name"]) if self.templates else None


_Routed = tuple[str, Mapping[str, str]]  # a Service: name, selector
_Ingress = tuple[str, str, dict[str, str]]  # an Ingress: name, backend Service, annotations


def _dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: float) -> str:
    """A number as a successCondition writes it (shortest form that reads back the same)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _is_ratio(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _get(block: Mapping[str, Any], key: str, default: Any) -> Any:
    """``block[key]``, or ``default`` when absent or null."""
    value = block.get(key)
    return default if value is None else value


def _is_zero(value: Any) -> bool:
    return bool(value == 0 or value in ("0%", "0"))


def _reference(name: str, service: str) -> dict[str, Any]:
    """How a Rollout runs one of kconfig's AnalysisTemplates on one Service."""
    return {
        "templates": [{"templateName": name}],
        "args": [{"name": SERVICE_ARG, "value": service}],
    }


class _Planner:
    """Plans one app; collects every problem and raises them together."""

    def __init__(self, app: _App, locator: Locator | None) -> None:
        self.app = app
        self.locator = locator
        self.errors = Collector()
        self.analyses = _Analyses(app.name)
        self.strategy = self.mapping(app.values.get("strategy"), ("strategy",))
        service = app.values.get("service")
        ingress = app.values.get("ingress")
        self.service_on = not isinstance(service, Mapping) or service.get("enabled", True)
        self.ingress_on = isinstance(ingress, Mapping) and bool(ingress.get("enabled", False))

    # problems
    def at(self, path: PathKey) -> SourcePos:
        found = self.locator.at(path) if self.locator else None
        if found is None and self.locator and path != ("strategy", "type"):
            found = self.locator.at(("strategy", "type"))
        return found or SourcePos(f"bases/{self.app.name}/app.yaml")

    def error(self, code: str, message: str, path: PathKey) -> None:
        self.errors.error(message, self.at(path), code)

    def mapping(self, value: Any, path: PathKey) -> Mapping[str, Any]:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return value
        self.error("KC200", f"{_dotted(path)} must be a mapping, not {type(value).__name__}", path)
        return {}

    def block(self, name: str) -> Mapping[str, Any]:
        return self.mapping(self.strategy.get(name), ("strategy", name))

    # the plan
    def plan(self) -> dict[str, Any]:
        kind = self.strategy_type()
        builders: dict[str, Callable[[], dict[str, Any]]] = {
            "rolling": self.plan_deployment,
            "recreate": self.plan_deployment,
            "blueGreen": self.plan_blue_green,
            "canary": self.plan_canary,
            "ingressCanary": self.plan_ingress_canary,
            "ingressBlueGreen": self.plan_ingress_blue_green,
        }
        plan = {"type": kind, **builders[kind]()}
        plan["analysisTemplates"] = self.analyses.templates
        self.errors.raise_if_errors(ValidationError)
        return plan

    def strategy_type(self) -> str:
        kind = self.strategy.get("type")
        if kind is None:
            return "rolling"
        if isinstance(kind, str) and kind in STRATEGY_TYPES:
            return kind
        close = close_matches(str(kind), STRATEGY_TYPES)
        folded = [t for t in STRATEGY_TYPES if t.lower() == str(kind).lower()]
        hint = f"; did you mean {(folded or close)[0]!r}?" if folded or close else ""
        self.error(
            "KC201",
            f"unknown strategy type {_shown(kind)} (one of {', '.join(STRATEGY_TYPES)}){hint}",
            ("strategy", "type"),
        )
        return "rolling"  # keep planning, so the app's other problems are reported too

    def parts(
        self,
        workloads: list[dict[str, Any]],
        services: Sequence[_Routed],
        ingresses: Sequence[_Ingress],
    ) -> dict[str, Any]:
        return {
            "workloads": workloads,
            "services": [{"name": n, "selector": dict(s)} for n, s in services],
            "ingresses": [{"name": n, "service": s, "annotations": a} for n, s, a in ingresses],
        }

    def workload(
        self,
        kind: str,
        name: str,
        image: str | None,
        labels: Mapping[str, str],
        selector: Mapping[str, str],
        strategy: dict[str, Any],
        replicas: Any = None,
    ) -> dict[str, Any]:
        return {
            "kind": kind,
            "name": name,
            "image": image,
            "labels": dict(labels),
            "selector": dict(selector),
            "replicas": self.app.values.get("replicas") if replicas is None else replicas,
            "strategy": strategy,
        }

    # rolling / recreate
    def plan_deployment(self) -> dict[str, Any]:
        app = self.app
        w = self.workload(
            "Deployment", app.name, app.image, app.labels, app.selector, self.deployment_strategy()
        )
        services = [(app.name, app.selector)] if self.service_on else []
        ingresses: list[_Ingress] = [(app.name, app.name, {})] if self.ingress_on else []
        return self.parts([w], services, ingresses)

    def deployment_strategy(self) -> dict[str, Any]:
        if self.strategy.get("type") == "recreate":
            return {"type": "Recreate"}
        params = self.surge(self.block("rolling"), ("strategy", "rolling"))
        if not params:
            return {"type": "RollingUpdate"}
        return {"type": "RollingUpdate", "rollingUpdate": params}

    def surge(self, block: Mapping[str, Any], path: PathKey) -> dict[str, Any]:
        params = {k: block[k] for k in ("maxSurge", "maxUnavailable") if block.get(k) is not None}
        if len(params) == 2 and all(_is_zero(v) for v in params.values()):
            self.error(
                "KC215",
                f"{_dotted(path)}: maxSurge and maxUnavailable are both 0, "
                "so no pod could ever be replaced; let one of them be above 0",
                (*path, "maxUnavailable"),
            )
        return params

    # shared by the Argo Rollouts strategies
    def service_name(self, block: Mapping[str, Any], key: str, default: str, path: PathKey) -> str:
        name = block.get(key)
        if name is None:
            return default
        if not isinstance(name, str) or len(name) > 63 or not _DNS1035.fullmatch(name):
            self.error(
                "KC213",
                f"{_dotted((*path, key))}: {_shown(name)} is not a valid "
                "Service name (lower-case letters, digits and '-', starting with a "
                "letter, at most 63 characters)",
                (*path, key),
            )
            return default
        return name

    def distinct(
        self,
        block: Mapping[str, Any],
        path: PathKey,
        first: tuple[str, str],
        second: tuple[str, str],
    ) -> None:
        if first[1] != second[1]:
            return
        # Point at the name the values wrote (the second one first: it usually renames).
        written = [(*path, key) for key, _ in (second, first) if block.get(key) is not None]
        self.error(
            "KC205",
            f"{_dotted(path)}: {first[0]} and {second[0]} are both "
            f"{first[1]!r}; Argo Rollouts needs two different Services",
            written[0] if written else path,
        )

    def need_service(self, kind: str) -> None:
        if not self.service_on:
            self.error(
                "KC209",
                f"strategy {kind} routes traffic through the app's Services, "
                "but service.enabled is false",
                ("service", "enabled"),
            )

    def need_ingress(self, why: str, path: PathKey) -> None:
        if not self.ingress_on:
            self.error(
                "KC210", f"{why}, but ingress.enabled is false (set ingress.enabled: true)", path
            )

    # progressive delivery
    def success_rate(self, raw: Any, path: PathKey) -> dict[str, Any] | None:
        """The metric of an AnalysisTemplate from a ``successRate:`` block (None if bad)."""
        cfg = self.mapping(raw, path)
        before = len(self.errors.diagnostics)
        address, minimum = cfg.get("prometheusAddress"), cfg.get("minimum")
        if not isinstance(address, str) or not re.match(r"https?://", address):
            self.error(
                "KC207",
                f"{_dotted((*path, 'prometheusAddress'))}: the Prometheus "
                "server's URL (http:// or https://) is required",
                (*path, "prometheusAddress"),
            )
        if not _is_ratio(minimum):
            self.error(
                "KC207",
                f"{_dotted((*path, 'minimum'))}: the lowest acceptable "
                f"success rate must be a number within 0..1, not {_shown(minimum)}",
                (*path, "minimum"),
            )
        interval = _get(cfg, "interval", DEFAULT_INTERVAL)
        count = _get(cfg, "count", DEFAULT_COUNT)
        limit = _get(cfg, "failureLimit", DEFAULT_FAILURE_LIMIT)
        self.check_measurement(path, interval, count, limit)
        if len(self.errors.diagnostics) > before or not isinstance(minimum, int | float):
            return None
        return {
            "name": "success-rate",
            "address": address,
            "query": cfg.get("query") or success_rate_query(self.app.namespace),
            "successCondition": f"result[0] >= {_number(minimum)}",
            "interval": interval,
            "count": count,
            "failureLimit": limit,
        }

    def check_measurement(self, path: PathKey, interval: Any, count: Any, limit: Any) -> None:
        if not isinstance(interval, str) or not _GO_DURATION.fullmatch(interval):
            self.error(
                "KC207",
                f"{_dotted((*path, 'interval'))}: {_shown(interval)} is not "
                "a duration such as 30s, 1m or 1h30m",
                (*path, "interval"),
            )
        if not _is_int(count) or count < 1:
            self.error(
                "KC207",
                f"{_dotted((*path, 'count'))}: the number of measurements "
                f"must be an integer of at least 1, not {_shown(count)}",
                (*path, "count"),
            )
        if not _is_int(limit) or limit < 0:
            self.error(
                "KC207",
                f"{_dotted((*path, 'failureLimit'))}: must be an integer of "
                f"at least 0, not {_shown(limit)}",
                (*path, "failureLimit"),
            )

    def template_for(self, raw: Any, path: PathKey, alt_name: str) -> str | None:
        metric = self.success_rate(raw, path)
        return self.analyses.add(metric, alt_name) if metric else None

    # blueGreen
    def plan_blue_green(self) -> dict[str, Any]:
        app, path = self.app, ("strategy", "blueGreen")
        bg = self.block("blueGreen")
        active = self.service_name(bg, "activeService", app.name, path)
        preview = self.service_name(bg, "previewService", f"{app.name}-preview", path)
        self.distinct(bg, path, ("activeService", active), ("previewService", preview))
        self.need_service("blueGreen")
        spec: dict[str, Any] = {"activeService": active, "previewService": preview}
        for key in (
            "autoPromotionEnabled",
            "autoPromotionSeconds",
            "scaleDownDelaySeconds",
            "previewReplicaCount",
        ):
            if bg.get(key) is not None:
                spec[key] = bg[key]
        for key, service in (("prePromotionAnalysis", preview), ("postPromotionAnalysis", active)):
            analysis = self.promotion(bg, key, service)
            if analysis:
                spec[key] = analysis
        w = self.workload(
            "Rollout", app.name, app.image, app.labels, app.selector, {"blueGreen": spec}
        )
        ingresses: list[_Ingress] = [(app.name, active, {})] if self.ingress_on else []
        return self.parts([w], [(active, app.selector), (preview, app.selector)], ingresses)

    def promotion(self, bg: Mapping[str, Any], key: str, service: str) -> dict[str, Any] | None:
        path = ("strategy", "blueGreen", key)
        block = self.mapping(bg.get(key), path)
        if not block:
            return None
        if block.get("successRate") is None:
            self.error(
                "KC206",
                f"{_dotted(path)} names no AnalysisTemplate: give it "
                "successRate: {prometheusAddress, minimum}",
                path,
            )
            return None
        stage = "pre" if key.startswith("pre") else "post"
        alt = f"{self.app.name}-{stage}-promotion-success-rate"
        name = self.template_for(block["successRate"], (*path, "successRate"), alt)
        return _reference(name, service) if name else None

    # canary
    def plan_canary(self) -> dict[str, Any]:
        app, path = self.app, ("strategy", "canary")
        c = self.block("canary")
        routing = self.traffic_routing(c)
        stable = self.service_name(c, "stableService", app.name, path)
        canary = self.service_name(c, "canaryService", f"{app.name}-canary", path)
        self.distinct(c, path, ("stableService", stable), ("canaryService", canary))
        self.need_service("canary")
        # What the analysis measures: the canary's own Service when NGINX routes to it,
        # else the Service the Ingress routes to (stable and canary pods alike).
        measured = canary if routing == "nginx" else stable
        background = self.background(c, measured)
        spec: dict[str, Any] = {"canaryService": canary}
        steps = self.steps(c.get("steps"), routing, measured)
        if steps is not None:
            spec["steps"] = steps
        if background:
            spec["analysis"] = self.starting_step(c["analysis"], background, steps)
        if routing == "nginx":
            self.need_ingress(
                "canary.trafficRouting nginx needs the app's Ingress as the stable Ingress",
                (*path, "trafficRouting"),
            )
            spec["stableService"] = stable
            spec["trafficRouting"] = {"nginx": {"stableIngress": app.name}}
        spec.update(self.surge(c, path))
        w = self.workload(
            "Rollout", app.name, app.image, app.labels, app.selector, {"canary": spec}
        )
        ingresses: list[_Ingress] = [(app.name, stable, {})] if self.ingress_on else []
        return self.parts([w], [(stable, app.selector), (canary, app.selector)], ingresses)

    def traffic_routing(self, c: Mapping[str, Any]) -> str:
        routing = c.get("trafficRouting")
        if routing is None:
            return "none"
        if isinstance(routing, str) and routing in TRAFFIC_ROUTING:
            return routing
        self.error(
            "KC212",
            f"strategy.canary.trafficRouting: {_shown(routing)} is not one of nginx, none",
            ("strategy", "canary", "trafficRouting"),
        )
        return "none"

    def background(self, c: Mapping[str, Any], measured: str) -> dict[str, Any] | None:
        path = ("strategy", "canary", "analysis")
        block = self.mapping(c.get("analysis"), path)
        if not block:
            return None
        if block.get("successRate") is None:
            self.error(
                "KC206",
                "strategy.canary.analysis names no AnalysisTemplate: give it "
                "successRate: {prometheusAddress, minimum}",
                path,
            )
            return None
        name = self.template_for(
            block["successRate"], (*path, "successRate"), f"{self.app.name}-success-rate"
        )
        return _reference(name, measured) if name else None

    def starting_step(
        self, block: Mapping[str, Any], analysis: dict[str, Any], steps: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        start = block.get("startingStep")
        if start is None:
            return analysis
        count = len(steps or [])
        if not _is_int(start) or not 0 <= start < max(count, 1):
            self.error(
                "KC216",
                f"strategy.canary.analysis.startingStep: {_shown(start)} is "
                f"not the index of a step (the canary has {count} steps, indices from "
                "0)",
                ("strategy", "canary", "analysis", "startingStep"),
            )
        return {**analysis, "startingStep": start}

    def steps(self, raw: Any, routing: str, measured: str) -> list[dict[str, Any]] | None:
        path: PathKey = ("strategy", "canary", "steps")
        if raw is None:
            return None
        if not isinstance(raw, list):
            self.error(
                "KC200", f"strategy.canary.steps must be a list, not {type(raw).__name__}", path
            )
            return None
        out: list[dict[str, Any]] = []
        last: tuple[int, int] | None = None  # (step number, weight) of the last setWeight
        for i, step in enumerate(raw):
            planned = self.step(step, (*path, i), routing, measured)
            out.append(planned)
            weight = planned.get("setWeight")
            # Only a valid weight is compared: a wrong one is reported once, as wrong.
            if isinstance(weight, int) and not isinstance(weight, bool) and 0 <= weight <= 100:
                self.ascending(last, (i + 1, weight), (*path, i, "setWeight"))
                last = (i + 1, weight)
        return out

    def ascending(self, last: tuple[int, int] | None, now: tuple[int, int], path: PathKey) -> None:
        if last is not None and now[1] <= last[1]:
            self.error(
                "KC204",
                f"canary step {now[0]}: setWeight {now[1]} does not ascend "
                f"(step {last[0]} already set {last[1]}); each setWeight must be "
                "higher than the one before",
                path,
            )

    def step(self, step: Any, path: PathKey, routing: str, measured: str) -> dict[str, Any]:
        number = int(path[-1]) + 1
        if not isinstance(step, Mapping) or len(step) != 1 or next(iter(step)) not in STEP_KINDS:
            got = ", ".join(map(str, step)) if isinstance(step, Mapping) else type(step).__name__
            self.error(
                "KC202",
                f"canary step {number} must hold exactly one of "
                f"{', '.join(STEP_KINDS)} (got {got or 'nothing'})",
                path,
            )
            return {}
        key, body = next(iter(step.items()))
        here = (*path, key)
        if key == "setWeight":
            return {key: self.weight(body, here, f"canary step {number}: setWeight")}
        if key == "pause":
            return {key: self.pause(body, here, number)}
        if key == "analysis":
            return {key: self.step_analysis(body, here, number, measured)}
        return {key: self.canary_scale(body, here, number, routing)}

    def weight(self, value: Any, path: PathKey, what: str) -> Any:
        if not _is_int(value) or not 0 <= value <= 100:
            self.error(
                "KC203",
                f"{what} must be an integer within 0..100 (a percentage of "
                f"the traffic), not {_shown(value)}",
                path,
            )
        return value

    def pause(self, body: Any, path: PathKey, number: int) -> dict[str, Any]:
        if body is None:
            return {}  # `pause:` with nothing: wait until promoted, like `pause: {}`
        if not isinstance(body, Mapping) or set(body) - {"duration"}:
            self.error(
                "KC202",
                f"canary step {number}: pause takes only a duration "
                "(pause: {duration: 1h}, or pause: {} to wait until promoted)",
                path,
            )
            return dict(body) if isinstance(body, Mapping) else {}
        duration = body.get("duration")
        if duration is None:
            return {}
        valid = (_is_int(duration) and duration >= 0) or (
            isinstance(duration, str) and (duration.isdigit() or _GO_DURATION.fullmatch(duration))
        )
        if not valid:
            self.error(
                "KC202",
                f"canary step {number}: pause duration {_shown(duration)} is "
                "not a number of seconds or a duration such as 30s, 10m or 1h",
                (*path, "duration"),
            )
        return {"duration": duration}

    def step_analysis(self, body: Any, path: PathKey, number: int, measured: str) -> dict[str, Any]:
        block = self.mapping(body, path)
        if block.get("successRate") is True and len(block) == 1:
            name = self.analyses.primary
            if name is None:
                self.error(
                    "KC206",
                    f"canary step {number}: analysis successRate needs "
                    "strategy.canary.analysis.successRate (the AnalysisTemplate "
                    f"{self.app.name}-success-rate is not rendered)",
                    path,
                )
                return {}
            return _reference(name, measured)
        templates = block.get("templates")
        if not isinstance(templates, list) or not templates or len(block) != 1:
            self.error(
                "KC202",
                f"canary step {number}: analysis takes successRate: true or "
                "templates: [{templateName: NAME}]",
                path,
            )
            return dict(block)
        return self.named_templates(templates, (*path, "templates"), number, measured)

    def named_templates(
        self, templates: list[Any], path: PathKey, number: int, measured: str
    ) -> dict[str, Any]:
        ours = f"{self.app.name}-success-rate"
        for i, ref in enumerate(templates):
            name = ref.get("templateName") if isinstance(ref, Mapping) else None
            if not isinstance(name, str) or not name:
                self.error(
                    "KC202",
                    f"canary step {number}: each analysis template needs a templateName",
                    (*path, i),
                )
            elif name == ours and self.analyses.primary is None:
                self.error(
                    "KC206",
                    f"canary step {number}: AnalysisTemplate {name!r} is not "
                    "rendered: configure strategy.canary.analysis.successRate",
                    (*path, i, "templateName"),
                )
        refs = [dict(r) if isinstance(r, Mapping) else r for r in templates]
        uses_ours = any(
            isinstance(r, Mapping)
            and r.get("templateName") in {t["name"] for t in self.analyses.templates}
            for r in templates
        )
        out: dict[str, Any] = {"templates": refs}
        if uses_ours:
            out["args"] = [{"name": SERVICE_ARG, "value": measured}]
        return out

    def canary_scale(self, body: Any, path: PathKey, number: int, routing: str) -> Any:
        if routing != "nginx":
            self.error(
                "KC211",
                f"canary step {number}: setCanaryScale needs traffic routing "
                "(Argo Rollouts refuses it otherwise); set strategy.canary."
                "trafficRouting: nginx",
                path,
            )
        block = self.mapping(body, path)
        keys = set(block)
        if len(keys) != 1 or not keys <= {"weight", "replicas", "matchTrafficWeight"}:
            self.error(
                "KC202",
                f"canary step {number}: setCanaryScale takes exactly one of "
                "weight, replicas, matchTrafficWeight",
                path,
            )
        elif "weight" in block:
            self.weight(
                block["weight"], (*path, "weight"), f"canary step {number}: setCanaryScale weight"
            )
        return dict(block)

    # ingressCanary
    def plan_ingress_canary(self) -> dict[str, Any]:
        app, path = self.app, ("strategy", "ingressCanary")
        ic = self.block("ingressCanary")
        tag = self.tag(ic.get("tag"), (*path, "tag"))
        if tag is None:
            self.error(
                "KC208",
                "strategy ingressCanary needs the canary's image tag: set "
                "strategy.ingressCanary.tag",
                path if ic else ("strategy", "type"),
            )
        weight = self.weight(
            0 if ic.get("weight") is None else ic["weight"],
            (*path, "weight"),
            "strategy.ingressCanary.weight",
        )
        self.need_service("ingressCanary")
        self.need_ingress(
            "strategy ingressCanary splits traffic with a second Ingress", ("strategy", "type")
        )
        stable = self.track(app.name, "stable", app.image, app.selector)
        canary_sel = {**app.selector, TRACK_LABEL: "canary"}
        canary = self.track(
            f"{app.name}-canary",
            "canary",
            image_ref(app.values.get("image") or {}, tag),
            canary_sel,
            1,
        )
        annotations = {NGINX_CANARY: "true", f"{NGINX_CANARY}-weight": str(weight)}
        for key, suffix in (("header", "by-header"), ("headerValue", "by-header-value")):
            if ic.get(key) is not None:
                annotations[f"{NGINX_CANARY}-{suffix}"] = str(ic[key])
        services = [
            (app.name, {**app.selector, TRACK_LABEL: "stable"}),
            (canary["name"], canary_sel),
        ]
        ingresses: list[_Ingress] = [
            (app.name, app.name, {}),
            (canary["name"], canary["name"], annotations),
        ]
        return self.parts([stable, canary], services, ingresses if self.ingress_on else [])

    def track(
        self,
        name: str,
        track: str,
        image: str | None,
        selector: Mapping[str, str],
        replicas: Any = None,
    ) -> dict[str, Any]:
        labels = {**self.app.labels, TRACK_LABEL: track}
        return self.workload(
            "Deployment", name, image, labels, selector, self.deployment_strategy(), replicas
        )

    def tag(self, value: Any, path: PathKey) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.error(
                "KC217",
                f"{_dotted(path)} must be a string, but YAML 1.1 read the "
                f"value as the {type(value).__name__} {_shown(value)}; put it in quotes",
                path,
            )
            return str(value)
        return value

    # ingressBlueGreen
    def plan_ingress_blue_green(self) -> dict[str, Any]:
        app, path = self.app, ("strategy", "ingressBlueGreen")
        ibg = self.block("ingressBlueGreen")
        active = ibg.get("active") or "blue"
        if active not in COLOURS:
            self.error(
                "KC214",
                f"strategy.ingressBlueGreen.active: {_shown(active)} is not blue or green",
                (*path, "active"),
            )
            active = "blue"
        self.need_service("ingressBlueGreen")
        workloads = [self.colour(c, self.mapping(ibg.get(c), (*path, c)), path) for c in COLOURS]
        live = f"{app.name}-{active}"
        services = [(w["name"], w["selector"]) for w in workloads]
        services.append((app.name, {**app.selector, COLOR_LABEL: active}))
        ingresses: list[_Ingress] = [(app.name, live, {})] if self.ingress_on else []
        return self.parts(workloads, services, ingresses)

    def colour(self, colour: str, block: Mapping[str, Any], path: PathKey) -> dict[str, Any]:
        tag = self.tag(block.get("tag"), (*path, colour, "tag"))
        image = (
            self.app.image if tag is None else image_ref(self.app.values.get("image") or {}, tag)
        )
        labels = {**self.app.labels, COLOR_LABEL: colour}
        selector = {**self.app.selector, COLOR_LABEL: colour}
        return self.workload(
            "Deployment",
            f"{self.app.name}-{colour}",
            image,
            labels,
            selector,
            self.deployment_strategy(),
        )
