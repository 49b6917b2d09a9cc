"""The Jsonnet backend: selection, the ``ctx`` argument, imports confined to the project and
kconfig's library, errors located in the .jsonnet file, and one VM per run."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from kconfig import Project
from kconfig.errors import KconfigError, RenderError
from kconfig.render.backends import BackendSettings, Template, builtin_template, prefetch
from kconfig.render.backends.jsonnet import JsonnetBackend

MakeProject = Callable[..., Path]

TEMPLATE = "bases/web/templates/x.jsonnet"


def errors_of(root: Path, env: str = "qa", **kwargs: Any) -> list[str]:
    with pytest.raises(KconfigError) as info:
        Project.load(root).render(env, **kwargs)
    return [d.format() for d in info.value.diagnostics]


def rendered(root: Path, env: str = "qa", **kwargs: Any) -> dict[tuple[str, str], Any]:
    return {m.key: m for m in Project.load(root).render(env, **kwargs)}


def with_template(make_project: MakeProject, text: str, **extra: str) -> Path:
    return make_project({TEMPLATE: text, **extra})


# -- selection ---------------------------------------------------------------------------
def test_backend_per_run_per_app_and_per_project(make_project: MakeProject) -> None:
    root = make_project(
        {"bases/api/app.yaml": "image: {repository: r/api, tag: '1'}\nbackend: jsonnet\n"}
    )
    by_app = {(m.app, m.kind): m.origin.path for m in Project.load(root).render("qa")}
    assert by_app[("web", "Deployment")] == "kconfig:templates/jinja/deployment.json.j2"
    assert by_app[("api", "Deployment")] == "kconfig:templates/jsonnet/deployment.jsonnet"
    assert by_app[("", "Namespace")] == "kconfig:templates/jinja/namespace.json.j2"

    run = {(m.app, m.kind): m.origin.path for m in Project.load(root).render("qa", backend="jinja")}
    assert run[("api", "Deployment")] == "kconfig:templates/jinja/deployment.json.j2"

    (root / "kconfig.yaml").write_text(
        "project: shop\nbackend: jsonnet\nenvironments: [qa, prod]\n"
    )
    project = {(m.app, m.kind): m.origin.path for m in Project.load(root).render("qa")}
    assert project[("web", "Deployment")] == "kconfig:templates/jsonnet/deployment.jsonnet"
    assert project[("", "Namespace")] == "kconfig:templates/jsonnet/namespace.jsonnet"


def test_ctx_is_the_jinja_context(make_project: MakeProject) -> None:
    root = with_template(
        make_project,
        """\
function(ctx) {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ctx' },
  data: {
    keys: std.join(',', std.objectFields(ctx)),
    name: ctx.name, env: ctx.env.name, ns: ctx.env.namespace, project: ctx.project.name,
    host: ctx.host, image: ctx.image, tag: ctx.values.image.tag,
    workload: ctx.plan.workloads[0].name,
  },
}
""",
    )
    data = rendered(root)[("ConfigMap", "ctx")].body["data"]
    assert data == {
        "keys": "env,host,image,labels,name,plan,platform,project,selector,values",
        "name": "web",
        "env": "qa",
        "ns": "shop-qa",
        "project": "shop",
        "host": "web.qa.example.com",
        "image": "registry.example.com/shop/web:1.0.0",
        "tag": "1.0.0",
        "workload": "web",
    }


def test_object_array_null_and_plain_values(make_project: MakeProject) -> None:
    root = make_project(
        {
            "bases/web/templates/a.jsonnet": (
                "[{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'a' + i}}\n"
                "for i in ['1', '2']]"
            ),
            "bases/web/templates/b.jsonnet": "function(ctx) null",
            "bases/web/templates/c.jsonnet": "{apiVersion: 'v1', kind: 'ConfigMap', "
            "metadata: {name: 'c'}}",
            "bases/web/templates/_helper.jsonnet": "error 'helpers are not rendered'",
            "bases/web/templates/lib.libsonnet": "error 'libraries are not rendered'",
        }
    )
    names = {name for kind, name in rendered(root) if kind == "ConfigMap"}
    assert names == {"a1", "a2", "c"}


def test_output_must_be_objects(make_project: MakeProject) -> None:
    root = with_template(make_project, "function(ctx) ['not an object']\n")
    assert errors_of(root) == [
        f"{TEMPLATE}:1:1: error: template output must be Kubernetes objects (mappings with "
        "apiVersion and kind), found str"
    ]


# -- imports -----------------------------------------------------------------------------
def test_imports_kconfig_library_project_root_and_relative(make_project: MakeProject) -> None:
    root = with_template(
        make_project,
        """\
