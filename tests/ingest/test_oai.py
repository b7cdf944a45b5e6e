"""OAI-PMH parser: arXiv and arXivRaw metadata, deleted records, errors, resumption tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.errors import InputError
from paperfeed.ingest import oai
from paperfeed.models import Parsed, Rejected

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "formats"

RAW_TWO_VERSIONS = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<GetRecord>
<record>
<header><identifier>oai:arXiv.org:2503.12102</identifier><datestamp>2025-04-01</datestamp></header>
<metadata>
<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">
<id>2503.12102</id><submitter>Paula Andrea P\\'erez-Toro</submitter>
<version version="v1"><date>Sat, 15 Mar 2025 13:47:02 GMT</date><size>9876kb</size></version>
<version version="v2"><date>Tue, 1 Apr 2025 08:00:00 GMT</date><size>9901kb</size></version>
<title>A Speech-to-Video Synthesis Approach Using Spatio-Temporal Diffusion for
  Vocal Tract MRI</title>
<authors>Paula Andrea P\\'erez-Toro (1), Tom\\'as Arias-Vergara, Elmar N\\"oth ((1) FAU
  Erlangen-N\\"urnberg, Germany), Andreas Maier, Jr. and Jonghye Woo</authors>
<categories>cs.CV eess.AS</categories>
<comments>Accepted at a workshop</comments>
<journal-ref>Example J. 1 (2025)</journal-ref>
<doi>10.1000/example</doi>
<abstract>  Understanding the relationship between vocal tract motion during speech.
</abstract>
</arXivRaw>
</metadata>
</record>
</GetRecord>
</OAI-PMH>
"""


def parse_text(text: str) -> list:
    return list(oai.parse(text.splitlines(keepends=True), "oai.xml"))


def parse_sample(name: str) -> list:
    with open(SAMPLES / name, encoding="utf-8") as f:
        return list(oai.parse(f, name))


def test_sample_arxiv_format() -> None:
    records = parse_sample("sample-oai-arXiv.xml")
    assert all(isinstance(r, Parsed) for r in records)  # the deleted record is skipped silently
    assert [r.line for r in records] == [6, 33, 62, 90, 114]
    assert [r.paper.arxiv_id for r in records] == [
        "2503.11742", "2503.11849", "2503.12260", "2503.12281", "2503.12552",
    ]
    safe = records[0].paper
    assert safe.title == "Safe Vision-Language Models via Unsafe Weights Manipulation"
    assert safe.authors[0] == "Moreno D'Incà"  # forenames + keyname
    assert safe.categories == ("cs.CV", "cs.AI")
    assert safe.date == "2025-03-18" and safe.updated is None and safe.version is None
    assert safe.abstract.startswith("Vision-language models (VLMs) often inherit")
    assert safe.abstract.endswith("on safe ones.")
    fer = records[2].paper
    assert fer.title == (
        "Enhancing Facial Expression Recognition through Dual-Direction Attention Mixed Feature "
        "Networks and CLIP: Application to 8th ABAW Challenge"
    )
    assert fer.authors == ("Josep Cabacas-Maso", "Elena Ortega-Beltrán", "Ismael Benito-Altamirano", "Carles Ventura")
    assert records[3].paper.authors[0] == "Paola Natalia Cañas"


def test_sample_arxivraw_format() -> None:
    records = parse_sample("sample-oai-arXivRaw.xml")
    assert [r.line for r in records] == [6, 34, 54, 86, 112]
    redi = records[0].paper
    assert redi.title == "REdiSplats: Ray Tracing for Editable Gaussian Splatting"
    assert redi.authors == (
        "Krzysztof Byrski", "Grzegorz Wilczyński", "Weronika Smolak-Dyżewska", "Piotr Borycki",
        "Dawid Baran", "Sławomir Tadeja", "Przemysław Spurek",
    )
    assert redi.date == "2025-03-18" and redi.updated == "2025-03-18" and redi.version == 1
    talk = records[3].paper
    assert talk.arxiv_id == "2412.13395" and talk.date == "2024-12-19"
    assert talk.categories == ("cs.CL", "cs.AI", "cs.HC", "cs.LG")
    assert records[4].paper.title == "GSBAK$^K$: $top$-$K$ Geometric Score-based Black-box Attack"


def test_arxivraw_versions_authors_and_extras() -> None:
    (rec,) = parse_text(RAW_TWO_VERSIONS)
    p = rec.paper
    assert rec.line == 4
    assert p.arxiv_id == "2503.12102" and p.version == 2
    assert p.date == "2025-03-15" and p.updated == "2025-04-01"
    assert p.authors == (
        "Paula Andrea Pérez-Toro", "Tomás Arias-Vergara", "Elmar Nöth", "Andreas Maier Jr.", "Jonghye Woo",
    )
    assert p.title == "A Speech-to-Video Synthesis Approach Using Spatio-Temporal Diffusion for Vocal Tract MRI"
    assert p.comments == "Accepted at a workshop"
    assert p.journal_ref == "Example J. 1 (2025)"
    assert p.doi == "10.1000/example"
    assert p.categories == ("cs.CV", "eess.AS")


def test_split_author_string() -> None:
    assert oai.split_author_string("A. Smith, B. Jones and C. Lee") == ("A. Smith", "B. Jones", "C. Lee")
    assert oai.split_author_string("A. Smith, B. Jones, and C. Lee") == ("A. Smith", "B. Jones", "C. Lee")
    assert oai.split_author_string("The ATLAS Collaboration") == ("The ATLAS Collaboration",)
    assert oai.split_author_string("") == ()


def test_resumption_token() -> None:
    data = (SAMPLES / "sample-oai-arXiv.xml").read_bytes()
    assert oai.resumption_token(data) == "6960524|1001"
    assert oai.resumption_token((SAMPLES / "sample-oai-arXivRaw.xml").read_bytes()) is None  # empty: done
    assert oai.resumption_token(RAW_TWO_VERSIONS) is None
    with pytest.raises(InputError):
        oai.resumption_token(b"<OAI-PMH")


def test_parse_bytes() -> None:
    records = list(oai.parse_bytes((SAMPLES / "sample-oai-arXivRaw.xml").read_bytes(), "raw.xml"))
    assert len(records) == 5


def test_oai_errors() -> None:
    error = (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
        '<error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.</error>\n'
        "</OAI-PMH>\n"
    )
    with pytest.raises(InputError) as err:
        parse_text(error)
    assert err.value.line == 2 and "badResumptionToken" in err.value.reason
    empty = '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="noRecordsMatch"/></OAI-PMH>'
    assert parse_text(empty) == []


def test_malformed_and_wrong_root() -> None:
    with pytest.raises(InputError) as err:
        parse_text('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n<ListRecords>\n<record>\n</OAI-PMH>\n')
    assert err.value.line == 4
    with pytest.raises(InputError, match="not an OAI-PMH response"):
        parse_text('<feed xmlns="http://www.w3.org/2005/Atom"/>')


def test_other_metadata_formats_and_empty_records_are_rejected() -> None:
    text = """<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>
<record><header><identifier>oai:arXiv.org:2401.00001</identifier></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/></metadata></record>
<record><header><identifier>oai:arXiv.org:2401.00002</identifier></header></record>
<record><header status="deleted"><identifier>oai:arXiv.org:2401.00003</identifier></header></record>
</ListRecords></OAI-PMH>
"""
    records = parse_text(text)
    assert all(isinstance(r, Rejected) for r in records)
    assert [(r.line, r.reason) for r in records] == [
        (2, "unsupported metadata format <dc>"), (4, "record without metadata"),
    ]
