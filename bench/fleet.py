"""The reference fleet of /work/shared/FLEET.md: a kconfig project, a Kustomize tree, a Kapitan
inventory.

Every tree describes the same manifests: N apps (app-000 ..) in four environments, each app a
Deployment, Service, Ingress and NetworkPolicy, plus one Namespace per environment. Generation is
deterministic (sorted, no randomness), so two runs with the same N give identical bytes.

    python -m bench.fleet --n 100 --out /tmp/fleet100
    -> /tmp/fleet100/kconfig/          (kconfig.yaml, bases/, overlays/)
    -> /tmp/fleet100/kconfig-jsonnet/  (the same project with `backend: jsonnet`)
    -> /tmp/fleet100/kustomize/        (base/<app>/, overlays/<env>/)
    -> /tmp/fleet100/kapitan/          (inventory/, components/shop.jsonnet)
    python -m bench.fleet --n 5000 --out /tmp/f5000 --trees kconfig   # only what a row needs
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT = "shop"
ENVS: tuple[str, ...] = ("qa", "e2e", "stage", "prod")
REPLICAS: dict[str, int] = {"qa": 1, "e2e": 1, "stage": 2, "prod": 3}
RC_ENVS = frozenset({"qa", "e2e"})
PROD_MEMORY_LIMIT = "512Mi"
BASE_MEMORY_LIMIT = "256Mi"
REGISTRY = "registry.example.com/shop"
INGRESS_NAMESPACE = "ingress-nginx"
BASE_HOST_DOMAIN = "example.com"
APP_MANIFESTS = ("deployment.yaml", "service.yaml", "ingress.yaml", "networkpolicy.yaml")


class Quoted(str):
    """A string always written in double quotes (image tags: never read back as a number)."""

    __slots__ = ()


# libyaml's emitter when PyYAML has it (same bytes, ~4x faster: N=5000 is 45,000 files).
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """Block style, no aliases, keys in insertion order."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_quoted(dumper: yaml.SafeDumper, data: Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


class Literal(str):
    """A multi-line string written as a `|` block (inline Kustomize patches)."""

    __slots__ = ()


def _represent_literal(dumper: yaml.SafeDumper, data: Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


_Dumper.add_representer(Quoted, _represent_quoted)
_Dumper.add_representer(Literal, _represent_literal)


def dump(data: Any) -> str:
    """YAML text of one document, block style, keys in the order given."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000)


def app_name(i: int) -> str:
    return f"app-{i:03d}"


def app_names(n: int) -> list[str]:
    return [app_name(i) for i in range(n)]


def image_repository(app: str) -> str:
    return f"{REGISTRY}/{app}"


def image_tag(i: int, env: str) -> str:
    """prod and stage run "1.<i>.0", qa and e2e the release candidate "1.<i>.0-rc"."""
    return f"1.{i}.0-rc" if env in RC_ENVS else f"1.{i}.0"


def namespace(env: str) -> str:
    return f"{PROJECT}-{env}"


def domain(env: str) -> str:
    return f"{env}.example.com"


def host(app: str, env: str) -> str:
    return f"{app}.{domain(env)}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _reset(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


# --- kconfig project -------------------------------------------------------------------------


BACKENDS = ("jinja", "jsonnet")


def kconfig_project_file(backend: str = "jinja") -> dict[str, Any]:
    """kconfig.yaml; the Jinja2 backend is kconfig's default, so only Jsonnet is spelled out."""
    project: dict[str, Any] = {"project": PROJECT, "environments": list(ENVS), "output": "deploy"}
    if backend != "jinja":
        project["backend"] = backend
    return project


def kconfig_app_values(i: int) -> dict[str, Any]:
    app = app_name(i)
    return {
        "image": {"repository": image_repository(app), "tag": Quoted(f"1.{i}.0")},
        "port": 8080,
        "service": {"port": 80},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": BASE_MEMORY_LIMIT},
        },
        "probes": {"readiness": {"path": "/healthz"}},
        "ingress": {"enabled": True},
        "networkPolicy": {"enabled": True, "allowFrom": []},
    }


