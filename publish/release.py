"""Immutable releases, published atomically, and the pointer that says which one is served.

Layout under `ABIERTO_HOME` (see docs/releases.md)::

    releases/<id>/                one folder per release, written once, never rewritten
        release.json              id, previous release, content fingerprint, catalog state
        CHANGES.md                release notes: rows added, removed, changed per dataset
        SHA256SUMS                every file of the release (GNU sha256sum format)
        abierto.duckdb            views over the release's Parquet files
        <slug>/                   one data package per dataset
    releases/.staging-<id>-…/     a release being assembled (orphans removed on the next run)
    .site-builds/<id>-…/          a full static site: pages, catalog.json, latest/ (the
                                  current release) and releases/ (hard links, no copies)
    site -> .site-builds/<id>-…   what is served: a symlink switched with os.replace
    .publish.lock                 held (flock) while publishing or rolling back
    .release-pin                  set by a rollback: runs with unchanged inputs keep it

Release ids are the run date, `2026-11-23`; a second release with different content on
the same day is `2026-11-23.2`, then `.3`, … A run whose content fingerprint equals the
newest release's makes no new release.

Publication order (each step a `checkpoint`, where `ABIERTO_CRASH_AT=<step>` makes the
process SIGKILL itself, for the crash tests): stage the release, build the site around it,
run the gate, fsync, rename the staging folder into `releases/` (the commit), switch the
`site` pointer. A crash before the commit leaves only orphans; after it, the re-run finds
the committed release with the same fingerprint and completes the switch.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from datasets.errors import AbiertoError
from publish.integrity import fsync_dir, fsync_tree

MANIFEST = "release.json"
NOTES = "CHANGES.md"
RELEASE_ID = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?$")
CRASH_ENV = "ABIERTO_CRASH_AT"
TIMINGS_ENV = "ABIERTO_TIMINGS"
STEPS = (
    "locked",
    "orphans-cleaned",
    "staged-packages",
    "staged-changes",
    "staged-duckdb",
    "staged-manifest",
    "staged-checksums",
    "site-built",
    "gate-passed",
    "synced",
    "committed",
    "switched",
    "done",
)

Render = Callable[[Path, dict], None]


def checkpoint(step: str) -> None:
    """Crash injection for tests: SIGKILL this process when `ABIERTO_CRASH_AT` names `step`.
    Also a timing `mark`."""
    mark(step)
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def mark(step: str) -> None:
    """Append `step<TAB>time` to the file `ABIERTO_TIMINGS` names, if any: where the
    catalog step's time goes, for `benchmarks/end_to_end.py`."""
    path = os.environ.get(TIMINGS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{step}\t{time.time():.6f}\n")


def release_sort_key(release_id: str) -> tuple[str, int]:
    match = RELEASE_ID.match(release_id)
    if match is None:
        raise ValueError(f"not a release id: {release_id}")
    return match.group(1), int(match.group(2) or 1)


class Archive:
    """The releases of one `ABIERTO_HOME` and the pointer to the served one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases = root / "releases"
        self.builds = root / ".site-builds"
        self.site = root / "site"
        self.pin = root / ".release-pin"

    def ids(self) -> list[str]:
        if not self.releases.is_dir():
            return []
        names = [p.name for p in self.releases.iterdir() if RELEASE_ID.match(p.name)]
        return sorted(
            (n for n in names if (self.releases / n / MANIFEST).exists()), key=release_sort_key
        )

    def newest(self) -> str | None:
        ids = self.ids()
        return ids[-1] if ids else None

    def current(self) -> str | None:
        """The served release (None before the first one, or for a pre-release site)."""
        state = self.site / "catalog.json"
        if not state.exists():
            return None
        release_id = json.loads(state.read_text("utf-8"))["release_id"]
        return release_id if (self.releases / release_id / MANIFEST).exists() else None

    def manifest(self, release_id: str) -> dict:
        path = self.releases / release_id / MANIFEST
        if not path.exists():
            raise AbiertoError(
                f"no existe la publicación {release_id}; vea `abierto releases`",
                f"there is no release {release_id}; see `abierto releases`",
            )
        return json.loads(path.read_text("utf-8"))

    def next_id(self, date: str) -> str:
        taken = [release_sort_key(i)[1] for i in self.ids() if i.split(".")[0] == date]
        return f"{date}.{max(taken) + 1}" if taken else date

    def pinned(self) -> str | None:
        return self.pin.read_text("utf-8").strip() if self.pin.exists() else None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive publication lock (released by the kernel if the process dies)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".publish.lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise AbiertoError(
                    "otra publicación está en curso; inténtelo cuando termine",
                    "another publication is running; try again when it ends",
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clean_orphans(self) -> None:
        """Remove staging folders and site builds left by interrupted publications."""
        if self.releases.is_dir():
            for path in self.releases.glob(".staging-*"):
                shutil.rmtree(path)
        served = self.site.resolve() if self.site.is_symlink() else None
        if self.builds.is_dir():
            for path in self.builds.iterdir():
                if path != served:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        for path in self.root.glob(".site.tmp-*"):
            path.unlink()

    def staging(self, release_id: str) -> Path:
        self.releases.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{release_id}-", dir=self.releases))
        staging.chmod(0o755)  # mkdtemp makes it private; a release is public
        return staging

    def commit(self, staging: Path, release_id: str) -> Path:
        """Make a staged release permanent: fsync, then one atomic rename into `releases/`."""
        target = self.releases / release_id
        os.rename(staging, target)
        fsync_dir(self.releases)
        return target

    def build_site(self, release_id: str, release_dir: Path, render: Render) -> Path:
        """A complete site for `release_id`: pages, `catalog.json`, `latest/`, `releases/`.

        Files are hard links into the releases (no copies). `release_dir` is the release's
        folder (its staging folder while it is not committed yet).
        """
        self.builds.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=f"{release_id}-", dir=self.builds))
        build.chmod(0o755)
        for other in self.ids():
            if other != release_id:
                shutil.copytree(
                    self.releases / other, build / "releases" / other, copy_function=os.link
                )
        shutil.copytree(release_dir, build / "releases" / release_id, copy_function=os.link)
        shutil.copytree(release_dir, build / "latest", copy_function=os.link)
        manifest = json.loads((release_dir / MANIFEST).read_text("utf-8"))
        render(build, manifest)
        (build / "catalog.json").write_text(
            json.dumps(manifest["catalog"], ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        return build

    def switch(self, build: Path) -> None:
        """Serve `build`: replace the `site` symlink atomically, then drop the old build."""
        old = self.site.resolve() if self.site.is_symlink() else None
        if self.site.exists() and not self.site.is_symlink():
            os.rename(self.site, self.builds / f"legacy-{os.getpid()}")  # pre-release layout
        temporary = self.root / f".site.tmp-{os.getpid()}"
        temporary.unlink(missing_ok=True)
        os.symlink(os.path.relpath(build, self.root), temporary)
        os.replace(temporary, self.site)
        fsync_dir(self.root)
        if old is not None and old != build.resolve() and old.exists():
            shutil.rmtree(old)

    def serve(self, release_id: str, render: Render, *, pin: bool) -> None:
        """Make an existing, committed release the served one (completion or rollback)."""
        build = self.build_site(release_id, self.releases / release_id, render)
        fsync_tree(build)
        self.switch(build)
        if pin:
            self.pin.write_text(release_id + "\n", encoding="utf-8")
        else:
            self.pin.unlink(missing_ok=True)
