"""Agglomerative clustering on a sparse graph of probabilities, shared by stories and facts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

LINKAGES = ("average", "complete", "single")


def sparse_linkage(n: int, prob: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   edges: dict[tuple[int, int], float], threshold: float,
                   groups: Sequence[Sequence[int]] | None = None, linkage: str = "average",
                   strict: bool = True, weights: np.ndarray | None = None) -> np.ndarray:
    """Agglomerative clustering on the distance 1 - P, merging only groups an edge joins, with
    every member pair counted: ``prob(rows, cols)`` gives P for all pairs of two groups when
    first needed (so a pair that is no edge counts with the P it returns, not as missing).
    ``edges``: (i, j) -> P of the pairs that may start a merge. Memory grows with the edges,
    never n x n. ``linkage``: average (mean distance), complete (largest) or single (smallest).
    Groups merge while their distance is under ``threshold`` (``strict``, as scikit-learn's
    ``distance_threshold``) or at most ``threshold``. ``groups`` (a partition of the rows) are
    the starting groups; by default each row alone. ``weights``: how many identical items each
    row stands for (copies of one article collapsed to a row), which average linkage counts as
    that many members, so a group's pairs are read once per distinct row. Labels 0.. in order of
    first member. Deterministic: ties go to lower ids."""
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
    w = None if weights is None or linkage != "average" else np.asarray(weights, dtype=float)
    size = {g: float(len(rows)) if w is None else float(w[rows].sum()) for g, rows in members.items()}
    reduce = {"average": np.sum, "complete": np.max, "single": np.min}[linkage]
    combine = {"average": lambda x, y: x + y, "complete": max, "single": min}[linkage]

    def pair_stat(a: int, b: int) -> float:
        if b not in stat[a]:
            rows, cols = np.array(members[a]), np.array(members[b])
            d = 1.0 - prob(rows, cols)
            if w is not None:
                d = d * np.outer(w[rows], w[cols])
            stat[a][b] = stat[b][a] = float(reduce(d))
        return stat[a][b]

    def dist(a: int, b: int, value: float) -> float:
        return value / (size[a] * size[b]) if linkage == "average" else value

    heap: list[tuple[float, int, int]] = []
    for (i, j), p in sorted(edges.items()):
        a, b = sorted((group_of[i], group_of[j]))
        if a == b or b in nbrs[a]:
            continue
        nbrs[a].add(b)
        nbrs[b].add(a)
        if groups is None:
            stat[a][b] = stat[b][a] = (1.0 - p) * (1.0 if w is None else float(w[i] * w[j]))
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
        size[m] = size.pop(a) + size.pop(b)
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
