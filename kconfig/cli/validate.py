"""``kconfig validate [ENV]... [FILE]... [-o text|yaml|json] [--strict]``.

Arguments are environment names or files (as pre-commit passes them): a file selects the
environments it affects (see :meth:`kconfig.Project.select_environments`); nothing
selects every environment. Every problem of the run is reported, then one summary line on
stderr. Exit 0 clean (warnings allowed unless ``--strict``), 1 problems, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kconfig.cli.main import open_project
from kconfig.cli.output import add_output_flag, emit


def add_arguments(sub: Any, name: str, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        name,
        parents=[common],
        help="validate inputs and rendered output of environments",
        description="Validate the input files and the rendered manifests of every environment "
        "(or the named ones, or those the given files affect) and report every problem.",
    )
    p.add_argument(
        "targets",
        nargs="*",
        metavar="ENV|FILE",
        help="environment names, or files whose environments to validate",
    )
    add_output_flag(p, "--format", what="problems as text lines on stderr, or a list on stdout,")
    p.add_argument(
        "--strict",
        action="store_true",
        help="warnings fail the run, and a kind without a schema is an error",
    )
    p.add_argument(
        "--list-checks",
        action="store_true",
        help="list the semantic checks (id, severity, what they check) and exit",
    )
    p.set_defaults(run=run)


def list_checks(output: str = "text") -> str:
    from kconfig import input_checks, semantic_checks

    rows = [(c.id, c.severity, c.summary) for c in semantic_checks()] + list(input_checks())
    if output == "text":
        return "".join(f"{code}  {severity:<7}  {summary}\n" for code, severity, summary in rows)
    import io

    buffer = io.StringIO()
    records = [{"id": code, "severity": sev, "summary": summary} for code, sev, summary in rows]
    emit(records, output, buffer)
    return buffer.getvalue()


def run(args: argparse.Namespace) -> int:
    if args.list_checks:
        sys.stdout.write(list_checks(args.output))
        return 0
    from kconfig.cli.report import report_json, report_text
    from kconfig.errors import sorted_diagnostics

    project = open_project(args)
    envs = project.select_environments(args.targets, Path.cwd())
    report = project.validate(envs, strict=args.strict)
    if args.output == "json":
        report_json(report.diagnostics, sys.stdout)
    elif args.output == "yaml":
        emit([d.to_dict() for d in sorted_diagnostics(report.diagnostics)], "yaml", sys.stdout)
    else:
        report_text(report.diagnostics, sys.stderr)
    sys.stderr.write(report.summary() + "\n")
    return 1 if report.failed(args.strict) else 0
