"""Semantic checks: what no JSON Schema catches, over one environment's rendered manifests.

Each check has a stable id (``KC1nn``), a severity, a one-line explanation (``kconfig
validate --list-checks``) and can be silenced per environment in env.yaml::

    checks:
      disable: [KC106]

A check is a plain function ``(CheckContext) -> Iterable[Finding]``, listed in the explicit
:data:`CHECKS` table (no registration at import). A :class:`Finding` names the manifest, the
field inside it and, when the field comes from the app's values, the value paths that set it
(most specific first); ``kconfig.check.validate`` turns those into a file:line in the user's
files (the overlay line that set ``image.tag``, the patch that wrote a field) and falls back
to the template that rendered the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NamedTuple

from kconfig.core.manifests import BUILTIN_PREFIX, CLUSTER_SCOPED, Manifest
from kconfig.core.paths import PathKey, walk
from kconfig.errors import Severity

# Kinds whose pods come from a template at spec.template (CronJob is handled apart).
TEMPLATE_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Rollout",
        "Job",
        "ReplicationController",
    }
)
MAIN_CONTAINER = "app"  # the built-in templates' name for the app's own container


class Finding(NamedTuple):
    """One problem a check found in one manifest."""

    manifest: Manifest
    message: str
    field: PathKey = ()  # where in the manifest
    values: tuple[PathKey, ...] = ()  # value paths of the manifest's app that set it
    anchor_base: bool = False  # when nothing else locates it: the app's base file


class Workload(NamedTuple):
    """A manifest that runs pods, with its pod template found once for every check."""

    manifest: Manifest
    path: PathKey  # of the pod template in the manifest
    labels: Mapping[str, Any]  # the pod template's labels
    containers: tuple[tuple[PathKey, Mapping[str, Any]], ...]  # (path, container)


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may look at: one environment's manifests and a few facts about it.

    The manifests are indexed once (by kind; workloads with their pod templates), so each
    check touches only the objects it is about: thousands of manifests stay cheap.
    """

    env: str
    namespace: str
    manifests: Sequence[Manifest]
    last_env: bool  # the last environment of the promotion chain
    allow_secrets: bool
    # The project's kubernetesVersion ("1.30"): rules that changed between versions follow it.
    kubernetes_version: str = "1.30"
    by_kind: Mapping[str, Sequence[Manifest]] = field(init=False)
    workloads: Sequence[Workload] = field(init=False)

    def __post_init__(self) -> None:
        by_kind: dict[str, list[Manifest]] = {}
        workloads = []
        for m in self.manifests:
            kind = m.kind
            by_kind.setdefault(kind, []).append(m)
            if kind in TEMPLATE_KINDS or kind in ("CronJob", "Pod"):
                found = workload(m)
                if found is not None:
                    workloads.append(found)
        object.__setattr__(self, "by_kind", by_kind)  # frozen: set once, here
        object.__setattr__(self, "workloads", tuple(workloads))

    def of_kind(self, *kinds: str) -> Iterator[Manifest]:
        for kind in kinds:
            yield from self.by_kind.get(kind, ())

    def namespace_of(self, manifest: Manifest) -> str:
        """The namespace ``manifest`` lands in (its own, else the environment's)."""
        return manifest.namespace or self.namespace


# What a check's findings depend on. ``app``: a finding about a manifest depends on that
# manifest alone (and the environment's facts in :class:`CheckContext`), so the findings of
# an app whose inputs did not change are those of the last run and the build cache keeps
# them (:mod:`kconfig.run.cache`); ``env``: on other manifests of the environment too (other
# apps' objects: duplicates, selectors, routing), so it runs over every manifest, every run.
# A check declares ``app`` only when it reads nothing but the one manifest it reports on.
CheckScope = Literal["app", "env"]


class Check(NamedTuple):
    """A semantic check: stable id, severity, one-line explanation, the function, and what
    its findings depend on (:data:`CheckScope`; ``env``, the safe default)."""

    id: str
    severity: Severity
    summary: str
    run: Callable[[CheckContext], Iterable[Finding]]
    scope: CheckScope = "env"


