"""What kconfig must not trust: state a pull request can commit next to the sources.

``kconfig build`` keeps a cache of rendered environments. Whatever sits inside the project
folder is as untrusted as an overlay: a pull request can commit a ``.kconfig-cache/`` whose
entry matches the digest of its own sources (digests are computed from public inputs only).
The build must then still write what the sources render, validated, and ``build --check``
must still compare against the real rendering.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversarial._harness import BASE, command_exists

FORGED = "hostNetwork: true  # forged\n      containers:"

# kconfig authenticates cache entries with a per-user key kept outside the project
# (kconfig.run.cache.machine_secret): a forged or foreign entry is ignored.


def _kconfig(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kconfig", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _poisoned(tmp_path: Path) -> Path:
    """A project whose cache entry for qa holds a forged Deployment, as a pull request that
    commits ``.kconfig-cache/`` would have it (the digest is the sources' own)."""
    if not command_exists("build"):
        pytest.skip("kconfig build not available yet")
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    assert _kconfig(root, "build", "qa").returncode == 0
    entries = list(root.glob(".kconfig-cache/*/envs/qa.json"))
    if not entries:
        pytest.skip("no build cache in the project (nothing to poison)")
    for entry in entries:
        # An entry is "<mac>\n<json>"; a forger can edit the JSON but not recompute the MAC.
        mac, _, body = entry.read_bytes().partition(b"\n")
        data = json.loads(body)
        for name, text in data["files"].items():
            if "deployment" in name:
                data["files"][name] = text.replace("containers:", FORGED, 1)
        entry.write_bytes(mac + b"\n" + json.dumps(data).encode())
    return root


def test_a_committed_cache_entry_does_not_reach_the_output(tmp_path: Path) -> None:
    root = _poisoned(tmp_path)
    shutil.rmtree(root / "deploy")
    assert _kconfig(root, "build", "qa").returncode == 0
    written = (root / "deploy" / "qa" / "web" / "deployment-web.yaml").read_text()
    assert "forged" not in written


def test_a_committed_cache_entry_does_not_fool_the_drift_check(tmp_path: Path) -> None:
    root = _poisoned(tmp_path)
    target = root / "deploy" / "qa" / "web" / "deployment-web.yaml"
    target.write_text(target.read_text().replace("containers:", FORGED, 1))
    check = _kconfig(root, "build", "qa", "--check")
    assert check.returncode == 1, "the committed output is not what the sources render"


def test_a_cache_written_under_another_key_is_ignored(tmp_path: Path) -> None:
    """An authentic entry from another machine (another user's key) is not trusted either."""
    if not command_exists("build"):
        pytest.skip("kconfig build not available yet")
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    other = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "other-machine")}
    first = subprocess.run(
        [sys.executable, "-m", "kconfig", "-C", str(root), "build", "qa"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=other,
    )
    assert first.returncode == 0, first.stderr
    target = root / "deploy" / "qa" / "web" / "deployment-web.yaml"
    target.write_text(target.read_text().replace("containers:", FORGED, 1))
    mine = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "this-machine")}
    check = subprocess.run(
        [sys.executable, "-m", "kconfig", "-C", str(root), "build", "qa", "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=mine,
    )
    assert check.returncode == 1, "a foreign cache must not vouch for the committed output"
