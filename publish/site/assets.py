"""The site's static assets: our own (style, scripts) and the vendored DuckDB-Wasm engine.

``publish/static/`` holds the stylesheet and scripts, copied to ``assets/``, and
``publish/static/duckdb/``: DuckDB-Wasm's browser bundle as published on the npm
registry (refreshed by ``update.sh``, pinned by ``package-lock.json``). Only the files
its ``SHA256SUMS`` lists are served (the bundle, its worker, the ``.wasm`` module and the
licences), under a content-addressed folder ``assets/duckdb/<digest>/`` (the digest of
``SHA256SUMS``): a new engine gets a new URL, so no browser mixes a cached worker with a
new module. The 35 MB are hard-linked into each site build (copied only when the build
is on another file system), so a site build costs no space for them.

The publish gate does not read the engine for personal data (it is third-party code,
not data): it checks instead that every file under ``assets/duckdb/`` is one of the
vendored files, byte for byte (:func:`check_engine`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from pathlib import Path

from datasets.hashing import sha256_file

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
ENGINE_DIR = STATIC_DIR / "duckdb"
ASSETS = "assets"
ENGINE = f"{ASSETS}/duckdb"


@functools.cache
def engine_files() -> dict[str, str]:
    """``{file name: sha256}`` of the vendored DuckDB-Wasm files the site serves."""
    sums = ENGINE_DIR / "SHA256SUMS"
    files = {}
    for line in sums.read_text("utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        files[name.lstrip("*")] = digest
    return files


@functools.cache
def engine_path() -> str:
    """Site path of the engine's folder, named by the digest of its ``SHA256SUMS``."""
    digest = hashlib.sha256((ENGINE_DIR / "SHA256SUMS").read_bytes()).hexdigest()[:12]
    return f"{ENGINE}/{digest}"


@functools.cache
def engine_bytes() -> int:
    """What a reader downloads the first time the query box opens (the licences aside)."""
    return sum(
        (ENGINE_DIR / name).stat().st_size
        for name in engine_files()
        if not name.startswith("LICENSE")
    )


def static_files() -> list[tuple[str, Path]]:
    """``(site path, source)`` of every asset, in a stable order."""
    own = [
        (f"{ASSETS}/{p.relative_to(STATIC_DIR).as_posix()}", p)
        for p in sorted(STATIC_DIR.glob("*"))
        if p.is_file()
    ]
    engine = [(f"{engine_path()}/{name}", ENGINE_DIR / name) for name in sorted(engine_files())]
    return own + engine


def write_assets(out_dir: Path) -> list[Path]:
    """Put every asset into ``out_dir``: the engine's files as hard links (copies across
    file systems; ``update.sh`` replaces them, never rewrites them in place), our own
    small files as copies (an editor may rewrite them in place)."""
    written = []
    for rel, source in static_files():
        target = Path(out_dir) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        if rel.startswith(f"{ENGINE}/"):
            _link_or_copy(source, target)
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, target)


def check_engine(site: Path) -> list[str]:
    """Problems with the engine files in a site build: each must be a vendored file,
    unchanged (the publish gate runs this instead of reading them for personal data)."""
    root = Path(site) / ENGINE
    if not root.exists():
        return []
    expected = {f"{engine_path()}/{name}": digest for name, digest in engine_files().items()}
    problems = []
    for path in sorted(p for p in root.rglob("*") if not p.is_dir()):
        rel = path.relative_to(site).as_posix()
        if rel not in expected:
            problems.append(f"{rel}: not a vendored DuckDB-Wasm file")
        elif path.is_symlink() or sha256_file(path) != expected[rel]:
            problems.append(f"{rel}: differs from the vendored DuckDB-Wasm file")
    return problems
