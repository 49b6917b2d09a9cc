"""The built-in success-rate analyses, run the way Prometheus and Argo Rollouts would run them.

A tiny evaluator of the PromQL kconfig emits (``sum``, ``rate`` over a selector with ``=``,
``!=``, ``=~``, ``!~`` matchers, ``or vector(N)``, ``/``) runs each rendered query over a fake
series set labelled the way ingress-nginx labels requests (kubernetes/ingress-nginx
``rootfs/etc/nginx/lua/monitor.lua``: ``ingress``/``service`` of the primary Ingress' location,
``canary`` the alternative upstream ``<ns>-<svc>-<port>`` when a canary backend served the
request, empty otherwise). The Prometheus-shaped answer becomes the ``result`` Argo Rollouts
gives the condition (argoproj/argo-rollouts ``metricproviders/prometheus/prometheus.go``
``processResponse``: a vector becomes ``[]float64``), and the AnalysisTemplate's
``successCondition`` is evaluated with the semantics of ``utils/evaluate/evaluate.go``
(expr-lang; an index out of range is an error, and with no failureCondition a false success
condition is a failure).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

import kconfig
from kconfig.check.delivery import matches, nginx_series, parse_selectors
from kconfig.check.semantic import CheckContext
from tests.conftest import REPO

Labels = Mapping[str, str]
Vector = list[tuple[dict[str, str], float]]
METRIC = "nginx_ingress_controller_requests"


# -- PromQL: the forms kconfig emits ----------------------------------------------------------
_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>\d+(?:\.\d+)?)|(?P<dur>\[\d+[smh]\])'
    r"|(?P<op>=~|!~|!=|=|[(){},/])|(?P<id>[A-Za-z_][A-Za-z0-9_]*))"
)


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        assert m, f"cannot read PromQL at {text[pos:]!r}"
        out.append(m.group(m.lastgroup or 0))
        pos = m.end()
    return out


class PromQL:
    """Evaluates one query over ``series``: ``(labels, per-second rate over the window)``."""

    def __init__(self, query: str, series: Sequence[tuple[Labels, float]]) -> None:
        self.tokens, self.i, self.series = _tokens(query), 0, series

    def run(self) -> Vector:
        value = self._or()
        assert self.i == len(self.tokens), self.tokens[self.i :]
        return value

    def _take(self, expected: str | None = None) -> str:
        token = self.tokens[self.i]
        assert expected is None or token == expected, (token, expected)
        self.i += 1
        return token

    def _peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _or(self) -> Vector:  # `or` binds loosest
        left = self._div()
        while self._peek() == "or":
            self._take()
            right = self._div()
            have = [labels for labels, _ in left]
            left = left + [(lb, v) for lb, v in right if lb not in have]
        return left

    def _div(self) -> Vector:  # one-to-one matching on identical label sets
        left = self._atom()
        while self._peek() == "/":
            self._take()
            right = self._atom()
            left = [(lb, _divide(v, w)) for lb, v in left for lr, w in right if lr == lb]
        return left

    def _atom(self) -> Vector:
        token = self._take()
        if token == "(":
            value = self._or()
            self._take(")")
            return value
        self._take("(")
        if token == "sum":
            inner = self._atom()
            value: Vector = [({}, sum(v for _, v in inner))] if inner else []
        elif token == "rate":
            value = self._selector()
        elif token == "vector":
            value = [({}, float(self._take()))]
        else:
            raise AssertionError(f"unsupported function {token}")
        self._take(")")
        return value

    def _selector(self) -> Vector:
        name = self._take()
        self._take("{")
        matchers: list[tuple[str, str, str]] = []
        while self._peek() != "}":
            label, op, value = self._take(), self._take(), self._take()
            matchers.append((label, op, value[1:-1].replace('\\"', '"')))
            if self._peek() == ",":
                self._take()
        self._take("}")
        assert re.fullmatch(r"\[\d+[smh]\]", self._take())
        return [
            ({k: v for k, v in labels.items() if k != "__name__"}, rate)
            for labels, rate in self.series
            if labels.get("__name__") == name and all(_matcher(m, labels) for m in matchers)
        ]


def _matcher(m: tuple[str, str, str], labels: Labels) -> bool:
    label, op, value = m
    have = labels.get(label, "")  # Prometheus: an absent label is the empty string
    if op == "=":
        return have == value
    if op == "!=":
        return have != value
    found = re.fullmatch(value, have) is not None  # anchored at both ends
    return found if op == "=~" else not found


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a)
    return a / b


def prometheus_response(vector: Vector) -> dict[str, Any]:
    """The HTTP API's answer to an instant query."""
    result = [{"metric": lb, "value": [1_700_000_000, repr(v)]} for lb, v in vector]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def argo_result(response: Mapping[str, Any]) -> list[float]:
    """processResponse: a vector becomes the list of its sample values."""
    assert response["data"]["resultType"] == "vector"
    return [float(s["value"][1]) for s in response["data"]["result"]]


