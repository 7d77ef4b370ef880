"""The local instance's event log: one SQLite database for every run, without a disk
flush per event.

Dagster's `ConsolidatedSqliteEventLogStorage` opens a connection for each event (about
120 a run) and commits it with SQLite's default `synchronous=FULL`, a flush of the
write-ahead log to disk; and when the last open connection closes, SQLite checkpoints
the log into the database, another flush. On a shared disk a flush takes 1–10 ms, so
with one run per comuna × dataset most of a unit's time was spent waiting on the disk
(benchmarks/README.md, "Parallel units").

`LocalSqliteEventLogStorage` is that storage with SQLite's recommended settings for a
write-ahead log: commits use `synchronous=NORMAL` (a crash of the process loses
nothing; a power cut may lose the last events, never corrupts the database), and while
the storage lives it keeps one idle connection open, so closing an event's connection
does not checkpoint (SQLite checkpoints the log every 1,000 pages instead). Production
set-ups use PostgreSQL (deploy/dagster.yaml).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine

_TUNED: set[str] = set()  # resolved paths of the event logs open in this process


class LocalSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """`ConsolidatedSqliteEventLogStorage` (configured the same way, by `base_dir`) with
    commits that do not flush and no checkpoint at every close."""

    def __init__(self, base_dir, inst_data=None):
        super().__init__(base_dir, inst_data)
        path = str(Path(self.get_db_path()).resolve())
        _TUNED.add(path)
        self._keeper: sqlite3.Connection | None = sqlite3.connect(path)
        self._keeper.execute("PRAGMA schema_version").fetchone()  # joins the log's readers

    def dispose(self) -> None:
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None
        super().dispose()


@event.listens_for(Engine, "connect")
def _no_flush_per_commit(connection, _record) -> None:
    """`synchronous=NORMAL` on connections to a tuned event log in WAL mode."""
    if not _TUNED or not isinstance(connection, sqlite3.Connection):
        return
    cursor = connection.cursor()
    try:
        files = {row[2] for row in cursor.execute("PRAGMA database_list")}
        if files & _TUNED and cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
