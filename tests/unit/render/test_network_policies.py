"""Network policies that mean what they say, evaluated with Kubernetes' semantics.

The evaluator below reads NetworkPolicies the way the API documents them
(kubernetes/api ``networking/v1/types.go``): a pod is isolated for ingress when at least one
policy with policyType Ingress selects it, and then admits a connection when *any* of those
policies has a rule admitting it (policies add up); a rule admits the union of its ``from``
peers (``podSelector`` alone: pods of the policy's namespace; ``namespaceSelector`` alone: all
pods of the matching namespaces; both: the matching pods of the matching namespaces; no
``from``: every source) on its ``ports`` (none: every port; a named port resolves against the
destination's container ports). Selectors take ``matchLabels`` and ``matchExpressions``; an
empty selector selects everything. A pod no Ingress policy selects admits everything.

Every pair of apps of every environment of the reference estate is checked against what the
apps' values say, plus pods from outside the namespace, and synthetic projects cover the
corners (isolation off, no allowNamespaces, an own policy with an empty allowFrom).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import kconfig
from kconfig.check.delivery import selects
from kconfig.core.manifests import Manifest
from tests.conftest import REPO, write_tree

NAME = "app.kubernetes.io/name"


class Pod(NamedTuple):
    namespace: str
    labels: Mapping[str, str]
    ports: Mapping[str, int]  # named container ports


def _namespace_labels(ns: str) -> dict[str, str]:
    # The API server labels every namespace with its name (NamespaceDefaultLabelName).
    return {"kubernetes.io/metadata.name": ns}


def _peer_admits(peer: Mapping[str, Any], policy_ns: str, src: Pod) -> bool:
    pod_sel, ns_sel = peer.get("podSelector"), peer.get("namespaceSelector")
    if pod_sel is None and ns_sel is None:
        return False  # an ipBlock: no pod IPs in this model
    if ns_sel is None:
        in_ns = src.namespace == policy_ns
    else:
        in_ns = selects(ns_sel, _namespace_labels(src.namespace))
    return in_ns and (pod_sel is None or selects(pod_sel, src.labels))


def _port_admits(rule: Mapping[str, Any], dst: Pod, port: int) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    for item in ports:
        wanted = item.get("port")
        if wanted is None or wanted == port or dst.ports.get(str(wanted)) == port:
            return True
    return False


def admitted(policies: Sequence[Mapping[str, Any]], src: Pod, dst: Pod, port: int) -> bool:
    """Whether ``src`` may open a connection to ``dst`` on ``port``."""
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == dst.namespace
        and "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"].get("podSelector") or {}, dst.labels)
    ]
    if not selecting:
        return True
    for policy in selecting:
        ns = policy["metadata"]["namespace"]
        for rule in policy["spec"].get("ingress") or []:
            peers = rule.get("from")
            from_ok = not peers or any(_peer_admits(peer, ns, src) for peer in peers)
            if from_ok and _port_admits(rule, dst, port):
                return True
    return False


# -- the rendered estate ---------------------------------------------------------------------
def _pods(manifests: Sequence[Manifest]) -> dict[str, list[Pod]]:
    """The pods of each app: one per workload (canary and stable tracks, both colours)."""
    out: dict[str, list[Pod]] = {}
    for m in manifests:
        if m.kind not in ("Deployment", "Rollout", "StatefulSet"):
            continue
        template = m.body["spec"]["template"]
        ports = {
            p["name"]: p["containerPort"]
            for c in template["spec"]["containers"]
            for p in c.get("ports") or []
            if "name" in p
        }
        labels = template["metadata"]["labels"]
        out.setdefault(m.app, []).append(Pod(m.body["metadata"]["namespace"], labels, ports))
    return out


def _policies(manifests: Sequence[Manifest]) -> list[dict[str, Any]]:
    return [m.body for m in manifests if m.kind == "NetworkPolicy"]


@functools.cache
def _estate(env: str) -> tuple[dict[str, Any], tuple[Manifest, ...]]:
    project = kconfig.Project.load(REPO)
    apps = {app: project.values(env, app).data for app in project.apps_of(project.env(env))}
    return apps, tuple(project.rendered(env).manifests)


def _expected(values: Mapping[str, Any], src_app: str) -> bool:
    """What the destination's values say about a pod of ``src_app`` in the same namespace."""
    policy = values.get("networkPolicy") or {}
    if not policy.get("enabled"):
        return True  # the namespace-wide default
    return any(peer.get("app") == src_app for peer in policy.get("allowFrom") or [])


