"""kconfig's own JSON Schemas (kconfig/schemas/*.json) and the loader in kconfig.core.schemadata.

Every schema is valid draft 2020-12 and resolves its cross-file ``$ref`` offline in both
``jsonschema`` and ``jsonschema_rs``; each input schema accepts full examples (including the
ones in CONTRACT.md) and refuses typical mistakes; the Argo Rollouts schemas accept the
upstream examples and never declare a field the upstream CRDs lack, nor refuse one they have.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator

from kconfig.core.schemadata import (
    SCHEMA_BASE_URI,
    SCHEMA_NAMES,
    load_schema,
    schema_id,
    schema_registry,
    schema_resources,
)

REPO = Path(__file__).resolve().parents[3]
# /work/shared beside /work/main; CI puts a copy of shared/ beside its clone of the repo.
SHARED = REPO.parent / "shared"
ARGO_REFERENCE = SHARED / "reference" / "argo-rollouts"
CONTRACT = SHARED / "CONTRACT.md"

Path_ = tuple[str | int, ...]


# -- helpers -------------------------------------------------------------------------------


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), registry=schema_registry())


@cache
def _rs_validator(name: str) -> Any:
    registry = jsonschema_rs.Registry(schema_resources())
    return jsonschema_rs.validator_for(load_schema(name), registry=registry)


def _errors(name: str, instance: Any) -> dict[Path_, list[str]]:
    """Errors of ``instance`` by instance path; jsonschema_rs must agree on validity."""
    found: dict[Path_, list[str]] = {}
    for error in _validator(name).iter_errors(instance):
        found.setdefault(tuple(error.absolute_path), []).append(error.message)
    assert _rs_validator(name).is_valid(instance) == (not found), (name, found)
    return found


def _assert_valid(name: str, instance: Any) -> None:
    assert _errors(name, instance) == {}


def _assert_invalid(name: str, instance: Any, at: Path_) -> None:
    found = _errors(name, instance)
    assert at in found, f"expected an error at {at}, got {found}"


def _load(text: str) -> Any:
    """YAML 1.1, as kconfig and kubectl read it: `1.10` is a float, `on` a boolean."""
    return yaml.safe_load(text)


_DELETE = object()


def _with(base: Mapping[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with ``value`` at ``path`` (``_DELETE`` removes the key)."""
    doc: Any = copy.deepcopy(dict(base))
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc  # type: ignore[no-any-return]


