"""Semantic checks of the platform objects beside the workloads: HorizontalPodAutoscalers and
PodDisruptionBudgets (KC180-184), over every rendered one, built-in or from a custom
template. Their values-level twins (an ``hpa:`` without a maximum, a secret item without
data) are the render's, listed in :data:`kconfig.render.platform.CHECKS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

from kconfig.check.semantic import Check, CheckContext, Finding
from kconfig.core.manifests import BUILTIN_PREFIX, Manifest
from kconfig.core.paths import PathKey, walk

__all__ = ["CHECKS"]

_HPA = "HorizontalPodAutoscaler"
_PDB = "PodDisruptionBudget"
_BUDGETS = ("minAvailable", "maxUnavailable")


def is_int(value: Any) -> TypeGuard[int]:
    """An integer that YAML did not read from ``true`` or ``false``."""
    return isinstance(value, int) and not isinstance(value, bool)


def _values(m: Manifest, *paths: PathKey) -> tuple[PathKey, ...]:
    """The value paths that wrote ``m``: the app's ``hpa:``/``pdb:`` values for a built-in
    object; none for a custom template's (then the template is the place to fix)."""
    return paths if m.origin.path.startswith(BUILTIN_PREFIX) else ()


def _selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


# -- KC180 minReplicas <= maxReplicas ----------------------------------------------------------
# Ports the API server's rule (kubernetes/kubernetes pkg/apis/autoscaling/validation/
# validation.go, validateHorizontalPodAutoscalerSpec: "must be greater than or equal to
# `minReplicas`"), which would refuse the object only at sync time.
def check_hpa_bounds(ctx: CheckContext) -> Iterator[Finding]:
    for hpa in ctx.of_kind(_HPA):
        low = walk(hpa.body, ("spec", "minReplicas"))
        high = walk(hpa.body, ("spec", "maxReplicas"))
        if is_int(low) and is_int(high) and low > high:
            yield Finding(
                hpa,
                f"minReplicas {low} is above maxReplicas {high}: the API server refuses "
                "the autoscaler; raise maxReplicas or lower minReplicas",
                ("spec", "minReplicas"),
                _values(hpa, ("hpa", "minReplicas"), ("hpa", "maxReplicas")),
            )


# -- KC182 one autoscaler per pod --------------------------------------------------------------
# Ports the HPA controller's refusal (kubernetes/kubernetes pkg/controller/podautoscaler/
# horizontal.go, validateAndParseSelector: "pods by selector ... are controlled by multiple
# HPAs", reason AmbiguousSelector): when two autoscalers' targets select one pod, neither
# scales. Two HPAs of one workload are the plain case.
def _targets(
    ctx: CheckContext,
) -> Iterator[tuple[Manifest, Mapping[str, Any]]]:
    """(HPA, the pod selector of the workload it scales) for every HPA whose target is
    rendered here."""
    by_key = {
        (ctx.namespace_of(w.manifest), w.manifest.kind, w.manifest.name): w for w in ctx.workloads
    }
    for hpa in ctx.of_kind(_HPA):
        ref = walk(hpa.body, ("spec", "scaleTargetRef"))
        if not isinstance(ref, Mapping):
            continue
        target = by_key.get((ctx.namespace_of(hpa), str(ref.get("kind")), str(ref.get("name"))))
        selector = (
            walk(target.manifest.body, ("spec", "selector", "matchLabels")) if target else None
        )
        if isinstance(selector, Mapping) and selector:
            yield hpa, selector


def check_hpa_ambiguity(ctx: CheckContext) -> Iterator[Finding]:
    targets = list(_targets(ctx))
    for w in ctx.workloads:
        ns = ctx.namespace_of(w.manifest)
        scaling = [
            hpa
            for hpa, selector in targets
            if ctx.namespace_of(hpa) == ns and _selects(selector, w.labels)
        ]
        for hpa in scaling[1:]:
            yield Finding(
                hpa,
                f"{hpa.title} and {scaling[0].title} both scale the pods of "
                f"{w.manifest.title}: the HPA controller then scales neither "
                "(AmbiguousSelector); let one autoscaler scale each workload",
                ("spec", "scaleTargetRef"),
                _values(hpa, ("hpa",)),
            )


