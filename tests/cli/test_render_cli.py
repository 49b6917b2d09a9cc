"""``kconfig render`` and friends end to end, as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO, run_kconfig


def test_render_reference_estate_from_repo_root() -> None:
    result = run_kconfig("render", "qa", cwd=REPO)
    assert result.returncode == 0, result.stderr
    docs = list(yaml.safe_load_all(result.stdout))
    kinds = [d["kind"] for d in docs]
    assert kinds[0] == "Namespace"
    assert {"Deployment", "Service", "Ingress", "NetworkPolicy"} <= set(kinds)
    assert all(d["metadata"].get("namespace", "guestbook-qa") == "guestbook-qa" for d in docs)


def test_upward_search_and_dash_c(tmp_path: Path) -> None:
    nested = REPO / "bases" / "myapp"
    assert run_kconfig("render", "prod", cwd=nested).returncode == 0
    result = run_kconfig("-C", str(REPO), "render", "prod", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert run_kconfig("render", "prod", "-C", str(REPO), cwd=tmp_path).stdout == result.stdout


def test_no_project_found_is_an_error(tmp_path: Path) -> None:
    result = run_kconfig("render", "qa", cwd=tmp_path)
    assert result.returncode == 1
    assert "no kconfig.yaml found" in result.stderr
    assert "Traceback" not in result.stderr


def test_envs_in_promotion_order() -> None:
    result = run_kconfig("envs", cwd=REPO)
    assert result.stdout.split() == ["qa", "e2e", "stage", "prod"]


def test_set_overrides_with_yaml_scalars(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project()
    result = run_kconfig(
        "render",
        "qa",
        "--app",
        "web",
        "--set",
        "replicas=7",
        "--set",
        "image.tag=2.0.0",
        "--set",
        "env.MODE=on",
        "-C",
        str(root),
    )
    # env.MODE=on is a YAML 1.1 boolean where Kubernetes wants a string: a located error
    assert result.returncode == 1
    assert result.stderr.startswith("--set: error: env.MODE must be a string")
    result = run_kconfig(
        "render",
        "qa",
        "--app",
        "web",
        "--set",
        "replicas=7",
        "--set",
        "image.tag=2.0.0",
        "-C",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    deploy = next(d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Deployment")
    assert deploy["spec"]["replicas"] == 7
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":2.0.0")


def test_app_filter_and_unknown_app(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"bases/api/app.yaml": 'image: {repository: r/api, tag: "1"}\n'})
    result = run_kconfig("render", "qa", "--app", "api", "-C", str(root))
    assert result.returncode == 0, result.stderr
    names = {d["metadata"]["name"] for d in yaml.safe_load_all(result.stdout)}
    assert names == {"api"}
    bad = run_kconfig("render", "qa", "--app", "nope", "-C", str(root))
    assert bad.returncode == 2
    assert "nope" in bad.stderr


def test_json_output_is_a_v1_list() -> None:
    result = run_kconfig("render", "stage", "-o", "json", cwd=REPO)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["apiVersion"] == "v1" and data["kind"] == "List"
    yaml_docs = list(yaml.safe_load_all(run_kconfig("render", "stage", cwd=REPO).stdout))
    assert data["items"] == yaml_docs


def test_usage_errors_exit_2() -> None:
    assert run_kconfig("render", cwd=REPO).returncode == 2
    assert run_kconfig("render", "qa", "-o", "xml", cwd=REPO).returncode == 2
    assert run_kconfig("frobnicate", cwd=REPO).returncode == 2
    assert run_kconfig(cwd=REPO).returncode == 2


def test_version() -> None:
    result = run_kconfig("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("kconfig ")


def test_debug_shows_traceback(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"overlays/qa/web.yaml": "replicas: [\n"})
    quiet = run_kconfig("render", "qa", "-C", str(root))
    loud = run_kconfig("--debug", "render", "qa", "-C", str(root))
    assert quiet.returncode == loud.returncode == 1
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr


def test_help_imports_neither_jsonnet_nor_jsonschema() -> None:
    code = (
        "import sys\n"
        "from kconfig.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('_jsonnet', 'jsonschema', 'jsonschema_rs', 'jinja2')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print('LOADED:' + ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "LOADED:"


def test_output_is_byte_identical_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        result = run_kconfig("render", "prod", cwd=REPO, env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1
