"""Access-to-information request log (Ley 20.285) exported to XLSX.

Sheet `Solicitudes` (header on row 1, dates as real Excel dates) and sheet
`Léame` with the synthetic-data notice. About a third of the subjects
(`Materia`) carry personal data; which text is personal is written to a
ground-truth JSON beside the samples, for testing the privacy scrubber.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import string
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from .common import (
    GENERATOR,
    MUNICIPALITY,
    NOTICE_EN,
    NOTICE_ES,
    SEED,
    Person,
    ascii_slug,
    clp_dotted,
    fake_people,
    random_rut_number,
    rng_for,
    rut_check_digit,
    rut_dotted,
    rut_plain,
    write_json,
    write_xlsx,
)
from .parties import Supplier, build_suppliers

HEADER = (
    "Folio", "Fecha de ingreso", "Canal", "Tipo de solicitante", "Nombre solicitante",
    "RUT solicitante", "Correo electrónico", "Teléfono", "Dirección", "Materia", "Estado",
    "Resultado", "Fecha de respuesta", "Prórroga",
)  # fmt: skip
DATE_FORMAT = "dd-mm-yyyy"
FOLIO_PREFIX = "MU999T"
EXTRACTION_DATE = dt.date(2026, 10, 30)  # last working day covered by the export

# Chilean public holidays of 2026 (the working-day calendar of Ley 20.285 deadlines)
HOLIDAYS_2026 = frozenset(
    dt.date(2026, month, day)
    for month, day in (
        (1, 1), (4, 3), (4, 4), (5, 1), (5, 21), (6, 21), (6, 29), (7, 16), (8, 15),
        (9, 18), (9, 19), (10, 12), (10, 31), (11, 1), (12, 8), (12, 25),
    )
)  # fmt: skip
REQUESTS_PER_MONTH = {1: 6, 2: 4, 3: 9, 4: 9, 5: 9, 6: 8, 7: 8, 8: 9, 9: 10, 10: 8}
# received around the 18-19 September holidays (19 September 2026 is a Saturday)
NEAR_HOLIDAYS = tuple(dt.date(2026, 9, day) for day in (14, 15, 16, 17, 19, 21))

CHANNELS = ("Portal", "Correo electrónico", "Presencial", "Correo postal")
CHANNEL_WEIGHTS = (57, 20, 15, 8)
NATURAL = "Persona natural"
NOT_STATED = "No informa"
REQUESTER_TYPES = (
    NATURAL, "Persona jurídica", "Organización sin fines de lucro", "Medio de comunicación",
    NOT_STATED,
)  # fmt: skip
REQUESTER_WEIGHTS = (66, 8, 7, 8, 11)
# requester type -> (name, e-mail domain) of organisations that file requests
ORGANISATIONS = {
    "Persona jurídica": (
        ("Inmobiliaria Altos del Estero SpA", "altosdelestero.example"),
        ("Consultora Territorio Abierto Ltda.", "territorioabierto.example"),
        ("Estudio Jurídico Rivas y Asociados Ltda.", "rivasyasociados.example"),
    ),
    "Organización sin fines de lucro": (
        ("Junta de Vecinos N° 12 Villa Los Copihues", "jvloscopihues.example"),
        ("Fundación Ciudadanía Activa", "ciudadaniaactiva.example"),
        ("Club Deportivo Unión Ejemplo", "clubunionejemplo.example"),
    ),
    "Medio de comunicación": (
        ("Radio Villa Ejemplo FM", "radiovillaejemplo.example"),
        ("Diario El Observador Comunal", "observadorcomunal.example"),
        ("Revista Sur Abierto", "surabierto.example"),
    ),
}  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # reserved, never real
STREETS = (
    "Av. Los Aromos", "Pasaje Los Boldos", "Calle Esmeralda", "Los Quillayes",
    "Av. Libertador Bernardo O'Higgins", "Camino El Alba", "Pje. Las Golondrinas",
    "Calle Ñuble", "Av. Ejemplo", "Los Copihues",
)  # fmt: skip
PROGRAMS = (
    "Vínculos", "Mujeres Jefas de Hogar", "SENDA Previene", "Quiero Mi Barrio",
    "Fondo de Desarrollo Vecinal",
)  # fmt: skip
TENDERS = ("2431-3-LR26", "2431-7-LE26", "2431-9-LP26", "2431-12-LE26")

# Subjects that name the requester or a third person. Placeholders:
# {name} {short} {rut} {email} {phone} {address} {third} are personal data.
PERSONAL_SUBJECTS = (
    "Yo, {short}, RUT {rut}, solicito copia del permiso de edificación N° {number} de mi "
    "propiedad ubicada en {address}.",
    "Solicito copia de la resolución que rechazó mi solicitud de patente comercial del año "
    "2026. Favor responder al correo {email}.",
    "Mi nombre es {name} y solicito copia del informe social de mi grupo familiar elaborado "
    "por la DIDECO. Mi teléfono es {phone}.",
    "Solicito el estado del sumario administrativo instruido contra {third}, del "
    "Departamento de Tránsito.",
    "Requiero copia del parte empadronado a mi vehículo frente a mi domicilio de {address}. "
    "Contacto: {phone}.",
    "Remuneración bruta mensual de {third}, de la Oficina de Vivienda, entre enero y junio "
    "de 2026.",
    "Yo, {short}, necesito copia de la licencia de conducir emitida a mi nombre, RUT {rut}, "
    "en el año 2019.",
    "Solicito copia de los reclamos presentados por {third} en contra de mi propiedad de "
    "{address}.",
    "Favor enviar a {email} copia del certificado de número de la propiedad de {name}, "
    "ubicada en {address}.",
    "Solicito saber por qué se me negó la beca municipal 2026. Soy {name}, RUT {rut}, "
    "teléfono {phone}.",
)
# Subjects without personal data, but with numbers that look like it.
GENERAL_SUBJECTS = (
    "Solicito copia del contrato de recolección de residuos domiciliarios suscrito con "
    "{waste_company} (RUT {waste_company_rut}) y sus modificaciones desde el año {year}.",
    "Solicito el presupuesto ejecutado del programa {program} durante el año {year}, "
    "desglosado por ítem.",
    "Copia del Decreto N° {decree} de {year} que aprueba la ordenanza de derechos municipales.",
    "Monto total pagado por horas extraordinarias al personal municipal en {year}, por "
    "dirección y por mes.",
    "Remuneraciones brutas mensuales del alcalde, concejales y directivos de planta según la "
    "escala vigente en {year}.",
    "Listado de permisos de edificación otorgados en {year} con superficie, destino y monto "
    "de derechos pagados.",
    "Copia de las bases y del acta de evaluación de la licitación {tender}.",
    "Toneladas de residuos domiciliarios recolectadas cada mes entre {year_from} y {year} y "
    "costo por tonelada.",
    "Detalle de los gastos de la Fiesta de la Primavera {year}, que según la cuenta pública "
    "ascendieron a {amount}.",
    "Copia del convenio con el Servicio de Salud por {amount} para el programa de atención "
    "primaria {year}.",
    "Subvenciones otorgadas a organizaciones comunitarias en {year}, con montos y el Decreto "
    "Exento N° {decree} que las aprobó.",
    "Copia de las actas del Concejo Municipal de las sesiones ordinarias N° {session} y "
    "N° {next_session} de 2026.",
    "Estado de avance de las obras de pavimentación participativa contratadas con "
    "{works_company} por {amount}.",
    "Dotación de personal a honorarios del Departamento de Salud al 31 de agosto de 2026 y "
    "gasto mensual asociado.",
)
PERSONAL_FIELDS = {
    "name": "requester_name",
    "short": "requester_name",
    "rut": "requester_rut",
    "email": "requester_email",
    "phone": "requester_phone",
    "address": "requester_address",
    "third": "third_party_name",
}


@dataclass(frozen=True)
class Contact:
    """Everything a requester may write, in the columns or in the subject."""

    kind: str
    name: str
    rut_number: int | None
    email: str
    phone: str
    address: str
    person: Person | None = None


@dataclass
class Request:
    folio: str
    received: dt.date
    channel: str
    contact: Contact
    columns: dict[str, str]  # the requester columns as written in the export
    subject: str
    personal_data: list[dict[str, str]]
    status: str = "En trámite"
    outcome: str = ""
    answered: dt.date | None = None
    extended: bool = False


# --- working days -------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS_2026


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The date `count` working days after `start` (the receipt day itself not counted)."""
    day = start
    while count:
        day += dt.timedelta(days=1)
        count -= is_working_day(day)
    return day


