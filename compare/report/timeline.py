"""A thread's timeline: every dated thing its outlets state, on one time axis, a lane per outlet.

Each mark is a claim and the date it states (the resolved date of a date expression, to the
day, month or year the words give; a guessed year says so), with the sentence to read on hover.
Marks of one fact on one date are joined across lanes; two dates of one fact that a conflict
signal says cannot both be right are joined by a conflict line. The articles' publication dates
sit on their outlet's lane. The axis is ordinal (each date the thread names gets a slot, in time
order), so a 1988 origin and four days of May 2023 are all readable on one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..schema import Claim, Report

PLACEABLE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")  # a year, a month or a day
LANE, SLOT, LEFT, TOP, STACK = 34, 64, 170, 84, 7  # pixels: lane height, slot width, margins, stacking
MIN_WIDTH = 860  # the legend's width


@dataclass(frozen=True)
class Mark:
    """A claim at the date it states."""

    outlet: str
    claim: Claim
    value: str  # 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'
    words: str  # the date as written
    guessed: bool
    fact: str | None  # the fact it belongs to, when two or more outlets tell it or it is contested
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Timeline:
    outlets: tuple[str, ...]
    slots: tuple[str, ...]  # every date on the axis, in time order
    marks: tuple[Mark, ...]
    published: tuple[tuple[str, str, float, float], ...]  # (outlet, date, x, y) of each article
    joins: tuple[tuple[Mark, Mark], ...]  # one fact, one date, two outlets
    conflicts: tuple[tuple[Mark, Mark, str], ...]  # two dates of one fact that cannot both be right
    width: int = 0
    height: int = 0

    def x(self, value: str) -> float:
        return LEFT + SLOT * self.slots.index(value) + SLOT / 2

    def lane(self, outlet: str) -> float:
        return TOP + LANE * self.outlets.index(outlet) + LANE / 2


@dataclass(frozen=True)
class TimelineIndex:
    """What every thread's timeline reads of one report, built once: the articles in report
    order, each article's claims, the fact of each claim (facts told by several outlets, or
    contested) and the facts in report order."""

    order: dict
    articles: dict
    claims_of: dict
    fact_of: dict
    facts: tuple  # the facts shown, in report order
    facts_of: dict  # claim id -> the places in ``facts`` of the facts holding it

    @classmethod
    def of(cls, report: Report) -> TimelineIndex:
        claims_of: dict[str, list] = {}
        for c in report.claims:
            claims_of.setdefault(c.article, []).append(c)
        shown = tuple(cl for cl in report.clusters if len(cl.outlets) > 1 or cl.contested)
        facts_of: dict[str, list[int]] = {}
        for k, cl in enumerate(shown):
            for cid in cl.claims:
                facts_of.setdefault(cid, []).append(k)
        return cls({a.id: k for k, a in enumerate(report.articles)}, {a.id: a for a in report.articles}, claims_of,
                   {cid: cl.id for cl in shown for cid in cl.claims}, shown, facts_of)


def build_timeline(report: Report, article_ids: set[str], index: TimelineIndex | None = None) -> Timeline | None:
    """The timeline of the claims and articles of ``article_ids`` (one thread); None when no
    claim states a date that can be placed. ``index``: :meth:`TimelineIndex.of` the report,
    when every thread of it is drawn."""
    ix = index or TimelineIndex.of(report)
    fact_of = ix.fact_of
    articles = [ix.articles[a] for a in sorted(article_ids, key=ix.order.__getitem__)]
    raw: list[Mark] = []
    for c in (c for a in articles for c in ix.claims_of.get(a.id, ())):
        seen = set()
        for d in c.when:
            if d.value and PLACEABLE.match(d.value) and d.value not in seen:
                seen.add(d.value)
                raw.append(Mark(c.outlet, c, d.value, d.text, d.guessed, fact_of.get(c.id)))
    if not raw:
        return None
    pub = [(a.outlet, a.date[:10]) for a in articles if a.date and PLACEABLE.match(a.date[:10])]
    outlets = tuple(sorted({m.outlet for m in raw} | {o for o, _ in pub}))
    slots = tuple(sorted({m.value for m in raw} | {d for _, d in pub}))
    lane = {o: TOP + LANE * k + LANE / 2 for k, o in enumerate(outlets)}
    tl = Timeline(outlets, slots, (), (), (), ())
    stacked: dict[tuple[str, str], int] = {}
    marks = []
    for m in sorted(raw, key=lambda m: (m.value, m.outlet, m.claim.start)):
        k = stacked.get((m.outlet, m.value), 0)
        stacked[(m.outlet, m.value)] = k + 1
        # marks of one outlet on one date stack to the right, never past half-way to the next date
        marks.append(replace(m, x=tl.x(m.value) + min(STACK * k, SLOT / 2 - STACK), y=lane[m.outlet]))
    by_claim: dict[str, list[Mark]] = {}
    for m in marks:
        by_claim.setdefault(m.claim.id, []).append(m)
    joins = []
    by_fact: dict[tuple[str, str], list[Mark]] = {}
    for m in marks:
        if m.fact:
            by_fact.setdefault((m.fact, m.value), []).append(m)
    for group in by_fact.values():
        group = sorted(group, key=lambda m: m.y)
        joins += [(a, b) for a, b in zip(group, group[1:], strict=False) if a.outlet != b.outlet]
    conflicts, drawn = [], set()
    # the thread's facts, in report order (a conflict's two sides are claims of its fact or its versions)
    places = sorted({k for a in articles for c in ix.claims_of.get(a.id, ()) for k in ix.facts_of.get(c.id, ())})
    for cl in (ix.facts[k] for k in places):
        for s in cl.signals:
            if s.kind != "conflict" or s.about not in ("date", "year") or len(s.sides) < 2:
                continue
            # each side's mark: the one whose date words its side quotes, else its first
            ends = [next((m for m in by_claim.get(cid, []) if m.words in said), (by_claim.get(cid) or [None])[0])
                    for _, cid, said in s.sides[:2]]
            if all(ends) and (key := frozenset((m.claim.id, m.value) for m in ends)) not in drawn:
                drawn.add(key)
                conflicts.append((ends[0], ends[1], f"{cl.id}: {s.detail}"))
    published = tuple((o, d, tl.x(d), lane[o]) for o, d in sorted(set(pub)))
    return Timeline(outlets, slots, tuple(marks), published, tuple(joins), tuple(conflicts),
                    max(MIN_WIDTH, int(LEFT + SLOT * len(slots) + 20)), int(TOP + LANE * len(outlets) + 70))


def timeline_rows(tl: Timeline) -> list[dict]:
    """The timeline as table rows for Markdown: date, outlet, the date's words, the claim, the fact."""
    return [{"date": m.value + (" (year guessed)" if m.guessed else ""), "outlet": m.outlet, "words": m.words,
             "claim": m.claim, "fact": m.fact or ""} for m in tl.marks]
