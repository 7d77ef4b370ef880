"""The deliberate differences from frictionless-py, in one place (see DIFFERENCES.md).

Each entry says what frictionless-py does, what we do and why. The
conformance tests check every documented case against this table, and any
other disagreement fails them.
"""

from __future__ import annotations

DIFFERENCES: dict[str, dict[str, str]] = {
    "delimiter-not-sniffed": {
        "frictionless": "guesses the delimiter among , ; | and tab when none is given",
        "ours": "uses the delimiter the caller passes (default ',')",
        "why": "ingest already knows each source's dialect; guessing can pick a wrong "
        "delimiter on short files. With the same delimiter both read the file alike.",
    },
    "invalid-schema-raises": {
        "frictionless": "returns a report with one schema-error/field-error",
        "ours": "raises SchemaError before reading the data",
        "why": "an invalid schema is a programming error in the pipeline, not a data "
        "problem to quarantine.",
    },
    "unreadable-bound-raises": {
        "frictionless": "raises TypeError while validating the first non-empty cell when a "
        "minimum/maximum cannot be read as the field's type (e.g. 5.5 for an integer)",
        "ours": "raises SchemaError before reading the data",
        "why": "same failure, reported earlier and with the field's name.",
    },
    "foreign-table-required": {
        "frictionless": "reports a resource-error when a foreign key references a resource "
        "that is not in the package",
        "ours": "raises ValueError unless the referenced table is in foreign_tables",
        "why": "a missing code list is a configuration error, not a data problem.",
    },
    "self-reference-by-name": {
        "frictionless": "treats a foreign key to the resource's own name as a self-reference",
        "ours": "only an empty resource name is a self-reference; a table referencing "
        "itself by name must be passed in foreign_tables (the result is the same)",
        "why": "validate_file and validate_table do not know the table's resource name.",
    },
    "unhashable-keys": {
        "frictionless": "raises TypeError on unique, primary or foreign keys over array, "
        "object or geojson fields (lists and dicts are unhashable), and on a signalling "
        "NaN ('sNaN') in a number key",
        "ours": "compares array/object values by their JSON text (sorted keys) and treats "
        "sNaN like NaN (equal to nothing)",
        "why": "a crash is not a validation result.",
    },
    "default-error-limit": {
        "frictionless": "stops at 1000 errors unless limit_errors is given",
        "ours": "reports every error unless limit_errors is given",
        "why": "the pipeline quarantines every invalid row, so it needs all of them.",
    },
    "dialect-scope": {
        "frictionless": "supports several header rows, comment rows/characters, "
        "skipBlankRows, other formats than CSV",
        "ours": "reads CSV with the header on row 1 (or no header)",
        "why": "ingest normalises every source to that shape before validation.",
    },
}
