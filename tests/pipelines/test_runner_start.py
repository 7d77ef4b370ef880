"""How `abierto run` starts its units: the heaviest first, and the fork server that
starts their children while the parent still imports and decides which units are
unchanged."""

from __future__ import annotations

import json
import sys

import pytest

from datasets.samples.comunas import seed_comuna, write_installation
from pipelines import cli, digests, prestart, runner
from pipelines.home import Home
from pipelines.isolation import StopRequest
from pipelines.resources import AbiertoResource


def test_units_start_heaviest_first_ties_in_configured_order(monkeypatch):
    seen = {}

    def isolated(self, where, units, timeout, weights=None):
        seen.update(where=where, units=[(u.partition, u.name) for u in units], weights=weights)
        return iter(())

    monkeypatch.setattr(runner._Runner, "_isolated", isolated)
    unit = runner._Runner(None, AbiertoResource(), None, None, True, StopRequest(), None, None)
    where = [("99901", "budgets"), ("99901", "contracts"), ("99902", "budgets"), ("99903", "x")]
    assert list(unit.units(where, [5, 900, 7, 5])) == []
    expected = [("99901", "contracts"), ("99902", "budgets"), ("99901", "budgets"), ("99903", "x")]
    assert seen["where"] == expected
    assert seen["units"] == expected  # each unit beside its own place
    assert seen["weights"] == [900, 7, 5, 5]


def test_a_units_weight_is_its_landed_bytes(tmp_path):
    home = Home(tmp_path / "abierto")
    seed_comuna(home.landing, "99901")
    files = home.landing_files("99901", "contracts")
    assert files and runner.landed_bytes(home, "99901", "contracts") == sum(
        f.stat().st_size for f in files
    )
    assert runner.landed_bytes(home, "99909", "contracts") == 0  # nothing landed


class _Decided(Exception):
    """Ends `run_all` once the units' inputs were looked at."""


def test_the_fork_server_starts_as_soon_as_a_unit_likely_runs(tmp_path, monkeypatch):
    """Isolated, `run_all` hands the pre-pass a hook that starts the fork server (once),
    called before the first unit that likely runs is hashed."""
    home = tmp_path / "abierto"
    seed_comuna(home / "landing", "99901")
    installation = write_installation(tmp_path / "municipalities.yaml", ["99901"])
    resource = AbiertoResource(
        home_dir=str(home), installation_file=str(installation), run_date="2026-11-02"
    )
    started = []
    monkeypatch.setattr(runner, "start_fork_server", started.append)

    def unchanged_units(_resource, _installation, units, *, on_run=None):
        assert started == []
        on_run()
        on_run()
        assert started == [runner.PRELOAD]  # once
        raise _Decided

    monkeypatch.setattr(runner.carry, "unchanged_units", unchanged_units)
    with pytest.raises(_Decided):
        runner.run_all(None, resource, isolate=True)


def test_work_is_likely_on_a_new_home_a_new_changed_or_removed_file(tmp_path):
    root = tmp_path / "abierto"
    seed_comuna(root / "landing", "99901")
    assert prestart.likely_work(root)  # no digest cache yet
    cache = root / "warehouse" / digests.FILE
    for folder in (root / "landing" / "99901").iterdir():  # as a passing run leaves them
        files = {p.name: digests.file_sha256(p, cache) for p in folder.iterdir()}
        attempt = root / "warehouse" / "comunas" / "99901" / folder.name / "attempt.json"
        attempt.parent.mkdir(parents=True)
        attempt.write_text(json.dumps({"blocked": [], "fingerprint": {"files": files}}))
    assert not prestart.likely_work(root)
    landed = sorted(p for p in (root / "landing").rglob("*") if p.is_file())
    landed[0].write_bytes(landed[0].read_bytes())  # rewritten, the same bytes
    assert prestart.likely_work(root)
    digests.file_sha256(landed[0], cache)
    assert not prestart.likely_work(root)
    (landed[0].parent / ".hidden").write_text("not an export", "utf-8")
    assert not prestart.likely_work(root)
    saved = landed[-1].read_bytes()
    landed[-1].unlink()  # a month less
    assert prestart.likely_work(root)
    landed[-1].write_bytes(saved)
    digests.file_sha256(landed[-1], cache)
    assert not prestart.likely_work(root)
    attempt.write_text(json.dumps({"blocked": ["timeout"], "fingerprint": None}))
    assert prestart.likely_work(root)  # its last attempt failed: it runs again


@pytest.mark.parametrize(
    ("argv", "likely", "started"),
    [
        (["run"], True, True),
        (["run", "--home", "{root}"], True, True),
        (["run", "--home={root}"], False, False),
        (["verify"], True, False),
    ],
)
def test_the_command_starts_the_fork_server_before_the_cli_only_for_a_run_with_work(
    tmp_path, monkeypatch, argv, likely, started
):
    root = tmp_path / "abierto"
    monkeypatch.setenv("ABIERTO_HOME", str(tmp_path / "elsewhere"))
    homes, calls = [], []
    monkeypatch.setattr(prestart, "likely_work", lambda home: homes.append(home) or likely)
    monkeypatch.setattr(prestart, "start_fork_server", lambda preload: calls.append("server"))
    monkeypatch.setattr(cli, "app", lambda: calls.append("cli"))
    monkeypatch.setattr(sys, "argv", ["abierto", *(a.format(root=root) for a in argv)])
    prestart.main()
    assert calls == (["server", "cli"] if started else ["cli"])
    if argv[0] == "run":
        assert homes == [root if len(argv) > 1 else tmp_path / "elsewhere"]
