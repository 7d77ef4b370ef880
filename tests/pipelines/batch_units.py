"""Stand-in units of work for `run_batch` (`test_isolation.py`), in a module that imports
nothing heavy, so a child starts at once."""

import contextlib
import os
import signal
import time
from pathlib import Path

MEET_SECONDS = 60  # a unit waiting for another gives up after this


def units(values: list[str], first: int, end: int, send) -> None:
    """The batch of units `first` … `end - 1`: each answers its value and the child's
    pid, or hangs ("deaf": even to SIGINT), or kills its child; "polite" hangs until
    interrupted, then returns as an interrupted Dagster run does; "meet:<folder>"
    leaves a mark in the folder and waits for another unit's (so it answers True only
    when two units ran at once)."""
    for index, value in enumerate(values[first:end]):
        if value == "deaf":  # stuck where Python cannot interrupt it: only SIGKILL ends it
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        send(("start", index))
        if value in ("hang", "deaf"):
            time.sleep(3600)
        if value == "polite":  # as Dagster does while a run executes
            previous = signal.signal(signal.SIGINT, signal.default_int_handler)
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(3600)
            signal.signal(signal.SIGINT, previous)
        if value == "crash":
            os._exit(3)
        if value.startswith("meet:"):
            value = meet(Path(value.removeprefix("meet:")), str(first + index))
        send(("done", index, (value, os.getpid())))


def meet(folder: Path, name: str, others: int = 1) -> bool:
    """Mark `name` in `folder` and wait until `others` other marks are there: True
    when they came within MEET_SECONDS."""
    (folder / name).touch()
    deadline = time.monotonic() + MEET_SECONDS
    while time.monotonic() < deadline:
        if len(list(folder.iterdir())) > others:
            return True
        time.sleep(0.05)
    return False
