"""Delivery checks (kconfig.check.delivery) on hand-made manifests: overlapping workload
selectors (KC120), Services reaching the wrong pods (KC121)."""

from __future__ import annotations

from typing import Any

import pytest

from kconfig.check.delivery import (
    check_analysis_series,
    check_policy_peers,
    check_service_targets,
    check_workload_overlap,
    matches,
    nginx_series,
    parse_selectors,
    selects,
)
from kconfig.check.semantic import CheckContext
from kconfig.core.manifests import Manifest
from kconfig.errors import SourcePos

NS = "shop-qa"
NAME = "app.kubernetes.io/name"
TRACK = "kconfig.dev/track"


def _m(kind: str, name: str, app: str = "web", api: str = "v1", **body: Any) -> Manifest:
    doc = {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": NS}, **body}
    return Manifest(doc, "qa", app, SourcePos(f"t/{kind.lower()}.j2"))


def _deploy(
    name: str, labels: dict[str, str], selector: dict[str, Any], app: str = "web"
) -> Manifest:
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app"}]}}
    spec = {"selector": selector, "template": template}
    return _m("Deployment", name, app, api="apps/v1", spec=spec)


def _track(track: str) -> Manifest:
    """A Deployment of one ingressCanary track, selecting only that track."""
    name = "web" if track == "stable" else f"web-{track}"
    labels = {NAME: "web", TRACK: track}
    return _deploy(name, labels, {"matchLabels": labels})


def _service(name: str, selector: dict[str, str], app: str = "web") -> Manifest:
    return _m("Service", name, app, spec={"selector": selector, "ports": [{"port": 80}]})


def _ctx(*manifests: Manifest) -> CheckContext:
    return CheckContext("qa", NS, list(manifests), False, False)


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({}, {"a": "1"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]},
            {"a": "2"},
            True,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]},
            {"a": "1"},
            False,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": "x"}, False),
        # matchLabels and matchExpressions are ANDed
        (
            {"matchLabels": {"b": "2"}, "matchExpressions": [{"key": "a", "operator": "Exists"}]},
            {"b": "2"},
            False,
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            {"a": "5"},
            False,
        ),
    ],
)
def test_selects(selector: dict[str, Any], labels: dict[str, str], expected: bool) -> None:
    assert selects(selector, labels) is expected


def test_overlap_of_the_old_ingress_canary_is_found_once() -> None:
    stable = _deploy("web", {NAME: "web", TRACK: "stable"}, {"matchLabels": {NAME: "web"}})
    canary = _track("canary")
    (finding,) = check_workload_overlap(_ctx(stable, canary))
    assert finding.manifest is stable
    assert finding.field == ("spec", "selector")
    assert "also matches the pods of Deployment/web-canary" in finding.message
    assert "AmbiguousSelector" in finding.message


def test_tracks_that_select_themselves_do_not_overlap() -> None:
    stable, canary = _track("stable"), _track("canary")
    assert list(check_workload_overlap(_ctx(stable, canary))) == []


def test_mutual_overlap_is_reported_once_and_other_namespaces_do_not_count() -> None:
    a = _deploy("a", {NAME: "x"}, {"matchLabels": {NAME: "x"}}, app="a")
    b = _deploy("b", {NAME: "x"}, {"matchLabels": {NAME: "x"}}, app="b")
    elsewhere = _deploy("c", {NAME: "x"}, {"matchLabels": {NAME: "x"}}, app="c")
    elsewhere.body["metadata"]["namespace"] = "other"
    findings = list(check_workload_overlap(_ctx(a, b, elsewhere)))
    assert [f.manifest.name for f in findings] == ["a"]
    assert "Deployment/b" in findings[0].message


def test_overlap_through_match_expressions() -> None:
    a = _deploy(
        "a",
        {NAME: "a"},
        {"matchExpressions": [{"key": NAME, "operator": "In", "values": ["a", "b"]}]},
        app="a",
    )
    b = _deploy("b", {NAME: "b"}, {"matchLabels": {NAME: "b"}}, app="b")
    (finding,) = check_workload_overlap(_ctx(a, b))
    assert finding.message.startswith("selector {app.kubernetes.io/name In (a,b)} also matches")


def test_service_reaching_two_workloads() -> None:
    stable, canary = _track("stable"), _track("canary")
    wide = _service("web", {NAME: "web"})
    narrow = _service("web-canary", {NAME: "web", TRACK: "canary"})
    (finding,) = check_service_targets(_ctx(stable, canary, wide, narrow))
    assert finding.manifest is wide
    assert finding.message == (
        "selector app.kubernetes.io/name=web matches the pods of Deployment/web and "
        "Deployment/web-canary: the Service would spread its traffic over all of them; "
        "select a label only one workload's pods carry"
    )


def test_service_reaching_another_apps_pods() -> None:
    api = _deploy("api", {NAME: "api"}, {"matchLabels": {NAME: "api"}}, app="api")
    service = _service("web", {NAME: "api"}, app="web")
    external = _m("Service", "db", spec={"type": "ExternalName", "externalName": "db.example"})
    (finding,) = check_service_targets(_ctx(api, service, external))
    assert "of another app" in finding.message


def test_service_of_one_workload_is_clean() -> None:
    web = _deploy("web", {NAME: "web"}, {"matchLabels": {NAME: "web"}})
    assert list(check_service_targets(_ctx(web, _service("web", {NAME: "web"})))) == []


