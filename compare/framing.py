"""A story's framing profile: for each outlet, the words of its own text (single-source claims
included) that load what it reports, the labels it gives the people and things it names, and the
names it gives places and bodies that other outlets, or the other side, name otherwise.

Every content word is scored by a logistic regression (compare/models/framing/model.json, fitted
on the BASIL experts' lexical-bias spans, see its MODEL_CARD) over: how charged the word is in the
VADER sentiment lexicon (MIT), whether the project's framing lexicon lists it, its part of speech
and role (a modifier, a label of a named referent), how distinctive it is of the outlet in the
story (weighted log-odds), how rare it is in the corpus, whether it sits inside quotation marks,
and what two transformer models read of it where it stands: a token classifier fine-tuned on the
words experts marked in BABE and basil-dev (compare/loaded.py), and a word model over the
encoder's own word vectors. Words at or above the model's cut are the profile's terms; each says
why. A word inside quotation marks is the speaker's, not the outlet's: it says whose it is and is
listed after the outlet's own words. The working vocabulary of diplomacy, law and military
reporting (``[technical]`` in data/framing.toml) is never flagged unless the framing lexicon
lists the word.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .claims import load_lexicon
from .context import distinctive_words
from .copies import and_join
from .diverge import load_lexicons
from .errors import ModelError
from .logistic import Logistic, read_model
from .schema import Claim, FramingTerm

MODEL_PATH = Path(__file__).parent / "models" / "framing" / "model.json"
FRAMING_FEATURES = ("vader", "vader_known", "lexicon", "adj", "adv", "verb", "noun", "modifier",
                    "label", "distinctive", "shared", "rare", "quoted", "heading", "common", "speech",
                    "claim_charge", "position", "label_own", "in_quote", "token_bias", "claim_bias",
                    "word_bias")
VOCAB_PATH = Path(__file__).parent / "models" / "pair-minilm" / "vocab.txt"
CONTENT_POS = {"ADJ": "adj", "ADV": "adv", "VERB": "verb", "NOUN": "noun"}
MODIFIER_DEPS = {"amod", "advmod", "acomp", "npadvmod"}
LABEL_DEPS = {"amod", "compound", "appos", "nmod", "poss"}
NAMED_POS = {"PROPN"}
# what the fallback model reads: every feature but the two that need the encoder's word vectors
PLAIN_FEATURES = FRAMING_FEATURES[:-2]
assert FRAMING_FEATURES[-2:] == ("claim_bias", "word_bias")
# the mean of the `shared` feature over basil-dev's words: what a story one outlet tells alone
# gets, so that being alone neither raises nor lowers a word's score
SHARED_PRIOR = 0.444
# two words align when each is the other's most similar scored word in the two tellings of a
# fact (SimAlign's argmax, Jalili Sabet et al. 2020) and their contextual vectors' cosine is at
# least this; synonyms an outlet swaps ("slammed" / "criticized") sit at 0.6-0.8 on basil-dev
ALIGN_MIN = 0.5
# the parts of speech a substitution may swap: adverbs align loosely ("unilaterally" / "even")
SWAP_POS = {"NOUN", "VERB", "ADJ"}


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
    # the word model: a word's contextual vector (unit length, by the same embedder, see
    # SentenceTransformerEmbedder.encode_words) -> P(an expert marks it); ``word_prior`` stands
    # in for words without a vector
    word_coef: tuple[float, ...] = ()
    word_intercept: float = 0.0
    word_prior: float = 0.5
    # the model over PLAIN_FEATURES, with its own cut, for claims embedded without word
    # vectors (another embedder, or precomputed embeddings)
    fallback: TermModel | None = None
    # what ``token_bias`` reads for a word the token classifier did not score
    token_prior: float = 0.1
    # the token classifier reads a claim only when a word of it scores this or more with
    # ``token_prior`` in its place (0: every claim)
    token_gate: float = 0.0
    # a word the framing lexicon lists is flagged from this cut (the lexicon and the model
    # agree); None: the threshold
    lexicon_threshold: float | None = None

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> TermModel:
        d = read_model(path)
        if tuple(d["features"]) != FRAMING_FEATURES or (
                "fallback" in d and tuple(d["fallback"]["features"]) != PLAIN_FEATURES):
            raise ModelError(f"{path} was fitted on other features {d['features']}; refit it with "
                             "training/framing.py --write")
        return cls(tuple(d["coef"]), d["intercept"], d["threshold"], tuple(d.get("claim_coef", ())),
                   d.get("claim_intercept", 0.0), d.get("claim_prior", 0.5), d.get("claim_embedder", ""),
                   tuple(d.get("word_coef", ())), d.get("word_intercept", 0.0), d.get("word_prior", 0.5),
                   cls(tuple(f["coef"]), f["intercept"], f["threshold"], token_gate=f.get("token_gate", 0.0),
                       lexicon_threshold=f.get("lexicon_threshold")) if (f := d.get("fallback")) else None,
                   d.get("token_prior", 0.1), d.get("token_gate", 0.0), d.get("lexicon_threshold"))

    def proba(self, x: np.ndarray) -> np.ndarray:
        """P(loaded) for rows of FRAMING_FEATURES (a fallback reads the first PLAIN_FEATURES)."""
        return Logistic(self.coef, self.intercept).proba(x[:, :len(self.coef)])

    def claim_bias(self, embeddings: np.ndarray, embedder: str | None) -> np.ndarray:
        """P(a claim holds a span experts would mark), from its embedding by ``embedder`` (the
        name the embedder describes itself by); the prior for any other embedder."""
        if (embedder != self.claim_embedder or embeddings.ndim != 2 or not len(embeddings)
                or embeddings.shape[1] != len(self.claim_coef)):
            return np.full(len(embeddings), self.claim_prior)
        from sklearn.preprocessing import normalize

        return Logistic(self.claim_coef, self.claim_intercept).proba(normalize(embeddings))

    def reads_words(self, embedder: str | None) -> bool:
        """Whether the word model reads vectors of ``embedder``."""
        return bool(self.word_coef) and embedder == self.claim_embedder

    def word_bias(self, vectors: np.ndarray) -> np.ndarray:
        """P(an expert marks the word) for each row of unit-length word vectors; NaN for a row of
        zeros (a word without a vector)."""
        if not len(vectors) or vectors.shape[1] != len(self.word_coef):
            return np.full(len(vectors), np.nan, dtype=np.float32)
        p = Logistic(self.word_coef, self.word_intercept).proba(vectors)
        return np.where(np.abs(vectors).sum(axis=1) > 0, p, np.nan).astype(np.float32)


@dataclass(frozen=True)
class Candidate:
    """One content word of a claim, with what the model reads of it."""

    claim: Claim
    token: int  # index into claim.tokens
    word: str
    lemma: str
    referent: str | None
    features: tuple[float, ...]
    speaker: str | None = None  # whose words these are, for a word inside quotation marks
    phrase: str | None = None  # the lexicon phrase or coordinated labels it stands in, as written
    in_lexicon_phrase: bool = False  # ``phrase`` is a framing-lexicon phrase: the term is the phrase


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


def is_candidate(word: str, pos: str) -> bool:
    """A content word the model scores: adjective, adverb, verb or noun, alphabetic, 3+ letters."""
    return pos in CONTENT_POS and word.isalpha() and len(word) >= 3


def word_spans(claim: Claim, article_text: str, text: str) -> list[tuple[int, int]]:
    """Where each of ``claim.tokens`` lies in ``text`` (the claim as it was embedded, its
    whitespace collapsed): (start, end), or (-1, -1) for a token the model does not score."""
    out, at = [], 0
    for a, b, _, pos, *_ in claim.tokens:
        word = article_text[a:b]
        k = text.find(word, at) if word else -1
        if k < 0:
            out.append((-1, -1))
            continue
        at = k + len(word)
        out.append((k, at) if is_candidate(word, pos) else (-1, -1))
    return out


QUOTE_RE = re.compile(
    r"“[^“”\n]{1,3000}”"  # curly
    r"|(?<![\w\"])\"(?=\S)[^\"\n]{1,3000}?(?<=\S)\"(?!\w)"  # straight, not an inch mark (5" guns)
    r"|(?<!\w)‘(?:[^‘’\n]|’(?=\w)){1,3000}’(?!\w)"  # single curly, past apostrophes (it’s)
    r"|«[^«»\n]{1,3000}»|„[^„“”\n]{1,3000}[“”]")
# a quotation of this many words or fewer in a sentence nobody is said to speak is the outlet's
# own scare quote ("the "liberation" of the town"), not someone's words
SCARE_WORDS = 3


def quotations(text: str) -> list[tuple[int, int]]:
    """Character ranges of the quotations in an article's text (curly, straight, single curly,
    guillemet and low-high quotation marks, within a paragraph)."""
    return [(m.start(), m.end()) for m in QUOTE_RE.finditer(text)]


def lexicon_spans(claim: Claim, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where the framing lexicon's phrases ("arch foe", "so-called"; each word may inflect:
    "Arch foes", "lashed out") and its neutral set phrases ("ceasefire regime") lie in the
    claim, as article offsets."""
    lex = load_lexicons()
    body = text[claim.start:claim.end]

    def find(phrases) -> list[tuple[int, int]]:  # each word may inflect: "lash out" in "lashed out"
        pats = [r"(?<!\w)" + r"[\s-]+".join(rf"{re.escape(w)}\w*" for w in re.split(r"[\s-]+", ph)) for ph in phrases]
        return [(claim.start + m.start(), claim.start + m.end()) for p in pats
                for m in re.finditer(p, body, re.IGNORECASE)]

    return find(p for p in lex.framing if " " in p or "-" in p), find(lex.neutral)


