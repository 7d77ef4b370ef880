"""What a run carries without running: the digest cache of landed files, and what the
catalog's skip depends on (`pipelines.carry`, `pipelines.digests`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pandas as pd
import pytest

from datasets.hashing import sha256_file
from datasets.municipalities import load_installation
from datasets.samples.comunas import write_installation
from pipelines import carry, digests, freshness, steps, warehouse
from pipelines.home import Home

CUTS = ["99901", "99902"]


def test_the_cache_reads_an_unchanged_file_once(tmp_path, monkeypatch):
    cache, landed = tmp_path / digests.FILE, tmp_path / "export.csv"
    landed.write_bytes(b"a;b\n1;2\n")
    hashed = []
    monkeypatch.setattr(digests, "sha256_file", lambda p: hashed.append(p) or sha256_file(p))
    first = digests.file_sha256(landed, cache)
    assert digests.file_sha256(landed, cache) == first == sha256_file(landed)
    assert hashed == [landed]


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["new-mtime", "mtime-put-back"])
def test_a_same_size_rewrite_is_hashed_again(tmp_path, keep_mtime):
    """The same number of bytes, different content: a new modification time, or the old
    one put back (`touch -r`, `cp -p`), still moves the change time: hashed again."""
    cache, landed = tmp_path / digests.FILE, tmp_path / "export.csv"
    landed.write_bytes(b"monto;1000\n")
    before = digests.file_sha256(landed, cache)
    info = landed.stat()
    landed.write_bytes(b"monto;9000\n")
    if keep_mtime:
        os.utime(landed, ns=(info.st_atime_ns, info.st_mtime_ns))
    else:
        os.utime(landed, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert landed.stat().st_size == info.st_size
    after = digests.file_sha256(landed, cache)
    assert after != before
    assert after == hashlib.sha256(b"monto;9000\n").hexdigest()


def test_a_file_name_that_is_not_utf8_is_hashed_and_cached(tmp_path, monkeypatch):
    """Landed names are bytes on Linux: a Latin-1 name (`presupuesto_año.csv` from a
    Windows share) is cached like any other, the second read served from the cache."""
    cache = tmp_path / digests.FILE
    landed = tmp_path / os.fsdecode(b"presupuesto_a\xf1o.csv")
    landed.write_bytes(b"monto;1000\n")
    assert digests.file_sha256(landed, cache) == hashlib.sha256(b"monto;1000\n").hexdigest()
    monkeypatch.setattr(digests, "sha256_file", lambda path: pytest.fail("read again"))
    assert digests.file_sha256(landed, cache) == hashlib.sha256(b"monto;1000\n").hexdigest()


def test_a_damaged_cache_only_costs_a_rehash(tmp_path):
    cache, landed = tmp_path / "other" / digests.FILE, tmp_path / "export.csv"
    cache.parent.mkdir()
    cache.write_bytes(b"not a database" * 100)
    landed.write_bytes(b"x;y\n")
    assert digests.file_sha256(landed, cache) == sha256_file(landed)


@pytest.fixture
def installed(tmp_path):
    home = Home(tmp_path / "abierto")
    path = write_installation(tmp_path / "municipalities.yaml", CUTS)
    return home, path


def test_catalog_inputs_follow_the_run_date_only_where_the_data_depends_on_it(installed):
    home, path = installed
    day, next_day = dt.date(2026, 11, 2), dt.date(2026, 11, 3)
    installation = load_installation(path)  # access requests: deadlines "as of" the run
    assert carry.catalog_inputs(home, installation, day) != carry.catalog_inputs(
        home, installation, next_day
    )
    text = path.read_text("utf-8").replace("  - access_requests\n", "")
    path.write_text(text, "utf-8")
    undated = load_installation(path)
    assert carry.catalog_inputs(home, undated, day) == carry.catalog_inputs(home, undated, next_day)
    assert carry.catalog_inputs(home, undated, day) != carry.catalog_inputs(home, installation, day)


def test_catalog_inputs_change_with_a_comuna_part_and_the_canaries(installed):
    home, path = installed
    installation, day = load_installation(path), dt.date(2026, 11, 2)
    before = carry.catalog_inputs(home, installation, day)
    target = warehouse.folder(home, "99902", "budgets")
    target.mkdir(parents=True)
    (target / "current.json").write_text('{"part": "abc", "published_on": "2026-11-01"}')
    (target / "attempt.json").write_text('{"run_date": "2026-11-01", "blocked": []}')
    with_part = carry.catalog_inputs(home, installation, day)
    assert with_part != before
    (home.root / "canaries.txt").write_text("Juana Canario\n", "utf-8")
    assert carry.catalog_inputs(home, installation, day) != with_part


def test_no_release_to_keep_without_a_record_of_what_made_it(installed):
    home, path = installed
    inputs = carry.catalog_inputs(home, load_installation(path), dt.date(2026, 11, 2))
    assert carry.served_release(home, inputs) is None
    warehouse.write_state(
        home, carry.CATALOG_STATE, {"inputs": inputs, "release_id": "2026-11-02", "fingerprint": ""}
    )
    assert carry.served_release(home, inputs) is None  # no such release in the archive


def test_a_carried_unit_is_rewritten_only_when_its_record_changes(installed):
    """Carrying records the part as passing on the run date, keeping the date its data
    were published (freshness follows the data); a second run on the same date writes
    nothing (at 346 comunas, 2,000 renames), a run on a new date does."""
    home, _ = installed
    target = warehouse.folder(home, "99902", "budgets")
    target.mkdir(parents=True)
    (target / "current.json").write_text('{"part": "abc", "published_on": "2026-11-01"}')
    (target / "attempt.json").write_text(
        '{"run_date": "2026-11-01", "blocked": [], "fingerprint": {"code": "x"}}'
    )
    warehouse.record_carried(home, "99902", "budgets", dt.date(2026, 11, 2))
    state = warehouse.status(home, "99902", "budgets")
    assert (state.status, state.published_on, state.attempted_on) == (
        "published",
        "2026-11-01",
        "2026-11-02",
    )
    names = ("current.json", "attempt.json")
    for name in names:
        os.utime(target / name, ns=(0, 0))  # a rewrite would give them the time of now
    warehouse.record_carried(home, "99902", "budgets", dt.date(2026, 11, 2))
    assert [(target / n).stat().st_mtime_ns for n in names] == [0, 0]
    warehouse.record_carried(home, "99902", "budgets", dt.date(2026, 11, 3))
    state = warehouse.status(home, "99902", "budgets")
    assert (state.published_on, state.attempted_on) == ("2026-11-01", "2026-11-03")
    assert all((target / n).stat().st_mtime_ns > 0 for n in names)


def test_the_same_data_published_again_keeps_its_publication_date(installed):
    """A comuna that lands nothing new goes stale after its cadence, however often the
    pipeline runs: a carried unit, or a re-run making the very same part (after a code
    upgrade), keeps the date its data were published; new data take the run's date."""
    home, path = installed
    frame = pd.DataFrame({"a": ["x"]})
    prepared = steps.PreparedDataset("budgets", {"t": frame}, {}, {}, set(), [], [])
    october = dt.date(2026, 10, 1)
    warehouse.record(home, "99901", prepared, october)
    warehouse.record_carried(home, "99901", "budgets", dt.date(2026, 10, 20))
    warehouse.record(home, "99901", prepared, dt.date(2026, 11, 16))  # same part, re-run
    state = warehouse.status(home, "99901", "budgets")
    assert (state.published_on, state.attempted_on) == ("2026-10-01", "2026-11-16")
    rows = freshness.freshness(home, load_installation(path), "budgets", dt.date(2026, 11, 16))
    assert [(r["comuna_code"], r["age_days"], r["is_stale"]) for r in rows][0] == (
        "99901",
        46,
        True,
    )

    changed = steps.PreparedDataset("budgets", {"t": frame.assign(a="y")}, {}, {}, set(), [], [])
    warehouse.record(home, "99901", changed, dt.date(2026, 11, 17))
    assert warehouse.status(home, "99901", "budgets").published_on == "2026-11-17"