# -- pod helpers -----------------------------------------------------------------------------
def pod_template(manifest: Manifest) -> tuple[PathKey, Mapping[str, Any]] | None:
    """(path, pod template) of a workload manifest, or None."""
    body = manifest.body
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        return None
    if manifest.kind in TEMPLATE_KINDS:
        template = spec.get("template")
        path: PathKey = ("spec", "template")
    elif manifest.kind == "CronJob":
        template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
        path = ("spec", "jobTemplate", "spec", "template")
    elif manifest.kind == "Pod":
        return (), body
    else:
        return None
    return (path, template) if isinstance(template, Mapping) else None


def workload(manifest: Manifest) -> Workload | None:
    """The manifest as a :class:`Workload`, when it has a pod template."""
    found = pod_template(manifest)
    if found is None:
        return None
    path, template = found
    meta = template.get("metadata")
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    spec = template.get("spec")
    items: list[tuple[PathKey, Mapping[str, Any]]] = []
    for key in ("initContainers", "containers"):
        listed = spec.get(key) if isinstance(spec, Mapping) else None
        for i, item in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(item, Mapping):
                items.append(((*path, "spec", key, i), item))
    labels = labels if isinstance(labels, Mapping) else {}
    return Workload(manifest, path, labels, tuple(items))


def containers(ctx: CheckContext) -> Iterator[tuple[Manifest, PathKey, Mapping[str, Any]]]:
    """(manifest, path, container) for every container and init container of every pod."""
    for w in ctx.workloads:
        for path, container in w.containers:
            yield w.manifest, path, container


def container_values(manifest: Manifest, container: Mapping[str, Any]) -> PathKey | None:
    """The value path prefix that configures ``container``: () for the app's own, a sidecar's
    ``("sidecars", name)`` (resolved to an index by the locator), None for others."""
    if not manifest.app:
        return None
    name = container.get("name")
    if name == MAIN_CONTAINER:
        return ()
    return ("sidecars", str(name)) if isinstance(name, str) else None


def builtin_finding(m: Manifest, message: str, field: PathKey, *values: PathKey) -> Finding:
    """A finding located at the app's ``values`` only when a built-in template rendered
    ``m`` (a custom template or a component may read other values, or order lists its own
    way): else at the patch that wrote the field, or the template."""
    builtin = bool(m.app) and m.origin.path.startswith(BUILTIN_PREFIX)
    return Finding(m, message, field, values if builtin else ())


def ingress_rules(m: Manifest) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(index, rule) of an Ingress's spec.rules."""
    rules = walk(m.body, ("spec", "rules"))
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(rule, Mapping):
            yield i, rule


