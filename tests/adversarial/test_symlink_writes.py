"""Issue 18 item 1: nothing is written outside the project through a committed symlink.

A pull request can commit ``deploy -> /elsewhere`` (the output folder), a ``.kconfig-cache``
link, or a dangling ``.kconfig-cache/.gitignore -> /any/path``. ``kconfig build`` must refuse
each with a located error naming the link, and write nothing anywhere: the harness compares
the project and the folder outside it, byte for byte, before and after.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case

LINK_MSG = "is a symbolic link; kconfig does not write through links"

CASES = [
    Case(
        "output-folder-is-a-link",
        ("build", "qa"),
        1,
        f"deploy: error: output folder 'deploy': {LINK_MSG}",
        files={"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\noutput: deploy\n"},
        symlinks={"deploy": "{outside}"},
        about="a committed deploy -> /elsewhere, configured as output:",
    ),
    Case(
        "output-default-folder-is-a-link",
        ("build", "qa"),
        1,
        f"deploy: error: output folder 'deploy': {LINK_MSG}",
        symlinks={"deploy": "{outside}"},
        about="a committed deploy -> /elsewhere, output: not set (deploy is the default)",
    ),
    Case(
        "output-parent-is-a-link",
        ("build", "qa"),
        1,
        f"gen: error: output folder 'gen/deploy': {LINK_MSG}",
        files={"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\noutput: gen/deploy\n"},
        symlinks={"gen": "{outside}"},
        about="a link on the way to the output folder",
    ),
    Case(
        "output-flag-is-a-link",
        ("build", "qa", "--out", "project/deploy"),
        1,
        f"deploy: error: output folder 'project/deploy': {LINK_MSG}",
        symlinks={"deploy": "{outside}"},
        about="--out deploy where deploy is a committed link",
    ),
    Case(
        "output-check-through-a-link",
        ("build", "qa", "--check"),
        1,
        f"deploy: error: output folder 'deploy': {LINK_MSG}",
        symlinks={"deploy": "{outside}"},
        outside={"qa/.kconfig-owned.json": '{"files": [], "project": "shop"}'},
        about="build --check must not read (and print) an outside folder through a link",
    ),
    Case(
        "cache-folder-is-a-link",
        ("build", "qa"),
        1,
        f".kconfig-cache: error: {LINK_MSG}",
        symlinks={".kconfig-cache": "{outside}"},
        about="a committed .kconfig-cache -> /elsewhere",
    ),
    Case(
        "cache-gitignore-dangling-link",
        ("build", "qa"),
        1,
        f".kconfig-cache/.gitignore: error: {LINK_MSG}",
        symlinks={".kconfig-cache/.gitignore": "{outside}/planted"},
        about="a dangling .kconfig-cache/.gitignore -> /any/path (created through the link)",
    ),
    Case(
        "cache-subfolder-is-a-link",
        ("build", "qa"),
        1,
        "",
        error_re=r"\.kconfig-cache/[0-9a-f]+: error: " + LINK_MSG,
        setup=lambda root, outside: _link_key_folder(root, outside),
        about="the cache's package-key folder linked outside",
    ),
]


def _link_key_folder(root: Path, outside: Path) -> None:
    from kconfig.run.cache import CACHE_DIR, package_key

    (root / CACHE_DIR).mkdir()
    (root / CACHE_DIR / package_key()).symlink_to(outside)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_write_through_a_link(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
