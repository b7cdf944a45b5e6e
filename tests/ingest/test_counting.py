"""Counting an input's records from its bytes (ingest's progress total): the real samples, and every
way a file can be cut into chunks (hypothesis)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.export import paper_dict, write_bibtex, write_csv, write_jsonl
from paperfeed.ingest.counting import count_records
from paperfeed.models import Paper

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "formats"


@pytest.mark.parametrize(("name", "fmt", "expected"), [
    ("sample-atom.xml", "atom", 6),
    ("sample-oai-arXiv.xml", "oai", 6),  # five papers and one deleted record
    ("sample-oai-arXivRaw.xml", "oai", 5),
    ("sample.bib", "bibtex", 9),  # @string and @comment entries are not records
    ("sample.csv", "csv", 7),
    ("sample.tsv", "tsv", 6),
])
def test_the_samples(name: str, fmt: str, expected: int) -> None:
    assert count_records(str(SAMPLES / name), fmt) == expected
    assert count_records(str(SAMPLES / name), fmt, chunk=5) == expected


def test_pasted_text_and_stdin_have_no_count(tmp_path: Path) -> None:
    assert count_records(str(SAMPLES / "pasted-arxiv-listing.txt"), "text") is None
    assert count_records("-", "jsonl") is None


def test_a_last_line_without_newline_and_an_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_bytes(b'{"title": "a"}\n{"title": "b"}')
    assert count_records(str(f), "jsonl") == 2
    f.write_bytes(b"")
    assert count_records(str(f), "jsonl") == 0
    assert count_records(str(f), "csv") == 0


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\n\r@<\x00"), min_size=1, max_size=40)
_PAPER = st.builds(Paper, title=_TEXT, abstract=_TEXT, authors=st.lists(_TEXT, max_size=3).map(tuple),
                   arxiv_id=st.none() | st.from_regex(r"\A2[0-9]{3}\.[0-9]{5}\Z"))


def _json_array(papers: list[Paper], out: io.StringIO) -> None:
    json.dump([paper_dict(p) for p in papers], out, indent=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(papers=st.lists(_PAPER, max_size=25), fmt=st.sampled_from(["jsonl", "bibtex", "csv", "json"]),
       chunk=st.integers(1, 400), gz=st.booleans())
def test_exported_files_count_exactly_in_any_chunking(tmp_path: Path, papers: list[Paper], fmt: str, chunk: int,
                                                      gz: bool) -> None:
    out = io.StringIO()
    {"jsonl": write_jsonl, "bibtex": write_bibtex, "csv": write_csv, "json": _json_array}[fmt](papers, out)
    data = out.getvalue().encode()
    f = tmp_path / ("listing.gz" if gz else "listing")
    f.write_bytes(gzip.compress(data) if gz else data)
    assert count_records(str(f), fmt, chunk=chunk) == len(papers)
