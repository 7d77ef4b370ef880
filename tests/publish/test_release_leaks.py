"""The leak scan the publish gate runs covers every catalog file (pages, charts,
metadata) and every file of the staged release, and names files, never values."""

from __future__ import annotations

import pytest

from publish.leaks import scan_for_values

SECRET = "Juana Pérez Soto"
FILES = (
    "index.html",
    "data.json",
    "catalog.ttl",
    "catalog.jsonld",
    "datasets/budgets/index.html",
    "datasets/budgets/chart.es.svg",
    "budgets/budget_lines.csv",
)


def tree(tmp_path, where: str | None):
    root = tmp_path / "build"
    for rel in FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        text = f"<p>{SECRET}</p>" if rel == where else "<p>nada</p>"
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("where", FILES)
def test_a_removed_value_in_any_public_file_is_found(tmp_path, where):
    hits = scan_for_values(tree(tmp_path, where), {SECRET})
    assert [h["file"] for h in hits] == [where]
    assert SECRET not in str(hits)


def test_clean_files_pass(tmp_path):
    assert scan_for_values(tree(tmp_path, None), {SECRET}) == []


def test_case_and_short_values(tmp_path):
    root = tree(tmp_path, "index.html")
    assert scan_for_values(root, {SECRET.upper()})
    assert scan_for_values(root, {"nada"}) == []  # shorter than the minimum length