# --- requesters ---------------------------------------------------------------------------


def rut_as_written(rng: random.Random, number: int) -> str:
    """A valid RUT in one of the shapes people type: dotted, plain, compact, lower-case k."""
    text = rng.choice((rut_dotted(number), rut_plain(number), f"{number}{rut_check_digit(number)}"))
    return text[:-1] + "k" if text.endswith("K") and rng.random() < 0.6 else text


def _phone(rng: random.Random) -> str:
    mobile = f"{rng.randint(3000, 9999)}{rng.randint(1000, 9999)}"
    return rng.choice((
        f"+56 9 {mobile[:4]} {mobile[4:]}",
        f"09-{mobile}",
        f"(2) 2{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        f"+569{mobile}",
    ))  # fmt: skip


def _address(rng: random.Random) -> str:
    address = f"{rng.choice(STREETS)} {rng.randint(10, 4999)}"
    block = f", block {rng.choice('ABCD')}, depto {rng.randint(1, 4)}0{rng.randint(1, 8)}"
    return address + rng.choice(("", "", f", depto {rng.randint(11, 98)}", block))


def _email(rng: random.Random, person: Person) -> str:
    given, first, second = (ascii_slug(p) for p in (person.first_given, person.surname1,
                                                    person.surname2))  # fmt: skip
    local = rng.choice((
        f"{given}.{first}", f"{given[0]}{first}{rng.randint(1, 99)}", f"{first}.{second}",
        f"{given}_{first}{rng.randint(70, 99)}",
    ))  # fmt: skip
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def _natural_contact(rng: random.Random, person: Person, kind: str) -> Contact:
    check_digit = "K" if rng.random() < 0.15 else None
    number = random_rut_number(rng, 6_000_000, 26_000_000, check_digit)
    name = person.full_name.upper() if rng.random() < 0.1 else person.full_name
    return Contact(kind, name, number, _email(rng, person), _phone(rng), _address(rng), person)


