"""Hostile landing folders, generated as the outside audit did (issue 15, item 7).

Each case changes the demo comuna's landing folder (a file cut short, an unbalanced
quote, `\\"` in text, a 10⁶-column header, markup in a header, a bad file name, lock
files, links, a FIFO…) and runs that dataset's ingest → validate → prepare in a forked
child process, killed after `LIMIT` seconds: a hang fails the case, and so does a
traceback. Every case must end in one of three ways, checked against a clean run:

- `clean`: published rows identical to the clean run's (`changed` names the cells
  the case itself edits in the October budget file, and what they must read);
- `refused`: the file is rejected with a typed error (its `type`), nothing of it is
  published and the comuna's dataset is blocked;
- `quarantined`: its broken rows are quarantined with a typed reason, every row it
  publishes is a clean row (no changed data), and its rows reconcile.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from datasets.municipalities import load_installation
from pipelines import steps
from pipelines.cli import seed_demo
from pipelines.home import Home
from tests.conftest import DEMO_CUT

LIMIT = 10  # seconds per case, enforced by killing the child process
AS_OF = dt.date(2026, 12, 2)
BUDGET = "ejecucion_presupuestaria_2026-10.csv"
OCDS = "ocds_2026-10.json"
XLSX = "solicitudes_2026.xlsx"


def outcome(root: str, slug: str) -> dict:
    """One dataset of the demo comuna through ingest → validate → prepare, as plain data."""
    home = Home(Path(root))
    installation = load_installation()
    ingested = steps.ingest(home, installation, slug, comuna=DEMO_CUT)
    validated = steps.validate(ingested, installation, home.quarantine / DEMO_CUT)
    prepared = steps.prepare(
        validated, installation, as_of=AS_OF, home=home, quarantine_dir=home.quarantine / DEMO_CUT
    )
    dataset = steps.load_descriptor(slug)
    published = {
        table: sorted(
            tuple("" if v is None or pd.isna(v) else str(v) for v in row)
            for row in frame.drop(columns=["_errors"], errors="ignore").itertuples(index=False)
        )
        for table, frame in prepared.tables.items()
    }
    quarantined = {
        table: sorted(
            (str(f), int(r), tuple(sorted({e["type"] for e in errs})))
            for f, r, errs in zip(
                frame["_source_file"], frame["_source_row"], frame["_errors"], strict=True
            )
        )
        for table, frame in prepared.quarantined.items()
    }
    return {
        "rejected": sorted((e["file"], e["type"]) for e in validated.rejected),
        "published": published,
        "quarantined": quarantined,
        "blocked": sorted({r["type"] for r in prepared.blocked}),
        "balanced": all(r["balanced"] for r in steps.reconcile(dataset, prepared)),
        "messages": [e["message_en"] for e in validated.rejected],
    }


def _child(root: str, slug: str, pipe) -> None:
    try:
        pipe.send(("ok", outcome(root, slug)))
    except BaseException:  # noqa: BLE001 - any escape is the finding
        pipe.send(("traceback", traceback.format_exc()))


def run_limited(home: Home, slug: str) -> dict:
    """`outcome` in a forked child; fails on a traceback or after LIMIT seconds."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(str(home.root), slug, child))
    process.start()
    ready = parent.poll(LIMIT)
    if not ready:
        process.kill()
        process.join()
        pytest.fail(f"no outcome within {LIMIT} s (a hang)")
    status, value = parent.recv()
    process.join()
    if status != "ok":
        pytest.fail(f"untyped exception (traceback):\n{value}")
    return value


@dataclass
class Case:
    name: str
    slug: str
    edit: Callable[[Path], object]  # changes the dataset's landing folder
    expect: str  # clean | refused | quarantined
    type: str | None = None  # the typed error or quarantine reason
    changed: dict[str, str] = field(default_factory=dict)  # clean value → value it must read
    marks: tuple = ()


