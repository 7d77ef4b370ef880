"""Build a dataset's package, publish a release of them, and the catalog site's context.

The publish gate is re-checked at publication (Dagster's blocking checks only hold
within one run): a dataset publishes only if its own gate passed, and the whole
release is refused if `publish.publication.gate` fails (see there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datasets.descriptor import SLUGS, load_descriptor
from datasets.hashing import sha256_file
from datasets.municipalities import Installation, comunas_table
from pipelines.steps import PreparedDataset, code_version, quarantine_summary, reconcile
from publish.duckdb_release import FILE_NAME as DUCKDB_FILE
from publish.freshness import next_update_due
from publish.indicators.package import SLUG as INDICATORS
from publish.package import write_package
from publish.publication import BuiltPackage, PublishOutcome, publish
from publish.release import NOTES, Render
from publish.site import build_site, chart_path
from publish.site.charts import DrawingAhead, chart_spec, chart_tables, dataset_charts
from publish.site.indicator_charts import comunas_chart, comunas_spec
from publish.site.indicators import indicator_chart_path, indicator_context, shown
from publish.site.pagecache import PageCache, page_key
from publish.site.words import LANGS
from quality.deadlines import jurisdiction_note
from quality.messages import error_title
from quality.rules.summary import quality_section, quality_summary
from schemas import load_code_list, public_descriptor
from schemas import load_descriptor as load_schema_descriptor

PREVIEW_ROWS = 10
PAGE_CACHE = ".page-cache"  # under ABIERTO_HOME: private, never part of the site
PUBLISHED = (*SLUGS, INDICATORS)  # the datasets of a release, in the catalog's order


__all__ = [
    "BuiltPackage",
    "PublishOutcome",
    "build_package",
    "package_key",
    "publish_release",
    "remember_package",
    "reused_package",
]


@dataclass
class DatasetRelease:
    """A dataset's package in a release: new in this one or carried over from before."""

    slug: str
    release_id: str
    package: dict
    summary: dict
    changes: dict = field(default_factory=dict)


