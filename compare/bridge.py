"""Articles in other languages, joined to the English ones claim by claim.

The pair judge, the framing models and the agency, naming, attribution and wording checks read
English. An article in another language is matched through the multilingual encoder
(:class:`compare.embed.MultilingualEmbedder`) to the English claims of each story: a claim and
an English claim are linked when each is the other's best match (between that article and that
story) and their ratio margin (Artetxe & Schwenk, 2019: the cosine over the mean cosine of both
sides' nearest neighbours) reaches ``margin``. An article joins the story it has most links
with (at least ``min_links``); its linked claims join the English claim's fact; the rest stand
alone. Two articles in other languages meet only through the English facts they both match.
The margin and the link floor were chosen on the project's own parallel dev set
(``benchmarks/multilingual.py``), story by story, never on the story measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .schema import Article, Claim, Story, Thread

MARGIN = 1.04
MIN_LINKS = 2
NEIGHBOURS = 4
LEAD = 3  # an article's first claims (headline, lead) say which stories to look into
LEAD_ARTICLES = 5  # a story's leads: those of its first articles (all of them cost a large corpus minutes)
STORIES_LOOKED_INTO = 3


def margin_scores(a: np.ndarray, b: np.ndarray, k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """Ratio margins and cosines between the rows of ``a`` and ``b`` (unit vectors)."""
    cos = np.asarray(a, dtype=np.float64) @ np.asarray(b, dtype=np.float64).T
    ka, kb = min(k, cos.shape[1]), min(k, cos.shape[0])
    near_a = np.sort(cos, axis=1)[:, -ka:].mean(axis=1)
    near_b = np.sort(cos, axis=0)[-kb:, :].mean(axis=0)
    # neighbours at no similarity (orthogonal or opposed) leave no margin to speak of
    return cos / np.maximum((near_a[:, None] + near_b[None, :]) / 2.0, 1e-9), cos


def mutual_links(a: np.ndarray, b: np.ndarray, margin: float = MARGIN) -> list[tuple[int, int, float]]:
    """(row of a, row of b, margin) for the pairs that are each other's best match by margin,
    at ``margin`` or more."""
    if len(a) == 0 or len(b) == 0:
        return []
    m, _ = margin_scores(a, b)
    best_b, best_a = m.argmax(axis=1), m.argmax(axis=0)
    return [(i, int(j), float(m[i, j])) for i, j in enumerate(best_b.tolist())
            if best_a[j] == i and m[i, j] >= margin]


class LazyVectors:
    """Row vectors computed on first request, by ``encode(rows) -> array``, and kept: the
    multilingual encoder runs only on the claims the bridge reads."""

    def __init__(self, n: int, encode: Callable[[list[int]], np.ndarray]):
        self.n, self.encode = n, encode
        self._rows: dict[int, np.ndarray] = {}
        self.seconds = 0.0

    def __getitem__(self, rows) -> np.ndarray:
        rows = [int(r) for r in np.atleast_1d(np.asarray(rows, dtype=int))]
        todo = sorted({r for r in rows if r not in self._rows})
        if todo:
            t = time.perf_counter()
            vecs = np.asarray(self.encode(todo), dtype=np.float32).reshape(len(todo), -1)
            self._rows.update(zip(todo, vecs, strict=True))
            self.seconds += time.perf_counter() - t
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._rows[r] for r in rows])

    def __len__(self) -> int:
        return self.n


def _leads(rows_of: dict[str, list[int]], articles: Sequence[str], k: int = LEAD) -> list[int]:
    return [r for a in articles for r in rows_of.get(a, [])[:k]]


@dataclass(frozen=True)
class Bridged:
    stories: list[Story]
    threads: list[Thread]
    labels: np.ndarray  # a fact label per claim, all claims
    links: dict[int, tuple[int, float]]  # other-language claim row -> (English claim row, margin)


def _nearest(vectors, mine: list[int], leads: dict[str, list[int]], stories: list[Story],
             top: int = STORIES_LOOKED_INTO) -> list[Story]:
    """The ``top`` stories whose leads are nearest an article's lead (all, when there are few),
    in story order."""
    if len(stories) <= top or not mine:
        return stories
    a = vectors[mine]
    score = {s.id: float((a @ vectors[leads[s.id]].T).max()) if leads[s.id] else -1.0 for s in stories}
    keep = set(sorted(score, key=lambda sid: (-score[sid], sid))[:top])
    return [s for s in stories if s.id in keep]


def bridge(articles: Sequence[Article], claims: Sequence[Claim], vectors, stories: list[Story],
           threads: list[Thread], english_labels: dict[int, int], margin: float = MARGIN,
           min_links: int = MIN_LINKS) -> Bridged:
    """Join the other-language articles to the English ``stories`` and their claims to the
    English claims' facts (``english_labels``: claim row -> fact label); see the module.
    ``vectors[rows]`` gives the claims' multilingual embeddings (an array, or
    :class:`LazyVectors`); an article is looked for in the three stories whose leads (those of
    their first ``LEAD_ARTICLES`` articles) are nearest its own."""
    rows_of: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        rows_of.setdefault(c.article, []).append(i)
    lang = {a.id: a.language for a in articles}
    english_rows = {s.id: [r for a in s.articles for r in rows_of.get(a, [])] for s in stories}
    labels = np.full(len(claims), -1, dtype=int)
    for r, lab in english_labels.items():
        labels[r] = lab
    next_label = max(english_labels.values(), default=-1) + 1
    joined: dict[str, list[str]] = {s.id: [] for s in stories}
    alone: list[Story] = []
    links: dict[int, tuple[int, float]] = {}
    # each English story's leads (the first claims of its first articles): where an article is
    # looked for; their vectors are computed only when some article is not in English
    leads = {s.id: _leads(rows_of, s.articles[:LEAD_ARTICLES]) for s in stories}
    for a in articles:
        if lang[a.id] == "en":
            continue
        mine = rows_of.get(a.id, [])
        best: tuple[int, str, list] | None = None
        for s in _nearest(vectors, _leads(rows_of, [a.id]), leads, stories):
            theirs = english_rows[s.id]
            found = mutual_links(vectors[mine], vectors[theirs], margin) if mine and theirs else []
            if len(found) >= min_links and (best is None or len(found) > best[0]):
                best = (len(found), s.id, [(mine[i], theirs[j], m) for i, j, m in found])
        if best is None:
            alone.append(Story(id="", articles=(a.id,), title=a.title or a.id))
            for r in mine:
                labels[r] = next_label
                next_label += 1
            continue
        joined[best[1]].append(a.id)
        for o, e, m in best[2]:
            labels[o] = labels[e]
            links[o] = (e, m)
        for r in mine:
            if labels[r] < 0:
                labels[r] = next_label
                next_label += 1
    out = [replace(s, articles=s.articles + tuple(joined[s.id])) for s in stories]
    threads = list(threads)
    for k, s in enumerate(alone, 1):
        sid, tid = f"s{len(stories) + k}", f"t{len(threads) + 1}"
        out.append(replace(s, id=sid, thread=tid))
        threads.append(Thread(tid, (sid,), s.title))
    return Bridged(out, threads, labels, links)
