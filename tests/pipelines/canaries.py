"""Plant synthetic personal values (canaries) into copies of the sample exports.

`plant(landing)` rewrites the landed sample exports of Villa Ejemplo: every
requester gets a new name, RUT, e-mail, phone and address; most subjects,
order descriptions and line specifications get personal data written into
them; buyer contacts change; some suppliers become natural persons; the OCDS
package gets new buyer contact points and a natural-person supplier with an
address and contact point. It returns each planted value with where it went.
Subjects that carried no personal data (per the samples' ground truth) are
left alone on every fourth row, to check they come out unchanged. Everything
is seeded: the same planting every run.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from stdnum.cl import rut as stdnum_rut

from pipelines.cli import SAMPLES_DIR

GIVEN = [
    "Begoña Inés", "Íñigo Tomás", "Ángela", "Sofía", "Martín", "Joaquín", "Inés", "Rubén",
    "Begoña", "Cristóbal", "Ximena", "Maximiliano", "Débora", "Néstor", "Zoé", "Íñigo",
    "Anaís", "Agustín", "Belén", "Renée",
]  # fmt: skip
SURNAMES = [
    "Quiñilén", "Ñancupán", "Huenchullán", "Aránguiz", "Cañulef", "Llancapán", "Piñones",
    "Mariñanco", "Curiñir", "Antimán", "Quintrequeo", "Epulef", "Nahuelpán", "Colipí",
    "Ñirihuao", "Quilapán", "Huaiquimán", "Caniulén", "Lefiñir", "Paillalef",
]  # fmt: skip
# Natural-person suppliers keep their (public) names: their own pools, so that no
# planted name part is also a published supplier's name.
SUPPLIER_GIVEN = ["Ramón Eliseo", "Lautaro", "Fresia Amelia", "Galvarino"]
SUPPLIER_SURNAMES = ["Llanquileo", "Cheuquepán", "Traipe", "Huilcamán"]
STREETS = [
    "Pasaje Los Quiñilenes", "Av. Huenchullán", "Calle Ñancupán", "Avenida Los Canelos Altos",
    "Calle Epulef", "Pje. Las Añañucas", "Camino Lefiñir",
]  # fmt: skip
GROUND_TRUTH = "solicitudes_2026_materia_datos_personales.json"
RUT_FORMATS = ["dotted", "dashed", "compact", "dotted_lower", "spaced"]
PHONE_FORMATS = ["+56 9 {a} {b}", "+569{a}{b}", "09-{a}{b}", "9 {a} {b}", "9{a}{b}"]
LANDLINE_FORMATS = ["+56 2 2{c} {b}", "(2) 2{c} {b}", "22{c} {b}"]


@dataclass
class Planted:
    """Every planted value with the file and field it went into."""

    values: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # value, kind, file, field
    untouched_subjects: dict[str, str] = field(default_factory=dict)  # folio -> subject
    natural_suppliers: dict[str, str] = field(default_factory=dict)  # order_id -> supplier name
    quarantined_order: str = ""

    def add(self, value: str, kind: str, file: str, column: str) -> str:
        self.values.append((value, kind, file, column))
        return value


class Factory:
    """Unique synthetic people: names with accents, RUTs, e-mails, phones, addresses."""

    def __init__(self, seed: int = 6) -> None:
        self.random = random.Random(seed)
        self.used: set[str] = set()

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def name(self, given=GIVEN, surnames=SURNAMES) -> tuple[str, str, str]:
        """(full name, given names, surnames)."""
        full = self._unique(
            lambda: f"{self.random.choice(given)} {' '.join(self.random.sample(surnames, 2))}"
        )
        parts = full.split()
        return full, " ".join(parts[:-2]), " ".join(parts[-2:])

    def rut(self, style: str) -> str:
        body = self._unique(lambda: str(self.random.randint(5_100_000, 29_900_000)))
        check = stdnum_rut.calc_check_digit(body)
        dotted = f"{int(body):,}".replace(",", ".")
        return {
            "dotted": f"{dotted}-{check}",
            "dashed": f"{body}-{check}",
            "compact": f"{body}{check}",
            "dotted_lower": f"{dotted}-{check.lower()}",
            "spaced": f"{dotted} - {check}",
        }[style]

    def email(self, full: str) -> str:
        ascii_name = full.translate(str.maketrans("áéíóúñÁÉÍÓÚÑü", "aeiounAEIOUNu"))
        local = ".".join(ascii_name.lower().split()[-3:])
        return self._unique(lambda: f"{local}{self.random.randint(1, 999)}@correo-canario.example")

    def phone(self, style: str) -> str:
        return self._unique(
            lambda: style.format(
                a=self.random.randint(1000, 9999),
                b=self.random.randint(1000, 9999),
                c=self.random.randint(100, 999),
            )
        )

    def address(self) -> str:
        street = self.random.choice(STREETS)
        unit = self.random.choice(["", ", depto 5{}", ", block C, depto 1{}", ", casa {}"])
        return self._unique(
            lambda: (
                f"{street} {self.random.randint(100, 9899)}"
                + unit.format(self.random.randint(1, 9))
            )
        )


SUBJECTS = [
    "Solicito copia del permiso de edificación de mi propiedad. Mi nombre es {full}, RUT {rut}, "
    "correo {email}, fono {phone}, domicilio {address}. Reclamo también contra don {third}.",
    "Yo, {full}, cédula de identidad N° {rut}, pido el expediente del reclamo que presenté; "
    "pueden escribirme a {email} o llamar al {phone}. Vivo en {address}.",
    "{given} solicita las actas del concejo de 2025. Contacto: {email}, celular {phone}. "
    "Dirección: {address}. R.U.N. {rut}. Atentamente, {full}",
    "Necesito saber el estado de la denuncia contra la Sra. {third} por ruidos molestos "
    "en {address}. Mi RUT es {rut}, mi correo {email} y mi teléfono {phone}; firma {surnames}.",
    # a mistyped check digit: not a valid RUT, so the scrubber cannot be sure -> held
    "Pido mi expediente de patente; mi rut es {bad_rut}. Responder a {email}. {full}",
]


def _mistyped(rut: str) -> str:
    """The RUT with a wrong check digit (one typo away from someone's RUT)."""
    body, check = rut.rsplit("-", 1)
    return f"{body}-{'0' if check != '0' else '1'}"


def _rows_xlsx(path: Path) -> tuple[openpyxl.Workbook, list[str]]:
    book = openpyxl.load_workbook(path)
    header = [c.value for c in book["Solicitudes"][1]]
    return book, header


def plant_access_requests(path: Path, factory: Factory, planted: Planted) -> None:
    file = path.name
    book, header = _rows_xlsx(path)
    sheet = book["Solicitudes"]
    col = {name: header.index(name) + 1 for name in header}
    truth = json.loads((SAMPLES_DIR / "ground_truth" / GROUND_TRUTH).read_text("utf-8"))
    with_personal_data = {r["folio"] for r in truth["requests"]}
    for index, row in enumerate(sheet.iter_rows(min_row=2), start=0):
        full, given, surnames = factory.name()
        rut = factory.rut(RUT_FORMATS[index % len(RUT_FORMATS)])
        email = factory.email(full)
        phone = factory.phone(PHONE_FORMATS[index % len(PHONE_FORMATS)])
        address = factory.address()
        structured = {
            "Nombre solicitante": (full, "name"),
            "RUT solicitante": (rut, "rut"),
            "Correo electrónico": (email, "email"),
            "Teléfono": (phone, "phone"),
            "Dirección": (address, "address"),
        }
        for column, (value, kind) in structured.items():
            row[col[column] - 1].value = planted.add(value, kind, file, column)
        subject_cell = row[col["Materia"] - 1]
        folio = row[col["Folio"] - 1].value
        if index % 4 == 3 and folio not in with_personal_data:
            planted.untouched_subjects[folio] = subject_cell.value
            continue
        third = factory.name()[0]
        values = {
            "full": full,
            "given": given,
            "surnames": surnames,
            "rut": factory.rut(RUT_FORMATS[(index + 2) % len(RUT_FORMATS)]),
            "email": factory.email(full),
            "phone": factory.phone(
                (PHONE_FORMATS + LANDLINE_FORMATS)[index % (len(PHONE_FORMATS) + 3)]
            ),
            "address": factory.address(),
            "third": third,
            "bad_rut": _mistyped(factory.rut("dotted")),
        }
        template = SUBJECTS[index % len(SUBJECTS)]
        kinds = {
            "full": "name",
            "given": "name",
            "surnames": "name",
            "third": "name",
            "bad_rut": "rut",
        }
        for key, value in values.items():
            # A lone one-word given name ("Inés") is planted but not counted: it is
            # an ordinary word elsewhere in the catalog.
            if "{" + key + "}" in template and (key != "given" or " " in value):
                planted.add(value, kinds.get(key, key), file, "Materia")
        subject_cell.value = template.format(**values)
    book.save(path)


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    text = path.read_bytes().decode("latin-1")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, header, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("latin-1"))


