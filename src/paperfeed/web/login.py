"""Login and logout pages (only used when the server requires login).

The login form is protected against login CSRF by a double-submit token: a random cookie that the
form must echo, which another site can neither read nor set.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperfeed.accounts import SESSION_DAYS, new_secret, same
from paperfeed.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, WriterDep, check_origin
from paperfeed.web.pages import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths (no //host, no scheme) are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _cookie_args(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    if not request.app.state.login_required:
        return RedirectResponse("/", status_code=303)
    return _form(request, next)


def _form(request: Request, next_url: str, error: str | None = None, status: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret()
    resp = render(request, "login.html", status=status, next=_safe_next(next_url), login_token=token, error=error)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_args(request))
    return resp


@router.post("/login")
def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    if not request.app.state.login_required:
        return RedirectResponse("/", status_code=303)
    check_origin(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf_token or not same(cookie, csrf_token):
        raise HTTPException(403, "the login form expired: reload the page and try again")
    accounts, throttle = request.app.state.accounts, request.app.state.login_throttle
    keys = (f"user:{name.strip().lower()}", f"addr:{request.client.host if request.client else '?'}")
    wait = throttle.attempt(*keys)  # counted before the slow hash, so parallel guesses cannot slip through
    if wait:
        resp = _form(request, next, error=f"too many failed logins: try again in {(wait + 59) // 60} min", status=429)
        resp.headers["Retry-After"] = str(wait)
        return resp
    user = accounts.authenticate(name.strip(), password)
    if user is None:
        return _form(request, next, error="wrong user name or password", status=401)
    throttle.succeeded(*keys)
    session, _ = accounts.start_session(user)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, session, max_age=SESSION_DAYS * 86400, **_cookie_args(request))
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return resp


@router.post("/logout")
def logout(request: Request, user: WriterDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        request.app.state.accounts.end_session(cookie)
    resp = RedirectResponse("/login" if request.app.state.login_required else "/", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
