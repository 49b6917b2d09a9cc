"""The interface every strategy family implements, the records a plan is made of, and the
planning state one app's planners share (its facts, its strategy values, its problems).

A family is a module with one function, ``plan(p: Planning) -> Parts`` (:class:`Planner`);
:data:`kconfig.render.strategies.PLANNERS` lists them. This module imports no family, so
every family can import it (the registry, which imports every family, lives above them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple, Protocol

from kconfig.errors import Collector, SourcePos
from kconfig.render.strategies.locator import Locator, PathKey

# The argument kconfig's AnalysisTemplates take: the Service whose traffic they measure.
SERVICE_ARG: Final = "service-name"


class Planner(Protocol):
    """One strategy family: the objects it renders for the app being planned. Problems go
    to ``p.error`` (never raised), so one run reports every problem of the app."""

    def plan(self, p: Planning) -> Parts: ...


# -- the records of a plan -----------------------------------------------------------------
# NamedTuples (and plain classes) rather than dataclasses: every command that renders
# builds these classes at start-up, where a frozen slotted dataclass costs about 0.5 ms
# to build and a NamedTuple a tenth of that.
_NO_ANNOTATIONS: Final[Mapping[str, str]] = MappingProxyType({})


class App(NamedTuple):
    """What the render context decided about the app before its strategy is planned."""

    name: str
    values: Mapping[str, Any]
    labels: Mapping[str, str]  # the pod labels every workload starts from
    selector: Mapping[str, str]  # the selector every workload starts from
    image: str | None  # the image reference the values pin
    namespace: str
    host: str | None = None  # the host of the app's Ingress (ingress.host or <app>.<domain>)

    @property
    def replicas(self) -> Any:
        return self.values.get("replicas")

    @property
    def service_on(self) -> bool:
        service = self.values.get("service")
        return not isinstance(service, Mapping) or bool(service.get("enabled", True))

    @property
    def ingress_on(self) -> bool:
        ingress = self.values.get("ingress")
        return isinstance(ingress, Mapping) and bool(ingress.get("enabled", False))


class Workload(NamedTuple):
    """A Deployment or an Argo Rollouts Rollout; ``selector`` is a subset of ``labels`` (the
    pod labels), ``strategy`` its ``spec.strategy`` as the manifest writes it."""

    kind: Literal["Deployment", "Rollout"]
    name: str
    image: str | None
    labels: Mapping[str, str]
    selector: Mapping[str, str]
    replicas: Any
    strategy: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "image": self.image,
            "labels": dict(self.labels),
            "selector": dict(self.selector),
            "replicas": self.replicas,
            "strategy": dict(self.strategy),
        }


class Service(NamedTuple):
    name: str
    selector: Mapping[str, str]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "selector": dict(self.selector)}


class Ingress(NamedTuple):
    """An Ingress ``name`` routing to the Service ``service``; ``annotations`` are the
    strategy's, added to the app's ``ingress.annotations``. ``host`` None: the app's host;
    ``tls_secret`` None: the app's TLS Secret (``ingress.tls.secretName`` or ``<app>-tls``)."""

    name: str
    service: str
    annotations: Mapping[str, str] = _NO_ANNOTATIONS
    host: str | None = None
    tls_secret: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "service": self.service,
            "annotations": dict(self.annotations),
            "host": self.host,
            "tlsSecret": self.tls_secret,
        }


class Parts(NamedTuple):
    """What one family plans (the AnalysisTemplates are collected in :class:`Analyses`)."""

    workloads: tuple[Workload, ...]
    services: tuple[Service, ...] = ()
    ingresses: tuple[Ingress, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "workloads": [w.as_json() for w in self.workloads],
            "services": [s.as_json() for s in self.services],
            "ingresses": [i.as_json() for i in self.ingresses],
        }


class Analyses:
    """The AnalysisTemplates of one plan: one per distinct successRate configuration."""

    __slots__ = ("app", "templates")

    def __init__(self, app: str) -> None:
        self.app = app
        self.templates: list[dict[str, Any]] = []

    def add(self, metric: dict[str, Any], alt_name: str) -> str:
        """The template measuring ``metric``: an equal one planned before, else a new one
        (the first is ``<app>-success-rate``, which analysis steps refer to by that name)."""
        for template in self.templates:
            if template["metric"] == metric:
                return str(template["name"])
        name = f"{self.app}-success-rate" if not self.templates else alt_name
        self.templates.append({"name": name, "args": [SERVICE_ARG], "metric": metric})
        return name

    @property
    def primary(self) -> str | None:
        return str(self.templates[0]["name"]) if self.templates else None


# -- planning state ------------------------------------------------------------------------
class Planning:
    """One app being planned: its facts, its ``strategy:`` values, its AnalysisTemplates and
    every problem found so far, each located at the layer that wrote the offending value."""

    def __init__(self, app: App, locator: Locator | None = None) -> None:
        self.app = app
        self.locator = locator
        self.errors = Collector()
        self.analyses = Analyses(app.name)
        self.strategy = self.mapping(app.values.get("strategy"), ("strategy",))

    def at(self, path: PathKey) -> SourcePos:
        found = self.locator.at(path) if self.locator else None
        # Nothing written along the path (a value left to its default): the problem comes of
        # the strategy the app chose, so point at its type.
        if found is None and self.locator and path != ("strategy", "type"):
            found = self.locator.at(("strategy", "type"))
        return found or SourcePos(f"bases/{self.app.name}/app.yaml")

    def error(self, code: str, message: str, path: PathKey) -> None:
        self.errors.error(message, self.at(path), code)

    def mapping(self, value: Any, path: PathKey) -> Mapping[str, Any]:
        """``value`` when it is a mapping, ``{}`` when unset; else KC200 and ``{}``, so that
        planning goes on and reports the app's other problems too."""
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return value
        self.error("KC200", f"{dotted(path)} must be a mapping, not {type(value).__name__}", path)
        return {}

    def block(self, name: str) -> Mapping[str, Any]:
        """The mapping ``strategy.<name>`` (a family's own settings)."""
        return self.mapping(self.strategy.get(name), ("strategy", name))


# -- how problems show values --------------------------------------------------------------
def dotted(path: PathKey) -> str:
    """``strategy.canary.steps[2]``: a path as the user writes it."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def shown(value: Any) -> str:
    """A value as YAML spells it (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
