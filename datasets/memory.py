"""Freed memory given back to the system between the comuna stages.

glibc's `malloc` keeps freed memory for reuse: a buffer of a few MiB (a column of a
million rows) is served from the heap once its dynamic mapping threshold has grown,
and the holes left when it is freed stay in the process. After ingesting a
million-row file that was ≈300 MB of resident memory holding nothing, on top of which
the next stage's peak came. `release_freed` returns the heap's free pages
(`malloc_trim(3)`) after each stage.

Mapping every buffer of 4 MiB or more on its own (`mallopt(M_MMAP_THRESHOLD)`) was
measured too: ≈90 MB less at the ingest's peak, for ≈2 CPU s more of page faults at
a million rows (a fresh mapping per temporary column). Not taken.

Arrow's allocator (mimalloc) keeps freed segments too: after reading a million-row
CSV it held ≈230 MB that no array used (`pyarrow.total_allocated_bytes()` was 0).
`release_freed` asks it to give them back as well (`MemoryPool.release_unused`).

Elsewhere than glibc (musl, macOS) the heap's part does nothing.
"""

from __future__ import annotations

import ctypes
import functools

import pyarrow as pa


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_freed() -> None:
    """Return the free pages of Arrow's allocator and of the heap to the system."""
    pa.default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
