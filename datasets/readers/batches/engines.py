"""Choosing how to read a CSV file: the fastest reader that reads it as ``csv`` does.

Readers, fastest first: ``arrow-chunked`` (see ``chunked``), Arrow's streaming
readers (``ARROW_ENGINES``) and ``python``, frictionless-py's own reading. A
reader that cannot guarantee that reading raises ``FallbackRequired`` naming
the next one to try.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .chunked import ChunkedBatches, can_cut
from .reader import ARROW_ENGINES, Batch, Prelude, arrow_batches, python_batches


def first_engine(prelude: Prelude) -> str:
    """The reader to try first: only ``csv`` reads spaces after a delimiter alike."""
    if prelude.dialect.skipinitialspace:
        return "python"
    return "arrow-chunked" if can_cut(prelude) else ARROW_ENGINES[0]


def file_batches(
    path: str | Path,
    prelude: Prelude,
    n_fields: int,
    *,
    header: bool,
    engine: str,
    blank_ambiguous: bool,
) -> Iterator[Batch | UnicodeDecodeError]:
    """Batches from the named reader (to be closed, e.g. with ``contextlib.closing``)."""
    if engine == "python":
        return python_batches(path, prelude, n_fields, header=header)
    if engine == "arrow-chunked":
        return ChunkedBatches(
            path, prelude, n_fields, header=header, blank_ambiguous=blank_ambiguous
        )
    return arrow_batches(
        path, prelude, n_fields, header=header, engine=engine, blank_ambiguous=blank_ambiguous
    )
