"""Warehouse parts in Parquet: national tables assembled by DuckDB equal the pandas
concatenation they replace; unchanged inputs carry a unit's outcome, changed ones run it."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import shutil

import dagster as dg
import pandas as pd
import pytest

from datasets.descriptor import SLUGS, descriptor_path
from datasets.municipalities import installation_path, load_installation
from datasets.samples.comunas import seed_comuna, write_installation
from pipelines import parts, steps, warehouse
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
    """Two comunas run on one day, then again with the same inputs the next day."""
    tmp = tmp_path_factory.mktemp("unchanged")
    home = Home(tmp / "abierto")
    for cut in CUTS[:2]:
        seed_comuna(home.landing, cut)
    installation = write_installation(tmp / "municipalities.yaml", CUTS[:2])
    first = run(home, installation, "2026-11-02")
    built = {s: _built_at(home, s) for s in SLUGS}
    second = run(home, installation, "2026-11-03")
    first.built = built  # when each package was written by the first run
    return home, installation, first, second


def _built_at(home: Home, slug: str) -> int:
    return (home.warehouse / "packages" / slug / "datapackage.json").stat().st_mtime_ns


def run(home, installation, run_date):
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date=run_date
    )
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(build_defs(installation), resource, instance)
    assert outcome.success
    return outcome


def carried(outcome) -> dict[tuple[str, str], bool]:
    """Per comuna × dataset: whether its ingest step carried the previous outcome."""
    found = {}
    for result in outcome.results:
        for slug in SLUGS:
            for event in result.asset_materializations_for_node(f"ingest_{slug}"):
                found[(event.partition, slug)] = event.metadata["carried"].value
    return found


def test_unchanged_inputs_carry_every_unit_and_report_every_check(ran_twice):
    home, _, first, second = ran_twice
    assert set(carried(first).values()) == {False}
    # access requests' deadlines depend on the run date: run again on another day
    assert carried(second) == {
        (cut, slug): slug not in steps.RUN_DATE_DEPENDENT for cut in CUTS[:2] for slug in SLUGS
    }
    for before, after in zip(first.results, second.results, strict=True):
        old = {(e.asset_key, e.check_name): e for e in before.get_asset_check_evaluations()}
        new = {(e.asset_key, e.check_name): e for e in after.get_asset_check_evaluations()}
        assert new.keys() == old.keys()  # every declared check, reported again
        for key, evaluation in new.items():
            assert evaluation.passed == old[key].passed
            asset = key[0].path[0]
            if asset.startswith(("validate_", "publish_")) and not asset.endswith("requests"):
                assert evaluation.metadata["carried_from_run"].value == "2026-11-02"
    # the same release: nothing new was published, and no package was written again
    # (access requests ran again but made the same parts: the same content-addressed ids)
    assert second.catalog["new_release"] is False
    assert {s: _built_at(home, s) for s in SLUGS} == first.built
    state = json.loads((home.site / "catalog.json").read_text("utf-8"))
    assert {r["status"] for r in state["comunas"]} == {"published"}
    assert warehouse.status(home, "99901", "budgets").attempted_on == "2026-11-03"


def test_rows_are_still_accounted_for_when_carried(ran_twice):
    home, _, _, second = ran_twice
    reconciled = [
        e
        for result in second.results
        for e in result.get_asset_check_evaluations()
        if e.check_name == "rows_reconcile"
    ]
    assert len(reconciled) == len(CUTS[:2]) * len(SLUGS)
    for evaluation in reconciled:
        files = evaluation.metadata["files"].value
        assert evaluation.passed and files and all(f["balanced"] for f in files)
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
    home, installation, _, _ = ran_twice
    part = warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation))
    assert part is not None and part.id == warehouse.load_part(home, "99902", "budgets").id
    assert {r["asset"] for r in part.meta["checks"]} == {"validate", "publish"}


def test_a_changed_file_runs_the_unit_again(ran_twice, tmp_path):
    home, installation, _, _ = ran_twice
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
    home, installation, _, _ = ran_twice
    changed = tmp_path / "budgets.dataset.yaml"
    changed.write_text(descriptor_path("budgets").read_text("utf-8") + "\n# edited\n", "utf-8")
    monkeypatch.setattr(steps, "descriptor_path", lambda slug: changed)
    assert warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation)) is None


def test_changed_code_runs_the_unit_again(ran_twice, monkeypatch):
    home, installation, _, _ = ran_twice
    monkeypatch.setattr(steps, "code_version", lambda: "another version")
    assert warehouse.unchanged(home, "99902", "budgets", fingerprint(home, installation)) is None


def test_a_changed_installation_entry_runs_the_unit_again(ran_twice, tmp_path):
    home, installation, _, _ = ran_twice
    text = installation.read_text("utf-8").replace(
        "transparencia@villaejemplo.example", "oficina@villaejemplo.example"
    )
    changed = tmp_path / "municipalities.yaml"
    changed.write_text(text, "utf-8")
    assert warehouse.unchanged(home, "99902", "budgets", fingerprint(home, changed)) is None


def test_a_date_dependent_dataset_is_not_carried_to_another_day(ran_twice):
    home, installation, _, _ = ran_twice
    fresh = fingerprint(home, installation, slug="access_requests")
    assert warehouse.unchanged(home, "99902", "access_requests", fresh) is None
