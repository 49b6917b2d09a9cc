"""The controllers' rules: what Argo Rollouts and ingress-nginx refuse or silently break at
run time, although the API server stored the objects.

Ported (the rules, not the code) from
- argoproj/argo-rollouts ``pkg/apis/rollouts/validation/validation.go``
  (ValidateRolloutStrategyCanary: setWeight within 0..maxTrafficWeight, pause durations),
  ``pkg/apis/rollouts/v1alpha1/types.go`` (RolloutPause.DurationSeconds: an integer string
  or a Go duration, as int32 seconds), ``utils/analysis/factory.go`` (ValidateMetrics,
  ValidateMetric: count >= failureLimit + consecutiveSuccessLimit, interval),
  ``utils/template/template.go`` (ResolveArgs: every ``{{args.x}}`` resolves, every arg is
  supplied), ``metricproviders/prometheus/prometheus.go`` (IsUrl), ``utils/ingress/ingress.go``
  (GetCanaryIngressName: ``<rollout>-<stableIngress>-canary``, cut to 253) and
  ``rollout/trafficrouting/nginx/nginx.go`` (the stable Ingress routes to the stable Service);
- kubernetes/ingress-nginx ``internal/ingress/annotations/canary/main.go`` (canary-by-header,
  -value and -cookie pass ``parser.BasicCharsRegex`` of
  ``internal/ingress/annotations/parser/validators.go``; canary annotations without
  ``canary: "true"`` are "configured but not enabled") and
  ``internal/ingress/controller/controller.go`` (checkOverlap: two Ingresses of one class on
  the same host and path, unless exactly one is a canary).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from kconfig.check.semantic import (
    Check,
    CheckContext,
    Finding,
    builtin_finding,
    ingress_rules,
    rule_paths,
)
from kconfig.core.manifests import Manifest
from kconfig.core.paths import PathKey, walk

__all__ = ["CHECKS", "canary_ingress_name", "duration_seconds"]

NGINX = "nginx.ingress.kubernetes.io/"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
INT32_MAX = 2**31 - 1


# -- Go durations (time.ParseDuration) ---------------------------------------------------------
_UNITS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),  # Go accepts both micro signs
    "μs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def go_duration(text: str) -> Decimal | None:
    """Seconds of a Go duration string ("1h30m", "90s", "0"), or None when Go refuses it."""
    sign = -1 if text.startswith("-") else 1
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return Decimal(0)
    if not body:
        return None
    total, pos = Decimal(0), 0
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            return None
        total += Decimal(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return sign * total


def duration_seconds(value: Any) -> int | None:
    """RolloutPause.DurationSeconds: an integer, an integer string (seconds) or a Go duration,
    as whole seconds; None when it does not parse."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    seconds = go_duration(value)
    return None if seconds is None else int(seconds)


# -- KC150 pauses, KC151 weights -----------------------------------------------------------------
def _steps(m: Manifest) -> Iterator[tuple[int, Mapping[str, Any]]]:
    steps = walk(m.body, ("spec", "strategy", "canary", "steps"))
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(step, Mapping):
            yield i, step


STEP_VALUES: PathKey = ("strategy", "canary", "steps")


