"""The readers on Frictionless's messy fixtures and on hostile files.

Each fixture is read with the expected result or refused with the expected typed
error naming the file; nothing raises an untyped exception.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from datasets import readers
from datasets.descriptor import SourceFormat
from datasets.errors import EncodingError, HeaderError, SourceError, UnsafeFileError
from datasets.ingest import read_source
from datasets.readers import read_records
from tests.conftest import REFERENCE_DATA

FRICTIONLESS = REFERENCE_DATA / "frictionless"
needs_reference = pytest.mark.skipif(
    not FRICTIONLESS.is_dir(), reason=f"reference data not found at {FRICTIONLESS}"
)


def source(*columns: str, fmt: str = "csv", **options) -> SourceFormat:
    """A source mapping each listed header label to a field of the same name."""
    return SourceFormat(
        name="t",
        title="t",
        match=["*"],
        format=fmt,
        row_table="t",
        tables={"t": {"columns": {f"f{i}": c for i, c in enumerate(columns)}}},
        **options,
    )


def rows(path: Path, src: SourceFormat) -> list[list[str | None]]:
    frame = read_source(path, src, comuna_code="99901").tables["t"]
    return frame[[c for c in frame.columns if c.startswith("f")]].values.tolist()


@needs_reference
@pytest.mark.parametrize(
    ("name", "columns", "expected", "details"),
    [
        ("bom.csv", ["id", "name"], [["1", "english"], ["2", "中国人"]], {"encoding": "utf_8_sig"}),
        ("latin1.csv", ["id", "name"], [["1", "english"], ["2", "©"]], {"encoding": "cp1252"}),
        ("ascii-notvalid.csv", ["A", "B", "C"], [["1", "ssµ", "ab€"]], {"encoding": "utf_8"}),
        ("table-unicode-headers.csv", ["id", "国人"], [["1", "english"], ["2", "中国人"]], {}),
        ("issue-1009-semicolon.csv", ["fieldNameA", "fieldNameB"], [["0123", "c"]],
         {"delimiter": ";"}),
        ("leading-zeros.csv", ["value"], [["01"], ["002"], ["00003"]], {}),
        ("escaping.csv", ["ID", "Test"],
         [["1", "Test line 1"], ["2", 'Test " line 2'], ["3", 'Test " line 3']],
         {"escapechar": "\\", "skipinitialspace": True}),
        ("skip-rows-before-headers.csv", ["id", "name"], [["1", "english"], ["2", "中国人"]],
         {"header_row": 2}),
        ("matrix-with-comment.csv", ["f1", "f4"],
         [["11", "14"], ["21", "24"], ["31", "34"], ["41", "44"]], {"header_row": 2}),
        ("blank-headers.csv", ["id", "age"], [["1101", "30"], ["1102", "26"]],
         {"blank_headers": [2]}),
        ("structure-errors.csv", ["id", "name", "age"],
         [["1101", "John", "30"], ["1102", "Julie", "26"], ["1", "2", "3"]],
         {"rows_with_extra_cells": 1, "rows_with_extra_cells_first": [5]}),
        ("issue-1066-smallcellsizewithdeviation.csv", ["a"], None, {"line_endings": "CRLF"}),
    ],
)  # fmt: skip
def test_frictionless_fixtures_are_read(name, columns, expected, details):
    path = FRICTIONLESS / name
    src = source(*columns) if name != "issue-1066-smallcellsizewithdeviation.csv" else None
    if src is None:
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        src = source(header[0])
    raw = read_source(path, src, comuna_code="99901")
    if expected is not None:
        assert rows(path, src) == expected
    assert {k: raw.provenance[k] for k in details} == details


@needs_reference
def test_comment_rows_between_data_are_excluded_with_a_reason():
    src = source(
        "id",
        "name",
        exclude_rows=[{"pattern": "^#", "reason": "comment", "reason_es": "c", "reason_en": "c"}],
    )
    raw = read_source(FRICTIONLESS / "skip-rows.csv", src, comuna_code="99901")
    assert raw.tables["t"][["f0", "f1"]].values.tolist() == [["1", "english"], ["2", "中国人"]]
    assert [(e.source_row, e.reason) for e in raw.excluded] == [(4, "comment")]
    raw = read_source(FRICTIONLESS / "skip-blank-at-the-end.csv", source("test1", "test2", **{
        "exclude_rows": [{"pattern": "^#", "reason": "comment", "reason_es": "c", "reason_en": "c"}]
    }), comuna_code="99901")  # fmt: skip
    assert [(e.source_row, e.reason) for e in raw.excluded] == [(2, "comment"), (4, "blank-row")]


@needs_reference
@pytest.mark.parametrize(
    ("name", "blank_rows"),
    [("blank-rows.csv", [4]), ("blank-rows-multiple.csv", list(range(4, 15)))],
)
def test_blank_rows_are_excluded_and_counted(name, blank_rows):
    raw = read_source(FRICTIONLESS / name, source("id", "name"), comuna_code="99901")
    assert [e.source_row for e in raw.excluded if e.reason == "blank-row"] == blank_rows
    assert raw.provenance["rows_excluded_by_reason"] == {"blank-row": len(blank_rows)}
    assert raw.rows_read == len(raw.tables["t"]) + len(blank_rows)


@needs_reference
def test_doublequote_long_cells():
    raw = read_source(FRICTIONLESS / "doublequote.csv", source("INCISO", "DESCRIPCIONAP"),
                      comuna_code="99901")  # fmt: skip
    frame = raw.tables["t"]
    assert len(frame) == 5 and raw.provenance["delimiter"] == ","
    assert frame["f0"].tolist()[0] == "A.N.E.P."
    assert max(len(v) for v in frame["f1"]) == 902


@needs_reference
def test_latin1_semicolon_crlf_decimal_commas():
    src = source("Année", "Occupancy rate", "Date")
    src.tables["t"].columns["f1"].parse = "number"
    src.tables["t"].columns["f2"].parse = "date"
    src.tables["t"].columns["f2"].formats = ["%d-%m-%y"]
    raw = read_source(FRICTIONLESS / "table-with-accents.csv", src, comuna_code="99901")
    assert raw.provenance["delimiter"] == ";" and raw.provenance["line_endings"] == "CRLF"
    assert raw.rows_read == 638
    assert raw.tables["t"].iloc[0][["f0", "f1", "f2"]].tolist() == [
        "2013", "0.611553068", "2013-01-01"
    ]  # fmt: skip


@needs_reference
@pytest.mark.parametrize("name", ["duplicate-headers.csv", "duplicate-column.csv", "invalid.csv"])
def test_a_mapped_label_that_is_duplicated_is_a_header_error(name):
    label = {"duplicate-headers.csv": "id", "duplicate-column.csv": "B", "invalid.csv": "name"}[
        name
    ]
    with pytest.raises(HeaderError) as error:
        read_source(FRICTIONLESS / name, source(label), comuna_code="99901")
    assert error.value.file == f"99901/{name}" and error.value.column == label
    details = read_records(FRICTIONLESS / name, source()).details
    assert details["duplicate_headers"] == [label.lower()]


@needs_reference
def test_header_less_file_with_declared_columns():
    src = source("id", "name", column_names=["id", "name"])
    raw = read_source(FRICTIONLESS / "without-headers-extra.csv", src, comuna_code="99901")
    assert raw.tables["t"][["f0", "f1"]].values.tolist() == [
        ["1", "english"], ["2", "中国人"], ["3", "german"]
    ]  # fmt: skip
    assert raw.provenance["rows_with_extra_cells_first"] == [3]


@needs_reference
def test_multiline_merged_header_is_joined():
    src = source("Region", fmt="xlsx", header_rows=5)
    records = read_records(FRICTIONLESS / "multiline-headers.xlsx", src)
    assert records.header == [
        "Region",
        "Caloric contribution (%)",
        "Cumulative impact of changes on cost of food basket from previous quarter",
        "Cumulative impact of changes on cost of food basket from baseline (%)",
    ]
    assert records.records == [(6, ["A", "B", "C", "D"])]


@needs_reference
def test_merged_cells_are_filled_and_formatted_cells_keep_values():
    records = read_records(FRICTIONLESS / "merged-cells.xlsx", source("data", fmt="xlsx"))
    assert records.details["sheet"] == "Лист1"
    assert [cells for _, cells in records.records] == [["data", "data"], ["data", "data"]]
    src = source("0.0000#", "d-mmm", fmt="xlsx")
    src.tables["t"].columns["f1"].parse = "date"
    raw = read_source(FRICTIONLESS / "preserve-formatting.xlsx", src, comuna_code="99901")
    # the cached value, whatever the display format; a date cell stays a date
    assert raw.tables["t"][["f0", "f1"]].values.tolist() == [["1000.5577", "2040-05-20"]]


@needs_reference
@pytest.mark.parametrize(
    ("name", "fmt", "error", "words"),
    [
        ("empty.csv", "csv", SourceError, "empty"),
        ("without-rows.csv", "csv", SourceError, "no data rows"),
        ("invalid.json", "ocds", SourceError, "invalid JSON"),
        ("ascii-notvalid.csv", "csv", EncodingError, "not valid ascii"),
    ],
)
def test_frictionless_fixtures_are_rejected_with_typed_errors(name, fmt, error, words):
    options = {"encoding": "ascii"} if name == "ascii-notvalid.csv" else {}
    with pytest.raises(error) as raised:
        read_source(FRICTIONLESS / name, source("id", fmt=fmt, **options), comuna_code="99901")
    assert raised.value.file == name
    assert words in raised.value.message_en


@needs_reference
def test_csv_named_xlsx_is_refused(tmp_path):
    path = tmp_path / "export.xlsx"
    shutil.copy(FRICTIONLESS / "bom.csv", path)
    with pytest.raises(SourceError, match="looks like text/CSV") as error:
        read_source(path, source("id", fmt="xlsx"), comuna_code="99901")
    assert error.value.file == "export.xlsx"


@needs_reference
def test_truncated_xlsx_is_refused(tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes((FRICTIONLESS / "merged-cells.xlsx").read_bytes()[:3000])
    with pytest.raises(SourceError) as error:
        read_source(path, source("data", fmt="xlsx"), comuna_code="99901")
    assert error.value.type == "source-error" and error.value.file == "cut.xlsx"


@needs_reference
def test_xml_bomb_in_xlsx_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(FRICTIONLESS / "merged-cells.xlsx") as original,
        zipfile.ZipFile(path, "w") as bomb,
    ):
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "xl/workbook.xml":
                data = data.replace(
                    b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>', 1
                )
            bomb.writestr(member, data)
    with pytest.raises(UnsafeFileError, match="XML bomb"):
        read_source(path, source("data", fmt="xlsx"), comuna_code="99901")


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(UnsafeFileError, match="zip bomb"):
        read_source(path, source("a", fmt="xlsx"), comuna_code="99901")


def test_zip_without_content_types_is_refused(tmp_path):
    path = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(SourceError, match=r"\[Content_Types\].xml is missing"):
        read_source(path, source("a", fmt="xlsx"), comuna_code="99901")


def test_size_cap_applies_before_parsing(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "1,2\n" * 100, encoding="utf-8")
    with pytest.raises(UnsafeFileError, match="over the 50-byte limit"):
        read_source(path, source("a", max_bytes=50), comuna_code="99901")


def test_spreadsheet_declared_as_csv_and_text_declared_as_xls_are_refused(tmp_path):
    workbook = tmp_path / "book.csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    workbook.write_bytes(buffer.getvalue())
    with pytest.raises(SourceError, match="spreadsheet or ZIP"):
        read_source(workbook, source("a"), comuna_code="99901")
    text = tmp_path / "old.xls"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="OLE2"):
        read_source(text, source("a", fmt="xls"), comuna_code="99901")


def test_ambiguous_encoding_is_reported(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("nombre;comuna\nPeñalolén;Ñuñoa\n".encode("cp1252"))
    with pytest.raises(EncodingError, match="ambiguous"):
        read_source(path, source("nombre", encodings=["cp1252", "cp1250"]), comuna_code="99901")


def test_legacy_xls_first_non_empty_sheet_title_rows_and_mixed_cell_types():
    """Own fixture written with xlwt (BIFF8): an empty first sheet, a merged title row,
    dates as date cells, as text and as an Excel serial number, numbers as text."""
    src = source(
        "Folio", "Fecha de ingreso", "Materia", "Días hábiles", fmt="xls",
        exclude_rows=[{"column": "Materia", "pattern": "^TOTAL", "reason": "totals-row",
                       "reason_es": "fila de totales", "reason_en": "totals row"}],
    )  # fmt: skip
    src.tables["t"].columns["f1"].parse = "date"
    src.tables["t"].columns["f1"].formats = ["%d/%m/%Y", "excel"]
    path = Path(__file__).parent / "fixtures" / "solicitudes_legacy.xls"
    raw = read_source(path, src, comuna_code="99901")
    assert raw.provenance["sheet"] == "Solicitudes" and raw.provenance["header_row"] == 3
    assert raw.rows_read == 4
    assert [(e.source_row, e.reason) for e in raw.excluded] == [(7, "totals-row")]
    assert raw.tables["t"][["f0", "f1", "f2", "f3"]].values.tolist() == [
        ["MU999T0000001", "2024-03-04", "Copia del decreto de pavimentación", "12"],
        ["MU999T0000002", "2024-03-05", "Presupuesto del año 2024 – ejecución", "7"],
        ["MU999T0000003", "2024-03-08", "Actas del concejo municipal", "003"],
    ]


def test_a_legacy_byte_hidden_deep_in_ascii_is_found(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"id;nombre\n" + b"1;plaza\n" * 20000 + b"2;Pe\xf1alol\xe9n\n")
    raw = read_source(path, source("id", "nombre"), comuna_code="99901")
    assert raw.tables["t"]["f1"].iloc[-1] == "Peñalolén"
    assert raw.provenance["encoding"] == "cp1252"
    with pytest.raises(EncodingError, match=r"byte 0xf1 at offset 160014 is not valid utf_8"):
        read_source(path, source("id", "nombre", encoding="utf-8"), comuna_code="99901")


def test_formulas_are_read_as_their_cached_values(tmp_path):
    """A workbook as Excel saves it: the formula and the value it last computed."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Cuenta", "Monto"])
    book.active.append(["22.04.001", 1000])
    book.active.append(["22.04.002", "=B2*2"])
    plain = io.BytesIO()
    book.save(plain)
    path = tmp_path / "formulas.xlsx"
    with zipfile.ZipFile(plain) as original, zipfile.ZipFile(path, "w") as saved:
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>B2*2</f><v />", b"<f>B2*2</f><v>2000</v>")
            saved.writestr(member, data)
    src = source("Cuenta", "Monto", fmt="xlsx")
    src.tables["t"].columns["f1"].parse = "number"
    assert rows(path, src) == [["22.04.001", "1000"], ["22.04.002", "2000"]]


def test_default_size_cap_applies_to_workbooks_not_to_plain_text(tmp_path, monkeypatch):
    """National monthly CSVs are 1–2 GB: only workbooks have a default cap."""
    monkeypatch.setattr(readers, "MAX_SOURCE_BYTES", 60)
    text = tmp_path / "big.csv"
    text.write_text("a,b\n" + "1,2\n" * 100, encoding="utf-8")
    raw = read_source(text, source("a"), comuna_code="99901")
    assert raw.rows_read == 100
    workbook = tmp_path / "big.xlsx"
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>" * 20)
    with pytest.raises(UnsafeFileError, match="over the 60-byte limit"):
        read_source(workbook, source("a", fmt="xlsx"), comuna_code="99901")
