"""The privacy review queue through Dagster: held rows are listed privately, and a
reviewer's decision releases one on the next run with the reviewer's text."""

from __future__ import annotations

import csv
import io
import json

import openpyxl

from tests.conftest import RUN_DATE
from tests.pipelines.test_canaries import public_texts, run_all

HELD = {
    "MU999T0000002": "Solicito copia del expediente; mi RUT es 12.345.678-9 (sin puntos 123456789)",
    "MU999T0000003": "Pido el contrato de aseo. Me pueden escribir a juana arroba correo",
}


def write_subjects(home, subjects: dict[str, str]) -> None:
    path = home.landing / "99901" / "access_requests" / "solicitudes_2026.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Solicitudes"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        folio = row[header.index("Folio")].value
        if folio in subjects:
            row[header.index("Materia")].value = subjects[folio]
    book.save(path)


def published_subjects(home, release_id: str) -> dict[str, str]:
    path = home.site / "releases" / release_id / "access_requests" / "access_requests.csv"
    return {r["request_id"]: r["subject"] for r in csv.DictReader(io.StringIO(path.read_text()))}


def test_held_rows_are_queued_privately_and_released_by_decision(demo_home):
    write_subjects(demo_home, HELD)
    assert run_all(demo_home).success
    queue = demo_home.quarantine / "99901" / "access_requests"
    report = json.loads((queue / "review.json").read_text())
    keys = sorted(item["key"] for item in report["held"])
    assert keys == ["99901/MU999T0000002", "99901/MU999T0000003"]
    reasons = {i["key"]: i["fields"][0]["reasons"] for i in report["held"]}
    assert reasons == {
        "99901/MU999T0000002": ["possible-rut"],
        "99901/MU999T0000003": ["possible-email"],
    }
    assert (queue / "review.md").exists()
    state = json.loads((demo_home.site / "catalog.json").read_text())
    assert state["datasets"]["access_requests"]["summary"]["rows_held"] == 2
    assert not set(HELD) & set(published_subjects(demo_home, RUN_DATE))
    site = public_texts(demo_home.site)
    assert not [name for name in site if "review" in name or "quarantine" in name]
    assert not [
        name for name, text in site.items() if "quarantine/" in text or "review.json" in text
    ]
    assert not [name for name, text in site.items() if "juana arroba" in text]

    decisions = demo_home.root / "review" / "decisions.yaml"
    decisions.parent.mkdir()
    decisions.write_text(
        "access_requests:\n"
        "  99901/MU999T0000002:\n"
        "    decision: release\n"
        "    text: Solicito copia del expediente\n"
        "  99901/MU999T0000003: keep-held\n",
        encoding="utf-8",
    )
    assert run_all(demo_home, run_date="2026-12-02").success
    subjects = published_subjects(demo_home, "2026-12-02")
    assert subjects["MU999T0000002"] == "Solicito copia del expediente"
    assert "MU999T0000003" not in subjects
    report = json.loads((queue / "review.json").read_text())
    assert [i["key"] for i in report["held"]] == ["99901/MU999T0000003"]
    assert report["released_by_reviewer"] == ["access_requests/99901/MU999T0000002"]
    state = json.loads((demo_home.site / "catalog.json").read_text())
    assert state["datasets"]["access_requests"]["summary"]["rows_held"] == 1


def test_a_released_text_is_still_scanned_by_the_gate(demo_home):
    write_subjects(demo_home, HELD)
    decisions = demo_home.root / "review" / "decisions.yaml"
    decisions.parent.mkdir()
    decisions.write_text(
        "access_requests:\n  99901/MU999T0000002:\n    decision: release\n"
        "    text: Solicito copia, RUT 12.345.678-5\n",
        encoding="utf-8",
    )
    result = run_all(demo_home)
    [materialization] = result.results[-1].asset_materializations_for_node("catalog")
    failures = materialization.metadata["failures"].value
    assert [(f["comuna_code"], f["dataset"], f["type"]) for f in failures] == [
        ("99901", "access_requests", "personal-data-found")
    ]
    state = json.loads((demo_home.site / "catalog.json").read_text())
    assert "access_requests" not in state["datasets"]  # carried: it had no release yet
    public = [p for p in demo_home.site.resolve().rglob("*") if p.is_file()]
    assert not any(b"12.345.678-5" in p.read_bytes() for p in public)


def test_a_held_order_holds_its_lines_and_the_rows_still_reconcile(demo_home):
    path = demo_home.landing / "99901" / "contracts" / "ordenes_de_compra_2026-10.csv"
    text = path.read_bytes().decode("latin-1")
    order = "2431-157-CM26"
    lines = [
        line.replace("seg\xfan ficha de producto", "RUT proveedor 12.345.678-9", 1)
        if line.startswith(order)
        else line
        for line in text.split("\r\n")
    ]
    path.write_bytes("\r\n".join(lines).encode("latin-1"))
    assert run_all(demo_home).success
    report = json.loads((demo_home.quarantine / "99901" / "contracts" / "review.json").read_text())
    held = [(i["table"], i["key"], i["held_because"]) for i in report["held"]]
    assert held == [
        ("purchase_orders", order, ["privacy-review"]),
        ("purchase_order_items", f"{order}/1", ["parent-held"]),
        ("purchase_order_items", f"{order}/2", ["parent-held"]),
    ]
    summary = json.loads((demo_home.site / "catalog.json").read_text())["datasets"]["contracts"]
    assert summary["release_id"] == RUN_DATE
    assert summary["summary"]["rows_held"] == 2  # order lines, the unit of the source file
