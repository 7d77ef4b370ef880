"""Access-to-information request rules (table `access_requests`, Ley 20.285).

The legal deadline, working days taken and on-time flag are computed before these rules
run (`quality.deadlines.compute_deadlines` in `pipelines.steps.derive`), only for
comunas under Chilean law (the others are in the context table `deadline_exempt`).
"""

from __future__ import annotations

from quality.rules.base import Rule

KEYS = ("comuna_code", "request_id")

RULES = (
    Rule(
        name="response-not-before-receipt",
        family="dates",
        table="access_requests",
        keys=KEYS,
        sql="""
            SELECT comuna_code, request_id FROM access_requests
            WHERE response_date < received_date
        """,
        title_es="La fecha de respuesta no es anterior a la de recepción",
        title_en="The response date is not before the received date",
    ),
    Rule(
        name="folio-unique",
        family="folios",
        table="access_requests",
        keys=KEYS,
        sql="""
            SELECT comuna_code, request_id FROM access_requests
            GROUP BY comuna_code, request_id HAVING count(*) > 1
        """,
        title_es="Cada folio aparece una sola vez por municipalidad",
        title_en="Each folio appears once per municipality",
    ),
    Rule(
        name="deadline-computed",
        family="deadlines",
        table="access_requests",
        keys=KEYS,
        sql="""
            SELECT comuna_code, request_id FROM access_requests
            WHERE CASE WHEN comuna_code IN (SELECT comuna_code FROM deadline_exempt)
            THEN legal_deadline_date IS NOT NULL OR working_days_taken IS NOT NULL
               OR is_on_time IS NOT NULL
            ELSE legal_deadline_date IS NULL
               OR (response_date >= received_date AND (working_days_taken IS NULL
                   OR is_on_time IS DISTINCT FROM (response_date <= legal_deadline_date)))
               OR (response_date IS NULL AND (working_days_taken IS NOT NULL
                   OR is_on_time IS NOT NULL))
            END
        """,
        title_es="El plazo legal, los días hábiles y el cumplimiento están calculados "
        "(y vacíos donde no rige la ley chilena)",
        title_en="The legal deadline, working days taken and on-time flag are computed "
        "(and empty where Chilean law does not apply)",
    ),
)
