"""Running frictionless-py and our validator on the same CSV, for the conformance tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frictionless import Package, Resource

from quality.validator import ReferenceTable, validate_file

# `shared/` sits beside the checkout (CI) or beside the folder of worktrees.
REFERENCE_DATA = next(
    (
        parent / "shared" / "reference-data"
        for parent in Path(__file__).resolve().parents[1:]
        if (parent / "shared" / "reference-data").is_dir()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "reference-data",
)
FIXTURES = REFERENCE_DATA / "frictionless"
V2_RESOURCE = "https://datapackage.org/profiles/2.0/dataresource.json"
KEYS = ("rowNumber", "fieldNumber", "type")


def frictionless_flatten(
    path: Path,
    schema: dict[str, Any],
    *,
    header: bool = True,
    delimiter: str = ",",
    encoding: str = "utf-8",
    foreign: dict[str, tuple[Path, dict[str, Any]]] | None = None,
) -> list[list[Any]]:
    """frictionless-py's flattened errors, with no error limit."""
    descriptor = {
        "$schema": V2_RESOURCE,
        "name": "table",
        "path": path.name,
        "format": "csv",
        "encoding": encoding,
        "schema": schema,
        "dialect": {"header": header, "csv": {"delimiter": delimiter}},
    }
    if foreign:
        others = [
            {"name": name, "path": str(other.relative_to(path.parent)), "schema": other_schema}
            for name, (other, other_schema) in foreign.items()
        ]
        package = Package.from_descriptor(
            {"name": "test", "resources": [descriptor, *others]}, basepath=str(path.parent)
        )
        report = package.get_resource("table").validate(limit_errors=10**9)
    else:
        resource = Resource.from_descriptor(descriptor, basepath=str(path.parent))
        report = resource.validate(limit_errors=10**9)
    errors = report.tasks[0].errors if report.tasks else report.errors
    return [[error.to_descriptor().get(key) for key in KEYS] for error in errors]


def ours_flatten(
    path: Path,
    schema: dict[str, Any],
    *,
    header: bool = True,
    delimiter: str = ",",
    encoding: str = "utf-8",
    foreign: dict[str, tuple[Path, dict[str, Any]]] | None = None,
) -> list[list[Any]]:
    """Our validator's flattened errors for the same call."""
    tables = {name: ReferenceTable(p, s) for name, (p, s) in (foreign or {}).items()}
    report = validate_file(
        path, schema, header=header, delimiter=delimiter, encoding=encoding, foreign_tables=tables
    )
    return report.flatten(KEYS)


def assert_same(path: Path, schema: dict[str, Any], **options: Any) -> list[list[Any]]:
    """Both validators report the very same errors; returns them."""
    expected = frictionless_flatten(path, schema, **options)
    assert ours_flatten(path, schema, **options) == expected
    return expected
