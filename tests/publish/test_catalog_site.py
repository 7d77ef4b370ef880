"""The demo catalog end to end: metadata, charts and freshness from the real pipeline."""

from __future__ import annotations

import hashlib
import json
import re

import rdflib
from rdflib import namespace as ns

from tests.pipelines.test_end_to_end import run_everything
from tests.publish.test_metadata import pod_validator

SITE_URL = "https://datos.villaejemplo.example/"
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")


def test_demo_catalog_metadata_charts_and_freshness(demo_home):
    run_everything(demo_home)
    site = demo_home.site
    data = json.loads((site / "data.json").read_text("utf-8"))
    assert list(pod_validator().iter_errors(data)) == []
    assert len(data["dataset"]) == 4  # budgets, contracts, access_requests, indicators

    g = rdflib.Graph().parse(site / "catalog.ttl", format="turtle")
    checked = 0
    for dist in g.subjects(ns.RDF.type, ns.DCAT.Distribution):
        path = site / str(g.value(dist, ns.DCAT.downloadURL)).removeprefix(SITE_URL)
        assert path.is_file(), path
        assert int(g.value(dist, ns.DCAT.byteSize)) == path.stat().st_size
        checksum = g.value(dist, SPDX.checksum)
        if checksum is not None:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert str(g.value(checksum, SPDX.checksumValue)) == digest
            checked += 1
    assert checked >= 4

    for slug, chart in (
        ("budgets", "presupuesto-por-subtitulo"),
        ("budgets", "presupuesto-por-mes"),  # September and October: a monthly series
        ("contracts", "ordenes-por-modalidad"),  # one month only: by method
        ("access_requests", "solicitudes-en-plazo"),
    ):
        for lang in ("es", "en"):
            svg = (site / f"datasets/{slug}/{chart}.{lang}.svg").read_text("utf-8")
            assert svg.startswith("<svg")
    page = (site / "datasets/budgets/index.html").read_text("utf-8")
    assert "Próxima actualización" in page and "15 de diciembre de 2026" in page
    assert "21 Gastos en personal" in page  # the table behind the budget chart
    assert re.search(r"\d+ líneas presupuestarias</dd>", page)  # the grain's words
    contracts = (site / "en/datasets/contracts/index.html").read_text("utf-8")
    assert re.search(r"\d+ purchase orders and \d+ order lines</dd>", contracts)
