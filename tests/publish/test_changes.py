"""The changelog between two hand-made releases, by primary key."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from publish.changes import diff_table, release_notes, summarise_changes
from publish.package import write_parquet

FIELDS = [
    {"name": "order_id", "type": "string"},
    {"name": "line_number", "type": "integer"},
    {"name": "status", "type": "string"},
    {"name": "amount_clp", "type": "integer"},
    {"name": "ratio", "type": "number"},
    {"name": "sent_date", "type": "date"},
]


def write(path, rows):
    frame = pd.DataFrame(rows, columns=[f["name"] for f in FIELDS])
    write_parquet(frame, FIELDS, path)
    return path


@pytest.fixture
def releases(tmp_path):
    before = [
        ("OC-1", 1, "aceptada", 1000, float("nan"), dt.date(2026, 10, 1)),
        ("OC-1", 2, "aceptada", 2000, 0.5, dt.date(2026, 10, 1)),
        ("OC-2", 1, "enviada", 500, None, None),
        ("OC-3", 1, "enviada", 700, 1.0, dt.date(2026, 10, 3)),
    ]
    after = [
        ("OC-1", 1, "aceptada", 1000, float("nan"), dt.date(2026, 10, 1)),  # unchanged (NaN)
        ("OC-1", 2, "cancelada", -2000, 0.5, dt.date(2026, 10, 1)),  # two fields edited
        ("OC-2", 1, "enviada", 500, None, dt.date(2026, 10, 9)),  # null → date
        ("OC-4", 1, "enviada", 10, None, None),  # added
    ]  # OC-3 removed
    return write(tmp_path / "a.parquet", before), write(tmp_path / "b.parquet", after)


def test_diff_lists_added_removed_and_changed_rows_with_fields(releases):
    changes = diff_table(*releases, ["order_id", "line_number"], "purchase_order_items")
    rows = changes.to_dict("records")
    assert [(r["change"], json.loads(r["key"])) for r in rows] == [
        ("added", {"order_id": "OC-4", "line_number": 1}),
        ("removed", {"order_id": "OC-3", "line_number": 1}),
        ("changed", {"order_id": "OC-1", "line_number": 2}),
        ("changed", {"order_id": "OC-2", "line_number": 1}),
    ]
    assert rows[2]["changed_fields"] == "status;amount_clp"
    assert json.loads(rows[2]["before"]) == {"status": "aceptada", "amount_clp": 2000}
    assert json.loads(rows[2]["after"]) == {"status": "cancelada", "amount_clp": -2000}
    assert rows[3]["changed_fields"] == "sent_date"
    assert json.loads(rows[3]["after"]) == {"sent_date": "2026-10-09"}
    assert rows[0]["before"] is None and rows[1]["changed_fields"] is None


def test_same_file_has_no_changes(releases):
    assert diff_table(releases[0], releases[0], ["order_id", "line_number"], "t").empty


def test_a_key_part_added_since_the_old_release_is_empty_there(tmp_path):
    """A release made before budget lines gained programme, fund and department: the
    next release's empty key parts match its rows, so nothing reads as changed."""
    fields = [
        {"name": "area", "type": "string"},
        {"name": "programme_code", "type": "string"},
        {"name": "account_code", "type": "string"},
        {"name": "amount_clp", "type": "integer"},
    ]
    old_frame = pd.DataFrame({"area": ["m", "m"], "account_code": ["22", "21"]})
    old_frame["amount_clp"] = [5, 7]
    write_parquet(old_frame, [fields[0], *fields[2:]], tmp_path / "old.parquet")
    new_frame = pd.DataFrame(
        {
            "area": ["m", "m", "m"],
            "programme_code": [None, None, "01"],
            "account_code": ["22", "21", "22"],
        }
    )
    new_frame["amount_clp"] = [5, 8, 1]
    write_parquet(new_frame, fields, tmp_path / "new.parquet")
    key = ["area", "programme_code", "account_code"]
    rows = diff_table(tmp_path / "old.parquet", tmp_path / "new.parquet", key, "t")
    assert [(r["change"], json.loads(r["key"])) for r in rows.to_dict("records")] == [
        ("added", {"area": "m", "programme_code": "01", "account_code": "22"}),
        ("changed", {"area": "m", "programme_code": None, "account_code": "21"}),
    ]


def test_summary_and_release_notes(releases):
    summary = summarise_changes(diff_table(*releases, ["order_id", "line_number"], "items"))
    assert summary == {
        "items": {
            "added": 1,
            "removed": 1,
            "changed": 2,
            "fields": {"amount_clp": 1, "sent_date": 1, "status": 1},
        }
    }
    notes = release_notes("2026-11-24", "2026-11-23", {"contracts": summary, "budgets": None})
    assert "changes since 2026-11-23" in notes
    assert "- items: 1 filas nuevas / rows added, 1 eliminadas / removed, 2 modificadas" in notes
    assert "  - status: 1" in notes
    assert "Unchanged: the previous release is kept" in notes
    assert "First release" in release_notes("2026-11-23", None, {"contracts": {}})
