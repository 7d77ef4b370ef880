"""OCDS releases of one process landed in two files of a comuna are merged once by the
pipeline's ingest step (issue 15, item 5): the demo's ChileCompra OCDS file split so
that each tender release lands a month before its contract."""

from __future__ import annotations

import json

from datasets.municipalities import load_installation
from pipelines import steps
from tests.conftest import DEMO_CUT


def test_a_process_split_across_landed_files_is_one_order(demo_home):
    installation = load_installation()
    before = steps.ingest(demo_home, installation, "contracts", comuna=DEMO_CUT)
    orders_before = sum(len(r.tables["purchase_orders"]) for _, r in before.sources)

    folder = demo_home.landing / DEMO_CUT / "contracts"
    package = json.loads((folder / "ocds_2026-10.json").read_text(encoding="utf-8"))
    tenders = [r for r in package["releases"] if "tender" in r.get("tag", [])]
    assert tenders  # the demo's tender releases, one per process
    rest = [r for r in package["releases"] if r not in tenders]
    (folder / "ocds_2026-09.json").write_text(
        json.dumps(package | {"releases": tenders}), encoding="utf-8"
    )
    (folder / "ocds_2026-10.json").write_text(
        json.dumps(package | {"releases": rest}), encoding="utf-8"
    )

    after = steps.ingest(demo_home, installation, "contracts", comuna=DEMO_CUT)
    assert after.rejected == []
    by_file = {r.provenance["name"]: r for _, r in after.sources}
    september, october = by_file["ocds_2026-09.json"], by_file["ocds_2026-10.json"]
    handed = september.provenance["processes_merged_elsewhere"]
    assert {h["file"] for h in handed} == {"ocds_2026-10.json"}
    assert len(handed) == len({r["ocid"] for r in tenders})
    assert september.rows_read == 0
    orders_after = sum(len(r.tables["purchase_orders"]) for _, r in after.sources)
    assert orders_after == orders_before
    validated = steps.validate(after, installation, demo_home.quarantine / DEMO_CUT)
    assert validated.quarantined["purchase_orders"].empty  # no order counted twice
    merged = october.tables["purchase_orders"]
    assert merged["tender_code"].notna().all()  # from the tender releases of September
