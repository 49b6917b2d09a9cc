"""The schema store: every JSON Schema kconfig validates with, compiled once per run.

Three sources, looked up in this order by ``(apiVersion, kind)``:

1. ``crds:`` files named in kconfig.yaml: each CustomResourceDefinition's
   ``openAPIV3Schema`` (per served version), made strict the way a server with strict field
   validation treats it (unknown fields are refused, except under
   ``x-kubernetes-preserve-unknown-fields``);
2. the official Kubernetes schemas of the project's ``kubernetesVersion``, read as data from
   the ``kubernetes-validate`` package (``kubernetes-json-schema/v1.30.0-local-strict/
   <kind>-<group>-<version>.json`` plus ``_definitions.json``, registered under its ``$id``);
3. kconfig's own schemas (``kconfig/schemas/``) for Argo Rollouts and Argo CD kinds, and
   for the ExternalSecret and SealedSecret kinds (derived from their upstream CRDs).

Why this shape (FACTS.md): ``kubernetes_validate.validate`` rebuilds a validator per call
(8 ms a document) and importing the module costs ~85 ms, so the package is used as data only
(found with ``importlib.util.find_spec``, which does not import it). jsonschema-rs compiles a
schema in milliseconds and validates a Deployment in microseconds, 200x faster than
jsonschema: every validator here is a jsonschema-rs one, compiled on first use and reused for
every later document of that kind. Nothing is read before it is needed.

Custom resources also get the Kubernetes ``ObjectMeta`` schema for ``metadata`` (the API
server checks it for every object), and a Rollout's pod ``template`` the ``PodTemplateSpec``
schema, because kconfig's own Rollout schema only checks the strategy part closely.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from kconfig.core.names import close_matches
from kconfig.core.paths import PathKey, walk
from kconfig.load.inputs import OwnSchemas
from kconfig.load.inputs import describe as describe
from kconfig.load.inputs import json_type as json_type
from kconfig.load.reader import ReadLimits, parse_yaml_documents

# The supported ``kubernetesVersion``s are the installed package's (:func:`available_versions`),
# never a list written here: upgrading kubernetes-validate adds versions without a release.
DEFAULT_VERSION = "1.30"

K8S_BASE = "https://kubernetes.io"
DEFINITIONS_ID = f"{K8S_BASE}/api/_definitions.json"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
POD_TEMPLATE = "io.k8s.api.core.v1.PodTemplateSpec"
CRD_BASE = "https://kconfig.dev/crds/"

# kconfig's own schemas for custom resources it renders: (apiVersion, kind) -> file.
OWN_SCHEMAS: dict[tuple[str, str], str] = {
    ("argoproj.io/v1alpha1", "Rollout"): "rollout.schema.json",
    ("argoproj.io/v1alpha1", "AnalysisTemplate"): "analysistemplate.schema.json",
    ("argoproj.io/v1alpha1", "ClusterAnalysisTemplate"): "analysistemplate.schema.json",
    ("argoproj.io/v1alpha1", "Application"): "argocd-application.schema.json",
    ("argoproj.io/v1alpha1", "ApplicationSet"): "argocd-applicationset.schema.json",
    # Derived from the upstream CRDs (scripts/derive_crd_schemas.py): the secrets by
    # reference of apps' `secrets.items`.
    ("external-secrets.io/v1", "ExternalSecret"): "externalsecret-v1.schema.json",
    ("external-secrets.io/v1beta1", "ExternalSecret"): "externalsecret-v1beta1.schema.json",
    ("bitnami.com/v1alpha1", "SealedSecret"): "sealedsecret.schema.json",
    # Derived from the upstream CRDs by tools/crd_schemas.py (issue 16): Istio serves its
    # three versions with one schema, the Gateway API its two.
    ("networking.istio.io/v1", "VirtualService"): "istio-virtualservice.schema.json",
    ("networking.istio.io/v1beta1", "VirtualService"): "istio-virtualservice.schema.json",
    ("networking.istio.io/v1alpha3", "VirtualService"): "istio-virtualservice.schema.json",
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): "gatewayapi-httproute.schema.json",
    ("gateway.networking.k8s.io/v1beta1", "HTTPRoute"): "gatewayapi-httproute.schema.json",
}
# Parts of custom resources that Kubernetes' own definitions describe better.
_EXTRA_PARTS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "Rollout": ((("spec", "template"), POD_TEMPLATE),),
}


class SchemaError(Exception):
    """A schema source is unusable (unsupported version, broken CRD file)."""


class SchemaProblem(NamedTuple):
    """One way a document fails its schema, at ``path`` inside the document."""

    path: PathKey
    message: str
    keyword: str = ""
    unexpected: tuple[str, ...] = ()  # additionalProperties: the keys not allowed
    allowed: tuple[str, ...] = ()  # what is allowed there (keys or enum values), for hints


class _Part(NamedTuple):
    at: tuple[str, ...]
    validator: Any
    # For messages: the validator over the original schema documents, when ``validator`` was
    # compiled from a self-contained copy (whose error locations would point into the copy).
    explain: Callable[[], Any] | None = None


class KindSchema:
    """The compiled validator(s) of one apiVersion+kind, and where the schema came from."""

    __slots__ = ("_parts", "_store", "source")

    def __init__(self, source: str, parts: Sequence[_Part], store: SchemaStore) -> None:
        self.source = source
        self._parts = tuple(parts)
        self._store = store

    def problems(self, body: Mapping[str, Any]) -> list[SchemaProblem]:
        """Every problem of ``body``; the valid case costs one fast ``is_valid`` per part."""
        out: list[SchemaProblem] = []
        for part in self._parts:
            node = walk(body, part.at)
            if node is None:
                continue
            try:
                if part.validator.is_valid(node):
                    continue
                validator = part.explain() if part.explain else part.validator
                errors = list(validator.iter_errors(node))
            except ValueError as err:  # a value JSON has no type for, e.g. a YAML 1.1 date
                out.append(SchemaProblem(part.at, f"cannot be checked: {err}", "type"))
                continue
            out.extend(self._store.problem(part.at, err) for err in errors)
        return out


# -- the kubernetes-validate data ---------------------------------------------------------
def schema_root() -> Path:
    """The ``kubernetes-json-schema`` folder of the installed kubernetes-validate package.

    ``find_spec`` locates the package without importing it (its import costs ~85 ms).
    """
    spec = importlib.util.find_spec("kubernetes_validate")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise SchemaError(
            "the kubernetes-validate package is not installed; kconfig needs its schemas"
        )
    return Path(locations[0]) / "kubernetes-json-schema"


def available_versions(root: Path | None = None) -> list[str]:
    """Kubernetes versions (``major.minor``) whose strict schemas are installed."""
    folder = root or schema_root()
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"v(\d+\.\d+)\.0-local-strict", entry.name)
        if match:
            found.append(match.group(1))
    return sorted(found, key=_version_key)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def minor_version(version: str) -> str:
    """``1.30`` of ``1.30`` or ``1.30.2``: schemas exist per minor version, a patch release
    changes no API."""
    return ".".join(version.split(".")[:2])


def choose_version(version: str, installed: Sequence[str]) -> tuple[str, bool]:
    """The schema version to validate ``version`` (``major.minor[.patch]``) with, and whether
    it is the newest installed one standing in for a newer version (the caller warns).

    One rule for kconfig.yaml's ``kubernetesVersion`` and Argo CD's ``KUBE_VERSION``: an
    installed minor version is used as it is; a newer one than any installed is validated with
    the newest (a cluster upgrade must not stop every render); an older one, or one missing in
    between, is refused (:class:`SchemaError`).
    """
    minor = minor_version(version)
    if minor in installed:
        return minor, False
    if installed and _version_key(minor) > max(_version_key(v) for v in installed):
        return max(installed, key=_version_key), True
    span = f"{installed[0]} to {installed[-1]}" if installed else "none"
    raise SchemaError(f"no Kubernetes schemas for version {version!r} (installed: {span})")


def kind_file(api_version: str, kind: str) -> str:
    """kubernetes-validate's file name for a kind: ``deployment-apps-v1.json``."""
    group, _, version = api_version.rpartition("/")
    short = group.split(".", 1)[0]
    stem = f"{kind.lower()}-{short}-{version}" if short else f"{kind.lower()}-{version}"
    return f"{stem}.json"


