"""Charts of the published tables: the data behind each chart, then a static SVG.

Two steps, so the catalog context stays plain data:

- :func:`dataset_charts` (run when the release is assembled, from the tables as
  published) returns each chart's data: a long table ``rows: [[x, series, value]]``
  plus its titles, axis names, series labels and a text alternative, in both
  languages.
- :func:`render_svg` draws one chart in one language with Vega-Lite (``altair``)
  rendered by ``vl-convert`` at build time: no script runs in the reader's browser.

Charts: budget execution month by month (when two or more months are published) and
by subtítulo (current, accrued, paid), purchase orders by month and procurement method
(by method alone when one month is published), access requests answered on time or late
by month.
"""

from __future__ import annotations

import contextlib
import functools
import json
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from publish.site.words import MONTHS
from quality.rules.budgets import DIMENSIONS
from schemas import load_code_list, load_descriptor

# English names of the expense subtítulos (the classifier has them in Spanish only).
SUBTITULOS_EN = {
    "21": "Personnel expenses",
    "22": "Consumer goods and services",
    "23": "Social security benefits",
    "24": "Current transfers",
    "25": "Payments to the Treasury",
    "26": "Other current expenses",
    "27": "Contributions",
    "29": "Non-financial assets",
    "30": "Financial assets",
    "31": "Investment projects",
    "32": "Loans",
    "33": "Capital transfers",
    "34": "Debt service",
    "35": "Final cash balance",
}
PHASES = {
    "amount_current_clp": {"es": "Presupuesto vigente", "en": "Current budget"},
    "amount_accrued_clp": {"es": "Devengado", "en": "Accrued"},
    "amount_paid_clp": {"es": "Pagado", "en": "Paid"},
}
ON_TIME = {
    "on_time": {"es": "Respondidas en plazo", "en": "Answered on time"},
    "late": {"es": "Respondidas fuera de plazo", "en": "Answered late"},
}
PALETTE = ["#0b57a4", "#c2410c", "#4d7c0f", "#7e22ce", "#a16207", "#0f766e", "#4d4d4d"]


def month_label(month: str, lang: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[lang][int(number) - 1][:3]} {year}"


def _span(months: list[str], lang: str) -> str:
    """``entre ene 2026 y oct 2026`` / ``from Jan 2026 to Oct 2026``, or one month."""
    first, last = month_label(months[0], lang), month_label(months[-1], lang)
    if first == last:
        return f"en {first}" if lang == "es" else f"in {first}"
    return f"entre {first} y {last}" if lang == "es" else f"from {first} to {last}"


def _money(value: float, lang: str) -> str:
    from publish.site import format_number

    millions = value / 1_000_000
    return f"{format_number(round(millions, 1), lang)} " + (
        "millones" if lang == "es" else "million"
    )


# --- the data behind each chart ---------------------------------------------


@functools.cache
def _subtitulo_names() -> dict[str, str]:
    codes = load_code_list("budget_classifier")
    rows = codes[(codes["account_type"] == "gasto") & (codes["level"] == "subtitulo")]
    return {r.code: r.name.capitalize() for r in rows.itertuples()}


def _leaves(lines: pd.DataFrame, keys: list[str]) -> pd.Series:
    """True for the rows whose account code has no sub-account among the rows of the same
    `keys` (no double counting). A code is a parent when another code of its group starts
    with it and a dot: the groups' (keys, dotted prefix of a code) pairs, joined back."""
    prefixes = {
        code: [".".join(parts[:i]) for i in range(1, len(parts))]
        for code in lines["account_code"].unique()
        for parts in [code.split(".")]
    }
    groups = lines[[*keys, "account_code"]].drop_duplicates()
    parents = groups.assign(account_code=groups["account_code"].map(prefixes)).explode(
        "account_code"
    )
    parents = parents.dropna(subset=["account_code"]).drop_duplicates()
    joined = lines[[*keys, "account_code"]].merge(
        parents.assign(_parent=True), on=[*keys, "account_code"], how="left"
    )
    return pd.Series(joined["_parent"].isna().to_numpy(), index=lines.index)


