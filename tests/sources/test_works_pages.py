"""The readers of OpenAlex, ORCID, Semantic Scholar and dblp answers: recorded samples and any bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.errors import InputError
from paperfeed.models import Paper
from paperfeed.sources import works_pages
from support.recorded import WORKS

READERS = {
    "openalex-works-1.json": works_pages.read_openalex,
    "orcid-works.json": works_pages.read_orcid,
    "s2-papers-1.json": works_pages.read_semantic_scholar,
    "dblp-person.xml": works_pages.read_dblp,
}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_inverted_index_back_to_text() -> None:
    index = {"Despite": [0], "growing": [1], "interest": [2], "in": [3, 7], "models,": [4], "progress": [5],
             "lags": [6], "practice.": [8]}
    assert works_pages.abstract_from_inverted_index(index) == (
        "Despite growing interest in models, progress lags in practice.")
    assert works_pages.abstract_from_inverted_index(None) == ""
    assert works_pages.abstract_from_inverted_index({"a": ["x", True, -1, 2]}) == "a"


@given(st.lists(st.text(st.characters(categories=("L", "N", "P")), min_size=1, max_size=12), max_size=60))
@SETTINGS
def test_inverted_index_round_trip(words: list[str]) -> None:
    index: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        index.setdefault(w, []).append(i)
    assert works_pages.abstract_from_inverted_index(index) == " ".join(words)


@pytest.mark.parametrize("name", sorted(READERS))
def test_recorded_samples_read(name: str) -> None:
    page = READERS[name]((WORKS / name).read_bytes(), name)
    assert page.papers and all(isinstance(p, Paper) and (p.title or p.arxiv_id or p.doi) for p in page.papers)


def _check(reader, body: bytes) -> None:
    try:
        page = reader(body, "prop-input")
    except InputError as e:
        assert e.source == "prop-input" and e.reason and "\n" not in e.reason
        return
    for p in page.papers:
        assert isinstance(p.title, str) and isinstance(p.abstract, str)
        assert all(isinstance(a, str) and a for a in p.authors)
        assert p.title or p.arxiv_id or p.doi


@pytest.mark.parametrize("reader", list(READERS.values()))
@given(body=st.binary(max_size=300))
@SETTINGS
def test_any_bytes_give_a_page_or_a_clear_error(reader, body: bytes) -> None:
    _check(reader, body)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["results", "group", "data", "work-summary", "title", "value", "authors", "authorships",
                         "author", "display_name", "name", "doi", "externalIds", "ArXiv", "DOI", "meta", "next",
                         "abstract_inverted_index", "publication-date", "year", "external-ids", "external-id",
                         "external-id-type", "external-id-value", "locations", "landing_page_url"]),
        inner, max_size=5),
    max_leaves=30,
)


@pytest.mark.parametrize("reader", [works_pages.read_openalex, works_pages.read_orcid,
                                    works_pages.read_semantic_scholar])
@given(doc=_JSON)
@SETTINGS
def test_any_json_shape_gives_a_page_or_a_clear_error(reader, doc) -> None:
    _check(reader, json.dumps(doc).encode())


@given(names=st.lists(st.text(st.characters(categories=("L",)), min_size=1, max_size=10), max_size=5),
       title=st.text(max_size=40))
@SETTINGS
def test_dblp_records_of_any_text(names: list[str], title: str) -> None:
    from xml.sax.saxutils import escape

    authors = "".join(f"<author>{escape(n)} 0001</author>" for n in names)
    body = (f'<dblpperson name="x"><r><article key="k">{authors}<title>{escape(title)}</title></article></r>'
            "</dblpperson>")
    try:
        page = works_pages.read_dblp(body.encode(), "prop-input")
    except InputError:
        return  # control characters are not XML
    for p in page.papers:
        assert not any(a.endswith(" 0001") for a in p.authors)
