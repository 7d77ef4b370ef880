"""The publish gate judges each source file on its own, and a file far shorter than its
source's other files is flagged (issue 15, item 7)."""

from __future__ import annotations

import datetime as dt

from datasets.municipalities import load_installation
from pipelines import steps
from quality.file_report import row_drops
from tests.conftest import DEMO_CUT

LANDED = "ejecucion_presupuestaria_2026-10.csv"


def prepared(home):
    installation = load_installation()
    ingested = steps.ingest(home, installation, "budgets", comuna=DEMO_CUT)
    validated = steps.validate(ingested, installation, home.quarantine / DEMO_CUT)
    return steps.prepare(
        validated,
        installation,
        as_of=dt.date(2026, 12, 2),
        home=home,
        quarantine_dir=home.quarantine / DEMO_CUT,
    )


def land_november(home, broken_rows: int) -> str:
    """A third month whose first `broken_rows` account lines have a non-numeric amount."""
    folder = home.landing / DEMO_CUT / "budgets"
    lines = (folder / LANDED).read_bytes().decode("latin-1").split("\n")
    lines = [lines[0]] + [line.replace("2026;10;", "2026;11;", 1) for line in lines[1:]]
    for i in range(1, broken_rows + 1):
        cells = lines[i].split(";")
        cells[8] = "n/d"
        lines[i] = ";".join(cells)
    name = "ejecucion_presupuestaria_2026-11.csv"
    (folder / name).write_bytes("\n".join(lines).encode("latin-1"))
    return f"{DEMO_CUT}/{name}"


def test_a_broken_file_blocks_its_dataset_however_clean_its_neighbours_are(demo_home):
    file = land_november(demo_home, 6)  # 6 of 64 rows: 9 % of the file, 3 % of the table
    result = prepared(demo_home)
    shares = {(c["file"], c["table"]): c for c in steps.invalid_shares(
        steps.load_descriptor("budgets"), result
    )}  # fmt: skip
    assert shares[(file, "budget_lines")]["rows_invalid"] == 6
    assert shares[(file, "budget_lines")]["exceeded"]
    assert not shares[(f"{DEMO_CUT}/{LANDED}", "budget_lines")]["exceeded"]
    invalid = [r for r in result.blocked if r["type"] == "invalid-share"]
    assert [r["en"] for r in invalid] == [
        f"{file}, budget_lines: 6 of 64 rows invalid, above the maximum of 5%"
    ]
    report = (demo_home.quarantine / DEMO_CUT / "budgets").glob("*2026-11*.json")
    assert next(report, None) is not None


def test_a_file_within_the_limit_does_not_block(demo_home):
    land_november(demo_home, 2)  # 2 of 64 rows: 3 %
    result = prepared(demo_home)
    assert not [r for r in result.blocked if r["type"] == "invalid-share"]


def test_a_file_with_far_fewer_rows_than_its_source_s_other_files_is_flagged():
    sources = [
        {"comuna_code": "13122", "source_format": "balance", "name": f"m{n}.csv", "rows_read": r}
        for n, r in enumerate([530, 528, 531, 120])
    ] + [{"comuna_code": "13122", "source_format": "other", "name": "x.csv", "rows_read": 1}]
    drops = row_drops(sources)
    assert list(drops) == ["13122/m3.csv"]
    assert drops["13122/m3.csv"]["reference_rows"] == 530
    assert (
        "120 rows, under 50% of the 530 (median) of the other 3 files"
        in drops["13122/m3.csv"]["en"]
    )
    assert row_drops(sources[:1] + sources[3:]) == {}  # one other file is no reference
