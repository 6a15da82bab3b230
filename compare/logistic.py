"""One reader for every fitted logistic regression the package ships (story, link, cascade and
framing models): coefficients, an optional standardisation, the features it was fitted on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ModelError


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


@dataclass(frozen=True)
class Logistic:
    """P = sigmoid(((x - mean) / scale) @ coef + intercept); no standardisation without mean."""

    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...] | None = None
    scale: tuple[float, ...] | None = None

    @classmethod
    def from_dict(cls, d: dict, prefix: str = "") -> Logistic:
        """Read ``{prefix}coef`` and ``{prefix}intercept`` (and ``mean``/``scale`` when unprefixed
        and present) as training/fitted.py writes them."""
        mean = d.get("mean") if not prefix else None
        return cls(tuple(d[f"{prefix}coef"]), float(d[f"{prefix}intercept"]),
                   tuple(mean) if mean is not None else None,
                   tuple(d["scale"]) if mean is not None else None)

    def logit(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.mean is not None:
            x = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return x @ np.asarray(self.coef) + self.intercept

    def proba(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logit(x))


def read_model(path: str | Path, features: Sequence[str] | None = None) -> dict:
    """A fitted model's JSON; ``features`` must match what it was fitted on, or the model must
    be refitted (the error says so)."""
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the fitted model {path} ({exc}); reinstall compare-news") from exc
    if features is not None and tuple(d.get("features", ())) != tuple(features):
        raise ModelError(f"{path}: fitted on features {d.get('features')}, not {list(features)}; refit it")
    return d
