"""The citizen's side of comuna and dataset pages: the request portal and the problem report.

The report is a ``mailto:`` URL (RFC 6068): whatever a comuna or dataset is called, it
must reach exactly the publisher, with exactly a subject and a body that name the data.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from datasets.municipalities import load_installation
from publish.site.citizen import NATIONAL_PORTAL, report_mailto
from tests.datasets.test_municipalities import entry, write
from tests.publish.conftest import DEMO_RELEASE
from tests.publish.test_site import Doc, make_catalog, render

HOSTILE = [
    'Villa <script>alert(1)</script> "x"',
    "A&cc=evil@attacker.example&bcc=x?subject=pwned#frag",
    "Ñuñoa «centro» 100% %0D%0ABcc: evil@attacker.example",
    "Línea\r\nBcc: evil@attacker.example",
]
VILLA_PORTAL = "https://villaejemplo.cl/transparencia/solicitudes"


def parse_mailto(url: str) -> tuple[str, dict[str, str]]:
    """(recipient, {field: decoded value}); fails on a repeated or unexpected field."""
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and not parts.fragment
    fields = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert set(fields) == {"subject", "body"}
    assert all(len(values) == 1 for values in fields.values())
    return unquote(parts.path), {k: v[0] for k, v in fields.items()}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_stays_inside_the_body_and_subject(name):
    url = report_mailto(
        "transparencia@muni.example",
        release_id="2026-11-25",
        dataset={"slug": "budgets", "title": {"es": name, "en": name}},
        comuna={"code": "99901", "name": name},
        page_url="https://datos.muni.example/datasets/budgets/",
    )
    # Nothing a mail client could read as structure: no raw space, break, '#', or a
    # second '?' / '&' beyond the two fields.
    assert not re.search(r"[\s#<>\"]", url)
    assert url.count("?") == 1 and url.count("&") == 1
    to, fields = parse_mailto(url)
    assert to == "transparencia@muni.example"
    assert fields["subject"].startswith("Problema con los datos / Problem with the data: ")
    assert f"{name} (budgets)" in fields["subject"]
    assert f"{name} (CUT 99901)" in fields["subject"]
    lines = fields["body"].split("\r\n")
    # the name's own line break (if any) is the only one added inside a line
    assert f"Conjunto de datos / Dataset: {name} (budgets)" in fields["body"]
    assert f"Comuna: {name} (CUT 99901)" in fields["body"]
    assert "Versión / Release: 2026-11-25" in lines
    assert "Página / Page: https://datos.muni.example/datasets/budgets/" in lines
    assert "Describe the problem (which file, row and column; what you expected to find):" in lines


def test_a_report_without_a_comuna_asks_which():
    _, fields = parse_mailto(
        report_mailto(
            "a@b.example",
            release_id="2026-11-25",
            dataset={"slug": "contracts", "title": {"es": "Órdenes", "en": "Orders"}},
        )
    )
    assert "Comuna: (indique cuál / please say which)" in fields["body"]
    assert "Página" not in fields["body"]  # no address without the site's


def catalog_with(contacts: dict, comunas: list[dict], email: str | None = None) -> dict:
    catalog = make_catalog()
    catalog["contacts"] = contacts
    catalog["comunas"] = [{**c, "datasets": []} for c in comunas]
    if email:
        catalog["publisher"]["email"] = email
    return catalog


def contact(url: str | None, email: str = "transparencia@villaejemplo.cl") -> dict:
    return {"request_url": url, "publisher": {"name": "Municipalidad", "email": email}}


def citizen_links(doc: Doc) -> tuple[list[str], list[str]]:
    """(request-portal hrefs, mailto hrefs) of a page's citizen section."""
    hrefs = [a["href"] for a in doc.find("a") if a.get("href")]
    mailtos = [h for h in hrefs if h.startswith("mailto:")]
    portals = [h for h in hrefs if h in (VILLA_PORTAL, NATIONAL_PORTAL)]
    return portals, mailtos


def test_a_comuna_page_links_its_own_portal_and_reports_to_its_publisher(tmp_path):
    villa = {"code": "99901", "name": "Villa Ejemplo"}
    render(tmp_path, catalog_with({"99901": contact(VILLA_PORTAL)}, [villa]))
    for rel, lang in (("comunas/99901/index.html", "es"), ("en/comunas/99901/index.html", "en")):
        doc = Doc(tmp_path / rel)
        portals, mailtos = citizen_links(doc)
        assert portals == [VILLA_PORTAL]
        (mailto,) = mailtos
        to, fields = parse_mailto(mailto)
        assert to == "transparencia@villaejemplo.cl"
        assert "Comuna: Villa Ejemplo (CUT 99901)" in fields["body"]
        assert (
            "Conjunto de datos / Dataset: todos los de la comuna / all of the comuna's"
            in (fields["body"])
        )
        # a comuna page names no release: it stays the same page across releases
        # (publish.site.comunas); its address and dates say what the reader saw
        assert "Versión / Release" not in fields["body"]
        assert "2026-11-25" not in doc.text
        address = "https://datos.villaejemplo.cl/" + rel.removesuffix("index.html")
        assert f"Página / Page: {address}" in fields["body"]
        if lang == "es":
            assert "¿No encuentras lo que buscas?" in doc.text
            assert "Reportar un problema con estos datos" in doc.text
            assert "Portal de solicitudes de Villa Ejemplo" in doc.text
        else:
            assert "Report a problem with this data" in doc.text
            assert "Villa Ejemplo's request portal" in doc.text


