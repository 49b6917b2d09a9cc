"""The public surface: pinned names, and a light ``import kconfig``."""

from __future__ import annotations

import subprocess
import sys

import kconfig

PUBLIC = [
    "BranchCommit",
    "BuildResult",
    "Change",
    "Check",
    "Diagnostic",
    "EditResult",
    "EnvDiff",
    "Environment",
    "Explanation",
    "FileDiff",
    "FileEdit",
    "KconfigError",
    "Layer",
    "Leaf",
    "Limits",
    "LoadError",
    "Manifest",
    "ManifestDiff",
    "MergeError",
    "Merged",
    "Origin",
    "OutputDir",
    "OutputError",
    "Patch",
    "PatchError",
    "Project",
    "ProjectConfig",
    "PromoteResult",
    "RenderError",
    "Rendered",
    "Report",
    "Setting",
    "SourcePos",
    "UnitResult",
    "UsageError",
    "ValidationError",
    "Values",
    "__version__",
    "dump_json",
    "dump_yaml",
    "kubernetes_versions",
    "semantic_checks",
]


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert sorted(kconfig.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(kconfig, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        kconfig.nope  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as err:
        assert "nope" in str(err)
    else:  # pragma: no cover
        raise AssertionError("kconfig.nope resolved")


def test_import_kconfig_loads_no_pipeline_library() -> None:
    code = (
        "import sys, kconfig\n"
        "heavy = ('yaml', 'deepmerge', 'jinja2', '_jsonnet', 'jsonschema_rs', 'ruamel')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
