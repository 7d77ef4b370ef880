"""A small OCDS 1.1 release package: three tenders of the demo municipality.

Each process has a `tender` release and then its award and contract (in one
release or two). Contract ids are purchase-order codes; contract values
include 19 % IVA while item unit values are net.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .common import (
    BUYER_CODE,
    FIXED_TIMESTAMP,
    GENERATOR,
    MUNICIPALITY,
    NOTICE_EN,
    NOTICE_ES,
    round_half_up,
    rut_plain,
    write_json,
)
from .parties import Supplier, build_suppliers, build_units

OCID_PREFIX = "ocds-70d2nz"  # ChileCompra's registered OCDS prefix
CURRENCY = "CLP"
BUYER_RUT = rut_plain(69_999_010)  # fictional; municipalities hold 69.xxx.xxx RUTs
BUYER_ID = f"CL-RUT-{BUYER_RUT}"
PUBLISHER = f"{MUNICIPALITY} — datos sintéticos"
IVA = Decimal("0.19")
CHILE_SUMMER_TIME_STARTS = dt.date(2026, 9, 6)  # first Sunday of September


@dataclass(frozen=True)
class Item:
    unspsc: str
    description: str
    quantity: int
    unit: str
    unit_price: int  # net CLP


@dataclass(frozen=True)
class Lot:
    supplier: str  # key in parties.build_suppliers()
    contract_id: str  # purchase-order code
    items: tuple[Item, ...]

    @property
    def total(self) -> int:
        net = sum(item.quantity * item.unit_price for item in self.items)
        return round_half_up(net * (1 + IVA))


@dataclass(frozen=True)
class Process:
    tender_code: str
    title: str
    description: str
    method: str  # OCDS procurementMethod
    method_details: str
    category: str  # OCDS mainProcurementCategory
    estimated_value: int
    tender_start: dt.datetime
    tender_end: dt.datetime
    award_date: dt.datetime
    contract_date: dt.datetime
    lots: tuple[Lot, ...]
    award_and_contract_together: bool
    losing_tenderers: tuple[str, ...] = ()

    @property
    def ocid(self) -> str:
        return f"{OCID_PREFIX}-{self.tender_code}"


def _at(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, 0)


PROCESSES = (
    Process(
        tender_code=f"{BUYER_CODE}-12-LE26",
        title="Servicio de mantención de plazas y juegos infantiles",
        description="Mantención mensual de plazas y reposición de juegos infantiles dañados "
        "en los sectores norte y centro de la comuna.",
        method="open",
        method_details="Licitación Pública LE (entre 100 y 1.000 UTM)",
        category="services",
        estimated_value=45_000_000,
        tender_start=_at(2026, 7, 6, 10),
        tender_end=_at(2026, 7, 20, 15),
        award_date=_at(2026, 9, 8, 12),
        contract_date=_at(2026, 10, 5, 11),
        lots=(
            Lot("quillayes", f"{BUYER_CODE}-301-SE26", (
                Item("70111703", "Mantención mensual de plazas", 6, "Mes", 4_250_000),
                Item("49241703", "Reposición de juegos infantiles", 3, "Unidad", 1_890_000),
            )),
        ),
        award_and_contract_together=False,
        losing_tenderers=("maitenes",),
    ),
    Process(
        tender_code=f"{BUYER_CODE}-15-LP26",
        title="Adquisición de mobiliario escolar",
        description="Sillas, mesas y estantes para las escuelas municipales, en dos líneas.",
        method="open",
        method_details="Licitación Pública LP (entre 1.000 y 2.000 UTM)",
        category="goods",
        estimated_value=98_000_000,
        tender_start=_at(2026, 7, 20, 9),
        tender_end=_at(2026, 8, 10, 15),
        award_date=_at(2026, 10, 7, 16),
        contract_date=_at(2026, 10, 7, 16),
        lots=(
            Lot("pacifico", f"{BUYER_CODE}-302-SE26", (
                Item("56121502", "Silla escolar apilable", 420, "Unidad", 38_900),
                Item("56121503", "Mesa escolar individual", 380, "Unidad", 96_500),
            )),
            Lot("maestro", f"{BUYER_CODE}-303-SE26", (
                Item("56101520", "Estante de madera a medida para biblioteca de aula", 24,
                     "Unidad", 145_000),
            )),
        ),
        award_and_contract_together=True,
    ),
    Process(
        tender_code=f"{BUYER_CODE}-18-LQ26",
        title="Servicio de transporte escolar rural",
        description="Transporte de estudiantes de sectores rurales a escuelas municipales, "
        "marzo a diciembre.",
        method="open",
        method_details="Licitación Pública LQ (entre 2.000 y 5.000 UTM)",
        category="services",
        estimated_value=240_000_000,
        tender_start=_at(2026, 8, 3, 10),
        tender_end=_at(2026, 8, 24, 15),
        award_date=_at(2026, 9, 21, 13),
        contract_date=_at(2026, 10, 13, 10),
        lots=(
            Lot("nuble", f"{BUYER_CODE}-304-SE26", (
                Item("78111802", "Transporte escolar rural, recorrido diario", 180, "Día",
                     1_150_000),
            )),
        ),
        award_and_contract_together=True,
    ),
)  # fmt: skip


def _iso(moment: dt.datetime) -> str:
    """Chilean local time with its offset (UTC-4 in winter, UTC-3 in summer)."""
    offset = "-03:00" if moment.date() >= CHILE_SUMMER_TIME_STARTS else "-04:00"
    return moment.isoformat() + offset


def _value(amount: int) -> dict:
    return {"amount": amount, "currency": CURRENCY}


def _buyer_party() -> dict:
    contact = build_units()["daf"]
    return {
        "id": BUYER_ID,
        "name": MUNICIPALITY,
        "roles": ["buyer", "procuringEntity"],
        "identifier": {"scheme": "CL-RUT", "id": BUYER_RUT, "legalName": MUNICIPALITY},
        "address": {
            "streetAddress": "Av. Ejemplo 1000",
            "locality": "Villa Ejemplo",
            "countryName": "Chile",
        },
        "contactPoint": {
            "name": contact.contact.full_name,
            "email": contact.email,
            "telephone": contact.phone,
        },
    }


def _supplier_ref(supplier: Supplier) -> dict:
    return {"id": f"CL-RUT-{rut_plain(supplier.rut_number)}", "name": supplier.name}


def _supplier_party(supplier: Supplier, roles: list[str]) -> dict:
    identifier = {"scheme": "CL-RUT", "id": rut_plain(supplier.rut_number)}
    return {**_supplier_ref(supplier), "roles": roles, "identifier": identifier}


def _item(item: Item, index: int, with_value: bool) -> dict:
    unit: dict = {"name": item.unit}
    if with_value:
        unit["value"] = _value(item.unit_price)
    return {
        "id": str(index),
        "description": item.description,
        "classification": {"scheme": "UNSPSC", "id": item.unspsc},
        "quantity": item.quantity,
        "unit": unit,
    }


def _items(items: tuple[Item, ...], with_value: bool) -> list[dict]:
    return [_item(item, index, with_value) for index, item in enumerate(items, start=1)]


def _tender(process: Process) -> dict:
    return {
        "id": process.tender_code,
        "title": process.title,
        "description": process.description,
        "status": "active",
        "procurementMethod": process.method,
        "procurementMethodDetails": process.method_details,
        "mainProcurementCategory": process.category,
        "value": _value(process.estimated_value),
        "tenderPeriod": {
            "startDate": _iso(process.tender_start),
            "endDate": _iso(process.tender_end),
        },
        "items": _items(tuple(i for lot in process.lots for i in lot.items), with_value=False),
    }


def _award_id(process: Process, number: int) -> str:
    return f"{process.ocid}-award-{number}"


def _awards(process: Process, suppliers: dict[str, Supplier]) -> list[dict]:
    return [
        {
            "id": _award_id(process, number),
            "title": f"{process.title} — línea {number}",
            "status": "active",
            "date": _iso(process.award_date),
            "value": _value(lot.total),
            "suppliers": [_supplier_ref(suppliers[lot.supplier])],
            "items": _items(lot.items, with_value=True),
        }
        for number, lot in enumerate(process.lots, start=1)
    ]


def _contracts(process: Process) -> list[dict]:
    return [
        {
            "id": lot.contract_id,
            "awardID": _award_id(process, number),
            "title": f"{process.title} — orden de compra {lot.contract_id}",
            "description": process.description,
            "status": "active",
            "dateSigned": _iso(process.contract_date),
            "value": _value(lot.total),
            "items": _items(lot.items, with_value=True),
        }
        for number, lot in enumerate(process.lots, start=1)
    ]


def _release(process: Process, number: int, tags: list[str], date: dt.datetime) -> dict:
    return {
        "ocid": process.ocid,
        "id": f"{process.ocid}-{number:02d}-{'-'.join(tags)}",
        "date": _iso(date),
        "tag": tags,
        "initiationType": "tender",
        "language": "es",
        "buyer": {"id": BUYER_ID, "name": MUNICIPALITY},
        "parties": [_buyer_party()],
    }


def releases_of(process: Process, suppliers: dict[str, Supplier]) -> list[dict]:
    tender = _release(process, 1, ["tender"], process.tender_start)
    tender["tender"] = _tender(process)
    together = process.award_and_contract_together
    stages = [["award", "contract"]] if together else [["award"], ["contract"]]
    releases = [tender]
    for number, tags in enumerate(stages, start=2):
        date = process.contract_date if "contract" in tags else process.award_date
        release = _release(process, number, tags, date)
        awarded = [suppliers[lot.supplier] for lot in process.lots]
        release["parties"] += [_supplier_party(s, ["supplier"]) for s in awarded]
        if "award" in tags:
            release["awards"] = _awards(process, suppliers)
            losers = [suppliers[key] for key in process.losing_tenderers]
            release["parties"] += [_supplier_party(s, ["tenderer"]) for s in losers]
        if "contract" in tags:
            release["contracts"] = _contracts(process)
        releases.append(release)
    return releases


def build_package() -> dict:
    suppliers = build_suppliers()
    return {
        "uri": "https://villaejemplo.example/datos/ocds_2026-10.json",
        "version": "1.1",
        "publishedDate": FIXED_TIMESTAMP.isoformat() + "-03:00",
        "publisher": {"name": PUBLISHER, "scheme": "CL-RUT", "uid": BUYER_RUT},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": "https://villaejemplo.example/datos/politica-de-publicacion",
        "description": f"{NOTICE_ES}. {NOTICE_EN}. Generado por / generated by {GENERATOR}.",
        "releases": [r for process in PROCESSES for r in releases_of(process, suppliers)],
    }


def generate(comuna_dir: Path) -> list[Path]:
    path = comuna_dir / "contracts" / "ocds_2026-10.json"
    write_json(path, build_package())
    return [path]
