"""The constraints a source file adds to its fields (`quality.validate._source_errors`)."""

import pandas as pd

from quality.validate import _source_errors


def test_each_file_is_checked_with_its_own_constraints_once_per_distinct_value():
    raw = pd.DataFrame(
        {
            "order_id": ["1-2-SE26", "bad", "1-2-SE26", None, "bad", "x"],
            "order_name": ["a", None, "b", "c", None, None],
            "_source_file": ["99901/mp.csv"] * 5 + ["99901/ocds.json"],
            "_source_row": [2, 3, 4, 5, 6, 7],
        },
        dtype=object,
    )
    checks = {
        "99901/mp.csv": {
            "order_id": {"pattern": "^[0-9]+-[0-9]+-[A-Z0-9]+$"},
            "order_name": {"required": True},
        }
    }
    cells = raw[["order_id", "order_name"]]
    found = _source_errors(cells, raw, ["order_id", "order_name"], checks)
    shown = sorted((i, e["fieldName"], e["rowNumber"], e.get("cell")) for i, e in found)
    assert shown == [
        (1, "order_id", 3, "bad"),
        (1, "order_name", 3, None),
        (4, "order_id", 6, "bad"),
        (4, "order_name", 6, None),
    ]
    assert all(e["type"] == "constraint-error" for _, e in found)
