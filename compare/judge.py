"""The claim-pair judge: P(same fact) and entailment/neutral/contradiction for two claims.

``CrossEncoderJudge`` runs the model shipped in ``compare/models/pair-minilm`` (trained by
``training/train_pairs.py``, card in its MODEL_CARD.md) on the CPU, offline. ``OverlapJudge``
is a cheap stand-in for tests and quick runs.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ModelError

NLI_LABELS = ("entailment", "neutral", "contradiction")


@dataclass(frozen=True)
class PairScores:
    """Scores for n pairs: ``same`` (n,) probabilities, ``nli`` (n, 3) in NLI_LABELS order."""

    same: np.ndarray
    nli: np.ndarray

    def __len__(self) -> int:
        return len(self.same)


@runtime_checkable
class Judge(Protocol):
    """Anything that scores claim pairs."""

    def score(self, pairs: Sequence[tuple[str, str]],
              progress: Callable[[int], None] | None = None) -> PairScores: ...

    def describe(self) -> dict: ...


def _calibrate(logit: np.ndarray, cal: dict | None) -> np.ndarray:
    """Platt scaling fitted on the tuning golds' candidate pairs (see MODEL_CARD.md)."""
    if cal:
        logit = cal["a"] * logit + cal["b"]
    return 1.0 / (1.0 + np.exp(-logit))


class CrossEncoderJudge:
    """The shipped pair model, read with torch on the CPU; Linear layers quantised to int8
    (``quantize``), which measured about twice as fast with the same gold figures."""

    def __init__(self, path: str | Path | None = None, batch_size: int = 32, quantize: bool = True,
                 max_length: int = 128):
        self.path = path
        self.batch_size = batch_size
        self.quantize = quantize
        self.max_length = max_length
        self._net = None

    def _folder(self) -> Path:
        from .models import PAIR_MODEL_DIR

        return Path(self.path) if self.path else PAIR_MODEL_DIR

    def _load(self):
        if self._net is not None:
            return self._net
        folder = self._folder()
        weights = folder / "model.safetensors"
        if not weights.is_file():
            raise ModelError(f"no pair model at {folder} (model.safetensors missing); "
                             "reinstall compare-news or pass --judge-model with a trained model folder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import torch
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        from .models.pair_net import PairNet

        try:
            tok = AutoTokenizer.from_pretrained(str(folder))
            net = PairNet(AutoModel.from_config(AutoConfig.from_pretrained(str(folder))))
            state = {k: v.float() for k, v in load_file(str(weights)).items()}
            state.pop("encoder.embeddings.position_ids", None)
            net.load_state_dict(state, strict=False)
        except Exception as exc:  # transformers and safetensors raise many kinds
            raise ModelError(f"cannot load the pair model from {folder} ({type(exc).__name__}: {exc}); "
                             "pass --judge-model with a trained model folder") from exc
        net.eval()
        if self.quantize:
            import warnings

            with warnings.catch_warnings():  # torch marks its int8 tensor helpers deprecated
                warnings.simplefilter("ignore", UserWarning)
                net = torch.ao.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
        cal = folder / "calibration.json"
        self._cal = json.loads(cal.read_text()) if cal.is_file() else None
        self._tok, self._net = tok, net
        return net

    def score(self, pairs: Sequence[tuple[str, str]],
              progress: Callable[[int], None] | None = None) -> PairScores:
        if not pairs:
            return PairScores(np.zeros(0), np.zeros((0, 3)))
        import torch

        net = self._load()
        # batches of similar length waste less padding; the order is put back afterwards
        order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][0]) + len(pairs[i][1]), i))
        logits, nli = np.zeros(len(pairs)), np.zeros((len(pairs), 3))
        with torch.inference_mode():
            for s in range(0, len(order), self.batch_size):
                idx = order[s:s + self.batch_size]
                enc = self._tok([pairs[i][0] for i in idx], [pairs[i][1] for i in idx], truncation=True,
                                max_length=self.max_length, padding=True, return_tensors="pt")
                same, n = net(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
                logits[idx] = same.double().numpy()
                nli[idx] = torch.softmax(n.double(), -1).numpy()
                if progress:
                    progress(len(idx))
        return PairScores(_calibrate(logits, self._cal), nli)

    def describe(self) -> dict:
        folder = self._folder()
        card = folder / "model.json"
        meta = json.loads(card.read_text()) if card.is_file() else {}
        return {"name": meta.get("name", folder.name), "source": "bundled" if self.path is None else "user",
                "base": meta.get("base", ""), "quantized": self.quantize}


_WORD = re.compile(r"[a-z0-9]+")
_NEGATION = {"not", "no", "never", "denied", "denies", "deny", "without"}


class OverlapJudge:
    """Word-overlap stand-in: P(same) from the Dice overlap of content words, contradiction when
    exactly one side is negated. No model; for tests and quick runs."""

    def __init__(self, scale: float = 8.0, midpoint: float = 0.45):
        self.scale = scale
        self.midpoint = midpoint

    def score(self, pairs: Sequence[tuple[str, str]],
              progress: Callable[[int], None] | None = None) -> PairScores:
        same, nli = np.zeros(len(pairs)), np.zeros((len(pairs), 3))
        for i, (a, b) in enumerate(pairs):
            wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
            ca, cb = {w for w in wa if len(w) > 3}, {w for w in wb if len(w) > 3}
            dice = 2 * len(ca & cb) / (len(ca) + len(cb)) if ca or cb else 0.0
            same[i] = 1.0 / (1.0 + math.exp(-self.scale * (dice - self.midpoint)))
            if bool(wa & _NEGATION) != bool(wb & _NEGATION) and dice > self.midpoint:
                nli[i] = (0.05, 0.15, 0.8)
            elif dice > 0.8:
                nli[i] = (0.8, 0.15, 0.05)
            else:
                nli[i] = (0.1, 0.8, 0.1)
        if progress:
            progress(len(pairs))
        return PairScores(same, nli)

    def describe(self) -> dict:
        return {"name": "overlap", "source": "built-in"}


class MemoJudge:
    """Remembers the scores of pairs already judged, so sweeps and re-runs judge each pair once."""

    def __init__(self, judge):
        self.judge = judge
        self._memo: dict[tuple[str, str], tuple[float, np.ndarray]] = {}

    def score(self, pairs: Sequence[tuple[str, str]],
              progress: Callable[[int], None] | None = None) -> PairScores:
        todo = sorted({p for p in pairs if p not in self._memo})
        if todo:
            sc = self.judge.score(todo, progress)
            for p, s, n in zip(todo, sc.same, sc.nli, strict=True):
                self._memo[p] = (float(s), n)
        same = np.array([self._memo[p][0] for p in pairs], dtype=float)
        nli = np.array([self._memo[p][1] for p in pairs], dtype=float).reshape(len(pairs), 3)
        return PairScores(same, nli)

    def describe(self) -> dict:
        return self.judge.describe()
