"""Articles -> stories: groups of articles about one subject, compared with each other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .cluster import cosine_distances
from .schema import Article, Claim, Story


class StoryGrouper:
    """Average-linkage clustering of article vectors (mean of their claim embeddings).

    ``threshold`` is a cosine distance between article centroids; articles closer than it
    share a story. Entities shared by two articles pull them closer by ``entity_weight``.
    """

    def __init__(self, threshold: float = 0.5, entity_weight: float = 0.3):
        self.threshold = threshold
        self.entity_weight = entity_weight

    def group(
        self, articles: Sequence[Article], claims: Sequence[Claim], embeddings: np.ndarray
    ) -> list[Story]:
        from sklearn.cluster import AgglomerativeClustering

        ids = [a.id for a in articles]
        if len(ids) == 1:
            return [Story("s1", (ids[0],), _title(articles, claims, ids))]
        vecs = np.zeros((len(ids), embeddings.shape[1]))
        ents: list[set[str]] = []
        for k, aid in enumerate(ids):
            rows = [i for i, c in enumerate(claims) if c.article == aid]
            if rows:
                vecs[k] = embeddings[rows].mean(axis=0)
            ents.append({e for i in rows for e in claims[i].entities})
        d = cosine_distances(vecs)
        for i in range(len(ids)):
            for j in range(len(ids)):
                if i != j and ents[i] and ents[j]:
                    jac = len(ents[i] & ents[j]) / len(ents[i] | ents[j])
                    d[i, j] = max(0.0, d[i, j] - self.entity_weight * jac)
        labels = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average",
            distance_threshold=self.threshold,
        ).fit_predict(d)
        order: dict[int, int] = {}
        for lab in labels:
            order.setdefault(int(lab), len(order))
        stories = []
        for lab, n in sorted(order.items(), key=lambda kv: kv[1]):
            members = tuple(ids[i] for i in range(len(ids)) if labels[i] == lab)
            stories.append(Story(f"s{n + 1}", members, _title(articles, claims, members)))
        return stories


def _title(articles: Sequence[Article], claims: Sequence[Claim], members: Sequence[str]) -> str:
    """The names most articles of the story mention, most shared first."""
    df: Counter[str] = Counter()
    for aid in members:
        names = {e.split(":", 1)[1] for c in claims if c.article == aid for e in c.entities
                 if e.split(":", 1)[0] in ("GPE", "PERSON", "LOC", "ORG", "FAC", "EVENT")}
        df.update(names)
    top = [name for name, _ in sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    return ", ".join(top) if top else "untitled story"
