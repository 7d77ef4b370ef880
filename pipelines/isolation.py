"""Run units of work in child processes that can always be stopped.

`abierto run` runs its units of work (each comuna × dataset, then the catalog) in child
processes forked from a fork server (`multiprocessing`'s forkserver), which imports
the pipeline once and forks a clean copy per batch of units (`run_batch`: up to
`workers` children at once, the units of a batch one after the other, each with its
own time limit): fast, and safe however the calling process got its threads (a plain
fork of a process whose native libraries run threads — vl-convert's V8, gRPC — can
deadlock the child). The parent keeps the signals: on SIGINT or SIGTERM
(`StopRequest`) it sends every running child SIGINT, and when a unit passes its time
limit, that unit's child only — Dagster turns SIGINT into an interrupted step and
records the run's end — and SIGKILL after `GRACE_SECONDS` if a child is stuck where
Python cannot interrupt it (a C loop over a hostile file). A unit that crashes its
child ends alone; the other children run on. Everything the pipeline writes is either
private to one comuna × dataset and redone by the next run, or switched atomically
(releases), so killing a child never leaves anything half-published. Units running at
once write their own comuna × dataset's files; what they share is made under a lock (a
national file's split) or written with the same bytes by each (its routing report),
and the Dagster instance takes concurrent writers (SQLite in WAL mode with a busy
timeout, or PostgreSQL).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import multiprocessing
import multiprocessing.connection
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
    on_interrupt: Callable[[int, str], None] | None = None,
) -> Finished[T]:
    """Run `work` (picklable: a module-level function or a `functools.partial` of one)
    in a child of the fork server and return what it returned (`run_batch` of one)."""
    batch = run_batch(
        lambda _first, _end: functools.partial(_one, work),
        1,
        timeout=timeout,
        stop=stop,
        on_tick=on_tick,
        on_interrupt=on_interrupt,
    )
    return next((finished for _index, finished in list(batch)), Finished(None, "stopped", 0.0))


def run_batch(
    work: Callable[[int, int], Callable[[Callable[[tuple], None]], None]],
    count: int,
    *,
    timeout: float | None,
    stop: StopRequest,
    per_child: int = 1,
    workers: int = 1,
    weights: list[float] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_tick: Callable[[], None] | None = None,
    on_interrupt: Callable[[int, str], None] | None = None,
) -> Iterator[tuple[int, Finished]]:
    """Run `count` units of work in children of the fork server, up to `workers`
    children at once, each running up to `per_child` units one after the other, and
    yield `(index, Finished)` for each unit as it ends (in the order they end).

    `work(first, end)` gives the (picklable) batch of units `first` … `end - 1`: called
    in the child with `send`, it calls `send(("start", i))` before unit `first + i` and
    `send(("done", i, value))` after it. Batches are contiguous runs of units, smaller
    towards the end so that no worker is left alone with a long batch; with `weights`
    (a unit's expected work, e.g. its landed bytes; the caller puts the heaviest first),
    a batch holds about a worker's share of the weight left, so a heavy unit runs in a
    child of its own while the others share theirs. `timeout`
    applies to each unit, from its start. A unit past it, or whose child dies, ends
    alone (`timeout`, `crashed`): the rest of its batch goes on in a new child, and the
    other children run on untouched. On a stop request every running unit is
    interrupted (`stopped`) and no other starts. Each child gets its own process group
    (a terminal's Ctrl-C reaches only the parent, which decides), and dies with the
    parent. `on_start(index)` is called when a unit starts, `on_tick` every
    `POLL_SECONDS` while any runs (progress), `on_interrupt(index, ending)` just before
    the running unit's child is sent SIGINT.
    """
    context = multiprocessing.get_context("forkserver")
    on_start = on_start or (lambda _index: None)
    on_interrupt = on_interrupt or (lambda _index, _ending: None)
    waiting = _Waiting(count, per_child, workers, weights)
    children: list[_Child] = []
    try:
        while waiting or children:
            while waiting and len(children) < workers and not stop:
                children.append(_Child(context, work, *waiting.take()))
            if stop:
                yield from _stop(children, on_start, on_interrupt)
                return
            multiprocessing.connection.wait([child.reader for child in children], POLL_SECONDS)
            for child in list(children):
                yield from child.read(on_start)
                child.check(timeout)
                if child.ending is None:
                    continue
                children.remove(child)
                if child.ending != "end":
                    if child.ending == "timeout":
                        _interrupt([child], on_start, on_interrupt)
                    yield from child.unfinished()
                    waiting.put_back(child.current + 1, child.end)
                child.close()
            if on_tick is not None and any(child.running for child in children):
                on_tick()
    finally:
        for child in children:
            child.close()


class _Waiting:
    """The units not yet given to a child, as ranges; `take` deals the next batch."""

    def __init__(
        self, count: int, per_child: int, workers: int, weights: list[float] | None = None
    ) -> None:
        self.ranges = collections.deque([(0, count)] if count else [])
        self.per_child, self.workers = max(1, per_child), max(1, workers)
        self.weights = [1.0] * count if weights is None else [max(0.0, w) for w in weights]
        if len(self.weights) != count:
            raise ValueError(f"{len(self.weights)} weights for {count} units")

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def take(self) -> tuple[int, int]:
        """The next units, up to `per_child`, while the batch holds less than a worker's
        share of the weight left (at least one unit): guided self-scheduling, by weight.
        Equal weights give batches of ⌈left ÷ workers⌉ units."""
        share = sum(sum(self.weights[first:end]) for first, end in self.ranges) / self.workers
        first, end = self.ranges.popleft()
        size, held = 0, 0.0
        while first + size < end and size < self.per_child and (size == 0 or held < share):
            held += self.weights[first + size]
            size += 1
        if first + size < end:
            self.ranges.appendleft((first + size, end))
        return first, first + size

    def put_back(self, first: int, end: int) -> None:
        """The rest of a batch whose child ended early: next, before any other (joined
        to the units after it, when they wait too)."""
        if first >= end:
            return
        if self.ranges and self.ranges[0][0] == end:
            end = self.ranges.popleft()[1]
        self.ranges.appendleft((first, end))


class _Child:
    """A child of the fork server running units `first` … `end - 1`, as the parent sees
    it: the unit it is on (`current`, from its start: `started`) and how it `ending`
    (None while it runs; end | crashed | timeout | stopped)."""

    def __init__(self, context, work, first: int, end: int) -> None:
        self.reader, writer = context.Pipe()  # duplex: the parent may tell it to stop
        self.process = context.Process(
            target=_child_main, args=(work(first, end), writer), daemon=True
        )
        self.first, self.end, self.current = first, end, first
        self.started, self.running = time.monotonic(), False
        self.ending: str | None = None
        self.killed = False
        self.process.start()
        writer.close()

    def read(self, on_start: Callable[[int], None]) -> Iterator[tuple[int, Finished]]:
        """What the child said since last read: units started, units done."""
        while self.ending is None and self.reader.poll(0):
            try:
                message = self.reader.recv()
            except EOFError:
                self.ending = "crashed"
                return
            now = time.monotonic()
            if message[0] == "start":
                self.current = self.first + message[1]
                self.started, self.running = now, True
                on_start(self.current)
            elif message[0] == "done":
                yield self.current, Finished(message[2], "done", now - self.started)
                self.current, self.started, self.running = self.current + 1, now, False
            else:  # "end": the batch is done
                self.ending = "end"

    def check(self, timeout: float | None) -> None:
        """A child gone without a word has crashed; a unit past `timeout`, timed out."""
        if self.ending is not None:
            return
        if not self.process.is_alive() and not self.reader.poll(0):
            self.ending = "crashed"
        elif timeout is not None and time.monotonic() - self.started > timeout:
            self.ending = "timeout"

    def unfinished(self) -> Iterator[tuple[int, Finished]]:
        """The unit the child was on when it ended early (none when it had done its
        units, or was stopped between two)."""
        if self.current < self.end and (self.running or self.ending != "stopped"):
            seconds = time.monotonic() - self.started
            yield self.current, Finished(None, self.ending, seconds, self.killed)

    def close(self) -> None:
        self.reader.close()
        if self.ending == "end":  # let the child exit by itself
            self.process.join(GRACE_SECONDS)
        if self.process.is_alive():
            _signal_and_wait([self])
        self.process.join()


def _stop(
    children: list[_Child],
    on_start: Callable[[int], None],
    on_interrupt: Callable[[int, str], None],
) -> Iterator[tuple[int, Finished]]:
    """On a stop request: what the children finished meanwhile (or the unit of one that
    died), then every running unit interrupted at once (their grace periods overlap)."""
    for child in children:
        yield from child.read(on_start)
        child.check(None)
        if child.ending == "crashed":
            yield from child.unfinished()
    running = [child for child in children if child.ending is None]
    for child in running:
        child.ending = "stopped"
    _interrupt(running, on_start, on_interrupt)
    for child in running:
        yield from child.unfinished()


def _interrupt(
    children: list[_Child],
    on_start: Callable[[int], None],
    on_interrupt: Callable[[int, str], None],
) -> None:
    """Tell each child to start no further unit (a run SIGKILL would then leave
    started), then SIGINT, SIGKILL after the grace period."""
    for child in children:
        with contextlib.suppress(OSError):
            child.reader.send(("stop",))
        if child.running:
            on_interrupt(child.current, child.ending)
    _signal_and_wait(children)
    for child in children:
        # a unit the child started just before it read "stop" was running too
        if not child.running and child.current < child.end and _pending(child.reader, "start"):
            child.running = True
            on_start(child.current)


def _signal_and_wait(children: list[_Child]) -> None:
    """SIGINT to each child, SIGKILL to those still alive after the grace period."""
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.process.pid, signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        child.process.join(max(0.0, deadline - time.monotonic()))
        if child.process.is_alive():
            child.process.kill()
            child.process.join()
            child.killed = True


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
