"""Stand-in units of work for `run_batch` (`test_isolation.py`), in a module that imports
nothing heavy, so a child starts at once."""

import os
import time

PER_CHILD = 2


def units(values: list[str], first: int, send) -> None:
    """A batch of at most PER_CHILD units from `first`: each answers its value and the
    child's pid, or hangs, or kills its child."""
    for index, value in enumerate(values[first : first + PER_CHILD]):
        send(("start", index))
        if value == "hang":
            time.sleep(3600)
        if value == "crash":
            os._exit(3)
        send(("done", index, (value, os.getpid())))
