"""issue 16: the main port's name (portName), and the mesh routings of an Argo Rollouts
canary (Istio VirtualService, Gateway API HTTPRoute), rendered by both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import kconfig
from tests.conftest import MINIMAL, write_tree

BACKENDS = ("jinja", "jsonnet")
BASE = (
    'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\n'
    "port: 6379\n"
    "resources: {requests: {cpu: 100m, memory: 64Mi}}\n"
    "ingress: {enabled: true}\n"
)
Rendered = dict[tuple[str, str], dict[str, Any]]


def render(root: Path, overlay: str, env: str = "qa") -> Rendered:
    """Env ``env`` of MINIMAL with ``overlay`` for app web, by both backends (which must
    agree byte for byte): {(kind, name): object}."""
    write_tree(root, {**MINIMAL, "bases/web/app.yaml": BASE, f"overlays/{env}/web.yaml": overlay})
    project = kconfig.Project.load(root)
    texts = [kconfig.dump_yaml(project.render(env, backend=b)) for b in BACKENDS]
    assert texts[0] == texts[1], "jinja and jsonnet disagree"
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(texts[0])}


# -- portName ------------------------------------------------------------------------------
def test_port_name_is_followed_by_services_probes_and_policies(tmp_path: Path) -> None:
    out = render(
        tmp_path,
        "portName: tcp-redis\n"
        "probes: {readiness: {path: /ready}}\n"
        "networkPolicy: {enabled: true, allowFrom: [{app: orders}]}\n",
    )
    pod = out["Deployment", "web"]["spec"]["template"]["spec"]["containers"][0]
    assert pod["ports"] == [{"containerPort": 6379, "name": "tcp-redis", "protocol": "TCP"}]
    assert pod["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "tcp-redis"}
    assert out["Service", "web"]["spec"]["ports"] == [
        {"name": "tcp-redis", "port": 80, "protocol": "TCP", "targetPort": "tcp-redis"}
    ]
    rule = out["NetworkPolicy", "web"]["spec"]["ingress"][0]
    assert rule["ports"] == [{"port": "tcp-redis", "protocol": "TCP"}]


def test_port_name_defaults_to_http(tmp_path: Path) -> None:
    out = render(tmp_path, "replicas: 1\n")
    assert out["Service", "web"]["spec"]["ports"][0]["targetPort"] == "http"


@pytest.mark.parametrize(
    "name", ["HTTP", "tcp--redis", "-tcp", "1234", "a-very-long-port-name", "tcp_redis"]
)
def test_port_name_must_be_an_iana_service_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(kconfig.ValidationError) as caught:
        render(tmp_path, f"portName: {name!r}\n")
    text = str(caught.value)
    assert "overlays/qa/web.yaml:1:11" in text and "portName" in text, text


# -- Istio ---------------------------------------------------------------------------------
CANARY = (
    "strategy:\n  type: canary\n  canary:\n    steps: [{setWeight: 20}, {pause: {}}]\n"
    "    analysis:\n"
    "      successRate: {prometheusAddress: 'http://prometheus.monitoring:9090', minimum: 0.95}\n"
)
ISTIO = CANARY + "    trafficRouting: istio\n    istio: {gateways: [istio-system/public]}\n"
GATEWAY = (
    "strategy:\n  type: canary\n  canary:\n    steps: [{setWeight: 20}, {pause: {}}]\n"
    "    trafficRouting: gatewayAPI\n"
    "    gatewayAPI: {parentRefs: [{name: public, namespace: gateway-system}]}\n"
)


def test_istio_renders_the_virtual_service_the_controller_needs(tmp_path: Path) -> None:
    out = render(tmp_path, ISTIO)
    assert ("Ingress", "web") not in out  # the VirtualService routes the host instead
    vs = out["VirtualService", "web"]
    assert vs["apiVersion"] == "networking.istio.io/v1beta1"
    port = {"number": 80}
    assert vs["spec"] == {
        "gateways": ["istio-system/public"],
        "hosts": ["web.qa.example.com"],
        "http": [
            {
                "name": "primary",
                "route": [
                    {"destination": {"host": "web", "port": port}, "weight": 100},
                    {"destination": {"host": "web-canary", "port": port}, "weight": 0},
                ],
            }
        ],
    }
    canary = out["Rollout", "web"]["spec"]["strategy"]["canary"]
    assert canary["stableService"] == "web" and canary["canaryService"] == "web-canary"
    assert canary["trafficRouting"] == {
        "istio": {"virtualService": {"name": "web", "routes": ["primary"]}}
    }
    assert {("Service", "web"), ("Service", "web-canary")} <= set(out)


def test_istio_analysis_measures_what_the_sidecars_report(tmp_path: Path) -> None:
    out = render(tmp_path, ISTIO)
    metric = out["AnalysisTemplate", "web-success-rate"]["spec"]["metrics"][0]
    where = (
        'reporter="destination",destination_service_namespace="shop-qa",'
        'destination_service_name="{{args.service-name}}"'
    )
    assert metric["provider"]["prometheus"]["query"] == (
        f'sum(rate(istio_requests_total{{{where},response_code!~"5.*"}}[5m])) / '
        f"sum(rate(istio_requests_total{{{where}}}[5m]))"
    )
    # The canary's own Service is measured: the router sends it its share.
    args = out["Rollout", "web"]["spec"]["strategy"]["canary"]["analysis"]["args"]
    assert args == [{"name": "service-name", "value": "web-canary"}]


# -- Gateway API ---------------------------------------------------------------------------
def test_gateway_api_renders_the_http_route_and_the_plugin_entry(tmp_path: Path) -> None:
    out = render(tmp_path, GATEWAY)
    assert ("Ingress", "web") not in out
    route = out["HTTPRoute", "web"]
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["spec"] == {
        "hostnames": ["web.qa.example.com"],
        "parentRefs": [{"name": "public", "namespace": "gateway-system"}],
        "rules": [
            {
                "backendRefs": [
                    {"name": "web", "port": 80, "weight": 100},
                    {"name": "web-canary", "port": 80, "weight": 0},
                ]
            }
        ],
    }
    canary = out["Rollout", "web"]["spec"]["strategy"]["canary"]
    assert canary["trafficRouting"] == {
        "plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web", "namespace": "shop-qa"}}
    }


def test_mesh_outputs_validate_strictly(tmp_path: Path) -> None:
    """The VirtualService and HTTPRoute pass their upstream-derived schemas, and an unknown
    field in either is refused (strict, like the API server)."""
    write_tree(
        tmp_path,
        {
            **MINIMAL,
            "bases/web/app.yaml": BASE,
            "overlays/qa/web.yaml": ISTIO,
            "overlays/prod/web.yaml": GATEWAY + "patches:\n- target: {kind: HTTPRoute, name: web}\n"
            "  patch: {spec: {retry: {attempts: 3}}}\n",
        },
    )
    report = kconfig.Project.load(tmp_path).validate()
    problems = [d.format() for d in report.diagnostics if d.severity == "error"]
    assert len(problems) == 1, problems
    assert "HTTPRoute/web (prod): spec.retry: unknown field `retry`" in problems[0]
