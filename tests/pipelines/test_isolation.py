"""A unit's child process: an interrupt that lands in a finalizer is delivered again."""

from __future__ import annotations

import signal
import sys
import types

import dagster as dg
import pytest

from pipelines.isolation import _interrupt_again


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
