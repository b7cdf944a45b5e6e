"""FastAPI dependencies: the shared Library, who is asking, CSRF checks, profile access."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

from paperfeed.accounts import Principal, same
from paperfeed.library import Library
from paperfeed.web import access

SESSION_COOKIE = "paperfeed_session"
LOGIN_CSRF_COOKIE = "paperfeed_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class LoginRequired(Exception):
    """No valid session on a server that requires login (pages redirect, the API answers 401)."""


def get_library(request: Request) -> Library:
    """The one Library of this app."""
    return request.app.state.library


def current_user(request: Request) -> Principal:
    """The requester: an API token, a login session, or the local user in single-user mode."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    user = _resolve_user(request)
    request.state.user = user
    return user


def optional_user(request: Request) -> Principal | None:
    """The requester, or None when nobody is logged in."""
    try:
        return current_user(request)
    except (LoginRequired, HTTPException):
        return None


def _resolve_user(request: Request) -> Principal:
    state = request.app.state
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        user = state.accounts.token_user(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            raise HTTPException(401, "invalid API token (use Authorization: Bearer TOKEN)",
                                headers={"WWW-Authenticate": "Bearer"})
        return user if state.login_required else Principal(name="local", via="token")
    if not state.login_required:
        return Principal(name="local", via="local", csrf=state.local_csrf)
    cookie = request.cookies.get(SESSION_COOKIE)
    user = state.accounts.session(cookie) if cookie else None
    if user is None:
        raise LoginRequired()
    return user


def check_origin(request: Request) -> None:
    """Refuse a browser request whose Origin is another site (defence in depth besides the token)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return
    if urlsplit(origin).netloc.lower() != (request.headers.get("host") or "").lower():
        raise HTTPException(403, "cross-origin request refused")


async def require_csrf(request: Request, user: Annotated[Principal, Depends(current_user)]) -> Principal:
    """For state-changing requests: the session's CSRF token must come back (header or form field).

    Requests authenticated with an API token carry no cookie, so they cannot be forged: exempt.
    """
    if user.via == "token":
        return user
    check_origin(request)
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not user.csrf or not same(sent, user.csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return user


def profile_name_access(name: str, request: Request) -> str:
    """A path's profile name, after checking it is the requester's (404 otherwise)."""
    access.check_profile(get_library(request), current_user(request), name)
    return name


LibraryDep = Annotated[Library, Depends(get_library)]
UserDep = Annotated[Principal, Depends(current_user)]
WriterDep = Annotated[Principal, Depends(require_csrf)]
"""A requester allowed to change state: CSRF-checked (or using an API token)."""
