"""Warehouse parts in Parquet: national tables assembled by DuckDB equal the pandas
concatenation they replace; unchanged inputs carry a unit's outcome, changed ones run it."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import pickle
import shutil
import time

import dagster as dg
import pandas as pd
import pytest

from datasets.descriptor import SLUGS, descriptor_path
from datasets.municipalities import installation_path, load_installation
from datasets.samples.comunas import seed_comuna, write_installation
from pipelines import carry, digests, parts, steps, warehouse
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from publish.catalog import build_package
from quality.rules.base import merge_reports
from tests.conftest import RUN_DATE

CUTS = ["99901", "99902", "99903"]
AS_OF = dt.date.fromisoformat(RUN_DATE)
BUDGET_FILE = "ejecucion_presupuestaria_2026-10.csv"


def pandas_concat(slug: str, prepared: list[steps.PreparedDataset]) -> steps.PreparedDataset:
    """What the warehouse did before parts were Parquet: pandas concatenation."""

    def concat(attribute: str) -> dict[str, pd.DataFrame]:
        return {
            t: pd.concat([getattr(p, attribute)[t] for p in prepared], ignore_index=True)
            for t in getattr(prepared[0], attribute)
        }

    return steps.PreparedDataset(
        slug,
        concat("tables"),
        concat("held"),
        concat("quarantined"),
        set().union(*(p.dropped_values for p in prepared)),
        [s for p in prepared for s in p.sources],
        [],
        merge_reports([p.quality for p in prepared]),
        [n for p in prepared for n in p.notes],
    )


def prepare(home: Home, installation, slug: str, cut: str) -> steps.PreparedDataset:
    ingested = steps.ingest(home, installation, slug, comuna=cut)
    validated = steps.validate(ingested, installation, home.quarantine / cut)
    return steps.prepare(
        validated, installation, as_of=AS_OF, home=home, quarantine_dir=home.quarantine / cut
    )


def assert_same(combined: steps.PreparedDataset, expected: steps.PreparedDataset) -> None:
    for kind in parts.KINDS:
        got, want = getattr(combined, kind), getattr(expected, kind)
        assert list(got) == list(want)
        for table in want:
            assert list(got[table].columns) == list(want[table].columns), (kind, table)
            assert got[table].dtypes.to_dict() == want[table].dtypes.to_dict(), (kind, table)
            pd.testing.assert_frame_equal(got[table], want[table], check_dtype=True)
    assert combined.dropped_values == expected.dropped_values
    assert combined.sources == expected.sources
    assert combined.notes == expected.notes
    assert combined.quality.findings == expected.quality.findings


@pytest.mark.parametrize("slug", SLUGS)
def test_demo_table_assembled_by_duckdb_equals_the_pandas_concat(demo_home, tmp_path, slug):
    installation = load_installation(installation_path())
    prepared = [prepare(demo_home, installation, slug, m.cut) for m in installation.municipalities]
    stored = [parts.write_part(tmp_path / "parts", p, []) for p in prepared]
    assert_same(parts.combine(slug, stored), pandas_concat(slug, prepared))


@pytest.mark.parametrize("slug", SLUGS)
def test_national_table_of_three_comunas_equals_the_pandas_concat(tmp_path, slug):
    home = Home(tmp_path / "abierto")
    for cut in CUTS:
        seed_comuna(home.landing, cut)
    # one comuna's export loses its last line: parts of different sizes
    landed = home.landing / "99902" / "budgets" / BUDGET_FILE
    landed.write_bytes(landed.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")
    installation = load_installation(write_installation(tmp_path / "m.yaml", CUTS))
    prepared = [prepare(home, installation, slug, cut) for cut in CUTS]
    stored = [
        parts.write_part(tmp_path / f"parts-{cut}", p, [])
        for cut, p in zip(CUTS, prepared, strict=True)
    ]
    combined = parts.combine(slug, stored)
    assert_same(combined, pandas_concat(slug, prepared))
    codes = [c for t in combined.tables.values() if "comuna_code" in t for c in t["comuna_code"]]
    assert set(codes) == set(CUTS)  # rows of every comuna, in comuna order
    assert codes == sorted(codes, key=CUTS.index)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_package_written_from_the_arrow_tables_has_the_bytes_of_the_pandas_one(tmp_path, slug):
    """The catalog writes packages from the Arrow tables DuckDB assembles (no pandas round
    trip): every file and the catalog summary are those the decoded frames give."""
    home = Home(tmp_path / "abierto")
    for cut in CUTS:
        seed_comuna(home.landing, cut)
    installation_file = write_installation(tmp_path / "m.yaml", CUTS)
    installation = load_installation(installation_file)
    stored = [
        parts.write_part(tmp_path / f"parts-{cut}", prepare(home, installation, slug, cut), [])
        for cut in CUTS
    ]
    built = {}
    for arrow in (False, True):
        combined = parts.combine(slug, stored, arrow=arrow)
        kinds = {type(t).__name__ for t in combined.tables.values()}
        assert kinds == {"Table" if arrow else "DataFrame"}
        built[arrow] = build_package(
            combined, installation, tmp_path / f"{slug}-{arrow}", release_id="r", generated_on=AS_OF
        )
    files = sorted(p.name for p in built[False].folder.iterdir())
    assert files == sorted(p.name for p in built[True].folder.iterdir())
    for name in files:
        assert (built[True].folder / name).read_bytes() == (built[False].folder / name).read_bytes()
    assert built[True].summary == built[False].summary
    assert built[True].summary["rows_published"] > 0


@pytest.mark.parametrize("slug", SLUGS)
def test_a_part_stored_as_combined_is_read_as_duckdb_would_give_it(
    demo_home, tmp_path, monkeypatch, slug
):
    """Parts whose columns are stored in their combined types are read by Arrow as they
    are: every table (schema, values, order) equals the one DuckDB's CAST gives."""
    installation = load_installation(installation_path())
    prepared = [prepare(demo_home, installation, slug, m.cut) for m in installation.municipalities]
    stored = [parts.write_part(tmp_path / "parts", p, []) for p in prepared]
    read = []
    monkeypatch.setattr(parts, "_read_stored", _counted(parts._read_stored, read))
    fast = parts.combine(slug, stored, arrow=True)
    assert read  # the demo's published tables take the direct read
    monkeypatch.setattr(parts, "_stored_as_combined", lambda layout, target: False)
    slow = parts.combine(slug, stored, arrow=True)
    for table, expected in slow.tables.items():
        assert fast.tables[table].equals(expected, check_metadata=True)
    for kind in ("held", "quarantined"):
        for table, expected in getattr(slow, kind).items():
            pd.testing.assert_frame_equal(getattr(fast, kind)[table], expected)


