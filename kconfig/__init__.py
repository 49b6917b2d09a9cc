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
    from kconfig.core.manifests import Manifest
    from kconfig.load.project import Environment, Project
    from kconfig.values.layers import Values

# Loaded on first use (PEP 562): `kconfig --version` and `kconfig --help` must not pay for
# YAML, deepmerge and the rest of the pipeline.
_LAZY = {
    "Manifest": "kconfig.core.manifests",
    "Environment": "kconfig.load.project",
    "Project": "kconfig.load.project",
    "Values": "kconfig.values.layers",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kconfig' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
