"""`safe_load_yaml` (libyaml's C parser when present) gives what `yaml.safe_load` gives:
the same values for every YAML file of the repository, the same error otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from datasets.descriptor import safe_load_yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for folder in ("datasets", "deploy", "tests", "quality", "publish", "pipelines")
    for p in (ROOT / folder).rglob("*.y*ml")
    if p.suffix in {".yaml", ".yml"}
)


def test_pyyaml_has_the_c_parser():
    assert yaml.__with_libyaml__  # else every process parses at Python speed


def assert_as_pyyaml(text: str) -> None:
    """The same value as `yaml.safe_load`, or the same error."""
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError as error:
        with pytest.raises(yaml.YAMLError) as raised:
            safe_load_yaml(text)
        assert str(raised.value) == str(error)
    else:
        assert safe_load_yaml(text) == expected


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_same_values_as_pyyaml(path):
    assert_as_pyyaml(path.read_text("utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "municipalities:\n  - cut: '13101'\n   name: Santiago\n",  # bad indentation
        "a: [1, 2\n",
        "a: 1\na: 2\n",  # duplicate keys: both keep the last
        "when: 2026-11-02\nn: 0o17\nf: .inf\nempty:\nyes_: yes\n",
    ],
)
def test_edge_texts_load_or_fail_as_pyyaml(text):
    assert_as_pyyaml(text)
