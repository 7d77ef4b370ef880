"""The `abierto` command's entry point: `abierto run` starts its fork server first.

The fork server (`pipelines.isolation`) imports the pipeline once (≈ 2 s: pandas,
frictionless, Dagster and its run machinery) before it forks each unit's child; the
command itself spends about as long importing the CLI before it can decide which units
are unchanged. When the run will likely have work, both happen at once: this module
imports only the standard library (and `pipelines.digests`, which does too), looks at
the home, and starts the fork server before the CLI is imported. When nothing changed
it starts nothing, so an unchanged run stays as cheap as it was; the runner starts the
server later itself whenever a unit or the catalog turns out to need a run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pipelines import digests
from pipelines.isolation import start_fork_server

# What the fork server imports once, so each unit's child starts at once.
PRELOAD = ["pipelines.assets", "pipelines.runner", "pipelines.warmup"]
# Hidden files and office lock files are not exports (`datasets.readers.landed_entries`).
NOT_EXPORTS = (".", "~$")


def likely_work(root: Path) -> bool:
    """Whether a run of the home at `root` will likely run something, known without
    hashing: no digest cache yet (a new home), a landed file not in it as it is now
    (new or rewritten), or a comuna × dataset folder of `landing/` whose files are not
    the names its latest attempt recorded (one removed, or that attempt failed). A
    hint: a unit may still run for other reasons (new code, a changed installation
    entry), and then the runner starts the server in or after its pre-pass."""
    landing, warehouse = root / "landing", root / "warehouse"
    cache = warehouse / digests.FILE
    if not cache.is_file():
        return True
    for folder, subfolders, names in os.walk(landing):
        subfolders[:] = [name for name in subfolders if not name.startswith(NOT_EXPORTS)]
        for name in names:
            if name.startswith(NOT_EXPORTS):
                continue
            path = Path(folder, name)
            try:
                if (
                    path.is_file()
                    and not path.is_symlink()
                    and not digests.cached_sha256(path, cache)
                ):
                    return True
            except OSError:  # gone meanwhile: the run will see it
                return True
    for folder in landing.glob("*/*/"):
        cut, slug = folder.parts[-2:]
        if cut.startswith(("_", ".")):  # national files: their names are not recorded here
            continue
        names = {entry.name for entry in folder.iterdir() if not entry.name.startswith(NOT_EXPORTS)}
        if names != _recorded(warehouse / "comunas" / cut / slug / "attempt.json"):
            return True
    return False


def _recorded(attempt: Path) -> set[str] | None:
    """The names of the comuna's own files in its latest attempt's fingerprint, when
    it passed (None otherwise: it runs again)."""
    try:
        recorded = json.loads(attempt.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    files = (recorded.get("fingerprint") or {}).get("files")
    if recorded.get("blocked") or files is None:
        return None
    return {name for name in files if not name.startswith("_national/")}


def home_root(args: list[str]) -> Path:
    """The home `abierto run` will use: `--home`, else `$ABIERTO_HOME`, else `./data`
    (as `pipelines.home.Home.from_env`)."""
    value = None
    for index, arg in enumerate(args):
        if arg == "--home" and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--home="):
            value = arg.removeprefix("--home=")
    return Path(value or os.environ.get("ABIERTO_HOME", "data")).resolve()


def main() -> None:
    """`abierto …`: for `abierto run` with likely work, the fork server first; then the CLI."""
    args = sys.argv[1:]
    if args[:1] == ["run"] and likely_work(home_root(args)):
        start_fork_server(PRELOAD)
    from pipelines.cli import app

    app()
