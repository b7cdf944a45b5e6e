"""Profile pages: the list, one profile (papers, interests, adding a listing), its feed.

Forms post here and are answered with a redirect (303) to a page, so a reload never posts twice.
Feedback buttons on the feed use the JSON API (/api/feedback, /api/mute) through fetch().
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperfeed.errors import PaperfeedError
from paperfeed.onboard import origin_label
from paperfeed.web import access, reading
from paperfeed.web.deps import LibraryDep, UserDep, WriterDep, profile_name_access
from paperfeed.web.pages import render
from paperfeed.web.params import FeedParams, feed_status, run_feed

router = APIRouter(include_in_schema=False)
ProfileName = Annotated[str, Depends(profile_name_access)]
OptionalText = Annotated[str, Form()]
OptionalFile = Annotated[UploadFile | None, File()]


def _to(path: str, **params: object) -> RedirectResponse:
    """A 303 redirect to a page of this site, with a few notice parameters."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(path + ("?" + query if query else ""), status_code=303)


def _profile_url(name: str, suffix: str = "") -> str:
    return f"/profiles/{quote(name, safe='')}{suffix}"


def _read_upload(upload: UploadFile | None) -> tuple[bytes, str]:
    """The bytes and file name of an upload (empty when none was chosen)."""
    if upload is None or not upload.filename:
        return b"", ""
    return upload.file.read(access.MAX_UPLOAD + 1), upload.filename


@router.get("/profiles", response_class=HTMLResponse)
def profiles(request: Request, lib: LibraryDep, user: UserDep) -> Response:
    return render(request, "profiles.html", rows=access.visible_profiles(lib, user))


@router.post("/profiles")
def create_profile(
    lib: LibraryDep, user: WriterDep, name: Annotated[str, Form()], interests: OptionalText = "",
    author: OptionalText = "", listing: OptionalText = "", upload: OptionalFile = None,
) -> Response:
    data, filename = _read_upload(upload)
    text = listing.encode() if listing.strip() else data
    if text:
        with access.listing_file(text, filename if not listing.strip() and filename else "pasted.txt") as path:
            res = access.create_profile(lib, user, name, files=[path], author=author, interests=interests)
    else:
        res = access.create_profile(lib, user, name, author=author, interests=interests)
    return _to(_profile_url(name), added=res["papers_added"])


@router.get("/profiles/{name}", response_class=HTMLResponse)
def profile(request: Request, name: ProfileName, lib: LibraryDep, added: int | None = None,
            removed: int | None = None, rejected: int | None = None) -> Response:
    rec = lib.profile(name)
    origins = {k: origin_label(*v) for k, v in rec["origins"].items()}  # why each paper is in the profile
    return render(request, "profile.html", name=name, rec=rec, origins=origins, added=added, removed=removed,
                  rejected=rejected, **reading.profile_context(request, lib, name))


@router.post("/profiles/{name}/papers")
def add_papers(name: ProfileName, lib: LibraryDep, user: WriterDep, listing: OptionalText = "",
               upload: OptionalFile = None) -> Response:
    data, filename = _read_upload(upload)
    added = rejected = 0
    for blob, fname in ((listing.encode(), "pasted.txt"), (data, filename)):
        if blob.strip():
            res = access.add_listing(lib, user, name, blob, fname)
            added += res["papers_added"]
            rejected += len((res.get("from_files") or {}).get("rejected", []))
    if not (listing.strip() or data.strip()):
        raise PaperfeedError("nothing to add: paste a listing or choose a file")
    return _to(_profile_url(name), added=added, rejected=rejected or None)


@router.post("/profiles/{name}/remove")
def remove_papers(name: ProfileName, lib: LibraryDep, user: WriterDep,
                  keys: Annotated[list[str], Form()]) -> Response:
    return _to(_profile_url(name), removed=access.remove_papers(lib, user, name, keys))


@router.post("/profiles/{name}/interests")
def set_interests(name: ProfileName, lib: LibraryDep, user: WriterDep,
                  interests: Annotated[str, Form()]) -> Response:
    access.create_profile(lib, user, name, interests=interests)
    return _to(_profile_url(name))


@router.post("/profiles/{name}/delete")
def delete_profile(name: ProfileName, lib: LibraryDep, user: WriterDep) -> Response:
    lib.delete_profile(name)
    return _to("/profiles")


@router.get("/profiles/{name}/feed", response_class=HTMLResponse)
def feed(request: Request, name: ProfileName, lib: LibraryDep, user: UserDep, p: Annotated[FeedParams, Depends()],
         seen: int | None = None) -> Response:
    hits = run_feed(lib, name, p)
    return render(request, "feed.html", name=name, hits=hits, params=p, seen=seen, window=feed_status(lib, name, p),
                  **reading.feed_context(lib, user, name, hits))


@router.post("/profiles/{name}/seen")
def mark_seen(name: ProfileName, lib: LibraryDep, user: WriterDep, keys: Annotated[list[str], Form()],
              why: Annotated[list[str] | None, Form()] = None) -> Response:
    whys = (why or []) + [""] * (len(keys) - len(why or []))
    n = access.mark_seen(lib, user, name, list(zip(keys, whys, strict=False)))
    return _to(_profile_url(name, "/feed"), seen=n)
