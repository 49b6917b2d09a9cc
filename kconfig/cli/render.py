"""``kconfig render ENV`` and ``kconfig envs``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kconfig.cli.main import open_project
from kconfig.cli.output import add_output_flag, emit


def add_arguments(sub: Any, name: str, common: argparse.ArgumentParser) -> None:
    if name == "envs":
        p = sub.add_parser("envs", parents=[common], help="list environments in promotion order")
        add_output_flag(p, what="the environments (one a line, or a list)")
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
    # text is YAML: manifests have no other text form (one flag, the same values everywhere)
    add_output_flag(p, default="yaml", what="the manifests (multi-document YAML or a JSON List)")
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
    if args.output != "text":
        emit(list(project.environments), args.output, sys.stdout)
        return 0
    for env in project.environments:
        sys.stdout.write(env + "\n")
    return 0


def run_render(args: argparse.Namespace) -> int:
    """Inputs checked, rendered, output checked; warnings to stderr, errors raised."""
    from kconfig import dump_json, dump_yaml
    from kconfig.cli.report import report_text

    project = open_project(args)
    rendered = project.rendered(
        args.env,
        apps=args.apps,
        overrides=args.overrides,
        backend=args.backend,
        validate=not args.no_validate,
        strict=args.strict,
    )
    report_text(rendered.warnings, sys.stderr)
    manifests = rendered.manifests
    text = dump_json(manifests) if args.output == "json" else dump_yaml(manifests)
    sys.stdout.write(text)
    return 0
