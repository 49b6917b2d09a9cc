"""The read-only project every stage takes: :class:`Sources`.

``Sources`` is what was read from disk and nothing else: the project root, kconfig.yaml as a
typed record, the confined file reader, kconfig's compiled schemas, and the environments and
apps found there. Stages (values, render, check, output, run, day two) take a ``Sources``
and never the public :class:`kconfig.Project`, which only delegates to them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from kconfig.core.names import did_you_mean, name_problem
from kconfig.errors import KconfigError, LoadError, SourcePos, UsageError
from kconfig.load.config import ProjectConfig, load_config
from kconfig.load.environments import Chain, Environment, build_environment, check_apps, env_chain
from kconfig.load.files import Files
from kconfig.load.inputs import OwnSchemas
from kconfig.load.paths import (
    APP_FILE,
    BASES,
    COMPONENT_FILE,
    COMPONENTS,
    ENV_FILE,
    LIB,
    OVERLAYS,
    PROJECT_FILE,
    base_dir,
)
from kconfig.load.usercache import user_cache_wanted


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


class Sources:
    """A project as read from disk (see the module docstring). Files are read once each."""

    def __init__(
        self,
        root: Path,
        config: ProjectConfig,
        files: Files,
        schemas: OwnSchemas | None = None,
        *,
        user_cache: bool = True,
        bound_memory: bool = False,
    ) -> None:
        self.root = root
        self.config = config
        self.files = files
        self.schemas = schemas or OwnSchemas()
        # May kconfig keep files under $XDG_CACHE_HOME/kconfig (kconfig.load.usercache)?
        self.user_cache = user_cache
        # Does rendering lower the process's address-space limit (limits.maxRenderMemory)?
        self.bound_memory = bound_memory
        self._envs: dict[str, Environment] = {}
        self._chains: dict[str, Chain] = {}
        self._apps: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def environments(self) -> list[str]:
        """Environments in promotion order (kconfig.yaml ``environments``, else overlays/)."""
        if self.config.environments:
            return list(self.config.environments)
        folder = self.files.path(OVERLAYS)
        if not folder.is_dir():
            return []
        self.files.listable(OVERLAYS)
        return sorted(p.name for p in folder.iterdir() if (p / ENV_FILE).is_file())

    @property
    def apps(self) -> list[str]:
        """Every app under bases/ (folders holding app.yaml), sorted."""
        if self._apps is None:
            folder = self.files.path(BASES)
            found: list[str] = []
            if folder.is_dir():
                self.files.listable(BASES)
                for entry in sorted(folder.iterdir()):
                    if not (entry / APP_FILE).exists():
                        continue
                    problem = name_problem(entry.name)
                    if problem:
                        raise LoadError(f"app folder: {problem}", SourcePos(base_dir(entry.name)))
                    found.append(entry.name)
            self._apps = tuple(found)
        return list(self._apps)

    @property
    def components(self) -> list[str]:
        """Every folder under components/ that holds a values.yaml, sorted."""
        folder = self.files.path(COMPONENTS)
        if not folder.is_dir():
            return []
        self.files.listable(COMPONENTS)
        return sorted(e.name for e in folder.iterdir() if (e / COMPONENT_FILE).is_file())

    def env(self, name: str, *, pos: SourcePos | None = None) -> Environment:
        """The environment ``name`` with its extends chain applied (``pos``: where it was
        named; None when a user named it, so an unknown name is a usage error)."""
        cached = self._envs.get(name)
        if cached is None:
            if self.config.problems:  # kconfig.yaml is an input of every environment
                raise LoadError(list(self.config.problems))
            chain = self.env_docs(name, pos)
            cached = self._envs[name] = build_environment(name, self.config.name, chain)
        return cached

    def env_docs(self, name: str, pos: SourcePos | None = None) -> Chain:
        """(environment, env.yaml) for ``name``'s chain, root first, each checked against
        ``env.schema.json`` (every problem of the chain raised together)."""
        chain = self._chains.get(name)
        if chain is None:
            chain = env_chain(self.files, self.schemas, name, pos, lambda: self.environments)
            self._chains[name] = chain
        return list(chain)

    def apps_of(self, env: Environment) -> list[str]:
        """The apps rendered in ``env``: its ``apps:`` list (checked), else every app."""
        if env.apps is None:
            return self.apps
        return check_apps(env, self.apps)

    def with_files(self, files: Files) -> Sources:
        """The same project read through ``files`` (the edit engine's "as if written")."""
        return self._like(files)

    def reread(self) -> Sources:
        """The same project with nothing read yet: sees files changed since."""
        return self._like(self.files.fresh())

    def _like(self, files: Files) -> Sources:
        return Sources(
            self.root,
            self.config,
            files,
            self.schemas,
            user_cache=self.user_cache,
            bound_memory=self.bound_memory,
        )

    def affected_environments(self, targets: Sequence[str], cwd: Path) -> list[str]:
        """The environments ``targets`` (environment names or files) select, in promotion
        order.

        A file under overlays/<env>/ selects that environment and every one that extends
        it; a base, a component, kconfig.yaml, a schema, a ``lib/`` file (templates of every
        app may include or import it) or a ``crds:`` file selects all. Any other file, inside
        the project or not, is a usage error (it is no input: validating "it" would check
        nothing); anything else must be an environment name.
        """
        envs = self.environments
        if not targets:
            return list(envs)
        chosen: set[str] = set()
        for target in targets:
            if target in envs and "/" not in target:
                chosen.add(target)
                continue
            rel = _project_path(self.root, cwd, target)
            if rel is None:
                known = ", ".join(envs) or "none"
                raise UsageError(
                    f"{target!r} is neither an environment (environments: {known}) "
                    "nor a file of the project"
                )
            if not rel:
                raise UsageError(f"{target}: the file is outside the project at {self.root}")
            affected = self._affected_by(rel)
            if not affected:
                raise UsageError(self._not_an_input(target, rel))
            chosen.update(affected)
        return [e for e in envs if e in chosen]

    def _not_an_input(self, target: str, rel: str) -> str:
        parts = rel.split("/")
        if len(parts) >= 2 and parts[0] == OVERLAYS:
            envs = self.environments
            return (
                f"{target}: {OVERLAYS}/{parts[1]}/ is the folder of no environment"
                f"{did_you_mean(parts[1], envs)} (environments: {', '.join(envs) or 'none'})"
            )
        return (
            f"{target}: the file is not an input of the project (inputs: {PROJECT_FILE}, "
            f"{BASES}/, {OVERLAYS}/<env>/, {COMPONENTS}/, {LIB}/, schemas/ and the `crds:` "
            "files), so validating it checks nothing"
        )

    def _affected_by(self, rel: str) -> set[str]:
        envs = self.environments
        shared = (f"{BASES}/", f"{COMPONENTS}/", f"{LIB}/", "schemas/")
        if rel == PROJECT_FILE or rel.startswith(shared) or rel in self.config.crds:
            return set(envs)
        parts = rel.split("/")
        if len(parts) >= 2 and parts[0] == OVERLAYS:
            changed = parts[1]
            out = set()
            for env in envs:
                try:
                    chain = self.env(env).chain
                except KconfigError:
                    chain = (env,)  # broken: validate it, so its error is reported
                if changed in chain:
                    out.add(env)
            return out
        return set()


def _project_path(root: Path, cwd: Path, target: str) -> str | None:
    """``target`` relative to the project root, when it names a path (existing or not)."""
    path = Path(target)
    looks_like_path = "/" in target or path.suffix != "" or (cwd / path).exists()
    if not looks_like_path:
        return None
    # By the path as written, never by a link's target (issue 18): the pre-commit hook
    # passes overlays/qa/web.yaml, which affects qa even when it is a link; a link that
    # leaves the project is then refused when qa reads it. Only the project root and the
    # folders above it may be reached through links (/tmp -> /private/tmp).
    lexical = Path(os.path.normpath(cwd / path))
    for base in (Path(os.path.normpath(Path.cwd() / root)), root.resolve()):
        if lexical.is_relative_to(base):
            return lexical.relative_to(base).as_posix()
    real_root = root.resolve()
    for folder in lexical.parents:  # a link to the project: resolve the part above it
        real = folder.resolve()
        if real.is_relative_to(real_root):
            rel = (real / lexical.relative_to(folder)).relative_to(real_root)
            return rel.as_posix()
    return ""  # a path outside the project: it affects nothing


def load_sources(
    path: str | Path = ".",
    *,
    kubernetes_version: str | None = None,
    user_cache: bool | None = None,
    bound_memory: bool = False,
) -> Sources:
    """Read the project whose kconfig.yaml is at ``path`` (a folder or the file itself);
    ``kubernetes_version`` replaces kconfig.yaml's ``kubernetesVersion``; ``user_cache``
    (default: unless ``$KCONFIG_NO_USER_CACHE``) lets kconfig keep files per user;
    ``bound_memory`` applies ``limits.maxRenderMemory`` (see :class:`Sources`)."""
    root = Path(path)
    if root.name == PROJECT_FILE and root.is_file():
        root = root.parent
    if not (root / PROJECT_FILE).is_file():
        raise LoadError(f"no {PROJECT_FILE} in {root}", SourcePos(str(root)))
    files = Files(root)
    schemas = OwnSchemas()
    config = load_config(files.mapping(PROJECT_FILE), schemas)
    if kubernetes_version is not None:
        config = replace(config, kubernetes_version=kubernetes_version)
    files.limits = config.limits.read
    return Sources(
        root,
        config,
        files,
        schemas,
        user_cache=user_cache_wanted(user_cache),
        bound_memory=bound_memory,
    )
