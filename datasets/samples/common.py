"""Shared pieces of the synthetic sample generator.

Seeded randomness, fake Chilean people and RUTs, Chilean number formats and
writers that produce the same bytes on every run (CSV, JSON, XLSX).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.xml.functions import tostring
from stdnum.cl import rut as cl_rut

SEED = 99901
COMUNA_CODE = "99901"
MUNICIPALITY = "Municipalidad de Villa Ejemplo (ficticia)"
BUYER_CODE = "2431"  # Mercado Público buying-organisation code of the demo municipality
NOTICE_ES = "Datos sintéticos de demostración — Villa Ejemplo es una comuna ficticia"
NOTICE_EN = "Synthetic demo data — fictional municipality"
GENERATOR = "datasets/samples/generate.py"

# Every timestamp written into file metadata (XLSX properties, zip entries).
FIXED_TIMESTAMP = dt.datetime(2026, 11, 2, 12, 0, 0)
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def rng_for(part: str) -> random.Random:
    """An independent, seeded generator per output, so files do not shift each other."""
    return random.Random(f"{SEED}:{part}")


# --- people -------------------------------------------------------------------------------

FEMALE_GIVEN_NAMES = (
    "María José", "María Paz", "Ana María", "María Ignacia", "Francisca", "Catalina",
    "Valentina", "Constanza", "Javiera", "Camila", "Daniela", "Fernanda", "Bárbara",
    "Inés", "Sofía", "Antonia", "Macarena", "Rocío", "Verónica", "Ximena", "Patricia",
)  # fmt: skip
MALE_GIVEN_NAMES = (
    "Juan Pablo", "José Miguel", "Juan Carlos", "Luis Alberto", "Francisco Javier",
    "Cristóbal", "Matías", "Sebastián", "Nicolás", "Benjamín", "Tomás", "Joaquín",
    "Ignacio", "Felipe", "Andrés", "Rodrigo", "Héctor", "Raúl", "Óscar", "Iván", "Germán",
    "Martín", "Agustín",
)  # fmt: skip
GIVEN_NAMES = FEMALE_GIVEN_NAMES + MALE_GIVEN_NAMES

SURNAMES = (
    "González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva",
    "Martínez", "Sepúlveda", "Morales", "Rodríguez", "López", "Fuentes", "Hernández",
    "Torres", "Araya", "Flores", "Espinoza", "Valenzuela", "Castillo", "Tapia", "Reyes",
    "Gutiérrez", "Castro", "Pizarro", "Álvarez", "Vásquez", "Sánchez", "Fernández",
    "Ramírez", "Carrasco", "Cortés", "Herrera", "Núñez", "Jara", "Vergara", "Figueroa",
    "Riquelme", "Miranda", "Bravo", "Molina", "Cárdenas", "Olivares", "Alarcón",
    "Henríquez", "Saavedra", "Ibáñez", "Cáceres", "Zúñiga", "Acuña", "Huenchullán",
    "Ñancupil", "Painequeo",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    given: str
    surname1: str
    surname2: str

    @property
    def full_name(self) -> str:
        return f"{self.given} {self.surname1} {self.surname2}"

    @property
    def short_name(self) -> str:
        """How people often sign: all given names and the first surname."""
        return f"{self.given} {self.surname1}"

    @property
    def honorific(self) -> str:
        """`doña` or `don`, as written before a name in Chilean Spanish."""
        return "doña" if self.given in FEMALE_GIVEN_NAMES else "don"

    @property
    def first_given(self) -> str:
        return self.given.split()[0]


def fake_people(rng: random.Random, count: int) -> list[Person]:
    """`count` people with distinct full names."""
    people: list[Person] = []
    seen: set[str] = set()
    while len(people) < count:
        surname1, surname2 = rng.sample(SURNAMES, 2)
        person = Person(rng.choice(GIVEN_NAMES), surname1, surname2)
        if person.full_name not in seen:
            seen.add(person.full_name)
            people.append(person)
    return people


def ascii_slug(text: str, sep: str = ".") -> str:
    """`María José` -> `maria.jose` (for e-mail local parts)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join(plain.lower().split())


# --- RUT (Rol Único Tributario) -----------------------------------------------------------


def rut_check_digit(number: int) -> str:
    return cl_rut.calc_check_digit(str(number))


def random_rut_number(
    rng: random.Random, low: int, high: int, check_digit: str | None = None
) -> int:
    """A RUT body in [low, high]; optionally one whose check digit is `check_digit`."""
    while True:
        number = rng.randint(low, high)
        if check_digit is None or rut_check_digit(number) == check_digit:
            return number


def rut_dotted(number: int) -> str:
    """`76.123.456-K`"""
    return f"{number:,}".replace(",", ".") + "-" + rut_check_digit(number)


def rut_plain(number: int) -> str:
    """`76123456-K` (the canonical form of docs/contracts.md)."""
    return f"{number}-{rut_check_digit(number)}"


# --- numbers ------------------------------------------------------------------------------


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def clp_dotted(amount: int) -> str:
    """`1234567` -> `1.234.567` (Chilean thousands separator, no decimals)."""
    return f"{amount:,}".replace(",", ".")


def decimal_comma(value: Decimal) -> str:
    """`Decimal('12500.50')` -> `12500,5`; integers stay `12500`."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


# --- writers ------------------------------------------------------------------------------


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str
) -> None:
    """`;`-delimited CSV with CRLF line endings, as Chilean office exports are."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_json(path: Path, data: object) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def write_xlsx(path: Path, workbook: Workbook) -> None:
    """Save `workbook` so the bytes never change between runs.

    openpyxl stamps the save time into docProps/core.xml and the zip entries,
    so the package is rebuilt: fixed created/modified properties, entries in
    sorted order with a fixed date, stored uncompressed (deflate output
    depends on the zlib build; stored entries do not).
    """
    workbook.properties.created = FIXED_TIMESTAMP
    raw = io.BytesIO()
    workbook.save(raw)  # sets properties.modified to now; overwritten below
    workbook.properties.modified = FIXED_TIMESTAMP
    core_xml = tostring(workbook.properties.to_tree())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_zip(raw.getvalue(), {"docProps/core.xml": core_xml}))


def _stable_zip(package: bytes, replacements: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target,
    ):
        for name in sorted(source.namelist()):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, replacements.get(name, source.read(name)))
    return out.getvalue()
