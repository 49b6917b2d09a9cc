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

from kconfig._strategy import plan_strategy

if TYPE_CHECKING:
    from kconfig._project import Environment

NAME_LABEL = "app.kubernetes.io/name"


def image_ref(image: Mapping[str, Any]) -> str | None:
    """``repository:tag`` (or ``repository@digest`` when a digest pins it)."""
    repo = image.get("repository")
    if not repo:
        return None
    if image.get("digest"):
        return f"{repo}@{image['digest']}"
    tag = image.get("tag")
    return f"{repo}:{tag}" if tag else str(repo)


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
    app: str, values: Mapping[str, Any], env: dict[str, Any], project: dict[str, Any]
) -> dict[str, Any]:
    """Everything a per-app template may read."""
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
        "plan": plan_strategy(app, values, labels, selector, image),
    }


def env_only_context(env: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
    """Context of the environment-wide templates (Namespace, isolation policy)."""
    labels = {"app.kubernetes.io/part-of": project["name"],
              "app.kubernetes.io/managed-by": "kconfig", **env["labels"]}
    return {"env": env, "project": project, "labels": labels}