def kconfig_env_file(env: str) -> dict[str, Any]:
    defaults: dict[str, Any] = {"replicas": REPLICAS[env]}
    if env == "prod":
        defaults["resources"] = {"limits": {"memory": PROD_MEMORY_LIMIT}}
    return {
        "namespace": namespace(env),
        "domain": domain(env),
        "labels": {"env": env},
        "allowNamespaces": [INGRESS_NAMESPACE],
        "defaults": defaults,
    }


def kconfig_app_overlay_text(tag: str) -> str:
    return dump({"image": {"tag": Quoted(tag)}})


def kconfig_app_overlay_path(project: Path, env: str, app: str) -> Path:
    return project / "overlays" / env / f"{app}.yaml"


def set_overlay_tag(project: Path, env: str, app: str, tag: str) -> None:
    """Rewrite overlays/<env>/<app>.yaml with a new image tag (the W4 one-tag change)."""
    _write(kconfig_app_overlay_path(project, env, app), kconfig_app_overlay_text(tag))


def write_kconfig_project(n: int, root: Path, backend: str = "jinja") -> None:
    """Write the kconfig project of n apps into root (replacing what was there)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    _reset(root)
    _write(root / "kconfig.yaml", dump(kconfig_project_file(backend)))
    for i, app in enumerate(app_names(n)):
        _write(root / "bases" / app / "app.yaml", dump(kconfig_app_values(i)))
    for env in ENVS:
        _write(root / "overlays" / env / "env.yaml", dump(kconfig_env_file(env)))
        for i, app in enumerate(app_names(n)):
            set_overlay_tag(root, env, app, image_tag(i, env))


# --- Kustomize tree --------------------------------------------------------------------------


def _app_labels(app: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": PROJECT}


def _selector(app: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": app}


def kustomize_deployment(i: int) -> dict[str, Any]:
    app = app_name(i)
    container = {
        "name": "app",
        "image": f"{image_repository(app)}:1.{i}.0",
        "ports": [{"containerPort": 8080, "name": "http"}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": BASE_MEMORY_LIMIT},
        },
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": app, "labels": _app_labels(app)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": _selector(app)},
            "template": {
                "metadata": {"labels": _selector(app)},
                "spec": {"containers": [container]},
            },
        },
    }


def kustomize_service(app: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": app, "labels": _app_labels(app)},
        "spec": {
            "selector": _selector(app),
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def kustomize_ingress(app: str) -> dict[str, Any]:
    path = {
        "path": "/",
        "pathType": "Prefix",
        "backend": {"service": {"name": app, "port": {"number": 80}}},
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": app, "labels": _app_labels(app)},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [{"host": f"{app}.{BASE_HOST_DOMAIN}", "http": {"paths": [path]}}],
        },
    }


def kustomize_network_policy(app: str) -> dict[str, Any]:
    ingress_ns = {"matchLabels": {"kubernetes.io/metadata.name": INGRESS_NAMESPACE}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": app, "labels": _app_labels(app)},
        "spec": {
            "podSelector": {"matchLabels": _selector(app)},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": ingress_ns}, {"podSelector": {}}]}],
        },
    }


def kustomize_base_files(i: int) -> dict[str, dict[str, Any]]:
    """The files of base/<app>/, by name."""
    app = app_name(i)
    return {
        "kustomization.yaml": {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": list(APP_MANIFESTS),
        },
        "deployment.yaml": kustomize_deployment(i),
        "service.yaml": kustomize_service(app),
        "ingress.yaml": kustomize_ingress(app),
        "networkpolicy.yaml": kustomize_network_policy(app),
    }


def _json6902(ops: list[dict[str, Any]]) -> Literal:
    return Literal(dump(ops))


def kustomize_deployment_patch(env: str) -> dict[str, Any]:
    """One patch for every Deployment of the environment: replicas, and prod's memory limit."""
    replicas = {"op": "replace", "path": "/spec/replicas", "value": REPLICAS[env]}
    ops: list[dict[str, Any]] = [replicas]
    if env == "prod":
        ops.append(
            {
                "op": "replace",
                "path": "/spec/template/spec/containers/0/resources/limits/memory",
                "value": PROD_MEMORY_LIMIT,
            }
        )
    return {"target": {"kind": "Deployment"}, "patch": _json6902(ops)}


