"""Tests for quality.deadlines (Ley 20.285 legal deadlines).

Hand-computed expectations list the working days counted ("day 1 = ...").
Holidays assumed by those computations are themselves asserted in
``test_package_holidays_assumed_by_these_tests`` so that a change in the
``holidays`` package shows up there first.
"""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.deadlines import (
    CUT_REGION_TO_ISO,
    OUTPUT_COLUMNS,
    CalendarRangeError,
    WorkingCalendar,
    compute_deadlines,
    get_calendar,
)

D = dt.date
FAR_FUTURE = D(2030, 1, 1)


# --------------------------------------------------------------------------------------
# Reference ("loop") implementation, independent of numpy's busday functions.
# --------------------------------------------------------------------------------------

_ISO_ALL_REGIONS = [None, *CUT_REGION_TO_ISO]


def _holiday_set(region_code: str | None, first: int, last: int) -> set[dt.date]:
    subdiv = CUT_REGION_TO_ISO[region_code] if region_code else None
    return set(holidays.Chile(subdiv=subdiv, years=range(first, last + 1)))


class LoopCalendar:
    def __init__(self, region_code: str | None, first: int = 2015, last: int = 2031) -> None:
        self.hol = _holiday_set(region_code, first, last)

    def working(self, d: dt.date) -> bool:
        return d.weekday() < 5 and d not in self.hol

    def add(self, d: dt.date, n: int) -> dt.date:
        count = 0
        while count < n:
            d += dt.timedelta(days=1)
            if self.working(d):
                count += 1
        return d

    def between(self, start: dt.date, end: dt.date) -> int:
        count, d = 0, start
        while d < end:
            d += dt.timedelta(days=1)
            if self.working(d):
                count += 1
        return count


def loop_compute(rows, *, region_code, as_of, loop_cal=None):
    """Row-by-row version of compute_deadlines (dicts of plain Python values), under the
    deemed-receipt rule: a receipt on a non-working day counts from the next working day."""
    cal = loop_cal or LoopCalendar(region_code)
    out = []
    for received, response, extended in rows:
        if received is None:
            out.append(dict(deadline=None, taken=None, on_time=None, overdue=None, before=None))
            continue
        day0 = received
        while not cal.working(day0):
            day0 += dt.timedelta(days=1)
        deadline = cal.add(day0, 30 if extended else 20)
        if response is not None:
            if response < received:
                out.append(
                    dict(deadline=deadline, taken=None, on_time=None, overdue=None, before=True)
                )
            else:
                out.append(
                    dict(
                        deadline=deadline,
                        taken=cal.between(day0, response) if response >= day0 else 0,
                        on_time=response <= deadline,
                        overdue=None,
                        before=False,
                    )
                )
        elif as_of > deadline:
            out.append(
                dict(
                    deadline=deadline,
                    taken=None,
                    on_time=False,
                    overdue=cal.between(deadline, as_of),
                    before=False,
                )
            )
        else:
            out.append(dict(deadline=deadline, taken=None, on_time=None, overdue=0, before=False))
    return out


def _na(v):
    return None if v is pd.NA or v is None or (isinstance(v, float) and np.isnan(v)) else v


def frame_to_records(result: pd.DataFrame):
    recs = []
    for deadline, taken, on_time, overdue, before in zip(
        result["legal_deadline_date"],
        result["working_days_taken"],
        result["is_on_time"],
        result["days_overdue"],
        result["has_response_before_receipt"],
        strict=True,
    ):
        recs.append(
            dict(
                deadline=None if pd.isna(deadline) else deadline.date(),
                taken=None if _na(taken) is None else int(taken),
                on_time=None if _na(on_time) is None else bool(on_time),
                overdue=None if _na(overdue) is None else int(overdue),
                before=None if _na(before) is None else bool(before),
            )
        )
    return recs


def make_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "received_date": pd.to_datetime(pd.Series([r[0] for r in rows], dtype=object)),
            "response_date": pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)),
            "is_extended": pd.array([r[2] for r in rows], dtype="boolean"),
        }
    )


def one(received, response=None, extended=False, *, region_code="13", as_of=FAR_FUTURE, **kw):
    frame = make_frame([(received, response, extended)])
    return frame_to_records(compute_deadlines(frame, region_code=region_code, as_of=as_of, **kw))[0]


# --------------------------------------------------------------------------------------
# The holidays package and the region mapping
# --------------------------------------------------------------------------------------

REGION_NAMES = {
    "01": "Tarapacá",
    "02": "Antofagasta",
    "03": "Atacama",
    "04": "Coquimbo",
    "05": "Valparaíso",
    "06": "Libertador General Bernardo O'Higgins",
    "07": "Maule",
    "08": "Biobío",
    "09": "La Araucanía",
    "10": "Los Lagos",
    "11": "Aisén del General Carlos Ibañez del Campo",
    "12": "Magallanes",
    "13": "Región Metropolitana de Santiago",
    "14": "Los Ríos",
    "15": "Arica y Parinacota",
    "16": "Ñuble",
}


