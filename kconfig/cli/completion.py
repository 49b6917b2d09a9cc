"""``kconfig completion bash|zsh|fish``: the shell completion script, generated from the
argument parser by shtab (https://github.com/tqdm/shtab), so it never drifts from the
commands. shtab is imported here only: ``kconfig --version`` does not pay for it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

SHELLS = ("bash", "zsh", "fish")


def add_arguments(sub: Any, name: str, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        name,
        parents=[common],
        help="print the shell completion script (bash, zsh or fish)",
        description='Print the completion script of SHELL. bash: `eval "$(kconfig completion '
        'bash)"` in ~/.bashrc; zsh: `kconfig completion zsh > "${fpath[1]}/_kconfig"`; '
        "fish: `kconfig completion fish > ~/.config/fish/completions/kconfig.fish`.",
    )
    p.add_argument("shell", choices=SHELLS, metavar="|".join(SHELLS))
    p.set_defaults(run=run)


def script(shell: str) -> str:
    """The completion script of ``shell`` for the full parser (every command)."""
    import shtab

    from kconfig.cli.main import build_parser

    if shell == "fish":
        return _fish(build_parser())
    text: str = shtab.complete(build_parser(), shell=shell)
    return text if text.endswith("\n") else text + "\n"


def _fish(parser: argparse.ArgumentParser) -> str:
    """shtab writes bash, zsh and tcsh; fish's completions come from the same parser here,
    as ``complete`` lines: the commands, then each command's options."""
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help or "" for c in subs._choices_actions}
    lines = ["# kconfig completion for fish", "complete -c kconfig -f"]
    no_command = "not __fish_seen_subcommand_from " + " ".join(subs.choices)
    for name in subs.choices:
        lines.append(f"complete -c kconfig -n '{no_command}' -a {name} -d {_quote(helps[name])}")
    for name, sub in subs.choices.items():
        for action in sub._actions:
            lines.extend(_fish_option(name, action))
    return "\n".join(lines) + "\n"


def _fish_option(command: str, action: argparse.Action) -> list[str]:
    if not action.option_strings:
        if not action.choices:
            return []
        values = " ".join(str(c) for c in action.choices)
        return [f"complete -c kconfig -n '__fish_seen_subcommand_from {command}' -a '{values}'"]
    parts = [f"complete -c kconfig -n '__fish_seen_subcommand_from {command}'"]
    for opt in action.option_strings:
        parts.append(f"-l {opt[2:]}" if opt.startswith("--") else f"-s {opt[1:]}")
    if action.nargs != 0:
        parts.append("-r")
        if action.choices:
            parts.append(f"-a '{' '.join(str(c) for c in action.choices)}'")
    if action.help and action.help != argparse.SUPPRESS:
        parts.append(f"-d {_quote(action.help)}")
    return [" ".join(parts)]


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(script(args.shell))
    return 0
