"""``diff``: what differs between the manifests of two environments, or an environment and a
build output folder.

Both sides become canonical manifests paired by (kind, name) and are compared as the YAML
kconfig writes, one unified diff per pair that differs, headed ``--- qa/Deployment/myapp``
``+++ prod/Deployment/myapp`` (``/dev/null`` for a side that lacks the object).

Between two environments, namespace differences alone do not count: each environment lives
in its own namespace, so what a user wants to see is everything *else*. Before comparing,
each side's own namespace is replaced by ``<namespace>`` where a value names a namespace:

* ``metadata.namespace`` and every other ``namespace:`` field (Argo CD destinations, role
  binding subjects), and the items of a ``namespaces:`` list (affinity terms);
* the value of the ``kubernetes.io/metadata.name`` label (namespace selectors of the
  isolation NetworkPolicy, ``Namespace`` labels) and the ``Namespace`` object's own name;
* the namespace label of in-cluster DNS names (``redis.shop-qa.svc.cluster.local``).

Labels such as ``env: qa`` are values the user chose and are compared. Against a build
folder nothing is normalised: the folder should hold exactly what the environment renders.
Nothing here prints; :func:`format_diff` returns text (coloured on request).
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconfig.core.dump import canonical, dump_yaml
from kconfig.core.manifests import kind_rank
from kconfig.errors import LoadError, OutputError, SourcePos, UsageError
from kconfig.load.reader import SAFE_LOADER, ReadLimits
from kconfig.output.writer import READ_LINK_REFUSED, resolve_no_links

if TYPE_CHECKING:
    from kconfig.load.sources import Sources

__all__ = ["EnvDiff", "ManifestDiff", "diff_against", "diff_envs", "format_diff"]

NAMESPACE = "<namespace>"
_NS_KEYS = frozenset({"namespace", "kubernetes.io/metadata.name"})
_NS_LISTS = frozenset({"namespaces"})
_CODE = "KC063"
_MAX_BYTES = ReadLimits().max_bytes * 16  # output files may be larger than inputs
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

Key = tuple[str, str]

_COLORS = {"header": "\033[1m", "hunk": "\033[36m", "-": "\033[31m", "+": "\033[32m"}
_RESET = "\033[0m"


@dataclass(frozen=True, slots=True)
class ManifestDiff:
    """The unified diff of one manifest (``lines`` include the ``---``/``+++`` headers)."""

    kind: str
    name: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EnvDiff:
    """Every manifest that differs between ``left`` and ``right``, in output order."""

    left: str
    right: str
    manifests: tuple[ManifestDiff, ...]
    compared: int  # pairs compared, equal or not

    @property
    def equal(self) -> bool:
        return not self.manifests

    def format(self, *, color: bool = False) -> str:
        """The unified diff text (``""`` when equal); see :func:`format_diff`."""
        return format_diff(self, color=color)


# -- normalising -----------------------------------------------------------------------------
class _Namespace:
    """Replaces one namespace by :data:`NAMESPACE` where a value names a namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.dns = re.compile(rf"(?<=\.){re.escape(namespace)}(?=\.svc(?:\.|$|:|/))")

    def body(self, body: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = self.value(body)
        meta = out.get("metadata")
        if isinstance(meta, dict) and out.get("kind") == "Namespace":
            meta["name"] = NAMESPACE if meta.get("name") == self.namespace else meta.get("name")
        return out

    def value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, Mapping):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            item_key = key if key in _NS_LISTS else None
            return [self.value(v, "namespace" if item_key else None) for v in value]
        if isinstance(value, str):
            if key in _NS_KEYS and value == self.namespace:
                return NAMESPACE
            return self.dns.sub(NAMESPACE, value) if "." in value else value
        return value


# -- pairing and comparing ---------------------------------------------------------------------
def _order(key: Key) -> tuple[int, str, str]:
    kind, name = key
    return (*kind_rank(kind), name)


def _key(body: Mapping[str, Any]) -> Key:
    meta = body.get("metadata")
    name = meta.get("name", "") if isinstance(meta, Mapping) else ""
    return str(body.get("kind", "")), str(name)


