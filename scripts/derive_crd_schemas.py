"""Derive kconfig's schemas of the secret kinds from the upstream CustomResourceDefinitions.

kconfig validates the ExternalSecrets and SealedSecrets it renders strictly, offline, with
the schemas this script writes to ``kconfig/schemas/`` (the package ships only those, never
the CRDs). Each is the CRD version's ``openAPIV3Schema`` made strict exactly as a ``crds:``
file of a project is (:func:`kconfig.check.schemas.crd_versions`: unknown fields refused,
int-or-string and nullable spelled in draft 2020-12), minus what kconfig never writes or
needs: descriptions and ``status``. ``metadata`` is checked against Kubernetes' ObjectMeta
by the schema store, as for every custom resource.

Run it again when upgrading (read the CRDs from a checkout, e.g. the ``fetch`` mirror)::

    git -C external-secrets show HEAD:$ES_CRD > es.yaml
    git -C sealed-secrets show HEAD:$SS_CRD > ss.yaml
    python scripts/derive_crd_schemas.py es.yaml@<commit> ss.yaml@<commit>

(``$ES_CRD`` and ``$SS_CRD``: the paths in :data:`WANTED`.)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from kconfig.check.schemas import crd_versions
from kconfig.core.schemadata import schema_id

_ES = "external-secrets/external-secrets config/crds/bases/external-secrets.io_externalsecrets.yaml"
OUT = Path(__file__).resolve().parents[1] / "kconfig" / "schemas"
# (group, kind, version) -> (schema file, upstream repository and path of the CRD)
WANTED = {
    ("external-secrets.io", "ExternalSecret", "v1"): (
        "externalsecret-v1.schema.json",
        _ES,
    ),
    ("external-secrets.io", "ExternalSecret", "v1beta1"): (
        "externalsecret-v1beta1.schema.json",
        _ES,
    ),
    ("bitnami.com", "SealedSecret", "v1alpha1"): (
        "sealedsecret.schema.json",
        "bitnami-labs/sealed-secrets helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml",
    ),
}


def _trim(node: Any) -> Any:
    """``node`` without descriptions (kconfig's messages do not quote them)."""
    if isinstance(node, dict):
        return {k: _trim(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_trim(item) for item in node]
    return node


def derive(crd: dict[str, Any], commit: str) -> dict[str, dict[str, Any]]:
    """File name -> schema, for every wanted version of one CRD document."""
    # A version no longer served (v1beta1 of recent External Secrets releases) still has
    # its schema; older clusters serve it, so kconfig can write it.
    for version in crd["spec"]["versions"]:
        version["served"] = True
    out = {}
    group = crd["spec"]["group"]
    for found in crd_versions(crd, "upstream CRD"):
        version = found.api_version.rpartition("/")[2]
        wanted = WANTED.get((group, found.kind, version))
        if wanted is None:
            continue
        name, source = wanted
        schema = _trim(found.schema)
        schema["properties"].pop("status", None)
        schema["properties"]["apiVersion"] = {"const": found.api_version}
        schema["properties"]["kind"] = {"const": found.kind}
        out[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": schema_id(name),
            "title": f"{found.kind} {found.api_version}",
            "description": (
                f"Derived by scripts/derive_crd_schemas.py from {source} at {commit}: the "
                "openAPIV3Schema made strict (unknown fields refused), without descriptions "
                "and status."
            ),
            **{k: v for k, v in schema.items() if k not in ("$schema", "$id")},
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crds", nargs="+", metavar="FILE@COMMIT")
    for arg in parser.parse_args().crds:
        path, _, commit = arg.partition("@")
        for doc in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")):
            for name, schema in derive(doc, commit or "an unknown commit").items():
                text = json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False)
                (OUT / name).write_text(text + "\n", encoding="utf-8")
                print(f"wrote kconfig/schemas/{name}")


if __name__ == "__main__":
    main()
