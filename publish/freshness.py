"""When a dataset's next update is due under the transparency law.

Transparencia activa (Ley 20.285, art. 7; Consejo para la Transparencia,
Instrucción General N.º 11) must be updated every month, within the first ten
working days of the month. A dataset updated in one period is therefore due
again by the tenth working day of the month its next period starts (monthly:
the next month; quarterly: three months on; yearly: twelve).
"""

from __future__ import annotations

import datetime as dt

from quality.deadlines import get_calendar

WORKING_DAYS_TO_UPDATE = 10
CADENCE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def next_update_due(
    last_updated: dt.date, cadence: str = "monthly", region_code: str | None = None
) -> dt.date:
    """The last day the next update may be published (10th working day of its month)."""
    months = last_updated.year * 12 + last_updated.month - 1 + CADENCE_MONTHS[cadence]
    first = dt.date(months // 12, months % 12 + 1, 1)
    calendar = get_calendar(region_code, [first.year - 1, first.year])
    return calendar.add_working_days(first - dt.timedelta(days=1), WORKING_DAYS_TO_UPDATE)
