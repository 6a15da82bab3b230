"""Frozen records passed between the stages; offsets index into ``Article.text``."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

# spaCy entity labels, by what a stage uses them for
NAME_LABELS = frozenset({"PERSON", "GPE", "LOC", "FAC", "ORG", "NORP"})  # someone or something named
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
ENTITY_LABELS = NAME_LABELS | {"EVENT"}  # what a claim keeps in ``entities``


def divergence_order(c: Cluster) -> tuple:
    """Sort key for facts, most divergent first: contested, diverge, agree, single-source;
    then score, then more outlets, then id."""
    rank = 0 if c.contested else {"diverge": 1, "agree": 2, "single-source": 3}[c.verdict]
    return (rank, -c.score, -len(c.outlets), c.id)


@dataclass(frozen=True)
class Span:
    """A piece of an article's text, by character offsets."""

    start: int
    end: int


@dataclass(frozen=True)
class Excluded:
    """Text of an article that is not the outlet's own claim, and why."""

    article: str
    start: int
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class Article:
    """One input article with detected metadata and its body blocks."""

    id: str
    source: str
    outlet: str
    title: str | None
    date: str | None
    url: str | None
    text: str
    body: tuple[Span, ...] = ()
    headings: tuple[Span, ...] = ()
    excluded: tuple[Excluded, ...] = ()
    outlet_detected_by: str = "file name"
    author: str | None = None
    language: str = "en"  # ISO 639-1, detected from the text (or given)
    # why the date's year is a guess ("the dateline gives no year; ..."); None when given
    date_guessed: str | None = None


@dataclass(frozen=True)
class Quantity:
    """A number in a claim, normalised, with the thing it counts."""

    text: str
    value: float
    unit: str
    qualifier: str = ""


