"""Integrity of a release: `SHA256SUMS`, the hashes in each `datapackage.json`, fsync.

`SHA256SUMS` uses the format of GNU `sha256sum` (`<hex>  <path>`, one file per line,
sorted), so a downloaded copy can also be checked with `sha256sum -c SHA256SUMS`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from datasets.hashing import sha256_file

SUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Problem:
    """One way a file differs from what was published."""

    file: str
    kind: str  # missing | hash-mismatch | bytes-mismatch | not-listed | no-checksums
    es: str
    en: str

    def __str__(self) -> str:
        return f"{self.file}: {self.es} / {self.en}"


def release_files(folder: Path) -> list[Path]:
    """Every file of a release folder except `SHA256SUMS` itself, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != SUMS)


class HashingWriter(io.RawIOBase):
    """A binary file written through sha256: `digest()` is that of exactly the bytes
    written, taken as they are written (no second read). For writers that only append
    (CSV, Parquet); hashlib releases the GIL on large blocks."""

    def __init__(self, handle: io.BufferedWriter) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        return self.handle.write(data)

    def digest(self) -> str:
        return self.sha256.hexdigest()


def file_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file of a release folder (but `SHA256SUMS`), by relative path:
    the one read of each file that `write_sums`, `verify_folder` and the leak scan share."""
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in release_files(folder)}


def write_sums(folder: Path, digests: Mapping[str, str] | None = None) -> Path:
    """Write `SHA256SUMS` of the folder (from `digests`, `file_digests` of it, when given)."""
    digests = file_digests(folder) if digests is None else digests
    lines = [f"{digest}  {name}\n" for name, digest in sorted(digests.items())]
    path = folder / SUMS
    path.write_text("".join(lines), encoding="utf-8")
    return path


def read_sums(path: Path) -> dict[str, str]:
    sums = {}
    for line in path.read_text("utf-8").splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return sums


def verify_folder(folder: Path, digests: Mapping[str, str] | None = None) -> list[Problem]:
    """Check a release folder (or a downloaded copy, or one dataset's package folder).

    Every file listed in `SHA256SUMS` must exist with that hash, every file present must
    be listed, and every resource (and alternate format) in each `datapackage.json` must
    have the `bytes` and `hash` it declares. A package folder without `SHA256SUMS` is
    checked against its `datapackage.json` alone. `digests` (relative path → sha256, as
    `file_digests` gives them) are the files' hashes when the caller has just read them
    all: each file is then hashed once, not once per list it is in.
    """
    known = dict(digests or {})

    def sha256_of(path: Path) -> str:
        name = path.relative_to(folder).as_posix()
        if name not in known:
            known[name] = sha256_file(path)
        return known[name]

    problems: list[Problem] = []
    sums_path = folder / SUMS
    packages = sorted(folder.rglob("datapackage.json"))
    if sums_path.exists():
        sums = read_sums(sums_path)
        for name, digest in sorted(sums.items()):
            path = folder / name
            if not path.is_file():
                problems.append(Problem(name, "missing", "falta el archivo", "file is missing"))
            elif sha256_of(path) != digest:
                problems.append(
                    Problem(name, "hash-mismatch", "el hash SHA-256 no coincide", "SHA-256 differs")
                )
        for path in release_files(folder):
            name = path.relative_to(folder).as_posix()
            if name not in sums:
                problems.append(
                    Problem(name, "not-listed", f"no figura en {SUMS}", f"not listed in {SUMS}")
                )
    elif not packages:
        return [
            Problem(
                folder.name,
                "no-checksums",
                f"no hay {SUMS} ni datapackage.json",
                f"no {SUMS} nor datapackage.json",
            )
        ]
    for package_path in packages:
        problems += _verify_package(package_path, folder, sha256_of)
    return problems


def _verify_package(package_path: Path, root: Path, sha256_of) -> list[Problem]:
    package = json.loads(package_path.read_text("utf-8"))
    problems = []
    for resource in package["resources"]:
        for entry in [resource, *resource.get("x-alternates", [])]:
            path = package_path.parent / entry["path"]
            name = path.relative_to(root).as_posix()
            if not path.is_file():
                problems.append(Problem(name, "missing", "falta el archivo", "file is missing"))
                continue
            if "bytes" not in entry or "hash" not in entry:
                problems.append(
                    Problem(
                        name,
                        "no-checksums",
                        "datapackage.json no declara bytes y hash",
                        "datapackage.json declares no bytes and hash",
                    )
                )
            elif path.stat().st_size != entry["bytes"]:
                problems.append(
                    Problem(
                        name,
                        "bytes-mismatch",
                        f"tamaño distinto del declarado ({entry['bytes']} bytes)",
                        f"size differs from the declared {entry['bytes']} bytes",
                    )
                )
            elif f"sha256:{sha256_of(path)}" != entry["hash"]:
                problems.append(
                    Problem(
                        name,
                        "hash-mismatch",
                        "el hash no coincide con datapackage.json",
                        "hash differs from datapackage.json",
                    )
                )
    return problems


def fsync_tree(folder: Path) -> None:
    """Flush every file and folder under `folder` (and `folder` itself) to disk."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    for path in [*sorted(p for p in folder.rglob("*") if p.is_dir()), folder]:
        fsync_dir(path)


def fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
