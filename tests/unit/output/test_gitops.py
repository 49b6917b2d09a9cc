"""kconfig.run.build: kconfig.yaml gitops settings, Argo CD and Flux objects, branch commits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kconfig
from kconfig.errors import LoadError, OutputError, SourcePos, ValidationError
from kconfig.load.config import ArgoCD, GitOps
from kconfig.load.sources import Sources, load_sources
from kconfig.output.branches import commit_branches, source_commit
from kconfig.output.gitops import gitops_documents, validate_argocd
from kconfig.run.build import output_dir
from tests.conftest import GIT_ENV, git

ARGO = (
    "gitops:\n"
    "  argocd:\n"
    "    repoURL: https://git.example.com/shop-deploy.git\n"
    "    targetRevision: main\n"
)
KCONFIG = "project: shop\nenvironments: [qa, prod]\noutput: deploy\n"
LABELS = {"app.kubernetes.io/managed-by": "kconfig", "app.kubernetes.io/part-of": "shop"}
AUTOMATED = {"automated": {"prune": True, "selfHeal": True}}


def load(
    make_project: Callable[..., Path], kconfig_yaml: str, files: dict[str, str] | None = None
) -> Sources:
    return load_sources(make_project({"kconfig.yaml": kconfig_yaml, **(files or {})}))


# -- settings ------------------------------------------------------------------------------


def test_settings_defaults(make_project: Callable[..., Path]) -> None:
    project = load(make_project, KCONFIG)
    assert project.config.gitops == GitOps(pos=SourcePos("kconfig.yaml", 1, 1))
    project = load(make_project, KCONFIG + "gitops: {argocd: {repoURL: https://x}}\n")
    assert project.config.gitops.argocd == ArgoCD("https://x")


@pytest.mark.parametrize(
    ("gitops", "message"),
    [
        (
            "gitops:\n  layout: trunk\n",
            "kconfig.yaml:5:11: error: `gitops.layout` must be one of directories, branches, "
            'not string "trunk"',
        ),
        (
            "gitops:\n  argocd: {targetRevision: main}\n",
            "kconfig.yaml:5:11: error: `gitops.argocd` needs the key `repoURL`",
        ),
        (
            "gitops:\n  argocd: {repoURL: x, applicationSet: 3}\n",
            "kconfig.yaml:5:40: error: `gitops.argocd.applicationSet` must be a boolean, "
            "not integer 3",
        ),
        (
            "gitops:\n  branchPrefix: [a]\n",
            "kconfig.yaml:5:17: error: `gitops.branchPrefix` must be a string, not an array",
        ),
    ],
)
def test_settings_errors_are_located(
    make_project: Callable[..., Path], gitops: str, message: str
) -> None:
    """kconfig.yaml is checked by its schema, then read: a wrong setting fails every
    environment, at its line, in the schema's words."""
    project = load(make_project, KCONFIG + gitops)
    with pytest.raises(LoadError) as info:
        project.env("qa")
    assert str(info.value) == message


def test_one_message_from_every_command(make_project: Callable[..., Path]) -> None:
    """`gitops.branchPrefix: 5` once got two wordings (validate's schema, build's own
    check); one rule, one message now, from validate, build and render alike."""
    root = make_project({"kconfig.yaml": KCONFIG + "gitops:\n  branchPrefix: 5\n"})
    message = (
        "kconfig.yaml:5:17: error: gitops.branchPrefix must be a string, but YAML 1.1 read "
        "the value as the int 5; put it in quotes"
    )
    project = kconfig.Project.load(root)
    assert [d.format() for d in project.validate().diagnostics] == [message]
    for run in (project.build, lambda: project.render("qa")):
        with pytest.raises(LoadError) as info:
            run()
        assert str(info.value) == message


# -- Argo CD and Flux objects ----------------------------------------------------------------


