"""How the training scripts write a fitted logistic regression into a model.json."""

from __future__ import annotations


def linear(lr, prefix: str = "") -> dict:
    """``{prefix}coef`` and ``{prefix}intercept`` of a fitted binary LogisticRegression,
    rounded to six places (the shipped files stay small and diff readably)."""
    return {f"{prefix}coef": [round(float(c), 6) for c in lr.coef_[0]],
            f"{prefix}intercept": round(float(lr.intercept_[0]), 6)}
