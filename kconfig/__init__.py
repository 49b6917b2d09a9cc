"""kconfig: layered, validated Kubernetes configuration for GitOps.

The Python API::

    import kconfig

    project = kconfig.Project.load("path/to/project")
    manifests = project.render("qa")            # list[kconfig.Manifest], validated, in order
    print(kconfig.dump_yaml(manifests))         # multi-document YAML, byte-stable
    values = project.values("qa", "frontend")   # merged values with provenance

Errors are :class:`KconfigError` subclasses carrying located diagnostics (see
``kconfig.errors`` for the tree). Every type a public method returns is importable from
here and listed in ``__all__``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kconfig._version import __version__
from kconfig.errors import (
    Diagnostic,
    KconfigError,
    LoadError,
    MergeError,
    OutputError,
    PatchError,
    RenderError,
    SourcePos,
    UsageError,
    ValidationError,
)

if TYPE_CHECKING:
    from kconfig.check.semantic import Check
    from kconfig.check.validate import Report
    from kconfig.core.manifests import Manifest
    from kconfig.core.merge import Merged, Origin
    from kconfig.daytwo.bluegreen import SwitchResult
    from kconfig.daytwo.diff import EnvDiff, ManifestDiff
    from kconfig.daytwo.edit import Change, EditResult, FileEdit
    from kconfig.daytwo.explain import Explanation, Leaf, Setting
    from kconfig.daytwo.promote import PromoteResult
    from kconfig.load.config import Limits, ProjectConfig
    from kconfig.load.environments import Environment
    from kconfig.output.branches import BranchCommit
    from kconfig.output.writer import FileDiff, OutputDir, UnitResult
    from kconfig.project import Project
    from kconfig.run.build import BuildResult
    from kconfig.run.recipe import Rendered
    from kconfig.values.layers import Layer, Patch, Values

# Loaded on first use (PEP 562): `kconfig --version` and `kconfig --help` must not pay for
# YAML, deepmerge and the rest of the pipeline. The names are imported above for type
# checkers, which never see __getattr__ (so `kconfig.Projcet` is an error to them).
_LAZY = {
    "BranchCommit": "kconfig.output.branches",
    "BuildResult": "kconfig.run.build",
    "Change": "kconfig.daytwo.edit",
    "Check": "kconfig.check.semantic",
    "EditResult": "kconfig.daytwo.edit",
    "EnvDiff": "kconfig.daytwo.diff",
    "Environment": "kconfig.load.environments",
    "Explanation": "kconfig.daytwo.explain",
    "FileDiff": "kconfig.output.writer",
    "FileEdit": "kconfig.daytwo.edit",
    "Layer": "kconfig.values.layers",
    "Leaf": "kconfig.daytwo.explain",
    "Limits": "kconfig.load.config",
    "Manifest": "kconfig.core.manifests",
    "ManifestDiff": "kconfig.daytwo.diff",
    "Merged": "kconfig.core.merge",
    "Origin": "kconfig.core.merge",
    "OutputDir": "kconfig.output.writer",
    "Patch": "kconfig.values.layers",
    "Project": "kconfig.project",
    "ProjectConfig": "kconfig.load.config",
    "PromoteResult": "kconfig.daytwo.promote",
    "Rendered": "kconfig.run.recipe",
    "Report": "kconfig.check.validate",
    "Setting": "kconfig.daytwo.explain",
    "SwitchResult": "kconfig.daytwo.bluegreen",
    "UnitResult": "kconfig.output.writer",
    "Values": "kconfig.values.layers",
}

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'kconfig' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


__all__ = [
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
    "SwitchResult",
    "UnitResult",
    "UsageError",
    "ValidationError",
    "Values",
    "__version__",
    "dump_json",
    "dump_yaml",
    "input_checks",
    "kubernetes_versions",
    "semantic_checks",
]


def _bodies(manifests: Iterable[Manifest | Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    from kconfig.core.dump import canonical
    from kconfig.core.manifests import Manifest

    return [m.body if isinstance(m, Manifest) else canonical(m) for m in manifests]


def dump_yaml(manifests: Iterable[Manifest | Mapping[str, Any]]) -> str:
    """Multi-document YAML in the contract's form (canonical key order, YAML 1.1-safe)."""
    from kconfig.core.dump import dump_yaml as _dump

    return _dump(_bodies(manifests))


def dump_json(manifests: Iterable[Manifest | Mapping[str, Any]]) -> str:
    """One Kubernetes ``v1`` ``List`` object as JSON."""
    from kconfig.core.dump import dump_json as _dump

    return _dump(_bodies(manifests))


def kubernetes_versions() -> tuple[str, ...]:
    """The Kubernetes versions kconfig has schemas for (``kubernetesVersion`` values): those
    of the installed kubernetes-validate package, oldest first."""
    from kconfig.check.schemas import available_versions

    return tuple(available_versions())


def input_checks() -> tuple[tuple[str, str, str], ...]:
    """The rules on input files beyond their schemas, and the values-level rules that stop a
    render (strategies KC123, KC200-KC225; platform objects KC181, KC185-KC188), (id, severity,
    summary) each, as ``kconfig validate --list-checks`` lists them after the semantic checks."""
    from kconfig.load.inputs import INPUT_CHECKS
    from kconfig.render import platform, strategies

    planning = {**strategies.CHECKS, **platform.CHECKS}
    return (*INPUT_CHECKS, *((code, "error", planning[code]) for code in sorted(planning)))


def semantic_checks() -> tuple[Check, ...]:
    """The semantic checks (id, severity, summary), as ``kconfig validate --list-checks``."""
    from kconfig.check.registry import CHECKS

    return tuple(CHECKS)