def test_one_application_per_environment(make_project: Callable[..., Path]) -> None:
    docs = gitops_documents(load(make_project, KCONFIG + ARGO))
    assert list(docs) == [
        "argocd/applications/qa.yaml",
        "argocd/applications/prod.yaml",
        "argocd/applicationset/shop.yaml",
    ]
    assert docs["argocd/applications/prod.yaml"] == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": "shop-prod",
            "namespace": "argocd",
            "labels": {**LABELS, "kconfig.dev/environment": "prod"},
        },
        "spec": {
            "project": "default",
            "source": {
                "repoURL": "https://git.example.com/shop-deploy.git",
                "targetRevision": "main",
                "path": "deploy/prod",
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop-prod"},
            "syncPolicy": AUTOMATED,
        },
    }


def test_application_set_with_a_git_directory_generator(make_project: Callable[..., Path]) -> None:
    docs = gitops_documents(load(make_project, KCONFIG + ARGO))
    appset = docs["argocd/applicationset/shop.yaml"]
    assert appset["spec"]["generators"] == [
        {
            "git": {
                "repoURL": "https://git.example.com/shop-deploy.git",
                "revision": "main",
                "directories": [
                    {"path": "deploy/*"},
                    {"path": "deploy/argocd", "exclude": True},
                    {"path": "deploy/flux", "exclude": True},
                ],
            }
        }
    ]
    template = appset["spec"]["template"]
    assert template["metadata"] == {
        "name": "shop-{{.path.basename}}",
        "labels": {**LABELS, "kconfig.dev/environment": "{{.path.basename}}"},
    }
    assert template["spec"]["source"]["path"] == "{{.path.path}}"
    assert template["spec"]["destination"]["namespace"] == "shop-{{.path.basename}}"
    assert template["spec"]["syncPolicy"] == AUTOMATED
    assert appset["spec"]["goTemplate"] is True


def test_application_set_maps_custom_namespaces(make_project: Callable[..., Path]) -> None:
    project = load(
        make_project,
        KCONFIG + ARGO,
        {"overlays/prod/env.yaml": "namespace: shop\ndomain: example.com\n"},
    )
    appset = gitops_documents(project)["argocd/applicationset/shop.yaml"]
    assert appset["spec"]["template"]["spec"]["destination"]["namespace"] == (
        '{{ get (dict "qa" "shop-qa" "prod" "shop") .path.basename }}'
    )


def test_branch_layout_points_at_the_branches(make_project: Callable[..., Path]) -> None:
    gitops = ARGO + "  layout: branches\n  branchPrefix: rendered/\n"
    docs = gitops_documents(load(make_project, KCONFIG + gitops))
    source = docs["argocd/applications/qa.yaml"]["spec"]["source"]
    assert source == {
        "repoURL": "https://git.example.com/shop-deploy.git",
        "targetRevision": "rendered/qa",
        "path": ".",
    }
    appset = docs["argocd/applicationset/shop.yaml"]["spec"]
    assert appset["generators"] == [
        {
            "list": {
                "elements": [
                    {"env": "qa", "namespace": "shop-qa"},
                    {"env": "prod", "namespace": "shop-prod"},
                ]
            }
        }
    ]
    assert appset["template"]["spec"]["source"]["targetRevision"] == "rendered/{{.env}}"


def test_application_set_can_be_turned_off_and_flux_added(
    make_project: Callable[..., Path],
) -> None:
    gitops = (
        ARGO + "    applicationSet: false\n    path: clusters/shop\n"
        "  flux: {sourceRef: {name: shop-deploy, namespace: flux-system}, interval: 5m}\n"
    )
    docs = gitops_documents(load(make_project, KCONFIG + gitops))
    assert list(docs) == [
        "argocd/applications/qa.yaml",
        "argocd/applications/prod.yaml",
        "flux/qa.yaml",
        "flux/prod.yaml",
    ]
    assert docs["argocd/applications/qa.yaml"]["spec"]["source"]["path"] == "clusters/shop/qa"
    assert docs["flux/qa.yaml"] == {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {
            "name": "shop-qa",
            "namespace": "flux-system",
            "labels": {**LABELS, "kconfig.dev/environment": "qa"},
        },
        "spec": {
            "interval": "5m",
            "path": "./deploy/qa",
            "prune": True,
            "sourceRef": {
                "kind": "GitRepository",
                "name": "shop-deploy",
                "namespace": "flux-system",
            },
        },
    }


