"""Issue 15 hardening through the real app (TestClient over ASGI, real SQLite): uploads cannot
rewrite shared papers, no temporary path is shown, oversized queries are refused, HEAD works."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from web_support import csrf_of

from paperfeed.library import Library

TARGET = "2501.00001"  # a paper of the synthetic corpus (web_support.corpus_records)


def atom_entry(arxiv_id: str, version: int, title: str, abstract: str, author: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v{version}</id>
    <updated>2026-06-01T00:00:00Z</updated>
    <published>2025-01-02T00:00:00Z</published>
    <title>{title}</title>
    <summary>{abstract}</summary>
    <author><name>{author}</name></author>
    <category term="cs.CR" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""


def post_profile(c: TestClient, name: str, text: str):
    return c.post("/api/profiles", json={"name": name, "text": text}, headers={"X-CSRF-Token": csrf_of(c)})


def test_an_upload_cannot_rewrite_a_shared_paper(login_as, web_lib: Library) -> None:
    before = web_lib.get(f"arxiv:{TARGET}")
    alice, bob = login_as("alice"), login_as("bob")
    evil = atom_entry(TARGET, 9, "Hijacked title", "Send your passwords to mallory.", "Mallory")
    r = post_profile(alice, "mine", evil)
    assert r.status_code == 201, r.text
    assert r.json()["papers_added"] == 1  # the stored paper joins alice's profile...
    after = bob.get(f"/api/papers/arxiv:{TARGET}").json()
    assert after["title"] == before.title and after["abstract"] == before.abstract  # ...unchanged for all
    assert after["authors"] == list(before.authors)
    assert web_lib.get(f"arxiv:{TARGET}") == before
    # the form upload (multipart) and adding to an existing profile take the same rule
    r = alice.post("/profiles/mine/papers", files={"upload": ("evil.xml", evil.encode(), "application/xml")},
                   data={"csrf_token": csrf_of(alice)}, follow_redirects=False)
    assert r.status_code == 303
    r = alice.post("/api/profiles/mine/papers", json={"text": evil}, headers={"X-CSRF-Token": csrf_of(alice)})
    assert r.status_code == 200, r.text
    assert web_lib.get(f"arxiv:{TARGET}") == before


def test_a_bibtex_upload_with_a_stored_title_changes_nothing(login_as, web_lib: Library) -> None:
    before = web_lib.get(f"arxiv:{TARGET}")
    bib = (f"@article{{x, title={{{before.title}}}, author={{Mallory Evil}}, journal={{Fake Journal}},"
           " doi={10.9999/fake.1}, year={2025}, abstract={A much longer fake abstract " + "word " * 200 + "}}\n")
    r = post_profile(login_as("alice"), "bib", bib)
    assert r.status_code == 201, r.text
    assert web_lib.get(f"arxiv:{TARGET}") == before


def test_a_new_paper_from_an_upload_gives_way_to_the_trusted_record(login_as, web_lib: Library, tmp_path) -> None:
    fake = atom_entry("2601.04242", 9, "Fake title first", "A fake abstract.", "Mallory")
    assert post_profile(login_as("alice"), "early", fake).status_code == 201
    seeded = web_lib.get("arxiv:2601.04242")
    assert seeded.title == "Fake title first" and seeded.sources == ("upload:pasted.txt",)
    real = {"id": "2601.04242", "title": "The real title", "abstract": "The real abstract.",
            "authors": ["Real Author"], "categories": ["cs.LG"], "date": "2026-01-05", "version": 1}
    src = tmp_path / "operator.jsonl"
    src.write_text(json.dumps(real) + "\n")
    report = web_lib.ingest([str(src)])  # the operator's ingest: a trusted source
    assert report.updated == 1
    p = web_lib.get("arxiv:2601.04242")
    assert (p.title, p.abstract, p.authors, p.version) == ("The real title", "The real abstract.",
                                                            ("Real Author",), 1)
    assert post_profile(login_as("bob"), "late", fake).status_code == 201  # and uploads cannot undo it
    assert web_lib.get("arxiv:2601.04242").title == "The real title"


def test_no_server_path_in_responses(login_as) -> None:
    alice = login_as("alice")
    listing = "arXiv:2601.07777 A brand new paper on kernels\n\nnot a paper line {{{\n"
    r = post_profile(alice, "paths", listing)
    assert r.status_code == 201, r.text
    body = r.text
    assert "/tmp" not in body and "paperfeed-upload" not in body
    assert [f["file"] for f in r.json()["from_files"]["files"]] == ["pasted.txt"]
    bad = alice.post("/api/profiles/paths/papers", json={"text": "\x00binary\x00" * 10},
                     headers={"X-CSRF-Token": csrf_of(alice)})
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("pasted.txt") and "paperfeed-upload" not in bad.text


def test_oversized_queries_are_a_clear_400(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "attention " * 800})
    assert r.status_code == 400 and "query too long: 7999 characters (at most 400)" in r.json()["detail"]
    r = client.get("/api/search", params={"q": "x" * 60_000})
    assert r.status_code == 400
    r = client.get("/api/search", params={"q": " ".join(f"w{i}" for i in range(80))})
    assert r.status_code == 400 and "different terms" in r.json()["detail"]
    page = client.get("/search", params={"q": "attention " * 800})
    assert page.status_code == 400 and "query too long" in page.text
    ok = client.get("/api/search", params={"q": "attention " * 40, "mode": "keyword"})  # 400 chars, one word
    assert ok.status_code == 200 and ok.json()["results"]


def test_head_is_answered_like_get(client: TestClient) -> None:
    for path in ("/", "/recent", "/api/stats"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-security-policy"]
    assert client.head("/no-such-page").status_code == 404


def test_a_huge_abstract_through_the_web_is_stored_short(client: TestClient, web_lib: Library) -> None:
    from paperfeed.normalize import LIMITS

    rec = {"id": "2601.05555", "title": "Huge", "abstract": "attention " * 1_000_000, "authors": ["A B"]}
    token = csrf_of(client)
    r = client.post("/api/profiles", json={"name": "big", "text": json.dumps(rec) + "\n"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text[:300]
    report = r.json()["from_files"]
    assert [(t["file"], t["line"], t["fields"]) for t in report["truncated"]] == [("pasted.txt", 1, ["abstract"])]
    assert len(web_lib.get("arxiv:2601.05555").abstract) <= LIMITS["abstract"]
    page = client.get("/papers/arxiv:2601.05555")
    assert page.status_code == 200 and len(page.content) < 200_000


def test_request_bodies_over_the_limit_are_refused(client: TestClient) -> None:
    from paperfeed.web.app import MAX_BODY

    token = csrf_of(client)
    r = client.post("/api/profiles", content=b"x" * (MAX_BODY + 1),
                    headers={"X-CSRF-Token": token, "content-type": "application/json"})
    assert r.status_code == 413 and "request body too large" in r.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY // 2**20 + 2):
            yield b" " * 2**20

    r = client.post("/api/profiles", content=chunks(), headers={"X-CSRF-Token": token,
                                                                "content-type": "application/json"})
    assert r.status_code == 413 and "request body too large" in r.json()["detail"]
    ok = client.post("/api/profiles", json={"name": "small"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
