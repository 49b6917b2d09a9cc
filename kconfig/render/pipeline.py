"""Rendering one environment: values -> context -> templates -> patches -> ordered manifests.

Each app is rendered independently and every app's problems are collected, so one run
reports every broken app at once. Nothing here reads YAML (:mod:`kconfig.load` does) or
writes files (:mod:`kconfig.output.writer` does).

Every app's context and templates are decided first (:class:`AppJob`), then each backend is
told all it will render (``prefetch``: the Jsonnet backend renders a whole run in one VM),
then the templates are rendered app by app, custom templates replacing built-ins of the same
kind and name, and the overlay patches applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from kconfig.core.dump import canonical
from kconfig.core.manifests import (
    CLUSTER_SCOPED,
    ENV_APP,
    Manifest,
    drop_nulls,
    ordered,
)
from kconfig.core.merge import merge_layers
from kconfig.errors import (
    Collector,
    KconfigError,
    LoadError,
    PatchError,
    RenderError,
    SourcePos,
    UsageError,
)
from kconfig.load.paths import base_file, base_templates, component_templates
from kconfig.render.backends import (
    BUILTIN_PREFIX,
    SUFFIXES,
    Backend,
    BackendSettings,
    Template,
    builtin_template,
    load_backend,
    prefetch,
)
from kconfig.render.context import app_context, env_context, env_only_context, project_context
from kconfig.render.limits import TimeLimitExceeded, time_limit
from kconfig.values.layers import Layering, Patch, Values

if TYPE_CHECKING:
    from kconfig.load.environments import Environment
    from kconfig.load.sources import Sources

# Built-in templates, per app and per environment, in the order they run (the output is
# sorted afterwards, so this order only matters for which error is met first).
APP_TEMPLATES = (
    "configmap",
    "analysistemplate",
    "service",
    "deployment",
    "rollout",
    "ingress",
    "virtualservice",
    "httproute",
    "networkpolicy",
    "hpa",
    "pdb",
    "serviceaccount",
    "externalsecret",
    "sealedsecret",
)
ENV_TEMPLATES = ("namespace", "isolation")

_UNKNOWN = object()


def _at(ctx: Mapping[str, Any], *path: str) -> Any:
    """``ctx[path...]`` through mappings, or :data:`_UNKNOWN` where a step is not there."""
    node: Any = ctx
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return _UNKNOWN
        node = node[key]
    return node


def _none_of(ctx: Mapping[str, Any], *path: str) -> bool:
    """Whether the list at ``path`` is there and empty: a template looping over it renders
    nothing."""
    found = _at(ctx, *path)
    return isinstance(found, list | tuple) and not found


def _no_workload(kind: str) -> Callable[[Mapping[str, Any]], bool]:
    def check(ctx: Mapping[str, Any]) -> bool:
        found = _at(ctx, "plan", "workloads")
        return isinstance(found, list | tuple) and all(
            isinstance(w, Mapping) and "kind" in w and w["kind"] != kind for w in found
        )

    return check


def _off(*path: str) -> Callable[[Mapping[str, Any]], bool]:
    """The value at ``path`` is there and false: the template's ``if`` renders nothing."""

    def check(ctx: Mapping[str, Any]) -> bool:
        found = _at(ctx, *path)
        return found is not _UNKNOWN and not found

    return check


def _no_config_map(ctx: Mapping[str, Any]) -> bool:
    config_map = _at(ctx, "values", "configMap")
    if config_map is _UNKNOWN:
        return isinstance(_at(ctx, "values"), Mapping)  # values.get("configMap"): none
    return not config_map or (isinstance(config_map, Mapping) and not config_map.get("data"))


# Built-ins that render nothing for an app whose context says so, skipped without a template
# call (most of an app's fourteen render nothing; each call costs a template's set-up in
# either backend). Each mirrors its template's own condition, and only where the context
# surely has the data: anything else renders the template, which reports any problem.
NOTHING_TO_RENDER: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "configmap": _no_config_map,
    "analysistemplate": lambda ctx: _none_of(ctx, "plan", "analysisTemplates"),
    "service": lambda ctx: _none_of(ctx, "plan", "services"),
    "deployment": _no_workload("Deployment"),
    "rollout": _no_workload("Rollout"),
    "ingress": lambda ctx: _none_of(ctx, "plan", "ingresses"),
    "virtualservice": lambda ctx: _none_of(ctx, "plan", "virtualServices"),
    "httproute": lambda ctx: _none_of(ctx, "plan", "httpRoutes"),
    "networkpolicy": _off("values", "networkPolicy", "enabled"),
    "hpa": lambda ctx: _none_of(ctx, "platform", "hpas"),
    "pdb": _off("platform", "pdb"),
    "serviceaccount": _off("platform", "serviceAccount"),
    "externalsecret": lambda ctx: _none_of(ctx, "platform", "externalSecrets"),
    "sealedsecret": lambda ctx: _none_of(ctx, "platform", "sealedSecrets"),
}


