"""The static open-data catalog: HTML pages for one release, Spanish first.

``build_site(out_dir, catalog)`` renders the catalog into ``out_dir`` (which
already holds the release's data files) and returns the files it wrote::

    index.html                      catalog home (es)        en/index.html
    datasets/<slug>/index.html      one page per dataset     en/datasets/<slug>/index.html
    comunas/<cut>/index.html        one page per comuna      en/comunas/<cut>/index.html
    indicadores/index.html          the indicators           en/indicadores/index.html
    indicadores/<id>/index.html     one page per indicator   en/indicadores/<id>/index.html
    indicadores/<id>/<period>/index.html   its national comparison in a period (a row
                                    per comuna, id = CUT), linked from comuna cards
    indicadores/<id>/comunas.<lang>.svg   its chart of all comunas
    datasets/<slug>/<chart>.<lang>.svg   charts (:mod:`publish.site.charts`)
    assets/style.css, search.js, query.js   copied from publish/static/
    assets/duckdb/<digest>/…        the SQL box's engine, hard-linked
                                    (:mod:`publish.site.assets`)
    robots.txt; with site_url: catalog.ttl, catalog.jsonld, data.json, sitemap.xml
                                    (:mod:`publish.site.metadata`, :mod:`publish.site.dcat`)

Templates live in ``publish/templates/``, every text in :mod:`publish.site.words`.

Pages are static HTML, usable without JavaScript: ``assets/search.js`` filters the
home page's dataset cards with an index embedded in the page and its table of comunas
by name (:mod:`publish.site.search`), and ``assets/query.js`` runs SQL over a dataset's
Parquet files with DuckDB-Wasm once the reader opens the query box
(:mod:`publish.site.queries`); no inline scripts (JSON data blocks only), no external
requests, every link relative (a per-page prefix such as
``../../``) so the site works from any sub-path and from ``file://``. Output is
deterministic: the same context gives the same bytes (the only dates shown are
those in the context).

Context (``catalog``); keys marked ``?`` are optional, every other key is
required and a missing one raises (Jinja ``StrictUndefined``). ``{es, en}`` is
a dict with both languages::

    title {es, en}; description {es, en}
    publisher: {name, url?, email?}      email: contact point in DCAT and data.json
    release_id: str                      shown verbatim, e.g. "2026-11-25"
    generated_on: "YYYY-MM-DD"
    is_demo: bool                        demo banner on every page
    downloads?: {duckdb?, notes?, checksums?}   paths of whole-catalog files
                                         (shown, with sizes, when they exist in out_dir)
    site_url?: "https://…/"              public address of the site root; used
                                         to print absolute Parquet URLs in the
                                         "query it" snippets (else the file name)
    datasets: [{
      slug                               ^[a-z0-9]+([_-][a-z0-9]+)*$, unique
      title {es, en}; description {es, en}  description: Markdown, sanitised
      cadence {es, en}; cadence_code?: monthly | quarterly | yearly
      kind?: str                         search facet (default: the slug)
      licence: {name, title, path?}      name: SPDX id; path = URL (https) or relative path
      keywords?: {es: [str], en: [str]}  topic keywords (DCAT, schema.org, data.json)
      themes?: [str]                     EU data-theme codes (default: GOVE)
      municipalities: [{code, name}]; years: [int]
      last_updated: "YYYY-MM-DD"
      next_update_due?: "YYYY-MM-DD"     flagged late when before generated_on
      datapackage: {path, bytes, hash?}  hash "sha256:…" shown in "cite this version"
      files?: [{format, mediatype, path, bytes, hash?}]   whole-dataset files
                                         (duckdb, xlsx), listed only when given
      changelog?: [{release_id, date, summary? {es, en}}]   recent releases
      changes?: {table: {added, removed, changed, fields: {name: count}}}
                                         changes since the previous release
      latest?: {datapackage}             stable path of the newest release
      charts?: [chart data from publish.site.charts.dataset_charts]
      sources: [{name, sha256, rows_read}]
      release_id?: str                   release the dataset's files belong to
                                         (a dataset carried over from an older
                                         release); default: the catalog's
      quality: {rows_published, rows_quarantined, rows_held?, rows_excluded,
                quarantine_reasons: [{type, count, es, en}]}
                                         rows received are shown as the sum of
                                         these parts (rows_in is not read)
      resources: [{
        name; title {es, en}; grain {es, en}; rows: int
        fields: [Table Schema field: name, type, title, description?,
                 x-title-en?, x-description-en?, x-privacy,
                 constraints? {required, unique, pattern, minimum, maximum,
                               minLength, maxLength, enum},
                 x-enumLabels? {code: {es, en}}]
        description? {es, en}
        primaryKey?: [field name]; foreignKeys?: Table Schema foreign keys
        files: [{format, mediatype, path, bytes, hash?, latest?}]   csv, parquet, …
                                         latest: the file's stable path (``latest/…``),
                                         which comuna pages link (publish.site.comunas)
        no_spreadsheet?: {es, en}        why there is no Excel file (too many rows)
        preview: {columns: [str], rows: [[str | None]]}   first ≤ 10 rows,
                                         values as written in the CSV
      }]
    }]

    contacts?: {cut: {request_url?, publisher: {name, email?}}}
                                         per comuna: its access-to-information request
                                         portal and the e-mail that answers for its data
                                         (:mod:`publish.site.citizen`; without an entry,
                                         the national portal and ``publisher.email``)
    indicators?: [indicator page]        one page per indicator, an index page, and the
                                         cards of each comuna (:mod:`publish.site.indicators`:
                                         ``indicator_context`` builds both from the
                                         published ``indicators`` table)
    indicator_cards?: {cut: [card]}
    comunas?: [{                         one page per comuna: where each dataset stands
      code; name; region?: str
      datasets: [{slug, title {es, en}, status: published | carried | blocked | missing,
                  published_on: "YYYY-MM-DD" | None, is_stale: bool, max_age_days: int,
                  reasons?: [reason type]}]   why not published (publish.reasons);
                                         the comuna page shows published_on and
                                         published_on + max_age_days, the home page
                                         is_stale
    }]                                   the home page lists them in a table with a
                                         search box (:mod:`publish.site.search`); each
                                         comuna page links its rows of the national
                                         tables (:mod:`publish.site.national`)

Other keys (``quality.rows_in``, …) are ignored.
Paths of data files (``datapackage.path``, ``files[].path``) are relative to
the site root (= ``out_dir``). Everything from the context is HTML-escaped, and
a link from the context is only emitted when it is a relative path inside the
site or an ``http:``, ``https:`` or ``mailto:`` URL (:func:`safe_href`);
otherwise its text is shown without a link.

``build_site`` refuses (``SiteError``) a context that would publish something
wrong: an unsafe or duplicate slug, a field whose privacy rule is missing or
must not be published (``drop``), or a preview row whose width differs from
its columns. Row reconciliation is the publish gate's job, not this module's.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from publish.indicators.methods import MIN_COMUNAS
from publish.site import indicators as ind
from publish.site.assets import engine_bytes, write_assets
from publish.site.charts import chart_table, render_svg
from publish.site.citizen import page_address, publisher_email, report_mailto, request_portal
from publish.site.comunas import comuna_page_context
from publish.site.indicator_charts import comunas_chart, render_comunas_svg, sparkline
from publish.site.metadata import catalog_jsonld, dataset_jsonld, json_script, metadata_files
from publish.site.national import WORDS as NATIONAL_WORDS
from publish.site.national import comuna_duckdb, national_files, reasons_text
from publish.site.pagecache import PageCache, context_digest, page_key
from publish.site.queries import example_queries, query_config, query_tables
from publish.site.search import comuna_table, facets, kind_label, search_index
from publish.site.words import FORMATS, LANGS, MONTHS, PLURALS, PRIVACY, STRINGS, TYPES

__all__ = [
    "LANGS",
    "Formatter",
    "SiteError",
    "build_site",
    "format_number",
    "human_size",
    "safe_href",
    "template_environment",
]

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

_SLUG = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_NOT_ANCHOR = re.compile(r"[^a-z0-9_-]+")
_NUMERIC_TYPES = frozenset({"integer", "number"})
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_MARKDOWN_TAGS = {"p", "a", "em", "strong", "code", "ul", "ol", "li", "br"}


class SiteError(ValueError):
    """The catalog context cannot be rendered as given."""


# --- pure helpers -----------------------------------------------------------


def safe_href(url: object, root: str = "") -> str | None:
    """The href to emit for a link taken from the context, or None to drop it.

    Allowed: ``http:``, ``https:`` and ``mailto:`` URLs (returned as given) and
    relative paths inside the site (prefixed with ``root``, percent-encoded).
    Dropped: any other scheme (``javascript:``, ``data:``, …), root-relative
    and protocol-relative paths (``/x``, ``//host``: they break sub-paths and
    ``file://`` or leave the site), paths with ``..`` segments or backslashes,
    and anything holding control characters.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return None
    scheme = _SCHEME.match(url)
    if scheme:
        return url if scheme.group(1).lower() in _ALLOWED_SCHEMES else None
    if url.startswith("/") or "\\" in url:
        return None
    path = url.split("#", 1)[0].split("?", 1)[0]
    if ".." in PurePosixPath(path).parts:
        return None
    return root + quote(url, safe="/#?&=%~:@!$()*+,;")


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def anchor(name: str) -> str:
    """A fragment identifier made from a resource or field name."""
    return _NOT_ANCHOR.sub("-", str(name).lower()).strip("-") or "x"


_SPANISH_MARKS = str.maketrans(",.", ".,")


def format_number(value: int | float, lang: str, decimals: int | None = None) -> str:
    """``1234567`` → ``1.234.567`` (es) / ``1,234,567`` (en); decimals with ``,`` / ``.``.

    Grouped by Python's ``,`` format (groups of three from the point), then the marks
    swapped for Spanish: called for every number of every page."""
    if decimals is None:
        if isinstance(value, float) and not value.is_integer():
            text = f"{value:,.6f}".rstrip("0").rstrip(".")
        else:
            text = f"{int(value):,}"
    else:
        text = f"{value:,.{decimals}f}"
    return text.translate(_SPANISH_MARKS) if lang == "es" else text


def human_size(n_bytes: int, lang: str) -> str:
    """Decimal (SI) size: ``45678`` → ``45,7 kB`` (es) / ``45.7 kB`` (en)."""
    if n_bytes < 1000:
        return f"{format_number(n_bytes, lang)} B"
    value = float(n_bytes)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if round(value, 1) < 1000 or unit == "TB":
            return f"{format_number(value, lang, decimals=1)} {unit}"
    raise AssertionError("unreachable")


def _file_ref(path: str, site_url: str | None) -> str:
    if site_url:
        return site_url.rstrip("/") + "/" + quote(path, safe="/")
    return PurePosixPath(path).name


def query_snippets(
    path: str, site_url: str | None, csv_path: str | None = None, duckdb_path: str | None = None
) -> dict[str, str]:
    """DuckDB and pandas code reading one Parquet file (absolute URL if known), and R
    code reading the table's CSV when there is one. With the site's address and the
    catalog's DuckDB file (``duckdb_path``), the DuckDB snippet also attaches that file
    over HTTP and reads the table's view (named as the Parquet file)."""
    ref = _file_ref(path, site_url)
    sql_literal = "'" + ref.replace("'", "''") + "'"
    duckdb_sql = f"SELECT *\nFROM read_parquet({sql_literal})\nLIMIT 10;"
    if site_url and duckdb_path:
        database = _file_ref(duckdb_path, site_url).replace("'", "''")
        view = PurePosixPath(path).stem
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", view):
            view = '"' + view.replace('"', '""') + '"'
        duckdb_sql += (
            f"\n\nATTACH '{database}' AS abierto (READ_ONLY);\n"
            f"SELECT * FROM abierto.{view} LIMIT 10;"
        )
    snippets = {
        "duckdb": duckdb_sql,
        "pandas": f"import pandas as pd\n\ndf = pd.read_parquet({ref!r})\ndf.head(10)",
    }
    if csv_path:
        csv_literal = json.dumps(_file_ref(csv_path, site_url), ensure_ascii=False)
        snippets["r"] = f'df <- read.csv({csv_literal}, encoding = "UTF-8")\nhead(df, 10)'
    return snippets


def markdown(text: str) -> Markup:
    """Markdown from the context as safe HTML: raw HTML is not rendered, the result is
    sanitised (nh3) to a few text tags, and links keep only http, https and mailto."""
    html = _MARKDOWN.render(text)
    return Markup(nh3.clean(html, tags=_MARKDOWN_TAGS, url_schemes=set(_ALLOWED_SCHEMES)))


def json_attribute(data: Any) -> str:
    """JSON for an HTML attribute: a plain string, so the template escapes its quotes."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def citation_url(path: str, site_url: str | None) -> str:
    """The address to cite for a file: absolute when the site's address is known."""
    return _file_ref(path, site_url) if site_url else path


def distinct_licences(datasets: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The datasets' licences, first occurrence of each name, in order."""
    seen: dict[str, Mapping[str, Any]] = {}
    for dataset in datasets:
        seen.setdefault(dataset["licence"]["name"], dataset["licence"])
    return list(seen.values())


def catalog_municipalities(catalog: Mapping[str, Any]) -> list[dict[str, str | None]]:
    """The municipalities the catalog covers, by name: ``{name, page}`` where ``page`` is
    the site path of the comuna's page when it has one."""
    pages = {str(c["code"]): c for c in catalog.get("comunas", [])}
    names = {str(c["code"]): c["name"] for c in pages.values()}
    for dataset in catalog["datasets"]:
        for municipality in dataset["municipalities"]:
            names.setdefault(str(municipality["code"]), municipality["name"])
    return [
        {"name": name, "page": f"comunas/{code}/index.html" if code in pages else None}
        for code, name in sorted(names.items(), key=lambda item: (item[1], item[0]))
    ]


@dataclass(frozen=True)
class Rule:
    """One constraint in plain words, optionally followed by a code value."""

    text: str
    code: str | None = None


class Formatter:
    """Everything a page says or formats in one language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGS:
            raise SiteError(f"unknown language {lang!r}")
        self.lang = lang
        self.t = STRINGS[lang]

    def tr(self, value: str | Mapping[str, str]) -> str:
        """The page-language text of an ``{es, en}`` dict (a plain str as is)."""
        if isinstance(value, str):
            return value
        if self.lang not in value:
            raise SiteError(f"no {self.lang!r} text in {dict(value)!r}")
        return value[self.lang]

    def num(self, value: int | float) -> str:
        return format_number(value, self.lang)

    def size(self, n_bytes: int) -> str:
        return human_size(n_bytes, self.lang)

    def date(self, iso: str) -> str:
        try:
            day = date.fromisoformat(iso)
        except (TypeError, ValueError) as exc:
            raise SiteError(f"not an ISO date: {iso!r}") from exc
        month = MONTHS[self.lang][day.month - 1]
        if self.lang == "es":
            return f"{day.day} de {month} de {day.year}"
        return f"{day.day} {month} {day.year}"

    def plural(self, key: str, count: int, /, **values: object) -> str:
        """The singular or plural sentence for ``count``; ``{n}`` is ``count`` unless given."""
        one, many = PLURALS[self.lang][key]
        values.setdefault("n", self.num(count))
        return (one if count == 1 else many).format(**values)

    def count(self, n: int, noun: str) -> str:
        return self.plural(noun, n)

    def contents(self, resources: Sequence[Mapping[str, Any]]) -> str:
        """What a dataset holds, in the words of its tables' grain: ``44 órdenes de compra
        y 106 líneas de orden``; ``150 filas en 2 tablas`` when a table has no noun."""
        if resources and all(r.get("noun") for r in resources):
            counts = []
            for resource in resources:
                one, many = resource["noun"][self.lang]
                counts.append(
                    f"{self.num(resource['rows'])} {one if resource['rows'] == 1 else many}"
                )
            if len(counts) == 1:
                return counts[0]
            return ", ".join(counts[:-1]) + f" {self.t['and']} " + counts[-1]
        rows = self.count(sum(r["rows"] for r in resources), "rows")
        return self.t["rows_in_tables"].format(
            rows=rows, tables=self.count(len(resources), "tables")
        )

    def years(self, years: Iterable[int]) -> str:
        ordered = sorted(set(years))
        if len(ordered) >= 3 and ordered[-1] - ordered[0] == len(ordered) - 1:
            return f"{ordered[0]}–{ordered[-1]}"
        return ", ".join(str(year) for year in ordered)

    def municipalities(self, municipalities: Iterable[Mapping[str, str]]) -> str:
        return ", ".join(m["name"] for m in municipalities)

    def field_title(self, field: Mapping[str, Any]) -> str:
        title = field.get("title") or field["name"]
        if self.lang == "en":
            return field.get("x-title-en") or title
        return title

    def field_description(self, field: Mapping[str, Any]) -> str:
        description = field.get("description") or ""
        if self.lang == "en":
            return field.get("x-description-en") or description
        return description

    def type_name(self, field_type: str) -> str:
        return TYPES[self.lang].get(field_type, field_type)

    def privacy(self, field: Mapping[str, Any]) -> str:
        return PRIVACY[field["x-privacy"]][self.lang]

    def rules(
        self,
        field: Mapping[str, Any],
        primary_key: str | Sequence[str] = (),
        foreign_keys: Sequence[Mapping[str, Any]] = (),
    ) -> list[Rule]:
        """The field's constraints in plain words (``enum`` comes from :meth:`enum`)."""
        t, c = self.t, field.get("constraints") or {}
        rules = []
        if field["name"] in _as_list(primary_key):
            rules.append(Rule(t["rule_pk"]))
        for fk in foreign_keys:
            names, ref = _as_list(fk["fields"]), fk["reference"]
            if field["name"] in names:
                target = _as_list(ref["fields"])[names.index(field["name"])]
                rules.append(Rule(t["rule_fk"].format(resource=ref["resource"]), target))
        if c.get("required"):
            rules.append(Rule(t["rule_required"]))
        if c.get("unique"):
            rules.append(Rule(t["rule_unique"]))
        for low, high, key in (
            ("minimum", "maximum", "rule"),
            ("minLength", "maxLength", "rule_len"),
        ):
            lo, hi = c.get(low), c.get(high)
            if lo is not None and hi is not None:
                rules.append(
                    Rule(t[f"{key}_between"].format(min=self._bound(lo), max=self._bound(hi)))
                )
            elif lo is not None:
                rules.append(Rule(t[f"{key}_min"].format(min=self._bound(lo))))
            elif hi is not None:
                rules.append(Rule(t[f"{key}_max"].format(max=self._bound(hi))))
        if c.get("pattern"):
            rules.append(Rule(t["rule_pattern"], c["pattern"]))
        return rules

    def _bound(self, value: object) -> str:
        # Years and similar small integers read better without a separator.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return str(value) if isinstance(value, int) and abs(value) < 10_000 else self.num(value)

    def enum(self, field: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``[(code, label in the page language)]`` for an enumerated field."""
        labels = field.get("x-enumLabels") or {}
        pairs = []
        for code in (field.get("constraints") or {}).get("enum") or ():
            label = labels.get(str(code)) or {}
            pairs.append((str(code), label.get(self.lang) or label.get("es") or ""))
        return pairs

    def quality(self, quality: Mapping[str, Any]) -> dict[str, Any]:
        """A dataset's row counts: each part, their total and the sentence adding them up.

        Rows received are the sum of the parts (published, quarantined, held for
        review, excluded non-data rows), so the page always adds up; checking the
        parts against the rows read is the publish gate's job.
        """
        parts = {
            "published": quality["rows_published"],
            "quarantined": quality["rows_quarantined"],
            "held": quality.get("rows_held", 0),
            "excluded": quality["rows_excluded"],
        }
        total = sum(parts.values())
        terms = [self.plural(f"part_{key}", n) for key, n in parts.items() if n or key != "held"]
        equation = self.plural("part_in", total) + " = " + " + ".join(terms)
        sentence = self.t["quality_total"].format(equation=equation)
        return {"received": total, **parts, "sentence": sentence}

    def numeric_columns(self, fields: Iterable[Mapping[str, Any]]) -> set[str]:
        return {f["name"] for f in fields if f.get("type") in _NUMERIC_TYPES}

    def short_hash(self, digest: str) -> str:
        digest = digest.removeprefix("sha256:")
        return digest[:12] + "…" if len(digest) > 12 else digest

    def file_note(self, file_format: str) -> str:
        return self.t.get(f"dl_{file_format}", "")

    def format_name(self, file_format: str) -> str:
        return FORMATS.get(file_format, file_format.upper())


@functools.lru_cache(maxsize=65536)
def _relative(site_path: str, folder: str) -> str:
    """`posixpath.relpath`, remembered: a national page links every comuna's page, and
    pages of one folder link the same files."""
    return posixpath.relpath(site_path, folder)


@dataclass(frozen=True)
class Page:
    """One output page: where it sits, hence how its links climb to the root."""

    path: str  # language-neutral site path, e.g. "datasets/budgets/index.html"
    lang: str

    @property
    def output(self) -> str:
        return self.path if self.lang == LANGS[0] else f"{self.lang}/{self.path}"

    @property
    def root(self) -> str:
        return "../" * self.output.count("/")

    @property
    def alternate(self) -> Page:
        return Page(self.path, LANGS[1] if self.lang == LANGS[0] else LANGS[0])

    def to(self, site_path: str) -> str:
        """Relative link from this page to a file of the site (page, asset)."""
        return _relative(site_path, posixpath.dirname(self.output) or ".")

    def local(self, path: str) -> str:
        """Relative link to a page in this page's language."""
        return self.to(Page(path, self.lang).output)

    def href(self, url: object) -> str | None:
        """Relative-or-allowed link from the context (see :func:`safe_href`)."""
        return safe_href(url, self.root)


# --- rendering --------------------------------------------------------------


def template_environment(templates_dir: Path) -> Environment:
    """A Jinja environment for abierto's HTML: every value escaped, a missing key raises."""
    return Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.cache
def _environment() -> Environment:
    env = template_environment(TEMPLATES_DIR)
    env.globals.update(
        anchor=anchor,
        as_list=_as_list,
        basename=lambda path: PurePosixPath(str(path)).name,
        distinct_licences=distinct_licences,
        query_snippets=query_snippets,
        dataset_jsonld=dataset_jsonld,
        catalog_jsonld=catalog_jsonld,
        json_script=json_script,
        search_index=search_index,
        facets=facets,
        chart_path=chart_path,
        markdown=markdown,
        citation_url=citation_url,
        chart_table=chart_table,
        kind_label=kind_label,
        catalog_municipalities=catalog_municipalities,
        example_queries=example_queries,
        query_tables=query_tables,
        query_config=query_config,
        json_attribute=json_attribute,
        engine_bytes=engine_bytes,
        comuna_table=comuna_table,
        national_words=NATIONAL_WORDS,
        national_files=national_files,
        reasons_text=reasons_text,
        comuna_duckdb=lambda dataset, resource, code, site_url: comuna_duckdb(
            dataset, resource, code, functools.partial(_file_ref, site_url=site_url)
        ),
        request_portal=request_portal,
        publisher_email=publisher_email,
        report_mailto=report_mailto,
        page_address=page_address,
        sparkline=sparkline,
        indicator_path=ind.indicator_path,
        indicator_chart_path=ind.indicator_chart_path,
        indicator_groups=ind.indicator_groups,
        format_value=ind.format_value,
        format_short=ind.format_short,
        format_amount=ind.format_amount,
        period_label=ind.period_label,
        comparison_path=ind.comparison_path,
        comunas_count=ind.comunas_count,
        percentile_words=ind.percentile_words,
        region_median_words=ind.region_median_words,
        sort_key=ind.sort_key,
        suppression_reason=ind.suppression_reason,
        trend_summary=ind.trend_summary,
        suppression_codes=list(ind.SUPPRESSION_REASONS),
        min_comunas=MIN_COMUNAS,
        lang_names={lang: STRINGS[lang]["lang_name"] for lang in LANGS},
    )
    return env


def _check_catalog(catalog: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    site_url = catalog.get("site_url")
    if site_url is not None and not re.match(r"^https?://", str(safe_href(site_url))):
        raise SiteError(f"site_url must be an http(s) URL, got {site_url!r}")
    for dataset in catalog["datasets"]:
        slug = dataset["slug"]
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise SiteError(f"dataset slug {slug!r} is not lower-case letters, digits, - or _")
        if slug in seen:
            raise SiteError(f"dataset slug {slug!r} appears twice")
        seen.add(slug)
        for resource in dataset["resources"]:
            where = f"dataset {slug}, table {resource['name']}"
            for field in resource["fields"]:
                rule = field.get("x-privacy")
                if rule not in PRIVACY:
                    raise SiteError(
                        f"{where}, field {field['name']}: privacy rule {rule!r} cannot be"
                        f" published (allowed: {', '.join(PRIVACY)})"
                    )
            width = len(resource["preview"]["columns"])
            for number, row in enumerate(resource["preview"]["rows"], start=1):
                if len(row) != width:
                    raise SiteError(
                        f"{where}: preview row {number} has {len(row)} values for {width} columns"
                    )


def chart_path(slug: str, chart_id: str, lang: str) -> str:
    """Site path of a chart's SVG in one language."""
    return f"datasets/{slug}/{anchor(chart_id)}.{lang}.svg"


def _render(env: Environment, template: str, page: Page, **context: Any) -> bytes:
    formatter = Formatter(page.lang)
    html = env.get_template(template).render(page=page, f=formatter, t=formatter.t, **context)
    return html.encode("utf-8")


CATALOG_DOWNLOADS = {  # catalog.downloads key → (format, media type)
    "duckdb": ("duckdb_catalog", "application/vnd.duckdb"),
    "notes": ("notes", "text/markdown"),
    "checksums": ("checksums", "text/plain"),
}


def catalog_downloads(out_dir: Path, catalog: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The whole-catalog files in ``catalog.downloads`` that exist under ``out_dir``, sized."""
    files = []
    for key, path in (catalog.get("downloads") or {}).items():
        target = Path(out_dir) / str(path)
        if key in CATALOG_DOWNLOADS and safe_href(path) and target.is_file():
            file_format, mediatype = CATALOG_DOWNLOADS[key]
            files.append(
                {
                    "format": file_format,
                    "mediatype": mediatype,
                    "path": path,
                    "bytes": target.stat().st_size,
                }
            )
    return files


def _pages(
    catalog: Mapping[str, Any], out_dir: Path, cache: PageCache | None = None
) -> Iterator[tuple[str, bytes | Deferred]]:
    env = _environment()
    catalog_files = catalog_downloads(out_dir, catalog)
    duckdb_path = next((f["path"] for f in catalog_files if f["format"] == "duckdb_catalog"), None)
    common = {
        "catalog": catalog,
        "site_url": catalog.get("site_url"),
        "catalog_files": catalog_files,
        # the DuckDB file's attach snippet joins each table's DuckDB snippet
        "query_snippets": functools.partial(query_snippets, duckdb_path=duckdb_path),
    }
    for lang in LANGS:
        page = Page("index.html", lang)
        yield page.output, _render(env, "index.html", page, **common)
    for dataset in catalog["datasets"]:
        for lang in LANGS:
            page = Page(f"datasets/{dataset['slug']}/index.html", lang)
            yield page.output, _render(env, "dataset.html", page, dataset=dataset, **common)
            for chart in dataset.get("charts", []):
                yield (
                    chart_path(dataset["slug"], chart["id"], lang),
                    Deferred({"chart": chart}, functools.partial(_svg, render_svg, chart, lang)),
                )
    for comuna in catalog.get("comunas", []):
        if not re.fullmatch(r"[0-9]{5}", str(comuna["code"])):
            raise SiteError(f"unsafe comuna code {comuna['code']!r}")
        context = comuna_page_context(catalog, comuna)
        digest = context_digest(context) if cache is not None else None
        for lang in LANGS:
            page = Page(f"comunas/{comuna['code']}/index.html", lang)
            yield (
                page.output,
                Deferred(
                    context,
                    functools.partial(
                        _render,
                        env,
                        "comuna.html",
                        page,
                        site_url=context["catalog"].get("site_url"),
                        **context,
                    ),
                    digest,
                ),
            )
    yield from _indicator_pages(env, catalog, common, cache)
    yield from metadata_files(catalog)


def _fragment(
    cache: PageCache | None, env: Environment, template: str, page: Page, **context: Any
) -> Markup:
    """A part of a page, rendered from `context` alone (and `page`); with `cache`, the
    HTML rendered before for the same context is reused (a memo keyed by it): the parts
    of a national page that did not change cost nothing when its footer names a new
    release."""

    def render() -> str:
        return _render(env, template, page, **context).decode("utf-8")

    if cache is None:
        return Markup(render())
    inputs = {k: sorted(v) if isinstance(v, set | frozenset) else v for k, v in context.items()}
    return Markup(cache.memo(f"fragment:{template}:{page.output}", inputs, render))


def _indicator_pages(
    env: Environment,
    catalog: Mapping[str, Any],
    common: Mapping[str, Any],
    cache: PageCache | None = None,
) -> Iterator[tuple[str, bytes]]:
    """The index of indicators, a page per indicator and its all-comunas chart; each
    page's main part is a `_fragment`."""
    indicators = catalog.get("indicators") or []
    if not indicators:
        return
    for lang in LANGS:
        page = Page("indicadores/index.html", lang)
        yield page.output, _render(env, "indicators.html", page, **common)
    # a set: each comparison looks every comuna of its table up in it
    comuna_pages = frozenset(c["code"] for c in catalog.get("comunas") or [])
    for indicator in indicators:
        if not _SLUG.match(str(indicator["id"])):
            raise SiteError(f"unsafe indicator id {indicator['id']!r}")
        comparisons = indicator["comparisons"]
        periods = [c["period"] for c in comparisons]
        # the main page's fragment reads each comparison's size, not its rows
        overview = {
            **indicator,
            "comparisons": [
                {"period": c["period"], "comunas_with_data": c["comunas_with_data"]}
                for c in comparisons
            ],
        }
        heading = {k: indicator.get(k) for k in ("id", "title", "unit", "shown_breakdown")}
        for lang in LANGS:
            page = Page(ind.indicator_path(indicator["id"]), lang)
            main = _fragment(cache, env, "_indicator_main.html", page, indicator=overview)
            yield (
                page.output,
                _render(env, "indicator.html", page, indicator=indicator, main=main, **common),
            )
            for comparison in comparisons:
                if not re.fullmatch(r"[0-9]{4}(-[0-9]{2})?", str(comparison["period"])):
                    raise SiteError(f"unsafe period {comparison['period']!r}")
                page = Page(ind.comparison_path(indicator["id"], comparison["period"]), lang)
                main = _fragment(
                    cache,
                    env,
                    "_indicator_comparison.html",
                    page,
                    indicator=heading,
                    comparison=comparison,
                    periods=periods,
                    comuna_pages=comuna_pages,
                )
                yield (
                    page.output,
                    _render(
                        env,
                        "indicator_comparison.html",
                        page,
                        indicator=heading,
                        comparison=comparison,
                        main=main,
                        **common,
                    ),
                )
            if ind.shown(indicator["comunas"]):
                chart = comunas_chart(indicator)
                yield (
                    ind.indicator_chart_path(indicator["id"], lang),
                    Deferred(
                        {"chart": chart}, functools.partial(_svg, render_comunas_svg, chart, lang)
                    ),
                )


@dataclass(frozen=True)
class Deferred:
    """An output file made from its own, self-contained context (``render()`` reads
    nothing else): with a :class:`PageCache` it is rendered only when no file of the
    same context was rendered before."""

    context: Mapping[str, Any]
    render: Callable[[], bytes]
    digest: str | None = None  # the context's `context_digest`, shared by its languages


def _svg(render: Callable[[Mapping[str, Any], str], str], data: Any, lang: str) -> bytes:
    return render(data, lang).encode()


def build_site(
    out_dir: Path, catalog: Mapping[str, Any], cache: PageCache | None = None
) -> list[Path]:
    """Render the catalog into ``out_dir``; return the files written, in order.

    Everything is rendered before anything is written, so a context that fails
    leaves ``out_dir`` untouched: :class:`SiteError` for a context that must not
    be published as is, ``jinja2.UndefinedError`` / ``KeyError`` for a missing
    required key. With ``cache``, a file made from a context seen before (a comuna
    page, a chart) is hard-linked from the cache instead of rendered again: the
    same bytes (:mod:`publish.site.pagecache`).
    """
    _check_catalog(catalog)
    files: list[tuple[str, bytes | Path, str | None]] = []
    for rel, data in _pages(catalog, out_dir, cache):
        if isinstance(data, Deferred):
            if cache is None:
                files.append((rel, data.render(), None))
                continue
            key = page_key(rel, data.context, data.digest)
            files.append((rel, cache.bytes_for(key, data.render), key))
        else:
            files.append((rel, data, None))
    written = []
    folders: set[Path] = set()
    for rel, data, key in files:
        target = Path(out_dir) / rel
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        if isinstance(data, Path):
            os.link(data, target)
        else:
            target.write_bytes(data)
            if cache is not None and key is not None:
                cache.keep(key, target)
        written.append(target)
    if cache is not None:
        cache.prune()
    return written + write_assets(out_dir)
