"""The loaded-word token classifier: each word of a claim -> P(a media-bias expert marks it).

all-MiniLM-L6-v2 fine-tuned on the words experts marked in BABE (Spinde et al. 2021) and inside
basil-dev's `lex` spans (Fan et al. 2019), exported to ONNX with int8 weights restored to fp32
when the graph loads (training/framing_tokens.py, training/export_tokens.py; see
compare/models/loaded-words/MODEL_CARD.md). A word's probability is the mean over its word
pieces. Texts run in batches of one token length, so no batch holds padding and a text's scores
are the same bytes whatever it is batched with.

The framing term model reads it as its ``token_bias`` feature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embed import load_onnx, pieces_of, same_length_runs

FOLDER = Path(__file__).parent / "models" / "loaded-words"
ONNX_FILE = "tokens.int8.onnx"
MAX_TOKENS = 128  # what it was trained on


class TokenModel:
    """Scores the words of texts; loads the ONNX graph on first use."""

    def __init__(self, folder: str | Path | None = None, batch_size: int = 64, threads: int | None = None):
        self.folder = Path(folder) if folder else FOLDER
        self.batch_size = batch_size
        self.threads = threads
        self._session = None
        self._tok = None
        self._digest: str | None = None

    def __getstate__(self) -> dict:
        return self.__dict__ | {"_session": None, "_tok": None}

    def available(self) -> bool:
        return (self.folder / ONNX_FILE).is_file()

    def digest(self) -> str:
        """What the scores depend on: the graph's bytes (for cache keys; the package digest
        reads big model files by size only)."""
        if self._digest is None:
            h = hashlib.sha256()
            with open(self.folder / ONNX_FILE, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            self._digest = h.hexdigest()[:16]
        return self._digest

    def _load(self):
        if self._session is None:
            self._session, self._tok = load_onnx(self.folder / ONNX_FILE, MAX_TOKENS, self.threads,
                                                 "the loaded-word model", "reinstall the package")
        return self._session, self._tok

    def score(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[np.ndarray]:
        """For each text, each span's P(marked): the mean over the pieces overlapping it; NaN for
        a span of (-1, -1) or one past the truncation. Texts run in batches of one token length
        (:func:`compare.embed.same_length_runs`)."""
        out: list[np.ndarray] = [np.full(len(s), np.nan, dtype=np.float32) for s in spans]
        todo = [i for i, s in enumerate(spans) if any(b > a for a, b in s)]
        if todo:
            session, tok = self._load()
            for k, p, offsets in same_length_runs(session, tok, [texts[i] for i in todo], self.batch_size):
                out[todo[k]] = word_means(p, offsets, spans[todo[k]])
        return out


def word_means(pieces: np.ndarray, offsets: Sequence[tuple[int, int]],
               wanted: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each character span in ``wanted``, the mean of ``pieces`` (one number per token) over
    the tokens overlapping it; NaN where none does."""
    w = np.full(len(wanted), np.nan, dtype=np.float32)
    for k, hit in enumerate(pieces_of(offsets, len(pieces), wanted)):
        if len(hit):
            w[k] = float(pieces[hit].mean())
    return w