def test_every_type_duckdb_gives_back_is_read_directly_and_others_through_duckdb(
    tmp_path, monkeypatch
):
    """Narrow integers, floats, booleans, dates, timestamps and a column with no value in
    one part are read as stored; a type DuckDB would change (a zoned timestamp, read as
    text) goes through its CAST. Either way the table is the one the CAST gives."""
    frame = pd.DataFrame(
        {
            "small": pd.Series([1, 2], dtype="int8"),
            "mid": pd.Series([1, 2], dtype="int16"),
            "wide": pd.Series([1, 2], dtype="int32"),
            "ratio": pd.Series([0.5, 1.5], dtype="float32"),
            "flag": pd.array([True, None], dtype="boolean"),
            "at": pd.Series(pd.to_datetime(["2026-01-01 10:00", None])),
            "day": pd.Series([dt.date(2026, 1, 31), None], dtype=object),
            "note": pd.Series(["texto", None], dtype=object),
        }
    )
    empty_note = frame.assign(note=pd.Series([None, None], dtype=object))
    zoned = frame.assign(at=frame["at"].dt.tz_localize("UTC"))
    for name, frames, direct in [("plain", [frame, empty_note], 2), ("zoned", [zoned], 0)]:
        prepared = [
            steps.PreparedDataset("budgets", {"t": f}, {"t": f}, {"t": f}, set(), [], [])
            for f in frames
        ]
        stored = [parts.write_part(tmp_path / name, p, []) for p in prepared]
        read = []
        monkeypatch.setattr(parts, "_read_stored", _counted(parts._read_stored, read))
        fast = parts.combine("budgets", stored, arrow=True).tables["t"]
        with monkeypatch.context() as patched:
            patched.setattr(parts, "_stored_as_combined", lambda layout, target: False)
            slow = parts.combine("budgets", stored, arrow=True).tables["t"]
        monkeypatch.undo()
        assert sum(path.name.startswith("tables.") for path, *_ in read) == direct
        assert fast.equals(slow, check_metadata=True)
        assert fast.num_rows == 2 * len(frames)
    assert fast.column("at").type == "string"  # zoned: DuckDB's text


