"""The one recipe: inputs -> render -> outputs, for one environment, in one pass.

:func:`run_environment` is what every command runs for an environment: ``kconfig render``,
``validate`` (and the pre-commit hook's ``validate FILE...``), ``build``,
``argocd-generate``, ``diff`` and the Python API (``Project.render``, ``validate``,
``build``). It checks the environment's inputs (:class:`kconfig.check.validate.Validator`),
renders them when they hold no error (:func:`kconfig.render.pipeline.render_environment`,
or what a wrapper such as the build cache hands in) and checks the rendered output; without
a validator it only renders. Every problem is collected; the result says which documented
error class the run failed with (:meth:`kconfig.errors.Collector.error_class`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kconfig.check.validate import Validator
from kconfig.errors import (
    Collector,
    Diagnostic,
    KconfigError,
    UsageError,
    ValidationError,
    sorted_diagnostics,
)
from kconfig.render.pipeline import RenderOptions, render_environment

if TYPE_CHECKING:
    from kconfig.core.manifests import Manifest
    from kconfig.load.sources import Sources

# How an environment is rendered: the pipeline, or a wrapper around it (the build cache).
Renderer = Callable[["Sources", str, RenderOptions], "list[Manifest]"]


@dataclass(frozen=True, slots=True)
class EnvResult:
    """One environment: its manifests (None when it could not be rendered), every problem
    found, and the error class to raise when there is an error among them."""

    env: str
    manifests: list[Manifest] | None
    diagnostics: list[Diagnostic]
    failure: type[KconfigError] = KconfigError

    @property
    def failed(self) -> bool:
        return self.manifests is None or any(d.severity == "error" for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class Rendered:
    """The manifests of one environment, in output order, and the warnings validation gave."""

    env: str
    manifests: list[Manifest]
    warnings: tuple[Diagnostic, ...] = ()


def run_environment(
    sources: Sources,
    env: str,
    options: RenderOptions | None = None,
    *,
    validator: Validator | None = None,
    renderer: Renderer = render_environment,
) -> EnvResult:
    """Inputs checked, rendered, outputs checked (see the module docstring). A usage error
    (an unknown environment or ``--app`` named by the user) is raised, not collected."""
    options = options or RenderOptions()
    found = Collector()
    try:
        environment = sources.env(env)
        if validator is not None:
            inputs = validator.inputs(environment, options.apps, options.overrides)
            found.extend(inputs.diagnostics)
            if inputs.has_errors:
                return EnvResult(env, None, found.diagnostics, inputs.error_class())
        manifests = renderer(sources, env, options)
    except UsageError:
        raise
    except KconfigError as err:
        found.capture(err)
        return EnvResult(env, None, found.diagnostics, found.error_class())
    if validator is not None:
        found.extend(validator.outputs(environment, manifests, options.overrides))
    return EnvResult(env, manifests, found.diagnostics, ValidationError)


def render_validated(
    sources: Sources,
    env: str,
    options: RenderOptions | None = None,
    *,
    validate: bool = True,
    strict: bool = False,
) -> Rendered:
    """``env``'s manifests and its warnings; raises the documented error class holding every
    problem when there is an error (or, with ``strict``, a warning)."""
    validator = Validator(sources, strict=strict) if validate else None
    result = run_environment(sources, env, options, validator=validator)
    diags = sorted_diagnostics(result.diagnostics)
    if result.failed:
        raise result.failure(diags)
    if strict and diags:
        raise ValidationError(diags)
    assert result.manifests is not None
    return Rendered(env, result.manifests, tuple(diags))
