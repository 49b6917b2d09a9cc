"""Shared fixtures: the reference estate, throw-away projects, and the CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
ESTATE_PARTS = ("kconfig.yaml", "bases", "overlays", "components")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def repo_root() -> Path:
    return REPO


def shared_dir() -> Path | None:
    """../shared beside the repository (read-only reference data), when present."""
    candidate = (REPO / ".." / "shared").resolve()
    return candidate if candidate.is_dir() else None


def copy_estate(dest: Path) -> Path:
    """A copy of the repository's reference estate (kconfig.yaml, bases, overlays, ...)."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in ESTATE_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    return copy_estate(tmp_path / "estate")


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


MINIMAL = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n",
    "bases/web/app.yaml": (
        'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\n'
        "port: 8080\n"
        "resources: {requests: {cpu: 100m, memory: 64Mi}}\n"
    ),
    "overlays/qa/env.yaml": "domain: qa.example.com\nlabels: {env: qa}\n",
    "overlays/prod/env.yaml": "domain: example.com\nlabels: {env: prod}\n",
}


def deployment_doc(**pod_spec: Any) -> dict[str, Any]:
    """A valid apps/v1 Deployment ``web``; ``pod_spec`` adds to (or replaces in) its pod spec."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "r/web:1"}], **pod_spec},
            },
        },
    }


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a small project: MINIMAL with ``files`` added or replaced (None removes)."""

    def make(files: Mapping[str, str | None] | None = None, *, base: bool = True) -> Path:
        root = tmp_path / "proj"
        merged: dict[str, str | None] = {**(MINIMAL if base else {}), **(files or {})}
        write_tree(root, {k: v for k, v in merged.items() if v is not None})
        return root

    return make


def run_kconfig(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kconfig ARGS`` as a user would, capturing text output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kconfig", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def kconfig_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_kconfig


# -- git, isolated from the user's configuration --------------------------------------------
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity and no user or system config."""
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    ).stdout.strip()
