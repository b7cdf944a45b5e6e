"""A profile's feed: topical ranking, feedback, mutes, followed authors, delivered papers, explanations.

A hand-written library on three topics (robot manipulation, speech processing, recommender systems)
with the deterministic hashing embedder; the large-profile test uses real arXiv records.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from paperfeed.config import load_settings
from paperfeed.config_file import set_value
from paperfeed.errors import NotFound, PaperfeedError
from paperfeed.library import Library

MODEL = "test-hashing-64"
SAMPLE_BIB = Path(__file__).parents[2] / "samples" / "formats" / "sample.bib"

# (arXiv id, title, abstract, authors, categories, date)
ROBOTS = [
    ("2601.10001", "Dexterous Grasping of Household Objects with a Multi-Fingered Hand",
     "We learn a grasping policy for a five-fingered robot hand from human demonstrations; the hand picks up "
     "unseen household objects such as mugs and bottles.", ["Marco Bianchi", "Lena Fischer"], ["cs.RO", "cs.CV"],
     "2026-01-05"),
    ("2601.10002", "Tactile Slip Detection for Robotic Grippers",
     "Gel-based tactile sensors on the gripper fingers detect slip before the grasped object falls, so the robot "
     "can tighten its grasp.", ["Tomás García"], ["cs.RO"], "2026-01-12"),
    ("2601.10003", "Sim-to-Real Transfer of Grasping Policies with Domain Randomization",
     "Randomizing friction, object mass and lighting in simulation produces robot grasping policies that "
     "transfer to a real arm without fine-tuning.", ["Lena Fischer", "Tomás García"], ["cs.RO", "cs.LG"],
     "2026-01-19"),
    ("2601.10004", "Language-Conditioned Pick-and-Place for Tabletop Robots",
     "A vision transformer maps an instruction and a camera image to pick and place poses; the robot arm "
     "rearranges blocks and bowls on a table.", ["Lena Fischer", "Hiro Tanaka"], ["cs.RO", "cs.CV"], "2026-02-02"),
    ("2601.10005", "Contact-Rich Peg Insertion with Impedance Control",
     "A compliant impedance controller with a learned residual policy inserts pegs into holes with tight "
     "clearance on an industrial robot arm.", ["Tomás García", "Marco Bianchi"], ["cs.RO"], "2026-02-09"),
    ("2601.10006", "Bimanual Cloth Folding with Diffusion Policies",
     "Two robot arms fold towels and shirts; a diffusion policy trained on teleoperated demonstrations handles "
     "the deformable cloth.", ["Lena Fischer"], ["cs.RO", "cs.LG"], "2026-02-16"),
    ("2601.10007", "Regrasping Objects In-Hand with Reinforcement Learning",
     "In-hand manipulation lets a robot hand reorient a grasped object; reinforcement learning in simulation "
     "learns finger gaits for regrasping.", ["Marco Bianchi"], ["cs.RO", "cs.LG"], "2026-02-23"),
    ("2601.10008", "Suction and Parallel-Jaw Grasp Planning in Cluttered Bins",
     "A grasp planner scores suction and parallel-jaw gripper grasps on depth images of cluttered bins for "
     "warehouse picking robots.", ["Hiro Tanaka", "Tomás García"], ["cs.RO"], "2026-03-02"),
    ("2601.10009", "Visual Servoing for Precise Robot Grasping of Small Parts",
     "A camera on the wrist guides the robot gripper by visual servoing to grasp small screws and connectors "
     "with millimetre precision.", ["Marco Bianchi", "Sven Olsen"], ["cs.RO", "cs.CV"], "2026-03-09"),
    ("2601.10010", "Learning Grasp Affordances from Object Part Segmentation",
     "Segmenting objects into parts such as handles and rims tells the robot where to grasp; the affordance "
     "model improves grasp success on tools.", ["Sven Olsen"], ["cs.RO", "cs.CV"], "2026-03-16"),
]
SPEECH = [
    ("2602.20001", "Streaming Speech Recognition with Chunked Conformers",
     "A streaming automatic speech recognition model processes audio in chunks with a conformer encoder and "
     "lowers latency while keeping word error rate.", ["Alice Nguyen", "Rahul Mehta"], ["eess.AS", "cs.CL"],
     "2026-01-06"),
    ("2602.20002", "Speaker Diarization for Meetings with Overlapping Speech",
     "Speaker embeddings and overlap-aware clustering answer who spoke when in meeting audio recordings.",
     ["Sofia Rossi", "Jonas Weber"], ["eess.AS", "cs.SD"], "2026-01-13"),
    ("2602.20003", "Self-Supervised Acoustic Pretraining for Low-Resource Speech Recognition",
     "Pretraining on unlabeled audio in twelve languages reduces the word error rate of speech recognition "
     "for low-resource languages.", ["Amara Okafor", "Alice Nguyen"], ["cs.CL", "eess.AS"], "2026-01-20"),
    ("2602.20004", "Keyword Spotting on Microcontrollers in Noisy Environments",
     "A small convolutional network detects wake words in noisy audio on a microcontroller with a few "
     "kilobytes of memory.", ["Jonas Weber"], ["eess.AS", "cs.SD"], "2026-02-03"),
    ("2602.20005", "Accent Adaptation of Speech Recognizers with Adapter Layers",
     "Adapter layers trained per accent reduce the word error rate of speech recognition for accented "
     "English speakers.", ["Alice Nguyen"], ["cs.CL", "eess.AS"], "2026-02-10"),
    ("2602.20006", "Neural Text-to-Speech with Expressive Prosody",
     "A text-to-speech model predicts pitch and duration to synthesize expressive speech audio with natural "
     "prosody.", ["Sofia Rossi"], ["eess.AS", "cs.SD"], "2026-02-17"),
    ("2602.20007", "Speech Enhancement with Complex Spectral Masks",
     "Estimating complex masks on the spectrogram removes background noise from speech audio and improves "
     "recognition of noisy speech.", ["Jonas Weber", "Rahul Mehta"], ["eess.AS", "cs.SD"], "2026-02-24"),
    ("2602.20008", "End-to-End Spoken Language Understanding from Audio",
     "Mapping speech audio directly to intents and slots avoids errors of a speech recognition transcript.",
     ["Amara Okafor"], ["cs.CL", "eess.AS"], "2026-03-03"),
    ("2602.20009", "Multilingual Speech Translation with a Shared Encoder",
     "A shared audio encoder translates speech in eight languages into English text without an "
     "intermediate transcript.", ["Rahul Mehta", "Amara Okafor"], ["cs.CL", "eess.AS"], "2026-03-10"),
    ("2602.20010", "Emotion Recognition from Speech with Self-Supervised Features",
     "Self-supervised speech features classify emotions such as anger and joy in spoken audio clips.",
     ["Sofia Rossi", "Alice Nguyen"], ["eess.AS", "cs.CL"], "2026-03-17"),
]
RECSYS = [
    ("2603.30001", "Session-Based Recommendation with Graph Neural Networks",
     "Items clicked in a shopping session form a graph; a graph neural network recommends the next item to "
     "the user.", ["Wei Zhang", "Priya Sharma"], ["cs.IR", "cs.LG"], "2026-01-07"),
    ("2603.30002", "Debiasing Implicit Feedback for Recommender Systems",
     "Inverse propensity weighting corrects the position bias of clicks when training a recommender system "
     "from implicit user feedback.", ["Wei Zhang", "Daniel Kim"], ["cs.IR"], "2026-01-14"),
    ("2603.30003", "Cold-Start Item Recommendation from Content",
     "New items without interactions are recommended to users by mapping their descriptions into the "
     "collaborative filtering space.", ["Daniel Kim"], ["cs.IR", "cs.CL"], "2026-01-21"),
    ("2603.30004", "Contrastive User Modeling for Sequential Recommendation",
     "Augmented interaction sequences give positive pairs for contrastive learning of user representations "
     "in sequential recommenders.", ["Priya Sharma"], ["cs.IR"], "2026-02-04"),
    ("2603.30005", "Fair Exposure in Marketplace Recommendation",
     "Re-ranking the recommendations of a marketplace trades a little user utility for fairer exposure of "
     "sellers and items.", ["Priya Sharma", "Wei Zhang"], ["cs.IR", "cs.CY"], "2026-02-11"),
    ("2603.30006", "Conversational Recommendation with Large Language Models",
     "A large language model elicits user preferences in dialogue and recommends movies; we compare it with "
     "collaborative filtering.", ["Daniel Kim", "Hiro Tanaka"], ["cs.IR", "cs.CL"], "2026-02-18"),
    ("2603.30007", "Matrix Factorization Baselines for Implicit Feedback",
     "Tuned matrix factorization of the user-item interaction matrix remains a strong recommendation "
     "baseline for implicit feedback.", ["Wei Zhang"], ["cs.IR", "cs.LG"], "2026-02-25"),
    ("2603.30008", "Multi-Objective Ranking for News Recommendation",
     "A news recommender ranks articles for each user by clicks, dwell time and diversity at once.",
     ["Ines Duarte"], ["cs.IR"], "2026-03-04"),
    ("2603.30009", "Evaluating Recommender Systems Offline with Counterfactual Estimators",
     "Counterfactual estimators use logged user interactions to evaluate a new recommendation policy offline.",
     ["Ines Duarte", "Daniel Kim"], ["cs.IR", "stat.ML"], "2026-03-11"),
    ("2603.30010", "Two-Tower Retrieval Models for Large-Scale Item Recommendation",
     "A two-tower network embeds users and items for fast candidate retrieval in an item recommender with "
     "millions of items.", ["Priya Sharma", "Ines Duarte"], ["cs.IR", "cs.LG"], "2026-03-18"),
]
CORPUS = ROBOTS + SPEECH + RECSYS
TOPIC = {r[0]: name for name, recs in (("robots", ROBOTS), ("speech", SPEECH), ("recsys", RECSYS)) for r in recs}


def key(arxiv_id: str) -> str:
    return f"arxiv:{arxiv_id}"


def as_jsonl(records) -> str:
    return "".join(
        json.dumps({"id": i, "title": t, "abstract": a, "authors": au, "categories": c, "date": d}) + "\n"
        for i, t, a, au, c, d in records
    )


def open_lib(tmp_path: Path) -> Library:
    """The library; its feed window spans the whole hand-written corpus (months), see test_feed_window.py."""
    library = Library(load_settings(tmp_path / "lib.db", model_id=MODEL))
    set_value(library.settings.home, "feed.days", "3650")
    return library


@pytest.fixture
def lib(feed_lib: Library) -> Library:
    """The three-topic library, embedded (tests/rank/conftest.py)."""
    return feed_lib


def topics(hits) -> list[str]:
    return [TOPIC[h.paper.arxiv_id] for h in hits]


def rank_of(hits, arxiv_id: str) -> int:
    return [h.key for h in hits].index(key(arxiv_id))


def mean_rank(hits, topic: str) -> float:
    return float(np.mean([i for i, t in enumerate(topics(hits)) if t == topic]))


ROBOT_PROFILE = [key(r[0]) for r in ROBOTS[:3]]


# ---- ranking ---------------------------------------------------------------------------


def test_topic_a_profile_ranks_topic_a_first(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    hits = lib.feed("robo", limit=27)
    assert len(hits) == 27
    assert topics(hits)[:4] == ["robots"] * 4
    assert topics(hits)[:9].count("robots") == 7  # every other robotics paper is in the top 9
    assert mean_rank(hits, "robots") < mean_rank(hits, "speech")
    assert mean_rank(hits, "robots") < mean_rank(hits, "recsys")


def test_speech_profile_ranks_speech_first(lib: Library) -> None:
    lib.create_profile("asr", keys=[key(r[0]) for r in SPEECH[:2]])
    hits = lib.feed("asr", limit=10)
    assert topics(hits[:6]) == ["speech"] * 6
    assert mean_rank(lib.feed("asr", limit=28), "speech") < mean_rank(lib.feed("asr", limit=28), "recsys")


def test_own_papers_never_appear(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    keys = {h.key for h in lib.feed("robo", limit=100)}
    assert not keys & set(ROBOT_PROFILE)
    assert len(keys) == len(CORPUS) - 3


def test_feed_is_read_only_and_deterministic(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    first = [(h.key, h.score, h.why) for h in lib.feed("robo")]
    assert first == [(h.key, h.score, h.why) for h in lib.feed("robo")]
    assert lib.profile("robo")["liked_ids"] == [] and lib.store.delivered_ids(lib.store.profile_id("robo")) == set()


def test_liked_paper_adds_signal(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    before = lib.feed("robo", limit=30)
    lib.feedback("robo", key("2603.30001"), "like")
    after = lib.feed("robo", limit=30)
    assert key("2603.30001") not in [h.key for h in after]
    assert mean_rank(after, "recsys") < mean_rank(before, "recsys")
    liked_why = [h.why for h in after if "a paper you liked" in h.why]
    assert liked_why and all("Session-Based Recommendation" in w for w in liked_why)
    lib.feedback("robo", key("2603.30001"), "unlike")
    assert [h.key for h in lib.feed("robo", limit=30)] == [h.key for h in before]


def test_disliked_paper_and_similar_ones_move_down(lib: Library, tmp_path: Path) -> None:
    twin = [("2605.50001", "Tiny Keyword Spotting Networks for Microcontrollers",
             "A tiny convolutional network spots wake words in noisy audio on microcontrollers with kilobytes of "
             "memory.", ["Jonas Weber"], ["eess.AS", "cs.SD"], "2026-03-20")]
    path = tmp_path / "twin.jsonl"
    path.write_text(as_jsonl(twin), encoding="utf-8")
    lib.ingest([str(path)])
    lib.embed_pending()
    lib.create_profile("asr", keys=[key(r[0]) for r in SPEECH[:3]])
    before = lib.feed("asr", limit=40)
    assert key("2602.20004") in [h.key for h in before]
    lib.feedback("asr", key("2602.20004"), "dislike")  # keyword spotting on microcontrollers
    after = lib.feed("asr", limit=40)
    assert key("2602.20004") not in [h.key for h in after]
    assert rank_of(after, "2605.50001") >= rank_of(before, "2605.50001") + 3  # its near twin goes down
    assert lib.profile("asr")["disliked"][0].key == key("2602.20004")
    lib.feedback("asr", key("2602.20004"), "unlike")
    assert [h.key for h in lib.feed("asr", limit=40)] == [h.key for h in before]


def test_like_then_dislike_the_same_paper_keeps_the_last(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    lib.feedback("robo", key("2602.20001"), "like")
    lib.feedback("robo", key("2602.20001"), "dislike")
    rec = lib.profile("robo")
    assert [p.key for p in rec["liked"]] == [] and [p.key for p in rec["disliked"]] == [key("2602.20001")]


def test_feedback_errors(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    with pytest.raises(NotFound):
        lib.feedback("robo", "arxiv:2999.00001", "like")
    with pytest.raises(NotFound):
        lib.feedback("nobody", key("2601.10004"), "like")
    with pytest.raises(PaperfeedError):
        lib.feedback("robo", key("2601.10004"), "love")


def test_muted_author_never_appears(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    lib.mute("robo", "author", "  Marco Bianchi ")
    hits = lib.feed("robo", limit=100)
    assert hits and not any("Marco Bianchi" in h.paper.authors for h in hits)
    lib.mute("robo", "author", "Marco Bianchi", on=False)
    assert any("Marco Bianchi" in h.paper.authors for h in lib.feed("robo", limit=100))


def test_muted_author_matches_by_normalised_name(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    lib.mute("robo", "author", "Tomas Garcia")
    assert not any("Tomás García" in h.paper.authors for h in lib.feed("robo", limit=100))


def test_muted_category_never_appears(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    lib.mute("robo", "category", "cs.CV")
    lib.mute("robo", "category", "eess.AS")
    hits = lib.feed("robo", limit=100)
    assert hits
    assert not any({"cs.CV", "eess.AS"} & set(h.paper.categories) for h in hits)
    with pytest.raises(PaperfeedError):
        lib.mute("robo", "venue", "NeurIPS")


def test_since_until_category_restrict(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    hits = lib.feed("robo", since="2026-02-15", limit=100)
    assert hits and all(h.paper.date >= "2026-02-15" for h in hits)
    assert {h.key for h in hits} == {key(r[0]) for r in CORPUS if r[5] >= "2026-02-15"} - set(ROBOT_PROFILE)
    hits = lib.feed("robo", since="2026-02-01", until="2026-02-28", category="cs.IR", limit=100)
    assert {h.key for h in hits} == {key(r[0]) for r in RECSYS if "2026-02-01" <= r[5] <= "2026-02-28"}
    assert lib.feed("robo", since="2030-01-01") == []


def test_limit(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    for n in (1, 5, 20):
        assert len(lib.feed("robo", limit=n)) == n


# ---- explanations ---------------------------------------------------------------------------


def test_why_names_a_profile_paper_and_shared_terms(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    titles = {r[1] for r in ROBOTS[:3]}
    hits = lib.feed("robo", limit=10)
    for h in hits:
        assert h.why.startswith("close to your paper \u201c")
        assert any(f"\u201c{t}\u201d" in h.why for t in titles)
        assert "(similarity " in h.why
    robot_whys = [h.why for h in hits if TOPIC[h.paper.arxiv_id] == "robots"]
    assert all("shared terms" in w for w in robot_whys)
    assert any("grasp" in w.split("shared terms")[1] for w in robot_whys)


def test_why_names_the_interests(lib: Library) -> None:
    lib.create_profile("tastes", interests="speech recognition of accented speakers; word error rate")
    hits = lib.feed("tastes", limit=5)
    assert hits
    assert all("your interests \u201cspeech recognition of accented speakers" in h.why for h in hits)
    assert hits[0].key == key("2602.20005")
    assert topics(hits[:3]) == ["speech"] * 3


# ---- profile shapes -------------------------------------------------------------------------


def test_one_paper_profile(lib: Library) -> None:
    lib.create_profile("one", keys=[key("2603.30002")])
    hits = lib.feed("one", limit=5)
    assert len(hits) == 5
    assert topics(hits).count("recsys") >= 4


def test_profile_of_papers_without_abstracts(lib: Library, tmp_path: Path) -> None:
    bare = [("2604.40001", "Grasp Planning for Robot Hands", "", ["Zoe Park"], ["cs.RO"], "2025-06-01"),
            ("2604.40002", "Robot Grasping under Uncertainty", "", ["Zoe Park"], ["cs.RO"], "2025-07-01")]
    path = tmp_path / "bare.jsonl"
    path.write_text(as_jsonl(bare), encoding="utf-8")
    lib.create_profile("titles", files=[str(path)])
    hits = lib.feed("titles", limit=5)
    assert len(hits) == 5
    assert topics(hits).count("robots") >= 4
    assert all("\u201cGrasp Planning for Robot Hands\u201d" in h.why or "\u201cRobot Grasping under Uncertainty"
               in h.why for h in hits)


def test_interests_only_profile(lib: Library) -> None:
    lib.create_profile("ir", interests="recommender systems, implicit feedback, matrix factorization")
    hits = lib.feed("ir", limit=6)
    assert len(hits) == 6
    assert topics(hits).count("recsys") >= 4
    assert hits[0].key == key("2603.30007")  # "Matrix Factorization Baselines for Implicit Feedback"


def test_profile_without_any_signal_gives_empty_feed(lib: Library) -> None:
    lib.create_profile("empty")
    assert lib.feed("empty") == []


def test_large_profile_of_real_papers(tmp_path: Path, data_file: Callable[[str], Path]) -> None:
    lines = []
    with gzip.open(data_file("arxiv-cs-daily-csqiandong.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            lines.append(line)
            if len(lines) == 400:
                break
    path = tmp_path / "real.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    library = open_lib(tmp_path)
    try:
        library.ingest([str(path)])
        library.embed_pending()
        recs = [json.loads(x) for x in lines]
        # profile: 100 cs.IR-listed papers if there are enough, else the first 100
        ir = [r for r in recs if "cs.IR" in r["categories"]]
        own = (ir if len(ir) >= 100 else recs)[:100]
        library.create_profile("big", keys=[key(r["id"]) for r in own])
        hits = library.feed("big", limit=20)
        assert len(hits) == 20
        assert not {h.key for h in hits} & {key(r["id"]) for r in own}
        assert all(h.why.startswith("close to your paper") for h in hits)
    finally:
        library.close()


def test_empty_and_single_paper_library_feeds(tmp_path: Path) -> None:
    """An interests-only profile on a library with no papers, then one paper: [] then that paper.

    BUG: rank/lexical_index.build fits TfidfVectorizer(min_df=1, max_df=0.5) on a single document
    (the 'empty library' placeholder, or the only paper), which raises ValueError.
    """
    library = open_lib(tmp_path)
    try:
        library.create_profile("p", interests="tactile grasping")
        assert library.feed("p") == []
        path = tmp_path / "one.jsonl"
        path.write_text(as_jsonl(ROBOTS[1:2]), encoding="utf-8")
        library.ingest([str(path)])
        library.embed_pending()
        assert [h.key for h in library.feed("p")] == [key(ROBOTS[1][0])]
    finally:
        library.close()


# ---- profiles: create, delete, authors --------------------------------------------------------


def test_unknown_profile_is_not_found(lib: Library) -> None:
    for call in (lambda: lib.feed("nobody"), lambda: lib.profile("nobody"), lambda: lib.delete_profile("nobody"),
                 lambda: lib.mute("nobody", "author", "X"), lambda: lib.remove_profile_papers("nobody", [])):
        with pytest.raises(NotFound, match="nobody"):
            call()


def test_delete_profile_keeps_library_papers(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    lib.feedback("robo", key("2602.20001"), "dislike")
    lib.mute("robo", "category", "cs.IR")
    lib.delete_profile("robo")
    assert lib.profiles() == []
    assert lib.store.count() == len(CORPUS)
    assert lib.get(ROBOT_PROFILE[0]).title == ROBOTS[0][1]
    lib.create_profile("robo", keys=ROBOT_PROFILE[:1])
    rec = lib.profile("robo")
    assert (len(rec["paper_ids"]), rec["disliked_ids"], rec["muted_categories"]) == (1, [], [])


def test_remove_profile_papers(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    assert lib.remove_profile_papers("robo", ROBOT_PROFILE[:1]) == 1
    assert [p.key for p in lib.profile("robo")["paper"]] == ROBOT_PROFILE[1:]
    assert ROBOT_PROFILE[0] in {h.key for h in lib.feed("robo", limit=100)}


def test_create_from_file_ingests_and_owns_the_papers(lib: Library) -> None:
    before = lib.store.count()
    res = lib.create_profile("bib", files=[str(SAMPLE_BIB)])
    added = res["from_files"]["added"]
    assert added >= 5 and lib.store.count() == before + added
    assert res["papers_added"] == added + res["from_files"]["updated"] + res["from_files"]["unchanged"]
    rec = lib.profile("bib")
    assert len(rec["paper"]) == res["papers_added"]
    assert "Safe Vision-Language Models via Unsafe Weights Manipulation" in {p.title for p in rec["paper"]}
    assert lib.count_pending() == 0  # the new papers were embedded
    hits = lib.feed("bib", limit=10)
    assert len(hits) == 10 and not {h.key for h in hits} & {p.key for p in rec["paper"]}
    again = lib.create_profile("bib", files=[str(SAMPLE_BIB)])
    assert again["papers_added"] == 0 and again["from_files"]["added"] == 0


def test_create_with_author_matches_normalised_names(lib: Library) -> None:
    res = lib.create_profile("tomas", author="tomas garcia")
    expected = {key(r[0]) for r in CORPUS if "Tomás García" in r[3]}
    assert res["author_match_count"] == len(expected) == 4
    assert set(res["author_matches"]) == expected
    assert {p.key for p in lib.profile("tomas")["paper"]} == expected
    assert lib.profile("tomas")["authors"] == ["tomas garcia"]


def test_create_with_unknown_key_writes_nothing(lib: Library) -> None:
    with pytest.raises(NotFound, match="2999.99999"):
        lib.create_profile("x", keys=[key("2601.10001"), "arxiv:2999.99999"], files=[str(SAMPLE_BIB)])
    assert lib.profiles() == []
    assert lib.store.count() == len(CORPUS)


@pytest.mark.parametrize("name", ["", "  ", "a/b", "back\\slash", "new\nline", "x" * 65])
def test_invalid_profile_names(lib: Library, name: str) -> None:
    with pytest.raises(PaperfeedError):
        lib.create_profile(name, keys=ROBOT_PROFILE)
    assert lib.profiles() == []


def test_followed_author_new_papers_are_boosted_and_explained(lib: Library, tmp_path: Path) -> None:
    res = lib.create_profile("robo", keys=ROBOT_PROFILE, author="Ines Duarte")
    ines = {key(r[0]) for r in CORPUS if "Ines Duarte" in r[3]}
    assert set(res["author_matches"]) == ines and res["papers_added"] == 3 + len(ines)
    assert not ines & {h.key for h in lib.feed("robo", limit=100)}  # her papers are now the profile's
    # new papers of hers arrive, far from robotics: they go to the top and the why says so
    new = [("2604.40010", "Diversity-Aware Re-Ranking for News Feeds",
            "Re-ranking news articles for users balances clicks against topical diversity.",
            ["I. Duarte", "Wei Zhang"], ["cs.IR"], "2026-04-01"),
           ("2604.40011", "Counterfactual Learning to Rank from Logged Clicks",
            "Logged user clicks on news articles train a ranking policy with propensity weighting.",
            ["Inês Duarte"], ["cs.IR"], "2026-04-02")]
    path = tmp_path / "new.jsonl"
    path.write_text(as_jsonl(new), encoding="utf-8")
    lib.ingest([str(path)])
    lib.embed_pending()
    hits = lib.feed("robo", limit=30)
    assert {h.key for h in hits[:2]} == {key("2604.40010"), key("2604.40011")}
    assert hits[0].why.startswith("by ") and "whom you follow" in hits[0].why
    assert any("Inês Duarte" in h.why or "I. Duarte" in h.why for h in hits[:2])
    assert not any("whom you follow" in h.why for h in hits[2:])
    # without following, the same papers rank below the robotics papers
    lib.create_profile("plain", keys=ROBOT_PROFILE)
    plain = lib.feed("plain", limit=100)
    assert min(rank_of(plain, "2604.40010"), rank_of(plain, "2604.40011")) > 5


def test_coauthors_need_a_known_owner() -> None:
    from paperfeed.rank.feed import coauthors

    papers = [["Lena Fischer", "Marco Bianchi"], ["Lena Fischer", "Tomás García"], ["LENA FISCHER", "H. Tanaka"]]
    assert coauthors(papers) == {"marco bianchi": "Marco Bianchi", "tomas garcia": "Tomás García",
                                 "h tanaka": "H. Tanaka"}
    # one paper, two authors on equally many papers, or a reading list: no known owner, no co-authors
    assert coauthors([["Lena Fischer", "Marco Bianchi"]]) == {}
    assert coauthors([["A One", "B Two"], ["A One", "B Two", "C Three"]]) == {}
    assert coauthors([["A One"], ["B Two"], ["C Three"], ["A One", "D Four"], ["E Five"]]) == {}  # 2 of 5
    assert coauthors([]) == {} and coauthors([[" "]]) == {}
    # the profile's --author names the owner; a profile paper without the owner adds nobody
    papers = [["Alice Nguyen"], ["Wei Zhang", "Priya Sharma"], ["Priya Sharma"]]
    assert coauthors(papers, owners=["Priya Sharma"]) == {"wei zhang": "Wei Zhang"}
    assert coauthors(papers, owners=["Somebody Else"]) == {"wei zhang": "Wei Zhang"}  # inferred: Priya, 2 of 3


def test_coauthor_papers_are_boosted_and_explained(lib: Library, tmp_path: Path) -> None:
    lib.create_profile("lena", keys=[key(ROBOTS[i][0]) for i in (0, 2, 3)])  # Lena Fischer is on all three
    text = ("Streaming Speech Recognition for Hearing Aids",
            "A streaming speech recognition model transcribes conversations on a hearing aid with low latency.")
    new = [("2604.50001", *text, ["Marco Bianchi", "Wei Zhang"], ["eess.AS"], "2026-04-01"),  # a co-author
           ("2604.50002", *text, ["Maria Bianchi", "Wei Zhang"], ["eess.AS"], "2026-04-01"),  # same key, not him
           ("2604.50003", *text, ["Lena Fischer", "Wei Zhang"], ["eess.AS"], "2026-04-01")]  # the owner herself
    path = tmp_path / "new.jsonl"
    path.write_text(as_jsonl(new), encoding="utf-8")
    lib.ingest([str(path)])
    lib.embed_pending()
    hits = lib.feed("lena", limit=100)
    by_key = {h.key: h for h in hits}
    assert "by your co-author Marco Bianchi" in by_key[key("2604.50001")].why
    assert "co-author" not in by_key[key("2604.50002")].why and "co-author" not in by_key[key("2604.50003")].why
    assert rank_of(hits, "2604.50001") < min(rank_of(hits, "2604.50002"), rank_of(hits, "2604.50003"))
    # the printed score is the MMR order's; the relevance before diversity ends the explanation
    def relevance(h) -> float:
        return float(h.why.rsplit("relevance ", 1)[1])

    gap = relevance(by_key[key("2604.50001")]) - relevance(by_key[key("2604.50002")])
    assert gap == pytest.approx(1.0, abs=0.02)  # recommend.DEFAULT.w_coauthor, the texts being identical


def test_delivered_papers_are_excluded(lib: Library) -> None:
    lib.create_profile("robo", keys=ROBOT_PROFILE)
    pid = lib.store.profile_id("robo")
    top = lib.feed("robo", limit=5)
    conn = lib.store.conn
    with lib.store.transaction():
        sent = conn.execute("INSERT INTO digests(profile_id, status, created_at) VALUES (?, 'sent', '2026-04-01')",
                            (pid,)).lastrowid
        failed = conn.execute("INSERT INTO digests(profile_id, status, created_at) VALUES (?, 'failed', "
                              "'2026-04-02')", (pid,)).lastrowid
        for pos, h in enumerate(top[:3]):
            conn.execute("INSERT INTO deliveries(profile_id, paper_id, digest_id, position) VALUES (?,?,?,?)",
                         (pid, lib.store.resolve_id(h.key), sent, pos))
        conn.execute("INSERT INTO deliveries(profile_id, paper_id, digest_id, position) VALUES (?,?,?,?)",
                     (pid, lib.store.resolve_id(top[3].key), failed, 0))
    after = lib.feed("robo", limit=100)
    keys = [h.key for h in after]
    assert not {h.key for h in top[:3]} & set(keys)
    assert top[3].key in keys  # a failed digest did not deliver anything
    assert len(keys) == len(CORPUS) - 3 - 3
