"""Links + stories -> facts: the records the report calls facts (``Cluster``), each with its
verdict and signals, its related versions in other outlets, and the outlets that omit it.

An outlet is said to omit a fact only when it has an article in the fact's stories, none of its
claims is a ``same`` or ``related`` counterpart of the fact's claims nor judged as likely as a
related one, or at least OMISSION_DOUBT, to tell it (a claim whose fact is told elsewhere in the
fact's article pairs is no related counterpart, one to one, yet shows the outlet tells it), and
not all of its articles there were published before the fact's event.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .context import StoryContext
from .copies import sources
from .diverge import assess
from .linking.candidates import cosine_distances
from .linking.counterparts import Counterpart as RowCounterpart
from .linking.judge import NLI_LABELS
from .linking.links import JudgedLinks
from .schema import Article, Claim, Cluster, Copy, Counterpart, Link, Related, Story, divergence_order

# "not found in X" is a statement an editor will check: an outlet with any claim the judge gives
# P(same) >= this for one of the fact's claims may well tell it, and is not named. The highest cut
# at which no gold (seeds, river-dam, city-budget, chemical-spill) names an outlet its gold fact
# has telling it: 0.4 named 27 with 9 wrong, 0.3 21 with 5, 0.2 14 with 1, 0.15 12 with 0.
OMISSION_DOUBT = 0.15


@dataclass(frozen=True)
class FactInputs:
    """What building the facts reads: every claim and its fact label, the judged links (rows of
    ``claims``), each claim row's graded counterparts, and where each article sits."""

    articles: Sequence[Article]
    claims: Sequence[Claim]
    labels: np.ndarray
    judged: JudgedLinks
    counterparts: Sequence[Sequence[RowCounterpart]]
    stories: Sequence[Story]
    embeddings: np.ndarray
    english: set[str]  # ids of the articles the English-only checks read
    contexts: Mapping[str, StoryContext]  # by thread
    related: float = 1.0  # the P(same) of a related counterpart: a claim this close tells the fact
    copies: Sequence[Copy] = ()  # text outlets share: their versions of a fact count as one source
    # an outlet with a claim judged this likely to tell the fact is never said to leave it out
    doubt: float = OMISSION_DOUBT


def _day(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso) if iso and len(iso) == 10 else None
    except ValueError:
        return None


def event_day(members: Sequence[Claim], published: Mapping[str, dt.date | None]) -> tuple[dt.date | None, bool]:
    """When the fact happened, and whether its claims say so: the day-precise date they give
    most often (the earliest of a tie), else the earliest publication date of the articles that
    tell it (the event came no later; False)."""
    days = Counter(d for c in members for d in set(map(_day, c.dates)) if d is not None)
    if days:
        return min(days, key=lambda d: (-days[d], d)), True
    pub = [published[c.article] for c in members if published.get(c.article) is not None]
    return (min(pub) if pub else None), False


def earlier_outlets(members: Sequence[Claim], articles_in: Sequence[Article], event: dt.date | None,
                    published: Mapping[str, dt.date | None]) -> tuple[str, ...]:
    """Outlets of ``articles_in`` (the fact's stories) not telling the fact whose every article
    there is dated before ``event``: they could not have reported it."""
    if event is None:
        return ()
    told = {c.outlet for c in members}
    by_outlet: dict[str, list[dt.date | None]] = {}
    for a in articles_in:
        if a.outlet not in told:
            by_outlet.setdefault(a.outlet, []).append(published.get(a.id))
    return tuple(sorted(o for o, days in by_outlet.items() if all(d is not None and d < event for d in days)))


