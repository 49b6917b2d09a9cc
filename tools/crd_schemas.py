"""Derive kconfig's stored schemas for the mesh routing kinds from the upstream CRDs.

    python tools/crd_schemas.py ISTIO_CRDS GATEWAY_HTTPROUTE_CRD ISTIO_REF GATEWAY_REF

``ISTIO_CRDS`` is istio/istio ``manifests/charts/base/files/crd-all.gen.yaml``,
``GATEWAY_HTTPROUTE_CRD`` kubernetes-sigs/gateway-api
``config/crd/standard/gateway.networking.k8s.io_httproutes.yaml``; the two refs (commits) are
recorded in each schema's ``$comment``. Each served version's ``openAPIV3Schema`` is made
strict exactly as kconfig makes a ``crds:`` file strict
(:func:`kconfig.check.schemas.crd_versions`: unknown fields refused unless
``x-kubernetes-preserve-unknown-fields``; CEL rules and formats left to the server), then
``description`` texts are dropped (they are most of the bytes and validate nothing). The
versions of one kind share one schema when upstream's are equal (Istio serves v1alpha3,
v1beta1 and v1 with one schema). Writes ``kconfig/schemas/<file>`` for each kind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kconfig.check.schemas import load_crd_file

OUT = Path(__file__).resolve().parents[1] / "kconfig" / "schemas"
# kind -> (the file it is stored in, the upstream it comes from)
KINDS = {
    "VirtualService": ("istio-virtualservice.schema.json", "istio/istio"),
    "HTTPRoute": ("gatewayapi-httproute.schema.json", "kubernetes-sigs/gateway-api"),
}
TITLES = {
    "VirtualService": "Istio VirtualService (networking.istio.io), strict",
    "HTTPRoute": "Gateway API HTTPRoute (gateway.networking.k8s.io), strict",
}
SOURCES = {
    "istio/istio": "manifests/charts/base/files/crd-all.gen.yaml",
    "kubernetes-sigs/gateway-api": "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml",
}


def _lean(node: Any, under_properties: bool = False) -> Any:
    if isinstance(node, list):
        return [_lean(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _lean(value, key in ("properties", "patternProperties"))
        for key, value in node.items()
        if under_properties or key != "description"
    }


def main(istio: str, gateway: str, istio_ref: str, gateway_ref: str) -> None:
    refs = {"istio/istio": istio_ref, "kubernetes-sigs/gateway-api": gateway_ref}
    versions = [*load_crd_file(Path(istio), istio), *load_crd_file(Path(gateway), gateway)]
    for kind, (file, repo) in KINDS.items():
        found = [v for v in versions if v.kind == kind]
        schemas = {json.dumps(_lean({**v.schema, "$id": ""}), sort_keys=True) for v in found}
        if len(schemas) != 1:
            raise SystemExit(f"{kind}: upstream versions differ; store one file each")
        schema = _lean(found[-1].schema)
        schema["$id"] = f"https://kconfig.dev/schemas/{file}"
        schema["title"] = TITLES[kind]
        schema["description"] = (
            f"The {kind} kconfig renders for a canary's traffic routing, checked as an API "
            "server with strict field validation would (CEL rules are the server's)."
        )
        schema["$comment"] = (
            f"Derived by tools/crd_schemas.py from {repo} {SOURCES[repo]} at {refs[repo]} "
            f"(served versions: {', '.join(v.api_version for v in found)})."
        )
        text = json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        (OUT / file).write_text(text, encoding="utf-8")
        print(f"{file}: {len(text)} bytes, {', '.join(v.api_version for v in found)}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
