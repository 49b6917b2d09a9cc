"""A kconfig project on disk: kconfig.yaml, environments (with ``extends``), apps.

This module discovers and reads; it does not merge app values (``_values``) or render
(``_pipeline``). Every file is read once per :class:`Project` instance and kept with its
positions. Every name is checked before it becomes part of a path, and every path is
resolved and confined to the project root, so a symlink cannot lead a read outside it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kconfig.core.marked import MarkedList, MarkedMap
from kconfig.core.merge import merge_layers
from kconfig.core.names import check_name, name_problem
from kconfig.errors import Collector, LoadError, MergeError, SourcePos, UsageError
from kconfig.load.reader import ReadLimits, load_mapping

if TYPE_CHECKING:
    from kconfig.check.validate import Report
    from kconfig.core.manifests import Manifest
    from kconfig.daytwo.diff import EnvDiff
    from kconfig.daytwo.edit import EditResult
    from kconfig.daytwo.explain import Explanation
    from kconfig.daytwo.promote import PromoteResult
    from kconfig.run.build import BuildResult
    from kconfig.values.layers import Values

PROJECT_FILE = "kconfig.yaml"
DEFAULT_K8S = "1.30"
BACKENDS = ("jinja", "jsonnet")


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds a kconfig.yaml."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise LoadError(
        f"no {PROJECT_FILE} found in {start} or any parent folder (use -C DIR)",
        SourcePos(str(start)),
    )


class Limits(NamedTuple):
    """Resource bounds for rendering (kconfig.yaml ``limits:``)."""

    render_timeout: float = 10.0
    max_depth: int = 100
    jsonnet_max_stack: int = 500
    read: ReadLimits = ReadLimits()


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """kconfig.yaml, read and checked."""

    name: str
    kubernetes_version: str
    backend: str
    output: str
    environments: tuple[str, ...]
    promote: tuple[str, ...]
    crds: tuple[str, ...]
    gitops: Mapping[str, Any]
    limits: Limits
    allow_env: tuple[str, ...]
    doc: MarkedMap


@dataclass(frozen=True, slots=True)
class Environment:
    """One environment, with its ``extends`` chain already applied."""

    name: str
    namespace: str
    domain: str | None
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    isolation: bool
    allow_namespaces: tuple[str, ...]
    apps: tuple[str, ...] | None
    chain: tuple[str, ...]  # root first, this environment last
    disabled_checks: frozenset[str]
    allow_secrets: bool
    source: str  # overlays/<env>/env.yaml
    doc: MarkedMap  # this environment's own env.yaml
    merged: Mapping[str, Any]  # every inherited key, for checks that need more


def _str_tuple(doc: MarkedMap, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    value = doc.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LoadError(f"'{key}' must be a list of strings", doc.pos(key))
    return tuple(value)


def _limit(raw: Mapping[str, Any], key: str, default: float, integer: bool) -> Any:
    """One ``limits:`` value: a positive number (an integer where counted), else an error."""
    value = raw.get(key, default)
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        what = "a positive integer" if integer else "a positive number of seconds"
        pos = raw.pos(key) if isinstance(raw, MarkedMap) else None
        raise LoadError(f"'limits.{key}' must be {what}, not {value!r}", pos)
    return value


def _parse_limits(doc: MarkedMap) -> Limits:
    raw = doc.get("limits") or {}
    if not isinstance(raw, Mapping):
        raise LoadError("'limits' must be a mapping", doc.pos("limits"))
    base = Limits()
    depth = _limit(raw, "maxDepth", base.max_depth, True)
    return Limits(
        render_timeout=float(_limit(raw, "renderTimeout", base.render_timeout, False)),
        max_depth=depth,
        jsonnet_max_stack=_limit(raw, "jsonnetMaxStack", base.jsonnet_max_stack, True),
        read=ReadLimits(
            max_nodes=_limit(raw, "maxAliasExpansion", base.read.max_nodes, True),
            max_depth=depth,
        ),
    )


def _scalar_str(doc: MarkedMap, key: str, default: str) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise LoadError(
            f"'{key}' must be a string, found {type(value).__name__} {value!r}; quote it",
            doc.pos(key),
        )
    return value


def parse_config(doc: MarkedMap) -> ProjectConfig:
    """Check kconfig.yaml's keys the loader depends on; the full schema check is later."""
    if "project" not in doc:
        raise LoadError("'project' is required (the project's name)", SourcePos(doc.source, 1, 1))
    name = check_name(doc["project"], "project", doc.pos("project"))
    version = _scalar_str(doc, "kubernetesVersion", DEFAULT_K8S)
    backend = _scalar_str(doc, "backend", "jinja")
    if backend not in BACKENDS:
        raise LoadError(f"unknown backend {backend!r}: use jinja or jsonnet", doc.pos("backend"))
    envs = _str_tuple(doc, "environments")
    for i, env in enumerate(envs):
        check_name(env, "environment", doc["environments"].pos(i))
    if len(set(envs)) != len(envs):
        raise LoadError("'environments' lists a name twice", doc.pos("environments"))
    sandbox = doc.get("sandbox") or {}
    gitops = doc.get("gitops") or {}
    return ProjectConfig(
        name=name,
        kubernetes_version=version,
        backend=backend,
        output=_scalar_str(doc, "output", "deploy"),
        environments=envs,
        promote=_str_tuple(doc, "promote", ("image.tag",)),
        crds=_str_tuple(doc, "crds"),
        gitops=gitops if isinstance(gitops, Mapping) else {},
        limits=_parse_limits(doc),
        allow_env=_str_tuple(sandbox, "allowEnv") if isinstance(sandbox, MarkedMap) else (),
        doc=doc,
    )