def test_region_mapping_matches_holidays_package():
    # Every CUT region maps to a distinct subdivision the package knows, and the
    # package's own region name for that subdivision is the region we meant.
    assert sorted(CUT_REGION_TO_ISO) == [f"{i:02d}" for i in range(1, 17)]
    assert set(CUT_REGION_TO_ISO.values()) == set(holidays.Chile.subdivisions)
    aliases = holidays.Chile.subdivisions_aliases
    for cut, name in REGION_NAMES.items():
        assert aliases[name] == CUT_REGION_TO_ISO[cut], (cut, name)


@pytest.mark.parametrize(
    ("day", "is_holiday"),
    [
        (D(2025, 9, 17), False),  # Wed: no interferiado in 2025
        (D(2025, 9, 18), True),  # Thu, Independencia
        (D(2025, 9, 19), True),  # Fri, Glorias del Ejército
        (D(2026, 9, 17), False),  # Thu: no interferiado in 2026 (package 0.109)
        (D(2026, 9, 18), True),  # Fri
        (D(2026, 9, 19), True),  # Sat (no effect on working days)
        (D(2024, 9, 20), True),  # Fri after Thu 19: "interferiado" by law 20.215
        (D(2027, 9, 17), True),  # Fri before Sat 18: "interferiado" by law 20.983
        (D(2025, 12, 25), True),
        (D(2026, 1, 1), True),
        (D(2026, 1, 2), False),  # 2 Jan is a holiday only when it is a Monday
        (D(2023, 1, 2), True),  # ... like in 2023
        (D(2025, 12, 31), False),  # bank holiday only: a working day for a municipality
        (D(2025, 10, 31), True),  # Iglesias Evangélicas (Fri)
        (D(2024, 6, 20), True),  # Pueblos Indígenas (Thu)
        (D(2025, 8, 15), True),  # Asunción (Fri)
    ],
)
def test_package_holidays_assumed_by_these_tests(day, is_holiday):
    cal = WorkingCalendar("13", [day.year])
    assert cal.is_holiday(day) is is_holiday
    assert (day in holidays.Chile(years=day.year)) is is_holiday


def test_regional_holidays_in_package():
    # The only Chilean subdivisions with extra holidays in the package.
    base = set(holidays.Chile(years=range(2010, 2031)))
    extra = {
        iso: sorted(set(holidays.Chile(subdiv=iso, years=range(2010, 2031))) - base)
        for iso in holidays.Chile.subdivisions
    }
    with_extra = {iso for iso, days in extra.items() if days}
    assert with_extra == {"AP", "NB"}
    assert {(d.month, d.day) for d in extra["AP"]} == {(6, 7)}
    assert extra["AP"][0] == D(2013, 6, 7)
    assert {(d.month, d.day) for d in extra["NB"]} == {(8, 20)}
    assert extra["NB"][0] == D(2014, 8, 20)


# --------------------------------------------------------------------------------------
# Hand-computed deadlines
# --------------------------------------------------------------------------------------

