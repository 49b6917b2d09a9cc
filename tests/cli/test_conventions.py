"""CLI conventions (issue 17): shell completion, `kconfig schema`, one `-o text|yaml|json`
flag on every command that prints a result, argparse errors naming the subcommand once, and
the progress line of a slow build on a terminal."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kconfig.cli.main import COMMANDS
from tests.conftest import REPO, run_kconfig


# -- completion -----------------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_name_every_command(shell: str) -> None:
    result = run_kconfig("completion", shell)
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for command in COMMANDS:
        assert command in script, command
    for option in ("--output", "--check", "--strict", "--app"):
        assert option.lstrip("-") in script, option
    program = shutil.which(shell)
    if program is None:
        return  # the script is still generated; its syntax is checked where the shell is
    checked = subprocess.run([program, "-n"], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr


def test_bash_completion_completes_a_command(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash")
    script = tmp_path / "kconfig.bash"
    script.write_text(run_kconfig("completion", "bash").stdout)
    probe = (
        f"source {script}; COMP_WORDS=(kconfig ren); COMP_CWORD=1; COMP_LINE='kconfig ren'; "
        "COMP_POINT=${#COMP_LINE}; _shtab_kconfig kconfig ren kconfig; echo ${COMPREPLY[@]}"
    )
    done = subprocess.run([bash, "-c", probe], text=True, capture_output=True, check=True)
    assert done.stdout.split() == ["render"]


def test_version_does_not_import_shtab() -> None:
    code = (
        "import sys\nfrom kconfig.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "assert 'shtab' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


# -- kconfig schema ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("which", "file"),
    [("app", "app.schema.json"), ("env", "env.schema.json"), ("project", "kconfig.schema.json")],
)
def test_schema_prints_the_input_schema(which: str, file: str) -> None:
    result = run_kconfig("schema", which)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(
        (REPO / "kconfig" / "schemas" / file).read_text()
    )


# -- -o text|yaml|json ------------------------------------------------------------------------
RESULTS = [
    ("render", "qa", "--app", "myapp"),
    ("validate", "qa"),
    ("validate", "--list-checks"),
    ("diff", "qa", "stage", "--app", "myapp"),
    ("explain", "qa", "myapp", "image.tag"),
    ("envs",),
    ("build", "--check"),
]


@pytest.mark.parametrize("args", RESULTS, ids=lambda a: " ".join(a))
def test_every_result_prints_as_yaml_and_json(estate: Path, args: tuple[str, ...]) -> None:
    as_json = run_kconfig(*args, "-o", "json", cwd=estate)
    as_yaml = run_kconfig(*args, "-o", "yaml", cwd=estate)
    as_text = run_kconfig(*args, "-o", "text", cwd=estate)
    assert as_json.returncode == as_yaml.returncode == as_text.returncode
    assert as_json.returncode in (0, 1), as_json.stderr
    data = json.loads(as_json.stdout)
    docs = list(yaml.safe_load_all(as_yaml.stdout))
    if args[0] == "render":  # a JSON List of the same objects the YAML stream holds
        assert data["items"] == docs
    else:
        assert docs == [data]


def test_result_shapes(estate: Path) -> None:
    envs = json.loads(run_kconfig("envs", "-o", "json", cwd=estate).stdout)
    assert envs == ["qa", "e2e", "stage", "prod"]
    checks = json.loads(run_kconfig("validate", "--list-checks", "-o", "json").stdout)
    assert {"id", "severity", "summary"} == set(checks[0])
    explained = json.loads(
        run_kconfig("explain", "qa", "myapp", "image.tag", "-o", "json", cwd=estate).stdout
    )
    assert explained["path"] == "image.tag"
    assert explained["leaves"][0]["settings"][0]["pos"].startswith("bases/myapp/app.yaml:")
    diff = json.loads(
        run_kconfig("diff", "qa", "stage", "--app", "myapp", "-o", "json", cwd=estate).stdout
    )
    assert diff["equal"] is False and diff["left"] == "qa"
    (estate / "overlays" / "qa" / "myapp.yaml").write_text("replicas: 3\n", encoding="utf-8")
    stale = run_kconfig("build", "--check", "-o", "json", cwd=estate)
    assert stale.returncode == 1
    assert {d["change"] for d in json.loads(stale.stdout)} == {"add"}


def test_format_stays_an_alias_of_output(estate: Path) -> None:
    old = run_kconfig("validate", "qa", "--format", "json", cwd=estate)
    new = run_kconfig("validate", "qa", "-o", "json", cwd=estate)
    assert (old.returncode, old.stdout) == (new.returncode, new.stdout) == (0, "[]\n")


# -- argparse errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("render",), "kconfig render: error: the following arguments are required: ENV\n"),
        (("render", "qa", "--bogus"), "kconfig render: error: unrecognized arguments: --bogus\n"),
        (
            ("validate", "-o", "xml"),
            "kconfig validate: error: argument -o/--output/--format: "
            "invalid choice: 'xml' (choose from text, yaml, json)\n",
        ),
        (("--bogus",), "kconfig: error: unrecognized arguments: --bogus\n"),
        (
            ("completion", "tcsh"),
            "kconfig completion: error: argument bash|zsh|fish: invalid "
            "choice: 'tcsh' (choose from bash, zsh, fish)\n",
        ),
    ],
)
def test_usage_errors_name_the_command_once(args: tuple[str, ...], message: str) -> None:
    result = run_kconfig(*args, cwd=REPO)
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr.replace("'text', 'yaml', 'json'", "text, yaml, json").replace(
            "'bash', 'zsh', 'fish'", "bash, zsh, fish"
        )
        == message
    )


def test_build_help_says_where_out_is() -> None:
    out = " ".join(run_kconfig("build", "--help").stdout.split())
    assert "output folder, relative to the current folder" in out


# -- the progress line ----------------------------------------------------------------------------
def _build_on_a_pty(estate: Path, delay: str) -> tuple[int, str]:
    leader, follower = pty.openpty()
    env = {**os.environ, "KCONFIG_PROGRESS_DELAY": delay, "KCONFIG_JOBS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "kconfig", "build", "--no-cache"],
        cwd=estate,
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=120,
        check=False,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.returncode, b"".join(chunks).decode()


def test_a_slow_build_shows_progress_on_a_terminal(estate: Path) -> None:
    code, err = _build_on_a_pty(estate, "0")
    assert code == 0
    assert "kconfig build: building 4 environments..." in err
    code, err = _build_on_a_pty(estate, "60")  # a fast build says nothing
    assert (code, err) == (0, "")


def test_no_progress_line_when_stderr_is_not_a_terminal(estate: Path) -> None:
    result = run_kconfig("build", "--no-cache", cwd=estate, env={"KCONFIG_PROGRESS_DELAY": "0"})
    assert result.returncode == 0
    assert "building" not in result.stderr
