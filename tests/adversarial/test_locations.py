"""Issue 18 item 7, wrong locations: an error points at what wrote the value.

A check on a ``--set`` value is reported at ``--set``, not at the base line whose value it
replaced; a date or a ``.nan`` in a template's YAML output is reported with its line in the
rendered text (it was "(top level): cannot be checked", or exit 3 writing JSON).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case

J2 = "bases/web/templates/t.yaml.j2"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"

CASES = [
    Case(
        "kc107-on-set-value",
        ("render", "prod", "--set", "image.tag=latest"),
        1,
        "--set: error: Deployment/web (prod): spec.template.spec.containers[0].image: "
        "container 'app' runs registry.example.com/shop/web:latest with the `latest` tag",
        about="KC107 on a --set value was reported at the base's tag line",
    ),
    Case(
        "date-in-template-output",
        ("render", "qa"),
        1,
        f"{J2}:1:1: error: template output: a date or time (2024-01-01): quote it to keep "
        "text (line 4 of the rendered text)",
        files={J2: CONFIGMAP + "data: {a: 2024-01-01}\n"},
        about="an unquoted date in a template's output (reported without a line)",
    ),
    Case(
        "nan-in-template-output",
        ("build", "qa"),
        1,
        f"{J2}:1:1: error: template output: .nan is not a number JSON can hold (line 4 of "
        "the rendered text)",
        files={J2: CONFIGMAP + "data: {a: .nan}\n"},
        about=".nan in a template's output",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_located_at_the_writer(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
