"""The teaching view: a worksheet of the clearest divergences, with questions and an answer key."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from ..schema import Report, Signal
from .view import KIND_NAMES, Fact, build_facts, rank

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
    """Worksheet items: plain sentences and questions; the answer key holds the marked sentences."""
    q = load_questions()
    items = []
    for i, f in enumerate(select(rank(build_facts(report)), n), start=1):
        kinds = list(dict.fromkeys(s.kind for s in f.signals))
        questions = [q["general"]["question"]] + [q[k]["question"] for k in kinds if k in q]
        answers = [{"kind": s.kind, "name": KIND_NAMES.get(s.kind, s.kind), "detail": s.detail,
                    "look_for": q[s.kind]["look_for"].format(outlets=", ".join(_named(s))) if s.kind in q else "",
                    "terms": {o: t for o, t in sorted(s.terms.items()) if t}}
                   for s in f.signals]
        items.append({"n": i, "fact": f, "questions": questions, "answers": answers,
                      "missing": list(f.cluster.missing)})
    outlets = sorted({a.outlet for a in report.articles})
    return {"report": report, "items": items, "outlets": outlets}
