"""arXiv API Atom parser: a real feed, full entries, API errors and malformed XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.errors import InputError
from paperfeed.ingest import arxiv_atom
from paperfeed.models import Parsed, Rejected

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "formats"

FULL_ENTRY = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2503.15457v2</id>
    <updated>2025-04-02T09:10:11Z</updated>
    <published>2025-03-19T17:41:05Z</published>
    <title>Di$\\mathtt{[M]}$O: Distilling Masked Diffusion Models into One-step
  Generator</title>
    <summary>  Masked Diffusion Models (MDMs) have emerged as a powerful generative modeling
technique.
</summary>
    <author><name>Yuanzhi Zhu</name></author>
    <author><name>St\\'ephane Lathuili\\`ere</name><arxiv:affiliation xmlns:arxiv="http://arxiv.org/schemas/atom">LIX</arxiv:affiliation></author>
    <arxiv:doi xmlns:arxiv="http://arxiv.org/schemas/atom">10.1000/example.doi</arxiv:doi>
    <link title="doi" href="http://dx.doi.org/10.1000/example.doi" rel="related"/>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">11 pages, 9 figures</arxiv:comment>
    <arxiv:journal_ref xmlns:arxiv="http://arxiv.org/schemas/atom">Proc. Example 2025</arxiv:journal_ref>
    <link href="http://arxiv.org/abs/2503.15457v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2503.15457v2" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""


def parse_text(text: str) -> list:
    return list(arxiv_atom.parse(text.splitlines(keepends=True), "query.xml"))


@pytest.fixture(scope="module")
def sample() -> list:
    with open(SAMPLES / "sample-atom.xml", encoding="utf-8") as f:
        return list(arxiv_atom.parse(f, "sample-atom.xml"))


def test_sample_feed(sample: list) -> None:
    assert all(isinstance(r, Parsed) for r in sample)
    assert [r.line for r in sample] == [10, 51, 101, 138, 192, 242]
    assert [r.paper.arxiv_id for r in sample] == [
        "2503.12453v1", "2503.12168v1", "2503.12087v1", "2503.11846v1", "2503.14919v1", "2503.15457v1",
    ]
    shape = sample[0].paper
    assert shape.title == (
        "Shape Bias and Robustness Evaluation via Cue Decomposition for Image Classification and Segmentation"
    )
    assert shape.authors == ("Edgar Heinert", "Thomas Gottwald", "Annika Mütze", "Matthias Rottmann")
    assert shape.version == 1
    assert shape.date == "2025-03-18" and shape.updated == "2025-03-18"
    assert shape.url == "http://arxiv.org/abs/2503.12453v1"
    assert shape.abstract.startswith("Previous works studied how deep neural networks (DNNs) perceive")
    assert "\n" not in shape.abstract
    crowds = sample[1].paper
    assert crowds.authors[-2:] == ("Julien Pettré", "He Wang")
    histo = sample[3].paper
    assert histo.categories == ("eess.IV", "cs.AI", "cs.CV", "cs.LG", "q-bio.QM")
    dimo = sample[5].paper
    assert dimo.title == "Di$\\mathtt{[M]}$O: Distilling Masked Diffusion Models into One-step Generator"
    assert dimo.authors[2] == "Stéphane Lathuilière"


def test_full_entry_fields() -> None:
    (rec,) = parse_text(FULL_ENTRY)
    p = rec.paper
    assert rec.line == 4
    assert p.arxiv_id == "2503.15457v2" and p.version == 2
    assert p.title == "Di$\\mathtt{[M]}$O: Distilling Masked Diffusion Models into One-step Generator"
    assert p.abstract == "Masked Diffusion Models (MDMs) have emerged as a powerful generative modeling technique."
    assert p.authors == ("Yuanzhi Zhu", "Stéphane Lathuilière")  # LaTeX accents decoded
    assert p.date == "2025-03-19" and p.updated == "2025-04-02"
    assert p.doi == "10.1000/example.doi"
    assert p.comments == "11 pages, 9 figures"
    assert p.journal_ref == "Proc. Example 2025"
    assert p.categories == ("cs.CV", "cs.LG")
    assert p.url == "http://arxiv.org/abs/2503.15457v2"
    assert p.sources == ()


def test_parse_bytes_and_total_results() -> None:
    data = FULL_ENTRY.encode("utf-8")
    (rec,) = arxiv_atom.parse_bytes(data, "query.xml")
    assert rec.paper.arxiv_id == "2503.15457v2"
    assert arxiv_atom.total_results(data) == 1
    assert arxiv_atom.total_results(FULL_ENTRY) == 1
    assert arxiv_atom.total_results(b'<feed xmlns="http://www.w3.org/2005/Atom"/>') is None


def test_latin1_bytes_follow_the_declaration() -> None:
    text = FULL_ENTRY.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("St\\'ephane", "Stéphane")
    (rec,) = arxiv_atom.parse_bytes(text.encode("latin-1"), "query.xml")
    assert rec.paper.authors[1] == "Stéphane Lathuilière"


def test_api_error_raises_with_message() -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.1234</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.1234</summary>
  </entry>
</feed>
"""
    with pytest.raises(InputError) as err:
        parse_text(text)
    assert err.value.line == 3
    assert "incorrect id format for 1234.1234" in err.value.reason


def test_malformed_xml_reports_line() -> None:
    text = '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n<title>x</titl>\n</entry>\n</feed>\n'
    with pytest.raises(InputError) as err:
        parse_text(text)
    assert err.value.line == 3
    assert err.value.reason.startswith("malformed XML")


@pytest.mark.parametrize("text", ["", "not xml at all", "<html><body>hi</body></html>"])
def test_unreadable_inputs(text: str) -> None:
    with pytest.raises(InputError):
        parse_text(text)


def test_entities_are_not_resolved() -> None:
    text = """<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.01234</id>
<title>A &amp; B &xxe;</title></entry></feed>
"""
    (rec,) = parse_text(text)
    assert "root:" not in rec.paper.title
    assert rec.paper.title.startswith("A & B")


def test_entry_without_title_and_id_is_rejected() -> None:
    text = '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry><summary>text</summary></entry>\n</feed>'
    (rec,) = parse_text(text)
    assert isinstance(rec, Rejected) and rec.line == 2