local k = import 'kconfig.libsonnet';
local shared = import 'lib/shared.libsonnet';
local near = import '../near.libsonnet';
function(ctx) {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: k.metadata(ctx, 'imports'),
  data: { shared: shared.value, near: near.value, text: importstr 'lib/note.txt' },
}
""",
        **{
            "lib/shared.libsonnet": "{value: 'from lib'}",
            "lib/note.txt": "hello",
            "bases/web/near.libsonnet": "{value: 'from bases/web'}",
        },
    )
    body = rendered(root)[("ConfigMap", "imports")].body
    assert body["data"] == {"shared": "from lib", "near": "from bases/web", "text": "hello"}
    assert body["metadata"]["namespace"] == "shop-qa"


@pytest.mark.parametrize(
    ("statement", "col", "reason"),
    [
        (
            "import '/etc/passwd'",
            11,
            "absolute paths are refused: imports must stay inside "
            "the project (or name kconfig's library, e.g. 'kconfig.libsonnet')",
        ),
        (
            "importstr '/etc/hostname'",
            11,
            "absolute paths are refused: imports must stay "
            "inside the project (or name kconfig's library, e.g. 'kconfig.libsonnet')",
        ),
        (
            "import '../../../../outside.libsonnet'",
            11,
            "'..' leads outside the project: imports must stay inside it",
        ),
        ("importstr '../../../../proj/bases/web/app.yaml'", 11, None),  # back inside: fine
    ],
)
def test_import_confinement(
    make_project: MakeProject, statement: str, col: int, reason: str | None
) -> None:
    root = with_template(make_project, f"local x = {statement};\nfunction(ctx) [x]\n")
    (root.parent / "outside.libsonnet").write_text("{kind: 'Secret'}")
    if reason is None:
        with pytest.raises(KconfigError) as info:  # imported fine; a string is no object
            Project.load(root).render("qa")
        assert "found str" in str(info.value)
        return
    path = statement.split("'")[1]
    assert errors_of(root) == [
        f'{TEMPLATE}:1:{col}: error: import refused or missing: "{path}": {reason}'
    ]


def test_symlink_out_of_the_project_is_refused(make_project: MakeProject) -> None:
    root = with_template(make_project, "local lib = import 'lib.libsonnet';\nfunction(ctx) lib\n")
    outside = root.parent / "evil.libsonnet"
    outside.write_text("{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'stolen'}}")
    (root / "bases/web/templates/lib.libsonnet").symlink_to(outside)
    assert errors_of(root) == [
        f'{TEMPLATE}:1:13: error: import refused or missing: "lib.libsonnet": the file is a '
        "symlink to a place outside the project"
    ]


def test_symlinked_template_out_of_the_project_is_refused(make_project: MakeProject) -> None:
    root = make_project()
    outside = root.parent / "t.jsonnet"
    outside.write_text("{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'stolen'}}")
    (root / "bases/web/templates").mkdir(parents=True)
    (root / TEMPLATE).symlink_to(outside)
    assert errors_of(root) == [
        f"{TEMPLATE}: error: template file is not a file inside the project (symlink?)"
    ]


def test_missing_import_names_the_template(make_project: MakeProject) -> None:
    root = with_template(make_project, "function(ctx)\n  import 'nope.libsonnet'\n")
    assert errors_of(root) == [
        f'{TEMPLATE}:2:3: error: import refused or missing: "nope.libsonnet": no such file '
        "in the importing folder, the project root or kconfig's library"
    ]


# -- environment variables ---------------------------------------------------------------
def test_no_environment_variable_unless_allowed(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KCONFIG_TEST_TOKEN", "t0k3n")
    text = (
        "function(ctx) {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'e'},\n"
        "  data: {token: std.extVar('KCONFIG_TEST_TOKEN')}}\n"
    )
    root = with_template(make_project, text)
    assert errors_of(root) == [
        f"{TEMPLATE}:2:17: error: Jsonnet error: undefined external variable: KCONFIG_TEST_TOKEN"
    ]
    (root / "kconfig.yaml").write_text(
        "project: shop\nenvironments: [qa, prod]\nsandbox: {allowEnv: [KCONFIG_TEST_TOKEN]}\n"
    )
    assert rendered(root)[("ConfigMap", "e")].body["data"] == {"token": "t0k3n"}


# -- errors ------------------------------------------------------------------------------
def test_missing_value_names_file_line_and_key(make_project: MakeProject) -> None:
    root = with_template(
        make_project,
        """\
