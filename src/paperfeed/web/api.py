"""The JSON API: a twin of every page, calling the same Library methods. Documented at /docs and /api."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from paperfeed.errors import PaperfeedError
from paperfeed.export import hits_json, paper_json
from paperfeed.onboard import origin_dict
from paperfeed.web import access
from paperfeed.web.deps import LibraryDep, UserDep, WriterDep, profile_name_access
from paperfeed.web.params import (
    FeedParams,
    MapParams,
    RecentParams,
    SearchParams,
    run_feed,
    run_map,
    run_recent,
    run_search,
)

router = APIRouter(prefix="/api", tags=["api"])
ProfileName = Annotated[str, Depends(profile_name_access)]


class FeedbackIn(BaseModel):
    """Feedback on a paper for one of your profiles. 'not-interested' is a dislike; 'clear' forgets it."""

    profile: str
    key: str
    action: Literal["like", "dislike", "not-interested", "clear"]


class MuteIn(BaseModel):
    """Mute (or, with on=false, unmute) an author or a category in a profile's feed."""

    profile: str
    kind: Literal["author", "category"]
    value: str = Field(min_length=1, max_length=300)
    on: bool = True


class ProfileIn(BaseModel):
    """A new profile (or more for an existing one of yours): paper keys, an author, interests, a listing."""

    name: str = Field(min_length=1, max_length=64)
    keys: list[str] = []
    author: str | None = None
    interests: str | None = None
    text: str | None = Field(None, description="a pasted listing or BibTeX, parsed like `paperfeed ingest`")


class PapersIn(BaseModel):
    """Papers to add to a profile: keys already in the library and/or a pasted listing."""

    keys: list[str] = []
    text: str | None = None


class KeysIn(BaseModel):
    """Paper keys, with optional reasons (``why``, aligned with ``keys``)."""

    keys: list[str] = Field(min_length=1, max_length=1000)
    why: list[str] = []


def profile_json(rec: dict) -> dict:
    """Library.profile's record without row ids, papers as JSON."""
    out = {k: v for k, v in rec.items() if not k.endswith("_ids") and k not in ("paper", "liked", "disliked",
                                                                                  "origins")}
    for field, name in (("paper", "papers"), ("liked", "liked"), ("disliked", "disliked")):
        out[name] = [paper_json(p) for p in rec[field]]
    for d, p in zip(out["papers"], rec["paper"], strict=True):  # why each paper is in the profile
        d["origin"] = origin_dict(*rec["origins"].get(p.key, ("", "")))
    return out


@router.get("/session", summary="Who you are, the mode, and the CSRF token for state-changing requests")
def session(request: Request, user: UserDep) -> dict:
    return {"user": user.name, "mode": "login" if request.app.state.login_required else "single-user",
            "via": user.via, "csrf_token": user.csrf or None}


@router.get("/search", summary="Search (hybrid by default); the twin of /search")
def search(lib: LibraryDep, user: UserDep, p: Annotated[SearchParams, Depends()]) -> dict:
    hits, more = run_search(lib, p)
    return {"query": p.query, "mode": p.mode, "offset": p.offset, "limit": p.limit, "more": more,
            "results": hits_json(hits, p.offset)}


@router.get("/papers/{key:path}/similar", summary="Papers similar to a paper")
def similar(key: str, lib: LibraryDep, user: UserDep, limit: int = 10) -> list[dict]:
    return hits_json(lib.similar(ref=key, limit=max(1, min(limit, 100))))


@router.get("/papers/{key:path}", summary="One paper with links and BibTeX; the twin of /papers/{key}")
def paper(key: str, lib: LibraryDep, user: UserDep) -> dict:
    return paper_json(lib.get(key), full=True)


@router.get("/recent", summary="Newest papers; the twin of /recent")
def recent(lib: LibraryDep, user: UserDep, p: Annotated[RecentParams, Depends()]) -> list[dict]:
    return [paper_json(x) for x in run_recent(lib, p)]


