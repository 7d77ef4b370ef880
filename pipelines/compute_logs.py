"""The local instance's step logs: each run's stdout and stderr captured to files, as
Dagster's `LocalComputeLogManager` does (the UI shows them the same way), without
mirroring them to the terminal as they are written.

To mirror, Dagster starts two processes per stream and run: `tail -F` on the file, and
a Python interpreter that watches for the tail to be orphaned. That is four processes,
two of them Python start-ups (≈ 30 ms of CPU each), and waiting for them to end, for
every comuna × dataset run, whose own work on sample-sized data is a few tenths of a
second. Nothing needs the mirror: `abierto run` shows its own progress (a step's stray
output would only garble it), and `abierto ui` shows each step's captured output.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dagster._core.execution.compute_logs import redirect_to_file
from dagster._core.storage.compute_log_manager import CapturedLogContext, ComputeIOType
from dagster._core.storage.local_compute_log_manager import (
    IO_TYPE_EXTENSION,
    LocalComputeLogManager,
)
from dagster._utils import ensure_file, touch_file


class FileComputeLogManager(LocalComputeLogManager):
    """`LocalComputeLogManager` (configured the same way, by `base_dir`) whose capture
    only redirects stdout and stderr to their files."""

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> FileComputeLogManager:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def capture_logs(self, log_key: Sequence[str]) -> Iterator[CapturedLogContext]:
        out, err = (
            self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[io_type])
            for io_type in (ComputeIOType.STDOUT, ComputeIOType.STDERR)
        )
        ensure_file(out)
        ensure_file(err)
        with redirect_to_file(sys.stdout, out), redirect_to_file(sys.stderr, err):
            yield CapturedLogContext(log_key)
        touch_file(self.complete_artifact_path(log_key))  # as Dagster's: capture is complete
