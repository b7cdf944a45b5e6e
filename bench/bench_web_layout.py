"""Benchmark: how much of the feed and the search results a reader sees at once, on a laptop and a phone.

    .venv/bin/python bench/bench_web_layout.py [--work DIR] [--papers 21000]

Uses bench_web.py's cached library (shared arXiv corpus, test embedder, a profile "bench") and its
`paperfeed serve` subprocess, then measures in headless Chromium (/usr/bin/chromium):
- laptop 1280x900: whole feed cards in the first screen, and the mean card height;
- phone 390x844: how far down the first search result and the first feed card start;
- feed cards with a code link (GitHub etc. found in the abstract or comments).
Layout figures, not timings. To compare with another checkout, run it with PYTHONPATH=OTHER/src
and another --work (a library migrated by a newer paperfeed cannot be opened by an older one).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_web import build, start_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WHOLE_CARDS = "cs => cs.filter(c => c.getBoundingClientRect().bottom <= innerHeight).length"
MEAN_HEIGHT = "cs => cs.reduce((s, c) => s + c.getBoundingClientRect().height, 0) / Math.max(1, cs.length)"


def measure(base: str) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        laptop = browser.new_page(viewport={"width": 1280, "height": 900})
        laptop.goto(base + "/profiles/bench/feed")
        cards = laptop.locator("#feed .card")
        out["laptop_feed_whole_cards_first_screen"] = cards.evaluate_all(WHOLE_CARDS)
        out["laptop_feed_mean_card_px"] = round(cards.evaluate_all(MEAN_HEIGHT))
        out["feed_cards"] = cards.count()
        out["feed_cards_with_code_link"] = laptop.locator("#feed .card:has(.links-inline a.code)").count()
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(base + "/search?q=kv+cache+compression")
        out["phone_first_result_top_px"] = round(phone.locator("#results .card").first.bounding_box()["y"])
        phone.goto(base + "/profiles/bench/feed")
        out["phone_first_feed_card_top_px"] = round(phone.locator("#feed .card").first.bounding_box()["y"])
        out["phone_page_width_px"] = phone.evaluate("document.documentElement.scrollWidth")
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/paperfeed-bench-layout"))
    ap.add_argument("--papers", type=int, default=21000)
    args = ap.parse_args()
    db = build(args.work, args.papers)
    proc, base = start_server(db)
    try:
        figures = measure(base)
    finally:
        proc.terminate()
        proc.wait(10)
    print(json.dumps({"papers": args.papers, **figures}, indent=2))


if __name__ == "__main__":
    main()