def budget_chart(lines: pd.DataFrame) -> dict[str, Any] | None:
    """Expenses by subtítulo at the latest month published: current, accrued, paid."""
    expenses = lines[lines["account_type"] == "gasto"]
    if expenses.empty:
        return None
    year = int(expenses["fiscal_year"].max())
    month = int(expenses.loc[expenses["fiscal_year"] == year, "month"].max())
    latest = expenses[(expenses["fiscal_year"] == year) & (expenses["month"] == month)]
    scope = ["area", *(d for d in DIMENSIONS if d in latest)]  # each programme its own tree
    latest = latest[_leaves(latest, scope)]
    by_sub = latest.groupby(latest["account_code"].str[:2])[list(PHASES)].sum().sort_index()
    names = _subtitulo_names()
    labels = {
        code: {
            "es": f"{code} {names.get(code, code)}",
            "en": f"{code} {SUBTITULOS_EN.get(code, names.get(code, code))}",
        }
        for code in by_sub.index
    }
    rows = [[code, phase, int(by_sub.at[code, phase])] for code in by_sub.index for phase in PHASES]
    current, accrued, paid = (int(by_sub[k].sum()) for k in PHASES)
    biggest = labels[by_sub["amount_current_clp"].idxmax()]
    when = {"es": f"{MONTHS['es'][month - 1]} de {year}", "en": f"{MONTHS['en'][month - 1]} {year}"}

    def pct(part: int) -> int:
        return round(part / current * 100) if current else 0

    summary = {
        "es": f"A {when['es']}, el presupuesto vigente de gastos suma {_money(current, 'es')}"
        f" de pesos; se ha devengado el {pct(accrued)} % y pagado el {pct(paid)} %."
        f" El subtítulo con más presupuesto es {biggest['es']}.",
        "en": f"By {when['en']}, the current expense budget totals {_money(current, 'en')}"
        f" pesos; {pct(accrued)} % has been accrued and {pct(paid)} % paid."
        f" The subtítulo with the largest budget is {biggest['en']}.",
    }
    return {
        "id": "presupuesto-por-subtitulo",
        "title": {
            "es": f"Ejecución del gasto por subtítulo, {when['es']}",
            "en": f"Expense execution by subtítulo, {when['en']}",
        },
        "summary": summary,
        "x": {"es": "Subtítulo", "en": "Subtítulo"},
        "y": {"es": "Millones de pesos", "en": "Million pesos"},
        "unit": 1_000_000,
        "series": {"es": "Etapa", "en": "Stage"},
        "x_labels": labels,
        "series_labels": PHASES,
        "stacked": False,
        "horizontal": True,
        "rows": rows,
    }


def budget_months_chart(lines: pd.DataFrame) -> dict[str, Any] | None:
    """Expenses month by month in the latest fiscal year (leaf accounts; the amounts are
    cumulative, so the lines climb): current budget, accrued, paid. Only with two or more
    months published."""
    expenses = lines[lines["account_type"] == "gasto"]
    if expenses.empty:
        return None
    year = int(expenses["fiscal_year"].max())
    expenses = expenses[expenses["fiscal_year"] == year]
    keys = ["month", "area"] + (["comuna_code"] if "comuna_code" in expenses else [])
    keys += [d for d in DIMENSIONS if d in expenses]
    leaves = expenses[_leaves(expenses, keys)]
    by_month = leaves.groupby("month")[list(PHASES)].sum().sort_index()
    if len(by_month) < 2:
        return None
    months = [f"{year}-{int(m):02d}" for m in by_month.index]
    rows = [
        [label, phase, int(by_month.at[month, phase])]
        for month, label in zip(by_month.index, months, strict=True)
        for phase in PHASES
    ]
    last = by_month.iloc[-1]
    current, paid = int(last["amount_current_clp"]), int(last["amount_paid_clp"])
    pct = round(paid / current * 100) if current else 0
    summary = {
        "es": f"Gasto acumulado {_span(months, 'es')}: al último mes se ha pagado"
        f" {_money(paid, 'es')} de pesos, el {pct} % del presupuesto vigente"
        f" ({_money(current, 'es')}).",
        "en": f"Cumulative expenses {_span(months, 'en')}: by the last month"
        f" {_money(paid, 'en')} pesos had been paid, {pct} % of the current budget"
        f" ({_money(current, 'en')}).",
    }
    return {
        "id": "presupuesto-por-mes",
        "title": {
            "es": f"Gasto acumulado mes a mes, {year}",
            "en": f"Cumulative expenses month by month, {year}",
        },
        "summary": summary,
        "x": {"es": "Mes", "en": "Month"},
        "y": {"es": "Millones de pesos", "en": "Million pesos"},
        "unit": 1_000_000,
        "series": {"es": "Etapa", "en": "Stage"},
        "x_labels": {m: {lang: month_label(m, lang) for lang in ("es", "en")} for m in months},
        "series_labels": PHASES,
        "stacked": False,
        "horizontal": False,
        "mark": "line",
        "rows": rows,
    }


