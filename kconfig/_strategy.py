"""Strategy plans: which workloads, Services and Ingresses an app's ``strategy:`` needs.

A plan is plain data decided once in Python and read by the templates of both backends:

``workloads``  [{kind: Deployment|Rollout, name, image, labels, selector, replicas,
               strategy}] (pod labels and selector per workload)
``services``   [{name, selector}]
``ingresses``  [{name, service, annotations}] (``service`` is the backend Service)
``analysisTemplates`` [...] (progressive delivery)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _rolling(values: Mapping[str, Any]) -> dict[str, Any]:
    strategy = values.get("strategy") or {}
    if strategy.get("type") == "recreate":
        return {"type": "Recreate"}
    rolling = strategy.get("rolling") or {}
    params = {k: rolling[k] for k in ("maxSurge", "maxUnavailable") if rolling.get(k) is not None}
    return {"type": "RollingUpdate", "rollingUpdate": params} if params else {
        "type": "RollingUpdate"
    }


def plan_strategy(
    app: str,
    values: Mapping[str, Any],
    labels: Mapping[str, str],
    selector: Mapping[str, str],
    image: str | None,
) -> dict[str, Any]:
    """The objects the app's strategy renders (rolling and recreate: one Deployment)."""
    workload = {
        "kind": "Deployment",
        "name": app,
        "image": image,
        "labels": dict(labels),
        "selector": dict(selector),
        "replicas": values.get("replicas"),
        "strategy": _rolling(values),
    }
    service_on = (values.get("service") or {}).get("enabled", True)
    ingress_on = (values.get("ingress") or {}).get("enabled", False)
    return {
        "workloads": [workload],
        "services": [{"name": app, "selector": dict(selector)}] if service_on else [],
        "ingresses": [{"name": app, "service": app, "annotations": {}}] if ingress_on else [],
        "analysisTemplates": [],
    }
