"""The code location loads, with one partition per configured comuna; `abierto ui`."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from pipelines import cli, instance
from pipelines.definitions import build_defs, defs


def test_definitions_load_with_every_dataset_chain_and_the_catalog():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    for slug in ("budgets", "contracts", "access_requests"):
        assert {f"ingest_{slug}", f"validate_{slug}", f"publish_{slug}"} <= keys
    assert "catalog" in keys
    assert defs.resolve_job_def("publish_catalog") is not None


def test_definitions_load_with_a_partition_per_comuna():
    repository = defs.get_repository_def()
    job = defs.resolve_job_def("publish_comuna")
    assert job.partitions_def.get_partition_keys() == ["99901"]
    assert {s.name for s in repository.schedule_defs} == {
        "monthly_publication",
        "daily_freshness",
    }
    assert {s.name for s in repository.sensor_defs} == {
        "landing_sensor",
        "catalog_sensor",
        "failure_alert",
    }
    assert repository.get_schedule_def("monthly_publication").execution_timezone == (
        "America/Santiago"
    )


def test_installation_file_sets_the_partitions(tmp_path):
    from datasets.samples.comunas import write_installation

    path = write_installation(tmp_path / "m.yaml", ["99901", "99902", "99903"])
    job = build_defs(path).resolve_job_def("publish_comuna")
    assert job.partitions_def.get_partition_keys() == ["99901", "99902", "99903"]


def test_ui_starts_dagster_dev_on_a_local_sqlite_home(tmp_path, monkeypatch):
    calls = []
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(
        instance,
        "supervise_dagster",
        lambda command, env, _home: calls.append((command, env)) or instance.Stopped(0),
    )
    result = CliRunner().invoke(cli.app, ["ui", "--home", str(tmp_path), "--port", "3001"])
    assert result.exit_code == 0, result.output
    ((command, env),) = calls
    assert command[1:4] == ["-m", "dagster", "dev"] and command[-2:] == ["-p", "3001"]
    assert env["ABIERTO_HOME"] == str(tmp_path)
    assert env["DAGSTER_HOME"] == str(tmp_path / "dagster")
    config = yaml.safe_load((tmp_path / "dagster" / "dagster.yaml").read_text())
    assert "storage" not in config  # Dagster's default: SQLite under DAGSTER_HOME
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
