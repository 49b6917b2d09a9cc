"""The platform objects beside the workload (render/platform.py): HPA, PDB, ServiceAccount,
ExternalSecret/SealedSecret, the checksum/config annotation, through render, the strict
schemas, explain, promote and diff."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kconfig import Project, dump_yaml
from kconfig.errors import KconfigError
from kconfig.render.platform import CHECKS, config_checksum

MakeProject = Callable[..., Path]
Out = dict[tuple[str, str], dict[str, Any]]
HPA = "hpa: {minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70}\n"
STORE = "secrets:\n  store: {kind: ClusterSecretStore, name: vault}\n"


def render(root: Path, env: str = "qa", **kwargs: Any) -> Out:
    return {m.key: m.body for m in Project.load(root).render(env, **kwargs)}


def errors_of(root: Path, env: str = "qa") -> list[str]:
    with pytest.raises(KconfigError) as info:
        Project.load(root).render(env)
    return [d.format() for d in info.value.diagnostics]


def _kinds(out: Out, kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for (k, name), body in out.items() if k == kind}


# -- HorizontalPodAutoscaler -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("strategy", "scaled", "fixed"),
    [
        ("{type: rolling}", {"web": "Deployment"}, {}),
        ("{type: recreate}", {"web": "Deployment"}, {}),
        ("{type: blueGreen}", {"web": "Rollout"}, {}),
        ("{type: canary, canary: {steps: [{setWeight: 50}]}}", {"web": "Rollout"}, {}),
        (
            "{type: ingressBlueGreen}",
            {"web-blue": "Deployment", "web-green": "Deployment"},
            {},
        ),
        # The canary keeps its one replica: only the stable track follows the load.
        (
            "{type: ingressCanary, ingressCanary: {tag: '2.0'}}",
            {"web": "Deployment"},
            {"web-canary": 1},
        ),
    ],
)
def test_hpa_scales_the_strategys_workloads(
    make_project: MakeProject, strategy: str, scaled: dict[str, str], fixed: dict[str, int]
) -> None:
    root = make_project(
        {
            "overlays/qa/web.yaml": "replicas: 4\ningress: {enabled: true}\n"
            f"strategy: {strategy}\n{HPA}"
        }
    )
    for backend in ("jinja", "jsonnet"):
        out = render(root, backend=backend)
        hpas = _kinds(out, "HorizontalPodAutoscaler")
        assert {name: h["spec"]["scaleTargetRef"]["kind"] for name, h in hpas.items()} == scaled
        for name, hpa in hpas.items():
            assert hpa["spec"]["scaleTargetRef"]["name"] == name
            assert "replicas" not in out[(scaled[name], name)]["spec"]
        for name, count in fixed.items():
            assert out[("Deployment", name)]["spec"]["replicas"] == count


def test_hpa_metrics_cpu_and_memory(make_project: MakeProject) -> None:
    root = make_project(
        {
            "overlays/qa/web.yaml": "hpa: {maxReplicas: 3, targetCPUUtilizationPercentage: 60,"
            " targetMemoryUtilizationPercentage: 75}\n"
        }
    )
    spec = render(root)[("HorizontalPodAutoscaler", "web")]["spec"]
    assert spec["maxReplicas"] == 3 and "minReplicas" not in spec
    assert [(m["resource"]["name"], m["resource"]["target"]) for m in spec["metrics"]] == [
        ("cpu", {"type": "Utilization", "averageUtilization": 60}),
        ("memory", {"type": "Utilization", "averageUtilization": 75}),
    ]


def test_hpa_needs_a_maximum_and_a_target(make_project: MakeProject) -> None:
    root = make_project({"overlays/qa/web.yaml": "hpa: {minReplicas: 2}\n"})
    assert errors_of(root) == [
        "overlays/qa/web.yaml:1:6: error: hpa needs maxReplicas and a target "
        "(targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage); or hpa: null "
        "for no autoscaler"
    ]


def test_hpa_null_in_an_overlay_restores_replicas(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/app.yaml": "image: {repository: r/web, tag: '1.0'}\nreplicas: 2\n" + HPA,
            "overlays/qa/web.yaml": "hpa: null\n",
        }
    )
    assert render(root)[("Deployment", "web")]["spec"]["replicas"] == 2
    assert "replicas" not in render(root, "prod")[("Deployment", "web")]["spec"]


# -- PodDisruptionBudget ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        ("{minAvailable: 1}", {"minAvailable": 1}),
        ("{maxUnavailable: 25%}", {"maxUnavailable": "25%"}),
    ],
)
def test_pdb_selects_every_pod_of_the_app(
    make_project: MakeProject, budget: str, expected: dict[str, Any]
) -> None:
    root = make_project(
        {
            "overlays/qa/web.yaml": f"replicas: 3\npdb: {budget}\ningress: {{enabled: true}}\n"
            "strategy: {type: ingressCanary, ingressCanary: {tag: '2.0'}}\n"
        }
    )
    out = render(root)
    spec = out[("PodDisruptionBudget", "web")]["spec"]
    assert spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "web"}}
    assert {k: v for k, v in spec.items() if k != "selector"} == expected
    # Both tracks' pods are covered.
    for name in ("web", "web-canary"):
        labels = out[("Deployment", name)]["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "web"


# -- ServiceAccount --------------------------------------------------------------------------
def test_service_account_created_and_used(make_project: MakeProject) -> None:
    root = make_project(
        {
            "overlays/qa/web.yaml": "serviceAccount:\n  create: true\n  annotations:\n"
            "    iam.gke.io/gcp-service-account: web@shop.iam.gserviceaccount.com\n"
        }
    )
    out = render(root)
    account = out[("ServiceAccount", "web")]
    assert account["metadata"]["annotations"] == {
        "iam.gke.io/gcp-service-account": "web@shop.iam.gserviceaccount.com"
    }
    pod = out[("Deployment", "web")]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "web"
    assert (
        "serviceAccountName"
        not in render(root, "prod")[("Deployment", "web")]["spec"]["template"]["spec"]
    )


def test_service_account_name_names_an_existing_one(make_project: MakeProject) -> None:
    root = make_project({"overlays/qa/web.yaml": "serviceAccountName: shared\n"})
    out = render(root)
    assert ("ServiceAccount", "web") not in out
    assert out[("Deployment", "web")]["spec"]["template"]["spec"]["serviceAccountName"] == "shared"


# -- secrets by reference --------------------------------------------------------------------
SECRETS = (
    STORE + "  refreshInterval: 1h\n  items:\n"
    "  - {name: db, data: {DB_PASSWORD: {key: shop/db, property: password}}}\n"
    "  - {name: tls, encryptedData: {tls.crt: AgBcrt}}\n"
)


@pytest.mark.parametrize("version", [None, "v1", "v1beta1"])
def test_secret_items_render_external_and_sealed_secrets(
    make_project: MakeProject, version: str | None
) -> None:
    kconfig_yaml = "project: shop\nenvironments: [qa, prod]\n"
    if version:
        kconfig_yaml += f"externalSecretsVersion: {version}\n"
    root = make_project({"kconfig.yaml": kconfig_yaml, "overlays/qa/web.yaml": SECRETS})
    out = render(root)  # validated: the strict schemas derived from the upstream CRDs
    external = out[("ExternalSecret", "web-db")]
    assert external["apiVersion"] == f"external-secrets.io/{version or 'v1'}"
    assert external["spec"] == {
        "data": [
            {"remoteRef": {"key": "shop/db", "property": "password"}, "secretKey": "DB_PASSWORD"}
        ],
        "refreshInterval": "1h",
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
        "target": {"creationPolicy": "Owner", "name": "web-db"},
    }
    sealed = out[("SealedSecret", "web-tls")]
    assert sealed["spec"]["encryptedData"] == {"tls.crt": "AgBcrt"}
    container = out[("Deployment", "web")]["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [
        {"secretRef": {"name": "web-db"}},
        {"secretRef": {"name": "web-tls"}},
    ]


def test_secret_kinds_are_validated_strictly(make_project: MakeProject) -> None:
    patch = (
        "patches:\n- target: {kind: ExternalSecret, name: web-db}\n"
        "  patch: {spec: {target: {creationPolcy: Merge}}}\n"
    )
    root = make_project({"overlays/qa/web.yaml": SECRETS + patch})
    found = [e for e in errors_of(root) if "ExternalSecret/web-db" in e]
    assert found and "creationPolcy" in found[0]


def test_secret_items_merge_by_name_across_layers(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/app.yaml": "image: {repository: r/web, tag: '1.0'}\n" + SECRETS,
            "overlays/qa/web.yaml": "secrets:\n  items:\n"
            "  - {name: db, data: {DB_USER: {key: shop/db, property: user}}}\n",
        }
    )
    keys = [d["secretKey"] for d in render(root)[("ExternalSecret", "web-db")]["spec"]["data"]]
    assert keys == ["DB_PASSWORD", "DB_USER"]


def test_literal_secret_values_stay_an_error(make_project: MakeProject) -> None:
    template = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {pw: hunter2}\n"
    root = make_project({"bases/web/templates/secret.yaml.j2": template})
    assert any("[KC108]" in e for e in errors_of(root))


# -- checksum/config -------------------------------------------------------------------------
def test_checksum_is_sha256_of_sorted_keys_json() -> None:
    data = {"b": "2", "a": "é"}
    expected = hashlib.sha256('{"a":"é","b":"2"}'.encode()).hexdigest()
    assert config_checksum(data) == expected == config_checksum({"a": "é", "b": "2"})


def _pod_annotations(root: Path, backend: str = "jinja") -> dict[str, str]:
    body = render(root, backend=backend)[("Deployment", "web")]
    annotations: dict[str, str] = body["spec"]["template"]["metadata"].get("annotations", {})
    return annotations


def test_config_change_rolls_the_pods(make_project: MakeProject) -> None:
    files = {"overlays/qa/web.yaml": "configMap: {data: {a: '1', b: '2'}}\n"}
    first = make_project(files)
    before = dump_yaml(Project.load(first).render("qa"))
    checksum = _pod_annotations(first)["checksum/config"]
    assert checksum == config_checksum({"a": "1", "b": "2"})
    assert _pod_annotations(first, "jsonnet")["checksum/config"] == checksum
    # Same data, keys in another order: byte-identical output.
    (first / "overlays/qa/web.yaml").write_text("configMap: {data: {b: '2', a: '1'}}\n")
    assert dump_yaml(Project.load(first).render("qa")) == before
    (first / "overlays/qa/web.yaml").write_text("configMap: {data: {a: '1', b: '3'}}\n")
    assert _pod_annotations(first)["checksum/config"] != checksum


def test_no_config_map_no_checksum(make_project: MakeProject) -> None:
    assert _pod_annotations(make_project()) == {}


# -- day two ---------------------------------------------------------------------------------
def test_explain_names_the_file_that_set_hpa_max_replicas(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/app.yaml": "image: {repository: r/web, tag: '1.0'}\n" + HPA,
            "overlays/prod/web.yaml": "hpa: {maxReplicas: 12}\n",
        }
    )
    text = Project.load(root).explain("prod", "web", "hpa.maxReplicas").format()
    assert "overlays/prod/web.yaml:1" in text and "12" in text


def test_promote_hpa_min_replicas(make_project: MakeProject) -> None:
    root = make_project(
        {
            "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n"
            "promote: [image.tag, hpa.minReplicas]\n",
            "bases/web/app.yaml": "image: {repository: r/web, tag: '1.0'}\n" + HPA,
            "overlays/qa/web.yaml": "hpa: {minReplicas: 3}\n",
        }
    )
    project = Project.load(root)
    result = project.promote("qa", "prod")
    assert result.written
    prod = render(root, "prod")
    assert prod[("HorizontalPodAutoscaler", "web")]["spec"]["minReplicas"] == 3
    assert "replicas" not in prod[("Deployment", "web")]["spec"]


def test_diff_shows_the_hpa(make_project: MakeProject) -> None:
    root = make_project({"overlays/prod/web.yaml": HPA})
    text = Project.load(root).diff("qa", "prod").format()
    assert "HorizontalPodAutoscaler/web" in text


def test_checks_are_in_range_and_documented() -> None:
    assert all("KC180" <= code <= "KC189" for code in CHECKS)
