"""docs/values.md is generated from the input schemas (docs/values_doc.py) and current."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from types import ModuleType

from tests.conftest import REPO


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("values_doc", REPO / "docs" / "values_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_values_md_is_current() -> None:
    text = (REPO / "docs" / "values.md").read_text(encoding="utf-8")
    assert text == _generator().render(), "docs/values.md is stale: run python docs/values_doc.py"


def test_check_mode_passes_on_the_committed_file() -> None:
    ok = subprocess.run([sys.executable, str(REPO / "docs" / "values_doc.py"), "--check"])
    assert ok.returncode == 0


def test_every_top_level_key_is_documented_with_its_description() -> None:
    text = (REPO / "docs" / "values.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in text.splitlines()
        if line.startswith("| `")
    }
    for file, prefix in (("app", ""), ("env", ""), ("kconfig", "")):
        schema = json.loads((REPO / "kconfig" / "schemas" / f"{file}.schema.json").read_text())
        for key, node in schema["properties"].items():
            assert f"{prefix}{key}" in rows, key
            if "description" in node:
                assert node["description"].split("|")[0][:30] in text, key
    # what the issue found missing from the README's reference
    for key in (
        "strategy.ingressCanary.weight",
        "strategy.ingressCanary.header",
        "strategy.ingressCanary.headerValue",
        "strategy.ingressBlueGreen.blue.tag",
        "strategy.ingressBlueGreen.green.tag",
        "volumes",
        "volumeMounts",
        "tolerations",
        "securityContext",
        "strategy.canary.stableService",
        "strategy.canary.analysis.startingStep",
        "env.<name>.valueFrom.secretKeyRef",
        "env.<name>.valueFrom.fieldRef",
    ):
        assert key in rows, key


def test_input_keys_have_descriptions() -> None:
    """Every key of the user's input files says what it does (the reference shows it)."""
    missing = []
    for line in (REPO / "docs" / "values.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.split(" | ")]
            if cells[3] == "":
                missing.append(cells[0])
    assert all(key.endswith(".<name>`") for key in missing), missing  # map entries
