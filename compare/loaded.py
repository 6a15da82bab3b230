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

from .errors import ModelError

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
            import onnxruntime as ort
            from tokenizers import Tokenizer

            path = self.folder / ONNX_FILE
            try:
                opts = ort.SessionOptions()
                if self.threads:
                    opts.intra_op_num_threads = self.threads
                self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
                self._tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            except Exception as exc:  # onnxruntime and tokenizers raise many kinds
                raise ModelError(f"cannot load the loaded-word model {path} ({type(exc).__name__}); "
                                 "reinstall the package") from exc
            self._tok.no_padding()
            self._tok.enable_truncation(MAX_TOKENS)
        return self._session, self._tok

    def score(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[np.ndarray]:
        """For each text, each span's P(marked): the mean over the pieces overlapping it; NaN for
        a span of (-1, -1) or one past the truncation."""
        out: list[np.ndarray] = [np.full(len(s), np.nan, dtype=np.float32) for s in spans]
        todo = [i for i, s in enumerate(spans) if any(b > a for a, b in s)]
        if not todo:
            return out
        session, tok = self._load()
        by_len: dict[int, list[int]] = {}
        for lo in range(0, len(todo), 4096):
            part = todo[lo:lo + 4096]
            for i, e in zip(part, tok.encode_batch([texts[i] for i in part]), strict=True):
                by_len.setdefault(len(e.ids), []).append(i)
        for n in sorted(by_len):
            idx = by_len[n]
            for lo in range(0, len(idx), self.batch_size):
                part = idx[lo:lo + self.batch_size]
                encs = tok.encode_batch([texts[i] for i in part])
                ids = np.array([e.ids for e in encs], dtype=np.int64)
                p = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
                for j, i in enumerate(part):
                    out[i] = word_means(p[j], encs[j].offsets, spans[i])
        return out


def word_means(pieces: np.ndarray, offsets: Sequence[tuple[int, int]],
               wanted: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each character span in ``wanted``, the mean of ``pieces`` (one number per token) over
    the tokens overlapping it; NaN where none does."""
    starts = np.array([a for a, _ in offsets][:len(pieces)])
    ends = np.array([b for _, b in offsets][:len(pieces)])
    real = ends > starts
    w = np.full(len(wanted), np.nan, dtype=np.float32)
    for k, (a, b) in enumerate(wanted):
        if b <= a:
            continue
        hit = np.flatnonzero(real & (starts < b) & (ends > a))
        if len(hit):
            w[k] = float(pieces[hit].mean())
    return w
