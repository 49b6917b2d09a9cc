"""Semantic checks (kconfig.check.semantic) on hand-made manifests: each check finds its problem
and stays quiet on the correct form."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from kconfig.check.semantic import (
    CHECKS,
    CheckContext,
    Finding,
    check_analysis_templates,
    check_container_names,
    check_duplicates,
    check_env_secrets,
    check_hpa_replicas,
    check_image_tags,
    check_ingress_backends,
    check_names,
    check_namespace,
    check_quantities,
    check_requests,
    check_secrets,
    check_selector,
    check_service_selector,
    image_tag,
    parse_quantity,
    run_checks,
)
from kconfig.core.manifests import Manifest
from kconfig.errors import SourcePos

NS = "shop-qa"


def _m(kind: str, name: str, app: str = "web", api: str = "v1", **body: Any) -> Manifest:
    doc = {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": NS}, **body}
    return Manifest(doc, "qa", app, SourcePos(f"t/{kind.lower()}.j2"))


def _deploy(
    name: str = "web",
    labels: dict[str, str] | None = None,
    selector: dict[str, str] | None = None,
    **container: Any,
) -> Manifest:
    labels = {"app": "web"} if labels is None else labels
    main = {
        "name": "app",
        "image": "r/web:1.0",
        "resources": {"requests": {"cpu": "10m"}},
        **container,
    }
    return _m(
        "Deployment",
        name,
        api="apps/v1",
        spec={
            "replicas": 2,
            "selector": {"matchLabels": selector or {"app": "web"}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [main]}},
        },
    )


def _service(name: str = "web", selector: dict[str, str] | None = None) -> Manifest:
    return _m(
        "Service",
        name,
        spec={"selector": selector or {"app": "web"}, "ports": [{"name": "http", "port": 80}]},
    )


def _ctx(*manifests: Manifest, last: bool = False, secrets: bool = False) -> CheckContext:
    return CheckContext("qa", NS, list(manifests), last, secrets)


def _messages(found: Sequence[Finding]) -> list[str]:
    return [f.message for f in found]


def test_every_check_has_a_stable_id_severity_and_summary() -> None:
    ids = [c.id for c in CHECKS]
    assert ids == sorted(set(ids))
    assert all(c.id.startswith("KC1") and len(c.id) == 5 for c in CHECKS)
    assert all(c.severity in ("error", "warning") and c.summary for c in CHECKS)


def test_selector_must_be_on_the_pod_template() -> None:
    assert list(check_selector(_ctx(_deploy()))) == []
    (found,) = check_selector(_ctx(_deploy(labels={"app": "api"})))
    assert found.field == ("spec", "template", "metadata", "labels", "app")
    assert "selector app=web does not match the pod template, which has app=api" in found.message
    (found,) = check_selector(_ctx(_deploy(labels={})))
    assert found.field == ("spec", "selector", "matchLabels", "app")


def test_service_selector_must_match_a_workload() -> None:
    assert list(check_service_selector(_ctx(_deploy(), _service()))) == []
    (found,) = check_service_selector(_ctx(_deploy(), _service(selector={"app": "api"})))
    assert found.manifest.title == "Service/web"
    headless = _m("Service", "db", spec={"type": "ExternalName", "externalName": "db.example"})
    assert list(check_service_selector(_ctx(headless))) == []


def _ingress(service: str, port: dict[str, Any]) -> Manifest:
    backend = {"service": {"name": service, "port": port}}
    return _m(
        "Ingress",
        "web",
        api="networking.k8s.io/v1",
        spec={
            "rules": [
                {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
            ]
        },
    )


@pytest.mark.parametrize(
    ("service", "port", "problem"),
    [
        ("web", {"number": 80}, None),
        ("web", {"name": "http"}, None),
        ("api", {"number": 80}, "backend Service 'api' is not rendered in this environment"),
        ("web", {"number": 8080}, "backend port 8080 is not a port of Service/web (ports: 80)"),
        ("web", {"name": "grpc"}, "backend port name 'grpc' is not a port of Service/web"),
    ],
)
def test_ingress_backends(service: str, port: dict[str, Any], problem: str | None) -> None:
    found = _messages(list(check_ingress_backends(_ctx(_service(), _ingress(service, port)))))
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0]


def test_duplicates() -> None:
    one, two = _m("ConfigMap", "cfg", app="web"), _m("ConfigMap", "cfg", app="api")
    (found,) = check_duplicates(_ctx(one, two))
    assert found.manifest is two and "also by t/configmap.j2 for app web" in found.message
    assert list(check_duplicates(_ctx(one, _m("Secret", "cfg")))) == []


def test_namespace() -> None:
    outside = _m("ConfigMap", "cfg")
    outside.body["metadata"]["namespace"] = "kube-system"
    (found,) = check_namespace(_ctx(outside, _m("ConfigMap", "ok")))
    assert found.field == ("metadata", "namespace")
    cluster = _m("ClusterRole", "reader", api="rbac.authorization.k8s.io/v1")
    del cluster.body["metadata"]["namespace"]
    assert list(check_namespace(_ctx(cluster))) == []


def test_requests() -> None:
    assert list(check_requests(_ctx(_deploy()))) == []
    (found,) = check_requests(_ctx(_deploy(resources={"limits": {"memory": "1Gi"}})))
    assert found.values == (("resources",),) and found.anchor_base


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("r/web:1.0", "1.0"),
        ("r/web", None),
        ("registry:5000/web", None),
        ("registry:5000/web:2", "2"),
        ("r/web@sha256:abc", "@digest"),
        ("web:latest", "latest"),
    ],
)
def test_image_tag(image: str, tag: str | None) -> None:
    assert image_tag(image) == tag


def test_image_tags_only_in_the_last_environment() -> None:
    latest = _deploy(image="r/web:latest")
    assert list(check_image_tags(_ctx(latest))) == []
    (found,) = check_image_tags(_ctx(latest, last=True))
    assert found.values == (("image", "tag"), ("image", "repository"))
    assert list(check_image_tags(_ctx(_deploy(image="r/web@sha256:ab"), last=True))) == []


def test_secrets() -> None:
    secret = _m("Secret", "db", data={"password": "aHVudGVyMg=="})
    (found,) = check_secrets(_ctx(secret))
    assert "ExternalSecret" in found.message and "SealedSecret" in found.message
    assert list(check_secrets(_ctx(secret, secrets=True))) == []
    assert list(check_secrets(_ctx(_m("Secret", "empty")))) == []


def test_hpa_with_replicas() -> None:
    hpa = _m(
        "HorizontalPodAutoscaler",
        "web",
        api="autoscaling/v2",
        spec={
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "maxReplicas": 3,
        },
    )
    (found,) = check_hpa_replicas(_ctx(_deploy(), hpa))
    assert found.field == ("spec", "replicas") and found.values == (("replicas",),)
    scaled = _deploy()
    del scaled.body["spec"]["replicas"]
    assert list(check_hpa_replicas(_ctx(scaled, hpa))) == []


def _rollout(*templates: str) -> Manifest:
    refs = [{"templateName": t} for t in templates]
    return _m(
        "Rollout",
        "web",
        api="argoproj.io/v1alpha1",
        spec={
            "strategy": {
                "canary": {
                    "analysis": {"templates": refs},
                    "steps": [
                        {"setWeight": 20},
                        {
                            "analysis": {
                                "templates": [
                                    {"templateName": "cluster-wide", "clusterScope": True}
                                ]
                            }
                        },
                    ],
                }
            }
        },
    )


def test_analysis_templates() -> None:
    template = _m("AnalysisTemplate", "web-success-rate", api="argoproj.io/v1alpha1")
    assert list(check_analysis_templates(_ctx(_rollout("web-success-rate"), template))) == []
    (found,) = check_analysis_templates(_ctx(_rollout("missing"), template))
    assert found.field == ("spec", "strategy", "canary", "analysis", "templates", 0, "templateName")


@pytest.mark.parametrize(
    ("name", "flagged"),
    [
        ("DB_PASSWORD", True),
        ("API_TOKEN", True),
        ("apiKey", True),
        ("CLIENT_SECRET", True),
        ("LOG_LEVEL", False),
        ("TOKENIZER_MODEL", True),
        ("PATH", False),
    ],
)
def test_env_secrets(name: str, flagged: bool) -> None:
    found = list(check_env_secrets(_ctx(_deploy(env=[{"name": name, "value": "x"}]))))
    assert bool(found) is flagged
    ref = {"name": name, "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
    assert list(check_env_secrets(_ctx(_deploy(env=[ref])))) == []


def test_names_and_labels() -> None:
    assert list(check_names(_ctx(_deploy(), _service()))) == []
    (found,) = check_names(_ctx(_m("ConfigMap", "Bad_Name")))
    assert "not a DNS-1123 subdomain" in found.message
    (found,) = check_names(_ctx(_service(name="1web")))
    assert "RFC 1035" in found.message
    (found,) = check_names(_ctx(_deploy(labels={"app": "web", "team": "a b"})))
    assert found.field == ("spec", "template", "metadata", "labels", "team")


def test_container_names() -> None:
    pod = _deploy()
    containers = pod.body["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "app", "image": "r/x:1", "ports": [{"name": "http"}]})
    containers[0]["ports"] = [{"name": "http", "containerPort": 80}]
    assert _messages(list(check_container_names(_ctx(pod)))) == [
        "two containers are named 'app'",
        "two container ports are named 'http'",
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("100m", Decimal("0.1")),
        ("128Mi", Decimal(128 * 2**20)),
        ("1e3", Decimal(1000)),
        ("0.5", Decimal("0.5")),
        (2, Decimal(2)),
        ("1Gi", Decimal(2**30)),
        ("lots", None),
        ("1 Gi", None),
        ("", None),
        (True, None),
    ],
)
def test_parse_quantity(text: Any, value: Decimal | None) -> None:
    assert parse_quantity(text) == value


def test_quantities() -> None:
    bad = _deploy(
        resources={"requests": {"cpu": "lots", "memory": "2Gi"}, "limits": {"memory": "1Gi"}}
    )
    assert _messages(list(check_quantities(_ctx(bad)))) == [
        "requests.cpu 'lots' of container 'app' is not a quantity (e.g. 100m, 0.5, 128Mi, 1Gi)",
        "requests.memory 2Gi is above limits.memory 1Gi in container 'app'",
    ]


def test_disabled_checks_do_not_run() -> None:
    ctx = _ctx(_deploy(resources={}))
    assert [c.id for c, _ in run_checks(ctx)] == ["KC106"]
    assert list(run_checks(ctx, disabled=["KC106"])) == []
