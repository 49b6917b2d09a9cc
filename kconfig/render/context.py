"""The render context: what every template (either backend) is given.

Facts that do not depend on the template language are decided here once, in Python, so the
Jinja2 and Jsonnet built-ins cannot drift apart: the common labels and the selector, the
ingress host, the image reference, and the strategy *plan* (which workloads, Services and
Ingresses exist, with which names, tags and selectors). Templates then only give those
facts their Kubernetes shape.

The context is plain JSON data (it is passed to Jsonnet as a JSON top-level argument).

``null`` deletes a key in the merge, built-in defaults included. Where deleting means "none"
(``annotations``, ``probes``, ``sidecars``, ``networkPolicy``, ``networkPolicy.enabled``), the
context's ``values`` hold the empty value instead (:data:`EMPTY_WHEN_DELETED`), so every
template reads them without a fallback of its own. Values no template can do without (the
image, the ports, the Ingress path: :data:`REQUIRED`) are errors (KC218) at the ``null`` that
deleted them, together with the strategy's problems, never an undefined value deep inside a
built-in template.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from kconfig.errors import Collector, Diagnostic, SourcePos, ValidationError
from kconfig.render.strategies import PathKey, ValuesLocator, image_ref, plan_strategy

if TYPE_CHECKING:
    from kconfig.load.environments import Environment
    from kconfig.values.layers import Values

__all__ = [
    "EMPTY_WHEN_DELETED",
    "NAME_LABEL",
    "REQUIRED",
    "app_context",
    "env_context",
    "env_only_context",
    "image_ref",
    "project_context",
    "required_values",
    "template_values",
]

NAME_LABEL = "app.kubernetes.io/name"

# What the templates read for a value deleted with null (or never set) where "none" is the
# only sensible meaning: no annotations, no probes, no sidecars, no NetworkPolicy.
EMPTY_WHEN_DELETED: Final[Mapping[str, Any]] = {
    "annotations": {},
    "probes": {},
    "sidecars": [],
    "networkPolicy": {"enabled": False},
}


# Values the built-in templates read without a fallback (KC218): (path, what it is, how to
# fix it, when it is needed: "always"; "routed" when the plan has a Service or an Ingress,
# which both read service.port; "ingress" when it has an Ingress).
REQUIRED: Final[tuple[tuple[PathKey, str, str, str], ...]] = (
    (
        ("image", "repository"),
        "the image of the app's container",
        "set image.repository and image.tag",
        "always",
    ),
    (
        ("port",),
        "the port of the app's container, named http",
        "set port to the port the app listens on",
        "always",
    ),
    (
        ("service", "port"),
        "the port of the app's Service, which its Ingress routes to as well",
        "set service.port",
        "routed",
    ),
    (
        ("ingress", "path"),
        "the path of the app's Ingress rule",
        "set ingress.path (e.g. /), or ingress.enabled: false to render no Ingress",
        "ingress",
    ),
)


def template_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` as templates read them: an empty value for each of
    :data:`EMPTY_WHEN_DELETED` that is missing (values that are set are kept as they are)."""
    out = dict(values)
    for key, empty in EMPTY_WHEN_DELETED.items():
        if out.get(key) is None:
            out[key] = copy.deepcopy(empty)
    policy = out["networkPolicy"]
    if isinstance(policy, Mapping) and policy.get("enabled") is None:
        out["networkPolicy"] = {**policy, "enabled": False}
    return out


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
    values = template_values(values)
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
    locator = ValuesLocator(located) if located is not None else None
    errors = Collector()
    plan = None
    try:
        plan = plan_strategy(
            app,
            values,
            labels,
            selector,
            image,
            namespace=env["namespace"],
            host=host,
            locator=locator,
        )
    except ValidationError as err:
        errors.capture(err)  # reported with the missing values, all at once
    errors.extend(required_values(app, values, plan, locator))
    errors.raise_if_errors(ValidationError)
    return {
        "name": app,
        "values": values,
        "env": env,
        "project": project,
        "labels": labels,
        "selector": selector,
        "host": host,
        "image": image,
        "plan": plan,
    }


def required_values(
    app: str,
    values: Mapping[str, Any],
    plan: Mapping[str, Any] | None,
    locator: ValuesLocator | None = None,
) -> list[Diagnostic]:
    """KC218: each of :data:`REQUIRED` the app's plan needs but its values lack, located at
    the ``null`` that deleted it (``plan`` None, a broken strategy: what every plan needs)."""
    needed = {
        "always": True,
        "routed": bool(plan and (plan["services"] or plan["ingresses"])),
        "ingress": bool(plan and plan["ingresses"]),
    }
    return [
        _missing_value(app, path, what, fix, locator)
        for path, what, fix, when in REQUIRED
        if needed[when] and _missing(values, path)
    ]


def _missing(values: Mapping[str, Any], path: PathKey) -> bool:
    """No value at ``path`` (a value of the wrong type is the input schema's to report)."""
    node: Any = values
    for part in path:
        if not isinstance(node, Mapping):
            return False
        node = node.get(part)
        if node is None:
            return True
    return False


def _missing_value(
    app: str, path: PathKey, what: str, fix: str, locator: ValuesLocator | None
) -> Diagnostic:
    dotted = ".".join(map(str, path))
    found = locator.deleted(path) if locator else None
    if found is not None:
        nulled, pos = found
        why = f"but `{'.'.join(map(str, nulled))}: null` deletes it"
    else:
        written = locator.at(path) if locator else None
        if written is None or written.path.startswith("<"):  # "<kconfig defaults>": no file
            written = SourcePos(f"bases/{app}/app.yaml", 1, 1)
        pos, why = written, "but it is not set"
    return Diagnostic(f"{dotted} is required ({what}), {why}; {fix}", pos, "error", "KC218")


def env_only_context(env: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
    """Context of the environment-wide templates (Namespace, isolation policy)."""
    labels = {
        "app.kubernetes.io/part-of": project["name"],
        "app.kubernetes.io/managed-by": "kconfig",
        **env["labels"],
    }
    return {"env": env, "project": project, "labels": labels}
