"""A national file landed once publishes each comuna's own rows, through Dagster."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import duckdb
import yaml

from datasets.municipalities import load_installation
from datasets.samples import national
from pipelines import steps
from pipelines.automation import landing_sensor
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all

CUTS = {"13101": "Santiago", "13505": "San Pedro"}


def write_installation(path):
    municipalities = [
        {
            "cut": cut,
            "name": name,
            "region_code": "13",
            "publisher": {
                "name": f"Municipalidad de {name}",
                "url": "https://example.org",
                "email": "transparencia@example.org",
            },
            "datasets": ["contracts"],
        }
        for cut, name in CUTS.items()
    ]
    catalog = {
        "title": {"es": "Datos abiertos", "en": "Open data"},
        "description": {"es": "Prueba nacional", "en": "National test"},
    }
    path.write_text(yaml.safe_dump({"catalog": catalog, "municipalities": municipalities}))
    return path


def land(tmp_path):
    home = Home(tmp_path / "abierto")
    landed = home.landing / "_national" / "contracts" / national.FILE_NAME
    landed.parent.mkdir(parents=True)
    shutil.copyfile(national.SAMPLES_DIR / "_national" / "contracts" / national.FILE_NAME, landed)
    return home, write_installation(tmp_path / "municipalities.yaml")


def test_a_landed_national_file_runs_every_comuna_of_the_dataset_once(tmp_path):
    home, installation = land(tmp_path)
    resource = AbiertoResource(home_dir=str(home.root), installation_file=str(installation))
    cursor, requests = None, []
    for _ in range(3):
        context = dg.build_sensor_context(cursor=cursor, resources={"abierto": resource})
        result = landing_sensor(context)
        cursor = result.cursor
        requests.append(
            sorted((r.partition_key, r.tags["abierto/dataset"]) for r in result.run_requests)
        )
    # first tick: size not yet known to be stable; second: one run per comuna; then none
    assert requests == [[], [("13101", "contracts"), ("13505", "contracts")], []]


def test_each_comuna_publishes_its_rows_of_the_national_file(tmp_path):
    home, installation = land(tmp_path)
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-05"
    )
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_all(build_defs(installation), resource, instance)
    assert outcome.catalog_ok and not outcome.comunas_failed

    state = json.loads((home.site / "catalog.json").read_text("utf-8"))
    contracts = [r for r in state["comunas"] if r["dataset"] == "contracts"]
    assert {(r["comuna_code"], r["status"]) for r in contracts} == {
        (cut, "published") for cut in CUTS
    }
    release = home.site / "releases" / "2026-11-05" / "contracts"
    orders = release / "purchase_orders.parquet"
    items = release / "purchase_order_items.parquet"
    units = duckdb.sql(
        f"select comuna_code, list(distinct split_part(order_id, '-', 1) order by 1) "
        f"from '{orders}' group by 1"
    ).fetchall()
    # Santiago gets its unit's orders; San Pedro its own, not San Pedro de la Paz's (3104)
    assert dict(units) == {"13101": ["3101"], "13505": ["3103"]}
    lines = duckdb.sql(
        f"select o.comuna_code, count(*) from '{items}' i join '{orders}' o using (order_id) "
        "group by 1"
    ).fetchall()
    split = json.loads(
        (home.national_reports("contracts") / f"{national.FILE_NAME}.routing.json").read_text()
    )
    assert dict(lines) == {cut: split["routed"][cut] for cut in CUTS}
    assert split["balanced"] and split["unmatched"]["unknown-municipal-buyer"] == 14


def test_a_national_file_that_cannot_be_split_is_a_rejected_file_of_every_comuna(tmp_path):
    home, installation = land(tmp_path)
    landed = home.national_files("contracts")[0]
    landed.write_bytes(landed.read_bytes().replace(b";RutUnidadCompra;", b";Rut;", 1))
    result = steps.ingest(home, load_installation(installation), "contracts")
    assert result.sources == [] and result.routing == []
    assert [(r["comuna_code"], r["type"], r["column"]) for r in result.rejected] == [
        (cut, "header-error", "RutUnidadCompra") for cut in CUTS
    ]


def test_a_symlink_in_the_national_landing_is_refused_without_being_followed(tmp_path):
    home, installation = land(tmp_path)
    landed = home.national_files("contracts")[0]
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes(landed.read_bytes())
    landed.unlink()
    (landed.parent / "ordenes_de_compra_nacional_2026-11.csv").symlink_to(outside)
    assert home.national_files("contracts") == []
    assert [p.name for p in home.national_refused("contracts")] == [
        "ordenes_de_compra_nacional_2026-11.csv"
    ]
    result = steps.ingest(home, load_installation(installation), "contracts")
    assert result.sources == [] and result.routing == []
    assert [(r["comuna_code"], r["type"]) for r in result.rejected] == [
        (cut, "unsafe-file") for cut in CUTS
    ]
    assert "symbolic link" in result.rejected[0]["message_en"]
    assert not (home.warehouse / "national").exists()  # nothing was split


def test_splits_of_files_no_longer_landed_are_pruned_after_a_run(tmp_path):
    home, installation = land(tmp_path)
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date="2026-11-02"
    )
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_all(build_defs(installation), resource, instance).success
    splits = lambda: sorted(  # noqa: E731
        p.name for p in (home.warehouse / "national").iterdir() if not p.name.startswith(".")
    )
    (first,) = splits()
    # next month's file replaces October's
    landed = home.national_files("contracts")[0]
    newer = landed.with_name("ordenes_de_compra_nacional_2026-11.csv")
    newer.write_bytes(landed.read_bytes().replace(b"2026-10-", b"2026-11-"))
    landed.unlink()
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation), run_date="2026-12-02"
    )
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_all(build_defs(installation), resource, instance).success
    (second,) = splits()
    assert second != first
    memo = home.warehouse / "national" / ".sha256"
    assert {p.read_text("ascii").strip() for p in memo.iterdir()} == {second}