@dataclass(frozen=True)
class RenderOptions:
    """How to render: a subset of apps, ``--set`` overrides, a backend for the whole run."""

    apps: Sequence[str] | None = None
    overrides: Sequence[str] = ()
    backend: str | None = None


@dataclass
class _Run:
    """State of one environment's render: backends are created once and reused."""

    sources: Sources
    env: Environment
    options: RenderOptions
    backends: dict[str, Backend] = field(default_factory=dict)

    def backend(self, name: str) -> Backend:
        found = self.backends.get(name)
        if found is None:
            limits = self.sources.config.limits
            settings = BackendSettings(
                root=self.sources.root,
                timeout=limits.render_timeout,
                max_stack=limits.jsonnet_max_stack,
                allow_env=self.sources.config.allow_env,
                user_cache=self.sources.user_cache,
                output=self.sources.config.output,
                max_memory=limits.render_memory if self.sources.bound_memory else 0,
            )
            found = self.backends[name] = load_backend(name, settings)
        return found


def select_apps(sources: Sources, env: Environment, wanted: Sequence[str] | None) -> list[str]:
    """The apps of ``env``, narrowed to ``wanted`` (an unknown name is a usage error)."""
    apps = sources.apps_of(env)
    if not wanted:
        return apps
    unknown = [a for a in wanted if a not in apps]
    if unknown:
        raise UsageError(
            f"--app {', '.join(unknown)}: not an app of environment {env.name!r} "
            f"(apps: {', '.join(apps) or 'none'})"
        )
    return [a for a in apps if a in set(wanted)]


def render_environment(
    sources: Sources, env_name: str, options: RenderOptions | None = None
) -> list[Manifest]:
    """Every manifest of ``env_name``, ordered; raises one error holding every problem."""
    job = EnvRender(sources, env_name, options or RenderOptions())
    env_wide, per_app = job.render(job.apps)
    return job.finish([*env_wide, *(m for ms in per_app.values() for m in ms)])


class EnvRender:
    """One environment's render in steps, so that a wrapper (the build cache,
    :mod:`kconfig.run.cache`) can stand between them: :attr:`apps` to render, :meth:`render`
    some of them (and the environment-wide objects), :meth:`finish` the whole."""

    def __init__(self, sources: Sources, env_name: str, options: RenderOptions) -> None:
        self.env = sources.env(env_name)
        self.run = _Run(sources, self.env, options)
        self.apps = select_apps(sources, self.env, options.apps)

    def render(self, apps: Sequence[str]) -> tuple[list[Manifest], dict[str, list[Manifest]]]:
        """The environment-wide manifests (none when ``--app`` narrows the run) and each of
        ``apps``' manifests; raises one error holding every app's problems."""
        run = self.run
        errors = Collector()
        layering = Layering(run.sources, run.env, run.options.overrides)
        jobs: list[AppJob] = []
        for app in apps:
            try:
                jobs.append(app_job(run, layering.values(app)))
            except KconfigError as err:
                errors.capture(err)
        env_job = None if run.options.apps else _env_job(run)
        _prefetch(run, [env_job, *jobs] if env_job else jobs)
        env_wide = _env_manifests(run, env_job) if env_job else []
        per_app: dict[str, list[Manifest]] = {}
        for job in jobs:
            assert job.values is not None
            try:
                per_app[job.values.app] = render_app(run, job)
            except KconfigError as err:
                errors.capture(err)
        errors.raise_if_errors()
        return env_wide, per_app

    def finish(self, manifests: Iterable[Manifest]) -> list[Manifest]:
        """``manifests`` in output order; an environment with no app at all is an error."""
        if not self.apps and self.env.apps is None:
            raise LoadError(
                f"environment {self.env.name!r} has no apps: add {base_file('<app>')}, or "
                "declare 'apps: []' in env.yaml if an empty environment is intended",
                SourcePos(self.env.source, 1, 1),
                code="KC015",
            )
        return ordered(manifests)