# -- KC122 ---------------------------------------------------------------------------------
QUERY_BY_CANARY = (
    'sum(rate(nginx_ingress_controller_requests{namespace="shop-qa",'
    'canary="shop-qa-{{args.service-name}}-80"}[5m]))'
)
QUERY_BY_SERVICE = (
    'sum(rate(nginx_ingress_controller_requests{namespace="shop-qa",'
    'service="{{args.service-name}}",status!~"5.."}[5m]))'
)


def _ingress(name: str, service: str, annotations: dict[str, str] | None = None) -> Manifest:
    backend = {"service": {"name": service, "port": {"number": 80}}}
    rule = {"host": "web.example.com", "http": {"paths": [{"path": "/", "backend": backend}]}}
    m = _m("Ingress", name, api="networking.k8s.io/v1", spec={"rules": [rule]})
    if annotations:
        m.body["metadata"]["annotations"] = annotations
    return m


def _template(query: str) -> Manifest:
    metric = {"name": "success-rate", "provider": {"prometheus": {"query": query}}}
    spec = {"args": [{"name": "service-name"}], "metrics": [metric]}
    return _m("AnalysisTemplate", "web-success-rate", api="argoproj.io/v1alpha1", spec=spec)


def _canary_rollout(measured: str, nginx: bool = True) -> Manifest:
    run = {
        "templates": [{"templateName": "web-success-rate"}],
        "args": [{"name": "service-name", "value": measured}],
    }
    canary: dict[str, Any] = {"canaryService": "web-canary", "analysis": run}
    if nginx:
        canary["stableService"] = "web"
        canary["trafficRouting"] = {"nginx": {"stableIngress": "web"}}
    spec = {"strategy": {"canary": canary}}
    return _m("Rollout", "web", api="argoproj.io/v1alpha1", spec=spec)


def test_nginx_canary_series_carry_the_stable_ingress_and_the_canary_upstream() -> None:
    ctx = _ctx(_ingress("web", "web"), _canary_rollout("web-canary"))
    assert nginx_series(ctx, NS) == [
        {"namespace": NS, "ingress": "web", "service": "web"},
        {"namespace": NS, "ingress": "web", "service": "web", "canary": "shop-qa-web-canary-80"},
    ]


def test_a_canary_ingress_merges_into_the_primary_location() -> None:
    canary = _ingress("web-canary", "web-canary", {"nginx.ingress.kubernetes.io/canary": "true"})
    series = nginx_series(_ctx(_ingress("web", "web"), canary), NS)
    assert {"namespace": NS, "ingress": "web-canary", "service": "web-canary"} not in series
    assert series[-1]["canary"] == "shop-qa-web-canary-80"


def test_canary_query_by_canary_label_is_clean() -> None:
    ctx = _ctx(_ingress("web", "web"), _canary_rollout("web-canary"), _template(QUERY_BY_CANARY))
    assert list(check_analysis_series(ctx)) == []


def test_canary_query_by_service_gets_no_data() -> None:
    ctx = _ctx(_ingress("web", "web"), _canary_rollout("web-canary"), _template(QUERY_BY_SERVICE))
    (finding,) = check_analysis_series(ctx)
    assert finding.field == ("spec", "strategy", "canary", "analysis")
    assert 'selects ingress-nginx series {namespace="shop-qa",service="web-canary"}' in (
        finding.message
    )
    assert finding.message.endswith("select on canary instead")


def test_replica_weighted_canary_measures_the_service_the_ingress_routes_to() -> None:
    rollout = _canary_rollout("web", nginx=False)
    assert (
        list(
            check_analysis_series(
                _ctx(_ingress("web", "web"), rollout, _template(QUERY_BY_SERVICE))
            )
        )
        == []
    )
    # without an Ingress nothing ever carries the app's requests through ingress-nginx
    (finding,) = check_analysis_series(_ctx(rollout, _template(QUERY_BY_SERVICE)))
    assert "no rendered Ingress produces" in finding.message


def test_matchers_follow_prometheus() -> None:
    series = {"namespace": "a", "service": "web"}
    assert matches([("service", "=~", "we.")], series)
    assert not matches([("service", "=~", "we")], series)  # anchored
    assert matches([("canary", "=", "")], series)  # absent label: empty string
    assert not matches([("canary", "!=", "")], series)
    assert matches([("status", "=", "503")], series)  # traffic-given labels never judged


def test_parse_selectors_reads_quoted_braces() -> None:
    assert parse_selectors(QUERY_BY_CANARY) == [
        [("namespace", "=", "shop-qa"), ("canary", "=", "shop-qa-{{args.service-name}}-80")]
    ]


# -- KC124 ---------------------------------------------------------------------------------
def _policy(*peers: dict[str, Any]) -> Manifest:
    spec = {"podSelector": {}, "ingress": [{"from": list(peers)}]}
    return _m("NetworkPolicy", "api", app="api", api="networking.k8s.io/v1", spec=spec)


def test_policy_peer_matching_no_pods() -> None:
    web = _deploy("web", {NAME: "web"}, {"matchLabels": {NAME: "web"}})
    policy = _policy(
        {"podSelector": {"matchLabels": {NAME: "web"}}},
        {"podSelector": {"matchLabels": {NAME: "wbe"}}},
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
        {"namespaceSelector": {}, "podSelector": {"matchLabels": {NAME: "elsewhere"}}},
    )
    (finding,) = check_policy_peers(_ctx(web, policy))
    assert finding.field == ("spec", "ingress", 0, "from", 1, "podSelector")
    assert finding.values[0] == ("networkPolicy", "allowFrom", 1)
