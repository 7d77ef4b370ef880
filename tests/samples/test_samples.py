"""The synthetic sample exports of Villa Ejemplo (datasets/samples).

They must be byte-stable, committed up to date, shaped like the real exports
(encoding, delimiter, line endings, headers) and internally consistent
(valid RUTs, totals that add up, dates in order).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import holidays
import openpyxl
import pytest
from stdnum.cl import rut

from datasets.samples import access_requests, budgets, purchase_orders
from datasets.samples.generate import DEFAULT_OUT_DIR, generate
from tests.conftest import REFERENCE_DATA

COMUNA_DIR = DEFAULT_OUT_DIR / "99901"
BUDGET_FILES = [
    COMUNA_DIR / "budgets" / f"ejecucion_presupuestaria_2026-{month}.csv" for month in ("09", "10")
]
ORDERS_FILE = COMUNA_DIR / "contracts" / "ordenes_de_compra_2026-10.csv"
OCDS_FILE = COMUNA_DIR / "contracts" / "ocds_2026-10.json"
REQUESTS_FILE = COMUNA_DIR / "access_requests" / "solicitudes_2026.xlsx"
TRUTH_FILE = DEFAULT_OUT_DIR / "ground_truth" / "solicitudes_2026_materia_datos_personales.json"
CSV_FILES = [*BUDGET_FILES, ORDERS_FILE]
CLASSIFIER = REFERENCE_DATA / "codes" / "clasificador_presupuestario.csv"


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _clp(text: str) -> int:
    return int(text.replace(".", ""))


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _read_csv(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("latin-1")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


# --- determinism --------------------------------------------------------------------------


def test_generator_is_deterministic(tmp_path):
    generate(tmp_path / "a")
    generate(tmp_path / "b")
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(first) == 6
    assert first == second


def test_committed_samples_equal_a_fresh_generation(tmp_path):
    written = generate(tmp_path)
    for path in written:
        relative = path.relative_to(tmp_path)
        committed = DEFAULT_OUT_DIR / relative
        assert committed.exists(), f"{relative} missing: run python -m datasets.samples.generate"
        assert committed.read_bytes() == path.read_bytes(), f"{relative} is stale: regenerate it"


# --- CSV shape ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_csv_is_latin1_semicolon_crlf(path):
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # accented characters are single Latin-1 bytes
    text = raw.decode("latin-1")
    assert any(char in text for char in "áéíóúñÑÉ")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert raw.endswith(b"\r\n")
    header = text.split("\r\n", 1)[0].split(";")
    expected = purchase_orders.HEADER if path == ORDERS_FILE else budgets.HEADER
    assert header == list(expected)


# --- budgets ------------------------------------------------------------------------------


def _budget_rows(path: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rows = _read_csv(path)
    return rows[:-2], rows[-2:]


AMOUNTS = ("Presupuesto Inicial", "Presupuesto Vigente", "Devengado Acumulado", "Pagado Acumulado")


@pytest.mark.parametrize("path", BUDGET_FILES, ids=lambda p: p.name)
def test_budget_totals_rows_equal_the_sums(path):
    detail, totals = _budget_rows(path)
    assert [row["Denominación"] for row in totals] == ["TOTAL INGRESOS", "TOTAL GASTOS"]
    for total, tipo in zip(totals, ("Ingresos", "Gastos"), strict=True):
        assert all(total[column] == "" for column in ("Año", "Mes", "Área", "Tipo", "Código"))
        for column in AMOUNTS:
            expected = sum(_clp(row[column]) for row in detail if row["Tipo"] == tipo)
            assert _clp(total[column]) == expected


@pytest.mark.parametrize("path", BUDGET_FILES, ids=lambda p: p.name)
def test_budget_lines_are_consistent(path):
    detail, _ = _budget_rows(path)
    assert 55 <= len(detail) <= 70
    keys = [(row["Área"], row["Código"]) for row in detail]
    assert len(keys) == len(set(keys)), "an account appears twice in one area"
    assert {row["Área"] for row in detail} == {"Municipal", "Educación", "Salud"}
    assert (
        sum(row["Presupuesto Inicial"] == "0" and row["Pagado Acumulado"] == "0" for row in detail)
        >= 2
    )
    for row in detail:
        assert row["Código"].count("-") == 2 and len(row["Código"]) == 9
        assert _clp(row["Pagado Acumulado"]) <= _clp(row["Devengado Acumulado"])
        for column in AMOUNTS:
            value = row[column]
            assert value == f"{_clp(value):,}".replace(",", "."), "Chilean thousands format"
    modified = [r for r in detail if r["Presupuesto Inicial"] != r["Presupuesto Vigente"]]
    assert 3 <= len(modified) <= 10


def test_october_budget_is_cumulative_over_september():
    september, october = (
        {(r["Área"], r["Código"]): r for r in _budget_rows(path)[0]} for path in BUDGET_FILES
    )
    assert september.keys() == october.keys()
    for key, sep in september.items():
        octo = october[key]
        assert sep["Presupuesto Inicial"] == octo["Presupuesto Inicial"]
        for column in ("Devengado Acumulado", "Pagado Acumulado"):
            assert _clp(octo[column]) >= _clp(sep[column])


@pytest.mark.skipif(not CLASSIFIER.exists(), reason="shared reference data not available")
def test_budget_accounts_come_from_the_real_classifier():
    with CLASSIFIER.open(encoding="utf-8") as handle:
        names = {
            (row["code"], row["account_type"]): row["name"]
            for row in csv.DictReader(handle)
            if row["level"] == "asignacion"
        }
    for account in budgets.ACCOUNTS:
        account_type = "ingreso" if account.tipo == "Ingresos" else "gasto"
        assert names.get((account.code, account_type)) == account.name, account


# --- purchase orders ----------------------------------------------------------------------


def _orders() -> dict[str, list[dict[str, str]]]:
    orders = defaultdict(list)
    for row in _read_csv(ORDERS_FILE):
        orders[row["Codigo"]].append(row)
    return orders


ORDER_COLUMNS = purchase_orders.HEADER[: purchase_orders.HEADER.index("IDItem")]


def test_order_totals_equal_the_sum_of_their_lines():
    orders = _orders()
    assert 35 <= len(orders) <= 45
    assert 80 <= sum(len(lines) for lines in orders.values()) <= 130
    for code, lines in orders.items():
        assert 1 <= len(lines) <= 5, code
        first = lines[0]
        for line in lines:
            assert [line[c] for c in ORDER_COLUMNS] == [first[c] for c in ORDER_COLUMNS]
        for line in lines:
            product = _number(line["cantidad"]) * _number(line["precioNeto"])
            assert int(line["totalLineaNeto"]) == product.quantize(1, rounding=ROUND_HALF_UP)
        net = sum(int(line["totalLineaNeto"]) for line in lines)
        tax = (Decimal(net) * Decimal("0.19")).quantize(1, rounding=ROUND_HALF_UP)
        assert int(first["TotalNetoOC"]) == net
        assert int(first["Impuestos"]) == tax
        assert int(first["MontoTotalOC"]) == net + tax


def test_order_suppliers_and_dates():
    orders = _orders()
    suppliers = {lines[0]["RutProveedor"] for lines in orders.values()}
    for supplier in suppliers:
        assert rut.is_valid(supplier) and supplier == rut.format(supplier), supplier
    people = [s for s in suppliers if int(rut.compact(s)[:-1]) < 50_000_000]
    assert len(people) >= 3
    for lines in orders.values():
        order = lines[0]
        assert purchase_orders.STATUSES[int(order["codigoEstado"])] == order["Estado"]
        stamps = [order[c] for c in ("FechaCreacion", "FechaEnvio", "FechaAceptacion") if order[c]]
        moments = [dt.datetime.strptime(s, purchase_orders.TIMESTAMP_FORMAT) for s in stamps]
        assert moments == sorted(moments) and all(m.month == 10 for m in moments)
        if int(order["codigoEstado"]) in (4, 5):
            assert order["FechaAceptacion"] == ""
        assert bool(order["CodigoLicitacion"]) == order["Tipo"].startswith("Licitación")


# --- OCDS ---------------------------------------------------------------------------------


def test_ocds_release_package():
    package = json.loads(OCDS_FILE.read_text(encoding="utf-8"))
    assert "sintéticos" in package["publisher"]["name"] and "Synthetic" in package["description"]
    releases = package["releases"]
    by_ocid = defaultdict(list)
    for release in releases:
        by_ocid[release["ocid"]].append(release)
    assert len(by_ocid) == 3 and 6 <= len(releases) <= 8
    csv_codes = set(_orders())
    for ocid_releases in by_ocid.values():
        dates = [dt.datetime.fromisoformat(r["date"]) for r in ocid_releases]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        for release in ocid_releases:
            parties = {party["id"]: party for party in release["parties"]}
            for award in release.get("awards", []):
                assert all(s["id"] in parties for s in award["suppliers"])
            for contract in release.get("contracts", []):
                assert contract["id"] not in csv_codes
                net = sum(i["quantity"] * i["unit"]["value"]["amount"] for i in contract["items"])
                total = (Decimal(net) * Decimal("1.19")).quantize(1, rounding=ROUND_HALF_UP)
                assert contract["value"] == {"amount": int(total), "currency": "CLP"}
            for party in parties.values():
                if party["identifier"]["scheme"] == "CL-RUT":
                    assert rut.is_valid(party["identifier"]["id"])


# --- access requests ----------------------------------------------------------------------


def _requests() -> list[dict]:
    workbook = openpyxl.load_workbook(REQUESTS_FILE)
    assert workbook.sheetnames == ["Solicitudes", "Léame"]
    notice = " ".join(str(c.value) for c in workbook["Léame"]["A"] if c.value)
    assert "comuna ficticia" in notice and "fictional municipality" in notice
    rows = list(workbook["Solicitudes"].iter_rows(values_only=True))
    assert rows[0] == access_requests.HEADER
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _working_days(start: dt.date, end: dt.date, calendar: holidays.HolidayBase) -> int:
    days = (start + dt.timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(day.weekday() < 5 and day not in calendar for day in days)


def test_access_request_log():
    requests = _requests()
    assert 70 <= len(requests) <= 90
    assert requests[0]["Folio"] == "MU999T0000001"
    for request in requests:
        assert isinstance(request["Fecha de ingreso"], dt.datetime)
        assert request["Prórroga"] in ("Sí", "No")
        in_progress = request["Estado"] == "En trámite"
        assert (request["Resultado"] is None) == in_progress
        assert (request["Fecha de respuesta"] is None) == in_progress
        if request["RUT solicitante"]:
            assert rut.is_valid(request["RUT solicitante"]), request["RUT solicitante"]
    ruts = [r["RUT solicitante"] for r in requests if r["RUT solicitante"]]
    assert any("." in r for r in ruts) and any("-" not in r for r in ruts)
    assert any(r.endswith("k") for r in ruts)
    extended = sum(r["Prórroga"] == "Sí" for r in requests) / len(requests)
    assert 0.08 <= extended <= 0.22


def test_access_requests_have_on_time_and_late_answers():
    calendar = holidays.CL(years=2026)
    on_time = late = 0
    for request in _requests():
        if request["Estado"] != "Respondida":
            continue
        taken = _working_days(
            request["Fecha de ingreso"].date(), request["Fecha de respuesta"].date(), calendar
        )
        deadline = 30 if request["Prórroga"] == "Sí" else 20
        on_time += taken <= deadline
        late += taken > deadline
    assert on_time >= 30 and late >= 3


def test_generator_holidays_match_the_holidays_library():
    assert set(holidays.CL(years=2026)) == access_requests.HOLIDAYS_2026


def test_ground_truth_marks_the_personal_data_in_subjects():
    subjects = {r["Folio"]: r["Materia"] for r in _requests()}
    truth = json.loads(TRUTH_FILE.read_text(encoding="utf-8"))["requests"]
    assert 0.25 <= len(truth) / len(subjects) <= 0.45
    kinds = set()
    for entry in truth:
        for item in entry["personal_data"]:
            assert item["text"] in subjects[entry["folio"]]
            kinds.add(item["kind"])
    assert kinds == set(access_requests.PERSONAL_FIELDS.values())
