"""The facade every front end (CLI, web, delivery) calls. Owns the store, embedder and index."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperfeed import normalize
from paperfeed.config import Settings
from paperfeed.embed.base import paper_text
from paperfeed.errors import NotFound, PaperfeedError
from paperfeed.index.base import VectorIndex
from paperfeed.index.factory import choose_kind, load_or_build, open_index
from paperfeed.ingest.pipeline import IngestReport, ingest_file
from paperfeed.library_delivery import DeliveryMixin
from paperfeed.models import Hit, Paper
from paperfeed.rank.search import Filters, Searcher
from paperfeed.store.base import Store, open_store

if TYPE_CHECKING:
    from paperfeed.accounts import Accounts


def check_date(value: str | None, name: str) -> str | None:
    """A user-given date in ISO form (YYYY, YYYY-MM or YYYY-MM-DD), or a clear error."""
    if value is None or value == "":
        return None
    iso = normalize.date(value)
    if iso is None or not value.strip()[:4].isdigit():
        raise PaperfeedError(f"--{name}: {value!r} is not a date (use YYYY-MM-DD)")
    return iso


class Library(DeliveryMixin):
    """One paper library: ingest, read, embed, search, recommend."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings.store_url)
        self._indexes: dict[str, tuple[str, VectorIndex]] = {}
        self._lexical: tuple[str, object] | None = None

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()

    # ---- ingest ------------------------------------------------------------

    def ingest(
        self, paths: Sequence[str], fmt: str | None = None, strict: bool = False,
        progress: Callable[[int], None] | None = None, collect_ids: bool = False,
    ) -> IngestReport:
        """Ingest files ('-' is stdin); each file is one transaction.

        Raises InputError for a file that cannot be read; files before it stay ingested.
        """
        report = IngestReport()
        for path in paths:
            ingest_file(self.store, path, report, fmt=fmt, strict=strict, progress=progress,
                        collect_ids=collect_ids)
        return report

    # ---- reading -------------------------------------------------------------

    def get(self, ref: str) -> Paper:
        """The paper for a key, arXiv id or DOI; NotFound otherwise."""
        paper = self.store.get(ref)
        if paper is None:
            raise NotFound(f"no paper {ref!r} in the library")
        return paper

    def recent(
        self, limit: int = 20, offset: int = 0, since: str | None = None, until: str | None = None,
        category: str | None = None,
    ) -> list[Paper]:
        """Newest papers first."""
        return self.store.list_papers(limit=limit, offset=offset, since=since, until=until, category=category)

    def stats(self) -> dict:
        """Library statistics (counts by source, category, year; missing fields; vectors)."""
        st = self.store.stats()
        vm = getattr(self.store, "vector_models", None)
        if vm is not None:
            st["vectors"] = vm()
        return st

    def papers_map(self, ids: Sequence[int]) -> dict[int, Paper]:
        """Papers by row id (ids not in the library are absent)."""
        return self.store.papers_map(ids)

    def paper_ids(self, since: str | None = None, until: str | None = None,
                  category: str | None = None) -> np.ndarray:
        """Row ids of the papers in a date range and category (all by default)."""
        return self.store.filter_ids(since, until, category)

    def vectors(self, ids: Sequence[int], model_id: str | None = None) -> dict[int, np.ndarray]:
        """Current vectors of some papers for a model (papers not embedded yet are absent)."""
        emb = self.embedder(model_id)
        return self.store.vectors_for(emb.model_id, ids, emb.dim)

    def vector_state(self, model_id: str | None = None) -> str:
        """A token that changes whenever a model's stored vectors change."""
        return self.store.vector_state(self.embedder(model_id).model_id)

    def papers(self, ids: Iterable[int] | None = None) -> Iterator[Paper]:
        """Stream papers (all, or the given row ids)."""
        return self.store.iter_papers(list(ids) if ids is not None else None)

    # ---- embeddings and the vector index -------------------------------------------

    def embedder(self, model_id: str | None = None):
        """The embedding model (default: settings.model_id or the registry's default)."""
        from paperfeed.embed.registry import get_embedder

        return get_embedder(model_id or self.settings.model_id)

    def count_pending(self, model_id: str | None = None) -> int:
        """Papers whose vector for this model is missing or stale."""
        return self.store.count_missing_vectors(self.embedder(model_id).model_id)

    def embed_pending(self, model_id: str | None = None, batch: int = 64,
                      progress: Callable[[int], None] | None = None) -> int:
        """Embed new or changed papers, committing each batch; then update the vector index.

        Interrupting loses at most the current batch; a re-run continues where it stopped.
        """
        emb = self.embedder(model_id)
        before = self.store.vector_state(emb.model_id)
        in_db = self.store.database_index(emb.model_id, emb.dim) is not None
        index = None if in_db else open_index(self._index_dir(emb.model_id), emb.dim, emb.model_id, before)
        done, new_ids, new_vecs = 0, list[int](), list[np.ndarray]()
        while True:
            rows = self.store.papers_missing_vectors(emb.model_id, batch * 8)
            if not rows:
                break
            for i in range(0, len(rows), batch):
                chunk = rows[i : i + batch]
                vecs = emb.embed_batch([paper_text(t, a) for _, t, a, _ in chunk])
                self.store.put_vectors(emb.model_id, [(pid, th) for pid, _, _, th in chunk], vecs)
                new_ids.extend(pid for pid, *_ in chunk)
                new_vecs.append(vecs)
                done += len(chunk)
                if progress:
                    progress(len(chunk))
        if done and in_db:  # a database index is current as soon as the vectors are stored
            self.store.build_vector_index(emb.model_id, emb.dim)
        elif done:
            self._update_index(emb, index, np.array(new_ids, dtype=np.int64), np.vstack(new_vecs))
        return done

    @functools.cached_property
    def accounts(self) -> Accounts:
        """Users, sessions, API tokens and profile owners (for a shared server)."""
        from paperfeed.accounts import Accounts

        return Accounts(self.store)

    def count_pending_sentences(self, model_id: str | None = None) -> int:
        """Papers whose sentence vectors (for similar-paper re-ranking) are missing or stale."""
        from paperfeed.rank.similar import sentence_model

        return self.store.count_missing_sentence_vectors(sentence_model(self.searcher(model_id)))

    def embed_sentences_pending(self, model_id: str | None = None, batch: int = 64,
                                progress: Callable[[int], None] | None = None) -> int:
        """Precompute sentence vectors, so that `similar` need not embed them on first use.

        Optional: `similar` computes and caches the ones it needs. Each batch commits on its own.
        Once called, the library remembers it: the daily run then adds the new papers' vectors too."""
        from paperfeed.rank.similar import embed_sentences, sentence_model

        searcher = self.searcher(model_id)
        if self.store.sentences_ahead() != searcher.embedder.model_id:  # no write on every daily run
            self.store.keep_sentences_ahead(searcher.embedder.model_id)
        done = 0
        while rows := self.store.papers_missing_sentence_vectors(sentence_model(searcher), batch):
            embed_sentences(searcher, rows)
            done += len(rows)
            if progress:
                progress(len(rows))
        return done

    def embed_sentences_kept_ahead(self) -> int:
        """embed_sentences_pending for the model `embed --sentences` was run with; 0 if it never was."""
        ahead = self.store.sentences_ahead()
        return self.embed_sentences_pending(ahead) if ahead else 0

    def _index_dir(self, model_id: str) -> Path:
        return self.settings.index_dir / model_id.replace("/", "_")

    def _update_index(self, emb, index, ids: np.ndarray, vecs: np.ndarray) -> None:
        """Add fresh vectors to a current index and save it; rebuild when it was missing or stale."""
        state = self.store.vector_state(emb.model_id)
        d = self._index_dir(emb.model_id)
        if index is not None and choose_kind(len(index) + len(ids)) == index.kind:
            index.add(ids, vecs)
            index.save(d, model_id=emb.model_id, state=state)
            self._indexes[emb.model_id] = (state, index)
        else:
            self._indexes.pop(emb.model_id, None)
            self.vector_index(emb.model_id)

    def vector_index(self, model_id: str | None = None) -> VectorIndex:
        """The current vector index for a model, rebuilt from stored vectors if missing or stale."""
        emb = self.embedder(model_id)
        state = self.store.vector_state(emb.model_id)
        cached = self._indexes.get(emb.model_id)
        if cached and cached[0] == state:
            return cached[1]
        in_db = self.store.database_index(emb.model_id, emb.dim)
        if in_db is not None:
            self._indexes[emb.model_id] = (state, in_db)
            return in_db
        index = load_or_build(self._index_dir(emb.model_id), emb.dim, emb.model_id, state,
                              lambda: self.store.load_vectors(emb.model_id, emb.dim))
        self._indexes[emb.model_id] = (state, index)
        return index

    def searcher(self, model_id: str | None = None) -> Searcher:
        """A Searcher over this library for a model."""
        emb = self.embedder(model_id)
        return Searcher(self.store, emb, lambda: self.vector_index(emb.model_id))

    # ---- search ----------------------------------------------------------------------

    def search(self, query: str, mode: str = "hybrid", limit: int = 20, since: str | None = None,
               until: str | None = None, category: str | None = None, model_id: str | None = None) -> list[Hit]:
        """Hybrid (default), semantic or keyword search; see rank/query.py for the syntax."""
        filters = Filters(check_date(since, "since"), check_date(until, "until"), category)
        return self.searcher(model_id).search(query, mode, limit, filters)

    def similar(self, ref: str | None = None, text: str | None = None, limit: int = 20,
                model_id: str | None = None) -> list[Hit]:
        """Papers similar to a stored paper (key) or to a pasted abstract."""
        return self.searcher(model_id).similar(ref=ref, text=text, limit=limit)

    # ---- profiles and feedback ---------------------------------------------------------

    def _profile_id(self, name: str) -> int:
        pid = self.store.profile_id(name)
        if pid is None:
            raise NotFound(f"no profile named {name!r} (see `paperfeed profile list`)")
        return pid

    def create_profile(self, name: str, files: Sequence[str] = (), keys: Sequence[str] = (),
                       author: str | None = None, interests: str | None = None,
                       fmt: str | None = None) -> dict:
        """Create (or extend) a profile from files, paper keys, an author name and interests.

        Unknown keys fail before anything is written. Returns what was added and matched.
        """
        if not name.strip() or len(name) > 64 or any(c in name for c in "/\\\n"):
            raise PaperfeedError(f"invalid profile name {name!r}")
        key_ids = []
        for k in keys:
            pid = self.store.resolve_id(k)
            if pid is None:
                raise NotFound(f"no paper {k!r} in the library")
            key_ids.append(pid)
        report = self.ingest(list(files), fmt=fmt, collect_ids=True) if files else None
        matched: list[int] = []
        if author:
            matched = self.store.ids_by_author_key(normalize.author_key(author))
        with self.store.transaction():
            prof = self.store.create_profile(name, interests or "", [author] if author else [])
            added = self.store.add_profile_papers(prof, [*(report.ids if report else []), *key_ids, *matched])
        if report and (report.added or report.updated):
            self.embed_pending()
        return {
            "profile": name, "papers_added": added,
            "from_files": report.as_dict() if report else None,
            "author_matches": [p.key for p in self.store.papers_by_ids(matched[:50])],
            "author_match_count": len(matched),
        }

    def profile_paper_ids(self, name: str) -> list[int]:
        """Row ids of a profile's own papers (NotFound for an unknown profile)."""
        return self.store.profile_record(self._profile_id(name))["paper_ids"]

    def profiles(self) -> list[dict]:
        """Every profile with its counts."""
        out = []
        for pid, _ in self.store.profile_rows():
            rec = self.store.profile_record(pid)
            out.append({"name": rec["name"], "papers": len(rec["paper_ids"]), "liked": len(rec["liked_ids"]),
                        "disliked": len(rec["disliked_ids"]), "interests": rec["interests"],
                        "email": rec["email"]})
        return out

    def profile(self, name: str) -> dict:
        """Everything about a profile, with its papers resolved."""
        rec = self.store.profile_record(self._profile_id(name))
        for field in ("paper_ids", "liked_ids", "disliked_ids"):
            rec[field.replace("_ids", "")] = self.store.papers_by_ids(rec[field])
        return rec

    def delete_profile(self, name: str) -> None:
        """Delete a profile and its feedback; library papers are kept."""
        self._profile_id(name)
        with self.store.transaction():
            self.store.delete_profile(name)

    def remove_profile_papers(self, name: str, keys: Sequence[str]) -> int:
        """Take papers out of a profile (they stay in the library)."""
        prof = self._profile_id(name)
        ids = [self._paper_id(k) for k in keys]
        with self.store.transaction():
            return self.store.remove_profile_papers(prof, ids)

    def _paper_id(self, ref: str) -> int:
        pid = self.store.resolve_id(ref)
        if pid is None:
            raise NotFound(f"no paper {ref!r} in the library")
        return pid

    def feedback(self, name: str, ref: str, action: str) -> None:
        """like, dislike or unlike (clear) a paper for a profile."""
        values = {"like": 1, "dislike": -1, "unlike": None, "clear": None}
        if action not in values:
            raise PaperfeedError(f"unknown feedback {action!r}")
        prof, pid = self._profile_id(name), self._paper_id(ref)
        with self.store.transaction():
            self.store.set_feedback(prof, pid, values[action])

    def mute(self, name: str, kind: str, value: str, on: bool = True) -> None:
        """Mute (or unmute) an author or a category for a profile."""
        if kind not in ("author", "category"):
            raise PaperfeedError(f"can only mute an author or a category, not {kind!r}")
        prof = self._profile_id(name)
        with self.store.transaction():
            self.store.set_mute(prof, kind, value.strip(), on)

    def lexical_index(self):
        """TF-IDF rows of the library, refreshed incrementally when papers change."""
        from paperfeed.rank import lexical_index

        token = self.store.change_token()
        if self._lexical is not None and self._lexical[0] == token:
            return self._lexical[1]
        index = lexical_index.load_or_build(self.store, self.settings.index_dir / "lexical")
        self._lexical = (token, index)
        return index

    def feed(self, name: str, since: str | None = None, until: str | None = None,
             category: str | None = None, limit: int = 20, exclude: Iterable[int] = (),
             model_id: str | None = None) -> list[Hit]:
        """The profile's ranked, explained feed (read-only); delivered papers are left out."""
        from paperfeed.rank.feed import FeedRanker, FeedRequest

        since, until = check_date(since, "since"), check_date(until, "until")
        prof_id = self._profile_id(name)
        rec = self.store.profile_record(prof_id)
        exclude = set(exclude) | self.store.delivered_ids(prof_id)
        emb = self.embedder(model_id)
        ranker = FeedRanker(self.store, emb, self.vector_index(emb.model_id), self.lexical_index())
        req = FeedRequest(rec, since, until, category, limit, frozenset(exclude))
        return ranker.rank(req)
