"""The API-server and controller rules (KC130-KC159): their parsers against the upstream
behaviour they port, and a project that uses every feature they look at correctly and stays
clean (the refused configurations are tests/corpus/ and tests/negative/)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kconfig.check.api_core import env_name_problem, port_name_problems, port_number_problem
from kconfig.check.api_networking import host_problem, int_or_percent, path_problem
from kconfig.check.controllers import canary_ingress_name, duration_seconds, go_duration
from kconfig.check.registry import CHECKS
from kconfig.cli.main import main
from tests.conftest import write_tree


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("http", True),
        ("grpc-web", True),
        ("metrics-9102", True),
        ("a" * 15, True),
        ("a" * 16, False),
        ("metricsPort", False),
        ("9102", False),
        ("grpc--web", False),
        ("-http", False),
        ("http_alt", False),
    ],
)
def test_port_names_are_iana_service_names(name: str, ok: bool) -> None:
    assert (not port_name_problems(name)) is ok


def test_port_numbers() -> None:
    assert port_number_problem(1) is None
    assert port_number_problem(65535) is None
    assert port_number_problem(0) is not None
    assert port_number_problem(65536) is not None
    assert port_number_problem(True) is not None


def test_env_names_follow_the_kubernetes_version() -> None:
    assert env_name_problem("LOG_LEVEL", "1.30") is None
    assert env_name_problem("my.app-port", "1.30") is None
    assert env_name_problem("2FA", "1.30") is not None
    assert env_name_problem("2FA", "1.32") is None  # RelaxedEnvironmentVariableValidation
    assert env_name_problem("A=B", "1.33") is not None


@pytest.mark.parametrize(
    ("value", "read"),
    [(0, (0, False)), (3, (3, False)), ("25%", (25, True)), ("00%", (0, True)), ("0%", (0, True))],
)
def test_int_or_percent(value: object, read: tuple[int, bool]) -> None:
    assert int_or_percent(value) == read


@pytest.mark.parametrize("value", [-1, "25", "25 %", "%", True, 1.5])
def test_not_int_or_percent(value: object) -> None:
    assert int_or_percent(value) is None


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("shop.example.com", True),
        ("*.shop.example.com", True),
        ("Shop.example.com", False),
        ("10.0.0.1", False),
        ("::1", False),
        ("shop.example.com:8443", False),
        ("api.*.example.com", False),
        ("my_app.example.com", False),
    ],
)
def test_ingress_hosts(host: str, ok: bool) -> None:
    assert (host_problem(host) is None) is ok


@pytest.mark.parametrize(
    ("path", "kind", "ok"),
    [
        ("/", "Prefix", True),
        ("/api/v1", "Exact", True),
        ("/api//v1", "Prefix", False),
        ("/a/../b", "Prefix", False),
        ("/a/./b", "Exact", False),
        ("/static/.", "Prefix", False),
        ("/static/..", "Prefix", False),
        ("/a%2Fb", "Prefix", False),
        ("/api//v1", "ImplementationSpecific", True),
        ("api", "ImplementationSpecific", False),
        ("/", "Regex", False),
    ],
)
def test_ingress_paths(path: str, kind: str, ok: bool) -> None:
    assert (path_problem(path, kind) is None) is ok


def test_go_durations() -> None:
    assert go_duration("1h30m") == 5400
    assert go_duration("1.5h") == 5400
    assert go_duration("300ms") == Decimal("0.3")
    assert go_duration("0") == 0
    assert go_duration("1d") is None
    assert go_duration("5 minutes") is None
    assert go_duration("") is None


def test_pause_durations_read_like_argo_rollouts() -> None:
    assert duration_seconds(30) == 30
    assert duration_seconds("30") == 30  # an integer string is seconds
    assert duration_seconds("10m") == 600
    assert duration_seconds("999999h") == 999999 * 3600  # over int32: KC150 refuses it
    assert duration_seconds("soon") is None


def test_canary_ingress_name_is_rollout_then_stable_ingress() -> None:
    assert canary_ingress_name("web", "web") == "web-web-canary"
    long = canary_ingress_name("r" * 200, "i" * 100)
    assert len(long) == 253 and long.endswith("-canary")


def test_every_rule_names_its_source_and_is_listed() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    ours = [c for c in CHECKS if "KC130" <= c.id <= "KC179"]
    assert len(ours) == 26
    for check in ours:
        module = __import__(check.run.__module__, fromlist=["_"])
        assert "kubernetes/" in (module.__doc__ or "") or "argoproj/" in (module.__doc__ or "")


GOOD = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n",
    "overlays/qa/env.yaml": "domain: qa.example.com\n",
    "overlays/prod/env.yaml": "domain: example.com\n",
    "bases/web/app.yaml": """\
image: {repository: registry.example.com/shop/web, tag: "1.0.0", pullPolicy: IfNotPresent}
port: 8080
resources: {requests: {cpu: 100m, memory: 64Mi}}
probes:
  readiness: {path: /ready, port: http, successThreshold: 2}
  liveness: {path: /live, successThreshold: 1}
  startup: {path: /live, port: 8080, failureThreshold: 30}
env: {LOG_LEVEL: info, my.app-port: "8080"}
configMap:
  data: {application.properties: "a=b", .hidden: x, theme-dark.css: "body{}"}
volumes:
- {name: cache, emptyDir: {}}
- {name: certs, secret: {secretName: web-tls}}
volumeMounts:
- {name: cache, mountPath: /var/cache}
- {name: certs, mountPath: /etc/certs, subPath: tls.crt, readOnly: true}
tolerations:
- {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
- {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
- {operator: Exists}
sidecars:
- name: metrics-agent
  image: registry.example.com/obs/agent:1.0
  imagePullPolicy: Always
  ports:
  - {name: metrics, containerPort: 9102, protocol: TCP}
  readinessProbe:
    tcpSocket: {port: metrics}
  env:
  - {name: AGENT_MODE, value: sidecar}
  resources: {requests: {cpu: 10m, memory: 32Mi}}
ingress: {enabled: true, path: /shop, pathType: Prefix}
strategy:
  type: canary
  canary:
    trafficRouting: nginx
    maxSurge: "25%"
    maxUnavailable: 0
    steps:
    - setWeight: 10
    - pause: {duration: 1h30m}
    - setWeight: 50
    - pause: {duration: 600}
    - analysis: {successRate: true}
    analysis:
      successRate:
        prometheusAddress: http://prometheus.monitoring:9090
        minimum: 0.99
        interval: 1m
        count: 5
        failureLimit: 2
""",
    "bases/api/app.yaml": """\
image: {repository: registry.example.com/shop/api, tag: "2.0.0"}
port: 8080
resources: {requests: {cpu: 100m, memory: 64Mi}}
ingress: {enabled: true, host: "*.api.example.com"}
strategy:
  type: ingressCanary
  ingressCanary: {tag: "2.1.0", weight: 10, header: X-Canary, headerValue: always}
""",
    "bases/admin/app.yaml": """\
image: {repository: registry.example.com/shop/admin, tag: "3.0.0"}
port: 8080
resources: {requests: {cpu: 100m, memory: 64Mi}}
ingress: {enabled: true}
strategy:
  type: rolling
  rolling: {maxSurge: 0, maxUnavailable: "100%"}
""",
}


def test_a_project_that_keeps_every_rule_stays_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "proj", GOOD)
    code = main(["-C", str(root), "validate", "--strict"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.strip() == "0 errors, 0 warnings in 2 environments"
