"""A story's framing profile: for each outlet, the words of its own text (single-source claims
included) that load what it reports, and the labels it gives the people and things it names.

Every content word is scored by a logistic regression (compare/models/framing/model.json, fitted
on the BASIL experts' lexical-bias spans, see its MODEL_CARD) over: how charged the word is in the
VADER sentiment lexicon (MIT), whether the project's framing lexicon lists it, its part of speech
and role (a modifier, a label of a named referent), how distinctive it is of the outlet in the
story (weighted log-odds), how rare it is in the corpus, and whether it sits in a quotation.
Words at or above the model's cut are the profile's terms; each says why.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .claims import load_lexicon
from .context import distinctive_words
from .diverge import load_lexicons
from .errors import ModelError
from .schema import Claim, FramingTerm

MODEL_PATH = Path(__file__).parent / "models" / "framing" / "model.json"
FRAMING_FEATURES = ("vader", "vader_known", "lexicon", "adj", "adv", "verb", "noun", "modifier",
                    "label", "distinctive", "shared", "rare", "quoted", "heading", "common", "speech",
                    "claim_charge", "position", "label_own", "claim_bias")
VOCAB_PATH = Path(__file__).parent / "models" / "pair-minilm" / "vocab.txt"
CONTENT_POS = {"ADJ": "adj", "ADV": "adv", "VERB": "verb", "NOUN": "noun"}
MODIFIER_DEPS = {"amod", "advmod", "acomp", "npadvmod"}
LABEL_DEPS = {"amod", "compound", "appos", "nmod", "poss"}
NAMED_POS = {"PROPN"}
# the mean of the `shared` feature over basil-dev's words: what a story one outlet tells alone
# gets, so that being alone neither raises nor lowers a word's score
SHARED_PRIOR = 0.444


@lru_cache(maxsize=1)
def vader_lexicon() -> dict[str, float]:
    """VADER's word -> mean valence (-4..4), read from the installed vaderSentiment package."""
    from importlib import resources

    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                out[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    return out


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Whole words of the bundled MiniLM WordPiece vocabulary: a word frequent enough in
    general English to have its own piece (a stand-in for a word-frequency list)."""
    return frozenset(w for w in VOCAB_PATH.read_text(encoding="utf-8").split()
                     if w.isalpha() and not w.startswith("##"))


@dataclass(frozen=True)
class TermModel:
    """Logistic regression over :data:`FRAMING_FEATURES` -> P(an expert marks the word)."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    # the sentence model: claim embedding (unit length, by ``claim_embedder``) -> P(an expert
    # marked a span in it); ``claim_prior`` stands in for claims embedded by another model
    claim_coef: tuple[float, ...] = ()
    claim_intercept: float = 0.0
    claim_prior: float = 0.5
    claim_embedder: str = ""

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> TermModel:
        d = json.loads(Path(path).read_text())
        if tuple(d["features"]) != FRAMING_FEATURES:
            raise ModelError(f"{path} was fitted on other features {d['features']}; refit it with "
                             "training/framing.py --write")
        return cls(tuple(d["coef"]), d["intercept"], d["threshold"], tuple(d.get("claim_coef", ())),
                   d.get("claim_intercept", 0.0), d.get("claim_prior", 0.5), d.get("claim_embedder", ""))

    def proba(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(x @ np.asarray(self.coef) + self.intercept)))

    def claim_bias(self, embeddings: np.ndarray, embedder: str | None) -> np.ndarray:
        """P(a claim holds a span experts would mark), from its embedding by ``embedder`` (the
        name the embedder describes itself by); the prior for any other embedder."""
        if (embedder != self.claim_embedder or embeddings.ndim != 2 or not len(embeddings)
                or embeddings.shape[1] != len(self.claim_coef)):
            return np.full(len(embeddings), self.claim_prior)
        from sklearn.preprocessing import normalize

        return 1.0 / (1.0 + np.exp(-(normalize(embeddings) @ np.asarray(self.claim_coef) + self.claim_intercept)))


@dataclass(frozen=True)
class Candidate:
    """One content word of a claim, with what the model reads of it."""

    claim: Claim
    token: int  # index into claim.tokens
    word: str
    lemma: str
    referent: str | None
    features: tuple[float, ...]


