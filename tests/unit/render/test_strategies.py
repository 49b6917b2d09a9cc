"""Deployment strategies and environment isolation, rendered and checked field by field.

Every strategy's objects are validated against the schemas the cluster would use: the
upstream Argo Rollouts CRDs (openAPIV3Schema) from ../shared/reference/argo-rollouts for
Rollout and AnalysisTemplate (skipped when that folder is absent), the official Kubernetes
1.30 strict schemas of the ``kubernetes-validate`` data package for everything else. Both
backends must render the same bytes.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

import kconfig
from tests.conftest import MINIMAL, REPO, shared_dir, write_tree

BACKENDS = ("jinja", "jsonnet")
NAME = "app.kubernetes.io/name"
BASE = (
    'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\n'
    "port: 8080\n"
    "replicas: 3\n"
    "resources: {requests: {cpu: 100m, memory: 64Mi}}\n"
    "ingress: {enabled: true}\n"
)
ADDRESS = "http://prometheus.monitoring:9090"
# The canary's series as ingress-nginx labels them: the primary Ingress's, with
# canary="<ns>-<canary service>-<port>" (issue 14; kconfig.render.strategies.analysis).
CANARY_QUERY = (
    '(sum(rate(nginx_ingress_controller_requests{namespace="shop-qa",'
    'canary="shop-qa-{{args.service-name}}-80",status!~"5.."}[5m])) or vector(0)) / '
    'sum(rate(nginx_ingress_controller_requests{namespace="shop-qa",'
    'canary="shop-qa-{{args.service-name}}-80"}[5m]))'
)
POD_LABELS = {
    NAME: "web",
    "app.kubernetes.io/part-of": "shop",
    "app.kubernetes.io/managed-by": "kconfig",
    "env": "qa",
}


# -- schemas -------------------------------------------------------------------------------
def _argo_dir() -> Path | None:
    shared = shared_dir()
    folder = shared / "reference" / "argo-rollouts" if shared else None
    return folder if folder and (folder / "rollout-crd.yaml").is_file() else None


@cache
def _crd_validator(file: str) -> jsonschema.Draft7Validator:
    folder = _argo_dir()
    assert folder is not None
    with (folder / file).open(encoding="utf-8") as fh:
        crd = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return jsonschema.Draft7Validator(schema)


def _k8s_folder() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "kubernetes-json-schema" / "v1.30.0-local-strict"


@cache
def _k8s_registry() -> Registry[Any]:
    definitions = json.loads((_k8s_folder() / "_definitions.json").read_text(encoding="utf-8"))
    return Registry().with_resource(definitions["$id"], Resource.from_contents(definitions))


K8S_FILES = {
    "Deployment": "deployment-apps-v1.json",
    "Service": "service-v1.json",
    "Ingress": "ingress-networking-v1.json",
    "NetworkPolicy": "networkpolicy-networking-v1.json",
    "Namespace": "namespace-v1.json",
    "ConfigMap": "configmap-v1.json",
    "PodDisruptionBudget": "poddisruptionbudget-policy-v1.json",
    "HorizontalPodAutoscaler": "horizontalpodautoscaler-autoscaling-v2.json",
    "ServiceAccount": "serviceaccount-v1.json",
}
# The secret kinds: the schemas kconfig derived from their upstream CRDs.
DERIVED = {
    ("external-secrets.io/v1", "ExternalSecret"): "externalsecret-v1.schema.json",
    ("external-secrets.io/v1beta1", "ExternalSecret"): "externalsecret-v1beta1.schema.json",
    ("bitnami.com/v1alpha1", "SealedSecret"): "sealedsecret.schema.json",
    ("networking.istio.io/v1beta1", "VirtualService"): "istio-virtualservice.schema.json",
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): "gatewayapi-httproute.schema.json",
}


@cache
def _k8s_validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((_k8s_folder() / K8S_FILES[kind]).read_text(encoding="utf-8"))
    schema["$id"] = f"https://kubernetes.io/api/{K8S_FILES[kind]}"
    return jsonschema.Draft202012Validator(schema, registry=_k8s_registry())


def assert_valid(body: Mapping[str, Any]) -> None:
    """The object validates against its upstream schema (CRD or Kubernetes, strict)."""
    kind = body["kind"]
    if kind in ("Rollout", "AnalysisTemplate"):
        if _argo_dir() is None:
            pytest.skip("../shared/reference/argo-rollouts is absent")
        crd = "rollout-crd.yaml" if kind == "Rollout" else "analysis-template-crd.yaml"
        errors = list(_crd_validator(crd).iter_errors(body))
    elif (body["apiVersion"], kind) in DERIVED:
        from kconfig.core.schemadata import load_schema

        schema = load_schema(DERIVED[body["apiVersion"], kind])
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(body))
    else:
        errors = list(_k8s_validator(kind).iter_errors(body))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


# -- rendering -----------------------------------------------------------------------------
Rendered = dict[tuple[str, str], dict[str, Any]]


@pytest.fixture
def render(tmp_path: Path) -> Callable[..., Rendered]:
    """Render env qa of a project whose app ``web`` has ``overlay``; returns {(kind, name):
    object}. ``parity``: with both backends, which must agree byte for byte."""

    def run(overlay: str, base: str = BASE, env: str = "qa", parity: bool = False) -> Rendered:
        root = write_tree(
            tmp_path / "proj",
            {**MINIMAL, "bases/web/app.yaml": base, f"overlays/{env}/web.yaml": overlay},
        )
        project = kconfig.Project.load(root)
        backends = BACKENDS if parity else BACKENDS[:1]
        texts = [kconfig.dump_yaml(project.render(env, backend=b)) for b in backends]
        assert texts[0] == texts[-1], "jinja and jsonnet disagree"
        out: Rendered = {}
        for doc in yaml.safe_load_all(texts[0]):
            out[doc["kind"], doc["metadata"]["name"]] = doc
        return out

    return run


def _of(rendered: Rendered, kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for (k, name), body in rendered.items() if k == kind}


def _validate_all(rendered: Rendered) -> None:
    for body in rendered.values():
        assert_valid(body)


def _selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _backend(ingress: Mapping[str, Any]) -> dict[str, Any]:
    rule = ingress["spec"]["rules"][0]
    backend: dict[str, Any] = rule["http"]["paths"][0]["backend"]["service"]
    return backend


# -- rolling / recreate --------------------------------------------------------------------
def test_rolling_is_a_deployment_with_rolling_update(render: Callable[..., Rendered]) -> None:
    out = render("strategy: {type: rolling, rolling: {maxSurge: 25%, maxUnavailable: 0}}\n")
    _validate_all(out)
    assert set(_of(out, "Deployment")) == {"web"}
    assert not _of(out, "Rollout")
    spec = out["Deployment", "web"]["spec"]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
    }
    assert spec["selector"] == {"matchLabels": {NAME: "web"}}
    assert spec["template"]["metadata"]["labels"] == POD_LABELS
    assert spec["replicas"] == 3
    assert out["Service", "web"]["spec"]["selector"] == {NAME: "web"}
    assert _backend(out["Ingress", "web"]) == {"name": "web", "port": {"number": 80}}


def test_recreate_is_a_deployment_with_recreate(render: Callable[..., Rendered]) -> None:
    out = render("strategy: {type: recreate}\n")
    _validate_all(out)
    assert out["Deployment", "web"]["spec"]["strategy"] == {"type": "Recreate"}


def test_default_strategy_is_rolling(render: Callable[..., Rendered]) -> None:
    out = render("replicas: 2\n")
    assert out["Deployment", "web"]["spec"]["strategy"] == {"type": "RollingUpdate"}


# -- blueGreen ------------------------------------------------------------------------------
BLUE_GREEN = f"""\
strategy:
  type: blueGreen
  blueGreen:
    autoPromotionEnabled: false
    autoPromotionSeconds: 600
    scaleDownDelaySeconds: 30
    previewReplicaCount: 1
    prePromotionAnalysis:
      successRate: {{prometheusAddress: "{ADDRESS}", minimum: 0.95}}
    postPromotionAnalysis:
      successRate: {{prometheusAddress: "{ADDRESS}", minimum: 0.99, interval: 30s, count: 10,
                     failureLimit: 2}}
