"""The one rule for profile names, shared by the CLI, the web pages and the API."""

from __future__ import annotations

import unicodedata

from paperfeed.errors import PaperfeedError

MAX_PROFILE_NAME = 64
_FORBIDDEN = set("/\\")
_LOOKALIKES = str.maketrans("аеорсухіјѕԁһӏԛԝοιкνρτχ", "aeopcyxijsdhlqwoikvptx")
"""Cyrillic and Greek letters drawn like Latin ones (after casefolding), for comparing names."""
_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")


def _script(c: str) -> str | None:
    name = unicodedata.name(c, "")
    return next((s for s in _SCRIPTS if name.startswith(s + " ")), None)


def check_profile_name(name: str) -> str:
    """The name, if it follows the rule; PaperfeedError saying what is wrong otherwise.

    The rule: 1 to 64 characters; letters, digits, punctuation, symbols and single spaces between
    words; no control, zero-width or other invisible characters, no tabs or line breaks, no / or \\;
    written in its normal Unicode form (no full-width or other compatibility look-alikes); not
    mixing Latin, Greek and Cyrillic letters (``Аlice`` with a Cyrillic A).
    """
    def bad(why: str) -> PaperfeedError:
        return PaperfeedError(f"invalid profile name {name!r}: {why}")

    if not name or not name.strip():
        raise bad("it is empty")
    if len(name) > MAX_PROFILE_NAME:
        raise bad(f"longer than {MAX_PROFILE_NAME} characters")
    for c in name:
        cat = unicodedata.category(c)
        if c in _FORBIDDEN:
            raise bad("no / or \\ allowed")
        if c != " " and (cat[0] in "CZ"):  # controls, format (zero-width, bidi), separators, unassigned
            what = f"control character {c!r}" if cat == "Cc" else f"U+{ord(c):04X} {unicodedata.name(c, '')}"
            raise bad(f"{what.strip()} is not allowed (no tabs, line breaks or invisible characters)")
    if name != name.strip() or "  " in name:
        raise bad("no spaces at either end or two in a row")
    if unicodedata.normalize("NFKC", name) != name:
        raise bad(f"write it as {unicodedata.normalize('NFKC', name)!r} (no full-width or look-alike forms)")
    scripts = {s for s in map(_script, name) if s}
    if len(scripts) > 1:
        raise bad(f"mixes {' and '.join(sorted(s.title() for s in scripts))} letters")
    return name


def profile_name_key(name: str) -> str:
    """What two profile names are compared by: case and look-alike letters do not count."""
    return unicodedata.normalize("NFKC", name).casefold().translate(_LOOKALIKES)