DEADLINE_CASES = [
    pytest.param(
        "13",
        D(2025, 3, 3),
        False,
        D(2025, 3, 31),
        # Plain weekdays, no holiday in March 2025. Received Mon 3 Mar (day 0).
        # Tue 4..Fri 7 = days 1-4, 10-14 Mar = 5-9, 17-21 = 10-14, 24-28 = 15-19,
        # Mon 31 Mar = day 20.
        id="plain-monday",
    ),
    pytest.param(
        "13",
        D(2025, 3, 7),
        False,
        D(2025, 4, 4),
        # Received Fri 7 Mar. Mon 10..Fri 14 = days 1-5, 17-21 = 6-10,
        # 24-28 = 11-15, 31 Mar..Fri 4 Apr = 16-20 -> Fri 4 Apr.
        id="friday",
    ),
    pytest.param(
        "13",
        D(2025, 3, 8),
        False,
        D(2025, 4, 4),
        # Received Sat 8 Mar: day 1 is the first working day after it, Mon 10 Mar,
        # so the count is the same as for Fri 7 Mar -> Fri 4 Apr.
        id="saturday",
    ),
    pytest.param(
        "13",
        D(2025, 3, 9),
        False,
        D(2025, 4, 4),
        # Received Sun 9 Mar: day 1 = Mon 10 Mar -> Fri 4 Apr, as above.
        id="sunday",
    ),
    pytest.param(
        "13",
        D(2025, 9, 1),
        False,
        D(2025, 10, 1),
        # Fiestas Patrias 2025: Thu 18 and Fri 19 Sep are holidays.
        # Received Mon 1 Sep. Tue 2..Fri 5 = 1-4, 8-12 = 5-9, Mon 15..Wed 17 = 10-12,
        # (18, 19 holidays), 22-26 = 13-17, Mon 29 = 18, Tue 30 = 19, Wed 1 Oct = 20.
        # (Without the two holidays it would be Mon 29 Sep.)
        id="sept-2025",
    ),
    pytest.param(
        "13",
        D(2025, 9, 17),
        False,
        D(2025, 10, 17),
        # Received Wed 17 Sep 2025. 18, 19 holidays, 20-21 weekend -> day 1 = Mon 22.
        # 22-26 = 1-5, 29 Sep-3 Oct = 6-10, 6-10 Oct = 11-15, 13-17 Oct = 16-20
        # (12 Oct 2025 is a Sunday, not moved) -> Fri 17 Oct.
        id="sept-2025-eve",
    ),
    pytest.param(
        "13",
        D(2025, 9, 18),
        False,
        D(2025, 10, 17),
        # Received on the holiday Thu 18 Sep 2025: day 1 = Mon 22 Sep -> as above.
        id="sept-2025-on-holiday",
    ),
    pytest.param(
        "13",
        D(2026, 9, 7),
        False,
        D(2026, 10, 6),
        # Fiestas Patrias 2026: Fri 18 Sep holiday, Sat 19 Sep (weekend anyway); Thu 17
        # is not a holiday. Received Mon 7 Sep. Tue 8..Fri 11 = 1-4, Mon 14..Thu 17 =
        # 5-8, (18 holiday), 21-25 = 9-13, 28 Sep-2 Oct = 14-18, Mon 5 Oct = 19,
        # Tue 6 Oct = 20.
        id="sept-2026",
    ),
    pytest.param(
        "13",
        D(2026, 9, 17),
        False,
        D(2026, 10, 19),
        # Received Thu 17 Sep 2026. 18 holiday -> day 1 = Mon 21. 21-25 = 1-5,
        # 28 Sep-2 Oct = 6-10, 5-9 Oct = 11-15, Mon 12 Oct holiday (Encuentro de dos
        # Mundos), Tue 13..Fri 16 = 16-19, Mon 19 Oct = 20.
        id="sept-2026-eve",
    ),
    pytest.param(
        "13",
        D(2025, 12, 15),
        False,
        D(2026, 1, 14),
        # Across the year end. Received Mon 15 Dec 2025. Tue 16..Fri 19 = 1-4,
        # Mon 22..Wed 24 = 5-7, (Thu 25 Navidad), Fri 26 = 8, Mon 29..Wed 31 = 9-11
        # (31 Dec is only a bank holiday), (Thu 1 Jan), Fri 2 Jan = 12, 5-9 Jan =
        # 13-17, Mon 12 = 18, Tue 13 = 19, Wed 14 Jan 2026 = 20.
        id="year-end-2025",
    ),
    pytest.param(
        "13",
        D(2022, 12, 19),
        False,
        D(2023, 1, 17),
        # Across 2022/2023 with the Monday 2 Jan 2023 holiday (1 Jan was a Sunday).
        # Received Mon 19 Dec. Tue 20..Fri 23 = 1-4, (Sun 25), Mon 26..Fri 30 = 5-9,
        # (Mon 2 Jan holiday), Tue 3..Fri 6 = 10-13, 9-13 Jan = 14-18, Mon 16 = 19,
        # Tue 17 Jan = 20.
        id="year-end-2022",
    ),
    pytest.param(
        "13",
        D(2025, 3, 3),
        True,
        D(2025, 4, 14),
        # Extension: 30 working days. Day 20 = Mon 31 Mar (see plain-monday);
        # Tue 1..Fri 4 Apr = 21-24, 7-11 Apr = 25-29, Mon 14 Apr = 30
        # (Good Friday is 18 Apr, later).
        id="extended",
    ),
    pytest.param(
        "13",
        D(2025, 9, 1),
        True,
        D(2025, 10, 15),
        # Extension over Fiestas Patrias: day 20 = Wed 1 Oct (see sept-2025);
        # Thu 2, Fri 3 = 21-22, 6-10 Oct = 23-27, Mon 13..Wed 15 = 28-30.
        id="extended-sept-2025",
    ),
    pytest.param(
        "13",
        D(2024, 6, 3),
        False,
        D(2024, 7, 2),
        # Region 13 (no regional holiday). Received Mon 3 Jun 2024. Tue 4..Fri 7 =
        # 1-4, 10-14 = 5-9, 17-19 = 10-12, (Thu 20 Pueblos Indígenas), Fri 21 = 13,
        # 24-28 = 14-18, Mon 1 Jul = 19, Tue 2 Jul = 20.
        id="arica-holiday-rm",
    ),
    pytest.param(
        "15",
        D(2024, 6, 3),
        False,
        D(2024, 7, 3),
        # Region 15 (Arica y Parinacota): Fri 7 Jun 2024 is a regional holiday, so
        # Tue 4..Thu 6 = 1-3, 10-14 = 4-8, 17-19 = 9-11, Fri 21 = 12, 24-28 = 13-17,
        # 1-3 Jul = 18-20 -> Wed 3 Jul, one working day later than in region 13.
        id="arica-holiday-ap",
    ),
    pytest.param(
        "13",
        D(2025, 8, 4),
        False,
        D(2025, 9, 2),
        # Region 13. Received Mon 4 Aug 2025. Tue 5..Fri 8 = 1-4, Mon 11..Thu 14 =
        # 5-8, (Fri 15 Asunción), 18-22 = 9-13, 25-29 = 14-18, Mon 1 Sep = 19,
        # Tue 2 Sep = 20.
        id="chillan-holiday-rm",
    ),
    pytest.param(
        "16",
        D(2025, 8, 4),
        False,
        D(2025, 9, 3),
        # Region 16 (Ñuble), package rule (whole region): Wed 20 Aug 2025 is a
        # holiday too, so 18, 19, 21, 22 Aug = 9-12, 25-29 = 13-17, 1-3 Sep = 18-20.
        id="chillan-holiday-nb",
    ),
]


