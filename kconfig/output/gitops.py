"""Argo CD and Flux objects from kconfig.yaml ``gitops:``.

:func:`gitops_documents` makes, from kconfig.yaml ``gitops:`` (read and checked by
:mod:`kconfig.load.config`), one Argo CD ``Application`` per environment (destination
namespace = the environment's namespace, on env.yaml's ``cluster`` (default in-cluster),
automated sync with prune and selfHeal unless env.yaml ``sync.automated: false``, and
``sync.options`` as syncOptions), an ``ApplicationSet`` (git directory generator over
``<output>/*``; a list generator in branch layout, or whenever an environment has its own
cluster or sync policy: each element then carries them, applied by ``templatePatch``) and,
with ``gitops.flux``, a Flux ``Kustomization`` per environment (env.yaml ``flux:`` adds
dependsOn, timeout, wait and targetNamespace). Argo CD objects
are validated against kconfig's own schemas (``schemas/argocd-*.schema.json``).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kconfig.errors import (
    Collector,
    OutputError,
    SourcePos,
    ValidationError,
)
from kconfig.load.inputs import OwnSchemas
from kconfig.output.plan import ARGOCD_UNIT, FLUX_UNIT

if TYPE_CHECKING:
    from kconfig.load.config import ArgoCD, Flux, GitOps, ProjectConfig
    from kconfig.load.environments import Environment
    from kconfig.load.sources import Sources


ARGOCD_NAMESPACE = "argocd"
FLUX_NAMESPACE = "flux-system"
IN_CLUSTER = "https://kubernetes.default.svc"
FLUX_FIELDS = ("dependsOn", "timeout", "wait", "targetNamespace")
ARGOCD_SCHEMAS = {
    "Application": "argocd-application.schema.json",
    "ApplicationSet": "argocd-applicationset.schema.json",
}


# --------------------------------------------------------------------------------------------
# Argo CD and Flux objects


@dataclass(frozen=True, slots=True)
class _Target:
    """What the controller objects need to know about the project."""

    project: str
    environments: tuple[tuple[str, str], ...]  # (environment, namespace), promotion order
    output: str  # the output folder's path inside the repository
    settings: GitOps
    details: Mapping[str, Environment]  # by name: cluster, sync policy, Flux fields

    def destination(self, env: str, namespace: str) -> dict[str, str]:
        """The Application's destination: env.yaml ``cluster`` (name or server), else the
        cluster Argo CD runs in."""
        cluster = self.details[env].cluster
        return {**(dict(cluster) if cluster else {"server": IN_CLUSTER}), "namespace": namespace}

    def sync_policy(self, env: str) -> dict[str, Any]:
        """``syncPolicy``: ``automated`` only when the environment syncs by itself."""
        e = self.details[env]
        policy: dict[str, Any] = {}
        if e.sync_automated:
            policy["automated"] = {"prune": True, "selfHeal": True}
        if e.sync_options:
            policy["syncOptions"] = list(e.sync_options)
        return policy

    @property
    def uniform(self) -> bool:
        """Every environment in-cluster with the default sync policy."""
        return all(
            not e.cluster and e.sync_automated and not e.sync_options for e in self.details.values()
        )

    @property
    def labels(self) -> dict[str, str]:
        return {
            "app.kubernetes.io/managed-by": "kconfig",
            "app.kubernetes.io/part-of": self.project,
        }


def repo_path(config: ProjectConfig, override: str | None) -> str:
    """The output folder's path inside the repository (``gitops.*.path``, else ``output``)."""
    value = override if override is not None else config.output
    path = posixpath.normpath(value.replace(os.sep, "/"))
    if posixpath.isabs(path) or path == ".." or path.startswith("../"):
        raise OutputError(
            f"output folder {config.output!r} is not inside the repository; set "
            "gitops.argocd.path (or gitops.flux.path) to its path in the repository",
            config.pos("output"),
            code="KC058",
        )
    return path


def _application(t: _Target, argo: ArgoCD, env: str, namespace: str) -> dict[str, Any]:
    branches = t.settings.layout == "branches"
    source = {
        "repoURL": argo.repo_url,
        "targetRevision": f"{t.settings.branch_prefix}{env}" if branches else argo.target_revision,
        "path": "." if branches else f"{t.output}/{env}",
    }
    spec: dict[str, Any] = {
        "project": argo.project,
        "source": source,
        "destination": t.destination(env, namespace),
    }
    policy = t.sync_policy(env)
    if policy:
        spec["syncPolicy"] = policy
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": f"{t.project}-{env}",
            "namespace": ARGOCD_NAMESPACE,
            "labels": {**t.labels, "kconfig.dev/environment": env},
        },
        "spec": spec,
    }


def _namespace_template(t: _Target, key: str) -> str:
    """A Go template giving each environment's namespace from the generator's ``key``."""
    if all(ns == f"{t.project}-{env}" for env, ns in t.environments):
        return f"{t.project}-{{{{{key}}}}}"
    pairs = " ".join(f'"{env}" "{ns}"' for env, ns in t.environments)
    return f"{{{{ get (dict {pairs}) {key} }}}}"


# Applied by Argo CD to each Application the set generates (ApplicationSet templatePatch, a Go
# template): the element's own destination and sync policy, which a plain template could not
# switch between destination.name and destination.server, or leave automated out of.
TEMPLATE_PATCH = """spec:
  destination: {{ toJson .destination }}
  syncPolicy: {{ toJson .syncPolicy }}
"""


