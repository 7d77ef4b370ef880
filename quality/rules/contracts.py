"""Purchase order rules (tables `purchase_orders`, `purchase_order_items`).

The supplier RUT check digit is verified with python-stdnum (`rut_is_valid`, registered
in DuckDB by the engine) on the distinct RUTs only. The fiscal period of an order is
the period in its file name (`…_2026-10.csv` → October 2026, `…_2026.json` → 2026).
Amounts are compared in each order's own currency (`amount_total`, not the peso
columns, which are empty for other currencies), so the rules hold for every publisher.
"""

from __future__ import annotations

from quality.rules.base import Rule

#: Mercado Público status code → our status label (docs/fields.md).
STATUS_CODES = {
    4: "enviada_proveedor",
    5: "en_proceso",
    6: "aceptada",
    9: "cancelada",
    12: "recepcion_conforme",
    13: "pendiente_recepcion",
    14: "recepcion_parcial",
    15: "recepcion_incompleta",
}
_PAIRS = ", ".join(f"({code}, '{label}')" for code, label in STATUS_CODES.items())
ORDER = ("order_id",)
ITEM = ("order_id", "line_number")
_PERIOD = "_([0-9]{4})(?:-([0-9]{2}))?\\.[A-Za-z]+$"

RULES = (
    Rule(
        name="supplier-rut-check-digit",
        family="supplier",
        table="purchase_orders",
        keys=ORDER,
        sql="""
            WITH r AS (SELECT DISTINCT supplier_rut FROM purchase_orders
                       WHERE supplier_rut IS NOT NULL),
                 bad AS (SELECT supplier_rut FROM r WHERE NOT rut_is_valid(supplier_rut))
            SELECT o.order_id FROM purchase_orders o JOIN bad USING (supplier_rut)
        """,
        title_es="El dígito verificador del RUT del proveedor es correcto",
        title_en="The supplier's RUT check digit is correct",
    ),
    Rule(
        name="order-net-equals-items",
        family="amounts",
        table="purchase_orders",
        keys=ORDER,
        sql="""
            WITH s AS (
                SELECT order_id, sum(amount_net) AS net, count(*) AS lines,
                       count(amount_net) AS priced
                FROM purchase_order_items GROUP BY order_id
            )
            SELECT o.order_id FROM purchase_orders o JOIN s USING (order_id)
            WHERE s.priced = s.lines AND abs(o.amount_net - s.net) > s.lines
        """,
        title_es="El neto de la orden es la suma del neto de sus líneas (±1 unidad de su "
        "moneda por línea)",
        title_en="The order's net amount is the sum of its lines' net amounts (±1 unit of its "
        "currency a line)",
    ),
    Rule(
        name="order-total-is-net-plus-tax",
        family="amounts",
        table="purchase_orders",
        keys=ORDER,
        sql="""
            SELECT order_id FROM purchase_orders
            WHERE abs(amount_total - amount_net - amount_tax) > 1
        """,
        title_es="El total de la orden es el neto más los impuestos (±1 unidad de su moneda)",
        title_en="The order's total is its net amount plus taxes (±1 unit of its currency)",
    ),
    Rule(
        name="order-amount-positive",
        family="amounts",
        table="purchase_orders",
        keys=ORDER,
        sql="SELECT order_id FROM purchase_orders WHERE amount_total <= 0",
        title_es="El total de la orden es positivo",
        title_en="The order's total is positive",
    ),
    Rule(
        name="item-amount-positive",
        family="amounts",
        table="purchase_order_items",
        keys=ITEM,
        sql="""
            SELECT order_id, line_number FROM purchase_order_items
            WHERE amount_net <= 0 OR quantity <= 0
        """,
        title_es="La cantidad y el neto de cada línea son positivos",
        title_en="Each line's quantity and net amount are positive",
    ),
    Rule(
        name="dates-in-order",
        family="dates",
        table="purchase_orders",
        keys=ORDER,
        sql="""
            SELECT order_id FROM purchase_orders
            WHERE sent_date < created_date OR accepted_date < sent_date
               OR accepted_date < created_date
        """,
        title_es="Creación ≤ envío ≤ aceptación",
        title_en="Created ≤ sent ≤ accepted",
    ),
    Rule(
        name="order-in-file-period",
        family="dates",
        table="purchase_orders",
        keys=ORDER,
        sql=f"""
            WITH f AS (
                SELECT DISTINCT _source_file,
                       regexp_extract(_source_file, '{_PERIOD}', 1) AS y,
                       regexp_extract(_source_file, '{_PERIOD}', 2) AS m
                FROM purchase_orders
            )
            SELECT o.order_id FROM purchase_orders o JOIN f USING (_source_file)
            WHERE f.y <> '' AND (year(o.created_date) <> CAST(f.y AS INTEGER)
                  OR (f.m <> '' AND month(o.created_date) <> CAST(f.m AS INTEGER)))
        """,
        title_es="La orden se creó en el período del archivo que la publica",
        title_en="The order was created in the period of the file that publishes it",
    ),
    Rule(
        name="status-code-matches-label",
        family="status",
        table="purchase_orders",
        keys=ORDER,
        sql=f"""
            SELECT o.order_id FROM purchase_orders o
            LEFT JOIN (VALUES {_PAIRS}) AS s(code, label)
              ON s.code = o.status_code AND s.label = o.status
            WHERE o.status_code IS NOT NULL AND o.status IS NOT NULL AND s.code IS NULL
        """,
        title_es="El código de estado de Mercado Público y su nombre coinciden",
        title_en="The Mercado Público status code and its label agree",
    ),
)
