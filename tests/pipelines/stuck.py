"""A stand-in for a child that does not react to SIGINT (stuck where Python cannot
interrupt it: a C loop over a hostile file): it ignores SIGINT and SIGTERM and never
returns. Light to import, so a child process runs it at once."""

import signal
import time


def ignore_interrupts_forever() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(3600)
