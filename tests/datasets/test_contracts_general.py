"""Contracts from any publisher, on real files (tests/datasets/fixtures/reference/SOURCES.md):
amounts in their currency with the peso columns only for CLP, OCDS from Mexico City,
Paraguay, Montréal and Colombia, a UK council's spending grouped by transaction, the
source's own id formats, and suppliers' identifier schemes under the privacy rules.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from datasets.descriptor import (
    DATASETS_DIR,
    load_descriptor,
    load_descriptor_file,
    parse_descriptor,
)
from datasets.errors import DescriptorError
from datasets.ingest import read_source
from datasets.normalise import parse_rut_kind, parse_scheme_kind, parse_scheme_rut
from quality.privacy import apply_privacy
from quality.validate import source_checks, validate_raw
from schemas import load_code_list
from schemas import load_descriptor as load_schema_descriptor
from schemas.codes import codes

FIXTURES = Path(__file__).parent / "fixtures" / "reference" / "procurement"
OCDS = FIXTURES / "ocds"
EXAMPLES = DATASETS_DIR / "examples"
ANY_PUBLISHER = EXAMPLES / "contracts_ocds_any_publisher.dataset.yaml"
UK_SPEND = EXAMPLES / "contracts_spend_uk.dataset.yaml"
TABLES = ("purchase_orders", "purchase_order_items")


def read(descriptor_path: Path | None, path: Path):
    descriptor = load_descriptor_file(descriptor_path) if descriptor_path else None
    descriptor = descriptor or load_descriptor("contracts")
    return read_source(path, descriptor.require_source(path.name), comuna_code="13122")


def publish(raw) -> dict:
    """Validate each table (source checks included) and apply the privacy rules, as the
    pipeline's steps do: the rows a release would publish, and the quarantined ones."""
    references = {"comunas": load_code_list("comunas")}
    published = {}
    for table in TABLES:
        schema = load_schema_descriptor(table)
        checks = source_checks([raw], table)
        result = validate_raw(raw.tables[table], schema, references=references, checks=checks)
        references[table] = result.valid
        public = apply_privacy(result.valid, schema).public
        published[table] = (public, result.quarantined)
    return published


def test_a_mexico_city_release_package_publishes_its_orders_in_mxn():
    """CDMX's two concatenated release packages (ocdskit's real data): every order
    publishes, in its own currency (one MXN, one USD), with the peso columns empty."""
    raw = read(ANY_PUBLISHER, OCDS / "ocdskit_realdata_release-package_split.json")
    published = publish(raw)
    orders, quarantined = published["purchase_orders"]
    assert quarantined.empty and len(orders) == 2
    by_currency = {row["currency"]: row for row in orders.to_dict("records")}
    assert set(by_currency) == {"MXN", "USD"}
    assert by_currency["MXN"]["amount_total"] == 1311264
    assert by_currency["USD"]["amount_total"] == pytest.approx(75464.96)
    assert orders["amount_total_clp"].isna().all()
    items, bad_items = published["purchase_order_items"]
    assert bad_items.empty and len(items) == 2
    assert set(items["currency"]) == {"MXN", "USD"} and items["unit_price_clp"].isna().all()


@pytest.mark.parametrize(
    ("name", "currency", "total"),
    [
        ("paraguay_release_284444-contract.json", "PYG", 1135850368),
        ("montreal_release_ocds-a1234567-mt-063635891f.json", "CAD", 8923.94),
        ("fictional_1.1_releasepackage_ocds-213czf-000-00001.json", "GBP", 11000000),
    ],
)
def test_paraguay_montreal_and_the_fictional_example_publish(name, currency, total):
    """Paraguay's contract has no title, method or supplier (its award is not in the
    file); Montréal's award has no contract: both publish, in their currency."""
    published = publish(read(ANY_PUBLISHER, OCDS / name))
    orders, quarantined = published["purchase_orders"]
    assert quarantined.empty and len(orders) == 1
    order = orders.iloc[0]
    assert (order["currency"], order["amount_total"]) == (currency, pytest.approx(total))
    assert pd.isna(order["amount_total_clp"])
    assert published["purchase_order_items"][1].empty


def test_pesos_are_derived_only_for_clp_and_never_from_another_currency():
    """The demo's ChileCompra OCDS (CLP) keeps its peso columns equal to its amounts;
    the same descriptor leaves them empty for Open Contracting's example in GBP."""
    demo = read(None, DATASETS_DIR / "samples" / "99901" / "contracts" / "ocds_2026-10.json")
    orders = demo.tables["purchase_orders"]
    assert set(orders["currency"]) == {"CLP"}
    assert orders["amount_total_clp"].tolist() == orders["amount_total"].tolist()
    london = read(None, OCDS / "fictional_1.1_releasepackage_ocds-213czf-000-00001.json")
    orders = london.tables["purchase_orders"]
    assert orders[["currency", "amount_total"]].values.tolist() == [["GBP", "11000000"]]
    assert orders["amount_total_clp"].isna().all()


