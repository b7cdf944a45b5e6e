"""Canonical ids, DOIs, author names, dates and paper keys."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed import normalize
from paperfeed.models import Paper

# ---- arXiv ids -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.01234v3", ("2401.01234", 3)),
        ("2401.01234", ("2401.01234", None)),
        ("arXiv:2401.01234", ("2401.01234", None)),
        ("arXiv:2401.01234v12", ("2401.01234", 12)),
        ("https://arxiv.org/abs/2401.01234v2", ("2401.01234", 2)),
        ("http://arxiv.org/abs/2401.01234", ("2401.01234", None)),
        ("  2401.01234v1\n", ("2401.01234", 1)),
        ("0704.0001", ("0704.0001", None)),
        ("(arXiv:2401.01234)", ("2401.01234", None)),
        ("hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("arXiv:hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("https://arxiv.org/abs/cond-mat/0102536v1", ("cond-mat/0102536", 1)),
    ],
)
def test_arxiv_id_forms(raw: str, expected: tuple[str, int | None]) -> None:
    assert normalize.arxiv_id(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "not an id", "1234.5678.9", "10.1145/3366423.3380130x"])
def test_arxiv_id_rejects_non_ids(raw: str | None) -> None:
    assert normalize.arxiv_id(raw) == (None, None)


def test_old_style_id_with_subject_class_is_the_same_paper_as_without() -> None:
    # math.AG/0601001 is the same paper as math/0601001 (the subject class is not part of the id;
    # arXiv's own metadata and abs pages use math/0601001), so both must give one canonical id.
    assert normalize.arxiv_id("math.AG/0601001") == ("math/0601001", None)
    assert normalize.arxiv_id("math/0601001v2") == ("math/0601001", 2)


def test_arxiv_pdf_url() -> None:
    assert normalize.arxiv_id("https://arxiv.org/pdf/2401.01234v2.pdf") == ("2401.01234", 2)
    assert normalize.arxiv_id("https://arxiv.org/pdf/2401.01234") == ("2401.01234", None)


def test_arxiv_id_at_end_of_sentence() -> None:
    # pasted text: "... available as arXiv:2401.01234." — the full stop ends the sentence, not the id
    assert normalize.arxiv_id("Preprint available as arXiv:2401.01234.") == ("2401.01234", None)
    assert normalize.arxiv_id("see 2401.01234v2.") == ("2401.01234", 2)


@given(st.text())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_arxiv_id_never_raises_on_any_text(s: str) -> None:
    aid, version = normalize.arxiv_id(s)
    assert aid is None or isinstance(aid, str)
    assert version is None or (isinstance(version, int) and version >= 0)
    if aid is None:
        assert version is None


@given(st.from_regex(r"\A[0-9]{4}\.[0-9]{5}\Z"), st.integers(min_value=1, max_value=99), st.text(max_size=20))
def test_arxiv_id_found_inside_text(aid: str, v: int, noise: str) -> None:
    assert normalize.arxiv_id(f"arXiv:{aid}v{v} {noise}") == (aid, v)


# ---- DOIs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://doi.org/10.1145/ABC", "10.1145/abc"),
        ("http://dx.doi.org/10.1145/ABC", "10.1145/abc"),
        ("doi:10.1145/3366423.3380130", "10.1145/3366423.3380130"),
        ("DOI: 10.48550/arXiv.2401.01234", "10.48550/arxiv.2401.01234"),
        ("10.1000/XYZ.", "10.1000/xyz"),
        ("  10.1016/S0140-6736(20)30183-5 ", "10.1016/s0140-6736(20)30183-5"),
        (None, None),
        ("", None),
        ("not a doi", None),
        ("11.1145/abc", None),
    ],
)
def test_doi(raw: str | None, expected: str | None) -> None:
    assert normalize.doi(raw) == expected


def test_doi_keeps_balanced_closing_parenthesis() -> None:
    # a DOI may end in ")" when the parenthesis opened inside it; only unbalanced ones are punctuation
    assert normalize.doi("10.1000/xyz(1)") == "10.1000/xyz(1)"
    assert normalize.doi("(see 10.1000/xyz)") == "10.1000/xyz"


# ---- author names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Doe, Jane", "Jane Doe"),
        ("Jane Doe", "Jane Doe"),
        ("  Jane   Doe ", "Jane Doe"),
        ("Navrátil, null", "Navrátil"),
        ("null, Navrátil", "Navrátil"),
        ("van der Berg, Anna", "Anna van der Berg"),
        ("García Márquez, José", "José García Márquez"),
        ("Doe, Jr.", "Doe Jr."),
        ("Jane Doe*", "Jane Doe"),
        ("Jane Doe†", "Jane Doe"),
    ],
)
def test_author_name(raw: str, expected: str) -> None:
    assert normalize.author_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "null", "None", "et al.", "others", "  ", "n/a"])
def test_author_name_null_tokens_become_empty(raw: str) -> None:
    assert normalize.author_name(raw) == ""


def test_author_name_keeps_diacritics_in_nfc() -> None:
    decomposed = "Navra\u0301til, Petr"  # 'a' + combining acute
    out = normalize.author_name(decomposed)
    assert out == "Petr Navrátil"
    assert out == unicodedata.normalize("NFC", out)
    assert "\u00e1" in out


def test_author_name_given_names_that_look_like_suffixes() -> None:
    # "Sr"/"II" are suffixes only as whole words: Srinivas and Iiro are given names
    assert normalize.author_name("Kumar, Srinivas") == "Srinivas Kumar"
    assert normalize.author_name("Virtanen, Iiro") == "Iiro Virtanen"


def test_author_name_last_jr_first() -> None:
    # BibTeX's "Last, Jr, First" form
    assert normalize.author_name("Doe, Jr., John") == "John Doe Jr."


def test_authors_drops_null_entries_and_keeps_order() -> None:
    assert normalize.authors(["Doe, Jane", "null", "", "Bo Li", "et al."]) == ("Jane Doe", "Bo Li")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("José García", "J. Garcia"),
        ("José García", "Jose Garcia"),
        ("García, José", "J Garcia"),
        ("JOSÉ GARCÍA", "josé garcía"),
        ("Wałęsa, Lech", "L. Wałęsa"),
    ],
)
def test_author_key_folds_accents_case_and_initials(a: str, b: str) -> None:
    ka = normalize.author_key(normalize.author_name(a))
    kb = normalize.author_key(normalize.author_name(b))
    assert ka == kb != ""


def test_author_key_folds_letters_without_decomposition() -> None:
    # Ł, ø, ß do not decompose under NFKD but are routinely written as L, o, ss in ASCII sources
    assert normalize.author_key("Łukasz Wałęsa") == normalize.author_key("Lukasz Walesa")
    assert normalize.author_key("Søren Kjærgaard") == normalize.author_key("Soren Kjaergaard")


def test_author_key_distinguishes_different_people() -> None:
    assert normalize.author_key("Jane Doe") != normalize.author_key("Jane Roe")
    assert normalize.author_key("Jane Doe") != normalize.author_key("Kim Doe")
    assert normalize.author_key("") == ""
    assert normalize.author_key("Plato") == "plato"


# ---- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-05", "2024-01-05"),
        ("2024-1-5", "2024-01-05"),
        ("2024-01-05T12:30:00Z", "2024-01-05"),
        ("2024-03", "2024-03"),
        ("2024", "2024"),
        ("2024-13-01", "2024"),
        ("2024-01-32", "2024-01"),
        ("  2019-12-31 ", "2019-12-31"),
        ("0999", None),
        ("Jan 2024", None),
        ("", None),
        (None, None),
    ],
)
def test_date(raw: str | None, expected: str | None) -> None:
    assert normalize.date(raw) == expected


def test_date_rejects_impossible_day() -> None:
    assert normalize.date("2023-02-30") == "2023-02"


# ---- titles and keys -----------------------------------------------------------


def test_title_key_ignores_case_punctuation_and_width() -> None:
    a = normalize.title_key("Attention Is All You Need!")
    b = normalize.title_key("attention is   all you need")
    c = normalize.title_key("ＡＴＴＥＮＴＩＯＮ is all-you need")  # full-width letters
    assert a == b == c == "attention is all you need"


def test_paper_key_prefers_arxiv_then_doi_then_title() -> None:
    assert normalize.paper_key("2401.01234", "10.1/x", "T") == "arxiv:2401.01234"
    assert normalize.paper_key(None, "10.1/x", "T") == "doi:10.1/x"
    k = normalize.paper_key(None, None, "Some Title")
    assert k.startswith("title:") and len(k) == len("title:") + 16


def test_title_key_stable_across_case_and_punctuation() -> None:
    k1 = normalize.paper_key(None, None, "Deep Learning: A Survey")
    k2 = normalize.paper_key(None, None, "deep learning -- a survey")
    k3 = normalize.paper_key(None, None, "Deep Learning: A Review")
    assert k1 == k2 != k3


def test_title_key_value_is_stable_across_releases() -> None:
    # keys are stored in user databases and profiles: the hash must never change
    assert normalize.paper_key(None, None, "Deep Learning: A Survey") == normalize.paper_key(
        None, None, "deep learning a survey"
    )
    import hashlib

    expected = hashlib.blake2b(b"deep learning a survey", digest_size=8).hexdigest()
    assert normalize.paper_key(None, None, "Deep Learning: A Survey") == f"title:{expected}"


def test_normalize_paper_canonicalises_every_field() -> None:
    p = normalize.normalize_paper(
        Paper(
            title="  A   Title\n",
            abstract="Line one.\n  Line two.",
            authors=("Doe, Jane", "null", "Bo  Li"),
            arxiv_id="arXiv:2401.01234v3",
            doi="https://doi.org/10.1145/ABC",
            categories=("cs.LG", " cs.LG ", "", "stat.ML"),
            date="2024-01-05T00:00:00",
            updated="2024-02-01",
            venue="  ",
            url=None,
        )
    )
    assert p.title == "A Title"
    assert p.abstract == "Line one. Line two."
    assert p.authors == ("Jane Doe", "Bo Li")
    assert (p.arxiv_id, p.version, p.doi) == ("2401.01234", 3, "10.1145/abc")
    assert p.categories == ("cs.LG", "stat.ML")
    assert (p.date, p.updated) == ("2024-01-05", "2024-02-01")
    assert p.venue is None and p.url is None
    assert p.key == "arxiv:2401.01234"


def test_normalize_paper_explicit_version_wins_over_id_suffix() -> None:
    p = normalize.normalize_paper(Paper(title="T", arxiv_id="2401.01234v1", version=4))
    assert p.version == 4


def test_normalize_paper_key_falls_back_to_doi_then_title() -> None:
    assert normalize.normalize_paper(Paper(title="T", doi="10.1000/ABC")).key == "doi:10.1000/abc"
    assert normalize.normalize_paper(Paper(title="T")).key.startswith("title:")


def test_content_hash_changes_with_visible_fields_only() -> None:
    p = normalize.normalize_paper(Paper(title="T", abstract="A", authors=("X Y",), arxiv_id="2401.01234"))
    assert normalize.content_hash(p) == normalize.content_hash(normalize.normalize_paper(p))
    from dataclasses import replace

    assert normalize.content_hash(p) != normalize.content_hash(replace(p, abstract="B"))
    assert normalize.content_hash(p) != normalize.content_hash(replace(p, version=2))
    assert normalize.content_hash(p) == normalize.content_hash(replace(p, sources=("other",)))
    assert normalize.text_hash("T", "A") != normalize.text_hash("T", "B")


# ---- properties ------------------------------------------------------------------

_name_part = st.text(
    alphabet=st.sampled_from("abcdefgzABCDEZ áéíöüçłøÅ.-'\u0301"), min_size=0, max_size=12
)
_author = st.one_of(
    _name_part,
    st.builds(lambda a, b: f"{a}, {b}", _name_part, _name_part),
    st.builds(lambda a, b, c: f"{a}, {b}, {c}", _name_part, _name_part, _name_part),
    st.sampled_from(["null", "Navrátil, null", "Doe, Jr.", "et al.", "  ", "*", "Kumar, Srinivas"]),
    st.text(max_size=15),
)
_ids = st.one_of(
    st.none(),
    st.from_regex(r"\A(arXiv:)?[0-9]{4}\.[0-9]{4,5}(v[0-9]{1,2})?\Z"),
    st.from_regex(r"\A(hep-th|math\.AG|cs)/[0-9]{7}(v[0-9])?\Z"),
    st.text(max_size=20),
)
_dois = st.one_of(st.none(), st.from_regex(r"\A(https://doi\.org/)?10\.[0-9]{4,6}/[A-Za-z0-9.()_-]{1,12}\Z"),
                  st.text(max_size=20))
_dates = st.one_of(st.none(), st.from_regex(r"\A[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?\Z"), st.text(max_size=12))
_opt_text = st.one_of(st.none(), st.text(max_size=30))

papers = st.builds(
    Paper,
    title=st.text(max_size=60),
    abstract=st.text(max_size=80),
    authors=st.lists(_author, max_size=5).map(tuple),
    arxiv_id=_ids,
    doi=_dois,
    categories=st.lists(st.one_of(st.sampled_from(["cs.LG", "cs.CL", " cs.LG"]), st.text(max_size=8)),
                        max_size=4).map(tuple),
    date=_dates,
    updated=_dates,
    venue=_opt_text,
    url=_opt_text,
    comments=_opt_text,
    journal_ref=_opt_text,
    version=st.one_of(st.none(), st.integers(min_value=1, max_value=20)),
)


@given(papers)
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_normalize_paper_is_idempotent(p: Paper) -> None:
    once = normalize.normalize_paper(p)
    assert normalize.normalize_paper(once) == once


@given(papers)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_normalize_paper_output_invariants(p: Paper) -> None:
    n = normalize.normalize_paper(p)
    assert n.key and n.key.split(":", 1)[0] in {"arxiv", "doi", "title"}
    assert all(a and a == a.strip() and "  " not in a for a in n.authors)
    assert n.title == n.title.strip() and "\n" not in n.title
    assert n.date is None or normalize.date(n.date) == n.date
    assert n.doi is None or n.doi == n.doi.lower()
    assert len(set(n.categories)) == len(n.categories)


@given(st.text(max_size=40))
def test_title_key_is_idempotent(s: str) -> None:
    assert normalize.title_key(normalize.title_key(s)) == normalize.title_key(s)


# ---- same_person: full-name matching for profiles ---------------------------------------------


@pytest.mark.parametrize(("query", "name", "verdict"), [
    ("Jane Doe", "Jane Doe", "match"),
    ("Jane Doe", "Doe, Jane", "match"),
    ("Jane Doe", "JANE DOE", "match"),
    ("Jiří Navrátil", "Jiri Navratil", "match"),
    ("Jane Doe", "Jane Q. Doe", "match"),  # a middle initial the query leaves out
    ("Jane Quinn Doe", "Jane Q. Doe", "match"),
    ("Jean-Pierre Dupont", "Jean Pierre Dupont", "match"),
    ("Jane Doe", "J. Doe", "near"),  # only the initial: maybe her, maybe not
    ("Jane Doe", "J Doe", "near"),
    ("Jane A. Doe", "Jane B. Doe", "near"),  # middle names that contradict
    ("Jane Doe", "John Doe", None),
    ("Jane Doe", "Jane Smith", None),
    ("J. Doe", "John Doe", "match"),  # the query itself gives only the initial
    ("Anna van der Berg", "Anna Berg", "match"),
    ("Jane Doe", "", None),
])
def test_same_person(query: str, name: str, verdict: str | None) -> None:
    assert normalize.same_person(query, name) == verdict


_LATIN = st.characters(min_codepoint=0x41, max_codepoint=0x24F, categories=("Lu", "Ll"))  # with accents
_NAME = st.lists(st.text(_LATIN, min_size=2, max_size=10), min_size=2, max_size=4)


@settings(max_examples=300, deadline=None)
@given(_NAME)
def test_a_full_name_matches_itself_in_every_spelling(words: list[str]) -> None:
    name = " ".join(words)
    if len(normalize._name_tokens(name)) != len(words) or any(
            w.lower() in normalize._NULLS | normalize._SUFFIXES for w in words):
        return  # words that fold to nothing or to several tokens are not names
    assert normalize.same_person(name, name) == "match"
    assert normalize.same_person(name, name.upper()) == "match"
    assert normalize.same_person(name, f"{words[-1]}, {' '.join(words[:-1])}") == "match"
    assert normalize.same_person(name, normalize.ascii_fold(name)) == "match"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_same_person_never_raises_and_needs_the_same_key(a: str, b: str) -> None:
    verdict = normalize.same_person(a, b)
    assert verdict in ("match", "near", None)
    if verdict is not None:
        assert normalize.author_key(a).split()[-1] == normalize.author_key(b).split()[-1]


def test_one_calendar_rule_for_stored_and_read_dates() -> None:
    from paperfeed.normalize import iso_date

    # a stored date keeps its valid prefix; a date read from a file must be real in every written part
    assert normalize.date("2025-02-30") == "2025-02" and iso_date("2025-02-30") is None
    assert normalize.date("2024-02-29") == iso_date("2024-02-29") == "2024-02-29"
    assert normalize.date("2025-13-01") == "2025" and iso_date("2025-13-01") is None
    assert normalize.date("0999-01-01") is None and iso_date("0999") is None
    assert iso_date("31 Apr 2025") is None and iso_date("30 Apr 2025") == "2025-04-30"


def test_one_doi_pattern_case_kept_or_lowered() -> None:
    from paperfeed.normalize import find_doi

    text = "see https://doi.org/10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0"
    assert find_doi(text) == "10.1002/(SICI)1097-4571(199806)49:8"  # stops at '<', brackets balanced
    assert find_doi("(doi:10.1145/ABC.123).") == "10.1145/ABC.123"
    assert normalize.doi("(doi:10.1145/ABC.123).") == "10.1145/abc.123"
    assert find_doi(r"\href{https://doi.org/10.1234/x}{link}") == "10.1234/x"
    assert normalize.doi("10.1234/") is None and find_doi("no doi here") is None
