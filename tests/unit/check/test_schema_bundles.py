"""Self-contained Kubernetes schemas (kconfig.check.schemas.bundle_schema and the per-user copies).

The store validates with a kind's schema plus only the definitions it reaches, annotations
left out, kept in ``$XDG_CACHE_HOME/kconfig/schemas-*``. These tests pin that a bundle accepts
and refuses exactly what the original schema (with the whole ``_definitions.json``) does, that
messages are unchanged, and that a damaged or unwritable cache only costs time.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

import kconfig
import kconfig.check.schemas as schemas
from kconfig.check.schemas import (
    DEFINITIONS_ID,
    OBJECT_META,
    POD_TEMPLATE,
    SchemaStore,
    bundle_schema,
    kind_file,
)
from tests.conftest import MINIMAL, deployment_doc, write_tree

REPO = Path(__file__).resolve().parents[3]
KINDS = (
    ("v1", "Namespace"),
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "ConfigMap"),
)
# Values a mutation puts somewhere: each is wrong somewhere and right somewhere else.
ODD_VALUES: tuple[Any, ...] = (None, 1, -1, 2.5, "x", "100Qi", True, [], {}, {"bogus": 1})


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def _reference_manifests() -> list[dict[str, Any]]:
    project = kconfig.Project.load(REPO)
    return [m.body for env in project.environments for m in project.render(env)]


def _mutations(doc: dict[str, Any], rng: random.Random, count: int) -> list[dict[str, Any]]:
    """``count`` copies of ``doc``, each with one value replaced, removed or added somewhere."""
    out = []
    for _ in range(count):
        mutant = copy.deepcopy(doc)
        node: Any = mutant
        for _step in range(rng.randint(1, 9)):
            if isinstance(node, dict) and node:
                key = rng.choice(sorted(node))
                roll = rng.random()
                if roll < 0.25:
                    node[key] = rng.choice(ODD_VALUES)
                    break
                if roll < 0.3:
                    del node[key]
                    break
                if roll < 0.35:
                    node["description"] = "not a field of any object"
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                index = rng.randrange(len(node))
                if rng.random() < 0.3:
                    node[index] = rng.choice(ODD_VALUES)
                    break
                node = node[index]
            else:
                break
        out.append(mutant)
    return out


def _verdict(validator: Any, doc: Any) -> bool | str:
    try:
        return bool(validator.is_valid(doc))
    except ValueError:
        return "unsupported value"


def test_a_bundle_accepts_and_refuses_what_the_original_does() -> None:
    store = SchemaStore()
    definitions = store._definitions()
    registry = jsonschema_rs.Registry([(DEFINITIONS_ID, definitions)])
    rng = random.Random(20261128)
    docs = _reference_manifests()
    compared = refused = 0
    for doc in docs:
        path = store.folder / kind_file(doc["apiVersion"], doc["kind"])
        if not path.is_file():
            continue  # Rollouts and friends: kconfig's own schemas, not bundled
        schema = json.loads(path.read_text(encoding="utf-8"))
        original = jsonschema_rs.validator_for(schema, registry=registry)
        bundled = jsonschema_rs.validator_for(bundle_schema(schema, definitions))
        for candidate in [doc, *_mutations(doc, rng, 60)]:
            expected = _verdict(original, candidate)
            assert _verdict(bundled, candidate) == expected, (doc["kind"], candidate)
            compared += 1
            refused += expected is False
    assert compared > 1000
    assert 0.2 < refused / compared < 0.9  # the mutations do reach both verdicts


def test_a_bundle_holds_only_what_validation_needs() -> None:
    store = SchemaStore()
    definitions = store._definitions()
    schema = json.loads((store.folder / kind_file("apps/v1", "Deployment")).read_text())
    bundle = bundle_schema(schema, definitions)
    text = json.dumps(bundle)
    assert "_definitions.json" not in text  # every reference is local
    assert '"description"' not in text.replace('"properties": {"description"', "")
    assert "x-kubernetes-" not in text
    assert POD_TEMPLATE in bundle["$defs"] and OBJECT_META in bundle["$defs"]
    assert len(bundle["$defs"]) < len(definitions["$defs"]) / 4
    assert len(text) < len(json.dumps(definitions)) / 10


def test_a_property_called_description_is_kept() -> None:
    # PriorityClass has a `description` field; only the annotation keyword goes.
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "an annotation",
        "type": "object",
        "properties": {"description": {"type": "string", "description": "annotation"}},
        "required": ["description"],
        "additionalProperties": False,
        "x-kubernetes-group-version-kind": [{"group": "", "kind": "X", "version": "v1"}],
    }
    bundle = bundle_schema(root, {"$defs": {}})
    assert bundle["properties"] == {"description": {"type": "string"}}
    assert bundle["required"] == ["description"]
    validator = jsonschema_rs.validator_for(bundle)
    assert validator.is_valid({"description": "x"})
    assert not validator.is_valid({})
    assert not validator.is_valid({"description": 1})


@pytest.fixture
def _not_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """As with another kubernetes-validate than the shipped bundles were derived from."""
    monkeypatch.setattr(schemas, "shipped_index", lambda folder: {})


@pytest.mark.usefixtures("_not_shipped")
def test_bundles_are_kept_per_user_and_reused(_own_cache: Path, tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", MINIMAL)
    assert not kconfig.Project.load(root).validate().diagnostics
    folders = list((_own_cache / "kconfig").glob("schemas-*"))
    assert len(folders) == 1
    names = sorted(p.name for p in folders[0].iterdir())
    assert "deployment-apps-v1.json" in names
    assert "namespace-v1.json" in names
    stamp = {p.name: p.stat().st_mtime_ns for p in folders[0].iterdir()}
    assert not kconfig.Project.load(root).validate().diagnostics
    assert {p.name: p.stat().st_mtime_ns for p in folders[0].iterdir()} == stamp


@pytest.mark.usefixtures("_not_shipped")
def test_a_damaged_bundle_is_rebuilt(_own_cache: Path, tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", MINIMAL)
    kconfig.Project.load(root).validate()
    (bundle,) = (_own_cache / "kconfig").glob("schemas-*/deployment-apps-v1.json")
    bundle.write_text('{"torn', encoding="utf-8")
    # A changed app: its Deployment is checked again (an unchanged one's verdict is the
    # build cache's and reads no schema).
    with (root / "bases/web/app.yaml").open("a", encoding="utf-8") as handle:
        handle.write("replicas: 3\n")
    assert not kconfig.Project.load(root).validate().diagnostics
    assert json.loads(bundle.read_text(encoding="utf-8"))["$defs"]


def test_messages_still_come_from_the_original_schemas(tmp_path: Path) -> None:
    """A refused document is explained with the full registry: its hints (the allowed keys
    of the object at fault) read the original documents."""
    store = SchemaStore()
    schema = store.kind("apps/v1", "Deployment")
    assert schema is not None
    body = deployment_doc(containers=[{"name": "web", "image": "nginx", "imagePolicy": 1}])
    (problem,) = schema.problems(body)
    assert problem.path == ("spec", "template", "spec", "containers", 0)
    assert problem.keyword == "additionalProperties"
    assert problem.unexpected == ("imagePolicy",)
    assert "imagePullPolicy" in problem.allowed


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    root = write_tree(tmp_path / "p", MINIMAL)
    assert not kconfig.Project.load(root).validate().diagnostics
    bad = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": 5}}
    schema = SchemaStore().kind("v1", "Namespace")
    assert schema is not None
    assert [p.keyword for p in schema.problems(bad)] == ["type"]
