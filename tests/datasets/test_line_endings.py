"""Line breaks counted by kind (`datasets.readers.dialect.count_line_endings`)."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from datasets.readers.dialect import count_line_endings, line_endings


def _by_str_count(text: str) -> Counter:
    crlf = text.count("\r\n")
    return Counter({"CRLF": crlf, "LF": text.count("\n") - crlf, "CR": text.count("\r") - crlf})


@given(st.text(alphabet="a;\r\nñ\xff€", max_size=60))
def test_counts_equal_str_count_in_and_beyond_latin1(text):
    assert count_line_endings(text) == _by_str_count(text)


def test_kinds_of_a_file():
    assert line_endings(count_line_endings("a;b\r\nñ;c\r\n")) == "CRLF"
    assert line_endings(count_line_endings("a\nb\r\n")) == "mixed"
    assert line_endings(count_line_endings("a\rb\r")) == "CR"
    assert line_endings(count_line_endings("a;b")) == "none"
