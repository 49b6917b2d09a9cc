"""Packaging: the license, metadata, dependency bounds and the sdist's contents
(pyproject.toml, LICENSE, .ci/lowest.txt)."""

from __future__ import annotations

import ast
import re
import sys
import tarfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from kconfig import __version__
from tests.conftest import REPO

# import name -> distribution, where they differ (kubernetes_validate is found, not imported)
DISTRIBUTION = {
    "_jsonnet": "jsonnet",
    "yaml": "pyyaml",
    "ruamel": "ruamel.yaml",
    "jsonschema_rs": "jsonschema-rs",
    "kubernetes_validate": "kubernetes-validate",
}


def _project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return data


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _lower_bounds() -> dict[str, str]:
    out = {}
    for req in _project()["dependencies"]:
        found = re.search(r">=\s*([0-9][^,; ]*)", req)
        assert found, f"{req}: every dependency has a lower bound"
        out[_name(req)] = found.group(1)
    return out


def _imported_distributions() -> set[str]:
    """Third-party top-level modules kconfig imports (or finds by name), as distributions."""
    names: set[str] = set()
    for path in (REPO / "kconfig").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and node.value in DISTRIBUTION:
                names.add(node.value)  # find_spec("kubernetes_validate")
    third_party = names - set(sys.stdlib_module_names) - {"kconfig", "__future__"}
    return {DISTRIBUTION.get(name, name).lower() for name in third_party}


def test_every_imported_package_is_declared() -> None:
    optional = _project()["optional-dependencies"]["fast-jsonnet"]  # used when installed
    declared = {_name(req) for req in [*_project()["dependencies"], *optional]}
    assert _imported_distributions() <= declared, _imported_distributions() - declared
    assert "referencing" in declared


def test_lowest_constraints_pin_every_lower_bound() -> None:
    pins = {}
    for line in (REPO / ".ci" / "lowest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_name(name)] = Version(version)
    assert pins == {name: Version(v) for name, v in _lower_bounds().items()}


def test_the_lowest_bounds_are_run_by_ci() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert "-c .ci/lowest.txt" in ci


def test_kubernetes_validate_bound_ships_the_default_and_tested_versions() -> None:
    # kubernetes-validate X.Y.0 ships the schemas 1.22 .. X.Y; the tests use 1.33.
    bound = tuple(int(p) for p in _lower_bounds()["kubernetes-validate"].split(".")[:2])
    assert bound >= (1, 33)


def test_license_file_matches_the_metadata() -> None:
    project = _project()
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License\n                           Version 2.0")
    assert "END OF TERMS AND CONDITIONS" in text
    assert len(text.splitlines()) > 180  # the full text, not a pointer to it


def test_metadata() -> None:
    project = _project()
    assert project["requires-python"] == ">=3.11"
    assert set(project["urls"]) >= {"Homepage", "Source", "Issues", "Changelog"}
    classifiers = project["classifiers"]
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Typing :: Typed" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: `license`


def test_readme_pre_commit_rev_is_the_release_tag() -> None:
    readme = (REPO / "README.md").read_text()
    revs = set(re.findall(r"^\s*rev: (\S+)", readme, re.MULTILINE))
    assert revs == {f"v{__version__}"}
    assert f'git tag -a v{__version__} -m "kconfig {__version__}"' in readme


STRAY = re.compile(
    r"(^|/)(__pycache__|\.venv|\.git|\.kconfig-cache|\.mypy_cache|\.ruff_cache|"
    r"\.pytest_cache|\.hypothesis|deploy|dist|build)(/|$)|\.pyc$|^bench/out/"
)


def test_sdist_carries_the_tests_and_nothing_stray(tmp_path: Path) -> None:
    builders = pytest.importorskip("hatchling.builders.sdist")
    (built,) = builders.SdistBuilder(str(REPO)).build(directory=str(tmp_path))
    with tarfile.open(built) as tar:
        members = [m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name]
    needed = {
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        "kconfig/__init__.py",
        "kconfig/py.typed",
        "kconfig/schemas/app.schema.json",
        "kconfig/render/templates/jinja/deployment.json.j2",
        # compiled built-ins (kconfig.render.backends.jinja.COMPILED_DIR): pip byte-compiles them
        "kconfig/render/templates/jinja/_compiled/deployment.json.j2.py",
        "kconfig/render/templates/jinja/_compiled/index.json",
        "kconfig/check/bundles/v1.30.0-local-strict/deployment-apps-v1.json.z",  # schema bundles
        "tests/conftest.py",
        "tests/unit/test_packaging.py",
        "kconfig.yaml",
        "bases/myapp/app.yaml",
        "overlays/qa/env.yaml",
        "integrations/argocd/plugin.yaml",
        ".pre-commit-hooks.yaml",
        ".ci/lowest.txt",
        "docs/values.md",
        "docs/values_doc.py",
        "bench/run.py",
    }
    assert needed <= set(members), needed - set(members)
    assert [m for m in members if STRAY.search(m)] == []
    top = {m.split("/", 1)[0] for m in members}
    assert top <= {
        *(n for n in needed if "/" not in n),
        "kconfig",
        "tests",
        "bases",
        "overlays",
        "components",
        "integrations",
        "docs",
        ".ci",
        "bench",
        "ARCHITECTURE.md",
        "SECURITY.md",
        ".gitignore",
        "PKG-INFO",
    }, top
