"""compare: how news outlets report the same story, claim by claim."""

from .claims import ClaimExtractor
from .embed import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from .errors import CompareError, CorpusError, GoldError, InputError, ModelError
from .linking.cluster import ClaimClusterer
from .pipeline import Pipeline
from .schema import Article, Claim, Cluster, Excluded, Report, Signal, Story
from .stories import StoryGrouper

__all__ = [
    "Article", "Claim", "ClaimClusterer", "ClaimExtractor", "Cluster", "CompareError",
    "CorpusError", "Embedder", "Excluded", "GoldError", "HashingEmbedder", "InputError",
    "ModelError", "Pipeline", "Report", "SentenceTransformerEmbedder", "Signal", "Story",
    "StoryGrouper",
]
