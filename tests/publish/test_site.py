"""The static catalog site (`publish.site`): pages, links, words, escaping, determinism."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

import schemas
from publish.site import SiteError, build_site, format_number, human_size, safe_href
from publish.site import words as site_words
from publish.site.assets import engine_files, engine_path

RELEASE = "releases/2026-11-25"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)


# --- a realistic context ----------------------------------------------------


def field(
    name,
    type_,
    title,
    title_en,
    description="",
    description_en="",
    privacy="public",
    labels=None,
    **constraints,
):
    out = {
        "name": name,
        "type": type_,
        "title": title,
        "description": description,
        "x-title-en": title_en,
        "x-description-en": description_en,
        "x-privacy": privacy,
    }
    if constraints:
        out["constraints"] = constraints
    if labels:
        out["x-enumLabels"] = {code: {"es": es, "en": en} for code, (es, en) in labels.items()}
    return out


def files(dataset, name, csv_bytes, parquet_bytes):
    return [
        {
            "format": "csv",
            "mediatype": "text/csv",
            "bytes": csv_bytes,
            "path": f"{RELEASE}/{dataset}/{name}.csv",
            "hash": "sha256:" + "ab" * 32,
        },
        {
            "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "bytes": parquet_bytes,
            "path": f"{RELEASE}/{dataset}/{name}.parquet",
            "hash": "sha256:" + "cd" * 32,
        },
    ]


COMUNA = field(
    "comuna_code",
    "string",
    "Código de comuna (CUT)",
    "Municipality code (CUT)",
    "Código Único Territorial de la comuna, cinco dígitos con el cero inicial.",
    "Chile's official territorial code of the municipality, five digits.",
    required=True,
    pattern="^[0-9]{5}$",
)
VILLA = [{"code": "99901", "name": "Villa Ejemplo"}]
CC_BY = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}

BUDGET_FIELDS = [
    COMUNA,
    field(
        "fiscal_year",
        "integer",
        "Año fiscal",
        "Fiscal year",
        required=True,
        minimum=2000,
        maximum=2100,
    ),
    field(
        "month",
        "integer",
        "Mes",
        "Month",
        "Mes de cierre; los montos son acumulados desde enero.",
        "Closing month; amounts are cumulative from January.",
        required=True,
        minimum=1,
        maximum=12,
    ),
    field(
        "area",
        "string",
        "Área de gestión",
        "Management area",
        required=True,
        enum=["municipal", "educacion", "salud", "cementerio"],
        labels={
            "municipal": ("Gestión municipal", "Municipal management"),
            "educacion": ("Educación municipal", "Municipal education"),
            "salud": ("Salud municipal", "Municipal health"),
            "cementerio": ("Cementerio municipal", "Municipal cemetery"),
        },
    ),
    field(
        "account_type",
        "string",
        "Tipo de cuenta",
        "Account type",
        required=True,
        enum=["ingreso", "gasto"],
        labels={"ingreso": ("Ingreso", "Income"), "gasto": ("Gasto", "Expenditure")},
    ),
    field(
        "account_code",
        "string",
        "Código de cuenta",
        "Account code",
        "Código del clasificador presupuestario, p. ej. 22.04.001.",
        "Budget classifier code, e.g. 22.04.001.",
        required=True,
        pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{3})*)?$",
    ),
    field("account_name", "string", "Nombre de la cuenta", "Account name", required=True),
    field("amount_initial_clp", "integer", "Presupuesto inicial (CLP)", "Initial budget (CLP)"),
    field("amount_current_clp", "integer", "Presupuesto vigente (CLP)", "Current budget (CLP)"),
    field("amount_accrued_clp", "integer", "Devengado acumulado (CLP)", "Accrued (CLP)"),
    field("amount_paid_clp", "integer", "Pagado acumulado (CLP)", "Paid (CLP)"),
]
BUDGET_PREVIEW = [
    [
        "99901",
        "2026",
        "10",
        "municipal",
        "gasto",
        "22",
        "Bienes y servicios de consumo",
        "1250000000",
        "1310500000",
        "1002345120",
        "987001200",
    ],
    [
        "99901",
        "2026",
        "10",
        "municipal",
        "gasto",
        "22.04",
        "Materiales de uso o consumo",
        "180000000",
        "185000000",
        "140220000",
        "139000000",
    ],
    [
        "99901",
        "2026",
        "10",
        "salud",
        "ingreso",
        "05.03.006",
        "Del Servicio de Salud",
        "2400000000",
        "2400000000",
        "1980000000",
        None,
    ],
]

ORDER_FIELDS = [
    field(
        "order_id",
        "string",
        "Código de la orden de compra",
        "Purchase order code",
        required=True,
        unique=True,
        pattern="^[0-9]+-[0-9]+-[A-Z0-9]+$",
    ),
    COMUNA,
    field("order_name", "string", "Nombre de la orden", "Order name", required=True),
    field("description", "string", "Descripción", "Description", privacy="scrub"),
    field(
        "procurement_method",
        "string",
        "Modalidad de compra",
        "Procurement method",
        required=True,
        enum=["licitacion_publica", "trato_directo", "convenio_marco"],
        labels={
            "licitacion_publica": ("Licitación pública", "Public tender"),
            "trato_directo": ("Trato directo", "Direct award"),
            "convenio_marco": ("Convenio marco", "Framework agreement"),
        },
    ),
    field("created_date", "date", "Fecha de creación", "Creation date", required=True),
    field(
        "supplier_rut",
        "string",
        "RUT del proveedor",
        "Supplier RUT",
        privacy="redact_natural_person",
        pattern="^[0-9]{7,8}-[0-9K]$",
    ),
    field(
        "supplier_type",
        "string",
        "Tipo de proveedor",
        "Supplier type",
        required=True,
        enum=["persona_juridica", "persona_natural", "desconocido"],
    ),
    field("amount_total_clp", "integer", "Monto total (CLP)", "Total amount (CLP)", required=True),
]
ITEM_FIELDS = [
    field(
        "order_id", "string", "Código de la orden de compra", "Purchase order code", required=True
    ),
    field("line_number", "integer", "Número de línea", "Line number", required=True, minimum=1),
    field("product_name", "string", "Producto", "Product"),
    field(
        "buyer_specification",
        "string",
        "Especificación del comprador",
        "Buyer specification",
        privacy="scrub",
    ),
    field("quantity", "number", "Cantidad", "Quantity", minimum=0),
]
REQUEST_FIELDS = [
    COMUNA,
    field("request_id", "string", "Folio", "Request number", required=True),
    field("received_date", "date", "Fecha de ingreso", "Date received", required=True),
    field(
        "requester_type",
        "string",
        "Tipo de solicitante",
        "Requester type",
        privacy="generalise",
        enum=["persona_natural", "persona_juridica", "no_informado"],
        labels={
            "persona_natural": ("Persona natural", "Individual"),
            "persona_juridica": ("Persona jurídica", "Organisation"),
            "no_informado": ("No informado", "Not stated"),
        },
    ),
    field("subject", "string", "Materia", "Subject", privacy="scrub", required=True),
    field("is_on_time", "boolean", "Respondida a tiempo", "Answered on time"),
]


def sources(*names_rows):
    return [
        {"name": n, "sha256": f"{i:x}" * 64, "rows_read": r}
        for i, (n, r) in enumerate(names_rows, start=10)
    ]


def resource(name, title, grain, rows, fields, preview, csv_bytes, parquet_bytes, dataset, pk):
    return {
        "name": name,
        "title": title,
        "grain": grain,
        "rows": rows,
        "fields": fields,
        "primaryKey": pk,
        "files": files(dataset, name, csv_bytes, parquet_bytes),
        "preview": {"columns": [f["name"] for f in fields], "rows": preview},
    }


def make_catalog() -> dict:
    budgets = {
        "slug": "budgets",
        "title": {"es": "Presupuesto municipal", "en": "Municipal budget"},
        "description": {
            "es": "Ejecución mensual: presupuesto inicial y vigente, devengado y pagado.",
            "en": "Monthly budget execution: initial and current budget, accrued and paid.",
        },
        "kind": "budgets",
        "licence": CC_BY,
        "cadence": {"es": "Mensual", "en": "Monthly"},
        "municipalities": VILLA,
        "years": [2026],
        "last_updated": "2026-10-31",
        "datapackage": {"path": f"{RELEASE}/budgets/datapackage.json", "bytes": 12345},
        "sources": sources(("ejecucion_presupuestaria_2026-10.csv", 130)),
        "quality": {
            "rows_in": 130,
            "rows_published": 120,
            "rows_quarantined": 6,
            "rows_excluded": 4,
            "quarantine_reasons": [
                {
                    "type": "type-error",
                    "count": 3,
                    "es": "Monto que no es un número entero",
                    "en": "Amount that is not a whole number",
                },
                {
                    "type": "constraint-error",
                    "count": 2,
                    "es": "Código de cuenta mal formado",
                    "en": "Malformed account code",
                },
                {
                    "type": "primary-key-error",
                    "count": 1,
                    "es": "Cuenta repetida en el mismo mes",
                    "en": "Account repeated in the same month",
                },
            ],
        },
        "resources": [
            resource(
                "budget_lines",
                {"es": "Líneas del presupuesto", "en": "Budget lines"},
                {
                    "es": "Una fila por municipalidad, año, mes, área y cuenta.",
                    "en": "One row per municipality, year, month, area and account.",
                },
                120,
                BUDGET_FIELDS,
                BUDGET_PREVIEW,
                45678,
                12345,
                "budgets",
                ["comuna_code", "fiscal_year", "month", "area", "account_code"],
            )
        ],
    }
    contracts = {
        "slug": "contracts",
        "title": {"es": "Órdenes de compra", "en": "Purchase orders"},
        "description": {
            "es": "Órdenes de compra emitidas en Mercado Público.",
            "en": "Purchase orders issued on Mercado Público.",
        },
        "kind": "contracts",
        "licence": CC_BY,
        "cadence": {"es": "Mensual", "en": "Monthly"},
        "municipalities": VILLA,
        "years": [2024, 2025, 2026],
        "last_updated": "2026-11-20",
        "datapackage": {"path": f"{RELEASE}/contracts/datapackage.json", "bytes": 20480},
        "sources": sources(("ordenes_2026.csv", 2000), ("items_2026.csv", 5306)),
        "quality": {
            "rows_in": 7306,
            "rows_published": 7306,
            "rows_quarantined": 0,
            "rows_excluded": 0,
            "quarantine_reasons": [],
        },
        "resources": [
            resource(
                "purchase_orders",
                {"es": "Órdenes de compra", "en": "Purchase orders"},
                {"es": "Una fila por orden de compra.", "en": "One row per purchase order."},
                2000,
                ORDER_FIELDS,
                [
                    [
                        "2345-120-SE26",
                        "99901",
                        "Compra de resmas",
                        "Resmas tamaño carta",
                        "convenio_marco",
                        "2026-03-02",
                        "76123456-7",
                        "persona_juridica",
                        "1190000",
                    ],
                    [
                        "2345-121-SE26",
                        "99901",
                        "Reparación de luminarias",
                        "",
                        "trato_directo",
                        "2026-03-04",
                        "",
                        "persona_natural",
                        "450000",
                    ],
                ],
                1_234_567,
                310_000,
                "contracts",
                ["order_id"],
            ),
            resource(
                "purchase_order_items",
                {"es": "Líneas de las órdenes", "en": "Purchase order lines"},
                {
                    "es": "Una fila por línea de una orden de compra.",
                    "en": "One row per line of a purchase order.",
                },
                5306,
                ITEM_FIELDS,
                [["2345-120-SE26", "1", "Papel carta", "Resma 500 hojas", "20"]],
                890_000,
                200_000,
                "contracts",
                ["order_id", "line_number"],
            ),
        ],
    }
    requests = {
        "slug": "access_requests",
        "title": {
            "es": "Solicitudes de acceso a la información",
            "en": "Access-to-information requests",
        },
        "description": {
            "es": "Solicitudes recibidas según la Ley 20.285 y sus plazos.",
            "en": "Requests received under Law 20,285 and their deadlines.",
        },
        "kind": "access_requests",
        "licence": {
            "name": "CC0-1.0",
            "title": "CC0 1.0 Universal",
            "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        },
        "cadence": {"es": "Trimestral", "en": "Quarterly"},
        "municipalities": VILLA,
        "years": [2025, 2026],
        "last_updated": "2026-09-30",
        "release_id": "2026-10-01",  # carried over: this release did not rebuild it
        "datapackage": {
            "path": "releases/2026-10-01/access_requests/datapackage.json",
            "bytes": 8000,
        },
        "sources": sources(("solicitudes_2026T3.xlsx", 414)),
        "quality": {
            "rows_in": 413,
            "rows_published": 410,
            "rows_quarantined": 1,
            "rows_held": 2,
            "rows_excluded": 1,
            "quarantine_reasons": [
                {
                    "type": "personal-data",
                    "count": 2,
                    "es": "Posible dato personal en texto libre",
                    "en": "Possible personal data in free text",
                },
                {"type": "type-error", "count": 1, "es": "Fecha inválida", "en": "Invalid date"},
            ],
        },
        "resources": [
            resource(
                "access_requests",
                {"es": "Solicitudes", "en": "Requests"},
                {"es": "Una fila por solicitud (folio).", "en": "One row per request (folio)."},
                410,
                REQUEST_FIELDS,
                [
                    [
                        "99901",
                        "MU999T0000123",
                        "2026-07-01",
                        "persona_natural",
                        "Copia del contrato de aseo",
                        "true",
                    ]
                ],
                51_000,
                22_000,
                "access_requests",
                ["comuna_code", "request_id"],
            )
        ],
    }
    for file in requests["resources"][0]["files"]:
        file["path"] = file["path"].replace(RELEASE, "releases/2026-10-01")
    catalog = {
        "title": {"es": "Datos abiertos de Villa Ejemplo", "en": "Villa Ejemplo open data"},
        "description": {
            "es": "Presupuesto, compras y solicitudes de transparencia de la Municipalidad.",
            "en": "Budget, purchases and transparency requests of the Municipality.",
        },
        "publisher": {
            "name": "Municipalidad de Villa Ejemplo",
            "url": "https://www.villaejemplo.cl/",
        },
        "release_id": "2026-11-25",
        "generated_on": "2026-11-25",
        "is_demo": True,
        "site_url": "https://datos.villaejemplo.cl/",
        "datasets": [budgets, contracts, requests],
    }
    return copy.deepcopy(catalog)  # tests change it; the module-level fields stay intact


def data_paths(catalog) -> set[str]:
    paths = set()
    for dataset in catalog["datasets"]:
        paths.add(dataset["datapackage"]["path"])
        for res in dataset["resources"]:
            paths.update(f["path"] for f in res["files"])
    return paths


def render(out_dir: Path, catalog: dict) -> list[Path]:
    """Lay the data files down as the release writer would, then build the site."""
    for rel in data_paths(catalog):
        if safe_href(rel):
            (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / rel).write_bytes(b"placeholder")
    return build_site(out_dir, catalog)


# --- reading the HTML -------------------------------------------------------


DATA_BLOCKS = {"application/ld+json", "application/json"}
INLINE = {"a", "abbr", "b", "cite", "code", "em", "i", "span", "strong", "time"}


class Doc(HTMLParser):
    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag not in INLINE:  # block boundaries separate words, inline tags do not
            self.chunks.append(" ")

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.chunks))

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if a.get("id")}

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.elements
            if t == tag
            and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    @property
    def lang(self) -> str | None:
        return self.find("html")[0]["lang"]


PAGES = [
    "index.html",
    "en/index.html",
    *(
        f"{prefix}datasets/{slug}/index.html"
        for slug in ("budgets", "contracts", "access_requests")
        for prefix in ("", "en/")
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    catalog = make_catalog()
    written = render(out, catalog)
    return out, catalog, written


def docs(out: Path) -> dict[str, Doc]:
    return {rel: Doc(out / rel) for rel in PAGES}


def is_external(url: str) -> bool:
    return bool(re.match(r"^\s*(https?:)?//", url, re.IGNORECASE))


def has_scheme(url: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url))


# --- pages ------------------------------------------------------------------


def test_writes_every_page_and_the_stylesheet(built):
    out, _, written = built
    rels = [p.relative_to(out).as_posix() for p in written]
    assert rels == [
        "index.html",
        "en/index.html",
        "datasets/budgets/index.html",
        "en/datasets/budgets/index.html",
        "datasets/contracts/index.html",
        "en/datasets/contracts/index.html",
        "datasets/access_requests/index.html",
        "en/datasets/access_requests/index.html",
        "robots.txt",
        "catalog.jsonld",
        "catalog.ttl",
        "data.json",
        "sitemap.xml",
        "assets/query.js",
        "assets/search.js",
        "assets/sort.js",
        "assets/style.css",
        *(f"{engine_path()}/{name}" for name in sorted(engine_files())),
    ]
    assert all(p.is_file() for p in written)


def test_lang_attributes(built):
    out, _, _ = built
    for rel, doc in docs(out).items():
        assert doc.lang == ("en" if rel.startswith("en/") else "es"), rel


def test_every_page_has_the_common_frame(built):
    out, _, _ = built
    for rel, doc in docs(out).items():
        assert doc.find("meta", charset="utf-8"), rel
        assert doc.find("meta", name="viewport"), rel
        assert doc.find("meta", http_equiv="Content-Security-Policy", content=CSP), rel
        assert doc.find("main", id="contenido"), rel
        assert doc.find("a", href="#contenido"), rel  # skip link
        assert doc.find("footer"), rel
        ids = [a["id"] for _, a in doc.elements if a.get("id")]
        assert len(ids) == len(set(ids)), rel
        generated = "Generated by abierto" if doc.lang == "en" else "Generado por abierto"
        assert generated in doc.text, rel
        assert ("Data licence:" if doc.lang == "en" else "Licencia de los datos:") in doc.text
    index = Doc(out / "index.html").text
    assert "Creative Commons Attribution 4.0 (CC-BY-4.0), CC0 1.0 Universal (CC0-1.0)" in index
    assert "CC0 1.0 Universal" in Doc(out / "datasets/access_requests/index.html").text


def test_demo_banner_on_every_page(built, tmp_path):
    out, catalog, _ = built
    for rel, doc in docs(out).items():
        assert doc.find("div", class_="demo-banner"), rel
        assert "Datos sintéticos de demostración / Synthetic demo data" in doc.text, rel
    real = copy.deepcopy(catalog) | {"is_demo": False}
    render(tmp_path, real)
    for rel, doc in docs(tmp_path).items():
        assert "Synthetic demo data" not in doc.text, rel


def test_language_switch_links_to_the_same_page_in_the_other_language(built):
    out, _, _ = built
    pages = docs(out)
    for rel, doc in pages.items():
        switch = [a for a in doc.find("a") if a.get("hreflang")]
        assert len(switch) == 1, rel
        target = (out / rel).parent / switch[0]["href"]
        assert target.is_file(), rel
        target_rel = target.resolve().relative_to(out.resolve()).as_posix()
        assert pages[target_rel].lang == switch[0]["hreflang"] != doc.lang
        assert target_rel == (rel.removeprefix("en/") if doc.lang == "en" else f"en/{rel}")


def test_every_relative_link_resolves(built):
    out, catalog, _ = built
    listed = data_paths(catalog)
    pages = docs(out)
    root = out.resolve()
    checked = 0
    for rel, doc in pages.items():
        for tag, attrs in doc.elements:
            for attr in ("href", "src"):
                url = attrs.get(attr)
                if url is None or has_scheme(url):
                    continue
                path, _, fragment = url.partition("#")
                target = ((out / rel).parent / unquote(path)).resolve() if path else out / rel
                target_rel = target.resolve().relative_to(root).as_posix()  # inside the site
                assert target.is_file() or target_rel in listed, (rel, tag, url)
                if fragment:
                    assert fragment in pages[target_rel].ids, (rel, url)
                checked += 1
    assert checked > 100


def test_index_lists_every_dataset_with_its_facts(built):
    out, catalog, _ = built
    es, en = Doc(out / "index.html"), Doc(out / "en/index.html")
    for dataset in catalog["datasets"]:
        slug = dataset["slug"]
        assert es.find("a", href=f"datasets/{slug}/index.html")
        assert en.find("a", href=f"datasets/{slug}/index.html")  # relative to en/
        assert dataset["title"]["es"] in es.text and dataset["title"]["en"] in en.text
    assert "31 de octubre de 2026" in es.text and "31 October 2026" in en.text
    assert "7.306 filas en 2 tablas" in es.text and "7,306 rows in 2 tables" in en.text
    assert "2024–2026" in es.text and "2025, 2026" in es.text
    assert "Villa Ejemplo" in es.text


# --- dataset page -----------------------------------------------------------


def test_data_dictionary_lists_every_field(built):
    out, catalog, _ = built
    for dataset in catalog["datasets"]:
        for lang, prefix in (("es", ""), ("en", "en/")):
            doc = Doc(out / f"{prefix}datasets/{dataset['slug']}/index.html")
            for res in dataset["resources"]:
                rows = [
                    a["id"]
                    for a in doc.find("tr")
                    if (a.get("id") or "").startswith(f"campo-{res['name']}-")
                ]
                assert rows == [f"campo-{res['name']}-{f['name']}" for f in res["fields"]]
                for f in res["fields"]:
                    assert f["title" if lang == "es" else "x-title-en"] in doc.text


def test_dictionary_words(built):
    out, _, _ = built
    es = Doc(out / "datasets/budgets/index.html").text
    en = Doc(out / "en/datasets/budgets/index.html").text
    for words in (
        "Número entero",
        "Texto",
        "Entre 2000 y 2100",
        "Entre 1 y 12",
        "Siempre tiene valor",
        "Parte del identificador de la fila",
        "Formato (expresión regular): ^[0-9]{5}$",
        "Publicado tal cual",
        "municipal — Gestión municipal",
        "Cada fila se identifica",
    ):
        assert words in es, words
    for words in (
        "Whole number",
        "Between 2000 and 2100",
        "Always has a value",
        "Published as is",
        "municipal — Municipal management",
    ):
        assert words in en, words
    contracts = Doc(out / "datasets/contracts/index.html").text
    assert "Omitido cuando el proveedor es persona natural" in contracts
    assert "Texto depurado de datos personales" in contracts
    assert "No se repite en la tabla" in contracts
    assert "Número decimal" in contracts and "Mínimo 0" in contracts
    requests = Doc(out / "en/datasets/access_requests/index.html").text
    assert "Generalised" in requests and "Yes / no" in requests
    assert "Date (YYYY-MM-DD)" in requests
    assert "Generalizado" in Doc(out / "datasets/access_requests/index.html").text


def test_downloads_with_human_sizes(built):
    out, _, _ = built
    es = Doc(out / "datasets/budgets/index.html")
    en = Doc(out / "en/datasets/budgets/index.html")
    assert "45,7 kB" in es.text and "45.7 kB" in en.text
    assert "12,3 kB" in es.text  # parquet and datapackage.json
    assert "1,2 MB" in Doc(out / "datasets/contracts/index.html").text
    hrefs = {a["href"] for a in es.find("a")}
    for name in ("budget_lines.csv", "budget_lines.parquet", "datapackage.json"):
        assert f"../../{RELEASE}/budgets/{name}" in hrefs
    assert es.find("a", type="text/csv", href=f"../../{RELEASE}/budgets/budget_lines.csv")
    assert f"../../../{RELEASE}/budgets/budget_lines.csv" in {a["href"] for a in en.find("a")}


def test_preview_table_is_accessible(built):
    out, catalog, _ = built
    doc = Doc(out / "datasets/budgets/index.html")
    html = (out / "datasets/budgets/index.html").read_text(encoding="utf-8")
    preview = html.split('<table class="preview">', 1)[1].split("</table>", 1)[0]
    columns = catalog["datasets"][0]["resources"][0]["preview"]["columns"]
    assert "<caption" in preview
    assert preview.count('<th scope="col"') == len(columns)
    assert preview.count("<tr>") == 1 + len(BUDGET_PREVIEW)
    assert "Primeras filas de «Líneas del presupuesto» (3 de 120 filas)" in doc.text
    assert "Bienes y servicios de consumo" in doc.text


def test_sources_quality_and_query_snippets(built):
    out, _, _ = built
    es = Doc(out / "datasets/budgets/index.html").text
    en = Doc(out / "en/datasets/budgets/index.html").text
    assert "ejecucion_presupuestaria_2026-10.csv" in es and "aaaaaaaaaaaa…" in es
    for words in (
        "Recibimos 130 filas de las fuentes.",
        "Publicamos 120 filas.",
        "6 filas quedaron en cuarentena",
        "Monto que no es un número entero: 3 filas",
        "Cuenta repetida en el mismo mes: 1 fila",
        "4 filas no contenían datos",
        "130 recibidas = 120 publicadas + 6 en cuarentena + 4 descartadas",
    ):
        assert words in es, words
    assert "We received 130 rows from the sources." in en and "Invalid date" not in en
    assert "Ninguna fila quedó en cuarentena." in Doc(out / "datasets/contracts/index.html").text
    requests = Doc(out / "en/datasets/access_requests/index.html").text
    for words in (
        "We received 414 rows from the sources.",
        "1 row was quarantined",
        "2 rows were held back for a privacy review and not published.",
        "1 row held no data",
        "Why rows were not published: Possible personal data in free text: 2 rows "
        "Invalid date: 1 row",
        "414 received = 410 published + 1 quarantined + 2 held back + 1 set aside.",
        "Release 2026-10-01",
    ):
        assert words in requests, words
    url = f"https://datos.villaejemplo.cl/{RELEASE}/budgets/budget_lines.parquet"
    assert f"FROM read_parquet('{url}')" in es
    assert f"pd.read_parquet('{url}')" in es
    html = (out / "datasets/budgets/index.html").read_text(encoding="utf-8")
    assert '<pre><code class="language-sql">SELECT *' in html


def test_query_snippet_without_site_url_uses_the_file_name(tmp_path):
    catalog = make_catalog()
    del catalog["site_url"]
    render(tmp_path, catalog)
    text = Doc(tmp_path / "datasets/budgets/index.html").text
    assert "read_parquet('budget_lines.parquet')" in text
    assert "Descarga el archivo Parquet" in text


# --- safety -----------------------------------------------------------------


def test_no_external_resources_and_no_inline_code(built):
    out, _, _ = built
    for rel, doc in docs(out).items():
        for tag, attrs in doc.elements:
            if tag in {
                "link",
                "script",
                "img",
                "iframe",
                "source",
                "video",
                "audio",
                "embed",
                "object",
                "track",
                "input",
            }:
                for attr in ("href", "src", "srcset", "data", "poster"):
                    assert not is_external(attrs.get(attr) or ""), (rel, tag, attrs)
            assert tag not in {"style", "iframe"}, (rel, tag)
            if tag == "script":  # only local files and JSON data blocks, never inline code
                assert attrs.get("src") or attrs.get("type") in DATA_BLOCKS, (rel, attrs)
            assert "style" not in attrs, (rel, tag)
            assert not any(name.startswith("on") for name in attrs), (rel, tag)
    css = (out / "assets/style.css").read_text(encoding="utf-8")
    assert "http" not in css and "@import" not in css and "url(" not in css


def test_hostile_text_is_escaped(tmp_path):
    catalog = make_catalog()
    hostile = "<script>alert(1)</script>"
    budgets = catalog["datasets"][0]
    budgets["title"] = {"es": hostile, "en": hostile}
    budgets["description"]["es"] = '"><img src=x onerror=alert(1)>'
    budgets["resources"][0]["preview"]["rows"][0][6] = "<b>negrita</b>"
    catalog["publisher"]["name"] = "Muni & <i>Co</i>"
    render(tmp_path, catalog)
    for rel, doc in docs(tmp_path).items():
        tags = {tag for tag, _ in doc.elements}
        assert not tags & {"img", "b", "i"}, rel
        scripts = [attrs for tag, attrs in doc.elements if tag == "script"]
        assert all(a.get("src") or a.get("type") in DATA_BLOCKS for a in scripts), rel
        assert "Muni & <i>Co</i>" in doc.text
    page = Doc(tmp_path / "datasets/budgets/index.html")
    assert hostile in page.text and "<b>negrita</b>" in page.text
    assert '"><img src=x onerror=alert(1)>' in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (tmp_path / "index.html").read_text("utf-8")


def test_javascript_links_are_dropped(tmp_path):
    catalog = make_catalog()
    catalog["publisher"]["url"] = "javascript:alert(1)"
    catalog["datasets"][0]["licence"]["path"] = " JaVaScRiPt:alert(document.cookie)"
    catalog["datasets"][0]["resources"][0]["files"][0]["path"] = "java\tscript:alert(1)"
    catalog["datasets"][1]["licence"] = dict(CC_BY, path="//evil.example/licence")
    render(tmp_path, catalog)
    for rel, doc in docs(tmp_path).items():
        for _, attrs in doc.elements:
            for value in attrs.values():
                assert "script:" not in (value or "").lower(), rel
                assert "evil.example" not in (value or ""), rel
        assert "Municipalidad de Villa Ejemplo" in doc.text  # the text stays, unlinked
    budgets = Doc(tmp_path / "datasets/budgets/index.html")
    assert "Creative Commons Attribution 4.0" in budgets.text
    assert "budget_lines.parquet" in {
        a["href"].rsplit("/", 1)[-1] for a in budgets.find("a") if a.get("href")
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://creativecommons.org/licenses/by/4.0/",
            "https://creativecommons.org/licenses/by/4.0/",
        ),
        ("HTTP://example.cl/x", "HTTP://example.cl/x"),
        ("mailto:transparencia@villaejemplo.cl", "mailto:transparencia@villaejemplo.cl"),
        (
            "releases/2026-11-25/budgets/budget_lines.csv",
            "../../releases/2026-11-25/budgets/budget_lines.csv",
        ),
        ("releases/x/ejecución 2026.csv", "../../releases/x/ejecuci%C3%B3n%202026.csv"),
        ("licencia.html#uso", "../../licencia.html#uso"),
        ("javascript:alert(1)", None),
        ("  JavaScript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("\x01javascript:alert(1)", None),
        ("vbscript:msgbox(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("file:///etc/passwd", None),
        ("//evil.example/x.js", None),
        ("/absolute/path.csv", None),
        ("../outside.csv", None),
        ("releases/../../outside.csv", None),
        ("releases\\x.csv", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_safe_href(url, expected):
    assert safe_href(url, "../../") == expected


# --- refusals ---------------------------------------------------------------


def _broken(change) -> dict:
    catalog = make_catalog()
    change(catalog)
    return catalog


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["datasets"][0].update(slug="../../etc"), "slug"),
        (lambda c: c["datasets"][1].update(slug="budgets"), "twice"),
        (
            lambda c: c["datasets"][2]["resources"][0]["fields"].append(
                {"name": "requester_name", "type": "string", "x-privacy": "drop"}
            ),
            "'drop'",
        ),
        (lambda c: c["datasets"][2]["resources"][0]["fields"][0].pop("x-privacy"), "None"),
        (lambda c: c["datasets"][0]["resources"][0]["preview"]["rows"][0].pop(), "preview row 1"),
        (lambda c: c.update(site_url="javascript:alert(1)//"), "site_url"),
    ],
)
def test_refuses_a_context_that_must_not_be_published(tmp_path, change, message):
    with pytest.raises(SiteError, match=re.escape(message)):
        build_site(tmp_path, _broken(change))
    assert not (tmp_path / "index.html").exists()


def test_missing_required_key_is_an_error(tmp_path):
    from jinja2 import UndefinedError

    catalog = make_catalog()
    del catalog["datasets"][0]["cadence"]
    with pytest.raises(UndefinedError):
        build_site(tmp_path, catalog)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    del catalog["datasets"][0]
    catalog["title"] = {"es": "Solo en castellano"}
    with pytest.raises(SiteError, match="no 'en' text"):
        build_site(tmp_path, catalog)


# --- determinism and formats ------------------------------------------------


def test_deterministic(tmp_path):
    first = render(tmp_path / "a", make_catalog())
    second = render(tmp_path / "b", make_catalog())
    assert [p.relative_to(tmp_path / "a") for p in first] == [
        p.relative_to(tmp_path / "b") for p in second
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a


@pytest.mark.parametrize(
    ("n_bytes", "es", "en"),
    [
        (0, "0 B", "0 B"),
        (999, "999 B", "999 B"),
        (1000, "1,0 kB", "1.0 kB"),
        (45678, "45,7 kB", "45.7 kB"),
        (999_950, "1,0 MB", "1.0 MB"),
        (1_234_567, "1,2 MB", "1.2 MB"),
        (2_500_000_000, "2,5 GB", "2.5 GB"),
    ],
)
def test_human_size(n_bytes, es, en):
    assert human_size(n_bytes, "es") == es
    assert human_size(n_bytes, "en") == en


@pytest.mark.parametrize(
    ("value", "es", "en"),
    [
        (7, "7", "7"),
        (1234, "1.234", "1,234"),
        (1234567, "1.234.567", "1,234,567"),
        (-1500, "-1.500", "-1,500"),
        (2.5, "2,5", "2.5"),
        (1234.25, "1.234,25", "1,234.25"),
        (0.1 + 0.2, "0,3", "0.3"),
        (3.0, "3", "3"),
    ],
)
def test_format_number(value, es, en):
    assert format_number(value, "es") == es
    assert format_number(value, "en") == en


def test_every_text_exists_in_both_languages():
    for table in (site_words.STRINGS, site_words.PLURALS, site_words.TYPES):
        assert table["es"].keys() == table["en"].keys()
    assert len(site_words.MONTHS["es"]) == len(site_words.MONTHS["en"]) == 12
    assert all(set(texts) == set(site_words.LANGS) for texts in site_words.PRIVACY.values())


def test_privacy_words_cover_every_publishable_rule():
    assert set(site_words.PRIVACY) == schemas.PRIVACY_RULES - {"drop"}


def test_renders_the_real_published_schemas(tmp_path):
    """Every published field of every canonical table gets a dictionary row."""
    catalog = make_catalog()
    for dataset in catalog["datasets"]:
        for res in dataset["resources"]:
            descriptor = schemas.public_descriptor(res["name"])
            res["fields"] = descriptor["fields"]
            res["primaryKey"] = descriptor.get("primaryKey", [])
            res["foreignKeys"] = descriptor.get("foreignKeys", [])
            res["preview"] = {"columns": [f["name"] for f in res["fields"]], "rows": []}
    render(tmp_path, catalog)
    for dataset in catalog["datasets"]:
        doc = Doc(tmp_path / f"en/datasets/{dataset['slug']}/index.html")
        for res in dataset["resources"]:
            for f in res["fields"]:
                assert f"campo-{res['name']}-{f['name']}" in doc.ids
        assert "This table has no rows." in doc.text
    assert (
        "Must exist in “comunas”, field comuna_code"
        in Doc(tmp_path / "en/datasets/budgets/index.html").text
    )


def test_the_documented_policy_is_the_one_served_and_the_one_in_the_pages():
    from pipelines.cli import CSP as SERVED

    assert SERVED == CSP + "; frame-ancestors 'none'"  # a <meta> policy cannot set it
    hosting = (Path(__file__).parents[2] / "docs/hosting.md").read_text("utf-8")
    assert f"Content-Security-Policy: {SERVED}\n" in hosting
    assert hosting.count(f'add_header Content-Security-Policy "{SERVED}" always;') == 2