def _gvk(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(apiVersion, kind) pairs a schema file declares."""
    out = []
    for entry in schema.get("x-kubernetes-group-version-kind") or ():
        group, version = entry.get("group", ""), entry.get("version", "")
        out.append((f"{group}/{version}" if group else version, entry.get("kind", "")))
    return out


# -- self-contained schemas -----------------------------------------------------------------
# A kind's schema refers into _definitions.json (1.2 MB, ~10 ms to parse, plus a registry
# over all 600 definitions). The closure one kind reaches is a tenth of that, and without
# the annotations (``description``, ``x-kubernetes-*``) a tenth again: kept per user, it turns
# the first validation of a run from a parse of the whole file into a read of a few KiB.
_BUNDLE_FORMAT = "1"
_DEFS_REF = "/api/_definitions.json#"
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "required"})


def bundle_schema(root: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any]:
    """``root`` with every Kubernetes definition it reaches copied into its own ``$defs``.

    Validates exactly as ``root`` against the registry of ``definitions`` does: only
    annotations are left out, and references to ``_definitions.json`` become local.
    """
    defs: Mapping[str, Any] = definitions.get("$defs") or {}
    out: dict[str, Any] = _lean(root)
    out.pop("$id", None)
    names: set[str] = set()
    todo = _local_refs(out)
    while todo:
        name = todo.pop()
        if name not in names and name in defs:
            names.add(name)
            todo.extend(_local_refs(defs[name]))
    out["$defs"] = {name: _lean(defs[name]) for name in sorted(names)}
    return out


def _lean(node: Any) -> Any:
    """A schema node without annotations, its ``_definitions.json`` references made local."""
    if isinstance(node, list):
        return [_lean(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description" or key.startswith("x-kubernetes-"):
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = value[len(_DEFS_REF) - 1 :] if value.startswith(_DEFS_REF) else value
        elif key in _DATA_KEYWORDS:
            out[key] = value  # data, not schemas: a property may well be called "description"
        elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: _lean(schema) for name, schema in value.items()}
        else:
            out[key] = _lean(value)
    return out


def _local_refs(node: Any) -> list[str]:
    """Names of the definitions ``node`` refers to (``#/$defs/<name>``, or the same in
    ``_definitions.json``)."""
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, Mapping):
            for key, value in item.items():
                if key == "$ref" and isinstance(value, str):
                    _, _, pointer = value.partition("#/$defs/")
                    if pointer:
                        found.append(pointer.replace("~1", "/").replace("~0", "~"))
                elif key not in _DATA_KEYWORDS:
                    stack.append(value)
    return found


# -- shipped bundles ------------------------------------------------------------------------
# The bundles of what kconfig's built-ins render, for every Kubernetes version of the
# kubernetes-validate release kconfig was built with, ship in the package
# (``bundles/<version folder>/``: ``index.json`` and one zlib-compressed bundle per kind;
# tools/schema_bundles.py writes them, tests/unit/check/test_shipped_bundles.py keeps them
# current), so a fresh machine compiles its first validation from a few KiB instead of
# bundling _definitions.json into the per-user cache. The index records which files each
# bundle was derived from: another kubernetes-validate (other files) makes them unused,
# never wrong.
SHIPPED_DIR = Path(__file__).resolve().parent / "bundles"
SHIPPED_INDEX = "index.json"
SHIPPED_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "Namespace"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("networking.k8s.io/v1", "Ingress"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "ServiceAccount"),
)
SHIPPED_DEFINITIONS = (OBJECT_META, POD_TEMPLATE)


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _definition_root(name: str) -> dict[str, Any]:
    """The schema of one Kubernetes definition, by reference into ``_definitions.json``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{K8S_BASE}/api/kconfig/{name}",
        "$ref": f"/api/_definitions.json#/$defs/{name}",
    }


