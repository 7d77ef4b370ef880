"""Units' child processes: many units share a child, yet a unit that hangs, crashes or
is stopped ends alone; an interrupt that lands in a finalizer is delivered again."""

from __future__ import annotations

import functools
import signal
import sys
import types

import dagster as dg
import pytest

from pipelines.isolation import StopRequest, _interrupt_again, run_batch
from tests.pipelines.batch_units import units


def batch(values: list[str], stop: StopRequest | None = None, **options):
    work = functools.partial(units, values)
    return list(
        run_batch(
            lambda first: functools.partial(work, first),
            len(values),
            timeout=5,
            stop=stop if stop is not None else StopRequest(),
            **options,
        )
    )


def test_units_share_children_and_a_hang_or_a_crash_ends_only_its_unit():
    values = ["a", "b", "hang", "c", "crash", "d", "e"]
    started = []
    ended = batch(values, on_start=started.append)
    assert [(index, f.ending) for index, f in ended] == [
        (0, "done"),
        (1, "done"),
        (2, "timeout"),
        (3, "done"),
        (4, "crashed"),
        (5, "done"),
        (6, "done"),
    ]
    assert started == list(range(len(values)))
    values_pids = {index: f.value for index, f in ended if f.ending == "done"}
    assert [values_pids[i][0] for i in (0, 1, 3, 5, 6)] == ["a", "b", "c", "d", "e"]
    assert values_pids[0][1] == values_pids[1][1]  # one child for the first batch
    assert values_pids[3][1] != values_pids[1][1]  # the hang's child was stopped
    assert values_pids[5][1] == values_pids[6][1] != values_pids[3][1]
    assert ended[2][1].seconds < 5 + 2


def test_a_unit_that_returns_when_interrupted_is_the_last_its_child_starts():
    stop, started = StopRequest(), []

    def on_start(index: int) -> None:
        started.append(index)
        if index == 1:
            stop.request()

    ended = batch(["a", "polite", "hang"], stop, on_start=on_start)
    assert [(index, f.ending, f.killed) for index, f in ended] == [
        (0, "done", False),
        (1, "stopped", False),  # the child ended by itself, without SIGKILL
    ]
    assert started == [0, 1]


def test_a_stop_interrupts_the_running_unit_and_starts_no_other():
    stop = StopRequest()
    ended = batch(["a", "hang", "b"], stop, on_start=lambda i: i == 1 and stop.request())
    assert [(index, f.ending) for index, f in ended] == [(0, "done"), (1, "stopped")]


def unraisable(error: BaseException) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        exc_type=type(error),
        exc_value=error,
        exc_traceback=None,
        err_msg="Exception ignored in",
        object=None,
    )


@pytest.mark.parametrize("error", [KeyboardInterrupt(), dg.DagsterExecutionInterruptedError()])
def test_an_interrupt_lost_in_a_finalizer_is_sent_again_without_a_traceback(error, capsys):
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        _interrupt_again(unraisable(error))
        signal.pthread_sigmask(signal.SIG_BLOCK, [])  # let the pending signal run
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == [signal.SIGINT]
    assert capsys.readouterr().err == ""


def test_any_other_error_in_a_finalizer_is_reported_as_python_does(capsys, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "__unraisablehook__", reported.append)
    error = ValueError("boom")
    _interrupt_again(unraisable(error))
    assert [r.exc_value for r in reported] == [error]