def replace_file(name: str, make: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_bytes(make(path.read_bytes()))

    return edit


def cut_mid_row(share: float) -> Callable[[bytes], bytes]:
    def make(data: bytes) -> bytes:
        end = int(len(data) * share)
        while data[end - 1 : end + 1].strip(b"\r\n") != data[end - 1 : end + 1]:
            end -= 3  # never at a line break: the last row must be cut
        return data[:end]

    return make


def text_edit(old: str, new: str, count: int = 1) -> Callable[[bytes], bytes]:
    def make(data: bytes) -> bytes:
        text = data.decode("latin-1")
        assert old in text, old
        return text.replace(old, new, count).encode("latin-1")

    return make


def row_edit(number: int, change: Callable[[list[str]], list[str]]) -> Callable[[bytes], bytes]:
    def make(data: bytes) -> bytes:
        lines = data.decode("latin-1").split("\r\n")
        lines[number - 1] = ";".join(change(lines[number - 1].split(";")))
        return "\r\n".join(lines).encode("latin-1")

    return make


def cut_inside_quotes(data: bytes) -> bytes:
    quoted = text_edit("PERMISO DE CIRCULACION", '"PERMISO; DE CIRCULACION"')(data)
    return quoted[: quoted.index(b"PERMISO;") + 8]


def add(name: str | bytes, content: bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        target = os.path.join(os.fsencode(folder), os.fsencode(name))
        with open(target, "wb") as handle:
            handle.write(content)

    return edit


def rename_bad_bytes(folder: Path) -> None:
    os.rename(
        os.path.join(os.fsencode(folder), BUDGET.encode()),
        os.path.join(os.fsencode(folder), b"ejecucion_presupuestaria_2026-10\xff.csv"),
    )


def symlink_outside(folder: Path) -> None:
    outside = folder.parents[3] / "outside_landing.csv"
    shutil.copyfile(folder / BUDGET, outside)
    (folder / "ejecucion_presupuestaria_2026-11.csv").symlink_to(outside)


def utf16_without_bom(data: bytes) -> bytes:
    return data.decode("latin-1").encode("utf_16_le")


def wide_header(data: bytes) -> bytes:
    header, rest = data.split(b"\r\n", 1)
    return header + b";x" * 1_000_000 + b"\r\n" + rest


def null_ocds(key: str) -> Callable[[bytes], bytes]:
    """Every `key` of the OCDS document set to null (`ocid`, or every `id`)."""

    def nullify(node: object) -> object:
        if isinstance(node, dict):
            return {k: None if k == key else nullify(v) for k, v in node.items()}
        return [nullify(v) for v in node] if isinstance(node, list) else node

    return lambda data: json.dumps(nullify(json.loads(data))).encode()


CASES = [
    Case("csv without final line break", "budgets",
         replace_file(BUDGET, lambda d: d.rstrip(b"\r\n")), "clean"),
    Case("csv with LF line endings", "budgets",
         replace_file(BUDGET, lambda d: d.replace(b"\r\n", b"\n")), "clean"),
    Case("csv in UTF-16 without BOM", "budgets", replace_file(BUDGET, utf16_without_bom), "clean"),
    *[
        Case(f"csv cut mid-row at {share:.0%}", "budgets", replace_file(BUDGET, cut_mid_row(share)),
             "refused", "truncated-file")
        for share in (0.1, 0.35, 0.6, 0.85, 0.995)
    ],
    Case("csv cut inside a quoted cell", "budgets",
         replace_file(BUDGET, cut_inside_quotes),
         "refused", "truncated-file"),
    Case("csv with an unbalanced quote mid-file", "budgets",
         replace_file(BUDGET, text_edit("DERECHOS DE ASEO", '"DERECHOS DE ASEO')),
         "refused", "truncated-file"),
    Case("csv with a stray quote closed by a quote three rows below", "budgets",
         replace_file(BUDGET, lambda d: text_edit("DERECHOS DE ASEO", '"DERECHOS DE ASEO')(
             text_edit("PERMISO DE CIRCULACION", '"PERMISO" DE CIRCULACION')(d))),
         "refused", "structure-error"),
    Case("csv with a stray quote closed by a quote on the next row", "budgets",
         replace_file(BUDGET, lambda d: text_edit("DERECHOS DE ASEO", '"DERECHOS DE ASEO')(
             text_edit("OTRO DERECHOS", '"OTRO" DERECHOS')(d))),
         "refused", "structure-error"),
    Case('csv with \\" ending an RFC 4180 cell and "" doubling', "budgets",
         replace_file(BUDGET, lambda d: text_edit("DERECHOS DE ASEO", '"DERECHOS DE ASEO C:\\"')(
             text_edit("PATENTES MUNICIPALES", '"PATENTES ""MUNICIPALES"""')(d))),
         "clean", changed={"DERECHOS DE ASEO": "DERECHOS DE ASEO C:\\",
                           "PATENTES MUNICIPALES": 'PATENTES "MUNICIPALES"'}),
    Case("csv with markup and an emoji code in a cell", "budgets",
         replace_file(BUDGET, text_edit("DERECHOS DE ASEO", "ASEO :x: [/x] [bold]")),
         "clean", changed={"DERECHOS DE ASEO": "ASEO :x: [/x] [bold]"}),
    Case("csv header label with markup", "budgets",
         replace_file(BUDGET, text_edit("Denominación", "Denominación[/x]")),
         "refused", "header-error"),
    Case("csv with a 10^6-column header", "budgets", replace_file(BUDGET, wide_header),
         "refused", "structure-error"),
    Case("csv with a short row", "budgets", replace_file(BUDGET, row_edit(5, lambda c: c[:-2])),
         "refused", "structure-error"),
    Case("csv with an unquoted delimiter in a name", "budgets",
         replace_file(BUDGET, text_edit("DERECHOS DE ASEO", "DERECHOS; DE ASEO")),
         "quarantined", "type-error"),
    Case("csv with an over-long budget code", "budgets",
         replace_file(BUDGET, row_edit(3, lambda c: [*c[:4], "1" * 40, *c[5:]])),
         "quarantined", "constraint-error"),
    Case("empty csv", "budgets", replace_file(BUDGET, lambda d: b""), "refused", "source-error"),
    Case("binary garbage named .csv", "budgets",
         replace_file(BUDGET, lambda d: bytes(range(256)) * 40), "refused", "header-error"),
    Case("file name with invalid UTF-8 bytes", "budgets", rename_bad_bytes,
         "refused", "source-error"),
    Case("Excel and LibreOffice lock files", "budgets", lambda f: [
        add("~$ejecucion_presupuestaria_2026-10.xlsx", b"\x05usuario" + b"\x00" * 150)(f),
        add(".~lock.ejecucion_presupuestaria_2026-10.csv#", b",usuario,pc,02.12.2026 10:00,")(f),
    ], "clean"),
    Case("symlink to a file outside landing", "budgets", symlink_outside,
         "refused", "unsafe-file"),
    Case("dangling symlink", "budgets",
         lambda f: (f / "ejecucion_presupuestaria_2026-11.csv").symlink_to(f / "missing.csv"),
         "refused", "unsafe-file"),
    Case("FIFO in landing", "budgets",
         lambda f: os.mkfifo(f / "ejecucion_presupuestaria_2026-11.csv"),
         "refused", "unsafe-file"),
    Case("folder named like an export", "budgets",
         lambda f: (f / "ejecucion_presupuestaria_2026-11.csv").mkdir(),
         "refused", "unsafe-file"),
    *[
        Case(f"OCDS JSON cut at {share:.0%}", "contracts",
             replace_file(OCDS, lambda d, s=share: d[: int(len(d) * s)]),
             "refused", "truncated-file")
        for share in (0.2, 0.5, 0.999)
    ],
    Case("OCDS with null ocids", "contracts", replace_file(OCDS, null_ocds("ocid")),
         "refused", "source-error"),
    Case("OCDS with every id null", "contracts", replace_file(OCDS, null_ocds("id")),
         "quarantined", "constraint-error"),
    Case("XLSX cut in half", "access_requests",
         replace_file(XLSX, lambda d: d[: len(d) // 2]), "refused", "source-error"),
    Case("Excel lock file beside a workbook", "access_requests",
         add("~$solicitudes_2026.xlsx", b"\x05usuario" + b"\x00" * 150), "clean"),
]  # fmt: skip


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, dict]:
    home = Home(tmp_path_factory.mktemp("clean") / "abierto")
    seed_demo(home)
    return {slug: run_limited(home, slug) for slug in ("budgets", "contracts", "access_requests")}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=c.marks) for c in CASES])
def test_a_hostile_file_is_published_clean_quarantined_or_refused(case, clean, tmp_path):
    home = Home(tmp_path / "abierto")
    seed_demo(home)
    case.edit(home.landing / DEMO_CUT / case.slug)
    got = run_limited(home, case.slug)
    baseline = clean[case.slug]
    if case.expect == "clean":
        edited = f"{DEMO_CUT}/{BUDGET}"  # the cases that change cells edit this file

        def change(row: tuple) -> tuple:
            return tuple(case.changed.get(v, v) for v in row) if edited in row else row

        expected = {
            table: sorted(map(change, rows)) for table, rows in baseline["published"].items()
        }
        assert got["rejected"] == [] and got["blocked"] == baseline["blocked"]
        assert got["published"] == expected
    elif case.expect == "refused":
        types = {t for _, t in got["rejected"]}
        assert types == {case.type}, got["messages"]
        assert "rejected-file" in got["blocked"]
        assert all(m.isprintable() for m in got["messages"])
        landed = {r[-2] for rows in got["published"].values() for r in rows}
        assert not any("2026-11" in f or "\\x" in f for f in landed)
    else:
        quarantined = [q for rows in got["quarantined"].values() for q in rows]
        assert quarantined and all(types for _, _, types in quarantined)
        assert case.type in {t for _, _, types in quarantined for t in types}
        for table, rows in got["published"].items():
            assert set(rows) <= set(baseline["published"][table])  # no changed data
        assert got["balanced"]
