"""Issue 18 item 6: a memory bound for rendering, ``limits.maxRenderMemory``.

A template can build a gigabyte from a few bytes without any single operation the sandbox
bounds: a string doubled forty times, ``center`` or a format width of 10^10, a list doubled
and joined, or in Jsonnet ``std.range(1, 1e9)``, ``std.makeArray``, ``std.repeat``. Before,
Jinja2 ended in a ``MemoryError`` (exit 3) once the machine ran out, and the Jsonnet VM
aborted the process (``FATAL ERROR: a memory allocation error occurred``, exit 134) after
taking everything it could. Each must be an error at the template, exit 1, on both paths:
one process (``render``) and forked workers (``build`` of two environments).

The cases set ``maxRenderMemory: 256`` (the least allowed: kconfig's own Jsonnet templates
need ~100 MiB in one VM) so they fail fast and take little memory on a shared
machine; the harness caps every run at 4 GiB besides, so that on code without the bound
they fail quickly too (exit 3 or 134) instead of exhausting the machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversarial._harness import BASE, Case, check_case

J2 = "bases/web/templates/x.yaml.j2"
JN = "bases/web/templates/x.jsonnet"
KCONFIG = (
    "project: shop\nenvironments: [qa, prod]\nlimits: {renderTimeout: 30, maxRenderMemory: 256}\n"
)
JINJA_ERROR = (
    "error: template needed more than 256 MiB of memory (kconfig.yaml limits.maxRenderMemory)"
)
JSONNET_ERROR = (
    f"{JN}:1:1: error: Jsonnet evaluation needed more than 256 MiB of memory "
    "(kconfig.yaml limits.maxRenderMemory)"
)
HEAD = "apiVersion: v1\nkind: ConfigMap\n"


def _jinja(name: str, template: str, line: int | None, about: str, *args: str) -> Case:
    where = rf"{J2}:{line}:1: " if line else rf"{J2}:\d+:1: "
    return Case(
        name,
        args or ("render", "qa"),
        1,
        "",
        error_re=where + JINJA_ERROR.replace("(", r"\(").replace(")", r"\)"),
        files={"kconfig.yaml": KCONFIG, J2: template},
        about=about,
    )


def _jsonnet(name: str, body: str, about: str, *args: str, backend: str = "jinja") -> Case:
    return Case(
        name,
        args or ("render", "qa"),
        1,
        JSONNET_ERROR,
        files={
            "kconfig.yaml": KCONFIG + f"backend: {backend}\n",
            JN: f"function(ctx) {{kind: {body}}}\n",
        },
        about=about,
    )


DOUBLING = (
    HEAD + "{% set s = 'x' %}\n" + "{% set s = s ~ s %}\n" * 40 + "data: {n: '{{ s|length }}'}\n"
)
NAMESPACE_LOOP = (
    HEAD + "{% set ns = namespace(s='x') %}{% for i in range(40) %}\n"
    "{% set ns.s = ns.s ~ ns.s %}\n{% endfor %}data: {n: '{{ ns.s|length }}'}\n"
)
JOIN_LOOP = (
    HEAD + "{% set ns = namespace(l=['x' * 1000000]) %}{% for i in range(30) %}\n"
    "{% set ns.l = ns.l + ns.l %}{% endfor %}\ndata: {n: '{{ ns.l|join('')|length }}'}\n"
)
# Many small allocations rather than one large one: MemoryError deep inside a loop.
APPEND_LOOP = (
    HEAD + "{% set l = [] %}{% for i in range(100000) %}{% for j in range(100000) %}"
    "{{ l.append('%d' ~ 'x' * 10000) or '' }}{% endfor %}{% endfor %}\n"
)

CASES = [
    _jinja("jinja-set-doubling", DOUBLING, None, "{% set s = s ~ s %} 40 times: 1 TiB"),
    _jinja("jinja-loop-doubling", NAMESPACE_LOOP, 4, "a namespace string doubled in a loop"),
    _jinja("jinja-center-width", HEAD + "data: {a: '{{ 'x'|center(10**10) }}'}\n", 3, "center"),
    _jinja(
        "jinja-format-width",
        HEAD + "\ndata: {a: '{{ '%10000000000s'|format('x') }}'}\n",
        4,
        "a format width of 10^10",
    ),
    _jinja("jinja-join-doubling", JOIN_LOOP, None, "a list doubled 30 times, then joined"),
    _jinja("jinja-append-loop", APPEND_LOOP, 3, "a list grown by many appends"),
    _jinja("jinja-bomb-in-worker", DOUBLING, None, "the same in forked build workers", "build"),
    _jsonnet("jsonnet-range", "std.length(std.range(1, 1e9))", "std.range(1, 1e9)"),
    _jsonnet(
        "jsonnet-make-array", "std.length(std.makeArray(1e9, function(i) i))", "std.makeArray"
    ),
    _jsonnet("jsonnet-repeat", "std.length(std.repeat('xxxxxxxxxx', 1e9))", "std.repeat"),
    _jsonnet(
        "jsonnet-doubling",
        "local d(s, n) = if n == 0 then s else d(s + s, n - 1); std.length(d('x', 40))",
        "a string doubled 40 times",
    ),
    _jsonnet(
        "jsonnet-bomb-in-batch",
        "std.length(std.makeArray(1e9, function(i) i))",
        "in the one-VM batch with kconfig's own Jsonnet templates",
        backend="jsonnet",
    ),
    _jsonnet(
        "jsonnet-bomb-in-worker",
        "std.length(std.makeArray(1e9, function(i) i))",
        "in forked build workers, under the Jsonnet backend",
        "build",
        backend="jsonnet",
    ),
]


# Within the render bound, but more text than one template may print: the stages after it
# (parse, checks, dump, cache) would copy it a few times outside the bound.
HUGE_OUTPUT = HEAD + "data: {a: '{% for i in range(70) %}{{ 'x' * 1000000 }}{% endfor %}'}\n"
OUTPUT_CASES = [
    Case(
        name,
        args,
        1,
        f"{J2}:1:1: error: template output is 70,000,045 characters, over the limit of "
        "67,108,864 for one template",
        files={"kconfig.yaml": KCONFIG.replace("256", "1024"), J2: HUGE_OUTPUT},
        about=about,
    )
    for name, args, about in (
        ("jinja-huge-output", ("render", "qa"), "70 M characters printed by one template"),
        ("jinja-huge-output-in-worker", ("build",), "the same in forked build workers"),
    )
]


@pytest.mark.parametrize("case", OUTPUT_CASES, ids=[c.name for c in OUTPUT_CASES])
def test_template_output_is_bounded(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_memory_bomb_is_a_located_error(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


LIMITS_HEAD = "project: shop\nenvironments: [qa]\n"
LIMIT_CASES = [
    Case(
        "limits-render-memory-huge",
        ("render", "qa"),
        1,
        "kconfig.yaml:3:27: error: `limits.maxRenderMemory`: 1000000 is greater than the "
        "maximum of 16384",
        files={"kconfig.yaml": LIMITS_HEAD + "limits: {maxRenderMemory: 1000000}\n"},
        about="a pull request may not lift the bound",
    ),
    Case(
        "limits-render-memory-zero",
        ("render", "qa"),
        1,
        "kconfig.yaml:3:27: error: `limits.maxRenderMemory`: 0 is less than the minimum of 256",
        files={"kconfig.yaml": LIMITS_HEAD + "limits: {maxRenderMemory: 0}\n"},
        about="nor turn it off",
    ),
]


@pytest.mark.parametrize("case", LIMIT_CASES, ids=[c.name for c in LIMIT_CASES])
def test_render_memory_has_a_ceiling(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


# Runs in a fresh interpreter: whether rendering lowers RLIMIT_AS, and what it is after.
_PROBE = """
import json, resource, sys
from kconfig import Project
calls = []
real = resource.setrlimit
def spy(which, limits):
    calls.append(limits[0])
    real(which, limits)
resource.setrlimit = spy
before = resource.getrlimit(resource.RLIMIT_AS)
project = Project.load(sys.argv[1], bound_memory=sys.argv[2] == "1")
project.rendered("qa")
print(json.dumps({"calls": len(calls), "same": resource.getrlimit(resource.RLIMIT_AS) == before}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS bound: Linux only")
@pytest.mark.parametrize("bound", [False, True])
def test_the_python_api_bounds_memory_only_when_asked(bound: bool, tmp_path: Path) -> None:
    """A library caller's process is never capped unless it asks (SECURITY.md); when it
    asks, the limit is lowered around each user template and put back after."""
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    template = root / J2
    template.parent.mkdir(parents=True)
    template.write_text(HEAD + "metadata: {name: extra}\n")
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root), "1" if bound else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(done.stdout)
    assert seen["same"], "the address-space limit must be restored after rendering"
    assert (seen["calls"] > 0) == bound, seen
