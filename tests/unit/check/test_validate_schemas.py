"""The schema store (kconfig.check.schemas): Kubernetes versions, CRDs, kconfig's own schemas."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import kconfig
from kconfig.check.schemas import (
    DEFAULT_VERSION,
    SchemaError,
    SchemaStore,
    available_versions,
    choose_version,
    crd_versions,
    kind_file,
    load_crd_file,
)
from kconfig.errors import LoadError
from kconfig.load.inputs import OwnSchemas
from tests.conftest import MINIMAL, deployment_doc, shared_dir, write_tree

OV = "overlays/qa/web.yaml"


def _argo() -> Path:
    shared = shared_dir()
    folder = shared / "reference" / "argo-rollouts" if shared else None
    if folder is None or not (folder / "rollout-crd.yaml").is_file():
        pytest.skip("../shared/reference/argo-rollouts is not present")
    return folder


def test_supported_versions_are_the_installed_ones() -> None:
    """No hard-coded list: every strict schema folder of kubernetes-validate is a version
    (1.34-1.37 with today's package), and the default and tested ones are among them."""
    root = Path(kubernetes_validate_folder())
    folders = sorted(p.name for p in root.iterdir() if p.name.endswith(".0-local-strict"))
    assert kconfig.kubernetes_versions() == tuple(available_versions())
    assert len(kconfig.kubernetes_versions()) == len(folders)
    assert {DEFAULT_VERSION, "1.28", "1.33"} <= set(kconfig.kubernetes_versions())
    assert DEFAULT_VERSION == "1.30"


def kubernetes_validate_folder() -> str:
    import importlib.util

    spec = importlib.util.find_spec("kubernetes_validate")
    assert spec is not None and spec.submodule_search_locations
    return str(Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema")


@pytest.mark.parametrize(
    ("version", "chosen", "newer"),
    [
        ("1.30", "1.30", False),
        ("1.30.2", "1.30", False),
        ("1.37", "1.37", False),
        ("1.99", "1.37", True),
        ("2.0.1", "1.37", True),
    ],
)
def test_choose_version(version: str, chosen: str, newer: bool) -> None:
    installed = [f"1.{n}" for n in range(25, 38)]
    assert choose_version(version, installed) == (chosen, newer)


@pytest.mark.parametrize("version", ["1.20", "1.24.9"])
def test_choose_version_refuses_older_ones(version: str) -> None:
    with pytest.raises(SchemaError, match=r"installed: 1\.25 to 1\.37\)$"):
        choose_version(version, [f"1.{n}" for n in range(25, 38)])


def _project_with_version(tmp_path: Path, version: str) -> kconfig.Project:
    files = {
        **MINIMAL,
        "kconfig.yaml": f"project: shop\nenvironments: [qa]\nkubernetesVersion: '{version}'\n",
    }
    return kconfig.Project.load(write_tree(tmp_path / "p", files))


def test_the_newest_installed_version_is_used_as_it_is(tmp_path: Path) -> None:
    newest = kconfig.kubernetes_versions()[-1]
    report = _project_with_version(tmp_path, newest).validate()
    assert report.diagnostics == []


def test_a_patch_version_in_kconfig_yaml_is_its_minor_version(tmp_path: Path) -> None:
    project = _project_with_version(tmp_path, "1.25.3")
    assert project.config.kubernetes_version == "1.25"
    assert project.validate().diagnostics == []


def test_a_newer_version_than_installed_warns_and_uses_the_newest(tmp_path: Path) -> None:
    newest = kconfig.kubernetes_versions()[-1]
    (diag,) = _project_with_version(tmp_path, "1.99").validate().diagnostics
    assert (str(diag.pos), diag.severity, diag.code) == ("kconfig.yaml:3:20", "warning", "KC095")
    assert diag.message == (
        "kubernetesVersion 1.99 is newer than the newest installed Kubernetes schemas "
        f"(kubernetes-validate); validating with {newest}"
    )


@pytest.mark.parametrize(
    ("api_version", "kind", "file"),
    [
        ("apps/v1", "Deployment", "deployment-apps-v1.json"),
        ("v1", "Service", "service-v1.json"),
        ("networking.k8s.io/v1", "Ingress", "ingress-networking-v1.json"),
        (
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            "horizontalpodautoscaler-autoscaling-v2.json",
        ),
    ],
)
def test_kind_file_names(api_version: str, kind: str, file: str) -> None:
    assert kind_file(api_version, kind) == file


def test_validators_are_compiled_once_and_reused() -> None:
    store = SchemaStore()
    first = store.kind("apps/v1", "Deployment")
    assert first is not None and first is store.kind("apps/v1", "Deployment")
    assert first.problems(deployment_doc()) == []
    own = OwnSchemas()
    assert own.validator("app.schema.json") is own.validator("app.schema.json")


def test_a_group_that_only_shares_the_file_name_has_no_schema() -> None:
    store = SchemaStore()
    assert store.kind("apps.example.com/v1", "Deployment") is None
    assert store.kind("v1", "Container") is None  # a definition, not an object kind


def test_unknown_fields_are_refused_with_the_allowed_names() -> None:
    schema = SchemaStore().kind("apps/v1", "Deployment")
    assert schema is not None
    (problem,) = schema.problems(deployment_doc(priorityClass="high"))
    assert problem.path == ("spec", "template", "spec")
    assert problem.unexpected == ("priorityClass",)
    assert "priorityClassName" in problem.allowed


def test_a_quantity_of_the_wrong_type_is_named_as_such() -> None:
    doc = deployment_doc()
    doc["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": []}}
    schema = SchemaStore().kind("apps/v1", "Deployment")
    assert schema is not None
    (problem,) = schema.problems(doc)
    assert problem.message == (
        "expected a quantity (a string such as 100m or 128Mi, or a number), found an array"
    )


# -- the Kubernetes version decides ----------------------------------------------------------
def test_pod_level_resources_exist_from_1_32() -> None:
    doc = deployment_doc(resources={"requests": {"cpu": "100m"}})
    for version in ("1.28", "1.31"):
        schema = SchemaStore(version).kind("apps/v1", "Deployment")
        assert schema is not None
        assert [p.unexpected for p in schema.problems(doc)] == [("resources",)], version
    for version in ("1.32", "1.33"):
        schema = SchemaStore(version).kind("apps/v1", "Deployment")
        assert schema is not None and schema.problems(doc) == [], version


def test_service_traffic_distribution_exists_from_1_30() -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80}], "trafficDistribution": "PreferClose"},
    }
    old = SchemaStore("1.29").kind("v1", "Service")
    new = SchemaStore("1.30").kind("v1", "Service")
    assert old is not None and new is not None
    assert [p.unexpected for p in old.problems(doc)] == [("trafficDistribution",)]
    assert new.problems(doc) == []