def build_package(
    dataset: PreparedDataset,
    installation: Installation,
    folder: Path,
    *,
    release_id: str,
    generated_on: dt.date,
) -> BuiltPackage:
    """Write the dataset's package unless its publish gate failed."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder.parent / f"{folder.name}{BUILT}").unlink(missing_ok=True)
    if dataset.is_blocked:
        return BuiltPackage(dataset.slug, folder, None, None, set(), dataset.blocked)
    comunas = comunas_table(installation)
    used = set(_distinct(dataset.tables, "comuna_code"))
    package = write_package(
        folder,
        load_descriptor(dataset.slug),
        dataset.tables,
        sources=dataset.sources,
        comunas=comunas[comunas["comuna_code"].isin(used)],
        version=release_id,
    )
    summary = summarise(dataset, generated_on)
    return BuiltPackage(dataset.slug, folder, package, summary, dataset.dropped_values, [])


BUILT = ".built.json"  # beside a package folder: what it was built from (`remember_package`)


def package_key(slug: str, part_ids: list[str], installation: Installation) -> str:
    """What a dataset's package is made of: its comunas' parts (content-addressed ids, in
    order), the installation's comunas and the code that turns parts into packages."""
    code = hashlib.sha256(code_version().encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        code.update(source.read_bytes())
    comunas = comunas_table(installation).to_json(orient="records", date_format="iso")
    text = json.dumps([slug, part_ids, comunas, code.hexdigest()], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remember_package(built: BuiltPackage, key: str) -> None:
    """Record what a package just built was made of, for `reused_package`."""
    if built.package is None:
        return
    record = {"key": key, "package": built.package, "summary": built.summary}
    (built.folder.parent / f"{built.slug}{BUILT}").write_text(
        json.dumps(record, ensure_ascii=False, default=str), encoding="utf-8"
    )


def reused_package(
    folder: Path, key: str, dropped_values: set[str], *, release_id: str, generated_on: dt.date
) -> BuiltPackage | None:
    """The package built before from the same parts (`package_key`), if its files are
    still the bytes its descriptor lists; its version and date become this run's."""
    path = folder.parent / f"{folder.name}{BUILT}"
    if not path.exists():
        return None
    record = json.loads(path.read_text("utf-8"))
    if record["key"] != key or not _intact(folder, record["package"]):
        return None
    return BuiltPackage(
        folder.name,
        folder,
        record["package"] | {"version": release_id},
        record["summary"] | {"generated_on": generated_on.isoformat()},
        dropped_values,
        [],
    )


def _intact(folder: Path, package: dict) -> bool:
    """Every file the descriptor lists has its bytes and sha256."""
    for resource in package["resources"]:
        for entry in [resource, *resource.get("x-alternates", [])]:
            path = folder / entry["path"]
            if not path.is_file() or path.stat().st_size != entry["bytes"]:
                return False
            if "sha256:" + sha256_file(path) != entry["hash"]:
                return False
    return True


def publish_release(
    site: Path,
    installation: Installation,
    packages: list[BuiltPackage],
    *,
    release_id: str,
    generated_on: dt.date,
    comunas: list[dict] | None = None,
) -> PublishOutcome:
    """Publish the packages that passed their gate as a new release and serve it.

    `release_id` is the run date; the release gets it, or `<date>.2`, `.3`… when a
    release of that day exists (see `publish.release`). A blocked dataset keeps the
    package of its previous release, if it had one; inputs equal to the newest release
    make no new release (`PublishOutcome.is_new` is False). `comunas` (optional) says
    where each comuna × dataset stands (`pipelines.freshness`); it goes into the
    release's catalog and gives each comuna its page.
    """
    return publish(
        site,
        packages,
        date=release_id,
        generated_on=generated_on,
        render=renderer(installation, site.parent / PAGE_CACHE),
        public_contacts=public_contacts(installation),
        comunas=comunas or [],
        site_url=installation.catalog.site_url,
    )


def public_contacts(installation: Installation) -> frozenset[str]:
    """The publishers' institutional e-mails: published on purpose, not leak-scan hits."""
    return frozenset(m.publisher.email for m in installation.municipalities)


def renderer(installation: Installation, cache: Path | None = None) -> Render:
    """Render the catalog pages of a release (from its manifest) into a site build.

    With `cache` (a private folder, `PAGE_CACHE` under `ABIERTO_HOME`), a page or chart
    whose render context was rendered before is hard-linked from there, not rendered
    again (`publish.site.pagecache`): a re-release renders the changed comunas' pages."""

    def render(build: Path, manifest: dict) -> None:
        releases = [
            DatasetRelease(slug, **entry) for slug, entry in manifest["catalog"]["datasets"].items()
        ]
        generated_on = dt.date.fromisoformat(manifest["generated_on"])
        pages = PageCache(cache) if cache is not None else None
        with DrawingAhead() as drawing:  # its chart engine starts while the context is made
            context = catalog_context(
                installation, releases, build, manifest["release_id"], generated_on, pages
            )
            context["comunas"] = comuna_pages(manifest["catalog"].get("comunas", []))
            drawing.draw_ahead(charts_to_draw(context, pages))
            build_site(build, context, pages)

    return render


def charts_to_draw(context: dict, pages: PageCache | None) -> Iterator[tuple[Any, str]]:
    """The charts `build_site` draws from `context` (each dataset chart and indicator's
    all-comunas chart, in each language) and the page cache does not hold, as (Altair
    chart, language): for `DrawingAhead` (one it was not given is drawn in process)."""

    def cached(path: str, chart: dict) -> bool:
        return pages is not None and pages.holds(page_key(path, {"chart": chart}))

    for dataset in context["datasets"]:
        for chart in dataset.get("charts", []):
            for lang in LANGS:
                if not cached(chart_path(dataset["slug"], chart["id"], lang), chart):
                    yield chart_spec(chart, lang), lang
    for indicator in context.get("indicators") or []:
        if shown(indicator["comunas"]):
            chart = comunas_chart(indicator)
            for lang in LANGS:
                if not cached(indicator_chart_path(indicator["id"], lang), chart):
                    yield comunas_spec(chart, lang), lang


def comuna_pages(rows: list[dict]) -> list[dict]:
    """The per-comuna pages' context: rows of `pipelines.freshness` grouped by comuna."""
    pages: dict[str, dict] = {}
    for row in rows:
        page = pages.setdefault(
            row["comuna_code"],
            {"code": row["comuna_code"], "name": row["comuna_name"], "datasets": []},
        )
        page["datasets"].append(
            {k: row[k] for k in ("status", "published_on", "is_stale", "max_age_days")}
            | {"slug": row["dataset"], "title": load_descriptor(row["dataset"]).title.model_dump()}
            # reason types only (never a message: the page is public)
            | {
                "reasons": sorted(set(row.get("reasons") or []))
                if row["status"] != "published"
                else []
            }
        )
    regions = load_code_list("comunas").set_index("comuna_code")["region_name"] if pages else {}
    for code, page in pages.items():
        page["region"] = regions.get(code)
    return [pages[code] for code in sorted(pages)]


def summarise(dataset: PreparedDataset, generated_on: dt.date) -> dict:
    """What the catalog shows about a dataset: previews, counts and quality, no raw values."""
    descriptor = load_descriptor(dataset.slug)
    reconciliation = reconcile(descriptor, dataset)
    years = set()
    for column in ("fiscal_year", "created_date", "received_date"):
        values = _distinct(dataset.tables, column)
        years |= {v if isinstance(v, int) else v.year for v in values if not _missing(v)}
    previews = {}
    for table, frame in dataset.tables.items():
        names = [f["name"] for f in _public_fields(table)]
        if isinstance(frame, pa.Table):
            head = frame.select(names).slice(0, PREVIEW_ROWS).to_pylist()
            rows = [list(row.values()) for row in head]
        else:
            rows = frame[names].head(PREVIEW_ROWS).values.tolist()
        previews[table] = {
            "columns": names,
            "rows": [["" if _missing(v) else str(v) for v in row] for row in rows],
            "rows_total": len(frame),
        }
    return {
        "generated_on": generated_on.isoformat(),
        "years": sorted(int(y) for y in years),
        "comunas": sorted(_distinct(dataset.tables, "comuna_code")),
        "rows_in": sum(r["rows_read"] - r["rows_excluded"] for r in reconciliation),
        "rows_published": sum(r["rows_published"] for r in reconciliation),
        "rows_quarantined": sum(r["rows_quarantined"] for r in reconciliation),
        "rows_held": sum(r["rows_held"] for r in reconciliation),
        "rows_excluded": sum(r["rows_excluded"] for r in reconciliation),
        "quarantine_reasons": quarantine_summary(dataset),
        "quality": quality_summary(dataset.quality) if dataset.quality else None,
        "sources": [
            {"name": s["name"], "sha256": s["sha256"], "rows_read": s["rows_read"]}
            for s in dataset.sources
        ],
        "previews": previews,
    }


def _public_fields(table: str) -> list[dict]:
    return public_descriptor(table)["fields"]


def _distinct(tables: dict[str, pd.DataFrame | pa.Table], column: str) -> set:
    """The distinct values of `column` in the tables that have it (pandas or Arrow)."""
    values = set()
    for frame in tables.values():
        if isinstance(frame, pa.Table):
            if column in frame.column_names:
                values.update(pc.unique(frame.column(column)).to_pylist())
        elif column in frame:
            values.update(frame[column].unique().tolist())
    return values


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or value != value  # NaN


def catalog_context(
    installation: Installation,
    releases: list[DatasetRelease],
    staging: Path,
    release_id: str,
    generated_on: dt.date,
    cache: PageCache | None = None,
) -> dict:
    """The context the site templates render (see `publish.site`). With `cache`, a
    dataset's chart data is computed once per content of its tables (`_charts`).

    Keys for releases, not yet shown by the templates: `downloads` {duckdb, notes,
    checksums} (site-relative paths), per dataset `latest.datapackage` and `changes`
    (rows added / removed / changed per table), per file `latest` (its stable URL).
    """
    municipalities = {m.cut: m for m in installation.municipalities}
    publisher = installation.municipalities[0].publisher
    indicators, cards = _indicators(installation, releases, staging, cache)
    return {
        "title": installation.catalog.title.model_dump(),
        "description": installation.catalog.description.model_dump(),
        "publisher": {"name": publisher.name, "url": publisher.url, "email": publisher.email},
        "site_url": installation.catalog.site_url,
        "release_id": release_id,
        "generated_on": generated_on.isoformat(),
        "is_demo": any(m.fictional for m in installation.municipalities),
        "contacts": {  # the citizen's side of each page (publish.site.citizen)
            m.cut: {
                "request_url": m.transparency_request_url,
                "publisher": {"name": m.publisher.name, "email": m.publisher.email},
            }
            for m in installation.municipalities
        },
        "downloads": {
            "duckdb": f"latest/{DUCKDB_FILE}",
            "notes": f"releases/{release_id}/{NOTES}",
            "checksums": f"releases/{release_id}/SHA256SUMS",
        },
        "datasets": [
            _dataset_context(r, municipalities, staging, cache)
            for r in sorted(releases, key=_order)
        ],
        "indicators": indicators,
        "indicator_cards": cards,
    }


def _indicators(
    installation: Installation,
    releases: list[DatasetRelease],
    staging: Path,
    cache: PageCache | None = None,
) -> tuple[list[dict], dict[str, list[dict]]]:
    """The indicator pages and each comuna's cards, from the release's `indicators` table
    (none when the release has no indicators package); with `cache`, reused while that
    table is the same bytes and the installation's comunas the same."""
    release = next((r for r in releases if r.slug == "indicators"), None)
    if release is None:
        return [], {}
    table = staging / f"releases/{release.release_id}/indicators/indicators.parquet"
    comunas = comunas_table(installation)

    def compute() -> tuple[list[dict], dict[str, list[dict]]]:
        return indicator_context(pd.read_parquet(table), comunas)

    if cache is None:
        return compute()
    inputs = {
        "table": sha256_file(table),
        "comunas": comunas.to_json(orient="records", date_format="iso"),
    }
    return cache.memo("indicators", inputs, compute)


def _order(release: DatasetRelease) -> int:
    return PUBLISHED.index(release.slug)


def _charts(release: DatasetRelease, staging: Path, cache: PageCache | None) -> list[dict]:
    """The dataset's chart data from its tables' Parquet files; with `cache`, reused
    while those files are the same bytes (their sha256 in the package descriptor)."""
    base = staging / f"releases/{release.release_id}/{release.slug}"
    tables = load_descriptor(release.slug).tables

    def compute() -> list[dict]:
        return dataset_charts(chart_tables(base, tables))

    if cache is None:
        return compute()
    hashes = {
        f["path"]: f["hash"]
        for r in release.package["resources"]
        if r["name"] in tables
        for f in [r, *r.get("x-alternates", [])]
        if f["path"].endswith(".parquet")
    }
    if len(hashes) != len(tables):  # a table without a hashed Parquet file: no key
        return compute()
    return cache.memo(f"charts:{release.slug}", hashes, compute)


def _dataset_context(
    release: DatasetRelease, municipalities: dict, staging: Path, cache: PageCache | None
) -> dict:
    descriptor = load_descriptor(release.slug)
    base = f"releases/{release.release_id}/{release.slug}"
    summary = release.summary
    files_by_table = {
        r["name"]: [
            {k: f[k] for k in ("format", "mediatype", "bytes", "hash")}
            | {"path": f"{base}/{f['path']}", "latest": f"latest/{release.slug}/{f['path']}"}
            for f in [r, *r.get("x-alternates", [])]
        ]
        for r in release.package["resources"]
    }
    resources = []
    packaged = {r["name"]: r for r in release.package["resources"]}
    for table in descriptor.tables:
        schema = load_schema_descriptor(table)
        public = packaged[table]["schema"]
        resources.append(
            {
                "name": table,
                "title": {"es": schema.get("title", table), "en": schema.get("x-title-en", table)},
                "rows": summary["previews"][table]["rows_total"],
                "grain": {"es": schema.get("x-grain-es", ""), "en": schema.get("x-grain-en", "")},
                "noun": {lang: schema[f"x-row-noun-{lang}"] for lang in ("es", "en")}
                if "x-row-noun-es" in schema
                else None,
                "fields": public["fields"],
                "primaryKey": public.get("primaryKey", []),
                "foreignKeys": public.get("foreignKeys", []),
                "files": files_by_table[table],
                # over Excel's row limit: no workbook, and why (es/en)
                "no_spreadsheet": packaged[table].get("x-no-spreadsheet"),
                "preview": {
                    "columns": summary["previews"][table]["columns"],
                    "rows": summary["previews"][table]["rows"],
                },
            }
        )
    datapackage = staging / base / "datapackage.json"
    return {
        "slug": release.slug,
        "kind": release.slug,
        "title": descriptor.title.model_dump(),
        "description": descriptor.description.model_dump(),
        "licence": descriptor.licence.model_dump(),
        "keywords": descriptor.keywords.model_dump() if descriptor.keywords else None,
        "themes": descriptor.themes,
        "cadence": CADENCES[descriptor.cadence],
        "cadence_code": descriptor.cadence,
        "municipalities": [
            {"code": c, "name": municipalities[c].name if c in municipalities else c}
            for c in summary["comunas"]
        ],
        "years": summary["years"],
        "deadlines_note": jurisdiction_note(
            {
                municipalities[c].name: municipalities[c].jurisdiction
                for c in summary["comunas"]
                if c in municipalities
            }
        )
        if release.slug == "access_requests"
        else None,
        "last_updated": summary["generated_on"],
        "next_update_due": next_update_due(
            dt.date.fromisoformat(summary["generated_on"]),
            descriptor.cadence,
            next(
                (municipalities[c].region_code for c in summary["comunas"] if c in municipalities),
                None,
            ),
        ).isoformat(),
        "release_id": release.release_id,
        "latest": {"datapackage": f"latest/{release.slug}/datapackage.json"},
        "changes": release.changes,
        "datapackage": {
            "path": f"{base}/datapackage.json",
            "bytes": datapackage.stat().st_size,
            "hash": "sha256:" + hashlib.sha256(datapackage.read_bytes()).hexdigest(),
        },
        "sources": summary["sources"],
        "quality": {
            k: summary[k]
            for k in ("rows_in", "rows_published", "rows_quarantined", "rows_excluded", "rows_held")
        }
        | {"quarantine_reasons": _reasons(summary["quarantine_reasons"])}
        | {"rules": quality_section(summary["quality"]) if summary.get("quality") else None},
        "resources": resources,
        "charts": _charts(release, staging, cache),
    }


CADENCES = {
    "monthly": {"es": "Mensual", "en": "Monthly"},
    "quarterly": {"es": "Trimestral", "en": "Quarterly"},
    "yearly": {"es": "Anual", "en": "Yearly"},
}


def _reasons(counts: list[dict]) -> list[dict]:
    return [c | dict(zip(("es", "en"), error_title(c["type"]), strict=True)) for c in counts]
