"""Progressive delivery, shared by the Argo Rollouts families: a ``successRate:`` block
becomes the metric of an AnalysisTemplate (collected in ``Planning.analyses``) and a
reference that runs it on one Service.

The built-in queries read ingress-nginx's request counter the way ingress-nginx labels it
(kubernetes/ingress-nginx ``rootfs/etc/nginx/lua/monitor.lua``, which fills the labels, and
``internal/ingress/metric/collectors/socket.go``, which counts them):

- ``namespace``, ``ingress`` and ``service`` come from the nginx *location* that served the
  request (``$namespace``, ``$ingress_name``, ``$service_name`` in ``nginx.tmpl``). A canary
  Ingress never gets a location of its own: ingress-nginx merges its backend into the primary
  Ingress' location as an alternative backend (``mergeAlternativeBackends`` in
  ``internal/ingress/controller/controller.go``), so a request the canary served still
  carries the *primary* Ingress' name and Service.
- ``canary`` (added in kubernetes/ingress-nginx PR 7696, controller v1.0.2) is
  ``$proxy_alternative_upstream_name``, which ``balancer.lua`` sets to the alternative
  backend's upstream name only when it routed the request there: ``<namespace>-<service>-
  <port>`` (``upstreamName`` in ``internal/ingress/controller/util.go``, the port as the
  Ingress backend gives it, a number here); it is empty for the primary backend's requests.

So the canary's requests are the series with ``canary="<ns>-<canary Service>-<port>"``; a
filter ``service="<app>-canary"`` matches nothing and the measurement errors ("no data").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from kconfig.render.strategies.base import SERVICE_ARG, Planning, dotted, shown
from kconfig.render.strategies.locator import PathKey
from kconfig.render.strategies.shared import GO_DURATION, is_int, value_or

# Defaults of a successRate analysis (the AnalysisTemplate's metric).
DEFAULT_INTERVAL: Final = "1m"
DEFAULT_COUNT: Final = 5
DEFAULT_FAILURE_LIMIT: Final = 1


# ingress-nginx's request counter (socket.go: ``requests``, namespace ``nginx_ingress_controller``).
NGINX_REQUESTS: Final = "nginx_ingress_controller_requests"
ARG: Final = f"{{{{args.{SERVICE_ARG}}}}}"


def success_rate_query(namespace: str) -> str:
    """The built-in PromQL for a Service that an Ingress routes to (the Service the analysis
    is given, ``args.service-name``): the share of its requests over the last five minutes
    that did not end in a 5xx."""
    return _ratio(f'namespace="{namespace}",service="{ARG}"')


def nginx_canary_query(namespace: str, port: Any) -> str:
    """The built-in PromQL for the canary of an Argo Rollouts canary with nginx traffic
    routing: the requests ingress-nginx sent to the canary Service (``args.service-name``) as
    the alternative backend of the stable Ingress, on the Ingress backend's port ``port``."""
    return _ratio(f'namespace="{namespace}",canary="{namespace}-{ARG}-{port}"')


def _ratio(where: str) -> str:
    """non-5xx / all requests of the series ``where`` selects. ``status!~"5.."`` also drops
    ``5xx``, which ingress-nginx writes with ``--report-status-classes``. ``or vector(0)``:
    when every request failed, the numerator has no series, and the measurement must then
    be 0 (a failure), not "no data" (an error)."""
    total = f"sum(rate({NGINX_REQUESTS}{{{where}}}[5m]))"
    ok = f'sum(rate({NGINX_REQUESTS}{{{where},status!~"5.."}}[5m]))'
    return f"({ok} or vector(0)) / {total}"


def reference(name: str, service: str) -> dict[str, Any]:
    """How a Rollout runs one of kconfig's AnalysisTemplates on one Service."""
    return {
        "templates": [{"templateName": name}],
        "args": [{"name": SERVICE_ARG, "value": service}],
    }


def template_for(
    p: Planning, raw: Any, path: PathKey, alt_name: str, query: str | None = None
) -> str | None:
    """The AnalysisTemplate measuring the ``successRate:`` block ``raw`` (``alt_name``
    unless it is the plan's first); None when the block is wrong. ``query``: the built-in
    query for what it measures (default :func:`success_rate_query`)."""
    metric = success_rate(p, raw, path, query)
    return p.analyses.add(metric, alt_name) if metric else None


def uses_builtin_query(raw: Any) -> bool:
    """Whether a ``successRate:`` block measures with the built-in query (no ``query:``)."""
    return not (isinstance(raw, Mapping) and raw.get("query"))


def success_rate(
    p: Planning, raw: Any, path: PathKey, query: str | None = None
) -> dict[str, Any] | None:
    """The metric of an AnalysisTemplate from a ``successRate:`` block (None if bad)."""
    cfg = p.mapping(raw, path)
    before = len(p.errors.diagnostics)
    address, minimum = cfg.get("prometheusAddress"), cfg.get("minimum")
    if not isinstance(address, str) or not re.match(r"https?://", address):
        p.error(
            "KC207",
            f"{dotted((*path, 'prometheusAddress'))}: the Prometheus "
            "server's URL (http:// or https://) is required",
            (*path, "prometheusAddress"),
        )
    if not _is_ratio(minimum):
        p.error(
            "KC207",
            f"{dotted((*path, 'minimum'))}: the lowest acceptable "
            f"success rate must be a number within 0..1, not {shown(minimum)}",
            (*path, "minimum"),
        )
    interval = value_or(cfg, "interval", DEFAULT_INTERVAL)
    count = value_or(cfg, "count", DEFAULT_COUNT)
    limit = value_or(cfg, "failureLimit", DEFAULT_FAILURE_LIMIT)
    _check_measurement(p, path, interval, count, limit)
    if len(p.errors.diagnostics) > before or not isinstance(minimum, int | float):
        return None
    return {
        "name": "success-rate",
        "address": address,
        "query": cfg.get("query") or query or success_rate_query(p.app.namespace),
        "successCondition": f"result[0] >= {_number(minimum)}",
        "interval": interval,
        "count": count,
        "failureLimit": limit,
    }


def _check_measurement(p: Planning, path: PathKey, interval: Any, count: Any, limit: Any) -> None:
    if not isinstance(interval, str) or not GO_DURATION.fullmatch(interval):
        p.error(
            "KC207",
            f"{dotted((*path, 'interval'))}: {shown(interval)} is not "
            "a duration such as 30s, 1m or 1h30m",
            (*path, "interval"),
        )
    if not is_int(count) or count < 1:
        p.error(
            "KC207",
            f"{dotted((*path, 'count'))}: the number of measurements "
            f"must be an integer of at least 1, not {shown(count)}",
            (*path, "count"),
        )
    if not is_int(limit) or limit < 0:
        p.error(
            "KC207",
            f"{dotted((*path, 'failureLimit'))}: must be an integer of "
            f"at least 0, not {shown(limit)}",
            (*path, "failureLimit"),
        )


def _is_ratio(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


def _number(value: float) -> str:
    """A number as a successCondition writes it (shortest form that reads back the same)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)
