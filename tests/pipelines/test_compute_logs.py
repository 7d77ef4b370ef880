"""The local instance captures each run's stdout and stderr to files, as the UI reads
them, without starting a process to mirror them to the terminal."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg

from pipelines.compute_logs import FileComputeLogManager
from pipelines.instance import ensure_dagster_home
from tests.pipelines.instances import persistent


@dg.asset
def talkative() -> int:
    print("línea en stdout / a line on stdout")
    print("línea en stderr / a line on stderr", file=sys.stderr)
    return 1


JOB = dg.Definitions(assets=[talkative], jobs=[dg.define_asset_job("talk")]).resolve_job_def("talk")


def test_step_output_is_captured_without_a_mirror_process(tmp_path, monkeypatch):
    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    home = ensure_dagster_home(tmp_path / "dagster")
    with persistent(home) as instance:
        manager = instance.compute_log_manager
        assert isinstance(manager, FileComputeLogManager)
        monkeypatch.setattr(subprocess, "Popen", no_process)
        result = JOB.execute_in_process(instance=instance)
        monkeypatch.undo()
        assert result.success
        [captured] = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.LOGS_CAPTURED)
        file_key = captured.dagster_event.logs_captured_data.file_key
        log_key = manager.build_log_key_for_run(result.run_id, file_key)
        data = manager.get_log_data(log_key)
        assert manager.is_capture_complete(log_key)
    assert "a line on stdout" in data.stdout.decode("utf-8")
    assert "a line on stderr" in data.stderr.decode("utf-8")
    assert "a line on stdout" not in data.stderr.decode("utf-8")