def test_flowcontrol_v1beta3_is_gone_in_1_32() -> None:
    assert SchemaStore("1.31").kind("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema")
    store = SchemaStore("1.32")
    assert store.kind("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema") is None
    assert store.known_api_versions("FlowSchema") == ["flowcontrol.apiserver.k8s.io/v1"]


def test_unsupported_version_is_an_error() -> None:
    with pytest.raises(SchemaError, match=r"no Kubernetes schemas for version '1\.2'"):
        SchemaStore("1.2").kind("v1", "Service")


PATCH_POD_RESOURCES = (
    "patches:\n- target: {kind: Deployment, name: web}\n  patch:\n    spec:\n      template:\n"
    "        spec:\n          resources: {requests: {cpu: 100m}}\n"
)
FLOWSCHEMA = (
    "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\n"
    "metadata: {name: web}\nspec: {priorityLevelConfiguration: {name: global-default}}\n"
)


@pytest.mark.parametrize(("version", "ok"), [("1.31", False), ("1.32", True)])
def test_project_version_decides_a_patched_field(tmp_path: Path, version: str, ok: bool) -> None:
    files = {
        **MINIMAL,
        OV: PATCH_POD_RESOURCES,
        "kconfig.yaml": f"project: shop\nenvironments: [qa, prod]\n"
        f"kubernetesVersion: '{version}'\n",
    }
    report = kconfig.Project.load(write_tree(tmp_path / "p", files)).validate()
    if ok:
        assert report.diagnostics == []
        return
    (diag,) = report.diagnostics
    assert str(diag.pos) == f"{OV}:7:11"
    assert "spec.template.spec.resources: unknown field `resources`" in diag.message


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("1.31", None),
        (
            "1.32",
            "no schema for FlowSchema in flowcontrol.apiserver.k8s.io/v1beta3 (Kubernetes "
            "1.32); FlowSchema exists as flowcontrol.apiserver.k8s.io/v1",
        ),
    ],
)
def test_project_version_decides_an_api_version(
    tmp_path: Path, version: str, problem: str | None
) -> None:
    files = {
        **MINIMAL,
        "bases/web/templates/flow.yaml.j2": FLOWSCHEMA,
        "kconfig.yaml": f"project: shop\nenvironments: [qa]\nkubernetesVersion: '{version}'\n",
    }
    project = kconfig.Project.load(write_tree(tmp_path / "p", files))
    messages = [d.message for d in project.validate().diagnostics if d.code == "KC093"]
    assert messages == ([] if problem is None else [pytest.approx(messages[0])])
    if problem:
        assert problem in messages[0]
        assert project.validate(strict=True).failed(strict=True)