def _counted(function, calls: list):
    def counted(*args):
        calls.append(args)
        return function(*args)

    return counted


def test_columns_keep_their_types_across_parts(tmp_path):
    """Nullable integers, NaN, dates, datetimes, JSON errors, a column a part lacks and a
    column with no value in one part: as pandas would concatenate them."""
    first = pd.DataFrame(
        {
            "id": pd.array([1, None], dtype="Int64"),
            "amount": [1.5, float("nan")],
            "flag": [True, False],
            "day": pd.Series([dt.date(2026, 1, 31), None], dtype=object),
            "at": pd.Series([dt.datetime(2026, 1, 1, 12), None], dtype=object),
            "_errors": pd.Series([[{"type": "type-error", "fieldName": "x"}], []], dtype=object),
            "count": [3, 4],
            "note": pd.Series([None, None], dtype=object),
        }
    )
    second = pd.DataFrame(
        {
            "id": pd.array([7], dtype="Int64"),
            "amount": [2.25],
            "flag": [True],
            "day": pd.Series([None], dtype=object),
            "at": pd.Series([None], dtype=object),
            "_errors": pd.Series([[{"type": "x", "rowNumber": 3}]], dtype=object),
            "note": pd.Series(["texto"], dtype=object),
        }
    )
    prepared = [
        steps.PreparedDataset("budgets", {"t": frame}, {"t": frame}, {"t": frame}, set(), [], [])
        for frame in (first, second)
    ]
    stored = [parts.write_part(tmp_path / str(i), p, []) for i, p in enumerate(prepared)]
    combined = parts.combine("budgets", stored).tables["t"]
    expected = pd.concat([first, second], ignore_index=True)
    assert combined.dtypes.to_dict() == expected.dtypes.to_dict()
    pd.testing.assert_frame_equal(combined, expected)
    assert combined["_errors"][2] == [{"type": "x", "rowNumber": 3}]
    assert combined["day"][0] == dt.date(2026, 1, 31)


def test_parts_of_interleaved_layouts_keep_the_part_order(tmp_path):
    """Parts of one layout are read by one DuckDB scan: rows still come in part order,
    then file order, when parts of another layout sit between them."""
    frames = [
        pd.DataFrame({"code": ["a1", "a2"], "note": ["x", "y"]}),
        pd.DataFrame({"code": ["b1"], "note": pd.Series([None], dtype=object)}),
        pd.DataFrame({"code": ["c1", "c2", "c3"], "note": ["z", "w", "v"]}),
        pd.DataFrame({"code": ["d1"]}),
        pd.DataFrame({"code": ["e1"], "note": ["u"]}),
    ]
    stored = [
        parts.write_part(
            tmp_path / str(i), steps.PreparedDataset("budgets", {"t": f}, {}, {}, set(), [], []), []
        )
        for i, f in enumerate(frames)
    ]
    for arrow in (False, True):
        table = parts.combine("budgets", stored, arrow=arrow).tables["t"]
        frame = table.to_pandas() if arrow else table
        assert frame["code"].tolist() == ["a1", "a2", "b1", "c1", "c2", "c3", "d1", "e1"]
        notes = [None if pd.isna(v) else v for v in frame["note"]]
        assert notes == ["x", "y", None, "z", "w", "v", None, "u"]


def test_a_value_that_cannot_be_stored_is_refused(tmp_path):
    frame = pd.DataFrame({"mixed": pd.Series(["a", 1], dtype=object)})
    prepared = steps.PreparedDataset("budgets", {"t": frame}, {}, {}, set(), [], [])
    with pytest.raises(parts.PartError, match="mixed"):
        parts.write_part(tmp_path, prepared, [])


def test_a_damaged_part_is_refused_on_read(tmp_path):
    frame = pd.DataFrame({"a": ["x"]})
    prepared = steps.PreparedDataset("budgets", {"t": frame}, {}, {}, set(), [], [])
    part = parts.write_part(tmp_path, prepared, [])
    part.path("tables", "t").write_bytes(b"broken")
    with pytest.raises(parts.PartError, match="damaged"):
        parts.read_part(part.folder)
    # the same outcome written again repairs it
    assert parts.write_part(tmp_path, prepared, []).prepared().tables["t"].equals(frame)


