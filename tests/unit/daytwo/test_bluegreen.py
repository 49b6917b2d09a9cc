"""issue 16: blue-green day two (set image on the idle colour, switch) and digest pins,
through the Python API and the CLI, checked on the rendered Ingress at each step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
import yaml

import kconfig
from tests.conftest import MINIMAL, write_tree

BASE = (
    'image: {repository: registry.example.com/shop/web, tag: "1.0.0"}\n'
    "port: 8080\n"
    "resources: {requests: {cpu: 100m, memory: 64Mi}}\n"
    "ingress: {enabled: true}\n"
    "strategy:\n"
    "  type: ingressBlueGreen\n"
    "  ingressBlueGreen:\n"
    "    active: blue   # the live colour\n"
    '    blue: {tag: "1.0.0"}\n'
)
OVERLAY = "overlays/qa/web.yaml"
DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def project(tmp_path: Path) -> kconfig.Project:
    root = write_tree(tmp_path / "p", {**MINIMAL, "bases/web/app.yaml": BASE})
    return kconfig.Project.load(root)


def _live(project: kconfig.Project) -> tuple[str, dict[str, str]]:
    """The Service the Ingress routes to, and each colour's image, as rendered (both
    backends agree)."""
    texts = [kconfig.dump_yaml(project.render("qa", backend=b)) for b in ("jinja", "jsonnet")]
    assert texts[0] == texts[1]
    docs: list[dict[str, Any]] = list(yaml.safe_load_all(texts[0]))
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    images = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for d in docs
        if d["kind"] == "Deployment"
    }
    return path["backend"]["service"]["name"], images


def test_set_image_switch_set_image(project: kconfig.Project) -> None:
    repo = "registry.example.com/shop/web"
    assert _live(project) == (
        "web-blue",
        {"web-blue": f"{repo}:1.0.0", "web-green": f"{repo}:1.0.0"},
    )

    first = project.set_image("qa", "web", "2.0.0")
    assert first.colour == "green" and first.written
    assert [c.path for c in first.changes] == ["strategy.ingressBlueGreen.green.tag"]
    # The new version waits on the idle colour; users still reach blue.
    assert _live(project) == (
        "web-blue",
        {"web-blue": f"{repo}:1.0.0", "web-green": f"{repo}:2.0.0"},
    )

    switched = project.switch("qa", "web")
    assert (switched.live, switched.idle, switched.image) == ("green", "blue", f"{repo}:2.0.0")
    assert _live(project)[0] == "web-green"

    second = project.set_image("qa", "web", "3.0.0")
    assert second.colour == "blue"
    assert _live(project) == (
        "web-green",
        {"web-blue": f"{repo}:3.0.0", "web-green": f"{repo}:2.0.0"},
    )
    written = yaml.safe_load((project.root / OVERLAY).read_text(encoding="utf-8"))
    assert written == {
        "strategy": {
            "ingressBlueGreen": {
                "active": "green",
                "blue": {"tag": "3.0.0"},
                "green": {"tag": "2.0.0"},
            }
        }
    }


def test_switch_keeps_comments_and_dry_run_writes_nothing(project: kconfig.Project) -> None:
    overlay = project.root / OVERLAY
    overlay.write_text(
        "# qa runs the release candidate\nstrategy:\n  ingressBlueGreen:\n"
        '    green: {tag: "2.0.0"}  # candidate\n',
        encoding="utf-8",
    )
    before = overlay.read_text(encoding="utf-8")
    dry = project.switch("qa", "web", dry_run=True)
    assert dry.live == "green" and not dry.written and dry.edits
    assert overlay.read_text(encoding="utf-8") == before
    project.switch("qa", "web")
    after = overlay.read_text(encoding="utf-8")
    assert "# qa runs the release candidate" in after and "# candidate" in after
    assert yaml.safe_load(after)["strategy"]["ingressBlueGreen"]["active"] == "green"


def test_switch_refuses_an_untagged_or_identical_colour(project: kconfig.Project) -> None:
    with pytest.raises(kconfig.ValidationError) as untagged:
        project.switch("qa", "web")
    (diag,) = untagged.value.diagnostics
    assert diag.code == "KC223" and str(diag.pos) == "bases/web/app.yaml:8:13"
    assert "green colour has no tag of its own" in diag.message
    (project.root / OVERLAY).write_text(
        'strategy: {ingressBlueGreen: {green: {tag: "1.0.0"}}}\n', encoding="utf-8"
    )
    project = kconfig.Project.load(project.root)
    with pytest.raises(kconfig.ValidationError) as same:
        project.switch("qa", "web")
    assert str(same.value) == (
        f"{OVERLAY}:1:44: error: switch: web's green colour runs "
        "registry.example.com/shop/web:1.0.0, the image blue already serves; nothing would "
        "change for users (--force to switch anyway)"
    )
    assert project.switch("qa", "web", force=True).live == "green"
    assert project.switch("qa", "web", to="green").changes == ()


def test_switch_on_another_strategy_is_located(tmp_path: Path) -> None:
    project = kconfig.Project.load(write_tree(tmp_path / "p", MINIMAL))
    with pytest.raises(kconfig.ValidationError) as caught:
        project.switch("qa", "web")
    assert str(caught.value) == (
        "bases/web/app.yaml:1:1: error: switch: web in qa has strategy rolling, not "
        "ingressBlueGreen (only an ingressBlueGreen app has colours to switch between)"
    )


def test_digest_pins_the_image(tmp_path: Path) -> None:
    project = kconfig.Project.load(write_tree(tmp_path / "p", MINIMAL))
    result = project.set_image("qa", "web", digest=DIGEST)
    assert [c.path for c in result.changes] == ["image.digest"]
    (deployment,) = [m for m in project.render("qa") if m.kind == "Deployment"]
    image = deployment.body["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"registry.example.com/shop/web@{DIGEST}"
    # A tag alone would change nothing now: refused, at the digest's line.
    with pytest.raises(kconfig.ValidationError) as caught:
        project.set_image("qa", "web", "2.0.0")
    assert str(caught.value.diagnostics[0].pos) == f"{OVERLAY}:3:11"
    assert caught.value.diagnostics[0].code == "KC224"


@pytest.mark.parametrize(
    "digest", ["sha256:abc", "sha256:" + "AB" * 32, "md5:" + "ab" * 16, "ab" * 32]
)
def test_a_malformed_digest_is_a_usage_error(project: kconfig.Project, digest: str) -> None:
    with pytest.raises(kconfig.UsageError, match="invalid image digest"):
        project.set_image("qa", "web", digest=digest)


def test_cli_says_which_colour(
    project: kconfig.Project, kconfig_cli: Callable[..., CompletedProcess[str]]
) -> None:
    root = str(project.root)
    refused = kconfig_cli("-C", root, "switch", "qa", "web")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("bases/web/app.yaml:8:13: error: switch: web's green")
    dry = kconfig_cli("-C", root, "set", "image", "qa", "web", "2.0.0", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == (
        "web strategy.ingressBlueGreen.green.tag (unset) -> 2.0.0 (the idle colour, green) "
        f"({OVERLAY})\n"
    )
    assert not (project.root / OVERLAY).exists()
    assert kconfig_cli("-C", root, "set", "image", "qa", "web", "2.0.0").returncode == 0
    done = kconfig_cli("-C", root, "switch", "qa", "web")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"web strategy.ingressBlueGreen.active blue -> green ({OVERLAY})",
        "web: green is live (registry.example.com/shop/web:2.0.0); blue is idle",
    ]
