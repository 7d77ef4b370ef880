"""The local instance's event log and run storage: SQLite databases without a disk
flush per event or run update.

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
does not checkpoint (SQLite checkpoints the log every 1,000 pages instead).
`LocalSqliteRunStorage` does the same for the run storage (`runs.db`, also in WAL
mode), written about five times a run (the run, its snapshots, its status). Production
set-ups use PostgreSQL (deploy/dagster.yaml).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.runs import SqliteRunStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine

_TUNED: set[str] = set()  # resolved paths of the event logs open in this process


class _Keeper:
    """Tunes the database at `path` (see `_no_flush_per_commit`) and holds one idle
    connection to it while the storage lives, so no close checkpoints it."""

    def __init__(self, path: str) -> None:
        path = str(Path(path).resolve())
        _TUNED.add(path)
        self.connection: sqlite3.Connection | None = sqlite3.connect(path)
        self.connection.execute("PRAGMA schema_version").fetchone()  # joins the readers

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class LocalSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """`ConsolidatedSqliteEventLogStorage` (configured the same way, by `base_dir`) with
    commits that do not flush and no checkpoint at every close."""

    def __init__(self, base_dir, inst_data=None):
        super().__init__(base_dir, inst_data)
        self._keeper = _Keeper(self.get_db_path())

    def dispose(self) -> None:
        self._keeper.close()
        super().dispose()


class LocalSqliteRunStorage(SqliteRunStorage):
    """`SqliteRunStorage` (configured the same way, by `base_dir`) with commits that do
    not flush and no checkpoint at every close."""

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> LocalSqliteRunStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

    @classmethod
    def from_local(cls, base_dir: str, inst_data=None) -> LocalSqliteRunStorage:
        storage = super().from_local(base_dir, inst_data)  # creates or migrates runs.db
        storage._keeper = _Keeper(str(Path(base_dir) / "runs.db"))
        return storage

    def dispose(self) -> None:
        keeper = getattr(self, "_keeper", None)
        if keeper is not None:
            keeper.close()
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
