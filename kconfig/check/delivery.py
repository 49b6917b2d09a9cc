"""Delivery checks (KC120-KC129): the objects that carry an app's traffic select the pods they
should, and a progressive-delivery analysis can measure what it claims to.

- KC120: no two workloads of an environment overlap (a workload's selector matches another
  workload's pod template labels). Controllers that share pods fight over them, and an HPA
  targeting either stops with ``AmbiguousSelector`` (kubernetes/kubernetes
  ``pkg/controller/podautoscaler/horizontal.go``: ``hpasControllingPodsUnderSelector``).
- KC121: a Service selects the pods of one workload, of its own app: a Service whose selector
  also matches a second workload's pods sends it part of the traffic (the stable Service of an
  NGINX canary reaching the canary's pods was exactly that).
- KC122: an analysis that queries ingress-nginx's metrics (the built-in success rate, or a
  query of the user's) selects series some rendered Ingress produces, labelled the way
  ingress-nginx labels them (kubernetes/ingress-nginx ``rootfs/etc/nginx/lua/monitor.lua``
  and ``internal/ingress/metric/collectors/socket.go``; see
  :mod:`kconfig.render.strategies.analysis`). A selector that can match nothing returns no
  data, and Argo Rollouts errors every measurement until the rollout aborts
  (argoproj/argo-rollouts ``utils/evaluate/evaluate.go``: "no data returned from the metric
  provider").
- KC124 (warning): a NetworkPolicy peer ``podSelector`` of the policy's own namespace
  matches the pods of no rendered workload (an ``allowFrom: [{app: ...}]`` typo, or an app
  the environment does not render), so the rule admits nothing (kubernetes/api
  ``networking/v1/types.go``: a podSelector peer selects pods in the policy's namespace).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kconfig.check.semantic import Check, CheckContext, Finding, Workload, selected_workloads
from kconfig.core.manifests import BUILTIN_PREFIX, Manifest
from kconfig.core.paths import PathKey, walk

__all__ = [
    "CHECKS",
    "check_analysis_series",
    "check_policy_peers",
    "check_service_targets",
    "check_workload_overlap",
    "matches",
    "nginx_series",
    "parse_selectors",
    "selects",
]

# Kinds whose selector owns pods (a Job's selector is generated for its own pods, a CronJob's
# and a Pod's do not exist), so only these can overlap.
SELECTOR_KINDS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Rollout"}
)


# -- label selectors -----------------------------------------------------------------------
def selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """Whether a LabelSelector (``matchLabels`` and ``matchExpressions``, ANDed) matches
    ``labels``, as apimachinery's ``LabelSelectorAsSelector`` reads it. An empty selector
    matches everything; a selector a workload cannot have (no mapping) matches nothing."""
    match = selector.get("matchLabels") or {}
    exprs = selector.get("matchExpressions") or []
    if not isinstance(match, Mapping) or not isinstance(exprs, list):
        return False
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    return all(isinstance(e, Mapping) and _expression(e, labels) for e in exprs)


def _expression(expr: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    key, op = str(expr.get("key")), expr.get("operator")
    values = expr.get("values") or []
    values = values if isinstance(values, list) else []
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    return False


def _selector(w: Workload) -> Mapping[str, Any] | None:
    if w.manifest.kind not in SELECTOR_KINDS:
        return None
    found = walk(w.manifest.body, ("spec", "selector"))
    return found if isinstance(found, Mapping) else None


def _shown(selector: Mapping[str, Any]) -> str:
    """``{a=b, c In (x)}``: a selector as kubectl prints one."""
    match, exprs = selector.get("matchLabels"), selector.get("matchExpressions")
    parts = [f"{k}={v}" for k, v in match.items()] if isinstance(match, Mapping) else []
    for e in exprs if isinstance(exprs, list) else []:
        if isinstance(e, Mapping):
            listed = e.get("values")
            values = ",".join(map(str, listed)) if isinstance(listed, list) else ""
            parts.append(f"{e.get('key')} {e.get('operator')}" + (f" ({values})" if values else ""))
    return "{" + ", ".join(parts) + "}"


def _by_namespace(ctx: CheckContext) -> dict[str, list[Workload]]:
    out: dict[str, list[Workload]] = {}
    for w in ctx.workloads:
        if w.manifest.kind in SELECTOR_KINDS:
            out.setdefault(ctx.namespace_of(w.manifest), []).append(w)
    return out


# -- KC120 overlapping workloads -----------------------------------------------------------
def check_workload_overlap(ctx: CheckContext) -> Iterator[Finding]:
    for workloads in _by_namespace(ctx).values():
        yield from _overlaps(workloads)


def _overlaps(workloads: Sequence[Workload]) -> Iterator[Finding]:
    selectors = [_selector(w) for w in workloads]
    # Pods indexed by label, so a selector with matchLabels looks at the few workloads that
    # carry its first label, not at every workload of a large namespace.
    by_label: dict[tuple[str, Any], list[int]] = {}
    for j, w in enumerate(workloads):
        for item in w.labels.items():
            if isinstance(item[1], str):
                by_label.setdefault(item, []).append(j)
    everyone = range(len(workloads))
    for i, (owner, selector) in enumerate(zip(workloads, selectors, strict=True)):
        if selector is None:
            continue
        match = selector.get("matchLabels")
        first = next(iter(match.items()), None) if isinstance(match, Mapping) else None
        if first is not None and isinstance(first[1], str):
            candidates: Sequence[int] = by_label.get((str(first[0]), first[1]), [])
        else:
            candidates = everyone
        for j in candidates:
            other = workloads[j]
            if i == j or not selects(selector, other.labels):
                continue
            back = selectors[j]
            if j < i and back is not None and selects(back, owner.labels):
                continue  # a mutual overlap: reported once, on the first of the two
            yield _overlap(owner, selector, other)


def _overlap(owner: Workload, selector: Mapping[str, Any], other: Workload) -> Finding:
    why = (
        "both controllers would claim them, and an HPA on either stops with "
        "AmbiguousSelector; select a label only one workload's pods carry"
    )
    if _builtin(owner.manifest) and not _builtin(other.manifest):
        # A custom template's pods inside a built-in selector: the custom template is the
        # file the user can change (the built-in's selector follows the strategy).
        return Finding(
            other.manifest,
            f"these pod labels are also matched by the selector {_shown(selector)} of "
            f"{owner.manifest.title}: {why}",
            (*other.path, "metadata", "labels"),
        )
    return Finding(
        owner.manifest,
        f"selector {_shown(selector)} also matches the pods of {other.manifest.title}: {why}",
        ("spec", "selector"),
        (("strategy", "type"),),
    )


def _builtin(m: Manifest) -> bool:
    return m.origin.path.startswith(BUILTIN_PREFIX)


# -- KC121 Services selecting the wrong pods ------------------------------------------------
def check_service_targets(ctx: CheckContext) -> Iterator[Finding]:
    selecting = (w for w in ctx.workloads if w.manifest.kind in SELECTOR_KINDS)
    for m, selector, hit in selected_workloads(ctx, selecting):
        problem = _target_problem(m, [w.manifest for w in hit])
        if problem is None:
            continue
        shown = ", ".join(f"{k}={v}" for k, v in selector.items())
        custom = [w for w in hit if not _builtin(w.manifest)]
        if _builtin(m) and custom:
            # Located at the custom template whose pods a built-in Service reaches.
            yield Finding(
                custom[0].manifest,
                f"these pod labels are also matched by the selector {shown} of {m.title}, "
                f"which {problem}",
                (*custom[0].path, "metadata", "labels"),
            )
            continue
        yield Finding(
            m, f"selector {shown} {problem}", ("spec", "selector"), (("strategy", "type"),)
        )


def _target_problem(service: Manifest, hit: Sequence[Manifest]) -> str | None:
    foreign = [w for w in hit if service.app and w.app and w.app != service.app]
    if foreign:
        return (
            f"matches the pods of {_titles(foreign)} of another app: the Service of "
            f"app {service.app} would send them its traffic"
        )
    if len(hit) > 1:
        return (
            f"matches the pods of {_titles(hit)}: the Service would spread its traffic over "
            "all of them; select a label only one workload's pods carry"
        )
    return None


def _titles(manifests: Sequence[Manifest]) -> str:
    return " and ".join(m.title for m in manifests)


# -- KC122 analyses that can never get data ------------------------------------------------
NGINX_CANARY = "nginx.ingress.kubernetes.io/canary"
# A selector of one of ingress-nginx's metrics in PromQL, and the matchers inside it.
_NGINX_SELECTOR = re.compile(
    r'\bnginx_ingress_controller_[a-z_]+\s*\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}'
)
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_ARG = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")
# The labels whose values follow from the rendered objects (status, method, path and host
# take whatever the traffic brings, so a matcher on them is never held against a query).
_ROUTED = ("namespace", "ingress", "service", "canary")

Matcher = tuple[str, str, str]  # (label, operator, value)
Series = Mapping[str, str]


def parse_selectors(query: str) -> list[list[Matcher]]:
    """The matchers of every ingress-nginx metric selector in a PromQL query."""
    return [
        [(m.group(1), m.group(2), m.group(3)) for m in _MATCHER.finditer(body)]
        for body in _NGINX_SELECTOR.findall(query)
    ]


def matches(matchers: Sequence[Matcher], series: Series) -> bool:
    """Whether a series carries labels the matchers accept (Prometheus: a missing label is
    the empty string; regular expressions are anchored at both ends)."""
    for label, op, value in matchers:
        if label not in _ROUTED:
            continue
        have = series.get(label, "")
        if op == "=":
            ok = have == value
        elif op == "!=":
            ok = have != value
        else:
            ok = _full_match(value, have) == (op == "=~")
        if not ok:
            return False
    return True


def _full_match(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return True  # not ours to judge: Prometheus reports a bad regex itself


def _backends(ing: Manifest) -> Iterator[tuple[str, str, str, str]]:
    """``(host, path, service, port)`` of each service backend of an Ingress."""
    rules = walk(ing.body, ("spec", "rules"))
    for rule in rules if isinstance(rules, list) else []:
        host = str(walk(rule, ("host",)) or "")
        paths = walk(rule, ("http", "paths"))
        for entry in paths if isinstance(paths, list) else []:
            service = walk(entry, ("backend", "service"))
            if isinstance(service, Mapping) and service.get("name"):
                port = service.get("port") or {}
                number = port.get("number") if isinstance(port, Mapping) else None
                name = port.get("name") if isinstance(port, Mapping) else None
                path = str(walk(entry, ("path",)) or "/")
                yield host, path, str(service["name"]), str(number or name or "")


def nginx_series(ctx: CheckContext, ns: str) -> list[dict[str, str]]:
    """The (routed labels of the) request series ingress-nginx can produce in namespace
    ``ns`` from the rendered Ingresses and the canary Ingresses Argo Rollouts creates: a
    request carries the primary Ingress' name and Service, and ``canary`` names the
    alternative backend (``<ns>-<service>-<port>``) when a canary backend served it."""
    primaries: dict[tuple[str, str], tuple[str, str]] = {}
    canaries: list[Manifest] = []
    out: list[dict[str, str]] = []
    for ing in ctx.of_kind("Ingress"):
        if ctx.namespace_of(ing) != ns:
            continue
        if walk(ing.body, ("metadata", "annotations", NGINX_CANARY)) == "true":
            canaries.append(ing)
            continue
        for host, path, service, _ in _backends(ing):
            primaries[(host, path)] = (ing.name, service)
            out.append({"namespace": ns, "ingress": ing.name, "service": service})
    for ing in canaries:
        for host, path, service, port in _backends(ing):
            primary = primaries.get((host, path))
            if primary:
                out.append(_canary_series(ns, primary, f"{ns}-{service}-{port}"))
    for rollout in ctx.of_kind("Rollout"):
        if ctx.namespace_of(rollout) == ns:
            out.extend(_rollout_series(ctx, ns, rollout))
    return out


def _canary_series(ns: str, primary: tuple[str, str], upstream: str) -> dict[str, str]:
    return {"namespace": ns, "ingress": primary[0], "service": primary[1], "canary": upstream}


def _rollout_series(ctx: CheckContext, ns: str, rollout: Manifest) -> Iterator[dict[str, str]]:
    """The canary series of a Rollout with nginx traffic routing: the controller copies each
    stable Ingress with the stable Service's backends renamed to the canary Service
    (argoproj/argo-rollouts ``rollout/trafficrouting/nginx/nginx.go``)."""
    canary = walk(rollout.body, ("spec", "strategy", "canary"))
    nginx = walk(canary, ("trafficRouting", "nginx"))
    if not isinstance(nginx, Mapping):
        return
    stable, canary_service = walk(canary, ("stableService",)), walk(canary, ("canaryService",))
    extra = nginx.get("additionalStableIngresses")
    names = [nginx.get("stableIngress"), *(extra if isinstance(extra, list) else [])]
    for ing in ctx.of_kind("Ingress"):
        if ctx.namespace_of(ing) != ns or ing.name not in names:
            continue
        for _, _, service, port in _backends(ing):
            if service == stable:
                yield _canary_series(ns, (ing.name, service), f"{ns}-{canary_service}-{port}")


def _analysis_places(rollout: Manifest) -> Iterator[tuple[PathKey, Mapping[str, Any], PathKey]]:
    """``(path, analysis block, value path)`` of every analysis a Rollout runs."""
    strategy = walk(rollout.body, ("spec", "strategy"))
    found: list[tuple[PathKey, Any, PathKey]] = [
        (("canary", "analysis"), walk(strategy, ("canary", "analysis")), ("successRate",)),
    ]
    for key in ("prePromotionAnalysis", "postPromotionAnalysis"):
        found.append((("blueGreen", key), walk(strategy, ("blueGreen", key)), ("successRate",)))
    steps = walk(strategy, ("canary", "steps"))
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        found.append((("canary", "steps", i, "analysis"), walk(step, ("analysis",)), ()))
    for path, block, tail in found:
        if isinstance(block, Mapping):
            where = path[:-1] if tail == () else path
            yield ("spec", "strategy", *path), block, ("strategy", *where, *tail)


def _args(*lists: Any) -> dict[str, str | None]:
    """Argument values by name; later lists win (a Rollout's over the template's defaults);
    None for an argument whose value comes from elsewhere (valueFrom)."""
    out: dict[str, str | None] = {}
    for items in lists:
        for arg in items if isinstance(items, list) else []:
            if isinstance(arg, Mapping) and isinstance(arg.get("name"), str):
                value = arg.get("value")
                out[arg["name"]] = value if isinstance(value, str) else None
    return out


def _resolved(query: str, args: Mapping[str, str | None]) -> str | None:
    """``query`` with its ``{{args.x}}`` filled in; None when one cannot be known here."""
    missing = False

    def fill(m: re.Match[str]) -> str:
        nonlocal missing
        value = args.get(m.group(1))
        if value is None:
            missing = True
            return ""
        return value

    out = _ARG.sub(fill, query)
    return None if missing else out


def check_analysis_series(ctx: CheckContext) -> Iterator[Finding]:
    templates = {(ctx.namespace_of(m), m.name): m for m in ctx.of_kind("AnalysisTemplate")}
    series: dict[str, list[dict[str, str]]] = {}
    for rollout in ctx.of_kind("Rollout"):
        ns = ctx.namespace_of(rollout)
        seen: set[tuple[str, str]] = set()
        for path, block, value_path in _analysis_places(rollout):
            refs = block.get("templates")
            for ref in refs if isinstance(refs, list) else []:
                name = ref.get("templateName") if isinstance(ref, Mapping) else None
                template = templates.get((ns, str(name)))
                if template is None:
                    continue  # KC110's
                if ns not in series:
                    series[ns] = nginx_series(ctx, ns)
                for query in _queries(template, block.get("args")):
                    if (template.name, query) in seen:
                        continue
                    seen.add((template.name, query))
                    bad = _unmatched(query, series[ns])
                    if bad is not None:
                        yield _no_data(rollout, path, value_path, template, bad)


def _queries(template: Manifest, ref_args: Any) -> Iterator[str]:
    args = _args(walk(template.body, ("spec", "args")), ref_args)
    metrics = walk(template.body, ("spec", "metrics"))
    for metric in metrics if isinstance(metrics, list) else []:
        query = walk(metric, ("provider", "prometheus", "query"))
        resolved = _resolved(query, args) if isinstance(query, str) else None
        if resolved is not None:
            yield resolved


def _unmatched(query: str, series: Sequence[Series]) -> list[Matcher] | None:
    """The first selector of ``query`` that no series satisfies (None: all can match)."""
    for matchers in parse_selectors(query):
        if not any(matches(matchers, s) for s in series):
            return matchers
    return None


def _no_data(
    rollout: Manifest,
    path: PathKey,
    value_path: PathKey,
    template: Manifest,
    matchers: Sequence[Matcher],
) -> Finding:
    shown = ",".join(f'{label}{op}"{value}"' for label, op, value in matchers if label in _ROUTED)
    return Finding(
        rollout,
        f"{template.title} selects ingress-nginx series {{{shown}}}, which no rendered "
        "Ingress produces (ingress-nginx labels a request with the namespace, Ingress and "
        "Service of the primary Ingress that served it, and a canary backend's requests with "
        'canary="<namespace>-<service>-<port>" as well): Prometheus returns no data and '
        f"Argo Rollouts errors every measurement{_hint(rollout, matchers)}",
        path,
        ((*value_path, "query"), value_path, ("strategy", "type")),
    )


def _hint(rollout: Manifest, matchers: Sequence[Matcher]) -> str:
    services = {v for label, op, v in matchers if label == "service" and op == "="}
    strategy = walk(rollout.body, ("spec", "strategy"))
    preview = walk(strategy, ("blueGreen", "previewService"))
    canary = walk(strategy, ("canary", "canaryService"))
    if preview in services:
        return (
            f"; no Ingress routes to the preview Service {preview}: render the preview "
            "Ingress (strategy.blueGreen.previewIngress.enabled: true)"
        )
    if canary in services and walk(strategy, ("canary", "trafficRouting", "nginx")):
        return (
            f"; the canary's requests carry service={walk(strategy, ('canary', 'stableService'))} "
            "and canary=<namespace>-<canary Service>-<port>: select on canary instead"
        )
    return ""


# -- KC124 NetworkPolicy peers that select no pod -------------------------------------------
def check_policy_peers(ctx: CheckContext) -> Iterator[Finding]:
    pods: dict[str, list[Mapping[str, Any]]] = {}
    for w in ctx.workloads:
        pods.setdefault(ctx.namespace_of(w.manifest), []).append(w.labels)
    for m in ctx.of_kind("NetworkPolicy"):
        rules = walk(m.body, ("spec", "ingress"))
        for i, rule in enumerate(rules if isinstance(rules, list) else []):
            peers = walk(rule, ("from",))
            for j, peer in enumerate(peers if isinstance(peers, list) else []):
                selector = walk(peer, ("podSelector",))
                if not isinstance(selector, Mapping) or "namespaceSelector" in peer:
                    continue  # another namespace's pods: not rendered here
                if any(selects(selector, labels) for labels in pods.get(ctx.namespace_of(m), ())):
                    continue
                yield Finding(
                    m,
                    f"podSelector {_shown(selector)} matches the pods of no workload rendered "
                    f"in {ctx.env}, so this peer admits nothing",
                    ("spec", "ingress", i, "from", j, "podSelector"),
                    (("networkPolicy", "allowFrom", j), ("networkPolicy", "allowFrom")),
                )


CHECKS: tuple[Check, ...] = (
    Check(
        "KC120",
        "error",
        "no workload's selector matches the pods of another workload of the environment",
        check_workload_overlap,
    ),
    Check(
        "KC121",
        "error",
        "a Service selects the pods of exactly one workload, of its own app",
        check_service_targets,
    ),
    Check(
        "KC122",
        "error",
        "an analysis over ingress-nginx metrics selects series a rendered Ingress produces",
        check_analysis_series,
    ),
    Check(
        "KC124",
        "warning",
        "a NetworkPolicy's podSelector peer matches the pods of a rendered workload",
        check_policy_peers,
    ),
)
