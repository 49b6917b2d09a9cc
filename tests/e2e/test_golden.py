"""The reference estate rendered per environment, compared byte for byte with golden files.

Regenerate after an intended change with ``python -m pytest tests/e2e --update-golden`` and
review the diff of ``tests/e2e/golden/`` like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import kconfig
from tests.conftest import REPO

GOLDEN = Path(__file__).parent / "golden"
ENVS = kconfig.Project.load(REPO).environments


@pytest.mark.parametrize("env", ENVS)
def test_reference_estate_matches_golden(env: str, update_golden: bool) -> None:
    project = kconfig.Project.load(REPO)
    text = kconfig.dump_yaml(project.render(env))
    golden = GOLDEN / f"{env}.yaml"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_every_environment_has_a_golden_file() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.yaml")) == sorted(ENVS)