def _text(body: Mapping[str, Any] | None) -> list[str]:
    return [] if body is None else dump_yaml([body]).splitlines()


@dataclass(frozen=True, slots=True)
class _Side:
    """One side's objects by (kind, name) as compared, and their names as rendered."""

    label: str
    bodies: Mapping[Key, Mapping[str, Any]]
    names: Mapping[Key, str]

    def title(self, key: Key) -> str:
        if key not in self.bodies:
            return "/dev/null"
        return f"{self.label}/{key[0]}/{self.names.get(key, key[1])}"


def _compare(left: _Side, right: _Side) -> tuple[ManifestDiff, ...]:
    out: list[ManifestDiff] = []
    for key in sorted({*left.bodies, *right.bodies}, key=_order):
        a, b = left.bodies.get(key), right.bodies.get(key)
        lines = list(
            difflib.unified_diff(_text(a), _text(b), left.title(key), right.title(key), lineterm="")
        )
        if lines:
            out.append(ManifestDiff(key[0], key[1], tuple(lines)))
    return tuple(out)


def _rendered(sources: Sources, env: str, apps: Sequence[str] | None) -> list[dict[str, Any]]:
    """``env``'s manifests; with ``apps``, those of the ones ``env`` has (maybe none)."""
    if apps is not None:
        own = sources.apps_of(sources.env(env))
        apps = [app for app in apps if app in own]
        if not apps:
            return []
    from kconfig.render.pipeline import RenderOptions, render_environment

    return [m.body for m in render_environment(sources, env, RenderOptions(apps=apps))]


def _check_apps(sources: Sources, envs: Sequence[str], apps: Sequence[str] | None) -> None:
    """An ``--app`` that none of ``envs`` has is a mistake, not an empty diff."""
    known = {app for env in envs for app in sources.apps_of(sources.env(env))}
    unknown = [app for app in apps or () if app not in known]
    if unknown:
        raise UsageError(
            f"--app {', '.join(unknown)}: not an app of {' or '.join(envs)}", code=_CODE
        )


def _side(label: str, bodies: Iterable[Mapping[str, Any]], normal: _Namespace | None) -> _Side:
    found: dict[Key, Mapping[str, Any]] = {}
    names: dict[Key, str] = {}
    for body in bodies:
        compared = normal.body(body) if normal is not None else body
        key = _key(compared)
        found[key], names[key] = compared, _key(body)[1]
    return _Side(label, found, names)


def diff_envs(
    sources: Sources, env_a: str, env_b: str, apps: Sequence[str] | None = None
) -> EnvDiff:
    """The manifests of ``env_a`` against ``env_b``, namespaces aside; ``apps`` narrows (an
    app only one side has shows as added or removed)."""
    _check_apps(sources, (env_a, env_b), apps)
    left, right = (
        _side(env, _rendered(sources, env, apps), _Namespace(sources.env(env).namespace))
        for env in (env_a, env_b)
    )
    return EnvDiff(env_a, env_b, _compare(left, right), len({*left.bodies, *right.bodies}))


