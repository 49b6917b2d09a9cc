"""The API server's validation of Ingresses, Deployments' rolling updates and
HorizontalPodAutoscalers: what the OpenAPI schemas leave to Go code.

Ported (the rules, not the code) from kubernetes/kubernetes
``pkg/apis/networking/validation/validation.go`` (ValidateIngressSpec, validateIngressRules,
validateHTTPIngressPath, ValidateIngressCreate's class annotation rule),
``pkg/apis/apps/validation/validation.go`` (ValidateRollingUpdateDeployment,
ValidatePositiveIntOrPercent, IsNotMoreThan100Percent) with the int-or-percent reading of
apimachinery ``pkg/util/intstr/intstr.go``, argoproj/argo-rollouts
``pkg/apis/rollouts/validation/validation.go`` (invalidMaxSurgeMaxUnavailable, the same rule
for a Rollout's canary) and ``pkg/apis/autoscaling/validation/validation.go``
(ValidateHorizontalPodAutoscalerSpec).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from kconfig.check.semantic import (
    DNS_SUBDOMAIN,
    Check,
    CheckContext,
    Finding,
    builtin_finding,
    ingress_rules,
    rule_paths,
)
from kconfig.core.manifests import Manifest
from kconfig.core.paths import PathKey, walk

__all__ = ["CHECKS", "host_problem", "int_or_percent"]

CLASS_ANNOTATION = "kubernetes.io/ingress.class"


# -- KC142 Ingress hosts -------------------------------------------------------------------------
def host_problem(host: Any) -> str | None:
    """Why ``host`` cannot be an Ingress rule host (or TLS host), or None."""
    if not isinstance(host, str):
        return f"host {host!r} is not a string"
    try:
        ipaddress.ip_address(host.strip("[]"))
        return f"host {host!r} must be a DNS name, not an IP address"
    except ValueError:
        pass
    if ":" in host:
        return f"host {host!r} must not carry a port (the Ingress controller listens on 80/443)"
    name = host
    if "*" in host:
        if not host.startswith("*.") or "*" in host[2:]:
            return f"host {host!r}: a wildcard is only allowed as the whole first label ('*.')"
        name = host[2:]
    if len(name) > 253 or not DNS_SUBDOMAIN.fullmatch(name):
        lower = " (hosts are lower case)" if name.lower() != name else ""
        return (
            f"host {host!r} is not a DNS-1123 subdomain{lower}: lower-case letters, digits, "
            "'-' and '.', each label starting and ending with a letter or digit"
        )
    if any(len(label) > 63 for label in name.split(".")):
        return f"host {host!r} has a label longer than 63 characters"
    return None


def check_ingress_hosts(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("Ingress"):
        for i, rule in ingress_rules(m):
            host = rule.get("host")
            problem = None if host in (None, "") else host_problem(host)
            if problem:
                yield builtin_finding(m, problem, ("spec", "rules", i, "host"), ("ingress", "host"))
        tls = walk(m.body, ("spec", "tls"))
        for i, entry in enumerate(tls if isinstance(tls, list) else []):
            hosts = entry.get("hosts") if isinstance(entry, Mapping) else None
            for j, host in enumerate(hosts if isinstance(hosts, list) else []):
                problem = host_problem(host)
                if problem:
                    yield builtin_finding(
                        m, problem, ("spec", "tls", i, "hosts", j), ("ingress", "host")
                    )
            secret = entry.get("secretName") if isinstance(entry, Mapping) else None
            if isinstance(secret, str) and not (
                len(secret) <= 253 and DNS_SUBDOMAIN.fullmatch(secret)
            ):
                yield builtin_finding(
                    m,
                    f"tls secretName {secret!r} is not a DNS-1123 subdomain",
                    ("spec", "tls", i, "secretName"),
                    ("ingress", "tls", "secretName"),
                )


# -- KC143 Ingress paths -------------------------------------------------------------------------
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
BAD_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
BAD_SUFFIXES = ("/..", "/.")


def path_problem(path: Any, path_type: Any) -> str | None:
    """Why ``path`` of ``path_type`` is refused (validateHTTPIngressPath), or None."""
    if path_type not in PATH_TYPES:
        return f"pathType {path_type!r} is not one of {', '.join(PATH_TYPES)}"
    if not isinstance(path, str) or path == "":
        return None if path_type == "ImplementationSpecific" else "path is required"
    if not path.startswith("/"):
        return f"path {path!r} must be absolute (start with '/')"
    if path_type == "ImplementationSpecific":
        return None
    for bad in BAD_SEQUENCES:
        if bad in path:
            return f"path {path!r} must not contain {bad!r} (pathType {path_type})"
    for bad in BAD_SUFFIXES:
        if path.endswith(bad):
            return f"path {path!r} must not end with {bad!r} (pathType {path_type})"
    return None


def check_ingress_paths(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("Ingress"):
        rules = list(ingress_rules(m))
        if not rules and walk(m.body, ("spec", "defaultBackend")) is None:
            yield Finding(m, "an Ingress needs rules or a defaultBackend", ("spec",))
        for i, rule in rules:
            for j, entry in rule_paths(rule):
                problem = path_problem(entry.get("path"), entry.get("pathType"))
                if problem is None:
                    continue
                at: PathKey = ("spec", "rules", i, "http", "paths", j)
                key = "path" if problem.startswith("path ") else "pathType"
                yield builtin_finding(m, problem, (*at, key), ("ingress", key))


# -- KC144 Ingress class -------------------------------------------------------------------------
def check_ingress_class(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("Ingress"):
        name = walk(m.body, ("spec", "ingressClassName"))
        if name is not None and not (
            isinstance(name, str) and len(name) <= 253 and DNS_SUBDOMAIN.fullmatch(name)
        ):
            yield builtin_finding(
                m,
                f"ingressClassName {name!r} is not a DNS-1123 subdomain",
                ("spec", "ingressClassName"),
                ("ingress", "className"),
            )
        annotations = walk(m.body, ("metadata", "annotations"))
        if (
            name is not None
            and isinstance(annotations, Mapping)
            and CLASS_ANNOTATION in annotations
        ):
            yield builtin_finding(
                m,
                f"annotation {CLASS_ANNOTATION} cannot be set together with "
                f"spec.ingressClassName ({name!r}); keep one (ingress.className: null drops "
                "the field)",
                ("metadata", "annotations", CLASS_ANNOTATION),
                ("ingress", "annotations", CLASS_ANNOTATION),
                ("annotations", CLASS_ANNOTATION),
            )


# -- KC141 maxSurge / maxUnavailable -------------------------------------------------------------
PERCENT = re.compile(r"[0-9]+%")


def int_or_percent(value: Any) -> tuple[int, bool] | None:
    """(number, is a percent) of an int-or-string (intstr), or None when it is neither a
    non-negative integer nor a percent such as "25%" ("00%" reads as 0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, False) if value >= 0 else None
    if isinstance(value, str) and PERCENT.fullmatch(value):
        return int(value[:-1]), True
    return None


