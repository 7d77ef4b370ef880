# ruff: noqa: E501
"""The demo's published files are the same bytes (CSV) and content (Parquet) as before the
columnar writers: hashes taken from a release of `abierto run --demo --date 2026-11-02`
made with the previous, row-by-row writers (`csv.writer` over every cell). The access
requests' hashes were taken again when the deemed-receipt rule (docs/deadlines.md) moved
the deadline of the 7 requests received on a weekend by one working day. The budget
lines' hashes were taken again when the table gained six empty columns (programme, fund,
department: code and name) after `area`; with those columns removed, the new CSV has the
old bytes and the new Parquet the old content. The `indicators/` files were added with the
indicators dataset (docs/indicators.md): a change of a method's text, formula or the UTM
list changes them on purpose. The contracts'
hashes were taken again when the tables gained `currency` and the amounts in their
currency (`amount_net`, `amount_tax`, `amount_total`; items `unit_price`, `amount_net`),
appended after the existing columns: with the new columns left out, both CSVs are the
previous bytes and both Parquet files the previous content (checked when they changed)."""

from __future__ import annotations

import hashlib
import json

import dagster as dg
import pyarrow.parquet as pq

from pipelines.definitions import defs
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from tests.conftest import RUN_DATE

CSV_SHA256 = {
    "access_requests/access_requests.csv": "5da2c886906b5135c538fa141fa7c1a73d968ca16c7e91c5ad8b3d3eade65708",
    "access_requests/changes.csv": "981695c0a54507fc8d3bccd920b29733ed2b0bd168415d2664a645f76f38fb27",
    "access_requests/comunas.csv": "6a94bf5e61f98315cbc54bf17f49ff7479af845fa1ed4c49e8a27c1fd7393726",
    "budgets/budget_lines.csv": "50ae51b2864204bf08d81ab063dbd3432e914d89915b58168848e0b876820bca",
    "budgets/changes.csv": "981695c0a54507fc8d3bccd920b29733ed2b0bd168415d2664a645f76f38fb27",
    "budgets/comunas.csv": "6a94bf5e61f98315cbc54bf17f49ff7479af845fa1ed4c49e8a27c1fd7393726",
    "contracts/changes.csv": "981695c0a54507fc8d3bccd920b29733ed2b0bd168415d2664a645f76f38fb27",
    "contracts/comunas.csv": "6a94bf5e61f98315cbc54bf17f49ff7479af845fa1ed4c49e8a27c1fd7393726",
    "contracts/purchase_order_items.csv": "3110d590382c98c6885e7298dbd1a8ae16872c9648966e48bc3c64afb6bfc88f",
    "contracts/purchase_orders.csv": "94cf9554775a50b398b10c5b34eeda66210462a092a96e2e7d3794f07bb63928",
    "indicators/changes.csv": "981695c0a54507fc8d3bccd920b29733ed2b0bd168415d2664a645f76f38fb27",
    "indicators/comunas.csv": "6a94bf5e61f98315cbc54bf17f49ff7479af845fa1ed4c49e8a27c1fd7393726",
    "indicators/indicator_methods.csv": "c5a719f650f0e246abfa24d229cfa5aa46c0fadd652f28c709aa18fa09c2c6d3",
    "indicators/indicators.csv": "e145f2732a97c9ad08ea8f284359af2b9c2e3303f44c066e17c4537789657fbc",
    "indicators/utm_values.csv": "e8b0025632979d68ccd3e81d057134cc92ad43d3874c9e2ba63f14f237f69bb2",
}
PARQUET_CONTENT_SHA256 = {
    "access_requests/access_requests.parquet": "6dd918bcb5f40f689f571204b40b8054a7aa427206232d575e7f0320b3e637f7",
    "access_requests/changes.parquet": "ac1cee5a6590ffa02b920dd12734cb51d0d34b18c35eca455d05110dc962c32d",
    "access_requests/comunas.parquet": "3ee99800a3d1017564694b3df9bf4854fcd5c7db933030d1ff54cc2fb877fd65",
    "budgets/budget_lines.parquet": "8a8ddaf4b897faee571fe9ebc1691de261c84e00dd185aeb24cbb44b30421355",
    "budgets/changes.parquet": "ac1cee5a6590ffa02b920dd12734cb51d0d34b18c35eca455d05110dc962c32d",
    "budgets/comunas.parquet": "3ee99800a3d1017564694b3df9bf4854fcd5c7db933030d1ff54cc2fb877fd65",
    "contracts/changes.parquet": "ac1cee5a6590ffa02b920dd12734cb51d0d34b18c35eca455d05110dc962c32d",
    "contracts/comunas.parquet": "3ee99800a3d1017564694b3df9bf4854fcd5c7db933030d1ff54cc2fb877fd65",
    "contracts/purchase_order_items.parquet": "aa73952517c2a7d97c6a463a16e91f65acda76126525e084f97d7ba40db9a4f5",
    "contracts/purchase_orders.parquet": "c0f894cfa89f04db10542576e982ad4bdea7cc3a2d62b6b0edde8ca888be69f8",
    "indicators/changes.parquet": "ac1cee5a6590ffa02b920dd12734cb51d0d34b18c35eca455d05110dc962c32d",
    "indicators/comunas.parquet": "3ee99800a3d1017564694b3df9bf4854fcd5c7db933030d1ff54cc2fb877fd65",
    "indicators/indicator_methods.parquet": "f8c782d78785a3aebe56cff94aebf40efa581958ee1389d975141e47fa364e71",
    "indicators/indicators.parquet": "20e9a6635c193a60fc76d13d4adff713ab81eeca4f6182e544e59fed219cb49c",
    "indicators/utm_values.parquet": "3d415e45865ab6f09e2029da63799dc39733e0d5d116483e4ace78fc9a0b6bd3",
}


def parquet_content(path) -> str:
    """sha256 of a Parquet file's schema and rows (not of its bytes)."""
    table = pq.read_table(path)
    text = json.dumps(
        {"schema": [(f.name, str(f.type)) for f in table.schema], "rows": table.to_pylist()},
        default=str,
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_demo_release_has_the_same_csv_bytes_and_parquet_content(demo_home):
    resource = AbiertoResource(home_dir=str(demo_home.root), run_date=RUN_DATE)
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_all(defs, resource, instance).catalog_ok
    release = demo_home.root / "releases" / RUN_DATE
    csv = {p: hashlib.sha256((release / p).read_bytes()).hexdigest() for p in CSV_SHA256}
    assert csv == CSV_SHA256
    content = {p: parquet_content(release / p) for p in PARQUET_CONTENT_SHA256}
    assert content == PARQUET_CONTENT_SHA256
