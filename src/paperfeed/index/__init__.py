"""Vector indexes: exact brute force and usearch HNSW behind one protocol."""

from paperfeed.index.base import IndexMeta, VectorIndex, read_meta
from paperfeed.index.exact import ExactIndex
from paperfeed.index.factory import (
    EXACT_MAX,
    Opened,
    build_index,
    choose_kind,
    current_index,
    load_or_build,
    new_index,
    open_index,
    save_index,
)
from paperfeed.index.hnsw import HnswIndex
from paperfeed.index.publish import current_generation, writer_lock

__all__ = [
    "EXACT_MAX",
    "ExactIndex",
    "HnswIndex",
    "IndexMeta",
    "Opened",
    "VectorIndex",
    "build_index",
    "choose_kind",
    "current_generation",
    "current_index",
    "load_or_build",
    "new_index",
    "open_index",
    "read_meta",
    "save_index",
    "writer_lock",
]
