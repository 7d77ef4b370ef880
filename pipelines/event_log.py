"""The local instance's event log and run storage: SQLite databases without a disk
flush per event or run update, through one engine that keeps its connections.

Dagster's `ConsolidatedSqliteEventLogStorage` builds a new SQLAlchemy engine and opens
a new connection for every use (about 200 a comuna × dataset run, four per event), and
commits each with SQLite's default `synchronous=FULL`, a flush of the write-ahead log to
disk; when the last open connection closes, SQLite checkpoints the log into the
database, another flush. On a shared disk a flush takes 1–10 ms, so with one run per
comuna × dataset most of a unit's time was spent waiting on the disk (benchmarks/README.md,
"Parallel units"); and a new engine starts with an empty cache of compiled statements,
so every insert was compiled again (about a third of a small unit's CPU time).

`LocalSqliteEventLogStorage` is that storage with one engine per process (`_Engine`),
whose pool keeps its SQLite connections open between uses, and SQLite's recommended
settings for a write-ahead log: commits use `synchronous=NORMAL` (a crash of the process
loses nothing; a power cut may lose the last events, never corrupts the database), and
as connections stay open, closing an event's does not checkpoint (SQLite checkpoints
the log every 1,000 pages instead). `LocalSqliteRunStorage` does the same for the run
storage (`runs.db`, also in WAL mode), written about five times a run (the run, its
snapshots, its status). Production set-ups use PostgreSQL (deploy/dagster.yaml).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator

import sqlalchemy as sa
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    SQLITE_EVENT_LOG_FILENAME,
)
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from sqlalchemy.engine import Connection, Engine


class _Engine:
    """One engine for a SQLite database, per process (a forked child makes its own
    rather than share its parent's connections), keeping up to `IDLE` connections open
    between uses; a use that finds none idle opens another, never waits. Its connections
    commit without a flush when the database is in WAL mode."""

    IDLE = 4

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine | None = None
        self.pid = 0

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed at the end (as Dagster's own)."""
        if self.engine is not None and self.pid != os.getpid():
            self.engine.dispose(close=False)  # the parent's connections stay the parent's
            self.engine = None
        if self.engine is None:
            self.engine = sa.create_engine(
                self.url,
                poolclass=sa.pool.QueuePool,
                pool_size=self.IDLE,
                max_overflow=-1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _no_flush_per_commit)
            self.pid = os.getpid()
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        """Close the connections (the last one closed checkpoints the log)."""
        if self.engine is not None and self.pid == os.getpid():
            self.engine.dispose()
        self.engine = None


def _no_flush_per_commit(connection: sqlite3.Connection, _record) -> None:
    """`synchronous=NORMAL` on a connection to a database in WAL mode."""
    cursor = connection.cursor()
    try:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class LocalSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """`ConsolidatedSqliteEventLogStorage` (configured the same way, by `base_dir`)
    through one engine (`_Engine`)."""

    def __init__(self, base_dir, inst_data=None):
        # before Dagster's constructor, which creates and indexes a new database with it
        self._engine = _Engine(create_db_conn_string(base_dir, SQLITE_EVENT_LOG_FILENAME))
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    def _connect(self):
        return self._engine.begin()

    def has_table(self, table_name: str) -> bool:
        """Whether the database has the table, asked once through the engine (Dagster
        asks before every asset check event, with a new engine each time): a table
        found stays, migrations only add tables."""
        if table_name not in self._tables:
            with self._engine.begin() as connection:
                if connection.dialect.has_table(connection, table_name):
                    self._tables.add(table_name)
        return table_name in self._tables

    def dispose(self) -> None:
        self._engine.dispose()
        super().dispose()


class LocalSqliteRunStorage(SqliteRunStorage):
    """`SqliteRunStorage` (configured the same way, by `base_dir`) through one engine
    (`_Engine`)."""

    def __init__(self, conn_string: str, inst_data=None) -> None:
        super().__init__(conn_string, inst_data)
        self._engine = _Engine(conn_string)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> LocalSqliteRunStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

    def connect(self) -> Iterator[Connection]:
        return self._engine.begin()

    def dispose(self) -> None:
        self._engine.dispose()
        super().dispose()
