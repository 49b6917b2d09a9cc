"""The public facade: :class:`Project`, the entry point of the Python API.

``Project`` holds the read-only project (:class:`kconfig.load.sources.Sources`) and only
delegates: each method is one call into the stage that does the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kconfig.errors import UsageError
from kconfig.load.sources import Sources, find_root, load_sources

if TYPE_CHECKING:
    from kconfig.check.validate import Report
    from kconfig.core.manifests import Manifest
    from kconfig.daytwo.bluegreen import SwitchResult
    from kconfig.daytwo.diff import EnvDiff
    from kconfig.daytwo.edit import EditResult
    from kconfig.daytwo.explain import Explanation
    from kconfig.daytwo.promote import PromoteResult
    from kconfig.load.config import ProjectConfig
    from kconfig.load.environments import Environment
    from kconfig.run.build import BuildResult
    from kconfig.run.recipe import Rendered
    from kconfig.values.layers import Values


class Project:
    """A kconfig project. ``Project.load(path)`` is the entry point of the Python API."""

    def __init__(self, sources: Sources) -> None:
        self._sources = sources

    @classmethod
    def load(
        cls,
        path: str | Path = ".",
        *,
        kubernetes_version: str | None = None,
        user_cache: bool | None = None,
        bound_memory: bool = False,
    ) -> Project:
        """Load the project whose kconfig.yaml is at ``path`` (a folder or the file itself).

        ``kubernetes_version`` replaces kconfig.yaml's ``kubernetesVersion`` (the version
        whose schemas validate the output, and that templates see), as the Argo CD plugin
        does with the cluster's version. ``user_cache=False`` keeps kconfig from reading
        or writing anything under ``$XDG_CACHE_HOME/kconfig`` (template bytecode, schema
        bundles, the build cache's key; the build cache is then off); the default follows
        ``$KCONFIG_NO_USER_CACHE``. ``bound_memory=True`` bounds the memory of users'
        templates by kconfig.yaml ``limits.maxRenderMemory``, as the CLI does: Jsonnet then
        runs in a forked child, and a Jinja2 template lowers this process's address-space
        limit (``RLIMIT_AS``, every thread's) while it renders (SECURITY.md)."""
        return cls(
            load_sources(
                path,
                kubernetes_version=kubernetes_version,
                user_cache=user_cache,
                bound_memory=bound_memory,
            )
        )

    @classmethod
    def find(
        cls,
        start: str | Path = ".",
        *,
        kubernetes_version: str | None = None,
        user_cache: bool | None = None,
        bound_memory: bool = False,
    ) -> Project:
        """Load the project of the nearest kconfig.yaml at or above ``start``."""
        root = find_root(Path(start))
        return cls.load(
            root,
            kubernetes_version=kubernetes_version,
            user_cache=user_cache,
            bound_memory=bound_memory,
        )

    # -- what the project holds ----------------------------------------------------------
    @property
    def root(self) -> Path:
        return self._sources.root

    @property
    def name(self) -> str:
        return self._sources.name

    @property
    def config(self) -> ProjectConfig:
        """kconfig.yaml, read and checked."""
        return self._sources.config

    @property
    def environments(self) -> list[str]:
        """Environments in promotion order (kconfig.yaml ``environments``, else overlays/)."""
        return self._sources.environments

    @property
    def apps(self) -> list[str]:
        """Every app under bases/ (folders holding app.yaml), sorted."""
        return self._sources.apps

    def env(self, name: str) -> Environment:
        """The environment ``name`` with its extends chain applied."""
        return self._sources.env(name)

    def apps_of(self, env: Environment) -> list[str]:
        """The apps rendered in ``env``: its ``apps:`` list (checked), else every app."""
        return self._sources.apps_of(env)

    def select_environments(self, targets: Sequence[str], cwd: str | Path = ".") -> list[str]:
        """The environments named by ``targets`` or affected by the files among them (as
        pre-commit passes them; relative to ``cwd``), in promotion order; none: all."""
        return self._sources.affected_environments(targets, Path(cwd))

    # -- values and rendering --------------------------------------------------------------
    def values(self, env: str, app: str, overrides: Sequence[str] = ()) -> Values:
        """The merged values of ``app`` in ``env``, with per-leaf provenance."""
        from kconfig.values.layers import app_values

        return app_values(self._sources, env, app, overrides)

    def render(
        self,
        env: str,
        apps: Sequence[str] | None = None,
        overrides: Sequence[str] | None = None,
        *,
        backend: str | None = None,
        validate: bool = True,
        strict: bool = False,
    ) -> list[Manifest]:
        """The manifests of ``env`` in output order (``apps`` narrows, ``overrides`` are
        ``path=value`` strings as for ``--set``), validated as ``kconfig render`` does:
        inputs, overrides and output, in one pass. Raises the documented subclass of
        :class:`KconfigError` holding every located problem (:class:`ValidationError` for
        a schema or semantic check; a duplicate key is a :class:`LoadError`); ``strict``
        fails on warnings too; ``validate=False`` only renders."""
        return self.rendered(
            env, apps, overrides, backend=backend, validate=validate, strict=strict
        ).manifests

    def rendered(
        self,
        env: str,
        apps: Sequence[str] | None = None,
        overrides: Sequence[str] | None = None,
        *,
        backend: str | None = None,
        validate: bool = True,
        strict: bool = False,
    ) -> Rendered:
        """As :meth:`render`, with the warnings validation gave (``Rendered.warnings``)."""
        from kconfig.render.pipeline import RenderOptions
        from kconfig.run.recipe import render_validated

        options = RenderOptions(apps=apps, overrides=tuple(overrides or ()), backend=backend)
        return render_validated(self._sources, env, options, validate=validate, strict=strict)

    # -- day two -------------------------------------------------------------------------------
    def explain(
        self, env: str, app: str, path: str | None = None, overrides: Sequence[str] = ()
    ) -> Explanation:
        """The effective value of ``app`` in ``env`` at ``path`` (``image.tag``,
        ``sidecars[name].image``; every value when ``None``) and each layer that set it."""
        from kconfig.daytwo.explain import explain

        return explain(self._sources, env, app, path, overrides)

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
            return diff_against(self._sources, env_a, against, apps)
        assert env_b is not None
        return diff_envs(self._sources, env_a, env_b, apps)

    def set_image(
        self,
        env: str,
        app: str,
        tag: str | None = None,
        repository: str | None = None,
        *,
        digest: str | None = None,
        dry_run: bool = False,
    ) -> EditResult:
        """Set ``image.tag`` (and ``image.repository``; ``digest``: pin ``image.digest``) in
        ``overlays/ENV/APP.yaml``, comments and form kept; checked before the file is
        written. On an ingressBlueGreen app: the idle colour's tag (``EditResult.colour``)."""
        from kconfig.daytwo.bluegreen import set_app_image

        result = set_app_image(
            self._sources, env, app, tag, repository=repository, digest=digest, dry_run=dry_run
        )
        self._sources = self._sources.reread()
        return result

    def switch(
        self,
        env: str,
        app: str,
        to: str | None = None,
        *,
        force: bool = False,
        dry_run: bool = False,
    ) -> SwitchResult:
        """ingressBlueGreen: make ``to`` (default the idle colour) live, in
        ``overlays/ENV/APP.yaml``; refused unless that colour has a tag of its own that
        differs from the live one's (``force`` skips that check)."""
        from kconfig.daytwo.bluegreen import switch

        result = switch(self._sources, env, app, to, force=force, dry_run=dry_run)
        self._sources = self._sources.reread()
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

        result = promote(self._sources, from_env, to_env, apps, dry_run=dry_run, force=force)
        self._sources = self._sources.reread()
        return result

    # -- validation and output ---------------------------------------------------------------
    def validate(self, envs: Sequence[str] | None = None, *, strict: bool = False) -> Report:
        """Validate the inputs and rendered output of ``envs`` (default: all environments);
        every problem is collected in the returned report (``report.failed(strict)``)."""
        from kconfig.run.validate import validate_environments

        return validate_environments(self._sources, envs, strict=strict)

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

        request = BuildRequest(tuple(envs), out, check, commit, validate, cache)
        return build(self._sources, request)
