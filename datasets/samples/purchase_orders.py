"""Mercado Público-style bulk export of purchase orders, one row per order line.

Latin-1, `;`, CRLF; the order-level columns are repeated on each of its lines.
Column names keep the real export's typos (`Descripcion/Obervaciones`,
`NombroroductoGenerico`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .common import (
    BUYER_CODE,
    Person,
    decimal_comma,
    fake_people,
    rng_for,
    round_half_up,
    rut_dotted,
    write_csv,
)
from .parties import BuyerUnit, Supplier, build_suppliers, build_units

HEADER = (
    "Codigo", "Nombre", "Descripcion/Obervaciones", "Tipo", "ProcedenciaOC", "codigoEstado",
    "Estado", "FechaCreacion", "FechaEnvio", "FechaAceptacion", "UnidadCompra",
    "NombreContacto", "FonoContacto", "MailContacto", "RutProveedor", "NombreProveedor",
    "CodigoLicitacion", "TotalNetoOC", "Impuestos", "MontoTotalOC", "IDItem",
    "codigoProductoONU", "NombroroductoGenerico", "EspecificacionComprador", "cantidad",
    "UnidadMedida", "precioNeto", "totalLineaNeto",
)  # fmt: skip

IVA = Decimal("0.19")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
FIRST_SEQUENCE = 157
FIRST_ITEM_ID = 48_210_337
OCTOBER_HOLIDAYS = (dt.date(2026, 10, 12),)

STATUSES = {
    4: "Enviada a proveedor",
    5: "En proceso",
    6: "Aceptada",
    9: "Cancelada",
    12: "Recepción Conforme",
    13: "Pendiente de Recepcionar",
    14: "Recepcionada Parcialmente",
    15: "Recepcion Conforme Incompleta",
}
# how many of the orders end in each status (sums to the number of orders)
STATUS_COUNTS = {6: 10, 12: 12, 4: 4, 5: 3, 9: 3, 13: 3, 14: 3, 15: 2}
NOT_SENT = {5}
ACCEPTED = {6, 12, 13, 14, 15}

# method label -> (ProcedenciaOC, order-code suffix unless a tender sets it)
METHODS = {
    "Convenio Marco": ("Convenio Marco", "CM"),
    "Compra Ágil": ("Compra Ágil", "AG"),
    "Trato Directo": ("Trato Directo", "SE"),
    "Licitación Pública": ("Licitación Pública", None),
    "Licitación Privada": ("Licitación Privada", None),
}


@dataclass(frozen=True)
class Product:
    code: str  # UNSPSC (código ONU), 8 digits
    name: str
    unit: str
    price: tuple[int, int]  # net unit price range, CLP
    quantity: tuple[int, int]
    fractional: bool = False  # the price (and a divisible quantity) may carry decimals


CATALOGUE: dict[str, tuple[Product, ...]] = {
    "oficina": (
        Product("44121701", "Bolígrafos", "Caja", (2500, 6800), (5, 40)),
        Product("44121706", "Lápices de mina", "Caja", (1800, 4200), (5, 30)),
        Product(
            "14111507", "Papel para impresora o fotocopiadora", "Resma", (3200, 4900), (20, 200)
        ),
        Product("44103103", "Tóner para impresoras", "Unidad", (38000, 92000), (2, 12)),
        Product("44122011", "Carpetas", "Paquete", (2900, 7500), (5, 50)),
    ),
    "aseo": (
        Product("47121701", "Bolsas de basura", "Paquete", (1900, 4500), (20, 150)),
        Product("47131807", "Cloro (blanqueador)", "Litro", (900, 1800), (20, 200)),
        Product("47131810", "Detergente lavalozas", "Litro", (1300, 2600), (10, 80)),
        Product("14111704", "Papel higiénico", "Paquete", (5200, 11900), (10, 60)),
        Product("46181504", "Guantes de protección", "Par", (1500, 5500), (10, 100)),
    ),
    "combustible": (
        Product("15101506", "Gasolina 95 octanos", "Litro", (1250, 1420), (200, 1500), True),
        Product("15101505", "Petróleo diésel", "Litro", (1050, 1220), (300, 2500), True),
    ),
    "computacion": (
        Product("43211503", "Computador portátil", "Unidad", (450000, 890000), (1, 8)),
        Product("43211507", "Computador de escritorio", "Unidad", (380000, 720000), (1, 10)),
        Product("43211902", "Monitor LED 24 pulgadas", "Unidad", (89000, 165000), (1, 10)),
        Product("43202005", "Memoria USB 64 GB", "Unidad", (5990, 12990), (5, 30)),
    ),
    "construccion": (
        Product("30111601", "Cemento", "Saco", (5200, 7900), (10, 120)),
        Product("31211507", "Pintura látex", "Galón", (14900, 32900), (2, 20)),
        Product("27111602", "Martillo", "Unidad", (6500, 14900), (2, 10)),
        Product("30102903", "Perfiles de acero", "Kilogramo", (1450, 2300), (50, 400), True),
    ),
    "salud": (
        Product("42132205", "Guantes quirúrgicos", "Caja", (4500, 9800), (10, 80)),
        Product("42311505", "Vendas y apósitos", "Caja", (3900, 12500), (5, 40)),
        Product("42131606", "Mascarillas desechables", "Caja", (2900, 6900), (10, 100)),
        Product("51142106", "Paracetamol 500 mg", "Caja", (790, 2300), (50, 500)),
    ),
    "catering": (
        Product("90101603", "Servicio de coffee break", "Persona", (3500, 8500), (20, 150)),
        Product("90101501", "Servicio de almuerzo", "Persona", (6500, 12900), (20, 80)),
        Product("56101702", "Arriendo de toldo 6x3 m", "Unidad", (45000, 90000), (1, 4)),
    ),
    "impresion": (
        Product(
            "82121503", "Impresión digital de afiches", "Unidad", (350, 1500), (100, 2000), True
        ),
        Product("82121507", "Impresión de dípticos", "Unidad", (180, 650), (500, 3000), True),
        Product("55121715", "Pendón roller 80x200 cm", "Unidad", (29000, 54000), (2, 10)),
        Product("55121606", "Credenciales de PVC", "Unidad", (450, 1200), (50, 400), True),
    ),
    "soporte": (
        Product("81111811", "Soporte técnico informático", "Hora", (25000, 45000), (10, 60), True),
        Product(
            "81112306", "Mantención preventiva de impresoras", "Unidad", (18000, 39000), (5, 30)
        ),
        Product("43201803", "Disco duro de respaldo", "Unidad", (59000, 129000), (1, 6)),
    ),
    "licencias": (
        Product("81112501", "Licencia de software de oficina", "Unidad", (65000, 180000), (5, 40)),
        Product("43233205", "Licencia de antivirus", "Unidad", (14000, 32000), (20, 120)),
        Product("43232102", "Licencia de software de diseño", "Unidad", (190000, 420000), (1, 4)),
    ),
    "vehiculos": (
        Product("78111808", "Arriendo de vehículos con conductor", "Día", (45000, 95000), (2, 20)),
        Product("78111803", "Arriendo de minibús con conductor", "Día", (120000, 210000), (1, 6)),
    ),
    "fotografia": (
        Product("82131603", "Servicio de fotografía de eventos", "Hora", (18000, 30000), (4, 16)),
        Product(
            "82131604", "Edición e impresión de álbum fotográfico", "Unidad", (25000, 60000), (1, 3)
        ),
    ),
    "talleres": (
        Product(
            "86101705", "Taller de folclor para adultos mayores", "Hora", (15000, 25000), (8, 32)
        ),
        Product("60121535", "Materiales para talleres", "Global", (60000, 220000), (1, 1)),
    ),
    "mantencion": (
        Product("72101507", "Reparación de gasfitería", "Hora", (14000, 22000), (4, 24), True),
        Product("40141700", "Materiales de gasfitería", "Global", (40000, 180000), (1, 1)),
        Product("72101516", "Destape de alcantarillado", "Unidad", (45000, 95000), (1, 3)),
    ),
    "mantencion_empresa": (
        Product(
            "72101507",
            "Mantención de edificios escolares",
            "Global",
            (2_500_000, 9_500_000),
            (1, 1),
        ),
        Product("30111601", "Cemento", "Saco", (5200, 7900), (10, 120)),
        Product("31211507", "Pintura látex", "Galón", (14900, 32900), (10, 40)),
        Product(
            "72151602", "Reparación de techumbre", "Metro cuadrado", (18000, 36000), (20, 160), True
        ),
    ),
    "residuos": (
        Product(
            "76121501",
            "Recolección de residuos domiciliarios",
            "Mes",
            (98_000_000, 126_000_000),
            (1, 1),
        ),
        Product(
            "76121901",
            "Disposición final en relleno sanitario",
            "Tonelada",
            (14500, 19800),
            (2800, 3600),
            True,
        ),
    ),
    "jardines": (
        Product("70111703", "Mantención de áreas verdes", "Mes", (18_000_000, 26_000_000), (1, 1)),
        Product("10161500", "Árboles y arbustos", "Unidad", (4500, 18000), (20, 120)),
        Product("70111706", "Riego con camión aljibe", "Hora", (28000, 42000), (10, 60)),
    ),
    "luminarias": (
        Product(
            "39111610", "Luminaria LED para alumbrado público", "Unidad", (89000, 179000), (20, 90)
        ),
        Product("72151207", "Instalación de luminarias", "Unidad", (25000, 48000), (20, 90)),
        Product("26121609", "Cable eléctrico", "Metro", (900, 2400), (200, 1500), True),
    ),
}


@dataclass(frozen=True)
class Need:
    """A kind of purchase the municipality makes `count` times in the month."""

    method: str
    title: str
    units: tuple[str, ...]  # buyer units that place these orders, in rotation
    category: str
    count: int
    tender: str = ""  # CodigoLicitacion; its awarded supplier serves every order
    supplier: str = ""


def _needs(method: str, rows: list[tuple]) -> list[Need]:
    return [Need(method, *row) for row in rows]


# title, buyer units, category, orders[, tender code, awarded supplier]
NEEDS = (
    *_needs("Convenio Marco", [
        ("Materiales de oficina", ("daf", "dideco", "dom", "educacion"), "oficina", 4),
        ("Útiles de aseo para dependencias municipales", ("aseo", "salud"), "aseo", 3),
        ("Combustible para vehículos municipales", ("daf", "aseo"), "combustible", 3),
        ("Equipos computacionales", ("daf", "educacion"), "computacion", 2),
    ]),
    *_needs("Compra Ágil", [
        ("Materiales de ferretería para reparaciones menores", ("dom",), "construccion", 3),
        ("Insumos clínicos para CESFAM", ("salud",), "salud", 3),
        ("Coffee break para actividades comunitarias", ("dideco",), "catering", 2),
        ("Impresión de material de difusión", ("dideco", "daf"), "impresion", 2),
    ]),
    *_needs("Trato Directo", [
        ("Soporte técnico de sistemas municipales", ("daf",), "soporte", 2),
        ("Renovación de licencias de software", ("daf",), "licencias", 1),
        ("Arriendo de vehículos para operativos sociales", ("dideco",), "vehiculos", 1),
        ("Fotografía de ceremonias municipales", ("dideco",), "fotografia", 2),
        ("Talleres culturales en juntas de vecinos", ("dideco",), "talleres", 1),
        ("Reparación de gasfitería en escuela", ("educacion",), "mantencion", 1),
    ]),
    *_needs("Licitación Pública", [
        ("Recolección de residuos domiciliarios, octubre 2026", ("aseo",), "residuos", 1,
         "2431-3-LR26", "villa_limpia"),
        ("Mantención de áreas verdes", ("aseo",), "jardines", 2, "2431-7-LE26", "quillayes"),
        ("Reposición de luminarias LED", ("dom",), "luminarias", 2, "2431-9-LP26", "led"),
        ("Medicamentos e insumos para farmacia CESFAM", ("salud",), "salud", 2,
         "2431-10-LE26", "farmaceutica"),
    ]),
    *_needs("Licitación Privada", [
        ("Mantención de edificios escolares", ("educacion",), "mantencion_empresa", 3,
         "2431-11-CO26", "maitenes"),
    ]),
)  # fmt: skip

DIVISIBLE_UNITS = ("Litro", "Kilogramo", "Hora", "Metro", "Metro cuadrado", "Tonelada")
DELIVERY_PLACES = (
    "bodega municipal", "CESFAM Villa Ejemplo", "Escuela Básica Los Copihues",
    "oficina de partes", "taller municipal",
)  # fmt: skip


@dataclass(frozen=True)
class Line:
    item_id: int
    product: Product
    specification: str
    quantity: Decimal
    price: Decimal

    @property
    def net(self) -> int:
        return round_half_up(self.quantity * self.price)


@dataclass(frozen=True)
class Order:
    code: str
    need: Need
    description: str
    status: int
    created: dt.datetime
    sent: dt.datetime | None
    accepted: dt.datetime | None
    unit: BuyerUnit
    supplier: Supplier
    lines: tuple[Line, ...]

    @property
    def net(self) -> int:
        return sum(line.net for line in self.lines)

    @property
    def tax(self) -> int:
        return round_half_up(self.net * IVA)


def _working_days_of_october() -> list[dt.date]:
    days = [dt.date(2026, 10, day) for day in range(1, 24)]
    return [day for day in days if day.weekday() < 5 and day not in OCTOBER_HOLIDAYS]


def _office_time(rng: random.Random, day: dt.date, after: dt.datetime | None = None) -> dt.datetime:
    """A moment of `day` between 08:30 and 18:30, later than `after` if given."""
    moment = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(seconds=rng.randint(0, 36000))
    if after and moment <= after:
        moment = after + dt.timedelta(seconds=rng.randint(600, 7200))
    return moment


def _timeline(rng: random.Random, status: int) -> tuple[dt.datetime | None, ...]:
    """(created, sent or None, accepted or None), with created ≤ sent ≤ accepted."""
    created = _office_time(rng, rng.choice(_working_days_of_october()))
    sent = accepted = None
    if status not in NOT_SENT:
        sent = _office_time(rng, created.date() + dt.timedelta(days=rng.randint(0, 1)), created)
    if sent and (status in ACCEPTED or (status == 9 and rng.random() < 0.5)):
        accepted = _office_time(rng, sent.date() + dt.timedelta(days=rng.randint(0, 3)), sent)
    return created, sent, accepted


def _quantity_and_price(rng: random.Random, product: Product) -> tuple[Decimal, Decimal]:
    quantity = Decimal(rng.randint(*product.quantity))
    price = Decimal(rng.randint(*product.price))
    if product.fractional:
        price += Decimal(rng.choice((0, 5, 9))) / 10
        if product.unit in DIVISIBLE_UNITS:
            quantity += Decimal(rng.choice((0, 0, 5))) / 10
    return quantity, price


def _specification(rng: random.Random, product: Product, people: list[Person]) -> str:
    text = f"{product.name} según especificaciones técnicas"
    if rng.random() < 0.06:
        person = rng.choice(people)
        text += (
            f". Entregar a {person.honorific} {person.short_name} en {rng.choice(DELIVERY_PLACES)}"
        )
    return text


def _description(rng: random.Random, need: Need, people: list[Person]) -> str:
    decree = f"Decreto Alcaldicio N° {rng.randint(1200, 2900)}/2026"
    text = {
        "Convenio Marco": "Compra en tienda Convenio Marco según ficha de producto",
        "Compra Ágil": f"Compra Ágil, cotización N° {rng.randint(100, 999)}",
        "Trato Directo": f"Trato directo autorizado por {decree}",
    }.get(need.method, f"Orden asociada a licitación {need.tender}, contrato aprobado por {decree}")
    if rng.random() < 0.08:
        person = rng.choice(people)
        text += f". Coordinar recepción con {person.honorific} {person.short_name} en bodega"
    return text


def _pick_supplier(rng: random.Random, need: Need, suppliers: dict[str, Supplier]) -> Supplier:
    if need.supplier:
        return suppliers[need.supplier]
    return rng.choice([s for s in suppliers.values() if need.category in s.categories])


def _draft_orders(rng: random.Random) -> list[dict]:
    """Orders without code and item ids (assigned once sorted by creation time)."""
    suppliers, units = build_suppliers(), build_units()
    people = fake_people(rng, 12)
    statuses = [code for code, count in STATUS_COUNTS.items() for _ in range(count)]
    rng.shuffle(statuses)
    drafts = []
    for need in NEEDS:
        for index in range(need.count):
            status = statuses.pop()
            created, sent, accepted = _timeline(rng, status)
            products = CATALOGUE[need.category]
            chosen = rng.sample(products, rng.randint(1, len(products)))
            drafts.append({
                "need": need, "status": status, "created": created, "sent": sent,
                "accepted": accepted, "unit": units[need.units[index % len(need.units)]],
                "supplier": _pick_supplier(rng, need, suppliers),
                "description": _description(rng, need, people),
                "items": [(p, _specification(rng, p, people), *_quantity_and_price(rng, p))
                          for p in chosen],
            })  # fmt: skip
    return drafts


def _order_suffix(need: Need) -> str:
    suffix = METHODS[need.method][1]
    return suffix or need.tender.rsplit("-", 1)[1][:-2]


def build_orders() -> list[Order]:
    rng = rng_for("purchase_orders")
    drafts = sorted(_draft_orders(rng), key=lambda draft: draft["created"])
    orders, sequence, item_id = [], FIRST_SEQUENCE, FIRST_ITEM_ID
    for draft in drafts:
        lines = []
        for product, specification, quantity, price in draft.pop("items"):
            lines.append(Line(item_id, product, specification, quantity, price))
            item_id += rng.randint(1, 40)
        code = f"{BUYER_CODE}-{sequence}-{_order_suffix(draft['need'])}26"
        orders.append(Order(code=code, lines=tuple(lines), **draft))
        sequence += rng.randint(1, 3)
    return orders


def _timestamp(value: dt.datetime | None) -> str:
    return value.strftime(TIMESTAMP_FORMAT) if value else ""


def _rows(order: Order) -> list[list[str]]:
    head = [
        order.code, order.need.title, order.description, order.need.method,
        METHODS[order.need.method][0], str(order.status), STATUSES[order.status],
        _timestamp(order.created), _timestamp(order.sent), _timestamp(order.accepted),
        order.unit.name, order.unit.contact.full_name, order.unit.phone, order.unit.email,
        rut_dotted(order.supplier.rut_number), order.supplier.name, order.need.tender,
        str(order.net), str(order.tax), str(order.net + order.tax),
    ]  # fmt: skip
    return [
        [*head, str(line.item_id), line.product.code, line.product.name, line.specification,
         decimal_comma(line.quantity), line.product.unit, decimal_comma(line.price), str(line.net)]
        for line in order.lines
    ]  # fmt: skip


def generate(comuna_dir: Path) -> list[Path]:
    path = comuna_dir / "contracts" / "ordenes_de_compra_2026-10.csv"
    rows = [row for order in build_orders() for row in _rows(order)]
    write_csv(path, HEADER, rows, encoding="latin-1")
    return [path]
