"""Custom templates (``bases/<app>/templates/``) and components (``components/<name>/``):
adding manifests, replacing a built-in of the same kind and name, component values as layer 2,
and located errors for a missing value in either backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kconfig import Project
from kconfig.errors import KconfigError
from tests.conftest import REPO

MakeProject = Callable[..., Path]

CONFIGMAPS_J2 = """\
{#- two documents, YAML 1.1 -#}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ name }}-one
data:
  tag: "{{ values.image.tag }}"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: {{ name }}-two, labels: {extra: "yes"}}
data: {env: {{ env.name }}}
"""

SERVICE_JSONNET = """\
local k = import 'kconfig.libsonnet';
function(ctx) {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: k.metadata(ctx, ctx.name),
  spec: { type: 'LoadBalancer', selector: ctx.selector,
          ports: [{ name: 'http', port: 443, targetPort: 'http' }] },
}
"""


def render(root: Path, env: str = "qa", **kwargs: Any) -> dict[tuple[str, str], Any]:
    return {m.key: m for m in Project.load(root).render(env, **kwargs)}


def errors_of(root: Path, env: str = "qa", **kwargs: Any) -> list[str]:
    with pytest.raises(KconfigError) as info:
        Project.load(root).render(env, **kwargs)
    return [d.format() for d in info.value.diagnostics]


def test_yaml_template_adds_documents(make_project: MakeProject) -> None:
    root = make_project({"bases/web/templates/configmaps.yaml.j2": CONFIGMAPS_J2})
    out = render(root)
    one, two = out[("ConfigMap", "web-one")], out[("ConfigMap", "web-two")]
    assert one.origin.path == "bases/web/templates/configmaps.yaml.j2"
    assert one.body["data"] == {"tag": "1.0.0"}
    assert one.body["metadata"]["namespace"] == "shop-qa"
    # kconfig's common labels are added; the template's own are kept.
    assert two.body["metadata"]["labels"]["app.kubernetes.io/name"] == "web"
    assert two.body["metadata"]["labels"]["extra"] == "yes"
    assert two.body["data"] == {"env": "qa"}
    assert ("Deployment", "web") in out  # the built-ins are still there


@pytest.mark.parametrize("backend", ["jinja", "jsonnet"])
def test_template_with_a_builtins_kind_and_name_replaces_it(
    make_project: MakeProject, backend: str
) -> None:
    root = make_project({"bases/web/templates/service.jsonnet": SERVICE_JSONNET})
    services = [m for m in Project.load(root).render("qa", backend=backend) if m.kind == "Service"]
    assert len(services) == 1
    [service] = services
    assert service.origin.path == "bases/web/templates/service.jsonnet"
    assert service.body["spec"]["type"] == "LoadBalancer"
    assert service.body["spec"]["ports"] == [{"name": "http", "port": 443, "targetPort": "http"}]


def test_two_custom_templates_with_one_name_are_an_error(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/templates/a.jsonnet": SERVICE_JSONNET,
            "bases/web/templates/b.yaml.j2": "apiVersion: v1\nkind: Service\n"
            "metadata: {name: web}\nspec: {type: ClusterIP}\n",
        }
    )
    assert errors_of(root) == [
        "bases/web/templates/b.yaml.j2: error: Service/web is rendered twice: by "
        "bases/web/templates/a.jsonnet and by bases/web/templates/b.yaml.j2 (one kind and "
        "name per app; a custom template may replace only a built-in)"
    ]


def test_helpers_and_other_files_are_not_rendered(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/templates/_macros.yaml.j2": "{% macro x() %}{% endmacro %}",
            "bases/web/templates/README.md": "notes",
            "bases/web/templates/cm.yaml.j2": (
                '{% from "bases/web/templates/_macros.yaml.j2" import x %}'
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
            ),
        }
    )
    custom = [
        m.origin.path
        for m in Project.load(root).render("qa")
        if not m.origin.path.startswith("kconfig:")
    ]
    assert custom == ["bases/web/templates/cm.yaml.j2"]


def test_yaml_error_in_template_output_names_the_template(make_project: MakeProject) -> None:
    root = make_project({"bases/web/templates/bad.yaml.j2": "kind: ConfigMap\n  x: [\n"})
    [message] = errors_of(root)
    assert message.startswith(
        "bases/web/templates/bad.yaml.j2:1:1: error: template output "
        "is not valid YAML (line 2 of the rendered text)"
    )


# -- a missing value, in both backends ---------------------------------------------------
def test_missing_value_jinja(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/templates/cm.yaml.j2": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
                "data:\n  level: {{ values.logging.level }}\n"
            )
        }
    )
    assert errors_of(root) == [
        "bases/web/templates/cm.yaml.j2:5:1: error: undefined value in template: "
        "'dict object' has no attribute 'logging'"
    ]


def test_missing_value_jsonnet(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/templates/cm.jsonnet": (
                "function(ctx) {\n  apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cm'},\n"
                "  data: {level: ctx.values.logging.level},\n}\n"
            )
        }
    )
    assert errors_of(root) == [
        "bases/web/templates/cm.jsonnet:3:17: error: undefined value in template: "
        "field does not exist: logging"
    ]


@pytest.mark.parametrize("backend", ["jinja", "jsonnet"])
def test_missing_value_a_builtin_needs_is_reported_at_the_base(
    make_project: MakeProject, backend: str
) -> None:
    root = make_project({"bases/web/app.yaml": "port: 8080\n"})  # no image at all
    # Checked before any built-in runs (KC218): never an undefined value inside kconfig's
    # own templates.
    assert errors_of(root, backend=backend) == [
        "bases/web/app.yaml:1:1: error: image.repository is required (the image of the "
        "app's container), but it is not set; set image.repository and image.tag"
    ]


# -- components --------------------------------------------------------------------------
COMPONENT = {
    "components/logging/values.yaml": "env: {LOG_FORMAT: json, LOG_LEVEL: info}\nreplicas: 4\n",
    "components/logging/templates/cm.yaml.j2": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ name }}-logging}\n"
        "data: {format: {{ values.env.LOG_FORMAT }}}\n"
    ),
}


def test_component_values_are_layer_two_and_templates_are_added(
    make_project: MakeProject,
) -> None:
    root = make_project(
        {
            **COMPONENT,
            "bases/web/app.yaml": (
                'image: {repository: r/web, tag: "1"}\nenv: {LOG_LEVEL: warn}\n'
                "replicas: 2\ncomponents: [logging]\n"
            ),
            "overlays/qa/web.yaml": "env: {LOG_LEVEL: debug}\n",
        }
    )
    project = Project.load(root)
    values = project.values("qa", "web")
    # base < component < overlay
    assert values.data["env"] == {"LOG_LEVEL": "debug", "LOG_FORMAT": "json"}
    assert values.data["replicas"] == 4
    assert str(values.origin(("replicas",))) == "components/logging/values.yaml:2:11"
    assert str(values.origin(("env", "LOG_LEVEL"))) == "overlays/qa/web.yaml:1:18"
    assert [layer.label for layer in values.layers][1:3] == ["base", "component logging"]
    out = render(root)
    assert out[("ConfigMap", "web-logging")].origin.path == (
        "components/logging/templates/cm.yaml.j2"
    )
    assert out[("ConfigMap", "web-logging")].body["data"] == {"format": "json"}


def test_component_listed_by_an_overlay(make_project: MakeProject) -> None:
    root = make_project({**COMPONENT, "overlays/prod/web.yaml": "components: [logging]\n"})
    assert ("ConfigMap", "web-logging") in render(root, "prod")
    assert ("ConfigMap", "web-logging") not in render(root, "qa")


def test_unknown_component_is_located(make_project: MakeProject) -> None:
    root = make_project({"overlays/qa/web.yaml": "components: [nope]\n"})
    assert errors_of(root) == [
        "overlays/qa/web.yaml:1:13: error: unknown component 'nope': "
        "components/nope/values.yaml does not exist"
    ]


HPA = REPO / "components" / "hpa"


def _with_hpa(make_project: MakeProject, overlay: str) -> Path:
    """A project with the estate's values-only ``hpa`` component (the HPA is built in)."""
    root = make_project(
        {
            "components/hpa/values.yaml": (HPA / "values.yaml").read_text(),
            "overlays/prod/env.yaml": "domain: example.com\ndefaults: {replicas: 3}\n",
            "overlays/prod/web.yaml": overlay,
        }
    )
    return root


