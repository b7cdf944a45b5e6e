"""A digest email from ranked hits: items with links, HTML and plain-text bodies, one EmailMessage.

Bodies come from Jinja2 templates (paperfeed/templates/digest.{html,txt}.j2); the HTML one is
autoescaped and uses inline styles only. Headers are set through the email package, with every
value collapsed to one line first, so a title can never add a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined

from paperfeed.links import page_and_pdf
from paperfeed.models import Hit

ABSTRACT_CHARS = 700


@dataclass(frozen=True)
class DigestItem:
    """One paper as shown in a digest."""

    key: str
    title: str
    authors: str
    date: str
    categories: str
    abstract: str
    why: str
    abs_url: str | None
    pdf_url: str | None
    like_url: str | None
    dislike_url: str | None


@dataclass(frozen=True)
class Digest:
    """Everything a digest message is built from."""

    profile: str
    items: list[DigestItem]
    day: str
    web_url: str | None = None


def one_line(s: str, n: int | None = None) -> str:
    """Whitespace (including CR/LF) collapsed to single spaces, optionally clipped to ``n`` chars."""
    s = " ".join(str(s).split())
    return s if n is None or len(s) <= n else s[: n - 1].rstrip() + "\u2026"


def feedback_url(base: str | None, key: str, profile: str, action: str) -> str | None:
    """A link to the web app's paper page offering a like/dislike button (a GET there changes nothing)."""
    if not base:
        return None
    return f"{base.rstrip('/')}/papers/{quote(key, safe=':')}?" + urlencode({"profile": profile, "action": action})


def _authors(authors: tuple[str, ...]) -> str:
    return ", ".join(authors[:6]) + (f" and {len(authors) - 6} more" if len(authors) > 6 else "")


def digest_items(hits: list[Hit], profile: str, web_url: str | None = None) -> list[DigestItem]:
    """Digest items for hits that carry their paper."""
    items = []
    for h in hits:
        p = h.paper
        if p is None:
            continue
        abs_url, pdf_url = page_and_pdf(p)
        items.append(DigestItem(
            key=p.key, title=one_line(p.label), authors=one_line(_authors(p.authors)), date=p.date or "",
            categories=" ".join(p.categories[:4]), abstract=one_line(p.abstract, ABSTRACT_CHARS), why=one_line(h.why),
            abs_url=abs_url, pdf_url=pdf_url, like_url=feedback_url(web_url, p.key, profile, "like"),
            dislike_url=feedback_url(web_url, p.key, profile, "dislike"),
        ))
    return items


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("paperfeed", "templates"), autoescape=lambda name: bool(name) and ".html" in (name or ""),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render(digest: Digest) -> tuple[str, str]:
    """(plain text, HTML) bodies."""
    ctx = {"d": digest, "n": len(digest.items)}
    return _env().get_template("digest.txt.j2").render(ctx), _env().get_template("digest.html.j2").render(ctx)


def subject_for(digest: Digest) -> str:
    """'paperfeed: 12 new papers for jane — <top title>' on one line."""
    n = len(digest.items)
    s = f"paperfeed: {n} new paper{'s' if n != 1 else ''} for {one_line(digest.profile, 40)}"
    if digest.items:
        s += f" \u2014 {one_line(digest.items[0].title, 70)}"
    return one_line(s)


def new_message_id(sender: str) -> str:
    """A fresh Message-ID in the sender's domain."""
    domain = sender.rpartition("@")[2] or "paperfeed.local"
    return make_msgid(idstring="paperfeed", domain=one_line(domain))


def build_message(digest: Digest, sender: str, recipient: str, message_id: str | None = None,
                  when: datetime | None = None) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) with headers set safely."""
    text, html = render(digest)
    msg = EmailMessage()
    msg["Subject"] = subject_for(digest)
    msg["From"] = one_line(sender)
    msg["To"] = one_line(recipient)
    msg["Date"] = format_datetime(when or datetime.now(UTC))
    msg["Message-ID"] = one_line(message_id or new_message_id(sender))
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Paperfeed-Profile"] = one_line(digest.profile, 64)
    msg.set_content(text, cte="quoted-printable")  # 7-bit safe for any server, readable in the raw
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg
