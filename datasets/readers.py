"""Readers: turn a source file into a header and records, whatever its container.

Each reader returns a `SourceRecords`: the header labels and the data records as
lists of cell values, each with its 1-based record number in the source (the
header is record 1 for tables; for JSON, records are numbered from 1).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
from python_calamine import CalamineWorkbook

from datasets.descriptor import SourceFormat
from datasets.errors import EncodingError, SourceError

MAX_SOURCE_BYTES = 512 * 1024 * 1024


@dataclass
class SourceRecords:
    header: list[str]
    records: list[tuple[int, list[object]]]
    details: dict[str, object] = field(default_factory=dict)


def read_records(path: Path, source: SourceFormat) -> SourceRecords:
    size = path.stat().st_size
    if size == 0:
        raise SourceError("el archivo está vacío", "the file is empty", file=path.name)
    if size > MAX_SOURCE_BYTES:
        raise SourceError(
            f"el archivo supera el máximo de {MAX_SOURCE_BYTES} bytes",
            f"the file exceeds the {MAX_SOURCE_BYTES}-byte limit",
            file=path.name,
        )
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "ocds": _read_ocds}[source.format]
    return reader(path, source)


def decode(data: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    """Decode with the declared encoding, or detect it; never decode with replacement."""
    if encoding is None:
        best = charset_normalizer.from_bytes(data).best()
        if best is None:
            raise EncodingError(
                "no se pudo detectar la codificación del texto",
                "could not detect the text encoding",
                file=file,
            )
        encoding = best.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise EncodingError(
            f"el archivo no está en la codificación {encoding}: {exc}",
            f"the file is not encoded as {encoding}: {exc}",
            file=file,
        ) from None
    return text.removeprefix("\ufeff"), encoding


def _read_csv(path: Path, source: SourceFormat) -> SourceRecords:
    text, encoding = decode(path.read_bytes(), source.encoding, path.name)
    delimiter = source.delimiter
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:65536], delimiters=";,\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise SourceError(
            f"CSV mal formado: {exc}", f"malformed CSV: {exc}", file=path.name
        ) from None
    if not rows:
        raise SourceError("el archivo no tiene filas", "the file has no rows", file=path.name)
    records = [(number, list(row)) for number, row in enumerate(rows[1:], start=2)]
    details = {"encoding": encoding, "delimiter": delimiter}
    return SourceRecords([h.strip() for h in rows[0]], records, details)


def _read_xlsx(path: Path, source: SourceFormat) -> SourceRecords:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet_name = source.sheet or workbook.sheet_names[0]
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error classes
        raise SourceError(
            f"no se pudo leer la planilla: {exc}",
            f"could not read the spreadsheet: {exc}",
            file=path.name,
        ) from None
    if not rows:
        raise SourceError("la hoja está vacía", "the sheet is empty", file=path.name)
    header = [str(h).strip() for h in rows[0]]
    records = [(number, list(row)) for number, row in enumerate(rows[1:], start=2)]
    return SourceRecords(header, records, {"sheet": sheet_name})


def _read_ocds(path: Path, source: SourceFormat) -> SourceRecords:
    """Flatten an OCDS release package into one record per contract item."""
    text, encoding = decode(path.read_bytes(), source.encoding, path.name)
    try:
        package = json.loads(text)
        releases = package.get("releases", [package])
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise SourceError(
            f"no es un paquete de entregas OCDS válido: {exc}",
            f"not a valid OCDS release package: {exc}",
            file=path.name,
        ) from None
    rows = [row for compiled in _compile(releases) for row in _contract_rows(compiled)]
    header = sorted({key for row in rows for key in row})
    records = [(n, [row.get(k) for k in header]) for n, row in enumerate(rows, start=1)]
    return SourceRecords(header, records, {"encoding": encoding, "releases": len(releases)})


def _compile(releases: list[dict]) -> list[dict]:
    """Merge the releases of each process: later releases replace objects by id."""
    by_ocid: dict[str, dict] = {}
    for release in sorted(releases, key=lambda r: (r.get("ocid", ""), r.get("date", ""))):
        compiled = by_ocid.setdefault(release.get("ocid", ""), {})
        for key, value in release.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                merged = {item.get("id"): item for item in compiled.get(key, [])}
                merged.update({item.get("id"): item for item in value})
                compiled[key] = list(merged.values())
            else:
                compiled[key] = value
    return [by_ocid[ocid] for ocid in sorted(by_ocid)]


def _contract_rows(compiled: dict) -> list[dict]:
    parties = {p.get("id"): p for p in compiled.get("parties", [])}
    awards = {a.get("id"): a for a in compiled.get("awards", [])}
    buyer = parties.get((compiled.get("buyer") or {}).get("id"), compiled.get("buyer") or {})
    tender = compiled.get("tender") or {}
    rows = []
    for contract in compiled.get("contracts", []):
        award = awards.get(contract.get("awardID"), {})
        supplier_ref = (award.get("suppliers") or [{}])[0]
        supplier = parties.get(supplier_ref.get("id"), supplier_ref)
        base = {
            "ocid": compiled.get("ocid"),
            "buyer.name": buyer.get("name"),
            "buyer.contactPoint.name": (buyer.get("contactPoint") or {}).get("name"),
            "buyer.contactPoint.email": (buyer.get("contactPoint") or {}).get("email"),
            "buyer.contactPoint.telephone": (buyer.get("contactPoint") or {}).get("telephone"),
            "tender.id": tender.get("id"),
            "tender.procurementMethod": tender.get("procurementMethod"),
            "tender.procurementMethodDetails": tender.get("procurementMethodDetails"),
            "contract.id": contract.get("id"),
            "contract.title": contract.get("title"),
            "contract.description": contract.get("description"),
            "contract.status": contract.get("status"),
            "contract.dateSigned": (contract.get("dateSigned") or "")[:10] or None,
            "contract.value.amount": (contract.get("value") or {}).get("amount"),
            "supplier.id": (supplier.get("identifier") or {}).get("id") or supplier.get("id"),
            "supplier.name": supplier.get("name"),
        }
        for item in contract.get("items") or [{}]:
            unit = item.get("unit") or {}
            rows.append(
                base
                | {
                    "item.id": item.get("id"),
                    "item.description": item.get("description"),
                    "item.classification.id": (item.get("classification") or {}).get("id"),
                    "item.quantity": item.get("quantity"),
                    "item.unit.name": unit.get("name"),
                    "item.unit.value.amount": (unit.get("value") or {}).get("amount"),
                }
            )
    return rows