@pytest.mark.parametrize(("region", "received", "extended", "expected"), DEADLINE_CASES)
def test_deadline_hand_computed(region, received, extended, expected):
    n = 30 if extended else 20
    cal = WorkingCalendar(region, [received.year])
    assert cal.add_working_days(received, n) == expected
    # These cases count from the receipt date itself (the "receipt_date" rule); see
    # test_deemed_receipt_* for the default rule on non-working days.
    got = one(
        received, None, extended, region_code=region, as_of=received, receipt_rule="receipt_date"
    )
    assert got["deadline"] == expected
    assert LoopCalendar(region).add(received, n) == expected
    # The deadline is always a working day and exactly n working days after receipt.
    assert cal.is_working_day(expected)
    assert cal.working_days_between(received, expected) == n


@pytest.mark.parametrize(
    ("comuna_code", "expected"),
    [
        (None, D(2025, 9, 3)),  # no comuna: the package's region-wide rule
        ("16101", D(2025, 9, 3)),  # Chillán: 20 Aug is a holiday
        ("16103", D(2025, 9, 3)),  # Chillán Viejo: idem
        ("16102", D(2025, 9, 2)),  # Bulnes: 20 Aug is a working day (as in region 13)
    ],
)
def test_nuble_holiday_only_in_chillan_when_comuna_given(comuna_code, expected):
    got = one(D(2025, 8, 4), region_code="16", comuna_code=comuna_code, as_of=D(2025, 8, 4))
    assert got["deadline"] == expected
    cal = WorkingCalendar("16", [2025], comuna_code=comuna_code)
    assert cal.is_working_day(D(2025, 8, 20)) is (expected == D(2025, 9, 2))


def test_regional_holiday_changes_only_its_region():
    received = D(2024, 6, 3)
    by_region = {r: one(received, region_code=r, as_of=received)["deadline"] for r in REGION_NAMES}
    assert by_region.pop("15") == D(2024, 7, 3)
    assert set(by_region.values()) == {D(2024, 7, 2)}
    assert one(received, region_code=None, as_of=received)["deadline"] == D(2024, 7, 2)


# --------------------------------------------------------------------------------------
# Scalar calendar API
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2025, 3, 3), D(2025, 3, 3), 0),  # same day
        (D(2025, 3, 7), D(2025, 3, 8), 0),  # Fri -> Sat: Saturday is not counted
        (D(2025, 3, 7), D(2025, 3, 10), 1),  # Fri -> Mon
        (D(2025, 3, 8), D(2025, 3, 10), 1),  # Sat -> Mon
        (D(2025, 9, 17), D(2025, 9, 22), 1),  # Wed -> Mon over 18, 19 Sep and weekend
        # Wed 24 Dec 2025 -> Fri 2 Jan 2026: Fri 26, Mon 29, Tue 30, Wed 31 Dec, Fri 2 Jan
        # (not Thu 25 Dec nor Thu 1 Jan).
        (D(2025, 12, 24), D(2026, 1, 2), 5),
    ],
)
def test_working_days_between(start, end, expected):
    cal = WorkingCalendar("13", [2025])
    assert cal.working_days_between(start, end) == expected


