"""Wall-clock bounds for the work kconfig cannot bound by size: rendering templates.

Sizes are bounded where input is read (``kconfig.load.reader.ReadLimits``: bytes, nodes, depth) and
recursion is bounded by the engines themselves (Python's recursion limit for Jinja2 macros and
includes, ``max_stack`` for Jsonnet). What remains is time: a Jinja2 loop nest or a
tail-recursive Jsonnet function can run for hours within those limits. Two mechanisms, one per
kind of engine:

* :func:`time_limit` for Python code (Jinja2): ``SIGALRM`` raises :class:`TimeLimitExceeded`
  inside the running template. Signals reach only the main thread, so elsewhere (kconfig used
  as a library from a worker thread) the bound is not enforced; the CLI always runs in the main
  thread. A handler someone else installed for ``SIGALRM`` is left alone (no bound then).
* :class:`Watchdog` for C code that releases the GIL (the Jsonnet VM): the call runs on a
  worker thread and the caller waits at most the limit. A signal cannot interrupt C code, and
  a thread cannot be killed, so a call that overruns is *abandoned*: it keeps its thread until
  it ends or the process exits (the CLI exits right after reporting the error). The worker is
  reused between calls (starting a thread per template would cost more than a small template
  takes to evaluate) and exits after a short idle time.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")

_IDLE_SECONDS = 2.0


class TimeLimitExceeded(Exception):
    """Work ran longer than its bound. Backends turn it into a located RenderError."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than {seconds:g} s")
        self.seconds = seconds


def _can_alarm() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    )


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the body once ``seconds`` have passed.

    A no-op when ``seconds <= 0``, off the main thread, or when ``SIGALRM`` already has a
    handler (an enclosing ``time_limit`` or the embedding application's own).
    """
    if seconds <= 0 or not _can_alarm():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        # Nested so that an alarm firing between the body's end and the timer's reset still
        # puts the previous handler back.
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)


@dataclass(eq=False)
class _Job(Generic[T]):
    """One call handed to the worker, and its outcome."""

    call: Callable[[], T]
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as err:  # handed back to the caller's thread as it was
            self.error = err
        finally:
            self.done.set()


class Watchdog:
    """Runs calls on a reusable worker thread and waits at most ``seconds`` for each."""

    def __init__(self, seconds: float, name: str = "kconfig-watchdog") -> None:
        self.seconds = seconds
        self.name = name
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job[Any]] | None = None  # the live worker's queue

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, or :class:`TimeLimitExceeded` after ``seconds``."""
        if self.seconds <= 0:
            return fn(*args, **kwargs)
        job: _Job[T] = _Job(lambda: fn(*args, **kwargs))
        jobs = self._submit(job)
        if not job.done.wait(self.seconds):
            with self._lock:
                if self._jobs is jobs:  # abandon the stuck worker; the next call starts one
                    self._jobs = None
            raise TimeLimitExceeded(self.seconds)
        if job.error is not None:
            raise job.error
        return cast(T, job.result)

    def _submit(self, job: _Job[Any]) -> queue.SimpleQueue[_Job[Any]]:
        with self._lock:
            jobs = self._jobs
            if jobs is None:
                jobs = self._jobs = queue.SimpleQueue()
                worker = threading.Thread(
                    target=self._work, args=(jobs,), name=self.name, daemon=True
                )
                worker.start()
            jobs.put(job)
            return jobs

    def _work(self, jobs: queue.SimpleQueue[_Job[Any]]) -> None:
        while True:
            try:
                job = jobs.get(timeout=_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    # Exit only if nothing arrived meanwhile; _submit holds the same lock, so
                    # a job is never left on a queue whose worker is gone.
                    if jobs.empty():
                        if self._jobs is jobs:
                            self._jobs = None
                        return
                continue
            job.run()
            if self._jobs is not jobs:
                return  # abandoned while running this job: a new worker owns the queue now
