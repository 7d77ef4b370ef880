"""A re-release renders the pages whose context changed and reuses the others' bytes; the
site it makes is the full render of the same release, file for file, byte for byte.

A comuna's page depends on its own data only: when one comuna's export changes, every
file of every other comuna is the same file (hard-linked from the page cache, never
rendered, never parsed by the publish gate), while the changed comuna's pages and the
national comparison of its indicators are new."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import dagster as dg

from datasets.municipalities import load_installation
from datasets.samples.comunas import seed_comuna, write_installation
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from publish import leaks
from publish import site as site_module
from publish.catalog import renderer
from publish.release import Archive
from publish.site import build_site
from publish.site.pagecache import PageCache
from tests.publish.test_site import make_catalog

CUTS = ["99901", "99902", "99903"]
CHANGED = "99902"
NATIONAL = ("indicadores/", "en/indicadores/")
BUDGET_FILE = "ejecucion_presupuestaria_2026-10.csv"


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def comuna_files(site: Path, cut: str) -> list[str]:
    """Every file of the site (outside the data folders) whose path names the comuna."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and cut in p.relative_to(site).parts
    )


def test_a_rerelease_renders_the_changed_comuna_only_and_equals_a_full_render(
    tmp_path, monkeypatch
):
    home = Home(tmp_path / "abierto")
    for cut in CUTS:
        seed_comuna(home.landing, cut)
    installation_file = write_installation(tmp_path / "municipalities.yaml", CUTS)
    resource = AbiertoResource(
        home_dir=str(home.root), installation_file=str(installation_file), run_date="2026-11-02"
    )

    def run() -> None:
        with dg.DagsterInstance.ephemeral() as instance:
            outcome = run_all(build_defs(installation_file), resource, instance)
        assert outcome.success
        assert not outcome.catalog.get("blocked"), outcome.catalog  # every unit published

    run()
    first = home.site.resolve()  # removed when the next release is served: keep its pages
    pages = [f"{lang}comunas/{cut}/index.html" for cut in CUTS for lang in ("", "en/")]
    for cut in CUTS:  # a comuna's files are its page in each language
        assert comuna_files(first, cut) == [
            f"comunas/{cut}/index.html",
            f"en/comunas/{cut}/index.html",
        ]
    before = {page: ((first / page).stat().st_ino, (first / page).read_bytes()) for page in pages}
    national = {
        rel: (first / rel).read_bytes()
        for rel in (p.relative_to(first).as_posix() for p in first.rglob("*.html"))
        if rel.startswith(NATIONAL)
    }
    # one comuna's collected income changes (its totals row with it, or the unit would be
    # blocked, not changed): its collection-rate indicator (collected ÷ current) with it
    landed = home.landing / CHANGED / "budgets" / BUDGET_FILE
    changed_export = landed.read_bytes()
    for before_value, after_value in [
        (b";2.178.776.219\r\n", b";2.078.776.219\r\n"),
        (b";29.405.215.636\r\n", b";29.305.215.636\r\n"),
    ]:
        assert changed_export.count(before_value) == 1
        changed_export = changed_export.replace(before_value, after_value)
    landed.write_bytes(changed_export)
    rendered: list[str] = []
    original = site_module._render

    def counting(env, template, page, **context):
        rendered.append(page.output)
        return original(env, template, page, **context)

    parsed: list[Path] = []  # files the publish gate read for personal data
    original_texts = leaks.distinct_texts

    def reading(path):
        parsed.append(path)
        return original_texts(path)

    monkeypatch.setattr(site_module, "_render", counting)
    monkeypatch.setattr(leaks, "distinct_texts", reading)
    run()
    second = home.site.resolve()
    assert second != first
    changed = {page for page in pages if (second / page).read_bytes() != before[page][1]}
    # the changed comuna's pages only: no other comuna's page carries its values
    assert changed == {f"comunas/{CHANGED}/index.html", f"en/comunas/{CHANGED}/index.html"}
    # the national comparison of its changed indicator is new (its percentiles moved)
    renewed = {rel for rel, data in national.items() if (second / rel).read_bytes() != data}
    comparisons = {
        r for r in renewed if re.search(r"indicadores/income_collection_rate/20[0-9-]+/", r)
    }
    assert len(comparisons) >= 2, renewed  # es and en
    # the comparisons of indicators of other datasets are the same bytes, and not parsed
    unmoved = {r for r in national if re.search(r"indicadores/requests_[a-z_]+/20[0-9-]+/", r)}
    assert unmoved and not unmoved & renewed
    # the gate parsed the changed pages and none of the unchanged comunas' files
    read = {p.relative_to(second).as_posix() for p in parsed if p.is_relative_to(second)}
    assert changed <= read
    assert not read & {page for page in pages if page not in changed}
    assert not read & unmoved
    for page in pages:
        if page in changed:  # rendered again
            assert page in rendered and (second / page).stat().st_ino != before[page][0]
        else:  # the previous release's file, hard-linked: never rendered
            assert page not in rendered and (second / page).stat().st_ino == before[page][0]
    # the national pages are rendered, with the new release
    assert "index.html" in rendered and "datasets/budgets/index.html" in rendered

    # the same release rendered from scratch, without the cache: the same files and bytes
    monkeypatch.setattr(site_module, "_render", original)
    archive = Archive(home.root)
    release_id = archive.current()
    full = archive.build_site(
        release_id,
        archive.releases / release_id,
        renderer(load_installation(installation_file)),
    )
    assert files(full) == files(second)


def test_a_comuna_page_does_not_change_with_the_release(tmp_path):
    """The release id and date, and the national files' sizes and release paths, are not
    part of a comuna page: another release with the same comuna renders the same bytes,
    and the cache reuses it."""
    catalog = make_catalog()
    catalog["comunas"] = [
        {
            "code": "99901",
            "name": "Villa Ejemplo",
            "region": "Metropolitana",
            "datasets": [
                {
                    "slug": d["slug"],
                    "title": d["title"],
                    "status": "published",
                    "published_on": "2026-11-20",
                    "is_stale": False,
                    "max_age_days": 40,
                    "reasons": [],
                }
                for d in catalog["datasets"]
            ],
        }
    ]
    for dataset in catalog["datasets"]:  # as publish.catalog gives them: stable addresses
        for resource in dataset["resources"]:
            for file in resource["files"]:
                file["latest"] = file["path"].replace("releases/2026-11-25", "latest")
    later = copy.deepcopy(catalog)
    later["release_id"], later["generated_on"] = "2026-12-24", "2026-12-24"
    for dataset in later["datasets"]:
        for resource in dataset["resources"]:
            for file in resource["files"]:
                file["bytes"] += 1000
                file["path"] = file["path"].replace("2026-11-25", "2026-12-24")
    cache = PageCache(tmp_path / "cache")
    build_site(tmp_path / "one", catalog, cache)
    assert cache.rendered > 0 and cache.reused == 0
    build_site(tmp_path / "two", later, PageCache(tmp_path / "cache"))
    page = "comunas/99901/index.html"
    assert (tmp_path / "one" / page).read_bytes() == (tmp_path / "two" / page).read_bytes()
    assert os.path.samefile(tmp_path / "one" / page, tmp_path / "two" / page)
    assert b"2026-11-25" not in (tmp_path / "one" / page).read_bytes()
    # the home page names the release: rendered again
    assert (tmp_path / "one/index.html").read_bytes() != (tmp_path / "two/index.html").read_bytes()
