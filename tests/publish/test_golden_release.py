# ruff: noqa: E501
"""The demo's published files are the same bytes (CSV) and content (Parquet) as before the
columnar writers: hashes taken from a release of `abierto run --demo --date 2026-11-02`
made with the previous, row-by-row writers (`csv.writer` over every cell). The access
requests' hashes were taken again when the deemed-receipt rule (docs/deadlines.md) moved
the deadline of the 7 requests received on a weekend by one working day. The
`indicators/` files were added with the indicators dataset (docs/indicators.md): a change
of a method's text, formula or the UTM list changes them on purpose."""

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
    "budgets/budget_lines.csv": "63e8b4060cb1fda338abee2917559184396864b623bda8d20e8e8679ff5dbfa0",
    "budgets/changes.csv": "981695c0a54507fc8d3bccd920b29733ed2b0bd168415d2664a645f76f38fb27",
    "budgets/comunas.csv": "6a94bf5e61f98315cbc54bf17f49ff7479af845fa1ed4c49e8a27c1fd7393726",
    "contracts/changes.csv": "981695c0a54507fc8d3bccd920b29733ed2b0bd168415d2664a645f76f38fb27",
    "contracts/comunas.csv": "6a94bf5e61f98315cbc54bf17f49ff7479af845fa1ed4c49e8a27c1fd7393726",
    "contracts/purchase_order_items.csv": "3a147addd9c7ce46a8fbc6532a87afc9929b9e7bca66548f12b67ae10cd0264c",
    "contracts/purchase_orders.csv": "4941eda62af0cc1093d2105951274a8b1a32b549094ddc99399ebb9e1f960911",
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
    "budgets/budget_lines.parquet": "92d8f69885bd7cd50cbad74b174235867ade868a945e2fd22af79d0143de6345",
    "budgets/changes.parquet": "ac1cee5a6590ffa02b920dd12734cb51d0d34b18c35eca455d05110dc962c32d",
    "budgets/comunas.parquet": "3ee99800a3d1017564694b3df9bf4854fcd5c7db933030d1ff54cc2fb877fd65",
    "contracts/changes.parquet": "ac1cee5a6590ffa02b920dd12734cb51d0d34b18c35eca455d05110dc962c32d",
    "contracts/comunas.parquet": "3ee99800a3d1017564694b3df9bf4854fcd5c7db933030d1ff54cc2fb877fd65",
    "contracts/purchase_order_items.parquet": "6f1edb4fb2a0ac34467129c7ae3dddfd65b6d47c88399c7c83d01019f237d321",
    "contracts/purchase_orders.parquet": "0e814f356d82fc84c8e9f7118c6940b53f6d949d2d6e9ac702f4b6f430e50515",
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
