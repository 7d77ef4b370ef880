"""Pattern constraints translated to RE2 decide like Python's ``re.match("^…$")``."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.validator.patterns import translate

TRANSLATABLE = [
    "abc",
    "a|b",
    "[0-9]{5}",
    r"\d{1,3}-\d+",
    "[^,]*",
    "a{,3}x",
    "(ab)+c?",
    "(?:x|y)*z",
    r"\w+\.\w+",
    r"a\b.",
    r"[A-Z][a-z]*\Z",
    r"\Aab",
    "a.c",
    "x{2,}",
    "[-+]?1",
    r"\$\.\^",
]
UNTRANSLATABLE = [r"a\sb", "a(?=b).", "a(?!b)", r"(a)\1", "(?i:abc)", "a{2000}"]


@pytest.mark.parametrize("pattern", UNTRANSLATABLE)
def test_python_only_constructs_stay_in_python(pattern: str) -> None:
    assert translate(pattern) is None


@pytest.mark.parametrize("pattern", TRANSLATABLE)
def test_translatable_patterns(pattern: str) -> None:
    assert translate(pattern) is not None


TEXT = st.text(alphabet="abcxyzAB012-+.$^_,é٣ ", max_size=8)


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(TRANSLATABLE), texts=st.lists(TEXT, min_size=1, max_size=20))
def test_re2_decides_like_python(pattern: str, texts: list[str]) -> None:
    translated = translate(pattern)
    python = re.compile(f"^{pattern}$")
    if translated.ascii_only:
        texts = [text for text in texts if text.isascii()]
    matches = pc.match_substring_regex(pa.array(texts, pa.string()), translated.source)
    assert matches.to_pylist() == [python.match(text) is not None for text in texts]


def test_dollar_before_a_final_newline_is_left_to_python() -> None:
    assert re.match("^abc$", "abc\n")
    source = translate("abc").source
    assert pc.match_substring_regex(pa.array(["abc\n"]), source).to_pylist() == [False]
