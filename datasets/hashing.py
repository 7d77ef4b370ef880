"""sha256 of a file, in the standard library only: `pipelines.prestart` hashes through
the digest cache before `abierto run` imports anything else."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    """sha256 of the file's bytes, as hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
