"""A persistent Dagster instance for a test, disposed without `with`: leaving a persistent
instance's `with` block keeps its state storage as Dagster 1.13's current one, which
breaks loading definitions in every later test of the session."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg


@contextlib.contextmanager
def persistent(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    dagster_home.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.local_temp(str(dagster_home))
    try:
        yield instance
    finally:
        instance.dispose()
