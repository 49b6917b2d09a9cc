"""kconfig.run.cache.FileDigests: a file's recorded signature stands in for reading it, only
while unchanged, and never for a file changed too close to the run (git's racy clean)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kconfig.run.cache import RACY_NS, FileDigests


def _aged(path: Path, text: str) -> None:
    """``path`` holding ``text``, last modified well before any run of this test."""
    path.write_text(text, encoding="utf-8")
    old = path.stat().st_mtime_ns - 10 * RACY_NS
    os.utime(path, ns=(old, old))


def _row(path: Path, digest: bytes) -> list[object]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, digest.hex()]


def _real(path: Path) -> bytes:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()


def test_an_unchanged_signature_is_trusted_without_reading(tmp_path: Path) -> None:
    """The recorded digest is returned as is: the file is not read (a made-up digest
    shows it; ctime is recent here, so this is a row written by an earlier run)."""
    path = tmp_path / "a.yaml"
    _aged(path, "replicas: 1\n")
    digests = FileDigests(tmp_path, {"a.yaml": _row(path, b"\x01" * 16)})
    assert digests.of(path) == b"\x01" * 16


def test_a_changed_signature_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    _aged(path, "replicas: 1\n")
    known = {"a.yaml": _row(path, b"\x01" * 16)}
    _aged(path, "replicas: 22\n")  # another size
    assert FileDigests(tmp_path, known).of(path) == _real(path)
    # same size, another mtime
    _aged(path, "replicas: 1\n")
    os.utime(path, ns=(known["a.yaml"][1] + 1, known["a.yaml"][1] + 1))  # type: ignore[operator]
    assert FileDigests(tmp_path, known).of(path) == _real(path)


def test_a_racily_clean_file_is_not_recorded(tmp_path: Path) -> None:
    """Changed within RACY_NS of the run: a write in the same clock tick could keep its
    signature, so the next run hashes it again (its row is not kept)."""
    fresh, old = tmp_path / "fresh.yaml", tmp_path / "old.yaml"
    fresh.write_text("a: 1\n", encoding="utf-8")
    _aged(old, "b: 2\n")
    digests = FileDigests(tmp_path)
    assert digests.of(fresh) == _real(fresh)
    assert digests.of(old) == _real(old)
    # old's ctime is recent too (utime sets it): neither is trusted yet
    assert "fresh.yaml" not in digests.rows
    later = FileDigests(tmp_path)
    later.started += 10 * RACY_NS  # the same files, seen by a run long after
    later.of(fresh)
    later.of(old)
    assert set(later.rows) == {"fresh.yaml", "old.yaml"}
    assert later.rows["old.yaml"][4] == _real(old).hex()


def test_rows_of_files_gone_from_a_listed_folder_are_dropped(tmp_path: Path) -> None:
    folder = tmp_path / "bases"
    folder.mkdir()
    kept, gone, elsewhere = folder / "kept.yaml", folder / "gone.yaml", "overlays/qa/x.yaml"
    _aged(kept, "a: 1\n")
    known = {"bases/gone.yaml": [1, 2, 3, 4, "00"], elsewhere: [1, 2, 3, 4, "00"]}
    digests = FileDigests(tmp_path, known)
    digests.started += 10 * RACY_NS
    digests.of(kept)
    table = digests.table({folder: [kept]})
    assert set(table) == {"bases/kept.yaml", elsewhere}
    assert not gone.exists()