@router.get("/stats", summary="Library statistics")
def stats(lib: LibraryDep, user: UserDep) -> dict:
    return lib.stats()


@router.get("/profiles", summary="Your profiles; the twin of /profiles")
def profiles(lib: LibraryDep, user: UserDep) -> list[dict]:
    return access.visible_profiles(lib, user)


@router.post("/profiles", status_code=201, summary="Create a profile, or add to one of yours")
def create_profile(body: ProfileIn, lib: LibraryDep, user: WriterDep) -> dict:
    if body.text and body.text.strip():
        with access.listing_file(body.text.encode()) as path:
            return access.create_profile(lib, user, body.name, files=[path], keys=body.keys,
                                         author=body.author, interests=body.interests)
    return access.create_profile(lib, user, body.name, keys=body.keys, author=body.author,
                                 interests=body.interests)


@router.get("/profiles/{name}", summary="A profile: papers, interests, feedback, mutes")
def profile(name: ProfileName, lib: LibraryDep) -> dict:
    return profile_json(lib.profile(name))


@router.delete("/profiles/{name}", summary="Delete a profile (its papers stay in the library)")
def delete_profile(name: ProfileName, lib: LibraryDep, user: WriterDep) -> dict:
    lib.delete_profile(name)
    return {"deleted": name}


@router.post("/profiles/{name}/papers", summary="Add papers (keys or a pasted listing) to a profile")
def add_papers(name: ProfileName, body: PapersIn, lib: LibraryDep, user: WriterDep) -> dict:
    if not body.keys and not (body.text and body.text.strip()):
        raise PaperfeedError("give keys or a listing text")
    added, report = 0, None
    if body.keys:
        added += access.create_profile(lib, user, name, keys=body.keys)["papers_added"]
    if body.text and body.text.strip():
        res = access.add_listing(lib, user, name, body.text.encode())
        added, report = added + res["papers_added"], res["from_files"]
    return {"profile": name, "papers_added": added, "from_files": report}


@router.post("/profiles/{name}/papers/remove", summary="Take papers out of a profile")
def remove_papers(name: ProfileName, body: KeysIn, lib: LibraryDep, user: WriterDep) -> dict:
    return {"removed": access.remove_papers(lib, user, name, body.keys)}


@router.get("/profiles/{name}/feed", summary="The profile's ranked feed with reasons; the twin of the feed page")
def feed(name: ProfileName, lib: LibraryDep, p: Annotated[FeedParams, Depends()]) -> list[dict]:
    return hits_json(run_feed(lib, name, p))


@router.post("/profiles/{name}/seen", summary="Mark papers as seen: they leave the feed (a 'web' digest)")
def seen(name: ProfileName, body: KeysIn, lib: LibraryDep, user: WriterDep) -> dict:
    whys = body.why + [""] * (len(body.keys) - len(body.why))
    return {"marked": access.mark_seen(lib, user, name, list(zip(body.keys, whys, strict=False)))}


@router.post("/feedback", summary="Like, dislike, 'not interested' or clear a paper for a profile")
def feedback(body: FeedbackIn, lib: LibraryDep, user: WriterDep) -> dict:
    access.check_profile(lib, user, body.profile)
    action = "dislike" if body.action == "not-interested" else body.action
    lib.feedback(body.profile, body.key, action)
    return {"profile": body.profile, "key": body.key, "action": body.action}


@router.post("/mute", summary="Mute or unmute an author or category for a profile")
def mute(body: MuteIn, lib: LibraryDep, user: WriterDep) -> dict:
    access.check_profile(lib, user, body.profile)
    lib.mute(body.profile, body.kind, body.value, body.on)
    return body.model_dump()


@router.get("/map", summary="The topic map: 2-D layout of paper embeddings; the twin of /map")
def topic_map(request: Request, lib: LibraryDep, user: UserDep, p: Annotated[MapParams, Depends()]) -> dict:
    if p.profile:
        access.check_profile(lib, user, p.profile)
    return run_map(lib, request.app.state.topicmaps, p)
