"""The model work of a run on a Dask cluster: claims, embeddings (with word scores) and pair
scores, in chunks, gathered back in order.

Each of those values depends on its own article, text or pair only (claims are split article by
article, the bundled encoder computes each text alike whatever it is batched with, the pair
judge reads one pair a run), so the report is the same bytes as a run in one process. Ingest
(which reads manifests and settles dates across articles), stories, linking and the report stay
in the driving process: they are light next to the models.

    python -m compare run corpus/ --workers 4              # a LocalCluster of 4 processes
    python -m compare run corpus/ --dask tcp://host:8786   # a running scheduler

Workers need the same package installed (``pip install 'compare-news[dask]'``); each loads the
models once and keeps them for its later tasks.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence

import numpy as np

from .errors import CompareError

# the models a worker process has loaded, by what they were built from
_RESIDENT: dict[bytes, object] = {}


def resident(obj):
    """The worker's loaded copy of a model object shipped to it (loaded once per process)."""
    return _RESIDENT.setdefault(pickle.dumps(obj), obj)  # shipped without loaded state: same bytes


def connect(address: str | None = None, workers: int | None = None):
    """A Dask client: to the scheduler at ``address``, or to a new LocalCluster of ``workers``
    one-thread processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CompareError("Dask is not installed; run pip install 'compare-news[dask]' or drop --dask/--workers") \
            from None
    try:
        if address:
            return Client(address, timeout="30s")
        return Client(LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                   dashboard_address=None))
    except (OSError, TimeoutError) as exc:
        raise CompareError(f"cannot reach the Dask scheduler {address or '(local)'} ({exc}); check the address, "
                           "or run without --dask") from None


def _chunks(n: int, size: int) -> list[range]:
    return [range(lo, min(lo + size, n)) for lo in range(0, n, size)]


def _extract(extractor, articles):
    return resident(extractor).extract(articles)


def _encode(embedder, texts):
    return resident(embedder).encode(texts)


def _encode_words(embedder, texts, spans, reduce):
    return resident(embedder).encode_words(texts, spans, reduce)


def _score(judge, pairs, cosine=None):
    s = resident(judge).score(pairs, cosine)
    return s.same, s.nli


class DaskExtractor:
    """A claim extractor whose work runs on the cluster, ``chunk`` articles a task."""

    def __init__(self, client, inner, chunk: int = 20):
        self.client, self.inner, self.chunk = client, _one_thread(inner), chunk
        self.model = inner.model

    def extract(self, articles):
        parts = self.client.gather(self.client.map(
            _extract, [self.inner] * len(_chunks(len(articles), self.chunk)),
            [list(articles[r.start:r.stop]) for r in _chunks(len(articles), self.chunk)], pure=False))
        return [c for part in parts for c in part]


class DaskEmbedder:
    """An embedder whose forward passes run on the cluster, ``chunk`` texts a task (see
    :func:`on_cluster`, which adds ``encode_words`` where the embedder has it)."""

    def __init__(self, client, inner, chunk: int = 512):
        self.client, self.inner, self.chunk = client, _one_thread(inner), chunk

    def describe(self) -> dict:
        return self.inner.describe()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ranges = _chunks(len(texts), self.chunk)
        parts = self.client.gather(self.client.map(
            _encode, [self.inner] * len(ranges), [list(texts[r.start:r.stop]) for r in ranges], pure=False))
        return np.concatenate(parts) if parts else self.inner.encode([])


class DaskWordEmbedder(DaskEmbedder):
    def encode_words(self, texts, spans, reduce: Callable | None = None):
        ranges = _chunks(len(texts), self.chunk)
        parts = self.client.gather(self.client.map(
            _encode_words, [self.inner] * len(ranges), [list(texts[r.start:r.stop]) for r in ranges],
            [list(spans[r.start:r.stop]) for r in ranges], [reduce] * len(ranges), pure=False))
        if not parts:
            return self.inner.encode([]), []
        return np.concatenate([p[0] for p in parts]), [w for p in parts for w in p[1]]


def _one_thread(model):
    """A copy of ``model`` that runs on one thread (a worker process is one core's share)."""
    import copy

    model = copy.copy(model)
    for name, value in (("threads", 1), ("workers", 1)):
        if hasattr(model, name):
            setattr(model, name, value)
    return model


def on_cluster(pipeline, client) -> None:
    """Route ``pipeline``'s model work (claims, embeddings, pair scores) through ``client``."""
    from .cache import CachedJudge
    from .linking.cluster import JudgedClusterer

    pipeline.extractor = DaskExtractor(client, pipeline.extractor)
    inner = pipeline.embedder
    pipeline.embedder = (DaskWordEmbedder if hasattr(inner, "encode_words") else DaskEmbedder)(client, inner)
    if isinstance(pipeline.clusterer, JudgedClusterer):
        judge = pipeline.clusterer._judge()
        if isinstance(judge, CachedJudge):  # the cache stays in the driving process, in front of the cluster
            judge.judge = DaskJudge(client, judge.judge)
        else:
            pipeline.clusterer.judge = DaskJudge(client, judge)


class DaskJudge:
    """A pair judge whose pairs are read on the cluster, ``chunk`` pairs a task, those that share
    claims in one task where they can (the judge reads each claim of a task once)."""

    def __init__(self, client, inner, chunk: int = 256):
        self.client, self.inner, self.chunk = client, _one_thread(inner), chunk

    def score(self, pairs, cosine=None):
        from .linking.judge import PairScores, grouped_pairs

        order = np.array(grouped_pairs(pairs), dtype=np.int64)
        ranges = _chunks(len(pairs), self.chunk)
        cos = [None if cosine is None else np.asarray(cosine)[order[r.start:r.stop]] for r in ranges]
        parts = self.client.gather(self.client.map(
            _score, [self.inner] * len(ranges), [[pairs[k] for k in order[r.start:r.stop]] for r in ranges], cos,
            pure=False))
        if not parts:
            return PairScores(np.zeros(0), np.zeros((0, 3)))
        same, nli = np.zeros(len(pairs)), np.zeros((len(pairs), 3))
        same[order] = np.concatenate([p[0] for p in parts])
        nli[order] = np.concatenate([p[1] for p in parts])
        return PairScores(same, nli)

    def describe(self) -> dict:
        return self.inner.describe()

    def link_model(self):
        return getattr(self.inner, "link_model", lambda: None)()
