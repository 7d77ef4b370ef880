"""Rows whose parent row was held for review are held with it (columnar key match)."""

from __future__ import annotations

import pandas as pd

from datasets.descriptor import load_descriptor
from pipelines.steps import _hold_orphans


def test_lines_of_held_orders_are_held_and_the_rest_stay():
    orders = pd.DataFrame({"order_id": ["1-1-SE26", "1-3-SE26"], "_source_row": [2, 4]})
    items = pd.DataFrame(
        {
            "order_id": ["1-1-SE26", "1-2-SE26", "1-3-SE26", "1-2-SE26", None],
            "line_number": [1, 1, 1, 2, 1],
            "_source_row": [2, 3, 4, 5, 6],
        }
    )
    held_order = pd.DataFrame({"order_id": ["1-2-SE26"], "_source_row": [3], "_errors": [[]]})
    tables = {"purchase_orders": orders, "purchase_order_items": items}
    held = {"purchase_orders": held_order, "purchase_order_items": items.iloc[:0]}
    _hold_orphans(load_descriptor("contracts"), tables, held)
    assert tables["purchase_order_items"]["_source_row"].tolist() == [2, 4]
    assert tables["purchase_order_items"].index.tolist() == [0, 1]
    moved = held["purchase_order_items"]
    assert moved["_source_row"].tolist() == [3, 5, 6]
    assert moved["_errors"].tolist() == [[{"type": "parent-held", "fieldName": "order_id"}]] * 3
    assert tables["purchase_orders"].equals(orders)