# -- a build output folder ---------------------------------------------------------------------
def _read_regular(path: Path, rel: str) -> str:
    """A manifest file's text, opened without following a link and only as a regular file
    of bounded size (a committed ``x.yaml -> ~/.kube/config`` is refused, issue 18)."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise LoadError(READ_LINK_REFUSED, SourcePos(rel), code=_CODE) from err
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError("not a regular file", SourcePos(rel), code=_CODE)
        if info.st_size > _MAX_BYTES:
            raise LoadError(
                f"file is {info.st_size} bytes, over the {_MAX_BYTES}-byte limit",
                SourcePos(rel),
                code=_CODE,
            )
        return handle.read(_MAX_BYTES + 1).decode("utf-8")


def _documents(path: Path, rel: str) -> Iterable[Mapping[str, Any]]:
    import yaml

    try:
        docs = list(yaml.load_all(_read_regular(path, rel), Loader=SAFE_LOADER))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as err:
        raise LoadError(
            f"cannot read this manifest file: {err}", SourcePos(rel), code=_CODE
        ) from err
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            raise LoadError(
                "a manifest file must hold mappings (Kubernetes objects)",
                SourcePos(rel),
                code=_CODE,
            )
        if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            yield from doc["items"]
        else:
            yield doc


def _manifest_files(folder: Path, label: str) -> list[Path]:
    """The ``*.yaml`` files below ``folder``, links not followed: a link to a file or a
    folder is an error naming it (it could lead to ``~/.kube/config``)."""
    files = []
    for here, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(here)
        for name in [*dirs, *names]:
            path = base / name
            if path.is_symlink():
                shown = f"{label}/{path.relative_to(folder).as_posix()}"
                raise LoadError(READ_LINK_REFUSED, SourcePos(shown), code=_CODE)
        for name in sorted(names):
            path = base / name
            if name.startswith(".") or path.suffix not in (".yaml", ".yml"):
                continue
            if path.stem != "kustomization":
                files.append(path)
    return sorted(files)


def read_folder(
    folder: Path, apps: Sequence[str] | None = None, root: Path | None = None
) -> dict[Key, dict[str, Any]]:
    """Every object in the ``*.yaml`` files under ``folder`` (recursively; dot files and
    ``kustomization.yaml`` skipped), canonical, by (kind, name); ``apps`` narrows to the
    objects labelled ``app.kubernetes.io/name`` with one of them."""
    if not folder.is_dir():
        raise UsageError(f"--against {folder}: not a folder", code=_CODE)
    label = str(folder).rstrip("/") or "."
    if root is not None:
        real_root = root.resolve()
        message = f"--against {str(folder)!r}: {READ_LINK_REFUSED}"
        try:
            folder = resolve_no_links(real_root, folder, message)
        except OutputError as err:
            raise LoadError(err.diagnostics) from err
    found: dict[Key, dict[str, Any]] = {}
    where: dict[Key, str] = {}
    for path in _manifest_files(folder, label):
        rel = path.relative_to(folder).as_posix()
        for doc in _documents(path, rel):
            if apps is not None and _app_of(doc) not in apps:
                continue
            key = _key(doc)
            if key in found:
                raise LoadError(
                    f"{key[0]}/{key[1]} is also in {where[key]}: point --against at the "
                    "output folder of one environment",
                    SourcePos(rel),
                    code=_CODE,
                )
            found[key], where[key] = canonical(doc), rel
    return found


def _app_of(doc: Mapping[str, Any]) -> str | None:
    meta = doc.get("metadata")
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    name = labels.get("app.kubernetes.io/name") if isinstance(labels, Mapping) else None
    return name if isinstance(name, str) else None


def diff_against(
    sources: Sources, env: str, folder: str | Path, apps: Sequence[str] | None = None
) -> EnvDiff:
    """The objects in the build output ``folder`` (``-``) against what ``env`` renders now
    (``+``): empty when the folder is up to date."""
    _check_apps(sources, (env,), apps)
    label = str(folder).rstrip("/") or "."
    on_disk = _side(label, read_folder(Path(folder), apps, sources.root).values(), None)
    rendered = _side(env, _rendered(sources, env, apps), None)
    diffs = _compare(on_disk, rendered)
    return EnvDiff(label, env, diffs, len({*on_disk.bodies, *rendered.bodies}))


# -- text ----------------------------------------------------------------------------------------
def _paint(line: str) -> str:
    if line.startswith(("---", "+++")):
        color = _COLORS["header"]
    elif line.startswith("@@"):
        color = _COLORS["hunk"]
    elif line[:1] in ("-", "+"):
        color = _COLORS[line[0]]
    else:
        return line
    return f"{color}{line}{_RESET}"


def format_diff(diff: EnvDiff, *, color: bool = False) -> str:
    """The unified diff text of every differing manifest (``""`` when equal)."""
    lines = [line for m in diff.manifests for line in m.lines]
    if color:
        lines = [_paint(line) for line in lines]
    return "".join(line + "\n" for line in lines)
