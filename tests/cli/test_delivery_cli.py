"""fetch / enrich / digest / daily / config / feed --format through the real entry point.

The crash tests run ``paperfeed`` as a real subprocess and SIGKILL it: during a harvest, and right after
the SMTP server received the digest but before the sender recorded it as sent.
"""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from paperfeed.cli import main
from paperfeed.delivery.lock import run_lock
from support import fakes

PAPERFEED = Path(sys.executable).parent / "paperfeed"




@pytest.fixture(autouse=True)
def hashing_model(paperfeed_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def env(home: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    return {**e, "PAPERFEED_HOME": str(home), "PAPERFEED_MODEL": "test-hashing-64"}


def config(home: Path, arxiv=None, smtp_port: int | None = None) -> None:
    text = "[fetch]\ndelay = 0.0\ntimeout = 2.0\nretries = 1\nbackoff = 0.01\ncategories = [\"cs.LG\", \"cs.CL\"]\n"
    if arxiv:
        text += f'oai_url = "{arxiv.oai_url}"\napi_url = "{arxiv.api_url}"\n'
    text += '\n[digest]\ndays = 3650\nlimit = 5\n\n'
    if smtp_port:
        text += f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\ntls = "none"\nfrom = "feed@example.org"\n\n'
    (home / "config.toml").write_text(text + '[profiles.jane]\nemail = "jane@example.org"\n', encoding="utf-8")


@pytest.fixture
def stocked(paperfeed_home: Path):
    """A library with the sample papers (fetched through the fake arXiv) and profile jane."""
    with fakes.FakeArxiv() as arxiv:
        config(paperfeed_home, arxiv)
        r = run("fetch", "arxiv", "--since", "2026-05-01", "--json")
        assert r.exit_code == 0, r.output
    keys = [f"arxiv:{rec['id']}" for rec in arxiv.records[:3]]
    assert run("profile", "create", "jane", "--keys", " ".join(keys), "--interests", "language models").exit_code == 0
    return paperfeed_home


# ---- config ----------------------------------------------------------------------------


def test_config_set_validates_and_show_masks_the_password(paperfeed_home, monkeypatch):
    assert run("profile", "create", "jane", "--interests", "x").exit_code == 0
    assert run("config", "set", "fetch.categories", "cs.LG, cs.CL").exit_code == 0
    assert run("config", "set", "smtp.port", "587").exit_code == 0
    assert run("config", "set", "profiles.jane.email", "jane@example.org").exit_code == 0
    for key, value, msg in [("smtp.port", "lots", "expected a whole number"), ("smtp.tls", "maybe", "one of"),
                            ("fetch.categories", "not a category!", "not an arXiv category"),
                            ("smtp.colour", "x", "unknown key"), ("profiles.jane.email", "nope", "email address"),
                            ("profiles.ghost.email", "g@example.org", "no profile named 'ghost'")]:
        r = run("config", "set", key, value)
        assert r.exit_code == 2 and msg in r.output and len(r.output.strip().splitlines()) == 1, r.output
    r = run("config", "set", "smtp.password", "hunter2")
    assert r.exit_code == 2 and "PAPERFEED_SMTP_PASSWORD" in r.output
    text = (paperfeed_home / "config.toml").read_text()
    assert 'categories = ["cs.LG", "cs.CL"]' in text and "port = 587" in text and "hunter2" not in text
    assert not [p for p in paperfeed_home.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.setenv("PAPERFEED_SMTP_PASSWORD", "s3cret")
    shown = json.loads(run("config", "show", "--json").stdout)
    assert shown["smtp.port"] == 587 and shown["profiles.jane.email"] == "jane@example.org"
    assert "s3cret" not in run("config", "show").output and shown["smtp.password"].startswith("********")
    assert json.loads(run("profile", "list", "--json").stdout)[0]["email"] == "jane@example.org"
    assert run("config", "set", "profiles.jane.email", "").exit_code == 0
    assert json.loads(run("profile", "list", "--json").stdout)[0]["email"] is None


def test_a_password_in_the_file_is_refused(paperfeed_home):
    (paperfeed_home / "config.toml").write_text('[smtp]\npassword = "x"\n')
    r = run("config", "show")
    assert r.exit_code == 2 and "must not be stored" in r.output


# ---- feed formats and digest files -------------------------------------------------------------


def test_feed_formats(stocked):
    atom = run("feed", "jane", "--format", "atom", "--limit", "5")
    assert atom.exit_code == 0
    root = etree.fromstring(atom.stdout_bytes)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.tag == "{http://www.w3.org/2005/Atom}feed" and root.find("a:id", ns).text.startswith("urn:")
    entries = root.findall("a:entry", ns)
    assert len(entries) == 5
    for e in entries:
        for field in ("id", "title", "updated", "summary", "author/a:name", "link"):
            assert e.find(f"a:{field}", ns) is not None, field
        assert e.find("a:link", ns).get("href").startswith("https://arxiv.org/abs/")
        assert e.find("a:summary", ns).text.startswith("Why: ")
    md = run("feed", "jane", "--format", "markdown", "--limit", "3").stdout
    assert md.startswith("# New papers for jane") and "1. **[" in md and "*Why:*" in md
    bib = run("feed", "jane", "--format", "bibtex", "--limit", "3").stdout
    assert bib.count("@misc{") == 3 and "archiveprefix = {arXiv}" in bib
    as_json = json.loads(run("feed", "jane", "--format", "json", "--limit", "3").stdout)
    assert as_json == json.loads(run("feed", "jane", "--json", "--limit", "3").stdout)
    assert "close to" in run("feed", "jane", "--limit", "2").stdout


def test_digest_dry_run_writes_html_and_records_nothing(stocked, tmp_path):
    out = tmp_path / "digest.html"
    r = run("digest", "jane", "--dry-run", "--out", str(out))
    assert r.exit_code == 0 and "5 papers (dry run, not sent)" in r.stdout
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "https://arxiv.org/pdf/" in html
    assert "5 new papers for jane" in run("digest", "jane").stdout  # the text body on stdout
    r = run("digest", "jane", "--dry-run", "--out", str(tmp_path / "d.eml"))
    msg = email.message_from_bytes((tmp_path / "d.eml").read_bytes(), policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert run("digest", "jane", "--send", "--dry-run").exit_code == 2


def test_digest_send_errors_are_one_line_exit_2(stocked):
    config(stocked, smtp_port=fakes.free_port())
    r = run("digest", "jane", "--send")
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "cannot reach SMTP server" in r.output


# ---- fetch and daily ----------------------------------------------------------------------------


def test_fetch_cli_error_and_resume(paperfeed_home):
    with fakes.FakeArxiv(oai_page=15) as arxiv:
        config(paperfeed_home, arxiv)
        arxiv.faults.extend([None, fakes.Fault(body=b"<OAI-PMH><ListRecords>")])
        r = run("fetch", "arxiv", "--since", "2026-05-01")
        assert r.exit_code == 2 and "malformed XML" in r.output and len(r.output.strip().splitlines()) == 1
        r = run("fetch", "arxiv")
    assert r.exit_code == 0 and "arxiv-oai:cs (resumed): 2 pages, 25 added" in r.stdout
    assert json.loads(run("stats", "--json").stdout)["papers"] == 40


def test_daily_cli_summary_and_exit_codes(stocked):
    with fakes.FakeArxiv() as arxiv, fakes.SmtpSink() as sink:
        config(stocked, arxiv, sink.port)
        r = run("daily")
        assert r.exit_code == 0 and r.stdout.startswith("daily ok: ") and r.stdout.count("\n") == 1
        assert len(sink.messages) == 1
        r = run("daily")
        assert r.exit_code == 0 and "1 skipped" in r.stdout and len(sink.messages) == 1
        arxiv.faults.extend([fakes.Fault(status=500)] * 2)
        r = run("daily", "--json")
        assert r.exit_code == 2 and json.loads(r.stdout)["fetch_error"].endswith("(gave up after 2 attempts)")
        with run_lock(stocked, "daily"):
            r = run("daily")
        assert r.exit_code == 75 and "another paperfeed run is in progress" in r.output


def test_daily_lock_in_a_real_second_process(stocked):
    with run_lock(stocked, "daily"):
        p = subprocess.run([PAPERFEED, "daily"], env=env(stocked), capture_output=True, text=True, timeout=60)
    assert p.returncode == 75 and "in progress" in p.stderr and not p.stdout


def _wait_for(cond, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_fetch_killed_mid_harvest_resumes(paperfeed_home):
    with fakes.FakeArxiv(oai_page=10) as arxiv:
        config(paperfeed_home, arxiv)
        arxiv.faults.extend([None, None, fakes.Fault(sleep=3)])  # the third page hangs
        proc = subprocess.Popen([PAPERFEED, "fetch", "arxiv", "--since", "2026-05-01", "--no-embed"],
                                env=env(paperfeed_home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait_for(lambda: len(arxiv.requests) >= 3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert json.loads(run("stats", "--json").stdout)["papers"] == 20
        r = run("fetch", "arxiv")
    assert r.exit_code == 0 and "(resumed): 2 pages, 20 added" in r.stdout
    assert arxiv.requests[3][1] == {"verb": "ListRecords", "resumptionToken": "20|2026-05-01|"}


def test_killed_after_the_server_accepted_the_digest_is_not_sent_twice(stocked):
    proc: list[subprocess.Popen] = []

    def kill_sender() -> None:  # runs inside the SMTP server once it holds the message
        proc[0].send_signal(signal.SIGKILL)
        proc[0].wait(10)

    with fakes.SmtpSink(on_data=kill_sender) as sink:
        config(stocked, smtp_port=sink.port)
        proc.append(subprocess.Popen([PAPERFEED, "digest", "jane", "--send"], env=env(stocked),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        proc[0].wait(60)
        assert proc[0].returncode == -signal.SIGKILL and len(sink.messages) == 1
        [row] = json_digests(stocked)
        assert row[1] == "sending"
        sink.on_data = None
        again = subprocess.run([PAPERFEED, "digest", "jane", "--send"], env=env(stocked), capture_output=True,
                               text=True, timeout=60)
        assert again.returncode == 0 and len(sink.messages) == 1, again.stderr
        assert "warning: digest #1" in again.stderr and "recorded as sent (unconfirmed), not re-sent" in again.stderr
        assert again.stdout.strip() == "jane: skipped (already sent today; --force sends another)"
        [row] = json_digests(stocked)
        assert row[1] == "sent" and row[2].startswith("unconfirmed")
        forced = run("digest", "jane", "--send", "--force")
        assert forced.exit_code == 0 and len(sink.messages) == 2
    first, second = (email.message_from_bytes(m[2], policy=policy.default) for m in sink.messages)
    links = [{line for line in m.get_body(("plain",)).get_content().splitlines() if "Abstract:" in line}
             for m in (first, second)]
    assert len(links[0]) == 5 and not links[0] & links[1]


def json_digests(home: Path) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(home / "library.db")
    try:
        return conn.execute("SELECT id, status, error FROM digests ORDER BY id").fetchall()
    finally:
        conn.close()


def test_enrich_cli_completes_a_copied_listing(paperfeed_home, tmp_path):
    with fakes.FakeArxiv() as arxiv:
        config(paperfeed_home, arxiv)
        listing = tmp_path / "listing.txt"
        listing.write_text("".join(f"{r['abstract']}\narXiv:{r['id']}\n\n" for r in arxiv.records[:4]))
        assert run("ingest", "--no-embed", "--format", "text", str(listing)).exit_code == 0
        r = run("enrich")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("enrich: 4 papers looked up in 1 requests, 4 completed, 0 unchanged, 0 not found")
    assert json.loads(run("show", f"arxiv:{arxiv.records[0]['id']}", "--json").stdout)["title"]
