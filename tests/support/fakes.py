"""Real local servers for tests and the bench: an arXiv look-alike (export API + OAI-PMH) and an SMTP sink.

Load with ``load_fakes()`` from a test's conftest (tests/ has no packages). The arXiv server answers
with Atom / OAI-PMH XML in arXiv's own layout, built from real records (tests/sources/data), and
can be scripted to fail: ``server.faults.append(Fault(...))`` applies to the next request.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

SAMPLE = Path(__file__).parents[1] / "sources" / "data" / "arxiv-sample.jsonl"


def sample_records() -> list[dict]:
    """Real arXiv metadata (40 cs.LG / cs.CL papers of June 2026)."""
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- XML in arXiv's layout ----------------------------------------------------------------------

def atom_entry(r: dict) -> str:
    aid, ts = r["id"], f"{r['date']}T17:59:59Z"
    authors = "".join(f"\n    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in r["authors"])
    cats = "".join(f'\n    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in r["categories"])
    return f"""  <entry>
    <id>http://arxiv.org/abs/{aid}v1</id>
    <updated>{ts}</updated>
    <published>{ts}</published>
    <title>{escape(r['title'])}</title>
    <summary>  {escape(r['abstract'])}
</summary>{authors}
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">12 pages</arxiv:comment>
    <link href="http://arxiv.org/abs/{aid}v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{aid}v1" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{r['categories'][0]}" scheme="http://arxiv.org/schemas/atom"/>{cats}
  </entry>
"""


def atom_feed(records: list[dict], total: int, start: int, per_page: int, query: str = "") -> bytes:
    os_ns = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
    head = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?{escape(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: {escape(query)}</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2026-11-24T00:00:00-05:00</updated>
  <opensearch:totalResults {os_ns}>{total}</opensearch:totalResults>
  <opensearch:startIndex {os_ns}>{start}</opensearch:startIndex>
  <opensearch:itemsPerPage {os_ns}>{per_page}</opensearch:itemsPerPage>
"""
    return (head + "".join(atom_entry(r) for r in records) + "</feed>\n").encode("utf-8")


def oai_record(r: dict) -> str:
    authors = "".join(
        f"<author><keyname>{escape(a.split()[-1])}</keyname><forenames>{escape(' '.join(a.split()[:-1]))}"
        f"</forenames></author>" for a in r["authors"])
    return f"""<record><header><identifier>oai:arXiv.org:{r['id']}</identifier><datestamp>{r['date']}</datestamp>
<setSpec>cs</setSpec></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">
<id>{r['id']}</id><created>{r['date']}</created><authors>{authors}</authors><title>{escape(r['title'])}</title>
<categories>{' '.join(r['categories'])}</categories><license>http://creativecommons.org/licenses/by/4.0/</license>
<abstract>  {escape(r['abstract'])}
</abstract></arXiv>
</metadata></record>
"""


