"""Run one piece of work in a child process that can always be stopped.

`abierto run` runs each unit of work (one comuna × dataset, then the catalog) in a
child process forked from a fork server (`multiprocessing`'s forkserver), which imports
the pipeline once and forks a clean copy per unit: fast, and safe however the calling
process got its threads (a plain fork of a process whose native libraries run threads —
vl-convert's V8, gRPC — can deadlock the child). The parent keeps the signals: on
SIGINT or SIGTERM (`StopRequest`), or when the unit passes its time limit, it sends the
child SIGINT — Dagster turns that into an interrupted step and records the run's end —
and SIGKILL after `GRACE_SECONDS` if the child is stuck where Python cannot interrupt
it (a C loop over a hostile file). Everything the pipeline writes is either private and
redone by the next run or switched atomically (releases), so killing a child never
leaves anything half-published.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import dagster as dg

T = TypeVar("T")

GRACE_SECONDS = 3.0  # from SIGINT to SIGKILL
POLL_SECONDS = 0.1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    """Set by SIGINT / SIGTERM (or by hand): finish nothing new, interrupt what runs."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __bool__(self) -> bool:
        return self.signum is not None

    def request(self, signum: int = signal.SIGTERM) -> None:
        if self.signum is None:
            self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal: 130 for SIGINT (Ctrl-C), 143 for SIGTERM, as shells do."""
        return 128 + (self.signum or 0)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else ""

    @contextlib.contextmanager
    def on_signals(self) -> Iterator[StopRequest]:
        """Within the block SIGINT and SIGTERM only set this request (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
        for signum in STOP_SIGNALS:
            signal.signal(signum, lambda signum, _frame: self.request(signum))
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


@dataclass
class Finished(Generic[T]):
    """How a child ended: its `value`, or why there is none (`timeout`, `stopped`,
    `crashed`: the child died without answering, e.g. out of memory)."""

    value: T | None
    ending: str  # done | timeout | stopped | crashed
    seconds: float
    killed: bool = False  # needed SIGKILL after the grace period


def start_fork_server(preload: list[str]) -> None:
    """Start the fork server now, importing `preload` (so it overlaps the caller's own
    start-up); later children are forked from it."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    multiprocessing.forkserver.ensure_running()


def run_in_child(
    work: Callable[[], T],
    *,
    timeout: float | None,
    stop: StopRequest,
    on_tick: Callable[[], None] | None = None,
    on_interrupt: Callable[[str], None] | None = None,
) -> Finished[T]:
    """Run `work` (picklable: a module-level function or a `functools.partial` of one)
    in a child of the fork server and return what it returned.

    The child gets its own process group (a terminal's Ctrl-C reaches only the parent,
    which decides), and dies with the parent. `on_tick` is called every `POLL_SECONDS`
    while the child runs (progress); `on_interrupt(ending)` just before the child is sent
    SIGINT.
    """
    context = multiprocessing.get_context("forkserver")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(work, writer), daemon=True)
    started = time.monotonic()
    child.start()
    writer.close()
    ending = "done"
    try:
        while not reader.poll(POLL_SECONDS):
            if not child.is_alive() and not reader.poll(0):
                return Finished(None, "crashed", time.monotonic() - started)
            if stop:
                ending = "stopped"
            elif timeout is not None and time.monotonic() - started > timeout:
                ending = "timeout"
            if ending != "done":
                break
            if on_tick is not None:
                on_tick()
        if ending == "done":
            try:
                return Finished(reader.recv(), "done", time.monotonic() - started)
            except EOFError:
                return Finished(None, "crashed", time.monotonic() - started)
        if on_interrupt is not None:
            on_interrupt(ending)
        killed = _interrupt(child)
        return Finished(None, ending, time.monotonic() - started, killed)
    finally:
        reader.close()
        if child.is_alive():
            _interrupt(child)
        child.join()


def _interrupt(child: multiprocessing.Process) -> bool:
    """SIGINT, then SIGKILL after the grace period; True when SIGKILL was needed."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.pid, signal.SIGINT)
    child.join(GRACE_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        return True
    return False


def _child_main(work: Callable[[], object], writer) -> None:
    os.setpgid(0, 0)
    # Dagster's own handler interrupts a step cleanly while a run executes; outside a
    # run (opening the instance, closing it) SIGINT simply ends the child.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.unraisablehook = _interrupt_again
    parent = os.getppid()
    threading.Thread(target=_die_with, args=(parent,), daemon=True).start()
    try:
        writer.send(work())
    except BaseException:  # interrupted: the parent knows why, and Dagster logged the rest
        pass
    finally:
        writer.close()


def _interrupt_again(unraisable) -> None:
    """An interrupt that landed in a finalizer (a garbage-collector callback) cannot
    propagate: Python would print it as "Exception ignored" with a traceback and the
    step would run on. Deliver it again, so it interrupts the step where it can."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt | dg.DagsterExecutionInterruptedError):
        os.kill(os.getpid(), signal.SIGINT)
        return
    sys.__unraisablehook__(unraisable)


def _die_with(parent: int) -> None:
    """A child whose parent was killed (kill -9) stops too rather than run on unwatched."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGKILL)
