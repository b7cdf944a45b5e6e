"""The one check of a user-given date: --since/--until, since:/until: in a query, web form fields."""

from __future__ import annotations

import datetime as _dt
import re

from paperfeed.errors import PaperfeedError

_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_AGO = re.compile(r"(\d{1,5})([dw])")
HINT = "use YYYY-MM-DD, YYYY-MM, YYYY, today, yesterday or Nd/Nw for days/weeks ago"


class DateError(PaperfeedError):
    """A date given by the user that is not one (CLI exit 2, HTTP 400)."""


def user_date(value: str | None, name: str = "--since", today: _dt.date | None = None) -> str | None:
    """A user-given date as an ISO prefix (YYYY, YYYY-MM or YYYY-MM-DD); None when empty.

    Accepts ISO dates, ``today``, ``yesterday`` and ``7d`` / ``2w`` (days / weeks before today).
    Raises DateError, naming ``name`` (e.g. ``--since`` or ``since:``), for anything else,
    including impossible dates such as 2026-13-01 or 2026-02-30.
    """
    if value is None or not value.strip():
        return None
    raw = value.strip().lower()
    today = today or _dt.date.today()
    relative = {"today": 0, "yesterday": 1}.get(raw)
    if relative is None and (m := _AGO.fullmatch(raw)):
        relative = int(m[1]) * (7 if m[2] == "w" else 1)
    if relative is not None:
        try:
            return (today - _dt.timedelta(days=relative)).isoformat()
        except OverflowError:
            raise DateError(f"{name} {value!r} is too far back") from None
    m = _ISO.fullmatch(raw)
    if m is None:
        raise DateError(f"{name} {value!r} is not a date ({HINT})")
    y, mo, d = m.groups()
    try:
        if d is not None:
            return _dt.date(int(y), int(mo), int(d)).isoformat()
        if mo is not None:
            return _dt.date(int(y), int(mo), 1).isoformat()[:7]
        return _dt.date(int(y), 1, 1).isoformat()[:4]
    except ValueError:
        raise DateError(f"{name} {value!r} is not a real date ({HINT})") from None


def first_day(iso: str) -> str:
    """YYYY-MM-DD of an ISO date prefix (a YYYY or YYYY-MM prefix gives its first day)."""
    return {4: iso + "-01-01", 7: iso + "-01"}.get(len(iso), iso[:10])


def user_day(value: str | None, name: str = "--since") -> str | None:
    """user_date as a full YYYY-MM-DD day (for APIs that need one: OAI-PMH, the digest window)."""
    iso = user_date(value, name)
    return first_day(iso) if iso else None


def days_before(iso: str, days: int) -> str:
    """The day ``days`` before an ISO date (prefixes count as their first day)."""
    return (_dt.date.fromisoformat(first_day(iso)) - _dt.timedelta(days=days)).isoformat()