def coordinated(claim: Claim, k: int, text: str, widest: int = 8) -> str | None:
    """The coordinated nouns token ``k`` is one of, with their modifiers ("foreign mercenaries
    and terrorists"), as written; None when it stands alone or the phrase would run past
    ``widest`` tokens (a clause between the nouns)."""
    toks = claim.tokens
    root = k
    while toks[root][4] == "conj" and 0 <= toks[root][5] != root:
        root = toks[root][5]
    group, grow = {root}, True
    while grow:  # the whole chain: "terrorists, mercenaries and thugs"
        more = {j for j, t in enumerate(toks) if t[4] == "conj" and t[5] in group} - group
        group |= more
        grow = bool(more)
    if len(group) < 2 or any(toks[j][3] not in ("NOUN", "PROPN") for j in group):
        return None
    span = group | {j for j, t in enumerate(toks) if t[5] in group and t[4] in ("amod", "compound")}
    if max(span) - min(span) >= widest:
        return None
    return " ".join(text[toks[min(span)][0]:toks[max(span)][1]].split())


def candidates(claims: Sequence[Claim], texts: dict[str, str], df: Counter, n_docs: int,
               bias: dict[str, float] | None = None, prior: float = 0.5,
               words: dict[str, np.ndarray] | None = None, word_prior: float = 0.5,
               marked: dict[str, np.ndarray] | None = None, token_prior: float = 0.1) -> list[Candidate]:
    """Every content word of ``claims`` (one story) with its features; ``bias`` is each claim's
    P(experts marked a span in it) from the sentence model (``prior`` where missing), ``words``
    each claim's word-model probabilities, one per token (``word_prior`` where missing or NaN),
    ``marked`` the token classifier's (``token_prior`` where missing or NaN). Words of the
    technical vocabulary that the framing lexicon does not list are left out."""
    vader = vader_lexicon()
    lex = load_lexicons()
    framing, technical = lex.framing, lex.technical
    quotes = {a: quotations(texts[a]) for a in {c.article for c in claims}}
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
        wp = (words or {}).get(c.id)
        tp = (marked or {}).get(c.id)
        inside = [(s0, e0) for s0, e0 in quotes[c.article] if s0 < c.end and e0 > c.start
                  and (c.speaker or len(text[s0:e0].split()) > SCARE_WORDS)]
        phrases, neutral = lexicon_spans(c, text)
        for k, (a, b, lemma, pos, dep, _) in enumerate(c.tokens):
            word = text[a:b]
            if not is_candidate(word, pos):
                continue
            low = word.lower()
            if (lemma in technical or low in technical) and lemma not in framing and low not in framing:
                continue
            in_quote = any(s0 < a and b < e0 for s0, e0 in inside)
            in_phrase = next((text[s0:e0] for s0, e0 in phrases if s0 <= a and b <= e0), None)
            listed = (in_phrase is not None or lemma in framing or low in framing) and not any(
                s0 <= a and b <= e0 for s0, e0 in neutral)
            val = vader.get(low, vader.get(lemma))
            ref = refs.get((c.id, k))
            # a label no other outlet gives this referent, which another outlet does name
            own = ref is not None and any(_key(ref) in named[o] for o in others) and not any(
                lemma in labels.get((o, _key(ref)), ()) for o in others)
            f = (
                abs(val) / 4.0 if val is not None else 0.0,
                1.0 if val is not None else 0.0,
                1.0 if listed else 0.0,
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
                1.0 if in_quote else 0.0,
                float(tp[k]) if tp is not None and k < len(tp) and not np.isnan(tp[k]) else token_prior,
                (bias or {}).get(c.id, prior),
                float(wp[k]) if wp is not None and k < len(wp) and not np.isnan(wp[k]) else word_prior,
            )
            out.append(Candidate(c, k, low, lemma, ref, f, (c.speaker or "someone quoted") if in_quote else None,
                                 " ".join(in_phrase.split()) if in_phrase else coordinated(c, k, text),
                                 in_phrase is not None))
    return out


