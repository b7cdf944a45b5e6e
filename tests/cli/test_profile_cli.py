"""profile create/list/show/delete/remove, feed, like/dislike/unlike, mute/unmute through the real entry point."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperfeed.cli import main

MODEL = "test-hashing-64"
SAMPLE_BIB = Path(__file__).parents[2] / "samples" / "formats" / "sample.bib"

PAPERS = [
    ("2601.00001", "Streaming Speech Recognition with Chunked Conformers",
     "A streaming automatic speech recognition model processes audio in chunks and lowers latency.",
     ["Alice Nguyen"], ["eess.AS", "cs.CL"], "2026-01-05"),
    ("2601.00002", "Accent Adaptation for Speech Recognition",
     "Adapter layers reduce the word error rate of speech recognition for accented speakers.",
     ["Alice Nguyen", "Rahul Mehta"], ["cs.CL", "eess.AS"], "2026-02-05"),
    ("2601.00003", "Self-Supervised Pretraining for Low-Resource Speech Recognition",
     "Pretraining on unlabeled audio lowers the word error rate of speech recognition in new languages.",
     ["Amara Okafor"], ["cs.CL", "eess.AS"], "2026-03-05"),
    ("2601.00004", "Speech Recognition in Noisy Meetings",
     "Speech enhancement before recognition lowers the word error rate on noisy meeting audio.",
     ["Jonas Weber", "Alice Nguyen"], ["eess.AS"], "2026-04-05"),
    ("2602.00001", "Tactile Slip Detection for Robot Grippers",
     "Tactile sensors on the gripper detect slip before the grasped object falls.", ["Tomás García"],
     ["cs.RO"], "2026-01-10"),
    ("2602.00002", "Dexterous Grasping from Human Video",
     "A robot hand learns grasping from videos of people picking up household objects.",
     ["Lena Fischer", "Tomás García"], ["cs.RO", "cs.CV"], "2026-02-10"),
    ("2602.00003", "Sim-to-Real Transfer of Grasping Policies",
     "Domain randomization in simulation yields robot grasping policies that work on a real arm.",
     ["Lena Fischer"], ["cs.RO", "cs.LG"], "2026-03-10"),
    ("2602.00004", "Grasp Planning in Cluttered Bins",
     "A grasp planner scores robot gripper grasps on depth images of cluttered bins.", ["Tomas Garcia"],
     ["cs.RO"], "2026-04-10"),
    ("2603.00001", "Session-Based Recommendation with Graph Neural Networks",
     "Clicked items in a session form a graph; a graph neural network recommends the next item.",
     ["Wei Zhang"], ["cs.IR", "cs.LG"], "2026-01-15"),
    ("2603.00002", "Debiasing Implicit Feedback for Recommender Systems",
     "Inverse propensity weighting corrects position bias in clicks for recommender training.",
     ["Wei Zhang", "Priya Sharma"], ["cs.IR"], "2026-02-15"),
    ("2603.00003", "Matrix Factorization Baselines for Implicit Feedback",
     "Tuned matrix factorization remains a strong recommendation baseline for implicit feedback.",
     ["Priya Sharma"], ["cs.IR"], "2026-03-15"),
    ("2603.00004", "Two-Tower Retrieval for Item Recommendation",
     "A two-tower network embeds users and items for fast candidate retrieval in a recommender.",
     ["Priya Sharma"], ["cs.IR", "cs.LG"], "2026-04-15"),
]
SPEECH = [f"arxiv:{p[0]}" for p in PAPERS[:4]]
ROBOTS = [f"arxiv:{p[0]}" for p in PAPERS[4:8]]
RECSYS = [f"arxiv:{p[0]}" for p in PAPERS[8:]]


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"PAPERFEED_MODEL": MODEL})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(
        json.dumps({"id": i, "title": t, "abstract": a, "authors": au, "categories": c, "date": d}) + "\n"
        for i, t, a, au, c, d in PAPERS), encoding="utf-8")
    db = tmp_path / "lib.db"
    r = run("--db", db, "ingest", "--json", path)
    assert r.exit_code == 0, r.output
    ok(run("--db", db, "config", "set", "feed.days", "3650"))  # the corpus spans months; the default is a week
    return db


def ok(r: Result) -> Result:
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


def ok_json(r: Result):
    return json.loads(ok(r).stdout)


def assert_one_line_error(r: Result, *needles: str) -> None:
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    for n in needles:
        assert n in lines[0]


def feed_keys(db: Path, name: str, *extra: str) -> list[str]:
    hits = ok_json(run("--db", db, "feed", name, "--json", "--limit", "50", *extra))
    for h in hits:
        assert {"key", "title", "score", "why"} <= set(h) and h["why"]
    return [h["key"] for h in hits]


def table_count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ---- create -------------------------------------------------------------------------------------


def test_create_with_keys_and_show(db: Path) -> None:
    res = ok_json(run("--db", db, "profile", "create", "asr", "--keys", SPEECH[0], "--keys",
                      f"{SPEECH[1]} {SPEECH[2]}", "--interests", "speech recognition", "--json"))
    assert res["profile"] == "asr" and res["papers_added"] == 3
    assert res["from_files"] is None and res["author_match_count"] == 0
    shown = ok_json(run("--db", db, "profile", "show", "asr", "--json"))
    assert [p["key"] for p in shown["papers"]] == SPEECH[:3]
    assert shown["interests"] == "speech recognition"
    assert (shown["liked"], shown["disliked"], shown["muted_authors"], shown["muted_categories"]) == ([], [], [], [])
    assert not any(k.endswith("_ids") for k in shown)


def test_create_text_output(db: Path) -> None:
    r = ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0], "--author", "Lena Fischer"))
    assert "profile robo: 3 papers added" in r.stdout
    assert "author Lena Fischer: 2 papers match\n  arxiv:2602.00002  Dexterous Grasping from Human Video" in r.stdout


def test_create_from_bib_file_ingests_and_owns(db: Path) -> None:
    before = ok_json(run("--db", db, "stats", "--json"))["papers"]
    res = ok_json(run("--db", db, "profile", "create", "me", "--from", SAMPLE_BIB, "--json"))
    files = res["from_files"]
    assert files["added"] >= 5 and files["files"][0]["format"] == "bibtex"
    assert res["papers_added"] == files["added"] + files["updated"] + files["unchanged"]
    assert ok_json(run("--db", db, "stats", "--json"))["papers"] == before + files["added"]
    shown = ok_json(run("--db", db, "profile", "show", "me", "--json"))
    assert len(shown["papers"]) == res["papers_added"]
    assert "Safe Vision-Language Models via Unsafe Weights Manipulation" in {p["title"] for p in shown["papers"]}
    keys = feed_keys(db, "me")
    assert keys and not set(keys) & {p["key"] for p in shown["papers"]}


def test_create_with_author_matches_normalised_names(db: Path) -> None:
    res = ok_json(run("--db", db, "profile", "create", "tg", "--author", "TOMAS GARCÍA", "--json"))
    assert res["author_match_count"] == 3
    assert set(res["author_matches"]) == {"arxiv:2602.00001", "arxiv:2602.00002", "arxiv:2602.00004"}
    shown = ok_json(run("--db", db, "profile", "show", "tg", "--json"))
    assert shown["authors"] == ["TOMAS GARCÍA"]
    assert {p["key"] for p in shown["papers"]} == set(res["author_matches"])


def test_create_with_unknown_key_writes_nothing(db: Path) -> None:
    papers = table_count(db, "papers")
    r = run("--db", db, "profile", "create", "x", "--keys", f"{SPEECH[0]} arxiv:2999.99999", "--from", SAMPLE_BIB)
    assert_one_line_error(r, "2999.99999")
    assert ok_json(run("--db", db, "profile", "list", "--json")) == []
    assert table_count(db, "papers") == papers and table_count(db, "profile_papers") == 0


def test_create_with_missing_file_is_a_clear_error(db: Path, tmp_path: Path) -> None:
    assert_one_line_error(run("--db", db, "profile", "create", "x", "--from", tmp_path / "nope.bib"), "nope.bib")


def test_create_extends_an_existing_profile(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "asr", "--keys", SPEECH[0]))
    res = ok_json(run("--db", db, "profile", "create", "asr", "--keys", f"{SPEECH[0]} {SPEECH[1]}", "--json"))
    assert res["papers_added"] == 1
    assert len(ok_json(run("--db", db, "profile", "show", "asr", "--json"))["papers"]) == 2


@pytest.mark.parametrize("name", ["", "a/b", "x" * 65])
def test_create_invalid_name(db: Path, name: str) -> None:
    assert_one_line_error(run("--db", db, "profile", "create", name, "--keys", SPEECH[0]), "invalid profile name")


# ---- list, show, delete, remove ------------------------------------------------------------------


def test_list(db: Path) -> None:
    assert "no profiles yet" in ok(run("--db", db, "profile", "list")).stdout
    ok(run("--db", db, "profile", "create", "b-robo", "--keys", ROBOTS[0]))
    ok(run("--db", db, "profile", "create", "a-asr", "--keys", f"{SPEECH[0]} {SPEECH[1]}"))
    ok(run("--db", db, "like", RECSYS[0], "--profile", "a-asr"))
    rows = ok_json(run("--db", db, "profile", "list", "--json"))
    assert [r["name"] for r in rows] == ["a-asr", "b-robo"]
    assert rows[0] == {"name": "a-asr", "papers": 2, "liked": 1, "disliked": 0, "interests": "", "email": None}
    text = ok(run("--db", db, "profile", "list")).stdout
    assert "a-asr  2 papers, 1 liked, 0 disliked" in text


def test_show_text(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "asr", "--keys", SPEECH[0], "--interests", "accents"))
    ok(run("--db", db, "mute-author", "Wei Zhang", "--profile", "asr"))
    out = ok(run("--db", db, "profile", "show", "asr")).stdout
    assert "interests: accents" in out and "papers (1)" in out
    assert "Streaming Speech Recognition with Chunked Conformers" in out
    assert "muted authors: Wei Zhang" in out


def test_delete_keeps_library_papers(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "asr", "--keys", f"{SPEECH[0]} {SPEECH[1]}"))
    ok(run("--db", db, "dislike", RECSYS[0], "--profile", "asr"))
    ok(run("--db", db, "mute-category", "cs.IR", "--profile", "asr"))
    assert "deleted profile asr" in ok(run("--db", db, "profile", "delete", "asr")).stdout
    assert ok_json(run("--db", db, "profile", "list", "--json")) == []
    assert ok_json(run("--db", db, "stats", "--json"))["papers"] == len(PAPERS)
    assert table_count(db, "feedback") == 0 and table_count(db, "profile_papers") == 0
    assert table_count(db, "mutes") == 0
    assert ok_json(run("--db", db, "show", SPEECH[0], "--json"))["key"] == SPEECH[0]


def test_remove_papers(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "asr", "--keys", f"{SPEECH[0]} {SPEECH[1]}"))
    assert "removed 1 papers from asr" in ok(run("--db", db, "profile", "remove", "asr", SPEECH[0])).stdout
    assert [p["key"] for p in ok_json(run("--db", db, "profile", "show", "asr", "--json"))["papers"]] == [SPEECH[1]]
    assert_one_line_error(run("--db", db, "profile", "remove", "asr", "arxiv:2999.99999"), "2999.99999")


@pytest.mark.parametrize("args", [
    ["profile", "show", "ghost"], ["profile", "delete", "ghost"], ["profile", "remove", "ghost", "arxiv:2601.00001"],
    ["feed", "ghost"], ["like", "arxiv:2601.00001", "--profile", "ghost"],
    ["dislike", "arxiv:2601.00001", "--profile", "ghost"], ["unlike", "arxiv:2601.00001", "--profile", "ghost"],
    ["mute-author", "Wei Zhang", "--profile", "ghost"], ["mute-category", "cs.IR", "--profile", "ghost"],
    ["unmute-author", "Wei Zhang", "--profile", "ghost"], ["unmute-category", "cs.IR", "--profile", "ghost"],
])
def test_unknown_profile_exits_2_with_one_line(db: Path, args: list[str]) -> None:
    assert_one_line_error(run("--db", db, *args), "ghost")


@pytest.mark.parametrize("action", ["like", "dislike", "unlike"])
def test_feedback_unknown_key_exits_2(db: Path, action: str) -> None:
    ok(run("--db", db, "profile", "create", "asr", "--keys", SPEECH[0]))
    assert_one_line_error(run("--db", db, action, "arxiv:2999.99999", "--profile", "asr"), "2999.99999")
    assert table_count(db, "feedback") == 0


# ---- feed ------------------------------------------------------------------------------------------


def test_feed_json_ranks_the_profile_topic_first(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", f"{ROBOTS[0]} {ROBOTS[1]}"))
    hits = ok_json(run("--db", db, "feed", "robo", "--json", "--limit", "5"))
    assert len(hits) == 5
    assert {h["key"] for h in hits[:2]} == set(ROBOTS[2:])
    assert all(h["why"].startswith("close to your paper") for h in hits)
    assert not {h["key"] for h in hits} & set(ROBOTS[:2])
    assert ok_json(run("--db", db, "feed", "robo", "--format", "json", "--limit", "5")) == hits


def test_feed_terminal_and_empty(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0]))
    out = ok(run("--db", db, "feed", "robo", "--limit", "3")).stdout
    assert "  1. " in out and "why: close to your paper" in out
    ok(run("--db", db, "profile", "create", "blank"))
    assert "nothing to recommend" in ok(run("--db", db, "feed", "blank")).stdout


@pytest.mark.parametrize("fmt", ["markdown", "bibtex", "atom"])
def test_feed_other_formats(db: Path, fmt: str) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0]))
    out = ok(run("--db", db, "feed", "robo", "--format", fmt, "--limit", "3")).stdout
    assert out.strip()


def test_feed_since_and_category(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0]))
    keys = feed_keys(db, "robo", "--since", "2026-03-01")
    assert set(keys) == {f"arxiv:{p[0]}" for p in PAPERS if p[5] >= "2026-03-01"}
    assert set(feed_keys(db, "robo", "--category", "cs.IR", "--until", "2026-02-28")) == set(RECSYS[:2])


def test_feed_date_option_is_validated(db: Path) -> None:
    """BUG (as for search): feed --since 2026-3-1 compares strings and silently drops every 2026-03 paper."""
    ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0]))
    r = run("--db", db, "feed", "robo", "--json", "--limit", "50", "--since", "2026-3-1")
    if r.exit_code == 2:
        assert_one_line_error(r, "2026-3-1")
        return
    hits = json.loads(ok(r).stdout)
    assert {h["key"] for h in hits} == set(feed_keys(db, "robo", "--since", "2026-03-01"))


def test_like_dislike_unlike(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", f"{ROBOTS[0]} {ROBOTS[1]}"))
    before = feed_keys(db, "robo")
    assert "liked 2 paper(s) for robo" in ok(run("--db", db, "like", RECSYS[0], RECSYS[1], "--profile",
                                                 "robo")).stdout.replace("liked", "liked")
    shown = ok_json(run("--db", db, "profile", "show", "robo", "--json"))
    assert [p["key"] for p in shown["liked"]] == RECSYS[:2]
    liked_feed = feed_keys(db, "robo")
    assert not set(liked_feed) & set(RECSYS[:2])
    assert liked_feed.index(RECSYS[2]) < before.index(RECSYS[2])  # more like the liked papers
    ok(run("--db", db, "dislike", SPEECH[0], "--profile", "robo"))
    shown = ok_json(run("--db", db, "profile", "show", "robo", "--json"))
    assert [p["key"] for p in shown["disliked"]] == [SPEECH[0]]
    assert SPEECH[0] not in feed_keys(db, "robo")
    r = ok(run("--db", db, "unlike", RECSYS[0], RECSYS[1], SPEECH[0], "--profile", "robo"))
    assert "cleared feedback on 3 paper(s) for robo" in r.stdout
    assert feed_keys(db, "robo") == before


def test_feedback_messages(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0]))
    assert "liked 1 paper(s) for robo" in ok(run("--db", db, "like", RECSYS[0], "--profile", "robo")).stdout
    assert "disliked 1 paper(s) for robo" in ok(run("--db", db, "dislike", RECSYS[1], "--profile", "robo")).stdout


def test_feedback_needs_profile_option(db: Path) -> None:
    r = run("--db", db, "like", SPEECH[0])
    assert r.exit_code == 2 and "--profile" in r.output


def test_mute_author_and_category(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0]))
    r = ok(run("--db", db, "mute-author", "Alice Nguyen", "--profile", "robo"))
    assert "muted author Alice Nguyen for robo" in r.stdout
    keys = feed_keys(db, "robo")
    assert not {f"arxiv:{p[0]}" for p in PAPERS if "Alice Nguyen" in p[3]} & set(keys)
    ok(run("--db", db, "mute-category", "cs.IR", "--profile", "robo"))
    keys = feed_keys(db, "robo")
    assert not set(RECSYS) & set(keys)
    shown = ok_json(run("--db", db, "profile", "show", "robo", "--json"))
    assert (shown["muted_authors"], shown["muted_categories"]) == (["Alice Nguyen"], ["cs.IR"])
    ok(run("--db", db, "unmute-category", "cs.IR", "--profile", "robo"))
    ok(run("--db", db, "unmute-author", "Alice Nguyen", "--profile", "robo"))
    assert set(RECSYS) <= set(feed_keys(db, "robo"))
    assert SPEECH[0] in feed_keys(db, "robo")


def test_mute_author_by_other_spelling(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "asr", "--keys", SPEECH[0]))
    ok(run("--db", db, "mute-author", "tomas garcia", "--profile", "asr"))
    assert not {"arxiv:2602.00001", "arxiv:2602.00002", "arxiv:2602.00004"} & set(feed_keys(db, "asr"))


def test_followed_author_is_boosted_in_the_feed(db: Path, tmp_path: Path) -> None:
    ok(run("--db", db, "profile", "create", "asr", "--keys", SPEECH[0], "--author", "Priya Sharma"))
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "2604.00001", "title": "Calibrated Click Models for Ranking",
                               "abstract": "Click models estimate how users examine ranked result lists.",
                               "authors": ["Priya Sharma"], "categories": ["cs.IR"], "date": "2026-05-01"}) + "\n"
                   + json.dumps({"id": "2604.00002", "title": "Position Bias in Click Logs",
                                 "abstract": "Users click the top results of ranked lists more often.",
                                 "authors": ["P. Sharma"], "categories": ["cs.IR"], "date": "2026-05-02"}) + "\n",
                   encoding="utf-8")
    ok(run("--db", db, "ingest", new))
    # the same papers without following anyone
    ok(run("--db", db, "profile", "create", "plain", "--keys", f"{SPEECH[0]} {' '.join(RECSYS[1:])}"))
    followed = ok_json(run("--db", db, "feed", "asr", "--json"))
    plain = ok_json(run("--db", db, "feed", "plain", "--json"))
    assert [h["key"] for h in followed] != [h["key"] for h in plain]
    rank = [h["key"] for h in followed].index("arxiv:2604.00001")
    assert rank < [h["key"] for h in plain].index("arxiv:2604.00001")
    assert rank <= 2
    assert followed[rank]["why"].startswith("by Priya Sharma, whom you follow")
    # "P. Sharma" may be someone else: only the full name is followed
    assert sum("whom you follow" in h["why"] for h in followed) == 1


def test_delivered_papers_are_left_out(db: Path) -> None:
    ok(run("--db", db, "profile", "create", "robo", "--keys", ROBOTS[0]))
    top = feed_keys(db, "robo")[:2]
    with sqlite3.connect(db) as conn:
        pid = conn.execute("SELECT id FROM profiles WHERE name = 'robo'").fetchone()[0]
        digest = conn.execute("INSERT INTO digests(profile_id, status, created_at) VALUES (?, 'sent', "
                              "'2026-05-01T00:00:00Z')", (pid,)).lastrowid
        for pos, k in enumerate(top):
            paper = conn.execute("SELECT id FROM papers WHERE key = ?", (k,)).fetchone()[0]
            conn.execute("INSERT INTO deliveries(profile_id, paper_id, digest_id, position) VALUES (?,?,?,?)",
                         (pid, paper, digest, pos))
    keys = feed_keys(db, "robo")
    assert not set(top) & set(keys)
    assert len(keys) == len(PAPERS) - 1 - 2