function(ctx) {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' },
  data: { a: ctx.values.nosuchkey },
}
""",
    )
    assert errors_of(root) == [
        f"{TEMPLATE}:3:14: error: undefined value in template: field does not exist: nosuchkey"
    ]


def test_syntax_error_is_located(make_project: MakeProject) -> None:
    root = with_template(make_project, "function(ctx) {\n  a: 1 +,\n}\n")
    assert errors_of(root) == [
        f'{TEMPLATE}:2:9: error: Jsonnet syntax error: unexpected: "," while parsing terminal'
    ]


def test_error_in_a_library_is_reported_at_the_users_call(make_project: MakeProject) -> None:
    # k.probe needs a mapping; the message points at the user's line and names the library's.
    root = with_template(
        make_project,
        """\
local k = import 'kconfig.libsonnet';
function(ctx)
  { a: k.probe('not a mapping') }
""",
    )
    [message] = errors_of(root)
    assert message.startswith(f"{TEMPLATE}:3:8: error: Jsonnet error: Builtin function ")
    assert re.search(r" \(in kconfig:templates/jsonnet/kconfig\.libsonnet:\d+:\d+\)$", message)


def test_lazy_library_error_names_the_template(make_project: MakeProject) -> None:
    # The library's object fails while being output: no frame of the template is left.
    root = with_template(
        make_project,
        """\
local k = import 'kconfig.libsonnet';
function(ctx)
  k.probe('not a mapping')