def align(a: Claim, va: np.ndarray, b: Claim, vb: np.ndarray) -> dict[int, tuple[int, float]]:
    """Word alignment of two tellings of one fact: token index in ``a`` -> (token index in
    ``b``, cosine) for mutual best matches among the scored words (rows of unit-length word
    vectors, zeros for a word the model does not score) at :data:`ALIGN_MIN` or more."""
    ka = np.flatnonzero(np.abs(va).sum(axis=1) > 0)
    kb = np.flatnonzero(np.abs(vb).sum(axis=1) > 0)
    if not len(ka) or not len(kb):
        return {}
    sim = va[ka].astype(np.float32) @ vb[kb].astype(np.float32).T
    best_b, best_a = sim.argmax(axis=1), sim.argmax(axis=0)
    return {int(ka[i]): (int(kb[j]), float(sim[i, j])) for i, j in enumerate(best_b)
            if best_a[j] == i and sim[i, j] >= ALIGN_MIN}


def substitutions(term: FramingTerm, claims: dict[str, Claim], texts: dict[str, str],
                  fact_of: dict[str, tuple[str, tuple[str, ...]]],
                  vectors: dict[str, np.ndarray]) -> tuple[tuple[str, str, str], ...]:
    """What other outlets say in place of ``term`` in the facts it occurs in: (outlet, word, fact)
    for each aligned word of another outlet's telling that is a different lemma of the same part
    of speech, a noun, verb or adjective (not one lemma grown from the other: "world" / "worldview"), and that neither
    telling shares with the other. ``fact_of``: claim id -> (fact id,
    its claim ids) for facts told by two outlets or more."""
    out: dict[tuple[str, str], str] = {}
    for cid in term.claims:
        if cid not in fact_of or cid not in vectors:
            continue
        a = claims[cid]
        body = texts[a.article]
        k = next((k for k, t in enumerate(a.tokens) if body[t[0]:t[1]].lower() == term.term), None)
        if k is None:
            continue
        fact, members = fact_of[cid]
        for other in members:
            b = claims[other]
            if b.outlet == a.outlet or other not in vectors:
                continue
            hit = align(a, vectors[cid], b, vectors[other]).get(k)
            if hit is None:
                continue
            tb, la = b.tokens[hit[0]], a.tokens[k][2]
            grown = tb[2].startswith(la) or la.startswith(tb[2])  # "attack" / "attacker"
            if (tb[3] != a.tokens[k][3] or tb[3] not in SWAP_POS or grown
                    or tb[2] in {t[2] for t in a.tokens} or la in {t[2] for t in b.tokens}):
                continue
            out.setdefault((b.outlet, texts[b.article][tb[0]:tb[1]].lower()), fact)
    return tuple(sorted((o, w, f) for (o, w), f in out.items()))


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
    bits = [f"in “{cand.phrase}”"] if cand.phrase and not cand.in_lexicon_phrase else []
    val = vader_lexicon().get(cand.word, vader_lexicon().get(cand.lemma))
    if val is not None:
        bits.append(f"charged in the VADER lexicon ({val:+.1f} on -4..4)")
    if f["lexicon"]:
        framing = load_lexicons().framing
        said = re.split(r"[\s-]+", cand.phrase.lower()) if cand.in_lexicon_phrase and cand.phrase else []
        frame = framing.get(cand.lemma) or framing.get(cand.word) or next(
            (v for k, v in framing.items() if len(ks := re.split(r"[\s-]+", k)) == len(said) > 1
             and all(w.startswith(x) for x, w in zip(ks, said, strict=True))), "")
        bits.append(f"in the framing lexicon ({frame})")
    if cand.referent:
        bits.append(f"a label for {cand.referent}"
                    + (" that no other outlet of the story gives it" if f["label_own"] else ""))
    if f["distinctive"] > 0.3:
        bits.append(f"distinctive of {cand.claim.outlet} in this story (log-odds z {f['distinctive'] * 5:.1f})")
    if f["shared"] == 0.0:  # a story one outlet tells alone gets SHARED_PRIOR, never 0
        bits.append("no other outlet of the story uses it")
    if cand.speaker:
        bits.append(f"inside quotation marks: the words of {cand.speaker}, not the outlet's")
    elif f["quoted"]:
        bits.append("in a sentence reporting what someone said")
    if f["token_bias"] >= 0.5:
        bits.append(f"the kind of word experts mark as loaded (loaded-word model P {f['token_bias']:.2f})")
    if f["word_bias"] >= 0.8:
        bits.append(f"reads as loaded where it stands (word model P {f['word_bias']:.2f})")
    if f["claim_bias"] >= 0.6:
        bits.append(f"in a sentence that reads as slanted (P {f['claim_bias']:.2f})")
    return "; ".join(bits + [f"P(loaded) {p:.2f}"])


