"""The method registry: what each indicator measures and how, in plain Spanish and English.

One `Method` per indicator id. The registry is published beside the values (the
`indicator_methods` table of the `indicators` package), feeds the catalog's indicator
pages and `docs/indicators.md`, and its `version` goes into every published row: a
change of formula, threshold or suppression rule is a new version.

Suppression (`is_suppressed`, `suppression_reason` in the published table):

- `too_few_records`: fewer records behind the value than the method's `min_records`
  (a share of 2 requests says little; 5 is the floor for every count-based share);
- `no_denominator`: the denominator of a ratio or index is zero, negative or missing;
- `missing_amounts`: a record behind the value lacks one of the amounts it adds up;
- `utm_unknown`: the month's UTM value is not in `schemas/codes/utm_values.csv`;
- `no_threshold`: no legal threshold is recorded for the date (before 2020-01-21);
- `incomplete_period`: a month's own amount needs the previous month's cumulative
  amount, and that month is not published.

A suppressed value is published empty, with its numerator, denominator and records,
and is left out of every comparison. A comparison (percentile, median of all comunas,
median of the region) is published only when at least `MIN_COMUNAS` comunas have an
unsuppressed value of the same indicator, period and breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MIN_COMUNAS = 3  # comunas with data needed before any comparison is published
MIN_RECORDS = 5  # records needed behind a count-based share, a median or a concentration

Unit = Literal["ratio", "days", "count", "index"]
Source = Literal["budgets", "contracts", "access_requests", "budgets_contracts"]

SUPPRESSION_REASONS: dict[str, dict[str, str]] = {
    "too_few_records": {
        "es": f"menos registros que el mínimo del método (por lo general {MIN_RECORDS})",
        "en": f"fewer records than the method's minimum (usually {MIN_RECORDS})",
    },
    "no_denominator": {
        "es": "el denominador es cero, negativo o falta",
        "en": "the denominator is zero, negative or missing",
    },
    "missing_amounts": {
        "es": "a algún registro detrás del valor le falta el monto "
        "(una suma parcial sería engañosa)",
        "en": "some record behind the value lacks the amount (a partial sum would mislead)",
    },
    "utm_unknown": {
        "es": "falta el valor de la UTM del mes en la lista de valores "
        "(schemas/codes/utm_values.csv)",
        "en": "the month's UTM value is missing from the list (schemas/codes/utm_values.csv)",
    },
    "no_threshold": {
        "es": "no hay un umbral legal registrado para esa fecha",
        "en": "no legal threshold is recorded for that date",
    },
    "incomplete_period": {
        "es": "falta el mes anterior, necesario para obtener el monto propio del mes",
        "en": "the previous month is missing, needed to derive the month's own amount",
    },
}

# Direct-purchase thresholds in UTM (see `Method.thresholds` of purchases_split_direct).
# Compra ágil, the trato directo for small amounts, was capped at 30 UTM (reglamento
# of Ley 19.886, DS 250/2004 art. 10 bis, as modified in January 2020) and at 100 UTM
# since Ley 21.634 (which amended Ley 19.886) took effect on 12 December 2024
# (reglamento DS 661/2024). Above the cap a purchase needs another procedure.
DIRECT_PURCHASE_THRESHOLDS_UTM: tuple[tuple[str, int], ...] = (
    ("2020-01-21", 30),
    ("2024-12-12", 100),
)
SPLIT_WINDOW_DAYS = 30  # orders to one supplier within this many days are read together


@dataclass(frozen=True)
class Method:
    """How one indicator is computed, and what a reader must know to read it."""

    indicator_id: str
    version: int
    source: Source
    unit: Unit
    grains: tuple[str, ...]
    breakdown: dict[str, str]  # what the breakdown column holds, es/en
    title: dict[str, str]
    description: dict[str, str]
    formula: dict[str, str]
    caveats: dict[str, str]
    min_records: int = 1
    thresholds: dict[str, str] = field(default_factory=dict)  # and where they come from

    @property
    def method_id(self) -> str:
        return self.indicator_id


def _t(es: str, en: str) -> dict[str, str]:
    return {"es": es, "en": en}


SUBTITULO = _t(
    "subtítulo del clasificador presupuestario (p. ej. 22), o «total» para todos",
    "budget classifier subtítulo (e.g. 22), or «total» for all of them",
)
PROCUREMENT_METHOD = _t(
    "modalidad de compra (licitacion_publica, trato_directo, convenio_marco, compra_agil…)",
    "procurement method (licitacion_publica, trato_directo, convenio_marco, compra_agil…)",
)
NONE = _t("«total» (sin desagregación)", "«total» (no breakdown)")
CUMULATIVE = _t(
    "Los montos del balance son acumulados al cierre de cada mes: el valor de un mes "
    "es el del año hasta ese mes. Se suman todas las áreas de gestión (municipal, "
    "educación, salud, cementerio) y, dentro de cada subtítulo, las cuentas del nivel "
    "más alto publicado (un subtítulo publicado con sus ítems no se cuenta dos veces).",
    "Balance amounts are cumulative to the end of each month: a month's value covers "
    "the year up to that month. All management areas (municipal, education, health, "
    "cemetery) are added and, within each subtítulo, the accounts of the highest level "
    "published (a subtítulo published with its items is not counted twice).",
)
ORDERS = _t(
    "Órdenes de compra en pesos chilenos (CLP), sin las canceladas, fechadas por su "
    "fecha de creación. ",
    "Purchase orders in Chilean pesos (CLP), cancelled ones left out, dated by their "
    "creation date. ",
)

METHODS: dict[str, Method] = {
    m.indicator_id: m
    for m in [
        Method(
            "budget_execution_rate",
            1,
            "budgets",
            "ratio",
            ("month",),
            SUBTITULO,
            _t("Ejecución del presupuesto de gastos", "Execution of the expense budget"),
            _t(
                "Qué parte del presupuesto vigente de gastos ya se devengó (se comprometió "
                "como obligación de pago) en el año, hasta el mes.",
                "How much of the current expense budget has been accrued (recognised as "
                "an obligation to pay) in the year, up to the month.",
            ),
            _t(
                "devengado acumulado ÷ presupuesto vigente (cuentas de gasto)",
                "cumulative accrued ÷ current budget (expense accounts)",
            ),
            _t(
                CUMULATIVE["es"] + " Un valor bajo a fin de año puede ser ahorro o "
                "incapacidad de ejecutar; uno mayor que 1 indica gasto sobre lo autorizado.",
                CUMULATIVE["en"] + " A low value at year end may be savings or a failure "
                "to execute; above 1 means spending beyond what was authorised.",
            ),
        ),
        Method(
            "budget_modification",
            1,
            "budgets",
            "ratio",
            ("month",),
            SUBTITULO,
            _t("Modificación del presupuesto de gastos", "Modification of the expense budget"),
            _t(
                "Cuánto cambió el presupuesto de gastos desde el aprobado al inicio del año.",
                "How much the expense budget has changed since the one approved at the "
                "start of the year.",
            ),
            _t(
                "presupuesto vigente ÷ presupuesto inicial (cuentas de gasto)",
                "current budget ÷ initial budget (expense accounts)",
            ),
            _t(
                CUMULATIVE["es"] + " Un 1,20 es un presupuesto 20 % mayor que el aprobado; "
                "las modificaciones son legales (acuerdos del concejo), el indicador mide "
                "cuánto se aleja la ejecución del plan inicial.",
                CUMULATIVE["en"] + " 1.20 is a budget 20% larger than approved; "
                "modifications are lawful (council agreements): the indicator measures how "
                "far execution moves from the initial plan.",
            ),
        ),
        Method(
            "budget_payment_rate",
            1,
            "budgets",
            "ratio",
            ("month",),
            SUBTITULO,
            _t("Pago de lo devengado", "Payment of accrued expenses"),
            _t(
                "Qué parte de los gastos devengados ya se pagó: lo que falta es deuda "
                "con proveedores, personal u otros acreedores.",
                "How much of the accrued expenses has been paid: the rest is owed to "
                "suppliers, staff or other creditors.",
            ),
            _t("pagado acumulado ÷ devengado acumulado", "cumulative paid ÷ cumulative accrued"),
            _t(
                CUMULATIVE["es"] + " No mide días de atraso: un valor bajo a fin de mes "
                "puede ser el ciclo normal de pago.",
                CUMULATIVE["en"] + " It does not measure days of delay: a low value at "
                "month end may be the normal payment cycle.",
            ),
        ),
        Method(
            "income_collection_rate",
            1,
            "budgets",
            "ratio",
            ("month",),
            SUBTITULO,
            _t("Recaudación de ingresos", "Income collection"),
            _t(
                "Qué parte de los ingresos presupuestados (vigentes) ya se percibió en el año.",
                "How much of the budgeted (current) income has been collected in the year.",
            ),
            _t(
                "percibido acumulado ÷ presupuesto vigente (cuentas de ingreso)",
                "cumulative collected ÷ current budget (income accounts)",
            ),
            _t(
                CUMULATIVE["es"] + " El subtítulo 15 (saldo inicial de caja) no se "
                "percibe: el total lo incluye tal como lo informa la municipalidad.",
                CUMULATIVE["en"] + " Subtítulo 15 (opening cash balance) is not "
                "collected: the total includes it as the municipality reports it.",
            ),
        ),
        Method(
            "requests_on_time_share",
            1,
            "access_requests",
            "ratio",
            ("month", "year"),
            NONE,
            _t("Solicitudes respondidas dentro del plazo legal", "Requests answered on time"),
            _t(
                "De las solicitudes de acceso a la información recibidas en el período cuyo "
                "plazo ya se cumplió o que ya se respondieron, cuántas se respondieron "
                "dentro del plazo legal.",
                "Of the access-to-information requests received in the period that were "
                "answered or whose deadline has passed, how many were answered within "
                "the legal deadline.",
            ),
            _t(
                "solicitudes con is_on_time verdadero ÷ solicitudes con is_on_time informado",
                "requests with is_on_time true ÷ requests with is_on_time known",
            ),
            _t(
                "Plazo: 20 días hábiles, 30 con prórroga (Ley 20.285 art. 14), contados "
                "como explica docs/deadlines.md. Una solicitud abierta con el plazo vencido "
                "cuenta como fuera de plazo; una abierta dentro del plazo no cuenta.",
                "Deadline: 20 working days, 30 when extended (Law 20.285 art. 14), counted "
                "as docs/deadlines.md explains. An open request past its deadline counts "
                "as late; an open one within its deadline is not counted.",
            ),
            MIN_RECORDS,
        ),
        Method(
            "requests_median_working_days",
            1,
            "access_requests",
            "days",
            ("month", "year"),
            NONE,
            _t("Mediana de días hábiles para responder", "Median working days to answer"),
            _t(
                "Cuántos días hábiles tarda la respuesta de una solicitud típica recibida "
                "en el período (la mitad tarda menos, la mitad más).",
                "How many working days a typical request received in the period takes "
                "to be answered (half take less, half more).",
            ),
            _t(
                "mediana de working_days_taken de las solicitudes respondidas",
                "median of working_days_taken of the answered requests",
            ),
            _t(
                "Solo cuentan las solicitudes ya respondidas: en los meses recientes la "
                "mediana omite las que siguen abiertas y por eso se ve más baja.",
                "Only answered requests count: in recent months the median leaves out "
                "those still open, so it looks lower.",
            ),
            MIN_RECORDS,
        ),
        Method(
            "requests_extended_share",
            1,
            "access_requests",
            "ratio",
            ("month", "year"),
            NONE,
            _t("Solicitudes con prórroga", "Requests extended"),
            _t(
                "Qué parte de las solicitudes recibidas en el período usó la prórroga de "
                "10 días hábiles.",
                "How many of the requests received in the period used the 10-working-day "
                "extension.",
            ),
            _t(
                "solicitudes con is_extended verdadero ÷ solicitudes recibidas",
                "requests with is_extended true ÷ requests received",
            ),
            _t(
                "Una prórroga es legal cuando se justifica (Ley 20.285 art. 14 inc. 2); un "
                "uso frecuente sugiere revisar la carga o el proceso.",
                "An extension is lawful when justified (Law 20.285 art. 14 para. 2); "
                "frequent use suggests reviewing workload or process.",
            ),
            MIN_RECORDS,
        ),
        Method(
            "requests_denied_share",
            1,
            "access_requests",
            "ratio",
            ("month", "year"),
            NONE,
            _t("Solicitudes denegadas o entregadas en parte", "Requests denied or partly granted"),
            _t(
                "De las solicitudes recibidas en el período y ya resueltas con una "
                "respuesta de fondo, cuántas se denegaron o se entregaron solo en parte.",
                "Of the requests received in the period that got an answer on the "
                "merits, how many were denied or only partly granted.",
            ),
            _t(
                "solicitudes con outcome denegada o entregada_parcialmente ÷ solicitudes "
                "con outcome entregada, entregada_parcialmente, denegada o inexistente",
                "requests with outcome denegada or entregada_parcialmente ÷ requests with "
                "outcome entregada, entregada_parcialmente, denegada or inexistente",
            ),
            _t(
                "Las derivadas a otro organismo y las desistidas no cuentan. Una "
                "denegación puede ser legal (causales del art. 21 de la Ley 20.285).",
                "Requests referred to another body and withdrawn ones do not count. A "
                "denial may be lawful (grounds of art. 21 of Law 20.285).",
            ),
            MIN_RECORDS,
        ),
        Method(
            "requests_overdue_open",
            1,
            "access_requests",
            "count",
            ("month",),
            NONE,
            _t("Solicitudes abiertas con el plazo vencido", "Open requests past their deadline"),
            _t(
                "Al último día del mes, cuántas solicitudes seguían sin respuesta con su "
                "plazo legal ya vencido, de todas las que seguían abiertas.",
                "On the last day of the month, how many requests were still unanswered "
                "past their legal deadline, out of all those still open.",
            ),
            _t(
                "valor = solicitudes recibidas hasta el fin de mes, sin respuesta a esa "
                "fecha y con legal_deadline_date anterior a ella; denominador = solicitudes "
                "recibidas hasta el fin de mes y sin respuesta a esa fecha",
                "value = requests received by month end, unanswered at that date and with "
                "legal_deadline_date before it; denominator = requests received by month "
                "end and unanswered at that date",
            ),
            _t(
                "Se reconstruye con la fecha de respuesta: una solicitud respondida después "
                "contaba como abierta en ese mes. Las desistidas, anuladas y derivadas no "
                "tienen fecha de cierre y no cuentan. Es un número, no una proporción: "
                "léase con el denominador.",
                "Rebuilt from the response date: a request answered later was open in "
                "that month. Withdrawn, annulled and referred requests have no closing "
                "date and do not count. It is a count, not a share: read it with the "
                "denominator.",
            ),
        ),
        Method(
            "purchases_amount_share_by_method",
            1,
            "contracts",
            "ratio",
            ("month", "year"),
            PROCUREMENT_METHOD,
            _t("Monto comprado por modalidad", "Amount bought by procurement method"),
            _t(
                "Qué parte del monto de las órdenes de compra del período se compró por "
                "cada modalidad (licitación, trato directo, convenio marco, compra ágil…).",
                "How much of the period's purchase-order amount was bought by each method "
                "(tender, direct award, framework agreement, agile purchase…).",
            ),
            _t(
                "monto total (amount_total_clp) de la modalidad ÷ monto total del período",
                "total amount (amount_total_clp) of the method ÷ total amount of the period",
            ),
            _t(
                ORDERS["es"] + "El trato directo es legal en las causales de la Ley 19.886; "
                "una proporción alta merece mirar sus causales, no es por sí una falta.",
                ORDERS["en"] + "Direct award is lawful on the grounds of Law 19.886; a high "
                "share calls for a look at its grounds, it is not a breach in itself.",
            ),
            MIN_RECORDS,
        ),
        Method(
            "purchases_orders_share_by_method",
            1,
            "contracts",
            "ratio",
            ("month", "year"),
            PROCUREMENT_METHOD,
            _t("Órdenes de compra por modalidad", "Purchase orders by procurement method"),
            _t(
                "Qué parte de las órdenes de compra del período se emitió por cada modalidad.",
                "How many of the period's purchase orders were issued by each method.",
            ),
            _t(
                "órdenes de la modalidad ÷ órdenes del período",
                "orders of the method ÷ orders of the period",
            ),
            _t(
                ORDERS["es"] + "Léase junto al monto: muchas órdenes pequeñas pesan poco.",
                ORDERS["en"] + "Read it with the amount: many small orders weigh little.",
            ),
            MIN_RECORDS,
        ),
        Method(
            "purchases_top5_supplier_share",
            1,
            "contracts",
            "ratio",
            ("year",),
            NONE,
            _t("Participación de los 5 mayores proveedores", "Share of the top 5 suppliers"),
            _t(
                "Qué parte del monto comprado en el año fue a los 5 proveedores con más monto.",
                "How much of the year's purchase amount went to the 5 suppliers with the "
                "largest amounts.",
            ),
            _t(
                "monto de los 5 mayores proveedores ÷ monto total del año",
                "amount of the 5 largest suppliers ÷ total amount of the year",
            ),
            _t(
                ORDERS["es"] + "Un proveedor es su RUT, o su nombre cuando el RUT no se "
                "publica (personas naturales). Una comuna pequeña con pocos proveedores "
                "posibles tendrá valores altos sin que haya nada irregular.",
                ORDERS["en"] + "A supplier is its RUT, or its name when the RUT is not "
                "published (natural persons). A small comuna with few possible suppliers "
                "will show high values with nothing irregular.",
            ),
            MIN_RECORDS,
        ),
        Method(
            "purchases_supplier_hhi",
            1,
            "contracts",
            "index",
            ("year",),
            NONE,
            _t("Concentración de proveedores (HHI)", "Supplier concentration (HHI)"),
            _t(
                "Índice de Herfindahl-Hirschman del monto comprado en el año: 10.000 si "
                "todo fue a un proveedor, cerca de 0 si se repartió entre muchos.",
                "Herfindahl-Hirschman index of the year's purchase amount: 10,000 when "
                "everything went to one supplier, near 0 when spread over many.",
            ),
            _t(
                "suma sobre los proveedores de (100 × monto del proveedor ÷ monto total)²",
                "sum over suppliers of (100 × supplier amount ÷ total amount)²",
            ),
            _t(
                ORDERS["es"] + "Como referencia de competencia, se suele leer sobre 2.500 "
                "como muy concentrado; en compras municipales depende del tamaño de la comuna.",
                ORDERS["en"] + "As a competition reference, above 2,500 is usually read as "
                "highly concentrated; for municipal purchases it depends on the comuna's size.",
            ),
            MIN_RECORDS,
        ),
        Method(
            "purchases_split_direct",
            1,
            "contracts",
            "count",
            ("month", "year"),
            NONE,
            _t(
                "Compras directas repetidas a un proveedor sobre el umbral",
                "Repeated direct purchases from one supplier above the threshold",
            ),
            _t(
                "Proveedores a los que se les hicieron dos o más compras directas (trato "
                "directo o compra ágil), cada una bajo el umbral legal, que juntas en "
                f"{SPLIT_WINDOW_DAYS} días lo superan: una señal de posible fraccionamiento, "
                "que la ley prohíbe cuando busca evitar otro procedimiento.",
                "Suppliers that got two or more direct purchases (direct award or agile "
                "purchase), each under the legal threshold, that together within "
                f"{SPLIT_WINDOW_DAYS} days exceed it: a sign of possible splitting, which "
                "the law forbids when it seeks to avoid another procedure.",
            ),
            _t(
                "valor = proveedores con al menos una orden directa cuyo monto, sumado al de "
                f"las órdenes directas al mismo proveedor de los {SPLIT_WINDOW_DAYS - 1} días "
                "anteriores (todas bajo el umbral, dos o más), supera el umbral en pesos "
                "(umbral en UTM × UTM del mes de esa orden); denominador = proveedores con "
                "órdenes directas en el período",
                "value = suppliers with at least one direct order whose amount, added to "
                "that of the direct orders to the same supplier in the previous "
                f"{SPLIT_WINDOW_DAYS - 1} days (all under the threshold, two or more), "
                "exceeds the threshold in pesos (threshold in UTM × UTM of that order's "
                "month); denominator = suppliers with direct orders in the period",
            ),
            _t(
                "Es una señal para revisar, no una prueba: compras recurrentes legítimas "
                "(p. ej. un suministro mensual) también la encienden. "
                + ORDERS["es"]
                + "Sin el valor de la UTM del mes, el valor se suprime.",
                "It is a sign to look into, not proof: legitimate recurring purchases (a "
                "monthly supply, say) also trigger it. "
                + ORDERS["en"]
                + "Without the month's UTM value, the value is suppressed.",
            ),
            1,
            _t(
                "Umbral de la compra ágil (trato directo por monto): 30 UTM desde el 21 de "
                "enero de 2020 (reglamento de la Ley 19.886, DS 250/2004 art. 10 bis) y 100 "
                "UTM desde el 12 de diciembre de 2024 (Ley 21.634, que modificó la Ley "
                "19.886; reglamento DS 661/2024). La prohibición de fraccionar es de la Ley "
                "19.886 y su reglamento. UTM del mes: Servicio de Impuestos Internos "
                "(schemas/codes/utm_values.csv, con la fuente de cada valor). Ventana de "
                f"{SPLIT_WINDOW_DAYS} días: convención de este indicador, no de la ley.",
                "Agile-purchase threshold (direct award by amount): 30 UTM from 21 January "
                "2020 (reglamento of Law 19.886, DS 250/2004 art. 10 bis) and 100 UTM from "
                "12 December 2024 (Law 21.634, which amended Law 19.886; reglamento DS "
                "661/2024). The prohibition of splitting is in Law 19.886 and its "
                "reglamento. The month's UTM: Servicio de Impuestos Internos "
                "(schemas/codes/utm_values.csv, with each value's source). The "
                f"{SPLIT_WINDOW_DAYS}-day window is this indicator's convention, not the law's.",
            ),
        ),
        Method(
            "orders_vs_accrued_spending",
            1,
            "budgets_contracts",
            "ratio",
            ("month",),
            NONE,
            _t(
                "Órdenes de compra frente al gasto devengado",
                "Purchase orders against accrued spending",
            ),
            _t(
                "Cuánto del gasto devengado en el mes en bienes y servicios, activos no "
                "financieros e inversión (subtítulos 22, 29 y 31) se ve como órdenes de "
                "compra aceptadas en Mercado Público en el mismo mes.",
                "How much of the month's accrued spending on goods and services, "
                "non-financial assets and investment (subtítulos 22, 29 and 31) is "
                "visible as purchase orders accepted on Mercado Público in the same month.",
            ),
            _t(
                "monto de las órdenes aceptadas en el mes (accepted_date) ÷ devengado del mes "
                "en los subtítulos 22, 29 y 31 (acumulado del mes − acumulado del mes "
                "anterior; en enero, el acumulado)",
                "amount of the orders accepted in the month (accepted_date) ÷ the month's "
                "accrued amount in subtítulos 22, 29 and 31 (cumulative of the month − "
                "cumulative of the previous month; in January, the cumulative)",
            ),
            _t(
                "Devengar y aceptar una orden no ocurren el mismo día: mes a mes el valor "
                "oscila y puede pasar de 1. Parte del gasto de esos subtítulos no pasa por "
                "Mercado Público (servicios básicos, convenios, obras por contrato). Órdenes "
                "en CLP sin las canceladas.",
                "Accruing and accepting an order do not happen on the same day: month to "
                "month the value swings and may exceed 1. Part of those subtítulos' "
                "spending does not go through Mercado Público (utilities, agreements, "
                "works contracts). Orders in CLP, cancelled ones left out.",
            ),
        ),
    ]
}


def method(indicator_id: str) -> Method:
    """The method of an indicator id (KeyError naming the known ids if unknown)."""
    try:
        return METHODS[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(METHODS)}") from None


def threshold_utm(day: str) -> int | None:
    """The direct-purchase threshold in UTM on an ISO date (None before the first one)."""
    current = None
    for since, utm in DIRECT_PURCHASE_THRESHOLDS_UTM:
        if day >= since:
            current = utm
    return current


def methods_rows() -> list[dict]:
    """The registry as rows of the published `indicator_methods` table."""
    return [
        {
            "indicator_id": m.indicator_id,
            "method_id": m.method_id,
            "method_version": m.version,
            "source_dataset": m.source,
            "unit": m.unit,
            "period_grains": " ".join(m.grains),
            "min_records": m.min_records,
        }
        | {
            f"{part}_{lang}": getattr(m, part)[lang] if getattr(m, part) else None
            for part in ("title", "description", "formula", "caveats", "breakdown", "thresholds")
            for lang in ("es", "en")
        }
        for m in METHODS.values()
    ]
