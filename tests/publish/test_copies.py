"""Copies proven at write time: the gate scans a table once and accepts its CSV and Excel
copies by the sha256 the writer recorded; anything else is read whole (fail closed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile

import pyarrow as pa
import pytest

import publish.leaks as leaks
from datasets.hashing import sha256_file
from publish import copies
from publish.integrity import file_digests, verify_folder, write_sums
from publish.leaks import LeakScan
from publish.package import table_resource
from schemas import public_descriptor

MOBILE = "987654321"
TABLE = "access_requests"


def requests_table(rows: int, subjects: list[str]) -> pa.Table:
    """An `access_requests` table of every published type, the subjects cycled over rows."""
    kinds = {f["name"]: f.get("type", "string") for f in public_descriptor(TABLE)["fields"]}
    values = {
        "string": lambda name: [f"{name}-{i % 7}" for i in range(rows)],
        "date": lambda name: [
            dt.date(2026, 1, 1) + dt.timedelta(days=i % 300) for i in range(rows)
        ],
        "boolean": lambda name: [i % 3 == 0 for i in range(rows)],
        "integer": lambda name: list(range(rows)),
    }
    columns = {name: values[kind](name) for name, kind in kinds.items()}
    columns["request_id"] = [f"MU{i:06d}" for i in range(rows)]
    columns["subject"] = [subjects[i % len(subjects)] for i in range(rows)]
    return pa.table(columns)


def write_package(folder, table: pa.Table) -> None:
    """One resource as `write_package` writes it, with its datapackage.json."""
    folder.mkdir(parents=True, exist_ok=True)
    resource = table_resource(folder, TABLE, table)
    (folder / "datapackage.json").write_text(json.dumps({"resources": [resource]}))


def scan(root, *, records=True):
    found = LeakScan(set()).scan(root, records=copies.RECORDED if records else None)
    return sorted((h["file"], h["field"], h["kind"]) for h in found)


@pytest.fixture
def reads(monkeypatch):
    """The names of the files the scan reads whole."""
    read = []
    real = leaks.distinct_texts
    monkeypatch.setattr(leaks, "distinct_texts", lambda p: read.append(p.name) or real(p))
    return read


SUBJECTS = ["Copia del decreto 123", "=SUMA(A1)", "Patente comercial"]


def test_the_writer_records_each_copy_by_the_sha256_of_the_bytes_it_wrote(tmp_path):
    write_package(tmp_path, requests_table(50, SUBJECTS))
    resource = json.loads((tmp_path / "datapackage.json").read_text())["resources"][0]
    digests = {p.name: sha256_file(p) for p in tmp_path.iterdir()}
    assert resource["hash"] == f"sha256:{digests[f'{TABLE}.csv']}"
    assert [a["hash"] for a in resource["x-alternates"]] == [
        f"sha256:{digests[f'{TABLE}.parquet']}",
        f"sha256:{digests[f'{TABLE}.xlsx']}",
    ]
    parquet = digests[f"{TABLE}.parquet"]
    assert copies.RECORDED[digests[f"{TABLE}.csv"]] == copies.Copy("csv", parquet)
    book = copies.RECORDED[digests[f"{TABLE}.xlsx"]]
    assert (book.kind, book.parquet, book.sheet) == ("xlsx", parquet, TABLE)
    assert "columnas-columns" in book.markup and "MU000001" not in book.markup  # no data rows


def test_a_recorded_copy_is_not_read_and_its_table_is_scanned_once(tmp_path, reads):
    write_package(tmp_path, requests_table(50, SUBJECTS))
    assert scan(tmp_path) == []
    assert sorted(reads) == ["datapackage.json"]  # the Parquet file is read as columns
    reads.clear()
    assert scan(tmp_path, records=False) == []  # without records: every file read whole
    assert sorted(reads) == sorted(p.name for p in tmp_path.iterdir())


def test_a_hit_in_the_table_is_reported_in_every_copy_as_a_full_read_reports_it(tmp_path):
    write_package(tmp_path, requests_table(50, [*SUBJECTS, f"llamar al {MOBILE}"]))
    assert (
        scan(tmp_path)
        == scan(tmp_path, records=False)
        == [
            (f"{TABLE}.csv", "subject", "phone"),
            (f"{TABLE}.parquet", "subject", "phone"),
            (f"{TABLE}.xlsx", f"{TABLE}!subject", "phone"),
        ]
    )


def test_what_only_a_copy_publishes_is_scanned_from_its_record(tmp_path, reads):
    """A control character XML 1.0 forbids is dropped from the Excel copy, which then holds
    a phone number the table does not; the CSV's formula apostrophe is scanned too."""
    write_package(tmp_path, requests_table(50, [*SUBJECTS, "fono 98765\x014321"]))
    assert scan(tmp_path) == [(f"{TABLE}.xlsx", f"{TABLE}!subject", "phone")]
    assert sorted(reads) == ["datapackage.json"]
    texts = dict(leaks._copy_texts(copies.Copy("csv", ""), [("subject", pa.array(SUBJECTS))]))
    assert texts == {"subject": ["'=SUMA(A1)"]}


def test_a_copy_changed_by_one_byte_after_writing_is_read_whole_and_caught(tmp_path, reads):
    write_package(tmp_path, requests_table(50, [*SUBJECTS, "fono 987-65432"]))
    csv = tmp_path / f"{TABLE}.csv"
    csv.write_bytes(csv.read_bytes().replace(b"987-65432", MOBILE.encode()))  # same length
    book = tmp_path / f"{TABLE}.xlsx"
    with zipfile.ZipFile(book) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            target.writestr(info, data.replace(b"987-65432", MOBILE.encode()))
    assert scan(tmp_path) == [
        (f"{TABLE}.csv", "subject", "phone"),
        (f"{TABLE}.xlsx", f"{TABLE}!subject", "phone"),
    ]
    assert {f"{TABLE}.csv", f"{TABLE}.xlsx"} <= set(reads)