"""


def test_blue_green_rollout(render: Callable[..., Rendered]) -> None:
    out = render(BLUE_GREEN)
    _validate_all(out)
    assert not _of(out, "Deployment")
    rollout = out["Rollout", "web"]
    assert rollout["apiVersion"] == "argoproj.io/v1alpha1"
    spec = rollout["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"] == {"matchLabels": {NAME: "web"}}
    assert spec["template"]["metadata"]["labels"] == POD_LABELS
    assert spec["template"]["spec"]["containers"][0]["image"] == (
        "registry.example.com/shop/web:1.0.0"
    )
    assert "workloadRef" not in spec
    assert spec["strategy"] == {
        "blueGreen": {
            "activeService": "web",
            "previewService": "web-preview",
            "autoPromotionEnabled": False,
            "autoPromotionSeconds": 600,
            "scaleDownDelaySeconds": 30,
            "previewReplicaCount": 1,
            "prePromotionAnalysis": {
                "templates": [{"templateName": "web-success-rate"}],
                "args": [{"name": "service-name", "value": "web-preview"}],
            },
            "postPromotionAnalysis": {
                "templates": [{"templateName": "web-post-promotion-success-rate"}],
                "args": [{"name": "service-name", "value": "web"}],
            },
        }
    }
    services = _of(out, "Service")
    assert set(services) == {"web", "web-preview"}
    assert services["web"]["spec"]["selector"] == services["web-preview"]["spec"]["selector"]
    assert services["web"]["spec"]["selector"] == {NAME: "web"}
    # the built-in pre-promotion analysis measures the preview host's Ingress (issue 14)
    assert set(_of(out, "Ingress")) == {"web", "web-preview"}
    assert _backend(out["Ingress", "web"])["name"] == "web"
    assert _backend(out["Ingress", "web-preview"])["name"] == "web-preview"
    templates = _of(out, "AnalysisTemplate")
    assert set(templates) == {"web-success-rate", "web-post-promotion-success-rate"}
    post = templates["web-post-promotion-success-rate"]["spec"]["metrics"][0]
    assert (post["interval"], post["count"], post["failureLimit"]) == ("30s", 10, 2)
    assert post["successCondition"] == "result[0] >= 0.99"


def test_blue_green_without_analysis_renders_no_template(
    render: Callable[..., Rendered],
) -> None:
    out = render("strategy: {type: blueGreen}\n")
    _validate_all(out)
    assert out["Rollout", "web"]["spec"]["strategy"] == {
        "blueGreen": {"activeService": "web", "previewService": "web-preview"}
    }
    assert not _of(out, "AnalysisTemplate")


def test_same_analysis_for_pre_and_post_promotion_is_one_template(
    render: Callable[..., Rendered],
) -> None:
    sr = f'{{successRate: {{prometheusAddress: "{ADDRESS}", minimum: 0.9}}}}'
    out = render(
        f"strategy:\n  type: blueGreen\n  blueGreen:\n"
        f"    prePromotionAnalysis: {sr}\n    postPromotionAnalysis: {sr}\n"
    )
    assert set(_of(out, "AnalysisTemplate")) == {"web-success-rate"}
    strategy = out["Rollout", "web"]["spec"]["strategy"]["blueGreen"]
    assert strategy["postPromotionAnalysis"]["templates"] == [{"templateName": "web-success-rate"}]


# -- canary ---------------------------------------------------------------------------------
CANARY_NGINX = f"""\
strategy:
  type: canary
  canary:
    trafficRouting: nginx
    maxSurge: 1
    maxUnavailable: 0
    steps:
    - setWeight: 10
    - setCanaryScale: {{replicas: 1}}
    - pause: {{duration: 1h}}
    - setWeight: 40
    - pause: {{duration: 30}}
    - analysis: {{successRate: true}}
    - setWeight: 80
    - pause: {{}}
    - analysis:
        templates: [{{templateName: smoke-tests, clusterScope: true}}]
    analysis:
      startingStep: 1
      successRate:
        prometheusAddress: "{ADDRESS}"
        minimum: 0.95