def test_a_pickled_part_is_converted_once(demo_home, tmp_path):
    """A warehouse written before parts were Parquet is read once and converted."""
    installation = load_installation(installation_path())
    prepared = prepare(demo_home, installation, "budgets", "99901")
    target = warehouse.folder(demo_home, "99901", "budgets")
    target.mkdir(parents=True)
    (target / "current.pickle").write_bytes(pickle.dumps(prepared))
    (target / "current.json").write_text(json.dumps({"published_on": RUN_DATE}), "utf-8")
    part = warehouse.load_part(demo_home, "99901", "budgets")
    assert not (target / "current.pickle").exists()
    assert_same(part.prepared(), pandas_concat("budgets", [prepared]))
    assert warehouse.load_part(demo_home, "99901", "budgets").id == part.id


# --- unchanged inputs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def ran_twice(tmp_path_factory):
    """Two comunas run on one day, then again with the same inputs the next day, on one
    Dagster instance."""
    tmp = tmp_path_factory.mktemp("unchanged")
    home = Home(tmp / "abierto")
    for cut in CUTS[:2]:
        seed_comuna(home.landing, cut)
    installation = write_installation(tmp / "municipalities.yaml", CUTS[:2])
    with dg.DagsterInstance.ephemeral() as instance:
        first = run(home, installation, "2026-11-02", instance)
        first.runs = len(instance.get_runs())
        built = {s: _built_at(home, s) for s in SLUGS}
        started = time.time()
        second = run(home, installation, "2026-11-03", instance)
        second.window = (started, time.time())
        second.runs = len(instance.get_runs())
        first.built = built  # when each package was written by the first run
        yield home, installation, first, second, instance


def _built_at(home: Home, slug: str) -> int:
    return (home.warehouse / "packages" / slug / "datapackage.json").stat().st_mtime_ns


def run(home, installation, run_date, instance):
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date=run_date
    )
    outcome = run_all(build_defs(installation), resource, instance)
    assert outcome.success
    return outcome


def test_unchanged_inputs_carry_every_unit_without_a_dagster_run(ran_twice):
    home, _, first, second, instance = ran_twice
    units = {(cut, slug) for cut in CUTS[:2] for slug in SLUGS}
    assert set(first.ended.values()) == {"published"}
    # access requests' deadlines depend on the run date: run again on another day
    dated = {u for u in units if u[1] in steps.RUN_DATE_DEPENDENT}
    assert second.ended == {u: "published" if u in dated else "carried" for u in units}
    # one Dagster run per unit that ran, and the catalog (access requests ran again)
    assert first.runs == len(units) + 1
    assert second.runs - first.runs == len(dated) + 1
    ran = {r.tags.get("dagster/partition") for r in instance.get_runs(limit=len(dated) + 1)}
    assert ran == {cut for cut, _ in dated} | {None}
    # Dagster's view: no new materialization of a carried partition (nothing was
    # computed), and one runless observation per dataset naming the carried comunas
    carried = units - dated
    for slug in SLUGS:
        latest = {
            r.partition_key: r.event_log_entry.run_id
            for r in instance.fetch_materializations(dg.AssetKey(f"publish_{slug}"), 100).records
        }
        assert all(latest[cut] for cut in CUTS[:2])  # every one made by a run
        observed = instance.fetch_observations(dg.AssetKey(f"publish_{slug}"), limit=10).records
        expected = {cut for cut, s in carried if s == slug}
        if not expected:
            assert not observed
            continue
        (record,) = observed
        assert record.event_log_entry.run_id == ""
        metadata = record.asset_observation.metadata
        assert metadata["carried"].value is True and metadata["run_date"].value == "2026-11-03"
        comunas = metadata["comunas"].value
        assert set(comunas) == expected
        for cut in expected:
            assert comunas[cut]["part"] == warehouse.load_part(home, cut, slug).id
            assert comunas[cut]["carried_from_run"] == "2026-11-02"
    # the same release: nothing new was published, and no package was written again
    # (access requests ran again but made the same parts: the same content-addressed ids)
    assert second.catalog["new_release"] is False
    assert {s: _built_at(home, s) for s in SLUGS} == first.built
    state = json.loads((home.site / "catalog.json").read_text("utf-8"))
    assert {r["status"] for r in state["comunas"]} == {"published"}
    assert warehouse.status(home, "99901", "budgets").attempted_on == "2026-11-03"