ENVS = kconfig.Project.load(REPO).environments


@pytest.mark.parametrize("env", ENVS)
def test_every_pair_of_apps_is_admitted_exactly_as_the_values_say(env: str) -> None:
    apps, manifests = _estate(env)
    pods, policies = _pods(manifests), _policies(manifests)
    assert set(pods) == set(apps)
    checked = 0
    for dst_app, dst_pods in pods.items():
        for src_app, src_pods in pods.items():
            if src_app == dst_app:
                continue
            want = _expected(apps[dst_app], src_app)
            for src in src_pods:
                for dst in dst_pods:
                    got = admitted(policies, src, dst, dst.ports["http"])
                    assert got is want, (env, src_app, dst_app, dst.labels)
                    checked += 1
    assert checked >= len(pods) * (len(pods) - 1)


@pytest.mark.parametrize("env", ENVS)
def test_outside_the_namespace_only_allow_namespaces_get_in(env: str) -> None:
    _, manifests = _estate(env)
    pods, policies = _pods(manifests), _policies(manifests)
    allowed = kconfig.Project.load(REPO).env(env).allow_namespaces
    assert "ingress-nginx" in allowed  # the ingress controller reaches every app's Ingress
    for dst in (p for group in pods.values() for p in group):
        for ns in (*allowed, "default", "kube-system"):
            src = Pod(ns, {NAME: "anything"}, {})
            assert admitted(policies, src, dst, dst.ports["http"]) is (ns in allowed), (ns, dst)


def test_a_listed_app_gets_only_the_port_its_policy_names() -> None:
    _, manifests = _estate("qa")
    pods, policies = _pods(manifests), _policies(manifests)
    (myapp,), (frontend,) = pods["myapp"], pods["frontend"]
    assert admitted(policies, frontend, myapp, myapp.ports["http"])
    assert not admitted(policies, frontend, myapp, myapp.ports["metrics"])
    # monitoring is an environment-wide allowNamespace: every port
    scraper = Pod("monitoring", {}, {})
    assert admitted(policies, scraper, myapp, myapp.ports["metrics"])


# -- synthetic projects ----------------------------------------------------------------------
BASE = 'image: {repository: r/%s, tag: "1.0"}\nport: 8080\n'


def _render(tmp_path: Path, env_yaml: str, apps: Mapping[str, str]) -> list[Manifest]:
    files = {
        "kconfig.yaml": "project: shop\nenvironments: [qa]\n",
        "overlays/qa/env.yaml": env_yaml,
        **{f"bases/{a}/app.yaml": BASE % a + extra for a, extra in apps.items()},
    }
    root = write_tree(tmp_path / "proj", files)
    return kconfig.Project.load(root).rendered("qa", validate=False).manifests


APPS = {
    "api": "networkPolicy: {enabled: true, allowFrom: [{app: web}]}\n",
    "web": "",
    "worker": "",
    "vault": "networkPolicy: {enabled: true}\n",  # its own policy, no one listed
}


@pytest.mark.parametrize(
    ("env_yaml", "outside"),
    [
        ("allowNamespaces: [ingress-nginx]\n", {"ingress-nginx": True, "default": False}),
        ("{}\n", {"ingress-nginx": False, "default": False}),
    ],
)
def test_isolation_on(tmp_path: Path, env_yaml: str, outside: dict[str, bool]) -> None:
    manifests = _render(tmp_path, env_yaml, APPS)
    pods, policies = _pods(manifests), _policies(manifests)
    (api,), (web,), (worker,), (vault,) = (pods[a] for a in ("api", "web", "worker", "vault"))
    port = 8080
    assert admitted(policies, web, api, port)  # listed
    assert not admitted(policies, worker, api, port)  # not listed: the point of allowFrom
    assert admitted(policies, worker, web, port)  # no policy of its own: the namespace
    assert admitted(policies, api, worker, port)
    assert not any(admitted(policies, src, vault, port) for src in (api, web, worker))
    for ns, want in outside.items():
        for dst in (api, web, worker, vault):
            assert admitted(policies, Pod(ns, {}, {}), dst, port) is want, (ns, dst.labels)