def shipped_bundles(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """What ``bundles/<folder name>/`` holds for one kubernetes-validate version folder: the
    index (what identifies the files, :func:`_release`, and per bundle name the digest of
    the kind's file, empty for a definition) and the bundles by name."""
    definitions = _read_json(folder / "_definitions.json")
    sources: dict[str, str] = {}
    bundles: dict[str, Any] = {}
    for api_version, kind in SHIPPED_KINDS:
        path = folder / kind_file(api_version, kind)
        if path.is_file():
            data = path.read_bytes()
            bundles[path.stem] = bundle_schema(json.loads(data), definitions)
            sources[path.stem] = _digest(data)
    for name in SHIPPED_DEFINITIONS:
        bundles[f"def-{name}"] = bundle_schema(_definition_root(name), definitions)
        sources[f"def-{name}"] = ""
    index = {"format": _BUNDLE_FORMAT, "files": _release(folder), "sources": sources}
    return index, bundles


def _release(folder: Path) -> str:
    """What identifies the files of ``folder`` without hashing its 1.2 MB _definitions.json
    on every run: the kubernetes-validate release (a release's data files never change) and
    the file's size. Each kind's own file is compared by its digest."""
    try:
        line = (folder.parent.parent / "version.py").read_text(encoding="utf-8")
        size = (folder / "_definitions.json").stat().st_size
    except (OSError, UnicodeDecodeError):
        return ""
    version = line.partition("=")[2].strip().strip("'\"")
    return f"kubernetes-validate {version}, _definitions.json {size} bytes"


def shipped_index(folder: Path) -> dict[str, str]:
    """Bundle name -> source digest of the shipped bundles of ``folder``; none when there
    are none or they were derived from other files than the installed ones."""
    try:
        index = json.loads((SHIPPED_DIR / folder.name / SHIPPED_INDEX).read_bytes())
        if not isinstance(index, dict) or index.get("format") != _BUNDLE_FORMAT:
            return {}
        if not index.get("files") or index.get("files") != _release(folder):
            return {}
    except (OSError, ValueError):
        return {}
    sources = index.get("sources")
    return sources if isinstance(sources, dict) else {}


def read_shipped(folder: Path, name: str) -> Any:
    """The shipped bundle ``name`` of ``folder`` (current: :func:`shipped_index` said so), or
    None when its file is missing or damaged."""
    import zlib

    try:
        return json.loads(
            zlib.decompress((SHIPPED_DIR / folder.name / f"{name}.json.z").read_bytes())
        )
    except (OSError, ValueError, zlib.error):
        return None


# -- CRDs -----------------------------------------------------------------------------------
class CrdVersion(NamedTuple):
    """One served version of a CustomResourceDefinition, with its schema made strict."""

    api_version: str
    kind: str
    schema: dict[str, Any]
    source: str  # the CRD file, relative to the project root


class _Budget:
    """Bounds converting one CRD schema: YAML aliases can make a small file a huge tree."""

    def __init__(self, nodes: int = 200_000, depth: int = 200) -> None:
        self.nodes = nodes
        self.depth = depth

    def spend(self, depth: int) -> None:
        self.nodes -= 1
        if self.nodes < 0 or depth > self.depth:
            raise SchemaError("the CRD schema is too large or too deeply nested to convert")


def _strict_node(node: Any, budget: _Budget, depth: int = 0) -> Any:
    """An openAPIV3Schema node as draft 2020-12, refusing unknown fields like a strict server."""
    budget.spend(depth)
    if isinstance(node, list):
        return [_strict_node(item, budget, depth + 1) for item in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("format", "x-kubernetes-validations"):
            continue  # int32/date-time are annotations; CEL rules are the server's job
        if key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(
            value, Mapping
        ):
            out[key] = {k: _strict_node(v, budget, depth + 1) for k, v in value.items()}
        elif isinstance(value, Mapping | list) and not str(key).startswith("x-"):
            out[key] = _strict_node(value, budget, depth + 1)
        else:
            out[key] = value
    return _openapi_keywords(out)


def _openapi_keywords(out: dict[str, Any]) -> dict[str, Any]:
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    for bound in ("Minimum", "Maximum"):
        if out.get(f"exclusive{bound}") is True and bound.lower() in out:
            out[f"exclusive{bound}"] = out.pop(bound.lower())  # OpenAPI 3.0's boolean form
        elif out.get(f"exclusive{bound}") is False:
            del out[f"exclusive{bound}"]
    preserve = out.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def crd_versions(doc: Any, source: str) -> list[CrdVersion]:
    """The served versions of one CRD document (``apiextensions.k8s.io/v1`` or ``v1beta1``)."""
    if not isinstance(doc, Mapping) or doc.get("kind") != "CustomResourceDefinition":
        return []
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        raise SchemaError(f"{source}: a CustomResourceDefinition without a spec")
    group = spec.get("group")
    kind = (spec.get("names") or {}).get("kind")
    if not isinstance(group, str) or not isinstance(kind, str):
        raise SchemaError(
            f"{source}: CustomResourceDefinition needs spec.group and spec.names.kind"
        )
    shared = (spec.get("validation") or {}).get("openAPIV3Schema")  # v1beta1's place
    versions = spec.get("versions") or [{"name": spec.get("version"), "served": True}]
    out = []
    for entry in versions:
        if not isinstance(entry, Mapping) or entry.get("served") is False:
            continue
        schema = (entry.get("schema") or {}).get("openAPIV3Schema") or shared
        if not isinstance(schema, Mapping) or not entry.get("name"):
            continue
        api_version = f"{group}/{entry['name']}"
        try:
            strict = _strict_node(schema, _Budget())
        except SchemaError as err:
            raise SchemaError(f"{source}: {err}") from err
        _object_fields(strict)
        strict["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        strict["$id"] = f"{CRD_BASE}{group}/{entry['name']}/{kind}"
        out.append(CrdVersion(api_version, kind, strict, source))
    return out


_MAX_CRD_BYTES = 64 * 1024 * 1024


def _object_fields(strict: dict[str, Any]) -> None:
    """Every object has apiVersion, kind and metadata, which the API server checks itself;
    a CRD schema that lists only ``spec`` and ``status`` (Istio's) must not refuse them."""
    props = strict.get("properties")
    if isinstance(props, dict):
        for key, schema in (("apiVersion", "string"), ("kind", "string"), ("metadata", "object")):
            props.setdefault(key, {"type": schema})


def load_crd_file(path: Path, source: str, limits: ReadLimits | None = None) -> list[CrdVersion]:
    """Every CRD version in a (multi-document) YAML file.

    A missing, special or oversized file is a :class:`SchemaError` (reported at the
    ``crds:`` entry that names it). The text is read by the bounded reader, as every input
    (issue 18): an alias or merge-key bomb, nesting deeper than ``limits`` allow, an integer
    over 4,300 digits are a :class:`kconfig.errors.LoadError` at their line in the file. Only
    the size bound is larger: CRD files are generated and large (Argo's is 570 KiB).
    """
    try:
        # A FIFO or a device is never opened (it would block or never end; issue 18).
        if path.exists() and not path.is_file():
            raise SchemaError(f"CRD file {source} is not a regular file")
        if path.stat().st_size > _MAX_CRD_BYTES:
            raise SchemaError(f"CRD file {source} is over the {_MAX_CRD_BYTES}-byte limit")
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SchemaError(f"cannot read CRD file {source}: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise SchemaError(f"CRD file {source} is not valid YAML: {err}") from err
    bounds = (limits or ReadLimits())._replace(max_bytes=_MAX_CRD_BYTES)
    docs = parse_yaml_documents(text, source, bounds)
    found = [v for doc in docs for v in crd_versions(doc, source)]
    if not found:
        raise SchemaError(f"{source} holds no CustomResourceDefinition with a schema")
    return found


# -- the store ------------------------------------------------------------------------------
class SchemaStore:
    """Validators for one run: compiled on first use, reused for every later document.

    ``crds`` are ``(source, loader)`` pairs: the loader reads and converts the file when a
    custom resource is first looked up, so projects without custom resources never pay for it.
    """

    def __init__(
        self,
        kubernetes_version: str = DEFAULT_VERSION,
        crds: Sequence[tuple[str, Callable[[], list[CrdVersion]]]] = (),
        root: Path | None = None,
        own: OwnSchemas | None = None,
        user_cache: bool = True,
    ) -> None:
        self.version = kubernetes_version
        self._root = root
        self._crd_loaders = list(crds)
        self._crds: dict[tuple[str, str], CrdVersion] | None = None
        self._kinds: dict[tuple[str, str], KindSchema | None] = {}
        self._docs: dict[str, Any] = {}  # $id -> schema document, for error hints
        self._k8s_registry: Any = None
        self._bundles: Path | None = None
        self._folder: Path | None = None
        self._shipped: dict[str, str] | None = None  # shipped_index(self.folder), once
        self._own_schemas = own or OwnSchemas()
        self._user_cache = user_cache  # bundles may be kept under $XDG_CACHE_HOME/kconfig
        self._defs_validators: dict[str, _Part] = {}

    # -- where the data is -----------------------------------------------------------
    @property
    def folder(self) -> Path:
        """This version's kubernetes-validate folder (found once: ``find_spec`` walks
        ``sys.path``, a few hundred system calls)."""
        if self._folder is None:
            root = self._root or schema_root()
            folder = root / f"v{self.version}.0-local-strict"
            if not folder.is_dir():
                chosen, _ = choose_version(self.version, available_versions(root))
                folder = root / f"v{chosen}.0-local-strict"  # a newer version: the newest
            self._folder = folder
        return self._folder

    def _definitions(self) -> Any:
        """This version's ``_definitions.json``, parsed once."""
        found = self._docs.get(DEFINITIONS_ID)
        if found is None:
            found = self._docs[DEFINITIONS_ID] = _read_json(self.folder / "_definitions.json")
        return found

    def _k8s(self) -> Any:
        """The jsonschema-rs registry holding this version's ``_definitions.json``."""
        if self._k8s_registry is None:
            import jsonschema_rs

            self._k8s_registry = jsonschema_rs.Registry([(DEFINITIONS_ID, self._definitions())])
        return self._k8s_registry

    def _bundled(self, name: str, root: Callable[[], dict[str, Any]], source: str = "") -> _Part:
        """A validator of the Kubernetes schema ``root``, compiled from its self-contained
        form (:func:`bundle_schema`): the one shipped in the package when it was derived from
        the installed files (``source``: the digest of the kind's file), else one kept per
        user under their identity; messages still come from the original documents."""
        import jsonschema_rs

        from kconfig.load.usercache import read_cached, write_cached

        bundle = self._shipped_bundle(name, source)
        cached = None
        if bundle is None and self._user_cache:
            cached = self._bundle_dir() / f"{name}.json"
            try:
                bundle = json.loads(read_cached(cached) or b"null")
            except ValueError:  # a torn or foreign file: rebuild it
                bundle = None
        if not isinstance(bundle, dict):
            bundle = bundle_schema(root(), self._definitions())
            if cached is not None:
                write_cached(cached, json.dumps(bundle, sort_keys=True).encode())
        return _Part(
            (), jsonschema_rs.validator_for(bundle), lambda: self._compile(root(), self._k8s())
        )

    def _shipped_bundle(self, name: str, source: str) -> Any:
        """The bundle ``name`` shipped in the package, when it was derived from the installed
        files (``source``: the digest of the kind's file); else None."""
        if self._shipped is None:
            self._shipped = shipped_index(self.folder)
        if name not in self._shipped or self._shipped[name] != source:
            return None
        return read_shipped(self.folder, name)

    def _bundle_dir(self) -> Path:
        if self._bundles is None:
            import hashlib

            from kconfig._version import __version__
            from kconfig.load.usercache import user_cache_dir

            source = self.folder / "_definitions.json"
            stat = source.stat()
            identity = (
                f"{_BUNDLE_FORMAT}\0{__version__}\0{source}\0{stat.st_size}\0{stat.st_mtime_ns}"
            )
            digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
            self._bundles = user_cache_dir() / f"schemas-{digest}"
        return self._bundles

    def _own(self) -> Any:
        if not self._docs.keys() >= {uri for uri, _ in self._own_schemas.resources()}:
            self._docs.update(self._own_schemas.resources())
        return self._own_schemas.registry()

    # -- compiling ---------------------------------------------------------------------
    def _compile(self, schema: dict[str, Any], registry: Any) -> Any:
        import jsonschema_rs

        self._docs[str(schema.get("$id"))] = schema
        return jsonschema_rs.validator_for(schema, registry=registry)

    def definition(self, name: str) -> _Part:
        """The check of one Kubernetes definition (``io.k8s.api.core.v1.PodTemplateSpec``)."""
        found = self._defs_validators.get(name)
        if found is None:
            schema = _definition_root(name)
            found = self._defs_validators[name] = self._bundled(f"def-{name}", lambda: schema)
        return found

    # -- lookup ------------------------------------------------------------------------
    def kind(self, api_version: str, kind: str) -> KindSchema | None:
        """The schema of ``kind`` in ``api_version``, or None when no source has one."""
        key = (api_version, kind)
        if key not in self._kinds:
            self._kinds[key] = (
                self._from_crd(key) or self._from_kubernetes(key) or self._from_own(key)
            )
        return self._kinds[key]

    def _from_crd(self, key: tuple[str, str]) -> KindSchema | None:
        found = self.crds().get(key)
        if found is None:
            return None
        parts = [_Part((), self._compile(found.schema, None)), self._meta_part()]
        return KindSchema(f"the CRD in {found.source}", parts, self)

    def crds(self) -> dict[tuple[str, str], CrdVersion]:
        """Every CRD version of the ``crds:`` files, read on first use."""
        if self._crds is None:
            self._crds = {}
            for _source, load in self._crd_loaders:
                for version in load():
                    self._crds[(version.api_version, version.kind)] = version
        return self._crds

    def _from_kubernetes(self, key: tuple[str, str]) -> KindSchema | None:
        api_version, kind = key
        if not _KIND.fullmatch(kind) or not _API_VERSION.fullmatch(api_version):
            return None  # not a name kubernetes-validate could have a file for
        path = self.folder / kind_file(api_version, kind)
        if not path.is_file():
            return None
        data = path.read_bytes()
        schema = json.loads(data)
        if key not in _gvk(schema):  # e.g. apps.example.com/v1 shares the file name
            return None
        part = self._bundled(path.stem, lambda: schema, _digest(data))
        return KindSchema(f"Kubernetes {self.version}", [part], self)

    def _from_own(self, key: tuple[str, str]) -> KindSchema | None:
        name = OWN_SCHEMAS.get(key)
        if name is None:
            return None
        from kconfig.core.schemadata import load_schema

        parts = [_Part((), self._compile(load_schema(name), self._own())), self._meta_part()]
        for at, definition in _EXTRA_PARTS.get(key[1], ()):
            part = self.definition(definition)
            parts.append(_Part(at, part.validator, part.explain))
        return KindSchema(f"kconfig's schemas/{name}", parts, self)

    def _meta_part(self) -> _Part:
        part = self.definition(OBJECT_META)
        return _Part(("metadata",), part.validator, part.explain)

    # -- hints for messages --------------------------------------------------------------
    def known_api_versions(self, kind: str) -> list[str]:
        """Every apiVersion some source has a schema of ``kind`` for (for a hint)."""
        found = {av for av, k in self.crds() if k == kind}
        found.update(av for av, k in OWN_SCHEMAS if k == kind)
        if not _KIND.fullmatch(kind):
            return sorted(found)
        for path in self.folder.glob(f"{kind.lower()}-*.json"):
            found.update(av for av, k in _gvk(_read_json(path)) if k == kind)
        return sorted(found)

    def similar_kinds(self, kind: str) -> list[str]:
        """Known kind names close to a misspelt ``kind``."""
        names = {p.name.split("-", 1)[0] for p in self.folder.glob("*-*.json")}
        close = close_matches(kind.lower(), names, n=3, cutoff=0.75)
        close = [name for name in close if _KIND.fullmatch(name)]
        out: list[str] = []
        for lower in close:
            for path in self.folder.glob(f"{lower}-*.json"):
                out.extend(k for _, k in _gvk(_read_json(path)))
        own = [k for _, k in (*OWN_SCHEMAS, *self.crds())]
        out.extend(close_matches(kind, own, n=3, cutoff=0.75))
        return sorted(set(out) - {kind})

    def problem(self, at: tuple[str, ...], err: Any) -> SchemaProblem:
        """A jsonschema-rs error as a :class:`SchemaProblem` with a readable message."""
        path: PathKey = (*at, *err.instance_path)
        kind = err.kind
        name = getattr(kind, "name", "")
        if name == "additionalProperties":
            unexpected = tuple(str(u) for u in kind.unexpected)
            allowed = tuple(self._properties_at(err.absolute_keyword_location))
            return SchemaProblem(path, err.message, name, unexpected, allowed)
        if name == "type":
            expected = [t for t in kind.types if t != "null"] or list(kind.types)
            message = f"expected {_or(expected)}, found {describe(err.instance)}"
            return SchemaProblem(path, message, name)
        if name == "enum":
            options = tuple(str(o) for o in kind.options if o is not None)
            message = f"{describe(err.instance)} is not one of {', '.join(options)}"
            return SchemaProblem(path, message, name, allowed=options)
        if name == "required":
            return SchemaProblem(path, f"missing required field `{kind.property}`", name)
        if name == "oneOf" and str(err.absolute_keyword_location or "").endswith(_QUANTITY):
            return SchemaProblem(
                path,
                "expected a quantity (a string such as 100m or "
                f"128Mi, or a number), found {describe(err.instance)}",
                name,
            )
        if name == "oneOf" and str(err.absolute_keyword_location or "").endswith(_INT_OR_STR):
            return SchemaProblem(
                path, f"expected integer or string, found {describe(err.instance)}", name
            )
        if type(kind).__name__ == "OneOfMultipleValid":
            return SchemaProblem(
                path, "matches more than one of the forms allowed here; set only one of them", name
            )
        if name in ("anyOf", "oneOf") and getattr(kind, "context", None):
            forms = "; or ".join(group[0].message for group in kind.context if group)
            return SchemaProblem(path, f"matches none of the allowed forms ({forms})", name)
        return SchemaProblem(path, _shorten(err.message), name)

    def _properties_at(self, location: Any) -> list[str]:
        """Property names of the schema object whose keyword failed (for did-you-mean)."""
        uri, _, pointer = str(location or "").partition("#")
        node: Any = self._docs.get(uri)
        for token in pointer.split("/")[1:-1]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return []
        props = node.get("properties") if isinstance(node, Mapping) else None
        return sorted(props) if isinstance(props, Mapping) else []


_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_API_VERSION = re.compile(r"([a-z0-9][-a-z0-9.]*/)?v[0-9]+((alpha|beta)[0-9]+)?")
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity/oneOf"
_INT_OR_STR = "io.k8s.apimachinery.pkg.util.intstr.IntOrString/oneOf"


def _shorten(message: str, limit: int = 200) -> str:
    """Some messages quote the whole failing value: keep them to one readable line."""
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _or(words: Iterable[str]) -> str:
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]
