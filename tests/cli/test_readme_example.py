"""The README's worked GitOps example, run as written in a fresh clone of this repository
(issue 17: `git add overlays deploy` failed there because .gitignore ignored /deploy/)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}
# kconfig diff exits 1 when the environments differ: that is its answer, not a failure
DIFFERENCE_IS_AN_ANSWER = ("kconfig diff ",)


def readme_example() -> list[str]:
    """The shell lines of the README's "A worked GitOps example" block, comments dropped."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A worked GitOps example", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    lines = [line.split(" #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _clone(dest: Path) -> Path:
    """A clone of this repository with the working tree's files as they stand (committed
    or not), as a fresh clone of the branch would have them."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(dest)], check=True, capture_output=True)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    for rel in listed:
        if (REPO / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dest / rel)
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True, env=env, capture_output=True)
    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", "working tree"],
        cwd=dest,
        check=True,
        env=env,
        capture_output=True,
    )
    return dest


def test_the_example_is_the_one_documented() -> None:
    lines = readme_example()
    assert 'git add overlays deploy && git commit -m "myapp 1.5.0-rc.2 in qa"' in lines
    assert lines[0].startswith("kconfig set image qa myapp")


def test_the_gitops_example_runs_as_written_in_a_fresh_clone(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of this repository")
    clone = _clone(tmp_path / "clone")
    bindir = str(Path(sys.executable).parent)  # where pip put the `kconfig` command
    env = {**os.environ, **GIT_ENV, "PATH": bindir + os.pathsep + os.environ["PATH"]}
    for line in readme_example():
        done = subprocess.run(
            ["bash", "-c", line], cwd=clone, env=env, capture_output=True, text=True, timeout=300
        )
        allowed = (0, 1) if line.startswith(DIFFERENCE_IS_AN_ANSWER) else (0,)
        assert done.returncode in allowed, f"{line}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
    log = subprocess.run(
        ["git", "log", "--format=%s", "-1"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert log.stdout.strip() == "myapp 1.5.0-rc.2 in qa"
    tracked = subprocess.run(
        ["git", "ls-files", "deploy/qa"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert tracked.stdout.strip(), "deploy/ was committed"
