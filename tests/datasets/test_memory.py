"""Freed memory returned to the system (`datasets.memory`, glibc only)."""

import subprocess
import sys
import textwrap

import pytest

from datasets import memory

pytestmark = pytest.mark.skipif(memory._glibc() is None, reason="glibc's malloc only")

# 3000 buffers of 100 KiB (under the mapping threshold: from the heap), each followed by a
# small one that stays, so that freeing the large ones leaves holes `malloc` keeps.
SCRIPT = textwrap.dedent(
    """
    import ctypes, os, sys
    from datasets import memory

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = libc.calloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: no trimming on its own
    big, kept = [], []
    for _ in range(3000):
        big.append(libc.calloc(1, 100 << 10))
        kept.append(libc.malloc(64))
        ctypes.memset(big[-1], 1, 100 << 10)
    for pointer in big:
        libc.free(pointer)
    before = rss()
    if sys.argv[1] == "release":
        memory.release_freed()
    print(before - rss())
    """
)


def _returned(mode: str) -> int:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True
    )
    return int(run.stdout)


def test_freed_heap_memory_goes_back_only_when_released():
    assert _returned("keep") < 50
    assert _returned("release") > 200
