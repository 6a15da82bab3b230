"""Wires the stages: ingest -> claims -> embed -> stories -> clusters -> divergence -> Report.

This is the only module that knows the order of the stages.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np

from .bridge import MARGIN, LazyVectors, bridge
from .cache import Cache, CachedJudge
from .claims import ClaimExtractor
from .context import lemma_counts, story_context
from .copies import find_copies
from .embed import Embedder, MultilingualEmbedder, OnnxEmbedder
from .errors import CorpusError
from .facts import FactInputs, build_facts
from .framing import (
    FramingProfiler,
    document_frequency,
    merged,
    naming_terms,
    thread_names,
    with_fact_terms,
    word_spans,
)
from .ingest import MAX_ARTICLE_CHARS, load_outlets, read_articles
from .ingest.web import Fetcher, is_url
from .linkage import relabel_in_order
from .linking.candidates import claim_tokens
from .linking.cluster import ClaimClusterer, JudgedClusterer
from .linking.counterparts import DEFAULT_RELATED, counterparts
from .linking.judge import MemoJudge
from .linking.links import JudgedLinks
from .schema import Article, Claim, Cluster, Report, Story
from .stories import StoryGrouper

log = logging.getLogger("compare")

# Chosen on the annotated gold in tests/gold/ with `compare evaluate --sweep` (see docs/quality.md).
DEFAULT_JUDGE_THRESHOLD = 0.3
DEFAULT_K = 2
DEFAULT_CONTRADICTION = 0.9
# the judge-less clustering (--judge none)
DEFAULT_THRESHOLD = 0.75
DEFAULT_LEXICAL_WEIGHT = 0.7
DEFAULT_LINKAGE = "average"


@dataclass
class Prepared:
    """The model-heavy part of a run, reusable across clustering settings."""

    articles: list[Article]
    claims: list[Claim]
    embeddings: np.ndarray
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # each claim's word-model probabilities (framing), one per token; None when the embedder
    # gives no word vectors or the framing model reads another embedder's
    words: dict[str, np.ndarray] | None = None
    # the claims' multilingual embeddings (computed when read), when some article is not in English
    bridge: LazyVectors | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # inputs that could not be read


class _TokenScores:
    """The loaded-word model seen as an embedder of word scores only (no text vector), so that
    the pipeline's cache keeps its scores as it keeps word vectors."""

    def __init__(self, model):
        self.model = model

    def describe(self) -> dict:
        return {"name": "loaded-words", "digest": self.model.digest()}

    def encode_words(self, texts, spans, reduce=None):
        scores = self.model.score(texts, spans)
        return [np.zeros(0, dtype=np.float32)] * len(texts), [reduce(w) if reduce else w for w in scores]


