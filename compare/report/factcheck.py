"""The fact-check view: every checkable claim, who states it, conflicts and the exact words to verify."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import Claim, Report, Signal
from .view import Fact, build_facts, rank, safe_url

CONFLICT_KINDS = ("number", "date", "contradiction")
PRONOUNS = frozenset("i we you he she it they this that these those who which one someone".split())
# straight, curly and guillemet quotations of at least two characters
QUOTE = re.compile(r"\"([^\"]{2,})\"|“([^”]{2,})”|«([^»]{2,})»")


@dataclass(frozen=True)
class Checkable:
    """One claim worth checking and what in it can be checked."""

    claim: Claim
    kinds: tuple[str, ...]  # number, date, quote, action
    quotes: tuple[str, ...]
    url: str | None


def quotes_in(text: str) -> tuple[str, ...]:
    return tuple(" ".join(next(g for g in m.groups() if g).split()) for m in QUOTE.finditer(text))


def named_actor(c: Claim) -> str | None:
    """The claim's actor when it is a name (a proper noun or an entity), not a pronoun or a thing."""
    a = (c.actor or "").strip()
    if not a or a.lower() in PRONOUNS or a.startswith("("):
        return None
    names = [e.split(":", 1)[-1] for e in c.entities]
    return a if c.actor_named or any(n and (n in a or a in n) for n in names) else None


def checkable(c: Claim, url: str | None = None) -> Checkable | None:
    kinds = []
    if c.numbers:
        kinds.append("number")
    if c.dates:
        kinds.append("date")
    quotes = quotes_in(c.text)
    if quotes:
        kinds.append("quote")
    if named_actor(c):
        kinds.append("action")
    return Checkable(c, tuple(kinds), quotes, url) if kinds else None


def _conflicts(f: Fact) -> list[Signal]:
    return [s for s in f.signals if s.kind in CONFLICT_KINDS]


def build_factcheck(report: Report) -> dict:
    """Facts holding checkable claims, in three groups: conflicting, single-source, corroborated."""
    urls = {a.id: safe_url(a.url) for a in report.articles}
    arts = {a.id: a for a in report.articles}
    stories = {s.id: s for s in report.stories}
    groups: dict[str, list[dict]] = {"conflict": [], "single": [], "corroborated": []}
    kinds_count = {"number": 0, "date": 0, "quote": 0, "action": 0}
    total = 0
    for f in rank(build_facts(report)):
        items = [x for t in f.tellings if (x := checkable(t.claim, urls[t.claim.article]))]
        if not items:
            continue
        total += len(items)
        for x in items:
            for k in x.kinds:
                kinds_count[k] += 1
        conflicts = _conflicts(f)
        entry = {"fact": f, "items": items, "conflicts": conflicts,
                 "single": len(f.cluster.outlets) == 1, "outlets": list(f.cluster.outlets),
                 "missing": list(f.cluster.missing),
                 "stories": [stories[s] for s in f.cluster.stories or (f.cluster.story,) if s in stories],
                 "kinds": sorted({k for x in items for k in x.kinds}),
                 "sources": {x.claim.id: arts[x.claim.article] for x in items}}
        key = "conflict" if conflicts else "single" if entry["single"] else "corroborated"
        groups[key].append(entry)
    return {"report": report, "groups": groups, "total": total, "kinds_count": kinds_count,
            "outlets": sorted({a.outlet for a in report.articles})}