# -- CRDs ------------------------------------------------------------------------------------
def test_openapi_keywords_become_json_schema() -> None:
    crd = {
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {
                                        "port": {"x-kubernetes-int-or-string": True},
                                        "note": {"type": "string", "nullable": True},
                                        "size": {
                                            "type": "integer",
                                            "minimum": 0,
                                            "exclusiveMinimum": True,
                                        },
                                        "free": {
                                            "type": "object",
                                            "x-kubernetes-preserve-unknown-fields": True,
                                            "properties": {"a": {"type": "string"}},
                                        },
                                    },
                                },
                            },
                        }
                    },
                },
                {"name": "v0", "served": False},
            ],
        },
    }
    (version,) = crd_versions(crd, "crds/widget.yaml")
    assert (version.api_version, version.kind) == ("example.com/v1", "Widget")
    spec = version.schema["properties"]["spec"]
    assert spec["additionalProperties"] is False
    assert spec["properties"]["port"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert spec["properties"]["note"]["type"] == ["string", "null"]
    assert spec["properties"]["size"] == {"type": "integer", "exclusiveMinimum": 0}
    assert "additionalProperties" not in spec["properties"]["free"]


def test_a_crd_file_without_a_crd_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\n")
    with pytest.raises(SchemaError, match="holds no CustomResourceDefinition"):
        load_crd_file(path, "x.yaml")


def test_an_alias_bomb_crd_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 {type: string}"]
    for i in range(1, 25):
        lines.append(f"a{i}: &a{i} {{type: object, properties: {{x: *a{i - 1}, y: *a{i - 1}}}}}")
    bomb = "\n".join(lines)
    crd = (
        f"x: {{{bomb.replace(chr(10), ', ')}}}\n"
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "spec:\n  group: example.com\n  names: {kind: Bomb}\n  versions:\n"
        "  - name: v1\n    served: true\n    schema:\n      openAPIV3Schema: *a24\n"
    )
    path = tmp_path / "bomb.yaml"
    path.write_text(crd)
    # Refused by the bounded reader, at its line in the file, before any schema is built.
    with pytest.raises(LoadError, match="an alias bomb"):
        load_crd_file(path, "bomb.yaml")


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "Ser\x00vice"),
        ("../../v1", "Service"),
        ("v1", "*"),
        ("apps/v1", "../x"),
    ],
)
def test_odd_names_have_no_schema(api_version: str, kind: str) -> None:
    store = SchemaStore()
    assert store.kind(api_version, kind) is None
    assert store.known_api_versions(kind) == (["v1"] if kind == "Service" else [])