class FramingProfiler:
    """Claims of one story -> {outlet: [FramingTerm]} (the story's framing profile)."""

    def __init__(self, model: TermModel | None = None, threshold: float | None = None, tokens=None):
        self.model = model
        self.threshold = threshold
        self._tokens = tokens  # a compare.loaded.TokenModel; the bundled one by default

    def tokens(self):
        """The loaded-word token classifier, or None when its files are not installed."""
        if self._tokens is None:
            from .loaded import TokenModel

            self._tokens = TokenModel()
        return self._tokens if self._tokens.available() else None

    def _model(self) -> TermModel:
        if self.model is None:
            self.model = TermModel.load()
        return self.model

    def describe(self) -> dict:
        m = self._model()
        tokens = self.tokens()
        return {"framing_threshold": self._cut(m), "framing_token_gate": m.token_gate,
                "loaded_words": tokens.digest() if tokens is not None else None} | (
            {"framing_fallback_threshold": self._cut(m.fallback)} if m.fallback is not None else {})

    def _cut(self, model: TermModel) -> float:
        return self.threshold if self.threshold is not None else model.threshold

    def claim_bias(self, embeddings: np.ndarray, embedder: str | None) -> np.ndarray:
        return self._model().claim_bias(np.asarray(embeddings), embedder)

    def scorer(self, words: dict | None) -> TermModel:
        """The model that scores a story: the full one, or its fallback when the claims come
        without word vectors (``words`` None)."""
        m = self._model()
        return m.fallback if words is None and m.fallback is not None else m

    def score(self, cands: Sequence[Candidate], model: TermModel | None = None) -> np.ndarray:
        if not cands:
            return np.zeros(0)
        return (model or self._model()).proba(np.array([c.features for c in cands]))

    def reads_words(self, embedder: str | None) -> bool:
        return self._model().reads_words(embedder)

    def word_bias(self, vectors: np.ndarray) -> np.ndarray:
        return self._model().word_bias(vectors)

    def words_digest(self) -> str:
        """What the word scores depend on besides the text: the word model's numbers (a model
        passed in, not the shipped file, gets its own cache keys)."""
        import hashlib

        m = self._model()
        return hashlib.sha256(json.dumps([m.word_coef, m.word_intercept]).encode()).hexdigest()

    def profile(self, claims: Sequence[Claim], texts: dict[str, str], df: Counter, n_docs: int,
                bias: dict[str, float] | None = None,
                words: dict[str, np.ndarray] | None = None,
                marked: dict[str, np.ndarray] | None = None) -> dict[str, tuple[FramingTerm, ...]]:
        """The story's profile in one call (:meth:`read`, then :meth:`terms`). ``bias``: each
        claim's sentence-model probability (:meth:`TermModel.claim_bias`), ``words`` its words'
        word-model probabilities (:meth:`TermModel.word_bias`), ``marked`` the loaded-word
        model's (compare/loaded.py); the model's priors where they are missing."""
        return self.terms(self.read(claims, texts, df, n_docs, bias, words), words, marked)

    def read(self, claims: Sequence[Claim], texts: dict[str, str], df: Counter, n_docs: int,
             bias: dict[str, float] | None = None,
             words: dict[str, np.ndarray] | None = None) -> list[Candidate]:
        """Every content word of one story's claims with its features, the loaded-word model's
        prior in its place (see :meth:`to_read` and :meth:`terms`)."""
        m = self._model()
        return candidates(claims, texts, df, n_docs, bias, m.claim_prior, words, m.word_prior, None, m.token_prior)

    def to_read(self, cands: Sequence[Candidate], words: dict | None) -> set[str]:
        """The claims the loaded-word model must read: those with a word the term model scores at
        its gate or more before that model has read it (its pass costs as much as the
        embedding's; each model's gate was chosen on basil-dev to keep recall, see the model
        card). A cut set by hand moves the gate with it."""
        use = self.scorer(words)
        if use.token_gate <= 0:
            return {c.claim.id for c in cands}
        gate = use.token_gate + self._cut(use) - use.threshold
        return {c.claim.id for c, p in zip(cands, self.score(cands, use), strict=True) if p >= gate}

    def scored(self, cands: Sequence[Candidate], words: dict | None,
               marked: dict[str, np.ndarray] | None) -> tuple[list[Candidate], np.ndarray]:
        """The candidates with the loaded-word model's scores from ``marked`` where it has one,
        and each one's P(loaded)."""
        col = FRAMING_FEATURES.index("token_bias")
        cands = [replace(c, features=c.features[:col] + (float(q),) + c.features[col + 1:])
                 if marked and (w := marked.get(c.claim.id)) is not None and c.token < len(w)
                 and not np.isnan(q := w[c.token]) else c for c in cands]
        return cands, self.score(cands, self.scorer(words))

    def terms(self, cands: Sequence[Candidate], words: dict | None,
              marked: dict[str, np.ndarray] | None = None) -> dict[str, tuple[FramingTerm, ...]]:
        """The profile from :meth:`read`'s candidates, each word's loaded-word score taken from
        ``marked`` where it has one. Each outlet's own words come first, most loaded first, then
        the words of the people it quotes."""
        use = self.scorer(words)
        cut = self._cut(use)
        # the lexicon's words from their own cut, kept as far below the cut as the model's is
        low = cut - (use.threshold - use.lexicon_threshold) if use.lexicon_threshold is not None else cut
        col = FRAMING_FEATURES.index("lexicon")
        cands, probs = self.scored(cands, words, marked)
        found: dict[tuple[str, str, str | None], list] = {}
        for cand, p in zip(cands, probs, strict=True):
            if p >= cut or (cand.features[col] and p >= low):
                word = cand.phrase.lower() if cand.in_lexicon_phrase and cand.phrase else cand.word
                key = (cand.claim.outlet, word, cand.speaker)
                entry = found.setdefault(key, [cand, float(p), []])
                if float(p) > entry[1]:
                    entry[0], entry[1] = cand, float(p)
                if cand.claim.id not in entry[2]:
                    entry[2].append(cand.claim.id)
        out: dict[str, list[FramingTerm]] = {}
        for (outlet, word, speaker), (cand, p, ids) in sorted(
                found.items(), key=lambda kv: (kv[0][0], kv[0][2] is not None, -kv[1][1], kv[0][1], kv[0][2] or "")):
            out.setdefault(outlet, []).append(FramingTerm(
                term=word, kind="label" if cand.referent else "loaded", referent=cand.referent,
                claims=tuple(ids), why=_why(cand, p), score=round(p, 3), speaker=speaker))
        return {o: tuple(ts) for o, ts in sorted(out.items())}

    def contrast(self, framing: tuple[tuple[str, tuple[FramingTerm, ...]], ...], claims: dict[str, Claim],
                 texts: dict[str, str], fact_of: dict[str, tuple[str, tuple[str, ...]]],
                 vectors: dict[str, np.ndarray]) -> tuple[tuple[str, tuple[FramingTerm, ...]], ...]:
        """The profile with each loaded term that another outlet's telling of the same fact puts
        another word in place of turned into a ``substitution`` naming those words (see
        :func:`substitutions`). Labels stay labels. No new term is added: a substitution is
        shown only where the outlet's word is itself flagged."""
        out = []
        for outlet, terms in framing:
            kept = []
            for t in terms:
                instead = substitutions(t, claims, texts, fact_of, vectors) if t.kind == "loaded" else ()
                if instead:
                    said = "; ".join(f"{o} says \"{w}\" ({f})" for o, w, f in instead)
                    t = replace(t, kind="substitution", instead=instead, why=f"where {said}; {t.why}")
                kept.append(t)
            out.append((outlet, tuple(kept)))
        return tuple(out)


