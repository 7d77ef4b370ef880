"""Spreadsheet-safe CSV (OWASP CSV injection) and the Excel download."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from publish.package import arrow_table, csv_text, write_csv, write_parquet
from publish.spreadsheet import neutralise_formula, write_xlsx

FIELDS = [
    {"name": "name", "type": "string", "title": "Nombre", "x-title-en": "Name"},
    {"name": "amount_clp", "type": "integer", "title": "Monto", "x-title-en": "Amount"},
    {"name": "ratio", "type": "number", "title": "Razón", "x-title-en": "Ratio"},
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+56 9 1234 5678", "'+56 9 1234 5678"),
        ("-1500", "'-1500"),  # a text field that looks negative is still text
        ("@cmd", "'@cmd"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\n=1+1", "'\n=1+1"),
        ('   =HYPERLINK("http://x")', '\'   =HYPERLINK("http://x")'),
        ("  -3", "'  -3"),
        ("Compra de papel", "Compra de papel"),
        ("e-mail: x", "e-mail: x"),  # a sign inside the text is harmless
        ("1+1", "1+1"),
        ("", ""),
        ("'=already", "'=already"),
    ],
)
def test_text_that_would_run_as_a_formula_is_prefixed(value, expected):
    assert neutralise_formula(value) == expected
    assert csv_text(value, "string") == expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [(-1500, "integer", "-1500"), (-0.25, "number", "-0.25"), (-3.0, "number", "-3")],
)
def test_numbers_are_never_touched(value, kind, expected):
    assert csv_text(value, kind) == expected


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["=1+1", "-Descuento", "Papel", None],
            "amount_clp": pd.array([-1500, 20, None, 3], dtype="Int64"),
            "ratio": [-0.5, 1.0, None, 2.25],
        }
    )


def test_csv_neutralises_text_while_parquet_keeps_exact_values(frame, tmp_path):
    write_csv(frame, FIELDS, tmp_path / "t.csv")
    write_parquet(frame, FIELDS, tmp_path / "t.parquet")
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text("utf-8"))))
    assert rows == [
        ["name", "amount_clp", "ratio"],
        ["'=1+1", "-1500", "-0.5"],
        ["'-Descuento", "20", "1"],
        ["Papel", "", ""],
        ["", "3", "2.25"],
    ]
    table = pq.read_table(tmp_path / "t.parquet").to_pydict()
    assert table["name"] == ["=1+1", "-Descuento", "Papel", None]
    assert table["amount_clp"] == [-1500, 20, None, 3]


def test_xlsx_types_formula_like_text_as_text_and_explains_columns(frame, tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx(
        arrow_table(frame, FIELDS),
        FIELDS,
        path,
        sheet="tabla",
        title={"es": "Tabla", "en": "Table"},
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["tabla", "columnas-columns"]
    data = book["tabla"]
    assert data["A2"].value == "=1+1" and data["A2"].data_type == "s"
    assert data["B2"].value == -1500 and data["C2"].value == -0.5
    assert data.max_row == 5
    notes = [row for row in book["columnas-columns"].iter_rows(values_only=True)]
    assert notes[1][:4] == ("name", "Nombre", "Name", "string")
    with zipfile.ZipFile(path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_xlsx_is_byte_identical_when_written_twice(frame, tmp_path):
    for name in ("a.xlsx", "b.xlsx"):
        write_xlsx(
            arrow_table(frame, FIELDS),
            FIELDS,
            tmp_path / name,
            sheet="t",
            title={"es": "T", "en": "T"},
        )
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_the_leak_scan_reads_excel_files(frame, tmp_path):
    from publish.leaks import scan_for_values

    frame.loc[2, "name"] = "Juana Pérez Soto"
    write_xlsx(
        arrow_table(frame, FIELDS),
        FIELDS,
        tmp_path / "t.xlsx",
        sheet="t",
        title={"es": "T", "en": "T"},
    )
    assert [h["file"] for h in scan_for_values(tmp_path, {"juana pérez soto"})] == ["t.xlsx"]
    assert scan_for_values(tmp_path, {"Pedro Rojas"}) == []


def test_xlsx_cells_of_every_type_read_back_exactly(tmp_path):
    import datetime as dt

    fields = [
        {"name": "text", "type": "string"},
        {"name": "count", "type": "integer"},
        {"name": "ratio", "type": "number"},
        {"name": "flag", "type": "boolean"},
        {"name": "day", "type": "date"},
    ]
    frame = pd.DataFrame(
        {
            "text": ["a & b <c> ", "bell\x07 gone", "  lead", None],
            "count": [2**40, -3, None, 0],
            "ratio": [1e-05, 0.1, None, -2.5],
            "flag": [True, False, None, True],
            "day": [
                dt.date(2026, 10, 1),
                dt.date(1900, 3, 1),
                dt.date(1899, 12, 31),
                dt.date(1900, 1, 1),
            ],
        },
        dtype=object,
    )
    path = tmp_path / "t.xlsx"
    write_xlsx(arrow_table(frame, fields), fields, path, sheet="t", title={"es": "T", "en": "T"})
    rows = list(openpyxl.load_workbook(path)["t"].iter_rows(values_only=True))
    assert rows[0] == ("text", "count", "ratio", "flag", "day")
    assert rows[1] == ("a & b <c> ", 2**40, 1e-05, True, dt.datetime(2026, 10, 1))
    assert rows[2] == ("bell gone", -3, 0.1, False, dt.datetime(1900, 3, 1))
    assert rows[3] == ("  lead", None, None, None, "1899-12-31")  # before Excel's calendar
    assert rows[4] == (None, 0, -2.5, True, dt.datetime(1900, 1, 1))


def test_xlsx_keeps_white_space_marking_only_the_texts_that_need_it(tmp_path):
    """`xml:space="preserve"` only on a text with white space at an edge (as xlsxwriter
    writes it); Excel's readers keep every text as it was, inner line breaks included."""
    from python_calamine import CalamineWorkbook

    texts = [" a ", "a", "", "a\nb", "\tb", "b\u00a0", "x&<y>", "  ", "a b"]
    fields = [{"name": "text", "type": "string"}]
    path = tmp_path / "t.xlsx"
    frame = pd.DataFrame({"text": texts}, dtype=object)
    write_xlsx(arrow_table(frame, fields), fields, path, sheet="t", title={"es": "T", "en": "T"})
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    preserved = sheet.count('<t xml:space="preserve">')
    assert preserved == 4  # " a ", "\tb", "b\u00a0" and "  "
    assert "<t>a\nb</t>" in sheet and "<t>a b</t>" in sheet
    rows = list(openpyxl.load_workbook(path)["t"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == texts
    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("t").to_python()
    assert [row[0] for row in cells[1:]] == texts


def test_xlsx_cells_without_references_read_back_in_their_columns(tmp_path):
    """Data cells carry no `r="B7"` reference (optional in ECMA-376, the cell being the
    column after its row's previous cell): every cell is written, a missing one as `<c/>`,
    so values after a gap (first, middle, last column) read back in their own column with
    openpyxl (both of its readers) and calamine (pandas' fast reader)."""
    from python_calamine import CalamineWorkbook

    fields = [
        {"name": "a", "type": "string"},
        {"name": "b", "type": "integer"},
        {"name": "c", "type": "number"},
        {"name": "d", "type": "string"},
    ]
    frame = pd.DataFrame(
        {
            "a": [None, "x", "y", None],
            "b": [1, None, 3, None],
            "c": [0.5, 2.0, None, None],
            "d": ["p", None, None, None],
        },
        dtype=object,
    )
    path = tmp_path / "t.xlsx"
    write_xlsx(arrow_table(frame, fields), fields, path, sheet="t", title={"es": "T", "en": "T"})
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    data = sheet[sheet.index('<row r="2">') :]
    assert ' r="A' not in data and "<c r=" not in data
    assert '<row r="5"><c/><c/><c/><c/></row>' in data
    want = [(None, 1, 0.5, "p"), ("x", None, 2, None), ("y", 3, None, None)]
    for read_only in (False, True):
        book = openpyxl.load_workbook(path, read_only=read_only)
        rows = [tuple(r) for r in book["t"].iter_rows(min_row=2, max_row=4, values_only=True)]
        assert rows == want
    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("t").to_python()
    assert [tuple(None if v == "" else v for v in row) for row in cells[1:4]] == want


def test_a_table_over_excel_rows_gets_no_workbook_and_says_why(tmp_path, monkeypatch):
    import publish.spreadsheet
    from datasets.descriptor import load_descriptor
    from publish.package import write_package

    monkeypatch.setattr(publish.spreadsheet, "EXCEL_MAX_ROWS", 3)
    from schemas import public_descriptor

    names = [f["name"] for f in public_descriptor("access_requests")["fields"]]
    frame = pd.DataFrame({n: [None] * 5 for n in names}, dtype=object)
    frame["request_id"] = [f"MU001T000000{i}" for i in range(5)]
    frame["comuna_code"] = "99901"
    from datasets.municipalities import comunas_table, load_installation

    comunas = comunas_table(load_installation())
    package = write_package(
        tmp_path,
        load_descriptor("access_requests"),
        {"access_requests": frame},
        sources=[],
        comunas=comunas,
        version="2026-11-02",
    )
    resource = package["resources"][0]
    assert [a["format"] for a in resource["x-alternates"]] == ["parquet"]
    assert "(5)" in resource["x-no-spreadsheet"]["en"]
    assert not (tmp_path / "access_requests.xlsx").exists()
