"""Freed memory given back to the system, so a large file's stages peak at what they hold.

glibc's `malloc` keeps freed memory for reuse: a buffer of a few MiB (a column of a
million rows) is served from the heap once its dynamic threshold has grown, and the
holes left when it is freed stay in the process. Between the comuna stages of a
million-row file that was ≈300 MB of resident memory holding nothing. Two documented
settings of glibc fix it (`mallopt(3)`, `malloc_trim(3)`; Dask recommends the same):

- `bound_heap`: buffers of `MMAP_THRESHOLD` bytes or more are always mapped on their
  own, and unmapped when freed (the threshold no longer grows);
- `release_freed`: after a stage, free pages of the heap are returned.

Elsewhere than glibc (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import functools

M_MMAP_THRESHOLD = -3  # <malloc.h>
MMAP_THRESHOLD = 4 << 20


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


@functools.cache
def bound_heap() -> bool:
    """Map buffers of `MMAP_THRESHOLD` bytes or more on their own (once per process);
    whether the setting was taken."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_freed() -> None:
    """Return the heap's free pages to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
