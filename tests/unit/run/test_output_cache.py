"""The build cache's per-app output verdicts (kconfig.run.cache.AppCache, CachedOutputs in
kconfig.check.validate): after any sequence of edits, a cached ``validate`` reports exactly
what a run without the cache reports, byte for byte, per-app and cross-app findings alike."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from kconfig.errors import Diagnostic
from kconfig.load.sources import load_sources
from kconfig.run.validate import validate_environments
from tests.conftest import write_tree

APPS = ("api", "web", "db")
BASE = (
    "image: {{repository: registry.example.com/shop/{app}, tag: '1.0.0'}}\n"
    "port: 8080\nresources: {{requests: {{cpu: 100m, memory: 64Mi}}}}\n"
)
FILES = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, e2e, prod]\n",
    "overlays/qa/env.yaml": "domain: qa.example.com\nlabels: {env: qa}\n",
    "overlays/e2e/env.yaml": "extends: qa\ndomain: e2e.example.com\nlabels: {env: e2e}\n",
    "overlays/prod/env.yaml": "domain: example.com\nlabels: {env: prod}\n",
    **{f"bases/{app}/app.yaml": BASE.format(app=app) for app in APPS},
}
COMMON = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: common}\ndata: {a: '1'}\n"
BAD_LABEL = (
    "patches:\n- target: {kind: Service, name: {app}}\n"
    "  patch: {metadata: {labels: {team: 'not a label!'}}}\n"
)
UNKNOWN_FIELD = "patches:\n- target: {kind: Deployment, name: {app}}\n  patch: {spec: {bogus: 1}}\n"


def _edit(root: Path, edit: str, app: str, env: str) -> None:
    """One edit of the project: each one leads to findings of a different kind (per app:
    KC106, KC107, KC111, KC112, KC092; across apps: KC104, KC159) or to none."""
    base = root / f"bases/{app}/app.yaml"
    overlay = f"overlays/{env}/{app}.yaml"
    files: Mapping[str, str | None] = {
        "tag": {overlay: "image: {tag: latest}\n"},
        "no-requests": {f"bases/{app}/app.yaml": BASE.format(app=app).rsplit("resources", 1)[0]},
        "secret-env": {overlay: "env: {DB_PASSWORD: hunter2}\n"},
        "bad-label": {overlay: BAD_LABEL.replace("{app}", app)},
        "unknown-field": {overlay: UNKNOWN_FIELD.replace("{app}", app)},
        "host-clash": {overlay: "ingress: {enabled: true, host: shop.example.com}\n"},
        "duplicate": {f"bases/{app}/templates/common.yaml.j2": COMMON},
        "replicas": {overlay: "replicas: 3\n"},
        "revert-overlay": {overlay: None},
        "revert-base": {f"bases/{app}/app.yaml": BASE.format(app=app)},
    }[edit]
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink(missing_ok=True)
        else:
            write_tree(root, {rel: text})
    assert base.exists()


def _report(root: Path, *, cache: bool, strict: bool) -> tuple[list[str], str]:
    diags: list[Diagnostic] = validate_environments(
        load_sources(root), strict=strict, cache=cache
    ).diagnostics
    return [d.format() for d in diags], json.dumps([d.to_dict() for d in diags])


EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "tag",
                "no-requests",
                "secret-env",
                "bad-label",
                "unknown-field",
                "host-clash",
                "duplicate",
                "replicas",
                "revert-overlay",
                "revert-base",
            ]
        ),
        st.sampled_from(APPS),
        st.sampled_from(["qa", "e2e", "prod"]),
    ),
    min_size=1,
    max_size=5,
)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(EDITS, st.booleans())
def test_cached_reports_are_the_uncached_ones(
    edits: list[tuple[str, str, str]], strict: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"XDG_CACHE_HOME": str(Path(tmp) / "xdg"), "KCONFIG_JOBS": "1"}
        with mock.patch.dict(os.environ, env):
            os.environ.pop("KCONFIG_NO_USER_CACHE", None)
            root = write_tree(Path(tmp) / "p", FILES)
            _report(root, cache=True, strict=strict)  # warm
            for edit, app, where in edits:
                _edit(root, edit, app, where)
                cached = _report(root, cache=True, strict=strict)
                assert cached == _report(root, cache=False, strict=strict), (edit, app)
                # and again from a cache that now holds every app's verdict
                assert _report(root, cache=True, strict=strict) == cached


def test_a_one_app_change_rewrites_one_shard(tmp_path: Path) -> None:
    """The app cache of an environment is kept in shards: a one-app change signs and writes
    the shard of that app only (each write is a new file renamed over the old one)."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "KCONFIG_JOBS": "1"}
    apps = {f"bases/app-{i}/app.yaml": BASE.format(app=f"app-{i}") for i in range(12)}
    with mock.patch.dict(os.environ, env):
        os.environ.pop("KCONFIG_NO_USER_CACHE", None)
        root = write_tree(tmp_path / "p", {**FILES, **apps})
        _report(root, cache=True, strict=False)
        (folder,) = (root / ".kconfig-cache").glob("*/apps/qa")
        before = {p.name: p.stat().st_ino for p in folder.iterdir()}
        assert len(before) > 1
        write_tree(root, {"overlays/qa/app-3.yaml": "replicas: 3\n"})
        _report(root, cache=True, strict=False)
        after = {p.name: p.stat().st_ino for p in folder.iterdir()}
    assert after.keys() == before.keys()
    assert len([name for name in after if after[name] != before[name]]) == 1
