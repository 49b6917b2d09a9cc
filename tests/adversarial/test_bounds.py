"""Issue 18 items 6 and 7: bounds that hold on every path, and exit 1 (never 3) located.

Merge keys count against the node bound (``<<`` with 100,000 aliases took 57 s and 3.2 GB),
template output is read with the same bounds as input, and inputs Python itself refuses
(integers over 4,300 digits, complex keys in merges, output nested 100,000 deep) are located
errors, not internal errors. ``crds:`` files go through the same bounded reader: a billion
laughs inside a CRD's schema ended in exit 3 after 30 s and 4 GB (the schema compiler's
allocations failed in a worker).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case

OVERLAY = "overlays/qa/web.yaml"
J2 = "bases/web/templates/x.yaml.j2"
BIG_INT = "9" * 5000

# 100,000 aliases of a 50-key mapping in one merge: 5 million pairs from ~600 KB.
MERGE_BOMB = (
    "env:\n  base: &b {" + ", ".join(f"k{i}: {i}" for i in range(50)) + "}\n"
    "  all: {<<: [" + ", ".join(["*b"] * 100_000) + "]}\n"
)

CRD = "crds/widget.yaml"
CRD_HEAD = (
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata: {name: widgets.example.com}\nspec:\n  group: example.com\n"
    "  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n"
    "  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n"
    "        type: object\n"
)
LAUGHS = "".join(
    f"        x-{name}: &{name} [{', '.join([f'*{prev}' if prev else 'x'] * 10)}]\n"
    for prev, name in zip(["", *"abcdefg"], "abcdefgh", strict=True)
)
# The project renders a Widget, so its CRD is read to validate it.
CRD_PROJECT = {
    "kconfig.yaml": f"project: shop\nenvironments: [qa, prod]\ncrds: [{CRD}]\n",
    "bases/web/templates/w.yaml.j2": (
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    ),
}

CASES = [
    Case(
        "crds-alias-bomb",
        ("render", "qa"),
        1,
        f"{CRD}:16:18: error: more than 200000 values (an alias bomb?); refusing to expand",
        files={**CRD_PROJECT, CRD: CRD_HEAD + "        properties: {}\n" + LAUGHS},
        about="a billion laughs inside a CRD's schema (exit 3 after 30 s and 4 GB)",
    ),
    Case(
        "crds-merge-key-bomb",
        ("render", "qa"),
        1,
        "",
        error_re=rf"{CRD}:\d+:\d+: error: more than 200000 values \(an alias bomb\?\)",
        files={**CRD_PROJECT, CRD: MERGE_BOMB},
        about="<< with 100,000 aliases in a crds: file",
    ),
    Case(
        "crds-too-deep",
        ("render", "qa"),
        1,
        f"{CRD}:1:104: error: nesting deeper than 100 levels",
        files={**CRD_PROJECT, CRD: "a: " + "[" * 150 + "]" * 150 + "\n"},
        about="a crds: file nested past limits.maxDepth",
    ),
    Case(
        "crds-int-over-4300-digits",
        ("render", "qa"),
        1,
        f"{CRD}:1:4: error: integer with more than 4300 digits",
        files={**CRD_PROJECT, CRD: f"a: {BIG_INT}\n"},
        about="an integer over Python's 4,300-digit limit in a crds: file (was at kconfig.yaml)",
    ),
    Case(
        "merge-key-alias-bomb",
        ("render", "qa"),
        1,
        "",
        error_re=rf"{OVERLAY}:\d+:\d+: error: more than 200000 values \(an alias bomb\?\)",
        files={OVERLAY: MERGE_BOMB},
        about="<< with 100,000 aliases of a 50-key mapping (took 57 s and 3.2 GB)",
    ),
    Case(
        "merge-key-complex-key",
        ("render", "qa"),
        1,
        f"{OVERLAY}:1:14: error: mapping key 'a collection' must be a string",
        files={OVERLAY: "env: {<<: {? [a, b] : 1}}\n"},
        about="a merge key whose mapping has a complex (list) key",
    ),
    Case(
        "int-over-4300-digits-overlay",
        ("render", "qa"),
        1,
        f"{OVERLAY}:1:11: error: integer with more than 4300 digits",
        files={OVERLAY: f"replicas: {BIG_INT}\n"},
        about="an integer over Python's 4,300-digit limit in an overlay",
    ),
    Case(
        "int-over-4300-digits-env",
        ("render", "qa"),
        1,
        "overlays/qa/env.yaml:1:9: error: integer with more than 4300 digits",
        files={"overlays/qa/env.yaml": f"domain: {BIG_INT}\n"},
        about="an integer over Python's 4,300-digit limit in env.yaml",
    ),
    Case(
        "hex-int-over-4300-digits",
        ("render", "qa"),
        1,
        f"{OVERLAY}:1:11: error: integer with more than 4300 digits",
        files={OVERLAY: "replicas: 0x" + "f" * 4000 + "\n"},
        about="a huge hex integer (its decimal form is over the limit)",
    ),
    Case(
        "template-output-alias-bomb",
        ("render", "qa"),
        1,
        "",
        error_re=rf"{J2}:1:1: error: template output: more than 200000 values",
        files={
            # the bound, not the time limit, must stop it: 1 s is too tight on a loaded machine
            "kconfig.yaml": (
                "project: shop\nenvironments: [qa, prod]\nlimits: {renderTimeout: 60}\n"
            ),
            J2: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
            "data: {a: &a [x,x,x,x,x,x,x,x,x,x], b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], "
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], "
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]}\n",
        },
        about="a small template whose output is an alias bomb",
    ),
    Case(
        "template-output-nested-100k-json",
        ("render", "qa"),
        1,
        "",
        error_re=rf"{J2}:1:1: error: template output: nesting deeper than",
        files={J2: '{"kind": "ConfigMap", "data": ' + "[" * 100_000 + "]" * 100_000 + "}\n"},
        about="template output nested 100,000 deep (JSON form)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bounded_and_located(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def test_nested_merge_keys_expand(tmp_path: Path) -> None:
    """YAML 1.1 merge keys inside a merged mapping are expanded, explicit keys winning."""
    import shutil

    from tests.adversarial._harness import BASE, run

    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / OVERLAY).write_text('env:\n  <<: {<<: {A: "1", B: "0"}, B: "2"}\n  C: "3"\n')
    got = run(["-C", str(root), "render", "qa"], cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    for name, value in (("A", "1"), ("B", "2"), ("C", "3")):
        assert f"- name: {name}\n          value: '{value}'" in got.stdout, got.stdout[:3000]
