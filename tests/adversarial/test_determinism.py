"""Determinism under stress: the reference estate renders to the same bytes every time.

100 renders in-process (fast: one interpreter, several copies of the estate at different
places, reached by absolute, relative and symlinked paths, environments in different orders),
then a handful of subprocesses that change what one process cannot: PYTHONHASHSEED (set and
dict iteration of strings), the locale and the output encoding, the time zone, the working
directory and ``-C``. Every one must produce identical bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

import kconfig
from tests.adversarial._harness import BASE, command_exists
from tests.conftest import REPO, copy_estate

ROUNDS = 25  # x 4 environments = 100 renders


def _envs() -> list[str]:
    return kconfig.Project.load(REPO).environments


def _render_all(project: kconfig.Project, envs: list[str]) -> dict[str, str]:
    return {env: kconfig.dump_yaml(project.render(env)) for env in envs}


def test_one_hundred_renders_in_process_are_identical(tmp_path: Path) -> None:
    envs = _envs()
    assert len(envs) == 4
    first = copy_estate(tmp_path / "a" / "estate")
    second = copy_estate(tmp_path / "deep" / "er" / "folder" / "estate")
    link = tmp_path / "link"
    link.symlink_to(first, target_is_directory=True)
    places: list[str | Path] = [
        first,
        second / "kconfig.yaml",  # the project file itself
        link,
        os.path.relpath(second),  # relative to the working directory
    ]
    reference = _render_all(kconfig.Project.load(REPO), envs)
    renders = 0
    for i in range(ROUNDS):
        project = kconfig.Project.load(places[i % len(places)])
        order = envs if i % 2 else envs[::-1]
        for env in order:
            assert kconfig.dump_yaml(project.render(env)) == reference[env], (i, env)
            renders += 1
    assert renders == 100


# What one process cannot vary. tr_TR is the classic breaker of case-insensitive code
# ("I".lower() is not "i" there); where the locale is not installed Python falls back to C,
# which is a variant of its own.
VARIANTS: list[Mapping[str, str]] = [
    {"PYTHONHASHSEED": "0", "LC_ALL": "C"},
    {"PYTHONHASHSEED": "1", "LC_ALL": "C.UTF-8", "TZ": "Pacific/Kiritimati"},
    {"PYTHONHASHSEED": "4242", "LC_ALL": "tr_TR.UTF-8", "LANG": "tr_TR.UTF-8"},
    {"PYTHONHASHSEED": "random", "PYTHONIOENCODING": "latin-1", "TZ": "America/St_Johns"},
    {"PYTHONHASHSEED": "77", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
]


def _kconfig(args: list[str], cwd: Path, env: Mapping[str, str]) -> bytes:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHON"))}
    full.update(env)
    done = subprocess.run(
        [sys.executable, "-m", "kconfig", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _place(tmp_path: Path, i: int) -> tuple[Path, Path, list[str]]:
    """Variant ``i``'s estate copy, the folder to run in, and how to name the project."""
    root = copy_estate(tmp_path / f"v{i}" / ("x/" * i) / "estate")
    if i % 3 == 0:
        return root, root, []  # found upward from the project root
    if i % 3 == 1:
        sub = root / "bases"
        return root, sub, []  # found upward from a subfolder
    elsewhere = tmp_path / f"elsewhere{i}"
    elsewhere.mkdir()
    return root, elsewhere, ["-C", os.path.relpath(root, elsewhere)]


def test_subprocesses_with_other_seeds_locales_and_folders_agree(tmp_path: Path) -> None:
    envs = _envs()
    reference = _render_all(kconfig.Project.load(REPO), envs)
    build = command_exists("build")
    trees: list[dict[str, bytes]] = []
    for i, variant in enumerate(VARIANTS):
        root, cwd, where = _place(tmp_path, i)
        env = envs[i % len(envs)]
        out = _kconfig([*where, "render", env], cwd, variant)
        assert out == reference[env].encode("utf-8"), (variant, env)
        if build:
            _kconfig([*where, "build"], cwd, variant)
            trees.append(_tree(root / "deploy"))
    for tree in trees[1:]:
        assert tree == trees[0]
    if not build:
        pytest.skip("kconfig build not available yet: compared render output only")


def test_non_ascii_output_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """An annotation with non-ASCII text: the bytes are UTF-8 under an ASCII or Latin-1
    locale too, never an encoding error or a different encoding."""
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "overlays" / "qa" / "web.yaml").write_text(
        'annotations: {example.com/owner: "Zoë ☕ 日本語"}\n', encoding="utf-8"
    )
    outputs = [
        _kconfig(["-C", str(root), "render", "qa"], tmp_path, variant)
        for variant in (
            {"LC_ALL": "C.UTF-8"},
            {"PYTHONIOENCODING": "ascii"},
            {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
        )
    ]
    assert outputs[0] == outputs[1] == outputs[2]
    assert "Zoë ☕ 日本語" in outputs[0].decode("utf-8")