def test_nothing_changed_runs_no_dagster_run_at_all(ran_twice):
    """The same day again: every unit carried, and the catalog not run (no new release)."""
    home, installation, _, second, instance = ran_twice
    third = run(home, installation, "2026-11-03", instance)
    assert set(third.ended.values()) == {"carried"}
    assert len(instance.get_runs()) == second.runs
    assert third.catalog_ok and third.catalog["new_release"] is False
    assert third.catalog["release_id"] == second.catalog["release_id"]


def test_rows_are_still_accounted_for_when_carried(ran_twice):
    """Each unit's reconciliation: from its run, or stored with the part it carries."""
    home, _, _, second, _ = ran_twice
    reconciled = [
        e
        for r in second.results
        for e in r.get_asset_check_evaluations()
        if e.check_name == "rows_reconcile"
    ]
    reconciled += [
        record
        for (cut, slug), ending in second.ended.items()
        if ending == "carried"
        for record in warehouse.load_part(home, cut, slug).meta["checks"]
        if record["check_name"] == "rows_reconcile"
    ]
    assert len(reconciled) == len(CUTS[:2]) * len(SLUGS)
    for evaluation in reconciled:
        if isinstance(evaluation, dict):
            passed, files = evaluation["passed"], evaluation["metadata"]["files"]
        else:
            passed, files = evaluation.passed, evaluation.metadata["files"].value
        assert passed and files and all(f["balanced"] for f in files)
        for f in files:
            accounted = sum(
                f[f"rows_{n}"] for n in ("excluded", "published", "quarantined", "held")
            )
            assert accounted == f["rows_read"]
    state = json.loads((home.site / "catalog.json").read_text("utf-8"))
    for entry in state["datasets"].values():
        summary = entry["summary"]
        assert summary["rows_in"] == sum(
            summary[f"rows_{n}"] for n in ("published", "quarantined", "held")
        )


def fingerprint(home, installation_file, slug="budgets", cut="99902"):
    return steps.unit_fingerprint(
        home,
        load_installation(installation_file),
        slug,
        cut,
        as_of=dt.date(2026, 11, 4),
        pseudonym_key=None,
    )


def test_unchanged_inputs_find_the_current_part(ran_twice):
    home, installation, _, _, _ = ran_twice
    part = warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation))
    assert part is not None and part.id == warehouse.load_part(home, "99902", "budgets").id
    assert {r["asset"] for r in part.meta["checks"]} == {"validate", "publish"}


def test_a_changed_file_runs_the_unit_again(ran_twice, tmp_path):
    home, installation, _, _, _ = ran_twice
    landed = home.landing / "99902" / "budgets" / BUDGET_FILE
    saved = tmp_path / BUDGET_FILE
    shutil.copy2(landed, saved)
    try:
        landed.write_bytes(landed.read_bytes() + b"\n")
        assert (
            warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation)) is None
        )
        # the other comuna and the other datasets are still carried
        assert warehouse.unchanged(
            home, "99901", "budgets", fingerprint(home, installation, cut="99901")
        )
        assert warehouse.unchanged(
            home, "99902", "contracts", fingerprint(home, installation, slug="contracts")
        )
    finally:
        shutil.copy2(saved, landed)
    assert warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation))


def test_a_changed_descriptor_runs_the_unit_again(ran_twice, tmp_path, monkeypatch):
    home, installation, _, _, _ = ran_twice
    changed = tmp_path / "budgets.dataset.yaml"
    changed.write_text(descriptor_path("budgets").read_text("utf-8") + "\n# edited\n", "utf-8")
    monkeypatch.setattr(steps, "descriptor_path", lambda slug: changed)
    # a new deployment: a fresh process, whose digests of the definitions start empty
    fresh = functools.cache(steps.definitions_version.__wrapped__)
    monkeypatch.setattr(steps, "definitions_version", fresh)
    assert warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation)) is None


def test_changed_code_runs_the_unit_again(ran_twice, monkeypatch):
    home, installation, _, _, _ = ran_twice
    monkeypatch.setattr(steps, "code_version", lambda: "another version")
    assert warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation)) is None


def test_a_changed_installation_entry_runs_the_unit_again(ran_twice, tmp_path):
    home, installation, _, _, _ = ran_twice
    text = installation.read_text("utf-8").replace(
        "transparencia@villaejemplo.example", "oficina@villaejemplo.example"
    )
    changed = tmp_path / "municipalities.yaml"
    changed.write_text(text, "utf-8")
    assert warehouse.unchanged(home, "99902", "budgets", fingerprint(home, changed)) is None


