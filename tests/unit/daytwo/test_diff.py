"""``diff`` (kconfig.daytwo.diff): environments paired by kind and name, namespaces aside; a build
output folder against an environment."""

from __future__ import annotations

from pathlib import Path

import pytest

import kconfig
from kconfig.daytwo.diff import NAMESPACE, _Namespace, format_diff
from tests.conftest import write_tree

ENV = "domain: example.com\nlabels: {team: shop}\n"
FILES = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, qa2, prod]\n",
    "bases/web/app.yaml": (
        'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\nenv: {REDIS: redis}\n'
    ),
    "bases/api/app.yaml": 'image: {repository: registry.example.com/shop/api, tag: "2.0.0"}\n',
    "overlays/qa/env.yaml": ENV,
    "overlays/qa2/env.yaml": ENV,
    "overlays/prod/env.yaml": ENV + "apps: [web]\n",
    # Each environment's own namespace in a DNS name: not a difference.
    "overlays/qa/web.yaml": "env: {REDIS: redis.shop-qa.svc.cluster.local}\n",
    "overlays/qa2/web.yaml": "env: {REDIS: redis.shop-qa2.svc.cluster.local}\n",
    "overlays/prod/web.yaml": "replicas: 3\nenv: {REDIS: redis.shop-prod.svc.cluster.local}\n",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "shop", FILES)


def test_namespace_differences_alone_do_not_count(root: Path) -> None:
    result = kconfig.Project.load(root).diff("qa", "qa2")
    assert result.equal
    assert format_diff(result) == ""
    assert result.compared > 5


def test_different_environments(root: Path) -> None:
    result = kconfig.Project.load(root).diff("qa", "prod")
    assert not result.equal
    titles = [(m.lines[0], m.lines[1]) for m in result.manifests]
    assert ("--- qa/Deployment/web", "+++ prod/Deployment/web") in titles
    assert ("--- qa/Deployment/api", "+++ /dev/null") in titles  # api is not in prod
    web = next(m for m in result.manifests if m.lines[0] == "--- qa/Deployment/web")
    assert [line for line in web.lines if line[:1] in "+-" and line[:3] not in "---+++"] == [
        "-  replicas: 1",
        "+  replicas: 3",
    ]
    kinds = [m.kind for m in result.manifests]
    assert kinds == sorted(kinds, key=["NetworkPolicy", "Service", "Deployment"].index)


def test_app_narrows(root: Path) -> None:
    project = kconfig.Project.load(root)
    result = project.diff("qa", "prod", apps=["web"])
    assert [(m.kind, m.name) for m in result.manifests] == [("Deployment", "web")]
    only_qa = project.diff("qa", "prod", apps=["api"])  # prod does not have api
    assert {(m.lines[0], m.lines[1]) for m in only_qa.manifests} == {
        ("--- qa/Deployment/api", "+++ /dev/null"),
        ("--- qa/Service/api", "+++ /dev/null"),
    }
    with pytest.raises(kconfig.UsageError, match="--app nope: not an app of qa or prod"):
        project.diff("qa", "prod", apps=["nope"])


def test_colour_only_when_asked(root: Path) -> None:
    result = kconfig.Project.load(root).diff("qa", "prod", apps=["web"])
    plain = format_diff(result)
    assert "\033[" not in plain
    coloured = format_diff(result, color=True)
    assert "\033[31m-  replicas: 1\033[0m" in coloured
    assert "\033[32m+  replicas: 3\033[0m" in coloured
    assert "\033[36m@@ " in coloured
    assert "\033[1m--- qa/Deployment/web\033[0m" in coloured


def test_normalising_a_namespace() -> None:
    normal = _Namespace("shop-qa")
    body = {
        "kind": "Namespace",
        "metadata": {"name": "shop-qa", "labels": {"kubernetes.io/metadata.name": "shop-qa"}},
        "spec": {
            "url": "http://redis.shop-qa.svc.cluster.local:6379",
            "other": "shop-qa",  # a value that happens to equal it, not a namespace field
            "namespaces": ["shop-qa", "monitoring"],
            "subjects": [{"namespace": "shop-qa"}],
            "host": "shop-qa.example.com",
        },
    }
    assert normal.body(body) == {
        "kind": "Namespace",
        "metadata": {"name": NAMESPACE, "labels": {"kubernetes.io/metadata.name": NAMESPACE}},
        "spec": {
            "url": f"http://redis.{NAMESPACE}.svc.cluster.local:6379",
            "other": "shop-qa",
            "namespaces": [NAMESPACE, "monitoring"],
            "subjects": [{"namespace": NAMESPACE}],
            "host": "shop-qa.example.com",
        },
    }


def _write_build(project: kconfig.Project, env: str, folder: Path) -> None:
    """What a build writes, in some layout: one file per object, in folders per kind."""
    for manifest in project.render(env):
        path = folder / manifest.kind.lower() / f"{manifest.name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(kconfig.dump_yaml([manifest]), encoding="utf-8")
    (folder / "kustomization.yaml").write_text("resources: []\n")
    (folder / ".kconfig-owned.yaml").write_text("- not: a manifest\n")


def test_against_an_up_to_date_folder(root: Path, tmp_path: Path) -> None:
    project = kconfig.Project.load(root)
    _write_build(project, "qa", tmp_path / "out")
    result = project.diff("qa", against=tmp_path / "out")
    assert result.equal, format_diff(result)


def test_against_a_stale_folder(root: Path, tmp_path: Path) -> None:
    project = kconfig.Project.load(root)
    out = tmp_path / "out"
    _write_build(project, "qa", out)
    stale = out / "deployment" / "web.yaml"
    stale.write_text(stale.read_text().replace("web:1.0.0", "web:0.9.0"))
    (out / "service" / "api.yaml").unlink()
    result = project.diff("qa", against=out)
    assert [(m.lines[0], m.lines[1]) for m in result.manifests] == [
        ("--- /dev/null", "+++ qa/Service/api"),
        (f"--- {out}/Deployment/web", "+++ qa/Deployment/web"),
    ]
    web = result.manifests[1].lines
    assert "-        image: registry.example.com/shop/web:0.9.0" in web
    assert "+        image: registry.example.com/shop/web:1.0.0" in web
    narrowed = project.diff("qa", against=out, apps=["web"])
    assert [m.name for m in narrowed.manifests] == ["web"]


def test_against_a_folder_with_one_object_twice(root: Path, tmp_path: Path) -> None:
    project = kconfig.Project.load(root)
    out = tmp_path / "out"
    _write_build(project, "qa", out)
    (out / "copy.yaml").write_text((out / "deployment" / "web.yaml").read_text())
    with pytest.raises(kconfig.LoadError, match="Deployment/web is also in"):
        project.diff("qa", against=out)


def test_against_a_missing_folder(root: Path, tmp_path: Path) -> None:
    with pytest.raises(kconfig.UsageError, match="not a folder"):
        kconfig.Project.load(root).diff("qa", against=tmp_path / "nope")


def test_needs_one_second_side(root: Path, tmp_path: Path) -> None:
    with pytest.raises(kconfig.UsageError):
        kconfig.Project.load(root).diff("qa")
    with pytest.raises(kconfig.UsageError):
        kconfig.Project.load(root).diff("qa", "prod", against=tmp_path)
