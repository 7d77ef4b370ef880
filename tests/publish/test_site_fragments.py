"""An indicator page's main part is rendered once per content of its indicator: a release
that names a new release id in every footer renders again the main parts of the indicators
that changed only, and the site equals the one rendered without a cache."""

from __future__ import annotations

import copy
from pathlib import Path

from publish import site as site_module
from publish.site import build_site, safe_href
from publish.site.pagecache import PageCache
from tests.publish.test_indicator_pages import indicator_catalog
from tests.publish.test_site import data_paths

MAIN = "_indicator_main.html"
COMPARISON = "_indicator_comparison.html"  # a period's table of every comuna


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def build(out: Path, catalog: dict, cache: PageCache | None, monkeypatch) -> list[str]:
    """Lay the data files down, build the site; the pages whose main part was rendered."""
    for rel in data_paths(catalog):
        if safe_href(rel):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(b"placeholder")
    rendered: list[str] = []
    original = site_module._render

    def counting(env, template, page, **context):
        if template in (MAIN, COMPARISON):
            rendered.append(page.output)
        return original(env, template, page, **context)

    with monkeypatch.context() as patch:
        patch.setattr(site_module, "_render", counting)
        build_site(out, catalog, cache)
    return rendered


def test_a_new_release_reuses_the_main_part_of_unchanged_indicator_pages(tmp_path, monkeypatch):
    catalog = indicator_catalog()
    pages = {
        i["id"]: {
            f"{lang}indicadores/{i['id']}/{period}index.html"
            for lang in ("", "en/")
            for period in ["", *(f"{c['period']}/" for c in i["comparisons"])]
        }
        for i in catalog["indicators"]
    }
    first = build(tmp_path / "one", catalog, PageCache(tmp_path / "cache"), monkeypatch)
    assert sorted(first) == sorted(set().union(*pages.values()))

    # the next release: every footer names it; one comuna's value of one indicator changed
    later = copy.deepcopy(catalog)
    later["release_id"], later["generated_on"] = "2026-12-24", "2026-12-24"
    changed = next(i for i in later["indicators"] if i["comunas"])
    row = next(c for c in changed["comunas"] if c["value"] is not None)
    row["value"] += 1
    second = build(tmp_path / "two", later, PageCache(tmp_path / "cache"), monkeypatch)
    assert sorted(second) == sorted(pages[changed["id"]])

    # what the cache made equals a full render of the same release, file for file
    full = build(tmp_path / "full", later, None, monkeypatch)
    assert sorted(full) == sorted(first)
    assert files(tmp_path / "full") == files(tmp_path / "two")
    unchanged = next(p for i, p in pages.items() if i != changed["id"])
    for page in unchanged:  # reused, yet the footer names the new release
        text = (tmp_path / "two" / page).read_text("utf-8")
        assert "2026-12-24" in text and text != (tmp_path / "one" / page).read_text("utf-8")
