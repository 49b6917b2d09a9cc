"""The input reader: YAML 1.1 scalars, positions, duplicate keys, and bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from kconfig.core.marked import MarkedList, MarkedMap, locate
from kconfig.errors import LoadError, SourcePos
from kconfig.load.reader import ReadLimits, load_mapping, parse_yaml


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on", True),
        ("off", False),
        ("yes", True),
        ("No", False),
        ("y", "y"),
        ("0644", 420),
        ("0x1F", 31),
        ("1e3", "1e3"),
        ("1.0e+3", 1000.0),
        ("1.10", 1.1),
        ("~", None),
        ("'on'", "on"),
        ('"0644"', "0644"),
        ("12:30", 750),
    ],
)
def test_yaml_1_1_scalars(text: str, value: object) -> None:
    # YAML 1.1 as kubectl reads it (go-yaml v2): `on` is a boolean, 0644 is octal, 12:30 is
    # sexagesimal. PyYAML follows 1.1 except for `y`/`n`, which it keeps as strings.
    doc = parse_yaml(f"k: {text}\n", "f.yaml")
    assert doc["k"] == value
    assert type(doc["k"]) is type(value)


def test_positions_of_keys_values_and_items() -> None:
    doc = parse_yaml("a:\n  b: 1\n  list:\n  - x\n  - {name: y}\n", "f.yaml")
    assert isinstance(doc, MarkedMap)
    assert doc["a"].pos("b") == SourcePos("f.yaml", 2, 6)
    assert doc["a"].key_pos("b") == SourcePos("f.yaml", 2, 3)
    items = doc["a"]["list"]
    assert isinstance(items, MarkedList)
    assert items.pos(1) == SourcePos("f.yaml", 5, 5)
    assert locate(doc, ("a", "list", 1, "name")) == SourcePos("f.yaml", 5, 12)
    # a path that leaves the document stops at the deepest node that exists
    assert locate(doc, ("a", "missing", "deeper")) == SourcePos("f.yaml", 2, 3)


def test_locate_stops_at_deepest_existing_node() -> None:
    doc = parse_yaml("a:\n  b: 1\n", "f.yaml")
    assert locate(doc, ("a", "b", "c")) == SourcePos("f.yaml", 2, 6)


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    with pytest.raises(LoadError) as err:
        parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    diag = err.value.diagnostics[0]
    assert diag.pos == SourcePos("f.yaml", 3, 1)
    assert "duplicate key 'a' (first defined at line 1)" in diag.message


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(LoadError, match="must be a string"):
        parse_yaml("1: a\n", "f.yaml")


def test_merge_keys_expand_with_explicit_keys_winning() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc["use"] == {"x": 1, "y": 3}


def test_alias_bomb_is_bounded() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(LoadError, match="alias bomb"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml", ReadLimits(max_nodes=100_000))


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(LoadError, match="nesting"):
        parse_yaml("a: " + "[" * 500 + "]" * 500 + "\n", "deep.yaml")


def test_syntax_error_is_located() -> None:
    with pytest.raises(LoadError) as err:
        parse_yaml("a: [1, 2\nb: 3\n", "f.yaml")
    assert err.value.diagnostics[0].pos is not None
    assert err.value.diagnostics[0].pos.path == "f.yaml"
    assert "invalid YAML" in err.value.diagnostics[0].message


def test_tabs_are_a_syntax_error() -> None:
    with pytest.raises(LoadError, match="invalid YAML"):
        parse_yaml("a:\n\tb: 1\n", "f.yaml")


def test_load_mapping_refuses_lists_scalars_and_bad_utf8(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("- a\n")
    with pytest.raises(LoadError, match="found a list"):
        load_mapping(f, "x.yaml")
    f.write_text("just text\n")
    with pytest.raises(LoadError, match="found a str scalar"):
        load_mapping(f, "x.yaml")
    f.write_bytes(b"a: \xff\n")
    with pytest.raises(LoadError, match="not valid UTF-8") as err:
        load_mapping(f, "x.yaml")
    assert err.value.diagnostics[0].pos == SourcePos("x.yaml", 1, 4)
    f.write_text("")
    assert load_mapping(f, "x.yaml") == {}


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    f.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(LoadError, match="over the 1000-byte limit"):
        load_mapping(f, "big.yaml", ReadLimits(max_bytes=1000))