def rule_paths(rule: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(index, entry) of an Ingress rule's http.paths."""
    paths = walk(rule, ("http", "paths"))
    for j, entry in enumerate(paths if isinstance(paths, list) else []):
        if isinstance(entry, Mapping):
            yield j, entry


# -- KC101 selector labels ---------------------------------------------------------------------
def check_selector(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        m, labels = w.manifest, w.labels
        selector = walk(m.body, ("spec", "selector", "matchLabels"))
        if not isinstance(selector, Mapping):
            continue
        for key, value in selector.items():
            if labels.get(key) == value:
                continue
            has = f"has {key}={labels[key]}" if key in labels else f"has no label {key}"
            field: PathKey = ("spec", "template", "metadata", "labels", key)
            yield Finding(
                m,
                f"selector {key}={value} does not match the pod template, which {has}: "
                "the workload would never find its pods",
                field if key in labels else ("spec", "selector", "matchLabels", key),
                (("labels", key),) if key in labels else (),
            )


# -- KC102 Service selector --------------------------------------------------------------------
def selected_workloads(
    ctx: CheckContext, workloads: Iterable[Workload]
) -> Iterator[tuple[Manifest, Mapping[str, Any], list[Workload]]]:
    """Each Service that selects pods (a selector, not ExternalName), its selector, and those
    of ``workloads`` whose pod labels it matches. Pods are indexed by one label, so each
    Service looks at a few workloads, not all of them."""
    index: dict[tuple[str, str, Any], list[Workload]] = {}
    for w in workloads:
        ns = ctx.namespace_of(w.manifest)
        for key, value in w.labels.items():
            if isinstance(value, str):
                index.setdefault((ns, key, value), []).append(w)
    for m in ctx.of_kind("Service"):
        if walk(m.body, ("spec", "type")) == "ExternalName":
            continue
        selector = walk(m.body, ("spec", "selector"))
        if not isinstance(selector, Mapping) or not selector:
            continue
        key, value = next(iter(selector.items()))
        candidates = (
            index.get((ctx.namespace_of(m), key, value), []) if isinstance(value, str) else []
        )
        yield m, selector, [w for w in candidates if _subset(selector, w.labels)]


def check_service_selector(ctx: CheckContext) -> Iterator[Finding]:
    for m, selector, hit in selected_workloads(ctx, ctx.workloads):
        if hit:
            continue
        shown = ", ".join(f"{k}={v}" for k, v in selector.items())
        yield Finding(
            m,
            f"selector {shown} matches the pods of no rendered workload: the "
            "Service would have no endpoints",
            ("spec", "selector"),
        )


def _subset(small: Mapping[str, Any], big: Mapping[str, Any]) -> bool:
    return all(big.get(k) == v for k, v in small.items())


# -- KC103 Ingress backends --------------------------------------------------------------------
def _ingress_backends(m: Manifest) -> Iterator[tuple[PathKey, Mapping[str, Any]]]:
    default = walk(m.body, ("spec", "defaultBackend", "service"))
    if isinstance(default, Mapping):
        yield ("spec", "defaultBackend", "service"), default
    rules = walk(m.body, ("spec", "rules"))
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        paths = walk(rule, ("http", "paths"))
        for j, entry in enumerate(paths if isinstance(paths, list) else []):
            service = walk(entry, ("backend", "service"))
            if isinstance(service, Mapping):
                yield ("spec", "rules", i, "http", "paths", j, "backend", "service"), service


def check_ingress_backends(ctx: CheckContext) -> Iterator[Finding]:
    services = {(ctx.namespace_of(m), m.name): m for m in ctx.of_kind("Service")}
    for m in ctx.of_kind("Ingress"):
        for path, backend in _ingress_backends(m):
            name = backend.get("name")
            service = services.get((ctx.namespace_of(m), str(name)))
            if service is None:
                have = ", ".join(sorted(n for _, n in services)) or "none"
                yield Finding(
                    m,
                    f"backend Service {name!r} is not rendered in this "
                    f"environment (Services: {have})",
                    (*path, "name"),
                )
                continue
            problem = _port_problem(backend.get("port"), service)
            if problem:
                yield Finding(m, problem, (*path, "port"))


def _port_problem(port: Any, service: Manifest) -> str | None:
    if not isinstance(port, Mapping):
        return None
    ports = walk(service.body, ("spec", "ports"))
    ports = ports if isinstance(ports, list) else []
    numbers = [p.get("port") for p in ports if isinstance(p, Mapping)]
    names = [p.get("name") for p in ports if isinstance(p, Mapping) and p.get("name")]
    if "number" in port and port["number"] not in numbers:
        return (
            f"backend port {port['number']} is not a port of {service.title} "
            f"(ports: {', '.join(str(n) for n in numbers) or 'none'})"
        )
    if "name" in port and port["name"] not in names:
        return (
            f"backend port name {port['name']!r} is not a port of {service.title} "
            f"(named ports: {', '.join(str(n) for n in names) or 'none'})"
        )
    return None


# -- KC104 duplicates --------------------------------------------------------------------------
def check_duplicates(ctx: CheckContext) -> Iterator[Finding]:
    seen: dict[tuple[str, str, str, str], Manifest] = {}
    for m in ctx.manifests:
        group = m.api_version.rpartition("/")[0]
        key = (group, m.kind, ctx.namespace_of(m) if m.kind not in CLUSTER_SCOPED else "", m.name)
        first = seen.get(key)
        if first is None:
            seen[key] = m
            continue
        where = f"app {first.app}" if first.app else "the environment"
        yield Finding(
            m,
            f"{m.title} is rendered twice: also by {first.origin.path} for "
            f"{where}; one would overwrite the other",
            ("metadata", "name"),
        )


# -- KC105 namespace ---------------------------------------------------------------------------
def check_namespace(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.manifests:
        if m.kind in CLUSTER_SCOPED or m.namespace in (None, ctx.namespace):
            continue
        yield Finding(
            m,
            f"namespace {m.namespace!r} is outside the environment's namespace {ctx.namespace!r}",
            ("metadata", "namespace"),
        )


# -- KC106 resource requests -------------------------------------------------------------------
def check_requests(ctx: CheckContext) -> Iterator[Finding]:
    for m, path, container in containers(ctx):
        if walk(container, ("resources", "requests")):
            continue
        prefix = container_values(m, container)
        yield Finding(
            m,
            f"container {container.get('name')!r} has no resource requests: the "
            "scheduler cannot place it sensibly (set resources.requests.cpu and memory)",
            (*path, "resources"),
            () if prefix is None else ((*prefix, "resources"),),
            anchor_base=prefix is not None,
        )


# -- KC107 image tags in the last environment --------------------------------------------------
def image_tag(image: str) -> str | None:
    """The tag of an image reference (None when it has none; digests count as pinned)."""
    if "@" in image:
        return "@digest"
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else None


def _tag_values(m: Manifest, prefix: PathKey) -> tuple[PathKey, ...]:
    if prefix:
        return ((*prefix, "image"),)
    strategy: list[PathKey] = []
    if m.name.endswith("-canary"):
        strategy.append(("strategy", "ingressCanary", "tag"))
    for colour in ("blue", "green"):
        if m.name.endswith(f"-{colour}"):
            strategy.append(("strategy", "ingressBlueGreen", colour, "tag"))
    return (*strategy, ("image", "tag"), ("image", "repository"))


def check_image_tags(ctx: CheckContext) -> Iterator[Finding]:
    if not ctx.last_env:
        return
    for m, path, container in containers(ctx):
        image = container.get("image")
        if not isinstance(image, str):
            continue
        tag = image_tag(image)
        if tag not in (None, "latest"):
            continue
        what = "the `latest` tag" if tag else "no tag (so `latest`)"
        prefix = container_values(m, container)
        yield Finding(
            m,
            f"container {container.get('name')!r} runs {image} with {what} in "
            f"{ctx.env}, the last environment of the promotion chain: pin a version",
            (*path, "image"),
            () if prefix is None else _tag_values(m, prefix),
        )


# -- KC116 images -----------------------------------------------------------------------------
def check_images_present(ctx: CheckContext) -> Iterator[Finding]:
    """A container without an image passes the OpenAPI schema (``image`` is optional there,
    for controllers that fill it in) but the API server refuses the pod: say so here. This
    is how a ``sidecars[x].image: null`` or a custom template's missing image shows."""
    for m, path, container in containers(ctx):
        image = container.get("image")
        if isinstance(image, str) and image.strip():
            continue
        prefix = container_values(m, container)
        where: tuple[PathKey, ...] = ()
        if prefix is not None:
            # The image value if it exists; else where the container was declared (a null
            # deleted the image, or it was never written).
            where = ((*prefix, "image"), (*prefix, "name")) if prefix else (("image",),)
        yield Finding(
            m,
            f"container {container.get('name')!r} has no image; the API server refuses a pod "
            "whose containers do not all name one",
            (*path, "image"),
            where,
            anchor_base=prefix is not None,
        )


# -- KC108 Secrets -----------------------------------------------------------------------------
def check_secrets(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.allow_secrets:
        return
    for m in ctx.of_kind("Secret"):
        for key in ("data", "stringData"):
            if m.body.get(key):
                yield Finding(
                    m,
                    f"literal {key}: secrets do not belong in Git; use an "
                    "ExternalSecret (external-secrets.io) or a SealedSecret (Bitnami "
                    "sealed-secrets) instead, or set `allowSecrets: true` in env.yaml",
                    (key,),
                    (("secrets",),),
                )


# -- KC109 replicas and HPA --------------------------------------------------------------------
def check_hpa_replicas(ctx: CheckContext) -> Iterator[Finding]:
    by_key = {
        (ctx.namespace_of(w.manifest), w.manifest.kind, w.manifest.name): w.manifest
        for w in ctx.workloads
    }
    for hpa in ctx.of_kind("HorizontalPodAutoscaler"):
        ref = walk(hpa.body, ("spec", "scaleTargetRef"))
        if not isinstance(ref, Mapping):
            continue
        target = by_key.get((ctx.namespace_of(hpa), str(ref.get("kind")), str(ref.get("name"))))
        if target is None or walk(target.body, ("spec", "replicas")) is None:
            continue
        yield Finding(
            target,
            f"set while {hpa.title} scales this workload: every "
            "sync resets the replica count; leave replicas unset (replicas: null)",
            ("spec", "replicas"),
            (("replicas",),),
        )


# -- KC110 analysis templates ------------------------------------------------------------------
def _analysis_refs(m: Manifest) -> Iterator[tuple[PathKey, Mapping[str, Any]]]:
    strategy = walk(m.body, ("spec", "strategy"))
    base: PathKey = ("spec", "strategy")
    places: list[tuple[PathKey, Any]] = [
        ((*base, "canary", "analysis"), walk(strategy, ("canary", "analysis"))),
        (
            (*base, "blueGreen", "prePromotionAnalysis"),
            walk(strategy, ("blueGreen", "prePromotionAnalysis")),
        ),
        (
            (*base, "blueGreen", "postPromotionAnalysis"),
            walk(strategy, ("blueGreen", "postPromotionAnalysis")),
        ),
    ]
    steps = walk(strategy, ("canary", "steps"))
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        places.append(((*base, "canary", "steps", i, "analysis"), walk(step, ("analysis",))))
    for path, analysis in places:
        templates = walk(analysis, ("templates",))
        for j, ref in enumerate(templates if isinstance(templates, list) else []):
            if isinstance(ref, Mapping) and not ref.get("clusterScope"):
                yield (*path, "templates", j, "templateName"), ref


def check_analysis_templates(ctx: CheckContext) -> Iterator[Finding]:
    rendered = {(ctx.namespace_of(m), m.name) for m in ctx.of_kind("AnalysisTemplate")}
    for m in ctx.of_kind("Rollout"):
        for path, ref in _analysis_refs(m):
            name = ref.get("templateName")
            if (ctx.namespace_of(m), str(name)) not in rendered:
                yield Finding(
                    m,
                    f"analysis refers to AnalysisTemplate {name!r}, which is not "
                    "rendered in this environment",
                    path,
                    (("strategy", "type"),),
                )


# -- KC111 secret-looking env values -----------------------------------------------------------
SECRET_NAME = re.compile(
    r"pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential", re.IGNORECASE
)


def check_env_secrets(ctx: CheckContext) -> Iterator[Finding]:
    for m, path, container in containers(ctx):
        env = container.get("env")
        prefix = container_values(m, container)
        for i, var in enumerate(env if isinstance(env, list) else []):
            if not isinstance(var, Mapping) or not var.get("value"):
                continue
            name = str(var.get("name", ""))
            if not SECRET_NAME.search(name):
                continue
            where: tuple[PathKey, ...] = ()
            if prefix == ():
                where = (("env", name),)
            elif prefix is not None:
                where = ((*prefix, "env"),)
            yield Finding(
                m,
                f"env {name} of container {container.get('name')!r} looks like a "
                "secret but holds a literal value: use valueFrom.secretKeyRef "
                f"({{{name}: {{valueFrom: {{secretKeyRef: {{name: ..., key: ...}}}}}}}})",
                (*path, "env", i, "value"),
                where,
            )


# -- KC112 names and labels --------------------------------------------------------------------
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def _name_problem(kind: str, name: str) -> str | None:
    if kind == "Service":
        ok, rule = len(name) <= 63 and DNS_1035.fullmatch(name), "an RFC 1035 label"
    elif kind == "Namespace":
        ok, rule = len(name) <= 63 and DNS_LABEL.fullmatch(name), "a DNS-1123 label"
    else:
        ok, rule = len(name) <= 253 and DNS_SUBDOMAIN.fullmatch(name), "a DNS-1123 subdomain"
    if ok:
        return None
    return (
        f"name {name!r} is not {rule} (lower-case letters, digits and '-', starting and "
        "ending with a letter or digit)"
    )


def check_names(ctx: CheckContext) -> Iterator[Finding]:
    places: list[tuple[Manifest, PathKey, Any]] = []
    for m in ctx.manifests:
        problem = _name_problem(m.kind, m.name)
        if problem:
            yield Finding(m, problem, ("metadata", "name"))
        places.append((m, ("metadata", "labels"), walk(m.body, ("metadata", "labels"))))
    places.extend(
        (w.manifest, (*w.path, "metadata", "labels"), w.labels) for w in ctx.workloads if w.path
    )
    for m, path, labels in places:
        for key, value in labels.items() if isinstance(labels, Mapping) else ():
            if isinstance(value, str) and len(value) <= 63 and LABEL_VALUE.fullmatch(value):
                continue
            yield Finding(
                m,
                f"label {key}={value!r} is not a valid label value (at most "
                "63 characters: letters, digits, '-', '_', '.')",
                (*path, key),
                (("labels", key),),
            )


# -- KC113 duplicate containers and ports ------------------------------------------------------
def check_container_names(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        m = w.manifest
        names: set[str] = set()
        ports: set[str] = set()
        for path, container in w.containers:
            name = str(container.get("name"))
            if name in names:
                yield Finding(
                    m,
                    f"two containers are named {name!r}",
                    (*path, "name"),
                    (("sidecars", name, "name"),),
                )
            names.add(name)
            items = container.get("ports")
            for i, port in enumerate(items if isinstance(items, list) else []):
                port_name = port.get("name") if isinstance(port, Mapping) else None
                if port_name and port_name in ports:
                    yield Finding(
                        m,
                        f"two container ports are named {port_name!r}",
                        (*path, "ports", i, "name"),
                    )
                if port_name:
                    ports.add(port_name)


# -- KC114 resource quantities -----------------------------------------------------------------
QUANTITY = re.compile(
    r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?"
)
_SUFFIX = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}


def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity (``100m``, ``128Mi``, ``1e3``, ``2``) as a number, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    match = QUANTITY.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        if suffix[:1] in ("e", "E"):
            return Decimal(number + suffix)
        return Decimal(number) * _SUFFIX[suffix]
    except InvalidOperation:
        return None


def _quantity_findings(
    m: Manifest, path: PathKey, container: Mapping[str, Any]
) -> Iterator[Finding]:
    prefix = container_values(m, container)
    resources = container.get("resources")
    if not isinstance(resources, Mapping):
        return
    parsed: dict[tuple[str, str], Decimal] = {}
    for kind in ("requests", "limits"):
        amounts = resources.get(kind)
        for res, value in amounts.items() if isinstance(amounts, Mapping) else ():
            number = parse_quantity(value)
            where = () if prefix is None else ((*prefix, "resources", kind, res),)
            if number is None:
                yield Finding(
                    m,
                    f"{kind}.{res} {value!r} of container {container.get('name')!r} "
                    "is not a quantity (e.g. 100m, 0.5, 128Mi, 1Gi)",
                    (*path, "resources", kind, res),
                    where,
                )
            else:
                parsed[(kind, res)] = number
    for (kind, res), request in parsed.items():
        limit = parsed.get(("limits", res))
        if kind == "requests" and limit is not None and request > limit:
            where = () if prefix is None else ((*prefix, "resources", "requests", res),)
            yield Finding(
                m,
                f"requests.{res} {resources['requests'][res]} is above "
                f"limits.{res} {resources['limits'][res]} in container "
                f"{container.get('name')!r}",
                (*path, "resources", "requests", res),
                where,
            )


def check_quantities(ctx: CheckContext) -> Iterator[Finding]:
    for m, path, container in containers(ctx):
        yield from _quantity_findings(m, path, container)


# -- KC115 annotation size ---------------------------------------------------------------------
# Kubernetes refuses an object whose annotations, keys and values counted in bytes, add up to
# more than this (apimachinery's TotalAnnotationSizeLimitB). Labels have no total limit.
ANNOTATIONS_LIMIT = 256 * 1024

# Where an app's values set the annotations of a built-in object's metadata (default:
# ``annotations``); pod templates take ``podAnnotations``.
_ANNOTATION_VALUES: Mapping[str, PathKey] = {
    "Service": ("service", "annotations"),
    "Ingress": ("ingress", "annotations"),
}


def _annotation_maps(ctx: CheckContext) -> Iterator[tuple[Manifest, PathKey, Any, PathKey]]:
    """(manifest, path, annotations, value path) of every object's and pod template's
    annotations."""
    for m in ctx.manifests:
        found = walk(m.body, ("metadata", "annotations"))
        yield (
            m,
            ("metadata", "annotations"),
            found,
            _ANNOTATION_VALUES.get(m.kind, ("annotations",)),
        )
    for w in ctx.workloads:
        if w.path:  # a Pod's own metadata is its pod template's: seen above
            found = walk(w.manifest.body, (*w.path, "metadata", "annotations"))
            yield w.manifest, (*w.path, "metadata", "annotations"), found, ("podAnnotations",)


def _size(text: Any) -> int:
    return len(str(text).encode("utf-8", "surrogatepass"))


def check_annotation_size(ctx: CheckContext) -> Iterator[Finding]:
    for m, path, found, values in _annotation_maps(ctx):
        if not isinstance(found, Mapping) or not found:
            continue
        sizes = {str(k): _size(k) + _size(v) for k, v in found.items()}
        total = sum(sizes.values())
        if total <= ANNOTATIONS_LIMIT:
            continue
        largest = max(sizes, key=lambda key: sizes[key])
        yield Finding(
            m,
            f"annotations add up to {total} bytes (keys and values), over the "
            f"{ANNOTATIONS_LIMIT} (256 KiB) Kubernetes accepts on one object; the largest "
            f"is {largest!r} ({sizes[largest]} bytes)",
            (*path, largest),
            ((*values, largest),),
            # Not from the values: a built-in wrote it, at the app's request; a custom
            # template is itself the place to fix.
            anchor_base=m.origin.path.startswith(BUILTIN_PREFIX),
        )


CHECKS: tuple[Check, ...] = (
    Check(
        "KC101",
        "error",
        "a workload's selector labels must all be on its pod template",
        check_selector,
        scope="app",
    ),
    Check(
        "KC102",
        "error",
        "a Service's selector must match the pods of a rendered workload",
        check_service_selector,
    ),
    Check(
        "KC103",
        "error",
        "an Ingress backend must name a rendered Service and one of its ports",
        check_ingress_backends,
    ),
    Check("KC104", "error", "no two objects of the same kind and name", check_duplicates),
    Check(
        "KC105",
        "error",
        "objects live in the environment's namespace",
        check_namespace,
        scope="app",
    ),
    Check(
        "KC106", "warning", "every container sets resource requests", check_requests, scope="app"
    ),
    Check(
        "KC107",
        "error",
        "no `latest` or missing image tag in the last environment of the promotion chain",
        check_image_tags,
        scope="app",
    ),
    Check(
        "KC108",
        "error",
        "no Secret with literal data (use ExternalSecret or SealedSecret; "
        "env.yaml `allowSecrets: true` allows it)",
        check_secrets,
        scope="app",
    ),
    Check(
        "KC109",
        "warning",
        "no replicas on a workload a HorizontalPodAutoscaler scales",
        check_hpa_replicas,
    ),
    Check(
        "KC110",
        "error",
        "a Rollout's analysis refers to a rendered AnalysisTemplate",
        check_analysis_templates,
    ),
    Check(
        "KC111",
        "warning",
        "env vars named like secrets (password, token, apiKey) come "
        "from secretKeyRef, not literals",
        check_env_secrets,
        scope="app",
    ),
    Check(
        "KC112",
        "error",
        "names are DNS-1123 names and label values are valid",
        check_names,
        scope="app",
    ),
    Check(
        "KC113",
        "error",
        "container names and container port names are unique in a pod",
        check_container_names,
        scope="app",
    ),
    Check(
        "KC114",
        "error",
        "resource quantities parse and requests do not exceed limits",
        check_quantities,
        scope="app",
    ),
    Check(
        "KC115",
        "error",
        "an object's annotations add up to at most 256 KiB (keys and values, in bytes)",
        check_annotation_size,
        scope="app",
    ),
    Check("KC116", "error", "every container names an image", check_images_present, scope="app"),
)


def run_checks(
    ctx: CheckContext,
    disabled: Iterable[str] = (),
    checks: Sequence[Check] = CHECKS,
    app_ctx: CheckContext | None = None,
) -> Iterator[tuple[Check, Finding]]:
    """Every finding of every enabled check, check by check; the ``app``-scoped checks see
    ``app_ctx`` when given (the manifests of the apps whose findings are not cached)."""
    off = set(disabled)
    for check in checks:
        if check.id in off:
            continue
        scoped = app_ctx if app_ctx is not None and check.scope == "app" else ctx
        for finding in check.run(scoped):
            yield check, finding
