"""Legal deadlines for access-to-information requests (Ley 20.285, art. 14).

A public body must answer an access-to-information request within **20 working
days** ("días hábiles") of its receipt; the deadline can be extended
("prórroga") once by **10 more working days** (30 in total).

Working days exclude Saturdays, Sundays and Chilean public holidays: the
national ones and, for a comuna whose region has a regional holiday, that
regional holiday too. Holidays come from the ``holidays`` package (Chile
calendar, ``public`` category only: the 31 December *bank* holiday is a working
day for a municipality).

Counting convention (``receipt_rule``)
--------------------------------------
* ``"next_working_day"`` (default; Ley 19.880 art. 25 as amended by Ley 21.180):
  a request received on a non-working day (weekend, holiday) is deemed received
  on the next working day, and day 1 is the working day after that. A request
  received on a working day is day 0 itself.
* ``"receipt_date"`` (this engine's convention before): the receipt date is day
  0 whatever day it is, so day 1 is the first working day after it; for a
  request received on a non-working day its deadline falls one working day
  earlier than under the deemed-receipt rule.
* The deadline is the 20th (or 30th) working day counted from day 0.
* ``working_days_between(start, end)`` counts the working days ``d`` with
  ``start < d <= end`` (0 when ``end == start``); ``working_days_taken`` counts
  from day 0 (the deemed receipt date under the default rule).

See docs/deadlines.md for the legal basis of each rule.

Regional holidays known to the ``holidays`` package (checked on 0.109)
---------------------------------------------------------------------
* ``AP`` (CUT region ``15``, Arica y Parinacota): 7 June, "Asalto y Toma del
  Morro de Arica", since 2013 (Ley 20.663).
* ``NB`` (CUT region ``16``, Ñuble): 20 August, "Nacimiento del Prócer de la
  Independencia", since 2014 (Ley 20.768). By law it is a holiday only in the
  comunas of Chillán (``16101``) and Chillán Viejo (``16103``), but the package
  applies it to the whole region; pass ``comuna_code`` to restrict it.

No other region has a regional holiday in the package.

Dates
-----
The vectorised entry point :func:`compute_deadlines` works on numpy
``datetime64[D]`` arrays with ``np.busday_offset`` / ``np.busday_count`` and a
``np.busdaycalendar``; it returns dates as normalised ``datetime64[ns]``
(docs/contracts.md: "dates as pandas ``datetime64[ns]`` normalised").
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import holidays
import numpy as np
import pandas as pd

__all__ = [
    "BASE_WORKING_DAYS",
    "CHILLAN_COMUNAS",
    "CUT_REGION_TO_ISO",
    "EXTENDED_WORKING_DAYS",
    "EXTENSION_WORKING_DAYS",
    "OUTPUT_COLUMNS",
    "RECEIPT_RULES",
    "CalendarRangeError",
    "WorkingCalendar",
    "compute_deadlines",
    "get_calendar",
    "years_for_dates",
]

#: Working days to answer (Ley 20.285, art. 14).
BASE_WORKING_DAYS = 20
#: Extra working days granted by a prórroga.
EXTENSION_WORKING_DAYS = 10
#: Total working days when the deadline was extended.
EXTENDED_WORKING_DAYS = BASE_WORKING_DAYS + EXTENSION_WORKING_DAYS

#: CUT region code (2 digits, as in our comunas code list) -> ISO 3166-2:CL
#: subdivision code used by ``holidays.Chile(subdiv=...)``.
CUT_REGION_TO_ISO: dict[str, str] = {
    "01": "TA",  # Tarapacá
    "02": "AN",  # Antofagasta
    "03": "AT",  # Atacama
    "04": "CO",  # Coquimbo
    "05": "VS",  # Valparaíso
    "06": "LI",  # Libertador General Bernardo O'Higgins
    "07": "ML",  # Maule
    "08": "BI",  # Biobío
    "09": "AR",  # La Araucanía
    "10": "LL",  # Los Lagos
    "11": "AI",  # Aysén del General Carlos Ibáñez del Campo
    "12": "MA",  # Magallanes y de la Antártica Chilena
    "13": "RM",  # Metropolitana de Santiago
    "14": "LR",  # Los Ríos
    "15": "AP",  # Arica y Parinacota
    "16": "NB",  # Ñuble
}

#: Comunas where the Ñuble 20 August holiday applies by law (Ley 20.768):
#: Chillán and Chillán Viejo.
CHILLAN_COMUNAS = frozenset({"16101", "16103"})
_NUBLE_HOLIDAY = (8, 20)

#: Columns added by :func:`compute_deadlines`.
OUTPUT_COLUMNS = (
    "legal_deadline_date",
    "working_days_taken",
    "is_on_time",
    "days_overdue",
    "has_response_before_receipt",
)

#: How a receipt on a non-working day is counted (see the module docstring).
RECEIPT_RULES = ("next_working_day", "receipt_date")

_WEEKMASK = "1111100"  # Monday..Friday
_NAT = np.datetime64("NaT", "D")
_ONE_DAY = np.timedelta64(1, "D")


class CalendarRangeError(ValueError):
    """A date falls outside the years a :class:`WorkingCalendar` covers."""


def _to_date(value: dt.date | np.datetime64 | pd.Timestamp | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").item()
    return pd.Timestamp(value).date()


def _normalise_region(region_code: str | int | None) -> str | None:
    if region_code is None:
        return None
    code = str(region_code).strip()
    if code.isdigit() and len(code) < 2:
        code = code.zfill(2)
    if code not in CUT_REGION_TO_ISO:
        raise ValueError(
            f"unknown CUT region code {region_code!r}: expected one of "
            f"{', '.join(CUT_REGION_TO_ISO)} (or None for national holidays only)"
        )
    return code


@functools.lru_cache(maxsize=128)
def _holiday_table(
    iso_subdiv: str | None, first_year: int, last_year: int, chillan_rule: bool
) -> tuple[tuple[dt.date, str], ...]:
    """Public holidays (date, name) for the years ``first_year..last_year``.

    ``chillan_rule`` drops the Ñuble 20 August holiday (unless it is also a
    national holiday that year), for Ñuble comunas other than Chillán and
    Chillán Viejo.
    """
    year_range = range(first_year, last_year + 1)
    calendar = holidays.Chile(subdiv=iso_subdiv, years=year_range, language="es")
    items = sorted(calendar.items())
    if chillan_rule:
        national = holidays.Chile(years=year_range)
        items = [
            (d, name) for d, name in items if (d.month, d.day) != _NUBLE_HOLIDAY or d in national
        ]
    return tuple(items)


class WorkingCalendar:
    """Chilean working-day calendar for one region, over a range of years.

    Parameters
    ----------
    region_code:
        2-digit CUT region code (``"01"``..``"16"``), or ``None`` for national
        holidays only.
    years:
        Years of the data. The calendar covers ``min(years)`` to
        ``max(years) + 1`` (the next year is added so that deadlines crossing
        the year end are right); gaps are filled. Any query outside that range
        raises :class:`CalendarRangeError`.
    comuna_code:
        Optional 5-digit CUT comuna code. Only used for the Ñuble 20 August
        holiday, which by law applies to Chillán and Chillán Viejo only: with a
        Ñuble ``comuna_code`` other than those two, that day is a working day.
        Without it the package's region-wide rule is kept.
    extra_holidays:
        Additional non-working days (e.g. a holiday declared by a special law
        that the ``holidays`` package does not know yet).
    """

    def __init__(
        self,
        region_code: str | None,
        years: Iterable[int],
        *,
        comuna_code: str | None = None,
        extra_holidays: Iterable[dt.date] = (),
    ) -> None:
        year_list = sorted({int(y) for y in years})
        if not year_list:
            raise ValueError("WorkingCalendar needs at least one year")
        self.region_code = _normalise_region(region_code)
        self.iso_subdivision = CUT_REGION_TO_ISO.get(self.region_code) if self.region_code else None
        self.comuna_code = None if comuna_code is None else str(comuna_code).strip()
        self.first_year = year_list[0]
        self.last_year = year_list[-1] + 1
        chillan_rule = (
            self.iso_subdivision == "NB"
            and self.comuna_code is not None
            and self.comuna_code not in CHILLAN_COMUNAS
        )
        table = dict(
            _holiday_table(self.iso_subdivision, self.first_year, self.last_year, chillan_rule)
        )
        for extra in extra_holidays:
            table.setdefault(_to_date(extra), "Feriado adicional")
        #: Holiday date -> name (Spanish), every holiday in the covered years,
        #: including those falling on weekends.
        self.holiday_names: dict[dt.date, str] = dict(sorted(table.items()))
        self.holidays: tuple[dt.date, ...] = tuple(self.holiday_names)
        self._holiday_array = np.array(self.holidays, dtype="datetime64[D]")
        self.busdaycal = np.busdaycalendar(weekmask=_WEEKMASK, holidays=self._holiday_array)
        self._lo = np.datetime64(f"{self.first_year:04d}-01-01", "D")
        self._hi = np.datetime64(f"{self.last_year:04d}-12-31", "D")

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(region_code={self.region_code!r}, "
            f"years={self.first_year}..{self.last_year}, holidays={len(self.holidays)})"
        )

    # -- range checks -----------------------------------------------------------------

    def covers(self, day: dt.date) -> bool:
        """True when ``day`` is inside the covered years."""
        d = np.datetime64(_to_date(day), "D")
        return bool(self._lo <= d <= self._hi)

    def _check_array(self, days: np.ndarray, what: str) -> None:
        valid = days[~np.isnat(days)]
        if valid.size == 0:
            return
        lo, hi = valid.min(), valid.max()
        if lo < self._lo or hi > self._hi:
            raise CalendarRangeError(
                f"{what} spans {lo}..{hi}, outside the years this calendar covers "
                f"({self.first_year}..{self.last_year}); build it with the years of the data"
            )

    def _check(self, day: np.datetime64, what: str) -> None:
        if not (self._lo <= day <= self._hi):
            raise CalendarRangeError(
                f"{what} {day} is outside the years this calendar covers "
                f"({self.first_year}..{self.last_year}); build it with the years of the data"
            )

    # -- scalar API -------------------------------------------------------------------

    def is_holiday(self, day: dt.date) -> bool:
        """True when ``day`` is a (national or regional) public holiday."""
        d = _to_date(day)
        self._check(np.datetime64(d, "D"), "date")
        return d in self.holiday_names

    def is_working_day(self, day: dt.date) -> bool:
        """True for Monday..Friday that is not a holiday."""
        d = np.datetime64(_to_date(day), "D")
        self._check(d, "date")
        return bool(np.is_busday(d, busdaycal=self.busdaycal))

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself is day 0).

        ``n`` must be >= 0; ``n == 0`` returns ``day`` unchanged. When ``day``
        is not a working day, day 1 is the first working day after it.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        d = np.datetime64(_to_date(day), "D")
        self._check(d, "start date")
        if n == 0:
            return d.item()
        result = np.busday_offset(d, n, roll="backward", busdaycal=self.busdaycal)
        self._check(result, "result date")
        return result.item()

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days ``d`` with ``start < d <= end``; 0 when ``end == start``.

        Raises ``ValueError`` when ``end`` is before ``start``.
        """
        s = np.datetime64(_to_date(start), "D")
        e = np.datetime64(_to_date(end), "D")
        if e < s:
            raise ValueError(
                f"end date {e} is before start date {s}: working_days_between needs end >= start"
            )
        self._check(s, "start date")
        self._check(e, "end date")
        return int(np.busday_count(s + _ONE_DAY, e + _ONE_DAY, busdaycal=self.busdaycal))

    # -- vectorised API (numpy datetime64[D] arrays, NaT allowed) -----------------------

    def add_working_days_array(self, days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """Vectorised :meth:`add_working_days`; NaT in, NaT out. ``n`` must be > 0."""
        days = np.asarray(days, dtype="datetime64[D]")
        n_arr = np.broadcast_to(np.asarray(n, dtype=np.int64), days.shape)
        if np.any(n_arr <= 0):
            raise ValueError("n must be > 0 in add_working_days_array")
        self._check_array(days, "start dates")
        out = np.full(days.shape, _NAT)
        ok = ~np.isnat(days)
        out[ok] = np.busday_offset(days[ok], n_arr[ok], roll="backward", busdaycal=self.busdaycal)
        self._check_array(out, "result dates")
        return out

    def working_days_between_array(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`working_days_between` (no NaT; ``end >= start`` everywhere)."""
        start = np.asarray(start, dtype="datetime64[D]")
        end = np.asarray(end, dtype="datetime64[D]")
        if np.any(np.isnat(start)) or np.any(np.isnat(end)):
            raise ValueError("working_days_between_array does not accept NaT")
        if np.any(end < start):
            raise ValueError("working_days_between_array needs end >= start everywhere")
        self._check_array(start, "start dates")
        self._check_array(end, "end dates")
        return np.busday_count(start + _ONE_DAY, end + _ONE_DAY, busdaycal=self.busdaycal)


@functools.lru_cache(maxsize=64)
def _cached_calendar(
    region_code: str | None, first_year: int, last_year: int, comuna_code: str | None
) -> WorkingCalendar:
    return WorkingCalendar(region_code, range(first_year, last_year + 1), comuna_code=comuna_code)


def get_calendar(
    region_code: str | None, years: Iterable[int], *, comuna_code: str | None = None
) -> WorkingCalendar:
    """A cached :class:`WorkingCalendar` (same arguments -> same object)."""
    year_list = [int(y) for y in years]
    if not year_list:
        raise ValueError("get_calendar needs at least one year")
    return _cached_calendar(
        _normalise_region(region_code),
        min(year_list),
        max(year_list),
        None if comuna_code is None else str(comuna_code).strip(),
    )


def years_for_dates(*arrays: np.ndarray) -> range:
    """Years spanned by the non-NaT values of ``datetime64`` arrays (inclusive range)."""
    lo: int | None = None
    hi: int | None = None
    for arr in arrays:
        valid = arr[~np.isnat(arr)]
        if valid.size == 0:
            continue
        years = valid.astype("datetime64[Y]").astype(np.int64) + 1970
        a, b = int(years.min()), int(years.max())
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    if lo is None or hi is None:
        return range(0)
    return range(lo, hi + 1)


def _day_array(values: pd.Series | Iterable, name: str) -> np.ndarray:
    """Column -> ``datetime64[D]`` numpy array (NaT for None/NaT/NA).

    Accepts datetime64 of any unit (time of day is dropped), tz-aware
    timestamps (converted to America/Santiago first), ``datetime.date``
    objects and ISO strings.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        try:
            series = pd.to_datetime(series, errors="raise")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"column {name!r} holds values that are not dates: {exc}") from exc
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("America/Santiago").dt.tz_localize(None)
    return series.to_numpy().astype("datetime64[D]")


def compute_deadlines(
    frame: pd.DataFrame,
    *,
    region_code: str | None,
    as_of: dt.date,
    comuna_code: str | None = None,
    extra_holidays: Iterable[dt.date] = (),
    receipt_rule: str = "next_working_day",
) -> pd.DataFrame:
    """Legal deadline and timeliness of each request (vectorised).

    ``receipt_rule`` is ``"next_working_day"`` (Ley 19.880 art. 25: a receipt on a
    non-working day counts from the next working day) or ``"receipt_date"`` (the
    receipt date itself is day 0); see the module docstring.

    ``frame`` needs ``received_date``, ``response_date`` (NaT/None while open)
    and ``is_extended`` (NA = not extended). Returns a copy of ``frame`` with
    these columns added (replaced if present):

    ``legal_deadline_date`` (``datetime64[ns]``)
        20th working day after day 0 (30th when extended).
    ``working_days_taken`` (``Int64``)
        Working days after day 0 up to and including
        ``response_date``; NA while open or when the response is dated before
        the receipt.
    ``is_on_time`` (``boolean``)
        Answered: ``response_date <= legal_deadline_date``. Open: NA while
        ``as_of <= legal_deadline_date``, False once ``as_of`` is past it.
        NA when the response is dated before the receipt.
    ``days_overdue`` (``Int64``)
        Open requests: working days after the deadline up to and including
        ``as_of`` (0 while within the deadline; it can be 0 with
        ``is_on_time`` False when ``as_of`` is a non-working day just after
        the deadline). NA for answered requests.
    ``has_response_before_receipt`` (``boolean``)
        True when ``response_date < received_date`` (a data error).

    Rows without ``received_date`` get NA everywhere. Holidays cover the years
    of all dates in the frame and of ``as_of``, plus the next year.
    """
    if receipt_rule not in RECEIPT_RULES:
        raise ValueError(
            f"receipt_rule must be one of {', '.join(RECEIPT_RULES)}: {receipt_rule!r}"
        )
    missing = [c for c in ("received_date", "response_date", "is_extended") if c not in frame]
    if missing:
        raise KeyError(f"compute_deadlines: missing column(s) {', '.join(missing)}")

    received = _day_array(frame["received_date"], "received_date")
    response = _day_array(frame["response_date"], "response_date")
    as_of_day = np.datetime64(_to_date(as_of), "D")
    extended = pd.array(frame["is_extended"], dtype="boolean").fillna(False).to_numpy(dtype=bool)

    years = years_for_dates(received, response, np.array([as_of_day]))
    if extra_holidays:
        calendar = WorkingCalendar(
            region_code, years, comuna_code=comuna_code, extra_holidays=extra_holidays
        )
    else:
        calendar = get_calendar(region_code, years, comuna_code=comuna_code)
    busdaycal = calendar.busdaycal

    n = len(frame)
    has_received = ~np.isnat(received)
    answered = has_received & ~np.isnat(response)
    before_receipt = answered & (response < received)
    answered_ok = answered & ~before_receipt
    open_ = has_received & np.isnat(response)

    # Day 0: the receipt date, or under the deemed-receipt rule the next working
    # day when it was received on a non-working day (roll="forward"). Then
    # roll="backward" with an offset makes day 1 the first working day after day 0.
    day0 = received.copy()
    if receipt_rule == "next_working_day":
        day0[has_received] = np.busday_offset(
            received[has_received], 0, roll="forward", busdaycal=busdaycal
        )
    deadline = np.full(n, _NAT)
    offsets = np.where(extended, EXTENDED_WORKING_DAYS, BASE_WORKING_DAYS)
    deadline[has_received] = np.busday_offset(
        day0[has_received], offsets[has_received], roll="backward", busdaycal=busdaycal
    )

    taken = np.zeros(n, dtype=np.int64)
    counted = answered_ok & (response >= day0)
    taken[counted] = np.busday_count(
        day0[counted] + _ONE_DAY, response[counted] + _ONE_DAY, busdaycal=busdaycal
    )

    past_deadline = open_ & (as_of_day > deadline)
    overdue = np.zeros(n, dtype=np.int64)
    overdue[past_deadline] = np.busday_count(
        deadline[past_deadline] + _ONE_DAY, as_of_day + _ONE_DAY, busdaycal=busdaycal
    )

    on_time = np.zeros(n, dtype=bool)
    on_time[answered_ok] = response[answered_ok] <= deadline[answered_ok]
    on_time_known = answered_ok | past_deadline  # past_deadline rows stay False

    out = frame.copy()
    out["legal_deadline_date"] = pd.Series(
        deadline.astype("datetime64[ns]"), index=frame.index, dtype="datetime64[ns]"
    )
    out["working_days_taken"] = pd.arrays.IntegerArray(taken, ~answered_ok)
    out["is_on_time"] = pd.arrays.BooleanArray(on_time, ~on_time_known)
    out["days_overdue"] = pd.arrays.IntegerArray(overdue, ~open_)
    out["has_response_before_receipt"] = pd.arrays.BooleanArray(before_receipt, ~has_received)
    return out


def jurisdiction_note(publishers: dict[str, str]) -> dict[str, str] | None:
    """The dataset page's note when some publishers are not under Chilean law.

    ``publishers`` maps a publisher's name to its declared jurisdiction (ISO 3166
    code); None when every one is ``"CL"`` (deadlines are computed for all).
    """
    foreign = sorted(name for name, code in publishers.items() if code != "CL")
    if not foreign:
        return None
    names = ", ".join(foreign)
    return {
        "es": f"Plazo legal, días hábiles y cumplimiento del plazo quedan vacíos para {names}: "
        "se calculan según la Ley 20.285 de Chile y este organismo responde bajo otra ley.",
        "en": f"Legal deadline, working days and on-time columns are empty for {names}: they "
        "are computed under Chile's Ley 20.285 and this body answers under another law.",
    }
