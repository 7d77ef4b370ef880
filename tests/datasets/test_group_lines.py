"""Order lines collapsed to one row per order (`datasets.ingest._group`, and while each
column is mapped: `_map_table(group=True)`)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datasets.errors import SourceError
from datasets.ingest import _group, _LinesDisagree, _map_table


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


def _order_lines(tmp_path, edit=lambda lines: lines):
    """The demo's order lines, edited, read as ingest reads them."""
    from datasets.descriptor import load_descriptor
    from datasets.ingest import Rows
    from datasets.readers import read_table

    sample = Path(__file__).parents[2] / "datasets/samples/99901/contracts"
    header, *lines = (sample / "ordenes_de_compra_2026-10.csv").read_bytes().split(b"\r\n")
    path = tmp_path / "ordenes_de_compra_2026-10.csv"
    path.write_bytes(b"\r\n".join([header, *edit([x for x in lines if x])]) + b"\r\n")
    source = load_descriptor("contracts").sources[0]
    table = read_table(path, source, [])
    return table.header, Rows.of(table), source.tables["purchase_orders"]


def _without_code(line: bytes) -> bytes:
    return b";".join([b"", *line.split(b";")[1:]])


@pytest.mark.parametrize(
    "edit",
    [
        lambda lines: lines,
        # keyless lines stay, each with its row; a key repeated after others is one order
        lambda lines: [_without_code(lines[0]), *lines, _without_code(lines[5]), lines[1]],
    ],
)
def test_lines_grouped_while_mapped_equal_the_whole_table_grouped(tmp_path, edit):
    header, rows, mapping = _order_lines(tmp_path, edit)
    args = (header, rows, mapping, "99901/ordenes.csv", "99901")
    early = _map_table(*args, checked=set(), group=True)
    late = _group(_map_table(*args, checked=set()), "order_id", "ordenes.csv")
    pd.testing.assert_frame_equal(early, late)
    assert 0 < len(early) < len(rows)


def test_lines_that_disagree_while_mapped_are_told_to_map_whole(tmp_path):
    def edit(lines):
        cells = lines[1].split(b";")
        cells[1] = b"Otro nombre"  # the order's name (`Nombre`) on its second line
        return [lines[0], b";".join(cells), *lines[2:]]

    header, rows, mapping = _order_lines(tmp_path, edit)
    with pytest.raises(_LinesDisagree):
        _map_table(header, rows, mapping, "99901/ordenes.csv", "99901", group=True)
