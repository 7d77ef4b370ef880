"""Wall-clock limits: no unit of work and no catalog release can run forever.

    ABIERTO_UNIT_TIMEOUT     seconds one comuna × dataset may take, from reading its
                             exports to recording its outcome (default 1800)
    ABIERTO_CATALOG_TIMEOUT  seconds the catalog release may take (default 7200)

`abierto run` stops a unit past its limit and carries the comuna × dataset's previous
data with the reason `timeout`; the daemon's run monitoring fails a run past
`dagster/max_runtime` (the unit limit times the datasets in the run; see
`pipelines.automation`).
"""

from __future__ import annotations

import os

from datasets.errors import AbiertoError

UNIT_TIMEOUT_SECONDS = 1800
CATALOG_TIMEOUT_SECONDS = 7200


def unit_timeout() -> int:
    return _seconds("ABIERTO_UNIT_TIMEOUT", UNIT_TIMEOUT_SECONDS)


def catalog_timeout() -> int:
    return _seconds("ABIERTO_CATALOG_TIMEOUT", CATALOG_TIMEOUT_SECONDS)


def _seconds(variable: str, default: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise AbiertoError(
            f"{variable}={value!r}: debe ser un número entero de segundos mayor que 0",
            f"{variable}={value!r}: must be a whole number of seconds greater than 0",
        )
    return seconds