def test_working_days_between_negative_raises():
    cal = WorkingCalendar("13", [2025])
    with pytest.raises(ValueError, match="before start date"):
        cal.working_days_between(D(2025, 3, 10), D(2025, 3, 7))


def test_add_working_days_zero_and_negative():
    cal = WorkingCalendar("13", [2025])
    assert cal.add_working_days(D(2025, 3, 8), 0) == D(2025, 3, 8)
    assert cal.add_working_days(D(2025, 3, 8), 1) == D(2025, 3, 10)
    with pytest.raises(ValueError, match="n must be >= 0"):
        cal.add_working_days(D(2025, 3, 8), -1)


def test_is_working_day():
    cal = WorkingCalendar("15", [2024])
    assert cal.is_working_day(D(2024, 6, 6))  # Thu
    assert not cal.is_working_day(D(2024, 6, 7))  # regional holiday (AP)
    assert not cal.is_working_day(D(2024, 6, 8))  # Sat
    assert not cal.is_working_day(D(2024, 6, 20))  # national holiday
    assert WorkingCalendar("13", [2024]).is_working_day(D(2024, 6, 7))


def test_calendar_covers_next_year_and_raises_outside():
    cal = WorkingCalendar("13", [2025])
    assert (cal.first_year, cal.last_year) == (2025, 2026)
    assert cal.add_working_days(D(2025, 12, 15), 20) == D(2026, 1, 14)
    with pytest.raises(CalendarRangeError, match="2025..2026"):
        cal.is_working_day(D(2027, 1, 4))
    with pytest.raises(CalendarRangeError):
        cal.working_days_between(D(2024, 12, 30), D(2025, 1, 3))
    # Gaps between years are filled.
    gap = WorkingCalendar("13", [2020, 2023])
    assert gap.is_holiday(D(2021, 9, 17)) is True  # Fri 17 Sep 2021 (interferiado)


@pytest.mark.parametrize("bad", ["00", "17", "99", "RM", ""])
def test_unknown_region_raises(bad):
    with pytest.raises(ValueError, match="unknown CUT region code"):
        WorkingCalendar(bad, [2025])


def test_region_code_normalised():
    assert WorkingCalendar("1", [2025]).region_code == "01"
    assert WorkingCalendar(15, [2025]).iso_subdivision == "AP"  # type: ignore[arg-type]


def test_get_calendar_is_cached():
    assert get_calendar("13", [2025, 2024]) is get_calendar("13", range(2024, 2026))
    assert get_calendar("13", [2025]) is not get_calendar("15", [2025])


def test_extra_holidays():
    cal = WorkingCalendar("13", [2025], extra_holidays=[D(2025, 3, 4)])
    # One extra holiday in the plain-monday case pushes day 20 from Mon 31 Mar to Tue 1 Apr.
    assert cal.add_working_days(D(2025, 3, 3), 20) == D(2025, 4, 1)
    got = one(D(2025, 3, 3), extra_holidays=[D(2025, 3, 4)], as_of=D(2025, 3, 3))
    assert got["deadline"] == D(2025, 4, 1)


# --------------------------------------------------------------------------------------
# compute_deadlines: answered / open / data errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "response", "taken", "on_time"),
    [
        # Received Mon 3 Mar 2025, deadline Mon 31 Mar (plain-monday).
        (D(2025, 3, 3), D(2025, 3, 3), 0, True),  # answered the same day
        (D(2025, 3, 3), D(2025, 3, 10), 5, True),  # Tue 4..Fri 7, Mon 10
        (D(2025, 3, 3), D(2025, 3, 31), 20, True),  # on the deadline
        (D(2025, 3, 3), D(2025, 4, 1), 21, False),  # one working day late
        # Received Fri 7 Mar, deadline Fri 4 Apr; answered Sat 5 Apr: still 20 working
        # days taken, but the answer is dated after the deadline -> late.
        (D(2025, 3, 7), D(2025, 4, 5), 20, False),
        # Received Sat 8 Mar, answered Sun 9 Mar: 0 working days.
        (D(2025, 3, 8), D(2025, 3, 9), 0, True),
    ],
)
def test_answered(received, response, taken, on_time):
    got = one(received, response, as_of=D(2025, 6, 1))
    assert got["taken"] == taken
    assert got["on_time"] is on_time
    assert got["overdue"] is None
    assert got["before"] is False