# usages of a name that take no side (compare/data/names.toml): a name of one of these is the
# common ground other outlets' names are compared against, never a naming term by itself
NEUTRAL_USAGES = frozenset({"international usage", "state name", "official phrasing", "capital for the state"})


def _takes_side(usage: str) -> bool:
    return usage not in NEUTRAL_USAGES and "international" not in usage


def names_in(claim: Claim, variants: Sequence[tuple[str, object]], text: str | None = None) -> dict[str, list[str]]:
    """referent id -> the names a claim gives it in its outlet's own voice, each referent read
    on its own ("Khankendi" in "the Lachin-Khankendi road" names the town as well as the road);
    within one referent the longest name claims its words first ("Karabakh" inside
    "Nagorno-Karabakh" is not a name of its own). ``text``: the article, whose quotations
    (the speaker's names, not the outlet's) are left out."""
    body = text if text is not None else claim.text
    lo, hi = (claim.start, claim.end) if text is not None else (0, len(body))
    quoted = [(a, b) for a, b in quotations(body) if a < hi and b > lo]
    out: dict[str, list[str]] = {}
    taken: dict[str, list[tuple[int, int]]] = {}
    for variant, ref in variants:  # longest first
        if ref.metonymy:
            continue
        for m in re.compile(rf"(?<![\w]){re.escape(variant)}(?![\w])").finditer(body, lo, hi):
            if any(a < m.end() and m.start() < b for a, b in taken.get(ref.id, [])):
                continue
            taken.setdefault(ref.id, []).append((m.start(), m.end()))
            if any(a < m.start() and m.end() < b for a, b in quoted):
                continue
            if variant not in out.setdefault(ref.id, []):
                out[ref.id].append(variant)
    return {r: v for r, v in out.items() if v}


