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

Memory (issue 18) is bounded by the address space (``RLIMIT_AS``) the work may add to what the
process already maps, the only bound both engines obey. They fail differently at the limit:

* Python code (Jinja2) gets a ``MemoryError`` at the allocation that does not fit, which
  unwinds like any exception: :func:`memory_limit` lowers the limit around a user template's
  render in the process itself (a few system calls), and the backend reports the error at
  the template's line. A string doubled forty times fails at the doubling that does not fit.
* The Jsonnet VM aborts the whole process on ``std::bad_alloc`` (``FATAL ERROR: a memory
  allocation error occurred``, exit 134): no exception reaches Python. So a bounded Jsonnet
  evaluation runs in a forked child (:func:`run_forked`) under the lowered limit; the parent
  sees the abort as the child's death and reports it as :class:`MemoryLimitExceeded`. The
  child also takes the time bound: past it, the parent kills it, so nothing is abandoned.

Both bounds are Linux-only (``/proc/self/statm`` says how much is mapped already; macOS does
not enforce ``RLIMIT_AS``); elsewhere they are no-ops. Lowering ``RLIMIT_AS`` limits the
whole process, every thread of it, so only the CLI turns it on by itself; the Python API
does when asked (``Project.load(..., bound_memory=True)``, SECURITY.md).
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import signal
import sys
import threading
import time
import warnings
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


