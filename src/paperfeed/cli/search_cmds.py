"""embed, search, similar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from paperfeed.cli.common import console, json_option, print_json, with_library
from paperfeed.cli.progress import embed_with_progress, progress
from paperfeed.cli.render import hit_lines
from paperfeed.errors import PaperfeedError
from paperfeed.export import hits_json
from paperfeed.models import Hit
from paperfeed.rank.query import MODES

if TYPE_CHECKING:
    from paperfeed.library import Library


ANNOUNCE_SENTENCE_PAPERS = 20
"""Off a terminal, `similar` says that it embeds candidates' sentences when there are at least this many."""


def print_hits(hits: list[Hit], as_json: bool, empty: str = "no results") -> None:
    """Hits as JSON (export.hits_json, the shape the API uses too) or as terminal lines."""
    if as_json:
        print_json(hits_json(hits))
        return
    if not hits:
        console.print(empty)
    for rank, h in enumerate(hits, 1):
        hit_lines(rank, h)


model_option = click.option("--model", "model_id", default=None, help="Embedding model id (see `paperfeed models`).")


@click.command()
@model_option
@click.option("--sentences", is_flag=True,
              help="Also precompute sentence vectors, so `similar` never has to embed them on first use; "
                   "from then on `paperfeed daily` computes them for new papers too.")
@with_library
def embed(lib: Library, model_id: str | None, sentences: bool) -> None:
    """Embed papers that are new or changed (resumable: interrupting loses at most one batch)."""
    n = embed_with_progress(lib, model_id, quiet=False)
    console.print(f"embedded {n} papers" if n else "all papers already embedded")
    if sentences:
        n = embed_with_progress(lib, model_id, quiet=False, sentences=True)
        console.print(f"sentence vectors for {n} papers" if n else "all sentence vectors already computed")


@click.command()
@click.argument("query")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--since", help="Only papers dated on or after YYYY-MM-DD.")
@click.option("--until", help="Only papers dated on or before YYYY-MM-DD.")
@click.option("--category", help="Only papers in this arXiv category, e.g. cs.CL.")
@model_option
@json_option
@with_library
def search(lib: Library, query: str, mode: str, limit: int, since: str | None, until: str | None,
           category: str | None, model_id: str | None, as_json: bool) -> None:
    """Search by keywords and meaning (hybrid by default).

    \b
    Syntax: words, "exact phrase", au:"Jane Doe", cat:cs.LG, -excluded, since:2025-06-01
    Examples:
      paperfeed search "kv cache compression for long context" --since 2025-06-01
      paperfeed search 'au:"Jane Doe" cat:cs.LG "mixture of experts" -vision'
    """
    hits = lib.search(query, mode=mode, limit=limit, since=since, until=until, category=category,
                      model_id=model_id)
    print_hits(hits, as_json)


@click.command()
@click.argument("key", required=False)
@click.option("--text", help="Find papers similar to this text (e.g. a pasted abstract).")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the text from a file.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@model_option
@json_option
@with_library
def similar(lib: Library, key: str | None, text: str | None, file: Path | None, limit: int,
            model_id: str | None, as_json: bool) -> None:
    """Papers similar to a paper in the library, or to a pasted abstract.

    Candidates come from embeddings and BM25; the best 50 are re-ranked by whole-text similarity,
    sentence-by-sentence similarity and BM25, and each hit quotes its closest sentence. The first
    query near a topic embeds the candidates' sentences (about a second); `embed --sentences` does
    that ahead of time. With `config set similar.rerank_model mpnet-base-int8` the whole-text
    similarity is all-mpnet-base-v2's wherever a paper has its vector (`daily` embeds new papers).

    \b
    Examples:
      paperfeed similar arxiv:2401.01325
      paperfeed similar --text "We propose a method for ..."
      paperfeed similar --file abstract.txt
    """
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise PaperfeedError(f"{file}: not UTF-8 text") from None
    if (key is None) == (text is None):
        raise PaperfeedError("give either a paper KEY or --text/--file")
    def sentence_progress(what: str, total: int):
        return progress(what, total, quiet=as_json, announce=total >= ANNOUNCE_SENTENCE_PAPERS)

    print_hits(lib.similar(ref=key, text=text, limit=limit, model_id=model_id, progress=sentence_progress), as_json)


COMMANDS = [embed, search, similar]
