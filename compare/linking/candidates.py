"""Which claim pairs are worth judging: embedding cosine mixed with story-local word overlap,
claims of one article and claims dated far apart kept apart."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..schema import Claim


def claim_tokens(claim: Claim) -> tuple[str, ...]:
    """The bag of words a claim is compared by: content lemmas, normalised dates and numbers."""
    return (claim.lemmas + tuple(f"date:{d}" for d in claim.dates)
            + tuple(f"number:{q.value:g}" for q in claim.numbers))


def lexical_similarity(tokens: Sequence[Sequence[str]]) -> np.ndarray:
    """TF-IDF cosine similarity of token bags, with IDF counted over these bags only.

    Counting IDF inside one story makes the story's own subject words ("Armenia", "talks")
    nearly weightless, so what two claims share beyond the subject decides their similarity.
    """
    x = lexical_vectors(tokens)
    if x is None:
        return np.eye(len(tokens))
    sim = (x @ x.T).toarray()
    np.fill_diagonal(sim, 1.0)
    return sim


def lexical_vectors(tokens: Sequence[Sequence[str]]):
    """The unit-length TF-IDF rows :func:`lexical_similarity` compares (a sparse matrix), or
    None when no bag holds a word."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize

    n = len(tokens)
    if not any(tokens):
        return None
    counts = CountVectorizer(analyzer=list).fit_transform([list(t) for t in tokens])
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    # a word in every claim weighs next to nothing; the floor keeps two claims made only of
    # such words (a two-claim story, say) comparable
    idf = np.log((n + 1) / (df + 1)) + 0.01
    counts.data = np.log1p(counts.data.astype(float))
    return normalize(counts.multiply(idf).tocsr())


def far_apart_dates(dates: Sequence[Sequence[str]], max_days: int = 62) -> np.ndarray:
    """Pairs of rows whose day-precise ISO dates (YYYY-MM-DD) are all more than ``max_days`` apart
    (an n x n matrix: for one story; :class:`DateGate` answers for any rows without it).

    Two sentences dated years apart tell different events however alike they read; dates a
    few weeks apart may be one event misdated, which the date signal should report.
    """
    rows = range(len(dates))
    return DateGate(dates, max_days).far(rows, rows)


class DateGate:
    """Which claims' day-precise ISO dates (YYYY-MM-DD) are all more than ``max_days`` apart,
    for any rows asked: :func:`far_apart_dates` without the n x n matrix."""

    def __init__(self, dates: Sequence[Sequence[str]], max_days: int = 62):
        import datetime as dt

        self.max_days = max_days
        self.days: list[np.ndarray] = []
        for ds in dates:
            got = []
            for d in ds:
                try:
                    got.append(dt.date.fromisoformat(d).toordinal())
                except ValueError:  # partial dates ("2020", "--05-17") say too little
                    continue
            self.days.append(np.array(sorted(set(got)), dtype=float))

    def far(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """Boolean (rows x cols): both claims dated, and no two of their dates within max_days."""
        out = np.zeros((len(rows), len(cols)), dtype=bool)
        dated = [(c, self.days[j]) for c, j in enumerate(cols) if len(self.days[j])]
        if not dated:
            return out
        for r, i in enumerate(rows):
            mine = self.days[i]
            if not len(mine):
                continue
            for c, theirs in dated:
                out[r, c] = np.abs(mine[:, None] - theirs[None, :]).min() > self.max_days
        return out


def cosine_distances(embeddings: np.ndarray) -> np.ndarray:
    """Pairwise cosine distances of row vectors (normalised here, so any scale works)."""
    x = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms == 0, 1.0, norms)
    d = 1.0 - x @ x.T
    np.clip(d, 0.0, 2.0, out=d)
    np.fill_diagonal(d, 0.0)
    return d


def row_candidates(sim: np.ndarray, open_: np.ndarray, codes: np.ndarray, k: int, limit: int | None,
                   skip: Callable[[int], bool] | None = None) -> list[int]:
    """One claim's candidates among the columns ``open_`` allows: in order of ``sim`` (ties to
    the lower column), each that is among the ``k`` most similar of its article (``codes``),
    up to ``limit`` in all; ``skip`` rules out a column as if it were not open (dates far apart)."""
    cols = np.flatnonzero(open_)
    taken: list[int] = []
    if not len(cols):
        return taken
    # the best few first; all of them only when those run out
    few = cols
    if limit is not None and len(cols) > 8 * limit * k:
        cut = np.partition(sim[cols], len(cols) - 8 * limit * k)[len(cols) - 8 * limit * k]
        few = cols[sim[cols] >= cut]
    for pool in (few, cols) if len(few) < len(cols) else (cols,):
        taken, count = [], {}
        for j in pool[np.lexsort((pool, -sim[pool]))].tolist():
            if count.get(codes[j], 0) >= k or (skip is not None and skip(j)):
                continue
            count[codes[j]] = count.get(codes[j], 0) + 1
            taken.append(j)
            if limit is not None and len(taken) >= limit:
                return taken
    return taken


def candidate_pairs(sim: np.ndarray, articles: Sequence[str], blocked: np.ndarray, k: int,
                    max_per_claim: int | None = None) -> list[tuple[int, int]]:
    """Pairs (i < j) where j is among i's ``k`` most similar claims of j's article, or the other
    way round; pairs in ``blocked`` (same article, far-apart dates) are never candidates.

    ``max_per_claim`` keeps only each claim's most similar candidates over all articles, so a
    story of many articles costs the judge a bounded number of pairs per claim. (The judged
    clusterer chooses the same pairs a block of rows at a time, without the n x n matrices.)
    """
    codes = np.unique(np.asarray(articles), return_inverse=True)[1]
    out: set[tuple[int, int]] = set()
    for i in range(len(codes)):
        open_ = ~blocked[i] & np.isfinite(sim[i])
        open_[i] = False
        out.update((min(i, j), max(i, j)) for j in row_candidates(sim[i], open_, codes, k, max_per_claim))
    return sorted(out)
