"""Every table of a library with its columns, in an order that respects foreign keys: what
`paperfeed copy` moves between backends (store/copy.py). A table added by a migration is added here."""

from __future__ import annotations

TABLES: list[tuple[str, tuple[str, ...]]] = [
    ("papers", ("id", "key", "arxiv_id", "doi", "title_key", "title", "abstract", "authors", "categories", "date",
                "updated", "venue", "url", "comments", "journal_ref", "version", "sources", "content_hash",
                "text_hash", "added_at", "modified_at")),
    ("paper_authors", ("author_key", "paper_id")),
    ("paper_sources", ("source", "record_key", "paper_id", "record_hash")),
    ("meta", ("name", "value")),
    ("vectors", ("paper_id", "model_id", "text_hash", "vec")),
    ("vector_state", ("model_id", "generation")),
    ("sentence_vectors", ("paper_id", "model_id", "text_hash", "n", "vecs")),
    ("users", ("id", "name", "password_hash", "created_at")),
    ("profiles", ("id", "name", "interests", "authors", "email", "created_at", "owner_id")),
    ("profile_papers", ("profile_id", "paper_id", "origin", "detail", "added_at")),
    ("feedback", ("profile_id", "paper_id", "value", "at")),
    ("mutes", ("profile_id", "kind", "value")),
    ("digests", ("id", "profile_id", "channel", "status", "message_id", "recipient", "subject", "created_at",
                 "sent_at", "error")),
    ("deliveries", ("profile_id", "paper_id", "digest_id", "position", "why")),
    ("fetch_cursors", ("source", "value", "updated_at")),
    ("sessions", ("token_hash", "user_id", "csrf_token", "created_at", "expires_at")),
    ("api_tokens", ("token_hash", "user_id", "name", "created_at")),
    ("reading_list", ("profile_id", "paper_id", "added_at")),
    ("paper_tags", ("profile_id", "paper_id", "tag", "added_at")),
    ("alerts", ("id", "profile_id", "name", "query", "after_id", "token", "created_at")),
    ("feed_tokens", ("profile_id", "token", "created_at")),
    ("default_profiles", ("user_id", "profile_id")),
]
VECTOR_COLUMNS = {("vectors", "vec")}
"""float32 vectors: a BLOB in SQLite, a pgvector value in PostgreSQL; numpy arrays in between."""
BYTES_COLUMNS = {("sentence_vectors", "vecs")}
