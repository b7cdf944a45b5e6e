"""A real HTTP server on 127.0.0.1 answering with recorded responses (tests/sources/data/works).

Routes map a path and the query parameters that must be present to a recorded file and a status;
``faults`` (a deque of Reply) answers the next requests instead. Every request is kept with its
headers, so tests can check the User-Agent and the paging parameters sent.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

WORKS = Path(__file__).parents[1] / "sources" / "data" / "works"


@dataclass
class Reply:
    """One answer: a recorded file (or body) with a status and headers."""

    file: str | None = None
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes | None = None

    def content(self) -> bytes:
        if self.body is not None:
            return self.body
        return (WORKS / self.file).read_bytes() if self.file else b""

    def ctype(self) -> str:
        name = self.file or ""
        return ("application/json;charset=UTF-8" if name.endswith(".json") else "application/xml; charset=utf-8"
                if name.endswith(".xml") else "text/plain; charset=utf-8" if name.endswith(".bib")
                else "text/html; charset=utf-8")


@dataclass
class Route:
    path: str
    params: dict
    reply: Reply


class RecordedServer:
    """Serve recorded responses; unknown paths get 404 with dblp-style HTML."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self.faults: deque[Reply] = deque()
        self.requests: list[tuple[str, dict, dict]] = []  # (path, params, headers)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> RecordedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply_for(self, path: str, params: dict) -> Reply:
        for r in self.routes:
            if r.path == path and all(params.get(k) == v for k, v in r.params.items()):
                return r.reply
        return Reply("dblp-404.html", 404)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                server.requests.append((parts.path, params, dict(self.headers)))
                reply = server.faults.popleft() if server.faults else server.reply_for(parts.path, params)
                body = reply.content()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.ctype())
                self.send_header("Content-Length", str(len(body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler


ORCID = "0000-0002-1825-0097"
OPENALEX = "A5023888391"
S2 = "1741101"
DBLP = "45/6789"
OPENALEX_CURSORS = (  # the next_cursor of pages 1 and 2
    "IlsxNzA4Mjk1MzQ4NTc1LCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzOTE3ODk5MzUnXSI=",
    "IlsxNjkwMDAwMDAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQyODAwMDAwMDInXSI=",
)


def researcher_routes() -> list[Route]:
    """One researcher (Jiří Navrátil) as each service lists them, plus their empty and error answers."""
    oa = {"filter": f"author.id:{OPENALEX}"}
    return [
        Route("/arxiv/api/query", {"search_query": 'au:"Jiri Navratil"'}, Reply("arxiv-author.xml")),
        Route("/arxiv/api/query", {}, Reply("arxiv-empty.xml")),
        Route(f"/orcid/v3.0/{ORCID}/works", {}, Reply("orcid-works.json")),
        Route("/orcid/v3.0/0000-0002-9079-593X/works", {}, Reply("orcid-empty.json")),
        Route("/orcid/v3.0/0000-0001-5109-3700/works", {}, Reply("orcid-404.json", 404)),
        Route("/openalex/works", {**oa, "cursor": "*"}, Reply("openalex-works-1.json")),
        Route("/openalex/works", {**oa, "cursor": OPENALEX_CURSORS[0]}, Reply("openalex-works-2.json")),
        Route("/openalex/works", {**oa}, Reply("openalex-works-3.json")),
        Route("/openalex/works", {"filter": "author.id:A1"}, Reply("openalex-empty.json")),
        Route("/openalex/works", {}, Reply("openalex-400.json", 400)),
        Route(f"/s2/author/{S2}/papers", {"offset": "0"}, Reply("s2-papers-1.json")),
        Route(f"/s2/author/{S2}/papers", {"offset": "2"}, Reply("s2-papers-2.json")),
        Route("/s2/author/999/papers", {}, Reply("s2-404.json", 404)),
        Route(f"/dblp/pid/{DBLP}.xml", {}, Reply("dblp-person.xml")),
        Route(f"/dblp/pid/{DBLP}.bib", {}, Reply("dblp-person.bib")),
    ]


def config_for(server: RecordedServer) -> str:
    """config.toml pointing every service at the server, at test speed."""
    u = server.url
    return ("[fetch]\ndelay = 0.0\ntimeout = 2.0\nretries = 2\nbackoff = 0.05\ncontact = \"lab@example.org\"\n"
            f'api_url = "{u}/arxiv/api/query"\norcid_url = "{u}/orcid/v3.0"\nopenalex_url = "{u}/openalex"\n'
            f'semantic_scholar_url = "{u}/s2"\ndblp_url = "{u}/dblp"\n')
