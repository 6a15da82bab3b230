"""Each claim's counterpart in every other article of its thread, graded.

A fact (the clustering's output) says which claims state the same thing; an editor also needs
to see where another outlet tells the same event differently, disputes it, or leaves it out.
For a claim and another article:

- ``same``: the claim's fact has a claim in that article (the one the judge scored highest);
- ``related``: neither claim's fact is told in the other's article, and the article's claim
  the judge scores highest against it is a mutual best match between the two articles (its
  own best match back is the claim or a claim of the claim's fact: a lead and its
  restatement count as one) with P(same) of at least ``related``: probably the same event
  or issue, told differently or disputed; never counted as agreement;
- nothing otherwise.

Only judged pairs (the candidates the cascade sent to the judge) are read: a pair never judged
is no counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .links import JudgedLinks

# The P(same) a related counterpart needs, chosen on the tuning golds (README: "Counterparts").
DEFAULT_RELATED = 0.4


@dataclass(frozen=True)
class Counterpart:
    """The claim row ``other`` in another article, as a counterpart of some claim: its grade
    ("same" or "related") and the judged P(same) of the pair (None for a same-fact pair the
    judge never read: the fact's average linkage joined them through other claims)."""

    other: int
    grade: str
    p: float | None


def counterparts(labels: np.ndarray, articles: Sequence[str], links: JudgedLinks,
                 related: float = DEFAULT_RELATED) -> list[list[Counterpart]]:
    """For each claim row, its counterparts (one per other article at most, in the order of the
    other article's first claim row). ``labels``: each row's fact; ``articles``: each row's
    article; ``links``: the judged pairs (rows i < j) and their P(same)."""
    n = len(labels)
    pairs = links.pairs()
    # best judged partner of each row in each other article, by P then lower row
    best: dict[tuple[int, str], tuple[float, int]] = {}
    prob: dict[tuple[int, int], float] = {}
    for (i, j), p in zip(pairs.tolist(), links.same.tolist(), strict=True):
        prob[(i, j)] = prob[(j, i)] = p
        for a, b in ((i, j), (j, i)):
            key = (a, articles[b])
            if key not in best or (p, -b) > (best[key][0], -best[key][1]):
                best[key] = (p, b)
    members: dict[int, list[int]] = {}
    for i, lab in enumerate(np.asarray(labels).tolist()):
        members.setdefault(lab, []).append(i)
    first_row: dict[str, int] = {}
    for i, a in enumerate(articles):
        first_row.setdefault(a, i)
    out: list[list[Counterpart]] = []
    for i in range(n):
        found: dict[str, Counterpart] = {}
        fact = members[int(labels[i])]
        for j in fact:  # the fact's claims in other articles: grade "same"
            if articles[j] == articles[i]:
                continue
            p = prob.get((i, j))
            have = found.get(articles[j])
            if have is None or (p is not None and (have.p is None or p > have.p)):
                found[articles[j]] = Counterpart(j, "same", p)
        out.append(sorted(found.values(), key=lambda c: first_row[articles[c.other]]))
    # related: mutual best matches across articles the fact does not reach
    by_row: dict[int, list[tuple[str, float, int]]] = {}
    for (row, art), (p, j) in best.items():
        by_row.setdefault(row, []).append((art, p, j))
    for i in range(n):
        have = {articles[c.other] for c in out[i]}
        fact = set(members[int(labels[i])])
        extra = []
        for art, p, j in by_row.get(i, ()):
            if art in have or p < related or int(labels[j]) == int(labels[i]):
                continue
            if any(articles[m] == articles[i] for m in members[int(labels[j])]):
                continue  # one to one: j's own fact is told in i's article
            back = best.get((j, articles[i]))
            if back is not None and back[1] in fact:
                extra.append(Counterpart(j, "related", p))
        if extra:
            out[i] = sorted(out[i] + extra, key=lambda c: first_row[articles[c.other]])
    return out