def test_without_a_portal_the_page_says_so_and_links_the_national_one(tmp_path):
    villa = {"code": "99901", "name": "Villa Ejemplo"}
    render(tmp_path, catalog_with({"99901": contact(None)}, [villa]))
    doc = Doc(tmp_path / "comunas/99901/index.html")
    assert citizen_links(doc)[0] == [NATIONAL_PORTAL]
    assert "Villa Ejemplo no ha indicado en este catálogo un portal de solicitudes propio" in (
        doc.text
    )
    # A dataset of that comuna says the same, and reports the dataset by name.
    doc = Doc(tmp_path / "datasets/budgets/index.html")
    portals, (mailto,) = citizen_links(doc)
    assert portals == [NATIONAL_PORTAL]
    _, fields = parse_mailto(mailto)
    assert "Conjunto de datos / Dataset: Presupuesto municipal (budgets)" in fields["body"]
    assert "Comuna: Villa Ejemplo (CUT 99901)" in fields["body"]


def test_a_dataset_of_several_comunas_lists_each_portal(tmp_path):
    catalog = catalog_with(
        {"99901": contact(VILLA_PORTAL), "13101": contact(None, "oirs@santiago.example")},
        [],
        email="datos@catalogo.example",
    )
    catalog["datasets"][0]["municipalities"] = [
        {"code": "99901", "name": "Villa Ejemplo"},
        {"code": "13101", "name": "Santiago"},
    ]
    render(tmp_path, catalog)
    doc = Doc(tmp_path / "datasets/budgets/index.html")
    portals, (mailto,) = citizen_links(doc)
    assert portals == [VILLA_PORTAL, NATIONAL_PORTAL]
    assert "Portales de solicitudes de las 2 comunas" in doc.text
    assert "Santiago: Portal de Transparencia del Estado (sin portal propio indicado)" in doc.text
    to, fields = parse_mailto(mailto)
    assert to == "datos@catalogo.example"  # the catalog's publisher: no single comuna
    assert "Comuna: (indique cuál / please say which)" in fields["body"]


def test_no_email_no_link_but_says_whom_to_write(tmp_path):
    render(tmp_path, make_catalog())  # no contacts, no publisher e-mail
    doc = Doc(tmp_path / "datasets/budgets/index.html")
    assert citizen_links(doc) == ([NATIONAL_PORTAL], [])
    assert "Para reportar un problema con estos datos, escribe a Municipalidad de Villa" in (
        doc.text
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_comuna_name_is_escaped_in_the_page_and_encoded_in_the_link(tmp_path, name):
    hostile = {"code": "99901", "name": name}
    render(tmp_path, catalog_with({"99901": contact(VILLA_PORTAL)}, [hostile]))
    path = tmp_path / "comunas/99901/index.html"
    doc = Doc(path)
    assert not [tag for tag, _ in doc.elements if tag == "script" and not _.get("src")]
    assert not re.search(r"<script>alert|\r\nBcc", path.read_text("utf-8"))
    (mailto,) = citizen_links(doc)[1]
    to, fields = parse_mailto(mailto)  # the parser un-escapes &amp; as a browser does
    assert to == "transparencia@villaejemplo.cl"
    assert f"Comuna: {name} (CUT 99901)" in fields["body"]


# --- the installation's field -------------------------------------------------


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://muni.example/solicitudes", "https://muni .example/"]
)
def test_a_bad_request_portal_refuses_the_entry_alone(tmp_path, url):
    path = write(tmp_path, [entry("99901"), entry("99902", transparency_request_url=url)])
    installation = load_installation(path)
    assert [m.cut for m in installation.municipalities] == ["99901"]
    (refused,) = installation.refused
    assert refused.field == "transparency_request_url" and "http(s) URL" in refused.en
    assert installation.municipality("99901").transparency_request_url is None  # optional


def test_the_demo_comuna_has_a_request_portal():
    villa = load_installation().municipality("99901")
    assert villa.transparency_request_url == (
        "https://villaejemplo.example/transparencia/solicitudes"
    )


def test_the_demo_release_links_the_portal_and_reports_with_its_release(demo_site: Path):
    # (this fixture publishes no comuna pages; the browser tests' demo run has them)
    for rel in (
        f"{lang}datasets/{slug}/index.html"
        for slug in ("budgets", "contracts", "access_requests")
        for lang in ("", "en/")
    ):
        doc = Doc(demo_site / rel)
        hrefs = [a["href"] for a in doc.find("a") if a.get("href")]
        assert "https://villaejemplo.example/transparencia/solicitudes" in hrefs, rel
        (mailto,) = [h for h in hrefs if h.startswith("mailto:")]
        to, fields = parse_mailto(mailto)
        assert to == "transparencia@villaejemplo.example"
        assert f"Versión / Release: {DEMO_RELEASE}" in fields["body"]
        assert "Comuna: Villa Ejemplo (CUT 99901)" in fields["body"]
