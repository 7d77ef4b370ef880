"""Charts of the indicators: a small trend line per card, drawn as inline SVG, and the
all-comunas chart of each indicator's page, drawn with Vega-Lite like
:mod:`publish.site.charts`.

The card's trend is geometry computed here and drawn by the template (a few hundred
bytes inline, no request): with 346 comunas × 15 indicators × 2 languages, one
``vl-convert`` call each (about 50 ms) would add ten minutes of CPU to every release.
The indicator pages are few, so their chart goes through Vega-Lite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from publish.site.charts import PALETTE, draw
from publish.site.indicators import shown


def sparkline(
    points: Sequence[Mapping[str, Any]], width: int = 240, height: int = 64, pad: int = 6
) -> dict[str, Any]:
    """The geometry of a small trend chart: line segments (a suppressed or missing
    period breaks the line), dots, and the value range drawn.

    The y range always holds 0 (ratios and counts start there), so a flat line near
    the top is a high value, not a zoomed-in wobble.
    """
    values = [p["value"] if not p["is_suppressed"] else None for p in points]
    known = [v for v in values if v is not None]
    low = min([0.0, *known])
    high = max([low, *known]) or 1.0
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + i * step if len(points) > 1 else width / 2
        return round(x, 1), round(height - pad - (v - low) / span * (height - 2 * pad), 1)

    segments: list[list[tuple[float, float]]] = [[]]
    dots = []
    for i, v in enumerate(values):
        if v is None:
            segments.append([])
            continue
        segments[-1].append(xy(i, v))
        dots.append(xy(i, v))
    paths = [
        "M" + " L".join(f"{x},{y}" for x, y in segment) for segment in segments if len(segment) > 1
    ]
    baseline = xy(0, 0.0)[1] if low <= 0 <= high else None
    return {
        "width": width,
        "height": height,
        "paths": paths,
        "dots": dots,
        "baseline": baseline,
        "low": low,
        "high": high,
    }


def comunas_chart(page: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`render_comunas_svg` reads of an indicator page, and nothing else (its
    render context: see `publish.site.pagecache`)."""
    return {
        "title": page["title"],
        "unit": page["unit"],
        "median_all": page.get("median_all"),
        "comunas": [
            {k: c[k] for k in ("region_code", "region_name", "value", "is_suppressed")}
            for c in page["comunas"]
        ],
    }


def render_comunas_svg(page: Mapping[str, Any], lang: str) -> str:
    """Every comuna's value in the page's period, one dot each, a row per region, with a
    rule at the median of all comunas with data (suppressed values are not drawn)."""
    return draw(comunas_spec(page, lang), lang)


def comunas_spec(page: Mapping[str, Any], lang: str) -> Any:
    """The all-comunas chart of an indicator page in ``lang``, as an Altair chart."""
    import altair as alt  # heavy imports, only needed when a chart is drawn
    import pandas as pd

    drawn = shown(page["comunas"])
    regions = sorted({(c["region_code"], c["region_name"]) for c in page["comunas"]})
    order = [name for _, name in regions]
    frame = pd.DataFrame(
        [{"region": c["region_name"], "value": c["value"]} for c in drawn],
        columns=["region", "value"],
    )
    number = {"ratio": ",.2f", "days": ",.1f"}.get(page["unit"], ",d")
    axis_title = page["title"][lang]
    dots = (
        alt.Chart(frame)
        .mark_circle(size=70, opacity=0.75, color=PALETTE[0], stroke="#1b1b1b", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "value:Q",
                axis=alt.Axis(title=axis_title, format=number),
                scale=alt.Scale(zero=True),
            ),
            y=alt.Y("region:N", sort=order, axis=alt.Axis(title=None, labelLimit=200)),
        )
    )
    layers = [dots]
    if page.get("median_all") is not None:
        median = pd.DataFrame([{"median": page["median_all"]}])
        layers.append(
            alt.Chart(median)
            .mark_rule(color=PALETTE[1], strokeDash=[6, 3], strokeWidth=2)
            .encode(x="median:Q")
        )
    return (
        alt.layer(*layers)
        .properties(width=260, height=alt.Step(26))
        .configure(font="sans-serif", background="#ffffff")
        .configure_axis(labelFontSize=12, titleFontSize=12, labelColor="#1b1b1b")
    )
