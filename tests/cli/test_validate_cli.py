"""``kconfig validate`` and validating ``kconfig render`` as a user runs them, and the
pre-commit hook end to end with the real ``pre-commit`` tool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kconfig.load.paths import INPUTS, PROJECT_FILE
from tests.conftest import MINIMAL, copy_estate, run_kconfig, write_tree

REPO = Path(__file__).resolve().parents[2]
BROKEN_PATCH = (
    "patches:\n- target: {kind: Deployment, name: web}\n  patch:\n    spec:\n      template:\n"
    "        spec:\n          priorityClass: high\n"
)
PATCH_ERROR = (
    "overlays/qa/web.yaml:7:11: error: Deployment/web (qa): spec.template.spec.priorityClass: "
    "unknown field `priorityClass` (did you mean `priorityClassName`?) [rendered by "
    "kconfig:templates/jinja/deployment.json.j2, patched here]"
)
NO_REQUESTS = {"bases/web/app.yaml": "image: {repository: r/web, tag: '1.0'}\n"}


def test_reference_estate_passes(tmp_path: Path) -> None:
    result = run_kconfig("validate", cwd=copy_estate(tmp_path / "estate"))
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "0 errors, 0 warnings in 4 environments\n"


def test_every_problem_then_a_summary(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "p",
        {**MINIMAL, "overlays/qa/web.yaml": BROKEN_PATCH, "overlays/prod/web.yaml": "replica: 2\n"},
    )
    result = run_kconfig("validate", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "overlays/prod/web.yaml:1:1: error: unknown key `replica` (did you mean `replicas`?)",
        PATCH_ERROR,
        "2 errors, 0 warnings in 2 environments",
    ]


def test_json_format_is_a_stable_list(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "p", {**MINIMAL, **NO_REQUESTS, "overlays/qa/web.yaml": BROKEN_PATCH}
    )
    result = run_kconfig("validate", "--format", "json", cwd=root)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert [list(item) for item in payload] == [
        ["col", "file", "id", "line", "message", "severity"]
    ] * len(payload)
    assert [(p["file"], p["line"], p["col"], p["severity"], p["id"]) for p in payload] == [
        ("bases/web/app.yaml", 1, 1, "warning", "KC106"),
        ("overlays/qa/web.yaml", 7, 11, "error", "KC092"),
    ]
    assert result.stderr == "1 error, 1 warning in 2 environments\n"
    again = run_kconfig("validate", "--format", "json", cwd=root)
    assert again.stdout == result.stdout


def test_warnings_fail_only_under_strict(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {**MINIMAL, **NO_REQUESTS})
    relaxed = run_kconfig("validate", cwd=root)
    assert relaxed.returncode == 0
    assert relaxed.stderr.splitlines()[0].startswith(
        "bases/web/app.yaml:1:1: warning: Deployment/web (qa, prod): "
        "spec.template.spec.containers[0].resources: container 'app' has no resource requests"
    )
    strict = run_kconfig("validate", "--strict", cwd=root)
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[-1] == "0 errors, 1 warning in 2 environments"


def test_files_select_the_environments_they_affect(tmp_path: Path) -> None:
    root = copy_estate(tmp_path / "estate")
    result = run_kconfig("validate", "overlays/qa/myapp.yaml", cwd=root)
    assert (result.returncode, result.stderr) == (0, "0 errors, 0 warnings in 2 environments\n")
    result = run_kconfig("validate", "README.md", cwd=root)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "kconfig: error: README.md: the file is not an input of the project"
    )


def test_c_with_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", MINIMAL)
    result = run_kconfig("-C", "nosuchdir", "validate", cwd=root)
    assert (result.returncode, result.stderr) == (
        2,
        "kconfig: error: -C nosuchdir: the folder does not exist\n",
    )


def test_an_unknown_environment_is_a_usage_error(tmp_path: Path) -> None:
    result = run_kconfig("validate", "staging", cwd=write_tree(tmp_path / "p", MINIMAL))
    assert result.returncode == 2
    assert result.stderr == (
        "kconfig: error: 'staging' is neither an environment (environments: qa, prod) nor a "
        "file of the project\n"
    )


def test_list_checks() -> None:
    result = run_kconfig("validate", "--list-checks")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == (
        "KC101  error    a workload's selector labels must all be on its pod template"
    )


def test_render_validates_by_default(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {**MINIMAL, "overlays/qa/web.yaml": BROKEN_PATCH})
    result = run_kconfig("render", "qa", cwd=root)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [PATCH_ERROR]
    skipped = run_kconfig("render", "qa", "--no-validate", cwd=root)
    assert skipped.returncode == 0
    assert "priorityClass: high" in skipped.stdout


def test_render_prints_warnings_and_fails_on_them_under_strict(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {**MINIMAL, **NO_REQUESTS})
    result = run_kconfig("render", "qa", cwd=root)
    assert result.returncode == 0
    assert "kind: Deployment" in result.stdout
    assert ": warning: " in result.stderr and "[KC106]" in result.stderr
    strict = run_kconfig("render", "qa", "--strict", cwd=root)
    assert (strict.returncode, strict.stdout) == (1, "")


def test_help_does_not_import_validators() -> None:
    code = (
        "import sys\nfrom kconfig.cli.main import build_parser\nbuild_parser()\n"
        "heavy = {'jsonschema', 'jsonschema_rs', 'kubernetes_validate', 'referencing'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the pre-commit hook ------------------------------------------------------------------
def test_hook_manifest() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h["id"] == "kconfig-validate"]
    assert hook["entry"] == "kconfig validate"
    assert hook["language"] == "python"
    assert hook["require_serial"] is True
    import re

    pattern = re.compile(hook["files"])
    for path in (
        "kconfig.yaml",
        "bases/a/app.yaml",
        "overlays/qa/env.yaml",
        "components/c/values.yaml",
        "components/c/templates/x.yaml.j2",
        "bases/a/templates/x.jsonnet",
        "lib/helper.libsonnet",
        "lib/macros.j2",
        "crds/rollout-crd.yaml",
        "schemas/x.json",
        *(f"{part}/x" if part != PROJECT_FILE else part for part in INPUTS),
    ):
        assert pattern.search(path), path
    for path in ("README.md", "kconfig/cli/main.py", "docs/kconfig.yaml", "kconfig.yaml.orig"):
        assert not pattern.search(path), path


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
        },
    )


def _commit_all(root: Path) -> None:
    _git("init", "-q", cwd=root)
    _git("add", "-A", cwd=root)
    _git("commit", "-q", "-m", "snapshot", cwd=root)


def _hook_repo(dest: Path) -> Path:
    """This repository as it stands (a clean clone, or a working tree with uncommitted
    files), committed into a fresh git repository: pre-commit installs hooks from commits,
    and try-repo alone would leave out untracked files."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    keep = ("kconfig/", "pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")
    for rel in listed:
        if rel.startswith(keep) and (REPO / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dest / rel)
    _commit_all(dest)
    return dest


