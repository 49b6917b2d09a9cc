"""Issue 18 item 3: no literal Secret reaches output in any wrapping.

kubectl, Kustomize and Argo CD expand ``kind: List`` (and every ``*List`` kind: any object
whose ``items`` are objects) into its items, so a Secret inside one is applied like any other.
kconfig expands them before the checks: KC108 sees the Secret, located at the template.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case

J2 = "bases/web/templates/secret.yaml.j2"
JSONNET = "bases/web/templates/secret.jsonnet"
SECRET = (
    "apiVersion: v1\n  kind: Secret\n  metadata: {name: db}\n  stringData: {password: hunter2}\n"
)
KC108 = "Secret/db (qa): stringData: literal stringData: secrets do not belong in Git"

CASES = [
    Case(
        "secret-in-kind-list",
        ("render", "qa"),
        1,
        f"{J2}: error: {KC108}",
        files={J2: f"apiVersion: v1\nkind: List\nitems:\n- {SECRET}"},
        about="a kind: List from a template wrapping a Secret with stringData",
    ),
    Case(
        "secret-in-secret-list",
        ("render", "qa"),
        1,
        f"{J2}: error: {KC108}",
        files={J2: f"apiVersion: v1\nkind: SecretList\nitems:\n- {SECRET}"},
        about="a SecretList (any object with nested items) wrapping a Secret",
    ),
    Case(
        "secret-in-nested-list",
        ("render", "qa"),
        1,
        f"{J2}: error: {KC108}",
        files={
            J2: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n"
            "  items:\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: db}\n"
            "    stringData: {password: hunter2}\n"
        },
        about="a List inside a List",
    ),
    Case(
        "secret-in-jsonnet-list",
        ("render", "qa"),
        1,
        f"{JSONNET}: error: {KC108}",
        files={
            JSONNET: "function(ctx) {apiVersion: 'v1', kind: 'List', items: [{apiVersion: 'v1', "
            "kind: 'Secret', metadata: {name: 'db'}, stringData: {password: 'hunter2'}}]}\n"
        },
        about="a kind: List from a Jsonnet template",
    ),
    Case(
        "list-item-not-an-object",
        ("render", "qa"),
        1,
        f"{J2}:1:1: error: template output must be Kubernetes objects (mappings with "
        "apiVersion and kind), found str (an item of a List)",
        files={J2: "apiVersion: v1\nkind: List\nitems: [oops]\n"},
        about="a List whose item is not an object",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_list_expanded_before_checks(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