@pytest.mark.parametrize(
    "name",
    [
        "colombia_release_ocds-k50g02-16-12-5280389.json",
        "colombia_record_ocds-k50g02-16-12-5280389.json",
    ],
)
def test_colombia_repeated_contract_id_is_merged_with_a_reason(name):
    """Contract `2719-2016` three times and award `4817054` four times in one release:
    merged as `ocdskit compile` does (the last object's fields win: status `active`),
    reported in both languages; the file is not refused."""
    raw = read(ANY_PUBLISHER, OCDS / name)
    merged = {(m["array"], m["id"], m["count"]) for m in raw.provenance["merged_duplicate_ids"]}
    assert merged == {("contracts", "2719-2016", 3), ("awards", "4817054", 4)}
    note = next(m for m in raw.provenance["merged_duplicate_ids"] if m["array"] == "contracts")
    assert "aparece 3 veces" in note["es"] and "appears 3 times" in note["en"]
    orders, quarantined = publish(raw)["purchase_orders"]
    assert quarantined.empty and len(orders) == 1  # the award is its contract's, not another
    order = orders.iloc[0]
    assert order["order_id"] == "ocds-k50g02-16-12-5280389;2719-2016"
    assert (order["status"], order["currency"], order["amount_total"]) == (
        "aceptada", "COP", 2307457
    )  # fmt: skip
    # A natural person identified by a hash, under no scheme: type unknown, no RUT.
    assert order["supplier_type"] == "desconocido" and order["supplier_rut"] is None


def test_a_uk_spend_file_groups_lines_into_transactions_that_sum_them():
    """Hammersmith and Fulham, January 2010: 10 lines, 9 transactions; each order's
    total equals the sum of its lines as written in the file, and every line is an item."""
    path = FIXTURES / "spend" / "lbhf_spend_2010-01.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        expected[line["transaction_id"]] += Decimal(line["amount"])
    raw = read(UK_SPEND, path)
    assert raw.rows_read == len(lines) == 10
    published = publish(raw)
    orders, bad_orders = published["purchase_orders"]
    items, bad_items = published["purchase_order_items"]
    assert bad_orders.empty and bad_items.empty
    assert len(items) == raw.rows_read  # rows in = rows published, line by line
    totals = {row["order_id"]: Decimal(str(row["amount_total"])) for _, row in orders.iterrows()}
    assert totals == dict(expected) and len(totals) == 9
    assert totals["417742"] == Decimal("675.00")  # 112.50 + 562.50
    lines_of = items.groupby("order_id")["line_number"].apply(list).to_dict()
    assert lines_of["417742"] == [1, 2]
    assert set(orders["currency"]) == {"GBP"} and orders["amount_total_clp"].isna().all()


def test_mercado_publico_keeps_its_order_code_format_other_systems_do_not_need_it(tmp_path):
    """The order-code pattern is declared by the Mercado Público sources: a code out of
    format is quarantined there as a `constraint-error`, while OCDS ids publish."""
    sample = Path(__file__).parents[1] / "pipelines" / "fixtures" / "ordenes_de_compra_2026-10.csv"
    text = sample.read_bytes().decode("latin-1")
    first = text.split("\r\n")[1].split(";")[0]
    path = tmp_path / sample.name
    path.write_bytes(text.replace(first, first.lower(), 1).encode("latin-1"))
    orders, quarantined = publish(read(None, path))["purchase_orders"]
    errors = [e for row in quarantined["_errors"] for e in row]
    assert [(e["fieldName"], e["type"]) for e in errors] == [("order_id", "constraint-error")]
    assert "^[0-9]+-[0-9]+-[A-Z0-9]+$" in errors[0]["note"]
    assert first.lower() not in set(orders["order_id"])


def test_an_unknown_currency_code_quarantines_its_row(tmp_path):
    """`currency` is checked against ISO 4217 (schemas/codes/currencies.csv)."""
    package = json.loads((OCDS / "montreal_release_ocds-a1234567-mt-063635891f.json").read_text())
    package["awards"][0]["value"]["currency"] = "CAX"
    path = tmp_path / "montreal.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    orders, quarantined = publish(read(ANY_PUBLISHER, path))["purchase_orders"]
    assert orders.empty
    errors = quarantined["_errors"].iloc[0]
    assert [(e["fieldName"], e["type"]) for e in errors] == [("currency", "constraint-error")]


