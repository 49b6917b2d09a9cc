"""Issue 18 items 6 (limit ceilings), 7 and 8: smaller holes, each a located exit 1.

``limits:`` in kconfig.yaml get ceilings (a pull request could set ``maxAliasExpansion:
10^12``); ``output:`` may not point into ``lib/`` nor hold a NUL byte; a FIFO in ``crds:`` is
never opened (it hung).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case

HEAD = "project: shop\nenvironments: [qa, prod]\n"


def _fifo_crd(root: Path, outside: Path) -> None:
    os.mkfifo(root / "crds.yaml")


CASES = [
    Case(
        "limits-alias-expansion-huge",
        ("render", "qa"),
        1,
        "kconfig.yaml:3:29: error: `limits.maxAliasExpansion`: 1000000000000 is greater than "
        "the maximum of 10000000",
        files={"kconfig.yaml": HEAD + "limits: {maxAliasExpansion: 1000000000000}\n"},
        about="limits.maxAliasExpansion: 10^12 (no ceiling before)",
    ),
    Case(
        "limits-depth-5000",
        ("render", "qa"),
        1,
        "kconfig.yaml:3:20: error: `limits.maxDepth`: 5000 is greater than the maximum of 500",
        files={"kconfig.yaml": HEAD + "limits: {maxDepth: 5000}\n"},
        about="limits.maxDepth: 5000",
    ),
    Case(
        "limits-jsonnet-stack-huge",
        ("render", "qa"),
        1,
        "kconfig.yaml:3:27: error: `limits.jsonnetMaxStack`: 100000000000000000000 is greater "
        "than the maximum of 10000",
        files={"kconfig.yaml": HEAD + "limits: {jsonnetMaxStack: 100000000000000000000}\n"},
        about="limits.jsonnetMaxStack: 10^20",
    ),
    Case(
        "limits-timeout-inf",
        ("render", "qa"),
        1,
        "kconfig.yaml:3:25: error: `limits.renderTimeout`: inf is greater than the maximum of 600",
        files={"kconfig.yaml": HEAD + "limits: {renderTimeout: .inf}\n"},
        about="limits.renderTimeout: .inf",
    ),
    Case(
        "output-inside-lib",
        ("build", "qa"),
        1,
        "kconfig.yaml:3:9: error: output folder 'lib/out' is inside lib/, which holds the "
        "project's sources",
        files={"kconfig.yaml": HEAD + "output: lib/out\n"},
        about="output: lib/out (lib/ holds the Jsonnet libraries)",
    ),
    Case(
        "output-nul-byte",
        ("build", "qa"),
        1,
        "kconfig.yaml:3:9: error: the output folder must not contain a NUL byte",
        files={"kconfig.yaml": HEAD + 'output: "deploy\\0x"\n'},
        about="a NUL byte in output:",
    ),
    Case(
        "crds-fifo",
        ("validate", "qa"),
        1,
        "",
        error_re=r"kconfig\.yaml:\d+:\d+: error: .*crds\.yaml is not a regular file",
        files={"kconfig.yaml": HEAD + "crds: [crds.yaml]\n"},
        setup=_fifo_crd,
        about="a FIFO in crds: (opening it blocks for ever)",
    ),
]


# validate ends with a summary line, which check_case does not expect: crds-fifo is below
PLAIN = [c for c in CASES if c.args[0] != "validate"]


@pytest.mark.parametrize("case", PLAIN, ids=[c.name for c in PLAIN])
def test_smaller(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def test_crds_fifo_not_opened(tmp_path: Path) -> None:
    from tests.adversarial._harness import build, run

    case = next(c for c in CASES if c.name == "crds-fifo")
    root, _ = build(case, tmp_path)
    got = run(["-C", str(root), "validate", "qa"], cwd=tmp_path, timeout=30)
    assert got.returncode == 1, got.stderr
    assert "crds.yaml is not a regular file" in got.stderr, got.stderr
    assert "Traceback" not in got.stderr


ROOT_LINKS = [
    Case(
        f"{name}-root-is-a-link",
        ("render", "qa"),
        1,
        f"{name}: error: refusing to list a folder outside the project (symlink?)",
        symlinks={name: "{outside}/" + name},
        outside=outside,
        about=f"a committed {name} -> /elsewhere: its names were listed before the refusal",
    )
    for name, outside in (
        ("bases", {"bases/web/app.yaml": "image: {repository: r/web, tag: '1'}\nport: 80\n"}),
        ("components", {"components/x/values.yaml": "replicas: 1\n"}),
    )
]


@pytest.mark.parametrize("case", ROOT_LINKS, ids=[c.name for c in ROOT_LINKS])
def test_linked_root_not_listed(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
