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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import ModelError
from ..progress import track

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
    """Anything that scores claim pairs. ``cosine`` (one per pair), where given, is the bundled
    encoder's cosine of the two texts, which a residual judge reads (it computes it otherwise)."""

    def score(self, pairs: Sequence[tuple[str, str]], cosine: np.ndarray | None = None) -> PairScores: ...

    def describe(self) -> dict: ...


class LinkModel(Protocol):
    """Turns the judge's outputs and a pair's structure into P(same) (compare.linking.stack.StackedLinkModel)."""

    def predict(self, x: np.ndarray) -> np.ndarray: ...


ONNX_FILE = "pair.int8.onnx"
# the late-read judge (compare.models.pair_net.LatePairNet): a claim's token states, then a pair's scores
CLAIM_FILE, JOIN_FILE = "claim.int8.onnx", "join.int8.onnx"


class PairTokenizer:
    """The pair model's tokenizer read straight from its tokenizer.json with the ``tokenizers``
    library, called as transformers' tokenizer is here (same ids: [CLS] a [SEP] b [SEP], longest
    first truncation); loading transformers would import torch, a quarter of a gigabyte."""

    def __init__(self, path: Path):
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(path))
        self.tok.no_padding()
        self._truncation: int | None = None

    def truncate(self, max_length: int | None) -> None:
        """Longest-first truncation to ``max_length`` tokens (None: none), set only when it
        changes, so that threads sharing the tokenizer after it is set never write to it."""
        if max_length != self._truncation:
            if max_length is None:
                self.tok.no_truncation()
            else:
                self.tok.enable_truncation(max_length, strategy="longest_first")
            self._truncation = max_length

    def __call__(self, a: Sequence[str], b: Sequence[str], truncation: bool = True, max_length: int = 128,
                 padding: bool = False, return_tensors: str | None = None) -> dict:
        self.truncate(max_length if truncation else None)
        encs = self.tok.encode_batch(list(zip(a, b, strict=True)))
        out = {"input_ids": [e.ids for e in encs], "attention_mask": [e.attention_mask for e in encs],
               "token_type_ids": [e.type_ids for e in encs]}
        if padding or return_tensors == "np":
            width = max(len(ids) for ids in out["input_ids"])
            out = {k: np.array([row + [0] * (width - len(row)) for row in rows], dtype=np.int64)
                   for k, rows in out.items()}
        return out


