"""The validation report: errors in frictionless-py's order, plus statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ValidationError


@dataclass
class ValidationReport:
    """What the validator found in one table.

    ``errors`` are in the order frictionless-py reports them (header first, then
    row by row); ``invalid_row_numbers`` holds every row with at least one error,
    also beyond ``limit_errors``; ``stats`` has ``rows``, ``errors``, ``seconds``
    and the ``engine`` that read the file.
    """

    errors: list[ValidationError]
    invalid_row_numbers: set[int]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when there is no error at all."""
        return not self.errors

    def flatten(
        self, keys: Sequence[str] = ("rowNumber", "fieldNumber", "type")
    ) -> list[list[Any]]:
        """One list per error with the given keys, like frictionless' ``report.flatten``."""
        return [[error.to_dict().get(key) for key in keys] for error in self.errors]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form of the whole report."""
        return {
            "valid": self.valid,
            "stats": dict(self.stats),
            "errors": [error.to_dict() for error in self.errors],
            "invalidRowNumbers": sorted(self.invalid_row_numbers),
        }
