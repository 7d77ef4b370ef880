"""Object columns of a part stored in the Arrow type of their values (`parts._encode`):
texts and dates beside every kind of missing value (None, NaN, pd.NA), and columns of
several kinds refused."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipelines.parts import PartError, _encode

CELLS = {
    "text": ["b", None, "a", "b", np.nan, "ñandú", pd.NA, "a"],
    "date": [dt.date(2026, 1, 2), None, dt.date(2026, 1, 2), dt.date(2025, 12, 31)] * 2,
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_texts_and_dates_are_stored_with_missing_values_as_null(name):
    cells = CELLS[name]
    table, layout = _encode(pd.DataFrame({"c": pd.Series(cells, dtype=object)}), "part")
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


def test_a_date_beside_a_datetime_is_still_refused():
    cells = pd.Series([dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 10, 0)], dtype=object)
    with pytest.raises(PartError, match="several kinds"):
        _encode(pd.DataFrame({"c": cells}), "part")


def test_text_beside_numbers_is_still_refused():
    cells = pd.Series(["a", 1, "b"], dtype=object)
    with pytest.raises(PartError, match="several kinds"):
        _encode(pd.DataFrame({"c": cells}), "part")
