"""Conflicts inside a fact: two outlets' versions that cannot both be right as written.

Each detector compares one pair of claims from different outlets (two claims of one fact, or
a fact's claim and its related version) on something comparable, and says what conflicts:

- ``date``: days or months of the fact that cannot be one time;
- ``year``: the one year each version gives the fact, when they differ (1988 / 1991);
- ``number``: figures that count the same thing and disagree;
- ``actor``: the same action done by a different named actor;
- ``event``: one outlet calls the event what another does not (a ceasefire / a peace deal);
- ``contradiction``: one version denies what the other reports, or the pair model reads them
  as contradicting.

Every conflict becomes one ``Signal(kind="conflict")`` quoting both sides. A fact with a
conflict is contested: never "agree", never corroborated.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .claims import load_lexicon
from .dates import YEAR_RE
from .schema import Claim, DateMention, Signal

# a relative date ("on Thursday") read one day off another outlet's is the publication lag
# between a wire's dateline and a later article, not a conflict
RELATIVE_SLACK_DAYS = 1
SPEECH_VERBS = frozenset("say tell state add note claim announce report stress insist warn accuse "
                         "urge call describe confirm deny recall write quote".split())


@dataclass(frozen=True)
class EventKind:
    id: str
    label: str
    terms: tuple[str, ...]


@lru_cache(maxsize=1)
def event_kinds() -> tuple[EventKind, ...]:
    data = tomllib.loads(resources.files("compare.data").joinpath("events.toml").read_text(encoding="utf-8"))
    return tuple(EventKind(k["id"], k["label"], tuple(sorted(k["terms"], key=len, reverse=True)))
                 for k in data["kind"])


def quote(c: Claim, limit: int = 400) -> str:
    text = " ".join(c.text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def _signal(about: str, a: Claim, b: Claim, words_a: str, words_b: str, detail: str) -> Signal:
    return Signal("conflict", tuple(sorted({a.outlet, b.outlet})), {a.outlet: [words_a], b.outlet: [words_b]},
                  detail, about=about, sides=((a.outlet, a.id, quote(a)), (b.outlet, b.id, quote(b))))


# --- dates and years ------------------------------------------------------------------------


def _parts(value: str) -> tuple[str | None, str | None, str | None]:
    if value.startswith("--"):
        return None, value[2:4], value[5:7]
    bits = value.split("-")
    return bits[0], bits[1] if len(bits) > 1 else None, bits[2] if len(bits) > 2 else None


def _mentions(c: Claim) -> list[DateMention]:
    """Dates of a claim precise to the month or day (a guessed year reads as no year)."""
    out = []
    for m in c.when:
        if not m.value or m.value.endswith("x"):
            continue
        y, mo, d = _parts(m.value)
        if mo is None:
            continue
        out.append(m if not m.guessed else DateMention(m.text, m.start, m.end, f"--{mo}-{d}" if d else None,
                                                       m.basis, True))
    return [m for m in out if m.value]


LAST_WEEKDAY = re.compile(r"\blast\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)


def _compatible(a: DateMention, b: DateMention) -> bool:
    """Two dates that can be one time: equal where both are precise, or a relative date one day
    off the other (the publication lag), or "last Friday" a week off (the Friday of this week
    or of the week before: English allows both)."""
    import datetime as dt

    pa, pb = _parts(a.value), _parts(b.value)
    if all(x is None or y is None or x == y for x, y in zip(pa, pb, strict=True)):
        return True
    if pa[2] is None or pb[2] is None or pa[1:] == pb[1:]:
        return False
    both = pa[0] is not None and pb[0] is not None  # without a year, compare in one (leap) year
    da = dt.date(int(pa[0]) if both else 2000, int(pa[1]), int(pa[2]))
    db = dt.date(int(pb[0]) if both else 2000, int(pb[1]), int(pb[2]))
    gap = abs((da - db).days)
    if not both:
        gap = min(gap, 366 - gap)
    relative = any(m.basis != "as written" for m in (a, b))
    last = any(LAST_WEEKDAY.search(m.text) for m in (a, b))
    return (relative and gap <= RELATIVE_SLACK_DAYS) or (last and gap == 7)


def date_conflict(a: Claim, b: Claim) -> Signal | None:
    da, db = _mentions(a), _mentions(b)
    if not da or not db or any(_compatible(x, y) for x in da for y in db):
        return None
    x, y = da[0], db[0]
    return _signal("date", a, b, f"{x.text} ({x.value})", f"{y.text} ({y.value})",
                   f"{a.outlet} dates it {x.value} (\u201c{x.text}\u201d), "
                   f"{b.outlet} {y.value} (\u201c{y.text}\u201d).")


def _years(c: Claim) -> dict[str, DateMention]:
    """The years a claim writes out ("in 1991", "February 1988"); a year a relative date
    ("on Thursday") was given is the article's, not the claim's."""
    out = {}
    for m in c.when:
        if m.value and not m.guessed and m.value[:4].isdigit() and YEAR_RE.search(m.text):
            out.setdefault(m.value[:4], m)
    return out


def year_conflict(a: Claim, b: Claim) -> Signal | None:
    """Each version gives the fact one year, and they differ (a claim naming two years tells
    a span or two events: not comparable)."""
    ya, yb = _years(a), _years(b)
    if len(ya) != 1 or len(yb) != 1 or set(ya) == set(yb):
        return None
    (y1, m1), (y2, m2) = next(iter(ya.items())), next(iter(yb.items()))
    return _signal("year", a, b, m1.text, m2.text,
                   f"{a.outlet} gives {y1} (\u201c{m1.text}\u201d), {b.outlet} {y2} (\u201c{m2.text}\u201d).")


# --- numbers --------------------------------------------------------------------------------


def _bounds(q) -> tuple[float, float]:
    if q.qualifier in ("more than", "over", "at least"):
        return q.value, math.inf
    if q.qualifier in ("up to", "less than", "fewer than", "under", "as many as", "nearly", "almost"):
        return 0.0, q.value
    return q.value, q.value


def _numbers_agree(a, b, tolerance: float) -> bool:
    (lo_a, hi_a), (lo_b, hi_b) = _bounds(a), _bounds(b)
    if max(lo_a, lo_b) <= min(hi_a, hi_b):
        return True
    big = max(abs(a.value), abs(b.value)) or 1.0
    return abs(a.value - b.value) / big <= tolerance


def number_conflict(a: Claim, b: Claim, tolerance: float = 0.1) -> Signal | None:
    """Figures that count the same thing (same unit, the same years if any) and disagree."""
    ya, yb = set(_years(a)), set(_years(b))
    if ya and yb and not ya & yb:
        return None  # figures about different periods are different facts
    def alone(q, others) -> bool:  # a figure no figure of the same unit on the other side matches
        same = [o for o in others if o.unit == q.unit]
        return bool(same) and not any(_numbers_agree(q, o, tolerance) for o in same)

    # both sides need a figure the other cannot match: "killed 12 and displaced 300" against
    # "killed 12" is a detail left out, not a disagreement
    for qa in (q for q in a.numbers if alone(q, b.numbers)):
        for qb in (q for q in b.numbers if q.unit == qa.unit and alone(q, a.numbers)):
            return _signal("number", a, b, qa.text, qb.text,
                           f"{a.outlet} says \u201c{qa.text}\u201d, {b.outlet} says \u201c{qb.text}\u201d.")
    return None


# --- who did it -----------------------------------------------------------------------------


def _verb_of_actor(c: Claim) -> str | None:
    """The lemma of the verb whose subject is the claim's actor."""
    if not c.actor:
        return None
    words = {w.lower() for w in re.findall(r"\w+", c.actor)}
    for start, end, _lemma, _pos, dep, head in c.tokens:
        if dep == "nsubj" and c.text[start - c.start:end - c.start].lower() in words and 0 <= head < len(c.tokens):
            return c.tokens[head][2].lower()
    return None


