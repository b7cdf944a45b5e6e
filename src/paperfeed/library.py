"""The facade every front end (CLI, web, delivery) calls. Owns the store, embedder and index."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from paperfeed.config import Settings
from paperfeed.config_file import Config, config_path, load_config
from paperfeed.dates import days_before, user_date
from paperfeed.errors import InputError, NotFound, PaperfeedError
from paperfeed.library_delivery import Delivery
from paperfeed.library_reading import ReadingMixin
from paperfeed.models import Hit, Paper
from paperfeed.store.base import Store, open_store

if TYPE_CHECKING:  # the rest is imported where used, so that a command that only reads starts fast
    from paperfeed.accounts import Accounts
    from paperfeed.embed.base import Embedder
    from paperfeed.index.base import VectorIndex
    from paperfeed.index.factory import Opened
    from paperfeed.ingest.pipeline import IngestReport
    from paperfeed.onboard import ProfilePlan
    from paperfeed.rank.rerank import Rerank
    from paperfeed.rank.search import Searcher
    from paperfeed.rank.similar import Progress


MAX_INTERESTS = 5_000
"""Longest free-text interests of a profile, in characters."""

log = logging.getLogger(__name__)


def check_date(value: str | None, name: str) -> str | None:
    """A user-given date as an ISO prefix (see dates.user_date), or DateError naming --NAME."""
    return user_date(value, f"--{name}")


def _one_writer(method: Callable) -> Callable:
    """Run an embedding method holding its model's index writer lock: a second run waits, saying so."""

    @functools.wraps(method)
    def run(self: Library, model_id: str | None = None, *args, **kwargs):
        from paperfeed.index.publish import writer_lock

        def say(holder: str) -> None:
            log.warning("waiting for the vector index, which is being written by %s", holder)

        with writer_lock(self._index_dir(self.embedder(model_id).model_id), "embed", on_wait=say):
            return method(self, model_id, *args, **kwargs)

    return run