def enum_labels(table: str, field: str) -> dict[str, dict[str, str]]:
    """A field's ``x-enumLabels`` ``{code: {es, en}}`` (a copy; the descriptor is read once:
    every comuna's indicator cards ask)."""
    return {code: dict(names) for code, names in _enum_labels(table, field).items()}


@functools.cache
def _enum_labels(table: str, field: str) -> dict[str, dict[str, str]]:
    fields = load_descriptor(table)["fields"]
    return next(f for f in fields if f["name"] == field).get("x-enumLabels", {})


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m")


def _rows(frame: pd.DataFrame) -> pd.Series:
    """How many rows of the table each row of `frame` stands for: its `ROWS` column when
    the table was read grouped (`chart_tables`), else 1."""
    if ROWS in frame:
        return frame[ROWS]
    return pd.Series(1, index=frame.index, dtype="int64")


def orders_chart(orders: pd.DataFrame) -> dict[str, Any] | None:
    """Purchase orders created per month, by procurement method (stacked counts)."""
    frame = pd.DataFrame(
        {
            "month": _month(orders["created_date"]),
            "method": orders["procurement_method"],
            "rows": _rows(orders),
        }
    ).dropna()
    if frame.empty:
        return None
    counts = frame.groupby(["month", "method"])["rows"].sum().sort_index()
    methods = enum_labels("purchase_orders", "procurement_method")
    by_method = counts.groupby(level="method").sum().sort_values(ascending=False)
    top = by_method.index[0]
    label = {code: methods.get(code, {"es": code, "en": code}) for code in by_method.index}
    months = sorted(frame["month"].unique())
    if len(months) == 1:
        return _orders_by_method(by_method, label, months[0])
    total = int(counts.sum())
    summary = {
        "es": f"{total} órdenes de compra {_span(months, 'es')}; la modalidad más usada"
        f" es «{label[top]['es']}» ({int(by_method[top])} órdenes).",
        "en": f"{total} purchase orders {_span(months, 'en')}; the most used method"
        f" is “{label[top]['en']}” ({int(by_method[top])} orders).",
    }
    return {
        "id": "ordenes-por-mes",
        "title": {
            "es": "Órdenes de compra por mes y modalidad",
            "en": "Purchase orders by month and procurement method",
        },
        "summary": summary,
        "x": {"es": "Mes", "en": "Month"},
        "y": {"es": "Órdenes de compra", "en": "Purchase orders"},
        "series": {"es": "Modalidad", "en": "Method"},
        "x_labels": {m: {lang: month_label(m, lang) for lang in ("es", "en")} for m in months},
        "series_labels": {code: label[code] for code in by_method.index},
        "stacked": True,
        "horizontal": False,
        "rows": [[m, code, int(n)] for (m, code), n in counts.items()],
    }


