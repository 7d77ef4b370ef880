"""`abierto run`'s report, exit codes and limits, and the child-process supervision,
without running the pipeline (fast)."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from rich.console import Console

from datasets.errors import AbiertoError
from pipelines import automation, isolation, limits, run_report
from pipelines.home import Home
from pipelines.instance import LOCAL_INSTANCE, ensure_dagster_home
from pipelines.isolation import StopRequest, run_in_child
from pipelines.runner import Problem, RunAll, UnitReport
from tests.pipelines.stuck import ignore_interrupts_forever

ROOT = Path(__file__).resolve().parents[2]
STATE = {
    "release_id": "2026-11-02.2",
    "datasets": {
        slug: {
            "release_id": "2026-11-02.2" if slug != "budgets" else "2026-10-05",
            "summary": {
                "rows_in": 12_345_678,
                "rows_published": 12_000_000,
                "rows_quarantined": 345_678,
                "rows_held": 1_234,
                "rows_excluded": 99_999,
            },
        }
        for slug in ("access_requests", "budgets", "contracts")
    },
}
HEADER_WORDS = "dataset release entran in publicadas published cuarentena quarantined "
HEADER_WORDS += "retenidas held excluidas excluded"


def test_the_release_table_fits_80_columns_without_cutting_a_word():
    console = Console(width=80, record=True, color_system=None)
    console.print(run_report.release_table(STATE))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    assert "…" not in text
    words = text.replace("(", " ").replace(")", " ").split()
    for word in HEADER_WORDS.split():
        assert word in words, word
    assert "12345678" in words and "2026-10-05" in words and "access_requests" in words


def outcome(**fields) -> RunAll:
    base = RunAll(units=[("99901", "budgets"), ("99901", "contracts")], catalog_ok=True)
    base.ended = {unit: "published" for unit in base.units}
    for name, value in fields.items():
        setattr(base, name, value)
    return base


NO_DATA = {"type": "no-data", "es": "no hay datos", "en": "no data"}
REJECTED = {"type": "rejected-file", "es": "archivo rechazado: x", "en": "rejected file: x"}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, 0),
        ({"blocked": {("99901", "budgets"): [NO_DATA]}}, 0),
        ({"blocked": {("99901", "budgets"): [REJECTED]}}, 1),
        ({"problems": [Problem("99901", "budgets", "timeout", "es", "en")]}, 1),
        ({"catalog_ok": False}, 1),
        ({"stopped_by": signal.SIGINT}, 130),
        ({"stopped_by": signal.SIGTERM, "problems": [Problem(None, None, "x", "", "")]}, 143),
    ],
)
def test_exit_codes(fields, code):
    assert run_report.exit_code(outcome(**fields)) == code


def test_one_line_per_problem_in_both_languages_and_markup_is_not_interpreted(tmp_path):
    console = Console(width=200, record=True, color_system=None)
    result = outcome(
        problems=[Problem("99902", "contracts", "failed", "falló [bold]x[/bold]", "failed [x]")],
        blocked={("99901", "budgets"): [REJECTED]},
    )
    assert run_report.report(console, Home(tmp_path), result) == 1
    lines = console.export_text().splitlines()
    assert "✗ contracts 99902: falló [bold]x[/bold] / failed [x]" in lines
    assert "budgets 99901 bloqueado / blocked: archivo rechazado: x / rejected file: x" in lines


def test_scoped_failures_the_catalog_reports_become_problems():
    result = RunAll(units=[("99901", "contracts")])
    failure = {
        "comuna_code": "99901",
        "dataset": "contracts",
        "type": "personal-data-found",
        "es": "datos personales en un archivo público",
        "en": "personal data in a public file",
    }
    result.add_catalog(UnitReport(True, "run", metadata={"failures": [failure]}))
    assert result.catalog_ok
    assert result.problems == [
        Problem("99901", "contracts", "personal-data-found", failure["es"], failure["en"])
    ]
    assert result.comunas_failed == ["99901"] and not result.success


def test_the_stop_line_says_what_was_done_and_what_was_not():
    result = outcome(stopped_by=signal.SIGTERM, catalog_ok=False)
    result.units.append(("99902", "budgets"))
    result.ended = {("99901", "budgets"): "published"}
    result.interrupted = [("99901", "contracts")]
    line = run_report.stop_line(result, {"release_id": "2026-11-02"})
    assert line == (
        "Detenido por SIGTERM: 1 de 3 unidades terminadas; interrumpida: contracts 99901; "
        "1 sin empezar; catálogo sin publicar; se sirve la publicación 2026-11-02 / "
        "stopped by SIGTERM: 1 of 3 units done; interrupted: contracts 99901; 1 not started; "
        "catalog not released; serving release 2026-11-02"
    )
    result.ended = {}
    result.interrupted = [("99901", "budgets"), ("99902", "budgets")]  # two workers
    line = run_report.stop_line(result, None)
    assert line.startswith(
        "Detenido por SIGTERM: 0 de 3 unidades terminadas; interrumpidas: budgets 99901, "
        "budgets 99902; 1 sin empezar; catálogo sin publicar"
    ), line
    assert "interrupted: budgets 99901, budgets 99902; 1 not started;" in line


def test_workers_default_to_the_cpus_memory_permitting_or_what_abierto_workers_says(
    monkeypatch,
):
    monkeypatch.delenv("ABIERTO_WORKERS", raising=False)
    monkeypatch.setattr(limits.os, "sched_getaffinity", lambda _pid: set(range(16)))
    monkeypatch.setattr(limits, "_available_memory", lambda: 20 << 30)
    assert limits.workers() == limits.MAX_WORKERS  # 16 CPUs, capped
    monkeypatch.setattr(limits, "_available_memory", lambda: 3 << 30)
    assert limits.workers() == 3  # one per GiB available
    monkeypatch.setattr(limits, "_available_memory", lambda: 1 << 29)
    assert limits.workers() == 1  # never fewer than one
    monkeypatch.setenv("ABIERTO_WORKERS", "12")
    assert limits.workers() == 12
    monkeypatch.setenv("ABIERTO_WORKERS", "0")
    with pytest.raises(AbiertoError, match="ABIERTO_WORKERS"):
        limits.workers()


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1.5"])
def test_a_bad_time_limit_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("ABIERTO_UNIT_TIMEOUT", value)
    with pytest.raises(AbiertoError, match="ABIERTO_UNIT_TIMEOUT"):
        limits.unit_timeout()


def test_time_limits_reach_dagster_run_monitoring(monkeypatch, tmp_path):
    monkeypatch.setenv("ABIERTO_UNIT_TIMEOUT", "600")
    assert automation._tags("13122", "budgets", "contracts")[automation.MAX_RUNTIME] == "1200"
    assert automation._tags("13122", "budgets")["abierto/dataset"] == "budgets"
    with dg.DagsterInstance.from_config(str(ensure_dagster_home(tmp_path))) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_runtime_seconds == 7200
        # one event-log database for all runs, inside the instance's folder
        events = instance.event_log_storage
        assert type(events).__name__ == "LocalSqliteEventLogStorage"
        assert Path(events.get_db_path()).is_relative_to(tmp_path.resolve())
    written = LOCAL_INSTANCE.read_text().replace("${DAGSTER_HOME}", str(tmp_path.resolve()))
    assert (tmp_path / "dagster.yaml").read_text() == written


def test_a_child_stuck_past_its_limit_is_killed(monkeypatch):
    monkeypatch.setattr(isolation, "GRACE_SECONDS", 0.5)
    started = time.monotonic()
    finished = run_in_child(ignore_interrupts_forever, timeout=1, stop=StopRequest())
    assert (finished.ending, finished.value, finished.killed) == ("timeout", None, True)
    assert time.monotonic() - started < 5


def test_a_stop_request_interrupts_a_child_and_answers_come_back():
    stop = StopRequest()
    ticks = []

    def tick():
        ticks.append(1)
        if len(ticks) == 3:
            stop.request(signal.SIGINT)

    sleep = functools.partial(time.sleep, 3600)
    finished = run_in_child(sleep, timeout=None, stop=stop, on_tick=tick)
    assert (finished.ending, finished.killed) == ("stopped", False)  # SIGINT was enough
    assert stop.exit_code == 130
    answer = run_in_child(functools.partial(dict, rows=3), timeout=5, stop=StopRequest())
    assert answer.value == {"rows": 3}
    crash = functools.partial(os._exit, 3)
    assert run_in_child(crash, timeout=5, stop=StopRequest()).ending == "crashed"


def test_serve_stops_cleanly_on_sigterm(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>hola</p>")
    process = subprocess.Popen(
        [sys.executable, "-c", "from pipelines.cli import app; app(prog_name='abierto')"]
        + ["serve", "--home", str(tmp_path), "--port", "0"],
        cwd=ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert "http://127.0.0.1" in process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert "Servidor detenido / server stopped" in output


def test_progress_is_a_bar_on_a_terminal_and_one_line_per_unit_otherwise():
    from io import StringIO

    from pipelines.runner import Progress

    steps = [
        Progress(4, 0, ("99901", "budgets"), "", None, started=1, running=1),
        Progress(4, 0, ("99901", "budgets"), "validate", 1_234_567, started=1, running=1),
        # two units at once: the one started last is shown, with the count of the others
        Progress(4, 0, ("99902", "budgets"), "", None, started=2, running=2),
        Progress(4, 1, ("99902", "budgets"), "ingest", None, started=2, running=1),
        Progress(4, 1, ("99901", "contracts"), "", None, started=3, running=2),
        Progress(4, 3, ("", "catalog"), "catalog", None, started=4, running=1),
        Progress(4, 4, ("", "catalog"), "catalog", None, started=4, running=0),
    ]
    plain = Console(file=StringIO(), width=80, color_system=None)
    with run_report.RunDisplay(plain) as display:
        for step in steps:
            display.update(step)
    assert plain.file.getvalue().splitlines() == [
        "[1/4] budgets 99901",
        "[2/4] budgets 99902",
        "[3/4] contracts 99901",
        "[4/4] catálogo/catalog",
    ]
    terminal = Console(file=StringIO(), width=80, force_terminal=True, color_system=None)
    with run_report.RunDisplay(terminal) as display:
        display.update(steps[1])
        assert display.bar is not None
        [task] = display.bar.tasks
        assert task.description == "budgets 99901 · validate · 1.234.567 filas/rows"
        assert (task.completed, task.total) == (0, 4)
        display.update(steps[4])
        assert task.description == "contracts 99901 (+1 más/more)"
        display.update(steps[-1])
        assert task.completed == 4