class Pipeline:
    """Compare outlets' articles claim by claim. Every heavy part can be passed in."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        extractor: ClaimExtractor | None = None,
        clusterer: ClaimClusterer | JudgedClusterer | None = None,
        grouper: StoryGrouper | None = None,
        contradiction: float = DEFAULT_CONTRADICTION,
        related: float = DEFAULT_RELATED,
        profiler: FramingProfiler | None = None,
        cache: Cache | None = None,
        multilingual=None,
        bridge_margin: float = MARGIN,
    ):
        self.embedder = embedder if embedder is not None else OnnxEmbedder()
        self.extractor = extractor if extractor is not None else ClaimExtractor()
        self.clusterer = clusterer if clusterer is not None else JudgedClusterer(
            threshold=DEFAULT_JUDGE_THRESHOLD, k=DEFAULT_K, lexical_weight=DEFAULT_LEXICAL_WEIGHT)
        self.contradiction = contradiction
        self.related = related  # the P(same) a related counterpart needs
        self.grouper = grouper if grouper is not None else StoryGrouper()
        self.profiler = profiler if profiler is not None else FramingProfiler()
        # articles in other languages: matched to the English ones through this encoder
        self.multilingual = multilingual if multilingual is not None else MultilingualEmbedder()
        self.bridge_margin = bridge_margin
        # the model work (claims, embeddings, word scores, pair scores) read from and kept in
        # the cache; None computes everything
        self.cache = cache
        if (cache is not None and isinstance(self.clusterer, JudgedClusterer)
                and not isinstance(self.clusterer._judge(), CachedJudge)):
            self.clusterer.judge = CachedJudge(self.clusterer._judge(), cache)
        elif (cache is None and isinstance(self.clusterer, JudgedClusterer)
              and not isinstance(self.clusterer._judge(), MemoJudge)):
            # without a cache, a pair of sentences wire copies repeat is still judged once
            self.clusterer.judge = MemoJudge(self.clusterer._judge())

    def prepare(
        self,
        paths: Sequence[str | Path],
        manifest: str | Path | None = None,
        outlets_file: str | Path | None = None,
        embeddings: np.ndarray | None = None,
        since: date | None = None,
        until: date | None = None,
        fetcher=None,
        strict: bool = False,
        max_chars: int = MAX_ARTICLE_CHARS,
        follow_links: bool = False,
    ) -> Prepared:
        """Read (fetching the URLs and feeds among ``paths``), split into claims and embed.
        ``embeddings`` (one row per claim) skips the model; ``since``/``until`` bound feeds;
        ``follow_links`` reads symbolic links that lead out of the folders given."""
        timings: dict[str, float] = {}
        t = time.perf_counter()
        own = fetcher is None  # one that fetches through the cache; it opens no connection till asked
        if own:  # only the URLs given may be private addresses; their redirects and feed entries not
            fetcher = Fetcher(self.cache, given=[str(p) for p in paths if is_url(str(p))])
        try:
            skipped: list[tuple[str, str]] = []
            articles, warnings = read_articles(paths, manifest, load_outlets(outlets_file), fetcher=fetcher,
                                               since=since, until=until, strict=strict, skipped=skipped,
                                               max_chars=max_chars, follow_links=follow_links)
        finally:
            if own:
                fetcher.close()
        outlets = sorted({a.outlet for a in articles})
        if len(outlets) < 2:
            raise CorpusError(
                f"all {len(articles)} article(s) come from one outlet ({outlets[0]}); "
                "pass articles from at least two outlets, or name outlets in a manifest"
            )
        timings["ingest"] = time.perf_counter() - t
        log.info("ingest: %d articles from %d outlets", len(articles), len(outlets))

        t = time.perf_counter()
        claims = self._extract(articles)
        timings["claims"] = time.perf_counter() - t
        log.info("claims: %d", len(claims))

        t = time.perf_counter()
        words = None
        if embeddings is None:
            embeddings, words = self._embed(articles, claims)
        elif len(embeddings) != len(claims):
            raise CorpusError(
                f"{len(embeddings)} precomputed embeddings for {len(claims)} claims; "
                "compute one embedding per claim"
            )
        timings["embed"] = time.perf_counter() - t
        log.info("embed: %s", embeddings.shape)
        if self.cache is not None:
            log.info("cache %s: %s", self.cache.path, ", ".join(
                f"{t} {self.cache.hits[t]} found, {self.cache.misses[t]} computed" for t in ("claims", "vectors")))
        bridge_vectors = None
        other = sorted({a.language for a in articles if a.language != "en"})
        if other:
            texts = [" ".join(c.text.split()) for c in claims]
            # computed for the claims the bridge reads (the other languages', and the English
            # stories it looks into), when it reads them; through the cache
            bridge_vectors = LazyVectors(
                len(claims), lambda rows: np.array(self._encode([texts[i] for i in rows], None, "", lambda x: x,
                                                                self.multilingual)[0], dtype=np.float32))
            n = sum(a.language != "en" for a in articles)
            if n == len(articles):  # nothing to bridge to: every stage reads them, as English
                bridge_vectors = None
                warnings.append(f"no article is in English ({', '.join(other)}): all are read by the English "
                                "stages, whose words, names and agency checks are unreliable on them")
            else:
                warnings.append(
                    f"{n} article(s) not in English ({', '.join(other)}): their claims are matched to English "
                    "claims by the multilingual encoder; the pair judge and the framing, agency, naming, "
                    "attribution and wording checks read English only and were not applied to them")
        return Prepared(articles, claims, np.asarray(embeddings), warnings, timings, words, bridge_vectors,
                        skipped)

    def _extract(self, articles: list[Article]) -> list[Claim]:
        """Claims of every article, in article order; from the cache for articles it holds."""
        if self.cache is None:
            return self.extractor.extract(articles)
        keys = {a.id: self.cache.article_key(a, self.extractor.model) for a in articles}
        got = self.cache.get_claims(list(keys.values()))
        todo = [a for a in articles if keys[a.id] not in got]
        fresh: dict[str, list[Claim]] = {a.id: [] for a in todo}
        for c in self.extractor.extract(todo) if todo else []:
            fresh[c.article].append(c)
        self.cache.put_claims((keys[a.id], fresh[a.id]) for a in todo)
        return [c for a in articles for c in (fresh[a.id] if a.id in fresh else got[keys[a.id]])]

    def _embed(self, articles: list[Article], claims: list[Claim]) -> tuple[np.ndarray, dict | None]:
        """Each claim's embedding and, where the embedder gives word vectors the framing model
        reads, its words' framing scores: one forward pass, or the cache."""
        texts = [" ".join(c.text.split()) for c in claims]
        desc = self.embedder.describe()
        reads = hasattr(self.embedder, "encode_words") and self.profiler.reads_words(desc.get("name"))
        body = {a.id: a.text for a in articles}
        spans = [word_spans(c, body[c.article], t) for c, t in zip(claims, texts, strict=True)] if reads else None
        vecs, scores = self._encode(texts, spans, self.profiler.words_digest() if reads else "",
                                    self.profiler.word_bias)
        emb = np.array(vecs, dtype=np.float32).reshape(len(claims), -1 if claims else int(desc.get("dimensions", 0)))
        return emb, dict(zip([c.id for c in claims], scores, strict=True)) if reads else None

    def _encode(self, texts: list[str], spans: list | None, tag: str,
                reduce: Callable[[np.ndarray], np.ndarray], embedder=None) -> tuple[list[np.ndarray], list]:
        """Each text's embedding (by ``embedder``, the run's own by default) and what ``reduce``
        keeps of its word vectors (None without ``spans``): from the cache under ``tag`` where
        it holds them, computed once per distinct key for the rest, which the cache then keeps."""
        embedder = embedder if embedder is not None else self.embedder

        def compute(idx: list[int]) -> tuple[list, list]:
            if spans is None:
                return list(embedder.encode([texts[i] for i in idx])), [None] * len(idx)
            vecs, words = embedder.encode_words([texts[i] for i in idx], [spans[i] for i in idx], reduce)
            return list(vecs), list(words)

        if self.cache is None:
            return compute(list(range(len(texts))))
        desc = embedder.describe()
        keys = [self.cache.vector_key(desc, tag, t, spans[i] if spans else None) for i, t in enumerate(texts)]
        got = self.cache.get_vectors(keys)
        todo = list({keys[i]: i for i in range(len(texts)) if keys[i] not in got}.values())
        if todo:
            new = list(zip([keys[i] for i in todo], *compute(todo), strict=True))
            self.cache.put_vectors(new)
            got.update((k, (v, w)) for k, v, w in new)
        return [got[k][0] for k in keys], [got[k][1] for k in keys]

    def analyse(self, prep: Prepared) -> Report:
        """Stories, clusters and verdicts for prepared claims."""
        timings = dict(prep.timings)
        articles, claims, emb = prep.articles, prep.claims, prep.embeddings
        # English articles go through every stage; the others join them through the bridge
        # (an all-foreign corpus is read as if English, as before there was a bridge)
        english = {a.id for a in articles if a.language == "en"} if prep.bridge is not None else set()
        if not english:
            english = {a.id for a in articles}
        rows = np.array([i for i, c in enumerate(claims) if c.article in english], dtype=int)
        en_articles = [a for a in articles if a.id in english]
        en_claims = [claims[i] for i in rows]

        t = time.perf_counter()
        stories, threads = self.grouper.group(en_articles, en_claims, emb[rows])
        story_of = {aid: s.id for s in stories for aid in s.articles}
        thread_of = {s.id: s.thread for s in stories}
        timings["stories"] = time.perf_counter() - t
        log.info("stories: %d in %d threads", len(stories), len(threads))

        t = time.perf_counter()
        # facts are linked within a thread, never across
        en_labels = self.clusterer.fit_predict(
            emb[rows], [c.article for c in en_claims], [thread_of[story_of[c.article]] for c in en_claims],
            [claim_tokens(c) for c in en_claims], [c.dates for c in en_claims],
            texts=[" ".join(c.text.split()) for c in en_claims], encoder=self.embedder.describe().get("name"))
        judged = self.clusterer.links_
        if len(rows) < len(claims):  # keyed by rows of all claims
            judged = JudgedLinks(rows[judged.pairs()], judged.same, judged.nli, judged.features)
        bridged = {}
        bridge_seconds = prep.bridge.seconds if prep.bridge is not None else 0.0  # analyse may run again
        if len(rows) < len(claims):
            b = bridge(articles, claims, prep.bridge, stories, threads,
                       dict(zip(rows.tolist(), en_labels.tolist(), strict=True)), self.bridge_margin)
            stories, threads, labels, bridged = b.stories, b.threads, relabel_in_order(b.labels), b.links
            timings["embed multilingual"] = prep.bridge.seconds - bridge_seconds
            story_of = {aid: s.id for s in stories for aid in s.articles}
            thread_of = {s.id: s.thread for s in stories}
            log.info("bridge: %d claims in other languages linked to English ones", len(bridged))
        else:
            labels = en_labels
        # the bridge's multilingual vectors are computed inside it: their own stage, not the clustering's
        timings["cluster"] = time.perf_counter() - t - timings.get("embed multilingual", 0.0)
        judge = getattr(self.clusterer, "judge", None)
        if judge is not None:
            timings["judge"] = self.clusterer.judge_seconds_
            timings["cluster"] -= timings["judge"]
            log.info("judge: %d of %d candidate pairs judged", len(judged),
                     getattr(self.clusterer, "candidates_", len(judged)))

        t = time.perf_counter()
        by_thread: dict[str, list[Claim]] = {th.id: [] for th in threads}
        by_story: dict[str, list[Claim]] = {s.id: [] for s in stories}
        for c in claims:
            by_story[story_of[c.article]].append(c)
            by_thread[thread_of[story_of[c.article]]].append(c)
        # the framing profile first (the facts' wording and naming terms join it after)
        texts = {a.id: a.text for a in articles}
        embedder = self.embedder.describe()
        stories = self._profiles(stories, claims, by_story, by_thread, english, texts, prep)
        timings["framing"] = time.perf_counter() - t

        t = time.perf_counter()
        background = lemma_counts(en_claims)  # counted once, not once per thread
        contexts = {tid: story_context([c for c in members if c.article in english], background)
                    for tid, members in by_thread.items()}
        graded = counterparts(labels, [c.article for c in claims], judged, self.related)
        copies = find_copies(articles, claims)
        clusters, graded_by_id = build_facts(
            FactInputs(articles, claims, labels, judged, graded, stories, emb, english, contexts, self.related,
                       copies),
            self.contradiction)
        timings["diverge"] = time.perf_counter() - t

        t = time.perf_counter()
        stories = self._contrast(stories, claims, clusters, texts)
        stories = with_fact_terms(stories, clusters, {c.id: c for c in claims}, texts)
        timings["framing"] += time.perf_counter() - t
        log.info("timings: %s", ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))

        return Report(
            articles=tuple(articles),
            claims=tuple(claims),
            clusters=tuple(clusters),
            stories=tuple(stories),
            threads=tuple(threads),
            model=embedder | {"spacy": self.extractor.model}
            | ({"judge": judge.describe()} if judge is not None else {}),
            params=self.clusterer.describe() | self.grouper.describe() | self.profiler.describe()
            | ({"contradiction": self.contradiction, "related": self.related} if judge is not None else {})
            | ({"bridge": {"encoder": self.multilingual.describe()["name"], "margin": self.bridge_margin,
                           "languages": sorted({a.language for a in articles}),
                           "links": {claims[o].id: [claims[e].id, round(m, 4)]
                                     for o, (e, m) in sorted(bridged.items())}}}
               if len(rows) < len(claims) else {}),
            timings={k: round(v, 3) for k, v in timings.items()},
            warnings=tuple(prep.warnings),
            skipped=tuple(prep.skipped),
            counterparts=graded_by_id,
            copies=copies,
        )

    def _profiles(self, stories: list[Story], claims: list[Claim], by_story: dict[str, list[Claim]],
                  by_thread: dict[str, list[Claim]], english: set[str], texts: dict[str, str],
                  prep: Prepared) -> list[Story]:
        """Each story with its framing profile: every English claim's words scored (the
        loaded-word model, the word and sentence models, the term model), plus each outlet's
        side-taking names read across the story's thread."""
        df, n_docs = document_frequency(claims)
        bias = dict(zip([c.id for c in claims], self.profiler.claim_bias(
            prep.embeddings, self.embedder.describe().get("name")).tolist(), strict=True))

        def read(members: list[Claim]) -> list[Claim]:
            return [c for c in members if c.article in english]

        cands = {s.id: self.profiler.read(read(by_story[s.id]), texts, df, n_docs, bias, prep.words)
                 for s in stories}
        need = set().union(*(self.profiler.to_read(cs, prep.words) for cs in cands.values()))
        marked = self._marked([c for c in claims if c.id in need], texts)
        names = {t: thread_names(read(members), texts) for t, members in by_thread.items()}
        return [replace(s, framing=tuple(merged(
            self.profiler.terms(cands[s.id], prep.words, marked),
            naming_terms(read(by_story[s.id]), (), texts, names[s.thread])).items())) for s in stories]

    def _contrast(self, stories: list[Story], claims: list[Claim], clusters: list[Cluster],
                  texts: dict[str, str]) -> list[Story]:
        """Loaded terms in facts several outlets tell, with the words the other outlets put in
        their place: word vectors of those facts' claims only (a second, small forward pass)."""
        if not hasattr(self.embedder, "encode_words"):
            return stories
        fact_of = {cid: (cl.id, cl.claims) for cl in clusters if len(cl.outlets) > 1 for cid in cl.claims}
        flagged = {cid for s in stories for _, terms in s.framing for t in terms if t.kind == "loaded"
                   for cid in t.claims if cid in fact_of}
        need = flagged | {m for cid in flagged for m in fact_of[cid][1]}
        chosen = [c for c in claims if c.id in need]
        if not chosen:
            return stories
        said = [" ".join(c.text.split()) for c in chosen]
        spans = [word_spans(c, texts[c.article], t) for c, t in zip(chosen, said, strict=True)]
        vectors = dict(zip([c.id for c in chosen], self._word_vectors(said, spans), strict=True))
        by_id = {c.id: c for c in claims}
        return [replace(s, framing=self.profiler.contrast(s.framing, by_id, texts, fact_of, vectors)) for s in stories]

    def _marked(self, claims: list[Claim], texts: dict[str, str]) -> dict[str, np.ndarray] | None:
        """Each claim's words scored by the loaded-word token classifier (compare/loaded.py), one
        number per token (NaN where the framing model scores no word), from the cache where it
        holds them; None when the model is not installed."""
        model = self.profiler.tokens()
        if model is None:
            return None
        said = [" ".join(c.text.split()) for c in claims]
        spans = [word_spans(c, texts[c.article], t) for c, t in zip(claims, said, strict=True)]
        scores = self._encode(said, spans, "loaded words", lambda w: w, _TokenScores(model))[1]
        return {c.id: np.asarray(w, dtype=np.float32) for c, w in zip(claims, scores, strict=True)}

    def _word_vectors(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> list[np.ndarray]:
        """Each text's word vectors (float16, a row per span), from the embedder or the cache."""
        words = self._encode(texts, spans, "word vectors", lambda v: v.astype(np.float16))[1]
        return [np.asarray(w).reshape(len(s), -1).astype(np.float16) for w, s in zip(words, spans, strict=True)]

    def run(self, paths: Sequence[str | Path], **kwargs) -> Report:
        prep = self.prepare(paths, **kwargs)
        if self.cache is None:
            return self.analyse(prep)
        key = self._report_key(prep)
        kept = self.cache.get_report(key)
        if kept is not None:
            log.info("report: unchanged corpus and settings, read from the cache")
            return replace(kept, timings={k: round(v, 3) for k, v in prep.timings.items()} | {"report cached": 0.0})
        report = self.analyse(prep)
        self.cache.put_report(key, report)
        return report

    def _report_key(self, prep: Prepared) -> str:
        """What a whole report depends on besides the package: the articles as read, the
        warnings and skipped inputs, the embeddings' source, every stage's settings."""
        judge = getattr(self.clusterer, "judge", None)
        return self.cache.report_key(
            [self.cache.article_key(a, self.extractor.model) for a in prep.articles],
            [(a.source, a.url, a.author, a.outlet_detected_by, [(e.start, e.end, e.reason) for e in a.excluded])
             for a in prep.articles],
            prep.warnings, prep.skipped, self.embedder.describe(), self.clusterer.describe(),
            self.grouper.describe(), self.profiler.describe(), judge.describe() if judge is not None else None,
            self.contradiction, self.related, self.bridge_margin, self.multilingual.describe(),
            hashlib.sha256(np.ascontiguousarray(prep.embeddings).tobytes()).hexdigest())
