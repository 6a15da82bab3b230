"""In-domain dev pairs from the project's golds: every cross-article claim pair of a story,
labelled 1 when the gold puts both claims in one fact, else 0 (the gold lists every fact two
outlets share). Written to .train/data/gold-<name>.jsonl.gz for the training script's scores.

    python training/gold_pairs.py tests/gold/seeds.toml tests/gold/river-dam.toml ...
"""

from __future__ import annotations

import gzip
import json
import sys
from itertools import combinations
from pathlib import Path

from compare.embed import HashingEmbedder
from compare.evaluate import _Locator, load_gold
from compare.pipeline import Pipeline


def main() -> None:
    out = Path(".train/data")
    out.mkdir(parents=True, exist_ok=True)
    pipe = Pipeline(embedder=HashingEmbedder())
    for g in sys.argv[1:]:
        gold = load_gold(g)
        prep = pipe.prepare(gold.corpus)
        loc = _Locator(pipe.analyse(prep))
        fact_of = {}
        for f in gold.facts:
            for q in f.claims:
                cid = loc.claim(q)
                if cid:
                    fact_of.setdefault(cid, set()).add(f.id)
        rows = []
        for a, b in combinations(prep.claims, 2):
            if a.article == b.article:
                continue
            same = bool(fact_of.get(a.id, set()) & fact_of.get(b.id, set()))
            rows.append({"a": " ".join(a.text.split()), "b": " ".join(b.text.split()), "task": "same",
                         "label": float(same), "source": Path(g).stem, "ids": [a.id, b.id]})
        name = out / f"gold-{Path(g).stem}.jsonl.gz"
        with gzip.GzipFile(name, "wb", mtime=0) as f:
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())
        print(name, len(rows), sum(r["label"] for r in rows))


if __name__ == "__main__":
    main()
