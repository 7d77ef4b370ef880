"""OCDS releases of one process spread across several landed files, merged once.

A publisher may deliver a process's tender in one file and its contract in the next
(Paraguay's `284444` tender and contract releases). Each landed file is still read on
its own, so that its rows stay accounted to it; but a process (`ocid`) found in several
files of the same source is compiled, as `ocdskit compile` does, from the releases of
all of them, and read only in the file whose name sorts last among them (landed exports
are named by period: the newest holds the process). The other files leave that process
out and say where it went (`processes_merged_elsewhere`, in their provenance).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from datasets.errors import AbiertoError
from datasets.readers import jsondoc, ocds
from datasets.readers.encoding import decode


def releases_of_file(path: Path, encodings: Sequence[str]) -> dict[str, list[dict]]:
    """The releases of a landed OCDS file by ocid (compiled releases of records
    included); empty for a file that cannot be read (it is refused on its own turn)."""
    stat = path.stat()
    return _releases_of_file(str(path), stat.st_size, stat.st_mtime_ns, tuple(encodings))


@lru_cache(maxsize=64)
def _releases_of_file(
    path: str, size: int, mtime_ns: int, encodings: tuple[str, ...]
) -> dict[str, list[dict]]:
    name = Path(path).name
    try:
        text, _ = decode(Path(path).read_bytes(), None, list(encodings), name)
        releases, _ = ocds.releases_in(jsondoc.load_documents(text, name), name)
    except (AbiertoError, OSError, ValueError, RecursionError):
        return {}
    by_ocid: dict[str, list[dict]] = {}
    for release in releases:
        ocid = release.get("ocid")
        if isinstance(ocid, str) and ocid.strip():
            by_ocid.setdefault(ocid, []).append(release)
    return by_ocid


def merge_across_files(
    path: Path, releases: list[dict], siblings: Sequence[Path], encodings: Sequence[str]
) -> tuple[list[dict], list[dict]]:
    """This file's releases, with those of its processes that other landed files also
    hold added when this file reads the process, and dropped when another file does.
    Returns the releases to compile and the processes handed to another file
    (`{ocid, file, es, en}`)."""
    others = sorted((s for s in siblings if s.name != path.name), key=lambda s: s.name)
    if not others:
        return releases, []
    elsewhere = {s.name: releases_of_file(s, encodings) for s in others}
    ocids = {r.get("ocid") for r in releases}
    kept, handed = [], []
    added: list[dict] = []
    for ocid in sorted(o for o in ocids if isinstance(o, str)):
        holders = [name for name, found in elsewhere.items() if ocid in found]
        if not holders:
            continue
        owner = max([path.name, *holders])
        if owner == path.name:
            added += [r for name in holders for r in elsewhere[name][ocid]]
        else:
            handed.append(_handed(ocid, owner))
    gone = {h["ocid"] for h in handed}
    kept = [r for r in releases if r.get("ocid") not in gone]
    return kept + added, handed


def _handed(ocid: str, owner: str) -> dict:
    return {
        "ocid": ocid,
        "file": owner,
        "es": f"el proceso {ocid} también está en {owner}: se combinaron sus entregas y se "
        "lee en ese archivo",
        "en": f"the process {ocid} is also in {owner}: their releases were merged and it is "
        "read in that file",
    }
