"""The code lists validate against their schemas and are reproducible from reference data."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from frictionless import Resource, Schema

import schemas
from schemas.codes import build


def _validate(name: str):
    resource = Resource(
        path=f"{name}.csv",  # frictionless v5 refuses absolute paths as "not safe"
        basepath=str(schemas.CODES_DIR),
        schema=Schema.from_descriptor(schemas.load_descriptor(name)),
    )
    return resource.validate()


@pytest.mark.parametrize(("name", "rows"), [("comunas", 346), ("budget_classifier", 431)])
def test_code_list_validates_against_its_schema(name, rows):
    report = _validate(name)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.task.stats["rows"] == rows
    assert report.task.stats["errors"] == 0


def test_comunas_codes_are_unique_and_consistent():
    comunas = schemas.load_code_list("comunas")
    assert len(comunas) == 346
    assert comunas["comuna_code"].is_unique
    assert (comunas["comuna_code"].str[:3] == comunas["provincia_code"]).all()
    assert (comunas["comuna_code"].str[:2] == comunas["region_code"]).all()
    assert comunas["region_code"].nunique() == 16
    assert "99901" not in set(comunas["comuna_code"])  # the demo comuna is added at run time


def test_budget_classifier_codes_are_unique_and_consistent():
    classifier = schemas.load_code_list("budget_classifier")
    assert classifier["code"].is_unique
    parts = classifier[["subtitulo", "item", "asignacion"]].apply(
        lambda row: ".".join(p for p in row if p), axis=1
    )
    assert (parts == classifier["code"]).all()
    depth = classifier["code"].str.count(r"\.")
    assert (depth.map({0: "subtitulo", 1: "item", 2: "asignacion"}) == classifier["level"]).all()
    codes = set(classifier["code"])
    assert all(c.rsplit(".", 1)[0] in codes for c in codes if "." in c)  # parents exist


@pytest.mark.parametrize("name", schemas.CODE_LISTS)
def test_committed_csv_is_utf8_lf_without_bom(name):
    content = schemas.code_list_path(name).read_bytes()
    assert not content.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in content
    assert content.endswith(b"\n")
    content.decode("utf-8")


@pytest.fixture(scope="module")
def reference_dir():
    """The build's inputs, copied from the public reference data (see its SOURCES.md)."""
    return Path(__file__).parent / "fixtures" / "reference-codes"


def test_build_reproduces_committed_csvs(reference_dir, tmp_path):
    written = build.build(reference_dir, tmp_path)
    assert sorted(p.name for p in written) == ["budget_classifier.csv", "comunas.csv"]
    for path in written:
        assert path.read_bytes() == (schemas.CODES_DIR / path.name).read_bytes(), path.name


def test_build_cli(reference_dir, tmp_path, capsys):
    build.main([str(reference_dir), "--out", str(tmp_path)])
    assert (tmp_path / "comunas.csv").read_bytes() == schemas.code_list_path("comunas").read_bytes()
    assert "comunas.csv" in capsys.readouterr().out


def test_build_rejects_duplicate_codes(tmp_path):
    header = "comuna_code,comuna_name,provincia_code,provincia_name,region_code,region_name\n"
    row = "01101,Iquique,011,Iquique,01,Tarapacá\n"
    (tmp_path / "comunas.csv").write_text(header + row + row, encoding="utf-8")
    with pytest.raises(build.CodeListBuildError, match="duplicate comuna_code '01101'"):
        build.build_comunas(tmp_path)


def test_build_rejects_missing_columns(tmp_path):
    (tmp_path / "clasificador_presupuestario.csv").write_text("code,name\n22,X\n")
    with pytest.raises(build.CodeListBuildError, match="missing columns"):
        build.build_budget_classifier(tmp_path)


def test_the_classifier_sources_table_in_sources_md_matches_the_csv():
    """The circularity note (rows taken only from Peñalolén) states the true counts."""
    text = (schemas.CODES_DIR / "SOURCES.md").read_text(encoding="utf-8")
    documented = {
        s: int(n) for s, n in re.findall(r"^  \| `([a-z0-9_;]+)` \| (\d+) \|$", text, re.M)
    }
    rows = schemas.load_code_list("budget_classifier")
    assert documented == dict(Counter(rows["source"]))
    assert documented["penalolen_bep"] == 170 and sum(documented.values()) == 431


def test_a_row_only_a_municipality_holds_is_marked_unofficial():
    """170 rows come only from Peñalolén's chart of accounts: marked, not passed off as
    Decreto 854. Five more Peñalolén-only rows were found, same code and nearly the same
    name, in DIPRES's own 2017 files; a row with the code under another name was not."""
    rows = schemas.load_code_list("budget_classifier").set_index("code")
    official = rows["is_official"].astype(str).str.lower() == "true"
    assert (official == (rows["source"] != "penalolen_bep")).all()
    assert official.sum() == 261
    corroborated = rows.index[rows["source"] == "penalolen_bep;dipres_2017"]
    assert sorted(corroborated) == ["08.99.001", "08.99.999", "23.01.004", "23.03.001", "26.02.001"]
    # Peñalolén's 32.06.001/002 carry each other's official names: neither counts.
    assert not official["32.06.001"] and not official["32.06.002"]
    assert not official["05.01.001"]  # «JERIA Y CIA. CORREDORES DE SEGUROS LTDA»