def _orders_by_method(
    by_method: pd.Series, label: dict[str, dict[str, str]], month: str
) -> dict[str, Any]:
    """One month of orders: how many by procurement method (a series over time needs
    two months or more)."""
    top, total = by_method.index[0], int(by_method.sum())
    when = {lang: month_label(month, lang) for lang in ("es", "en")}
    return {
        "id": "ordenes-por-modalidad",
        "title": {
            "es": f"Órdenes de compra por modalidad, {when['es']}",
            "en": f"Purchase orders by procurement method, {when['en']}",
        },
        "summary": {
            "es": f"{total} órdenes de compra en {when['es']}; la modalidad más usada"
            f" es «{label[top]['es']}» ({int(by_method[top])} órdenes).",
            "en": f"{total} purchase orders in {when['en']}; the most used method"
            f" is “{label[top]['en']}” ({int(by_method[top])} orders).",
        },
        "x": {"es": "Modalidad", "en": "Method"},
        "y": {"es": "Órdenes de compra", "en": "Purchase orders"},
        "series": {"es": "Mes", "en": "Month"},
        "x_labels": {code: label[code] for code in by_method.index},
        "series_labels": {month: when},
        "stacked": False,
        "horizontal": True,
        "rows": [[code, month, int(n)] for code, n in by_method.items()],
    }


def requests_chart(requests: pd.DataFrame) -> dict[str, Any] | None:
    """Answered access requests per month received: on time or late (Ley 20.285)."""
    answered = requests[requests["is_on_time"].notna()]
    if answered.empty:
        return None
    frame = pd.DataFrame(
        {
            "month": _month(answered["received_date"]),
            "kind": answered["is_on_time"].map(lambda v: "on_time" if bool(v) else "late"),
            "rows": _rows(answered),
        }
    ).dropna()
    counts = frame.groupby(["month", "kind"])["rows"].sum().sort_index()
    months = sorted(frame["month"].unique())
    on_time = (
        int(counts.xs("on_time", level="kind").sum()) if "on_time" in frame["kind"].values else 0
    )
    late = int(counts.sum()) - on_time
    pending = int(_rows(requests).sum()) - int(_rows(answered).sum())
    summary = {
        "es": f"De {on_time + late} solicitudes respondidas, {on_time} se respondieron en plazo"
        f" y {late} fuera de plazo; {pending} siguen sin respuesta y no se cuentan.",
        "en": f"Of {on_time + late} answered requests, {on_time} were answered on time and"
        f" {late} late; {pending} are still unanswered and not counted.",
    }
    return {
        "id": "solicitudes-en-plazo",
        "title": {
            "es": "Solicitudes respondidas en plazo y fuera de plazo, por mes de ingreso",
            "en": "Requests answered on time and late, by month received",
        },
        "summary": summary,
        "x": {"es": "Mes de ingreso", "en": "Month received"},
        "y": {"es": "Solicitudes", "en": "Requests"},
        "series": {"es": "Respuesta", "en": "Answer"},
        "x_labels": {m: {lang: month_label(m, lang) for lang in ("es", "en")} for m in months},
        "series_labels": ON_TIME,
        "stacked": True,
        "horizontal": False,
        "rows": [[m, kind, int(n)] for (m, kind), n in counts.items()],
    }


CHARTS = {
    "budget_lines": (budget_months_chart, budget_chart),
    "purchase_orders": (orders_chart,),
    "access_requests": (requests_chart,),
}


# The columns each table's charts read; `GROUPED` tables are read as one row per distinct
# combination of them with its number of rows (`ROWS`): a chart of a million purchase
# orders costs what a few hundred (date, method) pairs do.
COLUMNS = {
    "budget_lines": (
        "comuna_code",
        "fiscal_year",
        "month",
        "area",
        *DIMENSIONS,
        "account_type",
        "account_code",
        *PHASES,
    ),
    "purchase_orders": ("created_date", "procurement_method"),
    "access_requests": ("received_date", "is_on_time"),
}
GROUPED = ("purchase_orders", "access_requests")
ROWS = "_rows"