"""


def test_canary_with_nginx_traffic_routing(render: Callable[..., Rendered]) -> None:
    out = render(CANARY_NGINX)
    _validate_all(out)
    assert not _of(out, "Deployment")
    canary = out["Rollout", "web"]["spec"]["strategy"]["canary"]
    measured = {
        "templates": [{"templateName": "web-success-rate"}],
        "args": [{"name": "service-name", "value": "web-canary"}],
    }
    assert canary == {
        "canaryService": "web-canary",
        "stableService": "web",
        "trafficRouting": {"nginx": {"stableIngress": "web"}},
        "maxSurge": 1,
        "maxUnavailable": 0,
        "analysis": {**measured, "startingStep": 1},
        "steps": [
            {"setWeight": 10},
            {"setCanaryScale": {"replicas": 1}},
            {"pause": {"duration": "1h"}},
            {"setWeight": 40},
            {"pause": {"duration": 30}},
            {"analysis": measured},
            {"setWeight": 80},
            {"pause": {}},
            {"analysis": {"templates": [{"templateName": "smoke-tests", "clusterScope": True}]}},
        ],
    }
    services = _of(out, "Service")
    assert set(services) == {"web", "web-canary"}
    assert services["web"]["spec"]["selector"] == services["web-canary"]["spec"]["selector"]
    assert _selects(
        services["web"]["spec"]["selector"],
        out["Rollout", "web"]["spec"]["template"]["metadata"]["labels"],
    )
    # The controller creates the canary Ingress: kconfig renders only the stable one.
    assert set(_of(out, "Ingress")) == {"web"}
    assert _backend(out["Ingress", "web"])["name"] == "web"


def test_canary_analysis_template(render: Callable[..., Rendered]) -> None:
    out = render(CANARY_NGINX)
    template = out["AnalysisTemplate", "web-success-rate"]
    assert_valid(template)
    assert template["apiVersion"] == "argoproj.io/v1alpha1"
    assert template["metadata"]["namespace"] == "shop-qa"
    assert template["spec"] == {
        "args": [{"name": "service-name"}],
        "metrics": [
            {
                "name": "success-rate",
                "count": 5,
                "failureLimit": 1,
                "interval": "1m",
                "provider": {"prometheus": {"address": ADDRESS, "query": CANARY_QUERY}},
                "successCondition": "result[0] >= 0.95",
            }
        ],
    }


def test_canary_without_traffic_routing_is_weighted_by_replicas(
    render: Callable[..., Rendered],
) -> None:
    out = render(
        "strategy:\n  type: canary\n  canary:\n    trafficRouting: none\n"
        "    steps: [{setWeight: 20}, {pause: {}}, {setWeight: 60}]\n"
    )
    _validate_all(out)
    canary = out["Rollout", "web"]["spec"]["strategy"]["canary"]
    # No stableService: the controller would pin `web` to the stable pods, and the Ingress
    # (which routes to `web`) would then never reach a canary pod.
    assert canary == {
        "canaryService": "web-canary",
        "steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}],
    }
    services = _of(out, "Service")
    assert set(services) == {"web", "web-canary"}
    assert services["web"]["spec"]["selector"] == {NAME: "web"}
    assert services["web-canary"]["spec"]["selector"] == {NAME: "web"}
    assert set(_of(out, "Ingress")) == {"web"}


def test_canary_analysis_without_nginx_measures_the_service_the_ingress_uses(
    render: Callable[..., Rendered],
) -> None:
    out = render(
        f"strategy:\n  type: canary\n  canary:\n    steps: [{{setWeight: 50}}]\n"
        f"    analysis: {{successRate: {{prometheusAddress: '{ADDRESS}', "
        f"minimum: 1}}}}\n"
    )
    _validate_all(out)
    canary = out["Rollout", "web"]["spec"]["strategy"]["canary"]
    assert canary["analysis"]["args"] == [{"name": "service-name", "value": "web"}]
    metric = out["AnalysisTemplate", "web-success-rate"]["spec"]["metrics"][0]
    assert metric["successCondition"] == "result[0] >= 1"


def test_canary_service_names_can_be_chosen(render: Callable[..., Rendered]) -> None:
    out = render(
        "strategy:\n  type: canary\n  canary:\n    trafficRouting: nginx\n"
        "    stableService: web-stable\n    canaryService: web-next\n"
    )
    canary = out["Rollout", "web"]["spec"]["strategy"]["canary"]
    assert (canary["stableService"], canary["canaryService"]) == ("web-stable", "web-next")
    assert set(_of(out, "Service")) == {"web-stable", "web-next"}
    assert _backend(out["Ingress", "web"])["name"] == "web-stable"


# -- ingressCanary ---------------------------------------------------------------------------
def test_ingress_canary(render: Callable[..., Rendered]) -> None:
    out = render(
        'strategy:\n  type: ingressCanary\n  ingressCanary:\n    tag: "1.1.0-rc.1"\n'
        "    weight: 20\n    header: X-Canary\n    headerValue: always\n"
    )
    _validate_all(out)
    assert not _of(out, "Rollout")
    deployments = _of(out, "Deployment")
    assert set(deployments) == {"web", "web-canary"}
    stable, canary = deployments["web"]["spec"], deployments["web-canary"]["spec"]
    assert stable["template"]["spec"]["containers"][0]["image"] == (
        "registry.example.com/shop/web:1.0.0"
    )
    assert canary["template"]["spec"]["containers"][0]["image"] == (
        "registry.example.com/shop/web:1.1.0-rc.1"
    )
    assert stable["template"]["metadata"]["labels"] == {**POD_LABELS, "kconfig.dev/track": "stable"}
    assert canary["template"]["metadata"]["labels"] == {**POD_LABELS, "kconfig.dev/track": "canary"}
    # Each Deployment selects its own track only: the selectors never overlap (KC120).
    assert stable["selector"] == {"matchLabels": {NAME: "web", "kconfig.dev/track": "stable"}}
    assert canary["selector"] == {"matchLabels": {NAME: "web", "kconfig.dev/track": "canary"}}
    assert (stable["replicas"], canary["replicas"]) == (3, 1)
    services = _of(out, "Service")
    assert services["web"]["spec"]["selector"] == {NAME: "web", "kconfig.dev/track": "stable"}
    assert services["web-canary"]["spec"]["selector"] == {
        NAME: "web",
        "kconfig.dev/track": "canary",
    }
    assert not _selects(
        services["web"]["spec"]["selector"], canary["template"]["metadata"]["labels"]
    )
    ingresses = _of(out, "Ingress")
    assert set(ingresses) == {"web", "web-canary"}
    assert "annotations" not in ingresses["web"]["metadata"]
    assert _backend(ingresses["web"])["name"] == "web"
    assert _backend(ingresses["web-canary"])["name"] == "web-canary"
    assert ingresses["web-canary"]["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "20",
        "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
        "nginx.ingress.kubernetes.io/canary-by-header-value": "always",
    }
    # Same host and path, or NGINX would not treat the second Ingress as the canary.
    assert (
        ingresses["web"]["spec"]["rules"][0]["host"]
        == ingresses["web-canary"]["spec"]["rules"][0]["host"]
        == "web.qa.example.com"
    )


def test_ingress_canary_keeps_user_annotations_and_omits_unset_header(
    render: Callable[..., Rendered],
) -> None:
    base = BASE.replace(
        "ingress: {enabled: true}", "ingress: {enabled: true, annotations: {a.example.com/x: y}}"
    )
    out = render('strategy: {type: ingressCanary, ingressCanary: {tag: "2.0"}}\n', base=base)
    annotations = out["Ingress", "web-canary"]["metadata"]["annotations"]
    assert annotations == {
        "a.example.com/x": "y",
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": "0",
    }
    assert out["Ingress", "web"]["metadata"]["annotations"] == {"a.example.com/x": "y"}


# -- ingressBlueGreen ------------------------------------------------------------------------
INGRESS_BLUE_GREEN = """\
strategy:
  type: ingressBlueGreen
  ingressBlueGreen:
    active: {active}
    blue: {{tag: "1.0.0"}}
    green: {{tag: "1.1.0"}}
