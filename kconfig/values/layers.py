"""App values: the layers of one app in one environment, merged, with provenance.

Layer order (CONTRACT "Layers and merge rules"), lowest first:

0. kconfig's built-in defaults (so templates never guess; ``explain`` shows them as such)
1. ``bases/<app>/app.yaml``
2. each component the app lists, in order
3. for each environment of the ``extends`` chain, root first: its ``defaults``, then its
   ``overlays/<env>/<app>.yaml``
4. ``--set path=value`` overrides, last one wins

``patches:`` is taken out of every overlay before merging: patches are not values, each
overlay's patches all apply (in layer order) to the rendered manifests.

Which components apply is itself a value (an overlay may add one), so the layers are merged
once without components to learn the list, then again with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from kconfig.core.marked import DROP, MarkedList, MarkedMap, plain
from kconfig.core.merge import Merged, Origin, merge_layers
from kconfig.core.names import check_name
from kconfig.core.paths import PathKey, parse_value_path
from kconfig.errors import Collector, LoadError, SourcePos, UsageError, ValidationError
from kconfig.load.inputs import not_a_string
from kconfig.load.paths import base_file, component_file, overlay_file
from kconfig.load.reader import parse_yaml

if TYPE_CHECKING:
    from kconfig.load.environments import Environment
    from kconfig.load.sources import Sources

DEFAULTS_SOURCE = "<kconfig defaults>"

# Layer 0. Kept small: only what templates need to find to render something sensible.
BUILTIN_DEFAULTS: dict[str, Any] = {
    "replicas": 1,
    "port": 8080,
    "portName": "http",
    "service": {"enabled": True, "port": 80, "type": "ClusterIP"},
    "env": {},
    "resources": {},
    "probes": {},
    "labels": {},
    "annotations": {},
    "sidecars": [],
    "ingress": {
        "enabled": False,
        "path": "/",
        "pathType": "Prefix",
        "className": "nginx",
        "annotations": {},
    },
    "networkPolicy": {"enabled": False, "allowFrom": []},
    "strategy": {"type": "rolling"},
    "components": [],
}


class Layer(NamedTuple):
    """One source of values: a file (or the defaults, or ``--set``) and what it says."""

    label: str  # e.g. "base", "component hpa", "env prod defaults", "overlay prod"
    doc: Mapping[str, Any]
    source: str


class Patch(NamedTuple):
    """One entry of an overlay's ``patches:``, with where it was written."""

    target_kind: str
    target_name: str
    patch: Mapping[str, Any]
    pos: SourcePos


@dataclass
class Values:
    """The merged values of one app in one environment."""

    app: str
    env: str
    merged: Merged
    layers: list[Layer]
    patches: list[Patch] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return self.merged.data

    def origin(self, path: PathKey) -> SourcePos | None:
        return self.merged.origin(path)

    def history(self, path: PathKey) -> list[Origin]:
        return list(self.merged.provenance.get(path, ()))


# -- --set ------------------------------------------------------------------------------
def _shown(expr: str, width: int = 60) -> str:
    """``expr`` quoted for a message, cut short: a message stays one readable line."""
    if len(expr) <= width:
        return repr(expr)
    return repr(expr[:width]) + "..."


def _set_value(raw: str) -> Any:
    """A ``--set`` value, read by the same bounded reader as files (no alias bombs, no
    deep nesting, no tags), as plain data."""
    try:
        return plain(parse_yaml(raw, "--set"))
    except LoadError as err:
        raise ValueError(err.diagnostics[0].message) from err


def set_layer(expressions: Sequence[str]) -> Layer:
    """``--set path=value`` expressions as one layer (values parsed as YAML 1.1 scalars)."""
    doc: dict[str, Any] = {}
    for expr in expressions:
        path_text, sep, raw = expr.partition("=")
        try:
            if not sep:
                raise ValueError(f"expected PATH=VALUE, got {_shown(expr)}")
            path = parse_value_path(path_text.strip())
            value = _set_value(raw)
        except ValueError as err:
            raise UsageError(f"--set {_shown(expr)}: {err}", code="KC021") from err
        _assign(doc, path, value, expr)
    return Layer("--set", _mark_set(doc), "--set")


def _assign(doc: dict[str, Any], path: list[str | tuple[str]], value: Any, expr: str) -> None:
    node: Any = doc
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, tuple):
            if not isinstance(node, list):
                raise UsageError(
                    f"--set {_shown(expr)}: [{part[0]}] must follow a list key", code="KC021"
                )
            item = next((it for it in node if it.get("name") == part[0]), None)
            if item is None:
                item = {"name": part[0]}
                node.append(item)
            node = item
            if last:
                raise UsageError(f"--set {_shown(expr)}: a path must end with a key", code="KC021")
            continue
        nxt_is_item = not last and isinstance(path[i + 1], tuple)
        if last:
            node[part] = value
        else:
            default: Any = [] if nxt_is_item else {}
            if not isinstance(node.get(part), list | dict):
                node[part] = default
            node = node[part]


def _mark_set(doc: Mapping[str, Any]) -> MarkedMap:
    """Give --set values a position (``--set``) so provenance names the command line."""
    out = MarkedMap("--set")
    for key, value in doc.items():
        out[key] = _mark_any(value)
        out.mark(key, (0, 0), (0, 0))
    return out


