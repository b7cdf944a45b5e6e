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


def plain_entry(key: str, title: str, abstract: str = "We study sparse attention.") -> str:
    """An entry as Zotero exports a workshop paper: no DOI, no arXiv id, only its citation key."""
    return (f"@inproceedings{{{key},\n  title = {{{title}}},\n  author = {{Doe, Jane}},\n"
            f"  booktitle = {{Workshop on Sparse Models}},\n  year = {{2025}},\n  abstract = {{{abstract}}},\n}}\n\n")


def test_an_entry_without_doi_keeps_its_paper_when_its_title_is_rewritten(lib: Library, tmp_path: Path) -> None:
    """Without a DOI or arXiv id the citation key identifies the entry: a title rewritten in the
    reference manager (too different for the fuzzy title match) updates the paper, not a second one."""
    titles = ["Sparse attention for parsing", "Graph kernels in the wild", "A note on beam search"]
    path = bib(tmp_path / "lib.bib", [plain_entry(f"doe2025{i}", t) for i, t in enumerate(titles)])
    assert counts(lib.ingest([path])) == (3, 0, 0)
    keys = {p.key for p in lib.store.papers_by_ids([1, 2, 3])}
    titles[1] = "Message passing networks learn chemistry from ten molecules"
    bib(tmp_path / "lib.bib", [plain_entry(f"doe2025{i}", t) for i, t in enumerate(titles)])
    assert counts(lib.ingest([path])) == (0, 1, 2)
    assert {p.key for p in lib.store.papers_by_ids([1, 2, 3])} == keys  # the paper keeps its key
    assert sorted(p.title for p in lib.store.papers_by_ids(list(range(1, lib.store.max_id() + 1)))) == sorted(titles)
    assert lib.store.count() == 3


def test_a_citation_key_used_twice_identifies_neither_entry(lib: Library, tmp_path: Path) -> None:
    """Two different papers under one key (JabRef warns, but saves it) stay two papers, and editing one
    leaves the other as it was."""
    path = bib(tmp_path / "lib.bib", [plain_entry("doe2025", "Sparse attention for parsing"),
                                      plain_entry("DOE2025", "Graph kernels in the wild")])
    assert counts(lib.ingest([path])) == (2, 0, 0)
    bib(tmp_path / "lib.bib", [plain_entry("doe2025", "Sparse attention for parsing"),
                               plain_entry("DOE2025", "Graph kernels in the wild", "Kernels on graphs, revisited.")])
    assert counts(lib.ingest([path])) == (0, 1, 1)
    by_title = {p.title: p.abstract for p in lib.store.papers_by_ids(list(range(1, lib.store.max_id() + 1)))}
    assert by_title == {"Sparse attention for parsing": "We study sparse attention.",
                        "Graph kernels in the wild": "Kernels on graphs, revisited."}


def test_the_citation_key_is_the_record_key_only_without_doi_or_arxiv_id() -> None:
    text = (plain_entry("plain1", "Sparse attention for parsing") + entry(7)
            + plain_entry("Plain1", "Graph kernels in the wild") + plain_entry("plain2", "A note on beam search"))
    keys = [r.key for r in bibtex.parse([text], "x.bib")]
    assert keys == [None, None, None, "bibtex:plain2"]  # plain1 names two entries, doe7 has a DOI


def test_a_citation_key_reused_for_another_paper_does_not_take_over_the_old_one(
        lib: Library, tmp_path: Path) -> None:
    """The old entry deleted and a different paper given the same key (a generated "doe2025"): the new
    one is a paper of its own, and the old paper keeps its title and abstract."""
    path = bib(tmp_path / "lib.bib", [plain_entry("doe2025", "Sparse attention for parsing")])
    lib.ingest([path])
    other = plain_entry("doe2025", "Graph kernels in the wild", "Kernels on graphs.").replace(
        "Doe, Jane", "Smith, Ann and Lee, Bo")
    bib(tmp_path / "lib.bib", [other])
    assert counts(lib.ingest([path])) == (1, 0, 0)
    by_title = {p.title: p.abstract for p in lib.store.papers_by_ids([1, 2])}
    assert by_title == {"Sparse attention for parsing": "We study sparse attention.",
                        "Graph kernels in the wild": "Kernels on graphs."}
