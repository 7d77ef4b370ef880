"""Buyers and suppliers shared by the purchase-order CSV and the OCDS package."""

from __future__ import annotations

from dataclasses import dataclass

from .common import Person, ascii_slug, fake_people, random_rut_number, rng_for

UNIT_SUFFIX = " - Villa Ejemplo (ficticia)"


@dataclass(frozen=True)
class Supplier:
    key: str
    name: str
    rut_number: int
    categories: tuple[str, ...]


@dataclass(frozen=True)
class BuyerUnit:
    key: str
    name: str
    contact: Person
    phone: str
    email: str


# key, name, categories it sells; RUT check digit forced to K for a few (None = any).
# Companies get RUTs from 76.000.000 up, people below 25.000.000 (the Chilean
# convention: 50.000.000 and above are legal persons).
COMPANIES = (
    ("lapiz", "Comercial Lápiz Azul Ltda.", ("oficina",), None),
    ("aromos_oficina", "Distribuidora de Oficina Los Aromos SpA", ("oficina", "aseo"), None),
    ("ferreteria", "Ferretería Los Aromos SpA", ("construccion",), "K"),
    ("andes", "Servicios Informáticos Andes Ltda.", ("computacion", "soporte", "licencias"), None),
    ("cordillera", "Tecnología Cordillera SpA", ("computacion",), None),
    ("combustibles", "Combustibles del Valle S.A.", ("combustible",), None),
    ("higiene", "Higiene Total Chile SpA", ("aseo",), None),
    ("farmaceutica", "Farmacéutica del Sur Ltda.", ("salud",), None),
    ("araucania", "Insumos Médicos Araucanía SpA", ("salud",), "K"),
    ("quillayes", "Áreas Verdes Quillayes Ltda.", ("jardines",), None),
    ("villa_limpia", "Recolección y Reciclaje Villa Limpia S.A.", ("residuos",), None),
    ("led", "Iluminación Eficiente LED SpA", ("luminarias",), None),
    ("copihue", "Eventos y Producciones Copihue Ltda.", ("catering", "eventos"), None),
    ("nuble", "Transportes Ñuble Sur SpA", ("vehiculos", "transporte"), None),
    ("esmeralda", "Imprenta Gráfica Esmeralda Ltda.", ("impresion",), None),
    ("maitenes", "Constructora Los Maitenes Ltda.", ("mantencion_empresa", "construccion"), None),
    ("pacifico", "Muebles Escolares Pacífico SpA", ("mobiliario",), None),
)  # fmt: skip

PERSONS = (
    ("fotografa", "María José Pérez Soto", ("fotografia",), None),
    ("maestro", "Héctor Raúl Núñez Cárdenas", ("mantencion", "carpinteria"), "K"),
    ("monitora", "Ana María Huenchullán Ibáñez", ("talleres",), None),
    ("tecnico", "Cristóbal Ignacio Zúñiga Olivares", ("soporte",), None),
)

UNITS = (
    ("daf", "Dirección de Administración y Finanzas"),
    ("dom", "Dirección de Obras Municipales"),
    ("dideco", "Dirección de Desarrollo Comunitario"),
    ("aseo", "Dirección de Medio Ambiente, Aseo y Ornato"),
    ("salud", "Departamento de Salud Municipal"),
    ("educacion", "Departamento de Educación Municipal"),
)


def build_suppliers() -> dict[str, Supplier]:
    rng = rng_for("suppliers")
    suppliers = {}
    for key, name, categories, check_digit in COMPANIES:
        number = random_rut_number(rng, 76_000_000, 77_999_999, check_digit)
        suppliers[key] = Supplier(key, name, number, categories)
    for key, name, categories, check_digit in PERSONS:
        number = random_rut_number(rng, 8_000_000, 25_000_000, check_digit)
        suppliers[key] = Supplier(key, name, number, categories)
    return suppliers


def build_units() -> dict[str, BuyerUnit]:
    rng = rng_for("units")
    contacts = fake_people(rng, len(UNITS))
    units = {}
    for (key, name), person in zip(UNITS, contacts, strict=True):
        phone = f"+56 2 2{rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        email = f"{ascii_slug(person.first_given)}.{ascii_slug(person.surname1)}@villaejemplo.cl"
        units[key] = BuyerUnit(key, name + UNIT_SUFFIX, person, phone, email)
    return units