def test_a_copy_whose_table_was_not_scanned_clean_here_is_read_whole(tmp_path, reads):
    write_package(tmp_path, requests_table(50, SUBJECTS))
    (tmp_path / f"{TABLE}.parquet").unlink()  # the record names a table no longer there
    assert scan(tmp_path) == []
    assert {f"{TABLE}.csv", f"{TABLE}.xlsx"} <= set(reads)


def test_records_saved_by_a_gate_prove_the_same_bytes_in_a_later_process(tmp_path, monkeypatch):
    write_package(tmp_path / "pkg", requests_table(20, SUBJECTS))
    digests = file_digests(tmp_path / "pkg")
    copies.save(tmp_path / "cache" / copies.FILE, copies.RECORDED, digests.values())
    monkeypatch.setattr(copies, "RECORDED", {})
    loaded = copies.load(tmp_path / "cache" / copies.FILE)
    assert {loaded[digests[f"{TABLE}.csv"]].kind, loaded[digests[f"{TABLE}.xlsx"]].kind} == {
        "csv",
        "xlsx",
    }
    assert len(loaded) == 2  # only the copies of the release's files are kept
    (tmp_path / "cache" / copies.FILE).write_text("[not a record")
    assert copies.load(tmp_path / "cache" / copies.FILE) == {}


def test_a_release_folder_is_hashed_once_for_its_sums_and_its_verification(tmp_path, monkeypatch):
    import publish.integrity as integrity

    write_package(tmp_path / "pkg", requests_table(20, SUBJECTS))
    hashed = []
    real = integrity.sha256_file
    monkeypatch.setattr(integrity, "sha256_file", lambda p: hashed.append(p.name) or real(p))
    digests = file_digests(tmp_path)
    write_sums(tmp_path, digests)
    assert verify_folder(tmp_path, digests) == []
    assert sorted(hashed) == sorted(p.name for p in (tmp_path / "pkg").iterdir())
    hashed.clear()
    assert verify_folder(tmp_path) == []  # on its own: each file hashed once, not twice
    assert len(hashed) == len(set(hashed)) == len(digests)
    csv = tmp_path / "pkg" / f"{TABLE}.csv"
    csv.write_bytes(csv.read_bytes() + b"\n")
    assert {p.kind for p in verify_folder(tmp_path, file_digests(tmp_path))} == {
        "hash-mismatch",
        "bytes-mismatch",
    }
    assert hashlib.sha256(csv.read_bytes()).hexdigest() == file_digests(tmp_path)["pkg/" + csv.name]


def test_a_workbook_proven_by_rendering_it_again_also_scans_what_xml_drops(tmp_path):
    """Without a record the workbook is proven against its Parquet file by rendering it
    again (`spreadsheet.data_sheet_parts`); what the copy alone holds is still scanned."""
    write_package(tmp_path, requests_table(50, [*SUBJECTS, "fono 98765\x014321"]))
    assert scan(tmp_path, records=False) == [(f"{TABLE}.xlsx", f"{TABLE}!subject", "phone")]


def test_a_package_validated_as_the_same_bytes_is_not_parsed_again(tmp_path, monkeypatch):
    import publish.publication as publication
    from publish.publication import Validated, invalid_package

    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "t.csv").write_text("id,amount\na,1\nb,2\n")
    schema = {"fields": [{"name": "id"}, {"name": "amount", "type": "integer"}]}
    schema["primaryKey"] = ["id"]
    resource = {"name": "t", "path": "t.csv", "profile": "tabular-data-resource"}
    (folder / "datapackage.json").write_text(
        json.dumps({"resources": [resource | {"schema": schema}]})
    )
    parsed = []
    real = publication.validate_file
    monkeypatch.setattr(
        publication,
        "validate_file",
        lambda path, *a, **k: parsed.append(path.name) or real(path, *a, **k),
    )
    path = tmp_path / "cache" / Validated.FILE

    def validate() -> list[str]:
        validated = Validated(path)
        problems = invalid_package(folder, "pkg", file_digests(folder), validated)
        validated.save()
        return problems

    assert validate() == [] and parsed == ["t.csv"]
    assert validate() == [] and parsed == ["t.csv"]  # the same bytes: not parsed again
    (folder / "t.csv").write_text("id,amount\na,1\na,x\n")  # a duplicate key, a bad integer
    problems = validate()
    assert parsed == ["t.csv", "t.csv"] and problems and "pkg/t.csv" in problems[0]
    assert validate() == problems  # an invalid file is never remembered as valid


def test_the_gate_passes_recorded_copies_and_catches_one_changed_after_writing(tmp_path):
    from datasets.errors import PublishBlocked
    from publish.publication import gate

    staging, build = tmp_path / "staging", tmp_path / "build"
    write_package(staging / "pkg", requests_table(50, [*SUBJECTS, "fono 987-65432"]))
    build.mkdir()
    gate(staging, build, {}, set(), scan_cache=tmp_path / "cache")
    assert (tmp_path / "cache" / copies.FILE).exists()  # the records kept, privately
    csv = staging / "pkg" / f"{TABLE}.csv"
    csv.write_bytes(csv.read_bytes().replace(b"987-65432", MOBILE.encode()))
    with pytest.raises(PublishBlocked) as blocked:
        gate(staging, build, {}, set(), scan_cache=tmp_path / "cache")
    assert f"pkg/{TABLE}.csv › subject (phone ×1)" in blocked.value.message_en
    assert "hash differs from datapackage.json" in blocked.value.message_en