def check_pauses(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("Rollout"):
        for i, step in _steps(m):
            pause = step.get("pause")
            raw = pause.get("duration") if isinstance(pause, Mapping) else None
            if raw is None:
                continue
            field = ("spec", "strategy", "canary", "steps", i, "pause", "duration")
            values = ((*STEP_VALUES, i, "pause", "duration"), STEP_VALUES)
            seconds = duration_seconds(raw)
            if seconds is None:
                yield builtin_finding(
                    m,
                    f"pause duration {raw!r} is neither a number of seconds nor a Go "
                    "duration such as 30s, 10m or 1h30m",
                    field,
                    *values,
                )
            elif seconds < 0:
                yield builtin_finding(m, f"pause duration {raw!r} is negative", field, *values)
            elif seconds > INT32_MAX:
                yield builtin_finding(
                    m,
                    f"pause duration {raw!r} is {seconds} seconds, more than Argo Rollouts "
                    f"holds ({INT32_MAX} seconds, int32)",
                    field,
                    *values,
                )


def check_weights(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("Rollout"):
        top = walk(m.body, ("spec", "strategy", "canary", "trafficRouting", "maxTrafficWeight"))
        top = top if isinstance(top, int) and not isinstance(top, bool) else 100
        for i, step in _steps(m):
            for key, inner in (("setWeight", ()), ("setCanaryScale", ("weight",))):
                value = walk(step, (key, *inner))
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                    field = ("spec", "strategy", "canary", "steps", i, key, *inner)
                    yield builtin_finding(
                        m,
                        f"{key}{'.weight' if inner else ''} {value!r} is not within 0..{top}",
                        field,
                        (*STEP_VALUES, i, key, *inner),
                        STEP_VALUES,
                    )


# -- KC152 analysis metrics ----------------------------------------------------------------------
_ANALYSIS_VALUES: tuple[PathKey, ...] = (
    ("strategy", "canary", "analysis", "successRate"),
    ("strategy", "blueGreen", "prePromotionAnalysis", "successRate"),
    ("strategy", "blueGreen", "postPromotionAnalysis", "successRate"),
)


def _limit(metric: Mapping[str, Any], key: str, default: int) -> int | None:
    value = metric.get(key, default)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None  # "{{args.x}}": resolved at run time


def _limit_problems(
    failure: int | None, success: int | None, inconclusive: int | None
) -> Iterator[tuple[str, str]]:
    if success is not None and success < 0:
        yield "consecutiveSuccessLimit", "consecutiveSuccessLimit must be >= 0"
    if failure is not None and failure < -1:
        yield "failureLimit", "failureLimit must be >= 0, or -1 to disable it"
    if success == 0 and failure == -1:
        yield "failureLimit", "failureLimit and consecutiveSuccessLimit cannot both be disabled"
    if inconclusive is not None and inconclusive < 0:
        yield "inconclusiveLimit", "inconclusiveLimit must be >= 0"


def _count_problem(count: int, failure: int | None, success: int | None) -> str | None:
    if failure is None or success is None or success < 0:
        return None
    if failure >= 0 and count < failure + success:
        return (
            f"count {count} must be >= failureLimit + consecutiveSuccessLimit "
            f"({failure} + {success}): the analysis could never fail or succeed"
        )
    if failure < 0 and count < success:
        return f"count {count} must be >= consecutiveSuccessLimit {success}"
    return None


def metric_problems(metric: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, problem) of one AnalysisTemplate metric, as ValidateMetric finds them."""
    count = _limit(metric, "count", 0) or 0
    failure = _limit(metric, "failureLimit", 0)
    success = _limit(metric, "consecutiveSuccessLimit", 0)
    inconclusive = _limit(metric, "inconclusiveLimit", 0)
    yield from _limit_problems(failure, success, inconclusive)
    if count > 0:
        problem = _count_problem(count, failure, success)
        if problem:
            yield "count", problem
        if inconclusive is not None and count < inconclusive:
            yield "count", f"count {count} must be >= inconclusiveLimit {inconclusive}"
    if count > 1 and not metric.get("interval"):
        yield "interval", f"count {count} needs an interval between measurements"
    for key in ("interval", "initialDelay"):
        raw = metric.get(key)
        if isinstance(raw, str) and raw and "{{" not in raw and go_duration(raw) is None:
            yield key, f"{key} {raw!r} is not a Go duration (e.g. 30s, 5m)"
    provider = metric.get("provider")
    if not isinstance(provider, Mapping) or not provider:
        yield "provider", "a metric needs a provider (prometheus, web, job, ...)"


def _metrics(m: Manifest) -> Iterator[tuple[int, Mapping[str, Any]]]:
    metrics = walk(m.body, ("spec", "metrics"))
    for i, metric in enumerate(metrics if isinstance(metrics, list) else []):
        if isinstance(metric, Mapping):
            yield i, metric


TEMPLATE_KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate")


def check_metrics(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind(*TEMPLATE_KINDS):
        names: set[Any] = set()
        for i, metric in _metrics(m):
            name = metric.get("name")
            if name in names:
                yield Finding(m, f"two metrics are named {name!r}", ("spec", "metrics", i, "name"))
            names.add(name)
            for key, problem in metric_problems(metric):
                values = tuple((*base, key) for base in _ANALYSIS_VALUES)
                yield builtin_finding(
                    m, f"metric {name!r}: {problem}", ("spec", "metrics", i, key), *values
                )


# -- KC153 analysis arguments --------------------------------------------------------------------
_TEMPLATE_ARG = re.compile(r"\{\{\s*args\.([^}\s]+)\s*\}\}")


def _strings(node: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, (*path, i))


def _declared(m: Manifest) -> dict[str, bool]:
    """The template's args: name -> has a value (a default or a valueFrom)."""
    args = walk(m.body, ("spec", "args"))
    out: dict[str, bool] = {}
    for arg in args if isinstance(args, list) else []:
        if isinstance(arg, Mapping) and isinstance(arg.get("name"), str):
            out[arg["name"]] = arg.get("value") is not None or arg.get("valueFrom") is not None
    return out


def _rollout_analyses(m: Manifest) -> Iterator[tuple[PathKey, Mapping[str, Any]]]:
    strategy: PathKey = ("spec", "strategy")
    for path in (
        (*strategy, "canary", "analysis"),
        (*strategy, "blueGreen", "prePromotionAnalysis"),
        (*strategy, "blueGreen", "postPromotionAnalysis"),
    ):
        found = walk(m.body, path)
        if isinstance(found, Mapping):
            yield path, found
    for i, step in _steps(m):
        found = step.get("analysis")
        if isinstance(found, Mapping):
            yield ("spec", "strategy", "canary", "steps", i, "analysis"), found


def _undeclared_args(m: Manifest) -> Iterator[Finding]:
    declared = _declared(m)
    for i, metric in _metrics(m):
        for path, text in _strings(metric.get("provider"), ("provider",)):
            for name in _TEMPLATE_ARG.findall(text):
                if name in declared:
                    continue
                shown = ", ".join(sorted(declared)) or "none"
                yield Finding(
                    m,
                    f"{{{{args.{name}}}}} is not a declared arg (args: {shown}): Argo "
                    "Rollouts fails the measurement ('failed to resolve')",
                    ("spec", "metrics", i, *path),
                    (("strategy", "canary", "analysis", "successRate", "query"),),
                )


def _unsupplied_args(
    ctx: CheckContext, m: Manifest, templates: Mapping[tuple[str, str], Manifest]
) -> Iterator[Finding]:
    for path, analysis in _rollout_analyses(m):
        given = {a.get("name") for a in analysis.get("args") or [] if isinstance(a, Mapping)}
        refs = analysis.get("templates")
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            if not isinstance(ref, Mapping):
                continue
            scope = "" if ref.get("clusterScope") else ctx.namespace_of(m)
            template = templates.get((scope, str(ref.get("templateName"))))
            if template is None:
                continue  # KC110 says so
            for name, has_value in _declared(template).items():
                if has_value or name in given:
                    continue
                yield Finding(
                    m,
                    f"analysis runs {template.title}, whose arg {name!r} has no value "
                    "and is not passed in args: Argo Rollouts errors the "
                    "AnalysisRun ('argument was not supplied')",
                    (*path, "templates", j, "templateName"),
                    (("strategy", "type"),),
                )


def check_analysis_args(ctx: CheckContext) -> Iterator[Finding]:
    templates: dict[tuple[str, str], Manifest] = {}
    for m in ctx.of_kind(*TEMPLATE_KINDS):
        templates[("" if m.kind.startswith("Cluster") else ctx.namespace_of(m), m.name)] = m
        yield from _undeclared_args(m)
    for m in ctx.of_kind("Rollout"):
        yield from _unsupplied_args(ctx, m, templates)


# -- KC154 Prometheus address --------------------------------------------------------------------
def check_prometheus_address(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind(*TEMPLATE_KINDS):
        for i, metric in _metrics(m):
            address = walk(metric, ("provider", "prometheus", "address"))
            if not isinstance(address, str) or "{{" in address:
                continue
            try:
                parts = urlsplit(address)
                ok = parts.scheme in ("http", "https") and bool(parts.hostname)
                parts.port  # noqa: B018 - raises on a port that is not a number
            except ValueError:
                ok = False
            if not ok:
                values = tuple((*base, "prometheusAddress") for base in _ANALYSIS_VALUES)
                yield builtin_finding(
                    m,
                    f"prometheus address {address!r} is not an absolute http(s) URL "
                    "(e.g. http://prometheus.monitoring:9090)",
                    ("spec", "metrics", i, "provider", "prometheus", "address"),
                    *values,
                )


# -- KC155 the canary Ingress Argo Rollouts creates, KC156 nginx traffic routing -----------------
CANARY_SUFFIX = "-canary"


def canary_ingress_name(rollout: str, stable_ingress: str) -> str:
    """The Ingress Argo Rollouts creates for nginx traffic routing (GetCanaryIngressName)."""
    prefix = f"{rollout}-{stable_ingress}"[: 253 - len(CANARY_SUFFIX)]
    return prefix + CANARY_SUFFIX


def _stable_ingresses(m: Manifest) -> Iterator[tuple[PathKey, str]]:
    nginx: PathKey = ("spec", "strategy", "canary", "trafficRouting", "nginx")
    stable = walk(m.body, (*nginx, "stableIngress"))
    if isinstance(stable, str):
        yield (*nginx, "stableIngress"), stable
    more = walk(m.body, (*nginx, "additionalStableIngresses"))
    for i, name in enumerate(more if isinstance(more, list) else []):
        if isinstance(name, str):
            yield (*nginx, "additionalStableIngresses", i), name


def check_canary_ingress_name(ctx: CheckContext) -> Iterator[Finding]:
    rendered = {(ctx.namespace_of(m), m.name): m for m in ctx.of_kind("Ingress")}
    made: dict[tuple[str, str], Manifest] = {}
    for m in ctx.of_kind("Rollout"):
        for path, stable in _stable_ingresses(m):
            name = canary_ingress_name(m.name, stable)
            key = (ctx.namespace_of(m), name)
            other = rendered.get(key)
            if other is not None:
                yield builtin_finding(
                    m,
                    f"Argo Rollouts creates the canary Ingress {name!r} "
                    f"(<rollout>-<stableIngress>-canary), but {other.title} is rendered "
                    f"by {other.origin.path}: the controller cannot own it",
                    path,
                    ("strategy", "type"),
                )
            elif key in made:
                yield builtin_finding(
                    m,
                    f"Argo Rollouts would create the canary Ingress {name!r} for this Rollout "
                    f"and for {made[key].title} (the name is cut to 253 characters)",
                    path,
                )
            made[key] = m


def _ingress_class(m: Manifest) -> Any:
    name = walk(m.body, ("spec", "ingressClassName"))
    if name is not None:
        return name
    return walk(m.body, ("metadata", "annotations", CLASS_ANNOTATION))


def _serves(class_name: Any) -> bool:
    """Whether ingress-nginx serves this class: its IngressClass is named nginx by default;
    a second controller is typically nginx-internal, nginx-public, ..."""
    return isinstance(class_name, str) and "nginx" in class_name


def _backends(m: Manifest) -> set[Any]:
    out = set()
    for _, rule in ingress_rules(m):
        for _, entry in rule_paths(rule):
            out.add(walk(entry, ("backend", "service", "name")))
    out.add(walk(m.body, ("spec", "defaultBackend", "service", "name")))
    return out


def check_nginx_routing(ctx: CheckContext) -> Iterator[Finding]:
    ingresses = {(ctx.namespace_of(m), m.name): m for m in ctx.of_kind("Ingress")}
    for m in ctx.of_kind("Rollout"):
        stable_service = walk(m.body, ("spec", "strategy", "canary", "stableService"))
        for path, stable in _stable_ingresses(m):
            ingress = ingresses.get((ctx.namespace_of(m), stable))
            if ingress is None:
                have = ", ".join(sorted(n for _, n in ingresses)) or "none"
                yield builtin_finding(
                    m,
                    f"nginx traffic routing names stableIngress {stable!r}, which is not "
                    f"rendered (Ingresses: {have}): the rollout cannot shift traffic",
                    path,
                    ("strategy", "canary", "trafficRouting"),
                )
                continue
            class_name = _ingress_class(ingress)
            if not _serves(class_name):
                shown = "no class" if class_name is None else f"class {class_name!r}"
                yield builtin_finding(
                    ingress,
                    f"Rollout {m.name} routes traffic through ingress-nginx, but this "
                    f"Ingress has {shown}, which ingress-nginx does not serve: the canary "
                    "weights change nothing (use ingress.className: nginx)",
                    ("spec", "ingressClassName"),
                    ("ingress", "className"),
                )
            if stable_service and stable_service not in _backends(ingress):
                yield builtin_finding(
                    m,
                    f"stableIngress {stable!r} does not route to the stableService "
                    f"{stable_service!r}: Argo Rollouts refuses it",
                    path,
                    ("strategy", "canary", "stableService"),
                )


# -- KC157 canary-by-header, KC158 canary annotations, KC159 host and path overlap -------------
BASIC_CHARS = re.compile(r"[/\-._~a-zA-Z0-9:]*")  # parser.BasicCharsRegex
CANARY_KEYS = (
    "canary-weight",
    "canary-weight-total",
    "canary-by-header",
    "canary-by-header-value",
    "canary-by-header-pattern",
    "canary-by-cookie",
)


def _annotations(m: Manifest) -> Mapping[str, Any]:
    found = walk(m.body, ("metadata", "annotations"))
    return found if isinstance(found, Mapping) else {}


def _canary_values(key: str) -> tuple[PathKey, ...]:
    strategy = {
        "canary-by-header": ("strategy", "ingressCanary", "header"),
        "canary-by-header-value": ("strategy", "ingressCanary", "headerValue"),
        "canary-weight": ("strategy", "ingressCanary", "weight"),
    }.get(key)
    own = ("ingress", "annotations", NGINX + key)
    return (strategy, own) if strategy else (own,)


def _header_problems(
    annotations: Mapping[str, Any], prefix: str, field: PathKey
) -> Iterator[tuple[str, str, PathKey]]:
    for key in ("canary-by-header", "canary-by-header-value", "canary-by-cookie"):
        value = annotations.get(prefix + key)
        if value is not None and not BASIC_CHARS.fullmatch(str(value)):
            yield (
                key,
                f"{key} {value!r} has characters ingress-nginx refuses (it allows letters, "
                "digits and -._~/:); the annotation is dropped",
                (*field, prefix + key),
            )
    for key in ("canary-by-header-value", "canary-by-header-pattern"):
        if annotations.get(prefix + key) is not None and not annotations.get(
            prefix + "canary-by-header"
        ):
            yield (
                key,
                f"{key} has no effect without canary-by-header (the header to match)",
                (*field, prefix + key),
            )


def check_canary_headers(ctx: CheckContext) -> Iterator[Finding]:
    for m in ctx.of_kind("Ingress"):
        for key, problem, field in _header_problems(
            _annotations(m), NGINX, ("metadata", "annotations")
        ):
            yield builtin_finding(m, problem, field, *_canary_values(key))
    for m in ctx.of_kind("Rollout"):
        nginx: PathKey = ("spec", "strategy", "canary", "trafficRouting", "nginx")
        extra = walk(m.body, (*nginx, "additionalIngressAnnotations"))
        if isinstance(extra, Mapping):
            for _, problem, field in _header_problems(
                extra, "", (*nginx, "additionalIngressAnnotations")
            ):
                yield builtin_finding(m, problem, field)


def _is_canary(m: Manifest) -> bool:
    return str(_annotations(m).get(NGINX + "canary", "")).lower() == "true"


def _host_paths(m: Manifest) -> Iterator[tuple[str, str, PathKey]]:
    for i, rule in ingress_rules(m):
        host = rule.get("host") or "_"  # ingress-nginx's catch-all server
        for j, entry in rule_paths(rule):
            if walk(entry, ("backend", "service")) is None:
                continue
            path = entry.get("path") or "/"
            yield str(host), str(path), ("spec", "rules", i, "http", "paths", j, "path")


def check_canary_annotations(ctx: CheckContext) -> Iterator[Finding]:
    stable_of: dict[tuple[str, str], Manifest] = {}
    for rollout in ctx.of_kind("Rollout"):
        for _, name in _stable_ingresses(rollout):
            stable_of[(ctx.namespace_of(rollout), name)] = rollout
    primaries = {
        (ctx.namespace_of(m), _ingress_class(m), host, path)
        for m in ctx.of_kind("Ingress")
        if not _is_canary(m)
        for host, path, _ in _host_paths(m)
    }
    for m in ctx.of_kind("Ingress"):
        annotations = _annotations(m)
        canary = _is_canary(m)
        stable_for = stable_of.get((ctx.namespace_of(m), m.name))
        if not canary:
            for key in CANARY_KEYS:
                if NGINX + key in annotations:
                    yield builtin_finding(
                        m,
                        f"{NGINX}{key} on an Ingress that is not a canary "
                        f'({NGINX}canary: "true"): ingress-nginx refuses the canary '
                        "annotations of a primary Ingress ('configured but not enabled')",
                        ("metadata", "annotations", NGINX + key),
                        *_canary_values(key),
                    )
            continue
        if stable_for is not None:
            yield builtin_finding(
                m,
                f"the stable Ingress of {stable_for.title} is marked canary: Argo Rollouts "
                "copies it into its own canary Ingress and the primary route disappears",
                ("metadata", "annotations", NGINX + "canary"),
                ("ingress", "annotations", NGINX + "canary"),
            )
        for host, path, field in _host_paths(m):
            if (ctx.namespace_of(m), _ingress_class(m), host, path) not in primaries:
                yield builtin_finding(
                    m,
                    f"canary Ingress for host {host!r} path {path!r}, but no primary Ingress "
                    "of its class serves that host and path: ingress-nginx never sends it "
                    "traffic",
                    field,
                    ("ingress", "annotations", NGINX + "canary"),
                    ("ingress", "path"),
                )


def check_overlap(ctx: CheckContext) -> Iterator[Finding]:
    seen: dict[tuple[str, Any, bool, str, str], Manifest] = {}
    for m in ctx.of_kind("Ingress"):
        canary = _is_canary(m)
        for host, path, field in _host_paths(m):
            key = (ctx.namespace_of(m), _ingress_class(m), canary, host, path)
            first = seen.get(key)
            if first is None:
                seen[key] = m
                continue
            if first is m:
                continue
            what = (
                "no host (neither ingress.host nor a `domain` in env.yaml): both answer every host"
                if host == "_"
                else f"host {host!r}"
            )
            yield builtin_finding(
                m,
                f"{what} and path {path!r} are already served by {first.title} (rendered "
                f"by {first.origin.path}); ingress-nginx refuses the second "
                "('already defined in ingress')",
                field,
                ("ingress", "host"),
                ("ingress", "path"),
                ("ingress", "enabled"),
            )


CHECKS: tuple[Check, ...] = (
    Check(
        "KC150",
        "error",
        "Argo Rollouts pause durations parse (seconds or a Go duration) and fit int32 seconds",
        check_pauses,
        scope="app",
    ),
    Check(
        "KC151",
        "error",
        "canary setWeight and setCanaryScale.weight within 0..100 (or maxTrafficWeight)",
        check_weights,
        scope="app",
    ),
    Check(
        "KC152",
        "error",
        "analysis metrics: count >= failureLimit + consecutiveSuccessLimit, limits in "
        "range, an interval when count > 1, durations parse, one provider, unique names",
        check_metrics,
        scope="app",
    ),
    Check(
        "KC153",
        "error",
        "every {{args.x}} of an analysis query is a declared arg, and every arg without a "
        "value is passed by the Rollout",
        check_analysis_args,
    ),
    Check(
        "KC154",
        "error",
        "a Prometheus address is an absolute http(s) URL",
        check_prometheus_address,
        scope="app",
    ),
    Check(
        "KC155",
        "error",
        "the canary Ingress Argo Rollouts creates (<rollout>-<stableIngress>-canary) collides "
        "with nothing rendered",
        check_canary_ingress_name,
    ),
    Check(
        "KC156",
        "error",
        "nginx traffic routing: the stable Ingress is rendered, of a class ingress-nginx "
        "serves, and routes to the stable Service",
        check_nginx_routing,
    ),
    Check(
        "KC157",
        "error",
        "ingress-nginx canary-by-header, -value and -cookie use its basic characters; a "
        "header value needs a header",
        check_canary_headers,
        scope="app",
    ),
    Check(
        "KC158",
        "error",
        "canary annotations only on a canary Ingress, which has a primary Ingress for its "
        "host and path and is no Rollout's stable Ingress",
        check_canary_annotations,
    ),
    Check(
        "KC159",
        "error",
        "no two Ingresses of one class on the same host and path (ingress-nginx checkOverlap), "
        "unless exactly one is a canary",
        check_overlap,
    ),
)
