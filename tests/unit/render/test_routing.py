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
