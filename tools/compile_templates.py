"""Compile kconfig's built-in Jinja2 templates to Python, as shipped in the package.

    python tools/compile_templates.py          # rewrite kconfig/render/templates/jinja/_compiled/
    python tools/compile_templates.py --check  # exit 1 when they are stale

Run it after editing a built-in template or upgrading Jinja2 (tests/unit/render/
test_compiled_templates.py fails until then; kconfig itself stays correct meanwhile: a stale
module is detected by its source digest and the template compiled from source instead).
``pip install`` byte-compiles the modules like the rest of the package, so a fresh install
renders its first app without compiling a template (kconfig.render.backends.jinja).
"""

from __future__ import annotations

import sys

from kconfig.render.backends import builtin_dir
from kconfig.render.backends.jinja import COMPILED_DIR, compile_builtins


def main(argv: list[str]) -> int:
    folder = builtin_dir("jinja") / COMPILED_DIR
    files = compile_builtins()
    present = {p.name for p in folder.glob("*") if p.is_file()} if folder.is_dir() else set()
    current = {name: (folder / name).read_text(encoding="utf-8") for name in present}
    if "--check" in argv:
        if current != files:
            sys.stderr.write(f"{folder} is stale: run python tools/compile_templates.py\n")
            return 1
        return 0
    folder.mkdir(exist_ok=True)
    for name in present - set(files):
        (folder / name).unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
