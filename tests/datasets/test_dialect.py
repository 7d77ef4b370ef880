"""RFC 4180 quoting unless a file proves backslash escaping (issue 15, item 7)."""

from __future__ import annotations

import pytest

from datasets.descriptor import SourceFormat
from datasets.ingest import read_source
from datasets.readers.dialect import sniff

SOURCE = SourceFormat(
    name="t",
    title="t",
    match=["*"],
    format="csv",
    row_table="t",
    tables={"t": {"columns": {"code": "Código", "name": "Producto", "amount": "Monto"}}},
)
FILLER = "".join(f'{n};"Resma carta ""Premium"" {n}";{n}000\n' for n in range(2000))


def read(tmp_path, text: str) -> list[list[str]]:
    path = tmp_path / "ordenes.csv"
    path.write_text(text, encoding="utf-8")
    frame = read_source(path, SOURCE, comuna_code="13122").tables["t"]
    return frame[["code", "name", "amount"]].values.tolist()


def test_one_backslash_quote_does_not_switch_an_rfc_4180_file_to_backslash_escaping(tmp_path):
    text = (
        "Código;Producto;Monto\n"
        '1;"Monitor 24"" LED";150000\n'
        + FILLER
        + '2;"Respaldo en \\\\servidor\\compartida\\";9000\n'  # RFC 4180: the cell ends in \
        + '3;"Cable ""HDMI"" 2 m";4990\n'
    )
    assert len(text) < 256 * 1024
    rows = read(tmp_path, text)
    assert rows[0] == ["1", 'Monitor 24" LED', "150000"]
    assert rows[-2] == ["2", "Respaldo en \\\\servidor\\compartida\\", "9000"]
    assert rows[-1] == ["3", 'Cable "HDMI" 2 m', "4990"]
    assert len(rows) == 2003


@pytest.mark.parametrize(
    "text",
    [
        'Código;Producto;Monto\n1;"Monitor 24\\" LED";150000\n2;"Cable";4990\n',
        'Código;Producto;Monto\n1;Monitor 24\\" LED;150000\n2;Cable;4990\n',
    ],
    ids=["quoted", "unquoted"],
)
def test_a_file_that_escapes_with_backslashes_throughout_is_still_read(tmp_path, text):
    assert sniff(text, None).escapechar == "\\"
    assert read(tmp_path, text) == [["1", 'Monitor 24" LED', "150000"], ["2", "Cable", "4990"]]


def test_rfc_4180_is_kept_when_both_readings_are_as_consistent():
    assert sniff('a;b\n"x\\";1\n"y";2\n', None).escapechar is None
