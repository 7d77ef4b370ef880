"""The private validation page of a source file in a real browser: accessible, and a
hostile cell written in the export runs nothing (the page is opened from disk)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.browser.conftest import HOSTILE_TITLE, axe_audit
from tests.quality.test_file_report import BREAKS, FIXTURE, break_cells

QUOTED = '"' + HOSTILE_TITLE.replace('"', '""') + '"'  # one CSV cell, `;` and all


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    export = break_cells(
        FIXTURE, folder / FIXTURE.name, BREAKS | {(5, "codigoProductoONU"): QUOTED}
    )
    page = folder / "informe.html"
    args = ["validate", str(export), "--dataset", "contracts", "--html", str(page)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    return page


def test_a_script_written_in_the_export_runs_nothing(report_page, watched):
    page = watched.page
    page.goto(report_page.as_uri())
    assert page.evaluate("() => window.__pwned") is None
    assert HOSTILE_TITLE in page.text_content("main")
    assert watched.dialogs == [] and watched.errors == []
    assert watched.requests == [report_page.as_uri()]  # self-contained


def test_no_serious_accessibility_violations(report_page, watched_for_axe):
    page = watched_for_axe.page
    page.goto(report_page.as_uri())
    serious, passes = axe_audit(page)
    assert serious == [], json.dumps(serious, indent=1)
    assert passes, "axe ran no rule"
