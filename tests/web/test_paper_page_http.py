"""The paper page is served at once; its similar papers come from a second request (real HTTP).

issue 12: the paper page took 25 s on its first visit because it computed similar papers cold
before answering. Now the page holds a placeholder whose data-src the page's script fetches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from web_support import build_library, live_server

from paperfeed.web.app import create_app

KEY = "arxiv:2501.00001"
CARD = re.compile(r'<article class="card" data-key="([^"]+)"')


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings, lib = build_library(tmp_path_factory.mktemp("paper-page"))
    with live_server(create_app(settings, lib)) as url:
        yield url
    lib.close()


def test_paper_page_comes_without_similar_papers_and_points_to_them(base: str) -> None:
    page = httpx.get(f"{base}/papers/{KEY}")
    assert page.status_code == 200
    similar_block = page.text.split('id="similar"', 1)[1].split("</section>", 1)[0]
    assert f'data-src="/papers/{KEY}/similar?fragment=1"' in similar_block
    assert CARD.findall(similar_block) == []  # nothing similar was computed for this response


def test_similar_fragment_holds_the_cards(base: str) -> None:
    page = httpx.get(f"{base}/papers/{KEY}")
    src = re.search(r'data-src="([^"]+)"', page.text)[1]
    frag = httpx.get(base + src)
    assert frag.status_code == 200 and "<html" not in frag.text
    keys = CARD.findall(frag.text)
    assert len(keys) >= 3 and KEY not in keys
    again = httpx.get(base + src)  # the same papers the second time (it is a read)
    assert CARD.findall(again.text) == keys


def test_similar_page_without_javascript(base: str) -> None:
    full = httpx.get(f"{base}/papers/{KEY}/similar")
    assert full.status_code == 200 and "<html" in full.text
    assert f'href="/papers/{KEY}"' in full.text and len(CARD.findall(full.text)) >= 3


def test_similar_of_an_unknown_paper_is_404(base: str) -> None:
    assert httpx.get(f"{base}/papers/arxiv:2999.99999/similar?fragment=1").status_code == 404