def kustomize_host_patch(app: str, env: str) -> dict[str, Any]:
    op = {"op": "replace", "path": "/spec/rules/0/host", "value": host(app, env)}
    return {"target": {"kind": "Ingress", "name": app}, "patch": _json6902([op])}


def kustomize_overlay(n: int, env: str) -> dict[str, Any]:
    apps = app_names(n)
    labels = {"pairs": {"env": env}, "includeSelectors": False, "includeTemplates": True}
    images = [
        {"name": image_repository(app), "newTag": Quoted(image_tag(i, env))}
        for i, app in enumerate(apps)
    ]
    patches = [kustomize_deployment_patch(env)]
    patches += [kustomize_host_patch(app, env) for app in apps]
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": namespace(env),
        "labels": [labels],
        "resources": ["namespace.yaml", *(f"../../base/{app}" for app in apps)],
        "images": images,
        "patches": patches,
    }


def kustomize_namespace(env: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace(env)}}


def write_kustomize_tree(n: int, root: Path) -> None:
    """Write the idiomatic Kustomize tree of n apps into root (replacing what was there)."""
    _reset(root)
    for i, app in enumerate(app_names(n)):
        for name, doc in kustomize_base_files(i).items():
            _write(root / "base" / app / name, dump(doc))
    for env in ENVS:
        overlay = root / "overlays" / env
        _write(overlay / "namespace.yaml", dump(kustomize_namespace(env)))
        _write(overlay / "kustomization.yaml", dump(kustomize_overlay(n, env)))


# --- Kapitan inventory -----------------------------------------------------------------------

KAPITAN_COMPONENT = "components/shop.jsonnet"

# The app's shape, written once; each target (environment) supplies namespace, replicas, memory,
# domain and the tags. String concatenation, not `%`: the C++ Jsonnet engine is slow on format.
KAPITAN_JSONNET = """\
// The reference fleet (FLEET.md): the shape of an app, written once.
// lib/kapitan.libjsonnet ships with Kapitan (imports fall back to its install folder).
local kap = import 'lib/kapitan.libjsonnet';
local p = kap.inventory().parameters;

local selector(name) = { 'app.kubernetes.io/name': name };
local labels(name) = selector(name) + { 'app.kubernetes.io/part-of': p.project, env: p.env };
local meta(name) = { name: name, namespace: p.namespace, labels: labels(name) };

local deployment(name) = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta(name),
  spec: {
    replicas: p.replicas,
    selector: { matchLabels: selector(name) },
    template: {
      metadata: { labels: selector(name) + { env: p.env } },
      spec: { containers: [{
        name: 'app',
        image: p.registry + '/' + name + ':' + p.tags[name],
        ports: [{ containerPort: 8080, name: 'http' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: p.memory } },
        readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      }] },
    },
  },
};

local service(name) = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(name),
  spec: {
    selector: selector(name),
    ports: [{ name: 'http', port: 80, targetPort: 'http' }],
  },
};

local ingress(name) = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: meta(name),
  spec: {
    ingressClassName: 'nginx',
    rules: [{ host: name + '.' + p.domain, http: { paths: [{
      path: '/',
      pathType: 'Prefix',
      backend: { service: { name: name, port: { number: 80 } } },
    }] } }],
  },
};

local networkPolicy(name) = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: meta(name),
  spec: {
    podSelector: { matchLabels: selector(name) },
    policyTypes: ['Ingress'],
    ingress: [{ from: [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.ingressNamespace } } },
      { podSelector: {} },
    ] }],
  },
};

local kinds = {
  deployment: deployment,
  service: service,
  ingress: ingress,
  networkpolicy: networkPolicy,
};

{
  namespace: {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: p.namespace, labels: { env: p.env } },
  },
} + {
  [name + '-' + kind]: kinds[kind](name)
  for name in p.apps
  for kind in std.objectFields(kinds)
}
"""