@pytest.mark.parametrize("backend", ["jinja", "jsonnet"])
def test_hpa_component_scales_the_workload_and_drops_replicas(
    make_project: MakeProject, backend: str
) -> None:
    root = _with_hpa(make_project, "components: [hpa]\nhpa: {maxReplicas: 10}\n")
    out = render(root, "prod", backend=backend)
    assert "replicas" not in out[("Deployment", "web")].body["spec"]
    hpa = out[("HorizontalPodAutoscaler", "web")]
    assert hpa.origin.path == f"kconfig:templates/{backend}/" + (
        "hpa.json.j2" if backend == "jinja" else "hpa.jsonnet"
    )
    assert hpa.body["spec"]["scaleTargetRef"] == {
        "name": "web",
        "apiVersion": "apps/v1",
        "kind": "Deployment",
    }
    assert (hpa.body["spec"]["minReplicas"], hpa.body["spec"]["maxReplicas"]) == (2, 10)
    assert hpa.body["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70


def test_hpa_targets_a_rollout(make_project: MakeProject) -> None:
    root = _with_hpa(make_project, "components: [hpa]\nstrategy: {type: blueGreen}\n")
    out = render(root, "prod")
    assert "replicas" not in out[("Rollout", "web")].body["spec"]
    assert out[("HorizontalPodAutoscaler", "web")].body["spec"]["scaleTargetRef"] == {
        "name": "web",
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
    }


def test_without_hpa_values_replicas_stay(make_project: MakeProject) -> None:
    root = _with_hpa(make_project, "components: [hpa]\nhpa: null\n")
    out = render(root, "prod")
    assert out[("Deployment", "web")].body["spec"]["replicas"] == 3
    assert ("HorizontalPodAutoscaler", "web") not in out


# -- the reference estate uses one of each ------------------------------------------------
def test_reference_estate_custom_templates_and_component() -> None:
    project = Project.load(REPO)
    for env in project.environments:
        out = {m.key: m for m in project.render(env)}
        redis = out[("ConfigMap", "redis-leader-config")]
        assert redis.origin.path == "bases/redis-leader/templates/configmap.yaml.j2"
        assert "port 6379\n" in redis.body["data"]["redis.conf"]
        appendonly = "appendonly yes" if env == "prod" else "appendonly no"
        assert appendonly in redis.body["data"]["redis.conf"]
        pdb = out[("PodDisruptionBudget", "frontend")]
        assert pdb.origin.path == "kconfig:templates/jinja/pdb.json.j2"  # from `pdb:`
        assert pdb.body["spec"]["maxUnavailable"] == 1
        autoscaled = ("HorizontalPodAutoscaler", "frontend") in out
        assert autoscaled == (env == "prod")
    prod = {m.key: m.body for m in project.render("prod")}
    assert "replicas" not in prod[("Deployment", "frontend")]["spec"]
    assert prod[("Deployment", "redis-leader")]["spec"]["replicas"] == 3
