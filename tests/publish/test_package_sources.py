from datasets.descriptor import load_descriptor
from datasets.ingest import read_source
from datasets.samples.generate import DEFAULT_OUT_DIR
from publish.package import source_entry


def test_source_entry_carries_the_file_provenance():
    path = DEFAULT_OUT_DIR / "99901" / "budgets" / "ejecucion_presupuestaria_2026-10.csv"
    source = load_descriptor("budgets").source_for(path.name)
    raw = read_source(path, source, comuna_code="99901")
    entry = source_entry(raw.provenance)
    assert entry["title"] == path.name
    assert entry["x-sha256"] == raw.provenance["sha256"] and len(entry["x-sha256"]) == 64
    assert entry["x-bytes"] == path.stat().st_size
    assert entry["x-encoding"] == "iso8859_1"  # declared `latin-1`, checked
    assert entry["x-delimiter"] == ";"
    assert entry["x-source-format"] == "balance_ejecucion_csv"
    assert entry["x-rows-read"] == raw.rows_read
    assert sum(entry["x-rows-excluded"].values()) == len(raw.excluded) > 0
