"""Releases on real pipeline output: idempotence, ids, rollback, changelog, DuckDB, crashes.

Packages are built once per module from the bundled demo exports (variant A) and from a
hand-edited copy (variant B: one budget line removed, one added, two edited, one of them
to a formula-like name and a negative amount).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from datasets.descriptor import SLUGS
from datasets.errors import AbiertoError, PublishBlocked
from datasets.municipalities import load_installation
from pipelines import steps
from pipelines.cli import app, seed_demo
from pipelines.home import Home
from publish.catalog import PUBLISHED, build_package, publish_release, renderer
from publish.duckdb_release import FILE_NAME as DUCKDB_FILE
from publish.integrity import verify_folder
from publish.publication import rollback
from publish.release import CRASH_ENV, STEPS, Archive

ROOT = Path(__file__).resolve().parents[2]
DATE = "2026-11-23"
BUDGET_KEY = ["comuna_code", "fiscal_year", "month", "area", "account_code"]


def _prepared(home: Home) -> dict[str, steps.PreparedDataset]:
    installation = load_installation()
    prepared = {}
    for slug in SLUGS:
        ingested = steps.ingest(home, installation, slug)
        validated = steps.validate(ingested, installation, home.quarantine)
        prepared[slug] = steps.prepare(validated, installation, as_of=dt.date(2026, 11, 23))
    return prepared


def _edit_budgets(dataset: steps.PreparedDataset) -> dict[str, list]:
    """Variant B: returns the keys of the rows removed, added and changed."""
    frame = dataset.tables["budget_lines"].copy()
    key = lambda i: [frame.at[i, k] for k in BUDGET_KEY]  # noqa: E731
    removed, edited, negative = key(0), key(1), key(2)
    frame.at[1, "account_name"] = '=HYPERLINK("http://example.com")'
    frame.at[1, "amount_paid_clp"] = int(frame.at[1, "amount_paid_clp"]) + 1000
    frame.at[2, "amount_current_clp"] = -1500
    added_row = frame.iloc[[3]].assign(fiscal_year=2019)
    added = [added_row.iloc[0][k] for k in BUDGET_KEY]
    frame = frame.drop(index=0)
    dataset.tables["budget_lines"] = pd.concat([frame, added_row]).reset_index(drop=True)
    return {"removed": removed, "added": added, "changed": [edited, negative]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Pickled built packages of variants A and B, and the keys edited in B."""
    folder = tmp_path_factory.mktemp("built")
    home = Home(folder / "home")
    seed_demo(home)
    installation = load_installation()
    prepared = _prepared(home)
    variants = {}
    edits = {}
    for name in ("a", "b"):
        datasets = prepared if name == "a" else _prepared(home)
        if name == "b":
            edits = _edit_budgets(datasets["budgets"])
        packages = [
            build_package(
                datasets[slug],
                installation,
                folder / name / slug,
                release_id=DATE,
                generated_on=dt.date(2026, 11, 23),
            )
            for slug in SLUGS
        ]
        variants[name] = folder / f"{name}.pkl"
        variants[name].write_bytes(pickle.dumps(packages))
    return variants, edits


@pytest.fixture(scope="module")
def template_a(built, tmp_path_factory):
    """A home where variant A is published (copied by tests that start from it)."""
    home = tmp_path_factory.mktemp("template") / "home"
    publish(home, load(built, "a"))
    return home


