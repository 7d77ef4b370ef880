"""The catalog's leak scan of a comuna's part reads each text column's distinct values
from the Parquet dictionaries: the same texts as the whole column, so the same hits."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from datasets.descriptor import SLUGS
from datasets.municipalities import installation_path, load_installation
from pipelines import assets, parts, steps
from publish.leaks import LeakScan
from schemas import public_descriptor
from tests.conftest import RUN_DATE


def _part(home, slug: str, tmp_path) -> parts.Part:
    installation = load_installation(installation_path())
    cut = installation.municipalities[0].cut
    ingested = steps.ingest(home, installation, slug, comuna=cut)
    validated = steps.validate(ingested, installation, home.quarantine / cut)
    prepared = steps.prepare(
        validated,
        installation,
        as_of=dt.date.fromisoformat(RUN_DATE),
        home=home,
        quarantine_dir=home.quarantine / cut,
    )
    return parts.write_part(tmp_path / "parts", prepared, [])


def _whole(part: parts.Part, table: str) -> dict[str, set]:
    """Each published text field's distinct non-empty texts, from the whole column."""
    names = [
        f["name"] for f in public_descriptor(table)["fields"] if f.get("type", "string") == "string"
    ]
    stored = pq.read_table(part.path("tables", table), columns=names)
    return {
        name: set(pc.unique(stored.column(name).cast(pa.string())).to_pylist()) - {None, ""}
        for name in names
    }


@pytest.mark.parametrize("slug", SLUGS)
def test_distinct_texts_are_those_of_the_whole_columns(demo_home, tmp_path, slug):
    part = _part(demo_home, slug, tmp_path)
    for table in part.meta["tables"]["tables"]:
        distinct = assets._public_text(part, table)
        assert distinct.schema.names == list(_whole(part, table))
        assert all(pa.types.is_string(t) for t in distinct.schema.types)
        for name in distinct.schema.names:
            values = distinct.column(name).to_pylist()
            filled = [v for v in values if v is not None]
            assert len(filled) == len(set(filled))  # each text once
            assert set(filled) - {""} == _whole(part, table)[name]


def test_a_value_in_the_part_is_found_by_the_part_scan(demo_home, tmp_path):
    """A removed value planted in the part's text (as a leak would be) is a hit."""
    part = _part(demo_home, "contracts", tmp_path)
    table = "purchase_orders"
    name = next(
        f["name"]
        for f in public_descriptor(table)["fields"]
        if f.get("type", "string") == "string" and _whole(part, table)[f["name"]]
    )
    leaked = sorted(_whole(part, table)[name])[0]
    scan = LeakScan({leaked})
    assert scan.scan_table(table, assets._public_text(part, table)) == [
        {"file": table, "field": name, "kind": "removed-value", "count": 1}
    ]
