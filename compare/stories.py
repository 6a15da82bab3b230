"""Articles -> stories (one news event each) -> threads (the stories of one ongoing affair).

Each article is described as the news-clustering literature does (Miranda et al. 2018,
"Multilingual Clustering of Streaming News"; Staykovski et al. 2019): dense embeddings of its
headline and lead and of its whole text, TF-IDF of its content lemmas and of its named entities,
and its own publication date. A logistic regression fitted on labelled events (ECB+ and BASIL,
see compare/models/stories/MODEL_CARD.md) turns the similarities of two articles and the days
between them into P(same story). Stories are average-linkage clusters on 1 - P, merged only
along each article's most likely neighbours, so the pairs kept grow with the number of articles
times a constant (a merge of two groups reads their member pairs a block at a time), and
copies of one article are one row weighted by their number. Threads group stories the same
way, with the date gap left out: the stories of one affair share their actors and words, not
their day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .errors import ModelError
from .linkage import relabel_in_order, sparse_linkage
from .logistic import Logistic, read_model
from .schema import ENTITY_LABELS, NAME_LABELS, Article, Claim, Story, Thread

MODEL_PATH = Path(__file__).parent / "models" / "stories" / "model.json"
STORY_FEATURES = ("lead", "body", "words", "names", "lead_words", "lead_names", "numbers", "when", "days")
# How many claims from the top of an article (headline first) make its lead.
LEAD_CLAIMS = 4
# A gap in days a story of several articles commonly spans; the date feature is log(1 + gap)
# centred on it, and 0 (no evidence) when either date is unknown.
TYPICAL_GAP_DAYS = 2.0
# what a title is made of: names of people, places, bodies and events, not nationalities
TITLE_LABELS = ENTITY_LABELS - {"NORP"}


@dataclass
class Signatures:
    """What the grouper compares articles (or stories) by; one row each."""

    lead: np.ndarray  # unit vectors: mean embedding of the headline and lead claims
    body: np.ndarray  # unit vectors: mean embedding of all claims
    words: object  # scipy CSR, unit rows: TF-IDF of content lemmas
    names: object  # scipy CSR, unit rows: TF-IDF of named entities
    lead_words: object  # scipy CSR, unit rows: TF-IDF of the lead's content lemmas
    lead_names: object  # scipy CSR, unit rows: TF-IDF of the lead's named entities
    numbers: object  # scipy CSR, unit rows: TF-IDF of the quantities stated ("6.1 magnitude")
    when: object  # scipy CSR, unit rows: years and months the article is dated and mentions
    day: np.ndarray  # days since 1970-01-01, NaN when unknown

    def __len__(self) -> int:
        return len(self.day)


def name_tokens(claim: Claim) -> list[str]:
    """A claim's named entities as the grouper counts them: the whole name lowercased, and a
    person's surname alone (so "Nikol Pashinyan" and "Pashinyan" meet)."""
    out = []
    for e in claim.entities:
        label, _, name = e.partition(":")
        if label not in NAME_LABELS:
            continue
        name = " ".join(name.lower().split())
        out.append(name)
        if label == "PERSON" and " " in name:
            out.append(name.rsplit(" ", 1)[1])
    return out


def when_tokens(own: Sequence[str], mentioned: Sequence[str]) -> list[str]:
    """Years and year-months from an article's own date and the dates its claims mention."""
    out = []
    for d in [*own, *mentioned]:
        if d[:4].isdigit() and (len(d) == 4 or d[4] == "-"):  # not a decade ("1990x")
            out.append(d[:4])
            if len(d) >= 7 and d[5:7].isdigit():
                out.append(d[:7])
    return out


def _day(iso: str | None) -> float:
    if not iso or iso.startswith("--"):
        return np.nan
    try:
        return float(date.fromisoformat(iso[:10]).toordinal() - 719163)
    except ValueError:
        return np.nan