def plant_orders_csv(path: Path, factory: Factory, planted: Planted) -> None:
    file = path.name
    header, rows = _read_csv(path)
    orders: dict[str, dict] = {}
    for number, row in enumerate(rows):
        order = row["Codigo"]
        if order not in orders:
            index = len(orders)
            contact = factory.name()[0]
            values = {
                "NombreContacto": (contact, "name"),
                "FonoContacto": (factory.phone(LANDLINE_FORMATS[index % 3]), "phone"),
                "MailContacto": (factory.email(contact), "email"),
            }
            third = factory.name()[0]
            phone = factory.phone(PHONE_FORMATS[index % len(PHONE_FORMATS)])
            email = factory.email(third)
            description = (
                f"{row['Descripcion/Obervaciones']}. Entregar a doña {third}, fono {phone}, "
                f"correo {email}."
            )
            values["Descripcion/Obervaciones"] = (description, None)
            for kind, value in (("name", third), ("phone", phone), ("email", email)):
                planted.add(value, kind, file, "Descripcion/Obervaciones")
            if index % 5 == 2:  # a natural person becomes the supplier
                supplier = factory.name(SUPPLIER_GIVEN, SUPPLIER_SURNAMES)[0]
                rut = factory.rut("dotted")
                values["RutProveedor"] = (rut, "rut")
                values["NombreProveedor"] = (supplier, None)
                planted.natural_suppliers[order] = supplier
            if index == 39:  # a mistyped check digit: the order goes to quarantine
                values["RutProveedor"] = (_mistyped(factory.rut("dotted")), "rut")
                planted.quarantined_order = order
            orders[order] = values
        for column, (value, kind) in orders[order].items():
            row[column] = value
            if kind is not None and (number == 0 or rows[number - 1]["Codigo"] != order):
                planted.add(value, kind, file, column)
        third = factory.name()[0]
        phone = factory.phone(PHONE_FORMATS[number % len(PHONE_FORMATS)])
        row["EspecificacionComprador"] += f". Coordinar la entrega con el Sr. {third} al {phone}"
        planted.add(third, "name", file, "EspecificacionComprador")
        planted.add(phone, "phone", file, "EspecificacionComprador")
    _write_csv(path, header, rows)


