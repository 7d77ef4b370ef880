"""Object columns of a part stored in the Arrow type of their values
(`parts._write_table`): texts and dates beside every kind of missing value (None, NaN,
pd.NA), columns of several kinds refused, and a table of several row groups written
one group at a time into the bytes `pq.write_table` of the whole table gives."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines import parts
from pipelines.parts import PartError, _write_table

CELLS = {
    "text": ["b", None, "a", "b", np.nan, "ñandú", pd.NA, "a"],
    "date": [dt.date(2026, 1, 2), None, dt.date(2026, 1, 2), dt.date(2025, 12, 31)] * 2,
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_texts_and_dates_are_stored_with_missing_values_as_null(name, tmp_path):
    cells = CELLS[name]
    frame = pd.DataFrame({"c": pd.Series(cells, dtype=object)})
    layout = _write_table(frame, tmp_path / "t.parquet", "part")
    table = pq.read_table(tmp_path / "t.parquet")
    expected = [None if v is None or v is pd.NA or v != v else v for v in cells]
    assert table.column("c").to_pylist() == expected
    assert table.column("c").type == (pa.string() if name == "text" else pa.date32())
    assert layout == [
        {
            "name": "c",
            "dtype": "object",
            "kind": {"text": "str"}.get(name, name),
            "arrow": str(table.column("c").type),
        }
    ]


def test_a_date_beside_a_datetime_is_still_refused(tmp_path):
    cells = pd.Series([dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 10, 0)], dtype=object)
    with pytest.raises(PartError, match="several kinds"):
        _write_table(pd.DataFrame({"c": cells}), tmp_path / "t.parquet", "part")


def test_text_beside_numbers_is_still_refused(tmp_path):
    cells = pd.Series(["a", 1, "b"], dtype=object)
    with pytest.raises(PartError, match="several kinds"):
        _write_table(pd.DataFrame({"c": cells}), tmp_path / "t.parquet", "part")


@pytest.mark.parametrize("rows", [0, 5, 10, 11])
def test_row_groups_written_one_at_a_time_make_the_file_of_the_whole_table(
    rows, tmp_path, monkeypatch
):
    """Groups of 5 rows: the kind of a column is that of the whole column (a group with
    no text in it is still text), and the bytes are those of `pq.write_table`."""
    monkeypatch.setattr(parts, "ROW_GROUP_ROWS", 5)
    frame = pd.DataFrame(
        {
            "text": pd.Series(([None] * 6 + ["a", "ñ", None, "b", "c"])[:rows], dtype=object),
            "day": pd.Series([dt.date(2026, 1, 1 + i % 28) for i in range(rows)], dtype=object),
            "amount": pd.array(list(range(rows)), dtype="Int64"),
            "errors": pd.Series(
                [[{"type": "x", "rowNumber": i}] for i in range(rows)], dtype=object
            ),
        }
    )
    layout = _write_table(frame, tmp_path / "groups.parquet", "part")
    cells = frame.assign(errors=[json.dumps(v) for v in frame["errors"]])
    whole = pa.Table.from_arrays(
        [
            pa.array(cells[c], from_pandas=True)
            if lay["kind"] == "native"
            else pa.array(cells[c].tolist(), type=pa.type_for_alias(lay["arrow"]))
            for c, lay in zip(frame.columns, layout, strict=True)
        ],
        names=list(frame.columns),
    )
    pq.write_table(
        whole, tmp_path / "whole.parquet", compression="zstd", store_schema=True, row_group_size=5
    )
    assert (tmp_path / "groups.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "groups.parquet").metadata.num_row_groups == max(
        1, -(-rows // 5)
    )
    kinds = {0: ["null", "null", "int64", "null"], 5: ["null", "date32[day]", "int64", "string"]}
    assert [lay["arrow"] for lay in layout] == kinds.get(
        rows, ["string", "date32[day]", "int64", "string"]
    )
