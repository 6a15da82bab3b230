"""The stacked link model (the judge's outputs and a pair's structure -> P(same fact)) and the
cascade that decides which candidates the judge reads; both fitted logistic regressions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..logistic import Logistic, read_model

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

    def __init__(self, model: Logistic, cascade: CascadeModel | None = None):
        self.model = model
        self.cascade = cascade

    @classmethod
    def load(cls, path) -> StackedLinkModel | None:
        path = Path(path)
        if not path.is_file():
            return None
        return cls(Logistic.from_dict(read_model(path, cls.FEATURES)), CascadeModel.load(path.parent / "cascade.json"))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.proba(x)


class CascadeModel:
    """Which candidate pairs the judge reads: a logistic regression over STRUCTURE_FEATURES
    (cosine, word overlap, dates, numbers: no judge) that predicts whether the stacked model
    will put the pair at P(same) >= 0.3; pairs under ``cut`` are left unjudged, as pairs that are
    no candidate are. Fitted by ``training/cascade.py`` on the dev corpora's judged pairs, ``cut``
    chosen there to keep 99.9 % of those pairs out of fold."""

    FEATURES = STRUCTURE_FEATURES

    def __init__(self, model: Logistic, cut: float):
        self.model = model
        self.cut = float(cut)

    @classmethod
    def load(cls, path) -> CascadeModel | None:
        path = Path(path)
        if not path.is_file():
            return None
        d = read_model(path, cls.FEATURES)
        return cls(Logistic.from_dict(d), d["cut"])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.proba(x)

    def keep(self, x: np.ndarray) -> np.ndarray:
        """Which rows of ``x`` (STRUCTURE_FEATURES) the judge should read."""
        x = np.asarray(x, float).reshape(-1, len(self.FEATURES))
        return self.predict(x) >= self.cut if len(x) else np.zeros(0, dtype=bool)
