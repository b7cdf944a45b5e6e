"""Keyword, semantic and hybrid search, similar papers, and keeping the vector index current.

Most tests run on a small hand-written library on four distinct topics (speech recognition,
robot manipulation, recommender systems, protein/molecule learning) with the deterministic
hashing embedder; the staleness tests use a few hundred real arXiv records from shared/data.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from paperfeed.config import load_settings
from paperfeed.config_file import set_value
from paperfeed.embed import onnx_minilm
from paperfeed.errors import NotFound, PaperfeedError
from paperfeed.index import current_generation
from paperfeed.library import Library
from paperfeed.rank import sentences
from paperfeed.rank import similar as similar_mod
from paperfeed.rank.fusion import rrf
from paperfeed.rank.query import QueryTooLarge, parse_query
from paperfeed.rank.search import MODES, RRF_K, Filters, covered

MODEL = "test-hashing-64"

# (arXiv id, title, abstract, authors, categories, date)
CORPUS = [
    # ---- speech recognition ----
    ("2501.10001", "Streaming Speech Recognition with Chunked Conformer Encoders",
     "We present a streaming automatic speech recognition model that processes audio in fixed chunks with a "
     "conformer encoder. Latency drops by 40% on LibriSpeech while word error rate stays within 0.3 points of "
     "the full-context model.", ["Alice Nguyen", "Rahul Mehta"], ["eess.AS", "cs.CL"], "2025-01-10"),
    ("2501.10002", "Knowledge Distillation for Compact Speech Recognizers",
     "Large transformer acoustic models are accurate but too slow for phones. We train a small student "
     "recognizer from the soft targets of a large teacher and keep most of the accuracy on spoken queries.",
     ["Rahul Mehta", "Sofia Rossi"], ["eess.AS", "cs.SD"], "2025-02-03"),
    ("2501.10003", "Self-Supervised Pretraining of Acoustic Models for Low-Resource Languages",
     "Contrastive pretraining on unlabeled audio from twelve low-resource languages reduces the word error rate "
     "of downstream speech recognition by a third compared with training from scratch.",
     ["Amara Okafor", "Alice Nguyen"], ["cs.CL", "eess.AS"], "2025-03-14"),
    ("2501.10004", "Speaker Diarization in Meetings with Overlapping Speech",
     "Who spoke when? We combine a neural voice activity detector with speaker embeddings and an overlap-aware "
     "clustering step, halving the diarization error rate on AMI meeting recordings.",
     ["Sofia Rossi", "Jonas Weber"], ["eess.AS", "cs.SD"], "2025-04-22"),
    ("2501.10005", "Noise-Robust Keyword Spotting on Microcontrollers",
     "Always-on keyword spotting must run in a few kilobytes of memory. A depthwise-separable convolutional "
     "network with noise augmentation detects wake words in noisy kitchens and cars.",
     ["Jonas Weber"], ["eess.AS", "cs.LG"], "2025-05-30"),
    ("2501.10006", "End-to-End Spoken Language Understanding without Transcripts",
     "Instead of a pipeline of speech recognition and text classification, our model maps audio directly to "
     "intents and slots, avoiding the propagation of transcription errors.",
     ["Amara Okafor", "Hiro Tanaka"], ["cs.CL", "eess.AS"], "2025-06-18"),
    ("2501.10007", "Accent Adaptation of Speech Recognition Models with Adapters",
     "Word error rates are much higher for accented English. Small adapter layers trained per accent recover "
     "most of the gap while the shared acoustic encoder stays frozen.",
     ["Alice Nguyen"], ["cs.CL", "eess.AS"], "2025-07-09"),
    # ---- robot manipulation ----
    ("2502.20001", "Learning Dexterous Grasping from Human Video Demonstrations",
     "We retarget hand poses from videos of people to a five-fingered robot hand and learn a grasping policy "
     "that picks up unseen household objects with an 82% success rate.",
     ["Marco Bianchi", "Lena Fischer"], ["cs.RO", "cs.CV"], "2025-01-20"),
    ("2502.20002", "Sim-to-Real Transfer of Manipulation Policies with Domain Randomization",
     "Policies trained in simulation fail on real robots because of the reality gap. Randomizing friction, "
     "mass and lighting during reinforcement learning yields a manipulation policy that transfers zero-shot.",
     ["Lena Fischer", "Tomás García"], ["cs.RO", "cs.LG"], "2025-02-11"),
    ("2502.20003", "Tactile Sensing for Slip Detection in Robotic Grippers",
     "A gel-based tactile sensor on each finger detects incipient slip fifty milliseconds before an object "
     "falls, letting the gripper tighten its grasp in time.",
     ["Tomás García"], ["cs.RO"], "2025-03-05"),
    ("2502.20004", "Compressing Visuomotor Policies for Onboard Robot Control",
     "Large visuomotor networks do not fit on embedded robot computers. We compress the policy network by "
     "distillation into a smaller student that runs at 100 Hz on the arm controller.",
     ["Marco Bianchi"], ["cs.RO", "cs.LG"], "2025-04-02"),
    ("2502.20005", "Language-Conditioned Pick-and-Place with Vision Transformers",
     "Given an instruction such as 'put the red block in the bowl', a vision transformer predicts pick and "
     "place poses for a tabletop robot arm, generalising to new object arrangements.",
     ["Lena Fischer", "Hiro Tanaka"], ["cs.RO", "cs.CV"], "2025-05-12"),
    ("2502.20006", "Contact-Rich Assembly with Impedance Control and Reinforcement Learning",
     "Peg-in-hole insertion requires compliant contact. An impedance controller combined with a learned "
     "residual policy inserts pegs with sub-millimetre clearance on a real industrial robot.",
     ["Tomás García", "Marco Bianchi"], ["cs.RO"], "2025-06-25"),
    ("2502.20007", "Bimanual Cloth Folding with Diffusion Policies",
     "Deformable objects are hard to manipulate. A diffusion policy trained on teleoperated demonstrations "
     "folds towels and shirts with two robot arms.",
     ["Lena Fischer"], ["cs.RO", "cs.LG"], "2025-07-15"),
    # ---- recommender systems ----
    ("2503.30001", "Graph Neural Networks for Session-Based Recommendation",
     "We model each shopping session as a graph of clicked items and use a gated graph neural network to "
     "predict the next item a user will click, improving recall@20 on e-commerce logs.",
     ["Wei Zhang", "Priya Sharma"], ["cs.IR", "cs.LG"], "2025-01-25"),
    ("2503.30002", "Contrastive Learning of User Representations for Sequential Recommenders",
     "Data augmentation by cropping and masking interaction sequences provides positive pairs for contrastive "
     "learning, which makes sequential recommenders more robust for users with short histories.",
     ["Priya Sharma"], ["cs.IR"], "2025-02-20"),
    ("2503.30003", "Debiasing Implicit Feedback with Inverse Propensity Scoring",
     "Clicks are biased by the position at which items were shown. Inverse propensity weighting of the "
     "training loss gives unbiased estimates of ranking quality for a recommender system.",
     ["Wei Zhang", "Daniel Kim"], ["cs.IR"], "2025-03-28"),
    ("2503.30004", "Cold-Start Recommendation with Item Content Embeddings",
     "New items have no interactions. We map item descriptions into the collaborative filtering space so "
     "that cold-start items can be recommended from their text alone.",
     ["Daniel Kim"], ["cs.IR", "cs.CL"], "2025-04-15"),
    ("2503.30005", "Fairness-Aware Re-Ranking for Two-Sided Marketplaces",
     "Recommendations shape the exposure of providers. A re-ranking step trades a little user utility for a "
     "fairer distribution of exposure among sellers on a marketplace.",
     ["Priya Sharma", "Wei Zhang"], ["cs.IR", "cs.CY"], "2025-05-08"),
    ("2503.30006", "Large Language Models as Conversational Recommenders",
     "We prompt a large language model to elicit preferences in dialogue and recommend movies, and compare it "
     "with a collaborative filtering baseline on a conversational recommendation benchmark.",
     ["Daniel Kim", "Hiro Tanaka"], ["cs.IR", "cs.CL"], "2025-06-10"),
    ("2503.30007", "Matrix Factorization Revisited for Implicit Feedback Recommendation",
     "Well-tuned matrix factorization with alternating least squares remains a strong baseline for implicit "
     "feedback and beats several recent neural recommenders on public datasets.",
     ["Wei Zhang"], ["cs.IR", "cs.LG"], "2025-07-22"),
    # ---- proteins and molecules ----
    ("2504.40001", "Equivariant Graph Networks for Molecular Property Prediction",
     "An E(3)-equivariant message passing network over atoms and bonds predicts quantum chemical properties "
     "of small molecules more accurately than invariant baselines.",
     ["Nora Lindqvist", "Ivan Petrov"], ["cs.LG", "q-bio.BM"], "2025-01-30"),
    ("2504.40002", "Protein Structure Prediction from Single Sequences with Language Models",
     "A protein language model trained on millions of amino acid sequences predicts three-dimensional "
     "structure without multiple sequence alignments, approaching the accuracy of alignment-based methods.",
     ["Ivan Petrov"], ["q-bio.BM", "cs.LG"], "2025-02-27"),
    ("2504.40003", "Diffusion Models for Generating Drug-Like Molecules",
     "A denoising diffusion model over atom coordinates and types generates valid, novel drug-like molecules "
     "that bind a target protein pocket.",
     ["Nora Lindqvist", "Carla Mendes"], ["cs.LG", "q-bio.BM"], "2025-03-19"),
    ("2504.40004", "Predicting Protein-Ligand Binding Affinity with Attention",
     "Cross-attention between protein residues and ligand atoms predicts binding affinity and highlights the "
     "residues that contribute most to binding.",
     ["Carla Mendes"], ["q-bio.BM"], "2025-04-29"),
    ("2504.40005", "Retrosynthesis Planning with Template-Free Transformers",
     "A sequence-to-sequence transformer proposes reactants for a target molecule, and a search procedure "
     "assembles multi-step synthesis routes.",
     ["Ivan Petrov", "Carla Mendes"], ["cs.LG", "physics.chem-ph"], "2025-05-21"),
    ("2504.40006", "Contrastive Pretraining of Molecular Graph Encoders",
     "Augmented views of molecular graphs obtained by dropping atoms and bonds serve as positive pairs, and "
     "the pretrained encoder improves toxicity and solubility prediction.",
     ["Nora Lindqvist"], ["cs.LG", "q-bio.BM"], "2025-06-30"),
    ("2504.40007", "Antibody Design with Inverse Folding",
     "Given the backbone of an antibody loop, an inverse folding model designs amino acid sequences that fold "
     "into it, several of which bind the antigen in wet-lab tests.",
     ["Carla Mendes", "Ivan Petrov"], ["q-bio.BM", "cs.LG"], "2025-07-28"),
]
TOPIC = {rec[0]: ("speech", "robots", "recsys", "molecules")[i // 7] for i, rec in enumerate(CORPUS)}


def as_jsonl(records) -> str:
    return "".join(
        json.dumps({"id": i, "title": t, "abstract": a, "authors": au, "categories": c, "date": d}) + "\n"
        for i, t, a, au, c, d in records
    )


def key(arxiv_id: str) -> str:
    return f"arxiv:{arxiv_id}"


def open_lib(tmp_path: Path, name: str = "lib.db") -> Library:
    return Library(load_settings(tmp_path / name, model_id=MODEL))


@pytest.fixture
def corpus_lib(tmp_path: Path) -> Iterator[Library]:
    """The 28-paper library, ingested and embedded with the hashing model."""
    path = tmp_path / "corpus.jsonl"
    path.write_text(as_jsonl(CORPUS), encoding="utf-8")
    lib = open_lib(tmp_path)
    assert lib.ingest([str(path)]).added == len(CORPUS)
    assert lib.embed_pending() == len(CORPUS)
    yield lib
    lib.close()


def keys_of(hits) -> list[str]:
    return [h.key for h in hits]


# ---- keyword search -------------------------------------------------------------------


def test_keyword_title_match_ranks_above_abstract_only_match(corpus_lib: Library) -> None:
    hits = corpus_lib.search("distillation", mode="keyword")
    assert keys_of(hits) == [key("2501.10002"), key("2502.20004")]  # title match, then abstract mention
    assert "title matches distillation" in hits[0].why
    assert "abstract mentions distillation" in hits[1].why


def test_keyword_search_finds_the_topic(corpus_lib: Library) -> None:
    hits = corpus_lib.search("robot grasping policy", mode="keyword", limit=5)
    assert hits and all(TOPIC[h.paper.arxiv_id] == "robots" for h in hits)
    assert hits[0].key == key("2502.20001")  # "grasping" in the title and "robot"/"policy" in the abstract


def test_phrase_requires_the_exact_phrase(corpus_lib: Library) -> None:
    hits = corpus_lib.search('"speech recognition"', mode="keyword", limit=50)
    found = set(keys_of(hits))
    with_phrase = {key(i) for i, t, a, *_ in CORPUS if "speech recognition" in f"{t} {a}".lower()}
    assert found == with_phrase and len(found) >= 4
    assert key("2501.10004") not in found  # "speech" without "recognition" next to it


def test_free_words_are_or_ed_and_stopwords_ignored(corpus_lib: Library) -> None:
    hits = corpus_lib.search("the tactile of sensing", mode="keyword")
    assert hits[0].key == key("2502.20003")
    assert set(keys_of(hits)) == {key("2502.20003")}


@pytest.mark.parametrize("mode", MODES)
def test_author_restricts_results(corpus_lib: Library, mode: str) -> None:
    hits = corpus_lib.search('au:"Priya Sharma" recommendation', mode=mode, limit=50)
    assert hits
    assert all("Priya Sharma" in h.paper.authors for h in hits)
    assert {h.key for h in hits} <= {key(i) for i, _, _, au, *_ in CORPUS if "Priya Sharma" in au}


def test_author_only_query_lists_the_authors_papers(corpus_lib: Library) -> None:
    hits = corpus_lib.search('au:"Tomás García"', limit=50)
    assert set(keys_of(hits)) == {key("2502.20002"), key("2502.20003"), key("2502.20006")}
    assert all("author Tomás García" in h.why for h in hits)


def test_author_query_ignores_accents_and_case(corpus_lib: Library) -> None:
    hits = corpus_lib.search("au:tomas au:garcia", mode="keyword", limit=50)
    assert set(keys_of(hits)) == {key("2502.20002"), key("2502.20003"), key("2502.20006")}


def test_author_query_does_not_match_across_two_authors(tmp_path: Path) -> None:
    """au:"Jane Doe" must not match a paper by "Mary Jane" and "Doe Smith" (two different people)."""
    recs = [
        ("2505.00001", "Sparse attention kernels", "Block-sparse attention kernels for long inputs.",
         ["Mary Jane", "Doe Smith"], ["cs.LG"], "2025-05-01"),
        ("2505.00002", "Dense attention kernels", "Fused dense attention kernels for short inputs.",
         ["Jane Doe"], ["cs.LG"], "2025-05-02"),
    ]
    path = tmp_path / "two.jsonl"
    path.write_text(as_jsonl(recs), encoding="utf-8")
    lib = open_lib(tmp_path)
    try:
        lib.ingest([str(path)])
        hits = lib.search('au:"Jane Doe"', mode="keyword")
        assert keys_of(hits) == [key("2505.00002")]
    finally:
        lib.close()


@pytest.mark.parametrize("mode", MODES)
def test_category_in_query_restricts(corpus_lib: Library, mode: str) -> None:
    hits = corpus_lib.search("cat:cs.CL models", mode=mode, limit=50)
    assert hits
    assert all("cs.CL" in h.paper.categories for h in hits)


@pytest.mark.parametrize("mode", MODES)
def test_excluded_term_removes_papers(corpus_lib: Library, mode: str) -> None:
    base = corpus_lib.search("speech recognition", mode=mode, limit=50)
    assert any("acoustic" in f"{h.paper.title} {h.paper.abstract}".lower() for h in base)
    hits = corpus_lib.search("speech recognition -acoustic", mode=mode, limit=50)
    assert hits
    assert not any("acoustic" in f"{h.paper.title} {h.paper.abstract}".lower() for h in hits)


def test_excluded_phrase(corpus_lib: Library) -> None:
    hits = corpus_lib.search('speech -"word error rate"', mode="keyword", limit=50)
    assert hits
    assert not any("word error rate" in h.paper.abstract.lower() for h in hits)


@pytest.mark.parametrize("mode", MODES)
def test_date_and_category_filters_apply_in_every_mode(corpus_lib: Library, mode: str) -> None:
    hits = corpus_lib.search("learning models", mode=mode, limit=50, since="2025-03-01", until="2025-05-31")
    assert hits
    assert all("2025-03-01" <= h.paper.date <= "2025-05-31" for h in hits)
    hits = corpus_lib.search("learning models", mode=mode, limit=50, category="cs.RO")
    assert hits and all("cs.RO" in h.paper.categories for h in hits)
    hits = corpus_lib.search("learning models", mode=mode, limit=50, category="q-bio.BM", since="2025-04-01")
    assert hits and all("q-bio.BM" in h.paper.categories and h.paper.date >= "2025-04-01" for h in hits)


@pytest.mark.parametrize("mode", MODES)
def test_since_until_in_query_syntax(corpus_lib: Library, mode: str) -> None:
    hits = corpus_lib.search("recommendation since:2025-05-01 until:2025-06-30", mode=mode, limit=50)
    assert hits and all("2025-05-01" <= h.paper.date <= "2025-06-30" for h in hits)


def test_until_includes_the_whole_day_and_month(corpus_lib: Library) -> None:
    hits = corpus_lib.search("robot", mode="keyword", limit=50, until="2025-01-20")
    assert keys_of(hits) == [key("2502.20001")]
    month = corpus_lib.search("robot", mode="keyword", limit=50, since="2025-02", until="2025-02")
    assert keys_of(month) == [key("2502.20002")]


def test_filter_that_matches_nothing_gives_no_results(corpus_lib: Library) -> None:
    for mode in MODES:
        assert corpus_lib.search("speech", mode=mode, category="math.AG") == []
        assert corpus_lib.search("speech", mode=mode, since="2030-01-01") == []


# ---- semantic and hybrid ------------------------------------------------------------------


def test_semantic_mode_ranks_by_cosine(corpus_lib: Library) -> None:
    title = "Bimanual Cloth Folding with Diffusion Policies"
    hits = corpus_lib.search(title, mode="semantic", limit=28)
    assert hits[0].key == key("2502.20007")
    assert len(hits) == len(CORPUS)  # every embedded paper is a candidate
    cosines = [float(h.why.split("cosine ")[1].rstrip(")")) for h in hits]
    assert cosines == sorted(cosines, reverse=True)
    assert all("close in meaning" in h.why and "matches" not in h.why for h in hits)


def test_hybrid_is_the_fused_union_of_keyword_and_dense(corpus_lib: Library, tmp_path: Path) -> None:
    # a paper ingested after embedding has no vector: only the keyword side can find it
    late = [("2506.50001", "Tactile Skins for Humanoid Robots",
             "Stretchable tactile skins cover the arms of a humanoid robot and sense contact pressure.",
             ["Tomás García"], ["cs.RO"], "2025-08-01")]
    path = tmp_path / "late.jsonl"
    path.write_text(as_jsonl(late), encoding="utf-8")
    corpus_lib.ingest([str(path)])
    hits = corpus_lib.search("tactile", mode="hybrid", limit=40)
    by_key = {h.key: h for h in hits}
    keyword_only = by_key[key("2506.50001")]
    assert "title matches tactile" in keyword_only.why and "cosine" not in keyword_only.why
    dense_only = [h for h in hits if "tactile" not in f"{h.paper.title} {h.paper.abstract}".lower()]
    assert dense_only and all(h.why.startswith("close in meaning") for h in dense_only)
    both = by_key[key("2502.20003")]
    assert "title matches tactile" in both.why and "close in meaning" in both.why
    # fused: found by both sides beats found by one
    assert hits[0].key == key("2502.20003")
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_covered_counts_query_words_by_their_stems() -> None:
    text = "Estimation of symptom severity from voices of patients"
    assert covered(["estimating", "patients", "voice", "psychiatric"], text) == 3
    assert covered(["face"], "facial expressions") == 0  # a stem is the word less at most three letters
    assert covered([], text) == 0


def test_hybrid_and_similar_read_each_paper_once(corpus_lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    store = corpus_lib.store
    real = store.papers_map
    asked: list[list[int]] = []

    def recording(ids):
        asked.append(list(ids))
        return real(ids)

    monkeypatch.setattr(store, "papers_map", recording)
    hits = corpus_lib.search("voice activity in overlapping lecture recordings", mode="hybrid", limit=5)
    assert hits and len(asked) >= 1  # the coverage step read papers (a partial keyword match)
    ids = [i for call in asked for i in call]
    assert len(ids) == len(set(ids))
    asked.clear()
    corpus_lib.similar(key("2503.30003"), limit=5)
    ids = [i for call in asked for i in call]
    assert ids and len(ids) == len(set(ids))


def test_hybrid_counts_a_partial_keyword_match_by_its_coverage(corpus_lib: Library) -> None:
    # no paper has all five words ("lecture" is in none): keyword search falls back to papers with
    # any of them, and each counts in the fusion by the share of the words it has
    query = "voice activity in overlapping lecture recordings"
    q = parse_query(query)
    searcher = corpus_lib.searcher()
    kw, partial = searcher._keyword(q, Filters(), 100)
    assert kw and set(partial) == {i for i, _ in kw}  # every keyword hit is a partial match
    coverage = searcher._coverage(q, partial)
    assert all(0 < c < 1 for c in coverage.values())
    hits = corpus_lib.search(query, mode="hybrid", limit=5)
    assert hits[0].key == key("2501.10004")  # diarization: four of the five words
    scores = {h.key: h.score for h in hits}
    full = rrf([[i for i, _ in kw], [i for i, _ in searcher._semantic(q, Filters(), 100)]], k=RRF_K)
    assert max(scores.values()) < max(s for _, s in full)  # coverage scaled the keyword side down


def test_hybrid_without_any_vectors_falls_back_to_keyword(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text(as_jsonl(CORPUS), encoding="utf-8")
    lib = open_lib(tmp_path)
    try:
        lib.ingest([str(path)])
        hits = lib.search("matrix factorization", limit=5)
        assert hits[0].key == key("2503.30007")
        assert lib.search("matrix factorization", mode="semantic") == []
    finally:
        lib.close()


@pytest.mark.parametrize("mode", MODES)
def test_every_hit_is_explained(corpus_lib: Library, mode: str) -> None:
    hits = corpus_lib.search("protein structure from amino acid sequences", mode=mode, limit=10)
    assert hits
    for h in hits:
        assert h.key.startswith("arxiv:") and h.paper is not None and h.paper.title
        assert isinstance(h.score, float) and np.isfinite(h.score)
        assert h.why.strip()
    assert keys_of(hits) == list(dict.fromkeys(keys_of(hits)))  # no duplicates


def test_limit_is_respected(corpus_lib: Library) -> None:
    for mode in MODES:
        assert len(corpus_lib.search("learning", mode=mode, limit=3)) == 3


def test_unknown_mode_is_a_clear_error(corpus_lib: Library) -> None:
    with pytest.raises(PaperfeedError, match="unknown search mode"):
        corpus_lib.search("speech", mode="fuzzy")


ABSURD = ["", "   ", "-", '"', "au:", "cat:", "AND OR NOT", "(((", ")))", "*", "NEAR(a b)", '"unbalanced phrase',
          "title:speech", "since:2025-01-01", "since:not-a-date speech", "-speech", "---", "\x00", "🙂 robots",
          "x" * 10_000, "speech " * 2_000, "au:" + "a" * 5_000]


def search_or_clear_error(lib: Library, query: str, mode: str) -> None:
    try:
        hits = lib.search(query, mode=mode)
    except PaperfeedError as e:
        assert str(e)
        return
    assert isinstance(hits, list)
    assert all(h.why for h in hits)


@pytest.mark.parametrize("query", ABSURD, ids=lambda q: repr(q[:20]))
def test_absurd_queries_give_results_or_a_clear_error(corpus_lib: Library, query: str) -> None:
    for mode in MODES:
        search_or_clear_error(corpus_lib, query, mode)


def test_apostrophes_and_backslashes_give_results_or_a_clear_error(corpus_lib: Library) -> None:
    """BUG: rank/query.py _split lets shlex's ValueError escape for a lone ' or a trailing backslash."""
    for query in ("Alzheimer's disease", "don't", "'", "\\", "speech\\"):
        for mode in MODES:
            search_or_clear_error(corpus_lib, query, mode)


def test_empty_query_message(corpus_lib: Library) -> None:
    for q in ("", "   ", "-", '"', "since:2025-01-01"):
        with pytest.raises(PaperfeedError, match="empty query"):
            corpus_lib.search(q)


def test_excluded_only_query_returns_nothing_rather_than_everything(corpus_lib: Library) -> None:
    for mode in MODES:
        assert corpus_lib.search("-speech", mode=mode) == []


def test_apostrophe_in_query_is_searchable(corpus_lib: Library) -> None:
    hits = corpus_lib.search("robot's gripper", mode="keyword")
    assert key("2502.20003") in keys_of(hits)


# ---- similar ----------------------------------------------------------------------------


def test_similar_by_key_excludes_the_paper_and_stays_on_topic(corpus_lib: Library) -> None:
    hits = corpus_lib.similar(key("2503.30003"), limit=5)
    assert key("2503.30003") not in keys_of(hits)
    assert len(hits) == 5
    assert sum(TOPIC[h.paper.arxiv_id] == "recsys" for h in hits) >= 3
    assert all(h.why for h in hits)


def test_similar_by_arxiv_id_without_prefix(corpus_lib: Library) -> None:
    assert keys_of(corpus_lib.similar("2504.40002", limit=3)) == keys_of(corpus_lib.similar(key("2504.40002"),
                                                                                            limit=3))


def test_similar_unknown_key_is_not_found(corpus_lib: Library) -> None:
    for ref in ("arxiv:2999.99999", "doi:10.1234/nothing", "no-such-key", ""):
        with pytest.raises(NotFound):
            corpus_lib.similar(ref)


def test_similar_to_text(corpus_lib: Library) -> None:
    # topical quality of the mix is checked with the real model (test_real_model.py); the 64-d hashing
    # model here only sees shared words, so the words of robot papers must carry the top
    text = ("We study how robots can learn to grasp objects. The gripper uses tactile sensing and a learned "
            "grasping policy trained by reinforcement learning in simulation.")
    hits = corpus_lib.similar(text=text, limit=5)
    assert len(hits) == 5
    assert [TOPIC[h.paper.arxiv_id] for h in hits[:2]] == ["robots", "robots"]
    assert all('closest sentence: "' in h.why for h in hits)


def test_similar_promotes_a_paper_sharing_one_sentence(corpus_lib: Library, tmp_path: Path) -> None:
    """Sentence-level max-sim: a paper that repeats one finding of the query outranks one that only
    shares scattered words, and the reason quotes that sentence."""
    shared = "Ensembles of tiny decision forests calibrate the uncertainty of streaming sensor forecasts."
    rec = [("2509.90001", "A Report on Several Unrelated Topics",
            "Birds migrate along coasts in autumn. " + shared + " Bread rises faster in warm kitchens.",
            ["A B"], ["cs.LG"], "2025-09-01")]
    path = tmp_path / "extra.jsonl"
    path.write_text(as_jsonl(rec), encoding="utf-8")
    corpus_lib.ingest([str(path)])
    corpus_lib.embed_pending()
    hits = corpus_lib.similar(text="Streaming forecasts. " + shared + " We also study something else entirely.",
                              limit=3)
    assert hits[0].key == key("2509.90001")
    assert "tiny decision forests" in hits[0].why


def test_similar_caches_sentence_vectors_and_drops_stale_ones(corpus_lib: Library, tmp_path: Path) -> None:
    store, emb = corpus_lib.store, corpus_lib.embedder()
    hits = corpus_lib.similar(key("2503.30003"), limit=5)
    pid = store.resolve_id(hits[0].key)
    model = similar_mod.sentence_model(corpus_lib.searcher())
    cached = store.sentence_vectors_for(model, [pid], emb.dim)
    paper = hits[0].paper
    assert pid in cached and cached[pid].shape == (len(sentences.split(paper.title, paper.abstract)), emb.dim)
    assert np.allclose(np.linalg.norm(cached[pid], axis=1), 1.0, atol=1e-2)
    # a new version of the paper's text makes the cached sentence vectors stale
    changed = [(paper.arxiv_id, paper.title, paper.abstract + " A new closing sentence is added here.",
                list(paper.authors), list(paper.categories), paper.date)]
    path = tmp_path / "v2.jsonl"
    path.write_text(as_jsonl(changed), encoding="utf-8")
    assert corpus_lib.ingest([str(path)]).updated == 1
    assert pid not in store.sentence_vectors_for(model, [pid], emb.dim)


def test_similar_reports_the_sentence_embedding_it_must_do_first(corpus_lib: Library) -> None:
    calls: list[tuple[str, int]] = []
    advanced: list[int] = []

    @contextmanager
    def progress(what: str, total: int):
        calls.append((what, total))
        yield advanced.append

    first = corpus_lib.similar(key("2503.30003"), limit=5, progress=progress)
    assert calls == [("embedding the sentences of", len(CORPUS) - 1)]  # every other paper is a candidate here
    assert sum(advanced) == len(CORPUS) - 1 and max(advanced) == similar_mod.SENTENCE_CHUNK
    # cached now: nothing to report, and the same hits
    calls.clear()
    again = corpus_lib.similar(key("2503.30003"), limit=5, progress=progress)
    assert calls == [] and [h.key for h in again] == [h.key for h in first]


def test_blend_cosines_takes_the_second_tier_where_there_is_one() -> None:
    first = np.array([0.9, 0.5, 0.1, 0.3])
    z = similar_mod.blend_cosines(first, [None, 0.2, 0.8, None])
    assert z[[0, 3]] == pytest.approx(similar_mod.standardise(first)[[0, 3]])
    assert z[1] == pytest.approx(-1.0) and z[2] == pytest.approx(1.0)  # the two strong values, standardised
    assert similar_mod.blend_cosines(first, [None, 0.7, None, None]) == pytest.approx(similar_mod.standardise(first))
    full = similar_mod.blend_cosines(first, [0.1, 0.2, 0.3, 0.4])
    assert np.argsort(-full).tolist() == [3, 2, 1, 0]  # every candidate has one: the strong order alone


@pytest.mark.slow
@pytest.mark.skipif(not onnx_minilm.weights_installed(), reason=f"{onnx_minilm.WEIGHTS_PACKAGE} is not installed")
def test_similar_second_tier_reranks_with_the_stronger_models_stored_vectors(corpus_lib: Library) -> None:
    # first tier: the hashing test model (words only); second tier: the real MiniLM. A paraphrase that
    # shares no content word with the speech papers finds them only through the second tier
    text = "Turning talk from a microphone into written text while the person is still talking."
    one_tier = corpus_lib.similar(text=text, limit=5)
    set_value(corpus_lib.settings.home, "similar.rerank_model", "minilm-l6-int8")
    keys = [h.key for h in one_tier]
    assert [h.key for h in corpus_lib.similar(text=text, limit=5)] == keys  # no MiniLM vectors yet: one tier
    assert corpus_lib.second_tier_models() == ["minilm-l6-int8"]
    assert corpus_lib.embed_pending("minilm-l6-int8") == len(CORPUS)
    stored = corpus_lib.store.vector_models()["minilm-l6-int8"]
    two_tier = corpus_lib.similar(text=text, limit=5)
    assert [h.key for h in two_tier] != keys
    def speech(hits):
        return [TOPIC[h.paper.arxiv_id] == "speech" for h in hits]

    assert speech(two_tier)[:2] == [True, True] and sum(speech(two_tier)) >= 4 > sum(speech(one_tier))
    assert corpus_lib.store.vector_models()["minilm-l6-int8"] == stored  # similar only reads
    # a paper key as the query uses the paper's stored second-tier vector
    by_key = corpus_lib.similar(key("2501.10001"), limit=3)
    assert all(speech(by_key))
    # the second tier named as the first: one tier, nothing added
    assert corpus_lib.similar(text=text, limit=5, model_id="minilm-l6-int8")


def test_similar_to_empty_text_is_a_clear_error(corpus_lib: Library) -> None:
    for text in ("", "   "):
        with pytest.raises(PaperfeedError):
            corpus_lib.similar(text=text)


def test_similar_for_a_paper_without_vector_embeds_on_the_fly(corpus_lib: Library, tmp_path: Path) -> None:
    late = [("2506.50002", "Session Graphs for Next-Item Recommendation",
             "Clicked items in a shopping session form a graph; a graph neural network predicts the next item.",
             ["Wei Zhang"], ["cs.IR"], "2025-08-02")]
    path = tmp_path / "late.jsonl"
    path.write_text(as_jsonl(late), encoding="utf-8")
    corpus_lib.ingest([str(path)])
    hits = corpus_lib.similar(key("2506.50002"), limit=3)
    assert hits[0].key == key("2503.30001")


# ---- keeping the index current (real records) ---------------------------------------------

_REAL: dict[str, list[str]] = {}


def real_lines(data_file: Callable[[str], Path], n: int) -> list[str]:
    """The first n JSON lines of a shared arXiv file (read once per session)."""
    name = "arxiv-cs-daily-advancedcs.jsonl.gz"
    if len(_REAL.get(name, [])) < n:
        out = []
        with gzip.open(data_file(name), "rt", encoding="utf-8") as f:
            for line in f:
                out.append(line)
                if len(out) >= n:
                    break
        _REAL[name] = out
    return _REAL[name][:n]


@pytest.fixture
def real_lib(tmp_path: Path, data_file) -> Iterator[tuple[Library, list[dict]]]:
    """A library of 200 real records (embedded) and 100 more records not yet ingested."""
    lines = real_lines(data_file, 300)
    first = tmp_path / "first.jsonl"
    first.write_text("".join(lines[:200]), encoding="utf-8")
    lib = open_lib(tmp_path)
    lib.ingest([str(first)])
    lib.embed_pending()
    yield lib, [json.loads(x) for x in lines[200:]]
    lib.close()


def write_records(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def as_query(title: str, abstract: str) -> str:
    """A paper's text as a plain query (no quotes, backslashes or leading minus signs), as much of it as
    the query caps allow (rank/query.py: MAX_QUERY_CHARS, MAX_QUERY_TERMS)."""
    words = f"{title}. {abstract}".translate(str.maketrans("'\"\\’", "    ")).split()
    query = ""
    for w in (w.lstrip("-") for w in words):
        longer = f"{query} {w}".strip()
        try:
            parse_query(longer)
        except QueryTooLarge:
            break
        query = longer
    return query


def index_generation(lib: Library) -> Path:
    """The directory of the published index generation."""
    found = current_generation(lib.settings.index_dir / MODEL)
    assert found is not None, "no index published"
    return found[0]


def index_meta(lib: Library) -> dict:
    return json.loads((index_generation(lib) / "meta.json").read_text(encoding="utf-8"))


def test_new_papers_are_searchable_after_embedding(real_lib, tmp_path: Path) -> None:
    lib, more = real_lib
    assert lib.search("x", mode="semantic", limit=1)  # index built and cached
    assert index_meta(lib)["count"] == 200
    lib.ingest([str(write_records(tmp_path / "more.jsonl", more))])
    target = more[-1]
    assert lib.embed_pending() == 100
    assert index_meta(lib)["count"] == 300
    hits = lib.search(as_query(target["title"], target["abstract"]), mode="semantic", limit=1)
    assert hits[0].key == key(target["id"])
    # a fresh Library (new process) loads the saved index and sees them too
    again = open_lib(tmp_path)
    try:
        assert again.search(as_query(target["title"], target["abstract"]), mode="semantic", limit=1)[0].key == \
            key(target["id"])
    finally:
        again.close()


def test_deleted_index_directory_is_rebuilt(real_lib, tmp_path: Path) -> None:
    lib, _ = real_lib
    shutil.rmtree(lib.settings.index_dir)
    fresh = open_lib(tmp_path)
    try:
        paper = fresh.recent(limit=1)[0]
        hits = fresh.search(as_query(paper.title, paper.abstract), mode="semantic", limit=1)
        assert hits[0].key == paper.key
        assert index_meta(fresh)["count"] == 200
    finally:
        fresh.close()


@pytest.mark.parametrize("victim", ["meta.json", "vectors.npy", "ids.npy", "all"])
def test_garbage_index_files_are_rebuilt(real_lib, tmp_path: Path, victim: str) -> None:
    lib, _ = real_lib
    damaged = index_generation(lib)
    files = sorted(p for p in damaged.iterdir() if p.is_file())
    assert files
    for p in files:
        if victim in (p.name, "all"):
            p.write_bytes(b"\x00garbage\xff" * 7)
    fresh = open_lib(tmp_path)
    try:
        paper = fresh.recent(limit=1)[0]
        hits = fresh.search(as_query(paper.title, paper.abstract), mode="semantic", limit=3)
        assert hits[0].key == paper.key
        assert len(fresh.search("language", mode="hybrid", limit=50)) == 50
        assert index_generation(fresh) != damaged  # rebuilt and published as a new generation
        assert index_meta(fresh)["count"] == 200
        assert np.load(index_generation(fresh) / "vectors.npy").shape == (200, 64)
    finally:
        fresh.close()


def test_truncated_vectors_file_is_rebuilt(real_lib, tmp_path: Path) -> None:
    lib, _ = real_lib
    vec = index_generation(lib) / "vectors.npy"
    vec.write_bytes(vec.read_bytes()[: vec.stat().st_size // 2])
    fresh = open_lib(tmp_path)
    try:
        paper = fresh.recent(limit=1)[0]
        assert fresh.search(as_query(paper.title, paper.abstract), mode="semantic", limit=1)[0].key == paper.key
    finally:
        fresh.close()


def test_random_vectors_of_the_right_shape_are_rebuilt(real_lib, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """The attack of issue 15: vectors.npy swapped for random vectors of the same shape is not served."""
    lib, _ = real_lib
    damaged = index_generation(lib)
    good, good_ids = np.load(damaged / "vectors.npy"), np.load(damaged / "ids.npy")
    noise = np.random.default_rng(1).standard_normal(good.shape).astype(np.float32)
    np.save(damaged / "vectors.npy", noise / np.linalg.norm(noise, axis=1, keepdims=True))
    fresh = open_lib(tmp_path)
    try:
        papers = fresh.recent(limit=5)
        with caplog.at_level("WARNING"):
            for paper in papers:
                assert fresh.search(as_query(paper.title, paper.abstract), mode="semantic", limit=1)[0].key == \
                    paper.key
        assert "vectors.npy checksum mismatch" in caplog.text
        assert index_generation(fresh) != damaged and not damaged.exists()  # replaced, then removed
        ids = np.load(index_generation(fresh) / "ids.npy")
        assert np.array_equal(np.load(index_generation(fresh) / "vectors.npy")[np.argsort(ids)],
                              good[np.argsort(good_ids)])
    finally:
        fresh.close()


def test_interrupted_embedding_keeps_finished_batches(tmp_path: Path, data_file) -> None:
    path = tmp_path / "real.jsonl"
    path.write_text("".join(real_lines(data_file, 250)), encoding="utf-8")
    lib = open_lib(tmp_path)
    try:
        lib.ingest([str(path)])
        assert lib.count_pending() == 250
        batches: list[int] = []

        def progress(n: int) -> None:
            batches.append(n)
            if len(batches) == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            lib.embed_pending(batch=40, progress=progress)
        assert batches == [40, 40]
        assert lib.count_pending() == 250 - 80
        assert lib.store.vector_models() == {MODEL: 80}
        assert lib.embed_pending(batch=40) == 170
        assert lib.count_pending() == 0
        assert lib.store.vector_models() == {MODEL: 250}
        paper = lib.recent(limit=1)[0]
        assert lib.search(as_query(paper.title, paper.abstract), mode="semantic", limit=1)[0].key == paper.key
        assert lib.embed_pending() == 0
    finally:
        lib.close()


def test_changed_abstract_makes_exactly_that_paper_pending(real_lib, tmp_path: Path) -> None:
    lib, _ = real_lib
    assert lib.count_pending() == 0
    old = lib.recent(limit=1, offset=5)[0]
    newer = {"id": old.arxiv_id, "title": old.title, "version": 2, "authors": list(old.authors),
             "abstract": "A rewritten abstract about tactile sensing for robot grippers and slip detection.",
             "categories": list(old.categories), "date": old.date}
    report = lib.ingest([str(write_records(tmp_path / "v2.jsonl", [newer]))])
    assert report.updated == 1
    assert lib.count_pending() == 1
    pending = lib.store.papers_missing_vectors(MODEL, 10)
    assert [lib.store.papers_by_ids([r[0]])[0].key for r in pending] == [old.key]
    assert lib.embed_pending() == 1
    assert lib.search(newer["abstract"], mode="semantic", limit=1)[0].key == old.key
    # re-ingesting identical records changes nothing
    lib.ingest([str(write_records(tmp_path / "v2.jsonl", [newer]))])
    assert lib.count_pending() == 0


def test_stale_vector_is_not_served_before_reembedding(real_lib, tmp_path: Path) -> None:
    """A paper whose text changed has no current vector until re-embedded, whichever path search takes.

    The filtered path (store.vectors_for) already ignores the stale vector; the unfiltered path must agree.
    """
    lib, _ = real_lib
    old = lib.recent(limit=1, offset=5)[0]
    assert lib.search("x", mode="semantic", limit=1)  # the index is loaded and cached
    newer = {"id": old.arxiv_id, "title": old.title, "version": 2, "authors": list(old.authors),
             "abstract": "A rewritten abstract about tactile sensing for robot grippers and slip detection.",
             "categories": list(old.categories), "date": old.date}
    lib.ingest([str(write_records(tmp_path / "v2.jsonl", [newer]))])
    q = as_query(old.title, "")
    filtered = keys_of(lib.search(q, mode="semantic", limit=300, since="1900-01-01"))
    unfiltered = keys_of(lib.search(q, mode="semantic", limit=300))
    assert old.key not in filtered
    assert old.key not in unfiltered


def test_sentence_vectors_can_be_precomputed_and_are_then_reused(corpus_lib: Library,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert corpus_lib.count_pending_sentences() == len(CORPUS)
    assert corpus_lib.embed_sentences_pending(batch=5) == len(CORPUS)
    assert corpus_lib.count_pending_sentences() == 0
    assert corpus_lib.embed_sentences_pending() == 0  # idempotent
    before = [h.key for h in corpus_lib.similar(key("2503.30003"), limit=5)]
    calls: list[int] = []
    monkeypatch.setattr(similar_mod, "embed_sentences", lambda s, rows: calls.append(len(rows)) or [])
    assert [h.key for h in corpus_lib.similar(key("2503.30003"), limit=5)] == before
    assert calls == []  # nothing left to embed at query time


def test_embed_cli_precomputes_sentences(corpus_lib: Library) -> None:
    from click.testing import CliRunner

    from paperfeed.cli import main

    db = str(corpus_lib.settings.db_path)
    r = CliRunner().invoke(main, ["--db", db, "embed", "--model", MODEL, "--sentences"])
    assert r.exit_code == 0, r.output
    assert f"sentence vectors for {len(CORPUS)} papers" in r.output
    r = CliRunner().invoke(main, ["--db", db, "embed", "--model", MODEL, "--sentences"])
    assert "all sentence vectors already computed" in r.output
    assert corpus_lib.store.sentences_ahead() == MODEL  # the daily run keeps them complete from now on


def test_embed_sentences_on_an_empty_library_still_asks_daily_to_keep_them(tmp_path) -> None:
    from click.testing import CliRunner

    from paperfeed.cli import main

    db = str(tmp_path / "empty.db")
    r = CliRunner().invoke(main, ["--db", db, "embed", "--model", MODEL, "--sentences"])
    assert r.exit_code == 0, r.output
    from paperfeed.store.sqlite import SqliteStore

    store = SqliteStore(db)
    assert store.sentences_ahead() == MODEL
    store.close()
