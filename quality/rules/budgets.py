"""Budget execution rules (table `budget_lines`): classifier, hierarchy, phases, months.

Context tables: `classifier` (`account_type:code` keys of `schemas/codes/`),
`budget_excluded` (rows ingestion set aside, as text, with their `_reason`: the
source's totals rows, `totals-row`, and the subtotal rows of its hierarchy) and
`budget_detail` (every detail row read, valid or quarantined, with numeric amounts), so
the totals are compared with what the source itself listed.
"""

from __future__ import annotations

from quality.rules.base import Rule

#: Optional key parts: empty (NULL) when the source does not divide its budget so;
#: compared with IS NOT DISTINCT FROM, so NULL matches NULL as in the primary key.
DIMENSIONS = ("programme_code", "fund_code", "department_code")
KEYS = ("comuna_code", "fiscal_year", "month", "area", *DIMENSIONS, "account_code")
AMOUNTS = ("amount_initial_clp", "amount_current_clp", "amount_accrued_clp", "amount_paid_clp")
_K = ", ".join(f"b.{k}" for k in KEYS)
_SAME_GROUP = " AND ".join(
    f"p.{c} IS NOT DISTINCT FROM k.{c}"
    for c in ("comuna_code", "fiscal_year", "month", "area", *DIMENSIONS, "account_type")
)
_DIMS = ", ".join(DIMENSIONS)
_SAME_DIMS = " AND ".join(f"p.{c} IS NOT DISTINCT FROM d.{c}" for c in DIMENSIONS)
_DIFFERS = " OR ".join(f"p.{a} <> k.{a}" for a in AMOUNTS)
_SUMS = ", ".join(f"sum({a}) AS {a}" for a in AMOUNTS)
_CASTS = ", ".join(f"TRY_CAST({a} AS HUGEINT) AS {a}" for a in AMOUNTS)
_TOTAL_DIFFERS = " OR ".join(f"t.{a} <> s.{a}" for a in AMOUNTS)
#: The code without trailing all-zero levels: municipal charts write an account that
#: opens no deeper level as `03.03.000`, and a subtítulo total as `15.00.000`.
_OPENED = "regexp_replace(b.account_code, '(\\.0+)+$', '')"

