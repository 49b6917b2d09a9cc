"""The benchmark harness: the generated fleet has the FLEET.md shape, and the runner runs.

Everything goes through subprocesses started in the repository root, so these tests need
neither an installed kconfig nor `bench` on sys.path. No timing is asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
KUBECTL = Path("/usr/bin/kubectl")
ENVS = ("qa", "e2e", "stage", "prod")
APPS = ("app-000", "app-001", "app-002")
# Kapitan lives in its own venv (bench/README.md): this variable names its program, else PATH.
KAPITAN_ENV = "KCONFIG_BENCH_KAPITAN"


def _kapitan() -> str | None:
    found = shutil.which(os.environ.get(KAPITAN_ENV) or "kapitan")
    return None if found is None else str(Path(found).absolute())


KAPITAN = _kapitan()
NEEDS_KAPITAN = pytest.mark.skipif(
    KAPITAN is None, reason=f"needs kapitan (${KAPITAN_ENV} or on PATH)"
)


def _kustomize(overlay: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(KUBECTL), "kustomize", str(overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def fleet3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet3")
    done = _run("-m", "bench.fleet", "--n", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_kconfig_project_shape(fleet3: Path) -> None:
    project = fleet3 / "kconfig"
    files = _files(project)
    assert len(files) == 1 + len(APPS) + len(ENVS) * (1 + len(APPS))
    assert _load(project / "kconfig.yaml") == {
        "project": "shop",
        "environments": list(ENVS),
        "output": "deploy",
    }
    assert sorted(p.name for p in (project / "bases").iterdir()) == list(APPS)
    for env in ENVS:
        names = sorted(p.name for p in (project / "overlays" / env).iterdir())
        assert names == sorted(["env.yaml", *(f"{app}.yaml" for app in APPS)])


def test_kconfig_values(fleet3: Path) -> None:
    project = fleet3 / "kconfig"
    base = _load(project / "bases" / "app-001" / "app.yaml")
    assert base["image"]["repository"] == "registry.example.com/shop/app-001"
    assert base["port"] == 8080
    assert base["networkPolicy"] == {"enabled": True, "allowFrom": []}
    prod = _load(project / "overlays" / "prod" / "env.yaml")
    assert prod["namespace"] == "shop-prod"
    assert prod["domain"] == "prod.example.com"
    assert prod["labels"] == {"env": "prod"}
    assert prod["allowNamespaces"] == ["ingress-nginx"]
    assert prod["defaults"] == {"replicas": 3, "resources": {"limits": {"memory": "512Mi"}}}
    assert _load(project / "overlays" / "stage" / "env.yaml")["defaults"] == {"replicas": 2}
    assert _load(project / "overlays" / "qa" / "app-001.yaml") == {"image": {"tag": "1.1.0-rc"}}
    assert _load(project / "overlays" / "prod" / "app-002.yaml") == {"image": {"tag": "1.2.0"}}


def test_kustomize_tree_shape(fleet3: Path) -> None:
    tree = fleet3 / "kustomize"
    assert len(_files(tree)) == len(APPS) * 5 + len(ENVS) * 2
    base = sorted(p.name for p in (tree / "base" / "app-000").iterdir())
    assert base == sorted(
        [
            "kustomization.yaml",
            "deployment.yaml",
            "service.yaml",
            "ingress.yaml",
            "networkpolicy.yaml",
        ]
    )
    overlay = _load(tree / "overlays" / "prod" / "kustomization.yaml")
    assert overlay["namespace"] == "shop-prod"
    assert overlay["resources"] == ["namespace.yaml", *(f"../../base/{app}" for app in APPS)]
    assert [i["newTag"] for i in overlay["images"]] == ["1.0.0", "1.1.0", "1.2.0"]
    assert len(overlay["patches"]) == 1 + len(APPS)


def test_kapitan_inventory_shape(fleet3: Path) -> None:
    inventory = fleet3 / "kapitan"
    assert _files(inventory) == sorted(
        [
            "components/shop.jsonnet",
            "inventory/classes/shop.yml",
            *(f"inventory/targets/{env}.yml" for env in ENVS),
        ]
    )
    target = _load(inventory / "inventory" / "targets" / "qa.yml")
    assert target["classes"] == ["shop"]
    assert target["parameters"]["tags"] == {app: f"1.{i}.0-rc" for i, app in enumerate(APPS)}


def test_generation_is_deterministic(fleet3: Path, tmp_path: Path) -> None:
    done = _run("-m", "bench.fleet", "--n", "3", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for tree in ("kconfig", "kustomize", "kapitan"):
        assert _files(tmp_path / tree) == _files(fleet3 / tree)
        for name in _files(fleet3 / tree):
            assert (tmp_path / tree / name).read_bytes() == (fleet3 / tree / name).read_bytes()


@pytest.mark.skipif(not KUBECTL.exists(), reason="needs /usr/bin/kubectl")
@pytest.mark.parametrize("env", ENVS)
def test_kubectl_kustomize_renders_the_fleet(fleet3: Path, env: str) -> None:
    docs = _kustomize(fleet3 / "kustomize" / "overlays" / env)
    assert len(docs) == 4 * len(APPS) + 1
    kinds = Counter(d["kind"] for d in docs)
    assert kinds == {
        "Namespace": 1,
        **dict.fromkeys(["Deployment", "Service", "Ingress", "NetworkPolicy"], len(APPS)),
    }
    deployment = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "app-002"
    )
    assert deployment["metadata"]["namespace"] == f"shop-{env}"
    assert deployment["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": "app-002"}}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    suffix = "-rc" if env in ("qa", "e2e") else ""
    assert container["image"] == f"registry.example.com/shop/app-002:1.2.0{suffix}"
    assert deployment["spec"]["replicas"] == {"qa": 1, "e2e": 1, "stage": 2, "prod": 3}[env]
    limit = "512Mi" if env == "prod" else "256Mi"
    assert container["resources"]["limits"]["memory"] == limit
    ingress = next(d for d in docs if d["kind"] == "Ingress" and d["metadata"]["name"] == "app-002")
    assert ingress["spec"]["rules"][0]["host"] == f"app-002.{env}.example.com"


@pytest.mark.skipif(not KUBECTL.exists(), reason="needs /usr/bin/kubectl")
@NEEDS_KAPITAN
def test_kapitan_renders_what_kustomize_renders(fleet3: Path, tmp_path: Path) -> None:
    assert KAPITAN is not None
    done = subprocess.run(
        [KAPITAN, "compile", "--output-path", str(tmp_path)],
        cwd=fleet3 / "kapitan",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "compiled").iterdir()) == sorted(ENVS)
    for env in ENVS:
        compiled = sorted((tmp_path / "compiled" / env).glob("*.yaml"))
        assert len(compiled) == 4 * len(APPS) + 1
        kapitan = sorted(json.dumps(_load(path), sort_keys=True) for path in compiled)
        kustomize = _kustomize(fleet3 / "kustomize" / "overlays" / env)
        assert kapitan == sorted(json.dumps(d, sort_keys=True) for d in kustomize)


def test_run_smoke(tmp_path: Path) -> None:
    # kconfig is written alongside this harness: skip until it starts and has `build`.
    for args in (("--version",), ("build", "--help")):
        probe = _run("-m", "kconfig", *args, timeout=60)
        if probe.returncode != 0:
            reason = probe.stderr.strip()[-300:]
            pytest.skip(f"python -m kconfig {' '.join(args)} fails: {reason}")
    done = _run("-m", "bench.run", "--smoke", "--work", str(tmp_path), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| workload | N | kconfig | Kustomize |" in done.stdout
    assert "| W1 prod -> stdout | 10 |" in done.stdout
    assert "| W2 4 envs -> files | 10 |" in done.stdout


def test_run_refuses_a_missing_kapitan_cmd(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-kapitan"
    done = _run("-m", "bench.run", "--smoke", "--kapitan-cmd", str(missing), timeout=60)
    assert done.returncode == 2
    assert f"--kapitan-cmd: cannot find the program of '{missing}'" in done.stderr


@NEEDS_KAPITAN
def test_run_smoke_kapitan_column(tmp_path: Path) -> None:
    assert KAPITAN is not None
    args = ("--smoke", "--tools", "kapitan", "--kapitan-cmd", KAPITAN, "--work", str(tmp_path))
    done = _run("-m", "bench.run", *args, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| workload | N | kconfig | Kustomize | Kapitan |" in done.stdout
    assert f"(`{KAPITAN}`) |" in done.stdout
    # Only Kapitan ran: each measured row has two skipped cells and a time, then RSS cells.
    for row in ("start-up: --version | 1", "W1 prod -> stdout | 10", "W2 4 envs -> files | 10"):
        assert f"| {row} | skipped | skipped | " in done.stdout
    compiled = tmp_path / "out-10" / "kapitan-w2" / "compiled"
    assert sorted(p.name for p in compiled.iterdir()) == sorted(ENVS)
    assert len(list((compiled / "prod").glob("*.yaml"))) == 4 * 10 + 1


def test_outputs_are_moved_aside_between_runs_and_deleted_at_the_end(tmp_path: Path) -> None:
    from bench.run import Trash

    trash = Trash(tmp_path / ".trash")
    for name in ("out", "out"):  # the same name twice: both kept until the end
        (tmp_path / name / "qa").mkdir(parents=True)
        (tmp_path / name / "qa" / "f.yaml").write_text("x", encoding="utf-8")
        trash.discard(tmp_path / name)
        assert not (tmp_path / name).exists()
    trash.discard(tmp_path / "never-existed")
    assert len(list((tmp_path / ".trash").iterdir())) == 2
    trash.empty()
    assert not (tmp_path / ".trash").exists()