"""


@pytest.mark.parametrize("active", ["blue", "green"])
def test_ingress_blue_green(render: Callable[..., Rendered], active: str) -> None:
    out = render(INGRESS_BLUE_GREEN.format(active=active))
    _validate_all(out)
    deployments = _of(out, "Deployment")
    assert set(deployments) == {"web-blue", "web-green"}
    for colour, tag in (("blue", "1.0.0"), ("green", "1.1.0")):
        spec = deployments[f"web-{colour}"]["spec"]
        assert spec["selector"] == {"matchLabels": {NAME: "web", "kconfig.dev/color": colour}}
        assert spec["template"]["metadata"]["labels"] == {**POD_LABELS, "kconfig.dev/color": colour}
        assert spec["template"]["spec"]["containers"][0]["image"] == (
            f"registry.example.com/shop/web:{tag}"
        )
        assert spec["replicas"] == 3
        assert out["Service", f"web-{colour}"]["spec"]["selector"] == {
            NAME: "web",
            "kconfig.dev/color": colour,
        }
    # In-cluster clients use `web`; it follows the active colour like the Ingress.
    assert out["Service", "web"]["spec"]["selector"] == {NAME: "web", "kconfig.dev/color": active}
    assert set(_of(out, "Ingress")) == {"web"}
    assert _backend(out["Ingress", "web"]) == {"name": f"web-{active}", "port": {"number": 80}}


def test_ingress_blue_green_colour_without_tag_runs_the_app_tag(
    render: Callable[..., Rendered],
) -> None:
    out = render('strategy: {type: ingressBlueGreen, ingressBlueGreen: {green: {tag: "2.0"}}}\n')
    images = {
        name: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for name, d in _of(out, "Deployment").items()
    }
    assert images == {
        "web-blue": "registry.example.com/shop/web:1.0.0",
        "web-green": "registry.example.com/shop/web:2.0",
    }
    assert _backend(out["Ingress", "web"])["name"] == "web-blue"  # blue unless told


# -- every strategy: selectors, Service and Ingress references -------------------------------
STRATEGIES = {
    "rolling": "strategy: {type: rolling}\n",
    "recreate": "strategy: {type: recreate}\n",
    "blueGreen": BLUE_GREEN,
    "canary": CANARY_NGINX,
    "ingressCanary": 'strategy: {type: ingressCanary, ingressCanary: {tag: "2.0", weight: 5}}\n',
    "ingressBlueGreen": INGRESS_BLUE_GREEN.format(active="green"),
    "canary-none": "strategy: {type: canary, canary: {steps: [{setWeight: 20}, {pause: {}}]}}\n",
}


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_references_resolve(render: Callable[..., Rendered], strategy: str) -> None:
    """Selectors select their own pods; every referenced Service, port and template exists;
    both backends render the same bytes."""
    out = render(STRATEGIES[strategy], parity=True)
    workloads = [b for (k, _), b in out.items() if k in ("Deployment", "Rollout")]
    pods = [w["spec"]["template"]["metadata"]["labels"] for w in workloads]
    for w in workloads:
        assert _selects(
            w["spec"]["selector"]["matchLabels"], w["spec"]["template"]["metadata"]["labels"]
        )
    services = _of(out, "Service")
    for service in services.values():
        assert any(_selects(service["spec"]["selector"], labels) for labels in pods)
    for ingress in _of(out, "Ingress").values():
        backend = _backend(ingress)
        assert backend["name"] in services
        ports = [p["port"] for p in services[backend["name"]]["spec"]["ports"]]
        assert backend["port"]["number"] in ports
    for rollout in _of(out, "Rollout").values():
        for name in _rollout_services(rollout["spec"]["strategy"]):
            assert name in services
        for name in _template_refs(rollout["spec"]["strategy"]):
            assert ("AnalysisTemplate", name) in out


def _rollout_services(strategy: Mapping[str, Any]) -> list[str]:
    block = strategy.get("canary") or strategy.get("blueGreen") or {}
    keys = ("canaryService", "stableService", "activeService", "previewService")
    return [block[k] for k in keys if k in block]


def _template_refs(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        if "templateName" in node and not node.get("clusterScope"):
            yield node["templateName"]
        for value in node.values():
            yield from _template_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _template_refs(item)


# -- environment isolation -------------------------------------------------------------------
def test_namespace_and_isolation_policy(render: Callable[..., Rendered], tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "iso",
        {
            **MINIMAL,
            "overlays/qa/env.yaml": "labels: {env: qa, team: web}\n"
            "allowNamespaces: [ingress-nginx, monitoring]\n",
            "bases/web/app.yaml": BASE + "networkPolicy:\n  enabled: true\n  allowFrom:\n"
            "  - app: api\n  - namespace: monitoring\n",
        },
    )
    project = kconfig.Project.load(root)
    texts = [kconfig.dump_yaml(project.render("qa", backend=b)) for b in BACKENDS]
    assert texts[0] == texts[1]
    out = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(texts[0])}
    _validate_all(out)
    namespace = out["Namespace", "shop-qa"]
    assert "namespace" not in namespace["metadata"]
    assert namespace["metadata"]["labels"] == {
        "app.kubernetes.io/part-of": "shop",
        "app.kubernetes.io/managed-by": "kconfig",
        "env": "qa",
        "team": "web",
    }
    # Every pod admits the allowed namespaces; only pods of apps without a policy of their
    # own (no kconfig.dev/netpol label) admit the whole namespace.
    assert out["NetworkPolicy", "env-same-namespace"]["spec"] == {
        "podSelector": {
            "matchExpressions": [{"key": "kconfig.dev/netpol", "operator": "DoesNotExist"}]
        },
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"podSelector": {}}]}],
    }
    pod_labels = out["Deployment", "web"]["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["kconfig.dev/netpol"] == "own"
    isolation = out["NetworkPolicy", "env-isolation"]["spec"]
    assert isolation == {
        "podSelector": {},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                        }
                    },
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
                        }
                    },
                ]
            }
        ],
    }
    own = out["NetworkPolicy", "web"]["spec"]
    assert own == {
        "podSelector": {"matchLabels": {NAME: "web"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {"podSelector": {"matchLabels": {NAME: "api"}}},
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
                        }
                    },
                ],
                "ports": [{"port": "http", "protocol": "TCP"}],
            }
        ],
    }
    # The named port "http" is the app's container port.
    container = out["Deployment", "web"]["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]


def test_isolation_off_and_app_policy_off(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "open", {**MINIMAL, "overlays/qa/env.yaml": "isolation: false\n"})
    kinds = [m.kind for m in kconfig.Project.load(root).render("qa")]
    assert "NetworkPolicy" not in kinds
    assert kinds[0] == "Namespace"


def test_app_policy_with_no_peers_admits_nothing(tmp_path: Path) -> None:
    """A rule with ``from: []`` would admit every source: no peers means no rule."""
    root = write_tree(
        tmp_path / "closed",
        {**MINIMAL, "bases/web/app.yaml": BASE + "networkPolicy: {enabled: true}\n"},
    )
    project = kconfig.Project.load(root)
    for backend in BACKENDS:
        policy = next(
            m.body
            for m in project.render("qa", backend=backend)
            if m.kind == "NetworkPolicy" and m.name == "web"
        )
        assert_valid(policy)
        assert policy["spec"]["ingress"] == [], backend


@pytest.mark.parametrize("strategy", ["blueGreen", "canary", "ingressCanary", "ingressBlueGreen"])
def test_app_policy_covers_every_pod_of_the_strategy(
    render: Callable[..., Rendered],
    strategy: str,
) -> None:
    out = render(
        STRATEGIES[strategy],
        base=BASE + "networkPolicy: {enabled: true, allowFrom: [{namespace: ingress-nginx}]}\n",
    )
    selector = out["NetworkPolicy", "web"]["spec"]["podSelector"]["matchLabels"]
    for (kind, _), body in out.items():
        if kind in ("Deployment", "Rollout"):
            assert _selects(selector, body["spec"]["template"]["metadata"]["labels"])


# -- the reference estate --------------------------------------------------------------------
@pytest.fixture(scope="module")
def estate() -> dict[str, Rendered]:
    project = kconfig.Project.load(REPO)
    out: dict[str, Rendered] = {}
    for env in project.environments:
        texts = [kconfig.dump_yaml(project.render(env, backend=b)) for b in BACKENDS]
        assert texts[0] == texts[1], f"{env}: jinja and jsonnet disagree"
        out[env] = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(texts[0])}
    return out


def test_estate_myapp_is_a_canary_with_nginx_and_analysis_in_stage(
    estate: dict[str, Rendered],
) -> None:
    stage = estate["stage"]
    canary = stage["Rollout", "myapp"]["spec"]["strategy"]["canary"]
    assert canary["trafficRouting"] == {"nginx": {"stableIngress": "myapp"}}
    assert (canary["stableService"], canary["canaryService"]) == ("myapp", "myapp-canary")
    assert canary["analysis"]["templates"] == [{"templateName": "myapp-success-rate"}]
    assert {"analysis": canary["analysis"]} in canary["steps"]
    assert ("AnalysisTemplate", "myapp-success-rate") in stage
    assert ("Deployment", "myapp") not in stage
    assert ("Ingress", "myapp-canary") not in stage
    for body in stage.values():
        assert_valid(body)


def test_estate_myapp_is_blue_green_in_prod(estate: dict[str, Rendered]) -> None:
    prod = estate["prod"]
    blue_green = prod["Rollout", "myapp"]["spec"]["strategy"]["blueGreen"]
    assert (blue_green["activeService"], blue_green["previewService"]) == ("myapp", "myapp-preview")
    assert blue_green["autoPromotionEnabled"] is False
    assert ("Service", "myapp-preview") in prod
    for body in prod.values():
        assert_valid(body)


def test_estate_frontend_uses_an_nginx_only_strategy_in_one_environment(
    estate: dict[str, Rendered],
) -> None:
    nginx_only = [
        env
        for env, out in estate.items()
        if ("Ingress", "frontend-canary") in out or ("Service", "frontend-blue") in out
    ]
    assert len(nginx_only) == 1
    for body in estate[nginx_only[0]].values():
        assert_valid(body)
    for env in set(estate) - set(nginx_only):
        assert estate[env]["Deployment", "frontend"]["spec"]["selector"] == {
            "matchLabels": {NAME: "frontend"}
        }
