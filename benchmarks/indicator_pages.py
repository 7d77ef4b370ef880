"""The indicator pages at national scale: every official comuna × every indicator.

    .venv/bin/python -m benchmarks.indicator_pages            # 346 comunas, 10 months

Builds a synthetic `indicators` table (seed 20261207; every comuna of the official
code list, each indicator of the registry at its grains, budget indicators by six
subtítulos and the total, purchase shares by three methods), then times, in CPU
seconds, the context (`publish.site.indicators.indicator_context`) and the rendering
of the comuna pages, the indicator pages, their comparison pages and their charts
(`publish.site.build_site`, into a temporary folder), and prints the pages' sizes and
the peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from publish.indicators.methods import METHODS
from publish.site import build_site
from publish.site.indicators import indicator_context
from schemas import load_code_list, load_descriptor

SUBTITULOS = ["21", "22", "23", "24", "29", "31", "total"]
PROCUREMENT = ["trato_directo", "licitacion_publica", "convenio_marco"]


def synthetic_table(comunas: pd.DataFrame, months: int, seed: int = 20261207) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for comuna in comunas.itertuples():
        for method in METHODS.values():
            breakdowns = (
                SUBTITULOS
                if method.source == "budgets"
                else PROCUREMENT
                if "by_method" in method.indicator_id
                else ["total"]
            )
            periods = (
                [f"2026-{m:02d}" for m in range(1, months + 1)] if "month" in method.grains else []
            )
            periods += ["2026"] if "year" in method.grains else []
            for period in periods:
                for breakdown in breakdowns:
                    value = rng.random()
                    suppressed = rng.random() < 0.05
                    rows.append(
                        {
                            "comuna_code": comuna.comuna_code,
                            "region_code": comuna.region_code,
                            "indicator_id": method.indicator_id,
                            "period": period,
                            "period_grain": "month" if len(period) == 7 else "year",
                            "breakdown": breakdown,
                            "value": None if suppressed else value,
                            "numerator": value * 1e9,
                            "denominator": 1e9,
                            "unit": method.unit,
                            "records": rng.randint(1, 400),
                            "is_suppressed": suppressed,
                            "suppression_reason": "too_few_records" if suppressed else None,
                            "comunas_with_data": len(comunas),
                            "percentile": None if suppressed else rng.random() * 100,
                            "median_all": 0.5,
                            "region_comunas_with_data": 20,
                            "median_region": 0.5,
                            "method_id": method.method_id,
                            "method_version": method.version,
                        }
                    )
    names = [f["name"] for f in load_descriptor("indicators")["fields"]]
    return pd.DataFrame(rows, columns=names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=10)
    args = parser.parse_args()
    comunas = load_code_list("comunas")
    table = synthetic_table(comunas, args.months)
    start = time.process_time()
    pages, cards = indicator_context(table, comunas)
    context_s = time.process_time() - start
    catalog = {
        "title": {"es": "Datos abiertos municipales", "en": "Municipal open data"},
        "description": {"es": "Indicadores.", "en": "Indicators."},
        "publisher": {"name": "Consejo", "email": "datos@example.org"},
        "release_id": "2026-11-02",
        "generated_on": "2026-11-02",
        "is_demo": True,
        "site_url": "https://datos.example.org/",
        "datasets": [],
        "comunas": [
            {"code": c.comuna_code, "name": c.comuna_name, "datasets": []}
            for c in comunas.itertuples()
        ],
        "indicators": pages,
        "indicator_cards": cards,
    }
    with tempfile.TemporaryDirectory() as folder:
        start = time.process_time()
        build_site(Path(folder), catalog)
        render_s = time.process_time() - start
        comuna_pages = sorted(p.stat().st_size for p in Path(folder).glob("comunas/*/index.html"))
        indicator_pages = sorted(
            p.stat().st_size for p in Path(folder).glob("indicadores/*/index.html")
        )
        comparisons = sorted(
            p.stat().st_size for p in Path(folder).glob("indicadores/*/*/index.html")
        )
    print(f"{len(table):,} indicator rows, {len(comunas)} comunas, {len(pages)} indicators")
    print(f"context      {context_s:6.2f} CPU s")
    print(
        f"render site  {render_s:6.2f} CPU s  ({2 * len(comuna_pages)} comuna pages, "
        f"{2 * len(indicator_pages)} indicator pages with their charts, "
        f"{2 * len(comparisons)} comparison pages)"
    )
    print(
        f"comuna page  median {comuna_pages[len(comuna_pages) // 2] / 1000:.0f} kB, "
        f"max {comuna_pages[-1] / 1000:.0f} kB"
    )
    print(f"indicator page  max {indicator_pages[-1] / 1000:.0f} kB")
    print(
        f"comparison page  median {comparisons[len(comparisons) // 2] / 1000:.0f} kB,"
        f" max {comparisons[-1] / 1000:.0f} kB"
    )
    print(f"peak RSS     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
