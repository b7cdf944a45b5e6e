"""HTML pages: search, paper, recent, topic map, API reference. Each calls the Library method its
JSON twin in api.py calls, through the same helpers in params.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from paperfeed.accounts import Principal
from paperfeed.errors import PaperfeedError
from paperfeed.library import Library
from paperfeed.models import Hit
from paperfeed.web import access
from paperfeed.web.deps import LibraryDep, UserDep, optional_user
from paperfeed.web.params import MapParams, RecentParams, SearchParams, by_day, run_recent, run_search

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, status: int = 200, **context) -> Response:
    """A page from a template, with the requester, the mode and the CSRF token in its context."""
    user = optional_user(request)
    context.update(user=user, csrf=user.csrf if user else "", login_required=request.app.state.login_required,
                   path=request.url.path)
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def profile_names(lib: Library, user: Principal) -> list[str]:
    """Names of the profiles this user may use (for pickers)."""
    owners = lib.accounts.profile_owners()
    return sorted(n for n, owner in owners.items() if user.sees_everything or owner == user.user_id)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lib: LibraryDep, user: UserDep) -> Response:
    stats = lib.stats()
    return render(request, "home.html", stats=stats, newest=lib.recent(limit=8),
                  profiles=profile_names(lib, user), params=SearchParams())


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, lib: LibraryDep, user: UserDep, p: Annotated[SearchParams, Depends()]) -> Response:
    hits: list[Hit] = []
    more, error = False, None
    if p.query:
        try:
            hits, more = run_search(lib, p)
        except PaperfeedError as e:
            error = str(e)
    return render(request, "search.html", status=400 if error else 200, params=p, hits=hits, more=more,
                  error=error, base=p.as_dict(), profiles=profile_names(lib, user))


@router.get("/papers/{key:path}/similar", response_class=HTMLResponse)
def similar(request: Request, key: str, lib: LibraryDep, user: UserDep, fragment: bool = False) -> Response:
    """The similar-papers block the paper page fetches after it is shown (a page of its own without JS)."""
    p = lib.get(key)
    try:
        hits = lib.similar(ref=p.key, limit=8)
    except PaperfeedError:
        hits = []
    return render(request, "_similar.html" if fragment else "similar.html", paper=p, similar=hits)


@router.get("/papers/{key:path}", response_class=HTMLResponse)
def paper(request: Request, key: str, lib: LibraryDep, user: UserDep) -> Response:
    # served at once: similar papers can take a second when cold, so the page fetches them after
    return render(request, "paper.html", paper=lib.get(key), profiles=profile_names(lib, user))


@router.get("/recent", response_class=HTMLResponse)
def recent(request: Request, lib: LibraryDep, user: UserDep, p: Annotated[RecentParams, Depends()]) -> Response:
    papers = run_recent(lib, p)
    cats = list(lib.stats().get("by_category", {}).items())[:24]
    return render(request, "recent.html", days=by_day(papers), params=p, categories=cats, count=len(papers),
                  profiles=profile_names(lib, user))


@router.get("/map", response_class=HTMLResponse)
def topic_map(request: Request, lib: LibraryDep, user: UserDep, p: Annotated[MapParams, Depends()]) -> Response:
    if p.profile:
        access.check_profile(lib, user, p.profile)
    return render(request, "map.html", params=p, profiles=profile_names(lib, user))


@router.get("/api", response_class=HTMLResponse)
def api_reference(request: Request, user: UserDep) -> Response:
    """An offline rendering of the OpenAPI document (FastAPI's /docs loads its script from a CDN)."""
    spec = request.app.openapi()
    routes = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            params = [(x["name"], x.get("in", ""), x.get("description", "")) for x in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "").rsplit("/", 1)[-1]
            schema = spec.get("components", {}).get("schemas", {}).get(ref, {}) if ref else {}
            routes.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                           "params": params, "body": ref, "fields": list(schema.get("properties", {})),
                           "doc": schema.get("description", "")})
    return render(request, "api.html", routes=routes)
