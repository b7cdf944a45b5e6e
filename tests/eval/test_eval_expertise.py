"""Reviewer-expertise evaluation: the pair loss by hand, file checks, a synthetic set from the corpus, the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from paperfeed.cli import main
from paperfeed.errors import PaperfeedError
from paperfeed.eval import expertise
from paperfeed.eval.corpus import Doc, load_arxiv


def write(d: Path, papers: list[dict], reviewers: list[dict], judgments: list[dict]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, rows in (("papers", papers), ("reviewers", reviewers), ("judgments", judgments)):
        (d / f"{name}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return d


def tiny(d: Path) -> Path:
    papers = [
        {"id": "own1", "title": "Graph neural networks for molecules", "abstract": "Message passing on molecules."},
        {"id": "own2", "title": "Equivariant graph networks", "abstract": "Equivariant message passing."},
        {"id": "j1", "title": "Molecular graph message passing", "abstract": "A graph network for molecules."},
        {"id": "j2", "title": "Speech recognition with transformers", "abstract": "Audio transcription at scale."},
        {"id": "j3", "title": "Crop yield forecasting", "abstract": "Satellite images predict harvests."},
    ]
    return write(d, papers, [{"reviewer": "r1", "papers": ["own1", "own2"]}],
                 [{"reviewer": "r1", "paper": "j1", "expertise": 5}, {"reviewer": "r1", "paper": "j2", "expertise": 2},
                  {"reviewer": "r1", "paper": "j3", "expertise": 1}])


def test_pair_loss_by_hand() -> None:
    grades = {"a": 5, "b": 3, "c": 1, "d": 3}
    assert expertise.pair_loss({"a": 3, "b": 2, "c": 1, "d": 2}, grades) == (0.0, 2 + 4 + 2 + 2 + 2)
    # reversed order: every non-tied pair wrong; b/d tie in truth carries no weight
    assert expertise.pair_loss({"a": 1, "b": 2, "c": 3, "d": 2}, grades) == (12.0, 12.0)
    # a and c predicted equal: that pair (weight 4) costs half; a-b and a-d are wrong (2 each)
    assert expertise.pair_loss({"a": 1, "b": 2, "c": 1, "d": 2}, grades) == (2 + 2 + 2, 12.0)


def test_loss_easy_and_hard_pairs(tmp_path: Path) -> None:
    ds = expertise.load(tiny(tmp_path / "set"))
    perfect = {"r1": {"j1": 3.0, "j2": 2.0, "j3": 1.0}}
    r = expertise.loss(perfect, ds)
    assert r["loss"] == 0.0 and r["easy_accuracy"] == 1.0 and r["pairs"] == 3
    worst = {"r1": {"j1": 1.0, "j2": 2.0, "j3": 3.0}}
    r = expertise.loss(worst, ds)
    assert r["loss"] == 1.0 and r["easy_accuracy"] == 0.0


def test_run_ranks_the_topical_paper_first(tmp_path: Path, hashing_embedder) -> None:
    res = expertise.run(tiny(tmp_path / "set"), hashing_embedder.embed_batch)
    assert res["reviewers"] == 1 and res["judgments"] == 3 and res["papers"] == 5
    assert set(res["results"]) == {"tfidf max", "tfidf centroid", "dense max-sim", "paperfeed (default)"}
    # j1 shares the vocabulary; j2 and j3 share nothing, so only their pair (weight 1 of 3+4+1) can be wrong
    assert res["results"]["tfidf max"]["loss"] <= 1 / 8


@pytest.mark.parametrize(("file", "line", "bad", "message"), [
    ("judgments", 2, {"reviewer": "r1", "paper": "j2", "expertise": 7}, "integer from 1 to 5"),
    ("judgments", 2, {"reviewer": "r9", "paper": "j2", "expertise": 2}, "unknown reviewer 'r9'"),
    ("judgments", 2, {"reviewer": "r1", "paper": "zz", "expertise": 2}, "unknown paper 'zz'"),
    ("judgments", 2, {"reviewer": "r1", "paper": "j2", "expertise": "high"}, "field 'expertise'"),
    ("reviewers", 1, {"reviewer": "r1", "papers": ["own1", "nope"]}, "unknown paper 'nope'"),
    ("papers", 2, {"id": "own2"}, "field 'title'"),
])
def test_bad_lines_name_file_and_line(tmp_path: Path, file: str, line: int, bad: dict, message: str) -> None:
    d = tiny(tmp_path / "set")
    rows = (d / f"{file}.jsonl").read_bytes().splitlines()
    rows[line - 1] = orjson.dumps(bad)
    (d / f"{file}.jsonl").write_bytes(b"\n".join(rows) + b"\n")
    with pytest.raises(PaperfeedError, match=message) as e:
        expertise.load(d)
    assert f"{file}.jsonl:{line}:" in str(e.value)


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    d = tiny(tmp_path / "set")
    (d / "judgments.jsonl").write_text('{"reviewer": "r1", "paper": "j1", "expertise": 5}\n{oops\n')
    with pytest.raises(PaperfeedError, match=r"judgments.jsonl:2: not valid JSON"):
        expertise.load(d)
    (d / "reviewers.jsonl").unlink()
    with pytest.raises(PaperfeedError, match="reviewers.jsonl: not found"):
        expertise.load(d)


def test_cli_table_json_and_error(tmp_path: Path) -> None:
    d = tiny(tmp_path / "set")
    r = CliRunner().invoke(main, ["eval", "expertise", "--data", str(d), "--model", "test-hashing-64"])
    assert r.exit_code == 0, r.output
    assert "1 reviewers, 3 judgments" in r.output and "paperfeed (default)" in r.output
    r = CliRunner().invoke(main, ["eval", "expertise", "--data", str(d), "--model", "test-hashing-64", "--json"])
    assert orjson.loads(r.output)["results"]["tfidf max"]["pairs"] == 3
    (d / "papers.jsonl").write_text("[1, 2]\n")
    r = CliRunner().invoke(main, ["eval", "expertise", "--data", str(d), "--model", "test-hashing-64"])
    assert r.exit_code == 2 and "papers.jsonl:1: expected a JSON object" in r.output


def test_make_sample_from_the_corpus(tmp_path: Path, data_file: Callable[[str], Path], hashing_embedder) -> None:
    data_file("arxiv-cs-daily-dwdengwei.jsonl.gz")
    docs: list[Doc] = load_arxiv(data_file("arxiv-cs-daily-dwdengwei.jsonl.gz").parent,
                                 files=("arxiv-cs-daily-dwdengwei.jsonl.gz",))
    counts = expertise.make_sample(docs, tmp_path / "made", reviewers=8, seed=1)
    assert counts["reviewers"] == 8 and counts["judgments"] >= 8 * 4
    ds = expertise.load(tmp_path / "made")
    for rid, grades in ds.judgments.items():
        assert 5 in grades.values() and 1 in grades.values()
        assert not set(grades) & set(ds.reviewers[rid])  # judged papers are never the reviewer's own
    res = expertise.run(tmp_path / "made", hashing_embedder.embed_batch)
    assert all(0.0 <= r["loss"] <= 1.0 for r in res["results"].values())
