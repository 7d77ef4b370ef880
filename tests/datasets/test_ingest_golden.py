"""Golden test of the mapping: every sample and reference export, read through every
descriptor whose source matches its name, gives the same tables, excluded rows and
provenance as the per-cell mapping did before the columnar rewrite (digests recorded
in `fixtures/ingest_golden.json` with that code).

    .venv/bin/python -m tests.datasets.test_ingest_golden   # rewrite the digests

Rewrite them only for an intended change of output, and say which in the commit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from datasets.descriptor import (
    DATASETS_DIR,
    DatasetDescriptor,
    load_descriptor,
    load_descriptor_file,
)
from datasets.errors import AbiertoError
from datasets.ingest import RawSource, read_source

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "ingest_golden.json"
FILES = sorted(
    [
        *(ROOT / "datasets/samples/99901").rglob("*.*"),
        *(FIXTURES / "reference").rglob("*.*"),
        FIXTURES / "solicitudes_legacy.xls",
        ROOT / "tests/pipelines/fixtures/ordenes_de_compra_2026-10.csv",
    ]
)


def descriptors() -> list[tuple[str, DatasetDescriptor]]:
    found = [(s, load_descriptor(s)) for s in ("budgets", "contracts", "access_requests")]
    examples = sorted((DATASETS_DIR / "examples").glob("*.dataset.yaml"))
    return found + [(p.name, load_descriptor_file(p)) for p in examples]


def digest(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def frame_digest(frame: pd.DataFrame) -> dict:
    columns = {
        name: digest([str(frame[name].dtype), [repr(v) for v in frame[name].tolist()]])
        for name in frame.columns
    }
    return {"rows": len(frame), "columns": columns}


def snapshot(raw: RawSource) -> dict:
    return {
        "provenance": digest({k: v for k, v in raw.provenance.items() if k != "name"}),
        "tables": {name: frame_digest(frame) for name, frame in raw.tables.items()},
        "excluded": digest([vars(e) for e in raw.excluded]),
        "excluded_tables": {n: frame_digest(f) for n, f in raw.excluded_tables.items()},
    }


def outcome(descriptor: DatasetDescriptor, path: Path) -> dict:
    try:
        return snapshot(read_source(path, descriptor.source_for(path.name), comuna_code="13122"))
    except AbiertoError as error:
        return {"error": error.type, "es": error.message_es, "en": error.message_en}


def cases() -> list[tuple[str, DatasetDescriptor, Path]]:
    return [
        (name, descriptor, path)
        for path in FILES
        for name, descriptor in descriptors()
        if path.suffix != ".md" and descriptor.source_for(path.name) is not None
    ]


def key(name: str, path: Path) -> str:
    return f"{name} {path.relative_to(ROOT)}"


@pytest.mark.parametrize("name, descriptor, path", cases(), ids=lambda v: getattr(v, "name", v))
def test_mapping_output_is_unchanged(name, descriptor, path):
    golden = json.loads(GOLDEN.read_text("utf-8"))
    assert outcome(descriptor, path) == golden[key(name, path)]


def test_every_golden_case_is_run():
    golden = json.loads(GOLDEN.read_text("utf-8"))
    assert sorted(golden) == sorted(key(n, p) for n, _, p in cases())
    assert len(golden) >= 15


if __name__ == "__main__":
    results = {key(n, p): outcome(d, p) for n, d, p in cases()}
    GOLDEN.write_text(json.dumps(results, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"{len(results)} cases written to {GOLDEN}")
