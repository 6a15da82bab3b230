"""A Report arranged for reading: facts with their claims side by side, ranked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from ..copies import describe
from ..schema import Claim, Cluster, FramingTerm, Report, Signal, Story, Thread, divergence_order
from .charts import agreement_chart, coverage_chart
from .phrases import about, and_join, article_date, conflicts, contested_once, sides_text, sourcing
from .timeline import TimelineIndex, build_timeline, timeline_rows

KIND_NAMES = {
    "wording": "loaded words",
    "naming": "different names",
    "agency": "who did it",
    "attribution": "who says so",
    "number": "numbers conflict",
    "date": "dates conflict",
    "contradiction": "one denies what another reports",
    "omission": "left out by some outlets",
    "conflict": "contested: the versions cannot both be right",
}
SUMMARY_LINES = 10  # diverging facts listed one a line at the top of report.html; the rest folded
SIDE_WORDS = 10  # each side of a conflict, cut to this many words in a one-line summary


@dataclass(frozen=True)
class Piece:
    """A run of claim text, highlighted when it is evidence of divergence."""

    text: str
    mark: str  # "" or the signal kind


@dataclass(frozen=True)
class Telling:
    outlet: str
    claim: Claim
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Version:
    """Another outlet's related telling of a fact: probably the same event or issue, told
    differently or disputed, with the pair model's P(same)."""

    outlet: str
    claim: Claim
    p: float


@dataclass(frozen=True)
class Fact:
    cluster: Cluster
    tellings: tuple[Telling, ...]
    signals: tuple[Signal, ...]
    headline: str
    related: tuple[Version, ...] = ()

    @property
    def absent(self) -> str:
        """Which outlets of its stories do not tell the fact, said as far as it is known: the
        outlets that omit it, and those whose articles predate it."""
        parts = []
        if self.cluster.missing:
            parts.append(f"Not found in {', '.join(self.cluster.missing)} (no sentence found to tell it).")
        if self.cluster.earlier:
            who = ", ".join(self.cluster.earlier)
            parts.append(f"Not expected from {who}: dated before this happened ({self.cluster.event_date})."
                         if self.cluster.event_date else
                         f"Not sure whether {who} could have reported it: dated before every article that does.")
        return " ".join(parts)


@dataclass(frozen=True)
class Framed:
    """One term of an outlet's framing profile with the sentences it occurs in, the term marked."""

    term: FramingTerm
    sentences: tuple[Telling, ...]


def highlight(text: str, terms: list[str], kind: str, exact: bool = False) -> tuple[Piece, ...]:
    """Split ``text`` into pieces, marking whole-word (or lemma-prefix) matches of ``terms``;
    ``exact`` marks the words as written only (a framing term is the word the outlet wrote)."""
    words = [t for t in terms if t and not t.startswith("(")]
    if not words:
        return (Piece(text, ""),)
    # lemmas match their inflections: "mercenary" -> "mercenaries", "liberate" -> "liberated"
    stems = set(words) if exact else {w[:-1] if len(w) > 4 and w[-1] in "ey" and " " not in w else w
                                      for w in words}
    alts = sorted({re.escape(w) for w in stems}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(alts) + (r")(?!\w)" if exact else r")\w*"), re.IGNORECASE)
    pieces, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            pieces.append(Piece(text[pos:m.start()], ""))
        pieces.append(Piece(m.group(0), kind))
        pos = m.end()
    if pos < len(text):
        pieces.append(Piece(text[pos:], ""))
    return tuple(pieces)


