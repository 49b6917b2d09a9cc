"""KC115: an object's annotations (keys and values, in UTF-8 bytes) add up to at most 256 KiB,
the limit Kubernetes enforces; reported at the values line that wrote the largest one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kconfig.check.semantic import ANNOTATIONS_LIMIT, CHECKS, CheckContext, check_annotation_size
from kconfig.core.manifests import Manifest
from kconfig.errors import SourcePos, ValidationError
from kconfig.load.sources import load_sources
from kconfig.render.pipeline import RenderOptions
from kconfig.run.recipe import render_validated
from tests.conftest import MINIMAL, write_tree

NS = "shop-qa"
KEY = "example.com/notes"  # 17 bytes


def _m(
    kind: str, annotations: dict[str, Any] | None, origin: str = "kconfig:t.j2", **body: Any
) -> Manifest:
    meta: dict[str, Any] = {"name": "web", "namespace": NS}
    if annotations is not None:
        meta["annotations"] = annotations
    return Manifest(
        {"apiVersion": "v1", "kind": kind, "metadata": meta, **body}, "qa", "web", SourcePos(origin)
    )


def _found(*manifests: Manifest) -> list[tuple[tuple[str | int, ...], tuple[Any, ...], bool]]:
    ctx = CheckContext("qa", NS, list(manifests), False, False)
    return [(f.field, f.values, f.anchor_base) for f in check_annotation_size(ctx)]


def test_the_check_is_listed() -> None:
    (check,) = [c for c in CHECKS if c.id == "KC115"]
    assert (check.severity, check.run) == ("error", check_annotation_size)
    assert ANNOTATIONS_LIMIT == 262144


def test_the_limit_counts_keys_and_values_in_bytes() -> None:
    at_limit = {KEY: "x" * (ANNOTATIONS_LIMIT - len(KEY))}
    assert _found(_m("ConfigMap", at_limit)) == []
    over = {KEY: "x" * (ANNOTATIONS_LIMIT - len(KEY) + 1)}
    assert _found(_m("ConfigMap", over)) == [
        (("metadata", "annotations", KEY), (("annotations", KEY),), True)
    ]
    # "é" is one character but two bytes, as the API server counts.
    wide = {KEY: "é" * ((ANNOTATIONS_LIMIT - len(KEY)) // 2 + 1)}
    assert len(KEY) + len(wide[KEY]) < ANNOTATIONS_LIMIT
    assert len(_found(_m("ConfigMap", wide))) == 1
    # Many small ones add up; the largest is named.
    many = {f"a{i}": "y" * 1000 for i in range(262)}
    many["big"] = "z" * 2000
    ctx = CheckContext("qa", NS, [_m("ConfigMap", many)], False, False)
    (finding,) = check_annotation_size(ctx)
    total = sum(len(k) + len(v) for k, v in many.items())
    assert finding.message == (
        f"annotations add up to {total} bytes (keys and values), over the 262144 (256 KiB) "
        "Kubernetes accepts on one object; the largest is 'big' (2003 bytes)"
    )


def test_no_or_empty_annotations_are_fine() -> None:
    assert _found(_m("ConfigMap", None), _m("ConfigMap", {}), _m("Namespace", None)) == []


def test_each_object_and_pod_template_is_counted_alone() -> None:
    half = {KEY: "x" * (ANNOTATIONS_LIMIT // 2)}
    pod = {"metadata": {"annotations": {KEY: "p" * ANNOTATIONS_LIMIT}}, "spec": {"containers": []}}
    deploy = _m("Deployment", half, spec={"template": pod})
    deploy = Manifest({**deploy.body, "apiVersion": "apps/v1"}, "qa", "web", deploy.origin)
    assert _found(deploy, _m("Service", half), _m("Ingress", half)) == [
        (("spec", "template", "metadata", "annotations", KEY), (("podAnnotations", KEY),), True)
    ]
    big = {KEY: "x" * ANNOTATIONS_LIMIT}
    assert [values for _, values, _ in _found(_m("Service", big), _m("Ingress", big))] == [
        (("service", "annotations", KEY),),
        (("ingress", "annotations", KEY),),
    ]


def test_a_custom_template_is_its_own_place_to_fix() -> None:
    big = {KEY: "x" * ANNOTATIONS_LIMIT}
    assert _found(_m("ConfigMap", big, origin="bases/web/templates/notes.yaml.j2")) == [
        (("metadata", "annotations", KEY), (("annotations", KEY),), False)
    ]


@pytest.mark.parametrize("backend", ["jinja", "jsonnet"])
def test_reported_at_the_overlay_line_that_wrote_it(tmp_path: Path, backend: str) -> None:
    overlay = (
        "# qa: release notes in an annotation\n"
        f'annotations:\n  small: x\n  {KEY}: "{"n" * ANNOTATIONS_LIMIT}"\n'
        f"podAnnotations: {{{KEY}: short}}\n"
    )
    root = write_tree(tmp_path / "p", {**MINIMAL, "overlays/qa/web.yaml": overlay})
    options = RenderOptions(backend=backend)
    with pytest.raises(ValidationError) as caught:
        render_validated(load_sources(root), "qa", options)
    (diag,) = [d for d in caught.value.diagnostics if d.code == "KC115"]
    assert diag.format() == (
        f"overlays/qa/web.yaml:4:22: error: Deployment/web (qa): metadata.annotations.{KEY}: "
        f"annotations add up to {ANNOTATIONS_LIMIT + len(KEY) + 6} bytes (keys and "
        "values), over the 262144 (256 KiB) Kubernetes accepts on one object; the largest "
        f"is '{KEY}' ({ANNOTATIONS_LIMIT + len(KEY)} bytes) [rendered by "
        f"kconfig:templates/{backend}/deployment.{'json.j2' if backend == 'jinja' else 'jsonnet'}"
        " from this value] [KC115]"
    )
