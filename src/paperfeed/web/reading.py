"""Daily reading on the web: the profile switcher and default profile, the reading list and tags,
saved searches (alerts), and secret Atom-feed URLs a feed reader can fetch without a login.

Pages answer forms with a 303 redirect; the JSON routes under /api call the same Library methods.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from paperfeed.accounts import Principal
from paperfeed.errors import NotFound
from paperfeed.export import paper_json
from paperfeed.library import Library
from paperfeed.web import access
from paperfeed.web.deps import LibraryDep, UserDep, WriterDep, profile_name_access
from paperfeed.web.pages import profile_names, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
ProfileName = Annotated[str, Depends(profile_name_access)]
ATOM = "application/atom+xml; charset=utf-8"
FEED_LIMIT = 50


class SaveIn(BaseModel):
    """Save a paper for later in a profile's reading list (on=false takes it off)."""

    profile: str
    key: str
    on: bool = True


class TagsIn(BaseModel):
    """Add tags to a paper for a profile (remove=true takes them off)."""

    profile: str
    key: str
    tags: list[str] = Field(min_length=1, max_length=20)
    remove: bool = False


class AlertIn(BaseModel):
    """A saved search: papers matching ``query`` that arrive from now on reach the digest."""

    name: str = Field(min_length=1, max_length=64)
    query: str = Field(min_length=1, max_length=500)


def _profile_url(name: str, suffix: str = "") -> str:
    return f"/profiles/{quote(name, safe='')}{suffix}"


def base_url(request: Request, lib: Library) -> str:
    """The site's address for links that leave the browser (config web.base_url, else the request's)."""
    return (lib.config().get("web.base_url") or str(request.base_url)).rstrip("/")


def feed_url(request: Request, lib: Library, name: str) -> str | None:
    """A profile's secret Atom feed URL (None until one is made)."""
    token = lib.feed_token(name)
    return f"{base_url(request, lib)}/feeds/{token}.atom" if token else None


def alert_json(request: Request, lib: Library, a: dict) -> dict:
    """A saved search for the API and pages: name, query, its Atom URL."""
    return {"profile": a["profile"], "name": a["name"], "query": a["query"], "created_at": a["created_at"],
            "atom": f"{base_url(request, lib)}/feeds/alert/{a['token']}.atom"}


def default_for(lib: Library, user: Principal) -> str | None:
    """The user's default profile if it is still theirs."""
    name = lib.default_profile(user.user_id)
    return name if name in profile_names(lib, user) else None


# ---- pages ---------------------------------------------------------------------------------------

@pages.get("/feed", response_class=HTMLResponse)
def my_feed(lib: LibraryDep, user: UserDep, profile: str | None = None) -> Response:
    """"My feed": the chosen profile, else the user's default, else their first."""
    names = profile_names(lib, user)
    if profile:
        access.check_profile(lib, user, profile)
        return RedirectResponse(_profile_url(profile, "/feed"), status_code=303)
    name = default_for(lib, user) or (names[0] if names else None)
    return RedirectResponse(_profile_url(name, "/feed") if name else "/profiles", status_code=303)


@pages.post("/profiles/{name}/default")
def make_default(name: ProfileName, lib: LibraryDep, user: WriterDep) -> Response:
    lib.set_default_profile(user.user_id, name)
    return RedirectResponse(_profile_url(name, "/feed"), status_code=303)


@pages.get("/profiles/{name}/reading", response_class=HTMLResponse)
def reading(request: Request, name: ProfileName, lib: LibraryDep, tag: str | None = None) -> Response:
    papers = lib.reading_list(name, tag or None)
    marks = lib.reading_marks(name, [p.key for p in papers])
    return render(request, "reading.html", name=name, papers=papers, marks=marks, tag=tag or None,
                  tags=lib.tags(name))


