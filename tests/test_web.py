"""The web UI end to end in Debian's Chromium (Playwright), against a real `listwatch serve`.

Each test saves a screenshot under test-output/web/ (the repository's test output directory).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import Templates

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "web"
if os.environ.get("CI") and not Path(CHROMIUM).exists():
    raise RuntimeError("CI run without Chromium: .ci/run must apt-get install chromium")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("web")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = templates.copy("sqlite", tmp, "web")  # seeded already: the server starts without seeding
    env = {**os.environ, "LISTWATCH_DATABASE_URL": db, "LISTWATCH_MAX_BODY": "200000"}
    proc = subprocess.Popen([sys.executable, "-m", "listwatch", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    # Build the screening index before the first page types into the search box: the tests time the UI, not
    # a cold index build on a loaded machine.
    httpx.get(f"{base}/v1/screen", params={"q": "warm up"}, timeout=120)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _page(browser: Browser, javascript: bool = True) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                              java_script_enabled=javascript)
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser)


def test_search_as_you_type_shows_the_hit(server: str, page: Page) -> None:
    page.goto(server + "/")
    page.fill("#as_of", "2021-02-01")
    page.fill("#q", "xiaomi")
    hit = page.locator(".hit").first
    expect(hit).to_contain_text("Xiaomi Corporation")
    expect(hit.locator(".badge")).to_have_text("restricted: us-dod-1237")
    expect(hit).to_contain_text("matched")
    page.screenshot(path=str(SHOTS / "search-xiaomi.png"), full_page=True)


def test_entity_page_has_the_injunction_marker_and_a_status_on_date(server: str, page: Page) -> None:
    page.goto(server + "/entities/xiaomi")
    marker = page.locator('svg.timeline .marker[data-type="enjoined"][data-date="2021-03-12"]')
    expect(marker).to_have_count(1)
    assert "1:21-cv-00280" in (marker.locator("title").text_content() or "")
    expect(page.locator("svg.timeline rect.suspended")).to_have_count(1)
    page.fill("#as_of", "2021-03-01")
    page.click("text=Show")
    expect(page.locator("#verdict")).to_contain_text("listed")
    expect(page.locator("#verdict .badge")).to_have_text("listed")
    page.screenshot(path=str(SHOTS / "entity-xiaomi-2021-03-01.png"), full_page=True)
    page.fill("#as_of", "2021-03-20")
    page.click("text=Show")
    expect(page.locator("#verdict .badge")).to_have_text("listed, enjoined")


def test_list_diff_across_the_january_2021_tranche_shows_nine_additions(server: str, page: Page) -> None:
    page.goto(server + "/lists")
    page.click("text=us-dod-1237")
    page.fill("#from", "2021-01-13")
    page.fill("#to", "2021-01-14")
    page.click("text=Show diff")
    expect(page.locator("#diff-summary")).to_have_text("9 added, 0 removed, 0 amended")
    expect(page.locator("table.diff-added tbody tr")).to_have_count(9)
    expect(page.locator("table.diff-added")).to_contain_text("Xiaomi Corporation")
    page.screenshot(path=str(SHOTS / "list-1237-diff.png"), full_page=True)


def test_portfolio_upload_and_download(server: str, page: Page, tmp_path: Path) -> None:
    f = tmp_path / "holdings.csv"
    f.write_text("name,isin,quantity\nXiaomi Corp,,100\n,KYG9830T1067,5\nAcme Widgets Ltd,,1\n", encoding="utf-8")
    page.goto(server + "/portfolio")
    page.set_input_files("#file", str(f))
    page.fill("#as_of", "2021-01-14")
    page.click("button:has-text('Check')")
    rows = page.locator("#portfolio-result tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("must divest by 2022-01-14")
    expect(rows.nth(2)).to_contain_text("no listing found")
    expect(page.locator("#evidence")).to_contain_text("listwatch-dataset")
    page.screenshot(path=str(SHOTS / "portfolio-result.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#download")
    saved = tmp_path / "result.csv"
    dl.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("row,name,isin,ticker,quantity") and "xiaomi" in text and "must divest by 2022-01-14" in text
    shutil.copy(saved, SHOTS / "portfolio-result.csv")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01", "is not UTF-8 text"),
    ("holdings.csv", b"company,qty\nXiaomi,1\n", "missing columns - need 'name', 'isin' or 'ticker'"),
    ("big.csv", b"name\n" + b"Xiaomi Corporation\n" * 20000, "over the 200,000-byte limit"),
])
def test_malformed_uploads_show_a_clear_message(server: str, page: Page, tmp_path: Path, name: str, content: bytes,
                                                 message: str) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    page.goto(server + "/portfolio")
    page.set_input_files("#file", str(f))
    page.click("button:has-text('Check')")
    expect(page.locator("#upload-error")).to_contain_text(message)
    page.screenshot(path=str(SHOTS / f"portfolio-error-{name.replace('.', '-')}.png"), full_page=True)


def test_changes_and_lists_pages_render(server: str, page: Page) -> None:
    page.goto(server + "/changes?since=2020-01-01")
    expect(page.locator("h1")).to_have_text("Changes")
    page.goto(server + "/lists/us-ofac-ns-cmic?as_of=2021-06-03")
    expect(page.locator("h2")).to_contain_text("59 members on 2021-06-03")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path=str(SHOTS / "list-ns-cmic-phone.png"), full_page=False)


def test_api_docs_render_offline(server: str, page: Page) -> None:
    """/docs with every request to another host refused: Swagger UI comes from listwatch itself."""
    refused: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(server + "/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    assert page.locator(".opblock").count() > 15
    expect(page.locator(".information-container")).to_contain_text("listwatch")
    page.screenshot(path=str(SHOTS / "api-docs-offline.png"), full_page=False)
    assert refused == []


@pytest.fixture
def nojs(browser: Browser) -> Iterator[Page]:
    """A page in a browser with JavaScript off: what works here works for everyone."""
    yield from _page(browser, javascript=False)


def test_search_results_without_javascript_and_the_url_is_shareable(server: str, nojs: Page) -> None:
    nojs.goto(server + "/")
    nojs.fill("#q", "xiaomi")
    nojs.fill("#as_of", "2021-02-01")
    nojs.click("button:has-text('Search')")
    assert "q=xiaomi" in nojs.url and "as_of=2021-02-01" in nojs.url
    hit = nojs.locator(".hit").first
    expect(hit).to_contain_text("Xiaomi Corporation")
    expect(hit.locator(".badge")).to_have_text("restricted: us-dod-1237")
    nojs.goto(nojs.url)  # the shared link shows the same answer
    expect(nojs.locator(".hit").first).to_contain_text("Xiaomi Corporation")
    nojs.screenshot(path=str(SHOTS / "search-no-javascript.png"), full_page=True)


def test_search_filters_are_in_the_form_and_the_shareable_url(server: str, nojs: Page, page: Page) -> None:
    """Xiaomi was on the DoD 1237 list on 2021-02-01, never on NS-CMIC: the list filter decides."""
    nojs.goto(server + "/?as_of=2021-02-01")
    nojs.fill("#q", "xiaomi")
    nojs.select_option("#list", "us-ofac-ns-cmic")
    nojs.click("button:has-text('Search')")
    assert "list=us-ofac-ns-cmic" in nojs.url
    expect(nojs.locator("#results")).to_contain_text("No match")
    nojs.select_option("#list", "us-dod-1237")
    nojs.select_option("#schema", "company")
    nojs.fill("#country", "CN")
    nojs.click("button:has-text('Search')")
    assert all(p in nojs.url for p in ("list=us-dod-1237", "schema=company", "country=CN"))
    expect(nojs.locator(".hit").first).to_contain_text("Xiaomi Corporation")
    expect(nojs.locator("#print-link")).to_have_attribute("href", re.compile("list=us-dod-1237"))
    nojs.goto(nojs.url)  # the shared link keeps the filters, selected in the form
    expect(nojs.locator("#list")).to_have_value("us-dod-1237")
    page.goto(server + "/?as_of=2021-02-01&list=us-ofac-ns-cmic")  # as you type, too
    page.fill("#q", "xiaomi")
    expect(page.locator("#results")).to_contain_text("No match")
    assert "list=us-ofac-ns-cmic" in page.url


def test_typing_a_search_puts_query_and_date_in_the_url(server: str, page: Page) -> None:
    page.goto(server + "/?as_of=2021-02-01")
    page.fill("#q", "hikvision")
    expect(page.locator(".hit").first).to_contain_text("Hikvision")
    assert "q=hikvision" in page.url and "as_of=2021-02-01" in page.url


def test_sources_are_links_to_the_federal_register_and_the_docket(server: str, nojs: Page) -> None:
    nojs.goto(server + "/entities/xiaomi?as_of=2021-01-14")
    expect(nojs.locator('a[href="https://www.federalregister.gov/citation/85-FR-73185"]').first).to_be_visible()
    expect(nojs.locator('a[href*="courtlistener.com"][href*="1%3A21-cv-00280"]').first).to_be_attached()
    nojs.screenshot(path=str(SHOTS / "entity-xiaomi-links.png"), full_page=True)


def test_print_view_of_an_entity_carries_the_evidence_record(server: str, nojs: Page) -> None:
    nojs.goto(server + "/entities/xiaomi?as_of=2021-01-14")
    nojs.click("#print-link")
    assert "/print?entity=xiaomi&as_of=2021-01-14" in nojs.url
    expect(nojs.locator("#verdict")).to_contain_text("Restricted on 2021-01-14")
    expect(nojs.locator("#ev-as-of")).to_have_text("2021-01-14")
    expect(nojs.locator("#ev-data-version")).not_to_be_empty()
    expect(nojs.locator("#printed-at")).to_contain_text("UTC")
    nojs.emulate_media(media="print")
    nojs.screenshot(path=str(SHOTS / "print-entity-xiaomi.png"), full_page=True)


def test_print_view_of_a_search(server: str, nojs: Page) -> None:
    nojs.goto(server + "/?q=XIAOMI+CORP-CLASS+B&as_of=2021-02-01")
    nojs.click("#print-link")
    expect(nojs.locator("#print-hits")).to_contain_text("xiaomi")
    expect(nojs.locator("#ev-as-of")).to_have_text("2021-02-01")
    nojs.screenshot(path=str(SHOTS / "print-search.png"), full_page=True)


def test_members_are_paged_and_the_list_says_when_its_data_is_from(server: str, nojs: Page) -> None:
    nojs.goto(server + "/lists/us-bis-entity-list?as_of=2022-01-01")
    expect(nojs.locator("#data-as-of")).to_contain_text("Data as of")
    expect(nojs.locator("#pager")).to_contain_text("Showing 1–100 of ")
    total = int(nojs.locator("#pager").inner_text().split(" of ", 1)[1].split()[0])
    assert total > 1000  # the whole Entity List is bundled: paging is what keeps the page small
    expect(nojs.locator("table tbody tr")).to_have_count(100)
    nojs.click("a[rel=next]")
    expect(nojs.locator("#pager")).to_contain_text(f"Showing 101–200 of {total}")
    expect(nojs.locator("table tbody tr")).to_have_count(100)
    nojs.screenshot(path=str(SHOTS / "list-entity-list-page-2.png"), full_page=False)


@pytest.mark.parametrize(("path", "first_column"), [
    ("/lists/us-dod-1237?as_of=2021-01-14", "id"), ("/lists/us-dod-1237/diff?from=2021-01-13&to=2021-01-14", "change"),
    ("/changes?since=2020-01-01", "recorded_at"), ("/?q=xiaomi&as_of=2021-02-01", "score"),
    ("/entities/xiaomi", "date")])
def test_every_table_downloads_as_csv_and_json(server: str, path: str, first_column: str) -> None:
    sep = "&" if "?" in path else "?"
    csv_r = httpx.get(f"{server}{path}{sep}format=csv")
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    assert csv_r.text.splitlines()[0].startswith(first_column) and len(csv_r.text.splitlines()) > 1
    js = httpx.get(f"{server}{path}{sep}format=json")
    assert js.headers["content-type"].startswith("application/json") and js.json()["rows"]
    assert "attachment" in js.headers["content-disposition"]
