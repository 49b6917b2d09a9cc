"""Delivery checks (KC120-KC129): the objects that carry an app's traffic select the pods they
should, and a progressive-delivery analysis can measure what it claims to.

- KC120: no two workloads of an environment overlap (a workload's selector matches another
  workload's pod template labels). Controllers that share pods fight over them, and an HPA
  targeting either stops with ``AmbiguousSelector`` (kubernetes/kubernetes
  ``pkg/controller/podautoscaler/horizontal.go``: ``hpasControllingPodsUnderSelector``).
- KC121: a Service selects the pods of one workload, of its own app: a Service whose selector
  also matches a second workload's pods sends it part of the traffic (the stable Service of an
  NGINX canary reaching the canary's pods was exactly that).
- KC122: the built-in success-rate query (or any query over ingress-nginx's request metric)
  selects series some rendered Ingress produces, labelled the way ingress-nginx labels them
  (:mod:`kconfig.check.nginx_series`); a query that can match nothing returns no data, and
  Argo Rollouts errors every measurement (argoproj/argo-rollouts
  ``utils/evaluate/evaluate.go``: "no data returned from the metric provider").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kconfig.check.semantic import Check, CheckContext, Finding, Workload
from kconfig.core.manifests import BUILTIN_PREFIX, Manifest
from kconfig.core.paths import walk

__all__ = [
    "CHECKS",
    "check_service_targets",
    "check_workload_overlap",
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
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for e in selector.get("matchExpressions") or []:
        if isinstance(e, Mapping):
            values = ",".join(map(str, e.get("values") or []))
            parts.append(f"{e.get('key')} {e.get('operator')}" + (f" ({values})" if values else ""))
    return "{" + ", ".join(parts) + "}"


def _ns(m: Manifest, ctx: CheckContext) -> str:
    return m.namespace or ctx.namespace


def _by_namespace(ctx: CheckContext) -> dict[str, list[Workload]]:
    out: dict[str, list[Workload]] = {}
    for w in ctx.workloads:
        if w.manifest.kind in SELECTOR_KINDS:
            out.setdefault(_ns(w.manifest, ctx), []).append(w)
    return out


# -- KC120 overlapping workloads -----------------------------------------------------------
def check_workload_overlap(ctx: CheckContext) -> Iterator[Finding]:
    for workloads in _by_namespace(ctx).values():
        yield from _overlaps(workloads)


def _overlaps(workloads: Sequence[Workload]) -> Iterator[Finding]:
    selectors = [_selector(w) for w in workloads]
    for i, (owner, selector) in enumerate(zip(workloads, selectors, strict=True)):
        if selector is None:
            continue
        for j, other in enumerate(workloads):
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
    by_ns = _by_namespace(ctx)
    for m in ctx.of_kind("Service"):
        if walk(m.body, ("spec", "type")) == "ExternalName":
            continue
        selector = walk(m.body, ("spec", "selector"))
        if not isinstance(selector, Mapping) or not selector:
            continue
        hit = [
            w
            for w in by_ns.get(_ns(m, ctx), ())
            if all(w.labels.get(k) == v for k, v in selector.items())
        ]
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
)
