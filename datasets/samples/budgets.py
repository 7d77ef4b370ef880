"""Monthly budget-execution balances ("Balance de Ejecución Presupuestaria").

Two cumulative monthly reports (September and October 2026) of the demo
municipality: Latin-1, `;`, CRLF, amounts with `.` thousands separators, one
line per area × account and two trailing totals rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .common import clp_dotted, rng_for, write_csv

YEAR = 2026
MONTHS = (9, 10)
HEADER = (
    "Año", "Mes", "Área", "Tipo", "Código", "Denominación", "Presupuesto Inicial",
    "Presupuesto Vigente", "Devengado Acumulado", "Pagado Acumulado",
)  # fmt: skip

# How an account behaves over the year.
NORMAL = "normal"
MODIFIED = "modified"  # vigente differs from inicial from before September
MODIFIED_IN_OCTOBER = "modified_in_october"  # vigente changes between the two reports
NEW = "new"  # opened by a budget modification: inicial 0
ZERO = "zero"  # budgeted at 0 and never used: every amount is 0
OVER = "over"  # income collected above the current budget


@dataclass(frozen=True)
class Account:
    area: str
    tipo: str
    code: str  # dotted, as in the classifier code list
    name: str  # verbatim `name` of the classifier code list
    millions: int  # order of magnitude of the yearly budget, in millions of CLP
    kind: str = NORMAL


def _accounts(area: str, tipo: str, rows: list[tuple]) -> list[Account]:
    return [Account(area, tipo, *row) for row in rows]


# Codes and names are copied from the real classifier list
# (reference-data/codes/clasificador_presupuestario.csv, level == asignacion);
# tests/samples checks they still match it.
ACCOUNTS: tuple[Account, ...] = (
    *_accounts("Municipal", "Ingresos", [
        ("03.01.001", "PATENTES MUNICIPALES", 3200),
        ("03.01.002", "DERECHOS DE ASEO", 850),
        ("03.01.003", "OTRO DERECHOS", 1400),
        ("03.02.001", "PERMISO DE CIRCULACION", 2900, OVER),
        ("03.02.002", "LICENCIAS DE CONDUCIR Y SIMILARES", 420),
        ("05.03.007", "DEL TESORO PUBLICO", 600, MODIFIED),
        ("06.03.004", "INTERESES A PLAZO FIJO", 150),
        ("08.02.001", "MULTAS- DE BENEFICIO MUNICIPAL", 700),
        ("08.02.003", "MULTA LEY DE ALCOHOLES DE BENEFICIO MUNICIPAL", 60),
        ("08.03.001", "PARTICIPACION ANUAL", 16500),
        ("08.03.002", "COMPENSACIONES FONDO COMUN MUNICIPAL", 300),
        ("10.99.002", "REMATES=OTROS", 0, ZERO),
        ("12.10.008", "Por Licencias Médicas", 90),
        ("13.03.008", "De Gobierno Regional", 650, NEW),
    ]),
    *_accounts("Municipal", "Gastos", [
        ("21.01.001", "SUELDO Y SOBRESUELDOS", 5200),
        ("21.01.002", "APORTE DEL EMPLEADOR", 380),
        ("21.01.003", "ASIGNACION POR DESEMPEÑO", 610),
        ("21.02.001", "SUELDOS Y SOBRESUELDOS", 2100),
        ("21.03.001", "HONORARIOS A LA SUMA ALZADA PERSONAS NATURALES", 950, MODIFIED),
        ("21.04.004", "PRESTACIONES DE SERVICIOS COMUNITARIOS HONORARIOS", 1300),
        ("22.01.001", "Para Personas", 95),
        ("22.03.001", "Para Vehículos", 240),
        ("22.04.001", "Materiales de Oficina", 70),
        ("22.04.007", "Materiales y Útiles de Aseo", 45),
        ("22.05.001", "Electricidad", 380),
        ("22.05.002", "Agua", 160),
        ("22.05.006", "Telefonía Celular", 35),
        ("22.06.001", "Mantenimiento y Reparación de Edificaciones", 210),
        ("22.07.002", "Servicios de Impresión", 55),
        ("22.08.001", "Servicios de Aseo", 4800),
        ("22.08.003", "Servicios de Mantención de Jardines", 1700),
        ("22.08.004", "Servicios de Mantención de Alumbrado Público", 520),
        ("22.08.011", "Servicios de Producción y Desarrollo de Eventos", 230, MODIFIED_IN_OCTOBER),
        ("22.11.002", "Cursos de Capacitación", 25),
        ("22.12.001", "Gastos Reservados", 0, ZERO),
        ("22.12.002", "Gastos Menores", 12),
        ("24.01.004", "ORGANIZACIONES COMUNITARIAS", 260),
        ("24.01.007", "ASISTENCIA SOCIAL A PERSONAS NATURALES", 340),
        ("24.03.001", "A EDUCACION- SS INCORPORADOS A SU GESTION", 1800),
        ("24.03.002", "A LOS SERVICIOS DE SALUD", 2400),
        ("24.03.090", "AL FONDO COMUN MUNICIPAL PERMISOS DE CIRCULACION", 1800),
        ("24.03.091", "Al Fondo Común Municipal - Patentes Municipales", 1400),
        ("29.06.001", "Equipos Computacionales y Periféricos", 90, MODIFIED),
        ("31.02.004", "Obras Civiles", 800, MODIFIED),
    ]),
    *_accounts("Educación", "Ingresos", [
        ("05.03.003", "DE LA SUBSECRETARIA DE EDUCACION", 6800),
        ("05.03.101", "DE LA MUNICIPALIDAD A SS INCORPORADOS A SU GESTION", 1800),
        ("12.10.008", "Por Licencias Médicas", 120),
    ]),
    *_accounts("Educación", "Gastos", [
        ("21.01.001", "SUELDO Y SOBRESUELDOS", 3900),
        ("21.02.001", "SUELDOS Y SOBRESUELDOS", 2600),
        ("21.03.004", "REMUNERACIONES REGULADAS X CODIGO DEL TRABAJO", 900),
        ("22.04.002", "Textos y Otros Materiales de Enseñanza", 140),
        ("22.05.001", "Electricidad", 110),
        ("22.06.001", "Mantenimiento y Reparación de Edificaciones", 180, MODIFIED),
        ("29.06.001", "Equipos Computacionales y Periféricos", 60),
    ]),
    *_accounts("Salud", "Ingresos", [
        ("05.03.006", "DEL SERVICIO DE SALUD", 5400),
        ("05.03.101", "DE LA MUNICIPALIDAD A SS INCORPORADOS A SU GESTION", 2400),
        ("12.10.008", "Por Licencias Médicas", 150),
    ]),
    *_accounts("Salud", "Gastos", [
        ("21.01.001", "SUELDO Y SOBRESUELDOS", 3100),
        ("21.02.001", "SUELDOS Y SOBRESUELDOS", 2500),
        ("21.03.001", "HONORARIOS A LA SUMA ALZADA PERSONAS NATURALES", 400),
        ("22.04.004", "Productos Farmacéuticos", 620),
        ("22.04.005", "Materiales y Útiles Quirúrgicos", 210),
        ("22.05.002", "Agua", 30),
        ("22.09.003", "Arriendo de Vehículos", 75),
    ]),
)  # fmt: skip


@dataclass(frozen=True)
class Balance:
    """Amounts of one account at the end of a month (cumulative from January)."""

    initial: int
    current: int
    accrued: int
    paid: int

    def amounts(self) -> tuple[int, int, int, int]:
        return (self.initial, self.current, self.accrued, self.paid)


def _thousands(amount: float) -> int:
    """Budgets are approved in whole thousands of pesos."""
    return round(amount / 1000) * 1000


def _budget(rng: random.Random, account: Account) -> tuple[int, int, int]:
    """(initial, current in September, current in October)."""
    yearly = account.millions * 1_000_000
    initial = 0 if account.kind == NEW else _thousands(yearly * rng.uniform(0.9, 1.1))
    current = initial
    if account.kind == NEW:
        current = _thousands(yearly)
    elif account.kind == MODIFIED:
        factor = rng.uniform(1.05, 1.3) if rng.random() < 0.7 else rng.uniform(0.8, 0.95)
        current = _thousands(initial * factor)
    october = _thousands(current * 1.35) if account.kind == MODIFIED_IN_OCTOBER else current
    return initial, current, october


def simulate(rng: random.Random, account: Account) -> dict[int, Balance]:
    """Cumulative balances of one account at the end of September and October.

    Paid ≤ accrued; accrued ≤ current except for OVER income; October ≥ September.
    """
    if account.kind == ZERO:
        return {month: Balance(0, 0, 0, 0) for month in MONTHS}
    initial, current_sep, current_oct = _budget(rng, account)
    share_sep = rng.uniform(0.58, 0.78)
    share_oct = share_sep + rng.uniform(0.05, 0.10)
    if account.kind == OVER:
        share_sep, share_oct = rng.uniform(1.02, 1.06), rng.uniform(1.07, 1.10)
    accrued_sep = int(current_sep * share_sep)
    accrued_oct = max(accrued_sep, int(current_oct * share_oct))
    paid_sep = int(accrued_sep * rng.uniform(0.86, 0.99))
    paid_oct = max(paid_sep, int(accrued_oct * rng.uniform(0.86, 0.99)))
    return {
        9: Balance(initial, current_sep, accrued_sep, paid_sep),
        10: Balance(initial, current_oct, accrued_oct, paid_oct),
    }


def _detail_row(month: int, account: Account, balance: Balance) -> list[str]:
    code = account.code.replace(".", "-")
    amounts = [clp_dotted(value) for value in balance.amounts()]
    return [str(YEAR), str(month), account.area, account.tipo, code, account.name, *amounts]


def _totals_row(label: str, balances: list[Balance]) -> list[str]:
    sums = [
        clp_dotted(sum(column)) for column in zip(*(b.amounts() for b in balances), strict=True)
    ]
    return ["", "", "", "", "", label, *sums]


def report_rows(month: int, balances: dict[Account, dict[int, Balance]]) -> list[list[str]]:
    rows = [_detail_row(month, account, by_month[month]) for account, by_month in balances.items()]
    for tipo in ("Ingresos", "Gastos"):
        of_tipo = [
            by_month[month] for account, by_month in balances.items() if account.tipo == tipo
        ]
        rows.append(_totals_row(f"TOTAL {tipo.upper()}", of_tipo))
    return rows


def generate(comuna_dir: Path) -> list[Path]:
    rng = rng_for("budgets")
    balances = {account: simulate(rng, account) for account in ACCOUNTS}
    paths = []
    for month in MONTHS:
        path = comuna_dir / "budgets" / f"ejecucion_presupuestaria_{YEAR}-{month:02d}.csv"
        write_csv(path, HEADER, report_rows(month, balances), encoding="latin-1")
        paths.append(path)
    return paths