def _terms_for(outlet: str, signals: tuple[Signal, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in signals:
        for t in s.terms.get(outlet, []):
            out.setdefault(t, s.kind)
    return out


def _pieces(text: str, terms: dict[str, str], exact: frozenset[str] = frozenset()) -> tuple[Piece, ...]:
    """``text`` with ``terms`` marked by kind: lemmas with their inflections, the words in
    ``exact`` as written."""
    pieces: tuple[Piece, ...] = (Piece(" ".join(text.split()), ""),)
    for term, kind in terms.items():
        nxt: list[Piece] = []
        for p in pieces:
            nxt.extend(highlight(p.text, [term], kind, exact=term in exact) if not p.mark else [p])
        pieces = tuple(nxt)
    return pieces


def mark_term(claim: Claim, term: FramingTerm) -> Telling:
    """The claim as one line with the framing term marked (``mark`` is the term's kind)."""
    return Telling(claim.outlet, claim, highlight(" ".join(claim.text.split()), [term.term], term.kind, exact=True))


def framing_profile(story: Story, outlets: list[str], claims: dict[str, Claim]) -> list[dict]:
    """Each outlet of a story (``outlets`` and those the profile names) with its framing terms:
    its own words most loaded first, then its side-taking names, then the words of the people it
    quotes; each with the sentences it occurs in in text order; no terms, an empty list."""
    given = dict(story.framing)
    order = {a: i for i, a in enumerate(story.articles)}
    rows = []
    for o in sorted(set(outlets) | set(given)):
        framed = []
        # stable: the profile's order on ties
        for t in sorted(given.get(o, ()), key=lambda t: (t.speaker is not None, t.kind == "naming", -t.score)):
            found = sorted((claims[i] for i in dict.fromkeys(t.claims) if i in claims),
                           key=lambda c: (order.get(c.article, len(order)), c.article, c.start))
            framed.append(Framed(t, tuple(mark_term(c, t) for c in found)))
        rows.append({"outlet": o, "terms": framed})
    return rows


def safe_url(url: str | None) -> str | None:
    """An article URL fit for an href: http(s) only, so a ``javascript:`` URL stays text."""
    return url if url and re.match(r"https?://[^\s<>\"']+$", url, re.IGNORECASE) else None


def headline(claims: list[Claim], width: int = 140) -> str:
    """The telling that shares most words with the others, cut at a word: the fact in one line."""
    bags = [set(c.lemmas) for c in claims]

    def shared(i: int) -> float:
        return sum(len(bags[i] & b) / (len(bags[i] | b) or 1) for j, b in enumerate(bags) if j != i)

    best = max(range(len(claims)), key=lambda i: (shared(i), -len(claims[i].text)))
    text = " ".join(claims[best].text.split())
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def profile_terms(report: Report) -> dict[str, dict[str, str]]:
    """claim id -> {term: kind} of the framing profiles' terms in that claim, in the outlet's own
    voice: a fact's sentences mark the same words as the story's profile (one account of each
    outlet's words)."""
    out: dict[str, dict[str, str]] = {}
    for s in report.stories:
        for _, terms in s.framing:
            for t in (t for t in terms if t.speaker is None):
                for cid in t.claims:
                    out.setdefault(cid, {}).setdefault(t.term, t.kind if t.kind != "substitution" else "loaded")
    return out


def build_facts(report: Report) -> list[Fact]:
    """Every cluster as a Fact, each outlet's sentence split into highlighted pieces: the
    signals' terms, then the framing profile's words in it."""
    claims = {c.id: c for c in report.claims}
    profiled = profile_terms(report)
    facts = []
    for cl in report.clusters:
        tellings = []
        for cid in cl.claims:
            c = claims[cid]
            terms = _terms_for(c.outlet, cl.signals)
            own = {t: kind for t, kind in profiled.get(cid, {}).items() if t not in terms}
            tellings.append(Telling(c.outlet, c, _pieces(c.text, terms | own, frozenset(own))))
        tellings.sort(key=lambda t: (t.outlet, t.claim.start))
        related = tuple(Version(r.outlet, claims[r.claim], r.p) for r in cl.related)
        facts.append(Fact(cl, tuple(tellings), cl.signals, headline([t.claim for t in tellings]), related))
    return facts


# groups of related versions a story's page shows (the rest are counted, and all are in
# report.json): a story of wire copies can hold thousands, and a page must stay readable
RELATED_SHOWN = 40


def related_groups(single: list[Fact]) -> list[Fact]:
    """Single-source facts with related versions in other outlets (probably the same event told
    so differently that the pair model would not call it one fact), each group of them shown
    once, under its first fact."""
    shown: set[str] = set()
    out = []
    for f in single:
        if not f.related or f.cluster.claims[0] in shown:
            continue
        out.append(f)
        shown.update(f.cluster.claims)
        shown.update(r.claim.id for r in f.related)
    return out


def rank(facts: list[Fact]) -> list[Fact]:
    """Most divergent first: diverge before agree, then score, then more outlets, then id."""
    return sorted(facts, key=lambda f: divergence_order(f.cluster))


def _overview(report: Report, article_ids: tuple[str, ...], facts: list[Fact]) -> list[dict]:
    """One row per outlet of a story: articles, dates, claims, facts it shares, facts only it states."""
    wanted = set(article_ids)
    arts = [a for a in report.articles if a.id in wanted]
    rows = []
    for o in sorted({a.outlet for a in arts}):
        mine = [a for a in arts if a.outlet == o]
        ids = {a.id for a in mine}
        dates = sorted({(a.date, article_date(a)) for a in mine if a.date})
        rows.append({
            "outlet": o,
            "articles": len(mine),
            "dates": " – ".join(dict.fromkeys([dates[0][1], dates[-1][1]])) if dates else "—",
            "claims": sum(c.article in ids for c in report.claims),
            "shared": sum(o in f.cluster.outlets for f in facts if f.cluster.verdict != "single-source"),
            "diverge": sum(o in f.cluster.outlets for f in facts if f.cluster.verdict == "diverge"),
            "single": sum(o in f.cluster.outlets for f in facts if f.cluster.verdict == "single-source"),
        })
    return rows


def thread_groups(report: Report) -> list[tuple[Thread, list[Story]]]:
    """Threads in report order, each with its stories in report order; a story whose thread the
    report does not list gets a thread of its own, named after its first story."""
    listed = {t.id: t for t in report.threads}
    order = list(listed)
    for s in report.stories:
        if s.thread not in listed:
            listed[s.thread] = Thread(s.thread, (), s.title)
            order.append(s.thread)
    members: dict[str, list[Story]] = {}
    for s in report.stories:
        members.setdefault(s.thread, []).append(s)
    groups = [(listed[tid], members.get(tid, [])) for tid in order]
    return [(t, stories) for t, stories in groups if stories]


def contest_line(f: Fact) -> str:
    """A contested fact in one line: what each conflict is about and each side's words (the
    conflicting words where the detector names them, else each side's sentence, cut short)."""
    return "; ".join(f"{about(s)}: {sides_text(s, SIDE_WORDS, own_words=True)}" for s in conflicts(f.signals))


def summary(facts: list[Fact], report: Report) -> dict:
    """What the first screen of report.html says: the contested facts (each titled by what it is
    about, with each conflict and its sides), the diverging facts (``SUMMARY_LINES`` of them
    titled with each outlet's version, the rest folded to a line each), and the copies outlets
    share."""
    from .titles import fact_title  # titles reads this module's Fact

    once = {c.id for c in contested_once(f.cluster for f in facts)}
    contested = [{"fact": f, "title": fact_title(f), "line": contest_line(f), "outlets": and_join(f.cluster.outlets)}
                 for f in facts if f.cluster.id in once]
    diverging = [{"fact": f, "title": fact_title(f), "outlets": and_join(f.cluster.outlets),
                  "kinds": ", ".join(dict.fromkeys(KIND_NAMES.get(s.kind, s.kind) for s in f.signals))}
                 for f in facts if f.cluster.verdict == "diverge" and not f.cluster.contested
                 and len(f.cluster.outlets) > 1]
    return {"contested": contested, "diverging": diverging[:SUMMARY_LINES], "more": diverging[SUMMARY_LINES:],
            "copies": [describe(k) for k in report.copies]}


# article pairs of one story read side by side in report.html (the rest: `compare diff`)
SIDE_BY_SIDE = 6


def side_by_side(report: Report, story: Story, articles: dict, index) -> tuple[list, int]:
    """Pairs of the story's articles of two outlets, each read side by side (compare/report/diff.py),
    at most ``SIDE_BY_SIDE`` of them in the order of the story's articles, and how many more.
    ``index``: the report's :class:`~compare.report.diff.DiffIndex`, built once."""
    from .diff import build_diff  # diff reads this module's pieces

    pairs = [(a, b) for a, b in combinations(story.articles, 2) if articles[a].outlet != articles[b].outlet]
    return ([build_diff(report, a, b, index) for a, b in pairs[:SIDE_BY_SIDE]],
            max(0, len(pairs) - SIDE_BY_SIDE))


def build_view(report: Report, pairs: bool = True) -> dict:
    """What the report templates read. ``pairs``: read each story's articles side by side (the
    HTML shows them; the Markdown does not)."""
    articles = {a.id: a for a in report.articles}
    stories = {s.id: s for s in report.stories}
    facts = rank(build_facts(report))
    claims = {c.id: c for c in report.claims}
    multi = [f for f in facts if f.cluster.verdict != "single-source"]
    single = [f for f in facts if f.cluster.verdict == "single-source"]
    by_thread, by_story = [], []
    facts_of: dict[str, list] = {}
    for f in facts:
        facts_of.setdefault(f.cluster.story, []).append(f)
    from .diff import DiffIndex  # diff reads this module's pieces

    index = DiffIndex.of(report) if pairs else None
    timelines = TimelineIndex.of(report)  # every thread's timeline reads it
    for th, th_stories in thread_groups(report):
        sections = []
        for s in th_stories:
            story_facts = facts_of.get(s.id, [])
            shared = [f for f in story_facts if f.cluster.verdict != "single-source"]
            # only the outlets with an article in this story get a column
            outlets = sorted({articles[a].outlet for a in s.articles})
            sections.append({
                "story": s,
                "articles": [articles[a] for a in s.articles],
                "overview": _overview(report, s.articles, story_facts),
                "contested": [f for f in shared if f.cluster.contested],
                "diverge": [f for f in shared if f.cluster.verdict == "diverge" and not f.cluster.contested],
                "agree": [f for f in shared if f.cluster.verdict == "agree" and not f.cluster.contested],
                "single": [f for f in story_facts if f.cluster.verdict == "single-source"],
                "related": (related := related_groups([f for f in story_facts
                                                        if f.cluster.verdict == "single-source"]))[:RELATED_SHOWN],
                "related_more": max(0, len(related) - RELATED_SHOWN),
                "outlets": outlets,
                "coverage": coverage_chart(shared, outlets),
                "agreement": agreement_chart([f.cluster for f in story_facts], outlets, report.copies),
                "framing": framing_profile(s, outlets, claims),
                **dict(zip(("side_by_side", "side_by_side_more"),
                           side_by_side(report, s, articles, index) if index else ([], 0), strict=True)),
            })
        arts = [articles[a] for s in th_stories for a in s.articles]
        by_thread.append({"thread": th, "stories": sections, "articles": len(arts),
                          "outlets": sorted({a.outlet for a in arts}),
                          "timeline": (tl := build_timeline(report, {a.id for a in arts}, timelines)),
                          "timeline_rows": timeline_rows(tl) if tl else []})
        by_story.extend(sections)
    # a fact told in several stories of its thread: the stories besides its primary one
    also = {f.cluster.id: [stories[s] for s in f.cluster.stories if s != f.cluster.story and s in stories]
            for f in facts}
    claim_marks = {}
    for f in facts:
        for t in f.tellings:
            claim_marks[t.claim.id] = f.cluster
    # the full texts in the order of the sections: thread, then story
    story_of = {a: sec["story"] for sec in by_story for a in sec["story"].articles}
    listed = [articles[a] for a in story_of] + [a for a in report.articles if a.id not in story_of]
    article_parts = []
    for a in listed:
        spans = [(c.start, c.end, "claim", c) for c in report.claims if c.article == a.id]
        spans += [(e.start, e.end, "excluded", e) for e in a.excluded]
        spans.sort(key=lambda s: s[0])
        parts, pos = [], 0
        for start, end, kind, obj in spans:
            if start > pos:
                parts.append(("gap", a.text[pos:start], None))
            parts.append((kind, a.text[start:end], obj))
            pos = max(pos, end)
        if pos < len(a.text):
            parts.append(("gap", a.text[pos:], None))
        article_parts.append({"article": a, "parts": parts, "story": story_of.get(a.id)})
    counts = {
        "threads": len(by_thread),
        "stories": len(by_story),
        "articles": len(report.articles),
        "outlets": len({a.outlet for a in report.articles}),
        "claims": len(report.claims),
        "facts": len(multi),
        "contested": len(contested_once(f.cluster for f in facts)),
        "diverge": sum(f.cluster.verdict == "diverge" for f in multi),
        "agree": sum(f.cluster.verdict == "agree" for f in multi),
        "single": len(single),
        "excluded": len(report.excluded),
    }
    return {
        "report": report,
        "summary": summary(facts, report),
        "sourcing": {f.cluster.id: line for f in multi
                     if (line := sourcing(f.cluster, [t.claim for t in f.tellings], report.copies)[1])},
        "threads": by_thread,
        "also": also,
        "counts": counts,
        "articles": article_parts,
        "claim_cluster": claim_marks,
        "signal_kinds": sorted({s.kind for f in multi for s in f.signals}),
        "outlets": sorted({a.outlet for a in report.articles}),
        "urls": {a.id: safe_url(a.url) for a in report.articles},
        "kind_names": KIND_NAMES,
    }
