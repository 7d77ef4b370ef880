"""Valid rows come out typed with the values their text says, exactly."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from quality.validate import cast

SCHEMA = {
    "fields": [
        {"name": "amount", "type": "integer"},
        {"name": "price", "type": "number"},
        {"name": "signed_on", "type": "date"},
        {"name": "is_open", "type": "boolean"},
        {"name": "note", "type": "string"},
    ]
}
NUMBERS = ["1", "-0", "0.1", "12345.678901234567", "1E5", "-2.5e-3", "1e308", None]


def _frame(**columns) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    return frame.assign(_source_file="orders.csv", _source_row=range(2, size + 2))


def test_integers_above_two_to_the_53_keep_every_digit_beside_a_missing_value():
    # through float64 (as pd.to_numeric reads a column with a None), 2**53 + 1 turns
    # into 2**53: a plausible, wrong amount
    texts = ["9007199254740993", None, "-9223372036854775808", "42"]
    frame = _frame(
        amount=texts, price=["1"] * 4, signed_on=[None] * 4, is_open=[None] * 4, note=["a"] * 4
    )
    typed = cast(frame, SCHEMA)
    assert str(typed["amount"].dtype) == "Int64"
    assert typed["amount"].tolist()[0] == 2**53 + 1
    assert typed["amount"].isna().tolist() == [False, True, False, False]
    assert typed["amount"].tolist()[2] == -(2**63)


def test_numbers_read_as_pandas_reads_them_and_missing_stays_missing():
    frame = _frame(
        amount=["1"] * len(NUMBERS),
        price=NUMBERS,
        signed_on=["2024-02-29", None, "2024-02-29", "2025-01-01", None, None, None, None],
        is_open=["true", "FALSE", " Yes ", "0", "1", None, "no", "true"],
        note=["x"] * len(NUMBERS),
    )
    frame.index = range(10, 10 + len(NUMBERS))
    typed = cast(frame, SCHEMA)
    expected = pd.to_numeric(pd.Series(NUMBERS, dtype=object)).astype("Float64")
    assert typed["price"].tolist() == expected.tolist()
    assert str(typed["price"].dtype) == "Float64"
    assert list(typed.index) == list(range(len(NUMBERS)))  # the valid rows, numbered from 0
    assert typed["signed_on"].tolist()[:4] == [
        dt.date(2024, 2, 29),
        None,
        dt.date(2024, 2, 29),
        dt.date(2025, 1, 1),
    ]
    assert typed["is_open"].tolist() == [True, False, True, False, True, pd.NA, False, True]
    assert typed["_source_row"].tolist() == list(range(2, 2 + len(NUMBERS)))


def test_rows_left_out_are_those_at_the_positions_given():
    """`without` leaves out rows by position, column by column: the same typed table as
    casting the frame without them."""
    frame = _frame(
        amount=["1", "2", None, "4", "5"],
        price=["1,5", "2", "3", None, "5"],
        signed_on=["2024-02-29", None, "2025-01-01", "2025-01-02", None],
        is_open=["true", None, "no", "1", "0"],
        note=["a", "b", None, "d", "e"],
    )
    typed = cast(frame, SCHEMA, without=[0, 3])
    expected = cast(frame.drop(index=[0, 3]).reset_index(drop=True), SCHEMA)
    pd.testing.assert_frame_equal(typed, expected)
    assert typed["_source_row"].tolist() == [3, 4, 6]
    assert typed["note"].tolist() == ["b", None, "e"]