def _rolling_updates(ctx: CheckContext) -> Iterator[tuple[Manifest, PathKey, PathKey, bool]]:
    """(manifest, path of the rolling parameters, their values path, is a Deployment)."""
    for m in ctx.of_kind("Deployment"):
        if walk(m.body, ("spec", "strategy", "type")) in (None, "RollingUpdate"):
            yield m, ("spec", "strategy", "rollingUpdate"), ("strategy", "rolling"), True
    for m in ctx.of_kind("Rollout"):
        if isinstance(walk(m.body, ("spec", "strategy", "canary")), Mapping):
            yield m, ("spec", "strategy", "canary"), ("strategy", "canary"), False


def check_rolling_update(ctx: CheckContext) -> Iterator[Finding]:
    for m, path, values, deployment in _rolling_updates(ctx):
        params = walk(m.body, path)
        params = params if isinstance(params, Mapping) else {}
        read: dict[str, int] = {}
        for key in ("maxSurge", "maxUnavailable"):
            raw = params.get(key)
            if raw is None:
                read[key] = 25  # both default to 25% (Deployment and Rollout)
                continue
            parsed = int_or_percent(raw)
            if parsed is None:
                yield builtin_finding(
                    m,
                    f"{key} {raw!r} is not a non-negative integer or a percent such as '25%'",
                    (*path, key),
                    (*values, key),
                )
                continue
            number, percent = parsed
            read[key] = number
            if deployment and key == "maxUnavailable" and percent and number > 100:
                yield builtin_finding(
                    m, f"maxUnavailable {raw!r} is more than 100%", (*path, key), (*values, key)
                )
        if read.get("maxSurge") == 0 and read.get("maxUnavailable") == 0:
            yield builtin_finding(
                m,
                f"maxSurge {params.get('maxSurge')!r} and maxUnavailable "
                f"{params.get('maxUnavailable')!r} are both zero: no pod could ever be replaced",
                (*path, "maxUnavailable"),
                (*values, "maxUnavailable"),
                (*values, "maxSurge"),
            )


# -- KC145 HorizontalPodAutoscaler replicas ------------------------------------------------------
def check_hpa_bounds(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("HorizontalPodAutoscaler"):
        low = walk(m.body, ("spec", "minReplicas"))
        high = walk(m.body, ("spec", "maxReplicas"))
        if isinstance(low, int) and low < 1:
            yield builtin_finding(
                m,
                f"minReplicas {low} must be at least 1",
                ("spec", "minReplicas"),
                ("hpa", "minReplicas"),
            )
        if isinstance(high, int) and high < 1:
            yield builtin_finding(
                m,
                f"maxReplicas {high} must be at least 1",
                ("spec", "maxReplicas"),
                ("hpa", "maxReplicas"),
            )
        # minReplicas > maxReplicas is KC180 (kconfig.check.platform), with the HPA values.


CHECKS: tuple[Check, ...] = (
    Check(
        "KC141",
        "error",
        "maxSurge/maxUnavailable are integers or percents, maxUnavailable <= 100%, not "
        "both zero ('0%' and '00%' included)",
        check_rolling_update,
        scope="app",
    ),
    Check(
        "KC142",
        "error",
        "Ingress hosts are lower-case DNS-1123 subdomains: no IP, no port, a wildcard only "
        "as the first label",
        check_ingress_hosts,
        scope="app",
    ),
    Check(
        "KC143",
        "error",
        "Ingress paths are absolute; Exact/Prefix paths have no '//', '/./', '/../' or "
        "trailing '/.' or '/..'",
        check_ingress_paths,
        scope="app",
    ),
    Check(
        "KC144",
        "error",
        "ingressClassName is a DNS-1123 subdomain, and not set together with the "
        "kubernetes.io/ingress.class annotation",
        check_ingress_class,
        scope="app",
    ),
    Check(
        "KC145",
        "error",
        "a HorizontalPodAutoscaler's minReplicas and maxReplicas are at least 1",
        check_hpa_bounds,
        scope="app",
    ),
)