class MemoryLimitExceeded(Exception):
    """Work needed more memory than its bound. Backends turn it into a located RenderError."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"needed more than {limit >> 20} MiB of memory")
        self.limit = limit


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_STATM = "/proc/self/statm"


def address_space() -> int | None:
    """Bytes of address space this process maps now (Linux), None where it cannot be known."""
    try:
        with open(_STATM, "rb") as statm:  # noqa: PTH123 - a hot path: no Path objects
            return int(statm.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _lower_address_space(extra: int) -> tuple[int, int] | None:
    """Lower the soft ``RLIMIT_AS`` to what is mapped now plus ``extra`` bytes; the limits
    to restore, or None when nothing changed (no bound asked or possible, or a lower limit
    is already set: it is never raised)."""
    used = address_space() if extra > 0 else None
    if used is None:
        return None
    import resource  # POSIX only; address_space() already said this is Linux

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = used + extra
    if any(0 <= cap <= wanted for cap in (soft, hard) if cap != resource.RLIM_INFINITY):
        return None
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    return soft, hard


@contextmanager
def memory_limit(extra: int) -> Iterator[None]:
    """Let the body map at most ``extra`` more bytes (a ``MemoryError`` past them); a no-op
    when ``extra <= 0`` or off Linux. The limit is the process's: other threads share it
    while the body runs."""
    previous = _lower_address_space(extra)
    try:
        yield
    finally:
        if previous is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, previous)


def can_fork_bounded() -> bool:
    """Whether :func:`run_forked` can bound memory here (fork, and a known address space)."""
    return hasattr(os, "fork") and address_space() is not None


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """In a forked child: be killed when ``parent`` exits (issue 18).

    A process killed with SIGKILL (a CI job timeout) cannot stop its children; without this
    they stay blocked on their pipes for ever, holding the caller's stdout open (so
    ``out=$(kconfig build)`` never returns). ``PR_SET_PDEATHSIG`` has the kernel send SIGKILL
    when the parent goes; the parent check after it closes the race where the parent died
    between the fork and the ``prctl`` (the child was already adopted by then). Ctrl-C
    reaches the whole foreground group: the parent alone decides, and stops its children.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` on Linux (loaded once: a parent that forks many children loads it
    before the first fork, so that no child pays for importing ctypes)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    return prctl


# A child that met MemoryError in Python code; one whose own code failed otherwise.
_EXIT_MEMORY = 86
_EXIT_FAILED = 87
# What the Jsonnet VM prints before it aborts on std::bad_alloc.
_ALLOCATION_PANIC = b"memory allocation error"
_MAX_STDERR = 4096


def run_forked(
    fn: Callable[..., T], /, *args: Any, seconds: float, memory: int, **kwargs: Any
) -> T:
    """``fn(*args, **kwargs)`` in a forked child that may map ``memory`` more bytes and run
    ``seconds`` (0: unbounded); its result or exception comes back pickled.

    Raises :class:`MemoryLimitExceeded` when the child ran out of memory (a ``MemoryError``,
    or an abort that says so), :class:`TimeLimitExceeded` when it overran (it is killed),
    and ``RuntimeError`` when it died otherwise. The child writes nothing to the caller's
    streams: its stdout and stderr are read here, only to tell an out-of-memory abort.
    """
    parent = os.getpid()
    _prctl()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns about forking a process with threads; the child only runs ``fn``
        # (the VM and kconfig's import callback) and exits without touching others' locks.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, measured by what it sends back
        _child(parent, (out_r, err_r), out_w, err_w, memory, lambda: fn(*args, **kwargs))
    os.close(out_w)
    os.close(err_w)
    status: int | None = None
    try:
        outputs = _drain((out_r, err_r), seconds)
        if outputs is not None:
            status = os.waitpid(pid, 0)[1]
    finally:
        os.close(out_r)
        os.close(err_r)
        if status is None:  # timed out or interrupted: the child's work is moot
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if outputs is None or status is None:
        raise TimeLimitExceeded(seconds)
    return cast(T, _outcome(status, outputs[0], outputs[1], memory))


def _child(
    parent: int,
    unused: tuple[int, int],
    out: int,
    err: int,
    memory: int,
    call: Callable[[], Any],
) -> None:  # pragma: no cover - runs in the forked child
    """The forked child: bound itself, run ``call``, send the outcome, never return."""
    import pickle  # here, as in _outcome: most runs never fork

    code = _EXIT_FAILED
    try:
        for fd in unused:
            os.close(fd)
        die_with_parent(parent)
        os.dup2(err, 1)  # the caller's stdout may carry manifests: nothing else goes there
        os.dup2(err, 2)
        import faulthandler  # built in; it writes to a copy of the old stderr, on abort too

        faulthandler.disable()
        _lower_address_space(memory)
        try:
            outcome: tuple[str, Any] = ("ok", call())
        except MemoryError:
            raise
        except Exception as error:  # handed to the parent as it was
            outcome = ("error", error)
        try:
            data = pickle.dumps(outcome)
        except MemoryError:
            raise
        except Exception as error:  # an exception that does not pickle
            data = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        view = memoryview(data)
        while view:
            view = view[os.write(out, view) :]
        code = 0
    except MemoryError:
        code = _EXIT_MEMORY
    finally:
        os._exit(code)


def _drain(fds: tuple[int, int], seconds: float) -> tuple[bytes, bytes] | None:
    """Everything written to ``fds`` until both close; None past ``seconds`` (if > 0)."""
    import select  # poll, not select(): a descriptor may be numbered over FD_SETSIZE

    deadline = time.monotonic() + seconds if seconds > 0 else None
    chunks: dict[int, list[bytes]] = {fd: [] for fd in fds}
    sizes = dict.fromkeys(fds, 0)
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    left = len(fds)
    while left:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return None
        for fd, _ in poller.poll(None if wait is None else max(1, int(wait * 1000))):
            data = os.read(fd, 1 << 20)
            if not data:  # closed (POLLHUP reads as end of file)
                poller.unregister(fd)
                left -= 1
            elif fd == fds[0] or sizes[fd] < _MAX_STDERR:
                chunks[fd].append(data)
                sizes[fd] += len(data)
    return b"".join(chunks[fds[0]]), b"".join(chunks[fds[1]])


def _outcome(status: int, data: bytes, stderr: bytes, memory: int) -> Any:
    """What the child's exit ``status`` and output mean (see :func:`run_forked`)."""
    import pickle

    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and data:
        kind, value = pickle.loads(data)  # written by our own forked child
        if kind == "error":
            raise value
        return value
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == _EXIT_MEMORY:
        raise MemoryLimitExceeded(memory)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        # An abort that says it could not allocate; SIGKILL is the kernel's OOM killer.
        if (number == signal.SIGABRT and _ALLOCATION_PANIC in stderr) or number == signal.SIGKILL:
            raise MemoryLimitExceeded(memory)
        raise RuntimeError(f"the evaluation died with signal {signal.Signals(number).name}")
    raise RuntimeError(f"the evaluation failed (exit status {os.WEXITSTATUS(status)})")


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
    """Runs calls on a reusable worker thread and waits at most ``seconds`` for each; with
    ``memory`` (bytes, > 0), in a forked child bounded in both (:func:`run_forked`)."""

    def __init__(self, seconds: float, name: str = "kconfig-watchdog", memory: int = 0) -> None:
        self.seconds = seconds
        self.name = name
        self.memory = memory if memory > 0 and can_fork_bounded() else 0
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job[Any]] | None = None  # the live worker's queue

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, or :class:`TimeLimitExceeded` after ``seconds`` (or
        :class:`MemoryLimitExceeded` past ``memory``)."""
        if self.memory:
            return run_forked(fn, *args, seconds=self.seconds, memory=self.memory, **kwargs)
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
