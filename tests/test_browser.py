"""A person in a real browser (Debian chromium, driven by Playwright) against a real ``archive
serve``: the home page, Datasette's own search box, the search page, a document, the map, a chart.
Screenshots go to a pytest tmp dir (their paths are printed: ``pytest -s`` shows them)."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from conftest import q, served

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

pytestmark = [
    pytest.mark.slow,  # a real browser
    pytest.mark.skipif(
        not CHROMIUM and not os.environ.get("ARCHIVE_REQUIRE_BROWSER"),
        reason="Debian chromium not installed (scripts/test.sh installs it)",
    ),
]


@pytest.fixture(scope="module")
def browser_page(crawled):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is required here (ARCHIVE_REQUIRE_BROWSER is set)"
    with served(crawled["db"]) as base, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            yield base, page
        finally:
            browser.close()


def shot(page, tmp_path, name, full_page=True):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path


def visible_box(locator):
    """The element is on screen with an area: width and height both non-zero."""
    box = locator.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0, box
    return box


def assert_cjk_renders(page, selector="h1"):
    """The heading's Chinese is drawn with a CJK font (not tofu): the font is there and used."""
    heading = page.locator(selector).first
    text = heading.inner_text()
    assert re.search(r"[\u4e00-\u9fff]", text), text
    box = visible_box(heading)
    assert box["width"] > 40
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK SC\"', '档案报告')")
    # a run of CJK characters is as wide as the font says: about one em per character
    width = page.evaluate("""() => { const s = document.createElement('span');
        s.style.font = '20px "Noto Sans CJK SC"'; s.textContent = '地方政府工作报告';
        document.body.appendChild(s); const w = s.getBoundingClientRect().width; s.remove(); return w; }""")
    assert 8 * 20 * 0.9 <= width <= 8 * 20 * 1.1, width


def test_home_page_links_to_search_map_and_charts(browser_page, tmp_path):
    base, page = browser_page
    page.goto(base + "/")
    assert_cjk_renders(page)
    for href in ("/-/search", "/-/map", "/-/charts"):
        visible_box(page.locator(f"nav.archive-pages a[href='{href}']"))
    visible_box(page.locator("nav.archive-pages input[name=q]"))
    shot(page, tmp_path, "home")


def test_datasette_search_box_counts_what_sql_counts(browser_page, crawled, tmp_path):
    base, page = browser_page
    truth = q(crawled["db"], "SELECT COUNT(*) FROM documents WHERE instr(text, '人参') > 0")[0][0]
    assert truth > 0
    page.goto(base + "/archive/documents")
    page.fill("input#_search", "人参")
    page.locator("form.filters input[type=submit]").click()
    page.wait_for_url(re.compile(r"_search="))
    heading = page.locator("h3").filter(has_text=re.compile(r"rows?\s+where"))
    visible_box(heading)
    shown = int(re.match(r"\s*([\d,]+) rows?", heading.inner_text())[1].replace(",", ""))
    assert shown == truth
    assert page.locator("table.rows-and-columns tbody tr").count() == truth
    shot(page, tmp_path, "documents-search", full_page=False)


def test_search_page_with_two_words_shows_marked_results(browser_page, crawled, tmp_path):
    base, page = browser_page
    db = crawled["db"]
    truth = q(db, "SELECT COUNT(*) FROM documents WHERE instr(text, '冰雪') > 0 AND instr(text, '旅游') > 0")[
        0
    ][0]
    assert 0 < truth
    page.goto(base + "/-/search")
    page.fill("input#q", "冰雪 旅游")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    total = page.locator(".search-count .total")
    visible_box(total)
    assert int(total.inner_text().replace(",", "")) == truth
    results = page.locator("li.result")
    assert results.count() == min(truth, 20)
    marks = page.locator("li.result mark")
    assert marks.count() >= results.count()
    for i in range(min(marks.count(), 10)):
        visible_box(marks.nth(i))
        assert marks.nth(i).inner_text() in ("冰雪", "旅游")
    # the mark is painted: its background is not transparent
    color = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert color not in ("rgba(0, 0, 0, 0)", "transparent")
    visible_box(results.first.locator("h2 a"))
    assert_cjk_renders(page, "li.result h2 a")
    shot(page, tmp_path, "search")


def test_document_page_shows_paragraphs_and_citation(browser_page, crawled, tmp_path):
    base, page = browser_page
    page.goto(base + "/-/search?q=人参")
    link = page.locator("li.result h2 a").first
    href = link.get_attribute("href")
    doc_id = int(href.rsplit("/", 1)[1])
    link.click()
    page.wait_for_url(re.compile(r"/-/document/\d+$"))
    text = q(crawled["db"], "SELECT text FROM documents WHERE id = ?", doc_id)[0][0]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    paragraphs = page.locator(".report-text p")
    assert paragraphs.count() == len(lines)
    visible_box(paragraphs.first)
    assert paragraphs.first.inner_text().strip() == lines[0]
    citation = page.locator("#citation-text")
    visible_box(citation)
    assert f"document {doc_id}" in citation.inner_text()
    assert page.locator("textarea#citation").input_value() == citation.inner_text()
    page.locator("button[data-copy=citation]").click()
    # the page answers once the (asynchronous) clipboard call settles: copied, or told how to
    page.wait_for_function(
        "() => (document.querySelector('.citation-box .copied')?.innerText || '').trim().length > 0",
        timeout=10_000,
    )
    assert page.locator(".citation-box .copied").inner_text().strip()
    assert_cjk_renders(page)
    shot(page, tmp_path, "document")
    # the raw capture opens as plain text, not as a page
    capture = page.locator("a.capture-link").first
    response = page.request.get(base + capture.get_attribute("href"))
    assert response.headers["content-type"].startswith("text/plain")
    assert "sandbox" in response.headers["content-security-policy"]


def test_map_and_charts_are_drawn(browser_page, crawled, tmp_path):
    from pipelines.cleaning import admin

    base, page = browser_page
    codes = {
        c
        for (c,) in q(crawled["db"], "SELECT DISTINCT admin_code FROM documents WHERE admin_code IS NOT NULL")
    }
    located = {c for c in codes if (d := admin.lookup(c)) and d.longitude is not None}
    page.goto(base + "/-/map")
    points = page.locator("#map-china circle.juris")
    assert points.count() == len(located)
    for i in range(points.count()):
        visible_box(points.nth(i))
    visible_box(page.locator("#map-china svg"))
    if page.locator("#map-zoom").count():
        labels = page.locator("#map-zoom .labels text")
        assert labels.count() > 0
        visible_box(labels.first)
    assert_cjk_renders(page)
    shot(page, tmp_path, "map")

    page.goto(base + "/-/charts")
    bars = page.locator("#per-year rect.bar")
    assert bars.count() > 0
    for i in range(bars.count()):
        visible_box(bars.nth(i))
    years = q(crawled["db"], "SELECT COUNT(DISTINCT year) FROM documents WHERE year IS NOT NULL")[0][0]
    assert page.locator("#per-year g.year-bar rect.bar.reports").count() >= 1
    assert page.locator("#per-year g.year-bar").count() >= years
    visible_box(page.locator("#per-province rect.bar").first)
    gap = page.locator("#coverage-jurisdictions td.gap").first
    visible_box(gap)
    assert "gradient" in gap.evaluate("td => getComputedStyle(td).backgroundImage")
    assert_cjk_renders(page)
    shot(page, tmp_path, "charts")
