"""The build cache end to end: what a rebuild reuses must equal what a fresh build writes.

``.kconfig-cache`` answers unchanged environments, unchanged apps and unchanged input files,
and remembers the output folder's state so that a no-change build touches nothing. Each test
compares a cached build with a ``--no-cache`` build of the same inputs, byte for byte.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cli.test_build_cli import ESTATE_ENVS, ok, tree


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


def _fresh(estate: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build without any cache writes for the estate as it is now."""
    out = tmp_path / "fresh"
    shutil.rmtree(out, ignore_errors=True)
    ok("build", "--no-cache", "--out", str(out), cwd=estate)
    return tree(out)


def _retag(estate: Path, env: str, app: str, tag: str) -> None:
    """Change only the image tag of the app's overlay (the rest of the file stays)."""
    path = estate / "overlays" / env / f"{app}.yaml"
    text = path.read_text(encoding="utf-8")
    retagged = re.sub(r'(?m)^(  tag: )"[^"]*"$', rf'\g<1>"{tag}"', text, count=1)
    assert retagged != text
    path.write_text(retagged, encoding="utf-8")


def test_a_no_change_build_touches_nothing(estate: Path) -> None:
    ok("build", cwd=estate)
    before = _mtimes(estate / "deploy")
    result = ok("build", cwd=estate)
    assert all("up to date" in line for line in result.stdout.splitlines())
    assert _mtimes(estate / "deploy") == before


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_one_changed_tag_rebuilds_to_what_a_fresh_build_writes(
    estate: Path, tmp_path: Path, jobs: str
) -> None:
    env = {"KCONFIG_JOBS": jobs}
    ok("build", cwd=estate, env=env)
    _retag(estate, "prod", "myapp", "9.9.9")
    result = ok("build", cwd=estate, env=env)
    assert "deploy/prod: " in result.stdout and "1 written" in result.stdout
    assert sum("up to date" in line for line in result.stdout.splitlines()) == 4  # + argocd
    assert tree(estate / "deploy") == _fresh(estate, tmp_path)
    assert b"9.9.9" in (estate / "deploy/prod/myapp/rollout-myapp.yaml").read_bytes()


def test_a_hand_edit_in_an_untouched_environment_is_repaired(estate: Path, tmp_path: Path) -> None:
    """The signatures of environments a build did not touch are carried over from the scan
    at its start: an edit made after that build must still be noticed by the next one."""
    ok("build", cwd=estate)
    _retag(estate, "prod", "myapp", "9.9.9")
    ok("build", cwd=estate)  # rewrites prod only; qa's signature is carried over
    edited = estate / "deploy/qa/myapp/rollout-myapp.yaml"
    edited.write_bytes(edited.read_bytes().replace(b"replicas:", b"replicas: 7 #"))
    result = ok("build", cwd=estate)
    assert "deploy/qa: " in result.stdout and "1 written" in result.stdout
    assert tree(estate / "deploy") == _fresh(estate, tmp_path)


def test_a_deleted_environment_folder_is_written_again(estate: Path, tmp_path: Path) -> None:
    ok("build", cwd=estate)
    shutil.rmtree(estate / "deploy" / "e2e")
    ok("build", cwd=estate)
    assert tree(estate / "deploy") == _fresh(estate, tmp_path)


def test_cached_and_uncached_builds_agree_after_every_kind_of_edit(
    estate: Path, tmp_path: Path
) -> None:
    ok("build", cwd=estate)
    edits = [
        ("bases/myapp/app.yaml", lambda t: t + "\nlabels: {tier: edited}\n"),
        ("overlays/qa/env.yaml", lambda t: t + "\n# a comment changes no output\n"),
        ("overlays/stage/myapp.yaml", lambda t: t + "\nreplicas: 5\n"),
    ]
    for rel, edit in edits:
        path = estate / rel
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        ok("build", cwd=estate)
        assert tree(estate / "deploy") == _fresh(estate, tmp_path), rel
    assert sorted(p.name for p in (estate / "deploy").iterdir() if p.is_dir()) == sorted(
        [*ESTATE_ENVS, "argocd"]
    )