def _per_environment_set(t: _Target, argo: ArgoCD) -> dict[str, Any]:
    """The ApplicationSet's generator and template when environments differ in cluster or
    sync policy: a list generator whose elements carry them."""
    branches = t.settings.layout == "branches"
    elements = [
        {
            "env": env,
            "namespace": ns,
            "revision": f"{t.settings.branch_prefix}{env}" if branches else argo.target_revision,
            "path": "." if branches else f"{t.output}/{env}",
            "destination": t.destination(env, ns),
            "syncPolicy": t.sync_policy(env),
        }
        for env, ns in t.environments
    ]
    source = {"repoURL": argo.repo_url, "targetRevision": "{{.revision}}", "path": "{{.path}}"}
    return {
        "generators": [{"list": {"elements": elements}}],
        "spec": {
            "project": argo.project,
            "source": source,
            "destination": {"namespace": "{{.namespace}}"},
        },
        "key": ".env",
    }


def _application_set(t: _Target, argo: ArgoCD) -> dict[str, Any]:
    if not t.uniform:
        return _set_document(t, _per_environment_set(t, argo))
    if t.settings.layout == "branches":
        generator: dict[str, Any] = {
            "list": {"elements": [{"env": env, "namespace": ns} for env, ns in t.environments]}
        }
        key, revision, path = ".env", f"{t.settings.branch_prefix}{{{{.env}}}}", "."
        namespace = "{{.namespace}}"
    else:
        generator = {
            "git": {
                "repoURL": argo.repo_url,
                "revision": argo.target_revision,
                "directories": [
                    {"path": f"{t.output}/*"},
                    {"path": f"{t.output}/{ARGOCD_UNIT}", "exclude": True},
                    {"path": f"{t.output}/{FLUX_UNIT}", "exclude": True},
                ],
            }
        }
        key, revision, path = ".path.basename", argo.target_revision, "{{.path.path}}"
        namespace = _namespace_template(t, key)
    spec = {
        "project": argo.project,
        "source": {"repoURL": argo.repo_url, "targetRevision": revision, "path": path},
        "destination": {"server": IN_CLUSTER, "namespace": namespace},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
    }
    return _set_document(t, {"generators": [generator], "spec": spec, "key": key})


def _set_document(t: _Target, parts: Mapping[str, Any]) -> dict[str, Any]:
    key = parts["key"]
    spec: dict[str, Any] = {
        "goTemplate": True,
        "goTemplateOptions": ["missingkey=error"],
        "generators": parts["generators"],
        "template": {
            "metadata": {
                "name": f"{t.project}-{{{{{key}}}}}",
                "labels": {**t.labels, "kconfig.dev/environment": f"{{{{{key}}}}}"},
            },
            "spec": parts["spec"],
        },
    }
    if not t.uniform:
        spec["templatePatch"] = TEMPLATE_PATCH
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": t.project, "namespace": ARGOCD_NAMESPACE, "labels": t.labels},
        "spec": spec,
    }


def _flux_kustomization(t: _Target, flux: Flux, env: str) -> dict[str, Any]:
    source: dict[str, Any] = {"kind": flux.source_kind, "name": flux.source_name}
    if flux.source_namespace:
        source["namespace"] = flux.source_namespace
    # env.yaml flux: fields of the Flux v1 Kustomization spec (fluxcd/kustomize-controller
    # api/v1/kustomization_types.go), their form checked by env.schema.json.
    extra = {k: v for k, v in t.details[env].flux.items() if k in FLUX_FIELDS and v is not None}
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {
            "name": f"{t.project}-{env}",
            "namespace": FLUX_NAMESPACE,
            "labels": {**t.labels, "kconfig.dev/environment": env},
        },
        "spec": {
            **extra,
            "interval": flux.interval,
            "path": f"./{t.output}/{env}",
            "prune": flux.prune,
            "sourceRef": source,
        },
    }


def gitops_documents(sources: Sources) -> dict[str, Any]:
    """``{path under <out>: object}`` for the Argo CD and Flux files kconfig.yaml asks for."""
    settings = sources.config.gitops
    details = {env: sources.env(env) for env in sources.environments}
    envs = tuple((env, e.namespace) for env, e in details.items())
    docs: dict[str, Any] = {}
    argo = settings.argocd
    if argo is not None:
        t = _Target(sources.name, envs, repo_path(sources.config, argo.path), settings, details)
        for env, namespace in envs:
            docs[f"{ARGOCD_UNIT}/applications/{env}.yaml"] = _application(t, argo, env, namespace)
        if argo.application_set:
            docs[f"{ARGOCD_UNIT}/applicationset/{sources.name}.yaml"] = _application_set(t, argo)
    flux = settings.flux
    if flux is not None and settings.layout == "directories":
        t = _Target(sources.name, envs, repo_path(sources.config, flux.path), settings, details)
        for env, _ in envs:
            docs[f"{FLUX_UNIT}/{env}.yaml"] = _flux_kustomization(t, flux, env)
    validate_argocd(docs, settings.pos, sources.schemas)
    return docs


def validate_argocd(
    docs: Mapping[str, Mapping[str, Any]], pos: SourcePos, schemas: OwnSchemas | None = None
) -> None:
    """Check the Argo CD objects against kconfig's schemas (a wrong setting shows here)."""
    schemas = schemas or OwnSchemas()
    errors = Collector()
    for path, doc in docs.items():
        name = ARGOCD_SCHEMAS.get(str(doc.get("kind")))
        if name is None or doc.get("apiVersion") != "argoproj.io/v1alpha1":
            continue
        for err in schemas.validator(name).iter_errors(doc):
            where = "/".join(str(p) for p in err.instance_path) or "(root)"
            errors.error(f"generated {path}: {where}: {err.message}", pos, "KC059")
    errors.raise_if_errors(ValidationError)