class Library(ReadingMixin):
    """One paper library: ingest, read, embed, search, recommend."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings.store_url)
        self._indexes: dict[str, Opened] = {}
        self._index_mutex = threading.Lock()
        self._lexical: tuple[str, object] | None = None
        self._lexical_mutex = threading.Lock()
        """One thread at a time refreshes the lexical index (two would update and save the same files)."""
        self._config: tuple[tuple | None, Config] | None = None
        """config.toml as last parsed, with the file's (mtime, size, inode) then; None before the first read."""

    @functools.cached_property
    def delivery(self) -> Delivery:
        """fetch from arXiv, enrich, digests and the daily run (library_delivery.py)."""
        return Delivery(self)

    def config(self) -> Config:
        """config.toml of this library's data directory (defaults when there is none).

        Read again only when the file changed (its size, mtime or inode), so a feed or similar call pays a
        stat, not a TOML parse; an edit by `paperfeed config set` or by hand is seen by the next call."""
        path = config_path(self.settings.home)
        try:
            st = path.stat()
            stamp: tuple | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = None
        cached = self._config
        if cached is not None and cached[0] == stamp:
            return cached[1]
        cfg = load_config(self.settings.home)
        self._config = (stamp, cfg)
        return cfg

    def sync_profile_emails(self, cfg: Config | None = None) -> None:
        """Mirror config.toml's profile emails into the profiles table (config.toml is authoritative)."""
        cfg = cfg or self.config()
        with self.store.transaction():
            for pid, name in self.store.profile_rows():
                self.store.set_profile_email(pid, cfg.emails.get(name))

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()

    # ---- ingest ------------------------------------------------------------

    def ingest(
        self, paths: Sequence[str], fmt: str | None = None, strict: bool = False,
        progress: Callable[[int], None] | None = None, collect_ids: bool = False, uploaded: bool = False,
    ) -> IngestReport:
        """Ingest files ('-' is stdin); each file is one transaction.

        ``uploaded``: the files are web users' uploads, shown by file name only; they add papers
        but never change a stored one (see merge.is_upload).
        Raises InputError for a file that cannot be read; files before it stay ingested.
        """
        from paperfeed.ingest.pipeline import IngestReport

        report = IngestReport()
        for path in paths:
            self._ingest_one(path, report, fmt=fmt, strict=strict, progress=progress, collect_ids=collect_ids,
                             uploaded=uploaded)
        return report

    def _ingest_one(self, path: str, report: IngestReport, uploaded: bool = False, **kw: Any) -> None:
        from paperfeed.ingest.pipeline import ingest_file

        name = Path(path).name if uploaded else None
        try:
            ingest_file(self.store, path, report, upload_name=name, **kw)
        except InputError as e:
            if name is None:
                raise
            raise InputError(name, e.line, e.reason.replace(path, name)) from None  # no server path

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
        since, until = check_date(since, "since"), check_date(until, "until")
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

    def count_pending(self, model_id: str | None = None, ids: Sequence[int] | None = None) -> int:
        """Papers (of ``ids``, if given) whose vector for this model is missing or stale."""
        return self.store.count_missing_vectors(self.embedder(model_id).model_id, ids)

    def _pending_rows(self, model_id: str, n: int, ids: Sequence[int] | None) -> Iterator[list]:
        """Batches of papers to embed, newest first: all pending ones, or those among ``ids``."""
        if ids is None:
            while rows := self.store.papers_missing_vectors(model_id, n):
                yield rows
            return
        dates = self.store.paper_dates(sorted(set(ids)))
        order = sorted(dates, key=lambda pid: (dates[pid] or "", pid), reverse=True)
        for i in range(0, len(order), 500):
            if rows := self.store.papers_missing_vectors(model_id, 500, order[i : i + 500]):
                yield rows

    @_one_writer
    def embed_pending(self, model_id: str | None = None, batch: int = 64,
                      progress: Callable[[int], None] | None = None, ids: Sequence[int] | None = None) -> int:
        """Embed new or changed papers (newest first; only those among ``ids`` if given), committing
        each batch; then update the vector index.

        Interrupting loses at most the current batch; a re-run continues where it stopped.
        """
        from paperfeed.embed.base import paper_text
        from paperfeed.index.factory import open_index

        emb = self.embedder(model_id)
        before = self.store.vector_state(emb.model_id)
        in_db = self.store.database_index(emb.model_id, emb.dim) is not None
        index = None if in_db else open_index(self._index_dir(emb.model_id), emb.dim, emb.model_id, before)
        done, new_ids, new_vecs = 0, list[int](), list[np.ndarray]()
        for rows in self._pending_rows(emb.model_id, batch * 8, ids):
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
        from paperfeed.index.factory import build_index, choose_kind, save_index

        state = self.store.vector_state(emb.model_id)
        d = self._index_dir(emb.model_id)
        if index is not None and choose_kind(len(index) + len(ids)) == index.kind:
            index.add(ids, vecs)
        else:  # none yet, stale, or the collection crossed EXACT_MAX: rebuild from every stored vector
            index = build_index("auto", emb.dim, *self.store.load_vectors(emb.model_id, emb.dim))
        self._indexes[emb.model_id] = save_index(d, index, emb.model_id, state)

    def vector_index(self, model_id: str | None = None) -> VectorIndex:
        """The current vector index for a model: the database's own (PostgreSQL), else the published
        file index, rebuilt from stored vectors if missing, stale or damaged.

        While another process writes a file index (an embedding run), the last published one is used.
        """
        from paperfeed.index.factory import Opened, current_index

        emb = self.embedder(model_id)
        state = self.store.vector_state(emb.model_id)
        held = self._indexes.get(emb.model_id)
        if held is not None and held.state == state:
            return held.index
        in_db = self.store.database_index(emb.model_id, emb.dim)
        if in_db is not None:  # shared by every process through the database: no files, no generations
            self._indexes[emb.model_id] = Opened(in_db, state, None, None)
            return in_db
        # one thread opens or rebuilds; the others go on with the index they have meanwhile
        if not self._index_mutex.acquire(blocking=held is None):
            return held.index  # type: ignore[union-attr]
        try:
            held = self._indexes.get(emb.model_id)
            if held is None or held.state != state:
                held = current_index(self._index_dir(emb.model_id), emb.dim, emb.model_id, state,
                                     lambda: self.store.load_vectors(emb.model_id, emb.dim), held=held)
                self._indexes[emb.model_id] = held
            return held.index
        finally:
            self._index_mutex.release()

    def searcher(self, model_id: str | None = None) -> Searcher:
        """A Searcher over this library for a model."""
        from paperfeed.rank.search import Searcher

        emb = self.embedder(model_id)
        return Searcher(self.store, emb, lambda: self.vector_index(emb.model_id))

    # ---- search ----------------------------------------------------------------------

    def search(self, query: str, mode: str = "hybrid", limit: int = 20, since: str | None = None,
               until: str | None = None, category: str | None = None, model_id: str | None = None) -> list[Hit]:
        """Hybrid (default), semantic or keyword search; see rank/query.py for the syntax."""
        from paperfeed.rank.search import Filters

        filters = Filters(check_date(since, "since"), check_date(until, "until"), category)
        return self.searcher(model_id).search(query, mode, limit, filters)

    def similar(self, ref: str | None = None, text: str | None = None, limit: int = 20,
                model_id: str | None = None, progress: Progress | None = None) -> list[Hit]:
        """Papers similar to a stored paper (key) or to a pasted abstract. ``progress(what, total)`` (a
        context manager yielding ``advance(n)``) is told when candidates' sentences must be embedded."""
        searcher = self.searcher(model_id)
        second = self.similar_second_tier()
        if second is not None and second.model_id == searcher.embedder.model_id:
            second = None  # the second tier is the first: nothing to add
        return searcher.similar(ref=ref, text=text, limit=limit, progress=progress, second=second)

    # ---- profiles and feedback ---------------------------------------------------------

    def _profile_id(self, name: str) -> int:
        pid = self.store.profile_id(name)
        if pid is None:
            raise NotFound(f"no profile named {name!r} (see `paperfeed profile list`)")
        return pid

    def plan_profile(self, author: str | None = None, sources: Sequence[tuple[str, str]] = (),
                     progress: Callable | None = None, base_urls: dict[str, str] | None = None) -> ProfilePlan:
        """What a profile would get from an author name and from the researcher's services (nothing written).

        Args:
            author: a full name; the library's papers by that person (full given name) are matched.
            sources: (option, id) pairs, option one of sources.works.SERVICES ("orcid", "openalex", ...).
            progress: called with each fetched page's running Works.
            base_urls: per option, a base URL replacing the configured one.
        Returns:
            an onboard.ProfilePlan.
        """
        from paperfeed import onboard
        from paperfeed.sources import works as works_mod

        checked = [(opt, works_mod.check_ident(opt, ident)) for opt, ident in sources]
        plan = onboard.ProfilePlan(onboard.match_author(self.store, author) if author else None)
        cfg = self.config()
        for opt, ident in checked:
            service, own_delay = works_mod.SERVICES[opt]
            base = (base_urls or {}).get(opt) or cfg.get(f"fetch.{opt.replace('-', '_')}_url" if opt != "arxiv-author"
                                                         else "fetch.api_url")
            with works_mod.WorksClient(service, cfg.get("fetch.contact"), api_url=base,
                                       delay=min(own_delay, cfg.get("fetch.delay")), timeout=cfg.get("fetch.timeout"),
                                       retries=cfg.get("fetch.retries"), backoff=cfg.get("fetch.backoff")) as client:
                got = works_mod.fetch_works(client, opt, ident, base, progress)
            plan.sources.append(onboard.source_plan(got))
        return plan

    def create_profile(self, name: str, files: Sequence[str] = (), keys: Sequence[str] = (),
                       author: str | None = None, interests: str | None = None,
                       fmt: str | None = None, plan: ProfilePlan | None = None, uploaded: bool = False,
                       embed: Callable[[Sequence[int]], int] | None = None) -> dict:
        """Create (or extend) a profile from files, paper keys, an author name, interests and a plan.

        ``plan`` (from plan_profile) carries the author matches and fetched works; without one, an
        ``author`` is matched here. Unknown keys fail before anything is written. Every paper added
        records why (file, key, author match, service id); ``uploaded`` as for ``ingest``. The
        profile's papers that lack vectors are embedded (``embed(ids)``, e.g. with progress; default
        embed_pending), never the rest of the library. Returns what was added and matched.
        """
        from paperfeed import onboard
        from paperfeed.ingest.pipeline import IngestReport

        self.check_profile_name(name)
        if interests and len(interests) > MAX_INTERESTS:
            raise PaperfeedError(f"interests too long: {len(interests)} characters (at most {MAX_INTERESTS})")
        key_ids = []
        for k in keys:
            pid = self.store.resolve_id(k)
            if pid is None:
                raise NotFound(f"no paper {k!r} in the library")
            key_ids.append((pid, k))
        if plan is None and author:
            plan = self.plan_profile(author=author)
        report, per_file = IngestReport(), []
        for path in files:
            before = len(report.ids)
            self._ingest_one(path, report, fmt=fmt, collect_ids=True, uploaded=uploaded)
            per_file.append((report.files[-1]["file"], report.ids[before:]))
        with self.store.transaction():
            prof = self.store.create_profile(name, interests or "", [author] if author else [])
            added = sum(self.store.add_profile_papers(prof, ids, "file", Path(f).name) for f, ids in per_file)
            added += sum(self.store.add_profile_papers(prof, [pid], "key", k) for pid, k in key_ids)
            none: dict[str, Any] = {"papers_added": 0, "sources": [], "notes": []}
            applied = onboard.apply_plan(self.store, prof, plan) if plan else none
            added += applied["papers_added"]
        own = self.profile_paper_ids(name)
        embedded = (embed or (lambda ids: self.embed_pending(ids=ids)))(own) if own else 0
        matched = plan.author.matched if plan and plan.author else []
        return {
            "profile": name, "papers_added": added,
            "from_files": report.as_dict() if files else None,
            "author_matches": [p.key for p in matched[:50]],
            "author_match_count": len(matched), "embedded": embedded,
            "near_misses": plan.author.as_dict()["near_misses"] if plan and plan.author else [],
            "sources": applied["sources"], "notes": applied["notes"],
        }

    def check_profile_name(self, name: str) -> None:
        """For a new profile: names.check_profile_name, and no existing name that differs only in case
        or look-alike letters. An existing profile's own name always passes."""
        from paperfeed.names import check_profile_name, profile_name_key

        if self.store.profile_id(name) is not None:
            return
        check_profile_name(name)
        key = profile_name_key(name)
        if any(profile_name_key(other) == key for _, other in self.store.profile_rows()):
            raise PaperfeedError(f"invalid profile name {name!r}: too much like an existing profile's name "
                                 "(names that differ only in case or look-alike letters are one name)")

    def profile_paper_ids(self, name: str) -> list[int]:
        """Row ids of a profile's own papers (NotFound for an unknown profile)."""
        return list(self.store.profile_record(self._profile_id(name)).paper_ids)

    def profiles(self) -> list[dict]:
        """Every profile with its counts."""
        out = []
        for pid, _ in self.store.profile_rows():
            rec = self.store.profile_record(pid)
            out.append({"name": rec.name, "papers": len(rec.paper_ids), "liked": len(rec.liked_ids),
                        "disliked": len(rec.disliked_ids), "interests": rec.interests, "email": rec.email})
        return out

    def profile(self, name: str) -> dict:
        """Everything about a profile, with its papers resolved."""
        prof = self._profile_id(name)
        p = self.store.profile_record(prof)
        rec: dict = {"name": p.name, "interests": p.interests, "authors": list(p.authors), "email": p.email,
                     "created_at": p.created_at, "muted_authors": list(p.muted_authors),
                     "muted_categories": list(p.muted_categories)}
        for field in ("paper_ids", "liked_ids", "disliked_ids"):
            ids = list(getattr(p, field))
            rec[field] = ids
            rec[field.replace("_ids", "")] = self.store.papers_by_ids(ids)
        origins = self.store.profile_paper_origins(prof)  # why each own paper is in the profile
        rec["origins"] = {k: origins.get(i, ("", "")) for i, k in zip(p.paper_ids, p.paper_keys, strict=True)}
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
        with self._lexical_mutex:
            if self._lexical is not None and self._lexical[0] == token:
                return self._lexical[1]  # another thread refreshed it while this one waited
            index = lexical_index.load_or_build(self.store, self.settings.index_dir / "lexical")
            self._lexical = (token, index)
        return index

    def newest_date(self) -> str | None:
        """The date of the newest dated paper in the library (None if no paper has a date)."""
        return self.store.newest_date()

    def feed_window(self, since: str | None = None, until: str | None = None, days: int | None = None,
                    all_dates: bool = False) -> tuple[str | None, str | None]:
        """The feed's (since, until): as given, else the ``days`` (config feed.days, 7) days before
        ``until`` or the newest paper in the library. ``all_dates``: no default window (undated papers too).

        Anchored at the newest paper rather than today, so a library that was not fetched lately still
        has a feed; undated papers fall outside every window.
        """
        since, until = check_date(since, "since"), check_date(until, "until")
        if since is None and not all_dates:
            anchor = until or self.newest_date()
            if anchor:
                since = days_before(anchor, days or self.config().get("feed.days"))
        return since, until

    def feed_status(self, name: str, since: str | None = None, until: str | None = None,
                    category: str | None = None, model_id: str | None = None) -> dict:
        """The window a feed ranks and how many of its papers are not embedded yet (left out of it).

        Args:
            name: the profile; since/until: the window from feed_window.
        Returns:
            {"since", "until", "newest", "candidates", "not_embedded"}.
        """
        own = set(self.profile_paper_ids(name))
        ids = [i for i in self.store.filter_ids(since, until, category).tolist() if i not in own]
        pending = self.count_pending(model_id, ids) if ids else 0
        return {"since": since, "until": until, "newest": self.newest_date(), "candidates": len(ids),
                "not_embedded": pending}

    def feed(self, name: str, since: str | None = None, until: str | None = None,
             category: str | None = None, limit: int = 20, exclude: Iterable[int] = (),
             model_id: str | None = None, days: int | None = None, all_dates: bool = False) -> list[Hit]:
        """The profile's ranked, explained feed of new papers (read-only).

        The window is feed_window's (by default the last feed.days days of the library); the profile's
        own, liked, disliked and delivered papers are left out, and so are papers not embedded yet.
        """
        from paperfeed.rank.feed import FeedRanker, FeedRequest

        since, until = self.feed_window(since, until, days, all_dates)
        prof_id = self._profile_id(name)
        rec = self.store.profile_record(prof_id)
        exclude = set(exclude) | self.store.delivered_ids(prof_id)
        emb = self.embedder(model_id)
        ranker = FeedRanker(self.store, emb, self.vector_index(emb.model_id), self.lexical_index(),
                            self.second_tier())
        req = FeedRequest(rec, since, until, category, limit, frozenset(exclude))
        return ranker.rank(req)

    def similar_second_tier(self) -> Embedder | None:
        """The embedder of config similar.rerank_model (its cosine replaces the fast model's in `similar`'s
        re-rank where papers have its vectors; rank/similar.py), or None."""
        model = self.config().get("similar.rerank_model")
        return self.embedder(model) if model else None

    def second_tier_models(self) -> list[str]:
        """Model ids of the second tiers configured (feed.rerank_model, similar.rerank_model), each once."""
        cfg = self.config()
        ids = [self.embedder(m).model_id for m in (cfg.get("feed.rerank_model"), cfg.get("similar.rerank_model")) if m]
        return list(dict.fromkeys(i for i in ids if i != self.embedder().model_id))

    def second_tier_ids(self, since: str | None, until: str | None = None) -> list[int]:
        """What the second tier embeds: the window's papers and every profile's own and liked papers
        (a day of arXiv CS is 500-1,000 papers; the whole library is left to the fast model)."""
        ids = set(self.store.filter_ids(since, until).tolist())
        for pid, _ in self.store.profile_rows():
            rec = self.store.profile_record(pid)
            ids.update(rec.paper_ids, rec.liked_ids)
        return sorted(ids)

    def second_tier(self) -> tuple[Rerank, Embedder] | None:
        """The feed's second tier (config feed.rerank_model, rank/rerank.py) and its embedder, or None."""
        from paperfeed.rank.rerank import Rerank

        cfg = self.config()
        model = cfg.get("feed.rerank_model")
        if not model:
            return None
        emb = self.embedder(model)
        return Rerank(emb.model_id, cfg.get("feed.rerank_top"), cfg.get("feed.rerank_weight")), emb
