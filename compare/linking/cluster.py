"""Claims -> facts: agglomerative clustering of claims, on embeddings and word overlap alone
(:class:`ClaimClusterer`) or on the judged links (:class:`JudgedClusterer`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..linkage import LINKAGES, relabel_in_order, sparse_linkage
from .candidates import DateGate, cosine_distances, far_apart_dates, lexical_similarity, lexical_vectors, row_candidates
from .links import JudgedLinks
from .stack import LINK_FEATURES, STRUCTURE_FEATURES, structure_features


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
        encoder: str | None = None,
    ) -> np.ndarray:
        """Cluster labels (0..k-1, ordered by first member) for each row of ``embeddings``.

        ``tokens`` (one bag of words per row) turns on the lexical part of the distance;
        ``dates`` (ISO dates per row) keeps claims whose dates are all far apart (see
        :func:`far_apart_dates`) apart as if they shared an article.
        ``texts`` and ``encoder`` are not read (the judged clusterer reads them); no pair is
        judged, so ``links_`` is empty.
        """
        self.links_ = JudgedLinks.empty()
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
        encoder: str | None = None,
    ) -> np.ndarray:
        """Cluster labels for each claim; ``stories`` are the groups facts never cross (the
        pipeline passes threads), ``dates`` keep claims whose dates are all far apart from
        linking. ``encoder`` names the model of ``embeddings``: when it is the one a residual
        judge reads the cosine of, the judge is handed the candidates' cosines. Memory grows
        with the claims times their candidates: similarities are computed a block of rows at a
        time and the clustering reads the judged pairs only."""
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
        judge = self._judge()
        reads = encoder is not None and judge.describe().get("cosine_of") == encoder
        scores = judge.score([(texts[i], texts[j]) for i, j in glob.tolist()], structure[:, 0] if reads else None)
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
        return relabel_in_order(join_restatements(labels, articles, self.links_, 1.0 - self.threshold))

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


def join_restatements(labels: np.ndarray, articles: Sequence[str], links: JudgedLinks, cut: float) -> np.ndarray:
    """A claim left alone that restates a fact its own article already tells (a lead and its
    body restatement) joins that fact when its judged P(same) with every claim of the fact in
    other articles is at least ``cut`` (an unjudged pair keeps it out); the likeliest such fact
    (by mean P) when several are. Clustering keeps one article's claims apart
    so that a fact compares outlets; this puts the restatement back where it belongs."""
    labels = np.asarray(labels).copy()
    members: dict[int, list[int]] = {}
    for i, lab in enumerate(labels.tolist()):
        members.setdefault(lab, []).append(i)
    partners = links.neighbours()
    moves = {}
    for x in sorted(partners):
        if len(members[int(labels[x])]) != 1:
            continue
        best = None
        for fact in sorted({int(labels[j]) for j in partners[x]}):
            rows = members[fact]
            others = [r for r in rows if articles[r] != articles[x]]
            if len(others) == len(rows) or not others:
                continue  # the fact is not told in x's article: linking already declined it
            ps = [partners[x].get(r, 0.0) for r in others]
            mean = sum(ps) / len(ps)
            if min(ps) >= cut and (best is None or mean > best[0]):
                best = (mean, fact)
        if best is not None:
            moves[x] = best[1]
    for x, fact in moves.items():
        labels[x] = fact
    return labels
