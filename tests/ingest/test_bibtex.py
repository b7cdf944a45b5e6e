"""BibTeX parser and LaTeX decoding: real exports (samples/formats/sample.bib) and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.errors import InputError
from paperfeed.ingest import bibtex
from paperfeed.ingest.latex import latex_to_text
from paperfeed.models import Parsed, Rejected
from paperfeed.normalize import arxiv_from_doi, arxiv_version, as_arxiv_id, find_arxiv_id, iso_date

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "formats"


def parse_text(text: str) -> list:
    return list(bibtex.parse(text.splitlines(keepends=True), "test.bib"))


@pytest.fixture(scope="module")
def sample() -> list:
    with open(SAMPLES / "sample.bib", encoding="utf-8") as f:
        return list(bibtex.parse(f, "sample.bib"))


def test_sample_entries_and_lines(sample: list) -> None:
    assert all(isinstance(r, Parsed) for r in sample)
    assert [r.line for r in sample] == [11, 25, 32, 56, 66, 78, 87, 95, 105]
    assert [r.paper.arxiv_id for r in sample] == [
        "2503.11742", "2503.12028", "2412.13395", "2412.18708", "2503.14919",
        "2503.12087", "2503.12102", "2503.12284", "2503.15457",
    ]
    assert all(r.paper.sources == () for r in sample)


def test_zotero_entry(sample: list) -> None:
    p = sample[0].paper
    assert p.title == "Safe Vision-Language Models via Unsafe Weights Manipulation"
    assert p.authors == (
        "D'Incà, Moreno", "Peruzzo, Elia", "Xu, Xingqian", "Shi, Humphrey", "Sebe, Nicu",
        "Mancini, Massimiliano",
    )
    assert p.doi == "10.48550/arXiv.2503.11742"
    assert p.date == "2025-03"  # month = mar (a @string macro)
    assert p.url == "http://arxiv.org/abs/2503.11742"
    assert p.categories == ()  # Zotero's "Computer Science - ..." keywords are not arXiv codes
    assert p.venue is None
    assert p.abstract.startswith("Vision-language models (VLMs) often inherit the biases")
    assert p.abstract.endswith("outperforming even training-based state-of-the-art methods on safe ones.")


def test_google_scholar_entry(sample: list) -> None:
    p = sample[1].paper
    assert p.title == "Challenges in Plane Symmetry: From Theory to Perception"
    assert p.authors == ("Çengel, F", "Adanova, V", "Tari, S")
    assert p.arxiv_id == "2503.12028"  # from journal = {arXiv preprint arXiv:2503.12028}
    assert p.venue is None
    assert p.date == "2025"


def test_dblp_entry(sample: list) -> None:
    p = sample[2].paper
    assert p.title == "Enhancing Talk Moves Analysis in Mathematics Tutoring through Classroom Teaching Discourse"
    assert p.authors[0] == "Jie Cao" and p.authors[-1] == "James H. Martin" and len(p.authors) == 10
    assert p.doi == "10.48550/ARXIV.2412.13395"
    assert p.venue is None  # CoRR is arXiv
    assert p.date == "2024"


def test_arxiv_export_and_keywords(sample: list) -> None:
    cag, genm = sample[3].paper, sample[4].paper
    assert cag.title == "CAG: Chunked Augmented Generation for Google Chrome's Built-in Gemini Nano"
    assert cag.authors == ("Vivek Vellaiyappan Surulimuthu", "Aditya Karnam Gururaj Rao")
    assert cag.categories == ("cs.AI",)  # primaryClass
    assert genm.title == (
        "GenM$^3$: Generative Pretrained Multi-path Motion Model for Text Conditional Human Motion Generation"
    )
    assert genm.categories == ("cs.CV",)  # keywords that are arXiv codes
    assert "(GenM$^3$)" in genm.abstract  # math kept as-is, dollars included


def test_biblatex_and_accents(sample: list) -> None:
    jansen, perez, redi, dimo = (r.paper for r in sample[5:])
    assert jansen.date == "2025-03-18"
    assert jansen.authors[-1] == "Išgum, Ivana"
    assert jansen.categories == ("cs.CV",)
    assert perez.authors[:2] == ("Pérez-Toro, Paula Andrea", "Arias-Vergara, Tomás")
    assert "Nöth, Elmar" in perez.authors
    assert perez.title.endswith("for Vocal Tract MRI")
    assert redi.title == "REdiSplats: Ray Tracing for Editable Gaussian Splatting"
    assert redi.authors[1:3] == ("Wilczyński, Grzegorz", "Smolak-Dyżewska, Weronika")
    assert dimo.title == "Di$\\mathtt{[M]}$O: Distilling Masked Diffusion Models into One-step Generator"
    assert dimo.authors[2] == "Lathuilière, Stéphane"


def test_entry_without_title_or_ids_is_rejected() -> None:
    records = parse_text(
        "@misc{todo,\n  note = {read later},\n  year = 2024\n}\n\n@article{ok, title = {Kept}}\n"
    )
    assert isinstance(records[0], Rejected) and records[0].line == 1
    assert "todo" in records[0].reason
    assert isinstance(records[1], Parsed) and records[1].line == 6
    assert records[1].paper.title == "Kept"


def test_entry_with_only_an_id_is_kept() -> None:
    (rec,) = parse_text("@misc{x, eprint = {hep-th/9901001v3}, archivePrefix = {arXiv}}\n")
    assert isinstance(rec, Parsed)
    assert rec.paper.title == ""
    assert rec.paper.arxiv_id == "hep-th/9901001v3" and rec.paper.version == 3


def test_unreadable_entry_is_rejected_and_rest_parsed() -> None:
    text = "@article{a, title={First}}\n\n@article{broken title={x}}\n\n@book{c, title = {After}}\n"
    records = parse_text(text)
    assert [(type(r).__name__, r.line) for r in records] == [
        ("Parsed", 1), ("Rejected", 3), ("Parsed", 5),
    ]
    assert "@article{broken" in records[1].reason


def test_not_bibtex_raises() -> None:
    with pytest.raises(InputError) as err:
        parse_text("\nThis is just a note about papers,\nnot a bibliography.\n")
    assert err.value.line == 2


def test_comments_strings_and_empty_are_fine() -> None:
    assert parse_text("% only a comment\n@string{x = \"y\"}\n@comment{nothing}\n") == []
    assert parse_text("") == []


def test_duplicate_keys_get_their_own_lines() -> None:
    records = parse_text("@article{a, title={One}}\n\n@article{a, title={Two}}\n")
    assert [(r.line, r.paper.title) for r in records] == [(1, "One"), (3, "Two")]


def test_fields_mapping_details() -> None:
    text = r"""@inproceedings{k,
  title = {{BERT}: \emph{Pre-training} of ``Deep'' Bidirectional Transformers --- a {\"U}bersicht},
  author = {Devlin, Jacob and {Google AI Language} and {Barnes and Noble} and others},
  booktitle = {Proceedings of NAACL},
  month = {6},
  year = {2019},
  day = {2},
  doi = {https://doi.org/10.18653/v1/N19-1423},
  keywords = {cs.CL, deep learning; stat.ML},
  abstract = {We use $x_i^2$ and 50\% \& more, see \url{https://x.org/~a_b}.},
  journal = undefinedmacro,
}
"""
    (rec,) = parse_text(text)
    p = rec.paper
    assert p.title == "BERT: Pre-training of “Deep” Bidirectional Transformers — a Übersicht"
    assert p.authors == ("Devlin, Jacob", "Google AI Language", "Barnes and Noble")
    assert p.venue == "undefinedmacro"  # journal first; an undefined @string stays as its name
    assert p.date == "2019-06-02"
    assert p.doi == "10.18653/v1/N19-1423"
    assert p.categories == ("cs.CL", "stat.ML")
    assert p.abstract == "We use $x_i^2$ and 50% & more, see https://x.org/~a_b."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r'Sch{\"o}n', "Schön"),
        (r"Caf\'e \c{c}a Stra\ss e {\aa}ngstr{\"o}m Espa\~na", "Café ça Straße ångström España"),
        (r"\'{\i}ndice \v{S}koda Wroc{\l}aw \L{}\'od\'z", "índice Škoda Wrocław Łódź"),
        (r"pages 1--2, a---b", "pages 1–2, a—b"),
        (r"\textit{it} {\em em} \textbf{bf}", "it em bf"),
        (r"Di$\mathtt{[M]}$O", r"Di$\mathtt{[M]}$O"),
        (r"cost \$5, 3\% \& \#1", "cost $5, 3% & #1"),
        (r"\href{https://x}{link text}\cite{foo}", "link text"),
        (r"\unknown{arg} stays", r"\unknown{arg} stays"),
        ("plain text", "plain text"),
        ("unbalanced { brace and $ dollar", "unbalanced  brace and $ dollar"),
    ],
)
def test_latex_to_text(raw: str, expected: str) -> None:
    assert latex_to_text(raw) == expected


def test_id_and_date_helpers() -> None:
    assert find_arxiv_id("see https://arxiv.org/pdf/2401.01234v2.pdf") == "2401.01234v2"
    assert as_arxiv_id("arXiv:math.GT/0309136") == "math.GT/0309136"
    assert as_arxiv_id("2401.01234 is great") is None
    assert arxiv_version("hep-th/9901001v12") == 12 and arxiv_version("2401.01234") is None
    assert arxiv_from_doi("10.48550/ARXIV.2401.01234") == "2401.01234"
    assert iso_date("Mon, 2 Apr 2007 19:18:42 GMT") == "2007-04-02"
    assert iso_date("2024-01-02T18:00:00Z") == "2024-01-02"
    assert iso_date("Jan 5, 2024") == "2024-01-05"
    assert iso_date("March 2024") == "2024-03"
    assert iso_date("2024") == "2024"
    assert iso_date("2024-13-01") is None and iso_date("soon") is None