def build_facts(inp: FactInputs, contradiction: float) -> tuple[list[Cluster], dict[str, tuple[Counterpart, ...]]]:
    """The facts, in story order and most divergent first within a story, and each claim's
    counterparts by claim id."""
    claims, labels = inp.claims, inp.labels
    story_of = {aid: s.id for s in inp.stories for aid in s.articles}
    thread_of = {s.id: s.thread for s in inp.stories}
    order = {s.id: k for k, s in enumerate(inp.stories)}
    by_id = {a.id: a for a in inp.articles}
    every = {c.id: c for c in claims}
    published = {a.id: _day(a.date) for a in inp.articles}
    story_articles = {s.id: [by_id[a] for a in s.articles] for s in inp.stories}
    english: Callable[[Claim], bool] = lambda c: c.article in inp.english  # noqa: E731
    near = inp.judged.neighbours()
    rows_of: dict[int, list[int]] = {}
    for i, lab in enumerate(labels.tolist()):
        rows_of.setdefault(lab, []).append(i)
    facts = []
    for lab in range(int(labels.max()) + 1 if len(labels) else 0):
        idx = rows_of[lab]
        members = [claims[i] for i in idx]
        told = Counter(story_of[c.article] for c in members)
        in_stories = tuple(sorted(told, key=order.get))
        sid = min(told, key=lambda s: (-told[s], order[s]))
        tid = thread_of[sid]
        articles_in = [a for s in in_stories for a in story_articles[s]]
        # coverage and omission count only the outlets with an article in the fact's stories
        covering = sorted({a.outlet for a in articles_in})
        present = sorted({c.outlet for c in members})
        related = _related(idx, inp)
        event, stated = event_day(members, published)
        earlier = earlier_outlets(members, articles_in, event, published)
        # outlets with a claim judged at least as close as a related counterpart: they tell it
        telling = {r.outlet for r in related} | {claims[j].outlet for i in idx
                                                  for j, p in near.get(i, {}).items() if p >= inp.doubt}
        excused = sorted(telling | set(earlier))
        links = _links(idx, inp)
        member_of = {c.id: c for c in members}
        contradicting = [(member_of[k.a], member_of[k.b], k.contradiction) for k in links
                         if k.contradiction >= contradiction]
        claim_of = {r.claim: every[r.claim] for r in related} | member_of
        related_pairs = [(claim_of[r.to], claim_of[r.claim]) for r in related]
        told_in = sorted({c.article for c in claim_of.values()})
        texts = {o: "\n".join(by_id[a].text for a in told_in if by_id[a].outlet == o)
                 for o in {c.outlet for c in claim_of.values()}}
        verdict, signals, score = assess(members, covering, inp.contexts[tid], contradicting, english=english,
                                         excused=excused, related=related_pairs, texts=texts)
        facts.append(Cluster(
            id=f"f{lab + 1:03d}",
            story=sid,
            claims=tuple(c.id for c in members),
            outlets=tuple(present),
            verdict=verdict,
            signals=signals,
            score=score,
            cohesion=_cohesion(idx, inp),
            missing=tuple(o for o in covering if o not in present and o not in excused) if len(present) > 1 else (),
            confidence=float(np.mean([k.same for k in links])) if links else None,
            links=tuple(links),
            thread=tid,
            stories=in_stories,
            related=related,
            earlier=tuple(o for o in earlier if o not in present and o not in telling),
            event_date=event.isoformat() if event is not None and stated else None,
            sources=sources(present, [c.id for c in members], inp.copies),
        ))
    facts.sort(key=lambda c: (order[c.story], *divergence_order(c)))
    graded = {claims[i].id: tuple(Counterpart(claims[k.other].id, claims[k.other].outlet, k.grade, k.p)
                                  for k in ks)
              for i, ks in enumerate(inp.counterparts) if ks}
    return facts, graded


def _links(idx: Sequence[int], inp: FactInputs) -> list[Link]:
    """The judged pairs inside one fact."""
    claims, judged = inp.claims, inp.judged
    inside = [(i, j) for x, i in enumerate(idx) for j in idx[x + 1:]]
    return [Link(claims[i].id, claims[j].id, judged[i, j][0], NLI_LABELS[int(np.argmax(judged[i, j][1]))],
                 float(judged[i, j][1][2])) for i, j in inside if (i, j) in judged]


def _related(idx: Sequence[int], inp: FactInputs) -> tuple[Related, ...]:
    """Claims outside the fact that are related counterparts of its claims, each once (its
    likeliest), in order of P then claim id."""
    claims = inp.claims
    best: dict[int, tuple[float, int]] = {}
    for i in idx:
        for k in inp.counterparts[i]:
            if k.grade == "related" and (k.other not in best or k.p > best[k.other][0]):
                best[k.other] = (k.p, i)
    return tuple(sorted((Related(claims[j].id, claims[j].outlet, p, claims[i].id) for j, (p, i) in best.items()),
                        key=lambda r: (-r.p, r.claim)))


def _cohesion(idx: Sequence[int], inp: FactInputs) -> float:
    """Mean cosine similarity of the fact's English claims (1 for one claim)."""
    own = np.array([i for i in idx if inp.claims[i].article in inp.english], dtype=int)
    if len(own) < 2:
        return 1.0
    d = cosine_distances(inp.embeddings[own])
    return float(1.0 - d[np.triu_indices(len(own), 1)].mean())