class Tokens(Sequence):
    """A claim's parse, one (start, end, lemma, POS, dependency, head) tuple per token, held as
    one int32 array (about 30 bytes a token with the array's header, strings as ids into a
    process-wide vocabulary): the tuples of tuples it replaces took 156 on the seeds. Reads as a
    sequence of those tuples; equal to any sequence of the same tuples."""

    __slots__ = ("_rows",)
    _ids: dict[str, int] = {}
    _words: list[str] = []

    def __init__(self, tokens: Iterable[tuple[int, int, str, str, str, int]] = ()):
        rows = [(a, b, self._id(lem), self._id(pos), self._id(dep), h) for a, b, lem, pos, dep, h in tokens]
        self._rows = np.array(rows, dtype=np.int32).reshape(len(rows), 6)

    _lock = threading.Lock()

    @classmethod
    def _id(cls, word: str) -> int:
        got = cls._ids.get(word)
        if got is None:
            with cls._lock:  # a Dask worker's threads share the vocabulary
                got = cls._ids.get(word)
                if got is None:
                    got = len(cls._words)
                    cls._words.append(word)
                    cls._ids[word] = got
        return got

    def _row(self, r) -> tuple[int, int, str, str, str, int]:
        a, b, lem, pos, dep, h = r.tolist()
        w = self._words
        return a, b, w[lem], w[pos], w[dep], h

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self)[i]
        return self._row(self._rows[i])

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self):
        w = self._words
        return ((a, b, w[lem], w[pos], w[dep], h) for a, b, lem, pos, dep, h in self._rows.tolist())

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(
            tuple(x) == y for x, y in zip(other, self, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Tokens({list(self)!r})"

    def __reduce__(self):  # pickled as its tuples: another process has its own vocabulary
        return (Tokens, (tuple(self),))

    def __deepcopy__(self, memo):
        return self


@dataclass(frozen=True)
class DateMention:
    """A date expression in an article and the day, month or year it was resolved to.

    ``value`` is 'YYYY-MM-DD', 'YYYY-MM', 'YYYY', '199x', '--MM-DD' (no year could be given) or
    None (too vague to place); ``basis`` says how it was resolved, in words a reader can check
    ("on or before the article's date, 2023-05-26"); ``guessed`` is true when the year is not
    written with it and was inferred (shown as guessed in every view)."""

    text: str
    start: int
    end: int
    value: str | None
    basis: str = "as written"
    guessed: bool = False


@dataclass(frozen=True)
class Claim:
    """A sentence (or headline) of an outlet's own text."""

    id: str
    article: str
    outlet: str
    text: str
    start: int
    end: int
    speaker: str | None = None
    heading: bool = False
    numbers: tuple[Quantity, ...] = ()
    dates: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    actor: str | None = None
    actor_named: bool = False  # the actor is a name (proper noun or named entity), not "the crews"
    voice: str = "active"
    negated: bool = False
    lemmas: tuple[str, ...] = ()
    # the parse, one (start, end, lemma, POS, dependency, head index in this tuple or -1) per token
    tokens: Sequence[tuple[int, int, str, str, str, int]] = ()  # a Tokens from the splitter
    when: tuple[DateMention, ...] = ()  # the date expressions behind ``dates``, with their words


@dataclass(frozen=True)
class Signal:
    """Evidence that outlets tell one fact differently."""

    kind: str
    outlets: tuple[str, ...]
    terms: dict[str, list[str]]
    detail: str
    # for kind "conflict": what conflicts (date, year, number, actor, event, contradiction) and
    # each side's words, as (outlet, claim id, quoted text)
    about: str = ""
    sides: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Link:
    """Two claims of one fact as the pair judge read them: ``same`` is its calibrated
    probability that both state the same fact, ``nli`` its reading of ``a`` against ``b``."""

    a: str
    b: str
    same: float
    nli: str
    contradiction: float


@dataclass(frozen=True)
class Counterpart:
    """A claim's closest telling in another article: ``grade`` "same" (the two are one fact) or
    "related" (probably the same event or issue, told differently or disputed; never counted
    as agreement), with the judged P(same) (None where the judge never read the pair)."""

    claim: str
    outlet: str
    grade: str
    p: float | None


@dataclass(frozen=True)
class Related:
    """A claim outside a fact that is the related counterpart of the fact's claim ``to``."""

    claim: str
    outlet: str
    p: float
    to: str


@dataclass(frozen=True)
class Cluster:
    """One fact as one or more outlets tell it."""

    id: str
    story: str  # the story most of its claims come from
    claims: tuple[str, ...]
    outlets: tuple[str, ...]
    verdict: str
    signals: tuple[Signal, ...] = ()
    score: float = 0.0
    cohesion: float = 1.0
    missing: tuple[str, ...] = ()
    confidence: float | None = None  # mean judged P(same) over the fact's linked pairs
    links: tuple[Link, ...] = ()
    thread: str = "t1"
    stories: tuple[str, ...] = ()  # every story its claims come from
    related: tuple[Related, ...] = ()  # other outlets' versions, told differently or disputed
    # outlets of its stories whose every article there predates the fact's event: not blamed
    earlier: tuple[str, ...] = ()
    event_date: str | None = None  # the day the fact happened, where its claims give one
    # outlets whose versions come from one shared copy count once: independent sources
    sources: int | None = None

    @property
    def contested(self) -> bool:
        """A conflict (dates, numbers, actor, what the event is, a denial) inside the fact."""
        return any(s.kind == "conflict" for s in self.signals)


@dataclass(frozen=True)
class FramingTerm:
    """A word an outlet's text loads what it reports with (its own, or a quoted speaker's:
    ``speaker``), labels a named referent with, or a name it gives a place or body that takes a
    side (kind "naming")."""

    term: str
    kind: str  # "loaded" | "label" | "substitution" | "naming"
    referent: str | None
    claims: tuple[str, ...]
    why: str
    score: float = 0.0
    # kind "substitution": the word each other outlet uses in its place in the same fact, as
    # (outlet, word, fact id), from a word alignment of the two tellings; kind "naming": the
    # names other outlets give the referent, as (outlet, name, fact id or ""), and the names the
    # gazetteer gives it, as ("", name, its usage)
    instead: tuple[tuple[str, str, str], ...] = ()
    # whose words these are when they stand inside quotation marks (None: the outlet's own)
    speaker: str | None = None


@dataclass(frozen=True)
class Story:
    """The articles that report one news event (same happening, actors, place and days)."""

    id: str
    articles: tuple[str, ...]
    title: str
    thread: str = "t1"
    framing: tuple[tuple[str, tuple[FramingTerm, ...]], ...] = ()  # (outlet, its terms), by outlet


@dataclass(frozen=True)
class Thread:
    """The stories of one ongoing affair; facts are linked within a thread, never across."""

    id: str
    stories: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Copy:
    """Text two or more outlets share: one agency's copy run by each (with edits). ``claims``
    are the claim ids of the shared sentences, one tuple per outlet in ``outlets`` order."""

    outlets: tuple[str, ...]
    articles: tuple[str, ...]
    agency: str | None
    claims: tuple[tuple[str, ...], ...]
    share: float  # share of the shorter article's words in the shared sentences


@dataclass(frozen=True)
class Report:
    """Everything a run produced, ready to be written out."""

    articles: tuple[Article, ...]
    claims: tuple[Claim, ...]
    clusters: tuple[Cluster, ...]
    stories: tuple[Story, ...]
    threads: tuple[Thread, ...] = ()
    model: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (source, reason) of each input that could not be read
    counterparts: dict[str, tuple[Counterpart, ...]] = field(default_factory=dict)  # by claim id
    copies: tuple[Copy, ...] = ()

    @property
    def excluded(self) -> list[Excluded]:
        return [e for a in self.articles for e in a.excluded]

    def to_dict(self) -> dict[str, Any]:
        """The report.json document."""
        return {
            "articles": [
                {
                    "id": a.id,
                    "source": a.source,
                    "outlet": a.outlet,
                    "title": a.title,
                    "date": a.date,
                    "url": a.url,
                    "outlet_detected_by": a.outlet_detected_by,
                    "author": a.author,
                    "language": a.language,
                    "date_guessed": a.date_guessed,
                    "chars": len(a.text),
                }
                for a in self.articles
            ],
            "threads": [
                {"id": t.id, "stories": list(t.stories), "title": t.title} for t in self.threads
            ],
            "stories": [
                {"id": s.id, "articles": list(s.articles), "title": s.title, "thread": s.thread,
                 "framing": {o: [{"term": t.term, "kind": t.kind, "referent": t.referent,
                                  "claims": list(t.claims), "why": t.why, "score": t.score, "speaker": t.speaker,
                                  "instead": [{"outlet": o, "word": w, "fact": f} if o else {"name": w, "usage": f}
                                              for o, w, f in t.instead]}
                                 for t in terms] for o, terms in s.framing}}
                for s in self.stories
            ],
            "claims": [_claim_dict(c) | {"counterparts": [
                {"claim": k.claim, "outlet": k.outlet, "grade": k.grade, "p": None if k.p is None else round(k.p, 3)}
                for k in self.counterparts.get(c.id, ())]} for c in self.claims],
            "clusters": [_cluster_dict(c) for c in self.clusters],
            "copies": [{"outlets": list(k.outlets), "articles": list(k.articles), "agency": k.agency,
                        "claims": [list(x) for x in k.claims], "share": round(k.share, 3)}
                       for k in self.copies],
            "excluded": [asdict(e) for e in self.excluded],
            "model": self.model,
            "params": self.params,
            "warnings": list(self.warnings),
            "skipped": [{"source": src, "reason": why} for src, why in self.skipped],
        }


def _claim_dict(c: Claim) -> dict[str, Any]:
    return {
        "id": c.id,
        "article": c.article,
        "outlet": c.outlet,
        "text": c.text,
        "start": c.start,
        "end": c.end,
        "speaker": c.speaker,
        "heading": c.heading,
        "numbers": [asdict(q) for q in c.numbers],
        "dates": list(c.dates),
        "when": [{"text": m.text, "start": m.start, "end": m.end, "value": m.value, "basis": m.basis,
                  "guessed": m.guessed} for m in c.when],
        "places": list(c.places),
        "actor": c.actor,
        "actor_named": c.actor_named,
        "voice": c.voice,
        "negated": c.negated,
    }


def _cluster_dict(c: Cluster) -> dict[str, Any]:
    return {
        "id": c.id,
        "thread": c.thread,
        "story": c.story,
        "stories": list(c.stories or (c.story,)),
        "claims": list(c.claims),
        "outlets": list(c.outlets),
        "verdict": c.verdict,
        "contested": c.contested,
        "sources": c.sources,
        "score": round(c.score, 4),
        "cohesion": round(c.cohesion, 3),
        "confidence": None if c.confidence is None else round(c.confidence, 3),
        "links": [{"a": k.a, "b": k.b, "same": round(k.same, 3), "nli": k.nli,
                   "contradiction": round(k.contradiction, 3)} for k in c.links],
        "missing": list(c.missing),
        "earlier": list(c.earlier),
        "event_date": c.event_date,
        "related": [{"claim": r.claim, "outlet": r.outlet, "p": round(r.p, 3), "to": r.to} for r in c.related],
        "signals": [
            {"kind": s.kind, "outlets": list(s.outlets), "terms": s.terms, "detail": s.detail}
            | ({"about": s.about, "sides": [{"outlet": o, "claim": k, "text": t} for o, k, t in s.sides]}
               if s.kind == "conflict" else {})
            for s in c.signals
        ],
    }
