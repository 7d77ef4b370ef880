"""Units' child processes: many units share a child, yet a unit that hangs, crashes or
is stopped ends alone; an interrupt that lands in a finalizer is delivered again."""

from __future__ import annotations

import functools
import signal
import sys
import types

import dagster as dg
import pytest

from pipelines.isolation import StopRequest, _interrupt_again, _Waiting, run_batch
from tests.pipelines.batch_units import units


def batch(values: list[str], stop: StopRequest | None = None, **options):
    return list(
        run_batch(
            lambda first, end: functools.partial(units, values, first, end),
            len(values),
            timeout=5,
            stop=stop if stop is not None else StopRequest(),
            **{"per_child": 3} | options,
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


def test_two_workers_run_two_units_at_once(tmp_path):
    started, meet = [], f"meet:{tmp_path}"
    # dealt as (0, 1) to one child and (2,) to the other
    ended = batch([meet, "a", meet], workers=2, on_start=started.append)
    values = {index: f.value for index, f in ended}
    # each unit left its mark and found the other's: they ran at the same time
    assert values[0][0] is True and values[2][0] is True, values
    assert values[0][1] != values[2][1]  # in two children
    assert values[1] == ("a", values[0][1])
    assert sorted(started) == [0, 1, 2]


@pytest.mark.parametrize("failure", ["crash", "hang"])
def test_a_unit_that_crashes_or_hangs_ends_alone_while_another_child_runs_on(tmp_path, failure):
    """Worker 1 runs "meet" then "b"; worker 2 the failing unit, once the meeting is
    certain (the failure waits in the same folder), then "c" in a new child."""
    meet = f"meet:{tmp_path}"
    ended = dict(batch([meet, "b", meet, failure, "c"], workers=2, per_child=2))
    assert {i: f.ending for i, f in ended.items()} == {
        0: "done",
        1: "done",
        2: "done",
        3: "crashed" if failure == "crash" else "timeout",
        4: "done",
    }
    assert ended[0].value[0] is True and ended[2].value[0] is True  # they ran at once
    assert ended[0].value[1] == ended[1].value[1]  # the other child was not touched
    assert ended[4].value[1] not in {ended[0].value[1], ended[2].value[1]}


def test_a_stop_interrupts_every_running_unit_and_starts_no_other():
    stop, started = StopRequest(), []
    interrupted = []

    def on_start(index: int) -> None:
        started.append(index)
        if len(started) == 2:
            stop.request()

    ended = batch(
        ["deaf", "b", "polite", "c"],
        stop,
        workers=2,
        per_child=2,
        on_start=on_start,
        on_interrupt=lambda index, ending: interrupted.append((index, ending)),
    )
    assert sorted((index, f.ending) for index, f in ended) == [(0, "stopped"), (2, "stopped")]
    assert sorted(started) == [0, 2]  # "b" and "c" never started
    assert sorted(interrupted) == [(0, "stopped"), (2, "stopped")]
    # both were interrupted at once: the stuck one needed SIGKILL, the polite one did not
    assert {index: f.killed for index, f in ended} == {0: True, 2: False}


def test_batches_are_dealt_so_that_no_worker_is_left_alone_with_a_long_one():
    waiting = _Waiting(10, per_child=4, workers=2)
    taken = []
    while waiting:
        taken.append(waiting.take())
    assert taken == [(0, 4), (4, 7), (7, 9), (9, 10)]
    waiting = _Waiting(10, per_child=4, workers=2)
    first = waiting.take()
    waiting.put_back(2, 4)  # the child of (0, 4) crashed on unit 1
    assert (first, waiting.take(), waiting.take()) == ((0, 4), (2, 6), (6, 8))


def test_a_heavy_unit_is_dealt_a_child_of_its_own():
    """Weighed (heaviest first), a unit holding more than a worker's share of the work
    runs alone, and the light ones share the other children; equal weights deal as
    unweighed."""
    mib = 1 << 20
    waiting = _Waiting(
        4, per_child=64, workers=2, weights=[600 * mib, 33 * mib, 33 * mib, 32 * mib]
    )
    taken = []
    while waiting:
        taken.append(waiting.take())
    assert taken == [(0, 1), (1, 3), (3, 4)]
    waiting = _Waiting(10, per_child=4, workers=2, weights=[7.0] * 10)
    taken = []
    while waiting:
        taken.append(waiting.take())
    assert taken == [(0, 4), (4, 7), (7, 9), (9, 10)]


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