def kapitan_class(n: int) -> dict[str, Any]:
    """inventory/classes/shop.yml: what every environment shares."""
    compile_step = {
        "output_path": ".",
        "input_type": "jsonnet",
        "input_paths": [KAPITAN_COMPONENT],
        "output_type": "yaml",
    }
    return {
        "parameters": {
            "project": PROJECT,
            "registry": REGISTRY,
            "ingressNamespace": INGRESS_NAMESPACE,
            "replicas": 1,
            "memory": BASE_MEMORY_LIMIT,
            "apps": app_names(n),
            "kapitan": {"compile": [compile_step]},
        }
    }


def kapitan_target(n: int, env: str) -> dict[str, Any]:
    """inventory/targets/<env>.yml: what the environment changes."""
    parameters: dict[str, Any] = {
        "kapitan": {"vars": {"target": env}},
        "env": env,
        "namespace": namespace(env),
        "domain": domain(env),
        "replicas": REPLICAS[env],
    }
    if env == "prod":
        parameters["memory"] = PROD_MEMORY_LIMIT
    parameters["tags"] = {app: Quoted(image_tag(i, env)) for i, app in enumerate(app_names(n))}
    return {"classes": ["shop"], "parameters": parameters}


def write_kapitan_inventory(n: int, root: Path) -> None:
    """Write the Kapitan inventory and component of n apps (`kapitan compile` runs in root)."""
    _reset(root)
    _write(root / "inventory" / "classes" / "shop.yml", dump(kapitan_class(n)))
    for env in ENVS:
        _write(root / "inventory" / "targets" / f"{env}.yml", dump(kapitan_target(n, env)))
    _write(root / KAPITAN_COMPONENT, KAPITAN_JSONNET)


# --- all -------------------------------------------------------------------------------------

# The trees one fleet can have; a benchmark row asks only for those it runs.
TREES = ("kconfig", "kconfig-jsonnet", "kustomize", "kapitan")


@dataclass(frozen=True, slots=True)
class Fleet:
    """Where one generated fleet lives."""

    n: int
    root: Path

    def tree(self, name: str) -> Path:
        if name not in TREES:
            raise ValueError(f"unknown tree {name!r} (known: {', '.join(TREES)})")
        return self.root / name

    @property
    def kconfig(self) -> Path:
        return self.tree("kconfig")

    @property
    def kconfig_jsonnet(self) -> Path:
        return self.tree("kconfig-jsonnet")

    @property
    def kustomize(self) -> Path:
        return self.tree("kustomize")

    @property
    def kapitan(self) -> Path:
        return self.tree("kapitan")

    def kustomize_overlay(self, env: str) -> Path:
        return self.kustomize / "overlays" / env


def expected_objects(n: int, envs: int = 1) -> int:
    """Objects rendered for `envs` environments: 4 per app plus one Namespace each."""
    return envs * (4 * n + 1)


def write_tree(n: int, name: str, root: Path) -> None:
    """Write one tree of the fleet of n apps into root (replacing what was there)."""
    if name == "kconfig":
        write_kconfig_project(n, root)
    elif name == "kconfig-jsonnet":
        write_kconfig_project(n, root, backend="jsonnet")
    elif name == "kustomize":
        write_kustomize_tree(n, root)
    elif name == "kapitan":
        write_kapitan_inventory(n, root)
    else:
        raise ValueError(f"unknown tree {name!r} (known: {', '.join(TREES)})")


def write_fleet(n: int, out: Path, trees: Sequence[str] = TREES) -> Fleet:
    """Write the given trees (default: all) of n apps under out/<tree>."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    fleet = Fleet(n=n, root=out)
    for name in trees:
        write_tree(n, name, fleet.tree(name))
    return fleet


def _trees(text: str) -> tuple[str, ...]:
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    unknown = [t for t in names if t not in TREES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown tree(s) {unknown} (known: {', '.join(TREES)})")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fleet", description="Write the FLEET.md reference fleet."
    )
    parser.add_argument("--n", type=int, required=True, help="number of apps")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument(
        "--trees", type=_trees, default=TREES, help=f"which trees (default {','.join(TREES)})"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    fleet = write_fleet(args.n, args.out, args.trees)
    print(f"wrote {fleet.n} apps x {len(ENVS)} environments")
    for name in args.trees:
        print(f"  {name + ':':17} {fleet.tree(name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
