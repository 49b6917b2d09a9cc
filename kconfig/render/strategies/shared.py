"""Checks and builders that more than one strategy family uses: the Deployment every
NGINX-only family rolls like ``rolling`` does, Service names, traffic weights, image tags,
and the Service and Ingress a family routes through."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, TypeGuard

from kconfig.render.strategies.base import Planning, Workload, dotted, shown
from kconfig.render.strategies.locator import PathKey

_DNS1035: Final = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
# Go's time.ParseDuration, which Argo Rollouts uses for pause durations and intervals.
GO_DURATION: Final = re.compile(r"([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+")


def is_int(value: Any) -> TypeGuard[int]:
    """An integer that YAML did not read from ``true`` or ``false``."""
    return isinstance(value, int) and not isinstance(value, bool)


def value_or(block: Mapping[str, Any], key: str, default: Any) -> Any:
    """``block[key]``, or ``default`` when absent or null."""
    value = block.get(key)
    return default if value is None else value


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


# -- Deployments ---------------------------------------------------------------------------
def deployment(
    p: Planning,
    name: str,
    image: str | None,
    labels: Mapping[str, str],
    selector: Mapping[str, str],
    replicas: Any = None,
) -> Workload:
    """A Deployment of the app (``replicas`` None: the app's replica count)."""
    count = p.app.replicas if replicas is None else replicas
    return Workload("Deployment", name, image, labels, selector, count, deployment_strategy(p))


def deployment_strategy(p: Planning) -> dict[str, Any]:
    """The Deployment's ``spec.strategy``: ``Recreate``, or ``RollingUpdate`` with
    ``strategy.rolling``'s parameters (which the NGINX-only families' Deployments use too)."""
    if p.strategy.get("type") == "recreate":
        return {"type": "Recreate"}
    params = surge(p, p.block("rolling"), ("strategy", "rolling"))
    if not params:
        return {"type": "RollingUpdate"}
    return {"type": "RollingUpdate", "rollingUpdate": params}


def surge(p: Planning, block: Mapping[str, Any], path: PathKey) -> dict[str, Any]:
    """``maxSurge`` and ``maxUnavailable`` of ``block`` (rolling update or canary), KC215 when
    both are zero: the controller could then never replace a pod."""
    params = {k: block[k] for k in ("maxSurge", "maxUnavailable") if block.get(k) is not None}
    if len(params) == 2 and all(_is_zero(v) for v in params.values()):
        p.error(
            "KC215",
            f"{dotted(path)}: maxSurge and maxUnavailable are both 0, "
            "so no pod could ever be replaced; let one of them be above 0",
            (*path, "maxUnavailable"),
        )
    return params


def _is_zero(value: Any) -> bool:
    return bool(value == 0 or value in ("0%", "0"))


# -- values --------------------------------------------------------------------------------
def traffic_weight(p: Planning, value: Any, path: PathKey, what: str) -> Any:
    """A percentage of the traffic (KC203 unless an integer within 0..100)."""
    if not is_int(value) or not 0 <= value <= 100:
        p.error(
            "KC203",
            f"{what} must be an integer within 0..100 (a percentage of "
            f"the traffic), not {shown(value)}",
            path,
        )
    return value


def image_tag(p: Planning, value: Any, path: PathKey) -> str | None:
    """An image tag written in strategy values (None when unset); KC217 for a number or
    boolean, which YAML 1.1 read from an unquoted tag such as 1.10 or 1e3."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        p.error(
            "KC217",
            f"{dotted(path)} must be a string, but YAML 1.1 read the "
            f"value as the {type(value).__name__} {shown(value)}; put it in quotes",
            path,
        )
        return str(value)
    return value


def service_name(
    p: Planning, block: Mapping[str, Any], key: str, default: str, path: PathKey
) -> str:
    """The Service name ``block[key]`` gives (KC213 unless a DNS-1035 label), else
    ``default``."""
    name = block.get(key)
    if name is None:
        return default
    if not isinstance(name, str) or len(name) > 63 or not _DNS1035.fullmatch(name):
        p.error(
            "KC213",
            f"{dotted((*path, key))}: {shown(name)} is not a valid "
            "Service name (lower-case letters, digits and '-', starting with a "
            "letter, at most 63 characters)",
            (*path, key),
        )
        return default
    return name


def distinct(
    p: Planning,
    block: Mapping[str, Any],
    path: PathKey,
    first: tuple[str, str],
    second: tuple[str, str],
) -> None:
    """KC205 when the two ``(key, Service name)`` of an Argo Rollouts strategy are equal."""
    if first[1] != second[1]:
        return
    # Point at the name the values wrote (the second one first: it usually renames).
    written = [(*path, key) for key, _ in (second, first) if block.get(key) is not None]
    p.error(
        "KC205",
        f"{dotted(path)}: {first[0]} and {second[0]} are both "
        f"{first[1]!r}; Argo Rollouts needs two different Services",
        written[0] if written else path,
    )


# -- what a family routes through ----------------------------------------------------------
def need_service(p: Planning, kind: str) -> None:
    if not p.app.service_on:
        p.error(
            "KC209",
            f"strategy {kind} routes traffic through the app's Services, "
            "but service.enabled is false",
            ("service", "enabled"),
        )


def need_ingress(p: Planning, why: str, path: PathKey) -> None:
    if not p.app.ingress_on:
        p.error("KC210", f"{why}, but ingress.enabled is false (set ingress.enabled: true)", path)