@pytest.mark.parametrize(
    ("received", "as_of", "on_time", "overdue"),
    [
        # Received Mon 3 Mar 2025, deadline Mon 31 Mar.
        (D(2025, 3, 3), D(2025, 3, 3), None, 0),  # received today
        (D(2025, 3, 3), D(2025, 3, 20), None, 0),  # within the deadline
        (D(2025, 3, 3), D(2025, 3, 31), None, 0),  # deadline day itself: still in time
        (D(2025, 3, 3), D(2025, 4, 1), False, 1),  # Tue 1 Apr: 1 working day over
        (D(2025, 3, 3), D(2025, 4, 5), False, 4),  # Sat 5 Apr: Tue 1..Fri 4 = 4
        (D(2025, 3, 3), D(2025, 4, 7), False, 5),  # Mon 7 Apr: + Mon 7 = 5
        # Received Fri 7 Mar, deadline Fri 4 Apr; as of Sat 5 Apr it is past the
        # deadline but no working day has elapsed yet -> False with 0 days overdue.
        (D(2025, 3, 7), D(2025, 4, 5), False, 0),
        (D(2025, 3, 7), D(2025, 4, 7), False, 1),  # Mon 7 Apr
        # Received Mon 1 Sep 2025, deadline Wed 1 Oct; as of Wed 22 Oct: Thu 2..Fri 3
        # = 2, 6-10 = 7, 13-17 = 12, 20-22 = 15.
        (D(2025, 9, 1), D(2025, 10, 22), False, 15),
        # Request received after as_of (as_of before receipt): not overdue.
        (D(2025, 3, 3), D(2025, 3, 1), None, 0),
    ],
)
def test_open(received, as_of, on_time, overdue):
    got = one(received, None, as_of=as_of)
    assert got["taken"] is None
    assert got["on_time"] is on_time
    assert got["overdue"] == overdue
    assert got["before"] is False


def test_response_before_receipt_is_flagged():
    # Received Mon 10 Mar 2025, answer dated Fri 7 Mar: a data error.
    got = one(D(2025, 3, 10), D(2025, 3, 7), as_of=D(2025, 6, 1))
    assert got["before"] is True
    assert got["on_time"] is None
    assert got["taken"] is None
    assert got["overdue"] is None
    # The deadline is still computed: Tue 11..Fri 14 = 1-4, 17-21 = 5-9,
    # 24-28 = 10-14, 31 Mar-4 Apr = 15-19, Mon 7 Apr = 20.
    assert got["deadline"] == D(2025, 4, 7)


def test_missing_received_date_gives_na():
    got = one(None, D(2025, 3, 7), as_of=D(2025, 6, 1))
    assert got == dict(deadline=None, taken=None, on_time=None, overdue=None, before=None)


def test_output_dtypes_index_and_no_mutation():
    frame = make_frame(
        [
            (D(2025, 3, 3), D(2025, 3, 10), True),
            (D(2025, 3, 3), None, None),
            (D(2025, 3, 3), None, False),
        ]
    )
    frame.index = pd.Index([10, 20, 30])
    before = frame.copy()
    out = compute_deadlines(frame, region_code="13", as_of=D(2025, 4, 7))
    pd.testing.assert_frame_equal(frame, before)
    assert list(out.columns) == [*frame.columns, *OUTPUT_COLUMNS]
    assert list(out.index) == [10, 20, 30]
    assert out["legal_deadline_date"].dtype == "datetime64[ns]"
    assert str(out["working_days_taken"].dtype) == "Int64"
    assert str(out["days_overdue"].dtype) == "Int64"
    assert str(out["is_on_time"].dtype) == "boolean"
    assert str(out["has_response_before_receipt"].dtype) == "boolean"
    # is_extended NA counts as not extended: rows 2 and 3 have the 20-day deadline.
    assert list(out["legal_deadline_date"].dt.date) == [
        D(2025, 4, 14),
        D(2025, 3, 31),
        D(2025, 3, 31),
    ]


def test_accepts_date_objects_strings_and_timestamps_with_time():
    expected = compute_deadlines(
        make_frame([(D(2025, 3, 7), D(2025, 4, 5), False), (D(2025, 3, 8), None, True)]),
        region_code="13",
        as_of=D(2025, 4, 30),
    )[list(OUTPUT_COLUMNS)]
    variants = [
        # datetime.date objects in object columns, None for open
        {
            "received_date": [D(2025, 3, 7), D(2025, 3, 8)],
            "response_date": [D(2025, 4, 5), None],
            "is_extended": [False, True],
        },
        # ISO strings
        {
            "received_date": ["2025-03-07", "2025-03-08"],
            "response_date": ["2025-04-05", None],
            "is_extended": [False, True],
        },
        # timestamps with a time of day
        {
            "received_date": pd.to_datetime(["2025-03-07 23:59", "2025-03-08 08:00"]),
            "response_date": pd.to_datetime(["2025-04-05 10:00", None]),
            "is_extended": pd.array([False, True], dtype="boolean"),
        },
        # tz-aware UTC timestamps: 02:00 UTC on 8 Mar is still 7 Mar in Santiago
        {
            "received_date": pd.to_datetime(["2025-03-08 02:00", "2025-03-08 15:00"], utc=True),
            "response_date": pd.to_datetime(["2025-04-05 15:00", None], utc=True),
            "is_extended": [False, True],
        },
    ]
    for data in variants:
        got = compute_deadlines(pd.DataFrame(data), region_code="13", as_of=D(2025, 4, 30))
        pd.testing.assert_frame_equal(got[list(OUTPUT_COLUMNS)], expected)


