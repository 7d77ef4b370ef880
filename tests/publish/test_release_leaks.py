"""The leak scan covers every catalog file (pages, charts, metadata), not older releases."""

from __future__ import annotations

import pytest

from datasets.errors import PublishBlocked
from publish.release import check_no_leaks

SECRET = "Juana Pérez Soto"


def staging(tmp_path, where: str):
    root = tmp_path / "staging"
    for rel in (
        "index.html",
        "data.json",
        "catalog.ttl",
        "datasets/budgets/index.html",
        "datasets/budgets/chart.es.svg",
        "releases/2026-11-25/budgets/lines.csv",
        "releases/2026-10-01/budgets/lines.csv",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        text = f"<p>{SECRET}</p>" if rel == where else "<p>nada</p>"
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "where",
    [
        "datasets/budgets/chart.es.svg",
        "data.json",
        "catalog.ttl",
        "datasets/budgets/index.html",
        "releases/2026-11-25/budgets/lines.csv",
    ],
)
def test_a_removed_value_in_any_new_public_file_blocks_the_release(tmp_path, where):
    with pytest.raises(PublishBlocked) as error:
        check_no_leaks(staging(tmp_path, where), "2026-11-25", {SECRET})
    assert where.split("/")[-1] in str(error.value)


def test_older_releases_and_clean_files_pass(tmp_path):
    root = staging(tmp_path, "releases/2026-10-01/budgets/lines.csv")
    check_no_leaks(root, "2026-11-25", {SECRET})