def _mark_any(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _mark_set(value)
    if isinstance(value, list):
        seq = MarkedList("--set")
        for item in value:
            seq.mark_append(_mark_any(item), (0, 0))
        return seq
    return value


# -- layering ---------------------------------------------------------------------------
def _defaults_layer() -> Layer:
    return Layer("kconfig defaults", BUILTIN_DEFAULTS, DEFAULTS_SOURCE)


def _split_patches(doc: MarkedMap, errors: Collector) -> tuple[MarkedMap, list[Patch]]:
    """The overlay without ``patches:``, and its patches checked for shape."""
    raw = doc.get("patches")
    if raw is None:
        return doc, []
    rest = doc.replaced("patches", DROP)
    if not isinstance(raw, list):
        errors.error("'patches' must be a list", doc.pos("patches"), "KC041")
        return rest, []
    patches: list[Patch] = []
    for i, entry in enumerate(raw):
        where = raw.pos(i) if isinstance(raw, MarkedList) else doc.pos("patches")
        target = entry.get("target") if isinstance(entry, Mapping) else None
        body = entry.get("patch") if isinstance(entry, Mapping) else None
        if not isinstance(target, Mapping) or not isinstance(body, Mapping):
            errors.error(
                "a patch needs 'target: {kind, name}' and a mapping 'patch'", where, "KC041"
            )
            continue
        kind, name = target.get("kind"), target.get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            errors.error("patch target needs string 'kind' and 'name'", where, "KC041")
            continue
        patches.append(Patch(kind, name, body, where))
    return rest, patches


class Layering:
    """Builds the layers of apps in one environment of a project."""

    def __init__(self, sources: Sources, env: Environment, overrides: Sequence[str] = ()) -> None:
        self.sources = sources
        self.env = env
        self.chain = sources.env_docs(env.name)
        # Parsed once per run: a malformed --set is a usage error before any app renders.
        self.overrides = set_layer(overrides) if overrides else None

    def base(self, app: str) -> Layer:
        rel = base_file(app)
        if not self.sources.files.exists(rel):
            raise LoadError(
                f"app {app!r} has no base: {rel} does not exist", SourcePos(self.env.source)
            )
        return Layer("base", self.sources.files.mapping(rel), rel)

    def env_layers(self, app: str, errors: Collector) -> tuple[list[Layer], list[Patch]]:
        layers: list[Layer] = []
        patches: list[Patch] = []
        for name, env_doc in self.chain:
            defaults = env_doc.get("defaults")  # a mapping: env.yaml passed its schema
            if defaults:
                layers.append(Layer(f"env {name} defaults", defaults, env_doc.source))
            rel = overlay_file(name, app)
            if self.sources.files.exists(rel):
                doc, found = _split_patches(self.sources.files.mapping(rel), errors)
                layers.append(Layer(f"overlay {name}", doc, rel))
                patches.extend(found)
        return layers, patches

    def components(self, names: Any, where: SourcePos | None) -> list[Layer]:
        if names is None:
            return []
        if not isinstance(names, list):
            raise LoadError("'components' must be a list of names", where)
        layers = []
        for name in names:
            check_name(name, "component", where or SourcePos("components"))
            rel = component_file(name)
            if not self.sources.files.exists(rel):
                raise LoadError(f"unknown component {name!r}: {rel} does not exist", where)
            layers.append(Layer(f"component {name}", self.sources.files.mapping(rel), rel))
        return layers

    def values(self, app: str) -> Values:
        errors = Collector()
        base = self.base(app)
        env_layers, patches = self.env_layers(app, errors)
        errors.raise_if_errors(LoadError)
        tail = [*env_layers, self.overrides] if self.overrides else env_layers
        head = [_defaults_layer(), base]
        fallback = SourcePos(DEFAULTS_SOURCE)
        layers = [*head, *tail]
        merged = merge_layers([layer.doc for layer in layers], fallback)
        comps = self.components(merged.data.get("components"), merged.origin(("components",)))
        if comps:  # components sit between the base and the environments: merge again
            layers = [*head, *comps, *tail]
            merged = merge_layers([layer.doc for layer in layers], fallback)
        values = Values(app, self.env.name, merged, layers, patches)
        check_values(values)
        return values


# -- checks that reading input owes the user (CONTRACT "Reading input") -------------------
# Where Kubernetes wants a string, a YAML 1.1 boolean or number is a mistake to report,
# never something to convert silently: `on` would become "true", `1.10` would become "1.1".
_STRING_MAPS = (
    ("env",),
    ("labels",),
    ("annotations",),
    ("podAnnotations",),
    ("ingress", "annotations"),
    ("service", "annotations"),
    ("nodeSelector",),
)
_STRING_LEAVES = (("image", "tag"), ("image", "repository"), ("image", "digest"))


def _wants_string(path: PathKey) -> bool:
    if path in _STRING_LEAVES:
        return True
    return any(len(path) == len(p) + 1 and path[: len(p)] == p for p in _STRING_MAPS)


def check_values(values: Values) -> None:
    """String-typed fields that hold a boolean or a number are errors at their file:line."""
    errors = Collector()
    for path, history in values.merged.provenance.items():
        value = history[-1].value
        if isinstance(value, bool | int | float) and _wants_string(path):
            dotted = ".".join(str(p) for p in path)
            errors.error(
                not_a_string(dotted, value),
                history[-1].pos,
                "KC014",
            )
    errors.raise_if_errors(ValidationError)


def app_values(sources: Sources, env: str, app: str, overrides: Sequence[str] = ()) -> Values:
    """The merged values of ``app`` in ``env`` (named by a user: an app the environment
    does not have is a usage error), with per-leaf provenance."""
    environment = sources.env(env)
    if app not in sources.apps_of(environment):
        raise UsageError(f"{app!r} is not an app of environment {env!r}")
    return Layering(sources, environment, overrides).values(app)
