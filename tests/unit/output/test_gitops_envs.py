"""issue 16: an Argo CD destination and sync policy per environment (env.yaml ``cluster`` and
``sync``), carried by the ApplicationSet's elements; env.yaml ``flux`` for the Kustomization."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kconfig
from kconfig.errors import LoadError
from kconfig.load.sources import load_sources
from kconfig.output.gitops import IN_CLUSTER, TEMPLATE_PATCH, gitops_documents

KCONFIG = (
    "project: shop\nenvironments: [qa, prod]\noutput: deploy\n"
    "gitops:\n  argocd:\n    repoURL: https://git.example.com/shop-deploy.git\n"
    "    targetRevision: main\n  flux: {sourceRef: {name: shop-deploy}}\n"
)
PROD = (
    "domain: example.com\nlabels: {env: prod}\n"
    "cluster: {name: prod-eu}\n"
    "sync: {automated: false, options: [ServerSideApply=true]}\n"
    "flux:\n  dependsOn: [{name: infra, namespace: flux-system}]\n"
    "  timeout: 5m\n  wait: true\n  targetNamespace: shop-prod\n"
)


def docs(make_project: Callable[..., Path], prod: str = PROD) -> dict[str, Any]:
    root = make_project({"kconfig.yaml": KCONFIG, "overlays/prod/env.yaml": prod})
    return gitops_documents(load_sources(root))


def test_application_destination_and_sync_per_environment(
    make_project: Callable[..., Path],
) -> None:
    out = docs(make_project)
    qa = out["argocd/applications/qa.yaml"]["spec"]
    prod = out["argocd/applications/prod.yaml"]["spec"]
    assert qa["destination"] == {"server": IN_CLUSTER, "namespace": "shop-qa"}
    assert qa["syncPolicy"] == {"automated": {"prune": True, "selfHeal": True}}
    assert prod["destination"] == {"name": "prod-eu", "namespace": "shop-prod"}
    assert prod["syncPolicy"] == {"syncOptions": ["ServerSideApply=true"]}  # manual sync


def test_a_server_destination_and_no_sync_policy_at_all(
    make_project: Callable[..., Path],
) -> None:
    out = docs(
        make_project,
        "cluster: {server: 'https://prod.example.com:6443'}\nsync: {automated: false}\n",
    )
    prod = out["argocd/applications/prod.yaml"]["spec"]
    assert prod["destination"] == {
        "server": "https://prod.example.com:6443",
        "namespace": "shop-prod",
    }
    assert "syncPolicy" not in prod


def test_application_set_elements_carry_cluster_and_sync(
    make_project: Callable[..., Path],
) -> None:
    appset = docs(make_project)["argocd/applicationset/shop.yaml"]["spec"]
    (generator,) = appset["generators"]
    elements = generator["list"]["elements"]
    assert [(e["env"], e["destination"], e["syncPolicy"]) for e in elements] == [
        (
            "qa",
            {"server": IN_CLUSTER, "namespace": "shop-qa"},
            {"automated": {"prune": True, "selfHeal": True}},
        ),
        (
            "prod",
            {"name": "prod-eu", "namespace": "shop-prod"},
            {"syncOptions": ["ServerSideApply=true"]},
        ),
    ]
    assert elements[1]["path"] == "deploy/prod" and elements[1]["revision"] == "main"
    assert appset["templatePatch"] == TEMPLATE_PATCH
    template = appset["template"]["spec"]
    assert template["destination"] == {"namespace": "{{.namespace}}"}
    assert "syncPolicy" not in template  # the patch gives each Application its own


def test_uniform_environments_keep_the_directory_generator(
    make_project: Callable[..., Path],
) -> None:
    appset = docs(make_project, "domain: example.com\n")["argocd/applicationset/shop.yaml"]
    assert "git" in appset["spec"]["generators"][0]
    assert "templatePatch" not in appset["spec"]


def test_flux_fields(make_project: Callable[..., Path]) -> None:
    out = docs(make_project)
    spec = out["flux/prod.yaml"]["spec"]
    assert spec["dependsOn"] == [{"name": "infra", "namespace": "flux-system"}]
    assert (spec["timeout"], spec["wait"], spec["targetNamespace"]) == ("5m", True, "shop-prod")
    assert "dependsOn" not in out["flux/qa.yaml"]["spec"]


@pytest.mark.parametrize(
    ("prod", "message"),
    [
        (
            "cluster: {name: prod-eu, server: 'https://x'}\n",
            "overlays/prod/env.yaml:1:10: error: cluster: give name (the cluster's name in "
            "Argo CD) or server (its API server URL), not both: Argo CD refuses a "
            "destination with both",
        ),
        (
            "cluster: {server: prod.example.com}\n",
            "overlays/prod/env.yaml:1:19: error: `cluster.server`: string "
            '"prod.example.com" is not an API server URL (https://...)',
        ),
        (
            "flux: {timeout: 5 minutes}\n",
            'overlays/prod/env.yaml:1:17: error: `flux.timeout`: string "5 minutes" is not '
            "a duration such as 5m or 1h30m",
        ),
        (
            "flux: {dependsOn: [infra]}\n",
            "overlays/prod/env.yaml:1:20: error: `flux.dependsOn[0]` must be an object, "
            'not string "infra"',
        ),
    ],
)
def test_bad_environment_settings_are_located(
    make_project: Callable[..., Path], prod: str, message: str
) -> None:
    with pytest.raises(kconfig.KconfigError) as caught:
        docs(make_project, prod)
    assert str(caught.value) == message


def test_an_inherited_cluster_is_replaced_not_merged(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "kconfig.yaml": "project: shop\nenvironments: [qa, e2e]\n",
            "overlays/qa/env.yaml": "cluster: {name: dev}\n",
            "overlays/e2e/env.yaml": "extends: qa\ncluster: {server: 'https://e2e:6443'}\n",
        }
    )
    sources = load_sources(root)
    assert sources.env("e2e").cluster == {"server": "https://e2e:6443"}
    assert sources.env("qa").cluster == {"name": "dev"}


def test_argocd_generate_checks_the_cluster_too(
    make_project: Callable[..., Path], kconfig_cli: Callable[..., Any]
) -> None:
    root = make_project(
        {
            "kconfig.yaml": KCONFIG,
            "overlays/prod/env.yaml": "cluster: {name: a, server: 'https://b'}\n",
        }
    )
    result = kconfig_cli("-C", str(root), "argocd-generate", "prod")
    assert result.returncode == 1 and result.stdout == ""
    assert "overlays/prod/env.yaml:1:10: error: cluster: give name" in result.stderr
    assert isinstance(LoadError("x"), kconfig.KconfigError)
