"""The API server's own validation of pods, ConfigMaps and Services, which the OpenAPI
schemas cannot express (they carry types; these rules are Go code in the API server).

Ported (the rules, not the code) from kubernetes/kubernetes
``pkg/apis/core/validation/validation.go`` (validateContainerPorts, validateProbe,
validateLivenessProbe, validateStartupProbe, ValidateVolumes, ValidateVolumeMounts,
validateTolerations, validatePullPolicy, ValidateEnv, ValidateConfigMap, ValidateService)
and its helpers in kubernetes/apimachinery ``pkg/util/validation/validation.go``
(IsValidPortName, IsValidPortNum, IsEnvVarName, IsRelaxedEnvVarName, IsConfigMapKey,
IsDNS1123Label, IsQualifiedName, IsValidLabelValue).

They run on every rendered pod template, whatever wrote it: the app's own container,
sidecars, patches, components and custom templates. A finding names the value that set the
field (the overlay line of a sidecar's port name, the patch that wrote a toleration); the
locator falls back to the template that rendered it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from kconfig.check.semantic import (
    DNS_LABEL,
    LABEL_VALUE,
    Check,
    CheckContext,
    Finding,
    Workload,
    container_values,
)
from kconfig.core.manifests import BUILTIN_PREFIX, Manifest
from kconfig.core.paths import PathKey, walk

__all__ = [
    "CHECKS",
    "env_name_problem",
    "port_name_problems",
    "port_number_problem",
]

# -- rules shared with the other modules (apimachinery util/validation) ------------------------
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_ONE_LETTER = re.compile(r"[a-z]")
IANA_SVC_NAME_MAX = 15


def port_name_problems(name: str) -> list[str]:
    """Why ``name`` is not an IANA_SVC_NAME (a container port name; a probe's or a
    Service's named targetPort): IsValidPortName."""
    out = []
    if len(name) > IANA_SVC_NAME_MAX:
        out.append(f"at most {IANA_SVC_NAME_MAX} characters ({len(name)} here)")
    if not _PORT_NAME_CHARS.fullmatch(name):
        out.append("only lower-case letters, digits and '-'")
    if not _ONE_LETTER.search(name):
        out.append("at least one letter")
    if "--" in name:
        out.append("no consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        out.append("no '-' at the start or end")
    return out


def port_name_message(name: str) -> str | None:
    problems = port_name_problems(name)
    if not problems:
        return None
    return f"{name!r} is not a valid port name (IANA_SVC_NAME: {'; '.join(problems)})"


def port_number_problem(port: Any, low: int = 1) -> str | None:
    """Why ``port`` is not a port number ``low``..65535 (IsValidPortNum), or None."""
    if isinstance(port, bool) or not isinstance(port, int):
        return f"{port!r} is not a port number"
    if not low <= port <= 65535:
        return f"port {port} is outside {low}..65535"
    return None


_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
RELAXED_ENV_FROM = (1, 32)  # RelaxedEnvironmentVariableValidation: beta, on by default


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    try:
        return int(major), int(minor)
    except ValueError:
        return 1, 30


def env_name_problem(name: Any, kubernetes_version: str) -> str | None:
    """Why ``name`` is not an environment variable name in that Kubernetes version."""
    if not isinstance(name, str) or not name:
        return "an environment variable needs a name"
    if _version(kubernetes_version) >= RELAXED_ENV_FROM:
        if all(32 <= ord(c) <= 126 and c != "=" for c in name):
            return None
        return (
            f"env name {name!r} must consist of printable ASCII characters other than '=' "
            f"(Kubernetes {kubernetes_version})"
        )
    if _ENV_NAME.fullmatch(name):
        return None
    return (
        f"env name {name!r} must consist of letters, digits, '_', '-' or '.' and not start "
        f"with a digit (Kubernetes {kubernetes_version}; 1.32 relaxes this)"
    )


# -- locating ------------------------------------------------------------------------------------
def _in_container(
    m: Manifest,
    path: PathKey,
    container: Mapping[str, Any],
    rel: PathKey,
    message: str,
    main: PathKey | None = None,
) -> Finding:
    """A finding at ``rel`` inside a container: located at the sidecar's value
    (``sidecars[name].<rel>``), or for the app's own container at ``main`` (its values key,
    e.g. ``probes.liveness.successThreshold``), else at the rendering template."""
    prefix = container_values(m, container)
    values: tuple[PathKey, ...] = ()
    if prefix:
        values = ((*prefix, *rel), (*prefix, "name"))
    elif prefix == () and main is not None:
        values = (main,)
    return Finding(m, f"container {container.get('name')!r}: {message}", (*path, *rel), values)


def _in_pod(w: Workload, rel: PathKey, message: str, values: PathKey) -> Finding:
    """A finding at ``rel`` of the pod spec; the app's values only locate it when a
    built-in template rendered the pod (a custom template may order lists its own way)."""
    m = w.manifest
    builtin = bool(m.app) and m.origin.path.startswith(BUILTIN_PREFIX)
    # The value itself, else the list item, else the list: a list that is not merged by
    # name (tolerations) has its provenance on the list, not on each field.
    paths = tuple(values[:n] for n in range(len(values), 0, -1)) if builtin else ()
    return Finding(m, message, (*w.path, "spec", *rel), paths)


def _items(node: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for i, item in enumerate(node if isinstance(node, list) else []):
        if isinstance(item, Mapping):
            yield i, item


def _pod_spec(w: Workload) -> Mapping[str, Any]:
    spec = walk(w.manifest.body, (*w.path, "spec"))
    return spec if isinstance(spec, Mapping) else {}


# -- KC130 container port names, KC131 container port numbers -----------------------------------
PROTOCOLS = ("TCP", "UDP", "SCTP")


def check_container_port_names(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        for path, container in w.containers:
            for i, port in _items(container.get("ports")):
                name = port.get("name")
                if name in (None, ""):
                    continue
                message = (
                    port_name_message(name)
                    if isinstance(name, str)
                    else f"{name!r} is not a valid port name"
                )
                if message:
                    yield _in_container(
                        w.manifest, path, container, ("ports", i, "name"), message, ("port",)
                    )


def check_container_port_numbers(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        for path, container in w.containers:
            for i, port in _items(container.get("ports")):
                problem = port_number_problem(port.get("containerPort"))
                if problem:
                    yield _in_container(
                        w.manifest,
                        path,
                        container,
                        ("ports", i, "containerPort"),
                        f"containerPort: {problem}",
                        ("port",),
                    )
                host = port.get("hostPort")
                problem = None if host in (None, 0) else port_number_problem(host)
                if problem:
                    yield _in_container(
                        w.manifest,
                        path,
                        container,
                        ("ports", i, "hostPort"),
                        f"hostPort: {problem}",
                    )
                protocol = port.get("protocol")
                if protocol is not None and protocol not in PROTOCOLS:
                    yield _in_container(
                        w.manifest,
                        path,
                        container,
                        ("ports", i, "protocol"),
                        f"protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}",
                    )


# -- KC132 probe handlers and ports, KC133 probe timings ---------------------------------------
PROBES = {
    "livenessProbe": "liveness",
    "readinessProbe": "readiness",
    "startupProbe": "startup",
}
HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def _probes(ctx: CheckContext) -> Iterator[tuple[Manifest, PathKey, Mapping[str, Any], str, Any]]:
    for w in ctx.workloads:
        for path, container in w.containers:
            for key in PROBES:
                probe = container.get(key)
                if isinstance(probe, Mapping):
                    yield w.manifest, path, container, key, probe


def check_probe_ports(ctx: CheckContext) -> Iterator[Finding]:
    for m, path, container, key, probe in _probes(ctx):
        main = ("probes", PROBES[key], "port")
        handlers = [h for h in HANDLERS if probe.get(h) is not None]
        if len(handlers) != 1:
            what = "no handler" if not handlers else f"{len(handlers)} handlers"
            yield _in_container(
                m,
                path,
                container,
                (key,),
                f"{key} has {what}: it needs exactly one of {', '.join(HANDLERS)}",
                ("probes", PROBES[key]),
            )
        for handler in ("httpGet", "tcpSocket", "grpc"):
            action = probe.get(handler)
            if not isinstance(action, Mapping):
                continue
            port = action.get("port")
            rel = (key, handler, "port")
            if isinstance(port, str) and handler != "grpc":
                message = port_name_message(port)
                names = [p.get("name") for _, p in _items(container.get("ports")) if p.get("name")]
                if message is None and port not in names:
                    shown = ", ".join(str(n) for n in names) or "none"
                    message = (
                        f"{key} probes the port named {port!r}, which the container does not "
                        f"declare (named ports: {shown}): the kubelet fails every probe"
                    )
                if message:
                    yield _in_container(m, path, container, rel, f"{key}: {message}", main)
                continue
            problem = port_number_problem(port)
            if problem:
                yield _in_container(m, path, container, rel, f"{key}: {problem}", main)


PROBE_TIMINGS = (
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
)


def check_probe_timings(ctx: CheckContext) -> Iterator[Finding]:
    for m, path, container, key, probe in _probes(ctx):
        for name in PROBE_TIMINGS:
            value = probe.get(name)
            main = ("probes", PROBES[key], name)
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                yield _in_container(
                    m, path, container, (key, name), f"{key}.{name} {value} is negative", main
                )
        threshold = probe.get("successThreshold")
        if key != "readinessProbe" and threshold not in (None, 1):
            yield _in_container(
                m,
                path,
                container,
                (key, "successThreshold"),
                f"{key}.successThreshold must be 1 (only a readiness probe may need more "
                f"than one success), not {threshold!r}",
                ("probes", PROBES[key], "successThreshold"),
            )


# -- KC134 volume mounts, KC135 volumes ---------------------------------------------------------
def _path_elements(text: str) -> list[str]:
    return text.replace("\\", "/").split("/")


def check_volume_mounts(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        volumes = {v.get("name") for _, v in _items(_pod_spec(w).get("volumes"))}
        shown = ", ".join(sorted(str(v) for v in volumes)) or "none"
        for path, container in w.containers:
            mounted: set[Any] = set()
            for i, mount in _items(container.get("volumeMounts")):
                name, target = mount.get("name"), mount.get("mountPath")
                at = ("volumeMounts", i)
                if name not in volumes:
                    yield _in_container(
                        w.manifest,
                        path,
                        container,
                        (*at, "name"),
                        f"volumeMount {name!r} names no volume of the pod (volumes: {shown})",
                        (*at, "name"),
                    )
                if target in mounted:
                    yield _in_container(
                        w.manifest,
                        path,
                        container,
                        (*at, "mountPath"),
                        f"mountPath {target!r} is mounted twice",
                        (*at, "mountPath"),
                    )
                mounted.add(target)
                sub = mount.get("subPath")
                if isinstance(sub, str) and (sub.startswith("/") or ".." in _path_elements(sub)):
                    yield _in_container(
                        w.manifest,
                        path,
                        container,
                        (*at, "subPath"),
                        f"subPath {sub!r} must be a relative path without '..'",
                        (*at, "subPath"),
                    )


def check_volumes(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        seen: set[Any] = set()
        for i, volume in _items(_pod_spec(w).get("volumes")):
            name = volume.get("name")
            at: PathKey = ("volumes", i, "name")
            if not (isinstance(name, str) and len(name) <= 63 and DNS_LABEL.fullmatch(name)):
                yield _in_pod(
                    w,
                    at,
                    f"volume name {name!r} is not a DNS-1123 label (at most 63 lower-case "
                    "letters, digits and '-', starting and ending with a letter or digit)",
                    at,
                )
            elif name in seen:
                yield _in_pod(w, at, f"two volumes are named {name!r}", at)
            seen.add(name)
            sources = [k for k in volume if k != "name"]
            if len(sources) != 1:
                what = "no source" if not sources else f"{len(sources)} sources"
                yield _in_pod(
                    w,
                    ("volumes", i),
                    f"volume {name!r} has {what} ({', '.join(sources) or 'e.g. emptyDir'}): "
                    "a volume has exactly one",
                    ("volumes", i, "name"),
                )


# -- KC136 tolerations -------------------------------------------------------------------------
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
QUALIFIED_NAME = re.compile(
    r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
)


def _toleration_problems(t: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    key, operator, value, effect = (t.get(k) for k in ("key", "operator", "value", "effect"))
    if key and not (isinstance(key, str) and QUALIFIED_NAME.fullmatch(key)):
        yield "key", f"key {key!r} is not a label key (an optional DNS prefix/, then a name)"
    if not key and operator != "Exists":
        yield "operator", "operator must be Exists when key is empty (it tolerates every taint)"
    if t.get("tolerationSeconds") is not None and effect != "NoExecute":
        yield "tolerationSeconds", "tolerationSeconds is only allowed with effect NoExecute"
    if operator in (None, "", "Equal"):
        if value and not (
            isinstance(value, str) and len(value) <= 63 and LABEL_VALUE.fullmatch(value)
        ):
            yield "value", f"value {value!r} is not a label value"
    elif operator == "Exists":
        if value:
            yield "value", f"value {value!r} must be empty when operator is Exists"
    else:
        yield "operator", f"operator {operator!r} is not Equal or Exists"
    if effect not in (None, "", *EFFECTS):
        yield "effect", f"effect {effect!r} is not one of {', '.join(EFFECTS)}"


def check_tolerations(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        for i, toleration in _items(_pod_spec(w).get("tolerations")):
            for key, problem in _toleration_problems(toleration):
                at: PathKey = ("tolerations", i, key)
                yield _in_pod(w, at, f"toleration {i}: {problem}", at)


# -- KC137 imagePullPolicy ---------------------------------------------------------------------
PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def check_pull_policy(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        for path, container in w.containers:
            policy = container.get("imagePullPolicy")
            if policy is not None and policy not in PULL_POLICIES:
                yield _in_container(
                    w.manifest,
                    path,
                    container,
                    ("imagePullPolicy",),
                    f"imagePullPolicy {policy!r} is not one of {', '.join(PULL_POLICIES)}",
                    ("image", "pullPolicy"),
                )


# -- KC138 environment variable names ------------------------------------------------------------
def check_env_names(ctx: CheckContext) -> Iterator[Finding]:
    for w in ctx.workloads:
        for path, container in w.containers:
            for i, var in _items(container.get("env")):
                name = var.get("name")
                problem = env_name_problem(name, ctx.kubernetes_version)
                if problem:
                    yield _in_container(
                        w.manifest,
                        path,
                        container,
                        ("env", i, "name"),
                        problem,
                        ("env", str(name)),
                    )


# -- KC139 ConfigMap keys and size -------------------------------------------------------------
CONFIG_MAP_KEY = re.compile(r"[-._a-zA-Z0-9]+")
CONFIG_MAP_LIMIT = 1024 * 1024  # core.MaxSecretSize, which ValidateConfigMap uses


def config_map_key_problem(key: str) -> str | None:
    """IsConfigMapKey."""
    if len(key) > 253:
        return f"key {key[:40]!r}... is longer than 253 characters"
    if not CONFIG_MAP_KEY.fullmatch(key):
        return f"key {key!r} must consist of letters, digits, '-', '_' or '.'"
    if key in (".", "..") or key.startswith(".."):
        return f"key {key!r} must not be '.', '..' or start with '..'"
    return None


def _binary_size(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def check_config_maps(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("ConfigMap"):
        data = m.body.get("data")
        binary = m.body.get("binaryData")
        data = data if isinstance(data, Mapping) else {}
        binary = binary if isinstance(binary, Mapping) else {}
        total = 0
        for bag, items in (("data", data), ("binaryData", binary)):
            for key, value in items.items():
                problem = config_map_key_problem(str(key))
                if problem:
                    yield Finding(m, problem, (bag, key), (("configMap", "data", key),))
                if bag == "binaryData" and key in data:
                    yield Finding(m, f"key {key!r} is in both data and binaryData", (bag, key))
                size = _binary_size(value) if bag == "binaryData" else len(str(value).encode())
                total += size
        if total > CONFIG_MAP_LIMIT:
            yield Finding(
                m,
                f"data adds up to {total} bytes, over the {CONFIG_MAP_LIMIT} (1 MiB) a "
                "ConfigMap may hold",
                ("data",),
                (("configMap", "data"),),
                anchor_base=True,
            )


# -- KC140 Services ------------------------------------------------------------------------------
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


def _port_name_problems(
    ports: list[tuple[int, Mapping[str, Any]]],
) -> Iterator[tuple[PathKey, str]]:
    names: set[Any] = set()
    for i, port in ports:
        at: PathKey = ("spec", "ports", i, "name")
        name = port.get("name")
        if not name and len(ports) > 1:
            yield at, "a Service with more than one port must name every port"
        elif name:
            if not (isinstance(name, str) and len(name) <= 63 and DNS_LABEL.fullmatch(name)):
                yield at, f"port name {name!r} is not a DNS-1123 label"
            elif name in names:
                yield at, f"two ports are named {name!r}"
            names.add(name)


def _target_port_problem(target: Any) -> str | None:
    if isinstance(target, str):
        message = port_name_message(target)
        return f"targetPort {message}" if message else None
    problem = None if target is None else port_number_problem(target)
    return f"targetPort: {problem}" if problem else None


def _port_number_problems(
    kind: str, ports: list[tuple[int, Mapping[str, Any]]]
) -> Iterator[tuple[PathKey, str]]:
    seen: set[tuple[Any, Any]] = set()
    for i, port in ports:
        at: PathKey = ("spec", "ports", i)
        problem = port_number_problem(port.get("port"))
        if problem:
            yield (*at, "port"), problem
        key = (port.get("port"), port.get("protocol") or "TCP")
        if key in seen:
            yield (*at, "port"), f"port {key[0]}/{key[1]} is listed twice"
        seen.add(key)
        problem = _target_port_problem(port.get("targetPort"))
        if problem:
            yield (*at, "targetPort"), problem
        node_port = port.get("nodePort")
        if node_port in (None, 0):
            continue
        if kind not in ("NodePort", "LoadBalancer"):
            yield (
                (*at, "nodePort"),
                f"nodePort is only allowed for type NodePort or LoadBalancer, not {kind}",
            )
            continue
        problem = port_number_problem(node_port)
        if problem:
            yield (*at, "nodePort"), f"nodePort: {problem}"


def _service_problems(spec: Mapping[str, Any]) -> Iterator[tuple[PathKey, str]]:
    kind = spec.get("type") or "ClusterIP"
    if kind not in SERVICE_TYPES:
        yield ("spec", "type"), f"type {kind!r} is not one of {', '.join(SERVICE_TYPES)}"
        return
    ports = list(_items(spec.get("ports")))
    headless = spec.get("clusterIP") == "None"
    if kind == "ExternalName":
        if not spec.get("externalName"):
            yield ("spec", "externalName"), "type ExternalName needs spec.externalName"
        return
    if not ports and not headless:
        yield ("spec", "ports"), "a Service needs at least one port (unless clusterIP: None)"
    if headless and kind in ("NodePort", "LoadBalancer"):
        yield ("spec", "clusterIP"), f"clusterIP None (headless) is not allowed for type {kind}"
    yield from _port_name_problems(ports)
    yield from _port_number_problems(kind, ports)


_SERVICE_VALUES: Mapping[str, PathKey] = {
    "port": ("service", "port"),
    "type": ("service", "type"),
    "targetPort": ("port",),
}


def check_services(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("Service"):
        spec = m.body.get("spec")
        if not isinstance(spec, Mapping):
            continue
        for path, problem in _service_problems(spec):
            value = _SERVICE_VALUES.get(str(path[-1]))
            builtin = m.origin.path.startswith(BUILTIN_PREFIX)
            yield Finding(m, problem, path, (value,) if value and builtin else ())


CHECKS: tuple[Check, ...] = (
    Check(
        "KC130",
        "error",
        "container port names are IANA service names (<= 15 characters, lower-case letters, "
        "digits and '-', a letter, no '--')",
        check_container_port_names,
        scope="app",
    ),
    Check(
        "KC131",
        "error",
        "containerPort and hostPort within 1..65535, protocol TCP, UDP or SCTP",
        check_container_port_numbers,
        scope="app",
    ),
    Check(
        "KC132",
        "error",
        "a probe has one handler and probes a port number within 1..65535 or a port the "
        "container names",
        check_probe_ports,
        scope="app",
    ),
    Check(
        "KC133",
        "error",
        "probe timings are not negative; liveness and startup successThreshold is 1",
        check_probe_timings,
        scope="app",
    ),
    Check(
        "KC134",
        "error",
        "every volumeMount names a volume of the pod, once per mountPath, relative subPath",
        check_volume_mounts,
        scope="app",
    ),
    Check(
        "KC135",
        "error",
        "volume names are unique DNS-1123 labels; each volume has exactly one source",
        check_volumes,
        scope="app",
    ),
    Check(
        "KC136",
        "error",
        "tolerations: operator Equal or Exists (Exists has no value), effect NoSchedule, "
        "PreferNoSchedule or NoExecute, tolerationSeconds only with NoExecute",
        check_tolerations,
        scope="app",
    ),
    Check(
        "KC137",
        "error",
        "imagePullPolicy is Always, IfNotPresent or Never",
        check_pull_policy,
        scope="app",
    ),
    Check(
        "KC138",
        "error",
        "environment variable names are valid for the project's kubernetesVersion",
        check_env_names,
        scope="app",
    ),
    Check(
        "KC139",
        "error",
        "ConfigMap keys are [-._a-zA-Z0-9]+ (<= 253, not '.' or '..'), the data <= 1 MiB",
        check_config_maps,
        scope="app",
    ),
    Check(
        "KC140",
        "error",
        "Service ports: named when more than one, unique, within 1..65535, valid targetPort, "
        "nodePort only for NodePort/LoadBalancer, no headless NodePort/LoadBalancer",
        check_services,
        scope="app",
    ),
)