def plant_ocds(path: Path, factory: Factory, planted: Planted) -> None:
    file = path.name
    natural_rut = factory.rut("dashed")  # replaces the sample's natural-person supplier
    package = json.loads(path.read_text("utf-8").replace("9240532-K", natural_rut))
    supplier_name = None
    for release in package["releases"]:
        for party in release.get("parties", []):
            if "buyer" in party.get("roles", []):
                name = factory.name()[0]
                party["contactPoint"] = {
                    "name": planted.add(name, "name", file, "parties[buyer].contactPoint.name"),
                    "email": planted.add(
                        factory.email(name), "email", file, "parties[buyer].contactPoint.email"
                    ),
                    "telephone": planted.add(
                        factory.phone("+56 2 2{c} {b}"),
                        "phone",
                        file,
                        "parties[buyer].contactPoint.telephone",
                    ),
                }
            elif party.get("identifier", {}).get("id") == natural_rut:
                supplier_name = party["name"]
                party["address"] = {
                    "streetAddress": planted.add(
                        factory.address(), "address", file, "parties[supplier].address"
                    )
                }
                party["contactPoint"] = {
                    "email": planted.add(
                        factory.email(party["name"]),
                        "email",
                        file,
                        "parties[supplier].contactPoint.email",
                    ),
                    "telephone": planted.add(
                        factory.phone("+56 9 {a} {b}"),
                        "phone",
                        file,
                        "parties[supplier].contactPoint.telephone",
                    ),
                }
        for contract in release.get("contracts", []):
            third = factory.name()[0]
            phone = factory.phone("9 {a} {b}")
            contract["description"] += f" Inspector técnico: don {third}, celular {phone}."
            planted.add(third, "name", file, "contracts[].description")
            planted.add(phone, "phone", file, "contracts[].description")
    assert supplier_name is not None
    planted.add(natural_rut, "rut", file, "parties[supplier].identifier.id")
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")


def plant(landing: Path) -> Planted:
    """Plant canaries into the landed Villa Ejemplo exports (see the module docstring)."""
    factory, planted = Factory(), Planted()
    folder = landing / "99901"
    plant_access_requests(folder / "access_requests" / "solicitudes_2026.xlsx", factory, planted)
    plant_orders_csv(folder / "contracts" / "ordenes_de_compra_2026-10.csv", factory, planted)
    plant_ocds(folder / "contracts" / "ocds_2026-10.json", factory, planted)
    return planted
