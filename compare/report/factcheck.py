"""The fact-check view: contested facts first, then diverging, then agreeing (corroborated only by
independent sources), then the single-source claims worth checking, each with the words to verify."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import Claim, Report
from .phrases import claim_dates, conflicts, contested_once, sourcing
from .view import KIND_NAMES, Fact, build_facts, rank, safe_url

PRONOUNS = frozenset("i we you he she it they this that these those who which one someone".split())
# straight, curly and guillemet quotations of at least two characters
QUOTE = re.compile(r"\"([^\"]{2,})\"|“([^”]{2,})”|«([^»]{2,})»")
SHOWN = 15  # single-source claims shown in full; the rest folded (HTML) or counted (Markdown)
FOLDED = 200  # single-source claims folded into the HTML page at most; the rest are counted
GROUPS = ("contested", "diverging", "agreeing", "single")


@dataclass(frozen=True)
class Checkable:
    """One outlet's telling of a fact and what in it can be checked (``kinds`` may be empty:
    a fact's card shows every outlet's version)."""

    claim: Claim
    kinds: tuple[str, ...]  # number, date, quote, action
    quotes: tuple[str, ...]
    url: str | None
    dates: tuple[str, ...] = ()  # as shown: "2023-05-26 (year guessed) (from “on Friday”)"


def quotes_in(text: str) -> tuple[str, ...]:
    return tuple(" ".join(next(g for g in m.groups() if g).split()) for m in QUOTE.finditer(text))


def named_actor(c: Claim) -> str | None:
    """The claim's actor when it is a name (a proper noun or an entity), not a pronoun or a thing."""
    a = (c.actor or "").strip()
    if not a or a.lower() in PRONOUNS or a.startswith("("):
        return None
    names = [e.split(":", 1)[-1] for e in c.entities]
    return a if c.actor_named or any(n and (n in a or a in n) for n in names) else None


def _reading(c: Claim, url: str | None = None) -> Checkable:
    kinds = []
    if c.numbers:
        kinds.append("number")
    if c.dates or any(m.value for m in c.when):
        kinds.append("date")
    quotes = quotes_in(c.text)
    if quotes:
        kinds.append("quote")
    if named_actor(c):
        kinds.append("action")
    return Checkable(c, tuple(kinds), quotes, url, tuple(claim_dates(c)))


def checkable(c: Claim, url: str | None = None) -> Checkable | None:
    """What in the claim can be checked; None when nothing can."""
    x = _reading(c, url)
    return x if x.kinds else None


def check_worthy(c: Claim) -> bool:
    """A claim one outlet alone makes that is worth checking: it gives a number or a date, or is
    attributed (a speaker, a quotation). A named actor alone is not enough: every sentence has one."""
    return bool(c.numbers or c.dates or any(m.value for m in c.when) or c.speaker or quotes_in(c.text))


def _group(f: Fact) -> str:
    if f.cluster.contested:
        return "contested"
    if len(f.cluster.outlets) < 2:
        return "single"
    return "diverging" if f.cluster.verdict == "diverge" else "agreeing"


def _label(group: str, sources: int) -> str:
    """The card's flag: a fact is CORROBORATED only uncontested and from two independent sources."""
    if group == "agreeing":
        return "CORROBORATED" if sources >= 2 else "ONE SOURCE"
    return {"contested": "CONTESTED", "diverging": "DIVERGING", "single": "SINGLE SOURCE"}[group]


def build_factcheck(report: Report, shown: int = SHOWN) -> dict:
    """Cards in four groups, in this order: contested, diverging, agreeing, and the check-worthy
    single-source claims (``shown`` in full, the rest in ``more``). A multi-outlet card holds every
    outlet's version; a single-source card its check-worthy claims."""
    urls = {a.id: safe_url(a.url) for a in report.articles}
    arts = {a.id: a for a in report.articles}
    stories = {s.id: s for s in report.stories}
    groups: dict[str, list[dict]] = {g: [] for g in GROUPS}
    singles = 0
    facts = rank(build_facts(report))
    once = {c.id for c in contested_once(f.cluster for f in facts)}
    for f in facts:
        g = _group(f)
        if g == "contested" and f.cluster.id not in once:
            continue  # its conflict is on the card of the fact the other side states
        items = [_reading(t.claim, urls[t.claim.article]) for t in f.tellings]
        if g == "single":
            singles += 1
            items = [x for x in items if check_worthy(x.claim)]
            if not items:
                continue
        n, line = sourcing(f.cluster, [t.claim for t in f.tellings], report.copies)
        groups[g].append({
            "fact": f, "group": g, "label": _label(g, n), "sources_line": line, "items": items,
            "conflicts": conflicts(f.signals),
            "signals": [s for s in f.signals if s.kind not in ("conflict", "omission")],
            "outlets": list(f.cluster.outlets), "missing": list(f.cluster.missing),
            "stories": [stories[s] for s in f.cluster.stories or (f.cluster.story,) if s in stories],
            "kinds": sorted({k for x in items for k in x.kinds}),
            "sources": {x.claim.id: arts[x.claim.article] for x in items}})
    # the single-source claims with most to check first, then as ranked
    order = {id(e): k for k, e in enumerate(groups["single"])}
    groups["single"].sort(key=lambda e: (-len(e["kinds"]), order[id(e)]))
    listed = [x for g in GROUPS for e in groups[g] for x in e["items"]]
    kinds_count = {k: sum(k in x.kinds for x in listed) for k in ("number", "date", "quote", "action")}
    return {"report": report, "groups": groups, "shown": groups["single"][:shown],
            "more": groups["single"][shown:shown + FOLDED], "unlisted": max(0, len(groups["single"]) - shown - FOLDED),
            "singles": singles, "total": len(listed), "kinds_count": kinds_count, "kind_names": KIND_NAMES,
            "outlets": sorted({a.outlet for a in report.articles})}