def _key(name: str) -> str:
    """A referent's name as outlets share it: its last word, lower-cased ("Kim Jong Un" and
    "Kim" do not meet, "President Trump" and "Donald Trump" do)."""
    words = name.lower().replace("'s", "").split()
    return words[-1] if words else ""


def _referent(claim: Claim, k: int, text: str) -> str | None:
    """The named thing token ``k`` labels ("dictator" in "North Korean dictator Kim Jong Un"), if any."""
    toks = claim.tokens
    _, _, _, _, dep, head = toks[k]
    if dep not in LABEL_DEPS or head < 0 or toks[head][3] not in NAMED_POS:
        return None
    # the whole name: the head and its PROPN compounds
    parts = [j for j in range(len(toks)) if j == head or (toks[j][5] == head and toks[j][3] in NAMED_POS
                                                          and toks[j][4] == "compound")]
    return " ".join(text[toks[j][0]:toks[j][1]] for j in sorted(parts))


def candidates(claims: Sequence[Claim], texts: dict[str, str], df: Counter, n_docs: int,
               bias: dict[str, float] | None = None, prior: float = 0.5) -> list[Candidate]:
    """Every content word of ``claims`` (one story) with its features; ``bias`` is each claim's
    P(experts marked a span in it) from the sentence model (``prior`` where missing)."""
    vader = vader_lexicon()
    framing = load_lexicons().framing
    outlets = sorted({c.outlet for c in claims})
    z = distinctive_words(claims, None)
    used: dict[str, set[str]] = {o: set() for o in outlets}
    for c in claims:
        used[c.outlet].update(t[2] for t in c.tokens)
    out = []
    common = common_words()
    speech = load_lexicon().speech_verbs
    rank: dict[str, list[str]] = {}
    for c in claims:
        rank.setdefault(c.article, []).append(c.id)
    # what each outlet calls each named referent, and which referents each outlet names
    refs: dict[tuple[str, int], str] = {}
    labels: dict[tuple[str, str], set[str]] = {}
    named: dict[str, set[str]] = {o: set() for o in outlets}
    for c in claims:
        named[c.outlet].update(_key(e.partition(":")[2]) for e in c.entities)
        for k in range(len(c.tokens)):
            ref = _referent(c, k, texts[c.article])
            if ref:
                refs[(c.id, k)] = ref
                labels.setdefault((c.outlet, _key(ref)), set()).add(c.tokens[k][2])
    position = {cid: k / max(len(ids) - 1, 1) for ids in rank.values() for k, cid in enumerate(ids)}
    for c in claims:
        text = texts[c.article]
        quoted = 1.0 if c.speaker else 0.0
        charges = [abs(vader.get(text[a:b].lower(), vader.get(lem, 0.0))) for a, b, lem, *_ in c.tokens]
        others = [o for o in outlets if o != c.outlet]
        for k, (a, b, lemma, pos, dep, _) in enumerate(c.tokens):
            word = text[a:b]
            if pos not in CONTENT_POS or not word.isalpha() or len(word) < 3:
                continue
            low = word.lower()
            val = vader.get(low, vader.get(lemma))
            ref = refs.get((c.id, k))
            # a label no other outlet gives this referent, which another outlet does name
            own = ref is not None and any(_key(ref) in named[o] for o in others) and not any(
                lemma in labels.get((o, _key(ref)), ()) for o in others)
            f = (
                abs(val) / 4.0 if val is not None else 0.0,
                1.0 if val is not None else 0.0,
                1.0 if lemma in framing or low in framing else 0.0,
                *(1.0 if CONTENT_POS[pos] == p else 0.0 for p in ("adj", "adv", "verb", "noun")),
                1.0 if dep in MODIFIER_DEPS else 0.0,
                1.0 if ref else 0.0,
                max(-3.0, min(5.0, z.get(c.outlet, {}).get(lemma, 0.0))) / 5.0,
                # a story one outlet tells alone says nothing of how its words are shared
                sum(lemma in used[o] for o in others) / len(others) if others else SHARED_PRIOR,
                math.log((n_docs + 1) / (df.get(lemma, 0) + 1)) / math.log(max(n_docs, 1) + 1),
                quoted,
                1.0 if c.heading else 0.0,
                1.0 if low in common else 0.0,
                1.0 if pos == "VERB" and lemma in speech else 0.0,
                max([v for j, v in enumerate(charges) if j != k], default=0.0) / 4.0,
                position[c.id],  # 0 for the headline or first sentence, 1 for the last
                1.0 if own else 0.0,
                (bias or {}).get(c.id, prior),
            )
            out.append(Candidate(c, k, low, lemma, ref, f))
    return out


