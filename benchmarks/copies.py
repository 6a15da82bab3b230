"""How fast shared copies are found at scale, and whether planted ones are.

Builds a synthetic corpus (by default 10,000 articles of 20 sentences, 15-35 words each, drawn
from a Zipf-weighted vocabulary so that common words and runs recur across articles as they do
in news), plants copies in it (an article's sentences run by one or two articles of other
outlets, two words of each sentence changed and one sentence dropped), and times
``find_copies``. Prints the time and the planted copies found against expected; a copy found
that was not planted counts as false.

    python benchmarks/copies.py [--articles 10000] [--sentences 20] [--planted 200] [--vocab 20000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from compare.copies import find_copies
from compare.schema import Article, Claim


def corpus(n_articles: int, n_sentences: int, planted: int, seed: int,
           vocab: int = 20_000, outlets: int = 300) -> tuple[list[Article], list[Claim], set[tuple[str, ...]]]:
    """Articles, their claims, and the article groups that were planted as copies."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(vocab)])
    weights = 1.0 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    sizes = rng.integers(15, 36, size=n_articles * n_sentences)
    drawn = np.split(words[rng.choice(vocab, size=int(sizes.sum()), p=weights)], np.cumsum(sizes)[:-1])
    texts = [[" ".join(ws) + "." for ws in drawn[i * n_sentences:(i + 1) * n_sentences]] for i in range(n_articles)]
    outlet = [f"Outlet {int(o)}" for o in rng.integers(0, outlets, size=n_articles)]
    groups: set[tuple[str, ...]] = set()
    used: set[int] = set()
    for _ in range(planted):
        source = int(rng.integers(n_articles))
        copies = [int(x) for x in rng.integers(n_articles, size=int(rng.integers(1, 3)))]
        members = [source, *copies]
        if len(set(members)) < len(members) or used & set(members) or len({outlet[a] for a in members}) < len(members):
            continue
        used |= set(members)
        kept = [s for k, s in enumerate(texts[source][:8]) if k != 3]  # 7 of its first 8 sentences
        for a in copies:
            edited = []
            for s in kept:
                ws = s.rstrip(".").split()
                for k in rng.choice(len(ws), size=2, replace=False):
                    ws[k] = str(words[rng.integers(vocab)])
                edited.append(" ".join(ws) + ".")
            texts[a][:len(edited)] = edited
        groups.add(tuple(sorted(f"a{m:05d}" for m in members)))
    articles, claims = [], []
    for i, sentences in enumerate(texts):
        aid = f"a{i:05d}"
        text = "\n\n".join(sentences)
        articles.append(Article(aid, f"{aid}.txt", outlet[i], None, None, None, text))
        at = 0
        for k, s in enumerate(sentences):
            start = text.index(s, at)
            at = start + len(s)
            claims.append(Claim(f"{aid}-{k:02d}", aid, outlet[i], s, start, at))
    return articles, claims, groups


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--sentences", type=int, default=20)
    ap.add_argument("--planted", type=int, default=200)
    ap.add_argument("--vocab", type=int, default=20_000, help="fewer words: more runs shared by chance")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    articles, claims, planted = corpus(args.articles, args.sentences, args.planted, args.seed, args.vocab)
    print(f"corpus: {len(articles):,} articles, {len(claims):,} claims, {len(planted)} planted copies "
          f"(built in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    t0 = time.perf_counter()
    found = find_copies(articles, claims)
    took = time.perf_counter() - t0
    got = {tuple(sorted(k.articles)) for k in found}
    print(f"find_copies: {took:.1f} s")
    print(f"planted copies found: {len(got & planted)}/{len(planted)}; not planted: {len(got - planted)}")


if __name__ == "__main__":
    main()
