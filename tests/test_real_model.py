"""The real default model (minilm-l6-int8) end to end: ingest real papers, embed, search, similar, feed.

The library (about 200 real arXiv papers in four categories plus samples/formats/sample.bib) is built
and embedded once for the module. The exported model lives in PAPERFEED_HOME/models, and conftest gives
every test its own PAPERFEED_HOME, so this module pins PAPERFEED_HOME to one module-wide directory:
otherwise every test would export the model again.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from paperfeed.config import load_settings
from paperfeed.embed import onnx_minilm
from paperfeed.embed.registry import DEFAULT_MODEL, HASHING_MODEL
from paperfeed.library import Library
from paperfeed.rank.query import STOPWORDS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not onnx_minilm.weights_installed(), reason=f"{onnx_minilm.WEIGHTS_PACKAGE} is not installed"),
]

SAMPLE_BIB = Path(__file__).parents[1] / "samples" / "formats" / "sample.bib"
PER_CATEGORY = {"cs.CL": 50, "cs.CV": 50, "cs.RO": 50, "eess.AS": 50}


@pytest.fixture(scope="module")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real-model-home")


@pytest.fixture(autouse=True)
def _pinned_home(paperfeed_home: Path, model_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One PAPERFEED_HOME (and so one exported model) for the whole module."""
    monkeypatch.setenv("PAPERFEED_HOME", str(model_home))


@pytest.fixture(scope="module")
def _module_state() -> Iterator[dict]:
    state: dict = {}
    yield state
    if "lib" in state:
        state["lib"].close()


def balanced_records(path: Path) -> list[bytes]:
    """The first dated records whose primary category is one of PER_CATEGORY, PER_CATEGORY[c] each."""
    got: dict[str, list[bytes]] = {c: [] for c in PER_CATEGORY}
    with gzip.open(path, "rb") as f:
        for line in f:
            o = orjson.loads(line)
            cat = o["categories"][0] if o["categories"] else None
            if cat in got and o["date"] and len(got[cat]) < PER_CATEGORY[cat]:
                got[cat].append(line)
            if all(len(got[c]) == n for c, n in PER_CATEGORY.items()):
                break
    return [line for c in PER_CATEGORY for line in got[c]]


@pytest.fixture
def real_lib(_module_state: dict, data_file: Callable[[str], Path], model_home: Path) -> Library:
    """The module's library with the default model, built and embedded on first use."""
    if "lib" not in _module_state:
        lines = balanced_records(data_file("arxiv-cs-daily-advancedcs.jsonl.gz"))
        listing = model_home / "real.jsonl"
        listing.write_bytes(b"".join(lines))
        lib = Library(load_settings(model_home / "library.db"))
        report = lib.ingest([str(listing), str(SAMPLE_BIB)])
        assert report.added >= 200 + 5
        assert lib.count_pending() == report.added
        assert lib.embed_pending() == report.added
        _module_state["lib"] = lib
    return _module_state["lib"]


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS and len(w) > 2}


# (paraphrased query, arXiv id of the paper it describes)
PARAPHRASES = [
    ("personalised devices for people who are hard of hearing", "2502.10822"),  # NeuroAMP ... Hearing Aids
    ("simulator for underwater vehicles", "2502.11887"),  # Stonefish ... Marine Robotics
    ("estimating how ill psychiatric patients are from their voice and face", "2505.16044"),  # Schizophrenia
    ("keeping a small flying drone stable with learned controllers", "2501.18490"),  # Quadrotor stabilization
    ("making image-text systems safer by editing their weights rather than retraining", "2503.11742"),  # sample.bib
]


def test_default_model_is_used(real_lib: Library) -> None:
    assert real_lib.embedder().model_id == DEFAULT_MODEL
    assert real_lib.store.vector_models()[DEFAULT_MODEL] == real_lib.store.count()


@pytest.mark.parametrize(("query", "arxiv_id"), PARAPHRASES, ids=[p[1] for p in PARAPHRASES])
def test_paraphrase_finds_the_paper(real_lib: Library, query: str, arxiv_id: str) -> None:
    paper = real_lib.get(arxiv_id)
    shared = content_words(query) & content_words(f"{paper.title} {paper.abstract}")
    assert len(shared) <= 3, shared  # the query really is a paraphrase
    semantic = [h.key for h in real_lib.search(query, mode="semantic", limit=5)]
    assert paper.key in semantic
    hybrid = [h.key for h in real_lib.search(query, mode="hybrid", limit=5)]
    assert paper.key in hybrid


def test_semantic_hits_carry_a_cosine(real_lib: Library) -> None:
    hits = real_lib.search("robots that learn to pick things up", mode="semantic", limit=10)
    assert len(hits) == 10
    cos = [float(h.why.split("cosine ")[1].rstrip(")")) for h in hits]
    assert cos == sorted(cos, reverse=True) and 0.2 < cos[0] <= 1.0
    assert sum(h.paper.categories[:1] == ("cs.RO",) for h in hits) >= 7


@pytest.mark.parametrize("arxiv_id", ["2502.11887", "2501.18490", "2505.14600", "2502.03930", "2412.12465"])
def test_similar_by_key_returns_the_same_category_mostly(real_lib: Library, arxiv_id: str) -> None:
    paper = real_lib.get(arxiv_id)
    hits = real_lib.similar(paper.key, limit=10)
    assert paper.key not in [h.key for h in hits] and len(hits) == 10
    cats = Counter(h.paper.categories[0] if h.paper.categories else None for h in hits)
    assert cats[paper.categories[0]] >= 7, cats


def test_similar_to_pasted_text(real_lib: Library) -> None:
    text = ("We convert written sentences into natural sounding spoken audio. A neural vocoder and a model "
            "of prosody produce expressive voices for unseen speakers.")
    hits = real_lib.similar(text=text, limit=10)
    assert sum(h.paper.categories[:1] == ("eess.AS",) for h in hits if h.paper.categories) >= 7


def test_feed_with_the_real_model(real_lib: Library) -> None:
    real_lib.create_profile("manipulation", keys=["arxiv:2502.04531", "arxiv:2502.09389", "arxiv:2502.13964"])
    hits = real_lib.feed("manipulation", limit=10, all_dates=True)  # ranking over the whole library
    assert len(hits) == 10
    assert sum(h.paper.categories[:1] == ("cs.RO",) for h in hits) >= 8
    assert all(h.why.startswith("close to your paper") for h in hits)


def test_switching_models_keeps_both_vector_sets(real_lib: Library) -> None:
    n = real_lib.store.count()
    assert real_lib.count_pending(HASHING_MODEL) == n
    assert real_lib.embed_pending(model_id=HASHING_MODEL) == n
    assert real_lib.store.vector_models() == {DEFAULT_MODEL: n, HASHING_MODEL: n}
    assert real_lib.count_pending() == 0 and real_lib.count_pending(HASHING_MODEL) == 0
    # each model searches with its own index
    query, arxiv_id = PARAPHRASES[1]
    assert real_lib.get(arxiv_id).key in [h.key for h in real_lib.search(query, mode="semantic", limit=5)]
    hashed = real_lib.search("Stonefish marine robotics simulator", mode="semantic", limit=3, model_id=HASHING_MODEL)
    assert len(hashed) == 3
    assert (real_lib.settings.index_dir / DEFAULT_MODEL).is_dir()
    assert (real_lib.settings.index_dir / HASHING_MODEL).is_dir()
