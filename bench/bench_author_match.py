"""How many of `profile create --author NAME`'s papers are the person's: initial + surname vs full name.

    .venv/bin/python bench/bench_author_match.py [--data ../shared/data] [--file arxiv-cs-daily-dwdengwei.jsonl.gz]
                                                 [--names 50]

For the ``--names`` author keys ("j doe") that the most distinct full names share in one corpus file, takes
the most frequent full name of each as the researcher and counts, over all papers of the file: papers an
initial + surname match adds (paperfeed before issue 12), papers the full-name match adds
(normalize.same_person == "match"), and the near misses it lists instead (initial-only records, or
contradicting middle names). Papers by other people of the same key are what the old match got wrong.
Pure Python over the JSON Lines file; no store, no model.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter, defaultdict
from pathlib import Path

from paperfeed import normalize


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).parents[2] / "shared" / "data"))
    ap.add_argument("--file", default="arxiv-cs-daily-dwdengwei.jsonl.gz")
    ap.add_argument("--names", type=int, default=50)
    args = ap.parse_args()
    path = Path(args.data) / args.file
    by_key: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    names: dict[str, Counter] = defaultdict(Counter)
    papers = 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            papers += 1
            authors = tuple(normalize.authors(json.loads(line)["authors"]))
            for key in {normalize.author_key(a) for a in authors}:
                by_key[key].append(authors)
            for a in authors:
                names[normalize.author_key(a)][a] += 1
    keys = sorted((k for k in names if " " in k), key=lambda k: -len(names[k]))[: args.names]
    old = new = near = 0
    rows = []
    for k in keys:
        person = names[k].most_common(1)[0][0]
        verdicts = [max((normalize.same_person(person, a) or "" for a in au if normalize.author_key(a) == k),
                        key=("", "near", "match").index) for au in by_key[k]]
        m, n = verdicts.count("match"), verdicts.count("near")
        old, new, near = old + len(verdicts), new + m, near + n
        rows.append((person, len(verdicts), m, n))
    print(f"{path.name}: {papers} papers; the {len(keys)} author keys shared by the most distinct full names")
    for person, o, m, n in rows[:10]:
        print(f"  {person:28} initial+surname {o:5}  full name {m:4}  near misses {n:3}")
    print(f"total: initial+surname matched {old} papers; full name matched {new} ({100 * new / old:.1f}%), "
          f"{near} near misses listed, {old - new - near} papers of other people left out")


if __name__ == "__main__":
    main()
