"""Tests for kconfig.core.dump: canonical key order, the YAML form, quoting, and the JSON List."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kconfig.core.dump import canonical, dump_json, dump_one, dump_yaml


def load(text: str) -> list[Any]:
    """Read back with libyaml, a YAML 1.1 reader (as kubectl's go-yaml v2 is)."""
    return list(yaml.load_all(text, Loader=yaml.CSafeLoader))


def same(a: Any, b: Any) -> bool:
    """Equality that also compares types: ``1 == True`` and ``1 == 1.0`` must not pass."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


# --------------------------------------------------------------------------------------------
# quoting

# Each of these, written plain, is read back by a YAML 1.1 reader as something else (or is
# not valid YAML). The ones marked "go" are read as strings by PyYAML but not by kubectl.
AMBIGUOUS = [
    "y",  # go: bool
    "Y",  # go
    "n",  # go
    "N",  # go
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "off",
    "OFF",
    "true",
    "True",
    "FALSE",
    "~",
    "null",
    "Null",
    "NULL",
    "",
    "1.10",
    "0644",
    "0x1F",
    "-0x1f",
    "0o17",  # go: octal
    "0b1010",
    "1e3",  # go: float
    "1E3",  # go
    "-2.5e-3",  # go
    "1_000",
    "1.0e+3",
    "12:30",  # sexagesimal int
    "12:30:00",
    "-1:30.5",  # sexagesimal float
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "2024-01-01",
    "2024-1-2",  # go-yaml's timestamp form: quoted to be safe
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "=",
    "<<",
    "0",
    "123",
    "-1",
    "+1",
    "08",  # go: strconv falls back to a float
    "99999999999999999999999",  # go: too big for int64, still a float
    "1.",
    ".5",
    " leading",
    "trailing ",
    " ",
    "-",
    "- item",
    "?",
    "? key",
    ":",
    ": value",
    ",comma",
    "[list",
    "]close",
    "{map",
    "}close",
    "#comment",
    "&anchor",
    "*alias",
    "!tag",
    "!",
    "|literal",
    ">folded",
    "'single",
    '"double',
    "%directive",
    "@at",
    "`backtick",
    "key: value",
    "text #comment",
    "ends with colon:",
    "---",
    "--- doc",
    "...",
    "tab\tinside",
    "ctl\x01char",
    "bell\x07",
    "nul\x00",
    "del\x7f",
    "nel\x85line",
    "line\u2028separator",
    "para\u2029separator",
    "\ufeffbom",
    "\uffff",
    "cr\rreturn",
    "it's: 'quoted'",
    'say "hi": now',
]

PLAIN = [
    "nginx",
    "registry.example.com/shop/app:1.4.0",
    "100m",
    "/healthz",
    "app.kubernetes.io/name",
    "128Mi",
    "1.4.0",
    "1.4.0-rc",
    "v1",
    "--port=8080",
    "-Xmx512m",
    "http://example.com:8080/path?q=1#frag",
    "a:b",
    "a#b",
    "a, b",
    "x[0]{1}",
    "hello world",
    "yesterday",
    "nullable",
    "0:30",
    "25%",
    "café ☕",
    "日本語",
    "it's",
    'say "hi"',
    "IfNotPresent",
    "shop-prod",
    "10.0.0.0/8",
]


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_ambiguous_strings_are_quoted_and_round_trip(text: str) -> None:
    out = dump_one({"k": text})
    assert out.startswith(("k: '", 'k: "')), out
    assert out.endswith("\n") and out.count("\n") == 1
    assert same(load(out), [{"k": text}])
    assert same(yaml.safe_load(out), {"k": text})  # the pure-Python reader agrees


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_ambiguous_strings_as_keys_and_items(text: str) -> None:
    doc = {text: [text, {text: text}]}
    out = dump_one(doc)
    assert same(load(out), [doc])


def test_the_table_is_big_enough() -> None:
    assert len(AMBIGUOUS) >= 40


@pytest.mark.parametrize("text", PLAIN)
def test_ordinary_strings_stay_plain(text: str) -> None:
    out = dump_one({"k": text})
    assert out == f"k: {text}\n"
    assert same(load(out), [{"k": text}])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "'yes'"),
        ("it's: x", "'it''s: x'"),
        (" ", "' '"),
        ("", "''"),
        ("tab\t", '"tab\\t"'),
        ('q"\\\x00\x07\x1b\x85\u2028\u2029\ufeff', '"q\\"\\\\\\0\\a\\e\\N\\L\\P\\uFEFF"'),
        ("\x01\x7f\uffff", '"\\x01\\x7F\\uFFFF"'),
        ("é😀", "é😀"),
    ],
)
def test_quote_style(text: str, expected: str) -> None:
    assert dump_one({"k": text}) == f"k: {expected}\n"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl on PATH")
def test_kubectl_reads_every_string_back(tmp_path: Path) -> None:
    # kubectl decodes a kubeconfig with go-yaml v2 into typed structs: a string field that
    # came out of YAML as a bool or number is an error, so this checks kubectl's own reading.
    strings = [s for s in AMBIGUOUS + PLAIN if s]  # an empty namespace is omitted by kubectl
    strings += ["multi\nline\n", " x\n  y", "a\n\n"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://example.com"}}],
        "users": [{"name": "u", "user": {}}],
        "contexts": [
            {"name": f"c{i}", "context": {"cluster": "c", "user": "u", "namespace": s}}
            for i, s in enumerate(strings)
        ],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(dump_one(config), encoding="utf-8")
    result = subprocess.run(
        ["kubectl", "config", "view", f"--kubeconfig={path}", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    # kubectl keeps contexts in a map: they come back sorted by name
    read = {c["name"]: c["context"]["namespace"] for c in json.loads(result.stdout)["contexts"]}
    assert read == {f"c{i}": s for i, s in enumerate(strings)}


# --------------------------------------------------------------------------------------------
# other scalars


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (0, "0"),
        (-42, "-42"),
        (10**30, "1000000000000000000000000000000"),
        (1.0, "1.0"),
        (-0.5, "-0.5"),
        (1e-05, "1.0e-05"),
        (1e16, "1.0e+16"),
        (2.5e-300, "2.5e-300"),
        (math.inf, ".inf"),
        (-math.inf, "-.inf"),
        (math.nan, ".nan"),
    ],
)
def test_non_string_scalars(value: Any, expected: str) -> None:
    out = dump_one({"k": value})
    assert out == f"k: {expected}\n"
    assert same(load(out), [{"k": value}])


def test_scalar_subclasses_are_written_as_their_base() -> None:
    class Str(str):
        def __str__(self) -> str:
            return "wrong"

    class Int(int):
        pass

    out = dump_one({"s": Str("on"), "i": Int(7), "t": ("a", 1)})
    assert out == "s: 'on'\ni: 7\nt:\n- a\n- 1\n"


def test_unsupported_values_raise_type_error() -> None:
    with pytest.raises(TypeError, match="set"):
        dump_one({"k": {1, 2}})
    with pytest.raises(TypeError, match="mapping"):
        dump_yaml([["not", "a", "mapping"]])  # type: ignore[list-item]


# --------------------------------------------------------------------------------------------
# canonical key order


def test_canonical_top_level_order() -> None:
    doc = {
        "spec": {"b": 1, "a": 2},
        "zeta": 1,
        "metadata": {"namespace": "n", "name": "x", "labels": {"b": "2", "a": "1"}},
        "data": {"z": "1"},
        "kind": "ConfigMap",
        "name": "top-level name is not special",
        "apiVersion": "v1",
    }
    out = canonical(doc)
    assert list(out) == ["apiVersion", "kind", "metadata", "data", "name", "spec", "zeta"]
    assert list(out["metadata"]) == ["name", "labels", "namespace"]
    assert list(out["metadata"]["labels"]) == ["a", "b"]
    assert list(out["spec"]) == ["a", "b"]


def test_canonical_nested_name_first_and_lists_kept() -> None:
    doc = {
        "kind": "Deployment",
        "spec": {
            "containers": [
                {"ports": [{"protocol": "TCP", "name": "http", "containerPort": 80}], "name": "b"},
                {"name": "a", "image": "x", "env": [{"value": "1", "name": "Z"}]},
            ],
        },
    }
    out = canonical(doc)
    first, second = out["spec"]["containers"]
    assert list(first) == ["name", "ports"]
    assert list(first["ports"][0]) == ["name", "containerPort", "protocol"]
    assert [c["name"] for c in out["spec"]["containers"]] == ["b", "a"]  # list order kept
    assert list(second) == ["name", "env", "image"]
    assert list(second["env"][0]) == ["name", "value"]


def test_canonical_is_a_plain_deep_copy() -> None:
    shared = {"b": 1, "a": [1, (2, 3)]}
    doc = OrderedDict(kind="X", spec=OrderedDict(one=shared, two=shared), tup=(shared,))
    out = canonical(doc)
    assert type(out) is dict
    assert type(out["spec"]) is dict
    assert out["tup"] == [{"a": [1, [2, 3]], "b": 1}]
    assert type(out["spec"]["one"]["a"][1]) is list
    assert out["spec"]["one"] is not shared
    assert out["spec"]["one"] is not out["spec"]["two"]
    out["spec"]["one"]["a"].append(9)
    assert shared == {"b": 1, "a": [1, (2, 3)]}  # the input is untouched


def test_canonical_is_idempotent_and_keeps_values() -> None:
    doc = {"kind": "K", "metadata": {"name": "n"}, "x": [{"b": None, "a": True, "c": 1.5}]}
    once = canonical(doc)
    assert canonical(once) == once == doc
    assert list(canonical(once)["x"][0]) == ["a", "b", "c"]


def test_canonical_mixed_key_types_do_not_crash() -> None:
    out = canonical({"kind": "K", "data": {2: "b", "1": "a", 1: "c"}})
    assert out["data"] == {2: "b", "1": "a", 1: "c"}
    assert canonical({"kind": "K", "data": {2: "b", "1": "a", 1: "c"}}) == out


# --------------------------------------------------------------------------------------------
# form


def test_sequences_are_not_indented_under_their_key() -> None:
    doc = {
        "spec": {
            "containers": [
                {"name": "app", "args": ["--a", "--b"], "ports": [{"containerPort": 80}]},
            ],
            "nested": [[1, [2, 3]], [], {}],
        },
    }
    assert dump_one(doc) == (
        "spec:\n"
        "  containers:\n"
        "  - name: app\n"
        "    args:\n"
        "    - --a\n"
        "    - --b\n"
        "    ports:\n"
        "    - containerPort: 80\n"
        "  nested:\n"
        "  - - 1\n"
        "    - - 2\n"
        "      - 3\n"
        "  - []\n"
        "  - {}\n"
    )


def test_shared_objects_give_no_anchors_or_aliases() -> None:
    labels = {"app": "web", "tier": ["a", "b"]}
    shared = {"metadata": {"labels": labels}, "spec": {"selector": labels, "x": [labels]}}
    copied = json.loads(json.dumps(shared))
    out = dump_one(shared)
    assert "&" not in out and "*" not in out
    assert out == dump_one(copied)
    assert load(out) == [copied]


def test_empty_collections_and_documents() -> None:
    assert dump_yaml([]) == ""
    assert dump_one({}) == "{}\n"
    assert dump_one({"a": {}, "b": [], "c": [{}]}) == "a: {}\nb: []\nc:\n- {}\n"


def test_documents_are_joined_by_separator_lines() -> None:
    out = dump_yaml(iter([{"a": 1}, {}, {"b": "x"}]))
    assert out == "a: 1\n---\n{}\n---\nb: x\n"
    assert load(out) == [{"a": 1}, {}, {"b": "x"}]
    assert not dump_one({"a": 1}).startswith("---")


def test_no_line_wrapping() -> None:
    long = " ".join(["word"] * 200)
    quoted = "yes " * 100 + "\x01"
    out = dump_one({"plain": long, "double": quoted, "list": [long]})
    assert out.count("\n") == 4
    assert load(out) == [{"plain": long, "double": quoted, "list": [long]}]


def test_long_keys_use_the_explicit_form() -> None:
    key = "k" * 1500
    doc = {"a": {key: {"b": [1]}, "c": 1}, "l": [{key: "v"}], key: ["x"]}
    out = dump_one(doc)
    assert f"  ? {key}\n  :\n" in out
    assert same(load(out), [doc])
    near = {"k" * 1000: 1, "j" * 1024: [2]}
    assert same(load(dump_one(near)), [near])


# --------------------------------------------------------------------------------------------
# multi-line strings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb", "k: |-\n  a\n  b\n"),
        ("a\nb\n", "k: |\n  a\n  b\n"),
        ("a\nb\n\n", "k: |+\n  a\n  b\n\n"),
        ("a\n\n  b\n", "k: |\n  a\n\n    b\n"),
        ("  indented\nnext", "k: |2-\n    indented\n  next\n"),
        ("\nleading blank\n", "k: |2\n\n  leading blank\n"),
        ("\n", "k: |2+\n\n"),
        (
            "# not a comment\n--- not a document\n",
            "k: |\n  # not a comment\n  --- not a document\n",
        ),
        ("trailing space \nb", 'k: "trailing space \\nb"\n'),
        ("ends in space\n ", 'k: "ends in space\\n "\n'),
        ("tab\tinside\n", 'k: "tab\\tinside\\n"\n'),
        ("cr\r\nlf", 'k: "cr\\r\\nlf"\n'),
        ("nel\x85\nx", 'k: "nel\\N\\nx"\n'),
    ],
)
def test_multi_line_strings(text: str, expected: str) -> None:
    out = dump_one({"k": text})
    assert out == expected
    assert load(out) == [{"k": text}]


def test_literal_blocks_inside_sequences_and_nested_maps() -> None:
    doc = {
        "data": {"nginx.conf": "server {\n  listen 80;\n}\n", "x": [" a\nb", ["c\nd\n\n"]]},
        "items": [{"script": "#!/bin/sh\necho hi\n", "name": "s"}],
    }
    out = dump_one(doc)
    assert out == (
        "data:\n"
        "  nginx.conf: |\n"
        "    server {\n"
        "      listen 80;\n"
        "    }\n"
        "  x:\n"
        "  - |2-\n"
        "     a\n"
        "    b\n"
        "  - - |+\n"
        "      c\n"
        "      d\n"
        "\n"
        "items:\n"
        "- script: |\n"
        "    #!/bin/sh\n"
        "    echo hi\n"
        "  name: s\n"
    )
    assert load(out) == [doc]


def test_keep_chomping_before_next_document() -> None:
    docs = [{"a": "x\n\n"}, {"b": "y\n\n\n"}]
    out = dump_yaml(docs)
    assert out == "a: |+\n  x\n\n---\nb: |+\n  y\n\n\n"
    assert load(out) == docs


def test_multi_line_keys_are_double_quoted() -> None:
    doc = {"a\nb": 1, "c\n": {"d\ne": "f\ng"}}
    out = dump_one(doc)
    assert out == '"a\\nb": 1\n"c\\n":\n  "d\\ne": |-\n    f\n    g\n'
    assert load(out) == [doc]


# --------------------------------------------------------------------------------------------
# a whole manifest

DEPLOYMENT = {
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "resources": {"requests": {"memory": "128Mi", "cpu": "100m"}},
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "image": "registry.example.com/shop/app-001:1.1.0",
                        "name": "app",
                        "env": [
                            {"name": "FEATURE_X", "value": "on"},
                            {"name": "MODE", "value": "0644"},
                            {"name": "RATIO", "value": "1e3"},
                            {"name": "VERSION", "value": "1.10"},
                        ],
                        "readinessProbe": {"httpGet": {"port": "http", "path": "/healthz"}},
                    }
                ]
            },
            "metadata": {"labels": {"env": "prod", "app.kubernetes.io/name": "app-001"}},
        },
        "selector": {"matchLabels": {"app.kubernetes.io/name": "app-001"}},
        "replicas": 3,
    },
    "metadata": {
        "namespace": "shop-prod",
        "labels": {"env": "prod", "app.kubernetes.io/name": "app-001"},
        "name": "app-001",
    },
    "kind": "Deployment",
    "apiVersion": "apps/v1",
}

DEPLOYMENT_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-001
  labels:
    app.kubernetes.io/name: app-001
    env: prod
  namespace: shop-prod
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: app-001
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-001
        env: prod
    spec:
      containers:
      - name: app
        env:
        - name: FEATURE_X
          value: 'on'
        - name: MODE
          value: '0644'
        - name: RATIO
          value: '1e3'
        - name: VERSION
          value: '1.10'
        image: registry.example.com/shop/app-001:1.1.0
        ports:
        - name: http
          containerPort: 8080
        readinessProbe:
          httpGet:
            path: /healthz
            port: http
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
"""


def test_deployment_exact_text() -> None:
    out = dump_one(canonical(DEPLOYMENT))
    assert out == DEPLOYMENT_YAML
    assert load(out) == [DEPLOYMENT]


def test_dump_does_not_reorder_keys() -> None:
    assert dump_one({"b": 1, "a": {"z": 1, "name": "x"}}) == "b: 1\na:\n  z: 1\n  name: x\n"


class _LayoutOracle(yaml.CSafeDumper):
    """libyaml configured as kubectl-style output, quoting left to it: a check on layout."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def test_same_layout_as_libyaml() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "annotations": {"a/b": "c"}},
        "spec": {"ports": [{"name": "http", "port": 80}], "selector": {"app": "web"}},
    }
    docs = [canonical(DEPLOYMENT), service, {"x": [[[]], {"a": [{}]}]}]
    expected = yaml.dump_all(
        docs,
        Dumper=_LayoutOracle,
        sort_keys=False,
        width=1 << 30,
        default_flow_style=False,
        allow_unicode=True,
    )
    # libyaml quotes by PyYAML's YAML 1.1 rules, which miss go-yaml's 1e3
    assert dump_yaml(docs) == expected.replace("value: 1e3", "value: '1e3'")


# --------------------------------------------------------------------------------------------
# JSON


def test_dump_json_is_one_v1_list() -> None:
    docs = [{"kind": "B", "apiVersion": "v1", "data": {"é": "ü", "n": 1}}, {"kind": "A"}]
    out = dump_json(docs)
    assert out.endswith("}\n")
    parsed = json.loads(out)
    assert list(parsed) == ["apiVersion", "kind", "items", "metadata"]
    assert parsed["apiVersion"] == "v1"
    assert parsed["kind"] == "List"
    assert parsed["metadata"] == {"resourceVersion": ""}
    assert parsed["items"] == docs
    assert list(parsed["items"][0]) == ["kind", "apiVersion", "data"]  # order as given
    assert '"é": "ü"' in out  # not \u-escaped
    assert out.startswith('{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n    {\n')


def test_dump_json_empty_and_generator() -> None:
    assert json.loads(dump_json(iter([]))) == {
        "apiVersion": "v1",
        "kind": "List",
        "items": [],
        "metadata": {"resourceVersion": ""},
    }


def test_dump_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        dump_json([{"x": math.nan}])


# --------------------------------------------------------------------------------------------
# properties

TRICKY = st.sampled_from(
    [
        *AMBIGUOUS,
        *PLAIN,
        "a\n",
        "\n",
        "\n\n",
        " x\n y",
        "x\n\n",
        "x\n \n",
        "\nx",
        "\t\n",
        "a\n- b",
        "k: |\n  v",
        "#\n#",
    ]
)
TEXT = st.one_of(
    st.text(),  # every code point but surrogates: unicode, control characters, NEL, BOM
    TRICKY,
    st.text(alphabet=" \n\t:#-?'\"|>.0123456789abeyn~", max_size=10),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    TEXT,
)
DATA = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(TEXT, children, max_size=4),
    ),
    max_leaves=25,
)
DOCS = st.dictionaries(TEXT, DATA, max_size=5)


@settings(derandomize=True, database=None, max_examples=300, deadline=None)
@given(DOCS)
def test_property_round_trip(doc: dict[str, Any]) -> None:
    out = dump_yaml([doc])
    assert same(load(out), [doc]), out
    assert out == dump_yaml([doc])


@settings(derandomize=True, database=None, max_examples=100, deadline=None)
@given(st.lists(DOCS, max_size=4))
def test_property_multi_document_round_trip(docs: list[dict[str, Any]]) -> None:
    out = dump_yaml(docs)
    assert same(load(out), docs), out
    assert out == dump_yaml(docs)
    assert out.count("---\n") >= max(len(docs) - 1, 0)


@settings(derandomize=True, database=None, max_examples=150, deadline=None)
@given(DOCS)
def test_property_canonical(doc: dict[str, Any]) -> None:
    out = canonical(doc)
    assert out == doc
    assert canonical(out) == out
    for mapping in _mappings(out):
        keys = list(mapping)
        if mapping is out:
            head = [k for k in ("apiVersion", "kind", "metadata") if k in mapping]
        else:
            head = ["name"] if "name" in mapping else []
        assert keys == head + sorted(k for k in keys if k not in head)


def _mappings(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found += _mappings(item)
    elif isinstance(value, list):
        for item in value:
            found += _mappings(item)
    return found


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "a", "b", "kind", "metadata"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, derandomize=True)
@given(st.dictionaries(st.sampled_from(["apiVersion", "kind", "metadata", "name", "x"]), _JSONISH))
def test_canonical_drops_nulls_as_drop_nulls_does(doc: dict[str, Any]) -> None:
    from kconfig.core.manifests import drop_nulls

    expected = canonical(drop_nulls(doc))
    got = canonical(doc, drop_nulls=True)
    assert got == expected
    assert list(_walk_keys(got)) == list(_walk_keys(expected))  # the same key order


def _walk_keys(value: Any) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_keys(item)