RULES = (
    Rule(
        name="account-code-in-classifier",
        family="classifier",
        table="budget_lines",
        keys=KEYS,
        sql=f"""
            SELECT {_K} FROM budget_lines b
            WHERE b.account_type || ':' || left({_OPENED}, 2) NOT IN (SELECT key FROM classifier)
               OR (length({_OPENED}) >= 5 AND b.account_type || ':' || left({_OPENED}, 5)
                   NOT IN (SELECT key FROM classifier))
        """,
        title_es="El subtítulo y el ítem de la cuenta existen en el clasificador presupuestario",
        title_en="The account's subtítulo and ítem exist in the budget classifier",
    ),
    Rule(
        name="asignacion-in-classifier",
        family="classifier",
        table="budget_lines",
        keys=KEYS,
        sql=f"""
            SELECT {_K} FROM budget_lines b
            WHERE length({_OPENED}) >= 9
              AND b.account_type || ':' || left({_OPENED}, 9) NOT IN (SELECT key FROM classifier)
        """,
        title_es="La asignación existe en el clasificador (puede ser una apertura local)",
        title_en="The asignación exists in the classifier (it may be a local opening)",
    ),
    Rule(
        name="children-sum-to-parent",
        family="hierarchy",
        table="budget_lines",
        keys=KEYS,
        sql=f"""
            WITH rows AS (
                SELECT comuna_code, fiscal_year, month, area, {_DIMS}, account_type,
                       account_code, {", ".join(AMOUNTS)}
                FROM budget_lines
                UNION ALL
                SELECT comuna_code, TRY_CAST(fiscal_year AS BIGINT), TRY_CAST(month AS BIGINT),
                       area, {_DIMS}, account_type, account_code, {_CASTS}
                FROM budget_excluded
                WHERE account_code IS NOT NULL AND _reason = 'subtotal-row'
            ),
            k AS (
                SELECT comuna_code, fiscal_year, month, area, {_DIMS}, account_type,
                       regexp_replace(account_code, '\\.[0-9]+$', '') AS parent_code, {_SUMS}
                FROM rows WHERE contains(account_code, '.') GROUP BY ALL
            )
            SELECT {_K.replace("b.", "p.")} FROM rows p
            JOIN k ON {_SAME_GROUP} AND p.account_code = k.parent_code
            WHERE {_DIFFERS}
        """,
        title_es="Las cuentas hijas suman lo mismo que su cuenta madre",
        title_en="Child accounts add up to their parent account",
    ),
    Rule(
        name="totals-row-matches-detail",
        family="hierarchy",
        table="budget_lines",
        keys=("source_file", "source_row"),
        sql=f"""
            WITH t AS (
                SELECT t._source_file, t._source_row,
                       coalesce(t.account_type, CASE
                           WHEN t.account_name ILIKE '%ingreso%' THEN 'ingreso'
                           WHEN t.account_name ILIKE '%gasto%' THEN 'gasto' END) AS kind,
                       {_CASTS}
                FROM budget_excluded t WHERE t._reason = 'totals-row'
            ),
            parents AS (
                SELECT DISTINCT _source_file, area, {_DIMS}, account_type,
                       array_to_string(string_split(account_code, '.')[1:r.i], '.') AS code
                FROM budget_detail, range(1, 10) AS r(i)
                WHERE r.i < len(string_split(account_code, '.'))
            ),
            leaves AS (
                SELECT d.* FROM budget_detail d ANTI JOIN parents p
                ON p._source_file = d._source_file AND p.area = d.area
                   AND {_SAME_DIMS} AND p.account_type = d.account_type
                   AND p.code = d.account_code
            ),
            s AS (
                SELECT t._source_file, t._source_row, {_SUMS.replace("sum(", "sum(l.")}
                FROM t LEFT JOIN leaves l
                  ON l._source_file = t._source_file AND (t.kind IS NULL OR l.account_type = t.kind)
                GROUP BY ALL
            )
            SELECT t._source_file AS source_file, t._source_row AS source_row
            FROM t JOIN s USING (_source_file, _source_row)
            WHERE {_TOTAL_DIFFERS}
        """,
        title_es="La fila de totales del archivo coincide con la suma de sus cuentas",
        title_en="The file's totals row equals the sum of its accounts",
    ),
    Rule(
        name="paid-not-above-accrued",
        family="phases",
        table="budget_lines",
        keys=KEYS,
        sql=f"SELECT {_K} FROM budget_lines b WHERE b.amount_paid_clp > b.amount_accrued_clp",
        title_es="Lo pagado (o percibido) no supera lo devengado",
        title_en="Paid (or collected) is not above accrued",
    ),
    Rule(
        name="accrued-not-above-current",
        family="phases",
        table="budget_lines",
        keys=KEYS,
        sql=f"SELECT {_K} FROM budget_lines b WHERE b.amount_accrued_clp > b.amount_current_clp",
        title_es="Lo devengado no supera el presupuesto vigente",
        title_en="Accrued is not above the current budget",
    ),
    Rule(
        name="cumulative-never-decreases",
        family="monthly",
        table="budget_lines",
        keys=KEYS,
        sql=f"""
            SELECT {_K} FROM (
                SELECT *, lag(amount_accrued_clp) OVER w AS before_accrued,
                       lag(amount_paid_clp) OVER w AS before_paid
                FROM budget_lines
                WINDOW w AS (PARTITION BY comuna_code, fiscal_year, area, {_DIMS},
                             account_type, account_code ORDER BY month)
            ) b
            WHERE b.amount_accrued_clp < b.before_accrued OR b.amount_paid_clp < b.before_paid
        """,
        title_es="Los montos acumulados no bajan de un mes al siguiente del mismo año",
        title_en="Cumulative amounts do not decrease from one month to the next of the same year",
    ),
)