def test_missing_column_raises():
    with pytest.raises(KeyError, match="is_extended"):
        compute_deadlines(
            pd.DataFrame({"received_date": [], "response_date": []}),
            region_code="13",
            as_of=D(2025, 1, 1),
        )


def test_empty_frame():
    out = compute_deadlines(make_frame([]), region_code="13", as_of=D(2025, 1, 1))
    assert len(out) == 0
    assert set(OUTPUT_COLUMNS) <= set(out.columns)


# --------------------------------------------------------------------------------------
# Vectorised == loop
# --------------------------------------------------------------------------------------

_LOOP_CALENDARS: dict[str | None, LoopCalendar] = {}


def _loop_cal(region):
    if region not in _LOOP_CALENDARS:
        _LOOP_CALENDARS[region] = LoopCalendar(region)
    return _LOOP_CALENDARS[region]


def _random_rows(rng: np.random.Generator, n: int):
    base = D(2018, 1, 1)
    rows = []
    for _ in range(n):
        received = base + dt.timedelta(days=int(rng.integers(0, 9 * 365)))
        kind = rng.random()
        if kind < 0.25:
            response = None
        elif kind < 0.3:
            response = received - dt.timedelta(days=int(rng.integers(1, 10)))
        else:
            response = received + dt.timedelta(days=int(rng.integers(0, 70)))
        ext = rng.random()
        extended = None if ext < 0.1 else bool(ext < 0.3)
        rows.append((received, response, extended))
    return rows


@pytest.mark.parametrize("region", ["13", "15", "16", None])
def test_vectorised_matches_loop_random(region):
    rng = np.random.default_rng(20285)
    rows = _random_rows(rng, 3000)
    for as_of in (D(2020, 6, 30), D(2026, 12, 31)):
        got = frame_to_records(compute_deadlines(make_frame(rows), region_code=region, as_of=as_of))
        want = loop_compute(rows, region_code=region, as_of=as_of, loop_cal=_loop_cal(region))
        mismatches = [(r, g, w) for r, g, w in zip(rows, got, want, strict=True) if g != w]
        assert not mismatches, mismatches[:5]


_dates = st.dates(min_value=D(2016, 1, 1), max_value=D(2029, 12, 31))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _dates,
            st.one_of(st.none(), st.integers(-5, 80)),
            st.one_of(st.none(), st.booleans()),
        ),
        min_size=1,
        max_size=30,
    ),
    as_of_shift=st.integers(-10, 120),
    region=st.sampled_from(["13", "15", "16"]),
)
def test_vectorised_matches_loop_hypothesis(rows, as_of_shift, region):
    rows = [(r, None if s is None else r + dt.timedelta(days=s), e) for r, s, e in rows]
    as_of = rows[0][0] + dt.timedelta(days=as_of_shift)
    got = frame_to_records(compute_deadlines(make_frame(rows), region_code=region, as_of=as_of))
    want = loop_compute(rows, region_code=region, as_of=as_of, loop_cal=_loop_cal(region))
    assert got == want


@settings(max_examples=200, deadline=None)
@given(start=_dates, n=st.integers(0, 40), span=st.integers(0, 90))
def test_scalar_api_matches_loop(start, n, span):
    cal = get_calendar("15", range(2016, 2031))
    loop = _loop_cal("15")
    assert cal.add_working_days(start, n) == (loop.add(start, n) if n else start)
    end = start + dt.timedelta(days=span)
    assert cal.working_days_between(start, end) == loop.between(start, end)
    assert cal.is_working_day(start) == loop.working(start)


# --------------------------------------------------------------------------------------
# The deemed-receipt rule (Ley 19.880 art. 25 as amended by Ley 21.180): a request
# received on a non-working day is deemed received on the next working day (day 0)
# and day 1 is the working day after that. Dates counted by hand on a calendar.
# --------------------------------------------------------------------------------------

