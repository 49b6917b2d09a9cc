"""The ``kconfig`` command: parse arguments, call one library function, report.

Commands live in small modules listed in :data:`COMMANDS`; each has ``add_arguments(parser)``
and ``run(args) -> int``. Heavy libraries (jinja2, jsonnet, jsonschema) are imported inside
``run`` only, so ``kconfig --help`` and ``kconfig envs`` start fast.

Exit codes: 0 success, 1 invalid input or output (or a difference found), 2 usage error,
3 internal error (a bug: please report it), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kconfig import __version__
from kconfig.errors import KconfigError, SourcePos, UsageError

if TYPE_CHECKING:
    from kconfig import Project

# command -> module; explicit, imported when the parser is built (modules import lightly).
COMMANDS: dict[str, str] = {
    "render": "kconfig.cli.render",
    "envs": "kconfig.cli.render",
    "validate": "kconfig.cli.validate",
    "set": "kconfig.cli.daytwo",
    "switch": "kconfig.cli.daytwo",
    "promote": "kconfig.cli.daytwo",
    "diff": "kconfig.cli.daytwo",
    "explain": "kconfig.cli.daytwo",
    "build": "kconfig.cli.build",
    "argocd-generate": "kconfig.cli.build",
    "schema": "kconfig.cli.schema",
    "completion": "kconfig.cli.completion",
}

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors are reported uniformly: as
    ``kconfig render: error: ...``, the (sub)command named once."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, SourcePos(self.prog))


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-C",
        dest="directory",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="project folder (default: search upward from the current folder for kconfig.yaml)",
    )
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of errors"
    )
    return common


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or, given a known ``command``, one with only that command's
    sub-parser: building (and importing) all of them costs several milliseconds a run."""
    common = _common()
    parser = _Parser(
        prog="kconfig",
        description="Layered, validated Kubernetes configuration for GitOps.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"kconfig {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    names = [command] if command in COMMANDS else list(COMMANDS)
    for name in names:
        importlib.import_module(COMMANDS[name]).add_arguments(sub, name, common)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word of ``argv``: the first argument that is not a global option."""
    words = iter(argv)
    for word in words:
        if word == "-C":
            next(words, None)  # its value
        elif word == "--" or not word.startswith("-"):
            return None if word == "--" else word
    return None


def project_dir(args: argparse.Namespace) -> Path:
    """The folder to look for kconfig.yaml in (``-C``, else the current folder). A ``-C``
    folder that does not exist is a usage error: searching upward from it would silently
    pick the project around it."""
    given = getattr(args, "directory", None)
    if given is None:
        return Path.cwd()
    folder = Path(given)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"-C {given}: the folder {what}")
    return folder


def open_project(args: argparse.Namespace) -> Project:
    """The project of this run: ``-C DIR`` or the nearest kconfig.yaml upward."""
    from kconfig import Project

    # The CLI is a process of its own: it may lower its own address-space limit.
    return Project.find(project_dir(args), bound_memory=True)


def _utf8_output() -> None:
    """Manifests are UTF-8 whatever the locale says (``LC_ALL=C``, ``PYTHONIOENCODING``): the
    same bytes on every machine, never an encoding error. Messages keep the terminal's
    encoding but cannot fail to print."""
    for stream, encoding, errors in (
        (sys.stdout, "utf-8", "strict"),
        (sys.stderr, None, "backslashreplace"),
    ):
        reconfigure = getattr(stream, "reconfigure", None)  # absent on a StringIO
        if reconfigure is not None:
            reconfigure(encoding=encoding, errors=errors)


def _prepare_streams() -> None:
    """UTF-8 output; a closed stdout (``kconfig build >&-``) is an error of its own, exit 1
    with a message on stderr, not an internal error on the first print (issue 18)."""
    if sys.stderr is None:
        sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115 - lives on
    if sys.stdout is None:
        raise KconfigError("standard output is closed; kconfig writes its results there")
    _utf8_output()


def _parse(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = build_parser(_command_of(argv))
    args, extra = parser.parse_known_args(argv)
    if extra:  # argparse would blame the top parser: say which command refused them
        command = getattr(args, "command", None)
        where = f"{parser.prog} {command}" if command else parser.prog
        raise UsageError(f"unrecognized arguments: {' '.join(extra)}", SourcePos(where))
    return parser, args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        _prepare_streams()
        parser, args = _parse(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        code: int = args.run(args)
        return code
    except KconfigError as err:
        if debug:
            import traceback

            traceback.print_exc()
        from kconfig.cli.report import report_text

        report_text(err.diagnostics, sys.stderr)
        return EXIT_USAGE if isinstance(err, UsageError) else EXIT_INVALID
    except KeyboardInterrupt:
        sys.stderr.write("kconfig: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``kconfig render qa | head``): not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as err:  # the system said no (a read-only folder, a full disk): not a bug
        if debug:
            raise
        where = os.fsdecode(err.filename) if err.filename else "kconfig"
        sys.stderr.write(f"{where}: error: {err.strerror or err}\n")
        return EXIT_INVALID
    except Exception as err:  # a bug: say so in one line, traceback only with --debug
        if debug:
            raise
        sys.stderr.write(
            f"kconfig: internal error: {type(err).__name__}: {err} (rerun with --debug "
            "for the traceback, and please report it)\n"
        )
        return EXIT_BUG
