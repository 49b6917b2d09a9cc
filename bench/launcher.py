"""Starts the measured processes from a small process, so that their peak RSS is their own.

Linux carries the memory high-water mark of the process image that calls ``exec`` over into the
new program's ``ru_maxrss`` (``setmax_mm_hiwater_rss`` in ``exec_mmap``): a child that the
harness forks directly reports at least the harness's own RSS (seen: ``/bin/true`` "using"
313 MB when started from a 300 MB parent). The harness grows while it generates fleets, so it
starts this launcher first (``python -I -S``, about 10 MB) and asks it to fork and exec every
measured command; a measured figure is then exact whenever it is above the launcher's ~10 MB.

Protocol, one JSON object per line: the harness writes
``{"argv", "cwd", "env", "stderr", "timeout"}``; the launcher answers ``{"pid"}`` once the child
runs (so the harness can sample its process tree), then ``{"status", "wall", "maxrss_kb", "cpu",
"timed_out"}`` or ``{"error"}``. Standard library only: it runs with ``-I -S``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any


def _child(request: dict[str, Any]) -> None:
    """In the forked child: the request's folder and files, then exec (never returns)."""
    try:
        os.chdir(request["cwd"])
        null = os.open(os.devnull, os.O_RDWR)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(err, 2)
        os.execvpe(request["argv"][0], request["argv"], request["env"])
    except OSError as exc:
        os.write(2, f"cannot start {request['argv'][0]}: {exc}\n".encode())
    os._exit(127)


def _run(request: dict[str, Any], answer: Any) -> None:
    timed_out = False
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(request)
    answer({"pid": pid})

    def on_timeout(signum: int, frame: Any) -> None:
        nonlocal timed_out
        timed_out = True
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, on_timeout)
    signal.setitimer(signal.ITIMER_REAL, float(request["timeout"]))
    try:
        _, status, usage = os.wait4(pid, 0)  # retried after the handler (PEP 475)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    answer(
        {
            "status": os.waitstatus_to_exitcode(status),
            "wall": time.perf_counter() - start,
            "maxrss_kb": usage.ru_maxrss,
            "cpu": usage.ru_utime + usage.ru_stime,
            "timed_out": timed_out,
        }
    )


def main() -> int:
    def answer(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        try:
            _run(json.loads(line), answer)
        except (OSError, ValueError, KeyError) as exc:
            answer({"error": f"{type(exc).__name__}: {exc}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
