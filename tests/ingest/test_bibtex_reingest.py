"""Re-ingesting a BibTeX file (a reference manager's auto-export, rewritten whole on every change):
unchanged entries are recognised by their text, unparsed; edits, macro changes and errors still tell."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.config import load_settings
from paperfeed.ingest import bibtex
from paperfeed.library import Library

HEADER = "@comment{jabref-meta: databaseType:bibtex;}\n\n@string{acl = {Proceedings of ACL}}\n\n"


def entry(i: int, abstract: str = "We study sparse attention.", venue: str = "acl") -> str:
    return (f"@inproceedings{{doe{i},\n  title = {{Sparse attention, study {i}}},\n"
            f"  author = {{Doe, Jane and Roe, Rick{i}}},\n  booktitle = {venue},\n  year = {{2025}},\n"
            f"  abstract = {{{abstract}}},\n  doi = {{10.1000/x{i}}},\n}}\n\n")


LONGER = "We study sparse attention over long documents, and correct the numbers of the first version."


def bib(path: Path, entries: list[str], header: str = HEADER) -> str:
    path.write_text(header + "".join(entries), encoding="utf-8")
    return str(path)


def counts(report) -> tuple[int, int, int]:
    return report.added, report.updated, report.unchanged


def test_unchanged_entries_are_recognised_unparsed_and_their_ids_reported(
        lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = bib(tmp_path / "My Library.bib", [entry(i) for i in range(30)])
    first = lib.ingest([path], collect_ids=True)
    assert counts(first) == (30, 0, 0)
    parsed: list[str] = []
    load = bibtex._load
    monkeypatch.setattr(bibtex, "_load", lambda text, source: parsed.append(text) or load(text, source))
    again = lib.ingest([path], collect_ids=True)
    assert counts(again) == (0, 0, 30)
    assert sorted(again.ids) == sorted(first.ids)
    assert "@inproceedings" not in "".join(parsed)  # bibtexparser saw only the header


def test_an_edited_entry_is_updated_and_the_rest_stay(lib: Library, tmp_path: Path) -> None:
    path = bib(tmp_path / "lib.bib", [entry(i) for i in range(10)])
    lib.ingest([path])
    bib(tmp_path / "lib.bib", [entry(i, LONGER) if i == 4 else entry(i) for i in range(10)] + [entry(10)])
    assert counts(lib.ingest([path])) == (1, 1, 9)
    assert lib.store.get("doi:10.1000/x4").abstract == LONGER


def test_a_changed_string_macro_rereads_every_entry(lib: Library, tmp_path: Path) -> None:
    path = bib(tmp_path / "lib.bib", [entry(i) for i in range(5)])
    lib.ingest([path])
    bib(tmp_path / "lib.bib", [entry(i) for i in range(5)],
        header=HEADER.replace("Proceedings of ACL", "Proceedings of the 63rd ACL"))
    assert counts(lib.ingest([path])) == (0, 5, 0)
    assert lib.store.get("doi:10.1000/x2").venue == "Proceedings of the 63rd ACL"


def test_a_bad_entry_after_unchanged_ones_keeps_its_line(lib: Library, tmp_path: Path) -> None:
    good = [entry(i) for i in range(6)]
    path = bib(tmp_path / "lib.bib", good)
    lib.ingest([path])
    broken = "@article{broken,\n  title = {Unclosed\n\n"
    bib(tmp_path / "lib.bib", good + [broken])
    line = (HEADER + "".join(good)).count("\n") + 1
    report = lib.ingest([path])
    assert counts(report) == (0, 0, 6)
    assert [r["line"] for r in report.rejected] == [line]


_EDITS = st.lists(st.sampled_from(["keep", "edit", "drop"]), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_EDITS, macro=st.booleans())
def test_reingest_after_any_edits_matches_a_fresh_ingest(tmp_path_factory, edits: list[str], macro: bool) -> None:
    """Whatever changed, the library ends as a fresh ingest of the new file would leave it."""
    home = tmp_path_factory.mktemp("reingest")
    old = [entry(i) for i in range(len(edits))]
    new = [entry(i, f"{LONGER} Take {i}.") if e == "edit" else entry(i)
           for i, e in enumerate(edits) if e != "drop"]
    header = HEADER.replace("ACL", "EMNLP") if macro else HEADER
    lib, fresh = Library(load_settings(home / "a.db")), Library(load_settings(home / "b.db"))
    try:
        lib.ingest([bib(home / "lib.bib", old)])
        report = lib.ingest([bib(home / "lib.bib", new, header)])
        assert report.unchanged == (0 if macro else edits.count("keep"))
        fresh.ingest([bib(home / "new.bib", new, header)])
        mine = {p.doi: (p.title, p.abstract, p.venue) for p in lib.recent(limit=100)}
        theirs = {p.doi: (p.title, p.abstract, p.venue) for p in fresh.recent(limit=100)}
        assert {d: mine[d] for d in theirs} == theirs  # dropped entries stay in the library, as with JSON Lines
    finally:
        lib.close()
        fresh.close()


def test_a_corrected_title_replaces_the_old_one_when_this_file_is_its_only_source(
        lib: Library, tmp_path: Path) -> None:
    """A fix made in the reference manager shows: the file is the paper's only source, so its revised
    record supersedes the stored one instead of being merged into it (where the first title would stay)."""
    path = bib(tmp_path / "lib.bib", [entry(i) for i in range(3)])
    lib.ingest([path])
    fixed = entry(1).replace("Sparse attention, study 1", "Sparse Attention for Long Documents")
    fixed = fixed.replace("We study sparse attention.", "Sparse attention.")  # shorter: still the new text
    bib(tmp_path / "lib.bib", [entry(0), fixed, entry(2)])
    assert counts(lib.ingest([path])) == (0, 1, 2)
    p = lib.store.get("doi:10.1000/x1")
    assert (p.title, p.abstract) == ("Sparse Attention for Long Documents", "Sparse attention.")


def test_a_paper_known_from_another_source_too_is_still_merged(lib: Library, tmp_path: Path) -> None:
    """With a second source, an edit in one is not a correction of the paper: the merge keeps the
    richest value of each field."""
    path = bib(tmp_path / "lib.bib", [entry(1)])
    lib.ingest([path])
    other = tmp_path / "colleague.bib"
    other.write_text(entry(1, LONGER), encoding="utf-8")
    lib.ingest([str(other)])
    bib(tmp_path / "lib.bib", [entry(1).replace("Sparse attention, study 1", "Another title")])
    lib.ingest([path])
    p = lib.store.get("doi:10.1000/x1")
    assert (p.title, p.abstract) == ("Sparse attention, study 1", LONGER)