def oai_response(params: dict, body: str) -> bytes:
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in sorted(params.items()))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2026-11-24T02:00:00Z</responseDate>
<request {attrs}>http://export.arxiv.org/oai2</request>
{body}
</OAI-PMH>
""".encode()


# ---- the arXiv look-alike -----------------------------------------------------------------------

@dataclass
class Fault:
    """What to do instead of (or before) answering one request."""

    status: int | None = None  # answer with this status and a short body
    headers: dict = field(default_factory=dict)
    sleep: float = 0.0  # wait this long before answering normally (or with status)
    body: bytes | None = None  # answer 200 with this body (e.g. malformed XML)


class FakeArxiv:
    """A threaded HTTP server on 127.0.0.1 speaking enough of arXiv's API and OAI-PMH."""

    def __init__(self, records: list[dict] | None = None, oai_page: int = 10) -> None:
        self.records = sorted(records if records is not None else sample_records(), key=lambda r: (r["date"], r["id"]))
        self.oai_page = oai_page
        self.faults: deque[Fault | None] = deque()
        self.requests: list[tuple[str, dict]] = []
        self.times: list[float] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_url, self.oai_url = f"{self.url}/api/query", f"{self.url}/oai"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeArxiv:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                fake.requests.append((parts.path, params))
                fake.times.append(time.monotonic())
                fault = fake.faults.popleft() if fake.faults else None
                if fault and fault.sleep:
                    time.sleep(fault.sleep)
                if fault and fault.status:
                    return self._send(fault.status, b"<html>busy</html>", fault.headers, "text/html")
                if fault and fault.body is not None:
                    return self._send(200, fault.body)
                body = fake.api(params) if parts.path == "/api/query" else fake.oai(params)
                self._send(200, body)

            def _send(self, status: int, body: bytes, headers: dict | None = None,
                      ctype: str = "application/xml; charset=utf-8") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler

    # -- export API --
    def api(self, p: dict) -> bytes:
        start, per = int(p.get("start", 0)), int(p.get("max_results", 10))
        if "id_list" in p:
            ids = p["id_list"].split(",")
            found = [r for r in self.records if r["id"] in ids]
            return atom_feed(found, len(found), 0, per, f"id_list={p['id_list']}")
        hits = [r for r in self.records if self._matches(r, p.get("search_query", ""))]
        return atom_feed(hits[start : start + per], len(hits), start, per, p.get("search_query", ""))

    @staticmethod
    def _matches(r: dict, q: str) -> bool:
        cats = [t.strip("()")[4:] for t in q.split() if t.strip("()").startswith("cat:")]
        ok = not cats or any(c in r["categories"] for c in cats)
        if "submittedDate:[" in q:
            lo, hi = q.split("submittedDate:[", 1)[1].rstrip("]").split(" TO ")
            day = r["date"].replace("-", "")
            ok = ok and lo[:8] <= day <= hi[:8]
        return ok

    # -- OAI-PMH --
    def oai(self, p: dict) -> bytes:
        if "resumptionToken" in p:
            try:
                offset, frm, until = p["resumptionToken"].split("|")
            except ValueError:
                return oai_response(p, '<error code="badResumptionToken">The value of the resumptionToken '
                                       'argument is invalid or expired.</error>')
            offset = int(offset)
        else:
            offset, frm, until = 0, p.get("from", ""), p.get("until", "")
        hits = [r for r in self.records if (not frm or r["date"] >= frm) and (not until or r["date"] <= until)]
        if not hits:
            return oai_response(p, '<error code="noRecordsMatch">The combination of the values of the from, '
                                   'until, set and metadataPrefix arguments results in an empty list.</error>')
        page = hits[offset : offset + self.oai_page]
        nxt = offset + len(page)
        token = (f'<resumptionToken cursor="{offset}" completeListSize="{len(hits)}">{nxt}|{frm}|{until}'
                 "</resumptionToken>" if nxt < len(hits)
                 else f'<resumptionToken cursor="{offset}" completeListSize="{len(hits)}"/>')
        return oai_response(p, "<ListRecords>\n" + "".join(oai_record(r) for r in page) + token + "\n</ListRecords>")


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (needs the openssl command)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return cert, key


# ---- SMTP sink ------------------------------------------------------------------------------------

class SmtpSink:
    """aiosmtpd on 127.0.0.1 in a thread; keeps every accepted message (bytes) with its envelope.

    ``auth=(user, password)`` requires that login; ``on_data`` runs when a message arrives,
    before the server answers (the crash test kills the client there).
    """

    def __init__(self, auth: tuple[str, str] | None = None, on_data=None, tls: str = "none",
                 cert: tuple[Path, Path] | None = None) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        sink = self
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.on_data = on_data

        class Handler:
            async def handle_DATA(self, server, session, envelope) -> str:
                sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                      or envelope.content))
                if sink.on_data:
                    sink.on_data()
                return "250 Message accepted for delivery"

        def authenticator(server, session, envelope, mechanism, data):
            ok = auth is not None and data.login.decode() == auth[0] and data.password.decode() == auth[1]
            return AuthResult(success=ok, handled=False)

        self.port = free_port()
        kwargs: dict = {}
        if auth:  # aiosmtpd does not count implicit TLS (ssl) as TLS for auth_require_tls
            kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=tls == "starttls")
        if tls != "none":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*cert)
            kwargs.update({"tls_context": ctx, "require_starttls": True} if tls == "starttls" else {"ssl_context": ctx})
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)

    def start(self) -> None:
        """Start serving (AUTH without TLS is on purpose: loopback only)."""
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self.controller.start()

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