def chart_tables(folder: Path, tables: list[str]) -> dict[str, pd.DataFrame]:
    """The charted tables of a package folder (`<table>.parquet`), only the columns their
    charts read, `GROUPED` tables grouped in Arrow (for :func:`dataset_charts`)."""
    frames = {}
    for table in tables:
        if table not in CHARTS:
            continue
        path = folder / f"{table}.parquet"
        present = set(pq.read_schema(path).names)
        columns = [c for c in COLUMNS[table] if c in present]
        data = pq.read_table(path, columns=columns)
        if table in GROUPED:
            data = data.group_by(columns, use_threads=False).aggregate([([], "count_all")])
            data = data.rename_columns([*columns, ROWS])
        frames[table] = data.to_pandas()
    return frames


def dataset_charts(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The charts a dataset's published tables support (none for an empty table)."""
    charts = []
    for table, makers in CHARTS.items():
        if table in tables and len(tables[table]):
            charts += [chart for make in makers if (chart := make(tables[table]))]
    return charts


# --- drawing ----------------------------------------------------------------


def chart_table(chart: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The table behind a chart: one row per x value, one column per series."""
    series = list(chart["series_labels"])
    xs = list(chart["x_labels"])
    values = {(x, s): v for x, s, v in chart["rows"]}
    return {
        "columns": [chart["series_labels"][s][lang] for s in series],
        "rows": [(chart["x_labels"][x][lang], [values.get((x, s), 0) for s in series]) for x in xs],
    }


def render_svg(chart: Mapping[str, Any], lang: str) -> str:
    """One chart as a standalone SVG in ``lang`` (deterministic for the same data)."""
    return draw(chart_spec(chart, lang), lang)


LOCALES = {"es": "es-ES", "en": "en-US"}


def draw(chart: Any, lang: str) -> str:
    """An Altair chart as a standalone SVG, numbers formatted for ``lang``: the SVG a
    :class:`DrawingAhead` drew of the same spec, else drawn here.

    The spec is not validated against the Vega-Lite schema here: that is a third of the
    call and gives the same dict (`tests/publish/test_chart_inputs.py` validates every
    kind of chart)."""
    spec = chart.to_dict(validate=False)
    ahead = _AHEAD.pop(_spec_key(spec, LOCALES[lang]), None)
    svg = ahead.result() if ahead is not None else None
    return svg if svg is not None else _vegalite_to_svg(spec, LOCALES[lang])


def _vegalite_to_svg(spec: dict, locale: str) -> str:
    import vl_convert as vlc  # heavy import, only needed when a chart is drawn

    return vlc.vegalite_to_svg(spec, format_locale=locale, allowed_base_urls=[])


def _spec_key(spec: dict, locale: str) -> str:
    return json.dumps([spec, locale], sort_keys=True, ensure_ascii=False)


_AHEAD: dict[str, Future] = {}  # spec key → its SVG (None: draw it here), by `DrawingAhead`
# A child process that reads `[spec, locale]` lines and answers each with its SVG (or null)
_DRAWER = """
import json, sys
import vl_convert as vlc
for line in sys.stdin:
    spec, locale = json.loads(line)
    try:
        svg = vlc.vegalite_to_svg(spec, format_locale=locale, allowed_base_urls=[])
    except Exception:
        svg = None
    sys.stdout.write(json.dumps(svg) + "\\n")
    sys.stdout.flush()
"""


class DrawingAhead:
    """Charts drawn in a child process while this one builds the site, for :func:`draw`.

    vl-convert holds the GIL for the whole of each drawing (≈ 50 ms, and ≈ 0.7 s to start
    its JavaScript engine): drawn in this process, a site's charts (36 at 1M order lines)
    take ≈ 2.5 s of it, and every other thread waits. In the child they are drawn on
    another core while the pages are rendered. The child is started at once (its engine
    starts while the site's context is made);
    `draw_ahead` sends it charts, and `draw` takes each SVG from it: the same bytes, the
    same vl-convert. Anything amiss with the child (it fails, a chart fails, a chart is
    never sent) and `draw` draws in this process, as before. Leaving the `with` block
    ends the child and forgets what was not used."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _DRAWER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        self.futures: list[Future] = []
        self.thread: threading.Thread | None = None

    def __enter__(self) -> DrawingAhead:
        return self

    def draw_ahead(self, charts: Iterable[tuple[Any, str]]) -> None:
        """Have the child draw these (Altair chart, language) pairs, one after another."""
        requests = []
        for chart, lang in charts:
            spec = chart.to_dict(validate=False)
            key = _spec_key(spec, LOCALES[lang])
            if key not in _AHEAD:
                _AHEAD[key] = future = Future()
                self.futures.append(future)
                requests.append((json.dumps([spec, LOCALES[lang]]), future))
        self.thread = threading.Thread(target=self._converse, args=(requests,), daemon=True)
        self.thread.start()

    def _converse(self, requests: list[tuple[str, Future]]) -> None:
        """One chart at a time: send it, read its SVG (a pipe's buffer never fills)."""
        for line, future in requests:
            try:
                self.process.stdin.write(line + "\n")
                self.process.stdin.flush()
                future.set_result(json.loads(self.process.stdout.readline() or "null"))
            except (OSError, ValueError):
                future.set_result(None)

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.kill()
        if self.thread is not None:
            self.thread.join()
        self.process.wait()
        for key in [k for k, f in _AHEAD.items() if f in self.futures]:
            del _AHEAD[key]


def chart_spec(chart: Mapping[str, Any], lang: str) -> Any:
    """One chart in ``lang`` as an Altair chart (Vega-Lite), configured."""
    import altair as alt  # heavy import, only needed when a chart is drawn

    series = list(chart["series_labels"])
    xs = list(chart["x_labels"])
    frame = pd.DataFrame(
        [
            {
                "x": chart["x_labels"][x][lang],
                "series": chart["series_labels"][s][lang],
                "value": v / chart.get("unit", 1),
                "rank": series.index(s),
            }
            for x, s, v in chart["rows"]
        ]
    )
    x_order = [chart["x_labels"][x][lang] for x in xs]
    s_order = [chart["series_labels"][s][lang] for s in series]
    cat_axis = alt.Axis(title=chart["x"][lang], labelLimit=150)
    num_axis = alt.Axis(title=chart["y"][lang], format=",d" if chart["stacked"] else ",.0f")
    cat = alt.X("x:N", sort=x_order, axis=cat_axis) if not chart["horizontal"] else None
    # One series (one month of orders by method): the title says it, no legend.
    legend = (
        alt.Legend(title=chart["series"][lang], orient="bottom", columns=1)
        if len(s_order) > 1
        else None
    )
    colour = alt.Color(
        "series:N",
        sort=s_order,
        scale=alt.Scale(domain=s_order, range=PALETTE[: len(s_order)]),
        legend=legend,
    )
    if chart.get("mark") == "line":
        encoded = (
            alt.Chart(frame)
            .mark_line(point=True, strokeWidth=3)
            .encode(
                x=cat,
                y=alt.Y("value:Q", axis=num_axis),
                color=colour,
                # Dashes tell the lines apart without colour (merged into one legend).
                strokeDash=alt.StrokeDash(
                    "series:N", sort=s_order, scale=alt.Scale(domain=s_order), legend=legend
                ),
            )
        )
        size = {"width": 290, "height": 220}
    elif chart["horizontal"]:
        base = alt.Chart(frame).mark_bar()
        encoded = base.encode(
            y=alt.Y("x:N", sort=x_order, axis=cat_axis),
            x=alt.X("value:Q", axis=num_axis),
            yOffset=alt.YOffset("series:N", sort=s_order),
            color=colour,
        )
        size = {"width": 170, "height": alt.Step(9 if len(series) > 1 else 20)}
    else:
        encoded = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=cat,
                y=alt.Y("value:Q", axis=num_axis, stack="zero"),
                color=colour,
                order=alt.Order("rank:Q", sort="descending"),
            )
        )
        size = {"width": 290, "height": 220}
    return (
        encoded.properties(**size)
        .configure(font="sans-serif", background="#ffffff")
        .configure_axis(labelFontSize=12, titleFontSize=12, labelColor="#1b1b1b")
        .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=300)
    )
