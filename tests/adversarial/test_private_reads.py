"""Issue 18 item 2: nothing read outside, and no credentials in output.

``kconfig diff ENV --against DIR`` must not follow a committed link (to ``~/.kube/config``)
and print its token; templates and Jsonnet imports must not read ``.git/`` (CI keeps its
credentials in ``.git/config``), the build cache or the output folder; a cache entry linked
to ``/dev/zero`` is not read (it exhausted memory).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.adversarial._harness import BASE, Case, check_case

TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6InN0b2xlbiJ9"
KUBECONFIG = (
    "apiVersion: v1\nkind: Config\nmetadata: {name: ci}\n"
    f"users: [{{name: ci, user: {{token: {TOKEN}}}}}]\n"
)
GIT_CONFIG = f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {TOKEN}\n'
READ_LINK = "is a symbolic link; kconfig does not read through links"
J2 = "bases/web/templates/x.yaml.j2"
JSONNET = "bases/web/templates/x.jsonnet"
HIDDEN = "(kconfig's and Git's own files, and the output folder, are not for templates)"

CASES = [
    Case(
        "diff-against-file-links-to-kubeconfig",
        ("diff", "qa", "--against", "project/deploy/qa"),
        1,
        f"project/deploy/qa/stolen.yaml: error: {READ_LINK}",
        files={"deploy/qa/.keep": ""},
        symlinks={"deploy/qa/stolen.yaml": "{outside}/config.yaml"},
        outside={"config.yaml": KUBECONFIG},
        about="a committed output file linked to ~/.kube/config, read by diff --against",
    ),
    Case(
        "diff-against-folder-is-a-link",
        ("diff", "qa", "--against", "project/deploy/qa"),
        1,
        f"deploy: error: --against 'project/deploy/qa': {READ_LINK}",
        symlinks={"deploy": "{outside}"},
        outside={"qa/config.yaml": KUBECONFIG},
        about="a committed deploy -> ~/.kube: diff --against deploy/qa reads the outside",
    ),
    Case(
        "jinja-include-git-config",
        ("render", "qa"),
        1,
        f"{J2}:1:1: error: template include refused or missing: .git/config {HIDDEN}",
        files={J2: "{% include '.git/config' %}\n", ".git/config": GIT_CONFIG},
        about="{% include '.git/config' %}: CI's credentials",
    ),
    Case(
        "jinja-include-build-cache",
        ("render", "qa"),
        1,
        f"{J2}:1:1: error: template include refused or missing: .kconfig-cache/x.json {HIDDEN}",
        files={J2: "{% include '.kconfig-cache/x.json' %}\n", ".kconfig-cache/x.json": "{}"},
        about="{% include %} of the build cache",
    ),
    Case(
        "jinja-include-output-folder",
        ("render", "qa"),
        1,
        f"{J2}:1:1: error: template include refused or missing: deploy/qa/x.yaml {HIDDEN}",
        files={J2: "{% include 'deploy/qa/x.yaml' %}\n", "deploy/qa/x.yaml": "kind: X\n"},
        about="{% include %} of the build output (what another environment rendered)",
    ),
    Case(
        "jsonnet-importstr-git-config",
        ("render", "qa"),
        1,
        f'{JSONNET}:1:22: error: import refused or missing: ".git/config": {HIDDEN}',
        files={
            JSONNET: "function(ctx) {kind: importstr '.git/config'}\n",
            ".git/config": GIT_CONFIG,
        },
        about="importstr '.git/config'",
    ),
    Case(
        "jsonnet-import-output-folder",
        ("render", "qa"),
        1,
        f'{JSONNET}:1:22: error: import refused or missing: "deploy/qa/x.json": {HIDDEN}',
        files={
            JSONNET: "function(ctx) {kind: import 'deploy/qa/x.json'}\n",
            "deploy/qa/x.json": "1",
        },
        about="import of the build output",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_private_read(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    # Before the fix the entry was read whole: without a bound, the machine ran out.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_cache_entry_not_a_regular_file(tmp_path: Path, target: str) -> None:
    """Cache entries are opened without following links, as regular files of bounded size:
    an entry linked to /dev/zero (or a FIFO) is ignored and the build renders."""
    from kconfig.run.cache import CACHE_DIR, package_key

    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    envs = root / CACHE_DIR / package_key() / "envs"
    envs.mkdir(parents=True)
    if target == "fifo":
        os.mkfifo(envs / "qa.json")
    else:
        (envs / "qa.json").symlink_to(target)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kconfig", "-C", str(root), "build", "qa"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start < 20
    assert (root / "deploy" / "qa").is_dir()