def test_a_date_dependent_dataset_is_not_carried_to_another_day(ran_twice):
    home, installation, _, _, _ = ran_twice
    fresh = fingerprint(home, installation, slug="access_requests")
    assert warehouse.unchanged(home, "99902", "access_requests", fresh) is None


def test_a_carried_part_is_checked_through_the_digest_cache_and_a_tampered_one_rehashed(
    ran_twice, tmp_path, monkeypatch
):
    """Carrying a unit checks its part's Parquet files against their recorded sha256
    without reading them again while their `stat` is unchanged; a file rewritten with
    the same size and its old modification time put back is read, refused, and the
    unit runs again."""
    home, installation, _, _, _ = ran_twice
    current = fingerprint(home, installation)
    assert warehouse.unchanged(home, "99902", "budgets", current) is not None  # cached
    read = []
    hash_file = digests.sha256_file
    monkeypatch.setattr(digests, "sha256_file", lambda path: read.append(path) or hash_file(path))
    part = warehouse.unchanged(home, "99902", "budgets", current)
    assert part is not None and read == []
    path = part.path("tables", part.meta["tables"]["tables"][0])
    saved = tmp_path / "saved.parquet"
    shutil.copy2(path, saved)
    try:
        info = path.stat()
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert path.stat().st_size == info.st_size
        assert warehouse.unchanged(home, "99902", "budgets", current) is None
        assert path in read
    finally:
        path.write_bytes(saved.read_bytes())
    assert warehouse.unchanged(home, "99902", "budgets", current) is not None


def test_what_runs_need_is_started_before_a_changed_file_is_hashed(ran_twice, monkeypatch):
    """`on_run` (the runner starts its fork server there) is called once, as soon as a
    unit likely needs a run, before its changed file is read; never when every unit is
    carried with its files' digests cached."""
    home, installation_file, _, _, _ = ran_twice
    installation = load_installation(installation_file)
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation_file), run_date="2026-11-03"
    )
    units = [(cut, slug) for cut in CUTS[:2] for slug in SLUGS]
    events = []
    hash_file = digests.sha256_file
    monkeypatch.setattr(
        digests, "sha256_file", lambda path: events.append(path.name) or hash_file(path)
    )

    def on_run():
        events.append("on_run")

    carried = carry.unchanged_units(resource, installation, units, on_run=on_run)
    assert set(carried) == set(units) and events == []
    landed = home.landing / "99902" / "budgets" / BUDGET_FILE
    saved = landed.read_bytes()
    try:
        landed.write_bytes(saved + b"\n")
        carried = carry.unchanged_units(resource, installation, units, on_run=on_run)
        assert set(units) - set(carried) == {("99902", "budgets")}
        assert events == ["on_run", BUDGET_FILE], events
    finally:
        landed.write_bytes(saved)
    events.clear()
    carried = carry.unchanged_units(resource, installation, units, on_run=on_run)
    # the same bytes again: hashed once (its `stat` moved), a run prepared for nothing,
    # and carried (a hint, never a decision)
    assert set(carried) == set(units) and events == ["on_run", BUDGET_FILE]
    events.clear()
    landed.rename(landed.with_name(".set-aside"))  # a month less: nothing to hash
    try:
        carried = carry.unchanged_units(resource, installation, units, on_run=on_run)
        assert set(units) - set(carried) == {("99902", "budgets")}
        assert events == ["on_run"]
    finally:
        landed.with_name(".set-aside").rename(landed)


def test_a_changed_export_runs_exactly_its_comuna_and_dataset(ran_twice):
    """Last (it changes the fixture's export): one Dagster run for that unit, then the
    catalog's, which makes a new release; every other unit is carried."""
    home, installation, _, second, instance = ran_twice
    landed = home.landing / "99902" / "budgets" / BUDGET_FILE
    text = landed.read_bytes().rstrip(b"\r\n")
    landed.write_bytes(text.rsplit(b"\n", 1)[0] + b"\n")
    runs = len(instance.get_runs())
    outcome = run(home, installation, "2026-11-03", instance)
    assert outcome.ended[("99902", "budgets")] == "published"
    assert {u for u, e in outcome.ended.items() if e != "carried"} == {("99902", "budgets")}
    started = instance.get_runs(limit=2)
    assert len(instance.get_runs()) == runs + 2
    assert [r.tags.get("dagster/partition") for r in started] == [None, "99902"]
    assert outcome.catalog["new_release"] is True
