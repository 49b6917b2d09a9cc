"""The render context: what every template (either backend) is given.

Facts that do not depend on the template language are decided here once, in Python, so the
Jinja2 and Jsonnet built-ins cannot drift apart: the common labels and the selector, the
ingress host, the image reference, and the strategy *plan* (which workloads, Services and
Ingresses exist, with which names, tags and selectors). Templates then only give those
facts their Kubernetes shape.

The context is plain JSON data (it is passed to Jsonnet as a JSON top-level argument).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kconfig._strategy import ValuesLocator, image_ref, plan_strategy

if TYPE_CHECKING:
    from kconfig._project import Environment
    from kconfig._values import Values

__all__ = [
    "NAME_LABEL",
    "app_context",
    "env_context",
    "env_only_context",
    "image_ref",
    "project_context",
]

NAME_LABEL = "app.kubernetes.io/name"


def env_context(env: Environment) -> dict[str, Any]:
    """The environment part of every context (``env`` in templates)."""
    return {
        "name": env.name,
        "namespace": env.namespace,
        "domain": env.domain,
        "labels": dict(env.labels),
        "annotations": dict(env.annotations),
        "isolation": env.isolation,
        "allowNamespaces": list(env.allow_namespaces),
    }


def project_context(project: str, k8s_version: str) -> dict[str, Any]:
    return {"name": project, "kubernetesVersion": k8s_version}


def app_context(
    app: str,
    values: Mapping[str, Any],
    env: dict[str, Any],
    project: dict[str, Any],
    *,
    located: Values | None = None,
) -> dict[str, Any]:
    """Everything a per-app template may read. ``located``: the merged values ``values``
    came from, so that a strategy problem is reported at the file:line that wrote it."""
    labels = {
        NAME_LABEL: app,
        "app.kubernetes.io/part-of": project["name"],
        "app.kubernetes.io/managed-by": "kconfig",
        **env["labels"],
        **(values.get("labels") or {}),
    }
    selector = {NAME_LABEL: app}
    ingress = values.get("ingress") or {}
    host = ingress.get("host")
    if not host and env.get("domain"):
        host = f"{app}.{env['domain']}"
    image = image_ref(values.get("image") or {})
    return {
        "name": app,
        "values": dict(values),
        "env": env,
        "project": project,
        "labels": labels,
        "selector": selector,
        "host": host,
        "image": image,
        "plan": plan_strategy(
            app,
            values,
            labels,
            selector,
            image,
            namespace=env["namespace"],
            locator=ValuesLocator(located) if located is not None else None,
        ),
    }


def env_only_context(env: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
    """Context of the environment-wide templates (Namespace, isolation policy)."""
    labels = {
        "app.kubernetes.io/part-of": project["name"],
        "app.kubernetes.io/managed-by": "kconfig",
        **env["labels"],
    }
    return {"env": env, "project": project, "labels": labels}
