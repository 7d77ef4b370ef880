"""The site's assets (`publish.site.assets`): the vendored DuckDB-Wasm engine, how it
reaches each site build, and how the publish gate checks it instead of reading it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from datasets.errors import PublishBlocked
from publish.integrity import write_sums
from publish.publication import gate
from publish.site.assets import (
    ENGINE_DIR,
    check_engine,
    engine_bytes,
    engine_files,
    engine_path,
    write_assets,
)

SERVED = {
    "engine.mjs",
    "duckdb-browser-eh.worker.js",
    "duckdb-eh.wasm",
    "parquet_wasm_bg.wasm",
    "LICENSE",
    "LICENSE-apache-arrow.txt",
    "LICENSE-parquet-wasm-MIT",
    "LICENSE-parquet-wasm-APACHE",
}


def test_the_vendored_files_are_the_ones_listed_with_their_hashes():
    assert set(engine_files()) == SERVED
    for name, digest in engine_files().items():
        assert hashlib.sha256((ENGINE_DIR / name).read_bytes()).hexdigest() == digest, name
    # What a reader downloads when the box opens, licences aside (see update.sh).
    assert 30_000_000 < engine_bytes() < 45_000_000
    lock = (ENGINE_DIR / "package-lock.json").read_text("utf-8")
    assert '"node_modules/@duckdb/duckdb-wasm": {\n      "version": "1.32.0"' in lock


def test_the_engine_folder_is_named_by_the_digest_of_its_sums():
    digest = hashlib.sha256((ENGINE_DIR / "SHA256SUMS").read_bytes()).hexdigest()[:12]
    assert engine_path() == f"assets/duckdb/{digest}"


def test_assets_reach_the_build_and_the_engine_is_linked_not_copied(tmp_path):
    written = write_assets(tmp_path)
    rels = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"assets/style.css", "assets/search.js", "assets/query.js"} <= rels
    assert {f"{engine_path()}/{name}" for name in SERVED} <= rels
    # Nothing of the vendoring tooling is published.
    assert not any(
        r.endswith(("update.sh", "package.json", "entry.mjs", "SHA256SUMS")) for r in rels
    )
    wasm = tmp_path / engine_path() / "duckdb-eh.wasm"
    source = ENGINE_DIR / "duckdb-eh.wasm"
    if wasm.stat().st_dev == source.stat().st_dev:
        assert os.path.samefile(wasm, source)  # a hard link: no space per build
    assert wasm.read_bytes()[:4] == b"\0asm"
    style = tmp_path / "assets/style.css"
    assert not os.path.samefile(style, ENGINE_DIR.parent / "style.css")  # our own: a copy
    assert check_engine(tmp_path) == []


def test_write_assets_twice_replaces_the_files(tmp_path):
    write_assets(tmp_path)
    assert check_engine(tmp_path) == []
    write_assets(tmp_path)
    assert check_engine(tmp_path) == []


def tamper(site: Path, name: str) -> None:
    target = site / engine_path() / name
    data = target.read_bytes()
    target.unlink()  # break the hard link: never write into the vendored file
    target.write_bytes(data + b"\n// changed")


def test_check_engine_names_a_changed_or_foreign_file(tmp_path):
    write_assets(tmp_path)
    tamper(tmp_path, "engine.mjs")
    (tmp_path / "assets/duckdb/leak.csv").write_text("rut\n12.345.678-5\n", "utf-8")
    assert check_engine(tmp_path) == [
        f"{engine_path()}/engine.mjs: differs from the vendored DuckDB-Wasm file",
        "assets/duckdb/leak.csv: not a vendored DuckDB-Wasm file",
    ]
    assert (
        hashlib.sha256((ENGINE_DIR / "engine.mjs").read_bytes()).hexdigest()
        == (engine_files()["engine.mjs"])
    )


def test_the_publish_gate_checks_the_engine_instead_of_reading_it(tmp_path):
    staging, build = tmp_path / "staging", tmp_path / "build"
    staging.mkdir()
    write_sums(staging)  # an empty release, verified
    write_assets(build)
    # The .wasm files are binary: read by the leak scan they would be "unscannable".
    gate(staging, build, {}, set())
    tamper(build, "duckdb-browser-eh.worker.js")
    with pytest.raises(PublishBlocked, match="differs from the vendored DuckDB-Wasm file"):
        gate(staging, build, {}, set())
