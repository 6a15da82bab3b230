"""The teaching view: a worksheet of the clearest divergences, with questions and an answer key."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from ..schema import Report, Signal
from .view import KIND_NAMES, Fact, build_facts, rank, thread_groups

QUESTIONS = Path(__file__).with_name("questions.toml")
DEFAULT_ITEMS = 5
MAX_WORDS = 90  # a sentence longer than this is hard to compare on a worksheet


@cache
def load_questions(path: Path = QUESTIONS) -> dict[str, dict[str, str]]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _named(s: Signal) -> list[str]:
    """The outlets whose words are the evidence; all the signal's outlets when none has words."""
    return [o for o in s.outlets if s.terms.get(o)] or list(s.outlets)


def clarity(f: Fact) -> tuple:
    """Sort key, clearest first: visible evidence, divergence score, kinds of signal, shorter text.

    Visible evidence means words a student can find in the sentences (highlighted terms) or a
    number, date or contradiction conflict; omission alone is not something to spot in a sentence.
    """
    marks = sum(1 for t in f.tellings for p in t.pieces if p.mark)
    kinds = {s.kind for s in f.signals if s.kind != "omission"}
    hard = bool(kinds & {"number", "date", "contradiction"})
    words = max(len(t.claim.text.split()) for t in f.tellings)
    return (-(marks > 0 or hard), -f.cluster.score, -len(kinds), -marks, words, f.cluster.id)


def select(facts: list[Fact], n: int = DEFAULT_ITEMS) -> list[Fact]:
    """The ``n`` clearest diverging facts told by two or more outlets, each sentence short enough to read."""
    pool = [f for f in facts if f.cluster.verdict == "diverge" and len(f.cluster.outlets) > 1
            and max(len(t.claim.text.split()) for t in f.tellings) <= MAX_WORDS
            and any(s.kind != "omission" for s in f.signals)]
    return sorted(pool, key=clarity)[:n]


def build_teach(report: Report, n: int = DEFAULT_ITEMS) -> dict:
    """Worksheet items grouped by thread, then story; plain sentences and questions, and an answer
    key holding the marked sentences. Items are numbered in the order they appear."""
    q = load_questions()
    chosen = {f.cluster.id: f for f in select(rank(build_facts(report)), n)}
    outlet_of = {a.id: a.outlet for a in report.articles}
    threads, items, shown = [], [], []
    for th, stories in thread_groups(report):
        sections = []
        for s in stories:
            facts = sorted((f for f in chosen.values() if f.cluster.story == s.id), key=clarity)
            if not facts:
                continue
            section = {"story": s, "outlets": sorted({outlet_of[a] for a in s.articles}), "items": []}
            for f in facts:
                kinds = list(dict.fromkeys(sg.kind for sg in f.signals))
                questions = [q["general"]["question"]] + [q[k]["question"] for k in kinds if k in q]
                answers = [{"kind": sg.kind, "name": KIND_NAMES.get(sg.kind, sg.kind), "detail": sg.detail,
                            "look_for": q[sg.kind]["look_for"].format(outlets=", ".join(_named(sg)))
                            if sg.kind in q else "",
                            "terms": {o: t for o, t in sorted(sg.terms.items()) if t}}
                           for sg in f.signals]
                item = {"n": len(items) + 1, "fact": f, "questions": questions, "answers": answers,
                        "missing": list(f.cluster.missing), "story": s}
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
