"""A fact's title: what it is about in a few words, taking no outlet's side. The names and key
nouns that two or more outlets' tellings share, never a word a signal marks as one outlet's
framing, with the day it happened; a plain telling cut short when they share too little."""

from __future__ import annotations

import re

from ..schema import ENTITY_LABELS, Claim
from .phrases import GUESSED, trim
from .view import Fact

TITLE_WORDS = 10  # a title cut from a sentence keeps this many words
TITLE_BUDGET = 12  # a title of shared words keeps names and nouns up to this many words
KEY_POS = frozenset({"NOUN", "PROPN"})
FRAMED = frozenset({"wording", "naming", "agency", "attribution"})  # signals whose words take a side


def _names(c: Claim) -> set[str]:
    """The claim's named entities (people, places, organisations, events), lower-cased."""
    out = set()
    for e in c.entities:
        label, _, name = e.rpartition(":")
        if name and (not label or label in ENTITY_LABELS):
            out.add(name.lower())
    return out


def _nouns(c: Claim) -> set[str]:
    """The claim's key words: noun and proper-noun lemmas from its parse; its content lemmas
    when it has no parse; its words but stop words when it has neither (a hand-made claim)."""
    if c.tokens:
        return {lem for _, _, lem, pos, _, _ in c.tokens if pos in KEY_POS and lem.isalpha()}
    if c.lemmas:
        return set(c.lemmas)
    from spacy.lang.en.stop_words import STOP_WORDS

    return {w for _, _, w, _ in _words(c) if w.isalpha() and len(w) > 1 and w not in STOP_WORDS}


def _framed(f: Fact) -> set[str]:
    """The words some outlet's telling is marked for (loaded words, names, actors): a title
    that used one would take that outlet's side."""
    return {w.lower() for s in f.signals if s.kind in FRAMED for ws in s.terms.values() for t in ws
            if not t.startswith("(") for w in t.split()}


def _drop(words: set[str], framed: set[str]) -> set[str]:
    return {w for w in words if not any(w == t or (len(t) > 3 and w.startswith(t.rstrip("ey"))) for t in framed)}


def _shared(claims: list[Claim], of) -> set[str]:
    """What at least two outlets' claims hold."""
    seen: dict[str, set[str]] = {}
    for c in claims:
        for w in of(c):
            seen.setdefault(w, set()).add(c.outlet)
    return {w for w, outlets in seen.items() if len(outlets) >= 2}


def _words(c: Claim) -> list[tuple[int, int, str, bool]]:
    """(start, end, lemma, key) of each word of the claim, offsets in the claim's text."""
    if c.tokens:
        return [(a - c.start, b - c.start, lem, pos in KEY_POS) for a, b, lem, pos, _, _ in c.tokens]
    return [(m.start(), m.end(), m.group(0).lower(), True) for m in re.finditer(r"\w[\w'’-]*", c.text)]


def _phrases(c: Claim, names: set[str], nouns: set[str]) -> list[str]:
    """The shared names and key words of ``c`` in its word order, neighbours joined into one phrase."""
    low = c.text.lower()
    spans = [(i, i + len(n)) for n in names for i in [low.find(n)] if i >= 0]
    kept: list[list[tuple[int, int]]] = []
    last = -2
    for k, (a, b, lem, key) in enumerate(_words(c)):
        in_name = any(x <= a and b <= y for x, y in spans)
        noun = key and (lem in nouns or lem.rstrip("s") in nouns)
        if not (in_name or noun):
            continue
        if k == last + 1 and kept:
            kept[-1].append((a, b))
        else:
            kept.append([(a, b)])
        last = k
    out: list[str] = []
    for run in kept:
        phrase = " ".join(c.text[run[0][0]:run[-1][1]].split())
        words = sum(len(p.split()) for p in out) + len(phrase.split())
        if words <= TITLE_BUDGET and not any(phrase.lower() in p.lower() for p in out):
            out.append(phrase)
    return out


def _title_date(f: Fact) -> str:
    """The day the fact happened, marked when every mention of it leaves the year a guess."""
    day = f.cluster.event_date
    if not day:
        return ""
    said = [m for t in f.tellings for m in t.claim.when if m.value == day]
    return f"{day} {GUESSED}" if said and all(m.guessed for m in said) else day


def fact_title(f: Fact) -> str:
    """What a fact is about, in a few words and without any one outlet's framing: the names and
    key nouns two or more outlets' claims share, in the order of the claim sharing most, with
    the fact's date; the shortest claim cut to ``TITLE_WORDS`` words when they share too little."""
    claims = [t.claim for t in f.tellings]
    framed = _framed(f)
    names, nouns = _drop(_shared(claims, _names), framed), _drop(_shared(claims, _nouns), framed)
    best: list[str] = []
    if names or nouns:
        ranked = sorted(claims, key=lambda c: (-len(_phrases(c, names, nouns)), len(c.text), c.id))
        best = _phrases(ranked[0], names, nouns)
    if sum(len(p.split()) for p in best) >= 2:
        title = ", ".join(best)
    else:
        plain = min(f.tellings, key=lambda t: (sum(bool(p.mark) for p in t.pieces), len(t.claim.text.split()),
                                              t.claim.id))
        title = trim(plain.claim.text, TITLE_WORDS).rstrip(".")
    day = _title_date(f)
    title = title[:1].upper() + title[1:]
    return f"{title} — {day}" if day else title
