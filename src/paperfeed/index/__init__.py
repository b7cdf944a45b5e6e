"""Vector indexes: exact brute force and usearch HNSW behind one protocol."""

from paperfeed.index.base import IndexMeta, VectorIndex, read_meta
from paperfeed.index.exact import ExactIndex
from paperfeed.index.factory import (
    EXACT_MAX,
    build_index,
    choose_kind,
    load_or_build,
    new_index,
    open_index,
)
from paperfeed.index.hnsw import HnswIndex

__all__ = [
    "EXACT_MAX",
    "ExactIndex",
    "HnswIndex",
    "IndexMeta",
    "VectorIndex",
    "build_index",
    "choose_kind",
    "load_or_build",
    "new_index",
    "open_index",
    "read_meta",
]
