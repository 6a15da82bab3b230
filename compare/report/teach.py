"""The teaching view: a worksheet of the clearest divergences and of each story's most loaded
words (its framing profile), with questions and an answer key.

The students' pages hold the sentences, a title saying what each fact is about and the
questions; how the facts were found (models, lexicons, scores) is for the answer key only."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from ..schema import Claim, FramingTerm, Report, Signal, Story
from .diff import Diff, build_diff
from .phrases import about, and_join, conflicts, sides_text
from .titles import fact_title
from .view import KIND_NAMES, Fact, Telling, build_facts, mark_term, rank, thread_groups

QUESTIONS = Path(__file__).with_name("questions.toml")
DEFAULT_ITEMS = 5
PAIR_ROWS = 6  # pairs of sentences in the side-by-side exercise (the rest are counted)
MAX_WORDS = 90  # a sentence longer than this is hard to compare on a worksheet
WORDS_PER_STORY = 3  # word-choice exercises per story, from its framing profile
SIDE_WORDS = 12  # each side's words in a conflict question (the whole sentences are shown above it)
# which signal kind a conflict about this covers (its own question would ask the same)
COVERS = {"number": "number", "date": "date", "year": "date", "contradiction": "contradiction",
          "event": "contradiction", "actor": "agency"}


@cache
def load_questions(path: Path = QUESTIONS) -> dict[str, dict[str, str]]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _named(s: Signal) -> list[str]:
    """The outlets whose words are the evidence; all the signal's outlets when none has words."""
    return [o for o in s.outlets if s.terms.get(o)] or list(s.outlets)


def clarity(f: Fact) -> tuple:
    """Sort key, clearest first: contested, visible evidence, divergence score, kinds of signal,
    shorter text.

    Visible evidence means words a student can find in the sentences (highlighted terms) or a
    contested, number, date or contradiction conflict; omission alone is not something to spot in
    a sentence.
    """
    marks = sum(1 for t in f.tellings for p in t.pieces if p.mark)
    kinds = {s.kind for s in f.signals if s.kind != "omission"}
    hard = bool(kinds & {"conflict", "number", "date", "contradiction"})
    words = max(len(t.claim.text.split()) for t in f.tellings)
    return (-f.cluster.contested, -(marks > 0 or hard), -f.cluster.score, -len(kinds), -marks, words, f.cluster.id)


def select(facts: list[Fact], n: int = DEFAULT_ITEMS) -> list[Fact]:
    """The ``n`` clearest diverging or contested facts told by two or more outlets, each sentence
    short enough to read."""
    pool = [f for f in facts if (f.cluster.verdict == "diverge" or f.cluster.contested) and len(f.cluster.outlets) > 1
            and max(len(t.claim.text.split()) for t in f.tellings) <= MAX_WORDS
            and any(s.kind != "omission" for s in f.signals)]
    return sorted(pool, key=clarity)[:n]


def could_report(f: Fact) -> list[str]:
    """The outlets of the fact's stories that leave it out and could have told it: never one
    whose articles predate the event (those are in ``earlier``, not ``missing``)."""
    return [o for o in f.cluster.missing if o not in f.cluster.earlier]


def fact_questions(f: Fact, q: dict[str, dict[str, str]]) -> list[str]:
    """The questions a fact asks: the general one, one per conflict (each side's words), one per
    other kind of signal, and the omission question only for outlets that could have reported it."""
    out = [q["general"]["question"]]
    contested = conflicts(f.signals)
    out += [q["conflict"]["question"].format(sides=sides_text(s, SIDE_WORDS), about=about(s)) for s in contested]
    covered = {COVERS.get(s.about, "") for s in contested}
    kinds = dict.fromkeys(s.kind for s in f.signals)
    out += [q[k]["question"] for k in kinds if k in q and k not in ("conflict", "omission") and k not in covered]
    absent = could_report(f)
    if "omission" in kinds and absent:
        out.append(q["omission"]["question"].format(outlets=and_join(absent)))
    return out


