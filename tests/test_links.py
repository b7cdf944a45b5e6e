"""Code and project links found in abstracts and comments."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from paperfeed.links import find_links, project_links
from paperfeed.models import Paper


def test_real_arxiv_phrasings() -> None:
    text = ("Code: https://github.com/achouhan93/ClusterChat), models at https://huggingface.co/x/y. "
            "Data https://github.com/0-ml/speft]. Repo https://github.com/myxp-lyp/Discourse-Features.git. "
            "Project page: \\url{https://proj.example.org/site_(v2)}; see https://arxiv.org/abs/2401.01325 "
            "and https://doi.org/10.1/x.")
    assert find_links(text) == [
        ("https://github.com/achouhan93/ClusterChat", "code"), ("https://huggingface.co/x/y", "code"),
        ("https://github.com/0-ml/speft", "code"), ("https://github.com/myxp-lyp/Discourse-Features", "code"),
        ("https://proj.example.org/site_(v2)", "project"),
    ]


def test_code_first_and_deduplicated_from_comments_and_abstract() -> None:
    p = Paper(key="arxiv:1", title="t", abstract="See https://site.example.com/demo and https://github.com/a/b.",
              comments="10 pages; code at https://github.com/a/b")
    assert project_links(p) == [("code", "https://github.com/a/b"), ("project", "https://site.example.com/demo")]


def test_no_links() -> None:
    assert find_links(None) == [] and find_links("no urls, only github.com mentioned") == []
    assert find_links("https://github.com/ alone") == []


@given(st.text())
def test_any_text_gives_clean_http_links_found_in_it(text: str) -> None:
    for kind, url in find_links(text):
        assert kind in ("code", "project")
        assert url.lower().startswith(("http://", "https://")) and url in text
        assert not url.endswith((".", ",", ";", ":", "]", "}", ">"))
        assert not any(c.isspace() for c in url)


def test_one_order_of_reading_links_everywhere() -> None:
    from paperfeed.cli.render import link
    from paperfeed.links import best_link, page_and_pdf, paper_links

    both = Paper(title="T", abstract="", doi="10.1234/x", url="https://example.org/t", arxiv_id="2401.01234")
    assert list(paper_links(both)) == ["abs", "pdf", "doi", "url"]
    assert best_link(both) == link(both) == "https://arxiv.org/abs/2401.01234"
    assert page_and_pdf(both) == ("https://arxiv.org/abs/2401.01234", "https://arxiv.org/pdf/2401.01234")
    no_arxiv = Paper(title="T", abstract="", doi="10.1234/x", url="https://example.org/t")
    assert best_link(no_arxiv) == link(no_arxiv) == "https://doi.org/10.1234/x"  # DOI before the URL
    assert page_and_pdf(no_arxiv) == ("https://doi.org/10.1234/x", None)
    odd_url = Paper(title="T", abstract="", url="file:///home/me/t.pdf")
    assert best_link(odd_url) is None and link(odd_url) == "" and paper_links(odd_url) == {}
