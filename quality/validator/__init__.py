"""A Table Schema validator with frictionless-py's exact semantics, at columnar speed.

``validate_file`` and ``validate_table`` report what ``frictionless.validate``
reports (same error types, row and field numbers, same order); ``cast_table``
also returns the valid rows typed. Deliberate differences are listed in
``DIFFERENCES.md`` and ``differences.DIFFERENCES``.
"""

import os

# Arrow's allocator (mimalloc) asks Linux for transparent huge pages on its 1 GiB
# arena; a validation then spends up to a fifth of its time zeroing 2 MB pages it
# barely uses, more when it runs on several threads. Read when pyarrow loads, so it
# only applies when the validator is imported first; an explicit setting is kept.
os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")

from .api import CastResult, cast_table, validate_file, validate_table  # noqa: E402
from .errors import ValidationError
from .foreign import ReferenceTable
from .report import ValidationReport
from .schema import SchemaError

__all__ = [
    "CastResult",
    "ReferenceTable",
    "SchemaError",
    "ValidationError",
    "ValidationReport",
    "cast_table",
    "validate_file",
    "validate_table",
]