def test_the_currency_list_is_iso_4217():
    found = codes("currencies")
    assert {"CLP", "CLF", "MXN", "PYG", "CAD", "COP", "GBP", "USD", "EUR"} <= found
    assert len(found) == 176 and not {"XXX", "XTS"} & found


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"amount_total": "Monto"}, "'currency' is not filled"),
        ({"amount_total": "Monto", "amount_total_clp": "Pesos", "currency": "Moneda"},
         "both 'amount_total' and 'amount_total_clp' are filled"),
        ({"amount_total_clp": "Pesos", "currency": "Moneda"}, "'currency' is not the constant CLP"),
    ],
)  # fmt: skip
def test_amounts_are_never_assumed_to_be_pesos(columns, message):
    """A mapping is refused at load when its amounts' currency would be a guess."""
    text = UK_SPEND.read_text(encoding="utf-8")
    mapping = "\n".join(f"          {k}: {v}" for k, v in columns.items())
    text = text.replace(
        "          currency: {value: GBP}\n          amount_total: {sum_of: [amount_net]}",
        mapping,
    )
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(text, "spend.dataset.yaml")
    assert message in raised.value.message_en


# A Colombian national id (cédula, 9 digits) whose last digit happens to be a valid RUT
# check digit, the rest above 50,000,000: read as a RUT, it would be a company's.
CEDULA = "521234563"


@pytest.mark.parametrize(
    ("value", "organisations", "kind", "rut"),
    [
        ("CL-RUT;76.123.456-0", [], "persona_juridica", "76123456-0"),
        ("CL-RUT;12.345.678-5", [], "persona_natural", "12345678-5"),
        (f"CO-CC;{CEDULA}", [], "desconocido", None),
        (f";{CEDULA}", [], "desconocido", None),  # no scheme at all
        ("GB-COH;09506232", ["GB-COH"], "persona_juridica", None),
        ("MX-RFC;GODE561231GR8", ["GB-COH"], "desconocido", None),
    ],
)
def test_a_foreign_identifier_never_passes_for_a_rut(value, organisations, kind, rut):
    assert parse_rut_kind(CEDULA) == "persona_juridica"  # the trap, read as a bare RUT
    assert parse_scheme_kind(value, organisations) == kind
    assert parse_scheme_rut(value) == rut


def test_a_supplier_under_a_foreign_scheme_loses_its_id_and_counts_as_a_person(tmp_path):
    """The Colombian release with its supplier given a national id that validates as a
    RUT: neither the main descriptor nor the any-publisher one publishes it."""
    release = json.loads((OCDS / "colombia_release_ocds-k50g02-16-12-5280389.json").read_text())
    for party in release["parties"]:
        party["identifier"] = {"scheme": "CO-CC", "id": CEDULA}
    for award in release["awards"]:
        award["suppliers"][0]["identifier"] = {"scheme": "CO-CC", "id": CEDULA}
    path = tmp_path / "colombia.json"
    path.write_text(json.dumps(release), encoding="utf-8")
    for descriptor in (None, ANY_PUBLISHER):
        orders = read(descriptor, path).tables["purchase_orders"]
        assert orders["supplier_type"].tolist() == ["desconocido"]
        assert orders["supplier_rut"].isna().all()
    public, _ = publish(read(ANY_PUBLISHER, path))["purchase_orders"]
    assert CEDULA not in public.astype(str).to_numpy().ravel().tolist()


def test_releases_of_one_process_in_two_landed_files_are_merged_once(tmp_path):
    """Paraguay's process 284444: its tender and its contract landed as two files. The
    process is compiled from both and read once, in the file whose name sorts last; the
    other file says where it went, and no order is counted twice."""
    names = (
        "paraguay_release_284444-contract.json",
        "paraguay_release_284444-municipal-empedrado-tender.json",
    )
    landed = []
    for name in names:
        (tmp_path / name).write_bytes((OCDS / name).read_bytes())
        landed.append(tmp_path / name)
    descriptor = load_descriptor_file(ANY_PUBLISHER)
    raws = {
        path.name: read_source(
            path,
            descriptor.require_source(path.name),
            comuna_code="13122",
            siblings=[p for p in landed if p != path],
        )
        for path in landed
    }
    contract, tender = (raws[name] for name in names)
    assert len(contract.tables["purchase_orders"]) == 0 and contract.rows_read == 0
    handed = contract.provenance["processes_merged_elsewhere"]
    assert [(h["ocid"], h["file"]) for h in handed] == [("ocds-03ad3f-284444", names[1])]
    assert "se combinaron" in handed[0]["es"] and "were merged" in handed[0]["en"]
    orders, quarantined = publish(tender)["purchase_orders"]
    assert quarantined.empty and len(orders) == 1
    order = orders.iloc[0]
    tender_release = json.loads((OCDS / names[1]).read_text())
    assert order["tender_code"] == tender_release["tender"]["id"]  # from the tender file
    assert (order["currency"], order["amount_total"]) == ("PYG", 1135850368)  # the contract's
