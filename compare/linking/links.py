"""Judged claim pairs, held as arrays."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


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
        self._neighbours: dict[int, dict[int, float]] | None = None

    @classmethod
    def empty(cls) -> JudgedLinks:
        """No pair judged (the judge-less clusterer's links)."""
        return cls(np.zeros((0, 2)), np.zeros(0), np.zeros((0, 3)))

    def neighbours(self) -> dict[int, dict[int, float]]:
        """Each row's judged partners, both ways, to their P(same): built once, on first use, for
        the readers that walk a claim's pairs (restatements, counterparts, omissions)."""
        if self._neighbours is None:
            self._neighbours = {}
            for (i, j), p in zip(self._pairs.tolist(), self.same.tolist(), strict=True):
                self._neighbours.setdefault(i, {})[j] = p
                self._neighbours.setdefault(j, {})[i] = p
        return self._neighbours

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