def signatures(articles: Sequence[Article], claims: Sequence[Claim], embeddings: np.ndarray,
               lead_claims: int = LEAD_CLAIMS) -> Signatures:
    """Each article's signature, from its claims and their embeddings (no model call)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    rows: dict[str, list[int]] = {a.id: [] for a in articles}
    for i, c in enumerate(claims):
        rows[c.article].append(i)
    dim = embeddings.shape[1] if embeddings.ndim == 2 else 1
    lead, body = np.zeros((len(articles), dim)), np.zeros((len(articles), dim))
    words, names, numbers, when, lead_words, lead_names = [], [], [], [], [], []
    for k, a in enumerate(articles):
        idx = rows[a.id]
        if idx:
            body[k] = embeddings[idx].mean(axis=0)
            lead[k] = embeddings[idx[:lead_claims]].mean(axis=0)
        words.append([w for i in idx for w in claims[i].lemmas])
        names.append([n for i in idx for n in name_tokens(claims[i])])
        lead_words.append([w for i in idx[:lead_claims] for w in claims[i].lemmas])
        lead_names.append([n for i in idx[:lead_claims] for n in name_tokens(claims[i])])
        numbers.append([f"{q.value:g} {q.unit}".strip() for i in idx for q in claims[i].numbers])
        when.append(when_tokens([a.date] if a.date else [], [d for i in idx for d in claims[i].dates]))

    def tfidf(docs: list[list[str]]):
        from scipy import sparse

        if not any(docs):
            return sparse.csr_matrix((len(docs), 1))
        return TfidfVectorizer(analyzer=list, sublinear_tf=True).fit_transform(docs).tocsr()

    return Signatures(normalize(lead), normalize(body), tfidf(words), tfidf(names), tfidf(lead_words),
                      tfidf(lead_names), tfidf(numbers), tfidf(when), np.array([_day(a.date) for a in articles]))


def pair_features(sig: Signatures, rows: np.ndarray, cols: np.ndarray, dates: bool = True) -> np.ndarray:
    """Features (len(rows), len(cols), STORY_FEATURES) of every pair of rows x cols."""
    f = np.empty((len(rows), len(cols), len(STORY_FEATURES)))
    f[..., 0] = sig.lead[rows] @ sig.lead[cols].T
    f[..., 1] = sig.body[rows] @ sig.body[cols].T
    for k, bag in enumerate((sig.words, sig.names, sig.lead_words, sig.lead_names, sig.numbers), start=2):
        f[..., k] = (bag[rows] @ bag[cols].T).toarray()
    # time words: how alike when both articles have some, no evidence when either has none
    has = np.asarray(sig.when.getnnz(axis=1) > 0)
    both = has[rows][:, None] & has[cols][None, :]
    f[..., 7] = np.where(both, (sig.when[rows] @ sig.when[cols].T).toarray() - 0.5, 0.0)
    gap = np.abs(sig.day[rows][:, None] - sig.day[cols][None, :])
    f[..., 8] = np.where(np.isnan(gap) | (not dates), 0.0,
                         np.log1p(np.nan_to_num(gap)) - np.log1p(TYPICAL_GAP_DAYS))
    return f


@dataclass(frozen=True)
class StoryModel:
    """Logistic regression over :data:`STORY_FEATURES` -> P(same story), and the cuts."""

    coef: tuple[float, ...]
    intercept: float
    story_threshold: float  # average 1 - P at which two groups of articles stop merging
    thread_threshold: float  # the same on stories, with the date gap left out
    neighbours: int = 10

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> StoryModel:
        d = read_model(path)
        fitted = (tuple(d["features"]), d.get("lead_claims"), d.get("typical_gap_days"))
        if fitted != (STORY_FEATURES, LEAD_CLAIMS, TYPICAL_GAP_DAYS):
            raise ModelError(f"{path} was fitted on other features {fitted}; refit it with "
                             "training/stories.py --write")
        return cls(tuple(d["coef"]), d["intercept"], d["story_threshold"], d["thread_threshold"],
                   d.get("neighbours", 10))

    def proba(self, features: np.ndarray) -> np.ndarray:
        return Logistic(self.coef, self.intercept).proba(features)

    def copies_likeliest(self) -> bool:
        """Whether two copies of an article are the likeliest pair either is in: every
        similarity weighs for the same story and the date gap against."""
        days = STORY_FEATURES.index("days")
        return all(c >= 0 for k, c in enumerate(self.coef) if k != days) and self.coef[days] <= 0


def neighbour_pairs(n: int, prob: Callable[[np.ndarray, np.ndarray], np.ndarray], k: int,
                    floor: float = 0.05, chunk: int = 256, group_of: np.ndarray | None = None,
                    point_of: np.ndarray | None = None) -> dict[tuple[int, int], float]:
    """Each row's ``k`` likeliest partners (P >= ``floor``), scored a block of rows at a time
    so memory stays at ``chunk`` x n; {(i, j), i < j: P}. With ``group_of`` (a label per row),
    partners come from other groups only: rows of one group are merged already.

    ``point_of`` (a point per row, numbered in order of first row) collapses identical rows:
    ``prob`` then scores points, each point's partners are its first row's among all n rows
    (copies of a likely partner each count as one), and the pairs are of points."""
    point_of = np.arange(n) if point_of is None else np.asarray(point_of)
    first = np.unique(point_of, return_index=True)[1]
    points = np.arange(len(first))
    out: dict[tuple[int, int], float] = {}
    for start in range(0, len(points), chunk):
        rows = points[start:start + chunk]
        p = prob(rows, points)[:, point_of]
        p[np.arange(len(rows)), first[rows]] = -1.0
        if group_of is not None:
            p[group_of[first[rows]][:, None] == group_of[None, :]] = -1.0
        top = np.argsort(-p, axis=1, kind="stable")[:, :k]
        for r, i in enumerate(rows):
            for j in top[r]:
                x, y = int(i), int(point_of[j])
                if p[r, j] >= floor and x != y:
                    out[(min(x, y), max(x, y))] = float(p[r, j])
    return out


def identical_rows(sig: Signatures) -> np.ndarray:
    """For each row of ``sig``, the first row with the very same signature (itself when none):
    copies of one article, which near-duplicate corpora hold by the thousand."""
    import hashlib

    bags = [b.tocsr() for b in (sig.words, sig.names, sig.lead_words, sig.lead_names, sig.numbers, sig.when)]
    for b in bags:
        b.sort_indices()
    seen: dict[bytes, int] = {}
    out = np.empty(len(sig), dtype=int)
    for i in range(len(sig)):
        h = hashlib.blake2b(digest_size=20)
        h.update(np.ascontiguousarray(sig.lead[i]).tobytes())
        h.update(np.ascontiguousarray(sig.body[i]).tobytes())
        h.update(np.float64(sig.day[i]).tobytes())
        for b in bags:
            lo, hi = b.indptr[i], b.indptr[i + 1]
            h.update(np.int64(hi - lo).tobytes())
            h.update(b.indices[lo:hi].astype(np.int64).tobytes())
            h.update(b.data[lo:hi].astype(np.float64).tobytes())
        out[i] = seen.setdefault(h.digest(), i)
    return out


def sparse_average_linkage(n: int, prob: Callable[[np.ndarray, np.ndarray], np.ndarray],
                           edges: dict[tuple[int, int], float], threshold: float,
                           groups: Sequence[Sequence[int]] | None = None,
                           weights: np.ndarray | None = None) -> np.ndarray:
    """Average linkage on 1 - P over the sparse graph of ``edges`` (see
    :func:`compare.linkage.sparse_linkage`); groups merge at a distance up to ``threshold``."""
    return sparse_linkage(n, prob, edges, threshold, groups, "average", strict=False, weights=weights)


class StoryGrouper:
    """Articles -> stories -> threads with the shipped :class:`StoryModel` (or one passed in)."""

    def __init__(self, model: StoryModel | None = None, story_threshold: float | None = None,
                 thread_threshold: float | None = None):
        self.model = model
        self.story_threshold = story_threshold
        self.thread_threshold = thread_threshold

    def _model(self) -> StoryModel:
        if self.model is None:
            self.model = StoryModel.load()
        return self.model

    def _cut(self, level: str) -> float:
        given = getattr(self, f"{level}_threshold")
        return given if given is not None else getattr(self._model(), f"{level}_threshold")

    def describe(self) -> dict:
        return {"story_threshold": self._cut("story"), "thread_threshold": self._cut("thread")}

    def cluster(self, sig: Signatures, threshold: float, dates: bool = True,
                groups: Sequence[Sequence[int]] | None = None) -> np.ndarray:
        """Average-linkage labels for the rows of ``sig``; ``groups`` are merged whole (threads
        from stories), ``dates=False`` leaves the date gap out. Identical rows that would merge
        first are one weighted row to the linkage, so a thousand copies of one article cost one."""
        model = self._model()
        n = len(sig)
        if n == 1:
            return np.zeros(1, dtype=int)
        group_of = None
        if groups is not None:
            group_of = np.empty(n, dtype=int)
            for g, rows in enumerate(groups):
                group_of[np.asarray(rows, dtype=int)] = g
        point_of, rep = self._points(sig, threshold, dates, group_of)

        def prob(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            return model.proba(pair_features(sig, rep[rows], rep[cols], dates))

        edges = neighbour_pairs(n, prob, model.neighbours, group_of=group_of, point_of=point_of)
        point_groups = None if groups is None else [np.unique(point_of[np.asarray(g, dtype=int)]) for g in groups]
        labels = sparse_average_linkage(len(rep), prob, edges, threshold, point_groups, np.bincount(point_of))
        return relabel_in_order(labels[point_of])

    def _points(self, sig: Signatures, threshold: float, dates: bool,
                group_of: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(point of each row, first row of each point), points numbered in order of first row:
        identical rows are one point where they merge before anything else, being in one group
        or within ``threshold`` of each other (two copies are the likeliest pair either is in)."""
        n = len(sig)
        same = identical_rows(sig)
        firsts = np.unique(same[same != np.arange(n)])
        if group_of is None and len(firsts):
            model = self._model()
            far = firsts  # copies too far apart even so (articles with no claims) stay apart
            if model.copies_likeliest():
                p_self = np.concatenate([np.diagonal(model.proba(pair_features(sig, part, part, dates)))
                                         for part in np.array_split(firsts, -(-len(firsts) // 256))])
                far = firsts[1.0 - p_self > threshold]
            same = np.where(np.isin(same, far), np.arange(n), same)
        key = np.stack([same, np.zeros_like(same) if group_of is None else group_of], axis=1)
        _, first, point_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # points numbered in order of their first row
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return rank[point_of.ravel()], first[order]

    def group(self, articles: Sequence[Article], claims: Sequence[Claim],
              embeddings: np.ndarray) -> tuple[list[Story], list[Thread]]:
        """Stories (each article in exactly one) and the threads holding them."""
        if not articles:
            return [], []
        sig = signatures(articles, claims, embeddings)
        labels = self.cluster(sig, self._cut("story"))
        groups = [np.flatnonzero(labels == lab) for lab in range(labels.max() + 1)]
        per_article = self.cluster(sig, self._cut("thread"), dates=False, groups=groups)
        tlabels = relabel_in_order(per_article[[g[0] for g in groups]])
        ids = [a.id for a in articles]
        stories = []
        for lab, g in enumerate(groups):
            members = tuple(ids[i] for i in g)
            stories.append(Story(f"s{lab + 1}", members, _headline(articles, g, sig) or _title(claims, members),
                                 thread=f"t{tlabels[lab] + 1}"))
        threads = []
        for t in range(tlabels.max() + 1):
            held = tuple(s.id for s, lab in zip(stories, tlabels, strict=True) if lab == t)
            arts = [a for s in stories if s.id in held for a in s.articles]
            threads.append(Thread(f"t{t + 1}", held, _title(claims, arts)))
        return stories, threads


def _headline(articles: Sequence[Article], rows: np.ndarray, sig: Signatures) -> str | None:
    """The headline of the story's most central titled article (the lead nearest the others'),
    as news aggregators show a story; None when no article has a headline."""
    titled = [i for i in rows if (articles[i].title or "").strip()]
    if not titled:
        return None
    centrality = (sig.lead[titled] @ sig.lead[rows].T).mean(axis=1)
    best = titled[int(np.argmax(centrality))]
    return " ".join(articles[best].title.split())


def _title(claims: Sequence[Claim], members: Sequence[str]) -> str:
    """The names most articles of the group mention, most shared first, then most mentioned."""
    keep = set(members)
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    names: dict[str, set[str]] = {}
    for c in claims:
        if c.article in keep:
            for e in c.entities:
                label, _, name = e.partition(":")
                if label in TITLE_LABELS:
                    names.setdefault(c.article, set()).add(name)
                    tf[name] += 1
    for found in names.values():
        df.update(found)
    top = [name for name, _ in sorted(df.items(), key=lambda kv: (-kv[1], -tf[kv[0]], kv[0]))[:3]]
    return ", ".join(top) if top else "untitled story"
