"""Spreadsheets: the sheet holding the mapped labels is read without a declared name, and
Excel's escapes of control characters never reach the data (issue 15, item 6)."""

from __future__ import annotations

import openpyxl

from datasets.descriptor import SourceFormat
from datasets.readers import read_records

SOURCE = SourceFormat(
    name="t",
    title="t",
    match=["*"],
    format="xlsx",
    row_table="t",
    tables={"t": {"columns": {"code": "Código", "name": "Denominación"}}},
)


def workbook(path, sheets: dict[str, list[list[object]]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_the_sheet_with_the_mapped_labels_is_read_whatever_its_name(tmp_path):
    path = workbook(
        tmp_path / "informe.xlsx",
        {
            "Portada": [["Informe de ejecución"], ["Municipalidad de Villa Ejemplo"]],
            "Sheet 31": [["Código", "Denominación"], ["22.04.001", "Materiales"]],
        },
    )
    records = read_records(path, SOURCE)
    assert records.details["sheet"] == "Sheet 31"
    assert records.records == [(2, ["22.04.001", "Materiales"])]


def test_excel_escapes_of_carriage_returns_are_decoded(tmp_path):
    path = workbook(
        tmp_path / "informe.xlsx",
        {
            "Hoja1": [
                ["Código", "Denominación"],
                ["21.01", "PERSONAL_x000D_\nDE PLANTA"],  # decoded by the reader library
                ["22.04", "MATERIALES_x005F_x000D_\nDE USO"],  # escaped twice by a tool
            ]
        },
    )
    names = [cells[1] for _, cells in read_records(path, SOURCE).records]
    assert names == ["PERSONAL\nDE PLANTA", "MATERIALES\nDE USO"]