def thread_names(thread: Sequence[Claim], texts: dict[str, str] | None = None
                 ) -> dict[str, dict[str, dict[str, list[str]]]]:
    """outlet -> referent id -> name -> the claims of the thread that give the referent that
    name in the outlet's own voice (see :func:`names_in`)."""
    lex = load_lexicons()
    out: dict[str, dict[str, dict[str, list[str]]]] = {}
    for c in thread:
        body = texts.get(c.article) if texts else None
        for rid, found in names_in(c, lex.variants, body).items():
            for name in found:
                out.setdefault(c.outlet, {}).setdefault(rid, {}).setdefault(name, []).append(c.id)
    return out


def naming_terms(claims: Sequence[Claim], thread: Sequence[Claim],
                 texts: dict[str, str] | None = None,
                 scanned: dict[str, dict[str, dict[str, list[str]]]] | None = None) -> dict[str, list[FramingTerm]]:
    """Each outlet's names for the gazetteer's referents (compare/data/names.toml) that take a
    side: across the thread the outlet writes, in its own voice, names of one usage only for the
    referent, and that usage is one side's. One term per outlet and referent, its most written
    name first; it lists the names the thread's other outlets give the referent and the
    gazetteer's names of the other usages, so the reader sees both sides' names. ``texts``
    (the articles) leave out names inside quotation marks; ``scanned`` is the thread already
    read by :func:`thread_names` (read once for all its stories)."""
    refs = {r.id: r for r in load_lexicons().referents}
    by_outlet = scanned if scanned is not None else thread_names(thread, texts)
    in_story = {c.id for c in claims}
    out: dict[str, list[FramingTerm]] = {}
    for outlet in sorted({c.outlet for c in claims}):
        for rid, names in sorted(by_outlet.get(outlet, {}).items()):
            ref = refs[rid]
            usages = {ref.variants[n] for n in names}
            ids = tuple(dict.fromkeys(i for n in sorted(names) for i in names[n] if i in in_story))
            if len(usages) != 1 or not _takes_side(usage := next(iter(usages))) or not ids:
                continue
            written = sorted(names, key=lambda n: (-len(names[n]), n))
            writers: dict[str, list[str]] = {}
            for o, refs_of in sorted(by_outlet.items()):
                for n in refs_of.get(rid, {}) if o != outlet else ():
                    if ref.variants[n] != usage:
                        writers.setdefault(n, []).append(o)
            others = tuple((o, n, "") for n, os in sorted(writers.items()) for o in os)
            gazetteer = tuple(("", n, u) for n, u in sorted(ref.variants.items())
                              if u != usage and n not in writers and n not in names)
            said = "; ".join(f"{and_join(os)} {'writes' if len(os) == 1 else 'write'} \"{n}\""
                             for n, os in sorted(writers.items()))
            also = "; ".join(f"\"{n}\" ({u})" for _, n, u in gazetteer)
            why = (f"the {usage} for the {ref.label}"
                   + (f" (it also writes {', '.join(repr(n) for n in written[1:])})" if len(written) > 1 else "")
                   + (f", where {said}" if said else "") + (f"; also called {also}" if also else ""))
            out.setdefault(outlet, []).append(FramingTerm(
                term=written[0], kind="naming", referent=ref.label, claims=ids, why=why, instead=others + gazetteer))
    return out


