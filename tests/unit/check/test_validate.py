"""kconfig.check.validate: input errors located in the file that wrote them, output errors naming
manifest, field and producer, which environments files affect, and the report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kconfig
from kconfig.check.validate import Validator, merge_environments
from kconfig.core.names import did_you_mean
from kconfig.core.paths import dotted
from kconfig.errors import Diagnostic, SourcePos, UsageError, ValidationError
from kconfig.load.sources import load_sources
from kconfig.run.recipe import run_environment
from tests.conftest import MINIMAL, copy_estate, write_tree

REPO = Path(__file__).resolve().parents[3]
OV = "overlays/qa/web.yaml"


def _project(tmp_path: Path, files: dict[str, str]) -> kconfig.Project:
    return kconfig.Project.load(write_tree(tmp_path / "p", {**MINIMAL, **files}))


def _lines(diags: list[Diagnostic]) -> list[str]:
    return [d.format() for d in diags]


def test_reference_estate_is_valid() -> None:
    report = kconfig.Project.load(REPO).validate()
    assert report.diagnostics == []
    assert report.environments == ["qa", "e2e", "stage", "prod"]
    assert report.summary() == "0 errors, 0 warnings in 4 environments"


def test_dotted_paths() -> None:
    assert dotted(("spec", "containers", 0, "image")) == "spec.containers[0].image"
    assert dotted(()) == "(top level)"
    assert did_you_mean("replica", ["replicas", "port"]) == " (did you mean `replicas`?)"
    assert did_you_mean("zzz", ["replicas"]) == ""


def test_every_input_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    project = _project(tmp_path, {OV: "replica: 3\nport: http\ningress:\n  hots: x\n"})
    report = project.validate(["qa"])
    assert _lines(report.diagnostics) == [
        f"{OV}:1:1: error: unknown key `replica` (did you mean `replicas`?)",
        f'{OV}:2:7: error: `port` must be an integer, not string "http"',
        f"{OV}:4:3: error: unknown key `hots` under `ingress` (did you mean `host`?)",
    ]
    assert {d.code for d in report.diagnostics} == {"KC090", "KC091"}


def test_a_yaml_date_is_a_wrong_type_with_a_hint(tmp_path: Path) -> None:
    project = _project(tmp_path, {OV: "image: {tag: 2024-01-31}\n"})
    (diag,) = project.validate(["qa"]).diagnostics
    assert diag.format() == (
        f"{OV}:1:14: error: `image.tag` must be a string, not date 2024-01-31; "
        "YAML 1.1 read it as a date: put it in quotes"
    )


def test_input_errors_skip_rendering_that_environment(tmp_path: Path) -> None:
    """A broken qa overlay breaks qa (and nothing else is reported for it); prod renders."""
    project = _project(
        tmp_path, {OV: "replicas: three\n", "overlays/prod/web.yaml": "image: {tag: latest}\n"}
    )
    report = project.validate()
    assert [(d.pos.path if d.pos else "", d.code) for d in report.diagnostics] == [
        ("overlays/prod/web.yaml", "KC107"),
        (OV, "KC090"),
    ]


def test_a_file_is_checked_once_per_run(tmp_path: Path) -> None:
    project = _project(tmp_path, {"overlays/prod/env.yaml": "extends: qa\n", OV: "replica: 3\n"})
    report = project.validate()
    assert _lines(report.diagnostics) == [
        f"{OV}:1:1: error: unknown key `replica` (did you mean `replicas`?)"
    ]
    sources = load_sources(project.root)
    validator = Validator(sources)
    for env in ("qa", "prod"):
        run_environment(sources, env, validator=validator)
    assert validator.check_file(OV, "overlay") is validator.check_file(OV, "overlay")


def test_output_problems_shared_by_environments_are_reported_once(tmp_path: Path) -> None:
    patch = (
        "patches:\n- target: {kind: Service, name: web}\n  patch:\n"
        "    spec: {sessionAffinty: ClientIP}\n"
    )
    project = _project(tmp_path, {"overlays/prod/env.yaml": "extends: qa\n", OV: patch})
    (diag,) = project.validate().diagnostics
    assert diag.format() == (
        f"{OV}:4:12: error: Service/web (qa, prod): spec.sessionAffinty: unknown field "
        "`sessionAffinty` (did you mean `sessionAffinity`?) [rendered by "
        "kconfig:templates/jinja/service.json.j2, patched here]"
    )


def test_merge_environments_keeps_distinct_problems() -> None:
    pos = SourcePos("f.yaml", 1, 1)
    merged = merge_environments(
        [
            ("qa", [Diagnostic("Service/web (qa): bad", pos), Diagnostic("input", pos)]),
            (
                "prod",
                [
                    Diagnostic("Service/web (prod): bad", pos),
                    Diagnostic("input", pos),
                    Diagnostic("Service/api (prod): other", pos),
                ],
            ),
        ]
    )
    assert [d.message for d in merged] == [
        "Service/web (qa, prod): bad",
        "input",
        "Service/api (prod): other",
    ]


def test_set_overrides_are_checked(tmp_path: Path) -> None:

    project = _project(tmp_path, {})
    with pytest.raises(ValidationError) as caught:
        project.render("qa", overrides=("replicas=many",))
    assert _lines(caught.value.diagnostics) == [
        '--set: error: `replicas` must be an integer, not string "many"'
    ]


def test_render_validated_returns_warnings(tmp_path: Path) -> None:
    project = _project(tmp_path, {"bases/web/app.yaml": "image: {repository: r/web, tag: '1'}\n"})
    rendered = project.rendered("qa")
    assert [m.title for m in rendered.manifests][-1] == "Deployment/web"
    assert [d.code for d in rendered.warnings] == ["KC106"]
    with pytest.raises(ValidationError):
        project.render("qa", strict=True)


# -- which environments files affect -----------------------------------------------------
@pytest.fixture
def estate(tmp_path: Path) -> kconfig.Project:
    return kconfig.Project.load(copy_estate(tmp_path / "estate"))


@pytest.mark.parametrize(
    ("targets", "envs"),
    [
        ([], ["qa", "e2e", "stage", "prod"]),
        (["prod", "qa"], ["qa", "prod"]),
        (["overlays/qa/myapp.yaml"], ["qa", "e2e"]),
        (["overlays/e2e/env.yaml"], ["e2e"]),
        (["overlays/stage/gone.yaml"], ["stage"]),
        (["bases/frontend/app.yaml"], ["qa", "e2e", "stage", "prod"]),
        (["kconfig.yaml"], ["qa", "e2e", "stage", "prod"]),
        (["components/x/values.yaml"], ["qa", "e2e", "stage", "prod"]),
        (["schemas/x.json"], ["qa", "e2e", "stage", "prod"]),
        (["overlays/prod/frontend.yaml", "qa"], ["qa", "prod"]),
    ],
)
def test_affected_environments(
    estate: kconfig.Project, targets: list[str], envs: list[str]
) -> None:
    assert estate.select_environments(targets, estate.root) == envs


def test_absolute_and_outside_paths(estate: kconfig.Project, tmp_path: Path) -> None:
    target = str(estate.root / "overlays" / "stage" / "env.yaml")
    assert estate.select_environments([target], tmp_path) == ["stage"]
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("a: 1\n")
    with pytest.raises(UsageError, match="the file is outside the project at "):
        estate.select_environments([str(outside)], estate.root)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("README.md", "README.md: the file is not an input of the project (inputs: kconfig.yaml"),
        (
            "overlays/qaa/myapp.yaml",
            "overlays/qaa/ is the folder of no environment (did you mean `qa`?)",
        ),
    ],
)
def test_a_file_that_is_no_input_is_a_usage_error(
    estate: kconfig.Project, target: str, message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        estate.select_environments([target], estate.root)


def test_an_unknown_target_is_a_usage_error(estate: kconfig.Project) -> None:
    with pytest.raises(UsageError, match="'staging' is neither an environment"):
        estate.select_environments(["staging"], estate.root)


def test_render_of_some_apps_checks_only_their_inputs(tmp_path: Path) -> None:

    project = _project(
        tmp_path,
        {
            "bases/api/app.yaml": "image: {repository: r/api, tag: '1'}\nreplica: 2\n",
        },
    )
    manifests = project.render("qa", apps=["web"])
    assert {m.app for m in manifests} == {"web"}
    with pytest.raises(ValidationError) as caught:
        project.render("qa")
    assert _lines(caught.value.diagnostics) == [
        "bases/api/app.yaml:2:1: error: unknown key `replica` (did you mean `replicas`?)"
    ]
