"""sha256 of landed files, kept on disk so an unchanged file is hashed once, not every run.

Deciding whether a comuna × dataset is unchanged (`steps.unit_fingerprint`) needs the
sha256 of each of its landed files, and of every national file of the dataset, and
carrying it means checking its stored part's files against their recorded sha256
(`parts.read_part`), in the runner and again in the catalog: at 346 comunas that is
hashing gigabytes per run for nothing. The cache maps a file's path to
its digest together with what `stat` says of it (size, modification and change times
in nanoseconds, inode); a file whose `stat` still says the same is not read again.
Writing a file (even the same number of bytes, even with its old modification time put
back) moves its change time, which only the kernel sets: it is hashed again.

The cache is private (`warehouse/digests.sqlite`, beside the parts), one row per path,
shared by the processes of a run (SQLite's own locking; a busy or damaged cache only
costs a re-hash, never a wrong digest).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from datasets.hashing import sha256_file

FILE = "digests.sqlite"  # under the warehouse
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS digests (path TEXT PRIMARY KEY, size INTEGER, "
    "mtime_ns INTEGER, ctime_ns INTEGER, inode INTEGER, sha256 TEXT)"
)
_connections: dict[tuple[Path, int], sqlite3.Connection] = {}


def file_sha256(path: Path, cache: Path | None) -> str:
    """sha256 of `path`, read from `cache` (a `digests.sqlite`) while the file's size,
    times and inode are the ones it was hashed with; without a cache, hashed."""
    if cache is None:
        return sha256_file(path)
    key, info, digest = _lookup(path, cache)
    if digest is not None:
        return digest
    digest = sha256_file(path)
    if path.stat().st_mtime_ns == info.st_mtime_ns:  # not written while being read
        with contextlib.suppress(sqlite3.Error), _connect(cache) as connection:
            connection.execute(
                "INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?, ?)",
                (key, *_signature(info), digest),
            )
    return digest


def cached_sha256(path: Path, cache: Path) -> str | None:
    """What `file_sha256(path, cache)` answers without reading the file, else None."""
    return _lookup(path, cache)[2]


def _lookup(path: Path, cache: Path) -> tuple[str, os.stat_result, str | None]:
    """The file's cache key, its `stat`, and its cached digest while the `stat` still
    says what it said when the file was hashed (else None)."""
    # a file name need not be UTF-8 (bytes from a Windows share): its undecodable bytes
    # are kept as `\xNN` escapes, never an error (the stat signature tells files apart)
    # keyed by the absolute path as written (no `realpath`: a system call per folder of
    # the path; two names of one file only cost a second row, the stat tells them apart)
    key = os.fsencode(os.path.abspath(path)).decode("utf-8", "backslashreplace")
    info = path.stat()
    row = None
    with contextlib.suppress(sqlite3.Error):
        row = (
            _connect(cache)
            .execute(
                "SELECT size, mtime_ns, ctime_ns, inode, sha256 FROM digests WHERE path = ?",
                (key,),
            )
            .fetchone()
        )
    digest = row[4] if row is not None and tuple(row[:4]) == _signature(info) else None
    return key, info, digest


def _signature(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _connect(cache: Path) -> sqlite3.Connection:
    """One connection per process and cache file (a forked child opens its own)."""
    key = (cache, os.getpid())
    connection = _connections.get(key)
    if connection is None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(cache, timeout=30, isolation_level=None)
        with contextlib.suppress(sqlite3.Error):
            connection.execute("PRAGMA journal_mode=WAL")
            # no fsync per row: a row lost in a power cut only costs hashing the file again
            # (a first catalog at 346 comunas adds 4,000 rows, one transaction each)
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
        _connections[key] = connection
    return connection