# -- KC183 exactly one budget ------------------------------------------------------------------
# Ports kubernetes/kubernetes pkg/apis/policy/validation/validation.go,
# ValidatePodDisruptionBudgetSpec ("minAvailable and maxUnavailable cannot be both set"); a
# budget with neither protects nothing, which is never what writing a PDB meant.
def check_pdb_budget(ctx: CheckContext) -> Iterator[Finding]:
    for pdb in ctx.of_kind(_PDB):
        spec = pdb.body.get("spec")
        given = [k for k in _BUDGETS if isinstance(spec, Mapping) and spec.get(k) is not None]
        if len(given) == 1:
            continue
        if given:
            message = (
                "sets both minAvailable and maxUnavailable; Kubernetes takes exactly one: "
                "delete one of them (null deletes)"
            )
            where: tuple[tuple[str, ...], ...] = (("pdb", "maxUnavailable"), ("pdb",))
        else:
            message = "sets neither minAvailable nor maxUnavailable: set one of them"
            where = (("pdb",),)
        yield Finding(
            pdb, message, ("spec", given[-1] if given else "selector"), _values(pdb, *where)
        )


# -- KC184 a budget that blocks every drain ----------------------------------------------------
# A PDB that allows no eviction makes `kubectl drain` (and every cluster upgrade) wait
# forever: the Eviction API (kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go)
# refuses while status.disruptionsAllowed is 0.
def _pods_of(ctx: CheckContext, pdb: Manifest, selector: Mapping[str, Any]) -> int | None:
    """The fewest pods the PDB's selector covers: each selected workload's replicas (its
    HPA's minReplicas when one scales it; 1 when unset), None when it selects none."""
    floors = {
        (
            str(walk(h.body, ("spec", "scaleTargetRef", "kind"))),
            str(walk(h.body, ("spec", "scaleTargetRef", "name"))),
        ): walk(h.body, ("spec", "minReplicas"))
        for h in ctx.of_kind(_HPA)
        if ctx.namespace_of(h) == ctx.namespace_of(pdb)
    }
    total, found = 0, False
    for w in ctx.workloads:
        if ctx.namespace_of(w.manifest) != ctx.namespace_of(pdb):
            continue
        if not _selects(selector, w.labels):
            continue
        key = (w.manifest.kind, w.manifest.name)
        count = floors[key] if key in floors else walk(w.manifest.body, ("spec", "replicas"))
        total += count if is_int(count) else 1
        found = True
    return total if found else None


def _blocking(budget: str, value: Any, pods: int) -> str | None:
    """Why ``budget: value`` over ``pods`` pods allows no eviction, else None. Percentages
    round up, as the disruption controller rounds them (GetScaledValueFromIntOrPercent)."""
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        count = math.ceil(int(value[:-1]) * pods / 100)
    elif is_int(value):
        count = value
    else:
        return None  # the schema reports it
    if budget == "maxUnavailable":
        return f"maxUnavailable {value} allows no eviction" if count == 0 else None
    if count >= pods:
        return f"minAvailable {value} is not below the {pods} pod(s) it covers"
    return None


def check_pdb_drain(ctx: CheckContext) -> Iterator[Finding]:
    for pdb in ctx.of_kind(_PDB):
        spec = pdb.body.get("spec")
        selector = walk(spec, ("selector", "matchLabels"))
        if not isinstance(spec, Mapping) or not isinstance(selector, Mapping):
            continue
        pods = _pods_of(ctx, pdb, selector)
        for budget in _BUDGETS:
            value = spec.get(budget)
            why = _blocking(budget, value, pods) if value is not None and pods else None
            if why:
                yield Finding(
                    pdb,
                    f"{why}: every node drain (and cluster upgrade) waits on it forever; "
                    "allow at least one pod to be evicted",
                    ("spec", budget),
                    _values(pdb, ("pdb", budget)),
                )


CHECKS: tuple[Check, ...] = (
    Check(
        "KC180",
        "error",
        "a HorizontalPodAutoscaler's minReplicas is not above its maxReplicas",
        check_hpa_bounds,
        scope="app",
    ),
    Check(
        "KC182",
        "error",
        "at most one HorizontalPodAutoscaler scales any pod (no AmbiguousSelector)",
        check_hpa_ambiguity,
    ),
    Check(
        "KC183",
        "error",
        "a PodDisruptionBudget sets exactly one of minAvailable and maxUnavailable",
        check_pdb_budget,
        scope="app",
    ),
    Check(
        "KC184",
        "warning",
        "a PodDisruptionBudget leaves at least one pod evictable (minAvailable below the "
        "replicas or the HPA's minReplicas; maxUnavailable above 0), or node drains block",
        check_pdb_drain,
    ),
)