def _same_referent(x: str, y: str) -> bool:
    from .diverge import _one_name, load_lexicons

    if _one_name(x, y):
        return True
    refs = {r.id for v, r in load_lexicons().variants if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", x)}
    return any(re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", y) for v, r in load_lexicons().variants
               if r.id in refs)


def _mentions_name(text: str, actor: str) -> bool:
    """The actor's head name ("Putin" of "Russian President Vladimir Putin") occurs in ``text``."""
    names = re.findall(r"[A-Z][\w-]+", actor)
    return any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text) for w in names[-1:])


def actor_conflict(a: Claim, b: Claim) -> Signal | None:
    """The same action (one verb) done by two different named actors."""
    from .diverge import _named_actor

    xa, xb = _named_actor(a), _named_actor(b)
    if not xa or not xb or a.speaker or b.speaker:
        return None
    va, vb = _verb_of_actor(a), _verb_of_actor(b)
    if not va or va != vb or va in SPEECH_VERBS or _same_referent(xa, xb):
        return None
    if _mentions_name(b.text, xa) or _mentions_name(a.text, xb):
        return None  # both name both: a meeting or a joint act told from the other side
    return _signal("actor", a, b, xa, xb, f"{a.outlet} says {xa} did it ({va}), {b.outlet} says {xb}.")