def _try_repo(
    hook_repo: Path, project: Path, home: Path, *, all_files: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            "kconfig-validate",
            *(["--all-files"] if all_files else []),  # else: the staged files, as a commit
            "--color",
            "never",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        env={**os.environ, "PRE_COMMIT_HOME": str(home)},
    )


HELPER = "lib/helper.libsonnet"
JSONNET_APP = {
    "bases/api/app.yaml": "image: {repository: r/api, tag: '1'}\nbackend: jsonnet\n",
    "bases/api/templates/extra.jsonnet": (
        "local helper = import 'lib/helper.libsonnet';\n"
        "function(ctx) {apiVersion: 'v1', kind: 'ConfigMap',\n"
        "  metadata: {name: 'extra', namespace: ctx.env.namespace}, data: helper.data}\n"
    ),
    HELPER: "{data: {greeting: 'hello'}}\n",
}


def test_a_lib_file_selects_every_environment(make_project: Callable[..., Path]) -> None:
    root = make_project(JSONNET_APP)
    (root / HELPER).write_text("{data: {greeting: 'hello'\n")
    result = run_kconfig("validate", HELPER, cwd=root)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"{HELPER}:2:1: error: ")
    assert "2 environments" in result.stderr.splitlines()[-1]


@pytest.mark.network
def test_pre_commit_hook_fails_a_commit_that_breaks_a_lib_file(tmp_path: Path) -> None:
    """The real pre-commit, on a project whose only change is a broken lib/helper.libsonnet
    (before lib/ was in the hook's files pattern: "no files to check", Passed)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of this repository")
    pytest.importorskip("pre_commit")
    hook_repo = _hook_repo(tmp_path / "hook-repo")
    project = write_tree(tmp_path / "project", {**MINIMAL, **JSONNET_APP})
    _commit_all(project)
    (project / HELPER).write_text("{data: {greeting: 'hello'\n")
    _git("add", "-A", cwd=project)
    failed = _try_repo(hook_repo, project, tmp_path / "home", all_files=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "no files to check" not in output
    assert f"{HELPER}:2:1: error: " in output


@pytest.mark.network
def test_pre_commit_hook_end_to_end(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of this repository")
    hook_repo = _hook_repo(tmp_path / "hook-repo")
    project = copy_estate(tmp_path / "project")
    _commit_all(project)

    passed = _try_repo(hook_repo, project, tmp_path / "home")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kconfig validate" in passed.stdout and "Passed" in passed.stdout

    overlay = project / "overlays" / "qa" / "myapp.yaml"
    overlay.write_text(overlay.read_text() + "replica: 3\n")
    line = len(overlay.read_text().splitlines())
    _git("add", "-A", cwd=project)
    failed = _try_repo(hook_repo, project, tmp_path / "home")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert (
        f"overlays/qa/myapp.yaml:{line}:1: error: unknown key `replica` (did you mean `replicas`?)"
    ) in output
