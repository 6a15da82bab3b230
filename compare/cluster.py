"""Claims + embeddings -> clusters, each one fact as several outlets tell it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

LINKAGES = ("average", "complete", "single")


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


def sparse_linkage(n: int, prob: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   edges: dict[tuple[int, int], float], threshold: float,
                   groups: Sequence[Sequence[int]] | None = None, linkage: str = "average",
                   strict: bool = True) -> np.ndarray:
    """Agglomerative clustering on the distance 1 - P, merging only groups an edge joins, with
    every member pair counted: ``prob(rows, cols)`` gives P for all pairs of two groups when
    first needed (so a pair that is no edge counts with the P it returns, not as missing).
    ``edges``: (i, j) -> P of the pairs that may start a merge. Memory grows with the edges,
    never n x n. ``linkage``: average (mean distance), complete (largest) or single (smallest).
    Groups merge while their distance is under ``threshold`` (``strict``, as scikit-learn's
    ``distance_threshold``) or at most ``threshold``. ``groups`` (a partition of the rows) are
    the starting groups; by default each row alone. Labels 0.. in order of first member.
    Deterministic: ties go to lower ids."""
    import heapq

    if linkage not in LINKAGES:
        raise ValueError(f"linkage must be one of {LINKAGES}, not {linkage!r}")
    start = [list(g) for g in groups] if groups is not None else [[i] for i in range(n)]
    members: dict[int, list[int]] = dict(enumerate(start))
    group_of = {i: g for g, rows in members.items() for i in rows}
    # stat[a][b]: the sum (average), largest (complete) or smallest (single) distance over all
    # member pairs of groups a and b, once computed
    stat: dict[int, dict[int, float]] = {g: {} for g in members}
    nbrs: dict[int, set[int]] = {g: set() for g in members}
    reduce = {"average": np.sum, "complete": np.max, "single": np.min}[linkage]
    combine = {"average": lambda x, y: x + y, "complete": max, "single": min}[linkage]

    def pair_stat(a: int, b: int) -> float:
        if b not in stat[a]:
            stat[a][b] = stat[b][a] = float(reduce(1.0 - prob(np.array(members[a]), np.array(members[b]))))
        return stat[a][b]

    def dist(a: int, b: int, value: float) -> float:
        return value / (len(members[a]) * len(members[b])) if linkage == "average" else value

    heap: list[tuple[float, int, int]] = []
    for (i, j), p in sorted(edges.items()):
        a, b = sorted((group_of[i], group_of[j]))
        if a == b or b in nbrs[a]:
            continue
        nbrs[a].add(b)
        nbrs[b].add(a)
        if groups is None:
            stat[a][b] = stat[b][a] = 1.0 - p
        heap.append((dist(a, b, pair_stat(a, b)), a, b))
    heapq.heapify(heap)

    next_id = len(members)
    while heap:
        d, a, b = heapq.heappop(heap)
        if d > threshold or (strict and d >= threshold):
            break
        if a not in members or b not in members:
            continue
        m = next_id
        next_id += 1
        around = (nbrs[a] | nbrs[b]) - {a, b}
        merged = {c: combine(pair_stat(a, c), pair_stat(b, c)) for c in sorted(around)}
        members[m] = members.pop(a) + members.pop(b)
        for gone in (a, b):
            for c in stat.pop(gone):
                stat.get(c, {}).pop(gone, None)
            for c in nbrs.pop(gone):
                if c in nbrs:
                    nbrs[c].discard(gone)
        stat[m], nbrs[m] = {}, set(around)
        for c, v in merged.items():
            stat[m][c] = stat[c][m] = v
            nbrs[c].add(m)
            heapq.heappush(heap, (dist(c, m, v), c, m))
    labels = np.empty(n, dtype=int)
    for lab, (_, group) in enumerate(sorted(members.items(), key=lambda kv: min(kv[1]))):
        labels[group] = lab
    return labels


def relabel_in_order(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered in order of first appearance: stable ids for the same input."""
    order: dict[int, int] = {}
    for lab in labels:
        order.setdefault(int(lab), len(order))
    return np.array([order[int(lab)] for lab in labels], dtype=int)


def cosine_distances(embeddings: np.ndarray) -> np.ndarray:
    """Pairwise cosine distances of row vectors (normalised here, so any scale works)."""
    x = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms == 0, 1.0, norms)
    d = 1.0 - x @ x.T
    np.clip(d, 0.0, 2.0, out=d)
    np.fill_diagonal(d, 0.0)
    return d


