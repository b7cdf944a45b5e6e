"""The pages in headless Chromium against a real uvicorn server on a free loopback port.

Screenshots of the main pages go to test-output/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from web_support import CHROMIUM, SHOTS, XSS_TITLE, build_library, serve

LISTING = """Graph neural networks for molecular property prediction: study 3

We study graph neural networks for molecular property prediction, with message passing over atoms and
bonds; this abstract is long enough to be recognised as running prose by the listing parser today.

arXiv:2501.00039
"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need /usr/bin/chromium "
                                "(apt-get install chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn server (single-user mode) in a thread; yields its base URL."""
    settings, lib = build_library(tmp_path_factory.mktemp("browser"))
    lib.create_profile("jane", keys=["arxiv:2501.00001", "arxiv:2501.00002"], interests="kv cache")
    lib.create_profile("paster", interests="graph neural networks")
    with serve(settings, lib) as url:
        yield url


def test_search_and_open_a_paper(page) -> None:
    page.goto("/")
    page.screenshot(path=SHOTS / "home.png", full_page=True)
    page.fill("input[name=q]", "diffusion image generation")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#results .card")
    assert "q=diffusion+image+generation" in page.url
    assert page.locator("#results .card").count() == 20
    assert "diffusion" in page.locator("#results .card .why").first.inner_text().lower()
    page.screenshot(path=SHOTS / "search.png", full_page=False)
    page.locator("#results .card h3 a").first.click()
    page.wait_for_selector("#paper-title")
    assert "Diffusion" in page.locator("#paper-title").inner_text()
    page.wait_for_selector("#similar .card")  # fetched after the page is shown
    page.click("button[data-copy]")
    page.wait_for_selector("button[data-copy]:has-text('Copied')")
    page.screenshot(path=SHOTS / "paper.png", full_page=True)
    page.locator(".authors a").first.click()
    page.wait_for_selector("#results .card")
    assert "au%3A" in page.url


def test_latex_paper_page(page) -> None:
    page.goto("/papers/arxiv:2501.09999")
    assert page.locator("#paper-title .math").inner_text() == "O(n log n)"
    assert "O(n2)" in page.locator("#abstract").inner_text().replace(" ", "")
    page.screenshot(path=SHOTS / "paper-latex.png")


def test_like_a_paper_and_the_feed_changes(page) -> None:
    page.goto("/profiles/jane/feed")
    page.wait_for_selector("#feed .card")
    before = page.locator("#feed .card").evaluate_all("cards => cards.map(c => c.dataset.key)")
    page.screenshot(path=SHOTS / "feed.png", full_page=False)
    target = page.locator("#feed .card").nth(2)
    liked_key = target.get_attribute("data-key")
    target.locator("button[data-feedback=like]").click()
    page.wait_for_selector("#feed .card.liked")
    assert "Liked" in target.locator(".status").inner_text()
    assert page.url.endswith("/profiles/jane/feed")  # no page load
    disliked = page.locator("#feed .card").nth(0)
    disliked_key = disliked.get_attribute("data-key")
    disliked.locator("button[data-feedback=not-interested]").click()
    page.wait_for_selector("#feed .card.disliked")
    page.reload()
    page.wait_for_selector("#feed .card")
    after = page.locator("#feed .card").evaluate_all("cards => cards.map(c => c.dataset.key)")
    assert liked_key not in after and disliked_key not in after and after != before
    page.click("#mark-seen")
    page.wait_for_selector(".notice")
    assert "marked as seen" in page.locator(".notice").inner_text()
    rest = page.locator("#feed .card").evaluate_all("cards => cards.map(c => c.dataset.key)")
    assert set(rest).isdisjoint(after)


def test_mute_an_author(page) -> None:
    page.goto("/profiles/jane/feed")
    card = page.locator("#feed .card").first
    card.locator("summary").click()
    author = card.locator("button[data-mute-author]").first.get_attribute("data-mute-author")
    card.locator("button[data-mute-author]").first.click()
    page.wait_for_selector("#feed .card.muted")
    page.reload()
    authors = page.locator("#feed .card .authors").all_inner_texts()
    assert all(author not in a for a in authors)


def test_paste_a_listing_into_a_profile(page) -> None:
    page.goto("/profiles/paster")
    page.fill("#listing", LISTING)
    page.click("#add-papers button[type=submit]")
    page.wait_for_selector(".notice")
    assert re.search(r"\b1 paper added", page.locator(".notice").inner_text())
    assert "study 3" in page.locator("#profile-papers").inner_text()
    page.screenshot(path=SHOTS / "profile.png", full_page=True)


def test_topic_map_draws_points(page) -> None:
    page.goto("/map?profile=jane")
    page.wait_for_selector("#topic-map:not([data-points='0'])")
    drawn = int(page.locator("#topic-map").get_attribute("data-points"))
    assert drawn == page.evaluate("window.paperfeedMap.count") == 50
    assert int(page.locator("#topic-map").get_attribute("data-highlighted")) == 2
    assert page.locator("#map-legend span").count() >= 5
    point = page.evaluate("window.paperfeedMap.point(7)")
    box = page.locator("#topic-map").bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#map-tip", state="visible")
    assert page.locator("#map-tip").inner_text().startswith(point["title"])
    page.screenshot(path=SHOTS / "map.png", full_page=True)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("#paper-title")
    assert page.url.endswith("/papers/" + point["key"]) or point["key"].split(":")[1] in page.url


def test_xss_title_is_shown_as_text(page) -> None:
    page.goto("/papers/arxiv:2501.09998")
    assert page.locator("#paper-title").inner_text() == XSS_TITLE
    assert "Mallory <img src=x onerror=alert(2)>" in page.locator(".paper-head .authors").inner_text()
    page.goto("/search?q=key+value+cache+attention&mode=keyword&limit=100")
    page.wait_for_selector("#results .card")
    assert XSS_TITLE in page.locator("#results").inner_text()
    page.wait_for_timeout(200)
    assert page.dialogs == []
    page.screenshot(path=SHOTS / "xss.png")


def test_recent_page(page) -> None:
    page.goto("/recent")
    assert page.locator(".day h2").first.inner_text() == "2025-02-02"
    page.click("a.chip:has-text('cs.RO')")
    page.wait_for_url(re.compile(r"category=cs\.RO"))
    assert page.locator(".card").count() == 12
    page.screenshot(path=SHOTS / "recent.png")
