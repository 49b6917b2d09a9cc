"""The project tree, spelled once: every path of a kconfig project is written here.

::

    kconfig.yaml                      PROJECT_FILE (its folder is the project root)
    bases/<app>/app.yaml              base_file(app); bases/<app>/templates/: base_templates
    components/<name>/values.yaml     component_file(name); components/<name>/templates/
    overlays/<env>/env.yaml           env_file(env)
    overlays/<env>/<app>.yaml         overlay_file(env, app)
    lib/                              LIB: Jinja2 includes and Jsonnet imports of templates

Paths are project-relative strings with ``/``, as messages show them; names are checked
(:mod:`kconfig.core.names`) before they are joined here.
"""

from __future__ import annotations

PROJECT_FILE = "kconfig.yaml"
BASES = "bases"
COMPONENTS = "components"
OVERLAYS = "overlays"
LIB = "lib"
APP_FILE = "app.yaml"
ENV_FILE = "env.yaml"
COMPONENT_FILE = "values.yaml"
TEMPLATES = "templates"

# What the project's inputs are: a change under these is a change of some environment.
INPUTS = (PROJECT_FILE, BASES, OVERLAYS, COMPONENTS, LIB)


def base_dir(app: str) -> str:
    return f"{BASES}/{app}"


def base_file(app: str) -> str:
    return f"{BASES}/{app}/{APP_FILE}"


def base_templates(app: str) -> str:
    return f"{BASES}/{app}/{TEMPLATES}"


def component_file(name: str) -> str:
    return f"{COMPONENTS}/{name}/{COMPONENT_FILE}"


def component_templates(name: str) -> str:
    return f"{COMPONENTS}/{name}/{TEMPLATES}"


def overlay_dir(env: str) -> str:
    return f"{OVERLAYS}/{env}"


def env_file(env: str) -> str:
    return f"{OVERLAYS}/{env}/{ENV_FILE}"


def overlay_file(env: str, app: str) -> str:
    return f"{OVERLAYS}/{env}/{app}.yaml"