class ClaimClusterer:
    """Agglomerative clustering of claims on cosine distance, one story at a time.

    Claims of the same article are kept apart by adding ``same_article_penalty`` to their
    distance, so a cluster compares outlets rather than an article with itself. The default is
    large enough that no average over a cluster can bring such a pair under the threshold;
    a small value (0.1-1) lets an article's restatements of one fact join it. When token bags
    are given, the distance mixes in ``lexical_weight`` of TF-IDF cosine distance (see
    :func:`lexical_similarity`): embeddings alone put every sentence on the same topic close.
    """

    def __init__(
        self,
        threshold: float = 0.5,
        linkage: str = "average",
        same_article_penalty: float = 1e3,
        lexical_weight: float = 0.0,
    ):
        self.threshold = threshold
        self.linkage = linkage
        self.same_article_penalty = same_article_penalty
        self.lexical_weight = lexical_weight

    def fit_predict(
        self,
        embeddings: np.ndarray,
        articles: Sequence[str],
        stories: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
        dates: Sequence[Sequence[str]] | None = None,
        texts: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Cluster labels (0..k-1, ordered by first member) for each row of ``embeddings``.

        ``tokens`` (one bag of words per row) turns on the lexical part of the distance;
        ``dates`` (ISO dates per row) keeps claims whose dates are all far apart (see
        :func:`far_apart_dates`) apart as if they shared an article.
        ``texts`` is not read (the judged clusterer reads it); no pair is judged, so ``links_``
        is empty.
        """
        self.links_: dict[tuple[int, int], tuple[float, np.ndarray]] = {}
        from sklearn.cluster import AgglomerativeClustering

        if self.linkage not in LINKAGES:
            raise ValueError(f"linkage must be one of {LINKAGES}, not {self.linkage!r}")
        if not 0 < self.threshold < 2:
            raise ValueError("threshold is a cosine distance between 0 and 2")
        n = len(articles)
        if embeddings.shape[0] != n:
            raise ValueError("one embedding per claim is needed")
        if not 0 <= self.lexical_weight <= 1:
            raise ValueError("lexical_weight is a share between 0 and 1")
        if tokens is not None and len(tokens) != n:
            raise ValueError("one token bag per claim is needed")
        stories = list(stories) if stories is not None else [""] * n
        labels = np.full(n, -1, dtype=int)
        next_label = 0
        for story in sorted(set(stories)):
            idx = np.array([i for i in range(n) if stories[i] == story])
            if len(idx) == 1:
                labels[idx[0]] = next_label
                next_label += 1
                continue
            d = cosine_distances(embeddings[idx])
            if tokens is not None and self.lexical_weight > 0:
                lex = 1.0 - lexical_similarity([tokens[i] for i in idx])
                d = (1.0 - self.lexical_weight) * d + self.lexical_weight * lex
            arts = np.array([articles[i] for i in idx])
            same = arts[:, None] == arts[None, :]
            np.fill_diagonal(same, False)
            if dates is not None:
                same = same | far_apart_dates([dates[i] for i in idx])
            d = d + self.same_article_penalty * same
            model = AgglomerativeClustering(
                n_clusters=None,
                metric="precomputed",
                linkage=self.linkage,
                distance_threshold=self.threshold,
            )
            sub = model.fit_predict(d)
            for lab in np.unique(sub):
                labels[idx[sub == lab]] = next_label
                next_label += 1
        return relabel_in_order(labels)

    def describe(self) -> dict:
        """The settings a report records."""
        return {"threshold": self.threshold, "linkage": self.linkage,
                "same_article_penalty": self.same_article_penalty, "lexical_weight": self.lexical_weight}


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


LINK_FEATURES = ("judge_logit", "entailment", "contradiction", "cosine", "overlap", "shared_date",
                 "date_mismatch", "shared_number")


STRUCTURE_FEATURES = LINK_FEATURES[3:]  # what a pair gives before the judge reads it


def structure_features(cosine: float, overlap: float, tokens_a: Sequence[str], tokens_b: Sequence[str]) -> list[float]:
    """The part of :func:`link_features` that needs no judge (STRUCTURE_FEATURES order)."""
    da = {t for t in tokens_a if t.startswith("date:")}
    db = {t for t in tokens_b if t.startswith("date:")}
    na = {t for t in tokens_a if t.startswith("number:")}
    nb = {t for t in tokens_b if t.startswith("number:")}
    return [float(cosine), float(overlap), float(bool(da & db)), float(bool(da and db and not da & db)),
            float(bool(na & nb))]


def link_features(same: float, nli: np.ndarray, cosine: float, overlap: float,
                  tokens_a: Sequence[str], tokens_b: Sequence[str]) -> list[float]:
    """What the stacked link model reads for one judged pair (LINK_FEATURES order): the pair
    model's logit and NLI, the bi-encoder cosine, the story-local word overlap, and whether
    the claims share a date, give dates that differ, or share a number."""
    p = min(max(same, 1e-6), 1 - 1e-6)
    return [float(np.log(p / (1 - p))), float(nli[0]), float(nli[2]),
            *structure_features(cosine, overlap, tokens_a, tokens_b)]


class StackedLinkModel:
    """Logistic regression over LINK_FEATURES, fitted on the tuning golds' candidate pairs by
    ``training/stack.py``; its probability is the link confidence the report shows. ``cascade``
    (``cascade.json`` beside ``stack.json``, a :class:`CascadeModel`) says which candidates are
    worth the judge's time."""

    FEATURES = LINK_FEATURES

    def __init__(self, mean: Sequence[float], scale: Sequence[float], coef: Sequence[float], intercept: float):
        self.mean, self.scale = np.asarray(mean, float), np.asarray(scale, float)
        self.coef, self.intercept = np.asarray(coef, float), float(intercept)
        self.cascade: CascadeModel | None = None

    @classmethod
    def _read(cls, path) -> dict | None:
        import json
        from pathlib import Path

        path = Path(path)
        if not path.is_file():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        if tuple(d["features"]) != cls.FEATURES:
            raise ValueError(f"{path}: features {d['features']} are not {list(cls.FEATURES)}; refit it")
        return d

    @classmethod
    def load(cls, path) -> StackedLinkModel | None:
        from pathlib import Path

        d = cls._read(path)
        if d is None:
            return None
        model = cls(d["mean"], d["scale"], d["coef"], d["intercept"])
        model.cascade = CascadeModel.load(Path(path).parent / "cascade.json")
        return model

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = ((np.asarray(x, float) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


class CascadeModel(StackedLinkModel):
    """Which candidate pairs the judge reads: a logistic regression over STRUCTURE_FEATURES
    (cosine, word overlap, dates, numbers: no judge) that predicts whether the stacked model
    will link the pair; pairs under ``cut`` are left unjudged, as pairs that are no candidate
    are. Fitted by ``training/cascade.py`` on the dev corpora's judged pairs, ``cut`` chosen
    there to keep 99.9 % of the links out of fold."""

    FEATURES = STRUCTURE_FEATURES

    def __init__(self, mean, scale, coef, intercept, cut: float):
        super().__init__(mean, scale, coef, intercept)
        self.cut = float(cut)

    @classmethod
    def load(cls, path) -> CascadeModel | None:
        d = cls._read(path)
        return None if d is None else cls(d["mean"], d["scale"], d["coef"], d["intercept"], d["cut"])

    def keep(self, x: np.ndarray) -> np.ndarray:
        """Which rows of ``x`` (STRUCTURE_FEATURES) the judge should read."""
        x = np.asarray(x, float).reshape(-1, len(self.FEATURES))
        return self.predict(x) >= self.cut if len(x) else np.zeros(0, dtype=bool)


class JudgedLinks(Mapping):
    """Judged pairs (i < j) of claim rows, each to its (P(same), NLI probabilities), held as
    arrays: a pair costs 120 bytes, where the dicts of tuples, floats and per-pair arrays it
    replaces held some 900 in their objects. ``features`` holds what the stack read, a
    row per pair in the order of :meth:`pairs`."""

    def __init__(self, pairs: np.ndarray, same: np.ndarray, nli: np.ndarray, features: np.ndarray | None = None):
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        self._n = int(pairs.max()) + 1 if len(pairs) else 1
        codes = pairs[:, 0] * self._n + pairs[:, 1]
        order = np.argsort(codes, kind="stable")
        self._codes, self._pairs = codes[order], pairs[order]
        self.same = np.asarray(same, dtype=np.float64)[order]
        self.nli = np.asarray(nli, dtype=np.float64).reshape(-1, 3)[order]
        self.features = (np.asarray(features, dtype=np.float64)[order] if features is not None
                         else np.zeros((len(pairs), 0)))

    def _find(self, key) -> int:
        i, j = key
        if not (0 <= i < self._n and 0 <= j < self._n):
            return -1
        code = int(i) * self._n + int(j)
        k = int(np.searchsorted(self._codes, code))
        return k if k < len(self._codes) and self._codes[k] == code else -1

    def __getitem__(self, key) -> tuple[float, np.ndarray]:
        k = self._find(key)
        if k < 0:
            raise KeyError(key)
        return float(self.same[k]), self.nli[k]

    def __contains__(self, key) -> bool:
        return isinstance(key, tuple) and len(key) == 2 and self._find(key) >= 0

    def __iter__(self):
        return (tuple(p) for p in self._pairs.tolist())

    def __len__(self) -> int:
        return len(self._codes)

    def pairs(self) -> np.ndarray:
        """The pairs, (m, 2), sorted."""
        return self._pairs


class JudgedClusterer:
    """Facts from judged links: candidates from the bi-encoder and word overlap, scored by the
    pair judge, then agglomerative clustering on 1 - P(same).

    Each claim's ``k`` nearest claims in every other article of its story (by the mix of
    embedding cosine and story-local TF-IDF that :class:`ClaimClusterer` uses), at most
    ``max_per_claim`` of them and none under ``min_similarity``, are candidates (the floor,
    0.15, lies under the lowest similarity, 0.174, of any pair the stack links with P(same)
    of 0.5 or more on the four golds; it spares the judge most pairs of a large story);
    pairs that are no candidate count as P(same) = 0, so a fact only grows through judged
    links. With a ``stack`` (:class:`StackedLinkModel`), P(same) is the stacked model's
    reading of the judge's outputs and the pair's structure; without, the judge's own.
    ``threshold`` is a distance on 1 - P(same). After ``fit_predict``, ``links_`` (a
    :class:`JudgedLinks`) maps each judged pair (i, j) to its P(same) and NLI probabilities,
    and holds what the stack read.
    """

    def __init__(self, judge=None, threshold: float = 0.5, k: int = 3, linkage: str = "average",
                 lexical_weight: float = 0.7, same_article_penalty: float = 1e3, stack="bundled",
                 max_per_claim: int | None = 8, min_similarity: float = 0.15, cascade: bool = True):
        self.judge = judge
        self.cascade = cascade
        self.max_per_claim = max_per_claim
        self.min_similarity = min_similarity
        self.threshold = threshold
        self.k = k
        self.linkage = linkage
        self.lexical_weight = lexical_weight
        self.same_article_penalty = same_article_penalty
        self.stack = stack

    def _judge(self):
        if self.judge is None:
            from .judge import CrossEncoderJudge

            self.judge = CrossEncoderJudge()
        return self.judge

    def _stack(self):
        if isinstance(self.stack, str) and self.stack == "bundled":
            # the stack a judge was fitted with travels with it; a judge without one has none
            return getattr(self._judge(), "link_model", lambda: None)()
        return self.stack

    def describe(self) -> dict:
        """The settings a report records: the judge-less clusterer's, and the candidate count."""
        return ClaimClusterer.describe(self) | {"candidates_per_article": self.k}

    def fit_predict(
        self,
        embeddings: np.ndarray,
        articles: Sequence[str],
        stories: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
        dates: Sequence[Sequence[str]] | None = None,
        texts: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Cluster labels for each claim; ``stories`` are the groups facts never cross (the
        pipeline passes threads), ``dates`` keep claims whose dates are all far apart from
        linking. Memory grows with the claims times their candidates: similarities are computed
        a block of rows at a time and the clustering reads the judged pairs only."""
        import time

        if self.linkage not in LINKAGES:
            raise ValueError(f"linkage must be one of {LINKAGES}, not {self.linkage!r}")
        if not 0 < self.threshold < 1:
            raise ValueError("threshold is a distance 1 - P(same) between 0 and 1")
        if self.k < 1:
            raise ValueError("k (candidates per claim and article) must be at least 1")
        n = len(articles)
        if texts is None or len(texts) != n or embeddings.shape[0] != n:
            raise ValueError("one text and one embedding per claim are needed")
        tokens = tokens if tokens is not None else [()] * n
        stories = list(stories) if stories is not None else [""] * n
        gate = DateGate(dates if dates is not None else [()] * n)
        labels = np.full(n, -1, dtype=int)
        members: dict[str, list[int]] = {}
        for i, st in enumerate(stories):
            members.setdefault(st, []).append(i)
        groups = [np.array(members[s]) for s in sorted(members)]
        # candidates of every story first, so the judge scores them in one pass
        per_story, found = [], []
        for idx in groups:
            pairs, sims = (self._candidates(idx, embeddings, articles, tokens, gate) if len(idx) > 1
                           else (np.zeros((0, 2), dtype=np.int64), np.zeros((0, 2))))
            per_story.append((idx, pairs))
            found.append((idx[pairs], sims))
        glob = np.concatenate([g for g, _ in found]) if found else np.zeros((0, 2), dtype=np.int64)
        sims = np.concatenate([s for _, s in found]) if found else np.zeros((0, 2))
        del found
        stack = self._stack()
        structure = np.array([structure_features(cos, lex, tokens[i], tokens[j])
                              for (i, j), (cos, lex) in zip(glob.tolist(), sims.tolist(), strict=True)],
                             dtype=np.float64).reshape(len(glob), len(STRUCTURE_FEATURES))
        cascade = getattr(stack, "cascade", None) if self.cascade else None
        self.candidates_ = len(glob)
        if cascade is not None:  # the rest are left as pairs that are no candidate are
            keep = cascade.keep(structure)
            glob, structure = glob[keep], structure[keep]
        t = time.perf_counter()
        scores = self._judge().score([(texts[i], texts[j]) for i, j in glob.tolist()])
        self.judge_seconds_ = time.perf_counter() - t
        p = np.clip(np.asarray(scores.same, dtype=np.float64), 1e-6, 1 - 1e-6)
        feats = np.column_stack([np.log(p / (1 - p)), scores.nli[:, 0], scores.nli[:, 2], structure]
                                ).reshape(len(glob), len(LINK_FEATURES))
        same = stack.predict(feats) if stack is not None and len(glob) else np.asarray(scores.same, dtype=np.float64)
        self.links_ = JudgedLinks(glob, same, scores.nli, feats)
        next_label = 0
        for idx, pairs in per_story:
            edges = {(i, j): self.links_[(gi, gj)][0]
                     for (i, j), (gi, gj) in zip(pairs.tolist(), idx[pairs].tolist(), strict=True)
                     if (gi, gj) in self.links_}
            if not edges:
                for i in idx:
                    labels[i] = next_label
                    next_label += 1
                continue
            arts = np.array([articles[i] for i in idx])

            def prob(rows: np.ndarray, cols: np.ndarray, idx=idx, arts=arts, edges=edges) -> np.ndarray:
                # P(same) of judged pairs, 0 for the rest; a pair of one article or of far-apart
                # dates 1 + penalty away, as the dense clustering had it
                p = np.zeros((len(rows), len(cols)))
                for r, i in enumerate(rows):
                    for c, j in enumerate(cols):
                        p[r, c] = edges.get((min(i, j), max(i, j)), 0.0)
                blocked = (arts[rows][:, None] == arts[cols][None, :]) | gate.far(idx[rows], idx[cols])
                return p - self.same_article_penalty * blocked

            sub = sparse_linkage(len(idx), prob, edges, self.threshold, linkage=self.linkage, strict=True)
            for lab in range(int(sub.max()) + 1):
                labels[idx[sub == lab]] = next_label
                next_label += 1
        return relabel_in_order(labels)

    def _candidates(self, idx: np.ndarray, embeddings: np.ndarray, articles: Sequence[str],
                    tokens: Sequence[Sequence[str]], gate: DateGate,
                    block: int = 512) -> tuple[np.ndarray, np.ndarray]:
        """The candidate pairs (local i < j, sorted, as an (m, 2) array) of one group, chosen as
        :func:`candidate_pairs` does from the mixed similarity, computed ``block`` rows at a
        time; and each pair's (cosine, lexical) similarity, a row per pair."""
        x = np.asarray(embeddings[idx], dtype=np.float64)
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = x / np.where(norms == 0, 1.0, norms)
        lexv = lexical_vectors([tokens[i] for i in idx])
        codes = np.unique(np.array([articles[i] for i in idx]), return_inverse=True)[1]
        m = len(idx)
        out: dict[tuple[int, int], tuple[float, float]] = {}
        for lo in range(0, m, block):
            rows = np.arange(lo, min(lo + block, m))
            cos = 1.0 - np.clip(1.0 - x[rows] @ x.T, 0.0, 2.0)
            lex = (lexv[rows] @ lexv.T).toarray() if lexv is not None else np.zeros_like(cos)
            cos[np.arange(len(rows)), rows] = 1.0
            lex[np.arange(len(rows)), rows] = 1.0
            sim = (1.0 - self.lexical_weight) * cos + self.lexical_weight * lex
            open_ = (codes[rows][:, None] != codes[None, :]) & (sim >= self.min_similarity)
            for r, i in enumerate(rows):
                gi = int(idx[i])
                for j in row_candidates(sim[r], open_[r], codes, self.k, self.max_per_claim,
                                        lambda j, gi=gi: bool(gate.far([gi], [idx[j]])[0, 0])):
                    out[(min(int(i), j), max(int(i), j))] = (float(cos[r, j]), float(lex[r, j]))
        keys = sorted(out)
        return (np.array(keys, dtype=np.int64).reshape(-1, 2),
                np.array([out[k] for k in keys], dtype=np.float64).reshape(-1, 2))
