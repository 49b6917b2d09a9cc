"""Write the self-contained Kubernetes schemas kconfig ships (kconfig/check/bundles/).

    python tools/schema_bundles.py          # from the installed kubernetes-validate
    python tools/schema_bundles.py --check  # exit 1 when they are stale

One folder per Kubernetes version of the installed kubernetes-validate: ``index.json`` (the
digests of the files the bundles were derived from) and one zlib-compressed bundle per kind
kconfig's built-ins render (kconfig.check.schemas.SHIPPED_KINDS). Run it after upgrading
kubernetes-validate; a stale bundle is never used (its digests do not match), only slower.
"""

from __future__ import annotations

import json
import shutil
import sys
import zlib
from pathlib import Path
from typing import Any

from kconfig.check.schemas import SHIPPED_DIR, SHIPPED_INDEX, schema_root, shipped_bundles


def expected() -> dict[str, dict[str, Any]]:
    """Folder name -> {file name: decoded content} of every shipped folder."""
    out: dict[str, dict[str, Any]] = {}
    for folder in sorted(p for p in schema_root().iterdir() if p.name.endswith("-local-strict")):
        index, bundles = shipped_bundles(folder)
        files: dict[str, Any] = {f"{name}.json.z": bundle for name, bundle in bundles.items()}
        files[SHIPPED_INDEX] = index
        out[folder.name] = files
    return out


def current() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for folder in sorted(p for p in SHIPPED_DIR.iterdir() if p.is_dir()):
        out[folder.name] = {p.name: _decode(p) for p in folder.iterdir()}
    return out


def _decode(path: Path) -> Any:
    data = path.read_bytes()
    return json.loads(zlib.decompress(data) if path.suffix == ".z" else data)


def main(argv: list[str]) -> int:
    want = expected()
    if "--check" in argv:
        if current() != want:
            sys.stderr.write(f"{SHIPPED_DIR} is stale: run python tools/schema_bundles.py\n")
            return 1
        return 0
    shutil.rmtree(SHIPPED_DIR, ignore_errors=True)
    for folder, files in want.items():
        (SHIPPED_DIR / folder).mkdir(parents=True)
        for name, data in files.items():
            text = json.dumps(data, sort_keys=True, separators=(",", ":"))
            body = zlib.compress(text.encode(), 9) if name.endswith(".z") else text.encode()
            (SHIPPED_DIR / folder / name).write_bytes(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
