"""The merge engine: every contract rule, provenance, and hypothesis properties."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kconfig.core.merge import is_named_list, merge_layers
from kconfig.errors import SourcePos
from kconfig.load.reader import parse_yaml


def layer(text: str, source: str = "layer.yaml") -> Any:
    return parse_yaml(text, source)


def test_mappings_merge_recursively() -> None:
    out = merge_layers([{"a": {"b": 1, "c": 2}}, {"a": {"c": 3, "d": 4}}]).data
    assert out == {"a": {"b": 1, "c": 3, "d": 4}}


def test_scalars_and_lists_replace() -> None:
    out = merge_layers([{"x": 1, "args": ["a", "b"]}, {"x": 2, "args": ["c"]}]).data
    assert out == {"x": 2, "args": ["c"]}


def test_list_of_steps_is_replaced_not_appended() -> None:
    # FACTS.md: deepmerge's always_merger would append 2 + 4 canary steps into 6.
    base = {"steps": [{"setWeight": 10}, {"pause": {}}]}
    nxt = {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]}
    assert merge_layers([base, nxt]).data == nxt


def test_named_lists_merge_by_name_and_append_new() -> None:
    base = {
        "sidecars": [{"name": "a", "image": "a:1", "args": ["x"]}, {"name": "b", "image": "b:1"}]
    }
    nxt = {"sidecars": [{"name": "c", "image": "c:1"}, {"name": "a", "image": "a:2"}]}
    out = merge_layers([base, nxt]).data
    assert out == {
        "sidecars": [
            {"name": "a", "image": "a:2", "args": ["x"]},
            {"name": "b", "image": "b:1"},
            {"name": "c", "image": "c:1"},
        ]
    }


def test_null_deletes_keys_at_any_depth() -> None:
    base = {"probes": {"liveness": {"path": "/l"}, "readiness": {"path": "/r"}}, "x": 1}
    out = merge_layers([base, {"probes": {"liveness": None}, "x": None}]).data
    assert out == {"probes": {"readiness": {"path": "/r"}}}


def test_null_for_missing_key_is_harmless() -> None:
    assert merge_layers([{"a": 1}, {"b": None}]).data == {"a": 1}


def test_type_change_replaces() -> None:
    assert merge_layers([{"a": {"b": 1}}, {"a": 5}]).data == {"a": 5}
    assert merge_layers([{"a": 5}, {"a": {"b": 1}}]).data == {"a": {"b": 1}}


def test_empty_list_clears_named_list() -> None:
    assert merge_layers([{"s": [{"name": "a"}]}, {"s": []}]).data == {"s": []}


def test_inputs_are_never_modified_or_shared() -> None:
    base = {"a": {"b": [1, 2]}, "s": [{"name": "x", "v": 1}]}
    nxt = {"a": {"c": 1}, "s": [{"name": "x", "v": 2}]}
    before = copy.deepcopy((base, nxt))
    out = merge_layers([base, nxt]).data
    assert (base, nxt) == before
    out["a"]["b"].append(3)
    assert base["a"]["b"] == [1, 2]


def test_provenance_records_history_lowest_first() -> None:
    a = layer("replicas: 1\nimage:\n  tag: '1.0'\n", "bases/web/app.yaml")
    b = layer("replicas: 3\n", "overlays/prod/web.yaml")
    merged = merge_layers([a, b])
    hist = merged.provenance[("replicas",)]
    assert [(o.pos, o.value) for o in hist] == [
        (SourcePos("bases/web/app.yaml", 1, 11), 1),
        (SourcePos("overlays/prod/web.yaml", 1, 11), 3),
    ]
    assert merged.origin(("image", "tag")) == SourcePos("bases/web/app.yaml", 3, 8)


def test_provenance_of_named_list_items_uses_result_index() -> None:
    a = layer("sidecars:\n- name: m\n  image: m:1\n", "base.yaml")
    b = layer("sidecars:\n- name: n\n  image: n:1\n- name: m\n  image: m:2\n", "over.yaml")
    merged = merge_layers([a, b])
    assert merged.data["sidecars"][0]["image"] == "m:2"
    assert [o.pos.path for o in merged.provenance[("sidecars", 0, "image")]] == [
        "base.yaml",
        "over.yaml",
    ]
    assert merged.origin(("sidecars", 1, "image")) == SourcePos("over.yaml", 3, 10)


def test_provenance_forgets_deleted_subtrees() -> None:
    a = layer("probes:\n  liveness: {path: /l}\n", "a.yaml")
    b = layer("probes:\n  liveness: null\n", "b.yaml")
    merged = merge_layers([a, b])
    assert not any(k[:2] == ("probes", "liveness") for k in merged.provenance)


def test_is_named_list() -> None:
    assert is_named_list([{"name": "a"}])
    assert not is_named_list([])
    assert not is_named_list([{"name": "a"}, {"image": "b"}])
    assert not is_named_list(["a"])


# -- properties -------------------------------------------------------------------------
_keys = st.sampled_from(["a", "b", "c", "name", "image", "tag", "x"])
_scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.text("xyz", max_size=3))


def _values(depth: int = 3) -> st.SearchStrategy[Any]:
    if depth == 0:
        return _scalars
    inner = _values(depth - 1)
    named = st.lists(
        st.fixed_dictionaries({"name": st.sampled_from(["p", "q", "r"])}, optional={"v": inner}),
        min_size=1,
        max_size=3,
        unique_by=lambda d: d["name"],
    )
    return st.one_of(
        _scalars,
        st.lists(_scalars, max_size=3),
        named,
        st.dictionaries(_keys, inner, max_size=4),
    )


_layers = st.dictionaries(_keys, _values(), max_size=5)
_with_nulls = st.dictionaries(_keys, st.one_of(st.none(), _values()), max_size=5)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> set[tuple[Any, ...]]:
    if isinstance(value, dict):
        if not value:
            return {path}
        out: set[tuple[Any, ...]] = set()
        for k, v in value.items():
            out |= _leaves(v, (*path, k))
        return out
    if is_named_list(value):
        out = set()
        for i, v in enumerate(value):
            out |= _leaves(v, (*path, i))
        return out
    return {path}


@settings(derandomize=True, max_examples=200)
@given(_layers)
def test_merging_an_empty_layer_changes_nothing(base: dict[str, Any]) -> None:
    once = merge_layers([base]).data
    assert merge_layers([base, {}]).data == once
    assert merge_layers([{}, base]).data == once


@settings(derandomize=True, max_examples=200)
@given(_layers, _layers)
def test_merging_a_layer_onto_itself_is_idempotent(
    base: dict[str, Any], top: dict[str, Any]
) -> None:
    once = merge_layers([base, top]).data
    assert merge_layers([base, top, top]).data == once


@settings(derandomize=True, max_examples=200)
@given(_layers, _with_nulls)
def test_null_always_deletes_and_overlay_wins(base: dict[str, Any], top: dict[str, Any]) -> None:
    out = merge_layers([base, top]).data
    for key, value in top.items():
        if value is None:
            assert key not in out
        elif not isinstance(value, dict) and not is_named_list(value):
            assert out[key] == value  # a scalar or plain list from the top layer wins
    for key, value in base.items():
        if key not in top:
            assert out[key] == merge_layers([{key: value}]).data[key]  # base kept


@settings(derandomize=True, max_examples=200)
@given(_layers, _layers)
def test_named_lists_keep_order_and_unique_names(base: dict[str, Any], top: dict[str, Any]) -> None:
    out = merge_layers([base, top]).data
    for key, value in out.items():
        if is_named_list(value):
            names = [item["name"] for item in value]
            assert len(names) == len(set(names))
            before = base.get(key)
            if is_named_list(before) and is_named_list(top.get(key)):
                assert names[: len(before)] == [item["name"] for item in before]


@settings(derandomize=True, max_examples=200)
@given(_layers, _with_nulls)
def test_provenance_is_complete_and_points_at_the_last_setter(
    base: dict[str, Any], top: dict[str, Any]
) -> None:
    # Marked layers (through the loader) so every leaf has a position.
    la = parse_yaml(json.dumps(base), "a.yaml")
    lb = parse_yaml(json.dumps(top), "b.yaml")
    merged = merge_layers([la, lb])
    assert _leaves(merged.data) - {()} <= set(merged.provenance) | {()}
    paths = set(merged.provenance)
    for path in paths:  # only leaves carry a history: no recorded path is inside another
        assert not any(other[: len(path)] == path and other != path for other in paths)
    for path, history in merged.provenance.items():
        assert history
        node: Any = merged.data
        for part in path:
            node = node[part]
        assert history[-1].value == node


@settings(derandomize=True, max_examples=100)
@given(_layers, _layers)
def test_merge_is_pure(base: dict[str, Any], top: dict[str, Any]) -> None:
    snapshot = copy.deepcopy((base, top))
    first = merge_layers([base, top]).data
    assert (base, top) == snapshot
    assert merge_layers([base, top]).data == first
    # key order: the base's keys in their order, then keys new in the top layer
    deleted = {k for k, v in top.items() if v is None}
    expected = [k for k in dict.fromkeys([*base, *top]) if k not in deleted]
    assert list(first) == expected