def document_frequency(claims: Sequence[Claim]) -> tuple[Counter, int]:
    """In how many articles each lemma occurs, and how many articles there are."""
    per: dict[str, set[str]] = {}
    for c in claims:
        per.setdefault(c.article, set()).update(t[2] for t in c.tokens)
    df: Counter = Counter()
    for lemmas in per.values():
        df.update(lemmas)
    return df, len(per)


def _why(cand: Candidate, p: float) -> str:
    f = dict(zip(FRAMING_FEATURES, cand.features, strict=True))
    bits = []
    val = vader_lexicon().get(cand.word, vader_lexicon().get(cand.lemma))
    if val is not None:
        bits.append(f"charged in the VADER lexicon ({val:+.1f} on -4..4)")
    if f["lexicon"]:
        frame = load_lexicons().framing.get(cand.lemma) or load_lexicons().framing.get(cand.word)
        bits.append(f"in the framing lexicon ({frame})")
    if cand.referent:
        bits.append(f"a label for {cand.referent}"
                    + (" that no other outlet of the story gives it" if f["label_own"] else ""))
    if f["distinctive"] > 0.3:
        bits.append(f"distinctive of {cand.claim.outlet} in this story (log-odds z {f['distinctive'] * 5:.1f})")
    if f["shared"] == 0.0:  # a story one outlet tells alone gets SHARED_PRIOR, never 0
        bits.append("no other outlet of the story uses it")
    if f["quoted"]:
        bits.append("inside a quotation")
    if f["claim_bias"] >= 0.6:
        bits.append(f"in a sentence that reads as slanted (P {f['claim_bias']:.2f})")
    return "; ".join(bits + [f"P(loaded) {p:.2f}"])


class FramingProfiler:
    """Claims of one story -> {outlet: [FramingTerm]} (the story's framing profile)."""

    def __init__(self, model: TermModel | None = None, threshold: float | None = None):
        self.model = model
        self.threshold = threshold

    def _model(self) -> TermModel:
        if self.model is None:
            self.model = TermModel.load()
        return self.model

    def describe(self) -> dict:
        return {"framing_threshold": self._cut()}

    def _cut(self) -> float:
        return self.threshold if self.threshold is not None else self._model().threshold

    def claim_bias(self, embeddings: np.ndarray, embedder: str | None) -> np.ndarray:
        return self._model().claim_bias(np.asarray(embeddings), embedder)

    def score(self, cands: Sequence[Candidate]) -> np.ndarray:
        if not cands:
            return np.zeros(0)
        return self._model().proba(np.array([c.features for c in cands]))

    def profile(self, claims: Sequence[Claim], texts: dict[str, str], df: Counter, n_docs: int,
                bias: dict[str, float] | None = None) -> dict[str, tuple[FramingTerm, ...]]:
        """The story's profile. ``bias``: each claim's sentence-model probability
        (:meth:`TermModel.claim_bias`); the model's prior where it is missing."""
        cut = self._cut()
        cands = candidates(claims, texts, df, n_docs, bias, self._model().claim_prior)
        probs = self.score(cands)
        found: dict[tuple[str, str], list] = {}
        for cand, p in zip(cands, probs, strict=True):
            if p >= cut:
                key = (cand.claim.outlet, cand.word)
                entry = found.setdefault(key, [cand, float(p), []])
                if float(p) > entry[1]:
                    entry[0], entry[1] = cand, float(p)
                if cand.claim.id not in entry[2]:
                    entry[2].append(cand.claim.id)
        out: dict[str, list[FramingTerm]] = {}
        for (outlet, word), (cand, p, ids) in sorted(found.items(), key=lambda kv: (kv[0][0], -kv[1][1], kv[0][1])):
            out.setdefault(outlet, []).append(FramingTerm(
                term=word, kind="label" if cand.referent else "loaded", referent=cand.referent,
                claims=tuple(ids), why=_why(cand, p), score=round(p, 3)))
        return {o: tuple(ts) for o, ts in sorted(out.items())}
