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

import os
import sys
from pathlib import Path

from pipelines import digests
from pipelines.isolation import start_fork_server

# What the fork server imports once, so each unit's child starts at once.
PRELOAD = ["pipelines.assets", "pipelines.runner", "pipelines.warmup"]


def likely_work(root: Path) -> bool:
    """Whether a run of the home at `root` will likely run something, known from `stat`
    alone: no digest cache yet (a new home), or a landed file not in it as it is now
    (new or rewritten). A hint: a unit may still run for other reasons (new code, a
    failed attempt), and then the runner starts the server after its pre-pass."""
    cache = root / "warehouse" / digests.FILE
    if not cache.is_file():
        return True
    for folder, _subfolders, names in os.walk(root / "landing"):
        for name in names:
            path = Path(folder, name)
            try:
                if path.is_file() and not path.is_symlink() and not digests.is_cached(path, cache):
                    return True
            except OSError:  # gone meanwhile: the run will see it
                return True
    return False


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