def _answer(sg: Signal, f: Fact, q: dict[str, dict[str, str]]) -> dict:
    """One signal in the answer key: what it found, the words, what to look for."""
    named = could_report(f) if sg.kind == "omission" else _named(sg)
    look = q[sg.kind]["look_for"].format(outlets=and_join(named), about=about(sg), sides=sides_text(sg)) \
        if sg.kind in q and (named or sg.kind != "omission") else ""
    return {"kind": sg.kind, "name": KIND_NAMES.get(sg.kind, sg.kind), "detail": sg.detail, "look_for": look,
            "about": about(sg) if sg.kind == "conflict" else "", "sides": sg.sides,
            "terms": {o: t for o, t in sorted(sg.terms.items()) if t}}


def _sentence(term: FramingTerm, claims: dict[str, Claim]) -> Telling | None:
    """The first sentence of ``term`` short enough for a worksheet that shows the word, the
    outlet's own words before a quotation; None when there is none."""
    found = [mark_term(claims[i], term) for i in term.claims if i in claims]
    fit = [t for t in found if any(p.mark for p in t.pieces) and len(t.claim.text.split()) <= MAX_WORDS]
    return min(fit, key=lambda t: t.claim.speaker is not None, default=None)


def select_words(story: Story, claims: dict[str, Claim], k: int = WORDS_PER_STORY) -> list[tuple[FramingTerm, Telling]]:
    """Up to ``k`` terms of the story's framing profile for word-choice exercises, each with a
    sentence to show: highest score first, one per outlet while another outlet has one, a word and
    a sentence once (the same sentence twice would ask the same question)."""
    # the outlet's own words: a quoted word is the speaker's, a name is no word choice to explain
    pool = [(t, tl) for _, terms in story.framing for t in terms
            if t.speaker is None and t.kind != "naming" and (tl := _sentence(t, claims)) is not None]
    pool.sort(key=lambda x: (-x[0].score, x[1].outlet, x[0].term))
    picked: list[tuple[FramingTerm, Telling]] = []
    for spread in (True, False):
        for t, tl in pool:
            if len(picked) == k:
                break
            if any(t.term == p.term or tl.claim.id == ptl.claim.id or (spread and tl.outlet == ptl.outlet)
                   for p, ptl in picked):
                continue
            picked.append((t, tl))
    return sorted(picked, key=lambda x: (-x[0].score, x[1].outlet, x[0].term))


def _word_item(story: Story, t: FramingTerm, tl: Telling, q: dict[str, str]) -> dict:
    """One word-choice exercise; ``also`` are the outlet's other profile terms in the same sentence."""
    label = t.kind == "label" and t.referent
    ask = q["label"].format(outlet=tl.outlet, referent=t.referent) if label else q["question"]
    also = [o.term for o in dict(story.framing).get(tl.outlet, ()) if o.term != t.term and tl.claim.id in o.claims]
    return {"type": "word", "outlet": tl.outlet, "term": t, "telling": tl, "questions": [ask, q["neutral"]],
            "also": also, "look_for": q["look_for_label" if label else "look_for"].format(
                outlet=tl.outlet, term=t.term, referent=t.referent)}


def pick_pair(report: Report) -> tuple[str, str] | None:
    """The two articles, of two outlets in one story, that share the most claims (same or
    related counterparts), for the side-by-side exercise; more "same" first on a tie, then the
    story's order. None when no two articles share two claims."""
    story_of = {a: s.id for s in report.stories for a in s.articles}
    order = {a: k for k, a in enumerate(x for s in report.stories for x in s.articles)}
    article = {c.id: c.article for c in report.claims}
    outlet = {a.id: a.outlet for a in report.articles}
    shared: dict[tuple[str, str], dict[frozenset, bool]] = {}  # article pair -> claim pair -> same
    for cid, parts in report.counterparts.items():
        a = article[cid]
        for k in parts:
            b = article[k.claim]
            if outlet[a] == outlet[b] or story_of.get(a) is None or story_of.get(a) != story_of.get(b):
                continue
            pairs = shared.setdefault(tuple(sorted((a, b), key=order.__getitem__)), {})
            key = frozenset((cid, k.claim))
            pairs[key] = pairs.get(key, False) or k.grade == "same"
    best = min(shared.items(), default=None, key=lambda kv: (
        -len(kv[1]), -sum(kv[1].values()), order[kv[0][0]], order[kv[0][1]]))
    return best[0] if best is not None and len(best[1]) >= 2 else None


