"""The local instance's event log and run storage commit without a disk flush per event
and without a checkpoint per connection closed, keep their connections open between
uses, and keep every event and run."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from pipelines.event_log import LocalSqliteEventLogStorage, LocalSqliteRunStorage
from pipelines.instance import ensure_dagster_home
from tests.pipelines.instances import persistent


@dg.asset
def counted() -> int:
    return 1


@dg.asset
def doubled(counted: int) -> int:
    return counted * 2


JOB = dg.Definitions(
    assets=[counted, doubled], jobs=[dg.define_asset_job("counting")]
).resolve_job_def("counting")


def _settings(storage: LocalSqliteEventLogStorage) -> tuple[int, str]:
    with storage.index_connection() as connection:
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    return synchronous, journal


def test_events_commit_without_a_flush_and_the_log_is_not_checkpointed_at_each_close(
    tmp_path,
):
    home = ensure_dagster_home(tmp_path / "dagster")
    with persistent(home) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, LocalSqliteEventLogStorage)
        assert _settings(storage) == (1, "wal")  # NORMAL; Dagster's default is FULL (2)
        runs = instance.run_storage
        assert isinstance(runs, LocalSqliteRunStorage)
        with runs.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        result = JOB.execute_in_process(instance=instance)
        assert result.success
        # every event's and run update's connection closed, yet neither log was folded
        # into its database and deleted, as it is when the last connection closes
        for database in (storage.get_db_path(), str(home / "history" / "runs.db")):
            wal = Path(database + "-wal")
            assert wal.exists() and wal.stat().st_size > 0
        run_id = result.run_id
    # another process reads every event back
    with persistent(home) as instance:
        events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        assert sorted(e.dagster_event.asset_key.path[0] for e in events) == ["counted", "doubled"]
        assert instance.get_run_by_id(run_id).is_success


def test_other_sqlite_databases_keep_their_settings(tmp_path):
    home = ensure_dagster_home(tmp_path / "dagster")
    with persistent(home) as instance:
        instance.event_log_storage  # noqa: B018 (loads the tuned storage)
        other = tmp_path / "other.db"
        with sqlite3.connect(other) as plain:
            plain.execute("PRAGMA journal_mode=WAL")
        engine = sa.create_engine(f"sqlite:///{other}", poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def _connections_opened(run) -> int:
    """SQLite connections opened (by any engine) while `run()` runs."""
    opened = []
    listener = lambda _connection, _record: opened.append(1)  # noqa: E731
    sa.event.listen(sa.engine.Engine, "connect", listener)
    try:
        run()
    finally:
        sa.event.remove(sa.engine.Engine, "connect", listener)
    return len(opened)


def test_a_run_reuses_the_storages_connections(tmp_path):
    """Dagster's storages open a new engine and connection per use, about 50 for this
    two-asset run; ours open none once their pools hold a few."""
    home = ensure_dagster_home(tmp_path / "dagster")
    with persistent(home) as instance:
        assert JOB.execute_in_process(instance=instance).success  # pools filled
        opened = _connections_opened(lambda: JOB.execute_in_process(instance=instance))
        assert opened <= 2
        events = instance.all_logs(instance.get_runs(limit=1)[0].run_id)
        assert len(events) > 20  # every event of the second run was written


def test_a_forked_child_opens_its_own_connections(tmp_path):
    """A child forked while its parent's pools hold connections writes through its own
    engines, and the parent goes on with its own afterwards."""
    home = ensure_dagster_home(tmp_path / "dagster")
    with persistent(home) as instance:
        JOB.execute_in_process(instance=instance)
        context = multiprocessing.get_context("fork")
        queue = context.Queue()

        def child() -> None:  # the parent's instance, inherited
            run_id = JOB.execute_in_process(instance=instance).run_id
            storages = (instance.event_log_storage, instance.run_storage)
            queue.put((run_id, [s._engine.pid == os.getpid() for s in storages]))

        process = context.Process(target=child)
        process.start()
        child_run, own_engines = queue.get(timeout=60)
        process.join(60)
        assert process.exitcode == 0
        assert own_engines == [True, True]
        assert instance.get_run_by_id(child_run).is_success
        assert JOB.execute_in_process(instance=instance).success
        assert len(instance.get_runs()) == 3
