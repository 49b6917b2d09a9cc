"""The values-level checks of strategies (KC2xx): each triggered by a bad overlay, reported at
the file:line:col of the layer that wrote the offending value, all problems at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import kconfig
from kconfig.errors import KconfigError, ValidationError
from kconfig.render.strategies import CHECKS, plan_strategy
from tests.conftest import write_tree

OVERLAY = "overlays/qa/web.yaml"
FILES = {
    "kconfig.yaml": "project: shop\nenvironments: [qa, e2e]\n",
    "bases/web/app.yaml": ('image: {repository: r/web, tag: "1.0.0"}\ningress: {enabled: true}\n'),
    "overlays/qa/env.yaml": "labels: {env: qa}\n",
    "overlays/e2e/env.yaml": "extends: qa\nlabels: {env: e2e}\n",
}


@pytest.fixture
def problems(tmp_path: Path) -> Callable[..., list[tuple[str, str]]]:
    """Render qa with ``files`` added; the (id, ``path:line:col: error: message``) lines."""

    def run(
        files: Mapping[str, str], env: str = "qa", sets: tuple[str, ...] = ()
    ) -> list[tuple[str, str]]:
        root = write_tree(tmp_path / "proj", {**FILES, **files})
        with pytest.raises(KconfigError) as caught:
            kconfig.Project.load(root).render(env, overrides=sets, validate=False)
        return [(d.code, d.format()) for d in caught.value.diagnostics]

    return run


CASES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "unknown strategy type, with a hint": (
        "strategy:\n  type: bluegreen\n",
        [
            (
                "KC201",
                "2:9: error: unknown strategy type 'bluegreen' (one of rolling, recreate, "
                "blueGreen, canary, ingressCanary, ingressBlueGreen); did you mean "
                "'blueGreen'?",
            )
        ],
    ),
    "setWeight not ascending": (
        "strategy:\n  type: canary\n  canary:\n    steps:\n    - setWeight: 50\n"
        "    - pause: {}\n    - setWeight: 20\n",
        [
            (
                "KC204",
                "7:18: error: canary step 3: setWeight 20 does not ascend (step 1 already "
                "set 50); each setWeight must be higher than the one before",
            )
        ],
    ),
    "setWeight repeated": (
        "strategy:\n  type: canary\n  canary:\n    steps: [{setWeight: 30}, {setWeight: 30}]\n",
        [
            (
                "KC204",
                "4:42: error: canary step 2: setWeight 30 does not ascend (step 1 already "
                "set 30); each setWeight must be higher than the one before",
            )
        ],
    ),
    "setWeight outside 0..100 or not an integer": (
        "strategy:\n  type: canary\n  canary:\n    steps:\n    - setWeight: -5\n"
        '    - setWeight: "30"\n    - setWeight: 101\n',
        [
            (
                "KC203",
                "5:18: error: canary step 1: setWeight must be an integer within 0..100 "
                "(a percentage of the traffic), not -5",
            ),
            (
                "KC203",
                "6:18: error: canary step 2: setWeight must be an integer within 0..100 "
                "(a percentage of the traffic), not '30'",
            ),
            (
                "KC203",
                "7:18: error: canary step 3: setWeight must be an integer within 0..100 "
                "(a percentage of the traffic), not 101",
            ),
        ],
    ),
    "stableService == canaryService": (
        "strategy:\n  type: canary\n  canary:\n    trafficRouting: nginx\n    canaryService: web\n",
        [
            (
                "KC205",
                "5:20: error: strategy.canary: stableService and canaryService are both "
                "'web'; Argo Rollouts needs two different Services",
            )
        ],
    ),
    "activeService == previewService": (
        "strategy:\n  type: blueGreen\n  blueGreen:\n    previewService: web\n",
        [
            (
                "KC205",
                "4:21: error: strategy.blueGreen: activeService and previewService are "
                "both 'web'; Argo Rollouts needs two different Services",
            )
        ],
    ),
    "analysis step without a successRate template": (
        "strategy:\n  type: canary\n  canary:\n    steps:\n    - setWeight: 10\n"
        "    - analysis: {successRate: true}\n",
        [
            (
                "KC206",
                "6:17: error: canary step 2: analysis successRate needs strategy.canary."
                "analysis.successRate (the AnalysisTemplate web-success-rate is not "
                "rendered)",
            )
        ],
    ),
    "analysis step naming kconfig's template when none is rendered": (
        "strategy:\n  type: canary\n  canary:\n    steps:\n    - analysis:\n"
        "        templates: [{templateName: web-success-rate}]\n",
        [
            (
                "KC206",
                "6:36: error: canary step 1: AnalysisTemplate 'web-success-rate' is not "
                "rendered: configure strategy.canary.analysis.successRate",
            )
        ],
    ),
    "background analysis without successRate": (
        "strategy:\n  type: canary\n  canary:\n    analysis:\n      startingStep: 1\n",
        [
            (
                "KC206",
                "5:7: error: strategy.canary.analysis names no AnalysisTemplate: give it "
                "successRate: {prometheusAddress, minimum}",
            )
        ],
    ),
    "successRate incomplete": (
        "strategy:\n  type: blueGreen\n  blueGreen:\n    postPromotionAnalysis:\n"
        "      successRate: {minimum: 1.5, interval: soon, count: 0}\n",
        [
            (
                "KC207",
                "5:20: error: strategy.blueGreen.postPromotionAnalysis.successRate."
                "prometheusAddress: the Prometheus server's URL (http:// or https://) is "
                "required",
            ),
            (
                "KC207",
                "5:30: error: strategy.blueGreen.postPromotionAnalysis.successRate.minimum:"
                " the lowest acceptable success rate must be a number within 0..1, not 1.5",
            ),
            (
                "KC207",
                "5:45: error: strategy.blueGreen.postPromotionAnalysis.successRate.interval"
                ": 'soon' is not a duration such as 30s, 1m or 1h30m",
            ),
            (
                "KC207",
                "5:58: error: strategy.blueGreen.postPromotionAnalysis.successRate.count: "
                "the number of measurements must be an integer of at least 1, not 0",
            ),
        ],
    ),
    "ingressCanary without a canary tag": (
        "replicas: 2\nstrategy:\n  type: ingressCanary\n",
        [
            (
                "KC208",
                "3:9: error: strategy ingressCanary needs the canary's image tag: set "
                "strategy.ingressCanary.tag",
            )
        ],
    ),
    "ingressCanary with a weight but no tag": (
        "strategy:\n  type: ingressCanary\n  ingressCanary:\n    weight: 20\n",
        [
            (
                "KC208",
                "4:5: error: strategy ingressCanary needs the canary's image tag: set "
                "strategy.ingressCanary.tag",
            )
        ],
    ),
    "ingressCanary weight out of range, tag a number": (
        "strategy:\n  type: ingressCanary\n  ingressCanary:\n    weight: 150\n    tag: 1.5\n",
        [
            (
                "KC203",
                "4:13: error: strategy.ingressCanary.weight must be an integer within "
                "0..100 (a percentage of the traffic), not 150",
            ),
            (
                "KC217",
                "5:10: error: strategy.ingressCanary.tag must be a string, but YAML 1.1 "
                "read the value as the float 1.5; put it in quotes",
            ),
        ],
    ),
    "strategy without Services or Ingress": (
        "service: {enabled: false}\ningress: {enabled: false}\n"
        "strategy: {type: canary, canary: {trafficRouting: nginx}}\n",
        [
            (
                "KC209",
                "1:20: error: strategy canary routes traffic through the app's Services, "
                "but service.enabled is false",
            ),
            (
                "KC210",
                "3:51: error: canary.trafficRouting nginx needs the app's Ingress as the "
                "stable Ingress, but ingress.enabled is false (set ingress.enabled: true)",
            ),
        ],
    ),
    "setCanaryScale without traffic routing": (
        "strategy:\n  type: canary\n  canary:\n    steps:\n    - setCanaryScale: {weight: 10}\n",
        [
            (
                "KC211",
                "5:23: error: canary step 1: setCanaryScale needs traffic routing (Argo "
                "Rollouts refuses it otherwise); set strategy.canary.trafficRouting: nginx",
            )
        ],
    ),
    "malformed steps": (
        "strategy:\n  type: canary\n  canary:\n    steps:\n    - {setWeight: 10, pause: {}}\n"
        "    - pause: {duration: soon}\n    - setWeight: 20\n",
        [
            (
                "KC202",
                "5:7: error: canary step 1 must hold exactly one of setWeight, pause, "
                "analysis, setCanaryScale (got setWeight, pause)",
            ),
            (
                "KC202",
                "6:25: error: canary step 2: pause duration 'soon' is not a number of "
                "seconds or a duration such as 30s, 10m or 1h",
            ),
        ],
    ),
    "unknown traffic routing": (
        "strategy: {type: canary, canary: {trafficRouting: istio}}\n",
        [
            (
                "KC212",
                "1:51: error: strategy.canary.trafficRouting: 'istio' is not one of nginx, none",
            )
        ],
    ),
    "invalid Service name": (
        "strategy: {type: canary, canary: {stableService: Web_1}}\n",
        [
            (
                "KC213",
                "1:50: error: strategy.canary.stableService: 'Web_1' is not a valid "
                "Service name (lower-case letters, digits and '-', starting with a letter, "
                "at most 63 characters)",
            )
        ],
    ),
    "unknown active colour": (
        "strategy: {type: ingressBlueGreen, ingressBlueGreen: {active: red}}\n",
        [("KC214", "1:63: error: strategy.ingressBlueGreen.active: 'red' is not blue or green")],
    ),
    "maxSurge and maxUnavailable both zero": (
        'strategy: {type: rolling, rolling: {maxSurge: 0, maxUnavailable: "0%"}}\n',
        [
            (
                "KC215",
                "1:66: error: strategy.rolling: maxSurge and maxUnavailable are both 0, so "
                "no pod could ever be replaced; let one of them be above 0",
            )
        ],
    ),
    "startingStep beyond the steps": (
        "strategy:\n  type: canary\n  canary:\n    steps: [{setWeight: 50}]\n    analysis:\n"
        "      startingStep: 3\n"
        "      successRate: {prometheusAddress: 'http://p:9090', minimum: 0.9}\n",
        [
            (
                "KC216",
                "6:21: error: strategy.canary.analysis.startingStep: 3 is not the index of "
                "a step (the canary has 1 steps, indices from 0)",
            )
        ],
    ),
    "steps not a list": (
        "strategy: {type: canary, canary: {steps: {setWeight: 5}}}\n",
        [("KC200", "1:42: error: strategy.canary.steps must be a list, not dict")],
    ),
    "a preview Ingress without a host (no domain, no ingress.host)": (
        "strategy:\n  type: blueGreen\n  blueGreen:\n    prePromotionAnalysis:\n"
        "      successRate: {prometheusAddress: http://p:9090, minimum: 0.9}\n",
        [
            (
                "KC123",
                "5:20: error: strategy.blueGreen.prePromotionAnalysis: the built-in query counts "
                "the requests an Ingress sends to the preview Service web-preview, and the "
                "preview Ingress web-preview needs a host of its own: set "
                "strategy.blueGreen.previewIngress.host, ingress.host or the environment's "
                "domain (or give successRate a query of your own)",
            )
        ],
    ),
    "a preview Ingress asked for without a host": (
        "strategy:\n  type: blueGreen\n  blueGreen:\n    previewIngress: {enabled: true}\n",
        [
            (
                "KC123",
                "4:31: error: strategy.blueGreen.previewIngress: the preview Ingress "
                "web-preview needs a host of its own: set "
                "strategy.blueGreen.previewIngress.host, ingress.host or the environment's domain",
            )
        ],
    ),
    "a value the templates need deleted by null": (
        "ingress: {path: null}\n",
        [
            (
                "KC218",
                "1:17: error: ingress.path is required (the path of the app's Ingress rule), "
                "but `ingress.path: null` deletes it; set ingress.path (e.g. /), or "
                "ingress.enabled: false to render no Ingress",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_overlay_is_reported_at_its_line(
    problems: Callable[..., list[tuple[str, str]]], case: str
) -> None:
    overlay, expected = CASES[case]
    assert problems({OVERLAY: overlay}) == [
        (code, f"{OVERLAY}:{where}") for code, where in expected
    ]


def test_every_id_is_documented_and_tested() -> None:
    tested = {code for _, expected in CASES.values() for code, _ in expected}
    assert tested == set(CHECKS)
    # KC2xx, and the delivery family's values-level id (KC123; KC120-129 are delivery's)
    assert all(code.startswith(("KC2", "KC12")) and len(code) == 5 for code in CHECKS)
    assert all(text and "\n" not in text for text in CHECKS.values())


def test_the_layer_that_wrote_the_value_is_named(
    problems: Callable[..., list[tuple[str, str]]],
) -> None:
    """Steps written in the base, the strategy chosen in an overlay: each at its own file."""
    base = FILES["bases/web/app.yaml"] + (
        "strategy:\n  canary:\n    steps:\n    - setWeight: 60\n    - setWeight: 40\n"
    )
    assert problems({"bases/web/app.yaml": base, OVERLAY: "strategy: {type: canary}\n"}) == [
        (
            "KC204",
            "bases/web/app.yaml:7:18: error: canary step 2: setWeight 40 does not ascend "
            "(step 1 already set 60); each setWeight must be higher than the one before",
        ),
    ]


def test_env_defaults_and_inherited_overlays_are_located(
    problems: Callable[..., list[tuple[str, str]]],
) -> None:
    env = "labels: {env: qa}\ndefaults:\n  strategy:\n    type: ingresscanary\n"
    assert problems({"overlays/qa/env.yaml": env}, env="e2e") == [
        (
            "KC201",
            "overlays/qa/env.yaml:4:11: error: unknown strategy type 'ingresscanary' "
            "(one of rolling, recreate, blueGreen, canary, ingressCanary, "
            "ingressBlueGreen); did you mean 'ingressCanary'?",
        ),
    ]
    # qa's overlay is part of e2e (extends: qa): its problems are e2e's too, at qa's file.
    found = problems({OVERLAY: "strategy: {type: ingressCanary}\n"}, env="e2e")
    assert found == [
        (
            "KC208",
            f"{OVERLAY}:1:18: error: strategy ingressCanary needs the "
            "canary's image tag: set strategy.ingressCanary.tag",
        )
    ]


def test_set_overrides_are_reported_as_set(
    problems: Callable[..., list[tuple[str, str]]],
) -> None:
    found = problems({}, sets=("strategy.type=canary", "strategy.canary.trafficRouting=envoy"))
    assert [code for code, _ in found] == ["KC212"]
    assert found[0][1].startswith("--set: error: strategy.canary.trafficRouting: 'envoy'")


def test_every_broken_app_is_reported(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "two",
        {
            **FILES,
            "bases/api/app.yaml": 'image: {repository: r/api, tag: "1"}\n',
            "overlays/qa/api.yaml": "strategy: {type: blue-green}\n",
            OVERLAY: "strategy: {type: ingressCanary}\n",
        },
    )
    with pytest.raises(KconfigError) as caught:
        kconfig.Project.load(root).render("qa", validate=False)
    assert [(d.pos.path if d.pos else None, d.code) for d in caught.value.diagnostics] == [
        ("overlays/qa/api.yaml", "KC201"),
        (OVERLAY, "KC208"),
    ]


def test_plan_without_provenance_still_fails_with_validation_error() -> None:
    """A caller that has plain values (no layers) gets the error, located at the base."""
    with pytest.raises(ValidationError) as caught:
        plan_strategy(
            "web",
            {"strategy": {"type": "canary", "canary": {"steps": [{"setWeight": 200}]}}},
            {},
            {},
            "r/web:1",
        )
    (diag,) = caught.value.diagnostics
    assert (diag.code, str(diag.pos)) == ("KC203", "bases/web/app.yaml")
