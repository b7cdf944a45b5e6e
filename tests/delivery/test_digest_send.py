"""Digests sent through a real SMTP server on loopback (aiosmtpd), and the each-paper-once log."""

from __future__ import annotations

import email
import shutil
import socket
import threading
from email import policy
from pathlib import Path

import pytest

from paperfeed.delivery.digest import Digest, DigestItem, build_message
from paperfeed.delivery.smtp import DeliveryError
from paperfeed.sources.harvest import write_page

BASE = "https://paperfeed.example.org"
EVIL_TITLE = "<script>alert('x')</script> Sparse & Dense <b>Attention</b>"


def write_config(home: Path, port: int, extra: str = "") -> None:
    (home / "config.toml").write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\nfrom = "paperfeed@example.org"\ntimeout = 5.0\n'
        f'{extra}\n[digest]\ndays = 3650\nlimit = 50\n\n[web]\nbase_url = "{BASE}"\n\n'
        '[profiles.jane]\nemail = "jane@example.org"\n', encoding="utf-8")


@pytest.fixture
def library(lib, fakes, paperfeed_home):
    """A library of the 40 sample papers plus one with markup in its title; profile jane."""
    from paperfeed.models import Paper

    recs = fakes.sample_records()
    papers = [Paper(title=r["title"], abstract=r["abstract"], authors=tuple(r["authors"]), arxiv_id=r["id"],
                    categories=tuple(r["categories"]), date=r["date"]) for r in recs]
    papers.append(Paper(title=EVIL_TITLE, abstract="Bounds like $a<b$ & $c>d$ for <i>sparse</i> attention.",
                        authors=("Eve Hacker",), arxiv_id="2606.99999", categories=("cs.LG",), date="2026-06-30"))
    with lib.store.transaction():
        write_page(lib.store, papers, "sample.jsonl")
    lib.embed_pending()
    keys = [f"arxiv:{r['id']}" for r in recs[:3]]
    lib.create_profile("jane", keys=keys, interests="language models; sparse attention")
    return lib


def received(sink, i: int = -1) -> email.message.EmailMessage:
    return email.message_from_bytes(sink.messages[i][2], policy=policy.default)


def test_digest_is_sent_with_headers_parts_links_and_escaping(library, smtp, paperfeed_home):
    write_config(paperfeed_home, smtp.port)
    out = library.delivery.digest("jane", send=True)
    assert out.status == "sent" and out.papers == 38  # 41 papers minus jane's own 3
    [(mail_from, rcpts, _)] = smtp.messages
    assert mail_from == "paperfeed@example.org" and rcpts == ["jane@example.org"]
    msg = received(smtp)
    assert msg["Subject"].startswith("paperfeed: 38 new papers for jane \u2014 ")
    assert msg["From"] == "paperfeed@example.org" and msg["To"] == "jane@example.org"
    assert msg["Message-ID"] == out.message_id and msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "$a&lt;b$ &amp; $c&gt;d$" in html
    assert "https://arxiv.org/abs/2606.99999" in html and "https://arxiv.org/pdf/2606.99999" in html
    assert f"{BASE}/papers/arxiv:2606.99999?profile=jane&amp;action=like" in html
    assert "Why:" in html and "Why:" in text and EVIL_TITLE in text
    assert "<script" not in html.lower().replace("&lt;script", "")


def test_log_records_the_digest_and_a_second_run_sends_nothing(library, smtp, paperfeed_home):
    write_config(paperfeed_home, smtp.port)
    first = library.delivery.digest("jane", send=True, limit=10)
    [row] = library.delivery.digest_log("jane")
    assert row["status"] == "sent" and row["papers"] == 10 and row["message_id"] == first.message_id
    again = library.delivery.digest("jane", send=True)
    assert again.status == "skipped" and len(smtp.messages) == 1
    forced = library.delivery.digest("jane", send=True, limit=10, force=True)
    assert forced.status == "sent" and len(smtp.messages) == 2
    keys = [set(library.store.digest_items(d["id"])) for d in library.delivery.digest_log("jane")]
    assert not {p for p, _ in keys[0]} & {p for p, _ in keys[1]}
    assert library.feed("jane", limit=50, since="2000-01-01").__len__() == 38 - 20


def test_bad_credentials_fail_clearly_and_nothing_is_delivered(library, fakes, paperfeed_home, monkeypatch):
    with fakes.SmtpSink(auth=("jane", "right")) as sink:
        write_config(paperfeed_home, sink.port, 'user = "jane"')
        monkeypatch.setenv("PAPERFEED_SMTP_PASSWORD", "wrong")
        with pytest.raises(DeliveryError, match=r"SMTP login failed for user 'jane' at 127.0.0.1:\d+: 535"):
            library.delivery.digest("jane", send=True)
        assert not sink.messages and library.store.delivered_ids(library.store.profile_id("jane")) == set()
        [row] = library.delivery.digest_log("jane")
        assert row["status"] == "failed" and row["papers"] == 0 and "38 papers released" in row["error"]
        monkeypatch.setenv("PAPERFEED_SMTP_PASSWORD", "right")
        assert library.delivery.digest("jane", send=True).status == "sent" and len(sink.messages) == 1


