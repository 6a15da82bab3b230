"""P(same fact) for claim pairs given without their story, as the pipeline would compute it for
a candidate pair: the judge's outputs, the bundled encoder's cosine and the structure two
sentences give (word overlap, shared and differing dates, shared numbers), read by the stacked
link model. What two sentences cannot give is the story: word overlap weighs each word by how
many of the texts scored together use it (the texts of one call stand in for the story)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..schema import Article, Span
from .candidates import claim_tokens, lexical_vectors
from .judge import PairScores
from .stack import link_features


def sentence_tokens(texts: Sequence[str], extractor) -> list[tuple[str, ...]]:
    """Each text's bag of words as the pipeline builds a claim's: lemmas, dates, numbers (the
    claims of a text that splits into several, together)."""
    arts = [Article(f"t{k}", "pairs", "pairs", None, None, None, t, body=(Span(0, len(t)),))
            for k, t in enumerate(texts)]
    bags: dict[str, list[str]] = {a.id: [] for a in arts}
    for c in extractor.extract(arts):
        bags[c.article].extend(claim_tokens(c))
    return [tuple(bags[a.id]) for a in arts]


def score_standalone(pairs: Sequence[tuple[str, str]], judge, embedder, extractor) -> tuple[np.ndarray, PairScores]:
    """The stacked P(same) of each pair (the judge's own where it has no stack), and the
    judge's scores. The texts are embedded and parsed only for what reads them: the stack, and
    a judge that reads the cosine of ``embedder``."""
    stack = getattr(judge, "link_model", lambda: None)()
    reads = judge.describe().get("cosine_of") == embedder.describe().get("name")
    if stack is None and not reads:
        scores = judge.score(list(pairs))
        return np.asarray(scores.same, dtype=np.float64), scores
    texts = sorted({t for p in pairs for t in p})
    row = {t: k for k, t in enumerate(texts)}
    a, b = np.array([row[x] for x, _ in pairs]), np.array([row[y] for _, y in pairs])
    vecs = np.asarray(embedder.encode(texts), dtype=np.float64)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    cosine = np.einsum("ij,ij->i", vecs[a], vecs[b])
    scores = judge.score(list(pairs), cosine.astype(np.float32) if reads else None)
    if stack is None:
        return np.asarray(scores.same, dtype=np.float64), scores
    bags = sentence_tokens(texts, extractor)
    lex = lexical_vectors(bags)
    overlap = (np.asarray(lex[a].multiply(lex[b]).sum(axis=1)).ravel() if lex is not None
               else np.zeros(len(pairs)))
    feats = np.array([link_features(s, n, c, o, bags[i], bags[j])
                      for s, n, c, o, i, j in zip(scores.same, scores.nli, cosine, overlap, a, b, strict=True)])
    return stack.predict(feats.reshape(len(pairs), -1)), scores