""",
    )
    [message] = errors_of(root)
    assert re.match(r"kconfig:templates/jsonnet/kconfig\.libsonnet:\d+:\d+: error: ", message)
    assert message.endswith(f"(rendering {TEMPLATE})")


def test_error_in_a_user_library_is_reported_there(make_project: MakeProject) -> None:
    root = with_template(
        make_project,
        "local lib = import 'lib.libsonnet';\nfunction(ctx) lib.f(1)\n",
        **{"bases/web/templates/lib.libsonnet": "{\n  f(x):: error 'boom ' + x,\n}\n"},
    )
    assert errors_of(root) == [
        "bases/web/templates/lib.libsonnet:2:10: error: Jsonnet error: boom 1 (rendering "
        f"{TEMPLATE})"
    ]


def test_every_failing_app_is_reported(make_project: MakeProject) -> None:
    bad = "function(ctx) error 'broken ' + ctx.name\n"
    root = make_project(
        {
            TEMPLATE: bad,
            "bases/api/app.yaml": "image: {repository: r/api, tag: '1'}\n",
            "bases/api/templates/y.jsonnet": bad,
        }
    )
    assert errors_of(root, backend="jsonnet") == [
        "bases/api/templates/y.jsonnet:1:15: error: Jsonnet error: broken api",
        f"{TEMPLATE}:1:15: error: Jsonnet error: broken web",
    ]


def test_deep_recursion_is_bounded(make_project: MakeProject) -> None:
    root = with_template(make_project, "local f(x) = f(x + 1) + 1;\nfunction(ctx) f(0)\n")
    [message] = errors_of(root)
    assert message.startswith(f"{TEMPLATE}:1:14: error: Jsonnet error: max stack frames exceeded")


# -- one VM per run ----------------------------------------------------------------------
class _CountingVM:
    """Wraps the _jsonnet module and counts its evaluations."""

    def __init__(self, vm: Any) -> None:
        self.vm = vm
        self.calls: list[str] = []

    def evaluate_file(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append("file")
        return str(self.vm.evaluate_file(*args, **kwargs))

    def evaluate_snippet(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append("snippet")
        return str(self.vm.evaluate_snippet(*args, **kwargs))


def _cpp_backend(root: Path) -> tuple[JsonnetBackend, _CountingVM]:
    """A backend on the C++ VM alone (rjsonnet, when installed, left out), counting its runs."""
    backend = JsonnetBackend(BackendSettings(root=root))
    backend._fast = None
    counter = _CountingVM(backend._vm)
    backend._vm = counter
    return backend, counter


def _contexts(root: Path) -> list[Mapping[str, Any]]:
    from kconfig.load.sources import load_sources
    from kconfig.render.pipeline import RenderOptions, _Run, app_job
    from kconfig.values.layers import Layering

    sources = load_sources(root)
    env = sources.env("qa")
    run = _Run(sources, env, RenderOptions(backend="jsonnet"))
    layering = Layering(sources, env, ())
    return [app_job(run, layering.values(app)).context for app in sources.apps_of(env)]


def test_prefetch_renders_a_whole_run_in_one_vm(make_project: MakeProject) -> None:
    root = make_project({"bases/api/app.yaml": "image: {repository: r/api, tag: '1'}\n"})
    backend, counter = _cpp_backend(root)
    templates = [builtin_template("jsonnet", s) for s in ("service", "deployment")]
    requests = [(t, ctx) for ctx in _contexts(root) for t in templates]
    prefetch(backend, requests)
    out = [backend.render(t, ctx) for t, ctx in requests]
    assert counter.calls == ["snippet"]
    assert [docs[0]["metadata"]["name"] for docs in out] == ["api", "api", "web", "web"]
    # Each result is handed out once; asked again, the template is evaluated on its own.
    assert backend.render(*requests[0]) == out[0]
    assert counter.calls == ["snippet", "file"]


def test_a_failing_batch_retries_without_the_failing_template(
    make_project: MakeProject,
) -> None:
    root = with_template(make_project, "function(ctx) error 'no'\n")
    backend, counter = _cpp_backend(root)
    [ctx] = _contexts(root)
    good = [builtin_template("jsonnet", s) for s in ("service", "deployment", "namespace")]
    bad = Template(TEMPLATE, root / TEMPLATE, "jsonnet")
    prefetch(backend, [(good[0], ctx), (good[1], ctx), (bad, ctx), (good[2], ctx)])
    # The error names x.jsonnet: the three others are batched again, at once.
    assert counter.calls == ["snippet", "snippet"]
    kinds = [backend.render(t, ctx)[0]["kind"] for t in good]
    assert kinds == ["Service", "Deployment", "Namespace"]
    assert counter.calls == ["snippet", "snippet"]  # all three were ready
    with pytest.raises(RenderError) as info:
        backend.render(bad, ctx)
    assert str(info.value) == f"{TEMPLATE}:1:15: error: Jsonnet error: no"
    assert counter.calls == ["snippet", "snippet", "file"]


def test_a_template_failing_for_some_apps_is_split_in_halves(make_project: MakeProject) -> None:
    apps = {
        f"bases/app{i}/app.yaml": f"image: {{repository: r/app{i}, tag: '1'}}\n" for i in range(10)
    }
    root = make_project(
        {
            **apps,
            "bases/web/app.yaml": None,
            "lib/t.jsonnet": (
                "function(ctx) if ctx.name == 'app7' then error 'no ' + ctx.name else "
                "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: ctx.name}}\n"
            ),
        }
    )
    backend, counter = _cpp_backend(root)
    template = Template("lib/t.jsonnet", root / "lib/t.jsonnet", "jsonnet")
    requests = [(template, ctx) for ctx in _contexts(root)]
    prefetch(backend, requests)
    # 10 fail together -> 5 + 5: one half is ready, the other is left to render()
    assert counter.calls == ["snippet"] * 3
    names = []
    for _, ctx in requests:
        try:
            names.append(backend.render(template, ctx)[0]["metadata"]["name"])
        except RenderError as err:
            names.append(str(err))
    assert names[7] == "lib/t.jsonnet:1:42: error: Jsonnet error: no app7"
    assert counter.calls == ["snippet"] * 3 + ["file"] * 5


def test_library_header_documents_the_conventions() -> None:
    lib = Path(str(builtin_template("jsonnet", "deployment").path.parent / "kconfig.libsonnet"))
    header = lib.read_text(encoding="utf-8").split("\n{", 1)[0]
    for needle in (
        "function(ctx)",
        "k.opt",
        "k.truthy",
        "null field",
        "std.format",
        "k.podTemplate",
        "sandbox.allowEnv",
    ):
        assert needle in header, needle


def test_builtins_exist_for_both_backends() -> None:
    from kconfig.render.pipeline import APP_TEMPLATES, ENV_TEMPLATES

    for stem in (*APP_TEMPLATES, *ENV_TEMPLATES):
        for backend in ("jinja", "jsonnet"):
            assert os.path.isfile(builtin_template(backend, stem).path), (backend, stem)
