"""Browser tests of the catalog: Debian's Chromium driven by Playwright against `abierto serve`.

`tests/browser/setup.sh` (run by `make test`) installs Chromium with apt and
axe-core with npm. Without them the tests skip, except in CI (``CI`` set), where
they fail: the catalog must be checked in a real browser there.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.home import Home
from tests.conftest import RUN_DATE

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_TITLE = '<script>window.__pwned = 1; alert(1)</script><img src=x onerror="alert(2)">'


def axe_audit(page, impacts=("serious", "critical")) -> tuple[list[dict], list]:
    """axe-core's WCAG 2.1 AA and best-practice violations of the given impacts (every
    impact with ``impacts=None``) on the page, and its passes."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
        " 'best-practice']})"
    )
    found = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if impacts is None or v["impact"] in impacts
    ]
    return found, result["passes"]


SIZES = [(390, 844), (1366, 900)]  # a phone, a laptop
# Every <details> open (dictionary, code, chart tables) except the SQL box, which would
# load the engine: what is folded must reflow too.
OPEN_DETAILS = (
    "() => document.querySelectorAll('details:not(#sql details)').forEach(d => d.open = true)"
)


def assert_accessible_and_fits(browser, url: str, width: int, height: int) -> None:
    """axe-core finds nothing, of any impact (best practices such as `region` included),
    with every folded part open; the page is no wider than the screen (WCAG 1.4.10)."""
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    page.evaluate(OPEN_DETAILS)
    violations, passes = axe_audit(page, impacts=None)
    assert violations == [], json.dumps(violations, indent=1)
    assert passes, "axe ran no rule"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def _missing(what: str) -> None:
    message = f"{what}; run `bash tests/browser/setup.sh` (make test does)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _abierto() -> list[str]:
    return [str(Path(sys.executable).parent / "abierto")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    site: Path
    process: subprocess.Popen = field(repr=False)


def wait_for_port(process: subprocess.Popen, port: int, name: str) -> None:
    """Wait until the server `process` answers on `port` (30 s at most)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                error = process.stderr.read() if process.stderr else b""
                raise RuntimeError(f"{name} did not start: {error!r}") from None
            time.sleep(0.1)


def _serve(home: Path) -> Iterator[Server]:
    port = _free_port()
    process = subprocess.Popen(
        [*_abierto(), "serve", "--home", str(home), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_port(process, port, "abierto serve")
    try:
        yield Server(f"http://127.0.0.1:{port}/", home / "site", process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Iterator[Server]:
    """The demo catalog published by `abierto run --demo`, served on a free port."""
    home = tmp_path_factory.mktemp("browser") / "abierto"
    subprocess.run(
        [*_abierto(), "run", "--demo", "--home", str(home), "--date", RUN_DATE],
        check=True,
        capture_output=True,
        env=os.environ | {"DAGSTER_HOME": str(home / "dagster")},
    )
    yield from _serve(home)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Iterator[Server]:
    """A catalog whose first dataset's title is markup that would run if not escaped."""
    from tests.publish.test_site import make_catalog, render

    home = Home(tmp_path_factory.mktemp("hostile") / "abierto")
    site = home.root / "site"
    site.mkdir(parents=True)
    catalog = make_catalog()
    catalog["datasets"][0]["title"] = {"es": HOSTILE_TITLE, "en": HOSTILE_TITLE}
    render(site, catalog)
    yield from _serve(home.root)


@pytest.fixture(scope="module")
def indicator_site(tmp_path_factory) -> Iterator[Server]:
    """A catalog with the indicator pages of five comunas (tests/publish/indicator_fixture.py:
    suppressed values, a comuna without data, a hostile name) and citizen links."""
    from tests.publish.test_indicator_pages import citizen_catalog

    home = Home(tmp_path_factory.mktemp("indicators") / "abierto")
    site = home.root / "site"
    site.mkdir(parents=True)
    from tests.publish.test_site import render

    render(site, citizen_catalog())
    yield from _serve(home.root)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found")
    if not AXE.exists():
        _missing(f"{AXE} not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    # Playwright leaves its closed event loop as the thread's current one; later tests
    # (Dagster runs) would warn about it. Module scope ends it before they start.
    asyncio.set_event_loop(None)


@dataclass
class Watched:
    """A page plus what it did: console errors, page errors, requests, dialogs."""

    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _watch(browser, **options) -> Iterator[Watched]:
    context = browser.new_context(
        accept_downloads=True, viewport={"width": 1366, "height": 900}, **options
    )
    page = context.new_page()
    seen = Watched(page)
    page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("request", lambda r: seen.requests.append(r.url))

    def on_dialog(dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield seen
    context.close()


@pytest.fixture
def watched(browser) -> Iterator[Watched]:
    """A page under the site's own Content-Security-Policy."""
    yield from _watch(browser)


@pytest.fixture
def watched_for_axe(browser) -> Iterator[Watched]:
    """A page that lets the test inject axe-core (the CSP forbids any injected script)."""
    yield from _watch(browser, bypass_csp=True)