# --- what the event was ---------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a fact's outlets' whole articles, read once per pair of claims
def event_words(text: str) -> dict[str, str]:
    """kind id -> the first word of that kind in ``text`` (do not mutate: cached)."""
    low = text.lower()
    out: dict[str, str] = {}
    for kind in event_kinds():
        for term in kind.terms:
            m = re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", low)
            if m:
                out[kind.id] = text[m.start():m.end()]
                break
    return out


def event_conflict(a: Claim, b: Claim, texts: dict[str, str] | None = None) -> Signal | None:
    """One outlet calls the event a kind of thing another outlet calls something else, and
    neither uses the other's word for it anywhere in its telling."""
    ka, kb = event_words(a.text), event_words(b.text)
    if not ka or not kb or set(ka) & set(kb):
        return None
    texts = texts or {}
    own_a = event_words(texts.get(a.outlet, a.text))
    own_b = event_words(texts.get(b.outlet, b.text))
    only_a, only_b = set(ka) - set(own_b), set(kb) - set(own_a)
    if not only_a or not only_b:
        return None
    labels = {k.id: k.label for k in event_kinds()}
    x, y = sorted(only_a)[0], sorted(only_b)[0]
    return _signal("event", a, b, ka[x], kb[y],
                   f"{a.outlet} calls it \u201c{ka[x]}\u201d ({labels[x]}), "
                   f"{b.outlet} \u201c{kb[y]}\u201d ({labels[y]}).")


# --- denials --------------------------------------------------------------------------------


def denial_conflict(a: Claim, b: Claim) -> Signal | None:
    """One version reports as denied or not happening the event the other reports."""
    if a.negated == b.negated:
        return None
    neg, pos = (a, b) if a.negated else (b, a)
    verbs = sorted(set(neg.lemmas) & set(pos.lemmas) & load_lexicon().event_verbs)
    if not verbs:
        return None
    return _signal("contradiction", pos, neg, ", ".join(verbs), ", ".join(verbs) + " (denied)",
                   f"{pos.outlet} reports \u2018{', '.join(verbs)}\u2019 as happening; "
                   f"{neg.outlet} reports it denied or not happening.")


def judged_conflict(a: Claim, b: Claim, p: float) -> Signal:
    return _signal("contradiction", a, b, "", "",
                   f"The pair model reads these two as contradicting (probability {p:.2f}).")


DETECTORS = (date_conflict, year_conflict, number_conflict, actor_conflict, denial_conflict)


def conflicts(pairs: Sequence[tuple[Claim, Claim]], texts: dict[str, str] | None = None,
              judged: Sequence[tuple[Claim, Claim, float]] = ()) -> tuple[Signal, ...]:
    """Every kind of conflict found between the claim pairs of different outlets, once per
    kind and pair of outlets; ``judged`` are pairs the pair model read as contradicting."""
    found: dict[tuple[str, tuple[str, ...]], Signal] = {}
    for a, b in sorted(pairs, key=lambda p: (p[0].id, p[1].id)):
        if a.outlet == b.outlet:
            continue
        for detect in DETECTORS:
            s = detect(a, b)
            if s is not None and not (s.about == "year" and ("date", s.outlets) in found):
                found.setdefault((s.about, s.outlets), s)  # a year conflict is in a date one
        s = event_conflict(a, b, texts)
        if s is not None:
            found.setdefault((s.about, s.outlets), s)
    for a, b, p in sorted(judged, key=lambda t: (-t[2], t[0].id, t[1].id)):
        if a.outlet != b.outlet and not any(k[1] == tuple(sorted({a.outlet, b.outlet})) for k in found
                                            if k[0] == "contradiction"):
            s = judged_conflict(a, b, p)
            found.setdefault((s.about, s.outlets), s)
    order = ("contradiction", "event", "actor", "number", "date", "year")
    return tuple(sorted(found.values(), key=lambda s: (order.index(s.about), s.outlets)))
