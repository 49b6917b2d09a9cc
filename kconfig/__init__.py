"""kconfig: layered, validated Kubernetes configuration for GitOps.

The Python API::

    import kconfig

    project = kconfig.Project.load("path/to/project")
    manifests = project.render("qa")            # list[kconfig.Manifest], in output order
    print(kconfig.dump_yaml(manifests))         # multi-document YAML, byte-stable
    values = project.values("qa", "frontend")   # merged values with provenance

Errors are :class:`KconfigError` subclasses carrying located diagnostics (see
``kconfig.errors`` for the tree).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kconfig._manifests import Manifest
from kconfig._project import Environment, Project
from kconfig._values import Values
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

__all__ = [
    "Diagnostic",
    "Environment",
    "KconfigError",
    "LoadError",
    "Manifest",
    "MergeError",
    "OutputError",
    "PatchError",
    "Project",
    "RenderError",
    "SourcePos",
    "UsageError",
    "ValidationError",
    "Values",
    "__version__",
    "dump_json",
    "dump_yaml",
]


def _bodies(manifests: Iterable[Manifest | Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    from kconfig._dump import canonical

    return [m.body if isinstance(m, Manifest) else canonical(m) for m in manifests]


def dump_yaml(manifests: Iterable[Manifest | Mapping[str, Any]]) -> str:
    """Multi-document YAML in the contract's form (canonical key order, YAML 1.1-safe)."""
    from kconfig._dump import dump_yaml as _dump

    return _dump(_bodies(manifests))


def dump_json(manifests: Iterable[Manifest | Mapping[str, Any]]) -> str:
    """One Kubernetes ``v1`` ``List`` object as JSON."""
    from kconfig._dump import dump_json as _dump

    return _dump(_bodies(manifests))
