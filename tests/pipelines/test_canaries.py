"""Canary test: over 1,000 planted personal values, the whole pipeline, zero in public files.

The sample exports are copied to a tmp landing, `canaries.plant` writes synthetic
personal values into their structured and free-text fields, every asset is
materialised through Dagster, and every file of the public site (plus the run's
Dagster events) is searched for each planted value in every way it could be
written. Non-personal values must come out unchanged.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from pipelines import runner
from pipelines.cli import seed_demo
from pipelines.definitions import defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from publish.site.assets import ENGINE, check_engine
from quality.personal_data import fold, normalise_rut, rut_kind
from tests.conftest import RUN_DATE
from tests.pipelines.canaries import Planted, plant


def run_all(home: Home, run_date: str = RUN_DATE, **config: str) -> runner.RunAll:
    resource = AbiertoResource(home_dir=str(home.root), run_date=run_date, **config)
    return runner.run_all(defs, resource)


def public_texts(site: Path) -> dict[str, str]:
    """Every public file as folded text (Parquet cells, JSON unescaped, HTML unescaped).
    The SQL box's engine (`assets/duckdb/`, 40 MB of vendored third-party code, no data)
    is checked byte for byte against its pinned hashes instead, as the publish gate does."""
    assert check_engine(site) == []
    texts = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.relative_to(site).as_posix().startswith(f"{ENGINE}/"):
            continue
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            text = "\n".join(str(v) for c in table.columns for v in c.to_pylist())
        elif path.suffix == ".json":
            text = json.dumps(json.loads(path.read_text("utf-8")), ensure_ascii=False)
        else:
            text = html.unescape(path.read_bytes().decode("utf-8", errors="replace"))
        texts[path.relative_to(site).as_posix()] = fold(text)
    return texts


def search_forms(value: str, kind: str) -> list[re.Pattern]:
    """Patterns for `value` however it could come out: as written, and for RUTs and
    phones their canonical, compact and dotted forms and bare national digits."""
    forms = {re.escape(fold(value))}
    digits = re.sub(r"[^0-9k]", "", fold(value))
    if kind == "rut" and normalise_rut(value) is None:  # a mistyped RUT: its body
        forms.add(rf"(?<![0-9.]){digits[:-1]}(?![0-9])")
        forms.add(re.escape(value.rsplit("-", 1)[0]) + r"(?![0-9])")
    elif kind == "rut":
        body, check = normalise_rut(value).lower().split("-")
        forms |= {f"{body}-{check}", f"{int(body):,}".replace(",", ".") + f"-{check}"}
        forms.add(rf"(?<![0-9]){body}{check}(?![0-9])")
    if kind == "phone":
        national = digits[2:] if digits.startswith("56") and len(digits) > 9 else digits
        forms.add(rf"(?<![0-9]){national.removeprefix('0')}(?![0-9])")
    return [re.compile(f) for f in sorted(forms)]


def found_in(texts: dict[str, str], planted: Planted) -> list[tuple]:
    leaks = []
    for value, kind, file, column in planted.values:
        for pattern in search_forms(value, kind):
            leaks += [
                (value, kind, file, column, name) for name, t in texts.items() if pattern.search(t)
            ]
    return leaks


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory):
    home = Home(tmp_path_factory.mktemp("canaries") / "abierto")
    seed_demo(home)
    baseline = landing_texts(home.landing)
    planted = plant(home.landing)
    collisions = [
        v for v, k, *_ in planted.values if any(p.search(baseline) for p in search_forms(v, k))
    ]
    assert collisions == [], f"canaries in the original samples: {collisions}"
    # The publish gate also gets every planted value as a canary: it must find none.
    canaries = "\n".join(sorted({v for v, *_ in planted.values}))
    (home.root / "canaries.txt").write_text(canaries + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ABIERTO_TEST_PSEUDONYM_KEY", "canary-test-secret-key-0123456789")
        result = run_all(home, pseudonym_key_variable="ABIERTO_TEST_PSEUDONYM_KEY")
    return home, planted, result


def landing_texts(landing: Path) -> str:
    parts = []
    for path in sorted(landing.rglob("*")):
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            parts += [
                str(c) for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r
            ]
        elif path.is_file():
            data = path.read_bytes()
            parts.append(data.decode("utf-8") if path.suffix == ".json" else data.decode("latin-1"))
    return fold("\n".join(parts))


def test_over_a_thousand_values_of_every_kind_are_planted(canary_run):
    _, planted, _ = canary_run
    assert len(planted.values) >= 1000
    kinds = Counter(kind for _, kind, *_ in planted.values)
    assert set(kinds) == {"name", "rut", "email", "phone", "address"}
    ruts = [v for v, k, *_ in planted.values if k == "rut"]
    assert any(re.fullmatch(r"\d{1,2}\.\d{3}\.\d{3}-[0-9K]", r) for r in ruts)
    assert any(re.fullmatch(r"\d{7,8}-[0-9K]", r) for r in ruts)
    assert any(re.fullmatch(r"\d{8,9}[0-9K]?", r) for r in ruts)
    assert any(r.endswith("-k") for r in ruts)
    assert any(" - " in r for r in ruts)
    assert any(re.search("[áéíóúñÁÉÍÓÚÑ]", v) for v, k, *_ in planted.values if k == "name")


def test_the_whole_pipeline_publishes(canary_run):
    home, _, result = canary_run
    assert result.success
    state = json.loads((home.site / "catalog.json").read_text())
    assert {s: d["release_id"] for s, d in state["datasets"].items()} == {
        "budgets": RUN_DATE,
        "contracts": RUN_DATE,
        "access_requests": RUN_DATE,
        "indicators": RUN_DATE,  # computed from the three (docs/indicators.md)
    }


def test_no_planted_value_is_in_any_public_file(canary_run):
    home, planted, _ = canary_run
    texts = public_texts(home.site)
    assert any(name.endswith("access_requests.parquet") for name in texts)
    assert found_in(texts, planted) == []
    print(summary(home, planted, texts))


def test_no_planted_value_is_in_dagster_events_or_metadata(canary_run):
    home, planted, result = canary_run
    quarantined = json.loads(
        (home.quarantine / "99901" / "contracts" / "purchase_orders.json").read_text()
    )
    assert [row["order_id"] for row in quarantined] == [planted.quarantined_order]
    assert quarantined[0]["_errors"][0]["cell"]  # the private report keeps the value
    events = fold("\n".join(str(event) for event in result.all_events))
    leaks = [v for v, k, *_ in planted.values if any(p.search(events) for p in search_forms(v, k))]
    assert leaks == []
    # the events carry the metadata and check results the scan must see
    assert "rows_published_access_requests" in events and "rows_reconcile" in events


def test_non_personal_values_are_published_unchanged(canary_run):
    home, planted, _ = canary_run
    release = home.site / "releases" / RUN_DATE
    requests = {
        r["request_id"]: r for r in read_csv(release / "access_requests" / "access_requests.csv")
    }
    assert len(planted.untouched_subjects) >= 10
    for folio, subject in planted.untouched_subjects.items():
        assert requests[folio]["subject"] == subject
    keys = [r["requester_key"] for r in requests.values()]
    assert all(re.fullmatch("[0-9a-f]{16}", k) for k in keys)
    review = json.loads((home.quarantine / "99901" / "access_requests" / "review.json").read_text())
    assert len(review["held"]) >= 12  # the subjects with a mistyped RUT
    # every planted requester is someone else: one key per published request
    assert len(set(keys)) == len(keys) == 80 - len(review["held"])
    orders = {o["order_id"]: o for o in read_csv(release / "contracts" / "purchase_orders.csv")}
    source = read_source_orders(
        home.landing / "99901" / "contracts" / "ordenes_de_compra_2026-10.csv"
    )
    assert planted.quarantined_order not in orders
    for order_id, row in source.items():
        if order_id == planted.quarantined_order:
            continue
        published = orders[order_id]
        assert published["amount_total_clp"] == row["MontoTotalOC"]
        assert published["created_date"] == row["FechaCreacion"][:10]
        if order_id in planted.natural_suppliers:
            assert published["supplier_type"] == "persona_natural"
            assert published["supplier_rut"] == ""
            assert published["supplier_name"] == planted.natural_suppliers[order_id]
        elif rut_kind(row["RutProveedor"]) == "persona_juridica":
            assert published["supplier_type"] == "persona_juridica"
            assert published["supplier_rut"] == normalise_rut(row["RutProveedor"])
        else:  # the samples' own natural-person suppliers
            assert (published["supplier_type"], published["supplier_rut"]) == (
                "persona_natural",
                "",
            )
            assert published["supplier_name"] == row["NombreProveedor"]
    assert orders["2431-302-SE26"]["supplier_rut"] == "77800354-6"  # OCDS company
    natural = orders["2431-303-SE26"]
    assert (natural["supplier_name"], natural["supplier_rut"]) == ("Héctor Raúl Núñez Cárdenas", "")
    assert natural["amount_total_clp"] != ""
    for dropped in ("buyer_contact_name", "buyer_contact_phone", "buyer_contact_email"):
        assert dropped not in next(iter(orders.values()))


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))


def read_source_orders(path: Path) -> dict[str, dict]:
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("latin-1")), delimiter=";")
    return {row["Codigo"]: row for row in rows}


def summary(home: Home, planted: Planted, texts: dict[str, str]) -> str:
    """The canary figures for the issue's closing note."""
    where = Counter(f"{file} › {column}" for _, _, file, column in planted.values)
    kinds = Counter(kind for _, kind, *_ in planted.values)
    state = json.loads((home.site / "catalog.json").read_text())
    held = {s: d["summary"]["rows_held"] for s, d in state["datasets"].items()}
    lines = [
        f"planted: {len(planted.values)} values {dict(sorted(kinds.items()))}",
        *(f"  {n:4d}  {w}" for w, n in sorted(where.items())),
        f"public files searched: {len(texts)}; planted values found in them: "
        f"{len(found_in(texts, planted))}",
        f"rows held for privacy review: {held}",
    ]
    return "\n".join(lines)


