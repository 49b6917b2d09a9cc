"""Issue 18 item 7, wrong locations: an error points at what wrote the value.

A check on a ``--set`` value is reported at ``--set``, not at the base line whose value it
replaced; a date or a ``.nan`` in a template's YAML output is reported with its line in the
rendered text (it was "(top level): cannot be checked", or exit 3 writing JSON).

Files whose lines end in a lone CR (``\r``, an old Mac's) are counted as YAML and Jinja2
count them: a bad byte was reported at line 1 and a far column, and the Jsonnet VM (which
breaks lines at ``\n`` alone) put every error on line 1. An include or import name too long
for the file system is reported at the include, not as ``/abs/path/aaa...: File name too
long``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial._harness import Case, check_case

J2 = "bases/web/templates/t.yaml.j2"
JN = "bases/web/templates/t.jsonnet"
LONG = "a" * 5000
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
    Case(
        "cr-only-invalid-utf8",
        ("render", "qa"),
        1,
        "overlays/qa/web.yaml:2:3: error: file is not valid UTF-8 (byte 0xff)",
        files={"overlays/qa/web.yaml": b"replicas: 2\r# \xff\r"},
        about="a bad byte on line 2 of a CR-only file (was 1:15)",
    ),
    Case(
        "cr-only-jsonnet-runtime-error",
        ("render", "qa"),
        1,
        f"{JN}:3:9: error: undefined value in template: field does not exist: nope",
        files={JN: "function(ctx)\r{\r  kind: ctx.nope,\r}\r"},
        about="a Jsonnet error on line 3 of a CR-only file (was 1:25)",
    ),
    Case(
        "cr-only-jsonnet-syntax-error",
        ("render", "qa"),
        1,
        f"{JN}:3:9: error: Jsonnet syntax error: unexpected",
        files={JN: "function(ctx)\r{\r  kind: ,\r}\r"},
        about="a Jsonnet syntax error in a CR-only file (was 1:25)",
    ),
    Case(
        "cr-only-jinja-error",
        ("render", "qa"),
        1,
        f"{J2}:3:1: error: undefined value in template: 'nope' is undefined",
        files={J2: "apiVersion: v1\rkind: ConfigMap\rmetadata: {name: {{ nope }}}\r"},
        about="the same for Jinja2 (already right: kept so)",
    ),
    Case(
        "include-name-too-long",
        ("render", "qa"),
        1,
        f"{J2}:3:1: error: template include refused or missing: {'a' * 80}... (5000 characters) "
        "(File name too long)",
        files={J2: f"x\n\n{{% include '{LONG}' %}}\n"},
        about="was /abs/path/aaa...: error: File name too long",
    ),
    Case(
        "import-name-too-long",
        ("render", "qa"),
        1,
        "",
        error_re=rf"{JN}:3:1: error: import refused or missing: \"a+\": the file cannot be read "
        r"\(File name too long\)$",
        files={JN: f"local x = 1;\n\nimport '{LONG}'\n"},
        about="Jsonnet: the message held the absolute path the import resolved to",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_located_at_the_writer(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
