"""Stand-ins for work that never ends, for the tests of stopping and time limits.

`ignore_interrupts_forever` is a child that does not react to SIGINT (stuck where
Python cannot interrupt it: a C loop over a hostile file). `stuck_reader_env` makes
every Python process started with the returned environment (the fork server of
`abierto run`, the run workers of `dagster dev`) read one comuna × dataset (or a few)
forever, and can make units wait for one another (proof that they ran at once),
through a `sitecustomize` module on `PYTHONPATH`: no test hook in the pipeline's code.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

SITECUSTOMIZE = """
import importlib.abc, importlib.util, os, signal, sys, time
from pathlib import Path

STUCK = {tuple(unit.split("/")) for unit in os.environ["ABIERTO_TEST_STUCK"].split(",")}
DEAF = os.environ.get("ABIERTO_TEST_STUCK_DEAF") == "1"
MEET = os.environ.get("ABIERTO_TEST_MEET")


def meet(unit):
    # mark the unit in the MEET folder, wait for another unit's mark (60 s at most), and
    # write "met" in its own when it came: proof that two units ran at once
    folder = Path(MEET)
    mark = folder / "-".join(unit)
    if mark.exists():
        return
    mark.touch()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(other != mark for other in folder.iterdir()):
            mark.write_text("met")
            return
        time.sleep(0.05)


class _StuckReader(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "pipelines.steps":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            read = module.read_source

            def stuck(file, *args, **kwargs):
                if MEET:
                    meet(file.parts[-3:-1])
                if file.parts[-3:-1] in STUCK:
                    if DEAF:  # like a C loop: Python's handlers never run
                        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
                    time.sleep(3600)
                return read(file, *args, **kwargs)

            module.read_source = stuck

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _StuckReader())
"""


def ignore_interrupts_forever() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(3600)


def stuck_reader_env(
    folder: Path, cut: str, slug: str, *, deaf: bool, also: list[str] = (), meet: Path | None = None
) -> dict[str, str]:
    """Environment variables under which reading `landing/<cut>/<slug>/` (and each
    `<cut>/<slug>` in `also`) never ends; `deaf`: it does not react to SIGINT or SIGTERM
    either (only SIGKILL ends it). With `meet`, every unit's first read leaves a mark
    in that folder and waits for another unit's (`meet_marks`)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    env = {
        "PYTHONPATH": os.pathsep.join([str(folder), str(root)]),
        "ABIERTO_TEST_STUCK": ",".join([f"{cut}/{slug}", *also]),
        "ABIERTO_TEST_STUCK_DEAF": "1" if deaf else "0",
    }
    if meet is not None:
        meet.mkdir(parents=True, exist_ok=True)
        env["ABIERTO_TEST_MEET"] = str(meet)
    return env


def meet_marks(folder: Path) -> dict[str, str]:
    """`cut-slug` → "met" for each unit that found another running, "" for one that
    waited in vain."""
    return {mark.name: mark.read_text() for mark in folder.iterdir()}
