"""Delivery checks (kconfig.check.delivery) on hand-made manifests: overlapping workload
selectors (KC120), Services reaching the wrong pods (KC121)."""

from __future__ import annotations

from typing import Any

import pytest

from kconfig.check.delivery import check_service_targets, check_workload_overlap, selects
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
    canary = _deploy(
        "web-canary",
        {NAME: "web", TRACK: "canary"},
        {"matchLabels": {NAME: "web", TRACK: "canary"}},
    )
    (finding,) = check_workload_overlap(_ctx(stable, canary))
    assert finding.manifest is stable
    assert finding.field == ("spec", "selector")
    assert "also matches the pods of Deployment/web-canary" in finding.message
    assert "AmbiguousSelector" in finding.message


def test_tracks_that_select_themselves_do_not_overlap() -> None:
    stable = _deploy(
        "web", {NAME: "web", TRACK: "stable"}, {"matchLabels": {NAME: "web", TRACK: "stable"}}
    )
    canary = _deploy(
        "web-canary",
        {NAME: "web", TRACK: "canary"},
        {"matchLabels": {NAME: "web", TRACK: "canary"}},
    )
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
    stable = _deploy(
        "web", {NAME: "web", TRACK: "stable"}, {"matchLabels": {NAME: "web", TRACK: "stable"}}
    )
    canary = _deploy(
        "web-canary",
        {NAME: "web", TRACK: "canary"},
        {"matchLabels": {NAME: "web", TRACK: "canary"}},
    )
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
