"""create_app(settings): the FastAPI application, sharing one Library across requests.

``paperfeed serve`` runs one process; ``serve --workers N`` runs N, each building its own app with
``app_from_environment``. SQLite: per-thread connections in WAL mode (readers never block, one
writer), the vector index file read by every worker; PostgreSQL: a connection pool per worker and
the index in the database. Requests keep working while `daily` or `ingest` write from elsewhere.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from paperfeed import __version__
from paperfeed.accounts import new_secret
from paperfeed.config import Settings
from paperfeed.errors import NotFound, PaperfeedError, ProfileTaken
from paperfeed.library import Library
from paperfeed.web import api, login, pages, pages_profiles, reading
from paperfeed.web.access import MAX_UPLOAD
from paperfeed.web.deps import LoginRequired
from paperfeed.web.throttle import LoginThrottle
from paperfeed.web.topicmap import TopicMaps
from paperfeed.web.views import make_templates

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
_NO_CSP = ("/docs", "/redoc")  # FastAPI's interactive docs load their script from a CDN


WORKER_LOGIN_ENV = "PAPERFEED_WEB_LOGIN"


def worker_environment(settings: Settings, login_required: bool) -> dict[str, str]:
    """What a worker process of `serve --workers N` needs to build the same app (app_from_environment)."""
    env = {"PAPERFEED_DB": settings.store_url, "PAPERFEED_HOME": str(settings.home),
           WORKER_LOGIN_ENV: "1" if login_required else "0"}
    if settings.model_id:
        env["PAPERFEED_MODEL"] = settings.model_id
    return env


def app_from_environment() -> FastAPI:
    """The app of one worker process (uvicorn factory): settings from the environment the parent set."""
    import os

    from paperfeed.config import load_settings

    return create_app(load_settings(), login_required=os.environ.get(WORKER_LOGIN_ENV) == "1")


def create_app(settings: Settings, library: Library | None = None, *, login_required: bool = False,
               allowed_hosts: Sequence[str] | None = None) -> FastAPI:
    """The web app for one library.

    Args:
        settings: where the library lives (``load_settings()``).
        library: a Library to share (default: one opened from ``settings``, closed on shutdown).
        login_required: accounts and sessions (any non-loopback address); otherwise single-user, no login.
        allowed_hosts: Host headers to accept; default loopback names in single-user mode (against
            DNS rebinding), any host when login is required.
    """
    lib = library or Library(settings)
    app = FastAPI(title="paperfeed", version=__version__, lifespan=_lifespan(lib, owned=library is None),
                  description="Search, read and rank research papers. Every page has a JSON twin under /api. "
                  "State-changing requests need the CSRF token of GET /api/session (header X-CSRF-Token) "
                  "or an API token (Authorization: Bearer ...; `paperfeed user token NAME`).")
    app.state.library = lib
    app.state.login_required = login_required
    app.state.accounts = lib.accounts
    app.state.login_throttle = LoginThrottle(lib.store)
    app.state.local_csrf = new_secret()
    app.state.templates = make_templates()
    app.state.topicmaps = TopicMaps(lib, settings.index_dir / "topicmap")
    hosts = list(allowed_hosts) if allowed_hosts is not None else (["*"] if login_required else list(LOOPBACK_HOSTS))
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    app.add_middleware(HeadAsGet)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for router in (api.router, reading.api, login.router, pages.router, pages_profiles.router, reading.pages):
        app.include_router(router)
    _add_error_handlers(app)
    return app


def _lifespan(lib: Library, owned: bool):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=_warm_up, args=(lib,), name="paperfeed-warm-up", daemon=True).start()
        yield
        if owned:
            lib.close()

    return lifespan


def _warm_up(lib: Library) -> None:
    """Load the vector and lexical indexes before the first search needs them."""
    try:
        lib.vector_index()
        lib.lexical_index()
    except Exception as e:  # a library without vectors yet, a missing model: the first request will say
        log.info("warm-up skipped: %s", e)


class SecurityHeaders:
    """Pure ASGI middleware: CSP and friends on every response, plus Server-Timing (app time, ms)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        csp = not scope["path"].startswith(_NO_CSP)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                            (b"x-frame-options", b"DENY"),
                            (b"server-timing", f"app;dur={(time.perf_counter() - start) * 1000:.1f}".encode())]
                if csp:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


MAX_BODY = MAX_UPLOAD + 2**20
"""Largest request body read, in bytes: the largest upload plus room for the form around it."""


class BodyLimit:
    """Pure ASGI middleware: refuse a request body over MAX_BODY (413) before or while it is read,
    so no request can make the server hold more than that in memory."""

    def __init__(self, app, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            body = b'{"detail":"request body too large (at most %d MiB)"}' % (self.limit // 2**20)
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:  # a chunked body with no length, or one longer than it said
                raise HTTPException(413, f"request body too large (at most {self.limit // 2**20} MiB)")
            return message

        await self.app(scope, counted, send)


class HeadAsGet:
    """Pure ASGI middleware: answer HEAD like GET, headers only (FastAPI routes list GET alone).

    Safe because no GET changes state; the Content-Length is the GET body's, as HTTP asks."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    return pages.render(request, "error.html", status=status, status_code=status, message=message)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "log in, or send Authorization: Bearer TOKEN"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(ProfileTaken)
    async def taken(request: Request, exc: ProfileTaken) -> Response:
        return _error(request, 409, str(exc))

    @app.exception_handler(PaperfeedError)
    async def user_error(request: Request, exc: PaperfeedError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request) or exc.status_code < 400:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ())[1:])
        return _error(request, 422, f"invalid {where or 'request'}: {first.get('msg', 'bad value')}")