class AppJob(NamedTuple):
    """What one app renders, decided before any template runs: its values, the context every
    template gets (one object, shared), and each template with the backend that renders it."""

    values: Values | None  # None for the environment-wide templates
    context: dict[str, Any]
    templates: tuple[tuple[Template, str], ...]


def _prefetch(run: _Run, jobs: Sequence[AppJob]) -> None:
    """Give each backend all its (template, context) pairs at once: Jsonnet renders them in
    one VM (its start-up cost dwarfs a template's), Jinja2 ignores the hint."""
    requests: dict[str, list[tuple[Template, Mapping[str, Any]]]] = {}
    for job in jobs:
        for template, backend_name in job.templates:
            requests.setdefault(backend_name, []).append((template, job.context))
    for backend_name, batch in requests.items():
        try:
            prefetch(run.backend(backend_name), batch)
        except KconfigError:
            continue  # render() meets the same problem and reports it where it belongs


def _env_job(run: _Run) -> AppJob:
    ctx = env_only_context(env_context(run.env), _project_ctx(run.sources))
    backend_name = run.options.backend or run.sources.config.backend
    templates = tuple((builtin_template(backend_name, s), backend_name) for s in ENV_TEMPLATES)
    return AppJob(None, ctx, templates)


def _env_manifests(run: _Run, job: AppJob) -> list[Manifest]:
    out: list[Manifest] = []
    for template, backend_name in job.templates:
        for body in run.backend(backend_name).render(template, job.context):
            out.append(_finish(body, run.env, ENV_APP, SourcePos(template.name), {}))
    return out


def _project_ctx(sources: Sources) -> dict[str, Any]:
    config = sources.config
    return project_context(config.name, config.kubernetes_version, config.external_secrets_version)


def custom_templates(sources: Sources, app: str, components: Iterable[str]) -> list[Template]:
    """The app's own templates and its components', in a stable order."""
    folders = [base_templates(app), *(component_templates(c) for c in components)]
    found: list[Template] = []
    for rel in folders:
        folder = sources.root / rel
        if not folder.is_dir():
            continue
        if not sources.files.inside(rel):
            raise LoadError("template folder points outside the project (symlink?)", SourcePos(rel))
        for path in sorted(folder.iterdir()):
            backend = SUFFIXES.get(path.suffix)
            if backend is None or path.name.startswith((".", "_")):
                continue  # helpers (``_x.j2``, ``_x.libsonnet``) are imported, not rendered
            found.append(Template(f"{rel}/{path.name}", path, backend))
    return found


def _template_values(data: dict[str, Any]) -> dict[str, Any]:
    """The values templates see. An autoscaled app (``hpa:`` set) leaves its replica count
    to the HorizontalPodAutoscaler: a ``spec.replicas`` in the workload would reset the
    scale on every sync, so the plan and the templates get no ``replicas``."""
    if isinstance(data.get("hpa"), Mapping) and "replicas" in data:
        return {k: v for k, v in data.items() if k != "replicas"}
    return data


def app_job(run: _Run, values: Values) -> AppJob:
    """The context and the templates of one app (built-ins first, then custom templates)."""
    data = values.data
    backend_name = run.options.backend or data.get("backend") or run.sources.config.backend
    ctx = app_context(
        values.app,
        _template_values(data),
        env_context(run.env),
        _project_ctx(run.sources),
        located=values,
    )
    templates = [
        (builtin_template(backend_name, s), backend_name)
        for s in APP_TEMPLATES
        if not NOTHING_TO_RENDER[s](ctx)
    ]
    templates += [
        (t, t.backend)
        for t in custom_templates(run.sources, values.app, data.get("components") or [])
    ]
    return AppJob(values, ctx, tuple(templates))


