"""Whether each row's key is among its parents' (`pipelines.steps._keys_in`): a one-column
key is matched by `isin`, and means what the several-column path (`row_codes`) means."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from datasets.normalise import row_codes
from pipelines.steps import _keys_in

CELLS = st.sampled_from(["1-1-SE26", "1-2-SE26", "", None, np.nan, 1, 1.0, True, "1"])


def _by_row_codes(rows: pd.Series, parents: pd.Series) -> np.ndarray:
    codes = row_codes([pd.concat([parents, rows], ignore_index=True).astype(object)])
    return np.isin(codes[len(parents) :], codes[: len(parents)])


@given(st.lists(CELLS, max_size=12), st.lists(CELLS, max_size=8))
def test_one_column_keys_match_as_several_column_keys_do(rows, parents):
    rows = pd.DataFrame({"order_id": pd.Series(rows, dtype=object)})
    parents = pd.DataFrame({"order_id": pd.Series(parents, dtype=object)})
    found = _keys_in(rows, ["order_id"], parents, ["order_id"])
    assert found.tolist() == _by_row_codes(rows["order_id"], parents["order_id"]).tolist()


def test_a_missing_key_is_found_only_among_parents_with_a_missing_key():
    rows = pd.DataFrame({"order_id": ["a", None, np.nan, "b"]}, dtype=object)
    with_missing = pd.DataFrame({"order_id": ["a", None]}, dtype=object)
    without = pd.DataFrame({"order_id": ["a"]}, dtype=object)
    assert _keys_in(rows, ["order_id"], with_missing, ["order_id"]).tolist() == [1, 1, 1, 0]
    assert _keys_in(rows, ["order_id"], without, ["order_id"]).tolist() == [1, 0, 0, 0]