def merged(profile: dict[str, tuple[FramingTerm, ...]], extra: dict[str, list[FramingTerm]]
           ) -> dict[str, tuple[FramingTerm, ...]]:
    """A story's profile with terms found elsewhere (naming terms, the facts' wording and naming
    signals) added where the outlet's profile lacks them (by word and speaker; a term it has
    gains their sentences); the outlet's own words first, names next, the words of people
    quoted last."""
    out = {o: list(ts) for o, ts in profile.items()}
    for outlet, terms in extra.items():
        have = {(t.term.lower(), t.speaker): k for k, t in enumerate(out.get(outlet, []))}
        for t in terms:
            k = have.get((t.term.lower(), t.speaker))
            if k is None:
                have[(t.term.lower(), t.speaker)] = len(out.setdefault(outlet, []))
                out[outlet].append(t)
            else:  # the same word again (another fact): its sentences join the term's
                old = out[outlet][k]
                out[outlet][k] = replace(old, claims=tuple(dict.fromkeys(old.claims + t.claims)))
    return {o: tuple(sorted(ts, key=lambda t: (t.speaker is not None, t.kind == "naming", -t.score)))
            for o, ts in sorted(out.items())}


def with_fact_terms(stories, clusters, claims: dict[str, Claim], texts: dict[str, str]) -> list:
    """The stories with each term a fact's wording or naming signal names for an outlet added to
    that outlet's profile where it is missing, so that a word named in a fact is in its outlet's
    profile: a framing-lexicon word as the outlet wrote it, and a gazetteer name that takes a
    side, each only where the outlet writes it in its own voice (not inside quotation marks).
    The term's sentences are the outlet's claims of the fact that hold it."""
    lex = load_lexicons()
    usage = {v: ref for v, ref in lex.variants}
    extra: dict[str, dict[str, list[FramingTerm]]] = {}
    for cl in clusters:
        for sig in cl.signals:
            if sig.kind not in ("wording", "naming"):
                continue
            for outlet, words in sig.terms.items():
                mine = [claims[c] for c in cl.claims if c in claims and claims[c].outlet == outlet]
                for w in words:
                    if sig.kind == "wording" and w in lex.framing:
                        found = _own_words(mine, texts, w)
                        why = f"in the framing lexicon ({lex.framing[w]}); another outlet tells fact {cl.id} without it"
                        terms = [FramingTerm(term=said, kind="loaded", referent=None, claims=ids, why=why)
                                 for said, ids in found.items()]
                    elif sig.kind == "naming" and w in usage and _takes_side(usage[w].variants[w]):
                        ref = usage[w]
                        ids = tuple(c.id for c in mine
                                    if w in names_in(c, lex.variants, texts.get(c.article)).get(ref.id, ()))
                        why = f"the {ref.variants[w]} for the {ref.label}; named in fact {cl.id}: {sig.detail}"
                        terms = [FramingTerm(term=w, kind="naming", referent=ref.label, claims=ids, why=why)
                                 ] if ids else []
                    else:
                        continue  # a profile term already, a distinctive word, or a name no side owns
                    extra.setdefault(cl.story, {}).setdefault(outlet, []).extend(terms)
    return [replace(s, framing=tuple(merged(dict(s.framing), extra[s.id]).items())) if s.id in extra else s
            for s in stories]


def _own_words(mine: Sequence[Claim], texts: dict[str, str], entry: str) -> dict[str, tuple[str, ...]]:
    """Where the outlet writes a framing-lexicon entry (a lemma: "liberate" as "liberated", or a
    phrase) outside quotation marks: the words as written, lower-case -> the claims."""
    out: dict[str, list[str]] = {}
    for c in mine:
        text = texts[c.article]
        quoted = quotations(text)
        if " " in entry or "-" in entry:
            pat = re.compile(r"(?<!\w)" + r"\W+".join(rf"{re.escape(w)}\w*" for w in re.split(r"[\s-]+", entry)),
                             re.IGNORECASE)
            hits = [(m.start(), m.end()) for m in pat.finditer(text, c.start, c.end)]
        else:
            hits = [(a, b) for a, b, lem, *_ in c.tokens if lem == entry or text[a:b].lower() == entry]
        for a, b in hits:
            if not any(s0 < a and b < e0 for s0, e0 in quoted):
                ids = out.setdefault(" ".join(text[a:b].lower().split()), [])
                if c.id not in ids:
                    ids.append(c.id)
    return {w: tuple(ids) for w, ids in out.items()}
