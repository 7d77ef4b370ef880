"""Wall-clock limits (no unit of work and no catalog release can run forever) and how
many units run at once.

    ABIERTO_UNIT_TIMEOUT     seconds one comuna × dataset may take, from reading its
                             exports to recording its outcome (default 1800)
    ABIERTO_CATALOG_TIMEOUT  seconds the catalog release may take (default 7200)
    ABIERTO_BATCH_UNITS      comuna × dataset units one child process runs, one after
                             the other, before the next child takes over (default 64):
                             a child's start-up is paid once per batch, and its memory
                             is returned to the system after each batch
    ABIERTO_WORKERS          child processes running units at once (default: the CPUs
                             this process may use, at most 8, and no more than one per
                             GiB of available memory; at least 1)

`abierto run` stops a unit past its limit and carries the comuna × dataset's previous
data with the reason `timeout`; the daemon's run monitoring fails a run past
`dagster/max_runtime` (the unit limit times the datasets in the run; see
`pipelines.automation`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from datasets.errors import AbiertoError

UNIT_TIMEOUT_SECONDS = 1800
CATALOG_TIMEOUT_SECONDS = 7200
BATCH_UNITS = 64
MAX_WORKERS = 8  # beyond this, the Dagster instance (one SQLite writer) is the bottleneck
WORKER_MEMORY = 1 << 30  # a unit's child of sample-sized data peaks well below this


def unit_timeout() -> int:
    return _seconds("ABIERTO_UNIT_TIMEOUT", UNIT_TIMEOUT_SECONDS)


def catalog_timeout() -> int:
    return _seconds("ABIERTO_CATALOG_TIMEOUT", CATALOG_TIMEOUT_SECONDS)


def batch_units() -> int:
    return _positive("ABIERTO_BATCH_UNITS", BATCH_UNITS, "units", "unidades")


def workers() -> int:
    """How many children run units at once (`pipelines.isolation.run_batch`)."""
    if os.environ.get("ABIERTO_WORKERS", "").strip():
        return _positive("ABIERTO_WORKERS", 1, "processes", "procesos")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = _available_memory()
    by_memory = memory // WORKER_MEMORY if memory else MAX_WORKERS
    return max(1, min(cpus or 1, MAX_WORKERS, by_memory))


def _available_memory() -> int:
    """Bytes of memory available to new processes (Linux), 0 when unknown."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text("ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def _seconds(variable: str, default: int) -> int:
    return _positive(variable, default, "seconds", "segundos")


def _positive(variable: str, default: int, unit: str, unidad: str) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise AbiertoError(
            f"{variable}={value!r}: debe ser un número entero de {unidad} mayor que 0",
            f"{variable}={value!r}: must be a whole number of {unit} greater than 0",
        )
    return number