def test_isolation_off_leaves_apps_without_a_policy_open(tmp_path: Path) -> None:
    manifests = _render(tmp_path, "isolation: false\n", APPS)
    pods, policies = _pods(manifests), _policies(manifests)
    assert {p["metadata"]["name"] for p in policies} == {"api", "vault"}
    (api,), (web,), (worker,) = (pods[a] for a in ("api", "web", "worker"))
    outsider = Pod("default", {}, {})
    assert admitted(policies, outsider, web, 8080) and admitted(policies, api, worker, 8080)
    assert admitted(policies, web, api, 8080)
    assert not admitted(policies, worker, api, 8080)
    assert not admitted(policies, outsider, api, 8080)


def test_the_label_follows_the_layer_that_enables_the_policy(tmp_path: Path) -> None:
    """An overlay that turns an app's policy on labels its pods; the environment's policies
    stay the same objects (they name no app)."""
    files = {
        "kconfig.yaml": "project: shop\nenvironments: [qa, prod]\n",
        "overlays/qa/env.yaml": "{}\n",
        "overlays/prod/env.yaml": "{}\n",
        "overlays/prod/api.yaml": "networkPolicy: {enabled: true, allowFrom: [{app: web}]}\n",
        "bases/api/app.yaml": BASE % "api",
        "bases/web/app.yaml": BASE % "web",
    }
    project = kconfig.Project.load(write_tree(tmp_path / "proj", files))
    envs = {env: project.rendered(env, validate=False).manifests for env in ("qa", "prod")}
    env_policies = {
        env: [m.body["spec"] for m in ms if m.kind == "NetworkPolicy" and not m.app]
        for env, ms in envs.items()
    }
    assert env_policies["qa"] == env_policies["prod"]
    pods = {env: _pods(ms) for env, ms in envs.items()}
    (qa_api,), (prod_api,) = pods["qa"]["api"], pods["prod"]["api"]
    assert "kconfig.dev/netpol" not in qa_api.labels
    assert prod_api.labels["kconfig.dev/netpol"] == "own"
    worker_like = Pod(prod_api.namespace, {NAME: "other"}, {})
    assert admitted(
        _policies(envs["qa"]), worker_like._replace(namespace=qa_api.namespace), qa_api, 8080
    )
    assert not admitted(_policies(envs["prod"]), worker_like, prod_api, 8080)


@pytest.mark.parametrize(
    ("peer", "src", "expected"),
    [
        ({"podSelector": {}}, Pod("a", {}, {}), True),
        ({"podSelector": {}}, Pod("b", {}, {}), False),  # podSelector alone: own namespace
        ({"namespaceSelector": {}}, Pod("b", {}, {}), True),  # every namespace
        (
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "b"}},
                "podSelector": {"matchLabels": {"x": "1"}},
            },
            Pod("b", {"x": "2"}, {}),
            False,  # both: ANDed
        ),
        (
            {
                "podSelector": {
                    "matchExpressions": [{"key": "x", "operator": "NotIn", "values": ["1"]}]
                }
            },
            Pod("a", {}, {}),
            True,
        ),
        ({"ipBlock": {"cidr": "10.0.0.0/8"}}, Pod("a", {}, {}), False),
    ],
)
def test_peer_semantics(peer: dict[str, Any], src: Pod, expected: bool) -> None:
    policy = {
        "metadata": {"namespace": "a"},
        "spec": {"podSelector": {}, "ingress": [{"from": [peer]}], "policyTypes": ["Ingress"]},
    }
    assert admitted([policy], src, Pod("a", {}, {}), 80) is expected


def test_egress_only_policies_and_empty_rules() -> None:
    dst, src = Pod("a", {"x": "1"}, {"http": 80}), Pod("a", {}, {})
    egress = {
        "metadata": {"namespace": "a"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
    }
    assert admitted([egress], src, dst, 80)  # not isolated for ingress
    deny = {"metadata": {"namespace": "a"}, "spec": {"podSelector": {}, "ingress": []}}
    assert not admitted([deny], src, dst, 80)
    allow = {"metadata": {"namespace": "a"}, "spec": {"podSelector": {}, "ingress": [{}]}}
    assert admitted([deny, allow], src, dst, 80)  # the union
    named = {
        "metadata": {"namespace": "a"},
        "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]},
    }
    assert admitted([named], src, dst, 80) and not admitted([named], src, dst, 81)