def home_with_a(template_a: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(template_a, home, symlinks=True)
    return home


def load(built, name):
    return pickle.loads(built[0][name].read_bytes())


def publish(home: Path, packages, date=DATE):
    return publish_release(
        home / "site",
        load_installation(),
        packages,
        release_id=date,
        generated_on=dt.date.fromisoformat(date[:10]),
    )


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_serves_a_complete_release(home: Path) -> str:
    archive = Archive(home)
    current = archive.current()
    assert current in archive.ids()
    assert verify_folder(archive.releases / current) == []
    assert verify_folder(home / "site" / "latest") == []
    assert verify_folder(home / "site" / "releases" / current) == []
    for slug in SLUGS:
        assert (home / "site" / "datasets" / slug / "index.html").is_file()
    return current


def test_same_inputs_give_byte_identical_files_and_no_new_release(built, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert publish(one, load(built, "a")).is_new
    assert publish(two, load(built, "a")).is_new
    first, second = files(one / "releases" / DATE), files(two / "releases" / DATE)
    assert first == second  # including abierto.duckdb, .xlsx and SHA256SUMS
    assert files(one / "site" / "datasets") == files(two / "site" / "datasets")

    again = publish(one, load(built, "a"), date="2026-11-30")
    assert not again.is_new and again.release_id == DATE
    assert Archive(one).ids() == [DATE]
    assert files(one / "releases" / DATE) == first


def test_a_second_release_on_the_same_day_gets_a_suffix(built, tmp_path):
    publish(tmp_path, load(built, "a"))
    outcome = publish(tmp_path, load(built, "b"))
    assert outcome.release_id == f"{DATE}.2"
    assert Archive(tmp_path).ids() == [DATE, f"{DATE}.2"]
    manifest = Archive(tmp_path).manifest(f"{DATE}.2")
    assert manifest["previous_release"] == DATE
    package = json.loads(
        (tmp_path / "releases" / f"{DATE}.2" / "budgets" / "datapackage.json").read_text()
    )
    assert package["version"] == f"{DATE}.2"


def test_changelog_lists_the_known_edits(built, template_a, tmp_path):
    home = home_with_a(template_a, tmp_path)
    publish(home, load(built, "b"))
    folder = home / "releases" / f"{DATE}.2"
    rows = list(csv.DictReader((folder / "budgets" / "changes.csv").open(encoding="utf-8")))
    edits = built[1]

    def key(values):
        return json.loads(json.dumps(dict(zip(BUDGET_KEY, values, strict=True)), default=int))

    by_change = {}
    for row in rows:
        by_change.setdefault(row["change"], []).append(row)
    assert [json.loads(r["key"]) for r in by_change["added"]] == [key(edits["added"])]
    assert [json.loads(r["key"]) for r in by_change["removed"]] == [key(edits["removed"])]
    changed = {json.dumps(json.loads(r["key"])): r for r in by_change["changed"]}
    assert set(changed) == {json.dumps(key(k)) for k in edits["changed"]}
    first = changed[json.dumps(key(edits["changed"][0]))]
    assert first["changed_fields"] == "account_name;amount_paid_clp"
    assert json.loads(first["after"])["account_name"] == '=HYPERLINK("http://example.com")'
    second = changed[json.dumps(key(edits["changed"][1]))]
    assert second["changed_fields"] == "amount_current_clp"
    assert json.loads(second["after"]) == {"amount_current_clp": -1500}
    for slug in ("contracts", "access_requests"):
        assert (folder / slug / "changes.csv").read_text() == (
            "resource,change,key,changed_fields,before,after\n"
        )
    # unchanged files are hard links to the previous release's, changed ones are new
    before = home / "releases" / DATE
    for name in ("contracts/purchase_orders.csv", "contracts/purchase_orders.xlsx"):
        assert (folder / name).samefile(before / name)
    for name in ("budgets/budget_lines.csv", "budgets/datapackage.json"):
        assert not (folder / name).samefile(before / name)
    assert not verify_folder(before) and not verify_folder(folder)
    notes = (folder / "CHANGES.md").read_text()
    assert (
        "- budget_lines: 1 filas nuevas / rows added, 1 eliminadas / removed, 2 modificadas"
        in notes
    )
    # spreadsheet-safe CSV, exact Parquet, negative numbers untouched
    lines = (folder / "budgets" / "budget_lines.csv").read_text()
    assert '\'=HYPERLINK(""http://example.com"")' in lines and ",-1500," in lines
    with duckdb.connect() as con:
        names = con.execute(
            "select account_name from read_parquet(?) where account_name like '=%'",
            [str(folder / "budgets" / "budget_lines.parquet")],
        ).fetchall()
    assert names == [('=HYPERLINK("http://example.com")',)]


def test_rollback_serves_an_earlier_release_and_outlives_unchanged_runs(
    built, template_a, tmp_path
):
    home = home_with_a(template_a, tmp_path)
    publish(home, load(built, "b"))
    archive = Archive(home)
    assert archive.current() == f"{DATE}.2"
    assert rollback(home / "site", None, renderer(load_installation())) == DATE
    assert assert_serves_a_complete_release(home) == DATE
    assert json.loads((home / "site" / "catalog.json").read_text())["release_id"] == DATE
    publish(home, load(built, "b"), date="2026-11-24")  # same inputs as the newest
    assert archive.current() == DATE and archive.ids() == [DATE, f"{DATE}.2"]
    result = CliRunner().invoke(app, ["rollback", f"{DATE}.2", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert assert_serves_a_complete_release(home) == f"{DATE}.2"
    result = CliRunner().invoke(app, ["rollback", "2020-01-01", "--home", str(home)])
    assert result.exit_code == 1 and "there is no release 2020-01-01" in result.output
    assert len(list((home / ".site-builds").iterdir())) == 1


def test_verify_command_catches_a_one_byte_change(built, template_a, tmp_path):
    home = home_with_a(template_a, tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["verify", "--home", str(home)]).exit_code == 0
    copy = tmp_path / "download"
    shutil.copytree(home / "site" / "latest", copy)
    assert runner.invoke(app, ["verify", str(copy)]).exit_code == 0
    path = copy / "contracts" / "purchase_orders.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = runner.invoke(app, ["verify", str(copy)])
    assert result.exit_code == 1
    assert "contracts/purchase_orders.parquet" in result.output
    listing = runner.invoke(app, ["releases", "--home", str(home)])
    assert listing.exit_code == 0 and DATE in listing.output


def test_duckdb_file_has_a_view_per_resource_with_csv_row_counts(built, template_a, tmp_path):
    home = home_with_a(template_a, tmp_path)
    latest = home / "site" / "latest"
    with duckdb.connect(str(latest / DUCKDB_FILE), read_only=True) as con:
        con.execute("set variable abierto_base = ?", [str(latest)])
        views = [
            r[0]
            for r in con.execute(
                "select view_name from duckdb_views() where not internal order by 1"
            ).fetchall()
        ]
        expected = {"comunas"}
        for slug in PUBLISHED:
            package = json.loads((latest / slug / "datapackage.json").read_text())
            for resource in package["resources"]:
                name = resource["name"]
                if name == "comunas":
                    continue
                view = f"changes_{slug}" if name == "changes" else name
                expected.add(view)
                with (latest / slug / resource["path"]).open(encoding="utf-8") as handle:
                    csv_rows = sum(1 for _ in csv.reader(handle)) - 1
                assert con.execute(f"select count(*) from {view}").fetchone()[0] == csv_rows
        assert set(views) == expected
        comment = con.execute(
            "select comment from duckdb_columns() where table_name = 'purchase_orders' "
            "and column_name = 'amount_total_clp'"
        ).fetchone()[0]
        assert "CLP" in comment or "Monto" in comment
        examples = con.execute("select name, sql from example_queries order by name").fetchall()
        assert len(examples) == 4
        for _, sql in examples:
            con.execute(sql).fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("create table x (a int)")  # read-only
    # from any folder: the views read the folder named by abierto_base
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "con.execute('set variable abierto_base = ?', [sys.argv[2]]); "
        "print(con.execute('select count(*) from purchase_orders').fetchall()[0][0])"
    )
    release = home / "releases" / DATE
    out = subprocess.run(
        [sys.executable, "-c", script, str(latest / DUCKDB_FILE), str(release)],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout) > 0


def test_the_gate_refuses_a_leak_and_keeps_the_served_release(built, template_a, tmp_path):
    home = home_with_a(template_a, tmp_path)
    packages = load(built, "b")
    budgets = next(p for p in packages if p.slug == "budgets")
    budgets.dropped_values = {"HYPERLINK"}  # pretend a removed personal value is in the data
    with pytest.raises(PublishBlocked, match="budgets/budget_lines"):
        publish(home, packages)
    assert assert_serves_a_complete_release(home) == DATE
    assert Archive(home).ids() == [DATE]
    assert not list((home / "releases").glob(".staging-*"))


def test_a_second_publication_waits_for_the_lock(built, tmp_path):
    with Archive(tmp_path).lock(), pytest.raises(AbiertoError, match="another publication"):
        publish(tmp_path, load(built, "a"))


RUNNER = """
import datetime as dt, pickle, sys
from pathlib import Path
from datasets.municipalities import load_installation
from publish.catalog import publish_release
packages = pickle.loads(open(sys.argv[2], "rb").read())
publish_release(Path(sys.argv[1]) / "site", load_installation(), packages,
                release_id="2026-11-24", generated_on=dt.date(2026, 11, 24))
"""


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_at_any_step_leaves_a_complete_release_and_a_rerun_completes(
    built, template_a, tmp_path, step
):
    home = home_with_a(template_a, tmp_path)
    env = os.environ | {CRASH_ENV: step, "PYTHONPATH": str(ROOT)}
    process = subprocess.run(
        [sys.executable, "-c", RUNNER, str(home), str(built[0]["b"])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert process.returncode == -9, process.stderr[-2000:]
    served = assert_serves_a_complete_release(home)
    assert served in {DATE, "2026-11-24"}

    outcome = publish(home, load(built, "b"), date="2026-11-24")
    assert assert_serves_a_complete_release(home) == "2026-11-24" == outcome.release_id
    archive = Archive(home)
    assert archive.ids() == [DATE, "2026-11-24"]
    assert not list(archive.releases.glob(".staging-*"))
    assert len(list(archive.builds.iterdir())) == 1


def test_a_site_from_before_releases_is_replaced(built, tmp_path):
    legacy = tmp_path / "site"
    (legacy / "releases" / "2026-11-02").mkdir(parents=True)
    (legacy / "catalog.json").write_text('{"release_id": "2026-11-02", "datasets": {}}')
    assert publish(tmp_path, load(built, "a")).is_new
    assert (tmp_path / "site").is_symlink()
    assert assert_serves_a_complete_release(tmp_path) == DATE


@pytest.mark.parametrize("command", ["releases", "verify", "rollback"])
def test_release_commands_have_help_ending_in_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert f"Example: abierto {command}" in result.output


def _doc_snippet(after: str) -> str:
    text = (ROOT / "docs" / "releases.md").read_text("utf-8")
    block = text[text.index(after) :]
    return block[block.index("```python\n") + 10 : block.index("\n```", block.index("```python"))]


def test_documented_duckdb_snippets_run(built, template_a, tmp_path):
    home = home_with_a(template_a, tmp_path)
    snippet = _doc_snippet("Python, three lines:")
    assert len([line for line in snippet.splitlines() if line]) == 3
    out = subprocess.run(
        [sys.executable, "-c", snippet], cwd=home / "site", capture_output=True, text=True
    )
    assert out.returncode == 0 and "order_id" in out.stdout, out.stderr
    # the web example, on a local copy (attach + abierto_base), without httpfs
    remote = _doc_snippet("Straight from the web").replace("install httpfs; load httpfs; ", "")
    remote = remote.replace("https://datos.example.cl/latest", str(home / "site" / "latest"))
    out = subprocess.run([sys.executable, "-c", remote], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0 and "order_id" in out.stdout, out.stderr


def test_release_and_site_folders_are_world_readable(built, template_a, tmp_path):
    home = home_with_a(template_a, tmp_path)
    for folder in (home / "releases" / DATE, home / "site", home / "site" / "latest"):
        assert folder.resolve().stat().st_mode & 0o755 == 0o755, folder
