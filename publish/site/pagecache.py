"""Pages rendered once: a content-addressed store of output files, keyed by what made them.

A page's key is the sha256 of its render context (the plain data its template reads,
nothing more: see :func:`publish.site.comunas.comuna_page_context`), its site path and
the code that renders it (every module, template and code list of ``publish/``,
``schemas/`` and ``quality/``, and the versions of the libraries that write markup or
SVG). The same key gives the same bytes, so a
release whose comuna's context did not change hard-links the file rendered before
instead of rendering it again, as a static site generator's build cache does (Hugo's
``resources/_gen``, Gatsby's ``.cache``): at 346 comunas a re-release renders the pages
of the comunas that changed, not all of them.

The store (``ABIERTO_HOME/.page-cache/``, private, never part of the site) holds one
hard link per file of the served site that came from it; :meth:`PageCache.prune` drops
the entries no site build links any more (link count 1), so it stays the size of the
served site's cached pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
# publish/ renders; schemas/ (code lists, descriptors) and quality/ (budget dimensions)
# give the charts and pages labels they read besides their context
SOURCES = ("publish", "schemas", "quality")
SUFFIXES = {".py", ".html", ".json", ".csv", ".yaml"}
LIBRARIES = ("jinja2", "markupsafe", "nh3", "markdown-it-py", "altair", "vl-convert-python")


@cache
def code_version() -> str:
    """sha256 of what turns a context into bytes: the code, templates and code lists of
    `SOURCES`, and the versions of the libraries that render (a change renders every
    page again)."""
    digest = hashlib.sha256()
    for top in SOURCES:
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                digest.update(path.relative_to(REPO).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    for library in LIBRARIES:
        digest.update(f"{library}=={version(library)}\0".encode())
    return digest.hexdigest()


def context_digest(context: Any) -> str:
    """sha256 of a render context as JSON (keys sorted)."""
    text = json.dumps(context, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def page_key(path: str, context: Any, digest: str | None = None) -> str:
    """The key of one output file: its site path, its context and the code. `digest` is
    the context's `context_digest`, when already known (the pages of one context in
    each language)."""
    digest = digest or context_digest(context)
    return hashlib.sha256(f"{code_version()}\0{path}\0{digest}".encode()).hexdigest()


class PageCache:
    """Output files by key, in `folder`; counts what it rendered and what it reused.

    Also a memo of values computed from files (`memo`: a dataset's chart data from its
    Parquet files), in `folder/memo/`, pickled (private: written and read by this
    code only); the memos a render did not use are dropped by `prune`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rendered = 0
        self.reused = 0
        self.used: set[str] = set()

    def memo(self, what: str, inputs: Any, compute: Callable[[], Any]) -> Any:
        """`compute()`, or the value it gave before for the same `what` and `inputs`
        (JSON: file hashes, not file paths) and the same code."""
        key = page_key(what, inputs)
        path = self.folder / "memo" / f"{key}.pickle"
        self.used.add(path.name)
        if path.is_file():
            with path.open("rb") as handle:
                return pickle.load(handle)  # noqa: S301 - written by `memo` only
        value = compute()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
        return value

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def holds(self, key: str) -> bool:
        """Whether the file of `key` is stored (`bytes_for` links it, renders nothing)."""
        return self._path(key).is_file()

    def bytes_for(self, key: str, render: Callable[[], bytes]) -> Path | bytes:
        """The stored file of `key` (to link), or the bytes `render` makes (to write,
        then `keep`)."""
        path = self._path(key)
        if path.is_file():
            self.reused += 1
            return path
        self.rendered += 1
        return render()

    def keep(self, key: str, written: Path) -> None:
        """Store a file just written under `key` (a hard link, no copy)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{key}.{os.getpid()}")
        temporary.unlink(missing_ok=True)
        os.link(written, temporary)
        os.replace(temporary, path)

    def prune(self) -> int:
        """Remove entries no site build links any more; return how many."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for path in self.folder.glob("*/*"):
            if path.parent.name == "memo":
                stale = path.name not in self.used
            else:
                stale = path.stat().st_nlink == 1
            if stale:
                path.unlink()
                removed += 1
        return removed
