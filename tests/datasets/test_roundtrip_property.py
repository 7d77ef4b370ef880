"""Property tests: generated tables written in every supported encoding, dialect,
number and date format come back with the same values; arbitrary bytes never crash
the readers with an untyped exception."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from datasets.descriptor import SourceFormat
from datasets.errors import AbiertoError
from datasets.ingest import read_source

ENCODINGS = ["utf_8", "utf_8_sig", "utf_16", "cp1252", "latin_1"]
DELIMITERS = [";", ",", "\t", "|"]
LINE_ENDINGS = ["\n", "\r\n", "\r"]
# (decimal mark, thousands mark); the thousands mark may be a no-break space
NUMBER_FORMATS = [(",", "."), (".", ","), (",", "\u00a0"), (".", "")]
DATE_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "iso"]
LABELS = ["Código", "Nombre del ítem", "Monto Total", "Tasa", "Fecha"]
TEXT = (
    st.text(
        alphabet=st.sampled_from("abcXYZ áéíóúñÑü°€“”'\";,|\t\n\r-()0123456789."),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(lambda t: t not in {"", "-"})
)
ROW = st.tuples(
    st.text(alphabet="0123456789", min_size=1, max_size=6),
    TEXT,
    st.integers(-(10**12), 10**12),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False),
    st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)),
)


def _number(value: Decimal | int, decimal: str, thousands: str, parentheses: bool) -> str:
    text = f"{abs(value):,.2f}" if isinstance(value, Decimal) else f"{abs(value):,}"
    text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    if value < 0:
        return f"({text})" if parentheses else f"-{text}"
    return text


def _date(value: dt.date, fmt: str, hour: int) -> str:
    if fmt == "iso":
        zone = dt.timezone(dt.timedelta(hours=-3))
        return dt.datetime(value.year, value.month, value.day, hour, tzinfo=zone).isoformat()
    return value.strftime(fmt)


def _canonical(value: Decimal | int) -> str:
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _source(decimal: str, thousands: str, date_format: str, **options) -> SourceFormat:
    number = {"parse": "number", "decimal": decimal, "thousands": thousands}
    return SourceFormat(
        name="t",
        title="t",
        match=["*"],
        format="csv",
        row_table="t",
        tables={
            "t": {
                "columns": {
                    "code": LABELS[0],
                    "name": LABELS[1],
                    "amount": {"column": LABELS[2], **number},
                    "rate": {"column": LABELS[3], **number},
                    "when": {"column": LABELS[4], "parse": "date", "formats": [date_format]},
                }
            }
        },
        **options,
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(ROW, min_size=1, max_size=8),
    encoding=st.sampled_from(ENCODINGS),
    declare_encoding=st.booleans(),
    delimiter=st.sampled_from(DELIMITERS),
    line_ending=st.sampled_from(LINE_ENDINGS),
    mixed_endings=st.booleans(),
    quote_all=st.booleans(),
    backslash_escapes=st.booleans(),
    number_format=st.sampled_from(NUMBER_FORMATS),
    parentheses=st.booleans(),
    date_format=st.sampled_from(DATE_FORMATS),
    preamble=st.lists(
        st.sampled_from(["Informe de ejecución", "Municipalidad de Ñuñoa", ""]), max_size=2
    ),
    trailing_delimiter=st.booleans(),
)
def test_generated_tables_round_trip(
    tmp_path_factory,
    rows,
    encoding,
    declare_encoding,
    delimiter,
    line_ending,
    mixed_endings,
    quote_all,
    backslash_escapes,
    number_format,
    parentheses,
    date_format,
    preamble,
    trailing_delimiter,
):
    decimal, thousands = number_format
    buffer = io.StringIO(newline="")
    options = {
        "doublequote": not backslash_escapes,
        "escapechar": "\\" if backslash_escapes else None,
    }
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    lines = [[p] for p in preamble] + [LABELS]
    for code, name, amount, rate, day in rows:
        lines.append([
            code, name, _number(amount, decimal, thousands, parentheses),
            _number(rate, decimal, thousands, parentheses), _date(day, date_format, len(name) % 24),
        ])  # fmt: skip
    for number, line in enumerate(lines):
        # written with CRLF so that cells holding \r or \n are quoted, then the row's
        # own terminator is swapped for the chosen (or a varying) line ending
        row = io.StringIO(newline="")
        writer = csv.writer(
            row, delimiter=delimiter, lineterminator="\r\n", quoting=quoting, **options
        )
        writer.writerow(line + ([""] if trailing_delimiter else []))
        ending = LINE_ENDINGS[number % 3] if mixed_endings else line_ending
        buffer.write(row.getvalue().removesuffix("\r\n") + ending)
    text = buffer.getvalue()
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    legacy = encoding in {"cp1252", "latin_1"}
    if legacy and not declare_encoding:
        try:  # legacy bytes that also form valid UTF-8 are truly ambiguous: declare them
            data.decode("utf_8")
            assume(data.isascii())
        except UnicodeDecodeError:
            pass
    path = tmp_path_factory.mktemp("roundtrip") / "export.csv"
    path.write_bytes(data)
    declared = {"encoding": encoding} if declare_encoding and encoding != "utf_8_sig" else {}
    raw = read_source(
        path, _source(decimal, thousands, date_format, **declared), comuna_code="99901"
    )
    frame = raw.tables["t"]
    got = frame[["code", "name", "amount", "rate", "when"]].values.tolist()
    expected = [
        [code, name, _canonical(amount), _canonical(rate), day.isoformat()]
        for code, name, amount, rate, day in rows
    ]
    assert got == expected
    assert raw.provenance["delimiter"] == delimiter
    assert raw.rows_read == len(rows)  # title rows above the header are not records


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf_8")),
        st.sampled_from([b"PK\x03\x04garbage", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1x", b"{}", b"[]",
                         b'{"releases": [1, "x", null]}', b'{"records": [{}]}', b"\xff\xfe\x00"]),
    ),
    fmt=st.sampled_from(["csv", "xlsx", "xls", "ocds", "json"]),
)  # fmt: skip
def test_no_input_crashes_the_reader_with_an_untyped_exception(tmp_path_factory, data, fmt):
    path = tmp_path_factory.mktemp("fuzz") / f"input.{fmt}"
    path.write_bytes(data)
    source = SourceFormat(
        name="t", title="t", match=["*"], format=fmt, row_table="t",
        records="a[].b" if fmt == "json" else None,
        tables={"t": {"columns": {"x": "a"}}},
    )  # fmt: skip
    try:
        read_source(Path(path), source, comuna_code="99901")
    except AbiertoError as error:
        assert error.file is not None
