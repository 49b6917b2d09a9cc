"""The objects a platform team expects beside an app's workload, decided once in Python.

``hpa:``, ``pdb:``, ``serviceAccount:``, ``secrets:`` and ``configMap:`` become plain JSON
facts in the render context (``ctx.platform``), which the built-in templates of both
backends only wrap in ``apiVersion``/``kind``/``metadata``: the two backends cannot disagree
about a metric, a selector, a Secret's name or a checksum.

``platform`` holds:

``hpas``             ``[{name, spec}]``: one autoscaling/v2 HorizontalPodAutoscaler per
                     scaled workload of the strategy plan (every workload; ingressCanary:
                     the stable ``<app>`` only), named like it
``pdb``              ``{name, spec}`` of the policy/v1 PodDisruptionBudget ``<app>``, or null
``serviceAccount``   ``{name, annotations}`` of the ServiceAccount ``<app>``, or null
``externalSecrets``  ``[{name, spec}]``: one ExternalSecret per ``secrets.items`` entry with
                     ``data``; ``externalSecretsApiVersion`` their apiVersion
``sealedSecrets``    ``[{name, spec}]``: one SealedSecret per entry with ``encryptedData``
``pod``              what every pod template of the app reads: ``serviceAccountName``,
                     ``envFrom`` (the values' plus one ``secretRef`` per secret item) and
                     ``annotations`` (``podAnnotations`` plus ``checksum/config``)

The values-level problems (:data:`CHECKS`) are reported like the strategies' (KC2xx), at the
file:line that wrote the offending value; the rules about the rendered objects themselves
(min <= max, one HPA per workload, PDBs that block node drains) are semantic checks over
the manifests, in :mod:`kconfig.check.platform`, so they cover custom templates too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from kconfig.errors import Collector, SourcePos
from kconfig.render.strategies import Locator, PathKey

__all__ = [
    "CHECKS",
    "CHECKSUM_ANNOTATION",
    "DEFAULT_EXTERNAL_SECRETS_VERSION",
    "config_checksum",
    "platform_context",
    "scaled_workloads",
]

CHECKSUM_ANNOTATION: Final = "checksum/config"
DEFAULT_EXTERNAL_SECRETS_VERSION: Final = "v1"
_DNS_LABEL: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_NAME_LABEL: Final = "app.kubernetes.io/name"

# The values-level checks of the platform objects: id -> what it means, in one line.
CHECKS: Final[Mapping[str, str]] = {
    "KC181": "hpa has no maxReplicas, or no target (targetCPUUtilizationPercentage, "
    "targetMemoryUtilizationPercentage)",
    "KC185": "serviceAccount.create and serviceAccountName are both set (create one, or "
    "name an existing one)",
    "KC186": "a secrets.items entry has neither or both of data (ExternalSecret) and "
    "encryptedData (SealedSecret)",
    "KC187": "a secrets.items name is not a DNS-1123 label, or two items share a name",
    "KC188": "a secrets.items entry with data has no store (secrets.store or the item's store)",
}


def config_checksum(data: Mapping[str, Any]) -> str:
    """The sha256 of a ConfigMap's ``data`` in its canonical form: JSON with keys sorted,
    no whitespace, UTF-8 (non-ASCII kept as is). Only the data counts, so an unchanged
    ConfigMap leaves the pod template byte-identical, and any data change rolls the pods."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Problems:
    """The app's platform problems, each at the file:line that wrote the value."""

    def __init__(self, app: str, locator: Locator | None) -> None:
        self.app = app
        self.locator = locator
        self.errors = Collector()

    def error(self, code: str, message: str, path: PathKey) -> None:
        found = self.locator.at(path) if self.locator else None
        self.errors.error(message, found or SourcePos(f"bases/{self.app}/app.yaml"), code)


def platform_context(
    app: str,
    values: Mapping[str, Any],
    plan: Mapping[str, Any] | None,
    labels: Mapping[str, str],
    *,
    external_secrets_version: str = DEFAULT_EXTERNAL_SECRETS_VERSION,
    locator: Locator | None = None,
) -> tuple[dict[str, Any], Collector]:
    """``ctx.platform`` of one app (see the module docstring) and its values' problems."""
    problems = _Problems(app, locator)
    account = _service_account(problems, values)
    items = _secret_items(problems, values)
    external = [i for i in items if i[1].get("data")]
    sealed = [i for i in items if i[1].get("encryptedData")]
    out = {
        "hpas": _hpas(problems, values, plan),
        "pdb": _pdb(app, values),
        "serviceAccount": account,
        "externalSecretsApiVersion": f"external-secrets.io/{external_secrets_version}",
        "externalSecrets": [_external_secret(problems, app, values, i) for i in external],
        "sealedSecrets": [_sealed_secret(app, item, labels) for _, item in sealed],
        "pod": _pod(app, values, account, [item for _, item in items]),
    }
    return out, problems.errors


