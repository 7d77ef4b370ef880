"""A re-release renders the pages whose context changed and reuses the others' bytes; the
site it makes is the full render of the same release, file for file, byte for byte."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import dagster as dg

from datasets.municipalities import load_installation
from datasets.samples.comunas import seed_comuna, write_installation
from pipelines.definitions import build_defs
from pipelines.home import Home
from pipelines.resources import AbiertoResource
from pipelines.runner import run_all
from publish import site as site_module
from publish.catalog import renderer
from publish.release import Archive
from publish.site import build_site
from publish.site.pagecache import PageCache
from tests.publish.test_site import make_catalog

CUTS = ["99901", "99902", "99903"]
CHANGED = "99902"
BUDGET_FILE = "ejecucion_presupuestaria_2026-10.csv"


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


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
            assert run_all(build_defs(installation_file), resource, instance).success

    run()
    first = home.site.resolve()  # removed when the next release is served: keep its pages
    pages = [f"{lang}comunas/{cut}/index.html" for cut in CUTS for lang in ("", "en/")]
    before = {page: ((first / page).stat().st_ino, (first / page).read_bytes()) for page in pages}
    # one comuna's accrued income changes: its collection-rate indicator with it
    landed = home.landing / CHANGED / "budgets" / BUDGET_FILE
    landed.write_bytes(landed.read_bytes().replace(b";2.397.327.861;", b";2.197.327.861;"))
    rendered: list[str] = []
    original = site_module._render

    def counting(env, template, page, **context):
        rendered.append(page.output)
        return original(env, template, page, **context)

    monkeypatch.setattr(site_module, "_render", counting)
    run()
    second = home.site.resolve()
    assert second != first
    changed = {page for page in pages if (second / page).read_bytes() != before[page][1]}
    assert {f"comunas/{CHANGED}/index.html", f"en/comunas/{CHANGED}/index.html"} <= changed
    assert len(changed) < len(pages)  # the other comunas' values and comparisons stay
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
