"""CSV read in blocks (`datasets.readers.delimited`): with the chunk size cut down to a
few hundred bytes, a small file crosses dozens of Arrow blocks, and every record, row
number and refusal must still be what Python's `csv` reading of the whole text gives."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import datasets.readers.batches.chunked as chunked
from datasets.errors import (
    AmbiguousNumberError,
    SourceError,
    StructureError,
    TruncatedFileError,
)
from datasets.ingest import read_source
from datasets.readers import read_records, read_table
from datasets.readers.delimited import SourceColumns
from tests.datasets.test_ambiguous_numbers import HEADER, LINES
from tests.datasets.test_ambiguous_numbers import source as dipres_source
from tests.datasets.test_dialect import SOURCE  # `Código;Producto;Monto`

LINE = '{n};"Resma ""carta"" {n}";{n}000\n'


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(chunked, "CHUNK_BYTES", 512)


def expected(text: str, header_row: int = 1) -> list[tuple[int, list[str]]]:
    rows = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=";"), start=1)
    return [(n, blank_as_empty(cells)) for n, cells in rows if n > header_row]


def blank_as_empty(cells: list[str]) -> list[str]:
    """Arrow reads a blank line as a record of empty cells (it cannot tell them apart):
    either is a blank row."""
    return cells if any(cells) else []


def write(tmp_path: Path, text: str, encoding: str = "utf_8") -> Path:
    path = tmp_path / "ordenes.csv"
    path.write_bytes(text.encode(encoding))
    return path


BODY = "".join(LINE.format(n=n) for n in range(300))
CASES = {
    "many blocks": "Código;Producto;Monto\n" + BODY,
    "CRLF, CR": ("Código;Producto;Monto\r\n" + BODY.replace("\n", "\r\n"))[:-2] + "\r",
    "CR only": "Código;Producto;Monto\r" + BODY.replace("\n", "\r"),
    "a title row, blank lines": "Órdenes de compra\n\nCódigo;Producto;Monto\n" + BODY + "\n\n",
    "quoted line breaks across blocks": "Código;Producto;Monto\n"
    + "".join(f'{n};"línea 1\nlínea 2\r\n{"x" * (n % 97)}";{n}\n' for n in range(200)),
    "ragged rows with extra cells": "Código;Producto;Monto\n"
    + "".join(LINE.format(n=n) if n % 37 else f"{n};a;b;extra;{n}\n" for n in range(300)),
}


@pytest.mark.parametrize("encoding", ["utf_8", "utf_8_sig", "cp1252", "utf_16"])
@pytest.mark.parametrize("name", list(CASES))
def test_records_in_blocks_are_the_records_csv_reads(tmp_path, name, encoding):
    text = CASES[name]
    path = write(tmp_path, text, encoding)
    table = read_table(path, SOURCE)
    assert isinstance(table, SourceColumns)
    header_row = 3 if name.startswith("a title row") else 1
    records = [(n, blank_as_empty(cells)) for n, cells in read_records(path, SOURCE).records]
    assert records == expected(text, header_row)
    assert table.details["header_row"] == header_row
    extra = [n for n, cells in expected(text, header_row) if len(cells) > 3]
    assert table.details["rows_with_extra_cells_first"] == extra[:10]


def test_a_csv_is_never_read_whole(tmp_path, monkeypatch):
    path = write(tmp_path, CASES["many blocks"], "cp1252")

    def refused(self, *args, **kwargs):
        raise AssertionError(f"{self} read whole")

    monkeypatch.setattr(Path, "read_bytes", refused)
    monkeypatch.setattr(Path, "read_text", refused)
    raw = read_source(path, SOURCE, comuna_code="13122")
    assert raw.rows_read == 300
    assert raw.tables["t"]["name"].iloc[299] == 'Resma "carta" 299'
    assert raw.tables["t"]["_source_row"].tolist() == list(range(2, 302))


def test_a_short_row_in_a_later_block_is_refused_with_its_number(tmp_path):
    text = CASES["many blocks"].replace("250;", "250;corto\n", 1)  # row 252 has 2 cells
    with pytest.raises(StructureError) as raised:
        read_source(write(tmp_path, text), SOURCE, comuna_code="13122")
    assert raised.value.row == 252


@pytest.mark.parametrize("lines", [1, 3])
def test_a_quote_left_open_at_the_end_of_many_blocks_is_a_truncated_file(tmp_path, lines):
    tail = '301;"Resma ""sin"" cierre' + "\notra línea" * (lines - 1)
    text = CASES["many blocks"] + tail
    with pytest.raises(TruncatedFileError) as raised:
        read_source(write(tmp_path, text), SOURCE, comuna_code="13122")
    offset = len(CASES["many blocks"].encode("utf_8"))  # where line 302 starts
    assert raised.value.row == 302
    assert f"(from byte {offset}; its last {lines} lines)" in raised.value.message_en


def test_a_closed_quote_that_looks_open_at_the_end_is_read(tmp_path):
    text = CASES["many blocks"] + '301;x;"""cierre"""\n'  # ends in a quote, closed
    raw = read_source(write(tmp_path, text), SOURCE, comuna_code="13122")
    assert raw.tables["t"]["amount"].iloc[-1] == '"cierre"'


def test_ambiguous_numbers_are_judged_over_the_whole_column_across_blocks(tmp_path):
    """`900.000` in the first block is proven a decimal by `1004617.5` many blocks later
    (and refused as ambiguous without it)."""
    filler = LINES[2] * 200
    path = tmp_path / "articles-1_doc_csv.csv"
    for second, ambiguous in (("1004617.5", False), ("1004617", True)):
        text = HEADER + LINES[0].format("900.000") + filler + LINES[1].format("", second) + LINES[3]
        path.write_bytes(text.encode("latin-1"))
        if ambiguous:
            with pytest.raises(AmbiguousNumberError) as raised:
                read_source(path, dipres_source(".", ""), comuna_code="13122")
            assert raised.value.row == 2
        else:
            raw = read_source(path, dipres_source(".", ""), comuna_code="13122")
            amounts = raw.tables["budget_lines"]["amount_initial_clp"].tolist()
            assert amounts[0] == "900000" and amounts[-1] == "1004617500"


def test_a_header_over_more_rows_than_the_file_has_is_a_file_without_data(tmp_path):
    source = SOURCE.model_copy(update={"header_rows": 3})
    with pytest.raises(SourceError) as raised:
        read_source(write(tmp_path, "Código;Producto;Monto\n1;2;3\n"), source, comuna_code="1")
    assert raised.value.message_en == "the file has a header but no data rows"