def render_app(run: _Run, job: AppJob | Values) -> list[Manifest]:
    """The manifests of one app: built-ins, replaced or added to by custom templates."""
    if isinstance(job, Values):
        job = app_job(run, job)
    values = job.values
    assert values is not None, "render_app renders apps, not the environment-wide job"
    labels = job.context["labels"]
    by_key: dict[tuple[str, str], Manifest] = {}
    errors = Collector()
    current = job.templates[0][0] if job.templates else None
    try:
        with _app_time_limit(run, job):
            for template, backend_name in job.templates:
                current = template
                for body in run.backend(backend_name).render(template, job.context):
                    manifest = _finish(body, run.env, values.app, SourcePos(template.name), labels)
                    _check_duplicate(by_key.get(manifest.key), manifest, errors)
                    # A custom template replaces the built-in of the same kind and name.
                    by_key[manifest.key] = manifest
    except TimeLimitExceeded as err:  # the bound ran out between two templates
        where = SourcePos(current.name if current else base_file(values.app), 1, 1)
        raise RenderError(
            f"template took longer than {err.seconds:g} s to render "
            "(kconfig.yaml limits.renderTimeout)",
            where,
            code="KC038",
        ) from err
    errors.raise_if_errors(RenderError)
    return apply_patches(list(by_key.values()), values.patches)


def _app_time_limit(run: _Run, job: AppJob) -> AbstractContextManager[None]:
    """The Jinja2 time bound armed once for all of an app's templates (each template's own
    ``time_limit`` is then a no-op): two system calls per app instead of two per template
    (28,000 ``setitimer`` calls at 500 apps). Only when every template is Jinja2: the
    Jsonnet backend bounds its VM with a watchdog thread, which a SIGALRM must not cut."""
    if not all(name == "jinja" for _, name in job.templates):
        return nullcontext()
    seconds = run.sources.config.limits.render_timeout
    if not job.templates:
        return time_limit(seconds)
    # Imported here, not at the top: it imports jinja2, which a command that renders
    # nothing never loads (the job renders with it, so it is loaded by now).
    from kconfig.render.backends.jinja import JinjaBackend

    backend = run.backend("jinja")
    return backend.bounded(seconds) if isinstance(backend, JinjaBackend) else time_limit(seconds)


def _check_duplicate(old: Manifest | None, new: Manifest, errors: Collector) -> None:
    """Replacing a built-in is the point of a custom template; two custom templates (or one
    template twice) rendering the same kind and name is a mistake: which one would win?"""
    if old is None or old.origin.path.startswith(BUILTIN_PREFIX):
        return
    errors.error(
        f"{new.title} is rendered twice: by {old.origin.path} and by {new.origin.path} "
        "(one kind and name per app; a custom template may replace only a built-in)",
        new.origin,
        "KC037",
    )


def _finish(
    body: dict[str, Any],
    env: Environment,
    app: str,
    origin: SourcePos,
    labels: Mapping[str, str],
) -> Manifest:
    """Drop nulls, give namespaced objects the environment's namespace and common labels.

    One copy of the body (the canonical one, which drops the nulls); what is changed before
    it reads through nulls as the null-free body would have."""
    meta = body.get("metadata")
    if meta is None:  # absent or null
        meta = {}
    if isinstance(meta, dict):
        meta = dict(meta)
        if body.get("kind") not in CLUSTER_SCOPED and meta.get("namespace") is None:
            meta["namespace"] = env.namespace
        if labels:
            own = meta.get("labels") or {}
            meta["labels"] = {**labels, **(drop_nulls(own) if isinstance(own, dict) else own)}
    body = {**body, "metadata": meta}
    return Manifest(canonical(body, drop_nulls=True), env.name, app, origin)


def apply_patches(manifests: list[Manifest], patches: Sequence[Patch]) -> list[Manifest]:
    """Deep-merge each overlay patch into the manifest its target selects (values' rules)."""
    errors = Collector()
    by_key = {m.key: i for i, m in enumerate(manifests)}
    for patch in patches:
        i = by_key.get((patch.target_kind, patch.target_name))
        if i is None:
            have = ", ".join(sorted(m.title for m in manifests)) or "none"
            errors.error(
                f"patch target {patch.target_kind}/{patch.target_name} matches no rendered "
                f"manifest of this app (rendered: {have})",
                patch.pos,
                "KC042",
            )
            continue
        old = manifests[i]
        body = merge_layers([old.body, patch.patch]).data
        manifests[i] = Manifest(
            canonical(body, drop_nulls=True),
            old.env,
            old.app,
            old.origin,
            (*old.patched_by, patch.pos),
        )
    errors.raise_if_errors(PatchError)
    return manifests
