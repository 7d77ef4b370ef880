"""The vectorised readers only vouch for cells frictionless-py reads to the same value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from frictionless.schema import Field
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.validator.fieldtypes import fast_reader

DIGITS = "0123456789"
ALPHABETS = {
    "integer": DIGITS + "+-_ x.eE\u0663",
    "number": DIGITS + "+-_ .eEinfatyINFAN,()\u0663",
    "date": DIGITS + "-/ T:",
    "datetime": DIGITS + "-T :.Z+,",
    "time": DIGITS + ":.Z+ ",
    "year": DIGITS + "+- _",
    "boolean": "tTrRuUeEfFaAlLsS01 ",
}
DESCRIPTORS = [
    {"type": "integer"},
    {"type": "integer", "bareNumber": False},
    {"type": "number"},
    {"type": "number", "decimalChar": ",", "groupChar": "."},
    {"type": "number", "bareNumber": False},
    {"type": "number", "floatNumber": True},
    {"type": "date"},
    {"type": "date", "format": "%d/%m/%Y"},
    {"type": "datetime"},
    {"type": "time"},
    {"type": "year"},
    {"type": "boolean"},
]


def _same(kind: str, fast: Any, exact: Any) -> bool:
    if kind == "number":
        return fast == float(exact)
    if kind == "datetime" and exact.tzinfo is not None:
        return fast == exact.astimezone(dt.UTC)
    return fast == exact


def _samples(kind: str) -> st.SearchStrategy[str]:
    structured = {
        "date": st.builds(
            "{}-{}-{}".format,
            st.integers(0, 2100).map(lambda n: f"{n:04d}"),
            st.integers(0, 13).map(lambda n: f"{n:02d}"),
            st.integers(0, 32).map(lambda n: f"{n:02d}"),
        ),
        "datetime": st.builds(
            "2023-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}{}".format,
            st.integers(0, 13),
            st.integers(0, 32),
            st.sampled_from(["T", " ", "X"]),
            st.integers(0, 25),
            st.integers(0, 61),
            st.integers(0, 61),
            st.sampled_from(["", ".5", ".123456", ".1234567", "Z", "+03:00", "+24:00", ","]),
        ),
    }
    text = st.text(alphabet=ALPHABETS[kind], max_size=12)
    return st.one_of(text, structured[kind]) if kind in structured else text


@pytest.mark.parametrize("descriptor", DESCRIPTORS, ids=lambda d: "-".join(map(str, d.values())))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fast_reader_is_a_subset_of_frictionless(descriptor: dict[str, Any], data) -> None:
    kind = descriptor["type"]
    texts = data.draw(st.lists(_samples(kind), min_size=1, max_size=30))
    field = Field.from_descriptor({"name": "a", **descriptor})
    reader = fast_reader(field)
    values, ok = reader.read(pa.array(texts, pa.string()))
    values = pc.if_else(pa.array(ok), values, pa.scalar(None, values.type))
    read = field.create_value_reader()
    for text, vouched, value in zip(texts, ok, values.to_pylist(), strict=True):
        if vouched:
            exact = read(text)
            assert exact is not None, f"{text!r} vouched for, but frictionless refuses it"
            assert _same(kind, value, exact), f"{text!r}: {value!r} != {exact!r}"
