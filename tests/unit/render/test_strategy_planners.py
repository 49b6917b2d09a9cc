"""The strategy planner interface and its registries: every strategy type the app schema
allows has a family planner, each family plans on its own (no render, no files), and what
the registries do not know is a located error, never a KeyError."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import pytest

from kconfig.core.schemadata import load_schema
from kconfig.errors import SourcePos, ValidationError
from kconfig.render.strategies import (
    PLANNERS,
    STRATEGY_TYPES,
    App,
    Ingress,
    Parts,
    PathKey,
    Planning,
    Service,
    Workload,
    blue_green,
    canary,
    deployment,
    ingress_blue_green,
    ingress_canary,
    plan_strategy,
)
from kconfig.render.strategies.canary_routing import ROUTINGS
from kconfig.render.strategies.canary_steps import STEPS

LABELS = {"app.kubernetes.io/name": "web", "env": "qa"}
SELECTOR = {"app.kubernetes.io/name": "web"}
ON = {"ingress": {"enabled": True}, "image": {"repository": "r/web", "tag": "1.0"}}


def _planning(strategy: Mapping[str, Any], **values: Any) -> Planning:
    app = App("web", {**ON, "strategy": strategy, **values}, LABELS, SELECTOR, "r/web:1.0", "ns")
    return Planning(app, _PathLocator())


class _PathLocator:
    """Every value "written" at a position derived from its path, so a test can tell which
    value a problem points at."""

    def at(self, path: PathKey) -> SourcePos | None:
        return SourcePos("overlays/qa/web.yaml", len(path), len(".".join(map(str, path))))


def _schema_enum(*path: str) -> list[Any]:
    node: Any = load_schema("app.schema.json")["$defs"]["strategy"]
    for key in path:
        node = node["properties"][key]
    return [v for v in node["enum"] if v is not None]


def _codes(p: Planning) -> list[str]:
    return sorted({d.code for d in p.errors.diagnostics})


# -- the registries --------------------------------------------------------------------------
def test_every_strategy_type_of_the_app_schema_has_a_planner() -> None:
    assert list(PLANNERS) == _schema_enum("type")
    assert tuple(PLANNERS) == STRATEGY_TYPES


def test_every_traffic_routing_of_the_app_schema_has_a_routing() -> None:
    assert list(ROUTINGS) == _schema_enum("canary", "trafficRouting")


def test_every_canary_step_of_the_app_schema_has_a_check() -> None:
    step = load_schema("app.schema.json")["$defs"]["canaryStep"]
    assert list(STEPS) == list(step["properties"])


@pytest.mark.parametrize("kind", STRATEGY_TYPES)
def test_a_planner_is_a_family_module_listed_by_hand(kind: str) -> None:
    """pre-commit's pattern: a module per family, named in one dict (no registration)."""
    planner = PLANNERS[kind]
    assert isinstance(planner, ModuleType)
    assert planner.__name__.startswith("kconfig.render.strategies.")
    assert callable(planner.plan)


@pytest.mark.parametrize("kind", STRATEGY_TYPES)
def test_each_planner_plans_a_minimal_app_without_problems(kind: str) -> None:
    extra = {"ingressCanary": {"tag": "2.0"}} if kind == "ingressCanary" else {}
    p = _planning({"type": kind, **extra})
    parts = PLANNERS[kind].plan(p)
    assert isinstance(parts, Parts)
    assert p.errors.diagnostics == []
    assert parts.workloads and all(w.selector.items() <= w.labels.items() for w in parts.workloads)
    # Every Ingress routes to a Service of the plan.
    assert {i.service for i in parts.ingresses} <= {s.name for s in parts.services}


def test_unknown_strategy_type_is_located_and_planned_as_rolling() -> None:
    """The other problems of the app are still found: the rolling parameters here."""
    values = {
        **ON,
        "strategy": {"type": "Canary", "rolling": {"maxSurge": 0, "maxUnavailable": 0}},
    }
    with pytest.raises(ValidationError) as caught:
        plan_strategy("web", values, LABELS, SELECTOR, "r/web:1.0", locator=_PathLocator())
    assert [d.format() for d in caught.value.diagnostics] == [
        "overlays/qa/web.yaml:2:13: error: unknown strategy type 'Canary' (one of rolling, "
        "recreate, blueGreen, canary, ingressCanary, ingressBlueGreen); did you mean "
        "'canary'?",
        "overlays/qa/web.yaml:3:31: error: strategy.rolling: maxSurge and maxUnavailable are "
        "both 0, so no pod could ever be replaced; let one of them be above 0",
    ]


