"""Run units of work in child processes that can always be stopped.

`abierto run` runs its units of work (each comuna × dataset, then the catalog) in child
processes forked from a fork server (`multiprocessing`'s forkserver), which imports
the pipeline once and forks a clean copy per batch of units (`run_batch`; the units of
a batch run one after the other, each with its own time limit): fast, and safe however the calling
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
import functools
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
    in a child of the fork server and return what it returned (`run_batch` of one)."""
    batch = run_batch(
        lambda _start: functools.partial(_one, work),
        1,
        timeout=timeout,
        stop=stop,
        on_tick=on_tick,
        on_interrupt=on_interrupt,
    )
    return next((finished for _index, finished in list(batch)), Finished(None, "stopped", 0.0))


def run_batch(
    work: Callable[[int], Callable[[Callable[[tuple], None]], None]],
    count: int,
    *,
    timeout: float | None,
    stop: StopRequest,
    on_start: Callable[[int], None] | None = None,
    on_tick: Callable[[], None] | None = None,
    on_interrupt: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, Finished]]:
    """Run `count` units of work in children of the fork server, many units per child,
    and yield `(index, Finished)` for each unit as it ends.

    `work(start)` gives the (picklable) batch for units `start`, `start + 1`, …: called
    in the child with `send`, it calls `send(("start", i))` before unit `start + i` and
    `send(("done", i, value))` after it. `timeout` applies to each unit, from its start.
    A unit past it, or whose child dies, ends alone (`timeout`, `crashed`); the next
    units go on in a new child. On a stop request the running unit is interrupted
    (`stopped`) and no other starts. The child gets its own process group (a terminal's
    Ctrl-C reaches only the parent, which decides), and dies with the parent.
    `on_start(index)` is called when a unit starts, `on_tick` every `POLL_SECONDS`
    while one runs (progress), `on_interrupt(ending)` just before the child is sent
    SIGINT.
    """
    context = multiprocessing.get_context("forkserver")
    first = 0
    while first < count and not stop:
        reader, writer = context.Pipe()  # duplex: the parent may tell the child to stop
        child = context.Process(target=_child_main, args=(work(first), writer), daemon=True)
        base, started = first, time.monotonic()
        child.start()
        writer.close()
        current, ending, running = first, "done", False
        try:
            while ending == "done":
                if reader.poll(POLL_SECONDS):
                    try:
                        message = reader.recv()
                    except EOFError:
                        ending = "crashed"
                        break
                    if message[0] == "start":
                        current, started, running = base + message[1], time.monotonic(), True
                        if on_start is not None:
                            on_start(current)
                    elif message[0] == "done":
                        yield current, Finished(message[2], "done", time.monotonic() - started)
                        current = first = current + 1
                        started, running = time.monotonic(), False
                    else:  # "end": the batch is done
                        break
                    continue
                if not child.is_alive() and not reader.poll(0):
                    ending = "crashed"
                elif stop:
                    ending = "stopped"
                elif timeout is not None and time.monotonic() - started > timeout:
                    ending = "timeout"
                elif on_tick is not None:
                    on_tick()
            if ending == "done":
                continue
            killed = False
            if ending != "crashed":
                # an interrupted unit returns to the batch: the child must not start the
                # next one (a run SIGKILL would then leave started)
                with contextlib.suppress(OSError):
                    reader.send(("stop",))
                if on_interrupt is not None:
                    on_interrupt(ending)
                killed = _interrupt(child)
                # a unit the child started just before it read "stop" was running too
                while not running and _pending(reader, "start"):
                    running = True
                    if on_start is not None:
                        on_start(current)
            if ending == "stopped":  # between two units, none was interrupted
                if running:
                    yield current, Finished(None, ending, time.monotonic() - started, killed)
                return
            yield current, Finished(None, ending, time.monotonic() - started, killed)
            first = current + 1
        finally:
            reader.close()
            if ending == "done":  # the batch ended: let the child exit by itself
                child.join(GRACE_SECONDS)
            if child.is_alive():
                _interrupt(child)
            child.join()


def _pending(reader, kind: str) -> bool:
    """Whether a message of `kind` is among those the child left unread."""
    with contextlib.suppress(EOFError, OSError):
        while reader.poll(0):
            if reader.recv()[0] == kind:
                return True
    return False


def _one(work: Callable[[], T], send: Callable[[tuple], None]) -> None:
    send(("start", 0))
    send(("done", 0, work()))


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


class _StopBatch(Exception):
    """The parent asked the child to start no further unit."""


def _child_main(work: Callable[[Callable[[tuple], None]], None], writer) -> None:
    os.setpgid(0, 0)
    # Dagster's own handler interrupts a step cleanly while a run executes; outside a
    # run (opening the instance, closing it) SIGINT simply ends the child.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.unraisablehook = _interrupt_again
    parent = os.getppid()
    threading.Thread(target=_die_with, args=(parent,), daemon=True).start()

    def send(message: tuple) -> None:
        if message[0] == "start" and writer.poll():  # the parent said stop
            raise _StopBatch
        writer.send(message)

    try:
        work(send)
        writer.send(("end",))
    except BaseException:  # interrupted: the parent knows why, and Dagster logged the rest
        pass
    finally:
        writer.close()


def _interrupt_again(unraisable) -> None:
    """An interrupt that landed in a finalizer (a garbage-collector callback) cannot
    propagate: Python would print it as "Exception ignored" with a traceback and the
    step would run on. Deliver it again, so it interrupts the step where it can."""
    dagster = sys.modules.get("dagster")  # not imported here: a child starts in a moment
    interrupts = (KeyboardInterrupt,) + (
        (dagster.DagsterExecutionInterruptedError,) if dagster else ()
    )
    if isinstance(unraisable.exc_value, interrupts):
        os.kill(os.getpid(), signal.SIGINT)
        return
    sys.__unraisablehook__(unraisable)


def _die_with(parent: int) -> None:
    """A child whose parent was killed (kill -9) stops too rather than run on unwatched."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGKILL)
