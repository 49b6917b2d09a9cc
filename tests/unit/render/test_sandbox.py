"""Both backends are sandboxes: no Python internals, no files outside the project, no
environment variables unless kconfig.yaml allows them, and bounded blow-ups; every refusal
is an error located in the template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kconfig import Project
from kconfig.errors import KconfigError

MakeProject = Callable[..., Path]

J2 = "bases/web/templates/cm.yaml.j2"
HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n"


def errors_of(root: Path) -> list[str]:
    with pytest.raises(KconfigError) as info:
        Project.load(root).render("qa")
    return [d.format() for d in info.value.diagnostics]


def jinja_errors(make_project: MakeProject, line: str, **files: str) -> list[str]:
    return errors_of(make_project({J2: HEAD + f"  a: '{line}'\n", **files}))


REFUSED = "template sandbox refused: "


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "{{ ''.__class__.__mro__ }}",
            REFUSED + "access to attribute '__class__' of 'str' object is unsafe.",
        ),
        # cycler and joiner are gone (undefined), and their dunders are refused anyway
        (
            "{{ cycler.__init__.__globals__ }}",
            REFUSED + "access to attribute '__init__' of 'StrictUndefined' object is unsafe.",
        ),
        (
            "{{ joiner.__init__ }}",
            REFUSED + "access to attribute '__init__' of 'StrictUndefined' object is unsafe.",
        ),
        ("{{ cycler(1, 2).next() }}", "undefined value in template: 'cycler' is undefined"),
        (
            "{{ namespace.__init__.__globals__ }}",
            REFUSED + "access to attribute '__init__' of 'type' object is unsafe.",
        ),
        (
            "{{ (1).__class__.__base__.__subclasses__() }}",
            REFUSED + "access to attribute '__class__' of 'int' object is unsafe.",
        ),
        (
            "{{ self.__init__.__globals__ }}",
            REFUSED + "access to attribute '__init__' of 'TemplateReference' object is unsafe.",
        ),
        (
            "{{ values.items.__self__ }}",
            REFUSED + "access to attribute '__self__' of 'builtin_function_or_method' object "
            "is unsafe.",
        ),
        (
            "{{ '{0.__class__}'.format(1) }}",
            REFUSED + "access to attribute '__class__' of 'int' object is unsafe.",
        ),
        ("{{ os.environ }}", "undefined value in template: 'os' is undefined"),
        ("{{ lipsum(100000) }}", "undefined value in template: 'lipsum' is undefined"),
        ("{{ 'x' * 100000000 }}", REFUSED + "the result of '*' would be too large"),
        ("{{ [0] * 100000000 }}", REFUSED + "the result of '*' would be too large"),
        ("{{ 10 ** 1000000 }}", REFUSED + "the result of '**' would be too large"),
        (
            "{{ env_var('HOME') }}",
            REFUSED + "environment variable 'HOME' is not readable by templates: list it in "
            "kconfig.yaml under sandbox.allowEnv to allow it",
        ),
    ],
)
def test_jinja_escapes_are_refused_at_the_template_line(
    make_project: MakeProject, expression: str, message: str
) -> None:
    assert jinja_errors(make_project, expression) == [f"{J2}:5:1: error: {message}"]


def test_jinja_small_arithmetic_still_works(make_project: MakeProject) -> None:
    root = make_project({J2: HEAD + "  a: '{{ \"ab\" * 3 }}-{{ 2 ** 10 }}-{{ [1] * 2 }}'\n"})
    [cm] = [m for m in Project.load(root).render("qa") if m.kind == "ConfigMap"]
    assert cm.body["data"] == {"a": "ababab-1024-[1, 1]"}


@pytest.mark.parametrize(
    ("include", "reason"),
    [
        ("/etc/passwd", "/etc/passwd (paths must stay inside the project)"),
        ("../outside.txt", "../outside.txt (paths must stay inside the project)"),
        ("bases/web/link.txt", "bases/web/link.txt (not a file inside the project)"),
    ],
)
def test_jinja_reads_no_file_outside_the_project(
    make_project: MakeProject, include: str, reason: str
) -> None:
    root = make_project({J2: HEAD + f"  a: '{{% include \"{include}\" %}}'\n"})
    (root.parent / "outside.txt").write_text("secret")
    (root / "bases/web/link.txt").symlink_to(root.parent / "outside.txt")
    assert errors_of(root) == [f"{J2}:5:1: error: template include refused or missing: {reason}"]


def test_env_var_when_allowed(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCONFIG_TEST_REGION", "eu-west-1")
    root = make_project(
        {
            "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n"
            "sandbox: {allowEnv: [KCONFIG_TEST_REGION, KCONFIG_TEST_UNSET]}\n",
            J2: HEAD + "  region: {{ env_var('KCONFIG_TEST_REGION') }}\n",
        }
    )
    [cm] = [m for m in Project.load(root).render("qa") if m.kind == "ConfigMap"]
    assert cm.body["data"] == {"region": "eu-west-1"}
    (root / J2).write_text(HEAD + "  region: {{ env_var('KCONFIG_TEST_UNSET') }}\n")
    assert errors_of(root) == [
        f"{J2}:5:1: error: undefined value in template: environment variable "
        "'KCONFIG_TEST_UNSET' is not set"
    ]


# -- Jsonnet -----------------------------------------------------------------------------
JSONNET = "bases/web/templates/x.jsonnet"


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("std.extVar('HOME')", "Jsonnet error: undefined external variable: HOME"),
        (
            "importstr '/etc/passwd'",
            'import refused or missing: "/etc/passwd": absolute '
            "paths are refused: imports must stay inside the project (or name kconfig's "
            "library, e.g. 'kconfig.libsonnet')",
        ),
        # no native function is registered: std.native finds nothing to call
        ("std.native('exec')('id')", "Jsonnet error: only functions can be called, got null"),
    ],
)
def test_jsonnet_reads_no_environment_or_outside_file(
    make_project: MakeProject, program: str, message: str
) -> None:
    root = make_project({JSONNET: f"function(ctx)\n  {program}\n"})
    assert errors_of(root) == [f"{JSONNET}:2:3: error: {message}"]
