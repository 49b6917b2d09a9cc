"""``kconfig argocd-generate``: the Argo CD plugin's generate command, end to end.

What matters most: on any error stdout stays empty and the exit code is not 0 (an empty
stream reaching Argo CD would prune the application).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_kconfig

# A field Kubernetes 1.30 added to Services: valid for KUBE_VERSION 1.30, unknown in 1.29.
TRAFFIC = (
    "patches:\n"
    "  - target: {kind: Service, name: web}\n"
    "    patch: {spec: {trafficDistribution: PreferClose}}\n"
)


def generate(cwd: Path, **env: str) -> tuple[int, str, str]:
    clean = {
        "ARGOCD_ENV_KCONFIG_ENV": "",
        "PARAM_ENV": "",
        "ARGOCD_APP_PARAMETERS": "",
        "KUBE_VERSION": "",
        **env,
    }
    result = run_kconfig("argocd-generate", cwd=cwd, env=clean)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"ARGOCD_ENV_KCONFIG_ENV": "qa"},
        {"PARAM_ENV": "qa"},
        {"ARGOCD_APP_PARAMETERS": json.dumps([{"name": "env", "string": "qa"}])},
        {"ARGOCD_ENV_KCONFIG_ENV": "qa", "PARAM_ENV": "qa"},
    ],
)
def test_prints_what_render_prints(estate: Path, env: dict[str, str]) -> None:
    code, out, err = generate(estate, **env)
    assert (code, err) == (0, "")
    assert out == run_kconfig("render", "qa", cwd=estate).stdout
    assert next(d["kind"] for d in yaml.safe_load_all(out)) == "Namespace"


def test_runs_from_the_source_folder_argo_cd_gives_it() -> None:
    code, out, _ = generate(REPO, ARGOCD_ENV_KCONFIG_ENV="prod")
    assert code == 0
    assert "namespace: guestbook-prod" in out


@pytest.mark.parametrize(
    ("env", "code", "message"),
    [
        (
            {},
            2,
            "kconfig: error: no environment: set the plugin env KCONFIG_ENV "
            "(ARGOCD_ENV_KCONFIG_ENV) or the plugin parameter env (PARAM_ENV) in the "
            "Application's spec.source.plugin\n",
        ),
        (
            {"ARGOCD_ENV_KCONFIG_ENV": "qa", "PARAM_ENV": "prod"},
            2,
            "kconfig: error: ARGOCD_ENV_KCONFIG_ENV='qa' and the plugin parameter env='prod' "
            "disagree; set only one\n",
        ),
        (
            {"ARGOCD_ENV_KCONFIG_ENV": "staging"},
            2,
            "kconfig: error: unknown environment 'staging': overlays/staging/env.yaml does "
            "not exist (environments: qa, e2e, stage, prod)\n",
        ),
        (
            {"PARAM_ENV": "qa", "KUBE_VERSION": "latest"},
            2,
            "kconfig: error: KUBE_VERSION='latest' is not a Kubernetes version (like v1.30.2)\n",
        ),
        ({"ARGOCD_APP_PARAMETERS": "[not json"}, 2, None),
    ],
)
def test_errors_print_nothing_on_stdout(
    estate: Path, env: dict[str, str], code: int, message: str | None
) -> None:
    got, out, err = generate(estate, **env)
    assert (got, out) == (code, "")
    if message is not None:
        assert err == message


def test_a_broken_overlay_prints_nothing_and_says_where(estate: Path) -> None:
    (estate / "overlays" / "qa" / "frontend.yaml").write_text("replicas: [1\n")
    code, out, err = generate(estate, ARGOCD_ENV_KCONFIG_ENV="qa")
    assert (code, out) == (1, "")
    assert err.startswith("overlays/qa/frontend.yaml:")
    assert "Traceback" not in err


def test_an_invalid_manifest_prints_nothing(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "overlays/qa/web.yaml": "patches:\n  - target: {kind: Service, name: "
            "web}\n    patch: {spec: {portz: 1}}\n"
        }
    )
    code, out, err = generate(root, ARGOCD_ENV_KCONFIG_ENV="qa")
    assert (code, out) == (1, "")
    assert "overlays/qa/web.yaml:3:" in err
    assert "portz" in err


def test_kube_version_selects_the_schemas(make_project: Callable[..., Path]) -> None:
    root = make_project({"overlays/qa/web.yaml": TRAFFIC})
    code, out, err = generate(root, ARGOCD_ENV_KCONFIG_ENV="qa", KUBE_VERSION="v1.30.2")
    assert (code, err) == (0, "")
    assert "trafficDistribution: PreferClose" in out

    code, out, err = generate(root, ARGOCD_ENV_KCONFIG_ENV="qa", KUBE_VERSION="v1.29.4+k3s1")
    assert (code, out) == (1, "")
    assert "overlays/qa/web.yaml:3:" in err
    assert "unknown field `trafficDistribution`" in err


def test_a_kube_version_newer_than_the_schemas_uses_the_newest(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({"overlays/qa/web.yaml": TRAFFIC})
    code, out, err = generate(root, ARGOCD_ENV_KCONFIG_ENV="qa", KUBE_VERSION="1.99.0")
    assert code == 0
    assert "trafficDistribution: PreferClose" in out
    assert err.startswith(
        "kconfig: KUBE_VERSION 1.99.0 is newer than the newest Kubernetes "
        "schemas kconfig has; validating with 1."
    )


def test_the_plugin_manifest() -> None:
    plugin = yaml.safe_load((REPO / "integrations" / "argocd" / "plugin.yaml").read_text())
    assert plugin["apiVersion"] == "argoproj.io/v1alpha1"
    assert plugin["kind"] == "ConfigManagementPlugin"
    assert plugin["spec"]["generate"]["command"] == ["kconfig", "argocd-generate"]
    assert plugin["spec"]["discover"] == {"fileName": "./kconfig.yaml"}
    assert [p["name"] for p in plugin["spec"]["parameters"]["static"]] == ["env"]


@pytest.mark.parametrize(
    ("raw", "version", "warned"),
    [
        (None, None, False),
        ("", None, False),
        ("v1.30.2", "1.30", False),
        ("1.31.0+k3s1", "1.31", False),
        ("v1.29.4-eks-1234", "1.29", False),
        ("1.25.3", "1.25", False),
        ("1.25", "1.25", False),
        ("v1.37.0", "1.37", False),
        ("v1.40.1", "1.37", True),
    ],
)
def test_kube_version_parsing(raw: str | None, version: str | None, warned: bool) -> None:
    from kconfig.cli.build import kube_version

    got, warning = kube_version(raw, tuple(f"1.{n}" for n in range(25, 38)))
    assert (got, bool(warning)) == (version, warned)


def test_kube_version_follows_the_rule_of_kconfig_yaml(
    make_project: Callable[..., Path],
) -> None:
    """1.25.3 is accepted in both places (schemas per minor version); 1.20 is refused in
    both, and the plugin's error names the variable, not a line of kconfig.yaml."""
    root = make_project({})
    code, out, err = generate(root, ARGOCD_ENV_KCONFIG_ENV="qa", KUBE_VERSION="1.25.3")
    assert (code, err) == (0, "")
    code, out, err = generate(root, ARGOCD_ENV_KCONFIG_ENV="qa", KUBE_VERSION="v1.20.4")
    assert (code, out) == (2, "")
    assert err.startswith("kconfig: error: KUBE_VERSION=v1.20.4: no Kubernetes schemas for 1.20 ")
    assert "kconfig.yaml" not in err
