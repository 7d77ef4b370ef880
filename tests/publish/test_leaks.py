"""The publish-time leak scan: personal data in text fields of every kind of public file."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets.errors import PublishBlocked
from publish.leaks import describe_hits, load_canaries, scan_for_values
from publish.publication import gate

PERSON_RUT = "12.345.678-5"
COMPANY_RUT = "76.543.210-3"
EMAIL = "maria.perez@correo.example"
MOBILE = "987654321"


def write_csv_package(folder, rows, fields):
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "t.csv", index=False)
    package = {"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields}}]}
    (folder / "datapackage.json").write_text(json.dumps(package))


def kinds(hits):
    return sorted((h["file"], h["field"], h["kind"]) for h in hits)


def test_numbers_are_not_phones_but_the_same_digits_in_text_are(tmp_path):
    fields = [{"name": "amount_clp", "type": "integer"}, {"name": "note", "type": "string"}]
    write_csv_package(tmp_path, {"amount_clp": [987654321], "note": [MOBILE]}, fields)
    assert kinds(scan_for_values(tmp_path, set())) == [("t.csv", "note", "phone")]


def test_company_ruts_are_public_and_person_ruts_are_hits(tmp_path):
    fields = [{"name": "supplier_rut", "type": "string"}]
    write_csv_package(tmp_path, {"supplier_rut": [COMPANY_RUT, "7.654.321-6"]}, fields)
    assert kinds(scan_for_values(tmp_path, set())) == [("t.csv", "supplier_rut", "rut")]


def test_parquet_string_columns_are_scanned_and_numbers_are_not(tmp_path):
    frame = pd.DataFrame({"amount": [987654321, 912345678], "subject": ["ok", f"a {EMAIL}"]})
    frame.to_parquet(tmp_path / "t.parquet")
    assert kinds(scan_for_values(tmp_path, set())) == [("t.parquet", "subject", "email")]


def test_html_text_and_attributes_by_element(tmp_path):
    page = (
        f"<html><body><table><tr><td>{MOBILE}</td><td>Fono +56 9 8765 4321</td></tr>"
        f"</table><a href='mailto:{EMAIL}'>escríbanos</a></body></html>"
    )
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    assert kinds(scan_for_values(tmp_path, set())) == [
        ("index.html", "<a href>", "email"),
        ("index.html", "<td>", "phone"),
    ]


def test_json_strings_by_path_and_numbers_skipped(tmp_path):
    document = {
        "previews": {"rows": [["987654321", "Solicita copia"], ["1", f"RUT {PERSON_RUT}"]]},
        "bytes": 987654321,
    }
    (tmp_path / "catalog.json").write_text(json.dumps(document))
    assert kinds(scan_for_values(tmp_path, set())) == [("catalog.json", "previews.rows[][]", "rut")]


def test_removed_values_match_without_accents_or_case(tmp_path):
    (tmp_path / "notes.txt").write_text("Contacto: OSCAR HERRERA ZUNIGA\n", encoding="utf-8")
    hits = scan_for_values(tmp_path, {"Óscar Herrera Zúñiga", "Ana"})
    assert kinds(hits) == [("notes.txt", "line 1", "removed-value")]


def test_canaries_and_their_file(tmp_path):
    (tmp_path / "canaries.txt").write_text(
        "# planted\nZyxwvu Canario Ñandú  # row 12\nPasaje Canario #4567\n"
    )
    canaries = load_canaries(tmp_path)
    assert canaries == {"Zyxwvu Canario Ñandú", "Pasaje Canario #4567"}
    site = tmp_path / "site"
    site.mkdir()
    (site / "log.txt").write_text("ok\nzyxwvu canario nandu\n")
    assert kinds(scan_for_values(site, set(), canaries=canaries)) == [
        ("log.txt", "line 2", "canary")
    ]
    assert load_canaries(site) == set()


def test_duckdb_tables_are_scanned(tmp_path):
    with duckdb.connect(str(tmp_path / "abierto.duckdb")) as connection:
        connection.execute("create table orders (description varchar, amount bigint)")
        connection.execute(f"insert into orders values ('entregar a {EMAIL}', 987654321)")
    assert kinds(scan_for_values(tmp_path, set())) == [
        ("abierto.duckdb", "orders.description", "email")
    ]


def test_a_binary_file_it_cannot_read_is_a_hit_and_images_are_skipped(tmp_path):
    (tmp_path / "data.bin").write_bytes(b"\x00\x01personal?")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\x00\x00")
    assert kinds(scan_for_values(tmp_path, set())) == [("data.bin", "(binary)", "unscannable")]


def test_excluded_folders_are_left_out(tmp_path):
    (tmp_path / "releases" / "old").mkdir(parents=True)
    (tmp_path / "releases" / "old" / "a.txt").write_text(EMAIL)
    assert scan_for_values(tmp_path, set(), exclude=["releases/old"]) == []
    assert len(scan_for_values(tmp_path, set())) == 1


def test_the_publish_gate_blocks_naming_file_and_field_never_the_value(tmp_path):
    staging, build = tmp_path / "releases" / ".staging", tmp_path / ".site-builds" / "b"
    package = staging / "access_requests"
    fields = [{"name": "subject", "type": "string"}]
    write_csv_package(package, {"subject": [f"mi RUT es {PERSON_RUT}"]}, fields)
    (build / "releases" / "2026-10-01").mkdir(parents=True)
    (build / "releases" / "2026-10-01" / "old.txt").write_text(EMAIL)
    (build / "index.html").write_text("<p>Solicitudes</p>")
    with pytest.raises(PublishBlocked) as blocked:
        gate(staging, build, {}, {"Juan Pérez"})
    message = str(blocked.value)
    assert "access_requests/t.csv › subject (rut ×1)" in message
    assert PERSON_RUT not in message and "12345678" not in message
    assert "old.txt" not in message
    (build / "index.html").write_text("<p>Solicitud de Juan Perez</p>")
    package.joinpath("t.csv").write_text("subject\nok\n")
    with pytest.raises(PublishBlocked, match=r"index\.html › <p> \(removed-value ×1\)"):
        gate(staging, build, {}, {"Juan Pérez"})


def test_describe_hits_is_capped():
    hits = [{"file": f"f{i}", "field": "x", "kind": "rut", "count": 1} for i in range(25)]
    assert describe_hits(hits).endswith("; … +5")


def test_xlsx_text_cells_by_sheet_and_header(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "purchase_orders"
    sheet.append(["order_id", "amount_total_clp", "description"])
    sheet.append(["2431-157-CM26", 987654321, "Entregar a doña Rosa, fono +56 9 8765 4321"])
    book.save(tmp_path / "contracts.xlsx")
    assert kinds(scan_for_values(tmp_path, set())) == [
        ("contracts.xlsx", "purchase_orders!description", "phone")
    ]


def test_the_publishers_own_contact_is_public_but_other_emails_are_not(tmp_path):
    office = "transparencia@villaejemplo.example"
    (tmp_path / "data.json").write_text(json.dumps({"contact": office, "other": EMAIL}))
    hits = scan_for_values(tmp_path, set(), public={office})
    assert kinds(hits) == [("data.json", "other", "email")]
    assert kinds(scan_for_values(tmp_path, set())) == [
        ("data.json", "contact", "email"),
        ("data.json", "other", "email"),
    ]


def test_a_file_scanned_clean_is_not_read_again_under_the_same_needles(tmp_path, monkeypatch):
    import publish.leaks as leaks

    site, cache = tmp_path / "site", tmp_path / "cache"
    fields = [{"name": "subject", "type": "string"}]
    write_csv_package(site, {"subject": ["Copia del decreto", "Patente comercial"]}, fields)
    read = []
    real = leaks.distinct_texts
    monkeypatch.setattr(leaks, "distinct_texts", lambda p: read.append(p.name) or real(p))
    assert scan_for_values(site, {"Juan Pérez"}, cache=cache) == []
    assert sorted(read) == ["datapackage.json", "t.csv"]
    read.clear()
    assert scan_for_values(site, {"Juan Pérez"}, cache=cache) == []
    assert read == []  # both files' sha256 were scanned clean under these needles
    assert scan_for_values(site, {"Ana María Soto"}, cache=cache) == []
    assert sorted(read) == ["datapackage.json", "t.csv"]  # other needles: read again
    read.clear()
    # changed bytes are read again, and a planted value is caught (fail closed)
    write_csv_package(site, {"subject": ["Copia del decreto", "pedido de juan perez"]}, fields)
    assert kinds(scan_for_values(site, {"Juan Pérez"}, cache=cache)) == [
        ("t.csv", "subject", "removed-value")
    ]
    assert kinds(scan_for_values(site, {"Juan Pérez"}, cache=cache)) == [
        ("t.csv", "subject", "removed-value")
    ]  # a file with a hit never enters the cache


def test_a_cached_file_renamed_as_a_private_report_is_still_a_hit(tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.html").write_text("<p>Presupuesto</p>")
    assert scan_for_values(tmp_path / "site", set(), cache=cache) == []
    (tmp_path / "site" / "page.html").rename(tmp_path / "site" / "x.report.html")
    assert kinds(scan_for_values(tmp_path / "site", set(), cache=cache)) == [
        ("x.report.html", "(file)", "private-report")
    ]


def test_a_copy_holding_more_than_its_table_is_caught_though_shared_texts_are_matched_once(
    tmp_path,
):
    """Texts found clean in the Parquet are not matched again in its CSV copy, but a text
    only the CSV holds is."""
    subjects = ["Copia del decreto", "Patente comercial"]
    pd.DataFrame({"subject": subjects}).to_parquet(tmp_path / "a.parquet")
    fields = [{"name": "subject", "type": "string"}]
    write_csv_package(tmp_path, {"subject": [*subjects, f"fono {MOBILE}"]}, fields)
    assert kinds(scan_for_values(tmp_path, set())) == [("t.csv", "subject", "phone")]


def test_a_hit_only_inside_a_package_names_its_dataset_and_one_in_a_page_blocks_all(tmp_path):
    from publish.package import file_facts
    from publish.publication import LeakFound

    staging, build = tmp_path / "releases" / ".staging", tmp_path / ".site-builds" / "b"
    fields = [{"name": "subject", "type": "string"}]
    for slug, subject in (("access_requests", f"RUT {PERSON_RUT}"), ("budgets", "Presupuesto")):
        write_csv_package(staging / slug, {"subject": [subject]}, fields)
        package = json.loads((staging / slug / "datapackage.json").read_text())
        package["resources"][0] |= file_facts(staging / slug / "t.csv")
        (staging / slug / "datapackage.json").write_text(json.dumps(package))
    (build / "index.html").parent.mkdir(parents=True)
    (build / "index.html").write_text("<p>Solicitudes</p>")
    summaries = {"access_requests": {"previews": {}}, "budgets": {"previews": {}}}
    with pytest.raises(LeakFound) as found:
        gate(staging, build, summaries, set())
    assert list(found.value.datasets) == ["access_requests"]
    assert "access_requests/t.csv › subject (rut ×1)" in found.value.datasets["access_requests"]
    (build / "index.html").write_text(f"<p>{EMAIL}</p>")
    with pytest.raises(PublishBlocked) as blocked:
        gate(staging, build, summaries, set())
    assert not isinstance(blocked.value, LeakFound)


def write_table_package(folder, frame, fields):
    """A package resource as `write_package` makes it: CSV, Parquet and Excel copies."""
    from publish.package import arrow_table, write_csv, write_parquet
    from publish.spreadsheet import write_xlsx

    folder.mkdir(parents=True, exist_ok=True)
    table = arrow_table(frame, fields)
    write_csv(table, fields, folder / "orders.csv")
    write_parquet(table, fields, folder / "orders.parquet")
    title = {"es": "Órdenes", "en": "Orders"}
    write_xlsx(table, fields, folder / "orders.xlsx", sheet="orders", title=title)
    alternates = [{"path": "orders.parquet"}, {"path": "orders.xlsx"}]
    resource = {"name": "orders", "path": "orders.csv", "schema": {"fields": fields}}
    package = {"resources": [resource | {"x-alternates": alternates}]}
    (folder / "datapackage.json").write_text(json.dumps(package))


ORDER_FIELDS = [
    {"name": "order_id", "type": "string"},
    {"name": "issued_on", "type": "date"},
    {"name": "amount_clp", "type": "integer"},
    {"name": "tax_rate", "type": "number"},
    {"name": "framework", "type": "boolean"},
    {"name": "note", "type": "string"},
]


def order_frame(rows: int, note: str) -> pd.DataFrame:
    """Rows of every cell type, with texts that need escaping and a note only in row 2."""
    return pd.DataFrame(
        {
            "order_id": [f"2431-{i}-SE26" for i in range(rows)],
            "issued_on": [dt.date(1899, 12, 31), None, *[dt.date(2026, 10, 5)] * (rows - 2)],
            "amount_clp": [987654321, None, *range(rows - 2)],
            "tax_rate": [0.19, None, *[1e-05] * (rows - 2)],
            "framework": [True, None, *[False] * (rows - 2)],
            "note": ["Año <2026> & \x01ñandú", note, *["=SUMA(A1)"] * (rows - 2)],
        }
    )


def test_a_package_workbook_is_read_through_its_table_once_proven_identical(tmp_path):
    from publish.leaks import _workbook_source
    from publish.spreadsheet import data_sheet_parts

    write_table_package(tmp_path, order_frame(70_000, f"llamar al {MOBILE}"), ORDER_FIELDS)
    sheet, parquet, fields = _workbook_source(tmp_path / "orders.xlsx")
    batches = pq.ParquetFile(parquet).iter_batches(1000)
    assert data_sheet_parts(tmp_path / "orders.xlsx", batches, fields) is not None
    assert ("orders.xlsx", "orders!note", "phone") in kinds(scan_for_values(tmp_path, set()))


def rewrite_entry(path, entry, change):
    """The workbook with one zip entry's bytes passed through `change`."""
    with zipfile.ZipFile(path) as book:
        entries = [(info, book.read(info)) for info in book.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for info, data in entries:
            book.writestr(info, change(data) if info.filename == entry else data)


def test_a_workbook_that_differs_from_its_table_by_one_cell_is_read_cell_by_cell(tmp_path):
    write_table_package(tmp_path, order_frame(5, "sin observaciones"), ORDER_FIELDS)
    assert kinds(scan_for_values(tmp_path, set())) == []
    rewrite_entry(
        tmp_path / "orders.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"sin observaciones", f"fono {MOBILE}".encode()),
    )
    assert kinds(scan_for_values(tmp_path, set())) == [("orders.xlsx", "orders!note", "phone")]


def test_the_rest_of_a_proven_workbook_is_still_scanned(tmp_path):
    write_table_package(tmp_path, order_frame(5, "sin observaciones"), ORDER_FIELDS)
    rewrite_entry(
        tmp_path / "orders.xlsx",
        "xl/sharedStrings.xml",
        lambda xml: xml.replace(b"</sst>", f"<si><t>{EMAIL}</t></si></sst>".encode()),
    )
    hits = kinds(scan_for_values(tmp_path, set()))
    assert [(f, k) for f, _, k in hits] == [("orders.xlsx", "email")]


SYNTAX = "ab .+*?()[]{}|^$\\\n\x00áñ-"  # regex syntax, a line break, NUL, accents


@settings(max_examples=150, deadline=None)
@given(
    st.sets(st.text(alphabet=SYNTAX, min_size=5, max_size=9), min_size=1, max_size=6),
    st.lists(st.text(alphabet=SYNTAX + "xy", max_size=40), max_size=8),
)
def test_removed_values_are_counted_by_re2_as_python_counts_them(values, texts):
    """RE2 (linear in the text, whatever the number of values) finds exactly the matches
    Python's `re` finds, even in values full of regex syntax, line breaks and NUL."""
    from publish.leaks import Needles

    needles = Needles(values)
    needles.MIN_RE2_CHARS = 0  # RE2 even for these short texts (longer ones go to it anyway)
    text = "\n\x00\n".join(texts + [v + "x" for v in list(values)[:2]])
    assert needles.count(text) == sum(1 for _ in needles.pattern.finditer(text))


def test_texts_free_of_patterns_are_not_matched_again_but_other_removed_values_are(monkeypatch):
    """A comuna's part scanned before assembly and the release's table share their texts:
    the second scan does not run the RUT/e-mail/phone patterns on a text already found
    free of them, but matches it against its own removed values."""
    import pyarrow as pa

    import publish.leaks as leaks
    from publish.leaks import LeakScan

    part = pa.table({"subject": ["pedido de juan perez", "Patente comercial"]})
    assert LeakScan({"Ana Soto"}).scan_table("part", part) == []
    table = pa.table({"subject": [*part["subject"].to_pylist(), f"fono {MOBILE}"]})
    matched = []
    real = leaks.find_phones
    monkeypatch.setattr(leaks, "find_phones", lambda text, f: matched.append(text) or real(text, f))
    again = LeakScan({"Ana Soto", "Juan Pérez"}).scan_table("package", table)
    assert sorted((h["field"], h["kind"]) for h in again) == [
        ("subject", "phone"),
        ("subject", "removed-value"),
    ]
    assert matched == [f"fono {MOBILE}"]  # only the text not seen before
    other = LeakScan({"Ana Soto"}, canaries={"Patente"}).scan_table("package", table)
    assert ("subject", "canary") in {(h["field"], h["kind"]) for h in other}  # other canaries


def test_short_and_long_texts_are_counted_alike():
    """Below `MIN_RE2_CHARS` Python's `re` counts (RE2 would compile the values for a
    few characters); above, RE2: the same text padded past the limit counts the same."""
    from publish.leaks import Needles

    needles = Needles({"maría josé pérez", "pérez soto", "juan pérez"})
    text = "solicitud de maría josé pérez soto; juan pérez, juan pérez"
    padded = text + " " * (Needles.MIN_RE2_CHARS + 1 - len(text))
    assert len(text) < Needles.MIN_RE2_CHARS < len(padded)
    assert needles.count(text) == needles.count(padded) == 3
