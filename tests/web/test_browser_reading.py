"""Daily reading in headless Chromium against a real uvicorn server: the profile switcher and default
profile, the dense feed with PDF and code links, keyboard shortcuts, save for later and tags, alerts and
Atom URLs, dark mode, the phone layout and the topic map's labels. Screenshots go to test-output/screenshots/;
any console error (a CSP violation included) fails a test (conftest.open_page).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from web_support import CHROMIUM, SHOTS, build_library, open_page, serve

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need /usr/bin/chromium "
                                "(apt-get install chromium)")
CODE_URL = "https://github.com/example/kvpress"
STATE: dict = {}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[str]:
    """The reading library on each backend (a PostgreSQL database of this module's own), served."""
    d = tmp_path_factory.mktemp("reading")
    if request.param == "postgres":
        from support import pg

        pg_server = request.getfixturevalue("pg_server")
        db_url = pg.create_database(pg_server)
        request.addfinalizer(lambda: pg.drop_database(pg_server, db_url))
        settings, lib = build_library(d, db_url)
    else:
        settings, lib = build_library(d)
    extra = d / "code.jsonl"
    extra.write_text(json.dumps({
        "id": "2501.08888", "title": "KV cache eviction with released code",
        "abstract": "Key value cache attention tokens eviction for long context decoding memory; "
                    f"code is at {CODE_URL}.", "authors": ["Coder One"], "categories": ["cs.CL"],
        "date": "2025-01-20", "comments": "12 pages; project page https://kvpress.example.org/"}) + "\n")
    lib.ingest([str(extra)])
    lib.embed_pending()
    lib.create_profile("jane", keys=["arxiv:2501.00001", "arxiv:2501.00002"], interests="kv cache")
    lib.create_profile("kim", keys=["arxiv:2501.00025"], interests="robot grasping")
    STATE.update(lib=lib, dir=d)
    with serve(settings, lib) as url:
        yield url


def keys_of(page, selector: str = "#feed .card") -> list[str]:
    return page.locator(selector).evaluate_all("cards => cards.map(c => c.dataset.key)")


def test_profile_switcher_and_default_profile(page) -> None:
    page.goto("/feed")
    page.wait_for_url("**/profiles/jane/feed")
    assert page.locator("#profile-switcher select").input_value() == "jane"
    page.select_option("#profile-switcher select", "kim")
    page.wait_for_url("**/profiles/kim/feed")
    page.click("#make-default")
    page.wait_for_selector("#default-mark")
    page.goto("/feed")
    page.wait_for_url("**/profiles/kim/feed")
    page.screenshot(path=SHOTS / "feed-switcher.png")
    page.select_option("#profile-switcher select", "jane")
    page.wait_for_url("**/profiles/jane/feed")
    page.click("#make-default")  # leave jane the default for the other tests
    page.wait_for_selector("#default-mark")


def test_dense_feed_with_pdf_and_code_links(page) -> None:
    page.goto("/profiles/jane/feed")
    cards = page.locator("#feed .card")
    first_screen = cards.evaluate_all("cs => cs.filter(c => c.getBoundingClientRect().bottom <= innerHeight).length")
    assert first_screen >= 5, f"only {first_screen} whole cards in the first 900 px"
    card = page.locator("#feed .card[data-key='arxiv:2501.08888']")
    assert card.locator(".links-inline a.pdf").get_attribute("href") == "https://arxiv.org/pdf/2501.08888"
    assert card.locator(".links-inline a.code").get_attribute("href") == CODE_URL
    assert card.locator(".links-inline a.project").get_attribute("href") == "https://kvpress.example.org/"
    page.screenshot(path=SHOTS / "feed-dense.png")


def test_keyboard_shortcuts(page) -> None:
    page.goto("/profiles/jane/feed")
    keys = keys_of(page)
    page.keyboard.press("j")
    assert keys_of(page, "#feed .card.current") == [keys[0]]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert keys_of(page, "#feed .card.current") == [keys[1]]
    page.keyboard.press("l")
    page.wait_for_selector(f"#feed .card.liked[data-key='{keys[1]}']")
    page.keyboard.press("j")
    page.keyboard.press("d")
    page.wait_for_selector(f"#feed .card.disliked[data-key='{keys[2]}']")
    page.keyboard.press("j")
    page.keyboard.press("s")
    page.wait_for_selector(f"#feed .card.saved[data-key='{keys[3]}']")
    assert page.locator(f"#feed .card[data-key='{keys[3]}'] button[data-save]").inner_text() == "Saved ✓"
    lib = STATE["lib"]
    assert [p.key for p in lib.reading_list("jane")] == [keys[3]]
    rec = lib.profile("jane")
    assert [p.key for p in rec["liked"]] == [keys[1]] and [p.key for p in rec["disliked"]] == [keys[2]]
    page.keyboard.press("s")  # again: off the reading list
    page.wait_for_selector(f"#feed .card[data-key='{keys[3]}'] button[data-save=on]")
    assert lib.reading_list("jane") == []
    page.keyboard.press("?")
    page.wait_for_selector("#keys-help[open]")
    page.screenshot(path=SHOTS / "feed-keys-help.png")
    page.keyboard.press("j")  # ignored while the help is open
    assert keys_of(page, "#feed .card.current") == [keys[3]]
    page.keyboard.press("Escape")
    page.wait_for_selector("#keys-help[open]", state="detached")
    page.click("button[data-show-help]")
    page.wait_for_selector("#keys-help[open]")
    page.click("#keys-help button[type=submit]")
    page.wait_for_selector("#keys-help[open]", state="detached")
    page.fill("#feed-filters input[name=category]", "j")  # typing in a field is not a shortcut
    assert keys_of(page, "#feed .card.current") == [keys[3]]
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("o")
    page.wait_for_selector("#paper-title")
    assert page.url.endswith("/papers/" + keys[3])
    lib.feedback("jane", keys[1], "clear")
    lib.feedback("jane", keys[2], "clear")


def test_save_and_tag_on_the_paper_page_then_export(page) -> None:
    page.goto("/papers/arxiv:2501.08888")
    assert page.locator(".links a.code").get_attribute("href") == CODE_URL
    page.select_option("[data-profile-select]", "jane")
    page.click("button[data-paper-action=save]")
    page.wait_for_selector("[data-profile-actions] .status:has-text('Saved for later')")
    page.fill("[data-tag-form] input[name=tags]", "to-read, Survey")
    page.click("[data-tag-form] button[type=submit]")
    page.wait_for_selector("[data-profile-actions] .status:has-text('#survey #to-read')")
    page.goto("/profiles/jane/reading")
    assert keys_of(page, "#reading .card") == ["arxiv:2501.08888"]
    page.click("#tag-list a:has-text('#survey')")
    page.wait_for_url("**/reading?tag=survey")
    assert keys_of(page, "#reading .card") == ["arxiv:2501.08888"]
    page.screenshot(path=SHOTS / "reading-list.png")
    with page.expect_download() as dl:
        page.click("#export-bibtex")
    bib = dl.value.path().read_text(encoding="utf-8")
    assert bib.startswith("@") and "KV cache eviction with released code" in bib
    page.goto("/profiles/jane/reading")
    page.click("#reading .card button[data-save=off]")
    page.wait_for_selector("#reading .card button[data-save=on]")
    assert STATE["lib"].reading_list("jane") == []


def test_alerts_and_subscribe_urls(page, browser, server) -> None:
    page.goto("/search?q=robot+grasping")
    page.select_option("#save-alert select[name=profile]", "kim")
    page.click("#save-alert button[type=submit]")
    page.wait_for_url("**/profiles/kim#alerts")
    row = page.locator(".alert-row[data-alert='robot grasping']")
    atom = row.locator("a.atom-link").get_attribute("href")
    page.click("#new-feed-url")
    page.wait_for_selector("#atom-url")
    feed_url = page.locator("#atom-url").input_value()
    page.screenshot(path=SHOTS / "profile-subscribe.png", full_page=True)
    reader = browser.new_context()  # a feed reader: no cookies
    try:
        r = reader.request.get(feed_url)
        assert r.status == 200 and r.headers["content-type"].startswith("application/atom+xml")
        assert b"<entry>" in r.body()
        assert b"<entry>" not in reader.request.get(atom).body()  # nothing new since the alert
        new = STATE["dir"] / "new.jsonl"
        new.write_text(json.dumps({"id": "2502.00555", "title": "Robot grasping of cables", "abstract":
                                   "A robot gripper grasps cables.", "authors": ["New Author"],
                                   "categories": ["cs.RO"], "date": "2025-02-03"}) + "\n")
        STATE["lib"].ingest([str(new)])
        assert b"Robot grasping of cables" in reader.request.get(atom).body()
    finally:
        reader.close()
    row.locator("button:has-text('Remove')").click()
    page.wait_for_url("**/profiles/kim#alerts")
    assert page.locator(".alert-row").count() == 0


@pytest.mark.parametrize("scheme,background", [("dark", "rgb(18, 18, 22)"), ("light", "rgb(247, 247, 248)")])
def test_dark_mode_follows_the_system(browser, server, scheme: str, background: str) -> None:
    ctx, pg = open_page(browser, server, dark=scheme == "dark")
    try:
        pg.goto("/profiles/jane/feed")
        assert pg.evaluate("getComputedStyle(document.body).backgroundColor") == background
        card = pg.evaluate("getComputedStyle(document.querySelector('#feed .card')).backgroundColor")
        assert (card == "rgb(28, 28, 34)") == (scheme == "dark")
        pg.screenshot(path=SHOTS / f"feed-{scheme}.png")
        pg.goto("/papers/arxiv:2501.08888")
        pg.screenshot(path=SHOTS / f"paper-{scheme}.png")
        assert pg.js_errors == []
    finally:
        ctx.close()


def test_phone_width_puts_results_first(browser, server) -> None:
    ctx, pg = open_page(browser, server, width=390, height=844)
    try:
        pg.goto("/search?q=diffusion+image+generation")
        top = pg.locator("#results .card").first.bounding_box()["y"]
        assert top < 260, f"first result starts {top:.0f} px down"
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        assert not pg.locator("#search-filters").is_visible()
        pg.screenshot(path=SHOTS / "search-phone.png")
        pg.click("a.filters-toggle")
        assert pg.locator("#search-filters").is_visible()
        pg.goto("/profiles/jane/feed")
        assert pg.locator("#feed .card").first.bounding_box()["y"] < 200
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        pg.screenshot(path=SHOTS / "feed-phone.png")
        assert pg.js_errors == []
    finally:
        ctx.close()


def test_pages_without_csp_violations(page) -> None:
    """Paper, profile and map pages render with no console error (CSP style-src 'self' is enforced)."""
    for path in ("/papers/arxiv:2501.08888", "/profiles/jane", "/profiles", "/recent", "/api"):
        page.goto(path)
        page.wait_for_load_state("load")
    assert "style-src 'self'" in page.request.get("/").headers["content-security-policy"]


def test_topic_map_labels_and_profile_stars(page) -> None:
    page.goto("/map?profile=jane")
    page.wait_for_selector("#topic-map:not([data-points='0'])")
    assert int(page.locator("#topic-map").get_attribute("data-clusters")) >= 2
    labels = page.evaluate("window.paperfeedMap.clusters")
    assert all(" · " in x for x in labels) and any("cache" in x or "diffusion" in x for x in labels)
    assert "jane's papers (2)" in page.locator("#map-legend .legend-mine").inner_text()
    i = page.evaluate("window.paperfeedMap.highlight[0]")
    pt = page.evaluate(f"window.paperfeedMap.point({i})")
    rgb = page.evaluate("""([x, y]) => {
        const c = document.getElementById('topic-map');
        const r = window.devicePixelRatio || 1;
        return Array.from(c.getContext('2d').getImageData(Math.round(x * r), Math.round(y * r), 1, 1).data);
    }""", [pt["x"], pt["y"]])
    assert rgb[:3] == [250, 204, 21], rgb  # the star's yellow, a colour no category (nor "other") uses
    page.screenshot(path=SHOTS / "map-labels.png", full_page=True)