class CrossEncoderJudge:
    """The pair model on the CPU: the shipped int8 ONNX graph through onnxruntime; for a folder
    with the late-read judge's two graphs (``claim.int8.onnx`` and ``join.int8.onnx``, see
    compare.models.pair_net.LatePairNet), those, each claim read once; or, for a folder with only
    ``model.safetensors`` (a fresh training run), torch, its Linear layers quantised to int8 when
    ``quantize`` is set.

    A graph that reads ``cosine`` (a residual judge, see compare/models/pair_net.py) is given
    the bundled encoder's cosine of each pair, by the caller (the pipeline has the embeddings)
    or computed here. Pairs are read one at a time by default (an older judge quantised its
    activations per batch; one at a time keeps a pair's score its own with any graph).
    """

    def __init__(self, path: str | Path | None = None, batch_size: int = 1, quantize: bool = True,
                 max_length: int = 128, workers: int | None = None, threads: int | None = None):
        self.path = path
        self.batch_size = batch_size
        # pairs read at once, each on one core: two threads of one-thread runs read 2.0x the
        # pairs per second of one run on two threads (2 cores, measured), with the same scores
        self.workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
        self.threads = threads  # onnxruntime's threads for one run (default: 1 with workers, else all)
        self.quantize = quantize
        self.max_length = max_length
        self._net = None
        self._claim_net = None
        self._link_model: tuple | None = None
        self._encoder = None

    def _folder(self) -> Path:
        from ..models import PAIR_MODEL_DIR

        return Path(self.path) if self.path else PAIR_MODEL_DIR

    def _late(self) -> bool:
        """Whether the folder holds the late-read judge (two graphs: claims, then pairs)."""
        folder = self._folder()
        return (folder / CLAIM_FILE).is_file() and (folder / JOIN_FILE).is_file()

    def _load(self):
        if self._net is not None:
            return self._net
        folder = self._folder()
        weights = folder / "model.safetensors"
        onnx = folder / ONNX_FILE
        late = self._late()
        if not weights.is_file() and not onnx.is_file() and not late:
            raise ModelError(f"no pair model at {folder} ({ONNX_FILE}, {CLAIM_FILE} and {JOIN_FILE}, or "
                             "model.safetensors missing); reinstall compare-news or pass --judge-model with a "
                             "trained model folder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        if late or onnx.is_file():
            import onnxruntime as ort

            graph = folder / (JOIN_FILE if late else ONNX_FILE)
            try:
                opts = ort.SessionOptions()
                opts.log_severity_level = 3
                if self.threads or self.workers > 1:  # several pairs at once, each on one core (see score)
                    opts.intra_op_num_threads = self.threads or 1
                tok = PairTokenizer(folder / "tokenizer.json")
                net = ort.InferenceSession(str(graph), opts, providers=["CPUExecutionProvider"])
                claim_net = None
                if late:
                    graph = folder / CLAIM_FILE
                    claim_net = ort.InferenceSession(str(graph), opts, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime and tokenizers raise many kinds
                raise ModelError(f"cannot load the pair model {graph} ({type(exc).__name__}); "
                                 "reinstall compare-news or pass --judge-model with a trained model folder") from exc
            # set together, so that a graph that fails to load leaves nothing half loaded
            self._tok, self._net, self._claim_net = tok, net, claim_net
            self._reads_cosine = any(i.name == "cosine" for i in net.get_inputs())
            return self._net
        if "split" in self._meta():
            raise ModelError(f"{folder} holds a late-read pair model that is not exported; run "
                             "python training/export_onnx.py on it first")
        import torch
        from transformers import AutoTokenizer

        from ..models.pair_net import load_pair_net

        try:
            tok = AutoTokenizer.from_pretrained(str(folder))
            net = load_pair_net(folder)
        except Exception as exc:  # transformers and safetensors raise many kinds
            raise ModelError(f"cannot load the pair model from {folder} ({type(exc).__name__}: {exc}); "
                             "pass --judge-model with a trained model folder") from exc
        if self.quantize:
            import warnings

            with warnings.catch_warnings():  # torch marks its int8 tensor helpers deprecated
                warnings.simplefilter("ignore", UserWarning)
                net = torch.ao.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
        self._tok, self._net = tok, net
        self._reads_cosine = bool(net.cos_coef.abs().sum() > 0)
        return net

    def __getstate__(self) -> dict:
        """Shipped (to a Dask worker) without the loaded model, which loads again there."""
        return self.__dict__ | {"_net": None, "_tok": None, "_link_model": None, "_encoder": None, "_claim_net": None}

    def reads_cosine(self) -> bool:
        """Whether the model is a residual over the bundled encoder's cosine."""
        self._load()
        return self._reads_cosine

    def _cosines(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The bundled encoder's cosine of each pair, for a caller that has no embeddings."""
        if self._encoder is None:
            from ..embed import OnnxEmbedder

            self._encoder = OnnxEmbedder(threads=self.threads)
        texts = sorted({t for p in pairs for t in p})
        vec = dict(zip(texts, self._encoder.encode(texts), strict=True))
        return np.array([float(np.dot(vec[a], vec[b])) for a, b in pairs], dtype=np.float32)

    def link_model(self) -> LinkModel | None:
        """The stacked link model fitted on this model's outputs (``stack.json`` beside it), if any;
        read once."""
        if self._link_model is None:
            from .stack import StackedLinkModel

            self._link_model = (StackedLinkModel.load(self._folder() / "stack.json"),)
        return self._link_model[0]

    def score(self, pairs: Sequence[tuple[str, str]], cosine: np.ndarray | None = None) -> PairScores:
        if not pairs:
            return PairScores(np.zeros(0), np.zeros((0, 3)))
        net = self._load()
        if self._reads_cosine:
            cosine = self._cosines(pairs) if cosine is None else np.asarray(cosine, dtype=np.float32)
        else:
            cosine = None
        if self._claim_net is not None:
            return self._score_late(net, pairs, cosine)
        if hasattr(net, "run") and self.batch_size == 1 and self.workers > 1:
            return self._score_parallel(net, pairs, cosine)
        # batches of similar length waste less padding; the order is put back afterwards
        order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][0]) + len(pairs[i][1]), i))
        logits, nli = np.zeros(len(pairs)), np.zeros((len(pairs), 3))
        for s in track(range(0, len(order), self.batch_size), -(-len(order) // self.batch_size), "judging pairs",
                       "batch"):
            idx = order[s:s + self.batch_size]
            a, b = [pairs[i][0] for i in idx], [pairs[i][1] for i in idx]
            logits[idx], nli[idx] = self._run(net, a, b, None if cosine is None else cosine[idx])
        return PairScores(1.0 / (1.0 + np.exp(-logits)), nli)

    def _score_parallel(self, net, pairs: Sequence[tuple[str, str]], cosine: np.ndarray | None,
                        chunk: int = 32) -> PairScores:
        """One pair a run, ``workers`` runs at once on the one session (onnxruntime allows
        concurrent runs): a pair's scores are then the same bytes in any corpus (fp32 kernels
        pick other paths for other batch sizes: batched, a score moved by up to 5e-8); each chunk
        of pairs is tokenised where it is run, so the token ids of only a few chunks are held."""
        from concurrent.futures import ThreadPoolExecutor

        logits, nli = np.zeros(len(pairs)), np.zeros((len(pairs), 3))
        self._tok.truncate(self.max_length)  # here, before the threads share the tokenizer

        def work(lo: int) -> None:
            part = pairs[lo:lo + chunk]
            enc = self._tok([a for a, _ in part], [b for _, b in part], truncation=True, max_length=self.max_length)
            for k in range(len(part)):
                feed = {name: np.array([enc[name][k]], dtype=np.int64)
                        for name in ("input_ids", "attention_mask", "token_type_ids")}
                if cosine is not None:
                    feed["cosine"] = cosine[lo + k:lo + k + 1]
                same, n = net.run(None, feed)
                logits[lo + k], nli[lo + k] = same[0], n[0]

        with ThreadPoolExecutor(self.workers) as pool:
            futures = [pool.submit(work, lo) for lo in range(0, len(pairs), chunk)]
            for f in track(futures, len(futures), "judging pairs", "chunk"):
                f.result()
        return PairScores(1.0 / (1.0 + np.exp(-logits)), nli.astype(np.float64))

    def _score_late(self, net, pairs: Sequence[tuple[str, str]], cosine: np.ndarray | None,
                    block: int = 2048, max_claims: int = 8192) -> PairScores:
        """The late-read judge: each claim's token states (one claim a run), then each pair
        from its two claims' states (one pair a run), so a score is the same bytes in any corpus.

        Pairs are read ``block`` at a time, those of one group of connected claims (about a
        story) together; a claim's states are dropped after the last pair that reads them, and
        past ``max_claims`` held, those the next block does not read are dropped too (read again
        if needed). At most ``max_claims`` + 2 ``block`` claims' states are held (1.5 kB a token
        at width 384: about 50 kB for a claim of 31 tokens, 196 kB at 128), on any corpus."""
        from concurrent.futures import ThreadPoolExecutor

        order = grouped_pairs(pairs)
        last: dict[str, int] = {}
        for pos, k in enumerate(order):
            last[pairs[k][0]] = last[pairs[k][1]] = pos
        states: dict[str, np.ndarray] = {}
        logits, nli = np.zeros(len(pairs)), np.zeros((len(pairs), 3))
        self._tok.truncate(self.max_length)  # here, before the threads share the tokenizer
        claim_net = self._claim_net

        def claim(ids: list[int]) -> np.ndarray:
            row = np.array([ids], dtype=np.int64)
            return claim_net.run(None, {"input_ids": row, "attention_mask": np.ones_like(row)})[0]

        def pair(k: int) -> None:
            a, b = pairs[k]
            feed = {"states_a": states[a], "states_b": states[b]}
            if cosine is not None:
                feed["cosine"] = cosine[k:k + 1]
            same, n = net.run(None, feed)
            logits[k], nli[k] = same[0], n[0]

        with ThreadPoolExecutor(self.workers) as pool:
            for lo in track(range(0, len(order), block), -(-len(order) // block), "judging pairs", "block"):
                part = order[lo:lo + block]
                new = [t for t in dict.fromkeys(x for k in part for x in pairs[k]) if t not in states]
                ids = [e.ids for e in self._tok.tok.encode_batch(new)]
                states.update(zip(new, pool.map(claim, ids), strict=True))
                list(pool.map(pair, part, chunksize=64))
                end = lo + len(part)
                for t in [t for t in states if last[t] < end]:
                    del states[t]
                if len(states) > max_claims:
                    ahead = {x for k in order[end:end + block] for x in pairs[k]}
                    for t in [t for t in states if t not in ahead]:
                        del states[t]
        return PairScores(1.0 / (1.0 + np.exp(-logits)), nli.astype(np.float64))

    def _run(self, net, a: list[str], b: list[str], cosine: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(net, "run"):  # torch
            import torch

            with torch.inference_mode():
                enc = self._tok(a, b, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt")
                same, n = net(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"],
                              None if cosine is None else torch.from_numpy(cosine))
                return same.double().numpy(), torch.softmax(n.double(), -1).numpy()
        enc = self._tok(a, b, truncation=True, max_length=self.max_length, padding=True, return_tensors="np")
        feed = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
        if cosine is not None:
            feed["cosine"] = cosine
        same, n = net.run(None, feed)
        return same.astype(np.float64), n.astype(np.float64)

    def _meta(self) -> dict:
        """The folder's model.json (name, base, cosine_of, split ...), or nothing."""
        card = self._folder() / "model.json"
        return json.loads(card.read_text()) if card.is_file() else {}

    def describe(self) -> dict:
        folder = self._folder()
        meta = self._meta()
        runtime = ("onnxruntime, claims then pairs" if self._late() else "onnxruntime int8"
                   if (folder / ONNX_FILE).is_file() else "torch int8" if self.quantize else "torch fp32")
        return {"name": meta.get("name", folder.name), "source": "bundled" if self.path is None else "user",
                "base": meta.get("base", ""), "runtime": runtime} | (
                    {"cosine_of": meta["cosine_of"]} if meta.get("cosine_of") else {}) | (
                    {"split": meta["split"]} if "split" in meta else {})


def grouped_pairs(pairs: Sequence[tuple[str, str]]) -> list[int]:
    """The pairs' indices, those of one connected group of texts together (in the order the
    groups first appear), each group's by its first text then its second."""
    parent: dict[str, str] = {}

    def root(t: str) -> str:
        while parent.setdefault(t, t) != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    first: dict[str, int] = {}
    for k, (a, _) in enumerate(pairs):
        first.setdefault(root(a), k)
    seen: dict[str, int] = {}
    for a, b in pairs:
        seen.setdefault(a, len(seen))
        seen.setdefault(b, len(seen))
    return sorted(range(len(pairs)), key=lambda k: (first[root(pairs[k][0])], seen[pairs[k][0]], seen[pairs[k][1]], k))


_WORD = re.compile(r"[a-z0-9]+")
_NEGATION = {"not", "no", "never", "denied", "denies", "deny", "without"}


class OverlapJudge:
    """Word-overlap stand-in: P(same) from the Dice overlap of content words, contradiction when
    exactly one side is negated. No model; for tests and quick runs."""

    def __init__(self, scale: float = 8.0, midpoint: float = 0.45):
        self.scale = scale
        self.midpoint = midpoint

    def score(self, pairs: Sequence[tuple[str, str]], cosine: np.ndarray | None = None) -> PairScores:
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
        return PairScores(same, nli)

    def describe(self) -> dict:
        return {"name": "overlap", "source": "built-in"}


class MemoJudge:
    """Remembers the scores of pairs already judged, so sweeps and re-runs judge each pair once."""

    def __init__(self, judge):
        self.judge = judge
        self._memo: dict[tuple[str, str], tuple[float, np.ndarray]] = {}

    def score(self, pairs: Sequence[tuple[str, str]], cosine: np.ndarray | None = None) -> PairScores:
        first = {p: i for i, p in reversed(list(enumerate(pairs)))}
        todo = sorted(p for p in first if p not in self._memo)
        if todo:
            sc = self.judge.score(todo, None if cosine is None else np.asarray(cosine)[[first[p] for p in todo]])
            for p, s, n in zip(todo, sc.same, sc.nli, strict=True):
                self._memo[p] = (float(s), n)
        same = np.array([self._memo[p][0] for p in pairs], dtype=float)
        nli = np.array([self._memo[p][1] for p in pairs], dtype=float).reshape(len(pairs), 3)
        return PairScores(same, nli)

    def describe(self) -> dict:
        return self.judge.describe()

    def link_model(self) -> LinkModel | None:
        return getattr(self.judge, "link_model", lambda: None)()
