"""Login mode: sessions, CSRF, API tokens, and users kept apart. Single-user mode: CSRF and Host checks."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_support import PASSWORD, csrf_of

from paperfeed.accounts import Accounts
from paperfeed.web.throttle import MAX_FAILURES, WINDOW_S


def make_profile(c: TestClient, name: str, key: str = "arxiv:2501.00001") -> None:
    r = c.post("/api/profiles", json={"name": name, "keys": [key]}, headers={"X-CSRF-Token": csrf_of(c)})
    assert r.status_code == 201, r.text


def test_login_required(login_app) -> None:
    with TestClient(login_app, base_url="http://lab.example") as anon:
        assert anon.get("/api/search", params={"q": "x"}).status_code == 401
        assert anon.get("/api/profiles").status_code == 401
        r = anon.get("/search?q=kv", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fsearch%3Fq%3Dkv"
        assert anon.post("/api/feedback", json={}).status_code == 401
        assert anon.get("/login").status_code == 200


def test_login_wrong_password_and_login_csrf(login_app) -> None:
    with TestClient(login_app, base_url="http://lab.example") as c:
        token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        bad = c.post("/login", data={"name": "alice", "password": "wrong password", "csrf_token": token})
        assert bad.status_code == 401 and "wrong user name or password" in bad.text
        nobody = c.post("/login", data={"name": "nobody", "password": PASSWORD, "csrf_token": token})
        assert nobody.status_code == 401
        forged = c.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": "forged"})
        assert forged.status_code == 403
        c.cookies.clear()
        assert c.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token}).status_code == 403


def test_login_session_cookie_and_logout(login_as) -> None:
    alice = login_as("alice")
    cookie = next(c for c in alice.cookies.jar if c.name == "paperfeed_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert alice.get("/api/session").json()["user"] == "alice"
    assert alice.get("/").status_code == 200
    token = csrf_of(alice)
    assert alice.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert alice.get("/api/profiles").status_code == 401


def test_login_redirects_only_within_the_site(login_app) -> None:
    with TestClient(login_app, base_url="http://lab.example") as c:
        token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        r = c.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token,
                                   "next": "//evil.example/x"}, follow_redirects=False)
        assert r.headers["location"] == "/"


def test_missing_or_wrong_csrf_is_rejected(login_as) -> None:
    alice = login_as("alice")
    body = {"name": "a1", "keys": ["arxiv:2501.00001"]}
    assert alice.post("/api/profiles", json=body).status_code == 403
    assert alice.post("/api/profiles", json=body, headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert alice.post("/profiles", data={"name": "a1"}).status_code == 403
    assert alice.post("/api/profiles", json=body, headers={"X-CSRF-Token": csrf_of(alice)}).status_code == 201
    other_origin = {"X-CSRF-Token": csrf_of(alice), "Origin": "http://evil.example"}
    assert alice.post("/api/feedback", json={"profile": "a1", "key": "arxiv:2501.00002", "action": "like"},
                      headers=other_origin).status_code == 403


def test_users_cannot_touch_each_others_profiles(login_as) -> None:
    alice, bob = login_as("alice"), login_as("bob")
    make_profile(alice, "alice-ml")
    bh = {"X-CSRF-Token": csrf_of(bob)}
    assert [p["name"] for p in alice.get("/api/profiles").json()] == ["alice-ml"]
    assert bob.get("/api/profiles").json() == []
    for url in ("/api/profiles/alice-ml", "/api/profiles/alice-ml/feed", "/profiles/alice-ml",
                "/profiles/alice-ml/feed", "/map?profile=alice-ml", "/api/map?profile=alice-ml"):
        assert bob.get(url).status_code == 404, url
    fb = {"profile": "alice-ml", "key": "arxiv:2501.00002", "action": "like"}
    assert bob.post("/api/feedback", json=fb, headers=bh).status_code == 404
    assert bob.post("/api/mute", json={"profile": "alice-ml", "kind": "author", "value": "X"},
                    headers=bh).status_code == 404
    assert bob.post("/api/profiles/alice-ml/seen", json={"keys": ["arxiv:2501.00002"]}, headers=bh).status_code == 404
    assert bob.post("/api/profiles/alice-ml/papers", json={"keys": ["arxiv:2501.00003"]},
                    headers=bh).status_code == 404
    assert bob.delete("/api/profiles/alice-ml", headers=bh).status_code == 404
    assert bob.post("/profiles/alice-ml/delete", data={"csrf_token": bh["X-CSRF-Token"]}).status_code == 404
    # the name is taken: bob cannot create (and so extend) alice's profile
    assert bob.post("/api/profiles", json={"name": "alice-ml", "keys": ["arxiv:2501.00003"]},
                    headers=bh).status_code == 409
    prof = alice.get("/api/profiles/alice-ml").json()
    assert [p["key"] for p in prof["papers"]] == ["arxiv:2501.00001"] and prof["liked"] == []


def test_unowned_cli_profiles_are_hidden_in_login_mode(login_as, web_lib) -> None:
    web_lib.create_profile("from-cli", keys=["arxiv:2501.00001"])
    alice = login_as("alice")
    assert alice.get("/api/profiles/from-cli").status_code == 404
    h = {"X-CSRF-Token": csrf_of(alice)}
    assert alice.post("/api/profiles", json={"name": "from-cli"}, headers=h).status_code == 409


def test_api_token_skips_csrf(login_app, web_lib) -> None:
    token = Accounts(web_lib.store).new_token("alice", "script")
    with TestClient(login_app, base_url="http://lab.example") as c:
        auth = {"Authorization": f"Bearer {token}"}
        r = c.post("/api/profiles", json={"name": "scripted", "keys": ["arxiv:2501.00001"]}, headers=auth)
        assert r.status_code == 201
        assert c.post("/api/feedback", json={"profile": "scripted", "key": "arxiv:2501.00002", "action": "like"},
                      headers=auth).status_code == 200
        assert c.get("/api/profiles/scripted/feed", headers=auth).status_code == 200
        assert c.get("/api/profiles", headers={"Authorization": "Bearer pft_wrong"}).status_code == 401
        assert c.get("/api/profiles", headers={"Authorization": "Basic abc"}).status_code == 401
    owners = web_lib.store.profile_owners()
    assert owners["scripted"] == web_lib.store.user_by_name("alice").id


def test_secrets_are_stored_hashed(login_as, web_lib) -> None:
    alice = login_as("alice")
    cookie = alice.cookies["paperfeed_session"]
    token = Accounts(web_lib.store).new_token("alice")
    conn = web_lib.store.conn
    stored = [r[0] for r in conn.execute("SELECT token_hash FROM sessions UNION SELECT token_hash FROM api_tokens")]
    assert cookie not in stored and token not in stored and len(stored) == 2
    hashed = conn.execute("SELECT password_hash FROM users WHERE name = 'alice'").fetchone()[0]
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed


def test_single_user_mode_still_needs_csrf(client: TestClient) -> None:
    body = {"name": "x", "keys": ["arxiv:2501.00001"]}
    assert client.post("/api/profiles", json=body).status_code == 403
    assert client.post("/profiles", data={"name": "x"}).status_code == 403
    assert client.post("/api/profiles", json=body, headers={"X-CSRF-Token": csrf_of(client)}).status_code == 201
    assert client.get("/api/session").json()["mode"] == "single-user"


def test_single_user_mode_refuses_foreign_host_names(web_lib) -> None:
    from paperfeed.web.app import create_app

    app = create_app(web_lib.settings, web_lib)
    with TestClient(app, base_url="http://attacker.example") as c:  # DNS rebinding to 127.0.0.1
        assert c.get("/api/session").status_code == 400
    with TestClient(app, base_url="http://localhost:8000") as c:
        assert c.get("/api/session").status_code == 200


def _login(c: TestClient, name: str, password: str):
    token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    return c.post("/login", data={"name": name, "password": password, "csrf_token": token}, follow_redirects=False)


def test_repeated_failed_logins_are_throttled(login_app) -> None:
    with TestClient(login_app, base_url="http://lab.example") as c:
        for _ in range(MAX_FAILURES):
            assert _login(c, "alice", "wrong password").status_code == 401
        blocked = _login(c, "alice", PASSWORD)  # even the right password waits now
        assert blocked.status_code == 429 and "too many failed logins" in blocked.text
        assert 0 < int(blocked.headers["Retry-After"]) <= WINDOW_S
        # the address is blocked too, for other names
        assert _login(c, "bob", PASSWORD).status_code == 429
