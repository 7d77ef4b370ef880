"""A Table Schema validator with frictionless-py's exact semantics, at columnar speed.

``validate_file`` and ``validate_table`` report what ``frictionless.validate``
reports (same error types, row and field numbers, same order); ``cast_table``
also returns the valid rows typed. Deliberate differences are listed in
``DIFFERENCES.md`` and ``differences.DIFFERENCES``.
"""

# first: it tunes Arrow's allocator before pyarrow loads
import datasets.readers.batches  # noqa: F401, I001

from .api import CastResult, cast_table, validate_file, validate_table
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