def test_output_outside_the_repository_needs_a_path(make_project: Callable[..., Path]) -> None:
    project = load(make_project, KCONFIG.replace("deploy", "../deploy") + ARGO)
    with pytest.raises(OutputError) as info:
        gitops_documents(project)
    assert str(info.value) == (
        "kconfig.yaml:3:9: error: output folder '../deploy' is not inside the repository; set "
        "gitops.argocd.path (or gitops.flux.path) to its path in the repository"
    )


def test_generated_objects_are_validated_against_the_schemas() -> None:
    app: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "a"},
        "spec": {"project": "default", "source": {"repoURL": "x"}},
    }
    with pytest.raises(ValidationError) as info:
        validate_argocd({"argocd/applications/a.yaml": app}, SourcePos("kconfig.yaml", 4, 3))
    assert str(info.value) == (
        "kconfig.yaml:4:3: error: generated argocd/applications/a.yaml: "
        'spec: "destination" is a required property'
    )
    app["spec"]["destination"] = {"server": "https://kubernetes.default.svc"}
    validate_argocd({"argocd/applications/a.yaml": app}, SourcePos("kconfig.yaml"))


# -- branch commits ------------------------------------------------------------------------


@pytest.fixture
def repo(make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    root = make_project({"kconfig.yaml": KCONFIG + "gitops: {layout: branches}\n"})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sources")
    return root


def test_source_commit_names_head_and_dirty_inputs(repo: Path) -> None:
    project = load_sources(repo)
    head = git(repo, "rev-parse", "HEAD")
    assert source_commit(project) == head
    (repo / "notes.txt").write_text("not an input\n")
    assert source_commit(project) == head
    (repo / "overlays" / "qa" / "web.yaml").write_text("replicas: 3\n")
    assert source_commit(project) == f"{head}-dirty"


def test_commit_branches_plumbing(repo: Path) -> None:
    project = load_sources(repo)
    settings = project.config.gitops
    out = output_dir(project, None)
    files = {"qa": {"qa/a.yaml": b"a\n", "qa/sub/b.yaml": b"b\n"}, "prod": {"prod/a.yaml": b"a\n"}}
    first = commit_branches(project, settings, files, out)
    assert [(c.env, c.branch, c.previous) for c in first] == [
        ("qa", "env/qa", None),
        ("prod", "env/prod", None),
    ]
    assert git(repo, "ls-tree", "-r", "--name-only", "env/qa").split() == ["a.yaml", "sub/b.yaml"]
    assert git(repo, "show", "env/qa:sub/b.yaml") == "b"
    again = commit_branches(project, settings, files, out)
    assert [c.commit for c in again] == [None, None]
    files["prod"] = {"prod/a.yaml": b"changed\n"}
    third = commit_branches(project, settings, files, out)
    assert third[0].commit is None
    assert third[1].previous == first[1].commit
    assert git(repo, "rev-parse", "env/prod^") == first[1].commit
    assert git(repo, "branch", "--show-current") == "main"


def test_commit_refuses_a_checked_out_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "env/qa")
    project = load_sources(repo)
    with pytest.raises(OutputError, match="branch env/qa is checked out"):
        commit_branches(
            project,
            project.config.gitops,
            {"qa": {"qa/a": b""}},
            output_dir(project, None),
        )


def test_commit_refuses_an_invalid_branch_name(repo: Path) -> None:
    project = load_sources(repo)
    settings = GitOps("branches", "env..", pos=SourcePos("kconfig.yaml", 3, 18))
    with pytest.raises(OutputError) as info:
        commit_branches(project, settings, {"qa": {"qa/a": b""}}, output_dir(project, None))
    assert str(info.value) == (
        "kconfig.yaml:3:18: error: 'env..qa' is not a valid git branch "
        "name (gitops.branchPrefix + environment)"
    )