# -- HorizontalPodAutoscaler -----------------------------------------------------------------
_METRICS: Final = (
    ("cpu", "targetCPUUtilizationPercentage"),
    ("memory", "targetMemoryUtilizationPercentage"),
)
_TARGET_API: Final = {"Deployment": "apps/v1", "Rollout": "argoproj.io/v1alpha1"}


def scaled_workloads(app: str, plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The workloads an HPA scales: every workload of the plan, except that ingressCanary's
    canary keeps its one replica (only the stable ``<app>`` follows the load)."""
    workloads: list[Mapping[str, Any]] = list(plan["workloads"])
    if plan.get("type") == "ingressCanary":
        return [w for w in workloads if w["name"] == app]
    return workloads


def _hpas(
    problems: _Problems, values: Mapping[str, Any], plan: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    hpa = values.get("hpa")
    if not isinstance(hpa, Mapping):
        return []  # absent or null: no autoscaler (an empty mapping is KC181)
    # Kubernetes needs maxReplicas, and scales on 80% CPU when no metric is given: a
    # default nobody chose, so a target is required too.
    missing = [] if hpa.get("maxReplicas") is not None else ["maxReplicas"]
    if all(hpa.get(key) is None for _, key in _METRICS):
        missing.append(
            "a target (targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage)"
        )
    if missing:
        problems.error(
            "KC181",
            f"hpa needs {' and '.join(missing)}; or hpa: null for no autoscaler",
            ("hpa",),
        )
    if plan is None:
        return []
    metrics = [
        {
            "type": "Resource",
            "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": v}},
        }
        for name, key in _METRICS
        if (v := hpa.get(key)) is not None
    ]
    out = []
    for w in scaled_workloads(problems.app, plan):
        spec: dict[str, Any] = {
            "scaleTargetRef": {
                "apiVersion": _TARGET_API[w["kind"]],
                "kind": w["kind"],
                "name": w["name"],
            },
            "maxReplicas": hpa.get("maxReplicas"),
            "metrics": metrics,
        }
        if hpa.get("minReplicas") is not None:
            spec["minReplicas"] = hpa["minReplicas"]
        out.append({"name": w["name"], "spec": spec})
    return out


# -- PodDisruptionBudget ---------------------------------------------------------------------
def _pdb(app: str, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The PDB ``<app>``: both budgets as written (KC183 refuses two or none, so a wrong
    budget is reported at the rendered object), selecting all the app's pods: every track
    and colour, since a drain evicts them all alike."""
    pdb = values.get("pdb")
    if not isinstance(pdb, Mapping):
        return None  # absent or null: none (an empty mapping renders, and KC183 says why)
    spec: dict[str, Any] = {
        key: pdb[key] for key in ("minAvailable", "maxUnavailable") if pdb.get(key) is not None
    }
    spec["selector"] = {"matchLabels": {_NAME_LABEL: app}}
    return {"name": app, "spec": spec}


# -- ServiceAccount --------------------------------------------------------------------------
def _service_account(problems: _Problems, values: Mapping[str, Any]) -> dict[str, Any] | None:
    account = values.get("serviceAccount")
    if not isinstance(account, Mapping) or not account.get("create"):
        return None
    if values.get("serviceAccountName"):
        problems.error(
            "KC185",
            "serviceAccount.create is true, but serviceAccountName "
            f"{values['serviceAccountName']!r} names an existing ServiceAccount for the pods: "
            "set serviceAccount.create: false to use it, or delete serviceAccountName "
            "(serviceAccountName: null) to use the created one",
            ("serviceAccountName",),
        )
    return {"name": problems.app, "annotations": dict(account.get("annotations") or {})}


# -- secrets ---------------------------------------------------------------------------------
def _secret_items(
    problems: _Problems, values: Mapping[str, Any]
) -> list[tuple[int, Mapping[str, Any]]]:
    """``(index, item)`` of every valid ``secrets.items`` entry (the others are reported)."""
    secrets = values.get("secrets")
    listed = secrets.get("items") if isinstance(secrets, Mapping) else None
    out = []
    seen: set[str] = set()
    for i, item in enumerate(listed if isinstance(listed, Sequence) else []):
        if not isinstance(item, Mapping):
            continue  # the input schema reports it
        if _item_ok(problems, i, item, seen):
            out.append((i, item))
    return out


def _item_ok(problems: _Problems, i: int, item: Mapping[str, Any], seen: set[str]) -> bool:
    at: PathKey = ("secrets", "items", i)
    name = item.get("name")
    ok = True
    if not isinstance(name, str) or len(name) > 63 or not _DNS_LABEL.fullmatch(name):
        problems.error(
            "KC187",
            f"secrets.items[{i}].name {name!r} is not a DNS-1123 label (lower-case letters, "
            "digits and '-', starting and ending with a letter or digit, at most 63 "
            f"characters): it names the Secret {problems.app}-<name>",
            (*at, "name"),
        )
        ok = False
    elif name in seen:
        problems.error(
            "KC187",
            f"secrets.items[{i}].name {name!r} is given twice: each item is its own "
            f"Secret {problems.app}-{name}",
            (*at, "name"),
        )
        ok = False
    else:
        seen.add(name)
    forms = [key for key in ("data", "encryptedData") if item.get(key)]
    if len(forms) != 1:
        what = "both data and encryptedData" if forms else "neither data nor encryptedData"
        problems.error(
            "KC186",
            f"secrets.items[{i}] ({name}) has {what}: give data (an ExternalSecret reading a "
            "secret store) or encryptedData (a SealedSecret), exactly one",
            at,
        )
        ok = False
    return ok


def _external_secret(
    problems: _Problems, app: str, values: Mapping[str, Any], found: tuple[int, Mapping[str, Any]]
) -> dict[str, Any]:
    """One ExternalSecret ``<app>-<name>``: the store (the item's, else ``secrets.store``)
    read into the Secret ``<app>-<name>``, which the ExternalSecret owns."""
    i, item = found
    secrets: Mapping[str, Any] = values.get("secrets") or {}
    name = f"{app}-{item['name']}"
    store = item.get("store") or secrets.get("store")
    if not store:
        problems.error(
            "KC188",
            f"secrets.items[{i}] ({item['name']}) reads a secret store, but none is given: "
            "set secrets.store (e.g. {kind: ClusterSecretStore, name: vault}) or the item's store",
            ("secrets", "items", i),
        )
        store = {}
    data = item["data"]
    spec: dict[str, Any] = {
        "secretStoreRef": {"kind": store.get("kind", "SecretStore"), "name": store.get("name")},
        "target": {"name": name, "creationPolicy": "Owner"},
        "data": [{"secretKey": key, "remoteRef": dict(data[key])} for key in sorted(data)],
    }
    refresh = item.get("refreshInterval") or secrets.get("refreshInterval")
    if refresh:
        spec["refreshInterval"] = refresh
    return {"name": name, "spec": spec}


def _sealed_secret(app: str, item: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """One SealedSecret ``<app>-<name>``: the controller unseals it into the Secret of the
    same name and namespace (the name is part of what was sealed, in its default scope)."""
    name = f"{app}-{item['name']}"
    return {
        "name": name,
        "spec": {
            "encryptedData": dict(item["encryptedData"]),
            # The unsealed Secret carries the app's labels (its name is the SealedSecret's).
            "template": {"metadata": {"labels": dict(labels)}},
        },
    }


# -- what every pod template reads -----------------------------------------------------------
def _pod(
    app: str,
    values: Mapping[str, Any],
    account: Mapping[str, Any] | None,
    items: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    env_from = [*(values.get("envFrom") or [])]
    env_from += [{"secretRef": {"name": f"{app}-{item['name']}"}} for item in items]
    annotations = dict(values.get("podAnnotations") or {})
    config = values.get("configMap")
    data = config.get("data") if isinstance(config, Mapping) else None
    if data:
        annotations[CHECKSUM_ANNOTATION] = config_checksum(data)
    return {
        "serviceAccountName": values.get("serviceAccountName") or (account or {}).get("name"),
        "envFrom": env_from,
        "annotations": annotations,
    }
