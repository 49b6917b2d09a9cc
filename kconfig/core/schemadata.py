"""kconfig's own JSON Schemas (draft 2020-12), shipped as package data in ``kconfig/schemas/``.

Input schemas: ``kconfig.schema.json`` (kconfig.yaml), ``env.schema.json``
(overlays/<env>/env.yaml), ``app.schema.json`` (app values: bases, overlays, ``defaults``),
``component.schema.json``. Output schemas for the custom resources kconfig writes:
``rollout.schema.json``, ``analysistemplate.schema.json``, ``argocd-application.schema.json``,
``argocd-applicationset.schema.json``; derived from the upstream CRDs by
``scripts/derive_crd_schemas.py``: ``externalsecret-v1.schema.json``,
``externalsecret-v1beta1.schema.json``, ``sealedsecret.schema.json``; and by
``tools/crd_schemas.py``: ``istio-virtualservice.schema.json`` and
``gatewayapi-httproute.schema.json``.

Every schema has the ``$id`` ``https://kconfig.dev/schemas/<file name>`` and refers to the
others by relative file name (``"$ref": "app.schema.json"``), so they resolve offline once all
are registered: :func:`schema_registry` for ``jsonschema``, and :func:`schema_resources` as
``(uri, schema)`` pairs for ``jsonschema_rs.Registry``. This module only reads; compiling the
validators once is the schema store's job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from referencing import Registry

__all__ = [
    "SCHEMA_BASE_URI",
    "SCHEMA_NAMES",
    "load_schema",
    "schema_id",
    "schema_registry",
    "schema_resources",
]

_SCHEMA_DIR: Final = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_BASE_URI: Final = "https://kconfig.dev/schemas/"

SCHEMA_NAMES: Final[tuple[str, ...]] = (
    "kconfig.schema.json",
    "env.schema.json",
    "app.schema.json",
    "component.schema.json",
    "rollout.schema.json",
    "analysistemplate.schema.json",
    "argocd-application.schema.json",
    "argocd-applicationset.schema.json",
    "externalsecret-v1.schema.json",
    "externalsecret-v1beta1.schema.json",
    "sealedsecret.schema.json",
    "istio-virtualservice.schema.json",
    "gatewayapi-httproute.schema.json",
)


def schema_id(name: str) -> str:
    """The ``$id`` of the schema file ``name``: ``https://kconfig.dev/schemas/<name>``."""
    return SCHEMA_BASE_URI + name


def load_schema(name: str) -> dict[str, Any]:
    """Read ``kconfig/schemas/<name>``: one of :data:`SCHEMA_NAMES`, a fresh dict per call."""
    if name not in SCHEMA_NAMES:
        known = ", ".join(SCHEMA_NAMES)
        raise ValueError(f"unknown kconfig schema {name!r}; known: {known}")
    # Beside this module, as the built-in templates are (see ``backends.builtin_dir``).
    text = (_SCHEMA_DIR / name).read_text(encoding="utf-8")
    schema = json.loads(text)
    if not isinstance(schema, dict):
        raise TypeError(f"kconfig schema {name} is not a JSON object")
    return schema


def schema_resources() -> list[tuple[str, dict[str, Any]]]:
    """``(uri, schema)`` for every kconfig schema, e.g. for ``jsonschema_rs.Registry``."""
    return [(schema_id(name), load_schema(name)) for name in SCHEMA_NAMES]


def schema_registry() -> Registry[Any]:
    """A ``referencing.Registry`` holding every kconfig schema under its ``$id``."""
    # Imported here: referencing costs ~40 ms, and the fast path (jsonschema-rs) never needs it.
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    pairs: list[tuple[str, Resource[Any]]] = [
        (uri, DRAFT202012.create_resource(schema)) for uri, schema in schema_resources()
    ]
    registry: Registry[Any] = Registry().with_resources(pairs)
    return registry.crawl()