def _organisation_contacts(rng: random.Random) -> dict[str, list[Contact]]:
    contacts: dict[str, list[Contact]] = {}
    for kind, names in ORGANISATIONS.items():
        low = 65_000_000 if kind == "Organización sin fines de lucro" else 76_000_000
        contacts[kind] = [
            Contact(
                kind, name, random_rut_number(rng, low, low + 1_999_999), f"contacto@{domain}",
                f"(2) 2{rng.randint(100, 999)} {rng.randint(1000, 9999)}", _address(rng),
            )
            for name, domain in names
        ]  # fmt: skip
    return contacts


class ContactPool:
    """Who files each request; one frequent requester comes back several times."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        people = fake_people(rng, 80)
        self.frequent = _natural_contact(rng, people.pop(), NATURAL)
        self.people = people
        self.organisations = _organisation_contacts(rng)

    def next(self) -> Contact:
        kind = self.rng.choices(REQUESTER_TYPES, REQUESTER_WEIGHTS)[0]
        if kind in self.organisations:
            return self.rng.choice(self.organisations[kind])
        if kind == NATURAL and self.rng.random() < 0.06:
            return self.frequent
        return _natural_contact(self.rng, self.people.pop(), kind)


def _columns(rng: random.Random, contact: Contact, channel: str) -> dict[str, str]:
    """What the requester filled in: e-mail always online, address always on paper."""
    online = channel in ("Portal", "Correo electrónico")
    rut_given = contact.rut_number and rng.random() < (0.25 if contact.kind == NOT_STATED else 0.8)
    return {
        "name": contact.name,
        "rut": rut_as_written(rng, contact.rut_number) if rut_given else "",
        "email": contact.email if online or rng.random() < 0.5 else "",
        "phone": contact.phone if rng.random() < 0.6 else "",
        "address": contact.address if not online or rng.random() < 0.4 else "",
    }


# --- subjects -----------------------------------------------------------------------------


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _personal_subject(
    rng: random.Random, contact: Contact, third: Person
) -> tuple[str, list[dict[str, str]]]:
    person = contact.person
    values = {
        "name": person.full_name,
        "short": person.short_name,
        "rut": rut_as_written(rng, contact.rut_number),
        "email": contact.email,
        "phone": contact.phone,
        "address": contact.address,
        "third": third.full_name if rng.random() < 0.5 else third.short_name,
        "number": str(rng.randint(100, 2999)),
    }
    template = rng.choice(PERSONAL_SUBJECTS)
    found = [
        {"kind": PERSONAL_FIELDS[name], "text": values[name]}
        for name in _placeholders(template)
        if name in PERSONAL_FIELDS
    ]
    return template.format(**values), found


def _general_subject(rng: random.Random, suppliers: dict[str, Supplier]) -> str:
    waste_company = suppliers["villa_limpia"]
    year = rng.choice((2023, 2024, 2025, 2026))
    session = rng.randint(20, 60)
    return rng.choice(GENERAL_SUBJECTS).format(
        waste_company=waste_company.name,
        waste_company_rut=rut_dotted(waste_company.rut_number),
        works_company=suppliers["maitenes"].name,
        year=year,
        year_from=year - 2,
        program=rng.choice(PROGRAMS),
        decree=rng.randint(150, 3999),
        tender=rng.choice(TENDERS),
        amount="$" + clp_dotted(rng.randint(2_000_000, 480_000_000)),
        session=session,
        next_session=session + 1,
    )


# --- dates and outcomes -------------------------------------------------------------------


def _received_dates(rng: random.Random) -> list[dt.date]:
    dates = list(NEAR_HOLIDAYS)
    for month, count in REQUESTS_PER_MONTH.items():
        last = EXTRACTION_DATE.day if month == 10 else calendar.monthrange(2026, month)[1]
        while sum(d.month == month for d in dates) < count:
            day = dt.date(2026, month, rng.randint(1, last))
            if is_working_day(day) or rng.random() < 0.15:
                dates.append(day)
    return sorted(dates)


def _resolve(rng: random.Random, request: Request) -> None:
    """Status, outcome, response date and extension; some answers are late."""
    draw = rng.random()
    extended = False
    if draw < 0.08:
        status, outcome, days = "Desistida", "Desistida", rng.randint(2, 12)
    elif draw < 0.18:
        status, outcome, days = "Derivada", "Derivada", rng.randint(1, 4)
    else:
        status = "Respondida"
        outcome = rng.choices(
            ("Entregada", "Entregada parcialmente", "Denegada", "Inexistente"), (66, 15, 10, 9)
        )[0]
        extended = rng.random() < 0.17
        deadline = 30 if extended else 20
        # one working day of margin either side, so counting conventions cannot flip them
        if rng.random() < 0.15:
            days = deadline + rng.randint(2, 12)
        else:
            days = rng.randint(21, deadline - 1) if extended else rng.randint(3, deadline - 1)
    answered = add_working_days(request.received, days)
    request.extended = extended
    if answered <= EXTRACTION_DATE:
        request.status, request.outcome, request.answered = status, outcome, answered


def build_requests() -> list[Request]:
    rng = rng_for("access_requests")
    pool = ContactPool(rng)
    third_parties = fake_people(rng, 20)
    suppliers = build_suppliers()
    requests = []
    for number, received in enumerate(_received_dates(rng), start=1):
        contact = pool.next()
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        if not is_working_day(received):
            channel = "Portal"  # only the web portal takes requests on holidays
        if contact.person and rng.random() < 0.45:
            subject, personal = _personal_subject(rng, contact, rng.choice(third_parties))
        else:
            subject, personal = _general_subject(rng, suppliers), []
        request = Request(
            folio=f"{FOLIO_PREFIX}{number:07d}",
            received=received,
            channel=channel,
            contact=contact,
            columns=_columns(rng, contact, channel),
            subject=subject,
            personal_data=personal,
        )
        _resolve(rng, request)
        requests.append(request)
    return requests


# --- output -------------------------------------------------------------------------------


def _row(request: Request) -> list:
    columns = request.columns
    return [
        request.folio, request.received, request.channel, request.contact.kind,
        columns["name"], columns["rut"], columns["email"], columns["phone"], columns["address"],
        request.subject, request.status, request.outcome, request.answered,
        "Sí" if request.extended else "No",
    ]  # fmt: skip


NOTICE_LINES = (
    NOTICE_ES,
    NOTICE_EN,
    "",
    f"Registro de solicitudes de acceso a la información (Ley 20.285) de la {MUNICIPALITY}, "
    "CUT 99901, enero a octubre de 2026.",
    f"Access-to-information request log (Law 20.285) of the {MUNICIPALITY}, "
    "CUT code 99901, January to October 2026.",
    "",
    "Nombres, RUT, correos, teléfonos y direcciones son inventados; cualquier coincidencia "
    "con personas reales es casual.",
    "Names, RUTs, e-mails, phones and addresses are invented; any match with a real person "
    "is accidental.",
    "",
    f"Generado por / generated by {GENERATOR} (semilla / seed {SEED}).",
)


def build_workbook(requests: list[Request]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Solicitudes"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for request in requests:
        sheet.append(_row(request))
    for column in ("B", "M"):
        for cell in sheet[column][1:]:
            cell.number_format = DATE_FORMAT
    widths = (16, 14, 18, 28, 34, 14, 32, 18, 36, 90, 12, 22, 16, 9)
    for column, width in zip("ABCDEFGHIJKLMN", widths, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    notice = workbook.create_sheet("Léame")
    for line in NOTICE_LINES:
        notice.append([line])
    notice["A1"].font = notice["A2"].font = Font(bold=True)
    notice.column_dimensions["A"].width = 110
    workbook.properties.title = "Solicitudes de acceso a la información 2026 (datos sintéticos)"
    workbook.properties.creator = "abierto — generador de datos sintéticos"
    return workbook


def ground_truth(requests: list[Request]) -> dict:
    return {
        "description": f"{NOTICE_ES}. Datos personales presentes en la columna Materia; las "
        "solicitudes no listadas no tienen ninguno. / Personal data present in the Materia "
        "column; requests not listed have none.",
        "file": "99901/access_requests/solicitudes_2026.xlsx",
        "column": "Materia",
        "requests": [
            {"folio": r.folio, "personal_data": r.personal_data}
            for r in requests
            if r.personal_data
        ],
    }


def generate(comuna_dir: Path, truth_dir: Path) -> list[Path]:
    requests = build_requests()
    xlsx = comuna_dir / "access_requests" / "solicitudes_2026.xlsx"
    write_xlsx(xlsx, build_workbook(requests))
    truth = truth_dir / "solicitudes_2026_materia_datos_personales.json"
    write_json(truth, ground_truth(requests))
    return [xlsx, truth]
