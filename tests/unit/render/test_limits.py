"""Wall-clock bounds: SIGALRM for Python code, a watchdog thread for C code."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from kconfig.render.limits import TimeLimitExceeded, Watchdog, time_limit


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
