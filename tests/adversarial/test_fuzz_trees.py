"""Issue 18 item 9: random project trees, every command, exit 0, 1 or 2 only (never 3).

Hypothesis builds small hostile projects (random kconfig.yaml, env.yaml files with
``extends``, bases, overlays, templates in both backends, symlinks in and out, a committed
output folder and ownership index) and runs ``validate``, ``render``, ``build --check``,
``build``, ``diff`` (two environments, and ``--against``), ``explain`` and ``promote
--dry-run`` on each, in-process through the CLI's ``main``. Anything but exit 0/1/2, or a
failure that is not one located line per problem, is a bug. Derandomized and bounded, so CI
sees the same few-second run every time; ``KCONFIG_FUZZ_EXAMPLES`` and
``KCONFIG_FUZZ_RANDOM=1`` give a longer campaign with fresh inputs.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kconfig.cli.main import main
from tests.adversarial._harness import DIAGNOSTIC

EXAMPLES = int(os.environ.get("KCONFIG_FUZZ_EXAMPLES", "15"))
TREES = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("KCONFIG_FUZZ_RANDOM"),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMES = st.sampled_from(["qa", "prod", "web", "api", "x", "QA", "../x", "a/b", ""])
SCALARS = st.one_of(
    st.sampled_from(["", "on", "1.10", "0x1F", "~", "latest", "*a", "&a x", "<<", "{", "[", "\t"]),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=8),
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["image", "tag", "replicas", "port", "env", "items", "kind", "<<"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=8,
)
TEMPLATES = st.sampled_from(
    [
        ("t.yaml.j2", "apiVersion: v1\nkind: List\nitems: [{{ values.replicas | default(1) }}]\n"),
        ("t.yaml.j2", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: &a x}\n"),
        ("t.yaml.j2", "{% include '.git/config' %}"),
        ("t.yaml.j2", "{{ ctx }}"),
        ("t.jsonnet", "function(ctx) {kind: 'List', items: [1]}"),
        ("t.jsonnet", "function(ctx) importstr 'deploy/x'"),
        ("t.jsonnet", "function(ctx) std.range(1, 10)"),
    ]
)
LINKS = st.sampled_from(["{outside}", "{outside}/f.yaml", "/dev/null", "../missing", "."])


def _dump(value: Any) -> str:
    import json

    return json.dumps(value) if not isinstance(value, str) else value


@st.composite
def trees(draw: st.DrawFn) -> dict[str, Any]:
    envs = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    files: dict[str, str] = {
        "kconfig.yaml": f"project: shop\nenvironments: {_dump(envs)}\n"
        + draw(
            st.sampled_from(["", "output: deploy\n", "output: lib/x\n", "limits: {maxDepth: 3}\n"])
        )
    }
    for env in envs:
        extends = draw(st.sampled_from([None, *envs]))
        body = f"domain: {env or 'x'}.example.com\n" + (f"extends: {extends}\n" if extends else "")
        files[f"overlays/{env}/env.yaml"] = body + draw(
            st.sampled_from(["", "allowSecrets: true\n"])
        )
        if draw(st.booleans()):
            files[f"overlays/{env}/web.yaml"] = _dump(draw(VALUES)) + "\n"
    files["bases/web/app.yaml"] = draw(
        st.sampled_from(
            [
                'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\nport: 8080\n',
                _dump(draw(VALUES)) + "\n",
            ]
        )
    )
    if draw(st.booleans()):
        name, text = draw(TEMPLATES)
        files[f"bases/web/templates/{name}"] = text
    if draw(st.booleans()):
        files["deploy/qa/.kconfig-owned.json"] = draw(
            st.sampled_from(['{"files": []}', "[", "[1]", '{"files": "x", "project": 1}'])
        )
    links = draw(
        st.dictionaries(
            st.sampled_from(["deploy", "overlays/qa/web.yaml", ".kconfig-cache", "bases/api"]),
            LINKS,
            max_size=2,
        )
    )
    return {"envs": envs, "files": files, "links": links}


def _write(tree: dict[str, Any], top: Path) -> Path:
    root, outside = top / "project", top / "outside"
    outside.mkdir()
    (outside / "f.yaml").write_text("token: s3cret\n")
    for rel, text in tree["files"].items():
        path = root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        except (OSError, ValueError):
            continue  # a name the filesystem refuses ("", "..") is not a tree we can build
    for rel, target in tree["links"].items():
        link = root / rel
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        elif link.exists() or link.is_symlink():
            link.unlink()
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target.replace("{outside}", str(outside)))
    return root


def _commands(envs: list[str], root: Path) -> list[list[str]]:
    a = envs[0]
    b = envs[-1]
    return [
        ["validate"],
        ["render", a],
        ["build", "--check"],
        ["build", "--no-cache"],
        ["diff", a, b],
        ["diff", a, "--against", str(root / "deploy" / a)],
        ["explain", a, "web"],
        ["explain", a, "web", "image.tag"],
        ["promote", a, b, "--dry-run"],
    ]


def _run(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as done:  # argparse usage errors
            code = done.code if isinstance(done.code, int) else 2
    return code, err.getvalue()


@TREES
@given(trees())
def test_random_trees_never_exit_3(tree: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="kconfig-fuzz-") as tmp:
        root = _write(tree, Path(tmp))
        for args in _commands(tree["envs"], root):
            code, err = _run(["-C", str(root), *args])
            assert code in (0, 1, 2), f"kconfig {' '.join(args)}: exit {code}\n{err}"
            assert "Traceback" not in err and "internal error" not in err, err
            for line in err.splitlines():  # summaries aside, every error is one located line
                if ": error:" in line:
                    assert DIAGNOSTIC.match(line), f"kconfig {' '.join(args)}: {line!r}"
