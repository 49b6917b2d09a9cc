"""The table of invalid inputs and outputs: each case breaks a small project one way and
asserts the exit code of ``kconfig validate``, the file:line:col and the message.

Runs the CLI in-process (``kconfig.cli.main.main``) to stay fast; tests/cli/ covers the same
command as a subprocess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kconfig.cli.main import main
from tests.conftest import MINIMAL, write_tree

OV = "overlays/qa/web.yaml"
OVP = "overlays/prod/web.yaml"
BASE = "bases/web/app.yaml"
TPL = "bases/web/templates/extra.yaml.j2"
GOOD_BASE = MINIMAL[BASE]
CONFIGMAP_SHARED = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {a: b}\n"
HPA = (
    "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
    "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
    "  maxReplicas: 4\n"
)


@dataclass(frozen=True)
class Case:
    files: Mapping[str, str]
    code: int
    where: str  # path:line:col (or just the path for a template)
    severity: str
    message: str  # a fragment of the message, checked with `in`
    args: tuple[str, ...] = ()
    absent: tuple[str, ...] = field(default=())  # fragments that must not appear


def _patch(body: str, kind: str = "Deployment", name: str = "web") -> str:
    return f"patches:\n- target: {{kind: {kind}, name: {name}}}\n  patch:\n{body}"


ISTIO = (
    "strategy:\n  type: canary\n  canary:\n    trafficRouting: istio\n"
    "    istio: {gateways: [istio-system/public]}\n"
    "    steps: [{setWeight: 20}, {pause: {}}]\n"
)
GATEWAY = (
    "strategy:\n  type: canary\n  canary:\n    trafficRouting: gatewayAPI\n"
    "    gatewayAPI: {parentRefs: [{name: public, namespace: gateway-system}]}\n"
    "    steps: [{setWeight: 20}, {pause: {}}]\n"
)
_ROLLOUT_VS = (
    "    spec: {{strategy: {{canary: {{trafficRouting: {{istio: {{virtualService: {}}}}}}}}}}}\n"
)
_VS_ROUTE = "    spec: {{http: [{{name: primary, route: [{}]}}]}}\n"

CASES: dict[str, Case] = {
    # -- input files ---------------------------------------------------------------------
    "overlay key typo": Case(
        {OV: "replica: 3\n"},
        1,
        f"{OV}:1:1",
        "error",
        "unknown key `replica` (did you mean `replicas`?)",
    ),
    "nested key typo": Case(
        {OV: "ingress:\n  enabled: true\n  hots: web.example.com\n"},
        1,
        f"{OV}:3:3",
        "error",
        "unknown key `hots` under `ingress` (did you mean `host`?)",
    ),
    "replicas is a string": Case(
        {OV: "replicas: three\n"},
        1,
        f"{OV}:1:11",
        "error",
        '`replicas` must be an integer, not string "three"',
    ),
    "command is not a list": Case(
        {BASE: GOOD_BASE + "command: echo hi\n"},
        1,
        f"{BASE}:4:10",
        "error",
        '`command` must be an array, not string "echo hi"',
    ),
    "strategy type misspelt": Case(
        {OV: "strategy:\n  type: canry\n"},
        1,
        f"{OV}:2:9",
        "error",
        "`strategy.type` must be one of rolling, recreate, blueGreen, canary, ingressCanary, "
        'ingressBlueGreen, not string "canry" (did you mean `canary`?)',
    ),
    "env value is a YAML 1.1 boolean": Case(
        {OV: "env:\n  DEBUG: yes\n"},
        1,
        f"{OV}:2:10",
        "error",
        "env.DEBUG must be a string, but YAML 1.1 read the value as the bool true; "
        "put it in quotes",
    ),
    "kconfig.yaml key typo": Case(
        {"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\nkubernetesVersio: '1.30'\n"},
        1,
        "kconfig.yaml:3:1",
        "error",
        "unknown key `kubernetesVersio` (did you mean `kubernetesVersion`?)",
    ),
    "unsupported kubernetesVersion": Case(
        {"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\nkubernetesVersion: '1.20'\n"},
        1,
        "kconfig.yaml:3:20",
        "error",
        "no Kubernetes schemas for version '1.20' (installed: 1.",
    ),
    "env.yaml key typo": Case(
        {"overlays/qa/env.yaml": "domian: qa.example.com\n"},
        1,
        "overlays/qa/env.yaml:1:1",
        "error",
        "unknown key `domian` (did you mean `domain`?)",
    ),
    "typo inside env defaults": Case(
        {"overlays/qa/env.yaml": "domain: qa.example.com\ndefaults:\n  replcas: 2\n"},
        1,
        "overlays/qa/env.yaml:3:3",
        "error",
        "unknown key `replcas` under `defaults` (did you mean `replicas`?)",
    ),
    "patches in a base": Case(
        {BASE: GOOD_BASE + "patches: []\n"},
        1,
        f"{BASE}:4:1",
        "error",
        "`patches` belong in an environment's overlay",
    ),
    "patch without a body": Case(
        {OV: "patches:\n- target: {kind: Deployment, name: web}\n"},
        1,
        f"{OV}:2:3",
        "error",
        "`patches[0]` needs the key `patch`",
    ),
    "component key typo": Case(
        {
            BASE: GOOD_BASE + "components: [extra]\n",
            "components/extra/values.yaml": "replicsa: 2\n",
        },
        1,
        "components/extra/values.yaml:1:1",
        "error",
        "unknown key `replicsa` (did you mean `replicas`?)",
    ),
    "unknown check id is a warning": Case(
        {"overlays/qa/env.yaml": "checks:\n  disable: [KC160]\n"},
        0,
        "overlays/qa/env.yaml:2:13",
        "warning",
        "no check has the id KC160",
    ),
    "unknown check id fails under --strict": Case(
        {"overlays/qa/env.yaml": "checks:\n  disable: [KC160]\n"},
        1,
        "overlays/qa/env.yaml:2:13",
        "warning",
        "no check has the id KC160",
        args=("--strict",),
    ),
    # -- rendered output against the Kubernetes schemas ---------------------------------------
    "invalid Deployment field from a patch": Case(
        {OV: _patch("    spec:\n      template:\n        spec:\n          priorityClass: high\n")},
        1,
        f"{OV}:7:11",
        "error",
        "Deployment/web (qa): spec.template.spec.priorityClass: unknown field "
        "`priorityClass` (did you mean `priorityClassName`?) [rendered by "
        "kconfig:templates/jinja/deployment.json.j2, patched here]",
    ),
    "wrong type from a patch": Case(
        {OV: _patch('    spec:\n      replicas: "3"\n')},
        1,
        f"{OV}:5:17",
        "error",
        'Deployment/web (qa): spec.replicas: expected integer, found string "3"',
    ),
    "container field typo from a patch, merged by name": Case(
        {
            OV: _patch(
                "    spec:\n      template:\n        spec:\n          containers:\n"
                "          - name: app\n            imagePullPolicyy: Always\n"
            )
        },
        1,
        f"{OV}:9:13",
        "error",
        "spec.template.spec.containers[0].imagePullPolicyy: unknown field "
        "`imagePullPolicyy` (did you mean `imagePullPolicy`?)",
    ),
    "field error in a custom template": Case(
        {TPL: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndataa: {a: b}\n"},
        1,
        TPL,
        "error",
        "ConfigMap/extra (qa, prod): dataa: unknown field `dataa` (did you mean `data`?) "
        f"[rendered by {TPL}]",
    ),
    "unknown kind is a warning": Case(
        {TPL: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"},
        0,
        TPL,
        "warning",
        "Widget/w (qa, prod): no schema for Widget in example.com/v1 (Kubernetes 1.30); add "
        "its CustomResourceDefinition to `crds:` in kconfig.yaml",
    ),
    "unknown kind is an error under --strict": Case(
        {TPL: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"},
        1,
        TPL,
        "error",
        "no schema for Widget in example.com/v1",
        args=("--strict",),
    ),
    "misspelt kind": Case(
        {TPL: "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: w}\n"},
        0,
        TPL,
        "warning",
        "no schema for Deploymnet in apps/v1 (Kubernetes 1.30) (did you mean `Deployment`?)",
    ),
    "apiVersion removed from Kubernetes": Case(
        {
            TPL: "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\n"
            "metadata: {name: web}\nspec: {scaleTargetRef: {kind: Deployment, name: web}, "
            "maxReplicas: 3}\n"
        },
        0,
        TPL,
        "warning",
        "no schema for HorizontalPodAutoscaler in autoscaling/v2beta2 "
        "(Kubernetes 1.30); HorizontalPodAutoscaler exists as autoscaling/v1, autoscaling/v2",
    ),
    # -- semantic checks -------------------------------------------------------------------
    "KC101 pod labels do not carry the selector": Case(
        {
            OV: _patch(
                "    spec:\n      template:\n        metadata:\n          labels:\n"
                "            app.kubernetes.io/name: other\n"
            )
        },
        1,
        f"{OV}:8:37",
        "error",
        "Deployment/web (qa): spec.template.metadata.labels.app.kubernetes.io/name: selector "
        "app.kubernetes.io/name=web does not match the pod template, which has "
        "app.kubernetes.io/name=other",
    ),
    "KC102 Service selects nothing": Case(
        {OV: _patch("    spec:\n      selector: {app.kubernetes.io/name: wbe}\n", kind="Service")},
        1,
        f"{OV}:5:17",
        "error",
        "Service/web (qa): spec.selector: selector app.kubernetes.io/name=wbe matches the pods "
        "of no rendered workload",
    ),
    "KC103 Ingress backend names a missing Service": Case(
        {
            TPL: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: extra}\n"
            "spec:\n  rules:\n  - http:\n      paths:\n      - path: /\n"
            "        pathType: Prefix\n        backend:\n"
            "          service: {name: api, port: {number: 80}}\n"
        },
        1,
        TPL,
        "error",
        "Ingress/extra (qa, prod): spec.rules[0].http.paths[0].backend.service.name: backend "
        "Service 'api' is not rendered in this environment (Services: web)",
    ),
    "KC103 Ingress backend port": Case(
        {
            TPL: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: extra}\n"
            "spec:\n  defaultBackend:\n    service: {name: web, port: {number: 8080}}\n"
        },
        1,
        TPL,
        "error",
        "backend port 8080 is not a port of Service/web (ports: 80)",
    ),
    "KC104 duplicate objects across apps": Case(
        {
            TPL: CONFIGMAP_SHARED,
            "bases/api/app.yaml": 'image: {repository: r/api, tag: "1.0.0"}\n'
            "resources: {requests: {cpu: 10m, memory: 8Mi}}\n",
            "bases/api/templates/extra.yaml.j2": CONFIGMAP_SHARED.replace("a: b", "a: c"),
        },
        1,
        TPL,
        "error",
        "ConfigMap/shared (qa, prod): metadata.name: ConfigMap/shared is rendered twice: also "
        "by bases/api/templates/extra.yaml.j2 for app api",
    ),
    "KC105 object outside the namespace": Case(
        {OV: _patch("    metadata:\n      namespace: kube-system\n", kind="Service")},
        1,
        f"{OV}:5:18",
        "error",
        "namespace 'kube-system' is outside the environment's namespace 'shop-qa'",
    ),
    "KC106 no resource requests is a warning": Case(
        {BASE: 'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\n'},
        0,
        f"{BASE}:1:1",
        "warning",
        "container 'app' has no resource requests",
    ),
    "KC106 can be disabled per environment": Case(
        {
            BASE: 'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\n',
            "overlays/qa/env.yaml": "checks: {disable: [KC106]}\n",
            "overlays/prod/env.yaml": "checks: {disable: [KC106]}\n",
        },
        0,
        "",
        "",
        "",
        absent=("KC106",),
    ),
    "KC107 latest in the last environment": Case(
        {OVP: "image: {tag: latest}\n"},
        1,
        f"{OVP}:1:14",
        "error",
        "Deployment/web (prod): spec.template.spec.containers[0].image: container 'app' runs "
        "registry.example.com/shop/web:latest with the `latest` tag in prod, the last "
        "environment of the promotion chain: pin a version",
    ),
    "KC107 is only for the last environment": Case(
        {OV: "image: {tag: latest}\n"}, 0, "", "", "", absent=("KC107",)
    ),
    "KC107 missing tag": Case(
        {OVP: "image: {tag: null}\n"},
        1,
        f"{BASE}:1:21",
        "error",
        "runs registry.example.com/shop/web with no tag (so `latest`) in prod",
    ),
    "KC108 Secret with literal data": Case(
        {
            TPL: "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
            "stringData: {password: hunter2}\n"
        },
        1,
        TPL,
        "error",
        "Secret/db (qa, prod): stringData: literal stringData: secrets do not belong in Git; "
        "use an ExternalSecret (external-secrets.io) or a SealedSecret",
    ),
    "KC108 allowed by allowSecrets": Case(
        {
            TPL: "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
            "stringData: {password: hunter2}\n",
            "overlays/qa/env.yaml": "allowSecrets: true\n",
            "overlays/prod/env.yaml": "allowSecrets: true\n",
        },
        0,
        "",
        "",
        "",
        absent=("KC108",),
    ),
    "KC109 replicas with an HPA": Case(
        {
            BASE: GOOD_BASE + "replicas: 2\n",
            TPL: HPA,
        },
        0,
        f"{BASE}:4:11",
        "warning",
        "Deployment/web (qa, prod): spec.replicas: set while "
        "HorizontalPodAutoscaler/web scales this workload",
    ),
    "KC110 Rollout analysis names a missing AnalysisTemplate": Case(
        {
            TPL: "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web-ro}\n"
            "spec:\n  selector: {matchLabels: {app.kubernetes.io/name: web}}\n"
            "  template:\n    metadata: {labels: {app.kubernetes.io/name: web}}\n"
            "    spec: {containers: [{name: main, image: 'r/web:1.0.0', resources: "
            "{requests: {cpu: 10m}}}]}\n"
            "  strategy:\n    canary:\n      steps:\n      - setWeight: 20\n"
            "      - analysis: {templates: [{templateName: success-rate}]}\n"
        },
        1,
        TPL,
        "error",
        "Rollout/web-ro (qa, prod): spec.strategy.canary.steps[1].analysis.templates[0]."
        "templateName: analysis refers to AnalysisTemplate 'success-rate', which is not "
        "rendered in this environment",
    ),
    "KC111 secret-looking env literal": Case(
        {BASE: GOOD_BASE + "env:\n  DB_PASSWORD: hunter2\n"},
        0,
        f"{BASE}:5:16",
        "warning",
        "env DB_PASSWORD of container 'app' looks like a secret but holds a literal value: "
        "use valueFrom.secretKeyRef",
    ),
    "KC112 invalid object name": Case(
        {TPL: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"},
        1,
        TPL,
        "error",
        "name 'Bad_Name' is not a DNS-1123 subdomain",
    ),
    "KC113 two containers with one name": Case(
        {BASE: GOOD_BASE + "sidecars:\n- {name: app, image: 'r/agent:1.0'}\n"},
        1,
        f"{BASE}:5:10",
        "error",
        "two containers are named 'app'",
    ),
    "KC114 a quantity that is not one": Case(
        {
            BASE: 'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\n'
            "resources: {requests: {cpu: lots, memory: 64Mi}}\n"
        },
        1,
        f"{BASE}:2:29",
        "error",
        "requests.cpu 'lots' of container 'app' is not a quantity",
    ),
    "KC114 request above limit": Case(
        {OVP: "resources: {limits: {memory: 32Mi}}\n"},
        1,
        f"{BASE}:3:43",
        "error",
        "requests.memory 64Mi is above limits.memory 32Mi in container 'app'",
    ),
    "KC115 annotations over 256 KiB": Case(
        {OV: f'annotations: {{example.com/notes: "{"n" * 262144}"}}\n'},
        1,
        f"{OV}:1:34",
        "error",
        "metadata.annotations.example.com/notes: annotations add up to 262161 bytes",
    ),
    "KC120 a custom workload inside the app's selector": Case(
        {
            TPL: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-worker}\nspec:\n"
            "  selector: {matchLabels: {app.kubernetes.io/name: web, role: worker}}\n"
            "  template:\n    metadata: {labels: {app.kubernetes.io/name: web, role: worker}}\n"
            "    spec:\n      containers:\n      - name: worker\n        image: r/w:1.0\n"
            "        resources: {requests: {cpu: 10m, memory: 8Mi}}\n"
        },
        1,
        TPL,
        "error",
        "Deployment/web-worker (qa, prod): spec.template.metadata.labels: these pod labels are "
        "also matched by the selector {app.kubernetes.io/name=web} of Deployment/web",
    ),
    "KC121 a Service selecting another app's pods": Case(
        {
            TPL: "apiVersion: v1\nkind: Service\nmetadata: {name: web-admin}\nspec:\n"
            "  selector: {app.kubernetes.io/name: api}\n  ports: [{port: 9000}]\n",
            "bases/api/app.yaml": 'image: {repository: r/api, tag: "1.0.0"}\n'
            "resources: {requests: {cpu: 10m, memory: 8Mi}}\n",
        },
        1,
        TPL,
        "error",
        "Service/web-admin (qa, prod): spec.selector: selector app.kubernetes.io/name=api "
        "matches the pods of Deployment/api of another app",
    ),
    "KC122 a canary measured by its own Service": Case(
        {
            OV: "ingress: {enabled: true}\nstrategy:\n  type: canary\n  canary:\n"
            "    trafficRouting: nginx\n    steps: [{setWeight: 20}, {pause: {}}]\n"
            "    analysis:\n      successRate:\n        prometheusAddress: http://p:9090\n"
            "        minimum: 0.95\n"
            "        query: sum(rate(nginx_ingress_controller_requests"
            '{service="{{args.service-name}}"}[5m]))\n'
        },
        1,
        f"{OV}:11:16",
        "error",
        "Rollout/web (qa): spec.strategy.canary.analysis: AnalysisTemplate/web-success-rate "
        'selects ingress-nginx series {service="web-canary"}, which no rendered Ingress produces',
    ),
    "KC124 allowFrom an app the environment does not render": Case(
        {OV: "networkPolicy: {enabled: true, allowFrom: [{app: frontend}]}\n"},
        0,
        f"{OV}:1:43",
        "warning",
        "NetworkPolicy/web (qa): spec.ingress[0].from[0].podSelector: podSelector "
        "{app.kubernetes.io/name=frontend} matches the pods of no workload rendered in qa",
    ),
    "KC116 a sidecar whose image a null deleted": Case(
        {
            BASE: GOOD_BASE + "sidecars:\n- {name: agent, image: 'r/agent:1.0'}\n",
            OV: "sidecars:\n- name: agent\n  image: null\n",
        },
        1,
        f"{OV}:2:9",
        "error",
        "container 'agent' has no image; the API server refuses a pod whose containers do not "
        "all name one",
    ),
    # -- platform objects (check/platform.py) ---------------------------------------------
    "KC180 HPA minReplicas above maxReplicas": Case(
        {OV: "hpa:\n  minReplicas: 5\n  maxReplicas: 3\n  targetCPUUtilizationPercentage: 70\n"},
        1,
        f"{OV}:2:16",
        "error",
        "HorizontalPodAutoscaler/web (qa): spec.minReplicas: minReplicas 5 is above "
        "maxReplicas 3: the API server refuses the autoscaler",
    ),
    "KC182 two HPAs scale one workload": Case(
        {
            OV: "hpa: {maxReplicas: 4, targetCPUUtilizationPercentage: 70}\n",
            TPL: HPA.replace("name: web}\nspec", "name: web-extra}\nspec"),
        },
        1,
        TPL,
        "error",
        "both scale the pods of Deployment/web: the HPA controller then scales neither",
    ),
    "KC183 PDB with both budgets": Case(
        {OV: "pdb:\n  minAvailable: 1\n  maxUnavailable: 1\n"},
        1,
        f"{OV}:3:19",
        "error",
        "PodDisruptionBudget/web (qa): spec.maxUnavailable: sets both minAvailable and "
        "maxUnavailable; Kubernetes takes exactly one",
    ),
    "KC184 PDB that blocks every drain": Case(
        {OV: "replicas: 2\npdb: {minAvailable: 2}\n"},
        0,
        f"{OV}:2:21",
        "warning",
        "PodDisruptionBudget/web (qa): spec.minAvailable: minAvailable 2 is not below the 2 "
        "pod(s) it covers: every node drain (and cluster upgrade) waits on it forever",
    ),
    "KC183 PDB with no budget": Case(
        {OV: "pdb: {}\n"},
        1,
        f"{OV}:1:6",
        "error",
        "PodDisruptionBudget/web (qa): spec.selector: sets neither minAvailable nor "
        "maxUnavailable: set one of them",
    ),
    "KC184 maxUnavailable 0% allows no eviction": Case(
        {OV: "replicas: 3\npdb: {maxUnavailable: 0%}\n"},
        0,
        f"{OV}:2:23",
        "warning",
        "spec.maxUnavailable: maxUnavailable 0% allows no eviction",
    ),
    "KC184 a percentage rounds up, as the disruption controller does": Case(
        {OV: "pdb: {minAvailable: 50%}\n"},
        0,
        f"{OV}:1:21",
        "warning",
        "minAvailable 50% is not below the 1 pod(s) it covers",
    ),
    "KC184 counts every track's pods, the HPA's minimum for the scaled one": Case(
        {
            OV: "ingress: {enabled: true}\n"
            "strategy: {type: ingressCanary, ingressCanary: {tag: '2.0'}}\n"
            "hpa: {minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70}\n"
            "pdb: {minAvailable: 3}\n"
        },
        0,
        f"{OV}:4:21",
        "warning",
        "minAvailable 3 is not below the 3 pod(s) it covers",
    ),
    "KC184 PDB below the HPA's minimum is fine": Case(
        {
            OV: "pdb: {minAvailable: 2}\n"
            "hpa: {minReplicas: 3, maxReplicas: 5, targetCPUUtilizationPercentage: 70}\n"
        },
        0,
        "",
        "",
        "",
        absent=("KC184", "KC109"),
    ),
    # -- mesh routing of a canary (kconfig/check/routing.py) -------------------------------
    "KC190 the Rollout names a VirtualService that is not rendered": Case(
        {OV: ISTIO + _patch(_ROLLOUT_VS.format("{name: other}"), "Rollout")},
        1,
        f"{OV}:10:80",
        "error",
        "trafficRouting.istio names VirtualService 'other', which is not rendered",
    ),
    "KC191 the Rollout names a route the VirtualService lacks": Case(
        {OV: ISTIO + _patch(_ROLLOUT_VS.format("{name: web, routes: [main]}"), "Rollout")},
        1,
        f"{OV}:10:94",
        "error",
        "HTTP route 'main' is not a route of VirtualService/web (its routes: 'primary')",
    ),
    "KC192 a route without the canary Service": Case(
        {
            OV: ISTIO
            + _patch(
                _VS_ROUTE.format("{destination: {host: web.shop-qa.svc}, weight: 100}"),
                "VirtualService",
            )
        },
        1,
        f"{OV}:10:42",
        "error",
        "HTTP route 'primary' has no destination to the canary Service 'web-canary'",
    ),
    "KC193 route weights that do not add up to 100": Case(
        {
            OV: ISTIO
            + _patch(
                _VS_ROUTE.format(
                    "{destination: {host: web}, weight: 90}, "
                    "{destination: {host: web-canary}, weight: 0}"
                ),
                "VirtualService",
            )
        },
        1,
        f"{OV}:10:42",
        "error",
        "the weights of HTTP route 'primary' add up to 90, not 100",
    ),
    "KC194 an HTTPRoute without the canary Service": Case(
        {
            OV: GATEWAY
            + _patch("    spec: {rules: [{backendRefs: [{name: web, port: 80}]}]}\n", "HTTPRoute")
        },
        1,
        f"{OV}:10:19",
        "error",
        "no rule has a backendRef to the canary Service 'web-canary' of Rollout/web",
    ),
}


def _run(root: Path, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["-C", str(root), "validate", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_invalid_case(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "proj", {**MINIMAL, **case.files})
    code, err = _run(root, case.args, capsys)
    lines = err.splitlines()
    assert code == case.code, err
    assert lines[-1].endswith(" in 2 environments"), err
    if case.message:
        prefix = f"{case.where}: {case.severity}: "
        hits = [line for line in lines if line.startswith(prefix) and case.message in line]
        assert hits, f"no line starting {prefix!r} containing {case.message!r} in:\n{err}"
    for fragment in case.absent:
        assert fragment not in err


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 25


def test_every_check_has_a_case() -> None:
    from kconfig.check.registry import CHECKS

    covered = {name.split()[0] for name in CASES if name.startswith("KC")}
    # A negative case under tests/negative/ (its exact expected text) covers a check too.
    negative = Path(__file__).resolve().parents[2] / "negative"
    for expected in negative.glob("*/expected"):
        covered |= set(re.findall(r"\[(KC\d{3})\]$", expected.read_text(), re.MULTILINE))
    assert {c.id for c in CHECKS} <= covered