def catalog_failures(result: runner.RunAll) -> list[dict]:
    [materialization] = result.results[-1].asset_materializations_for_node("catalog")
    return materialization.metadata["failures"].value


def test_personal_data_in_a_public_field_carries_only_that_comuna_and_dataset(demo_home):
    """A RUT typed into a budget account name (a `public` field, not scrubbed) is caught
    before the release: the comuna's budgets keep their previous release (reason
    `personal-data-found`, naming table and field, never the value); the other datasets
    publish."""
    assert run_all(demo_home).success
    previous = demo_home.site / "releases" / RUN_DATE / "budgets" / "budget_lines.csv"
    previous_rows = previous.read_bytes()
    path = demo_home.landing / "99901" / "budgets" / "ejecucion_presupuestaria_2026-10.csv"
    text = path.read_bytes().decode("latin-1")
    path.write_bytes(
        text.replace("OTRO DERECHOS", "OTRO DERECHOS RUT 12.345.678-5", 1).encode("latin-1")
    )
    result = run_all(demo_home, run_date="2026-12-02")
    [failure] = catalog_failures(result)
    assert (failure["comuna_code"], failure["dataset"]) == ("99901", "budgets")
    assert failure["type"] == "personal-data-found"
    assert "budgets/budget_lines › account_name (rut" in failure["en"]
    assert "12.345.678" not in json.dumps(failure) and "12345678" not in json.dumps(failure)
    state = json.loads((demo_home.site / "catalog.json").read_text())
    assert state["release_id"] == "2026-12-02"
    carried = demo_home.site / "releases" / "2026-12-02" / "budgets" / "budget_lines.csv"
    assert carried.read_bytes() == previous_rows
    rows = {r["dataset"]: r for r in state["comunas"]}
    assert rows["budgets"]["status"] == "carried"
    assert rows["budgets"]["reasons"] == ["personal-data-found"]
    assert rows["budgets"]["published_on"] == RUN_DATE
    assert rows["contracts"]["status"] == "published"
    assert state["datasets"]["contracts"]["release_id"] == "2026-12-02"


def test_a_canary_that_reaches_a_public_file_blocks_only_its_dataset(demo_home):
    (demo_home.root / "canaries.txt").write_text("Combustibles del Valle  # a supplier\n")
    result = run_all(demo_home)
    [failure] = catalog_failures(result)
    assert (failure["comuna_code"], failure["dataset"]) == ("99901", "contracts")
    assert "contracts/purchase_orders › supplier_name (canary" in failure["en"]
    assert "Combustibles" not in json.dumps(failure)
    state = json.loads((demo_home.site / "catalog.json").read_text())
    assert set(state["datasets"]) == {"budgets", "access_requests", "indicators"}
    rows = {r["dataset"]: r for r in state["comunas"]}
    assert rows["contracts"]["status"] == "blocked"
    assert rows["contracts"]["reasons"] == ["personal-data-found"]
    texts = public_texts(demo_home.site)
    assert texts and not any("combustibles del valle" in t for t in texts.values())
