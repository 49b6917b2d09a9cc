"""Wall-clock bounds: SIGALRM for Python code, a watchdog thread for C code; memory bounds:
RLIMIT_AS in the process for Python code, a forked child for C code that aborts."""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time

import pytest

from kconfig.render.limits import (
    MemoryLimitExceeded,
    TimeLimitExceeded,
    Watchdog,
    address_space,
    memory_limit,
    run_forked,
    time_limit,
)

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="memory bounds need /proc and RLIMIT_AS"
)
MIB = 1 << 20


def _spin() -> None:
    while True:
        pass


def test_time_limit_interrupts_python_code_and_restores_the_handler() -> None:
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(TimeLimitExceeded) as err, time_limit(0.2):
        _spin()
    assert 0.15 < time.monotonic() - start < 2
    assert err.value.seconds == 0.2
    assert str(err.value) == "took longer than 0.2 s"
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_limit_is_a_no_op_when_off_or_already_armed() -> None:
    with time_limit(0):
        time.sleep(0.01)
    # The inner bound sees an installed handler and leaves it alone: the outer one fires.
    with pytest.raises(TimeLimitExceeded), time_limit(0.2), time_limit(5):
        _spin()


def test_time_limit_off_the_main_thread_does_not_touch_signals() -> None:
    seen: list[object] = []

    def work() -> None:
        with time_limit(0.05):
            time.sleep(0.1)
        seen.append("done")

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert seen == ["done"]


def test_watchdog_returns_results_and_raises_errors_of_the_call() -> None:
    dog = Watchdog(1.0)
    assert dog.call(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(KeyError):
        dog.call({}.__getitem__, "missing")
    assert Watchdog(0).call(lambda: threading.current_thread().name) == "MainThread"


def test_watchdog_abandons_a_stuck_call_and_keeps_working() -> None:
    dog = Watchdog(0.2, name="test-dog")
    release = threading.Event()
    start = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        dog.call(release.wait)  # stands for C code that no signal interrupts
    assert time.monotonic() - start < 2
    assert dog.call(lambda: 7) == 7  # on a fresh worker
    release.set()


def test_watchdog_worker_is_reused_then_exits_when_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kconfig.render.limits._IDLE_SECONDS", 0.05)
    dog = Watchdog(1.0, name="test-idle")
    names = {dog.call(lambda: threading.current_thread().ident) for _ in range(20)}
    assert len(names) == 1
    deadline = time.monotonic() + 2
    while any(t.name == "test-idle" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the idle worker did not exit"
        time.sleep(0.01)
    assert dog.call(lambda: 1) == 1  # a new worker starts on demand


@linux_only
def test_memory_limit_raises_memory_error_and_restores_the_limit() -> None:
    before = resource.getrlimit(resource.RLIMIT_AS)
    used = address_space()
    assert used is not None
    with pytest.raises(MemoryError), memory_limit(64 * MIB):
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        assert used + 64 * MIB <= soft < used + 128 * MIB
        bytearray(1 << 30)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    with memory_limit(0):  # off: nothing touched
        assert resource.getrlimit(resource.RLIMIT_AS) == before


def _under_a_low_limit() -> int:
    low = (address_space() or 0) + 32 * MIB
    resource.setrlimit(resource.RLIMIT_AS, (low, resource.getrlimit(resource.RLIMIT_AS)[1]))
    with memory_limit(1 << 40):
        return resource.getrlimit(resource.RLIMIT_AS)[0] - low


@linux_only
def test_memory_limit_never_raises_a_lower_limit() -> None:
    # In a child: a low limit in the test process itself would starve it.
    assert run_forked(_under_a_low_limit, seconds=10, memory=1 << 30) == 0


def _noisy(value: int) -> int:
    os.write(2, b"noise from the child\n")
    os.write(1, b"more noise\n")
    return os.getpid() * 0 + value


def _abort(message: bytes) -> None:
    os.write(2, message)
    os.abort()


@linux_only
def test_run_forked_returns_results_and_raises_errors_of_the_call(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert run_forked(_noisy, 5, seconds=10, memory=256 * MIB) == 5
    with pytest.raises(KeyError):
        run_forked({}.__getitem__, "missing", seconds=10, memory=256 * MIB)
    assert run_forked(os.getpid, seconds=10, memory=256 * MIB) != os.getpid()
    out, err = capfd.readouterr()
    assert "noise" not in out + err  # the child's streams are read by the parent, not shown


@linux_only
def test_run_forked_turns_running_out_of_memory_into_memory_limit_exceeded() -> None:
    with pytest.raises(MemoryLimitExceeded) as err:
        run_forked(bytearray, 1 << 34, seconds=10, memory=64 * MIB)  # Python: MemoryError
    assert str(err.value) == "needed more than 64 MiB of memory"
    # The Jsonnet VM's way: a message, then abort() (exit 134)
    panic = b"FATAL ERROR: a memory allocation error occurred.\n"
    with pytest.raises(MemoryLimitExceeded):
        run_forked(_abort, panic, seconds=10, memory=64 * MIB)
    with pytest.raises(RuntimeError, match="died with signal SIGABRT"):
        run_forked(_abort, b"some other fatal error\n", seconds=10, memory=64 * MIB)


@linux_only
def test_run_forked_kills_a_child_past_its_time() -> None:
    start = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        run_forked(_spin, seconds=0.3, memory=64 * MIB)
    assert time.monotonic() - start < 5


@linux_only
def test_watchdog_with_memory_runs_the_call_in_a_child() -> None:
    dog = Watchdog(5.0, memory=256 * MIB)
    assert dog.call(os.getpid) != os.getpid()
    assert Watchdog(5.0).call(os.getpid) == os.getpid()
