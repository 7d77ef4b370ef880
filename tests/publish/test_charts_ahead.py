"""Charts drawn ahead in a child process (`publish.site.charts.DrawingAhead`): the same SVG
bytes as drawn in process, every chart of a release's site among them, and drawn in
process whenever the child cannot."""

from __future__ import annotations

import dagster as dg

from datasets.municipalities import load_installation
from pipelines.definitions import defs
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from publish import catalog
from publish.release import Archive
from publish.site import charts
from publish.site.charts import DrawingAhead, chart_spec, render_svg
from publish.site.words import LANGS
from tests.conftest import RUN_DATE

CHART = {
    "id": "orders-by-month",
    "x": {"es": "Mes", "en": "Month"},
    "y": {"es": "Órdenes", "en": "Orders"},
    "series": {"es": "Modalidad", "en": "Method"},
    "stacked": True,
    "horizontal": False,
    "series_labels": {"a": {"es": "Trato directo", "en": "Direct"}, "b": {"es": "B", "en": "B"}},
    "x_labels": {f"2026-{m:02d}": {"es": f"{m}/26", "en": f"{m}/26"} for m in range(1, 7)},
    "rows": [[f"2026-{m:02d}", s, 1000 * m + 7] for m in range(1, 7) for s in "ab"],
}


def not_in_process(spec, locale):
    raise AssertionError("drawn in this process")


def test_a_chart_drawn_ahead_is_the_svg_drawn_in_process(monkeypatch):
    expected = {lang: render_svg(CHART, lang) for lang in LANGS}
    monkeypatch.setattr(charts, "_vegalite_to_svg", not_in_process)
    with DrawingAhead() as drawing:
        drawing.draw_ahead((chart_spec(CHART, lang), lang) for lang in LANGS)
        assert {lang: render_svg(CHART, lang) for lang in LANGS} == expected
    assert not charts._AHEAD


def test_without_a_working_child_charts_are_drawn_in_process(monkeypatch):
    expected = render_svg(CHART, "es")
    monkeypatch.setattr(charts, "_DRAWER", "import sys; sys.exit(3)")
    with DrawingAhead() as drawing:
        drawing.draw_ahead([(chart_spec(CHART, "es"), "es")])
        assert render_svg(CHART, "es") == expected
    with DrawingAhead() as drawing:  # drawn ahead but never asked for: forgotten on leaving
        drawing.draw_ahead([(chart_spec(CHART, "en"), "en")])
    assert not charts._AHEAD


def test_every_chart_of_a_release_site_is_drawn_ahead_with_its_bytes(demo_home, monkeypatch):
    resource = AbiertoResource(home_dir=str(demo_home.root), run_date=RUN_DATE)
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_all(defs, resource, instance).catalog_ok
    served = demo_home.site.resolve()
    svgs = sorted(p.relative_to(served) for p in served.rglob("*.svg") if "releases" not in p.parts)
    assert any(p.parts[0] == "datasets" for p in svgs)
    assert any(p.parts[0] == "indicadores" for p in svgs)
    monkeypatch.setattr(charts, "_vegalite_to_svg", not_in_process)
    archive = Archive(demo_home.root)
    release = archive.current()
    # no page cache: every chart of the site is drawn, each by the child
    build = archive.build_site(
        release, archive.releases / release, catalog.renderer(load_installation())
    )
    for path in svgs:
        assert (build / path).read_bytes() == (served / path).read_bytes(), path