def pair_item(d: Diff, q: dict[str, str]) -> dict:
    """The side-by-side exercise: the pairs of sentences the two articles share (same fact, or
    probably the same event told differently), at most ``PAIR_ROWS``, and how many sentences
    of each seem to have nothing close in the other (the model may miss a telling worded very
    differently: the question says "about"). Two articles of one outlet are told apart as A and B."""
    shared = [r for r in d.rows if r.grade != "none"]
    only_a, only_b = len(d.rows) - len(shared), len(d.only_b)
    a, b = (d.a.outlet, d.b.outlet) if d.a.outlet != d.b.outlet else (f"{d.a.outlet} (A)", f"{d.b.outlet} (B)")
    sides = [(n, who) for n, who in ((only_a, a), (only_b, b)) if n]
    # "17 sentences of A and 3 of B", a side without any left out
    counts = [f"{n} sentence{'' if n == 1 else 's'} of {who}" if k == 0 else f"{n} of {who}"
              for k, (n, who) in enumerate(sides)]
    fmt = {"a": a, "b": b, "counts": " and ".join(counts)}
    asks = [q["question"].format(**fmt)] + ([q["only"].format(**fmt)] if counts else []) + [q["choose"].format(**fmt)]
    return {"type": "pair", "diff": d, "a": a, "b": b, "rows": shared[:PAIR_ROWS],
            "more": max(0, len(shared) - PAIR_ROWS), "only_a": only_a, "only_b": only_b, "questions": asks,
            "look_for": q["look_for"].format(**fmt), "grades": {"same": q["same"], "related": q["related"]}}


def build_teach(report: Report, n: int = DEFAULT_ITEMS, words: int = WORDS_PER_STORY,
                pair: tuple[str, str] | None = None) -> dict:
    """Worksheet items grouped by thread, then story: the story's facts (plain sentences side by
    side), then two of its articles read side by side (``pair``, two article ids; by default
    the two of one story that share the most claims, see :func:`pick_pair`), then up to
    ``words`` sentences from its framing profile, each with questions; an answer key holds the
    marked sentences. Items are numbered in the order they appear."""
    q = load_questions()
    chosen = {f.cluster.id: f for f in select(rank(build_facts(report)), n)}
    claims = {c.id: c for c in report.claims}
    outlet_of = {a.id: a.outlet for a in report.articles}
    pair = pair if pair is not None else pick_pair(report)
    side = build_diff(report, *pair) if pair is not None else None
    if side is not None and all(r.grade == "none" for r in side.rows):
        side = None  # two articles that share no sentence make no exercise
    pair_story = next((s.id for s in report.stories if side is not None and side.a.id in s.articles), None)
    threads, items, shown = [], [], []
    for th, stories in thread_groups(report):
        sections = []
        for s in stories:
            facts = sorted((f for f in chosen.values() if f.cluster.story == s.id), key=clarity)
            picked = select_words(s, claims, words) if words > 0 else []
            if not facts and not picked and s.id != pair_story:
                continue
            section = {"story": s, "outlets": sorted({outlet_of[a] for a in s.articles}), "items": []}
            for f in facts:
                item = {"n": len(items) + 1, "type": "fact", "fact": f, "title": fact_title(f),
                        "questions": fact_questions(f, q), "answers": [_answer(sg, f, q) for sg in f.signals],
                        "missing": could_report(f), "story": s}
                section["items"].append(item)
                items.append(item)
            if s.id == pair_story:
                item = {"n": len(items) + 1, "story": s} | pair_item(side, q["pair"])
                section["items"].append(item)
                items.append(item)
            for t, tl in picked:
                item = {"n": len(items) + 1, "story": s} | _word_item(s, t, tl, q["framing"])
                section["items"].append(item)
                items.append(item)
            sections.append(section)
            shown.append(s)
        if sections:
            threads.append({"thread": th, "stories": sections})
    # the outlets of the stories on the sheet; of every story when no fact made it
    stories = shown or list(report.stories)
    outlets = sorted({outlet_of[a] for s in stories for a in s.articles} or set(outlet_of.values()))
    return {"report": report, "threads": threads, "items": items, "outlets": outlets,
            "stories": len(stories), "all_stories": len(report.stories)}