def _examples(folder: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted(folder.glob("example-*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def test_upstream_examples_pass_own_schemas_and_the_crd() -> None:
    folder = _argo()
    own = SchemaStore()
    crd = SchemaStore(
        crds=[
            (
                "rollout-crd.yaml",
                lambda: load_crd_file(folder / "rollout-crd.yaml", "rollout-crd.yaml"),
            )
        ]
    )
    for doc in _examples(folder):
        for store in (own, crd):
            schema = store.kind(doc["apiVersion"], doc["kind"])
            assert schema is not None, doc["kind"]
            assert schema.problems(doc) == [], (doc["metadata"]["name"], schema.source)
    rollout = crd.kind("argoproj.io/v1alpha1", "Rollout")
    assert rollout is not None and rollout.source == "the CRD in rollout-crd.yaml"


# Its own pod labels: selecting the built-in Deployment's pods would overlap (KC120).
ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web-ro}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: web-ro}}
  template:
    metadata: {labels: {app.kubernetes.io/name: web-ro}}
    spec:
      containers:
      - name: main
        image: registry.example.com/shop/web:1.0.0
        resources: {requests: {cpu: 10m, memory: 16Mi}}
  strategy:
    canary:
      stableService: web
      canaryService: web-canary
      trafficRouting:
        istio:
          virtualServce: {name: web}
---
apiVersion: v1
kind: Service
metadata: {name: web-canary}
spec:
  selector: {app.kubernetes.io/name: web-ro}
  ports: [{port: 80, targetPort: http}]
"""


def test_rollout_validated_through_crds(tmp_path: Path) -> None:
    """kconfig's own schema leaves trafficRouting.istio open; the upstream CRD does not."""
    folder = _argo()
    files = {**MINIMAL, "bases/web/templates/rollout.yaml.j2": ROLLOUT}
    root = write_tree(tmp_path / "p", files)
    assert kconfig.Project.load(root).validate().diagnostics == []
    (root / "crds").mkdir()
    shutil.copy(folder / "rollout-crd.yaml", root / "crds" / "rollout-crd.yaml")
    (root / "kconfig.yaml").write_text(
        "project: shop\nenvironments: [qa, prod]\ncrds: [crds/rollout-crd.yaml]\n"
    )
    (diag,) = kconfig.Project.load(root).validate().diagnostics
    assert diag.pos is not None and diag.pos.path == "bases/web/templates/rollout.yaml.j2"
    assert diag.message.startswith(
        "Rollout/web-ro (qa, prod): spec.strategy.canary.trafficRouting.istio.virtualServce: "
        "unknown field `virtualServce` (did you mean `virtualService`?)"
    )


def test_a_missing_crd_file_is_reported_at_its_entry(tmp_path: Path) -> None:
    files = {
        **MINIMAL,
        "bases/web/templates/rollout.yaml.j2": ROLLOUT,
        "kconfig.yaml": "project: shop\nenvironments: [qa]\ncrds:\n- crds/nope.yaml\n",
    }
    report = kconfig.Project.load(write_tree(tmp_path / "p", files)).validate()
    assert [(str(d.pos), d.code) for d in report.errors] == [("kconfig.yaml:4:3", "KC094")]
    assert "cannot read CRD file crds/nope.yaml" in report.errors[0].message


def test_kubernetes_validate_is_used_as_data_only(tmp_path: Path) -> None:
    """The valid path imports neither kubernetes_validate (85 ms) nor jsonschema/referencing:
    jsonschema-rs answers, the slow engines only explain failures."""
    root = write_tree(tmp_path / "p", MINIMAL)
    code = (
        "import sys, kconfig\n"
        f"r = kconfig.Project.load({str(root)!r}).validate()\n"
        "assert not r.diagnostics, r.diagnostics\n"
        "slow = {'kubernetes_validate', 'jsonschema', 'referencing'} & set(sys.modules)\n"
        "assert not slow, slow\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
