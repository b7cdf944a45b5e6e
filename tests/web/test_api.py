"""The JSON API and pages in single-user mode, in-process through ASGI."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_support import XSS_TITLE, csrf_of


def create_profile(client: TestClient, name: str = "jane", **body) -> dict:
    r = client.post("/api/profiles", json={"name": name, **body}, headers={"X-CSRF-Token": csrf_of(client)})
    assert r.status_code == 201, r.text
    return r.json()


def test_search_api_returns_hits_with_reasons(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "kv cache compression", "limit": 5})
    assert r.status_code == 200
    body = r.json()
    assert len(body["results"]) == 5 and body["more"] is True
    top = body["results"][0]
    assert "kv cache" in top["title"].lower()
    assert top["why"] and top["key"].startswith("arxiv:")


def test_search_paging_and_filters(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "robot grasping", "limit": 3}).json()["results"]
    second = client.get("/api/search", params={"q": "robot grasping", "limit": 3, "offset": 3}).json()["results"]
    assert {h["key"] for h in first}.isdisjoint(h["key"] for h in second)
    only = client.get("/api/search", params={"q": "study", "category": "cs.RO", "mode": "keyword"}).json()
    assert only["results"] and all("cs.RO" in h["categories"] for h in only["results"])
    by_author = client.get("/api/search", params={"q": "study", "author": "Ada Lovelace"}).json()["results"]
    assert [h["key"] for h in by_author] == ["arxiv:2501.09999"]
    dated = client.get("/api/search", params={"q": "study", "since": "2025-01-20", "mode": "keyword"}).json()
    assert all(h["date"] >= "2025-01-20" for h in dated["results"])


def test_search_errors_are_400(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": ""}).status_code == 400
    assert client.get("/api/search", params={"q": "x", "since": "not a date"}).status_code == 400
    assert client.get("/api/search", params={"q": "x", "limit": 0}).status_code == 422


def test_paper_json_and_similar(client: TestClient) -> None:
    p = client.get("/api/papers/arxiv:2501.00001").json()
    assert p["links"]["pdf"] == "https://arxiv.org/pdf/2501.00001"
    assert p["bibtex"].startswith("@misc{")
    sim = client.get("/api/papers/arxiv:2501.00001/similar", params={"limit": 4}).json()
    assert len(sim) == 4 and all(h["key"] != "arxiv:2501.00001" for h in sim)
    assert client.get("/api/papers/arxiv:0000.00000").status_code == 404


def test_keys_with_slashes(client: TestClient, web_lib, tmp_path) -> None:
    f = tmp_path / "old.jsonl"
    f.write_text('{"id": "hep-th/9901001", "title": "Old string theory", "abstract": "Strings and branes in '
                 'many dimensions, a long enough abstract.", "authors": ["Ed W"], "categories": ["hep-th"], '
                 '"date": "1999-01-01"}\n')
    web_lib.ingest([str(f)])
    web_lib.embed_pending()
    assert client.get("/api/papers/arxiv:hep-th/9901001").json()["title"] == "Old string theory"
    assert client.get("/api/papers/arxiv:hep-th/9901001/similar").status_code == 200
    page = client.get("/papers/arxiv:hep-th/9901001")
    assert page.status_code == 200 and "Old string theory" in page.text


def test_profile_lifecycle_and_feed(client: TestClient) -> None:
    res = create_profile(client, keys=["arxiv:2501.00001", "arxiv:2501.00002"], interests="kv cache")
    assert res["papers_added"] == 2
    assert [p["name"] for p in client.get("/api/profiles").json()] == ["jane"]
    feed = client.get("/api/profiles/jane/feed", params={"limit": 10}).json()
    assert len(feed) == 10 and all(h["why"] for h in feed)
    assert "cs.CL" in feed[0]["categories"]
    prof = client.get("/api/profiles/jane").json()
    assert {p["key"] for p in prof["papers"]} == {"arxiv:2501.00001", "arxiv:2501.00002"}
    h = {"X-CSRF-Token": csrf_of(client)}
    r = client.post("/api/profiles/jane/papers/remove", json={"keys": ["arxiv:2501.00002"]}, headers=h)
    assert r.json() == {"removed": 1}
    assert client.delete("/api/profiles/jane", headers=h).status_code == 200
    assert client.get("/api/profiles/jane").status_code == 404


def test_like_changes_the_next_feed(client: TestClient) -> None:
    create_profile(client, keys=["arxiv:2501.00001"])

    def feed_categories() -> tuple[list[str], int]:
        hits = client.get("/api/profiles/jane/feed", params={"limit": 15}).json()
        return [x["key"] for x in hits], sum("cs.RO" in x["categories"] for x in hits)

    before, robots_before = feed_categories()
    robot = client.get("/api/search", params={"q": "robot grasping", "limit": 1}).json()["results"][0]["key"]
    h = {"X-CSRF-Token": csrf_of(client)}
    r = client.post("/api/feedback", json={"profile": "jane", "key": robot, "action": "like"}, headers=h)
    assert r.status_code == 200
    after, robots_after = feed_categories()
    assert after != before and robot not in after
    assert robots_after > robots_before
    r = client.post("/api/feedback", json={"profile": "jane", "key": before[0], "action": "not-interested"},
                    headers=h)
    assert r.status_code == 200
    assert before[0] in {p["key"] for p in client.get("/api/profiles/jane").json()["disliked"]}
    assert before[0] not in feed_categories()[0]


def test_mute_author_and_mark_seen(client: TestClient) -> None:
    create_profile(client, keys=["arxiv:2501.00001"])
    h = {"X-CSRF-Token": csrf_of(client)}
    feed = client.get("/api/profiles/jane/feed", params={"limit": 5}).json()
    author = feed[0]["authors"][0]
    assert client.post("/api/mute", json={"profile": "jane", "kind": "author", "value": author}, headers=h).is_success
    muted = client.get("/api/profiles/jane/feed", params={"limit": 50}).json()
    assert all(author not in x["authors"] for x in muted)
    keys = [x["key"] for x in muted[:3]]
    r = client.post("/api/profiles/jane/seen", json={"keys": keys, "why": ["a", "b", "c"]}, headers=h)
    assert r.json() == {"marked": 3}
    assert client.post("/api/profiles/jane/seen", json={"keys": keys}, headers=h).json() == {"marked": 0}
    rest = {x["key"] for x in client.get("/api/profiles/jane/feed", params={"limit": 50}).json()}
    assert rest.isdisjoint(keys)


def test_create_profile_from_pasted_bibtex(client: TestClient) -> None:
    bib = ("@article{x, title={Robot grasping with reinforcement learning: study 1}, author={A B}, "
           "eprint={2501.00025}, year={2025}}\n"
           "@article{y, title={A brand new paper about gripper policies}, author={C D}, year={2024}, "
           "abstract={A robot gripper policy learned with reinforcement learning in simulation.}}\n")
    res = create_profile(client, text=bib)
    assert res["papers_added"] == 2 and res["from_files"]["added"] >= 1
    papers = client.get("/api/profiles/jane").json()["papers"]
    assert "A brand new paper about gripper policies" in {p["title"] for p in papers}
    assert {p["origin"]["kind"] for p in papers} == {"file"}  # why each paper is in the profile
    page = client.get("/profiles/jane").text
    assert page.count(f'title="why this paper">{papers[0]["origin"]["label"]}</div>') == 2


def test_recent_stats_map_and_openapi(client: TestClient) -> None:
    recent = client.get("/api/recent", params={"limit": 3}).json()
    assert [p["date"] for p in recent] == sorted((p["date"] for p in recent), reverse=True)
    assert client.get("/api/recent", params={"category": "cs.RO"}).json()[0]["categories"] == ["cs.RO"]
    assert client.get("/api/stats").json()["papers"] == 50
    m = client.get("/api/map", params={"limit": 20}).json()
    assert m["count"] == 20 and len(m["x"]) == len(m["keys"]) == len(m["cat"]) == 20
    assert all(0 <= v <= 1 for v in m["x"] + m["y"])
    spec = client.get("/openapi.json").json()
    for path in ("/api/search", "/api/papers/{key}", "/api/papers/{key}/similar", "/api/profiles/{name}/feed",
                 "/api/feedback", "/api/profiles", "/api/map"):
        assert path in spec["paths"], path
    assert "/api/feedback" in client.get("/api").text


def test_map_highlights_profile_papers(client: TestClient) -> None:
    create_profile(client, keys=["arxiv:2501.00001", "arxiv:2501.00030"])
    m = client.get("/api/map", params={"limit": 10, "profile": "jane"}).json()
    assert {m["keys"][i] for i in m["highlight"]} == {"arxiv:2501.00001", "arxiv:2501.00030"}
    assert client.get("/api/map", params={"profile": "nobody"}).status_code == 404


def test_pages_render(client: TestClient) -> None:
    create_profile(client, keys=["arxiv:2501.00001"])
    for url in ("/", "/search?q=diffusion", "/papers/arxiv:2501.00001", "/recent", "/recent?category=cs.CV",
                "/profiles", "/profiles/jane", "/profiles/jane/feed", "/map?profile=jane", "/api"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert "content-security-policy" in r.headers and "server-timing" in r.headers
    assert client.get("/feed", follow_redirects=False).headers["location"] == "/profiles/jane/feed"
    assert client.get("/papers/arxiv:0000.00000").status_code == 404
    assert client.get("/profiles/nobody/feed").status_code == 404


def test_paper_text_is_escaped(client: TestClient) -> None:
    page = client.get("/search", params={"q": "key value cache attention", "mode": "keyword", "limit": 100}).text
    assert XSS_TITLE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;b&gt;tags&lt;/b&gt;" in page
    paper = client.get("/papers/arxiv:2501.09998").text
    assert "<script>alert" not in paper and "&lt;script&gt;alert(1)&lt;/script&gt;" in paper
    assert "&#34;quotes&#34;" in paper and "&amp;" in paper


def test_latex_is_rendered_readably(client: TestClient) -> None:
    page = client.get("/papers/arxiv:2501.09999").text
    assert '<span class="math">O(n<sup>2</sup>)</span>' in page
    assert '<span class="math">α ≤ 1</span>' in page and "$" not in page.split('id="abstract"')[1][:300]


def test_page_forms_add_remove_and_seen(client: TestClient) -> None:
    token = csrf_of(client)
    r = client.post("/profiles", data={"name": "jo", "interests": "graph neural networks", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/profiles/jo")
    listing = ("Graph neural networks for molecular property prediction: study 2\n\n"
               "We study graph neural networks for molecular property prediction with message passing over "
               "atoms and bonds, a long enough abstract for the parser to accept it as prose text.\n\n"
               "arXiv:2501.00038\n")
    r = client.post("/profiles/jo/papers", data={"listing": listing, "csrf_token": token})
    assert r.status_code == 200 and "added to the profile" in r.text
    keys = [p["key"] for p in client.get("/api/profiles/jo").json()["papers"]]
    assert keys
    r = client.post("/profiles/jo/papers", data={"csrf_token": token},
                    files={"upload": ("mine.bib", b"@misc{k, title={Uploaded robot grasping paper}, author={Q R},"
                                      b" year={2025}}", "application/x-bibtex")})
    assert r.status_code == 200
    assert "Uploaded robot grasping paper" in {p["title"] for p in client.get("/api/profiles/jo").json()["papers"]}
    r = client.post("/profiles/jo/remove", data={"keys": keys, "csrf_token": token})
    assert r.status_code == 200 and "removed" in r.text
    feed = client.get("/profiles/jo/feed").text
    shown = [x.split('"')[0] for x in feed.split('name="keys" value="')[1:]]
    assert shown
    r = client.post("/profiles/jo/seen", data={"keys": shown, "why": ["w"] * len(shown), "csrf_token": token})
    assert r.status_code == 200 and "marked as seen" in r.text
    again = [x["key"] for x in client.get("/api/profiles/jo/feed", params={"limit": 50}).json()]
    assert set(again).isdisjoint(shown)


def test_get_never_changes_state(client: TestClient) -> None:
    create_profile(client, keys=["arxiv:2501.00001"])
    for url in ("/profiles/jane/seen", "/profiles/jane/delete", "/profiles/jane/remove", "/api/feedback",
                "/api/mute", "/logout"):
        assert client.get(url).status_code in (404, 405), url
    assert client.get("/api/profiles/jane").status_code == 200