def test_user_without_password_is_a_clear_error(library, smtp, paperfeed_home, monkeypatch):
    monkeypatch.delenv("PAPERFEED_SMTP_PASSWORD", raising=False)
    write_config(paperfeed_home, smtp.port, 'user = "jane"')
    with pytest.raises(DeliveryError, match="PAPERFEED_SMTP_PASSWORD is not"):
        library.delivery.digest("jane", send=True)


def test_unreachable_server_fails_and_the_next_run_catches_up(library, fakes, paperfeed_home):
    port = fakes.free_port()
    write_config(paperfeed_home, port)
    with pytest.raises(DeliveryError, match=rf"cannot reach SMTP server 127.0.0.1:{port}"):
        library.delivery.digest("jane", send=True)
    assert library.store.delivered_ids(library.store.profile_id("jane")) == set()
    with fakes.SmtpSink() as sink:
        write_config(paperfeed_home, sink.port)
        assert library.delivery.digest("jane", send=True).papers == 38


def _mute_smtp_server(port_holder: list, ready: threading.Event) -> None:
    """Speaks SMTP up to the end of DATA, then hangs up without answering."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port_holder.append(srv.getsockname()[1])
        ready.set()
        conn, _ = srv.accept()
        with conn, conn.makefile("rb") as rf:
            conn.sendall(b"220 mute ESMTP\r\n")
            while line := rf.readline():
                cmd = line[:4].upper()
                if cmd in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 mute\r\n")
                elif cmd in (b"MAIL", b"RCPT"):
                    conn.sendall(b"250 ok\r\n")
                elif cmd == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while rf.readline() not in (b".\r\n", b""):
                        pass
                    return  # the message was handed over; no answer


def test_lost_answer_after_data_is_recorded_as_unconfirmed(library, paperfeed_home):
    port: list[int] = []
    ready = threading.Event()
    t = threading.Thread(target=_mute_smtp_server, args=(port, ready), daemon=True)
    t.start()
    ready.wait(5)
    write_config(paperfeed_home, port[0])
    out = library.delivery.digest("jane", send=True)
    assert out.status == "unconfirmed" and not out.ok and "may have been delivered" in out.detail
    [row] = library.delivery.digest_log("jane")
    assert row["status"] == "sent" and row["error"].startswith("unconfirmed")
    assert len(library.store.delivered_ids(library.store.profile_id("jane"))) == 38


def test_headers_cannot_be_injected_from_titles():
    item = DigestItem(key="arxiv:1", title="Nice\r\nBcc: victim@example.org", authors="A", date="", categories="",
                      abstract="", why="", abs_url=None, pdf_url=None, like_url=None, dislike_url=None)
    msg = build_message(Digest("jane\r\nX-Evil: 1", [item], "2026-11-24"), "p@example.org", "jane@example.org")
    raw = msg.as_bytes(policy=policy.SMTP)
    header_lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert not [h for h in header_lines if h.startswith((b"Bcc", b"X-Evil"))]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None and "Bcc: victim" in parsed["Subject"]


def test_dry_run_records_nothing(library, paperfeed_home, smtp):
    write_config(paperfeed_home, smtp.port)
    out = library.delivery.digest("jane")
    assert out.status == "dry-run" and out.papers == 38 and not smtp.messages
    assert library.delivery.digest_log("jane") == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command for a test certificate")
@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_modes_with_login(library, fakes, paperfeed_home, monkeypatch, tmp_path, tls):
    cert = fakes.self_signed_cert(tmp_path)
    with fakes.SmtpSink(auth=("jane", "pw"), tls=tls, cert=cert) as sink:
        write_config(paperfeed_home, sink.port, f'user = "jane"\ncafile = "{cert[0]}"\ntls = "{tls}"')
        (paperfeed_home / "config.toml").write_text(
            (paperfeed_home / "config.toml").read_text().replace('tls = "none"\n', ""), encoding="utf-8")
        monkeypatch.setenv("PAPERFEED_SMTP_PASSWORD", "pw")
        assert library.delivery.digest("jane", send=True, limit=3).status == "sent"
        assert len(sink.messages) == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_certificate_is_verified(library, fakes, paperfeed_home, tmp_path):
    cert = fakes.self_signed_cert(tmp_path)
    with fakes.SmtpSink(tls="starttls", cert=cert) as sink:
        write_config(paperfeed_home, sink.port)
        (paperfeed_home / "config.toml").write_text(
            (paperfeed_home / "config.toml").read_text().replace('tls = "none"', 'tls = "starttls"'))
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            library.delivery.digest("jane", send=True)
        assert not sink.messages