@pytest.mark.parametrize("kind", [["canary"], {"type": "canary"}, 3, True])
def test_a_strategy_type_that_is_no_string_is_an_error_not_a_crash(kind: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        plan_strategy("web", {"strategy": {"type": kind}}, LABELS, SELECTOR, "r/web:1")
    assert [d.code for d in caught.value.diagnostics] == ["KC201"]


def test_unknown_traffic_routing_lists_the_registered_ones() -> None:
    p = _planning({"type": "canary", "canary": {"trafficRouting": "istio"}})
    canary.plan(p)
    (diag,) = p.errors.diagnostics
    assert diag.message == "strategy.canary.trafficRouting: 'istio' is not one of nginx, none"
    assert diag.pos == SourcePos("overlays/qa/web.yaml", 3, 30)


# -- each family on its own ------------------------------------------------------------------
def test_rolling_family() -> None:
    p = _planning({"type": "rolling", "rolling": {"maxSurge": 1}}, replicas=3)
    assert deployment.plan(p) == Parts(
        (
            Workload(
                "Deployment",
                "web",
                "r/web:1.0",
                LABELS,
                SELECTOR,
                3,
                {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            ),
        ),
        (Service("web", SELECTOR),),
        (Ingress("web", "web"),),
    )


def test_recreate_family_ignores_rolling_parameters() -> None:
    p = _planning({"type": "recreate", "rolling": {"maxSurge": 1}})
    (workload,) = deployment.plan(p).workloads
    assert workload.strategy == {"type": "Recreate"}


def test_blue_green_family() -> None:
    p = _planning({"type": "blueGreen", "blueGreen": {"autoPromotionEnabled": False}})
    parts = blue_green.plan(p)
    (rollout,) = parts.workloads
    assert (rollout.kind, rollout.strategy) == (
        "Rollout",
        {
            "blueGreen": {
                "activeService": "web",
                "previewService": "web-preview",
                "autoPromotionEnabled": False,
            }
        },
    )
    assert [s.name for s in parts.services] == ["web", "web-preview"]
    assert parts.ingresses == (Ingress("web", "web"),)


def test_canary_family_with_nginx_routing() -> None:
    p = _planning(
        {"type": "canary", "canary": {"trafficRouting": "nginx", "steps": [{"setWeight": 20}]}}
    )
    parts = canary.plan(p)
    (rollout,) = parts.workloads
    assert rollout.strategy == {
        "canary": {
            "canaryService": "web-canary",
            "steps": [{"setWeight": 20}],
            "stableService": "web",
            "trafficRouting": {"nginx": {"stableIngress": "web"}},
        }
    }
    assert [s.name for s in parts.services] == ["web", "web-canary"]


def test_canary_family_weighted_by_replicas_names_no_stable_service() -> None:
    p = _planning({"type": "canary", "canary": {"steps": [{"setWeight": 20}]}})
    (rollout,) = canary.plan(p).workloads
    assert "stableService" not in rollout.strategy["canary"]


def test_canary_analysis_step_runs_the_background_template() -> None:
    rate = {"prometheusAddress": "http://prom:9090", "minimum": 0.9}
    p = _planning(
        {
            "type": "canary",
            "canary": {
                "analysis": {"successRate": rate},
                "steps": [{"analysis": {"successRate": True}}],
            },
        }
    )
    (rollout,) = canary.plan(p).workloads
    run = {
        "templates": [{"templateName": "web-success-rate"}],
        "args": [{"name": "service-name", "value": "web"}],
    }
    assert rollout.strategy["canary"]["analysis"] == run
    assert rollout.strategy["canary"]["steps"] == [{"analysis": run}]
    assert [t["name"] for t in p.analyses.templates] == ["web-success-rate"]


def test_ingress_canary_family() -> None:
    p = _planning({"type": "ingressCanary", "ingressCanary": {"tag": "2.0", "weight": 10}})
    parts = ingress_canary.plan(p)
    assert [
        (w.name, w.image, w.labels["kconfig.dev/track"], w.replicas) for w in parts.workloads
    ] == [
        ("web", "r/web:1.0", "stable", None),
        ("web-canary", "r/web:2.0", "canary", 1),
    ]
    # Each track's Deployment and Service select that track only (no overlap, KC120/KC121).
    assert [w.selector for w in parts.workloads] == [
        {**SELECTOR, "kconfig.dev/track": "stable"},
        {**SELECTOR, "kconfig.dev/track": "canary"},
    ]
    assert [s.selector for s in parts.services] == [w.selector for w in parts.workloads]
    assert parts.ingresses[1].annotations == {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "10",
    }


def test_ingress_blue_green_family() -> None:
    p = _planning(
        {"type": "ingressBlueGreen", "ingressBlueGreen": {"active": "green", "green": {"tag": "2"}}}
    )
    parts = ingress_blue_green.plan(p)
    assert [(w.name, w.image) for w in parts.workloads] == [
        ("web-blue", "r/web:1.0"),
        ("web-green", "r/web:2"),
    ]
    assert parts.services[-1] == Service("web", {**SELECTOR, "kconfig.dev/color": "green"})
    assert parts.ingresses == (Ingress("web", "web-green"),)


def test_a_family_collects_its_problems_instead_of_raising() -> None:
    p = _planning(
        {"type": "ingressCanary", "ingressCanary": {"weight": 150}}, ingress={"enabled": False}
    )
    parts = ingress_canary.plan(p)
    assert _codes(p) == ["KC203", "KC208", "KC210"]
    assert parts.ingresses == ()


def test_the_plan_is_the_parts_as_json() -> None:
    plan = plan_strategy("web", {**ON, "strategy": {"type": "recreate"}}, LABELS, SELECTOR, "r/w")
    assert plan == {
        "type": "recreate",
        "workloads": [
            {
                "kind": "Deployment",
                "name": "web",
                "image": "r/w",
                "labels": LABELS,
                "selector": SELECTOR,
                "replicas": None,
                "strategy": {"type": "Recreate"},
            }
        ],
        "services": [{"name": "web", "selector": SELECTOR}],
        "ingresses": [
            {"name": "web", "service": "web", "annotations": {}, "host": None, "tlsSecret": None}
        ],
        "analysisTemplates": [],
    }
    assert list(plan) == ["type", "workloads", "services", "ingresses", "analysisTemplates"]


SUCCESS = {"prometheusAddress": "http://p:9090", "minimum": 0.99}


def _blue_green(bg: Mapping[str, Any], host: str | None = "web.shop.example.com") -> Parts:
    values = {**ON, "strategy": {"type": "blueGreen", "blueGreen": bg}}
    p = Planning(App("web", values, LABELS, SELECTOR, "r/web:1.0", "ns", host), _PathLocator())
    parts = blue_green.plan(p)
    assert not p.errors.diagnostics, p.errors.diagnostics
    return parts


def test_pre_promotion_analysis_gets_a_preview_ingress() -> None:
    parts = _blue_green({"prePromotionAnalysis": {"successRate": SUCCESS}})
    assert parts.ingresses == (
        Ingress("web", "web"),
        Ingress(
            "web-preview",
            "web-preview",
            host="web-preview.shop.example.com",
            tls_secret="web-preview-tls",
        ),
    )


@pytest.mark.parametrize(
    ("bg", "expected"),
    [
        ({}, ()),  # no pre-promotion analysis: nothing to measure
        ({"postPromotionAnalysis": {"successRate": SUCCESS}}, ()),  # measures the active one
        ({"prePromotionAnalysis": {"successRate": {**SUCCESS, "query": "up"}}}, ()),  # own query
        (
            {
                "prePromotionAnalysis": {"successRate": SUCCESS},
                "previewIngress": {"enabled": False},
            },
            (),
        ),
        ({"previewIngress": {"enabled": True}}, ("web-preview.shop.example.com",)),
        (
            {
                "previewIngress": {"host": "preview.example.com"},
                "prePromotionAnalysis": {"successRate": SUCCESS},
            },
            ("preview.example.com",),
        ),
    ],
)
def test_when_the_preview_ingress_is_rendered(
    bg: dict[str, Any], expected: tuple[str, ...]
) -> None:
    parts = _blue_green(bg)
    assert tuple(i.host for i in parts.ingresses if i.name == "web-preview") == expected


def test_preview_host_of_a_long_first_label_is_refused() -> None:
    values = {
        **ON,
        "strategy": {"type": "blueGreen", "blueGreen": {"previewIngress": {"enabled": True}}},
    }
    p = Planning(
        App("web", values, LABELS, SELECTOR, "r", "ns", "a" * 60 + ".example.com"), _PathLocator()
    )
    assert not any(i.name == "web-preview" for i in blue_green.plan(p).ingresses)
    assert _codes(p) == ["KC123"]


def test_the_nginx_canary_measures_the_canary_label() -> None:
    p = _planning(
        {
            "type": "canary",
            "canary": {"trafficRouting": "nginx", "analysis": {"successRate": SUCCESS}},
        },
        service={"port": 8080},
    )
    canary.plan(p)
    (template,) = p.analyses.templates
    assert 'canary="ns-{{args.service-name}}-8080"' in template["metric"]["query"]
    assert "service=" not in template["metric"]["query"]
