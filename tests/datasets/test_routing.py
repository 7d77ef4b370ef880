"""National files split into comunas: every row routed, excluded with a reason, or
reported unmatched; slices read like a comuna's own export."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from datasets.descriptor import load_descriptor, parse_descriptor
from datasets.errors import DescriptorError, HeaderError
from datasets.routing import (
    UNMATCHED_FILE,
    RoutingError,
    national_source,
    read_routed,
    split_national,
    write_routing_report,
)
from datasets.samples import national

NAME = national.FILE_NAME


@pytest.fixture
def sample(tmp_path):
    """The sample national file, generated afresh, and its rows as a list of dicts."""
    path = national.generate(tmp_path / "samples")[0]
    text = path.read_bytes().decode("latin-1")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    return path, rows


def contracts_source():
    return national_source(load_descriptor("contracts"), NAME)


def split(path, tmp_path):
    return split_national(path, contracts_source(), tmp_path / "warehouse")


def test_generator_reproduces_the_committed_sample(sample):
    path, _ = sample
    committed = national.SAMPLES_DIR / "_national" / "contracts" / NAME
    assert path.read_bytes() == committed.read_bytes()


def test_every_row_is_routed_excluded_or_unmatched(sample, tmp_path):
    path, rows = sample
    report = split(path, tmp_path).report
    by_unit = Counter(r["CodigoUnidadCompra"] for r in rows)

    assert report.rows_in == len(rows) == 89
    assert report.balanced
    assert report.rows_in == report.rows_routed + report.rows_excluded + report.rows_unmatched
    assert report.routed == {
        cut: by_unit[unit] for unit, cut in sorted(national.EXPECTED_COMUNA.items())
    }
    # San Pedro and San Pedro de la Paz are two comunas; names match exactly, never fuzzily
    assert report.routed["13505"] == by_unit["3103"] and report.routed["08108"] == by_unit["3104"]
    assert report.excluded == {"non-municipal-buyer": by_unit["1019"] + by_unit["2379"]}
    assert report.buyers["non-municipal-buyer"] == {
        "HOSPITAL VILCUN": by_unit["2379"],
        "MINISTERIO DE OBRAS PUBLICAS": by_unit["1019"],
    }
    assert report.unmatched == {
        "unknown-municipal-buyer": by_unit["3107"] + by_unit["3108"],
        "conflicting-identifiers": by_unit["3109"],
        "buyer-missing": by_unit["3110"],
    }
    assert report.buyers["unknown-municipal-buyer"] == {
        "CORPORACION MUNICIPAL DE PEÑALOLEN PARA EL DESARROLLO SOCIAL": by_unit["3107"],
        "I MUNICIPALIDAD DE VILLA INEXISTENTE": by_unit["3108"],
    }


def test_unmatched_rows_are_kept_aside_with_their_reason(sample, tmp_path):
    path, rows = sample
    done = split(path, tmp_path)
    text = (done.folder / UNMATCHED_FILE).read_text("utf-8")
    kept = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(kept) == done.report.rows_unmatched
    assert Counter(r["_abierto_motivo"] for r in kept) == Counter(done.report.unmatched)
    assert {r["Codigo"] for r in kept} == {
        r["Codigo"] for r in rows if r["CodigoUnidadCompra"] in {"3107", "3108", "3109", "3110"}
    }


def test_report_names_the_unmatched_buyer_with_its_count(sample, tmp_path):
    path, rows = sample
    report = split(path, tmp_path).report
    villa = sum(r["OrganismoPublico"] == "I MUNICIPALIDAD DE VILLA INEXISTENTE" for r in rows)
    summary = "\n".join(report.summary())
    assert f"I MUNICIPALIDAD DE VILLA INEXISTENTE: {villa}" in summary
    assert "buyer is not a municipality" in summary and "no es una municipalidad" in summary
    written = write_routing_report(tmp_path / "reports", report)
    data = json.loads(written.read_text("utf-8"))
    assert (
        data["buyers"]["unknown-municipal-buyer"]["I MUNICIPALIDAD DE VILLA INEXISTENTE"] == villa
    )
    assert data["balanced"] is True


def test_a_comuna_reads_its_slice_with_the_national_row_numbers(sample, tmp_path):
    path, rows = sample
    done = split(path, tmp_path)
    raw = read_routed(done, contracts_source(), "13101")
    items = raw.tables["purchase_order_items"]
    expected = [n for n, r in enumerate(rows, start=2) if r["CodigoUnidadCompra"] == "3101"]
    assert items["_source_row"].tolist() == expected
    assert set(items["_source_file"]) == {f"13101/{NAME}"}
    assert items["order_id"].str.startswith("3101-").all()
    assert raw.provenance["sha256"] == done.report.sha256
    assert raw.provenance["encoding"] == "latin-1" and raw.provenance["delimiter"] == ";"
    assert raw.provenance["national"]["rows_routed_here"] == len(expected)
    # accents survive the round trip through the slice
    nunoa = read_routed(done, contracts_source(), "13120").tables["purchase_orders"]
    assert (nunoa["buyer_unit"].str.endswith("Ñuñoa")).all()
    assert read_routed(done, contracts_source(), "13123") is None  # Providencia: no rows


def test_the_split_is_made_once_per_content(sample, tmp_path):
    path, _ = sample
    first = split(path, tmp_path)
    stamp = (first.folder / "split.json").stat().st_mtime_ns
    again = split(path, tmp_path)
    assert again.folder == first.folder
    assert (again.folder / "split.json").stat().st_mtime_ns == stamp
    # Los Ángeles' rows, RUT and name removed: a new content, a new split
    content = path.read_bytes().replace(b"I MUNICIPALIDAD DE LOS ANGELES", b"X")
    path.write_bytes(content.replace(b"69.170.100-K", b""))
    changed = split(path, tmp_path)
    assert changed.folder != first.folder and "08301" not in changed.report.routed
    assert changed.report.buyers["non-municipal-buyer"]["X"] == first.report.routed["08301"]


def test_a_malformed_row_is_counted_not_lost(sample, tmp_path):
    path, rows = sample
    path.write_bytes(path.read_bytes() + b"1-1-SE26;solo;tres columnas\r\n")
    report = split(path, tmp_path).report
    assert report.rows_in == len(rows) + 1
    assert report.unmatched["malformed-row"] == 1
    assert report.malformed == ["1-1-SE26;solo;tres columnas"]
    assert report.balanced


def test_a_missing_buyer_column_is_a_typed_error(sample, tmp_path):
    path, _ = sample
    path.write_bytes(path.read_bytes().replace(b";OrganismoPublico;", b";Organismo;", 1))
    with pytest.raises(HeaderError) as error:
        split(path, tmp_path)
    assert error.value.column == "OrganismoPublico" and error.value.file == NAME


def test_a_national_file_needs_a_routed_source():
    with pytest.raises(RoutingError, match="route"):
        national_source(load_descriptor("contracts"), "ordenes_de_compra_2026-10.json")


def test_a_routed_source_must_declare_encoding_and_delimiter():
    entry = {
        "name": "x",
        "title": "x",
        "match": ["*.csv"],
        "format": "csv",
        "row_table": "budget_lines",
        "route": {"by": {"buyer_rut": "Rut"}},
        "tables": {"budget_lines": {"columns": {"fiscal_year": "Año"}}},
    }
    descriptor = {
        "slug": "budgets",
        "title": {"es": "x", "en": "x"},
        "description": {"es": "x", "en": "x"},
        "cadence": "monthly",
        "licence": {"name": "x", "title": "x", "path": "x"},
        "tables": ["budget_lines"],
        "sources": [entry],
    }
    with pytest.raises(DescriptorError, match="declares encoding and delimiter"):
        parse_descriptor(json.dumps(descriptor), "x.json")
    entry |= {"encoding": "utf-8", "delimiter": ";", "route": {"by": {"buyer_id": "Rut"}}}
    with pytest.raises(DescriptorError, match="route.by"):
        parse_descriptor(json.dumps(descriptor), "x.json")


def test_readme_national_example_is_the_descriptor_source():
    """The README's national source example is the real entry of contracts.dataset.yaml."""
    import yaml

    readme = (national.SAMPLES_DIR.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How to add a national source", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    example = yaml.safe_load(block.replace("*mercado_publico_oc_tables", "{}"))[0]
    source = contracts_source()
    assert example["name"] == source.name
    assert example["match"] == source.match
    assert (example["encoding"], example["delimiter"]) == (source.encoding, source.delimiter)
    assert example["route"] == source.route.model_dump(exclude_defaults=True) | {
        "code_list": "municipal_buyers"
    }
    per_comuna = load_descriptor("contracts").source_for("ordenes_de_compra_2026-10.csv")
    assert source.tables == per_comuna.tables  # the same mapping, by YAML anchor
