"""``kconfig render ENV`` and ``kconfig envs``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from kconfig.cli.main import open_project

if TYPE_CHECKING:
    from kconfig.core.manifests import Manifest
    from kconfig.load.project import Project


def add_arguments(sub: Any, name: str, common: argparse.ArgumentParser) -> None:
    if name == "envs":
        p = sub.add_parser("envs", parents=[common], help="list environments in promotion order")
        p.set_defaults(run=run_envs)
        return
    p = sub.add_parser(
        "render",
        parents=[common],
        help="print the manifests of an environment",
        description="Render ENV's manifests to stdout as multi-document YAML (or a JSON List).",
    )
    p.add_argument("env", metavar="ENV")
    p.add_argument(
        "--app",
        action="append",
        dest="apps",
        metavar="APP",
        help="render only this app (repeatable)",
    )
    p.add_argument(
        "--set",
        action="append",
        dest="overrides",
        default=[],
        metavar="PATH=VALUE",
        help="override a value (YAML scalar), e.g. --set replicas=3 (repeatable)",
    )
    p.add_argument(
        "-o",
        "--output",
        choices=("yaml", "json"),
        default="yaml",
        help="output format (default yaml)",
    )
    p.add_argument(
        "--backend", choices=("jinja", "jsonnet"), help="render every app with this backend"
    )
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="skip schema and semantic validation of the output",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="warnings fail the render, and a kind without a schema is an error",
    )
    p.set_defaults(run=run_render)


def run_envs(args: argparse.Namespace) -> int:
    project = open_project(args)
    for env in project.environments:
        sys.stdout.write(env + "\n")
    return 0


def run_render(args: argparse.Namespace) -> int:
    from kconfig import dump_json, dump_yaml

    project = open_project(args)
    if args.no_validate:
        manifests = project.render(
            args.env, apps=args.apps, overrides=args.overrides, backend=args.backend
        )
    else:
        manifests = _render_validated(project, args)
    text = dump_json(manifests) if args.output == "json" else dump_yaml(manifests)
    sys.stdout.write(text)
    return 0


def _render_validated(project: Project, args: argparse.Namespace) -> list[Manifest]:
    """Inputs checked, rendered, output checked; warnings to stderr, errors raised."""
    from kconfig.check.validate import render_validated
    from kconfig.cli.report import report_text
    from kconfig.render.pipeline import RenderOptions

    options = RenderOptions(apps=args.apps, overrides=tuple(args.overrides), backend=args.backend)
    manifests, warnings = render_validated(project, args.env, options, strict=args.strict)
    report_text(warnings, sys.stderr)
    return manifests
