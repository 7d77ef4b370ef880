"""The columnar CSV writer gives the bytes of Python's `csv.writer` over `csv_text` of each
cell (the writer it replaced), on any text, number, integer, boolean and date."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from publish.package import csv_text, write_csv

FIELDS = [
    {"name": "text", "type": "string"},
    {"name": "count", "type": "integer"},
    {"name": "amount", "type": "number"},
    {"name": "flag", "type": "boolean"},
    {"name": "day", "type": "date"},
]
ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.text(alphabet=st.characters(exclude_categories=["Cs"]))),
        st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
        st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
        st.one_of(st.none(), st.booleans()),
        st.one_of(st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    ),
    max_size=30,
)


def reference_csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f["name"] for f in FIELDS])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([csv_text(v, f["type"]) for v, f in zip(row, FIELDS, strict=True)])
    return buffer.getvalue().encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_columnar_csv_matches_the_row_by_row_writer(tmp_path_factory, rows):
    frame = pd.DataFrame(rows, columns=[f["name"] for f in FIELDS], dtype=object)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_csv(frame, FIELDS, path)
    assert path.read_bytes() == reference_csv(frame)


def test_tricky_cells_are_quoted_and_neutralised_as_before(tmp_path):
    frame = pd.DataFrame(
        {
            "text": ["a,b", 'say "hi"', "two\nlines", "cr\ronly", " =1+1", "", None],
            "count": [1, None, -3, 0, 2**62, 5, 6],
            "amount": [1e-05, 1.5e16, 0.1, -3.0, None, 1e22, 2.5],
            "flag": [True, False, None, True, True, False, None],
            "day": [dt.date(2026, 10, 1), None, dt.date(999, 1, 2), None, None, None, None],
        },
        dtype=object,
    )
    write_csv(frame, FIELDS, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == reference_csv(frame)


def test_an_arrow_table_is_published_in_the_row_order_and_types_of_its_frame():
    """Sorting in Arrow gives what `sort_rows` gives on the same values: missing keys
    first, text by code point (accents, capitals), ties kept in their given order; and
    the columns typed as `arrow_table` types the frame (NaN missing, integers held as
    floats become integers), also when the rows are taken a batch at a time."""
    import pyarrow as pa

    from publish.package import arrow_table, published_table, sort_rows

    descriptor = {
        "fields": [
            {"name": "text", "type": "string"},
            {"name": "count", "type": "integer"},
            {"name": "amount", "type": "number"},
            {"name": "day", "type": "date"},
        ],
        "primaryKey": ["text", "count"],
    }
    frame = pd.DataFrame(
        {
            "text": ["b", None, "á", "B", "a", "b", None, "a", "ñ", "z"],
            "count": [2.0, 1.0, None, 3.0, 1.0, 2.0, None, None, 5.0, 0.0],
            "amount": [0.5, float("nan"), 1e-05, -3.0, 2.0, 7.25, None, 1.0, 3.0, 4.0],
            "day": [dt.date(2026, 10, d) for d in range(1, 11)],
            "private": list(range(10)),
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    rows = published_table(table, descriptor)
    got = rows.read_all()
    want = arrow_table(sort_rows(frame, descriptor), descriptor["fields"])
    assert got.equals(want)
    # taken and typed batch by batch as the writers read it: the same rows across batches
    assert pa.Table.from_batches(list(rows.to_batches(3))).equals(want)
    assert [b.num_rows for b in rows.to_batches(3)] == [3, 3, 3, 1]
    assert got.column("amount").null_count == 2
    assert got.column("text").to_pylist()[-3:] == ["z", "á", "ñ"]  # code point order
    assert got.column_names == ["text", "count", "amount", "day"]


def test_a_table_over_many_writer_batches_is_written_as_in_one(tmp_path, monkeypatch):
    """CSV and Excel are rendered batch by batch: 4-row batches give the bytes of one
    batch (CSV) and the same data sheet (Excel), row numbers running on across batches."""
    import zipfile

    import pyarrow as pa

    import publish.package
    import publish.spreadsheet
    from publish.package import arrow_table
    from publish.spreadsheet import SHEET, write_xlsx

    frame = pd.DataFrame(
        {
            "text": [f"fila, {i}" if i % 3 else f"=+{i}" for i in range(23)],
            "count": [i if i % 5 else None for i in range(23)],
            "amount": [i / 7 for i in range(23)],
            "flag": [bool(i % 2) for i in range(23)],
            "day": [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(23)],
        }
    )
    table = arrow_table(frame, FIELDS)
    title = {"es": "T", "en": "T"}

    def written(folder):
        folder.mkdir()
        write_csv(table, FIELDS, folder / "t.csv")
        write_xlsx(table, FIELDS, folder / "t.xlsx", sheet="t", title=title)
        with zipfile.ZipFile(folder / "t.xlsx") as book:
            return (folder / "t.csv").read_bytes(), book.read(SHEET)

    whole = written(tmp_path / "one")
    monkeypatch.setattr(publish.package, "CSV_BATCH_ROWS", 4)
    monkeypatch.setattr(publish.spreadsheet, "BATCH_ROWS", 4)
    assert isinstance(table, pa.Table) and len(table.to_batches(4)) == 6
    assert written(tmp_path / "many") == whole
    assert b'<row r="24">' in whole[1] and whole[0].count(b"\n") == 24


def test_parquet_is_written_a_row_group_at_a_time_as_in_one_write(tmp_path, monkeypatch):
    """Sorted rows are written one row group at a time, each taken from the source when
    the writer reaches it: the file is byte for byte the one `pq.write_table` gives of the
    whole sorted table with the same row group size."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import publish.package
    from publish.package import arrow_table, published_table, sort_rows, write_parquet

    descriptor = {"fields": FIELDS, "primaryKey": ["text"]}
    frame = pd.DataFrame(
        {
            "text": [f"fila {(7 * i) % 23}" for i in range(23)],
            "count": [i if i % 5 else None for i in range(23)],
            "amount": [i / 7 for i in range(23)],
            "flag": [bool(i % 2) for i in range(23)],
            "day": [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(23)],
        }
    )
    monkeypatch.setattr(publish.package, "PARQUET_ROW_GROUP", 5)
    rows = published_table(pa.Table.from_pandas(frame, preserve_index=False), descriptor)
    write_parquet(rows, FIELDS, tmp_path / "batched.parquet")
    whole = arrow_table(sort_rows(frame, descriptor), FIELDS)
    pq.write_table(
        whole,
        tmp_path / "whole.parquet",
        row_group_size=5,
        compression="zstd",
        write_statistics=True,
        store_schema=False,
    )
    assert pq.ParquetFile(tmp_path / "batched.parquet").metadata.num_row_groups == 5
    got = (tmp_path / "batched.parquet").read_bytes()
    assert got == (tmp_path / "whole.parquet").read_bytes()
