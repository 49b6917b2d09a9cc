"""``kconfig set image``, ``promote``, ``diff`` and ``explain``: parse, one library call, print.

The work is done by :class:`kconfig.Project` methods (``set_image``, ``promote``, ``diff``,
``explain``); this module only chooses what to print and the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from kconfig.cli.main import open_project
from kconfig.cli.output import add_output_flag, emit, plain

EXIT_OK, EXIT_DIFFERENT = 0, 1


def add_arguments(sub: Any, name: str, common: argparse.ArgumentParser) -> None:
    {
        "set": _add_set,
        "switch": _add_switch,
        "promote": _add_promote,
        "diff": _add_diff,
        "explain": _add_explain,
    }[name](sub, common)


def _add_set(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "set",
        parents=[common],
        help="change a value in an overlay file",
        description="Change values in overlay files in place, comments kept.",
    )
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True, parser_class=type(p))
    image = what.add_parser(
        "image",
        parents=[common],
        help="set image.tag in overlays/ENV/APP.yaml",
        description="Set image.tag (and image.repository) of APP in overlays/ENV/APP.yaml, "
        "creating the file when missing. Only the changed line changes; the result is "
        "checked before the file is written. On an ingressBlueGreen app: the tag of the "
        "idle colour (strategy.ingressBlueGreen.<idle>.tag), never the live one.",
    )
    image.add_argument("env", metavar="ENV")
    image.add_argument("app", metavar="APP")
    image.add_argument("tag", metavar="TAG", nargs="?")
    image.add_argument("--repository", metavar="REPO", help="also set image.repository")
    image.add_argument(
        "--digest", metavar="sha256:HEX", help="pin image.digest (the image is repo@digest)"
    )
    image.add_argument("--dry-run", action="store_true", help="print the change, write nothing")
    image.set_defaults(run=run_set_image)


def _add_switch(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "switch",
        parents=[common],
        help="ingressBlueGreen: make the other colour live",
        description="Flip (or, with --to, set) strategy.ingressBlueGreen.active of APP in "
        "overlays/ENV/APP.yaml, comments kept. Refused when the colour to make live has no "
        "tag of its own or runs the live colour's image, unless --force.",
    )
    p.add_argument("env", metavar="ENV")
    p.add_argument("app", metavar="APP")
    p.add_argument("--to", choices=("blue", "green"), help="the colour to make live")
    p.add_argument("--force", action="store_true", help="switch even to an untagged colour")
    p.add_argument("--dry-run", action="store_true", help="print the change, write nothing")
    p.set_defaults(run=run_switch)


def _add_promote(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "promote",
        parents=[common],
        help="copy promoted values (image.tag) to the next env",
        description="For each app of TO, copy the effective values of FROM at the paths of "
        "kconfig.yaml 'promote:' (default image.tag) into overlays/TO/APP.yaml.",
    )
    p.add_argument("source", metavar="FROM")
    p.add_argument("target", metavar="TO")
    p.add_argument(
        "--app",
        action="append",
        dest="apps",
        metavar="APP",
        help="promote only this app (repeatable)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    p.add_argument(
        "--force",
        action="store_true",
        help="promote even against the promotion order of kconfig.yaml",
    )
    p.set_defaults(run=run_promote)


def _add_diff(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "diff",
        parents=[common],
        help="diff the manifests of two environments",
        description="Unified diff of the rendered manifests of ENV_A and ENV_B, paired by "
        "kind and name; namespace differences alone do not count. With --against DIR: the "
        "objects in the build output folder DIR (-) against what ENV renders (+). "
        "Exit 0 when equal, 1 when different.",
    )
    p.add_argument("env_a", metavar="ENV_A")
    p.add_argument("env_b", metavar="ENV_B", nargs="?")
    p.add_argument("--against", metavar="DIR", help="compare ENV_A with a build output folder")
    p.add_argument(
        "--app",
        action="append",
        dest="apps",
        metavar="APP",
        help="compare only this app's manifests (repeatable)",
    )
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the diff (auto: on a terminal, unless NO_COLOR is set)",
    )
    add_output_flag(p, what="the unified diff, or the differing objects with their diff lines,")
    p.set_defaults(run=run_diff)


def _add_explain(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "explain",
        parents=[common],
        help="which file set a value, and what it overrode",
        description="The effective value of APP in ENV at PATH (image.tag, "
        "resources.limits.memory, sidecars[NAME].image) and every layer that set it, lowest "
        "first. Without PATH: all values, each with the file:line that set it.",
    )
    p.add_argument("env", metavar="ENV")
    p.add_argument("app", metavar="APP")
    p.add_argument("path", metavar="PATH", nargs="?")
    p.add_argument(
        "--set",
        action="append",
        dest="overrides",
        default=[],
        metavar="P=V",
        help="override a value as for render (repeatable)",
    )
    add_output_flag(p, what="the explanation (value, layers, file:line)")
    p.set_defaults(run=run_explain)


# -- running -------------------------------------------------------------------------------------
def run_set_image(args: argparse.Namespace) -> int:
    project = open_project(args)
    result = project.set_image(
        args.env,
        args.app,
        args.tag,
        args.repository,
        digest=args.digest,
        dry_run=args.dry_run,
    )
    colour = f" (the idle colour, {result.colour})" if result.colour else ""
    if not result.changes:
        sys.stdout.write(
            f"{args.app}: {result.target} already sets this image{colour}; nothing to change\n"
        )
    for change in result.changes:
        sys.stdout.write(f"{change.describe()}{colour} ({change.file})\n")
    if args.dry_run and result.changes:
        sys.stderr.write(f"dry run: {len(result.edits)} file(s) not written\n")
    return EXIT_OK


def run_switch(args: argparse.Namespace) -> int:
    project = open_project(args)
    result = project.switch(args.env, args.app, args.to, force=args.force, dry_run=args.dry_run)
    if not result.changes:
        sys.stdout.write(f"{args.app}: {result.live} is already live ({result.image})\n")
        return EXIT_OK
    for change in result.changes:
        sys.stdout.write(f"{change.describe()} ({change.file})\n")
    sys.stdout.write(f"{args.app}: {result.live} is live ({result.image}); {result.idle} is idle\n")
    if args.dry_run:
        sys.stderr.write(f"dry run: {len(result.edits)} file(s) not written\n")
    return EXIT_OK


def run_promote(args: argparse.Namespace) -> int:
    project = open_project(args)
    result = project.promote(
        args.source, args.target, args.apps, dry_run=args.dry_run, force=args.force
    )
    for app in result.skipped:
        sys.stderr.write(f"{app}: not an app of {args.source}; skipped\n")
    if not result.changes:
        sys.stdout.write(_nothing_to_promote(project, args.source, args.target))
        return EXIT_OK
    for change in result.changes:
        sys.stdout.write(change.describe() + "\n")
    if args.dry_run:
        sys.stderr.write(f"dry run: {len(result.edits)} file(s) not written\n")
    return EXIT_OK


def _nothing_to_promote(project: Any, source: str, target: str) -> str:
    """Why nothing changed: an environment that ``extends`` the source inherits its overlays,
    so its effective values are the source's unless it sets them itself."""
    chain = project.env(target).chain  # the root first: (qa, e2e)
    if source in chain[:-1]:
        via = " <- ".join(chain[chain.index(source) :])
        return (
            f"nothing to promote: {target} extends {source} ({via}), so it already runs "
            f"{source}'s values; to hold {target} back, set the value in overlays/{target}/, "
            f"or promote {target} to an environment that does not extend {source}\n"
        )
    return f"nothing to promote: {target} already has {source}'s promoted values\n"


def use_color(choice: str) -> bool:
    """``--color``: always, never, or auto (a terminal, and NO_COLOR unset or empty)."""
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def run_diff(args: argparse.Namespace) -> int:
    from kconfig.errors import UsageError

    if (args.env_b is None) == (args.against is None):
        raise UsageError("kconfig diff: give ENV_B or --against DIR (one of them)")
    project = open_project(args)
    result = project.diff(args.env_a, args.env_b, args.apps, against=args.against)
    if args.output == "text":
        sys.stdout.write(result.format(color=use_color(args.color)))
    else:
        emit({**plain(result), "equal": result.equal}, args.output, sys.stdout)
    if result.equal:
        sys.stderr.write(
            f"no differences between {result.left} and {result.right} ({result.compared} objects)\n"
        )
        return EXIT_OK
    return EXIT_DIFFERENT


def run_explain(args: argparse.Namespace) -> int:
    project = open_project(args)
    explanation = project.explain(args.env, args.app, args.path, args.overrides)
    if args.output == "text":
        sys.stdout.write(explanation.format())
    else:
        emit(plain(explanation), args.output, sys.stdout)
    return EXIT_OK
