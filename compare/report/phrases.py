"""Phrases the views share: a date with the words it came from, a shared copy, a conflict's
sides, and how many independent sources stand behind a fact."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence

from ..copies import and_join, sources
from ..schema import Article, Claim, Cluster, Copy, DateMention, Signal

# what a conflict signal's ``about`` is, in a reader's words
ABOUT = {
    "date": "the date",
    "year": "the year",
    "number": "the number",
    "actor": "who did it",
    "event": "what happened",
    "contradiction": "whether it happened",
}
GUESSED = "(year guessed)"


def date_text(m: DateMention) -> str | None:
    """'2023-05-26 (year guessed) (from “on Friday”)'; None when the mention was too vague to place."""
    if m.value is None:
        return None
    if m.value.startswith("--"):  # a day and month whose year nothing settles
        out = f"{int(m.value[5:7])} {calendar.month_name[int(m.value[2:4])]}, year not known"
    else:
        out = f"{m.value} {GUESSED}" if m.guessed else m.value
    words = " ".join(m.text.split())
    return out if not words or words == m.value else f"{out} (from “{words}”)"


def claim_dates(c: Claim) -> list[str]:
    """The claim's dates as shown on a card: each placed mention with its words, else ``dates``."""
    shown = list(dict.fromkeys(t for m in c.when if (t := date_text(m))))
    return shown or list(c.dates)


def article_date(a: Article) -> str:
    """The article's date, marked when its year is a guess; '' when it has none."""
    if not a.date:
        return "no year given" if a.date_guessed else ""
    return f"{a.date} {GUESSED}" if a.date_guessed else a.date


def about(s: Signal) -> str:
    """What a conflict is about, in words ('the date'); the signal kind when it names nothing."""
    return ABOUT.get(s.about, s.about or s.kind)


def trim(text: str, words: int | None = None) -> str:
    """``text`` on one line, cut after ``words`` words (None: whole)."""
    w = text.split()
    return " ".join(w) if words is None or len(w) <= words else " ".join(w[:words]).rstrip(",;:") + " …"


def sides_text(s: Signal, words: int | None = None, own_words: bool = False) -> str:
    """'TASS says “12 people”, The Moscow Times says “31 people”' (each side cut after ``words``
    words; with ``own_words``, the conflicting words the detector names where it names them);
    the outlets when no side is quoted."""
    if not s.sides:
        return and_join(s.outlets)

    def said(o: str, t: str) -> str:
        named = next((w for w in s.terms.get(o, []) if w), "") if own_words else ""
        return named or trim(t, words)
    return ", ".join(f"{o} says “{said(o, t)}”" for o, _, t in s.sides)


def conflicts(signals: Sequence[Signal]) -> list[Signal]:
    return [s for s in signals if s.kind == "conflict"]


def _conflict_key(s: Signal) -> frozenset:
    return frozenset(k for _, k, _ in s.sides) or frozenset((s.about, *s.outlets))


def contested_once(clusters: Iterable[Cluster]) -> list[Cluster]:
    """The contested facts, each conflict once: a fact whose every conflict an earlier fact
    already holds (the same sides, seen from the other side's fact) is left out."""
    seen: set[frozenset] = set()
    out = []
    for c in clusters:
        keys = {_conflict_key(s) for s in conflicts(c.signals)}
        if keys and not keys <= seen:
            out.append(c)
        seen |= keys
    return out


Group = tuple[tuple[str, ...], Copy]  # outlets of a fact that run one copy, and the copy


def shared_copies(cluster: Cluster, claims: Sequence[Claim], copies: Sequence[Copy]) -> list[Group]:
    """The fact's outlets whose tellings are sentences of one shared copy, each group with its copy
    (a copy that lists no sentences: the tellings from its articles)."""
    ids = set(cluster.claims)
    out = []
    for k in copies:
        if any(k.claims):
            who = [o for o, cs in zip(k.outlets, k.claims, strict=False) if ids & set(cs)]
        else:
            who = [c.outlet for c in claims if c.article in k.articles]
        who = [o for o in dict.fromkeys(who) if o in cluster.outlets]
        if len(who) >= 2:
            out.append((tuple(who), k))
    return out


def independent(cluster: Cluster, copies: Sequence[Copy]) -> int:
    """Independent sources of a fact: ``Cluster.sources`` where the pipeline counted them, else
    its outlets with those running one copy counted once."""
    return cluster.sources if cluster.sources is not None else sources(cluster.outlets, cluster.claims, copies)


def copy_phrase(who: Sequence[str], k: Copy) -> str:
    """'X and Y run the same AFP copy'."""
    agency = f"the same {k.agency} copy" if k.agency else "the same copy, from an agency " + (
        "neither names" if len(who) == 2 else "none of them names")
    return f"{and_join(who)} run {agency}"


def sourcing(cluster: Cluster, claims: Sequence[Claim], copies: Sequence[Copy]) -> tuple[int, str]:
    """(independent sources, a line saying which outlets share a copy; '' when none does)."""
    groups = shared_copies(cluster, claims, copies)
    n = independent(cluster, copies)
    if len(cluster.outlets) < 2:
        return n, ""
    if n < 2:
        said = "; ".join(copy_phrase(who, k) for who, k in groups) or f"{and_join(cluster.outlets)} run one shared copy"
        return n, f"One source: {said}."
    if groups:
        return n, f"{n} independent sources: {'; '.join(copy_phrase(who, k) for who, k in groups)} (counted once)."
    return n, ""