# Keys of env.yaml that a child environment does not inherit from the one it extends.
_NOT_INHERITED = ("namespace", "extends", "defaults")


class Files:
    """Reads project files once, confined to the root, with positions.

    Folder listings and resolved folder paths are cached per instance: at hundreds of apps,
    ``Path.exists``/``resolve`` per file would cost more than parsing the files (so this
    class uses ``os.path`` on purpose).
    """

    def __init__(self, root: Path, limits: ReadLimits | None = None) -> None:
        self.root = root
        self._real_root = os.path.realpath(root)
        self.limits = limits or ReadLimits()
        self._cache: dict[str, MarkedMap] = {}
        self._listings: dict[str, frozenset[str]] = {}
        self._real_dirs: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        return self.root / rel

    def _listing(self, folder: str) -> frozenset[str]:
        names = self._listings.get(folder)
        if names is None:
            try:
                names = frozenset(os.listdir(os.path.join(self.root, folder)))  # noqa: PTH208, PTH118
            except OSError:
                names = frozenset()
            self._listings[folder] = names
        return names

    def _within(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def inside(self, rel: str) -> bool:
        """Whether ``rel`` resolves (symlinks followed) to a place inside the root."""
        folder, _, name = rel.rpartition("/")
        real_dir = self._real_dirs.get(folder)
        if real_dir is None:
            real_dir = os.path.realpath(os.path.join(self.root, folder))  # noqa: PTH118
            self._real_dirs[folder] = real_dir
        full = os.path.join(real_dir, name)  # noqa: PTH118
        if os.path.islink(full):  # noqa: PTH114
            full = os.path.realpath(full)
        return self._within(full)

    def exists(self, rel: str) -> bool:
        folder, _, name = rel.rpartition("/")
        return name in self._listing(folder)

    def mapping(self, rel: str) -> MarkedMap:
        cached = self._cache.get(rel)
        if cached is not None:
            return cached
        if not self.inside(rel):
            raise LoadError(
                "refusing to read a file outside the project (symlink?)", SourcePos(rel, 1, 1)
            )
        doc = load_mapping(self.path(rel), rel, self.limits)
        self._cache[rel] = doc
        return doc


class Project:
    """A kconfig project. ``Project.load(path)`` is the entry point of the Python API."""

    def __init__(self, root: Path, config: ProjectConfig, files: Files) -> None:
        self.root = root
        self.config = config
        self.files = files
        self._envs: dict[str, Environment] = {}
        self._apps: tuple[str, ...] | None = None

    @classmethod
    def load(cls, path: str | Path = ".") -> Project:
        """Load the project whose kconfig.yaml is at ``path`` (a folder or the file itself)."""
        root = Path(path)
        if root.name == PROJECT_FILE and root.is_file():
            root = root.parent
        if not (root / PROJECT_FILE).is_file():
            raise LoadError(f"no {PROJECT_FILE} in {root}", SourcePos(str(root)))
        files = Files(root)
        config = parse_config(files.mapping(PROJECT_FILE))
        files.limits = config.limits.read
        return cls(root, config, files)

    # -- discovery ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.config.name

    @property
    def environments(self) -> list[str]:
        """Environments in promotion order (kconfig.yaml ``environments``, else overlays/)."""
        if self.config.environments:
            return list(self.config.environments)
        folder = self.files.path("overlays")
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / "env.yaml").is_file())

    @property
    def apps(self) -> list[str]:
        """Every app under bases/ (folders holding app.yaml), sorted."""
        if self._apps is None:
            folder = self.files.path("bases")
            found: list[str] = []
            if folder.is_dir():
                for entry in sorted(folder.iterdir()):
                    if not (entry / "app.yaml").exists():
                        continue
                    problem = name_problem(entry.name)
                    if problem:
                        raise LoadError(f"app folder: {problem}", SourcePos(f"bases/{entry.name}"))
                    found.append(entry.name)
            self._apps = tuple(found)
        return list(self._apps)

    # -- environments --------------------------------------------------------------------
    def env(self, name: str, *, pos: SourcePos | None = None) -> Environment:
        """The environment ``name`` with its extends chain applied."""
        cached = self._envs.get(name)
        if cached is None:
            cached = self._envs[name] = self._load_env(name, pos)
        return cached

    def _env_doc(self, name: str, pos: SourcePos | None) -> MarkedMap:
        problem = name_problem(name)
        if problem is not None:
            if pos is None:  # named on the command line or through the API
                raise UsageError(f"environment: {problem}")
            raise LoadError(f"environment: {problem}", pos)
        rel = f"overlays/{name}/env.yaml"
        if not self.files.exists(rel):
            known = ", ".join(self.environments) or "none"
            message = f"unknown environment {name!r}: {rel} does not exist (environments: {known})"
            if pos is None:  # named on the command line or through the API
                raise UsageError(message)
            raise LoadError(message, pos)
        return self.files.mapping(rel)

    def _chain(self, name: str, pos: SourcePos | None) -> list[tuple[str, MarkedMap]]:
        """``name`` and the environments it extends, root first."""
        chain: list[tuple[str, MarkedMap]] = []
        seen: list[str] = []
        current, where = name, pos
        while True:
            if current in seen:
                cycle = " -> ".join([*seen, current])
                raise MergeError(f"extends cycle: {cycle}", where)
            seen.append(current)
            doc = self._env_doc(current, where)
            chain.append((current, doc))
            parent = doc.get("extends")
            if parent is None:
                break
            where = doc.pos("extends")
            if not isinstance(parent, str):
                raise LoadError("'extends' must be an environment name", where)
            current = parent
        chain.reverse()
        return chain

    def _load_env(self, name: str, pos: SourcePos | None) -> Environment:
        chain = self._chain(name, pos)
        own = chain[-1][1]
        inherited = [
            {k: v for k, v in doc.items() if k not in _NOT_INHERITED or doc is own}
            for _, doc in chain
        ]
        merged = merge_layers(inherited).data
        _check_string_maps(doc for _, doc in chain)
        namespace = merged.get("namespace") or f"{self.config.name}-{name}"
        check_name(namespace, "namespace", own.pos("namespace"))
        apps = merged.get("apps")
        checks = merged.get("checks") or {}
        if not isinstance(checks, Mapping):
            raise LoadError(
                "'checks' must be a mapping, e.g. {disable: [KC101]}", _key_pos(chain, "checks")
            )
        return Environment(
            name=name,
            namespace=namespace,
            domain=merged.get("domain"),
            labels=_string_map(merged, own, "labels"),
            annotations=_string_map(merged, own, "annotations"),
            isolation=bool(merged.get("isolation", True)),
            allow_namespaces=_env_strings(merged, chain, "allowNamespaces"),
            apps=tuple(apps) if isinstance(apps, list) else None,
            chain=tuple(n for n, _ in chain),
            disabled_checks=frozenset(_env_strings(checks, chain, "checks")),
            allow_secrets=bool(merged.get("allowSecrets", False)),
            source=own.source,
            doc=own,
            merged=merged,
        )

    # -- values and rendering (the Python API) -------------------------------------------
    def values(self, env: str, app: str, overrides: Sequence[str] = ()) -> Values:
        """The merged values of ``app`` in ``env``, with per-leaf provenance."""
        from kconfig.values.layers import Layering

        environment = self.env(env)
        if app not in self.apps_of(environment):
            raise UsageError(f"{app!r} is not an app of environment {env!r}")
        return Layering(self, environment, overrides).values(app)

    def render(
        self,
        env: str,
        apps: Sequence[str] | None = None,
        overrides: Sequence[str] | None = None,
        *,
        backend: str | None = None,
    ) -> list[Manifest]:
        """The manifests of ``env`` in output order (``apps`` narrows, ``overrides`` are
        ``path=value`` strings as for ``--set``)."""
        from kconfig.render.pipeline import RenderOptions, render_environment

        options = RenderOptions(apps=apps, overrides=tuple(overrides or ()), backend=backend)
        return render_environment(self, env, options)

    def env_docs(self, name: str) -> list[tuple[str, MarkedMap]]:
        """(environment, env.yaml) for ``name``'s chain, root first."""
        return self._chain(name, None)

    def apps_of(self, env: Environment) -> list[str]:
        """The apps rendered in ``env``: its ``apps:`` list (checked), else every app."""
        if env.apps is None:
            return self.apps
        known = set(self.apps)
        errors = Collector()
        for i, app in enumerate(env.apps):
            where = _list_pos(env.doc, "apps", i, env.source)
            problem = name_problem(app)
            if problem:
                errors.error(f"app: {problem}", where, "KC011")
            elif app not in known:
                errors.error(
                    f"unknown app {app!r}: bases/{app}/app.yaml does not exist", where, "KC012"
                )
        errors.raise_if_errors(LoadError)
        return list(env.apps)

    # -- day two: explain, diff, set image, promote (kconfig.daytwo.explain/_diff/_edit/_promote) --
    def explain(
        self, env: str, app: str, path: str | None = None, overrides: Sequence[str] = ()
    ) -> Explanation:
        """The effective value of ``app`` in ``env`` at ``path`` (``image.tag``,
        ``sidecars[name].image``; every value when ``None``) and each layer that set it."""
        from kconfig.daytwo.explain import explain

        return explain(self, env, app, path, overrides)

    def diff(
        self,
        env_a: str,
        env_b: str | None = None,
        apps: Sequence[str] | None = None,
        *,
        against: str | Path | None = None,
    ) -> EnvDiff:
        """The rendered manifests of ``env_a`` against ``env_b`` (namespaces aside), or the
        build output folder ``against`` (``-``) against ``env_a`` (``+``)."""
        from kconfig.daytwo.diff import diff_against, diff_envs

        if (env_b is None) == (against is None):
            raise UsageError("diff needs a second environment or a folder (against=), not both")
        if against is not None:
            return diff_against(self, env_a, against, apps)
        assert env_b is not None
        return diff_envs(self, env_a, env_b, apps)

    def set_image(self, env: str, app: str, tag: str, repository: str | None = None) -> EditResult:
        """Set ``image.tag`` (and ``image.repository``) in ``overlays/ENV/APP.yaml``,
        comments and form kept; checked before the file is written."""
        from kconfig.daytwo.edit import set_image

        result = set_image(self, env, app, tag, repository)
        self._reread()
        return result

    def promote(
        self,
        from_env: str,
        to_env: str,
        apps: Sequence[str] | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> PromoteResult:
        """Copy ``from_env``'s kconfig.yaml ``promote:`` values into ``to_env``'s overlays."""
        from kconfig.daytwo.promote import promote

        result = promote(self, from_env, to_env, apps, dry_run=dry_run, force=force)
        self._reread()
        return result

    def _reread(self) -> None:
        """Forget what was read, so values and renders see files this project edited."""
        self.files = Files(self.root, self.files.limits)
        self._envs.clear()

    # -- validation (kconfig.check.validate) ------------------------------------------------------
    def validate(self, envs: Sequence[str] | None = None, *, strict: bool = False) -> Report:
        """Validate the inputs and rendered output of ``envs`` (default: all environments);
        every problem is collected in the returned report (``report.failed(strict)``)."""
        from kconfig.check.validate import Validator

        return Validator(self, strict=strict).run(envs)

    # -- GitOps output (kconfig.run.build, _layout, _writer) ----------------------------------
    def build(
        self,
        envs: Sequence[str] = (),
        *,
        out: str | None = None,
        check: bool = False,
        commit: bool = False,
        validate: bool = True,
        cache: bool = True,
    ) -> BuildResult:
        """Write the GitOps tree of ``envs`` (default: all, pruning removed ones) into
        ``out`` (default kconfig.yaml ``output``); ``check`` only compares, ``commit``
        commits each environment to its branch (``gitops.layout: branches``); ``cache``
        reuses environments whose inputs did not change (``.kconfig-cache/``)."""
        from kconfig.run.build import BuildRequest, build

        return build(self, BuildRequest(tuple(envs), out, check, commit, validate, cache))


def _key_pos(chain: Sequence[tuple[str, MarkedMap]], key: str) -> SourcePos:
    """Where the environment that set ``key`` last (this one, else what it extends) did."""
    for _, doc in reversed(chain):
        if key in doc:
            return doc.pos(key)
    return SourcePos(chain[-1][1].source, 1, 1)


def _env_strings(
    merged: Mapping[str, Any], chain: Sequence[tuple[str, MarkedMap]], key: str
) -> tuple[str, ...]:
    """A list of strings from env.yaml (``checks`` means ``checks.disable``): the wrong type
    is a located error, never a crash or a string taken apart into characters."""
    value = merged.get("disable" if key == "checks" else key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        shown = "'checks.disable'" if key == "checks" else f"'{key}'"
        raise LoadError(f"{shown} must be a list of strings", _key_pos(chain, key))
    return tuple(value)


def _list_pos(doc: MarkedMap, key: str, index: int, source: str) -> SourcePos:
    seq = doc.get(key)
    if isinstance(seq, MarkedList):
        return seq.pos(index)
    return doc.pos(key) if key in doc else SourcePos(source, 1, 1)


def _check_string_maps(docs: Iterable[MarkedMap]) -> None:
    """Label and annotation values must be strings (CONTRACT "Reading input")."""
    from kconfig.values.layers import not_a_string

    errors = Collector()
    for doc in docs:
        for key in ("labels", "annotations"):
            mapping = doc.get(key)
            if not isinstance(mapping, MarkedMap):
                continue
            for name, value in mapping.items():
                if value is not None and not isinstance(value, str):
                    errors.error(not_a_string(f"{key}.{name}", value), mapping.pos(name), "KC014")
    errors.raise_if_errors(LoadError)


def _string_map(merged: Mapping[str, Any], own: MarkedMap, key: str) -> dict[str, str]:
    value = merged.get(key) or {}
    if not isinstance(value, Mapping):
        raise LoadError(f"'{key}' must be a mapping", own.pos(key))
    return dict(value)
