"""SHA256SUMS and datapackage.json hashes: any changed, missing or extra byte is caught."""

from __future__ import annotations

import hashlib
import json

import pytest

from publish.integrity import read_sums, verify_folder, write_sums
from publish.package import file_facts


@pytest.fixture
def release(tmp_path):
    folder = tmp_path / "2026-11-23"
    (folder / "budgets").mkdir(parents=True)
    data = folder / "budgets" / "budget_lines.csv"
    data.write_text("comuna_code,amount_clp\n99901,-1500\n", encoding="utf-8")
    package = {"resources": [{"name": "budget_lines", "path": data.name, **file_facts(data)}]}
    (folder / "budgets" / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    (folder / "CHANGES.md").write_text("# notes\n", encoding="utf-8")
    write_sums(folder)
    return folder


def test_sums_match_sha256sum_format(release):
    sums = read_sums(release / "SHA256SUMS")
    data = (release / "budgets" / "budget_lines.csv").read_bytes()
    assert sums["budgets/budget_lines.csv"] == hashlib.sha256(data).hexdigest()
    assert sorted(sums) == ["CHANGES.md", "budgets/budget_lines.csv", "budgets/datapackage.json"]
    assert verify_folder(release) == []


def test_one_byte_change_is_caught(release):
    path = release / "budgets" / "budget_lines.csv"
    data = bytearray(path.read_bytes())
    data[-3] = ord("6")  # -1500 → -1600, same size
    path.write_bytes(bytes(data))
    assert [(p.file, p.kind) for p in verify_folder(release)] == [
        ("budgets/budget_lines.csv", "hash-mismatch"),
        ("budgets/budget_lines.csv", "hash-mismatch"),
    ]


def test_missing_and_unlisted_files_are_caught(release):
    (release / "CHANGES.md").unlink()
    (release / "budgets" / "extra.csv").write_text("x\n", encoding="utf-8")
    assert {(p.file, p.kind) for p in verify_folder(release)} == {
        ("CHANGES.md", "missing"),
        ("budgets/extra.csv", "not-listed"),
    }


def test_a_downloaded_package_folder_is_checked_against_its_datapackage(release):
    package = release / "budgets"
    assert verify_folder(package) == []
    (package / "budget_lines.csv").write_text("changed\n", encoding="utf-8")
    assert [p.kind for p in verify_folder(package)] == ["bytes-mismatch"]
    assert [p.kind for p in verify_folder(release.parent / "nothing-here")] == ["no-checksums"]
