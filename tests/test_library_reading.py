"""Reading list, tags, alerts, feed tokens and default profiles through the Library, on SQLite and on
a real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperfeed.config import load_settings
from paperfeed.errors import NotFound, PaperfeedError
from paperfeed.library import Library


def _record(n: int, title: str, abstract: str, day: str = "2026-03-01") -> dict:
    return {"id": f"2603.{n:05d}", "title": title, "abstract": abstract, "authors": ["Ada Lovelace"],
            "categories": ["cs.LG"], "date": day}


RECORDS = [
    _record(1, "Graph neural networks for molecules", "Message passing over atoms and bonds predicts properties."),
    _record(2, "KV cache compression", "Evicting keys and values shortens long-context decoding."),
    _record(3, "Robot grasping from video", "A gripper learns grasps from human video."),
]


def ingest(lib: Library, tmp_path: Path, records: list[dict], name: str = "papers.jsonl") -> None:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    lib.ingest([str(path)])


@pytest.fixture
def rlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> Library:
    monkeypatch.setenv("PAPERFEED_MODEL", "test-hashing-64")
    lib = Library(load_settings(store_url, model_id="test-hashing-64"))
    ingest(lib, tmp_path, RECORDS)
    lib.embed_pending()
    lib.create_profile("jane", interests="graph neural networks")
    lib.create_profile("kim", interests="robots")
    yield lib
    lib.close()


def test_reading_list_is_separate_from_likes_and_idempotent(rlib: Library) -> None:
    assert rlib.save("jane", "arxiv:2603.00001") is True
    assert rlib.save("jane", "arxiv:2603.00001") is False  # saving twice changes nothing
    rlib.save("jane", "2603.00002")
    assert [p.key for p in rlib.reading_list("jane")] == ["arxiv:2603.00002", "arxiv:2603.00001"]
    rec = rlib.profile("jane")
    assert rec["liked"] == [] and rec["disliked"] == []
    assert rlib.reading_list("kim") == []
    assert rlib.save("jane", "arxiv:2603.00002", on=False) is True
    assert [p.key for p in rlib.reading_list("jane")] == ["arxiv:2603.00001"]


def test_unknown_paper_or_profile_is_refused(rlib: Library) -> None:
    with pytest.raises(NotFound, match="no paper"):
        rlib.save("jane", "arxiv:9999.99999")
    with pytest.raises(NotFound, match="no profile"):
        rlib.save("nobody", "arxiv:2603.00001")


def test_tags_and_bibtex_export(rlib: Library) -> None:
    assert rlib.tag("jane", "arxiv:2603.00001", ["Survey", "to-read"]) == ["survey", "to-read"]
    rlib.tag("jane", "arxiv:2603.00002", ["to-read"])
    assert rlib.tags("jane") == [("survey", 1), ("to-read", 2)]
    assert rlib.tag("jane", "arxiv:2603.00001", ["survey"], remove=True) == ["to-read"]
    assert {p.key for p in rlib.reading_list("jane", tag="to-read")} == {"arxiv:2603.00001", "arxiv:2603.00002"}
    bib = rlib.export_bibtex("jane", tag="to-read")
    assert bib.count("@") == 2 and "KV cache compression" in bib and "Graph neural networks" in bib
    assert rlib.export_bibtex("jane") == ""  # nothing saved for later: tags do not save
    marks = rlib.reading_marks("jane", ["arxiv:2603.00001", "arxiv:2603.00003"])
    assert marks["arxiv:2603.00001"] == {"saved": False, "tags": ["to-read"]}
    assert marks["arxiv:2603.00003"] == {"saved": False, "tags": []}


@pytest.mark.parametrize("bad", ["", "two words", "x" * 41, "semi;colon"])
def test_bad_tag_is_a_clear_error_and_writes_nothing(rlib: Library, bad: str) -> None:
    with pytest.raises(PaperfeedError, match="tag"):
        rlib.tag("jane", "arxiv:2603.00001", ["ok", bad])
    assert rlib.tags("jane") == []


def test_alert_matches_only_papers_added_after_it(rlib: Library, tmp_path: Path) -> None:
    a = rlib.add_alert("jane", "gnn", "graph neural")
    assert a["query"] == "graph neural" and a["profile"] == "jane"
    assert rlib.alert_hits(a) == []  # the graph paper was there before the alert
    ingest(rlib, tmp_path, [_record(4, "Graph neural networks for proteins", "Message passing on residues."),
                            _record(5, "Diffusion for images", "Denoising in pixel space.")], "new.jsonl")
    hits = rlib.alert_hits(a)
    assert [h.key for h in hits] == ["arxiv:2603.00004"]
    assert hits[0].why.startswith("alert 'gnn'")


def test_alert_names_and_queries_are_checked(rlib: Library) -> None:
    rlib.add_alert("jane", "gnn", "graph")
    with pytest.raises(PaperfeedError, match="already has an alert"):
        rlib.add_alert("jane", "gnn", "other")
    with pytest.raises(PaperfeedError, match="empty query"):
        rlib.add_alert("jane", "blank", "   ")
    with pytest.raises(PaperfeedError, match="invalid alert name"):
        rlib.add_alert("jane", "a/b", "graph")
    rlib.add_alert("kim", "gnn", "graph")  # the same name in another profile is fine
    assert [(a["profile"], a["name"]) for a in rlib.alerts()] == [("jane", "gnn"), ("kim", "gnn")]
    rlib.remove_alert("jane", "gnn")
    with pytest.raises(NotFound):
        rlib.remove_alert("jane", "gnn")
    assert [a["profile"] for a in rlib.alerts()] == ["kim"]


def test_alert_matches_reach_the_digest_once(rlib: Library, tmp_path: Path) -> None:
    rlib.add_alert("kim", "gnn", "graph neural")
    ingest(rlib, tmp_path, [_record(4, "Graph neural networks for proteins", "Message passing on residues.",
                                    day="2020-01-01")], "new.jsonl")  # too old for the feed's window
    rlib.embed_pending()
    keys = [h.key for h in rlib.delivery.digest_hits("kim")]
    assert keys.count("arxiv:2603.00004") == 1
    out = rlib.delivery.digest("kim")
    assert "Graph neural networks for proteins" in out.message.get_body(("plain",)).get_content()
    rlib.delivery.mark_seen("kim", [("arxiv:2603.00004", "")])
    assert "arxiv:2603.00004" not in [h.key for h in rlib.delivery.digest_hits("kim")]


def test_feed_tokens_open_one_profile_and_can_be_replaced(rlib: Library) -> None:
    assert rlib.feed_token("jane") is None
    t1 = rlib.reset_feed_token("jane")
    assert rlib.feed_token("jane") == t1 and len(t1) >= 40
    assert rlib.profile_for_feed_token(t1) == "jane"
    t2 = rlib.reset_feed_token("jane")
    assert t2 != t1 and rlib.profile_for_feed_token(t1) is None and rlib.profile_for_feed_token(t2) == "jane"
    assert rlib.profile_for_feed_token("") is None
    a = rlib.add_alert("jane", "gnn", "graph")
    assert rlib.alert_for_feed_token(a["token"])["name"] == "gnn"
    assert rlib.alert_for_feed_token(t2) is None


def test_default_profile_per_user(rlib: Library) -> None:
    assert rlib.default_profile(None) is None
    rlib.set_default_profile(None, "kim")
    rlib.set_default_profile(7, "jane")
    assert rlib.default_profile(None) == "kim" and rlib.default_profile(7) == "jane"
    rlib.set_default_profile(None, "jane")
    assert rlib.default_profile(None) == "jane"
    rlib.delete_profile("jane")
    assert rlib.default_profile(None) is None and rlib.default_profile(7) is None


def test_deleting_a_profile_removes_its_reading_state(rlib: Library, tmp_path: Path) -> None:
    rlib.save("jane", "arxiv:2603.00001")
    rlib.tag("jane", "arxiv:2603.00001", ["x"])
    rlib.add_alert("jane", "gnn", "graph")
    rlib.reset_feed_token("jane")
    rlib.delete_profile("jane")
    counts = rlib.store.table_counts()
    for table in ("reading_list", "paper_tags", "alerts", "feed_tokens", "default_profiles"):
        assert counts[table] == 0, table
