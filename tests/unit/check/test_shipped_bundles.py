"""The Kubernetes schema bundles shipped in the package (kconfig/check/bundles/): current for
the installed kubernetes-validate, used without writing anything, ignored when derived from
other files."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest

import kconfig
import kconfig.check.schemas as schemas
from kconfig.check.schemas import SHIPPED_DIR, SchemaStore, schema_root, shipped_index
from tests.conftest import MINIMAL, write_tree


def _folders() -> list[Path]:
    return sorted(p for p in schema_root().iterdir() if p.name.endswith("-local-strict"))


def test_the_shipped_bundles_are_current() -> None:
    if not all(shipped_index(folder) for folder in _folders()):
        pytest.skip("another kubernetes-validate than the one the bundles were derived from")
    shipped = {p.name for p in SHIPPED_DIR.iterdir() if p.is_dir()}
    assert shipped == {f.name for f in _folders()}, "stale: run python tools/schema_bundles.py"
    for folder in _folders():
        index, bundles = schemas.shipped_bundles(folder)
        here = SHIPPED_DIR / folder.name
        assert json.loads((here / schemas.SHIPPED_INDEX).read_bytes()) == index
        files = {p.name for p in here.iterdir()} - {schemas.SHIPPED_INDEX}
        assert files == {f"{name}.json.z" for name in bundles}, folder.name
        for name, bundle in bundles.items():
            data = zlib.decompress((here / f"{name}.json.z").read_bytes())
            assert json.loads(data) == bundle, f"{folder.name}/{name}: stale"


def test_a_fresh_machine_writes_no_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not shipped_index(SchemaStore().folder):
        pytest.skip("no current shipped bundles for the installed kubernetes-validate")
    monkeypatch.delenv("KCONFIG_NO_USER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = write_tree(tmp_path / "p", MINIMAL)
    assert not kconfig.Project.load(root).validate().diagnostics
    assert list((tmp_path / "xdg").glob("kconfig/schemas-*/*")) == []


def _counting_bundles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    real = schemas.bundle_schema

    def counting(root: Any, definitions: Any) -> Any:
        built.append(str(root.get("$id")))
        return real(root, definitions)

    monkeypatch.setattr(schemas, "bundle_schema", counting)
    return built


def test_bundles_of_other_files_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = SchemaStore().folder
    monkeypatch.setattr(schemas, "_release", lambda folder: "kubernetes-validate 0.0.0")
    assert shipped_index(folder) == {}
    built = _counting_bundles(monkeypatch)
    schema = SchemaStore(user_cache=False).kind("apps/v1", "Deployment")
    assert schema is not None and built  # bundled from the installed files instead
    assert schema.problems({"apiVersion": "apps/v1", "kind": "Deployment", "spec": 5}) != []


def test_a_damaged_shipped_bundle_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas, "read_shipped", lambda folder, name: None)
    built = _counting_bundles(monkeypatch)
    schema = SchemaStore(user_cache=False).kind("v1", "Service")
    assert schema is not None and built