DEEMED_RECEIPT_CASES = [
    pytest.param(
        "13", None, D(2025, 3, 1), D(2025, 3, 31), D(2025, 3, 28),
        # Sat 1 Mar 2025 -> deemed Mon 3 Mar. Tue 4..Fri 7 = 1-4, 10-14 = 5-9,
        # 17-21 = 10-14, 24-28 = 15-19, Mon 31 Mar = 20. Receipt-date rule: day 1 is
        # Mon 3 Mar, so Fri 28 Mar.
        id="saturday",
    ),
    pytest.param(
        "13", None, D(2025, 3, 2), D(2025, 3, 31), D(2025, 3, 28),
        # Sun 2 Mar 2025: the same deemed receipt, Mon 3 Mar.
        id="sunday",
    ),
    pytest.param(
        "13", None, D(2025, 5, 1), D(2025, 6, 2), D(2025, 5, 30),
        # Thu 1 May 2025 (Día del Trabajo) -> deemed Fri 2 May. Mon 5..Fri 9 = 1-5,
        # 12-16 = 6-10, 19-20 = 11-12, (Wed 21 Glorias Navales), 22-23 = 13-14,
        # 26-30 = 15-19, Mon 2 Jun = 20. Receipt-date rule: day 1 is Fri 2 May -> Fri 30.
        id="national-holiday",
    ),
    pytest.param(
        "15", None, D(2024, 6, 7), D(2024, 7, 9), D(2024, 7, 8),
        # Arica y Parinacota: Fri 7 Jun 2024 is its regional holiday (Asalto y Toma del
        # Morro) -> deemed Mon 10 Jun. Tue 11..Fri 14 = 1-4, 17-19 = 5-7, (Thu 20
        # Pueblos Indígenas), Fri 21 = 8, 24-28 = 9-13, 1-5 Jul = 14-18, Mon 8 = 19,
        # Tue 9 Jul = 20. Receipt-date rule: day 1 is Mon 10 Jun -> Mon 8 Jul.
        id="regional-holiday-arica",
    ),
    pytest.param(
        "16", "16101", D(2025, 8, 20), D(2025, 9, 22), D(2025, 9, 17),
        # Chillán: Wed 20 Aug 2025 is its holiday -> deemed Thu 21 Aug. Fri 22 = 1,
        # 25-29 = 2-6, 1-5 Sep = 7-11, 8-12 = 12-16, 15-17 = 17-19, (Thu 18, Fri 19
        # Fiestas Patrias), Mon 22 Sep = 20. Receipt-date rule: day 1 is Thu 21 Aug
        # -> Wed 17 Sep.
        id="regional-holiday-chillan",
    ),
    pytest.param(
        "13", None, D(2025, 4, 19), D(2025, 5, 20), D(2025, 5, 19),
        # Holy Saturday 19 Apr 2025 -> deemed Mon 21 Apr. Tue 22..Fri 25 = 1-4,
        # 28-30 = 5-7, (Thu 1 May), Fri 2 May = 8, 5-9 = 9-13, 12-16 = 14-18,
        # Mon 19 = 19, Tue 20 May = 20. Receipt-date rule: day 1 is Mon 21 Apr -> Mon 19.
        id="holy-saturday",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("region", "comuna", "received", "deemed", "receipt_date"), DEEMED_RECEIPT_CASES
)
def test_deemed_receipt_deadline(region, comuna, received, deemed, receipt_date):
    kwargs = dict(region_code=region, comuna_code=comuna, as_of=received)
    assert one(received, **kwargs)["deadline"] == deemed
    assert one(received, receipt_rule="next_working_day", **kwargs)["deadline"] == deemed
    assert one(received, receipt_rule="receipt_date", **kwargs)["deadline"] == receipt_date


@pytest.mark.parametrize(
    ("region", "comuna", "received", "deemed", "receipt_date"), DEEMED_RECEIPT_CASES
)
def test_deemed_receipt_answer_on_last_day_is_on_time(
    region, comuna, received, deemed, receipt_date
):
    kwargs = dict(region_code=region, comuna_code=comuna, as_of=deemed)
    got = one(received, deemed, **kwargs)
    assert got["on_time"] is True
    assert got["taken"] == 20
    # The previous convention publishes the same answer as one working day late.
    assert one(received, deemed, receipt_rule="receipt_date", **kwargs)["on_time"] is False


def test_deemed_receipt_on_a_working_day_changes_nothing():
    received = D(2025, 3, 3)  # Monday
    for rule in ("next_working_day", "receipt_date"):
        assert one(received, receipt_rule=rule, as_of=received)["deadline"] == D(2025, 3, 31)


def test_answer_before_the_deemed_receipt_takes_zero_days():
    got = one(D(2025, 3, 1), D(2025, 3, 2), as_of=D(2025, 3, 2))  # Saturday, answered Sunday
    assert got["taken"] == 0 and got["on_time"] is True and got["before"] is False


def test_unknown_receipt_rule_is_refused():
    with pytest.raises(ValueError, match="receipt_rule"):
        one(D(2025, 3, 3), receipt_rule="calendar")