@pages.get("/profiles/{name}/reading.bib")
def reading_bibtex(name: ProfileName, lib: LibraryDep, tag: str | None = None) -> Response:
    fname = f"{name}-{tag or 'reading'}.bib".replace('"', "")
    return Response(lib.export_bibtex(name, tag or None), media_type="application/x-bibtex; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{quote(fname)}"'})


@pages.post("/profiles/{name}/feed-token")
def reset_feed_token(name: ProfileName, lib: LibraryDep, user: WriterDep) -> Response:
    lib.reset_feed_token(name)
    return RedirectResponse(_profile_url(name) + "#subscribe", status_code=303)


@pages.post("/profiles/{name}/alerts")
def add_alert(name: ProfileName, lib: LibraryDep, user: WriterDep, alert: Annotated[str, Form()],
              query: Annotated[str, Form()]) -> Response:
    lib.add_alert(name, alert, query)
    return RedirectResponse(_profile_url(name) + "#alerts", status_code=303)


@pages.post("/alerts")
def add_alert_from_search(lib: LibraryDep, user: WriterDep, profile: Annotated[str, Form()],
                          alert: Annotated[str, Form()], query: Annotated[str, Form()]) -> Response:
    """The search page's "save search as alert" (the profile is chosen in the form)."""
    access.check_profile(lib, user, profile)
    return add_alert(profile, lib, user, alert, query)


@pages.post("/profiles/{name}/alerts/remove")
def remove_alert(name: ProfileName, lib: LibraryDep, user: WriterDep, alert: Annotated[str, Form()]) -> Response:
    lib.remove_alert(name, alert)
    return RedirectResponse(_profile_url(name) + "#alerts", status_code=303)


@pages.get("/feeds/{token}.atom")
def profile_atom(request: Request, token: str, lib: LibraryDep) -> Response:
    """A profile's feed for feed readers: the secret in the URL stands in for a login."""
    from paperfeed.delivery.formats import atom_feed

    name = lib.profile_for_feed_token(token)
    if name is None:
        raise NotFound("no feed at this address (its secret may have been reset)")
    return Response(atom_feed(lib.feed(name, limit=FEED_LIMIT), name, str(request.url)), media_type=ATOM)


@pages.get("/feeds/alert/{token}.atom")
def alert_atom(request: Request, token: str, lib: LibraryDep) -> Response:
    """A saved search's new matches for feed readers."""
    from paperfeed.delivery.formats import atom_feed

    alert = lib.alert_for_feed_token(token)
    if alert is None:
        raise NotFound("no alert feed at this address")
    label = f"{alert['profile']} · alert {alert['name']}"
    return Response(atom_feed(lib.alert_hits(alert, FEED_LIMIT), label, str(request.url)), media_type=ATOM)


# ---- JSON twins ------------------------------------------------------------------------------------

@api.post("/save", summary="Save a paper for later in a profile's reading list (or take it off)")
def save(body: SaveIn, lib: LibraryDep, user: WriterDep) -> dict:
    access.check_profile(lib, user, body.profile)
    return {"profile": body.profile, "key": body.key, "saved": body.on, "changed": lib.save(body.profile, body.key,
                                                                                         body.on)}


@api.post("/tags", summary="Tag a paper for a profile (or take tags off)")
def tags(body: TagsIn, lib: LibraryDep, user: WriterDep) -> dict:
    access.check_profile(lib, user, body.profile)
    return {"profile": body.profile, "key": body.key, "tags": lib.tag(body.profile, body.key, body.tags, body.remove)}


@api.get("/profiles/{name}/reading", summary="A profile's reading list (or its papers with a tag)")
def reading_json(name: ProfileName, lib: LibraryDep, tag: str | None = None) -> dict:
    papers = lib.reading_list(name, tag or None)
    marks = lib.reading_marks(name, [p.key for p in papers])
    return {"profile": name, "tag": tag or None, "tags": dict(lib.tags(name)),
            "papers": [{**paper_json(p), "tags": marks[p.key]["tags"]} for p in papers]}


@api.get("/profiles/{name}/alerts", summary="A profile's saved searches with their Atom URLs")
def alerts_json(request: Request, name: ProfileName, lib: LibraryDep) -> list[dict]:
    return [alert_json(request, lib, a) for a in lib.alerts(name)]


@api.post("/profiles/{name}/alerts", status_code=201, summary="Save a search as an alert")
def add_alert_json(request: Request, name: ProfileName, body: AlertIn, lib: LibraryDep, user: WriterDep) -> dict:
    return alert_json(request, lib, lib.add_alert(name, body.name, body.query))


@api.delete("/profiles/{name}/alerts/{alert}", summary="Delete a saved search")
def remove_alert_json(name: ProfileName, alert: str, lib: LibraryDep, user: WriterDep) -> dict:
    lib.remove_alert(name, alert)
    return {"profile": name, "deleted": alert}


@api.get("/profiles/{name}/subscribe", summary="The profile's secret Atom feed URL (null until one is made)")
def subscribe_json(request: Request, name: ProfileName, lib: LibraryDep) -> dict:
    return {"profile": name, "atom": feed_url(request, lib, name)}


@api.post("/profiles/{name}/subscribe", summary="Make (or replace) the profile's secret Atom feed URL")
def new_subscribe_json(request: Request, name: ProfileName, lib: LibraryDep, user: WriterDep) -> dict:
    lib.reset_feed_token(name)
    return {"profile": name, "atom": feed_url(request, lib, name)}


@api.post("/profiles/{name}/default", summary="Make this profile the one 'My feed' opens for you")
def default_json(name: ProfileName, lib: LibraryDep, user: WriterDep) -> dict:
    lib.set_default_profile(user.user_id, name)
    return {"default_profile": name}


# ---- context for the profile and feed pages ------------------------------------------------------

def profile_context(request: Request, lib: Library, name: str) -> dict:
    """What the profile page shows about reading: feed URL, alerts, reading-list size, tags."""
    return {"atom_url": feed_url(request, lib, name), "alerts": [alert_json(request, lib, a) for a in lib.alerts(name)],
            "saved_count": len(lib.reading_list(name)), "tags": lib.tags(name)}


def feed_context(lib: Library, user: Principal, name: str, hits: list) -> dict:
    """What the feed page needs beyond the hits: the switcher, the default, saved marks and tags."""
    return {"profiles": profile_names(lib, user), "default_profile": default_for(lib, user),
            "marks": lib.reading_marks(name, [h.key for h in hits])}
