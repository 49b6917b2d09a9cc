"""``kconfig set image``, ``promote``, ``diff`` and ``explain`` end to end, as a subprocess."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_estate, run_kconfig, write_tree

GIT = shutil.which("git")


def _git(repo: Path, *args: str) -> str:
    assert GIT is not None
    env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": str(repo)}
    result = subprocess.run(
        [GIT, "-c", "user.name=kconfig", "-c", "user.email=kconfig@example.com", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if GIT is None:
        pytest.skip("git is not installed")
    root = copy_estate(tmp_path / "estate")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "estate")
    return root


def test_set_image_changes_exactly_one_line(repo: Path) -> None:
    result = run_kconfig("set", "image", "qa", "myapp", "1.6.0", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("-> 1.6.0 (overlays/qa/myapp.yaml)\n")
    assert result.stdout.startswith("myapp image.tag ")
    assert _git(repo, "diff", "--numstat") == "1\t1\toverlays/qa/myapp.yaml\n"
    diff = _git(repo, "diff", "-U0").splitlines()
    assert [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")] == [
        line for line in diff if line.startswith(("-  tag:", "+  tag:"))
    ]
    assert '+  tag: "1.6.0"' in diff
    again = run_kconfig("set", "image", "qa", "myapp", "1.6.0", cwd=repo)
    assert again.returncode == 0
    assert "nothing to change" in again.stdout
    assert _git(repo, "diff", "--numstat") == "1\t1\toverlays/qa/myapp.yaml\n"


def test_set_image_creates_a_missing_overlay(repo: Path) -> None:
    assert not (repo / "overlays/stage/redis-leader.yaml").exists()
    result = run_kconfig("-C", str(repo), "set", "image", "stage", "redis-leader", "7.2")
    assert result.returncode == 0, result.stderr
    assert (repo / "overlays/stage/redis-leader.yaml").read_text() == (
        "# redis-leader in stage: what differs from bases/redis-leader/app.yaml\n"
        'image:\n  tag: "7.2"\n'
    )
    render = run_kconfig("render", "stage", "--app", "redis-leader", cwd=repo)
    assert ":7.2\n" in render.stdout


def test_set_image_usage_errors(repo: Path) -> None:
    bad = run_kconfig("set", "image", "qa", "myapp", "not a tag", cwd=repo)
    assert bad.returncode == 2
    assert bad.stderr.startswith("kconfig: error: invalid image tag 'not a tag'")
    unknown = run_kconfig("set", "image", "qa", "nope", "1.0", cwd=repo)
    assert unknown.returncode == 2
    missing = run_kconfig("set", "image", "qa", cwd=repo)
    assert missing.returncode == 2
    assert _git(repo, "status", "--porcelain") == ""


def test_set_image_on_an_invalid_result_writes_nothing(repo: Path) -> None:
    overlay = repo / "overlays/qa/redis-follower.yaml"
    overlay.write_text("replicas: 1\nenv:\n  DEBUG: yes\n")
    result = run_kconfig("set", "image", "qa", "redis-follower", "v3", cwd=repo)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "overlays/qa/redis-follower.yaml:3:10: error: env.DEBUG must be a string"
    )
    assert overlay.read_text() == "replicas: 1\nenv:\n  DEBUG: yes\n"


def test_promote_prints_one_line_per_change(repo: Path) -> None:
    assert run_kconfig("set", "image", "qa", "myapp", "2.0.0-rc.1", cwd=repo).returncode == 0
    _git(repo, "commit", "-qam", "qa build")
    dry = run_kconfig("promote", "e2e", "stage", "--app", "myapp", "--dry-run", cwd=repo)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("myapp image.tag ")
    assert dry.stdout.endswith(" -> 2.0.0-rc.1\n")
    assert dry.stderr == "dry run: 1 file(s) not written\n"
    assert _git(repo, "status", "--porcelain") == ""
    done = run_kconfig("promote", "e2e", "stage", "--app", "myapp", cwd=repo)
    assert done.stdout == dry.stdout
    assert _git(repo, "diff", "--numstat") == "1\t1\toverlays/stage/myapp.yaml\n"
    nothing = run_kconfig("promote", "e2e", "stage", "--app", "myapp", cwd=repo)
    assert nothing.returncode == 0
    assert nothing.stdout == "nothing to promote: stage already has e2e's promoted values\n"


def test_backwards_promotion_is_a_usage_error(repo: Path) -> None:
    result = run_kconfig("promote", "prod", "qa", cwd=repo)
    assert result.returncode == 2
    assert result.stderr == (
        "kconfig: error: cannot promote prod -> qa: the promotion order is qa -> e2e -> "
        "stage -> prod, and qa comes before prod (use --force to do it anyway)\n"
    )
    assert _git(repo, "status", "--porcelain") == ""


def test_diff_exit_codes_and_colour(repo: Path, tmp_path: Path) -> None:
    same = run_kconfig("diff", "qa", "qa", cwd=repo)
    assert (same.returncode, same.stdout) == (0, "")
    assert same.stderr.startswith("no differences between qa and qa (")
    differ = run_kconfig("diff", "qa", "prod", "--app", "myapp", cwd=repo)
    assert differ.returncode == 1
    assert "--- qa/NetworkPolicy/myapp\n+++ prod/NetworkPolicy/myapp\n" in differ.stdout
    assert "-    env: qa\n+    env: prod\n" in differ.stdout
    assert "\033[" not in differ.stdout  # not a terminal: no colour
    always = run_kconfig("diff", "qa", "prod", "--app", "myapp", "--color", "always", cwd=repo)
    assert "\033[31m-" in always.stdout
    assert always.stdout.replace("\033[0m", "").count("\033[") > 3
    usage = run_kconfig("diff", "qa", cwd=repo)
    assert usage.returncode == 2


def test_diff_against_a_folder(repo: Path, tmp_path: Path) -> None:
    rendered = run_kconfig("render", "qa", cwd=repo)
    out = tmp_path / "deploy"
    write_tree(out, {"qa/all.yaml": rendered.stdout, "qa/kustomization.yaml": "resources: []\n"})
    same = run_kconfig("diff", "qa", "--against", str(out / "qa"), cwd=repo)
    assert same.returncode == 0, same.stdout
    assert run_kconfig("set", "image", "qa", "myapp", "3.0.0", cwd=repo).returncode == 0
    stale = run_kconfig("diff", "qa", "--against", str(out / "qa"), cwd=repo)
    assert stale.returncode == 1
    assert f"--- {out}/qa/Rollout/myapp\n+++ qa/Rollout/myapp\n" in stale.stdout
    assert "+        image: registry.example.com/guestbook/myapp:3.0.0\n" in stale.stdout


def test_explain(repo: Path) -> None:
    result = run_kconfig("explain", "e2e", "myapp", "image.tag", cwd=repo)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("image.tag: ")
    assert lines[1].split() == ["bases/myapp/app.yaml:4", "1.4.0", "(base)"]
    with_set = run_kconfig("explain", "e2e", "myapp", "image.tag", "--set", "image.tag=x", cwd=repo)
    assert with_set.stdout.splitlines()[-1].split() == ["--set", "x"]
    everything = run_kconfig("explain", "prod", "myapp", cwd=repo)
    assert "  tag: 1.4.0" in everything.stdout
    missing = run_kconfig("explain", "qa", "myapp", "image.tg", cwd=repo)
    assert missing.returncode == 2
    assert missing.stderr == (
        "kconfig: error: no value image.tg for myapp in qa; did you mean image.tag or image?\n"
    )


def test_colour_auto_means_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from kconfig.cli.daytwo import use_color

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert use_color("auto")
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color("auto")
    assert use_color("always")
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: an empty value does not count
    assert use_color("auto")
    assert not use_color("never")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert not use_color("auto")


def test_promote_along_an_extends_chain_says_why_nothing_changes(repo: Path) -> None:
    """e2e extends qa: it already runs qa's values, so `promote qa e2e` has nothing to copy;
    the message says so instead of only "already has"."""
    result = run_kconfig("promote", "qa", "e2e", cwd=repo)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "nothing to promote: e2e extends qa (qa <- e2e), so it already runs qa's values; to "
        "hold e2e back, set the value in overlays/e2e/, or promote e2e to an environment that "
        "does not extend qa\n"
    )
