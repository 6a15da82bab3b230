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
    labels = np.asarray(labels).tolist()
    near = links.neighbours()
    members: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        members.setdefault(lab, []).append(i)
    told_in = {lab: {articles[m] for m in rows} for lab, rows in members.items()}
    first_row: dict[str, int] = {}
    for i, a in enumerate(articles):
        first_row.setdefault(a, i)

    def best_in(i: int) -> dict[str, tuple[float, int]]:
        """Row i's likeliest judged partner in each other article (P, then the lower row)."""
        out: dict[str, tuple[float, int]] = {}
        for j, p in near.get(i, {}).items():
            if articles[j] not in out or (p, -j) > (out[articles[j]][0], -out[articles[j]][1]):
                out[articles[j]] = (p, j)
        return out

    best = [best_in(i) for i in range(len(labels))]
    graded: list[list[Counterpart]] = []
    for i, lab in enumerate(labels):
        found: dict[str, Counterpart] = {}
        for j in members[lab]:  # the fact's claims in other articles: grade "same"
            if articles[j] == articles[i]:
                continue
            p = near.get(i, {}).get(j)
            have = found.get(articles[j])
            if have is None or (p is not None and (have.p is None or p > have.p)):
                found[articles[j]] = Counterpart(j, "same", p)
        for art, (p, j) in best[i].items():  # mutual best matches the facts do not reach
            if art in told_in[lab] or p < related or articles[i] in told_in[labels[j]]:
                continue  # one to one: neither claim's fact may be told in the other's article
            back = best[j].get(articles[i])
            if back is not None and labels[back[1]] == lab:
                found[art] = Counterpart(j, "related", p)
        graded.append(sorted(found.values(), key=lambda c: first_row[articles[c.other]]))
    return graded
