"""``kconfig build`` end to end: layout, Kustomize round trip, pruning, --check, SIGKILL
atomicity, Argo CD files, branch per environment, and the pre-commit hook."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import GIT_ENV, REPO, git, run_kconfig

KUBECTL = Path("/usr/bin/kubectl")
ESTATE_ENVS = ("qa", "e2e", "stage", "prod")
INDEX = ".kconfig-owned.json"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path (empty when it does not exist)."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def ok(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = run_kconfig(*args, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result


# -- layout, round trip, byte stability ------------------------------------------------------


def test_build_writes_one_file_per_manifest(estate: Path) -> None:
    result = ok("build", cwd=estate)
    assert result.stdout.splitlines()[0].startswith("deploy/qa: ")
    files = tree(estate / "deploy" / "qa")
    assert "_env/namespace-guestbook-qa.yaml" in files
    assert "frontend/deployment-frontend.yaml" in files
    assert "redis-leader/service-redis-leader.yaml" in files
    listed = yaml.safe_load(files["kustomization.yaml"])["resources"]
    assert sorted([*listed, "kustomization.yaml", INDEX]) == sorted(files)
    rendered = ok("render", "qa", cwd=estate).stdout
    assert "---\n".join(files[p].decode() for p in listed) == rendered


def test_files_are_byte_identical_across_runs(estate: Path, tmp_path: Path) -> None:
    ok("build", cwd=estate)
    ok("build", "--out", str(tmp_path / "again"), cwd=estate)
    assert tree(estate / "deploy") == tree(tmp_path / "again")
    again = ok("build", cwd=estate)
    assert again.stdout == "".join(
        f"deploy/{env}: up to date ({len(tree(estate / 'deploy' / env)) - 1} files)\n"
        for env in ESTATE_ENVS
    )


@pytest.mark.skipif(not KUBECTL.exists(), reason="needs kubectl at /usr/bin/kubectl")
def test_kubectl_kustomize_round_trip_equals_render(estate: Path) -> None:
    ok("build", cwd=estate)
    for env in ESTATE_ENVS:
        kustomized = subprocess.run(
            [str(KUBECTL), "kustomize", str(estate / "deploy" / env)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        built = list(yaml.safe_load_all(kustomized))
        rendered = list(yaml.safe_load_all(ok("render", env, cwd=estate).stdout))
        assert [(d["kind"], d["metadata"]["name"]) for d in built] == [
            (d["kind"], d["metadata"]["name"]) for d in rendered
        ]
        assert built == rendered, env


# -- pruning and ownership -----------------------------------------------------------------


TWO_APPS = {
    "bases/api/app.yaml": (
        'image: {repository: registry.example.com/shop/api, tag: "2.0.0"}\n'
        "port: 9090\nresources: {requests: {cpu: 50m, memory: 64Mi}}\n"
    ),
}


def test_rebuild_prunes_what_it_wrote_and_keeps_foreign_files(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(TWO_APPS)
    ok("build", cwd=root)
    qa = root / "deploy" / "qa"
    assert (qa / "api" / "deployment-api.yaml").exists()
    (root / "deploy" / "README.md").write_text("# rendered output\n")
    (qa / "README.md").write_text("qa notes\n")
    (qa / "api" / "runbook.md").write_text("api runbook\n")
    (root / "overlays" / "qa" / "env.yaml").write_text(
        "domain: qa.example.com\nlabels: {env: qa}\napps: [web]\n"
    )
    result = ok("build", cwd=root)
    # the Namespace, two isolation policies, web's Deployment and Service, kustomization.yaml
    assert "deploy/qa: 6 files, 1 written, 2 pruned\n" in result.stdout
    files = tree(qa)
    assert not [p for p in files if p.startswith("api/") and p.endswith(".yaml")]
    assert files["README.md"] == b"qa notes\n"
    assert files["api/runbook.md"] == b"api runbook\n"
    assert (root / "deploy" / "README.md").read_text() == "# rendered output\n"
    assert (root / "deploy" / "prod" / "api" / "deployment-api.yaml").exists()


def test_an_environment_removed_from_the_project_is_pruned(
    make_project: Callable[..., Path],
) -> None:
    root = make_project()
    ok("build", cwd=root)
    (root / "kconfig.yaml").write_text("project: shop\nenvironments: [prod]\n")
    assert "deploy/qa: removed (" in ok("build", cwd=root).stdout
    assert sorted(p.name for p in (root / "deploy").iterdir()) == ["prod"]


def test_refuses_to_overwrite_a_file_it_did_not_write(make_project: Callable[..., Path]) -> None:
    root = make_project()
    target = root / "deploy" / "qa" / "web" / "service-web.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n")
    result = run_kconfig("build", cwd=root)
    assert result.returncode == 1
    assert result.stderr == (
        "deploy/qa/web/service-web.yaml: error: refusing to overwrite a file kconfig did not "
        "write (it is not listed in qa/.kconfig-owned.json); move it away or delete it\n"
    )
    assert target.read_text() == "mine\n"
    assert not (root / "deploy" / "prod").exists()


@pytest.mark.parametrize(
    ("kconfig_output", "args", "message"),
    [
        (
            "output: overlays/out\n",
            (),
            "kconfig.yaml:3:9: error: output folder 'overlays/out' is inside overlays/, which "
            "holds the project's sources",
        ),
        (
            "output: .\n",
            (),
            "kconfig.yaml:3:9: error: output folder '.' is the project root itself; use a "
            "subfolder such as 'deploy'",
        ),
        (
            "",
            ("--out", "bases"),
            "--out: error: output folder 'bases' is inside bases/, which holds the project's "
            "sources",
        ),
        (
            "",
            ("--out", "kconfig.yaml"),
            "--out: error: output folder 'kconfig.yaml' is a file, not a folder",
        ),
    ],
)
def test_output_folder_refusals_are_located(
    make_project: Callable[..., Path], kconfig_output: str, args: tuple[str, ...], message: str
) -> None:
    root = make_project(
        {"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n" + kconfig_output}
    )
    before = tree(root)
    result = run_kconfig("build", *args, cwd=root)
    assert (result.returncode, result.stderr, result.stdout) == (1, message + "\n", "")
    assert tree(root) == before


# -- --check ---------------------------------------------------------------------------------


def test_check_clean_and_dirty(estate: Path) -> None:
    missing = run_kconfig("build", "--check", cwd=estate)
    assert missing.returncode == 1
    assert not (estate / "deploy").exists()
    ok("build", cwd=estate)
    clean = run_kconfig("build", "--check", cwd=estate)
    assert (clean.returncode, clean.stdout, clean.stderr) == (
        0,
        "",
        "kconfig: deploy is up to date\n",
    )

    (estate / "overlays" / "prod" / "redis-leader.yaml").write_text("replicas: 4\n")
    (estate / "deploy" / "qa" / "myapp" / "service-myapp.yaml").unlink()
    before = tree(estate / "deploy")
    dirty = run_kconfig("build", "--check", cwd=estate)
    assert dirty.returncode == 1
    assert tree(estate / "deploy") == before  # --check writes nothing
    assert "--- /dev/null\n+++ b/deploy/qa/myapp/service-myapp.yaml\n" in dirty.stdout
    assert (
        "--- a/deploy/prod/redis-leader/deployment-redis-leader.yaml\n"
        "+++ b/deploy/prod/redis-leader/deployment-redis-leader.yaml\n"
    ) in dirty.stdout
    assert "\n-  replicas: 3\n+  replicas: 4\n" in dirty.stdout
    assert dirty.stderr == (
        "kconfig: deploy is out of date: 2 files differ (1 to add, 1 to "
        "change, 0 to delete); run 'kconfig build'\n"
    )
    ok("build", cwd=estate)
    assert run_kconfig("build", "--check", cwd=estate).returncode == 0


def test_pre_commit_hook_kconfig_check() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "kconfig-check"]
    assert hook["entry"] == "kconfig build --check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False


# -- SIGKILL at random points ----------------------------------------------------------------


def fleet(root: Path, apps: int, tag: str, prod_apps: int) -> None:
    """A project big enough that a build takes a while: ``apps`` apps in qa and prod."""
    names = [f"app-{i:03d}" for i in range(apps)]
    files = {
        "kconfig.yaml": "project: fleet\nenvironments: [qa, prod]\n",
        "overlays/qa/env.yaml": "domain: qa.example.com\ndefaults: {replicas: 1}\n",
        "overlays/prod/env.yaml": f"domain: example.com\napps: {names[:prod_apps]}\n",
    }
    for name in names:
        files[f"bases/{name}/app.yaml"] = (
            f'image: {{repository: registry.example.com/{name}, tag: "{tag}"}}\n'
            "port: 8080\nresources: {requests: {cpu: 10m, memory: 16Mi}}\n"
        )
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text.replace("'", ""))


def build_process(root: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kconfig", "build", "--no-validate", "--out", str(out)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_sigkill_leaves_each_environment_old_or_new(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    fleet(root, apps=60, tag="1.0.0", prod_apps=60)
    old_out = tmp_path / "old"
    ok("build", "--no-validate", "--out", str(old_out), cwd=root)
    (old_out / "qa" / "README.md").write_text("hand-written\n")  # a foreign file
    old = {env: tree(old_out / env) for env in ("qa", "prod")}
    fleet(root, apps=60, tag="1.1.0", prod_apps=45)  # every file changes, prod prunes
    new_out = tmp_path / "new"
    shutil.copytree(old_out, new_out, symlinks=True)
    started = time.perf_counter()
    ok("build", "--no-validate", "--out", str(new_out), cwd=root)
    duration = time.perf_counter() - started
    new = {env: tree(new_out / env) for env in ("qa", "prod")}
    assert old["qa"] != new["qa"] and new["qa"]["README.md"] == b"hand-written\n"

    rng = random.Random(20261128)
    out = tmp_path / "out"
    outcomes = []
    killed_while_writing = 0
    attempts = 8
    for attempt in range(attempts):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(old_out, out, symlinks=True)
        proc = build_process(root, out)
        if attempt % 2:  # anywhere in the run, start-up and rendering included
            time.sleep(rng.uniform(0, duration))
        else:  # once a new tree is being written
            deadline = time.perf_counter() + 30
            while (
                proc.poll() is None
                and time.perf_counter() < deadline
                and not any(p.name.startswith(".kconfig-tmp-") for p in out.iterdir())
            ):
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.05))
            killed_while_writing += proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for env in ("qa", "prod"):
            now = tree(out / env)
            assert now in (old[env], new[env]), f"attempt {attempt}: {env} is a mix"
            outcomes.append("old" if now == old[env] else "new")
        # The next build recovers and finishes the job.
        if attempt in (attempts // 2, attempts - 1):
            ok("build", "--no-validate", "--out", str(out), cwd=root)
            assert {env: tree(out / env) for env in ("qa", "prod")} == new
            assert sorted(p.name for p in out.iterdir()) == ["prod", "qa"]
    assert killed_while_writing >= 1
    assert "old" in outcomes


# -- Argo CD files ---------------------------------------------------------------------------


def test_argocd_files_are_written_and_pruned(make_project: Callable[..., Path]) -> None:
    gitops = (
        "gitops:\n  argocd: {repoURL: https://git.example.com/shop-deploy.git, "
        "targetRevision: main, project: shop}\n"
    )
    root = make_project({"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n" + gitops})
    result = ok("build", cwd=root)
    assert "deploy/argocd: 3 files, 3 written, 0 pruned\n" in result.stdout
    files = tree(root / "deploy" / "argocd")
    assert sorted(files) == [
        INDEX,
        "applications/prod.yaml",
        "applications/qa.yaml",
        "applicationset/shop.yaml",
    ]
    app = yaml.safe_load(files["applications/qa.yaml"])
    assert app["spec"]["destination"]["namespace"] == "shop-qa"
    assert app["spec"]["source"]["path"] == "deploy/qa"
    assert app["spec"]["project"] == "shop"
    assert app["spec"]["syncPolicy"] == {"automated": {"prune": True, "selfHeal": True}}
    (root / "kconfig.yaml").write_text("project: shop\nenvironments: [qa, prod]\n")
    assert "deploy/argocd: removed (3 files pruned)\n" in ok("build", cwd=root).stdout


# -- branch per environment ------------------------------------------------------------------


def snapshot(repo: Path) -> tuple[str, str, bytes, str, dict[str, bytes]]:
    """HEAD, its branch, the index file, status and the working tree (outside .git)."""
    work = {k: v for k, v in tree(repo).items() if not k.startswith(".git/")}
    return (
        git(repo, "rev-parse", "HEAD"),
        git(repo, "symbolic-ref", "HEAD"),
        (repo / ".git" / "index").read_bytes(),
        git(repo, "status", "--porcelain", "--ignored"),
        work,
    )


def commits(repo: Path, branch: str) -> list[str]:
    return git(repo, "log", "--format=%H %s", branch).splitlines()


def test_commit_to_one_branch_per_environment(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\ngitops: {layout: branches}\n"}
    )
    git(root, "init", "-q", "-b", "main")
    (root / "scratch.txt").write_text("untracked, stays\n")
    git(root, "add", "kconfig.yaml", "bases", "overlays")
    git(root, "commit", "-q", "-m", "sources")
    head = git(root, "rev-parse", "HEAD")
    before = snapshot(root)

    first = ok("build", "--commit", cwd=root, env=GIT_ENV)
    assert snapshot(root) == before  # HEAD, index and working tree untouched
    assert not (root / "deploy").exists()
    for env in ("qa", "prod"):
        (only,) = commits(root, f"env/{env}")
        assert only.endswith(f" kconfig: render {env} from {head[:12]}")
        body = git(root, "log", "-1", "--format=%b", f"env/{env}")
        assert f"Source-Commit: {head}" in body
        assert f"env/{env}: committed {only[:12]}\n" in first.stdout
    names = git(root, "ls-tree", "-r", "--name-only", "env/qa").split()
    assert names == [
        "_env/namespace-shop-qa.yaml",
        "_env/networkpolicy-env-isolation.yaml",
        "_env/networkpolicy-env-same-namespace.yaml",
        "kustomization.yaml",
        "web/deployment-web.yaml",
        "web/service-web.yaml",
    ]
    rendered = ok("render", "qa", cwd=root).stdout
    assert git(root, "show", "env/qa:web/service-web.yaml") + "\n" in rendered

    again = ok("build", "--commit", cwd=root, env=GIT_ENV)
    assert "env/qa: up to date" in again.stdout
    assert len(commits(root, "env/qa")) == len(commits(root, "env/prod")) == 1

    (root / "overlays" / "qa" / "web.yaml").write_text("replicas: 3\n")
    dirty = ok("build", "--commit", cwd=root, env=GIT_ENV)
    assert "env/prod: up to date" in dirty.stdout
    assert len(commits(root, "env/prod")) == 1
    latest, _ = commits(root, "env/qa")
    assert latest.endswith(f" kconfig: render qa from {head[:12]}-dirty")
    git(root, "add", "overlays")
    git(root, "commit", "-q", "-m", "qa: 3 replicas")
    ok("build", "--commit", cwd=root, env=GIT_ENV)
    assert len(commits(root, "env/qa")) == 2  # same tree as the dirty build: no commit
    assert git(root, "rev-parse", "HEAD") != head
    assert git(root, "symbolic-ref", "HEAD") == "refs/heads/main"


def test_commit_needs_the_branch_layout(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {"kconfig.yaml": "project: shop\nenvironments: [qa, prod]\ngitops: {layout: directories}\n"}
    )
    result = run_kconfig("build", "--commit", cwd=root)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "kconfig.yaml:3:18: error: --commit needs 'gitops: {layout: branches}' in kconfig.yaml\n"
    )
    both = run_kconfig("build", "--commit", "--check", cwd=root)
    assert both.returncode == 2
    assert "--commit and --check cannot be combined" in both.stderr
