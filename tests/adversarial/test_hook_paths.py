"""Issue 18 item 4: the pre-commit path cannot be fooled by a symlinked overlay.

The hook runs ``kconfig validate <changed files>``. A file argument is mapped to the
environments it affects by its own path in the project, never by the target of a link:
``overlays/qa/web.yaml -> ../../shared/web.yaml`` affects qa. A link that leaves the project
is then refused by the reader like any input: exit 1, located at the overlay (the file is an
input of the environment, so this is invalid input, not a usage error).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.adversarial._harness import (
    Case,
    Outcome,
    _expand,
    assert_failed_cleanly,
    build,
    run,
    snapshot,
)

SUMMARY = re.compile(r"^\d+ errors?, \d+ warnings? in \d+ environments?$")

OVERLAY = "overlays/qa/web.yaml"

CASES = [
    Case(
        "validate-overlay-links-outside",
        ("validate", f"project/{OVERLAY}"),
        1,
        f"{OVERLAY}:1:1: error: refusing to read a file outside the project (symlink?)",
        symlinks={OVERLAY: "{outside}/web.yaml"},
        outside={"web.yaml": "replicas: 2\n  port: 9090\n"},
        about="validate FILE where the overlay links outside the project: validated nothing",
    ),
    Case(
        "validate-overlay-links-inside",
        ("validate", f"project/{OVERLAY}"),
        1,
        f"{OVERLAY}:2:7: error: invalid YAML: mapping values are not allowed in this context",
        files={"shared/web.yaml": "replicas: 2\n  port: 9090\n"},
        symlinks={OVERLAY: "../../shared/web.yaml"},
        about="validate FILE where the overlay links to a broken file inside the project",
    ),
    Case(
        "validate-overlay-folder-links-outside",
        ("validate", f"project/{OVERLAY}"),
        1,
        "",
        error_re=r"overlays/qa(/env\.yaml)?(:1:1)?: error: refusing to (read|list) "
        r".*outside the project",
        symlinks={"overlays/qa": "{outside}/qa"},
        outside={"qa/env.yaml": "domain: x.example.com\n", "qa/web.yaml": "replicas: [\n"},
        about="validate FILE inside an overlay folder that links outside the project",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_file_argument_by_its_own_path(case: Case, tmp_path: Path) -> None:
    root, outside = build(case, tmp_path)
    before = snapshot(root, outside)
    got = run(["-C", str(root), *case.args], cwd=tmp_path)
    # validate keeps its build cache (.kconfig-cache/, as build does); nothing else changes
    after = {k: v for k, v in snapshot(root, outside).items() if "/.kconfig-cache" not in k}
    assert after == before
    lines = got.stderr.splitlines()
    # validate ends with its summary line; everything before it is diagnostics
    assert lines and SUMMARY.match(lines[-1]), got.stderr
    assert lines[-1] != "0 errors, 0 warnings in 0 environments"
    trimmed = Outcome(got.returncode, got.stdout, "\n".join(lines[:-1]), got.seconds)
    places = {"outside": outside, "project": root}
    expected = _expand(case.error_re or case.error, places)
    assert_failed_cleanly(trimmed, case.exit, expected, regex=bool(case.error_re))
