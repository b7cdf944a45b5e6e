"""TF-IDF features (uni+bigrams, sublinear tf) for lexical similarity and for explanations."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

MAX_FEATURES = 200_000


def make_vectorizer(max_features: int = MAX_FEATURES, min_df: int = 2, max_df: float = 0.5) -> TfidfVectorizer:
    """The TF-IDF vectorizer paperfeed uses for lexical similarity."""
    return TfidfVectorizer(
        sublinear_tf=True, ngram_range=(1, 2), min_df=min_df, max_df=max_df, stop_words="english",
        max_features=max_features, dtype=np.float32, strip_accents="unicode",
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
    )


class Lexical:
    """A fitted TF-IDF model: transform texts into L2-normalised sparse rows."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self._terms: np.ndarray | None = None

    @classmethod
    def fit(cls, texts: list[str], max_features: int = MAX_FEATURES) -> Lexical:
        """Fit vocabulary and IDF on a corpus (min_df drops one-off terms on larger corpora)."""
        # tiny corpora (a new library) keep every term: max_df would otherwise drop them all
        vec = make_vectorizer(max_features, min_df=2 if len(texts) >= 200 else 1,
                              max_df=0.5 if len(texts) >= 20 else 1.0)
        try:
            vec.fit(texts)
        except ValueError:  # no usable term at all (empty or stop-word-only texts)
            vec = make_vectorizer(max_features, min_df=1, max_df=1.0)
            vec.fit([*texts, "paper"])
        return cls(vec)

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Sparse TF-IDF rows (float32, unit length)."""
        return self.vectorizer.transform(texts).astype(np.float32).tocsr()

    @property
    def terms(self) -> np.ndarray:
        """Feature names (terms and bigrams)."""
        if self._terms is None:
            self._terms = self.vectorizer.get_feature_names_out()
        return self._terms

    def shared_terms(self, a: sparse.csr_matrix, b: sparse.csr_matrix, n: int = 3) -> list[str]:
        """The terms contributing most to the cosine of two single rows, best first."""
        prod = a.multiply(b).tocsr()
        if prod.nnz == 0:
            return []
        order = np.argsort(-prod.data)[: n * 3]
        picked: list[str] = []
        for idx in order:
            term = str(self.terms[prod.indices[idx]])
            if any(term in p or p in term for p in picked):
                continue
            picked.append(term)
            if len(picked) == n:
                break
        return picked


def max_sim(cand: sparse.csr_matrix, prof: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: max cosine over profile rows and which row gave it."""
    if prof.shape[0] == 0 or cand.shape[0] == 0:
        return np.zeros(cand.shape[0], np.float32), np.zeros(cand.shape[0], np.int64)
    sims = (cand @ prof.T).toarray()
    return sims.max(axis=1), sims.argmax(axis=1)
