"""Order lines collapsed to one row per order (`datasets.ingest._group`)."""

import numpy as np
import pandas as pd
import pytest

from datasets.errors import SourceError
from datasets.ingest import _group


def _lines(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns, dtype=object)
    frame["_source_file"] = "99901/ordenes.csv"
    frame["_source_row"] = range(2, len(frame) + 2)
    return frame


def test_lines_of_an_order_become_its_first_line_and_keyless_lines_stay():
    frame = _lines(
        order_id=["A", "B", "A", None, "B", ""],
        status=["ok", "x", "ok", "z", "x", "w"],
    )
    grouped = _group(frame, "order_id", "ordenes.csv")
    assert grouped["order_id"].tolist() == ["A", "B", None, ""]
    assert grouped["_source_row"].tolist() == [2, 3, 5, 7]


def test_a_missing_cell_equals_an_empty_one_and_equal_texts_agree():
    # distinct objects of equal text, None, NaN and "" on lines of one order
    frame = _lines(
        order_id=["A", "A", "A", "A"],
        status=["".join(["o", "k"]), "ok", "ok", "ok"],
        note=[None, "", np.nan, None],
    )
    assert len(_group(frame, "order_id", "ordenes.csv")) == 1


@pytest.mark.parametrize(
    ("first", "other"), [("ok", "ko"), (None, "ok"), ("ok", ""), ("", "ok"), (np.nan, "1")]
)
def test_lines_that_disagree_are_a_source_error_naming_the_row(first, other):
    frame = _lines(order_id=["A", "B", "A"], status=[first, "x", other])
    with pytest.raises(SourceError) as raised:
        _group(frame, "order_id", "ordenes.csv")
    assert raised.value.row == 4
    assert raised.value.column == "status"
