"""The package's shape: imports go one way (import-linter's contracts in pyproject.toml),
no module imports itself back through others, and the lazy public names stay typed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]
# lint-imports, as its console script runs it (the package has no __main__)
_LINT = (
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.exit(lint_imports_command())"
)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the package found under ``root``, with ``root``'s config."""
    return subprocess.run(
        [sys.executable, "-c", _LINT, "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(
        REPO / "kconfig", root / "kconfig", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_import_contracts_are_kept() -> None:
    done = _lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # validation must not drive rendering
        ("check/validate.py", "from kconfig.render import pipeline", "kconfig.check"),
        # a stage takes the read-only sources, never the facade (even for a type)
        ("render/pipeline.py", "from kconfig.project import Project", "kconfig.render"),
        # a lower layer importing a higher one inside a function still counts
        ("load/sources.py", "def f():\n    import kconfig.run.build", "kconfig.load"),
        # the CLI uses the public API only
        ("cli/render.py", "from kconfig.render.pipeline import RenderOptions", "kconfig.cli"),
    ],
)
def test_a_wrong_way_import_is_reported(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    root = _copy(tmp_path)
    path = root / "kconfig" / module
    path.write_text(path.read_text() + f"\n\n{line}\n")
    done = _lint_imports(root)
    assert done.returncode == 1, done.stdout
    assert "BROKEN" in done.stdout
    assert f"{broken}." in done.stdout.split("Broken contracts", 1)[1]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), or a module importing
    itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1 or module in graph.find_modules_directly_imported_by(module):
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_counting_every_import() -> None:
    """Module level, inside functions and under TYPE_CHECKING: every import counts."""
    graph = grimp.build_graph("kconfig", exclude_type_checking_imports=False, cache_dir=None)
    assert "kconfig.run.recipe" in graph.modules
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    assert _cycles(graph) == [["a", "b", "c"]]


def test_mypy_rejects_a_misspelt_public_name(tmp_path: Path) -> None:
    """The lazy ``__getattr__`` is hidden from type checkers: ``kconfig.Projcet`` is an
    error in a user's script, while the real names keep their types."""
    script = tmp_path / "user.py"
    script.write_text(
        "import kconfig\n\n"
        "project: kconfig.Project = kconfig.Project.load('.')\n"
        "manifests: list[kconfig.Manifest] = project.render('qa')\n"
        "kconfig.Projcet.load('.')\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            str(script),
        ],
        cwd=tmp_path,
        env={"MYPYPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'user.py:5: error: Module has no attribute "Projcet"' in done.stdout, done.stdout
    assert done.stdout.count("error:") == 1, done.stdout
