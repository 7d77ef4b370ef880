"""The release's DuckDB file works from anywhere and in older DuckDB releases.

The older DuckDB (1.4 LTS, with its httpfs extension from PyPI) lives in a venv of its
own, `tests/venvs/duckdb-1.4` (made by `tests/venvs/setup.sh`).
"""

from __future__ import annotations

import csv
import functools
import http.server
import json
import struct
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from publish.duckdb_release import FILE_NAME, STORAGE_VERSION_NUMBER, release_url
from tests.publish.conftest import DEMO_RELEASE

VENVS = Path(__file__).resolve().parents[1] / "venvs"
SITE_URL = "https://datos.villaejemplo.example/"


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_views_read_the_release_from_the_site_by_default(demo_site):
    with duckdb.connect(str(demo_site / "latest" / FILE_NAME), read_only=True) as con:
        sql = con.execute(
            "select sql from duckdb_views() where view_name = 'purchase_orders'"
        ).fetchall()[0][0]
    base = release_url(SITE_URL, DEMO_RELEASE)
    assert base == f"{SITE_URL}releases/{DEMO_RELEASE}"
    assert f"COALESCE(getvariable('abierto_base'), '{base}')" in sql


def test_opened_from_any_folder_with_a_local_copy(demo_site, tmp_path):
    """Offline, from another working directory: abierto_base names the copy."""
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "con.execute('set variable abierto_base = ?', [sys.argv[2]])\n"
        "print(con.execute('select count(*) from purchase_orders').fetchall()[0][0])\n"
    )
    release = demo_site / "releases" / DEMO_RELEASE
    out = subprocess.run(
        [sys.executable, "-c", script, str(demo_site / "latest" / FILE_NAME), str(release)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == csv_rows(release / "contracts" / "purchase_orders.csv")


def test_the_file_is_in_the_storage_version_duckdb_1_2_reads(demo_site):
    header = (demo_site / "latest" / FILE_NAME).read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert struct.unpack("<Q", header[12:20])[0] == STORAGE_VERSION_NUMBER == 65


@pytest.fixture(scope="module")
def served(demo_site):
    """The demo site over HTTP on a free local port."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(demo_site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()


def test_duckdb_1_4_attaches_the_file_over_http_and_reads_every_view(demo_site, served):
    subprocess.run(["bash", str(VENVS / "setup.sh"), "duckdb-1.4"], check=True)
    script = (
        "import duckdb, json, pathlib, sys\n"
        "import duckdb_ext\n"
        "ext = next(pathlib.Path(duckdb_ext.__path__[0]).rglob('httpfs.duckdb_extension'))\n"
        "con = duckdb.connect()\n"
        "con.execute(f\"load '{ext}'\")\n"
        "con.execute(f\"attach '{sys.argv[1]}/latest/abierto.duckdb' as abierto (read_only)\")\n"
        "con.execute('set variable abierto_base = ?', [sys.argv[2]])\n"
        'views = [r[0] for r in con.execute("select view_name from duckdb_views() "\n'
        "    \"where database_name = 'abierto' and not internal\").fetchall()]\n"
        "counts = {v: con.execute(f'select count(*) from abierto.{v}').fetchall()[0][0]\n"
        "    for v in views}\n"
        "print(json.dumps({'version': duckdb.__version__, 'counts': counts}))\n"
    )
    base = f"{served}/releases/{DEMO_RELEASE}"
    out = subprocess.run(
        [str(VENVS / "duckdb-1.4/.venv/bin/python"), "-c", script, served, base],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["version"].startswith("1.4.")
    release = demo_site / "releases" / DEMO_RELEASE
    assert result["counts"]["purchase_orders"] == csv_rows(
        release / "contracts" / "purchase_orders.csv"
    )
    assert result["counts"]["budget_lines"] == csv_rows(release / "budgets" / "budget_lines.csv")
    assert len(result["counts"]) >= 6


def test_the_dataset_page_shows_how_to_attach_the_file(demo_site):
    page = (demo_site / "datasets" / "contracts" / "index.html").read_text("utf-8")
    assert f"ATTACH &#39;{SITE_URL}latest/abierto.duckdb&#39; AS abierto (READ_ONLY);" in page
    assert "SELECT * FROM abierto.purchase_orders LIMIT 10;" in page
