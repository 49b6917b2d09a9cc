"""``kconfig build`` (the GitOps output tree) and ``kconfig argocd-generate`` (Argo CD plugin).

``argocd-generate`` is the ``generate`` command of the ConfigManagementPlugin in
``integrations/argocd/plugin.yaml``. Argo CD applies whatever it prints, and an empty
stream would make it prune the whole application, so everything is rendered and validated
into memory first, with stdout pointed at stderr meanwhile (down to the file descriptor,
so not even a library writing to fd 1 can leak a partial stream); the manifests are
printed only when all went well. On any error stdout stays empty and the exit code is not 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kconfig.cli.main import open_project
from kconfig.cli.output import add_output_flag, emit, plain
from kconfig.errors import OutputError, RenderError, SourcePos, UsageError

if TYPE_CHECKING:
    from kconfig import BuildResult

ENV_VARIABLE = "ARGOCD_ENV_KCONFIG_ENV"  # plugin env KCONFIG_ENV (Argo CD adds ARGOCD_ENV_)
PARAM_VARIABLE = "PARAM_ENV"  # plugin parameter "env"
PARAMETERS_VARIABLE = "ARGOCD_APP_PARAMETERS"  # every parameter, as JSON
KUBE_VERSION_VARIABLE = "KUBE_VERSION"  # the cluster's version, set by Argo CD
_KUBE_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?")


def add_arguments(sub: Any, name: str, common: argparse.ArgumentParser) -> None:
    if name == "argocd-generate":
        g = sub.add_parser(
            "argocd-generate",
            parents=[common],
            help="Argo CD plugin: print an environment's validated manifests",
            description=(
                "The generate command of kconfig's Argo CD ConfigManagementPlugin. The "
                f"environment comes from {ENV_VARIABLE} (plugin env KCONFIG_ENV) or the "
                f"plugin parameter env ({PARAM_VARIABLE}); {KUBE_VERSION_VARIABLE}, when "
                "set, selects the Kubernetes schemas. Prints nothing on error."
            ),
        )
        g.add_argument(
            "env",
            nargs="?",
            metavar="ENV",
            help="the environment (default: from the Argo CD plugin variables)",
        )
        g.set_defaults(run=run_argocd_generate)
        return
    p = sub.add_parser(
        "build",
        parents=[common],
        help="write the GitOps output tree",
        description=(
            "Write each environment to <out>/<env>/ (one file per manifest and a "
            "kustomization.yaml), plus the Argo CD and Flux files of kconfig.yaml gitops:. "
            "Folders are swapped in atomically; files kconfig did not write are kept."
        ),
    )
    p.add_argument(
        "envs",
        nargs="*",
        metavar="ENV",
        help="environments to build (default: all, pruning removed ones)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="output folder, relative to the current folder (default: kconfig.yaml "
        "`output:`, relative to the project root)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 when the output is out of date",
    )
    add_output_flag(p, what="the --check result: the unified diff, or the differing files,")
    p.add_argument(
        "--commit",
        action="store_true",
        help="gitops.layout branches: commit each environment to its branch",
    )
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="skip schema and semantic validation of the output",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="render every environment; neither read nor write .kconfig-cache/",
    )
    p.set_defaults(run=run_build)


# --------------------------------------------------------------------------------------------
# kconfig build


PROGRESS_DELAY = 1.0  # seconds: a build that takes longer says so on a terminal


@contextlib.contextmanager
def _progress(what: str) -> Iterator[None]:
    """One line on stderr when the build takes longer than :data:`PROGRESS_DELAY` and stderr
    is a terminal (never in CI logs or pipes), erased when the build is done."""
    if not sys.stderr.isatty():
        yield
        return
    import threading

    shown = threading.Event()

    def show() -> None:
        sys.stderr.write(f"kconfig build: {what}...")
        sys.stderr.flush()
        shown.set()

    delay = float(os.environ.get("KCONFIG_PROGRESS_DELAY", PROGRESS_DELAY))
    timer = threading.Timer(delay, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        if shown.is_set():
            sys.stderr.write("\r\x1b[K")  # erase it: the report follows
            sys.stderr.flush()


def run_build(args: argparse.Namespace) -> int:
    project = open_project(args)
    envs = args.envs or project.environments
    label = "checking" if args.check else "building"
    with _progress(f"{label} {len(envs)} environment{'s' if len(envs) != 1 else ''}"):
        result = project.build(
            args.envs,
            out=args.out,
            check=args.check,
            commit=args.commit,
            validate=not args.no_validate,
            cache=not args.no_cache,
        )
    if result.warnings:
        from kconfig.cli.report import report_text

        report_text(result.warnings, sys.stderr)
    if args.check:
        return _report_check(result, args.output)
    if args.commit:
        _report_commits(result)
    else:
        _report_units(result)
    return 0


def _report_check(result: BuildResult, output: str = "text") -> int:
    label = result.out.label if result.out else "output"
    if output != "text":
        emit([plain(diff) for diff in result.diffs], output, sys.stdout)
    for diff in result.diffs if output == "text" else ():
        sys.stdout.write(diff.diff)
    if not result.diffs:
        sys.stderr.write(f"kconfig: {label} is up to date\n")
        return 0
    counts = {c: sum(1 for d in result.diffs if d.change == c) for c in ("add", "modify", "delete")}
    n = len(result.diffs)
    sys.stderr.write(
        f"kconfig: {label} is out of date: {n} file{'s differ' if n != 1 else ' differs'} "
        f"({counts['add']} to add, {counts['modify']} to change, {counts['delete']} to "
        "delete); run 'kconfig build'\n"
    )
    return 1


def _report_units(result: BuildResult) -> None:
    if result.out is None:
        return
    for unit in result.units:
        where = result.out.show(unit.unit)
        if unit.action == "unchanged":
            if unit.files:
                sys.stdout.write(f"{where}: up to date ({unit.files} files)\n")
        elif unit.action == "removed":
            sys.stdout.write(f"{where}: removed ({len(unit.pruned)} files pruned)\n")
        else:
            sys.stdout.write(
                f"{where}: {unit.files} files, {len(unit.written)} written, "
                f"{len(unit.pruned)} pruned\n"
            )


def _report_commits(result: BuildResult) -> None:
    for commit in result.commits:
        if commit.commit is None:
            sys.stdout.write(f"{commit.branch}: up to date ({(commit.previous or '')[:12]})\n")
        else:
            sys.stdout.write(f"{commit.branch}: committed {commit.commit[:12]}\n")


# --------------------------------------------------------------------------------------------
# kconfig argocd-generate


def plugin_environment(environ: Mapping[str, str], given: str | None = None) -> str:
    """The environment to render: ``ENV``, else the plugin env or parameter (must agree)."""
    if given:
        return given
    from_env = environ.get(ENV_VARIABLE, "").strip()
    from_param = environ.get(PARAM_VARIABLE, "").strip() or _from_parameters(environ)
    if from_env and from_param and from_env != from_param:
        raise UsageError(
            f"{ENV_VARIABLE}={from_env!r} and the plugin parameter env="
            f"{from_param!r} disagree; set only one"
        )
    value = from_env or from_param
    if not value:
        raise UsageError(
            f"no environment: set the plugin env KCONFIG_ENV ({ENV_VARIABLE}) or the plugin "
            f"parameter env ({PARAM_VARIABLE}) in the Application's spec.source.plugin"
        )
    return value


def _from_parameters(environ: Mapping[str, str]) -> str:
    raw = environ.get(PARAMETERS_VARIABLE, "").strip()
    if not raw:
        return ""
    try:
        params = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise UsageError(f"{PARAMETERS_VARIABLE} is not valid JSON: {err}") from err
    for param in params if isinstance(params, list) else ():
        if isinstance(param, dict) and param.get("name") == "env":
            value = param.get("string")
            return value.strip() if isinstance(value, str) else ""
    return ""


def kube_version(raw: str | None, supported: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """``KUBE_VERSION`` (``v1.30.2``, ``1.30.2+k3s1``) as ``1.30``, and a warning (or "").

    The rule of kconfig.yaml's ``kubernetesVersion`` (``supported``: the installed schema
    versions): an installed minor version is used, a newer one than any installed is validated
    with the newest (a cluster upgrade must not stop every Application from rendering), an
    older one is refused, naming the variable (not a line of kconfig.yaml).
    """
    if raw is None or not raw.strip():
        return None, ""
    match = _KUBE_VERSION.fullmatch(raw.strip())
    if not match:
        raise UsageError(
            f"{KUBE_VERSION_VARIABLE}={raw!r} is not a Kubernetes version (like v1.30.2)"
        )
    version = f"{int(match[1])}.{int(match[2])}"
    if not supported or version in supported:
        return version, ""
    newest = max(supported, key=_version_key)
    if _version_key(version) > _version_key(newest):
        return newest, (
            f"kconfig: {KUBE_VERSION_VARIABLE} {raw.strip()} is newer than "
            f"the newest Kubernetes schemas kconfig has; validating with "
            f"{newest}\n"
        )
    oldest = min(supported, key=_version_key)
    raise UsageError(
        f"{KUBE_VERSION_VARIABLE}={raw.strip()}: no Kubernetes schemas for {version} "
        f"(installed: {oldest} to {newest})"
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _supported_versions() -> tuple[str, ...]:
    from kconfig import kubernetes_versions

    return kubernetes_versions()


@contextlib.contextmanager
def _stdout_held() -> Iterator[None]:
    """Send everything written to stdout (Python or fd 1) to stderr while rendering."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        # Whatever sits in the buffer of the real stdout object goes to stderr too.
        for stream in (sys.stdout, sys.__stdout__, sys.stderr):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_argocd_generate(args: argparse.Namespace) -> int:
    from kconfig import Project, dump_yaml
    from kconfig.cli.main import project_dir
    from kconfig.cli.report import report_text

    with _stdout_held():
        env = plugin_environment(os.environ, args.env)
        version, warning = kube_version(
            os.environ.get(KUBE_VERSION_VARIABLE), _supported_versions()
        )
        sys.stderr.write(warning)
        project = Project.find(project_dir(args), kubernetes_version=version, bound_memory=True)
        rendered = project.rendered(env)
        report_text(rendered.warnings, sys.stderr)
        manifests = rendered.manifests
        if not manifests:
            raise RenderError(
                f"environment {env!r} renders no manifests; refusing to print "
                "an empty stream (Argo CD would prune the application)",
                SourcePos(project.env(env).source),
            )
        text = dump_yaml(manifests).encode()
    _emit(text)
    return 0


def _emit(data: bytes) -> None:
    """All of ``data`` to stdout, or an error (never a silent partial stream)."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(1, view) :]
    except OSError as err:
        raise OutputError(
            f"cannot write the manifests to stdout: {err.strerror}", SourcePos("stdout")
        ) from err
