"""Stand-in units of work for `run_batch` (`test_isolation.py`), in a module that imports
nothing heavy, so a child starts at once."""

import contextlib
import os
import signal
import time

PER_CHILD = 3


def units(values: list[str], first: int, send) -> None:
    """A batch of at most PER_CHILD units from `first`: each answers its value and the
    child's pid, or hangs, or kills its child; "polite" hangs until interrupted, then
    returns as an interrupted Dagster run does."""
    for index, value in enumerate(values[first : first + PER_CHILD]):
        send(("start", index))
        if value == "hang":
            time.sleep(3600)
        if value == "polite":  # as Dagster does while a run executes
            previous = signal.signal(signal.SIGINT, signal.default_int_handler)
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(3600)
            signal.signal(signal.SIGINT, previous)
        if value == "crash":
            os._exit(3)
        send(("done", index, (value, os.getpid())))