def _yaml_docs(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return [d for d in yaml.load_all(stream, Loader=yaml.CSafeLoader) if d]


def _require_reference() -> Path:
    if not ARGO_REFERENCE.is_dir():
        pytest.skip(f"Argo Rollouts reference data not found at {ARGO_REFERENCE}")
    return ARGO_REFERENCE


@cache
def _crd_schema(file_name: str) -> dict[str, Any]:
    crd = _yaml_docs(ARGO_REFERENCE / file_name)[0]
    (version,) = crd["spec"]["versions"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


# -- the package data itself ---------------------------------------------------------------


def test_schema_names_match_the_shipped_files() -> None:
    folder = resources.files("kconfig").joinpath("schemas")
    shipped = {p.name for p in folder.iterdir() if p.name.endswith(".json")}
    assert shipped == set(SCHEMA_NAMES)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12_with_its_id(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schema_id(name) == SCHEMA_BASE_URI + name
    assert schema.get("title") and schema.get("description")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_ref_resolves_offline(name: str) -> None:
    schema = load_schema(name)
    resolver = schema_registry().resolver(base_uri=schema["$id"])
    for target in _refs(schema):
        assert target.startswith("#") or target.split("#")[0] in SCHEMA_NAMES, target
        resolver.lookup(target)  # raises when unresolvable


def test_load_schema_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown kconfig schema"):
        load_schema("../pyproject.toml")
    with pytest.raises(ValueError, match="unknown kconfig schema"):
        load_schema("deployment.json")


def test_load_schema_returns_a_fresh_dict() -> None:
    first = load_schema("app.schema.json")
    first["properties"].clear()
    assert load_schema("app.schema.json")["properties"]


def test_registry_holds_every_schema_by_id() -> None:
    registry = schema_registry()
    for name in SCHEMA_NAMES:
        assert registry.contents(schema_id(name))["$id"] == schema_id(name)


def test_jsonschema_rs_resolves_cross_file_refs_offline() -> None:
    # env.yaml's `defaults` is app values: an error inside it is found through the $ref.
    env = {"defaults": {"image": {"tag": 1.1}}}
    assert not _rs_validator("env.schema.json").is_valid(env)
    paths = [list(e.instance_path) for e in _rs_validator("env.schema.json").iter_errors(env)]
    assert ["defaults", "image", "tag"] in paths


# -- kconfig.yaml --------------------------------------------------------------------------

KCONFIG_FULL = _load(
    """
project: shop
kubernetesVersion: "1.30"
backend: jinja
output: deploy
environments: [qa, e2e, stage, prod]
promote: [image.tag, strategy.ingressBlueGreen.green.tag, env.FEATURE_X]
crds: [crds/rollout-crd.yaml, vendor/cert-manager.yaml]
gitops:
  layout: branches
  branchPrefix: env/
  argocd:
    repoURL: https://git.example.com/shop-deploy.git
    targetRevision: main
    project: default
    path: deploy
    applicationSet: true
  flux:
    sourceRef: {kind: GitRepository, name: shop-deploy, namespace: flux-system}
    path: ./deploy
    interval: 5m
    prune: true
limits: {renderTimeout: 2.5, maxDepth: 64, jsonnetMaxStack: 500, maxAliasExpansion: 10000}
sandbox: {allowEnv: [CI_COMMIT_SHA, BUILD_NUMBER]}
"""
)


def test_kconfig_full_example_is_valid() -> None:
    _assert_valid("kconfig.schema.json", KCONFIG_FULL)


def test_kconfig_minimal_example_is_valid() -> None:
    _assert_valid("kconfig.schema.json", {"project": "shop"})


@pytest.mark.parametrize(
    ("path", "value", "at"),
    [
        (("project",), _DELETE, ()),
        (("projcet",), "shop", ()),
        (("project",), "Shop", ("project",)),
        (("project",), "a" * 54, ("project",)),
        (("kubernetesVersion",), 1.30, ("kubernetesVersion",)),
        (("kubernetesVersion",), "v1.27", ("kubernetesVersion",)),
        (("kubernetesVersion",), "1.34.x", ("kubernetesVersion",)),
        (("kubernetesVersion",), "1", ("kubernetesVersion",)),
        (("backend",), "helm", ("backend",)),
        (("environments",), [], ("environments",)),
        (("environments",), ["qa", "qa"], ("environments",)),
        (("environments",), ["qa", "../prod"], ("environments", 1)),
        (("promote",), ["image..tag"], ("promote", 0)),
        (("crds",), ["../outside.yaml"], ("crds", 0)),
        (("crds",), ["/etc/crd.yaml"], ("crds", 0)),
        (("gitops", "layout"), "monorepo", ("gitops", "layout")),
        (("gitops", "argocd", "repoURL"), _DELETE, ("gitops", "argocd")),
        (("gitops", "argocd", "repoUrl"), "x", ("gitops", "argocd")),
        (("gitops", "argocd", "applicationSet"), "yes", ("gitops", "argocd", "applicationSet")),
        (("gitops", "flux", "sourceRef", "name"), _DELETE, ("gitops", "flux", "sourceRef")),
        (("limits", "renderTimeout"), 0, ("limits", "renderTimeout")),
        (("limits", "maxDepth"), 1.5, ("limits", "maxDepth")),
        (("limits", "timeout"), 3, ("limits",)),
        (("sandbox", "allowEnv"), ["1BAD"], ("sandbox", "allowEnv", 0)),
    ],
)
def test_kconfig_invalid(path: Path_, value: Any, at: Path_) -> None:
    _assert_invalid("kconfig.schema.json", _with(KCONFIG_FULL, path, value), at)


# -- overlays/<env>/env.yaml ---------------------------------------------------------------

ENV_FULL = _load(
    """
extends: qa
namespace: shop-e2e
domain: e2e.shop.example.com
labels: {env: e2e, example.com/team: web}
annotations: {example.com/owner: "team-web@example.com"}
isolation: true
allowNamespaces: [ingress-nginx, monitoring]
apps: [storefront, orders-api]
defaults:
  replicas: 1
  resources: {limits: {memory: 256Mi}}
  labels: {tier: web}
checks: {disable: [KC104, KC210]}
allowSecrets: false
"""
)


def test_env_full_example_is_valid() -> None:
    _assert_valid("env.schema.json", ENV_FULL)


def test_env_null_deletes_an_inherited_key() -> None:
    _assert_valid("env.schema.json", {"extends": "qa", "domain": None, "labels": {"env": None}})


@pytest.mark.parametrize(
    ("path", "value", "at"),
    [
        (("namespaces",), "x", ()),
        (("extends",), "../qa", ("extends",)),
        (("namespace",), "Shop_E2E", ("namespace",)),
        (("domain",), "e2e shop", ("domain",)),
        (("labels", "env"), True, ("labels", "env")),
        (("labels", "version"), 1.10, ("labels", "version")),
        (("labels", "bad key!"), "x", ("labels",)),
        (("annotations", "example.com/build"), 42, ("annotations", "example.com/build")),
        (("isolation",), "yes", ("isolation",)),
        (("allowNamespaces",), ["ingress_nginx"], ("allowNamespaces", 0)),
        (("apps",), ["storefront", "storefront"], ("apps",)),
        (("defaults", "image"), {"tag": 1.10}, ("defaults", "image", "tag")),
        (("defaults", "replica"), 1, ("defaults",)),
        (("checks", "disable"), ["KC1"], ("checks", "disable", 0)),
        (("checks", "enable"), ["KC104"], ("checks",)),
        (("allowSecrets",), "no", ("allowSecrets",)),
    ],
)
def test_env_invalid(path: Path_, value: Any, at: Path_) -> None:
    _assert_invalid("env.schema.json", _with(ENV_FULL, path, value), at)


# -- app values ----------------------------------------------------------------------------

APP_FULL = _load(
    """
image:
  repository: registry.example.com/shop/storefront
  tag: "1.10"
  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  pullPolicy: IfNotPresent
replicas: 2
port: 8080
portName: http
service: {port: 80, type: ClusterIP, annotations: {example.com/scrape: "true"}, enabled: true}
command: [/app/server]
args: [--port, "8080"]
env:
  LOG_LEVEL: info
  FEATURE_X: "on"
  DB_PASSWORD: {valueFrom: {secretKeyRef: {name: db, key: password}}}
  POD_IP: {valueFrom: {fieldRef: {fieldPath: status.podIP}}}
envFrom:
  - configMapRef: {name: shared-config}
  - secretRef: {name: shared-secret, optional: true}
    prefix: SHARED_
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits: {memory: 256Mi, cpu: 1, nvidia.com/gpu: 1}
probes:
  readiness: {path: /healthz}
  liveness: {path: /livez, port: http, initialDelaySeconds: 10, periodSeconds: 5}
  startup: {path: /healthz, port: 8080, failureThreshold: 30, successThreshold: 1,
            timeoutSeconds: 2}
labels: {team: web}
annotations: {example.com/owner: web}
podAnnotations: {prometheus.io/scrape: "true"}
sidecars:
  - name: proxy
    image: envoyproxy/envoy:v1.31.0
    ports: [{containerPort: 9901, name: admin}]
ingress:
  enabled: true
  host: null
  path: /
  pathType: Prefix
  className: nginx
  tls: {secretName: storefront-tls}
  annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 8m}
networkPolicy:
  enabled: true
  allowFrom: [{app: storefront}, {namespace: monitoring}]
strategy:
  type: canary
  rolling: {maxSurge: 25%, maxUnavailable: 0}
  canary:
    steps:
      - setWeight: 20
      - pause: {duration: 1h}
      - setCanaryScale: {replicas: 2}
      - analysis: {successRate: true}
      - analysis: {templates: [{templateName: smoke}, {templateName: global, clusterScope: true}]}
      - setWeight: 50
      - pause: {duration: 30}
      - pause: {}
    trafficRouting: nginx
    analysis:
      successRate:
        prometheusAddress: http://prometheus.monitoring:9090
        minimum: 0.95
        query: sum(rate(http_requests_total{code!~"5.."}[1m]))
        interval: 1m
        count: 5
        failureLimit: 1
      startingStep: 1
    maxSurge: "25%"
    maxUnavailable: 0
  blueGreen:
    autoPromotionEnabled: false
    autoPromotionSeconds: 600
    scaleDownDelaySeconds: 30
    previewReplicaCount: 1
    prePromotionAnalysis:
      successRate: {prometheusAddress: http://prometheus.monitoring:9090, minimum: 0.99}
    postPromotionAnalysis: {successRate: null}
  ingressCanary: {tag: "1.5.0-rc.1", weight: 20, header: X-Canary, headerValue: always}
  ingressBlueGreen: {active: blue, blue: {tag: "1.4.0"}, green: {tag: "1.5.0"}}
components: [observability, java-defaults]
backend: jsonnet
configMap: {data: {app.properties: "x=1", LOG_FORMAT: json}, mountPath: /etc/app}
serviceAccountName: storefront
nodeSelector: {kubernetes.io/arch: amd64}
tolerations: [{key: dedicated, operator: Equal, value: web, effect: NoSchedule}]
securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}
podSecurityContext: {fsGroup: 2000}
volumes: [{name: cache, emptyDir: {}}]
volumeMounts: [{name: cache, mountPath: /cache}]
hpa: {minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 80}
pdb: {minAvailable: 1}
secrets:
  store: {kind: ClusterSecretStore, name: vault}
  refreshInterval: 1h
  items:
  - {name: db, data: {DB_PASSWORD: {key: shop/db, property: password}}}
  - {name: tls, encryptedData: {tls.crt: AgBy3i4OJSWK}}
serviceAccount:
  create: true
  annotations: {iam.gke.io/gcp-service-account: a@b.iam.gserviceaccount.com}
patches:
  - target: {kind: Deployment, name: storefront}
    patch: {spec: {template: {spec: {priorityClassName: high}}}}
"""
)


def test_app_full_example_is_valid() -> None:
    _assert_valid("app.schema.json", APP_FULL)


def test_app_every_top_level_key_is_in_the_full_example() -> None:
    assert set(APP_FULL) == set(load_schema("app.schema.json")["properties"])


def test_app_empty_values_are_valid() -> None:
    _assert_valid("app.schema.json", {})


def test_app_null_deletes_keys_at_every_level_we_own() -> None:
    deletions = {key: None for key in APP_FULL}
    _assert_valid("app.schema.json", deletions)
    nested = _load(
        """
image: {tag: null, digest: null}
service: {annotations: null, type: null}
labels: {team: null}
env: {LOG_LEVEL: null}
probes: {liveness: null, readiness: {initialDelaySeconds: null}}
ingress: {host: null, className: null, tls: null}
strategy: {canary: {analysis: {successRate: null}}, blueGreen: null}
configMap: {mountPath: null, data: {k: null}}
hpa: null
pdb: null
backend: null
"""
    )
    _assert_valid("app.schema.json", nested)


@pytest.mark.parametrize(
    ("path", "value", "at"),
    [
        (("replica",), 2, ()),
        (("image", "tag"), 1.10, ("image", "tag")),
        (("image", "tag"), True, ("image", "tag")),
        (("image", "tag"), 2, ("image", "tag")),
        (("image", "tag"), "1.4 .0", ("image", "tag")),
        (("image", "repo"), "x", ("image",)),
        (("image", "pullPolicy"), "always", ("image", "pullPolicy")),
        (("image", "digest"), "0123", ("image", "digest")),
        (("replicas",), -1, ("replicas",)),
        (("replicas",), "2", ("replicas",)),
        (("port",), 70000, ("port",)),
        (("service", "type"), "ExternalName", ("service", "type")),
        (("command",), "/app/server", ("command",)),
        (("args",), ["--port", 8080], ("args", 1)),
        (("env", "LOG_LEVEL"), 1, ("env", "LOG_LEVEL")),
        (("env", "DEBUG"), False, ("env", "DEBUG")),
        (("env", "X"), {"value": "x"}, ("env", "X")),
        (
            ("env", "X"),
            {"valueFrom": {"secretKeyRef": {"key": "k"}, "fieldRef": {}}},
            ("env", "X", "valueFrom"),
        ),
        (("env", "1BAD NAME"), "x", ("env",)),
        (
            ("envFrom",),
            [{"configMapRef": {"name": "a"}, "secretRef": {"name": "b"}}],
            ("envFrom", 0),
        ),
        (("resources", "requests", "cpu"), True, ("resources", "requests", "cpu")),
        (("resources", "claims"), [], ("resources",)),
        (("probes", "readiness", "path"), "healthz", ("probes", "readiness", "path")),
        (("probes", "readyness"), {"path": "/"}, ("probes",)),
        (("labels", "team"), True, ("labels", "team")),
        (("labels", "version"), 1.10, ("labels", "version")),
        (("labels", "team"), "web team", ("labels", "team")),
        (("annotations", "example.com/n"), 1, ("annotations", "example.com/n")),
        (("podAnnotations", "a"), False, ("podAnnotations", "a")),
        (("sidecars",), [{"image": "envoy"}], ("sidecars", 0)),
        (("ingress", "pathType"), "prefix", ("ingress", "pathType")),
        (("ingress", "tls"), "yes", ("ingress", "tls")),
        (("ingress", "tls"), {"secret": "x"}, ("ingress", "tls")),
        (("ingress", "host"), 1, ("ingress", "host")),
        (
            ("networkPolicy", "allowFrom"),
            [{"app": "a", "namespace": "b"}],
            ("networkPolicy", "allowFrom", 0),
        ),
        (("networkPolicy", "allowFrom"), [{"pod": "a"}], ("networkPolicy", "allowFrom", 0)),
        (("strategy", "type"), "bluegreen", ("strategy", "type")),
        (("strategy", "canary", "stepz"), [], ("strategy", "canary")),
        (
            ("strategy", "canary", "steps"),
            [{"setWeight": "20%"}],
            ("strategy", "canary", "steps", 0, "setWeight"),
        ),
        (
            ("strategy", "canary", "steps"),
            [{"setWeight": 120}],
            ("strategy", "canary", "steps", 0, "setWeight"),
        ),
        (
            ("strategy", "canary", "steps"),
            [{"setWeight": 20, "pause": {}}],
            ("strategy", "canary", "steps", 0),
        ),
        (
            ("strategy", "canary", "steps"),
            [{"pause": {"duration": "1 hour"}}],
            ("strategy", "canary", "steps", 0, "pause", "duration"),
        ),
        (
            ("strategy", "canary", "steps"),
            [{"analysis": {"successRate": False}}],
            ("strategy", "canary", "steps", 0, "analysis", "successRate"),
        ),
        (
            ("strategy", "canary", "trafficRouting"),
            "linkerd",
            ("strategy", "canary", "trafficRouting"),
        ),
        (
            ("strategy", "canary", "analysis", "successRate", "minimum"),
            95,
            ("strategy", "canary", "analysis", "successRate", "minimum"),
        ),
        (
            ("strategy", "canary", "analysis", "successRate", "prometheusAddress"),
            _DELETE,
            ("strategy", "canary", "analysis", "successRate"),
        ),
        (("strategy", "rolling", "maxSurge"), "25", ("strategy", "rolling", "maxSurge")),
        (
            ("strategy", "blueGreen", "autoPromotionEnabled"),
            "no",
            ("strategy", "blueGreen", "autoPromotionEnabled"),
        ),
        (("strategy", "ingressCanary", "weight"), 101, ("strategy", "ingressCanary", "weight")),
        (("strategy", "ingressCanary", "tag"), 1.5, ("strategy", "ingressCanary", "tag")),
        (
            ("strategy", "ingressBlueGreen", "active"),
            "red",
            ("strategy", "ingressBlueGreen", "active"),
        ),
        (("components",), ["Observability"], ("components", 0)),
        (("backend",), "helm", ("backend",)),
        (("configMap", "data", "n"), 1, ("configMap", "data", "n")),
        (("volumes",), [{"emptyDir": {}}], ("volumes", 0)),
        (("hpa", "maxReplicas"), 0, ("hpa", "maxReplicas")),
        (("pdb", "minAvailable"), "half", ("pdb", "minAvailable")),
        (("secrets",), ["db"], ("secrets",)),
        (("patches",), [{"target": {"kind": "Deployment"}, "patch": {}}], ("patches", 0, "target")),
        (("patches",), [{"target": {"kind": "Deployment", "name": "x"}}], ("patches", 0)),
    ],
)
def test_app_invalid(path: Path_, value: Any, at: Path_) -> None:
    _assert_invalid("app.schema.json", _with(APP_FULL, path, value), at)


def test_component_values_are_app_values() -> None:
    component = {"resources": {"requests": {"cpu": "50m"}}, "sidecars": [{"name": "agent"}]}
    _assert_valid("component.schema.json", component)
    _assert_invalid("component.schema.json", {"image": {"tag": 1.1}}, ("image", "tag"))
    _assert_invalid("component.schema.json", {"imagee": {}}, ())


# -- the reference estate of CONTRACT.md ----------------------------------------------------

ESTATE_KCONFIG = _load(
    """
project: shop
kubernetesVersion: "1.30"
backend: jinja
output: deploy
environments: [qa, e2e, stage, prod]
promote: [image.tag]
crds: []
gitops:
  layout: directories
  argocd: {repoURL: https://git.example.com/shop-deploy.git, targetRevision: main, project: default}
"""
)
ESTATE_ENV = _load(
    """
extends: qa
namespace: shop-e2e
domain: e2e.shop.example.com
labels: {env: e2e}
isolation: true
allowNamespaces: [ingress-nginx]
apps: [storefront, orders-api]
defaults: {}
"""
)
ESTATE_APPS = [
    _load(
        """
image: {repository: registry.example.com/shop/storefront, tag: "1.4.0"}
replicas: 2
port: 8080
service: {port: 80, type: ClusterIP}
env: {LOG_LEVEL: info}
resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
probes: {readiness: {path: /healthz}, liveness: {path: /livez}}
labels: {}
annotations: {}
sidecars: []
ingress: {enabled: true, host: null, path: /, className: nginx, tls: null, annotations: {}}
networkPolicy: {enabled: true, allowFrom: [{app: storefront}, {namespace: monitoring}]}
strategy: {type: rolling}
components: []
backend: null
"""
    ),
    _load(
        """
image: {repository: registry.example.com/shop/orders-api, tag: "2.0.1"}
port: 8080
strategy:
  type: canary
  canary:
    steps: [{setWeight: 20}, {pause: {duration: 1h}}, {setWeight: 50}, {pause: {}}]
    trafficRouting: nginx
    analysis:
      successRate: {prometheusAddress: http://prometheus.monitoring:9090, minimum: 0.95}
"""
    ),
    _load(  # overlays/prod/storefront.yaml
        """
replicas: 3
image: {tag: "1.4.1"}
resources: {limits: {memory: 512Mi}}
patches:
  - target: {kind: Deployment, name: storefront}
    patch: {spec: {template: {spec: {priorityClassName: high}}}}
"""
    ),
]


def test_reference_estate_is_valid() -> None:
    _assert_valid("kconfig.schema.json", ESTATE_KCONFIG)
    _assert_valid("env.schema.json", ESTATE_ENV)
    for values in ESTATE_APPS:
        _assert_valid("app.schema.json", values)


def _contract_examples() -> dict[str, Any]:
    """The YAML examples of CONTRACT.md, keyed by the heading they follow."""
    if not CONTRACT.is_file():
        pytest.skip(f"{CONTRACT} not found")
    examples: dict[str, Any] = {}
    text = CONTRACT.read_text(encoding="utf-8")
    for match in re.finditer(r"^### (.+?)\n```yaml\n(.*?)^```", text, re.M | re.S):
        examples[match.group(1).strip()] = _load(match.group(2))
    return examples


def test_contract_examples_are_valid() -> None:
    examples = _contract_examples()
    assert len(examples) >= 5, sorted(examples)
    _assert_valid("kconfig.schema.json", examples["kconfig.yaml"])
    _assert_valid("env.schema.json", examples["overlays/<env>/env.yaml"])
    app_values = [
        values
        for heading, values in examples.items()
        if heading.startswith(("bases/", "Strategies", "overlays/<env>/<app>"))
    ]
    assert len(app_values) == 3
    for values in app_values:
        _assert_valid("app.schema.json", values)


# -- Argo Rollouts: Rollout ----------------------------------------------------------------

ROLLOUT_CANARY = _load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: storefront
  namespace: shop-prod
  labels: {app.kubernetes.io/name: storefront}
spec:
  replicas: 3
  revisionHistoryLimit: 5
  selector: {matchLabels: {app.kubernetes.io/name: storefront}}
  template:
    metadata: {labels: {app.kubernetes.io/name: storefront}}
    spec:
      containers:
        - name: app
          image: registry.example.com/shop/storefront:1.4.0
          ports: [{name: http, containerPort: 8080}]
  strategy:
    canary:
      stableService: storefront
      canaryService: storefront-canary
      trafficRouting:
        nginx: {stableIngress: storefront, additionalIngressAnnotations: {canary-by-header: X}}
      analysis:
        templates: [{templateName: storefront-success-rate}]
        args: [{name: service-name, value: storefront-canary}]
        startingStep: 1
      maxSurge: 25%
      maxUnavailable: 0
      steps:
        - setWeight: 20
        - pause: {duration: 1h}
        - analysis:
            templates: [{templateName: smoke}, {templateName: global, clusterScope: true}]
            args:
              - name: hash
                valueFrom: {podTemplateHashValue: Latest}
        - setCanaryScale: {matchTrafficWeight: true}
        - setHeaderRoute:
            name: header-route
            match: [{headerName: X-Canary, headerValue: {exact: always}}]
        - setWeight: 50
        - pause: {}
"""
)
ROLLOUT_BLUE_GREEN = _load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: orders-api}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: orders-api}}
  template:
    metadata: {labels: {app.kubernetes.io/name: orders-api}}
    spec: {containers: [{name: app, image: registry.example.com/shop/orders-api:2.0.1}]}
  strategy:
    blueGreen:
      activeService: orders-api
      previewService: orders-api-preview
      autoPromotionEnabled: false
      scaleDownDelaySeconds: 30
      prePromotionAnalysis: {templates: [{templateName: orders-api-success-rate}]}
      antiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: {weight: 50}}
"""
)


def test_rollout_examples_are_valid() -> None:
    _assert_valid("rollout.schema.json", ROLLOUT_CANARY)
    _assert_valid("rollout.schema.json", ROLLOUT_BLUE_GREEN)


def test_rollout_examples_are_valid_for_the_upstream_crd() -> None:
    _require_reference()
    crd = Draft7Validator(_crd_schema("rollout-crd.yaml"))
    for rollout in (ROLLOUT_CANARY, ROLLOUT_BLUE_GREEN):
        assert list(crd.iter_errors(rollout)) == []


def _upstream_rollouts() -> list[tuple[str, dict[str, Any]]]:
    folder = _require_reference()
    return [
        (path.name, doc)
        for path in sorted(folder.glob("example-*.yaml"))
        for doc in _yaml_docs(path)
        if doc.get("kind") == "Rollout"  # the Services and the Ingress are not ours to check
    ]


def test_upstream_rollout_examples_are_valid() -> None:
    rollouts = _upstream_rollouts()
    assert len(rollouts) == 5, [name for name, _ in rollouts]
    for name, rollout in rollouts:
        assert _errors("rollout.schema.json", rollout) == {}, name


_CANARY = ("spec", "strategy", "canary")


@pytest.mark.parametrize(
    ("path", "value", "at"),
    [
        ((*_CANARY, "stepz"), [], _CANARY),
        ((*_CANARY, "steps", 0), {"setWeigth": 20}, (*_CANARY, "steps", 0)),
        ((*_CANARY, "steps", 0), {"setWeight": "20%"}, (*_CANARY, "steps", 0, "setWeight")),
        ((*_CANARY, "steps", 0), {"setWeight": 20, "pause": {}}, (*_CANARY, "steps", 0)),
        (
            (*_CANARY, "steps", 1),
            {"pause": {"duration": "1 hour"}},
            (*_CANARY, "steps", 1, "pause", "duration"),
        ),
        ((*_CANARY, "steps", 1), {"pause": {"durration": 10}}, (*_CANARY, "steps", 1, "pause")),
        (
            (*_CANARY, "trafficRouting", "nginx", "stableIngresses"),
            ["a"],
            (*_CANARY, "trafficRouting", "nginx"),
        ),
        (
            (*_CANARY, "trafficRouting", "nginx", "stableIngres"),
            "a",
            (*_CANARY, "trafficRouting", "nginx"),
        ),
        ((*_CANARY, "canaryService"), _DELETE, _CANARY),
        ((*_CANARY, "analysis", "startStep"), 1, (*_CANARY, "analysis")),
        ((*_CANARY, "maxSurge"), "25", (*_CANARY, "maxSurge")),
        (("spec", "strategy", "blueGreen"), {"activeService": "a"}, ("spec", "strategy")),
        (
            ("spec", "workloadRef"),
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "a"},
            ("spec",),
        ),
        (("spec", "selector"), _DELETE, ("spec",)),
        (("spec", "replica"), 3, ("spec",)),
        (("kind",), "Deployment", ("kind",)),
    ],
)
def test_rollout_invalid(path: Path_, value: Any, at: Path_) -> None:
    _assert_invalid("rollout.schema.json", _with(ROLLOUT_CANARY, path, value), at)


_BLUE_GREEN = ("spec", "strategy", "blueGreen")


@pytest.mark.parametrize(
    ("field", "value", "at"),
    [
        ("autoPromotionEnable", False, _BLUE_GREEN),
        ("activeServices", "x", _BLUE_GREEN),
        ("previewReplicaCount", "1", (*_BLUE_GREEN, "previewReplicaCount")),
    ],
)
def test_rollout_blue_green_invalid(field: str, value: Any, at: Path_) -> None:
    bad = _with(ROLLOUT_BLUE_GREEN, (*_BLUE_GREEN, field), value)
    _assert_invalid("rollout.schema.json", bad, at)


def test_misspelt_strategy_field_is_refused_though_the_upstream_crd_accepts_it() -> None:
    _require_reference()
    bad = _with(ROLLOUT_CANARY, _CANARY, {"stepz": []})
    assert list(Draft7Validator(_crd_schema("rollout-crd.yaml")).iter_errors(bad)) == []
    assert _errors("rollout.schema.json", bad)


# -- Argo Rollouts: AnalysisTemplate --------------------------------------------------------

ANALYSIS_TEMPLATE = _load(
    """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: storefront-success-rate, namespace: shop-prod}
spec:
  args:
    - name: service-name
    - name: api-token
      valueFrom: {secretKeyRef: {name: datadog, key: token}}
  metrics:
    - name: success-rate
      interval: 1m
      initialDelay: 30s
      count: 5
      failureLimit: 1
      consecutiveErrorLimit: 4
      successCondition: result[0] >= 0.95
      failureCondition: result[0] < 0.5
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          timeout: 30
          query: |
            sum(rate(nginx_ingress_controller_requests{service="{{args.service-name}}",
              status!~"5.*"}[1m])) /
            sum(rate(nginx_ingress_controller_requests{service="{{args.service-name}}"}[1m]))
    - name: smoke
      provider: {job: {spec: {template: {spec: {containers: [], restartPolicy: Never}}}}}
  dryRun: [{metricName: smoke}]
  measurementRetention: [{metricName: success-rate, limit: 20}]
"""
)


def test_analysis_template_example_is_valid() -> None:
    _assert_valid("analysistemplate.schema.json", ANALYSIS_TEMPLATE)
    _assert_valid(
        "analysistemplate.schema.json",
        _with(ANALYSIS_TEMPLATE, ("kind",), "ClusterAnalysisTemplate"),
    )


def test_analysis_template_example_is_valid_for_the_upstream_crd() -> None:
    _require_reference()
    crd = Draft7Validator(_crd_schema("analysis-template-crd.yaml"))
    assert list(crd.iter_errors(ANALYSIS_TEMPLATE)) == []


_METRIC = ("spec", "metrics", 0)


@pytest.mark.parametrize(
    ("path", "value", "at"),
    [
        ((*_METRIC, "successCondtion"), "x", _METRIC),
        ((*_METRIC, "provider"), _DELETE, _METRIC),
        ((*_METRIC, "provider", "web"), {"url": "http://x"}, (*_METRIC, "provider")),
        ((*_METRIC, "provider"), {"prometeus": {}}, (*_METRIC, "provider")),
        ((*_METRIC, "provider", "prometheus", "adress"), "x", (*_METRIC, "provider", "prometheus")),
        ((*_METRIC, "interval"), "1 minute", (*_METRIC, "interval")),
        (("spec", "args", 0, "vaule"), "x", ("spec", "args", 0)),
        (("spec", "metrics"), [], ("spec", "metrics")),
        (("spec", "metric"), [], ("spec",)),
    ],
)
def test_analysis_template_invalid(path: Path_, value: Any, at: Path_) -> None:
    _assert_invalid("analysistemplate.schema.json", _with(ANALYSIS_TEMPLATE, path, value), at)


# -- cross-check with the upstream CRDs ------------------------------------------------------

SchemaPath = tuple[str, ...]


def _own_nodes(
    node: Any, root: Mapping[str, Any], path: SchemaPath = ()
) -> Iterator[tuple[SchemaPath, Mapping[str, Any]]]:
    """Every (field path, schema node) our schema declares below ``node``; ``[]`` = items."""
    if not isinstance(node, Mapping):
        return
    if "$ref" in node:
        target = node["$ref"]
        assert target.startswith("#/$defs/"), target
        yield from _own_nodes(root["$defs"][target.removeprefix("#/$defs/")], root, path)
    yield path, node
    for key, child in node.get("properties", {}).items():
        yield from _own_nodes(child, root, (*path, key))
    if "items" in node:
        yield from _own_nodes(node["items"], root, (*path, "[]"))
    for keyword in ("allOf", "anyOf", "oneOf"):
        for child in node.get(keyword, ()):
            yield from _own_nodes(child, root, path)


def _crd_nodes(
    node: Mapping[str, Any], path: SchemaPath = ()
) -> Iterator[tuple[SchemaPath, Mapping[str, Any]]]:
    yield path, node
    for key, child in node.get("properties", {}).items():
        yield from _crd_nodes(child, (*path, key))
    if "items" in node:
        yield from _crd_nodes(node["items"], (*path, "[]"))


def _types(node: Mapping[str, Any]) -> set[str] | None:
    if node.get("x-kubernetes-int-or-string"):
        return {"integer", "string"}
    declared = node.get("type")
    if declared is None:
        return None
    return {declared} if isinstance(declared, str) else set(declared) - {"null"}


def _own_by_path(name: str) -> dict[SchemaPath, list[Mapping[str, Any]]]:
    schema = load_schema(name)
    nodes: dict[SchemaPath, list[Mapping[str, Any]]] = {}
    for path, node in _own_nodes(schema["properties"]["spec"], schema, ("spec",)):
        nodes.setdefault(path, []).append(node)
    return nodes


CROSS_CHECKS = [
    ("rollout.schema.json", "rollout-crd.yaml"),
    ("analysistemplate.schema.json", "analysis-template-crd.yaml"),
]


@pytest.mark.parametrize(("name", "crd_file"), CROSS_CHECKS)
def test_every_field_we_declare_exists_upstream_with_a_compatible_type(
    name: str, crd_file: str
) -> None:
    _require_reference()
    upstream = dict(_crd_nodes(_crd_schema(crd_file)["properties"]["spec"], ("spec",)))
    own = _own_by_path(name)
    invented = sorted(".".join(p) for p in own if p not in upstream)
    assert invented == []
    for path, nodes in own.items():
        theirs = _types(upstream[path])
        for node in nodes:
            ours = _types(node)
            if ours is not None and theirs is not None:
                assert ours <= theirs, (".".join(path), ours, theirs)


def _is_open(nodes: list[Mapping[str, Any]]) -> bool:
    """Whether our schema lets any field through below this path."""
    return all(n.get("additionalProperties", True) is not False for n in nodes)


@pytest.mark.parametrize(("name", "crd_file"), CROSS_CHECKS)
def test_every_upstream_field_is_allowed(name: str, crd_file: str) -> None:
    """Strict, but never stricter than upstream: no field the CRD declares is refused."""
    _require_reference()
    own = _own_by_path(name)
    refused = []
    for path, _ in _crd_nodes(_crd_schema(crd_file)["properties"]["spec"], ("spec",)):
        declared = next(path[:i] for i in range(len(path), 0, -1) if path[:i] in own)
        if declared != path and not _is_open(own[declared]):
            refused.append(".".join(path))
    assert refused == []


@pytest.mark.parametrize(("name", "crd_file"), CROSS_CHECKS)
def test_every_upstream_required_field_is_required(name: str, crd_file: str) -> None:
    """Where we declare an object, we require at least what the CRD requires."""
    _require_reference()
    own = _own_by_path(name)
    for path, node in _crd_nodes(_crd_schema(crd_file)["properties"]["spec"], ("spec",)):
        if path in own:
            ours = set().union(*(n.get("required", ()) for n in own[path]))
            assert set(node.get("required", ())) <= ours, ".".join(path)


def test_cross_check_covers_the_whole_strategy() -> None:
    _require_reference()
    own = _own_by_path("rollout.schema.json")
    canary = {p[3] for p in own if p[:3] == _CANARY and len(p) > 3}
    blue_green = {p[3] for p in own if p[:3] == _BLUE_GREEN and len(p) > 3}
    assert len(canary) == 17
    assert len(blue_green) == 14


# -- Argo CD ---------------------------------------------------------------------------------

APPLICATION = _load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-prod
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: https://git.example.com/shop-deploy.git
    targetRevision: main
    path: deploy/prod
    directory: {recurse: true}
  destination: {server: https://kubernetes.default.svc, namespace: shop-prod}
  syncPolicy:
    automated: {prune: true, selfHeal: true, allowEmpty: false}
    syncOptions: [CreateNamespace=true, PruneLast=true]
    retry: {limit: 5, backoff: {duration: 5s, factor: 2, maxDuration: 3m}}
"""
)
APPLICATION_PLUGIN = _with(
    APPLICATION,
    ("spec", "source"),
    _load(
        """
repoURL: https://git.example.com/shop-config.git
targetRevision: main
path: .
plugin:
  name: kconfig
  env: [{name: KCONFIG_ENV, value: prod}]
  parameters:
    - {name: apps, array: [storefront, orders-api]}
    - {name: set, map: {replicas: "3"}}
    - {name: backend, string: jinja}
"""
    ),
)
APPLICATION_SET = _load(
    """
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shop, namespace: argocd}
spec:
  goTemplate: false
  generators:
    - git:
        repoURL: https://git.example.com/shop-deploy.git
        revision: main
        directories: [{path: "deploy/*"}, {path: deploy/scratch, exclude: true}]
    - list:
        elements: [{env: qa}, {env: prod}]
  template:
    metadata:
      name: "shop-{{path.basename}}"
      labels: {app.kubernetes.io/part-of: shop}
    spec:
      project: default
      source:
        repoURL: https://git.example.com/shop-deploy.git
        targetRevision: main
        path: "{{path}}"
      destination: {server: https://kubernetes.default.svc, namespace: "shop-{{path.basename}}"}
      syncPolicy: {automated: {prune: true, selfHeal: true}}
  syncPolicy: {preserveResourcesOnDeletion: true}
"""
)


def test_argocd_examples_are_valid() -> None:
    _assert_valid("argocd-application.schema.json", APPLICATION)
    _assert_valid("argocd-application.schema.json", APPLICATION_PLUGIN)
    _assert_valid("argocd-applicationset.schema.json", APPLICATION_SET)


@pytest.mark.parametrize(
    ("path", "value", "at"),
    [
        (("spec", "sourc"), {}, ("spec",)),
        (("spec", "project"), _DELETE, ("spec",)),
        (("spec", "source", "repoURL"), _DELETE, ("spec", "source")),
        (("spec", "source", "plugin"), {"name": "x", "envs": []}, ("spec", "source", "plugin")),
        (("spec", "destination", "name"), "in-cluster", ("spec", "destination")),
        (("spec", "syncPolicy", "automated", "prun"), True, ("spec", "syncPolicy", "automated")),
        (
            ("spec", "syncPolicy", "automated", "prune"),
            "true",
            ("spec", "syncPolicy", "automated", "prune"),
        ),
        (
            ("spec", "syncPolicy", "syncOptions"),
            ["CreateNamespace"],
            ("spec", "syncPolicy", "syncOptions", 0),
        ),
        (("spec", "sources"), [{"repoURL": "x"}], ("spec",)),
        (("kind",), "ApplicationSet", ("kind",)),
    ],
)
def test_argocd_application_invalid(path: Path_, value: Any, at: Path_) -> None:
    _assert_invalid("argocd-application.schema.json", _with(APPLICATION, path, value), at)


@pytest.mark.parametrize(
    ("path", "value", "at"),
    [
        (("spec", "generators"), [], ("spec", "generators")),
        (("spec", "generators", 0, "git", "revision"), _DELETE, ("spec", "generators", 0, "git")),
        (
            ("spec", "generators", 0, "git", "directories", 0),
            {"paths": "x"},
            ("spec", "generators", 0, "git", "directories", 0),
        ),
        (("spec", "generators", 0), {"gti": {}}, ("spec", "generators", 0)),
        (("spec", "template", "spec", "destinaton"), {}, ("spec", "template", "spec")),
        (("spec", "template", "metadata", "name"), _DELETE, ("spec", "template", "metadata")),
        (("spec", "goTemplate"), "true", ("spec", "goTemplate")),
        (
            ("spec", "syncPolicy", "applicationsSync"),
            "create-all",
            ("spec", "syncPolicy", "applicationsSync"),
        ),
    ],
)
def test_argocd_applicationset_invalid(path: Path_, value: Any, at: Path_) -> None:
    _assert_invalid("argocd-applicationset.schema.json", _with(APPLICATION_SET, path, value), at)


def test_schemas_are_utf8_json_objects_ending_in_a_newline() -> None:
    folder = resources.files("kconfig").joinpath("schemas")
    for name in SCHEMA_NAMES:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        assert isinstance(json.loads(text), dict), name
        assert text.endswith("}\n"), name
