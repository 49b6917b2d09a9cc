"""kconfig.output.writer: output folder checks, atomic swaps, ownership and pruning, --check."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kconfig._version import __version__
from kconfig.errors import OutputError, SourcePos
from kconfig.output import writer as _writer
from kconfig.output.plan import OutputPlan
from kconfig.output.writer import (
    INDEX,
    OutputDir,
    apply_plan,
    check_plan,
    index_bytes,
    read_state,
    recover,
    resolve_output,
)

POS = SourcePos("kconfig.yaml", 5, 9)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    for folder in ("bases/web", "overlays/qa", "components/c"):
        (project / folder).mkdir(parents=True)
    (project / "kconfig.yaml").write_text("project: shop\n")
    return project


@pytest.fixture
def out(root: Path) -> OutputDir:
    return resolve_output(root, "deploy", POS)


def plan(
    files: dict[str, str],
    units: tuple[str, ...] = ("qa",),
    *,
    full: bool = False,
    owner: str = "shop",
) -> OutputPlan:
    return OutputPlan({p: t.encode() for p, t in files.items()}, units, full, owner)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links as ``-> target``), by relative path."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


QA = {
    "qa/web/service-web.yaml": "kind: Service\n",
    "qa/web/deployment-web.yaml": "kind: D\n",
    "qa/kustomization.yaml": "resources: []\n",
}


# -- the output folder ---------------------------------------------------------------------


def test_resolve_output_inside_the_project(root: Path, out: OutputDir) -> None:
    assert out.path == (root / "deploy").resolve()
    assert out.label == "deploy"
    assert out.show("qa/x.yaml") == "deploy/qa/x.yaml"
    outside = resolve_output(root, str(root.parent / "elsewhere"), POS)
    assert outside.label == str((root.parent / "elsewhere").resolve())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".", "output folder '.' is the project root itself; use a subfolder such as 'deploy'"),
        ("..", "output folder '..' contains the project; use a folder inside or beside it"),
        (
            "bases/out",
            "output folder 'bases/out' is inside bases/, which holds the project's sources",
        ),
        (
            "overlays",
            "output folder 'overlays' is inside overlays/, which holds the project's sources",
        ),
        (
            "components/x/y",
            "output folder 'components/x/y' is inside components/, which holds "
            "the project's sources",
        ),
        (".git", "output folder '.git' is inside .git/, which holds the project's sources"),
        (
            "../.git/x",
            "output folder '../.git/x' is inside .git/, which holds the project's sources",
        ),
        ("kconfig.yaml", "output folder 'kconfig.yaml' is a file, not a folder"),
        ("", "the output folder must not be empty"),
    ],
)
def test_resolve_output_refusals(root: Path, value: str, message: str) -> None:
    with pytest.raises(OutputError) as info:
        resolve_output(root, value, POS)
    (diag,) = info.value.diagnostics
    assert (diag.message, diag.pos, diag.code) == (message, POS, "KC053")


# -- writing ---------------------------------------------------------------------------------


def test_first_build_writes_files_and_the_index(out: OutputDir) -> None:
    (result,) = apply_plan(out, plan(QA))
    assert result.action == "written"
    assert result.files == 3
    assert set(result.written) == {p.removeprefix("qa/") for p in QA}
    written = tree(out.path)
    assert {k: v.decode() for k, v in written.items() if k != f"qa/{INDEX}"} == QA
    index = json.loads(written[f"qa/{INDEX}"])
    assert index == {
        "generator": "kconfig",
        "project": "shop",
        "version": __version__,
        "files": ["kustomization.yaml", "web/deployment-web.yaml", "web/service-web.yaml"],
    }
    assert written[f"qa/{INDEX}"] == index_bytes((p.removeprefix("qa/") for p in QA), "shop")
    assert [p.name for p in out.path.iterdir()] == ["qa"]  # no temporary folder left


def test_rebuild_without_change_touches_nothing(out: OutputDir) -> None:
    apply_plan(out, plan(QA))
    before = {p: p.stat().st_ino for p in out.path.rglob("*")}
    (result,) = apply_plan(out, plan(QA))
    assert (result.action, result.files, result.written, result.pruned) == ("unchanged", 3, (), ())
    assert {p: p.stat().st_ino for p in out.path.rglob("*")} == before


def test_pruning_keeps_files_kconfig_did_not_write(out: OutputDir) -> None:
    apply_plan(out, plan(QA))
    qa = out.path / "qa"
    (qa / "README.md").write_text("hand-written\n")
    (qa / "web" / "NOTES.txt").write_text("notes\n")
    (qa / "docs" / "empty").mkdir(parents=True)
    (qa / "link").symlink_to("README.md")
    changed = {
        "qa/web/service-web.yaml": "kind: Service\nv: 2\n",
        "qa/kustomization.yaml": "resources: [x]\n",
    }
    (result,) = apply_plan(out, plan(changed))
    assert result.action == "written"
    assert result.pruned == ("web/deployment-web.yaml",)
    assert set(result.written) == {"web/service-web.yaml", "kustomization.yaml"}
    assert tree(qa) == {
        INDEX: index_bytes(["web/service-web.yaml", "kustomization.yaml"], "shop"),
        "README.md": b"hand-written\n",
        "kustomization.yaml": b"resources: [x]\n",
        "link": b"-> README.md",
        "web/NOTES.txt": b"notes\n",
        "web/service-web.yaml": b"kind: Service\nv: 2\n",
    }
    assert (qa / "docs" / "empty").is_dir()


def test_a_foreign_file_at_a_planned_path_is_never_overwritten(out: OutputDir) -> None:
    apply_plan(out, plan(QA))
    (out.path / "qa" / "web" / "configmap-x.yaml").write_text("mine\n")
    (out.path / "prod" / "web").mkdir(parents=True)
    (out.path / "prod" / "web" / "service-web.yaml").write_text("mine too\n")
    before = tree(out.path)
    new = {
        **QA,
        "qa/web/configmap-x.yaml": "generated\n",
        "prod/web/service-web.yaml": "generated\n",
    }
    with pytest.raises(OutputError) as info:
        apply_plan(out, plan(new, ("qa", "prod")))
    hint = "(it is not listed in {}/.kconfig-owned.json); move it away or delete it"
    assert [(d.pos.path if d.pos else None, d.message, d.code) for d in info.value.diagnostics] == [
        (
            "deploy/prod/web/service-web.yaml",
            "refusing to overwrite a file kconfig did not write " + hint.format("prod"),
            "KC057",
        ),
        (
            "deploy/qa/web/configmap-x.yaml",
            "refusing to overwrite a file kconfig did not write " + hint.format("qa"),
            "KC057",
        ),
    ]
    assert tree(out.path) == before  # no environment changed


def test_a_foreign_file_where_a_folder_is_needed(out: OutputDir) -> None:
    (out.path / "qa").mkdir(parents=True)
    (out.path / "qa" / "web").write_text("a file\n")
    with pytest.raises(
        OutputError, match="deploy/qa/web is a file kconfig did not write, where it needs a folder"
    ):
        apply_plan(out, plan(QA))


def test_a_unit_folder_that_is_a_link_or_a_file_is_refused(out: OutputDir, tmp_path: Path) -> None:
    out.path.mkdir()
    (tmp_path / "target").mkdir()
    (out.path / "qa").symlink_to(tmp_path / "target")
    with pytest.raises(OutputError) as info:
        apply_plan(out, plan(QA))
    assert str(info.value) == (
        "deploy/qa: error: is a symbolic link; kconfig replaces this "
        "folder as a whole and does not follow links"
    )
    assert list((tmp_path / "target").iterdir()) == []
    (out.path / "qa").unlink()
    (out.path / "qa").write_text("x")
    with pytest.raises(OutputError, match="is a file where kconfig writes a folder"):
        apply_plan(out, plan(QA))


@pytest.mark.parametrize(
    "path",
    [
        "qa/../../x.yaml",
        "../x.yaml",
        "qa//x",
        "qa/./x",
        "other/x.yaml",
        f"qa/{INDEX}",
        "qa",
        "qa/a\\b",
    ],
)
def test_never_writes_outside_a_unit(out: OutputDir, path: str) -> None:
    with pytest.raises(OutputError, match="not a plain path inside a unit folder"):
        apply_plan(out, plan({path: "x"}))
    assert not out.path.exists()


def test_a_unit_no_longer_planned_is_emptied_of_kconfig_files(out: OutputDir) -> None:
    apply_plan(out, plan({**QA, "argocd/applications/qa.yaml": "a\n"}, ("qa", "argocd")))
    results = apply_plan(out, plan(QA, ("qa", "argocd")))
    assert [(r.unit, r.action, r.pruned) for r in results] == [
        ("qa", "unchanged", ()),
        ("argocd", "removed", ("applications/qa.yaml",)),
    ]
    assert not (out.path / "argocd").exists()


def test_a_full_build_prunes_removed_environments_but_keeps_foreign_files(
    out: OutputDir,
) -> None:
    old = {"old/web/service-web.yaml": "x\n", "gone/a.yaml": "y\n"}
    apply_plan(out, plan({**QA, **old}, ("qa", "old", "gone")))
    (out.path / "old" / "README.md").write_text("keep me\n")
    (out.path / "foreign").mkdir()
    (out.path / "foreign" / "x.yaml").write_text("not ours\n")
    results = apply_plan(out, plan(QA, full=True))
    assert [(r.unit, r.action) for r in results] == [
        ("qa", "unchanged"),
        ("gone", "removed"),
        ("old", "written"),
    ]
    assert tree(out.path / "old") == {"README.md": b"keep me\n"}  # no index: no longer ours
    assert not (out.path / "gone").exists()
    assert tree(out.path / "foreign") == {"x.yaml": b"not ours\n"}
    # A build of some environments only never prunes the others.
    apply_plan(out, plan({**QA, "gone/a.yaml": "y\n"}, ("qa", "gone")))
    apply_plan(out, plan(QA))
    assert (out.path / "gone" / "a.yaml").exists()


def test_fallback_swap_without_rename_exchange(
    out: OutputDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_writer, "_exchange", lambda fd, a, b: False)
    monkeypatch.setattr(_writer, "_syncfs", lambda: None)  # and fsync file by file
    apply_plan(out, plan(QA))
    (out.path / "qa" / "README.md").write_text("hi\n")
    apply_plan(out, plan({"qa/kustomization.yaml": "x\n"}))
    assert tree(out.path / "qa") == {
        INDEX: index_bytes(["kustomization.yaml"], "shop"),
        "README.md": b"hi\n",
        "kustomization.yaml": b"x\n",
    }
    assert sorted(p.name for p in out.path.iterdir()) == ["qa"]


def test_recovery_restores_or_discards_what_a_killed_build_left(out: OutputDir) -> None:
    apply_plan(out, plan({**QA, "prod/a.yaml": "a\n"}, ("qa", "prod")))
    # Killed between the two renames of the fallback swap: qa is at its backup name.
    (out.path / "qa").rename(out.path / ".kconfig-bak-qa")
    # Killed after the swap of prod: an old copy is left at a backup name.
    (out.path / ".kconfig-bak-prod").mkdir()
    # Killed while writing a new tree.
    (out.path / ".kconfig-tmp-qa-0a1b2c3d" / "web").mkdir(parents=True)
    recover(out.path)
    assert sorted(p.name for p in out.path.iterdir()) == ["prod", "qa"]
    assert read_state(out, "qa").owned == {p.removeprefix("qa/") for p in QA}


def test_check_reports_unified_diffs_and_writes_nothing(out: OutputDir) -> None:
    assert [d.change for d in check_plan(out, plan(QA))] == ["add"] * 3
    assert not out.path.exists()
    apply_plan(out, plan(QA))
    assert check_plan(out, plan(QA)) == []
    (out.path / "qa" / "README.md").write_text("foreign files are ignored\n")
    (out.path / "qa" / "web" / "service-web.yaml").write_text("kind: Service\nhand: edit\n")
    new = {
        "qa/web/service-web.yaml": "kind: Service\n",
        "qa/kustomization.yaml": "r: []\n",
        "qa/web/configmap-c.yaml": "kind: ConfigMap",
    }
    before = tree(out.path)
    diffs = check_plan(out, plan(new))
    assert tree(out.path) == before
    assert [(d.path, d.change) for d in diffs] == [
        ("qa/web/service-web.yaml", "modify"),
        ("qa/kustomization.yaml", "modify"),
        ("qa/web/configmap-c.yaml", "add"),
        ("qa/web/deployment-web.yaml", "delete"),
    ]
    assert diffs[0].diff == (
        "--- a/deploy/qa/web/service-web.yaml\n"
        "+++ b/deploy/qa/web/service-web.yaml\n"
        "@@ -1,2 +1 @@\n"
        " kind: Service\n"
        "-hand: edit\n"
    )
    assert diffs[2].diff == (
        "--- /dev/null\n+++ b/deploy/qa/web/configmap-c.yaml\n@@ -0,0 +1 @@\n"
        "+kind: ConfigMap\n\\ No newline at end of file\n"
    )
    assert diffs[3].diff == (
        "--- a/deploy/qa/web/deployment-web.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-kind: D\n"
    )


def test_index_that_is_not_json_is_a_located_error(out: OutputDir) -> None:
    apply_plan(out, plan(QA))
    (out.path / "qa" / INDEX).write_text("{not json")
    with pytest.raises(OutputError) as info:
        apply_plan(out, plan(QA))
    assert str(info.value).startswith(
        "deploy/qa/.kconfig-owned.json: error: ownership index is not valid JSON"
    )


def test_an_os_error_is_a_located_output_error_and_leaves_no_trace(
    out: OutputDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_plan(out, plan(QA))
    before = tree(out.path)

    def full_disk(path: str, data: bytes, fsync: bool) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(_writer, "_write_new", full_disk)
    with pytest.raises(OutputError) as info:
        apply_plan(out, plan({**QA, "qa/web/service-web.yaml": "v2\n"}))
    (diag,) = info.value.diagnostics
    assert diag.message == "No space left on device (kconfig cannot write its output here)"
    assert diag.pos is not None and diag.pos.path.startswith("deploy/.kconfig-tmp-qa-")
    assert tree(out.path) == before
    assert sorted(p.name for p in out.path.iterdir()) == ["qa"]


def test_projects_sharing_an_output_folder_never_touch_each_other(out: OutputDir) -> None:
    apply_plan(out, plan({"qa/a.yaml": "shop\n"}, owner="shop"))
    apply_plan(out, plan({"dev/a.yaml": "blog\n"}, ("dev",), owner="blog"))
    # A full build of "shop" does not prune "blog"'s environment folder.
    apply_plan(out, plan({"qa/a.yaml": "shop\n"}, full=True, owner="shop"))
    assert tree(out.path / "dev") == {INDEX: index_bytes(["a.yaml"], "blog"), "a.yaml": b"blog\n"}
    with pytest.raises(OutputError) as info:
        apply_plan(out, plan({"dev/a.yaml": "shop\n"}, ("dev",), owner="shop"))
    assert str(info.value) == (
        "deploy/dev/.kconfig-owned.json: error: this folder belongs to kconfig project 'blog', "
        "not 'shop'; give each project its own output folder"
    )
    with pytest.raises(OutputError, match="belongs to kconfig project 'blog'"):
        check_plan(out, plan({"dev/a.yaml": "shop\n"}, ("dev",), owner="shop"))