# -- expr-lang: the forms of a successCondition --------------------------------------------
class EvalError(Exception):
    pass


_EXPR = re.compile(r"\s*(\d+(?:\.\d+)?|>=|<=|==|!=|&&|\|\||[<>!()\[\],]|[A-Za-z_]\w*)")


Thunk = Callable[[], Any]


class Condition:
    """``result[0] >= 0.95``, ``len(result) > 0 && ...``, ``isNaN(result[0]) || ...``:
    compiled to thunks first, so ``&&`` and ``||`` short-circuit as in expr-lang."""

    FUNCS: Mapping[str, Callable[..., Any]] = {
        "len": len,
        "isNaN": math.isnan,
        "isInf": math.isinf,
        "asFloat": float,
    }
    OPS: Mapping[str, Callable[[Any, Any], bool]] = {
        ">=": lambda a, b: a >= b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
    }

    def __init__(self, text: str, result: list[float]) -> None:
        self.tokens = _EXPR.findall(text)
        assert "".join(self.tokens) == re.sub(r"\s+", "", text), text
        self.i, self.env = 0, {"result": result}

    def run(self) -> bool:
        program = self._or()
        assert self.i == len(self.tokens)
        value = program()
        if not isinstance(value, bool):
            raise EvalError(f"expected bool, but got {type(value).__name__}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self) -> str:
        self.i += 1
        return self.tokens[self.i - 1]

    def _or(self) -> Thunk:
        left = self._and()
        while self._peek() in ("||", "or"):
            self._take()
            left = (lambda a, b: lambda: bool(a()) or bool(b()))(left, self._and())
        return left

    def _and(self) -> Thunk:
        left = self._cmp()
        while self._peek() in ("&&", "and"):
            self._take()
            left = (lambda a, b: lambda: bool(a()) and bool(b()))(left, self._cmp())
        return left

    def _cmp(self) -> Thunk:
        left = self._unary()
        if self._peek() in self.OPS:
            op, right = self.OPS[self._take()], self._unary()
            return lambda: op(left(), right())
        return left

    def _unary(self) -> Thunk:
        if self._peek() in ("!", "not"):
            self._take()
            inner = self._unary()
            return lambda: not inner()
        value = self._primary()
        while self._peek() == "[":
            self._take()
            value = self._index(value, self._or())
            assert self._take() == "]"
        return value

    @staticmethod
    def _index(array: Thunk, index: Thunk) -> Thunk:
        def get() -> Any:
            items, i = array(), index()
            if not 0 <= i < len(items):
                raise EvalError(f"index out of range: {i} (array length is {len(items)})")
            return items[i]

        return get

    def _primary(self) -> Thunk:
        token = self._take()
        if token == "(":
            inner = self._or()
            assert self._take() == ")"
            return inner
        if re.fullmatch(r"\d+(\.\d+)?", token):
            number = float(token) if "." in token else int(token)
            return lambda: number
        if token in self.FUNCS:
            assert self._take() == "("
            arg, func = self._or(), self.FUNCS[token]
            assert self._take() == ")"
            return lambda: func(arg())
        return lambda: self.env[token]


def phase(success_condition: str, result: list[float]) -> str:
    """EvaluateResult with a successCondition only: Successful, Failed or Error."""
    try:
        ok = Condition(success_condition, result).run()
    except EvalError:
        return "Error"  # with an empty result: "no data returned from the metric provider"
    return "Successful" if ok else "Failed"


# -- the rendered analyses ---------------------------------------------------------------------
@functools.cache  # one render per environment for the whole module (read-only use)
def _rendered(env: str) -> list[Any]:
    return kconfig.Project.load(REPO).rendered(env).manifests


def _analysis(env: str, where: Callable[[Mapping[str, Any]], Any]) -> tuple[str, str]:
    """(query with the Rollout's args filled in, successCondition) of one analysis."""
    manifests = _rendered(env)
    rollout = next(m for m in manifests if m.kind == "Rollout")
    ref = where(rollout.body["spec"]["strategy"])
    template = next(
        m
        for m in manifests
        if m.kind == "AnalysisTemplate" and m.name == ref["templates"][0]["templateName"]
    )
    metric = template.body["spec"]["metrics"][0]
    query = metric["provider"]["prometheus"]["query"]
    for arg in ref["args"]:
        query = query.replace("{{args." + arg["name"] + "}}", arg["value"])
    return query, metric["successCondition"]


def _requests(ns: str, ingress: str, service: str, canary: str, ok: float, failed: float) -> list:
    """ingress-nginx's series for one location: ``ok`` and ``failed`` requests per second."""
    base = {"__name__": METRIC, "namespace": ns, "ingress": ingress, "service": service}
    out = []
    for status, rate in (("200", ok), ("503", failed)):
        if rate:
            out.append(({**base, "canary": canary, "status": status, "method": "GET"}, rate))
    return out


STAGE = "guestbook-stage"
CANARY_UPSTREAM = f"{STAGE}-myapp-canary-80"  # upstreamName(ns, backend): <ns>-<svc>-<port>


def _stage_traffic(canary_ok: float, canary_failed: float) -> list:
    """Stage at setWeight 20: the stable pods answer well; every request is labelled with the
    stable Ingress and Service, the canary's with ``canary`` too; other apps' noise."""
    return [
        *_requests(STAGE, "myapp", "myapp", "", 80.0, 0.4),
        *_requests(STAGE, "myapp", "myapp", CANARY_UPSTREAM, canary_ok, canary_failed),
        *_requests(STAGE, "frontend", "frontend", "", 50.0, 20.0),
        *_requests("guestbook-prod", "myapp", "myapp", "", 100.0, 0.0),
    ]


def _run(query: str, condition: str, series: list) -> tuple[list[float], str]:
    result = argo_result(prometheus_response(PromQL(query, series).run()))
    return result, phase(condition, result)


def test_stage_canary_query_is_the_canary_label() -> None:
    query, condition = _analysis("stage", lambda s: s["canary"]["analysis"])
    assert query == (
        f'(sum(rate({METRIC}{{namespace="{STAGE}",canary="{CANARY_UPSTREAM}",'
        f'status!~"5.."}}[5m])) or vector(0)) / '
        f'sum(rate({METRIC}{{namespace="{STAGE}",canary="{CANARY_UPSTREAM}"}}[5m]))'
    )
    assert condition == "result[0] >= 0.95"


@pytest.mark.parametrize(
    ("ok", "failed", "expected", "phase_"),
    [
        (19.4, 0.6, [0.97], "Successful"),  # 3% errors on the canary: promote
        (18.0, 2.0, [0.9], "Failed"),  # 10% errors: the stable pods' good rate must not hide it
        (0.0, 5.0, [0.0], "Failed"),  # every request failed: 0, not "no data"
        (0.0, 0.0, [], "Error"),  # no canary request yet: Argo's "no data returned"
    ],
)
def test_stage_canary_condition_over_ingress_nginx_series(
    ok: float, failed: float, expected: list[float], phase_: str
) -> None:
    query, condition = _analysis("stage", lambda s: s["canary"]["analysis"])
    result, got = _run(query, condition, _stage_traffic(ok, failed))
    assert result == pytest.approx(expected)
    assert got == phase_


def test_the_old_service_query_never_gets_data() -> None:
    """The query of the seed (``service="<app>-canary"``) over the same series: no data."""
    where = f'namespace="{STAGE}",service="myapp-canary"'
    old = f'sum(rate({METRIC}{{{where},status!~"5.."}}[5m])) / sum(rate({METRIC}{{{where}}}[5m]))'
    result, got = _run(old, "result[0] >= 0.95", _stage_traffic(19.4, 0.6))
    assert (result, got) == ([], "Error")


def test_status_classes_count_as_failures() -> None:
    """``--report-status-classes`` writes 5xx instead of 503: still a failure."""
    query, condition = _analysis("stage", lambda s: s["canary"]["analysis"])
    series = [
        ({**labels, "status": labels["status"][0] + "xx"}, rate)
        for labels, rate in _stage_traffic(18.0, 2.0)
    ]
    assert _run(query, condition, series) == ([pytest.approx(0.9)], "Failed")


PROD = "guestbook-prod"


def _prod_traffic(preview_ok: float, preview_failed: float) -> list:
    """Prod before promotion: users on myapp, smoke tests on the preview host, which the
    preview Ingress routes to the preview Service (its own location, so its own labels)."""
    return [
        *_requests(PROD, "myapp", "myapp", "", 100.0, 0.2),
        *_requests(PROD, "myapp-preview", "myapp-preview", "", preview_ok, preview_failed),
    ]


@pytest.mark.parametrize(
    ("ok", "failed", "phase_"), [(9.95, 0.05, "Successful"), (9.0, 1.0, "Failed")]
)
def test_prod_pre_promotion_measures_the_preview_ingress(
    ok: float, failed: float, phase_: str
) -> None:
    query, condition = _analysis("prod", lambda s: s["blueGreen"]["prePromotionAnalysis"])
    assert 'service="myapp-preview"' in query
    assert condition == "result[0] >= 0.99"
    assert _run(query, condition, _prod_traffic(ok, failed))[1] == phase_


def test_prod_post_promotion_measures_the_active_service() -> None:
    query, condition = _analysis("prod", lambda s: s["blueGreen"]["postPromotionAnalysis"])
    result, got = _run(query, condition, _prod_traffic(9.0, 1.0))
    assert result == [pytest.approx(100.0 / 100.2)]
    assert got == "Successful"


@pytest.mark.parametrize("env", ["stage", "prod"])
def test_kc122_series_model_agrees_with_the_queries(env: str) -> None:
    """The series KC122 derives from the rendered objects satisfy each built-in query."""
    manifests = _rendered(env)
    ns = next(m for m in manifests if m.kind == "Namespace").name
    ctx = CheckContext(env, ns, manifests, False, False)
    series = nginx_series(ctx, ns)
    rollout = next(m for m in manifests if m.kind == "Rollout").body["spec"]["strategy"]
    places = [
        lambda s: s["canary"]["analysis"],
        lambda s: s["blueGreen"]["prePromotionAnalysis"],
        lambda s: s["blueGreen"]["postPromotionAnalysis"],
    ]
    checked = 0
    for where in places:
        try:
            where(rollout)
        except KeyError:
            continue
        query, _ = _analysis(env, where)
        for selector in parse_selectors(query):
            assert any(matches(selector, s) for s in series), (selector, series)
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize(
    ("condition", "result", "expected"),
    [
        ("result[0] >= 0.95", [0.95], "Successful"),
        ("result[0] >= 0.95", [math.nan], "Failed"),  # 0/0: no request in the window
        ("result[0] >= 0.95", [], "Error"),
        ("len(result) > 0 && result[0] >= 0.5", [], "Failed"),
        ("isNaN(result[0]) || result[0] >= 0.5", [math.nan], "Successful"),
        ("result[0]", [1.0], "Error"),  # not a bool: expr's "expected bool"
    ],
)
def test_condition_semantics(condition: str, result: list[float], expected: str) -> None:
    assert phase(condition, result) == expected
