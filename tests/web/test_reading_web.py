"""Reading list, tags, alerts, secret Atom feeds and the default profile over HTTP (in-process ASGI)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from web_support import csrf_of

from paperfeed.library import Library

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "paperfeed" / "web" / "templates"
ATOM = "{http://www.w3.org/2005/Atom}"
BOTH_BACKENDS = pytest.mark.parametrize("web_backend", ["sqlite", "postgres"], indirect=True)
"""The reading tables of both stores, through the whole web app."""


def make_profile(c: TestClient, name: str, key: str = "arxiv:2501.00001") -> None:
    r = c.post("/api/profiles", json={"name": name, "keys": [key]}, headers={"X-CSRF-Token": csrf_of(c)})
    assert r.status_code == 201, r.text


def test_no_template_has_an_inline_style_attribute() -> None:
    """The CSP (style-src 'self') blocks style="..." attributes: none may come back."""
    offenders = [f"{p.name}: {m.group(0)}" for p in sorted(TEMPLATES.glob("*.html"))
                 for m in re.finditer(r"<[^>]*\sstyle\s*=[^>]*>", p.read_text())]
    assert offenders == []


@BOTH_BACKENDS
def test_save_and_tag_need_csrf_and_show_in_the_reading_list(client: TestClient) -> None:
    make_profile(client, "jane")
    body = {"profile": "jane", "key": "arxiv:2501.00003"}
    assert client.post("/api/save", json=body).status_code == 403
    h = {"X-CSRF-Token": csrf_of(client)}
    assert client.post("/api/save", json=body, headers=h).json()["changed"] is True
    r = client.post("/api/tags", json={**body, "tags": ["Survey"]}, headers=h)
    assert r.json()["tags"] == ["survey"]
    bad = client.post("/api/tags", json={**body, "tags": ["two words"]}, headers=h)
    assert bad.status_code == 400 and "invalid tag" in bad.json()["detail"]
    got = client.get("/api/profiles/jane/reading").json()
    assert [p["key"] for p in got["papers"]] == ["arxiv:2501.00003"] and got["papers"][0]["tags"] == ["survey"]
    assert got["tags"] == {"survey": 1}
    page = client.get("/profiles/jane/reading")
    assert page.status_code == 200 and "#survey" in page.text and "arxiv:2501.00003" in page.text
    bib = client.get("/profiles/jane/reading.bib")
    assert bib.headers["content-type"].startswith("application/x-bibtex") and bib.text.startswith("@")
    assert "attachment" in bib.headers["content-disposition"]
    assert client.get("/profiles/jane/reading.bib", params={"tag": "nothing"}).text == ""


@BOTH_BACKENDS
def test_profile_atom_feed_by_secret_url(client: TestClient) -> None:
    make_profile(client, "jane")
    h = {"X-CSRF-Token": csrf_of(client)}
    assert client.get("/api/profiles/jane/subscribe").json()["atom"] is None  # a GET makes nothing
    url = client.post("/api/profiles/jane/subscribe", headers=h).json()["atom"]
    assert re.fullmatch(r"http://127\.0\.0\.1/feeds/[\w-]{40,}\.atom", url)
    r = client.get(url.removeprefix("http://127.0.0.1"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(r.content)
    assert len(feed.findall(f"{ATOM}entry")) > 0 and "jane" in feed.findtext(f"{ATOM}title")
    assert client.get("/profiles/jane").text.count(url) == 1
    client.post("/profiles/jane/feed-token", data={"csrf_token": h["X-CSRF-Token"]})
    assert client.get(url.removeprefix("http://127.0.0.1")).status_code == 404  # the old secret stops working
    assert client.get("/feeds/not-a-token.atom").status_code == 404


@BOTH_BACKENDS
def test_alerts_over_json_and_forms(client: TestClient, web_lib: Library, tmp_path: Path) -> None:
    make_profile(client, "jane")
    token = csrf_of(client)
    h = {"X-CSRF-Token": token}
    r = client.post("/api/profiles/jane/alerts", json={"name": "robots", "query": "robot grasping"}, headers=h)
    assert r.status_code == 201 and r.json()["atom"].endswith(".atom")
    assert client.post("/api/profiles/jane/alerts", json={"name": "robots", "query": "x"}, headers=h).status_code == 400
    form = client.post("/alerts", data={"csrf_token": token, "profile": "jane", "alert": "gnn", "query": "graph"},
                       follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"] == "/profiles/jane#alerts"
    alerts = client.get("/api/profiles/jane/alerts").json()
    assert [a["name"] for a in alerts] == ["gnn", "robots"]
    atom_path = alerts[1]["atom"].removeprefix("http://127.0.0.1")
    assert etree.fromstring(client.get(atom_path).content).findall(f"{ATOM}entry") == []
    new = tmp_path / "new.jsonl"
    new.write_text('{"id": "2502.00777", "title": "Robot grasping of deformable bags", "abstract": "A gripper '
                   'grasps bags.", "authors": ["Ann Other"], "categories": ["cs.RO"], "date": "2025-02-03"}\n')
    web_lib.ingest([str(new)])
    entries = etree.fromstring(client.get(atom_path).content).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Robot grasping of deformable bags"]
    assert "robot grasping" in client.get("/profiles/jane").text
    assert client.delete("/api/profiles/jane/alerts/robots", headers=h).status_code == 200
    assert client.get(atom_path).status_code == 404


@BOTH_BACKENDS
def test_my_feed_opens_the_default_profile(client: TestClient) -> None:
    for name in ("anna", "zed"):
        make_profile(client, name)
    r = client.get("/feed", follow_redirects=False)
    assert r.headers["location"] == "/profiles/anna/feed"
    assert client.get("/feed", params={"profile": "zed"}, follow_redirects=False).headers["location"] \
        == "/profiles/zed/feed"
    assert client.get("/feed", params={"profile": "nobody"}).status_code == 404
    client.post("/profiles/zed/default", data={"csrf_token": csrf_of(client)})
    assert client.get("/feed", follow_redirects=False).headers["location"] == "/profiles/zed/feed"
    page = client.get("/profiles/zed/feed").text
    assert "★ default" in page and '<option selected>zed</option>' in page


@BOTH_BACKENDS
def test_login_mode_keeps_users_apart(login_as) -> None:
    alice, bob = login_as("alice"), login_as("bob")
    make_profile(alice, "alice-p")
    make_profile(bob, "bob-p")
    ha, hb = {"X-CSRF-Token": csrf_of(alice)}, {"X-CSRF-Token": csrf_of(bob)}
    assert bob.post("/api/save", json={"profile": "alice-p", "key": "arxiv:2501.00002"}, headers=hb).status_code \
        == 404
    assert bob.get("/api/profiles/alice-p/reading").status_code == 404
    assert bob.get("/feed", params={"profile": "alice-p"}).status_code == 404
    assert bob.post("/api/profiles/alice-p/alerts", json={"name": "a", "query": "x"}, headers=hb).status_code == 404
    alice.post("/api/profiles/alice-p/default", headers=ha)
    assert alice.get("/feed", follow_redirects=False).headers["location"] == "/profiles/alice-p/feed"
    assert bob.get("/feed", follow_redirects=False).headers["location"] == "/profiles/bob-p/feed"
    url = alice.post("/api/profiles/alice-p/subscribe", headers=ha).json()["atom"]
    with TestClient(alice.app, base_url="http://lab.example") as reader:  # a feed reader: no login
        assert reader.get("/api/profiles/alice-p/reading").status_code == 401
        r = reader.get(url.removeprefix("http://lab.example"))
        assert r.status_code == 200 and b"<feed" in r.content
