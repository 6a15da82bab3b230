"""Fact-linking precision and recall on the ECB+ held-out topics (never trained on): the whole
pipeline, as `news-compare run --no-cache` builds it, runs on each topic folder of
../shared/data/ecbplus-dev by itself, and its links are scored against the event chains of
key.json (read at run time; none of its text is kept).

Each claim stands for the ECB+ sentence it overlaps most (the sentences are found in the
article's text, the occurrence nearest their offset in the file). A link is a pair of claims
of two articles: two claims of one fact (a report cluster; any "related" entries of a cluster
are left out), or a claim and a counterpart of a grade ("same", "related", either), where the
report's claims carry counterparts.

- correct: the two sentences share a cross-document event chain;
- wrong: otherwise, when they lie in the two subtopics (two real events) of the topic, or are
  both annotated (in one subtopic, with no chain in common);
- ignored: otherwise (a sentence without annotation, or a claim on no sentence).

Gold: two annotated, written sentences of two documents of one subtopic whose main events (the
first event mention whose chain spans several documents, as training/build_pairs.py defines
it) are one chain; counted where both sentences have a claim (a claim that runs a headline
without a full stop into the lead stands for the longer of the two). Recall: the gold pairs linked by
some pair of their claims. Annotation is partial (about one sentence in ten): precision reads
the annotated sentences only.

Prints per topic and pooled: links, correct, wrong (of which across subtopics, and of those with
a side unannotated), ignored, precision, gold pairs, found, recall; the mapping's counts (claims
on no sentence or sharing one, gold pairs lacking a claim, sentences not found in the text); the
seconds each run took (the 7 held-out topics: about a minute on 2 cores).

    HF_HUB_OFFLINE=1 python benchmarks/links_dev.py [--data ../shared/data/ecbplus-dev]
        [--topics 3 8] [--json OUT] [--judge-model FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from build_pairs import ECB_DEV_TOPICS  # noqa: E402  (the topics kept out of training)

import compare  # noqa: E402
from compare.pipeline import Pipeline  # noqa: E402

GRADES = {"same": ("same",), "related": ("related",), "same or related": ("same", "related")}
COUNTS = ("links", "correct", "wrong", "wrong_across", "wrong_across_unannotated", "ignored", "gold", "found")


class Sentence(NamedTuple):
    """An ECB+ sentence as the scoring reads it."""

    article: str
    subtopic: str
    sid: int
    annotated: bool
    events: frozenset[str]  # its cross-document event chains
    main: str | None


def main_event(sentence: dict) -> str | None:
    """The sentence's first event mention whose chain spans several documents (build_pairs.py's ``main``)."""
    return next((m[0] for m in sentence["event_mentions"] if m[2]), None)


def locate(sentence: dict, text: str) -> tuple[int, int] | None:
    """Where the sentence lies in the article's text: the occurrence nearest its offset in the file,
    any whitespace matching any; None where the text does not hold it."""
    pattern = r"\s+".join(map(re.escape, sentence["text"].split()))
    found = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    return min(found, key=lambda span: abs(span[0] - sentence["start"])) if found else None


def article_sentences(article, key_file: dict) -> tuple[list[tuple[int, int, Sentence]], int]:
    """The article's written sentences with their spans in its text, and how many were not found."""
    spans, missing = [], 0
    for s in key_file["sentences"]:
        where = locate(s, article.text) if s["written"] else None
        missing += s["written"] and where is None
        if where is not None:
            spans.append((*where, Sentence(article.id, key_file["subtopic"], s["sid"], s["annotated"],
                                           frozenset(s["events"]), main_event(s))))
    return spans, missing


def map_claims(report, key: dict[str, dict], topic: str) -> tuple[dict[str, Sentence], set[Sentence], Counter]:
    """Each claim's sentence (the one it overlaps most, where it overlaps one), the sentences found
    in the articles, and the mapping's counts."""
    spans, stats = {}, Counter()
    for a in report.articles:
        spans[a.id], missing = article_sentences(a, key[f"{topic}/{Path(a.source).name}"])
        stats["sentences_not_found"] += missing
    sentence_of = {}
    for c in report.claims:
        overlap, s = max(((min(c.end, e) - max(c.start, b), s) for b, e, s in spans[c.article]),
                         key=lambda o: o[0], default=(0, None))
        if overlap > 0:
            sentence_of[c.id] = s
    stats["claims"] = len(report.claims)
    stats["claims_on_no_sentence"] = len(report.claims) - len(sentence_of)
    stats["claims_sharing_a_sentence"] = sum(n for n in Counter(sentence_of.values()).values() if n > 1)
    return sentence_of, {s for found in spans.values() for *_, s in found}, stats


def fact_links(report: dict) -> set[frozenset[str]]:
    """Pairs of claims of two articles in one fact (a cluster's "claims"; its "related", if any, left out)."""
    article = {c["id"]: c["article"] for c in report["claims"]}
    return {frozenset(p) for cl in report["clusters"] for p in combinations(cl["claims"], 2)
            if article[p[0]] != article[p[1]]}


def counterpart_links(report: dict) -> dict[str, set[frozenset[str]]]:
    """Pairs of claims of two articles by counterpart grade, a pair graded both ways kept under its
    stronger grade; empty when the report's claims carry no counterparts."""
    if not any("counterparts" in c for c in report["claims"]):
        return {}
    article = {c["id"]: c["article"] for c in report["claims"]}
    grade: dict[frozenset[str], str] = {}
    for c in report["claims"]:
        for k in c.get("counterparts") or ():
            if article[k["claim"]] != c["article"]:
                pair = frozenset((c["id"], k["claim"]))
                grade[pair] = "same" if "same" in (k["grade"], grade.get(pair)) else k["grade"]
    return {name: {p for p, g in grade.items() if g in grades} for name, grades in GRADES.items()}


def judge(a: Sentence | None, b: Sentence | None) -> str:
    """'correct', 'wrong' or 'ignored' for a link between the sentences a and b (None: no sentence)."""
    if a is None or b is None:
        return "ignored"
    if a.events & b.events:
        return "correct"
    if a.subtopic != b.subtopic or (a.annotated and b.annotated):
        return "wrong"
    return "ignored"


def gold_pairs(sentences: set[Sentence]) -> set[frozenset[Sentence]]:
    """Same-event pairs among the given sentences: annotated, of two articles of one subtopic, one main event."""
    told = [s for s in sentences if s.annotated and s.main]
    return {frozenset((x, y)) for x, y in combinations(told, 2)
            if x.article != y.article and x.subtopic == y.subtopic and x.main == y.main}


def score(links: set[frozenset[str]], sentence_of: dict[str, Sentence], gold: set[frozenset[Sentence]]) -> Counter:
    """One kind of link's counts against the gold."""
    out = Counter(links=len(links), gold=len(gold))
    linked = set()
    for pair in links:
        a, b = (sentence_of.get(c) for c in pair)
        verdict = judge(a, b)
        out[verdict] += 1
        if verdict == "wrong" and a.subtopic != b.subtopic:
            out["wrong_across"] += 1
            out["wrong_across_unannotated"] += not (a.annotated and b.annotated)
        if a is not None and b is not None:
            linked.add(frozenset((a, b)))
    out["found"] = len(gold & linked)
    return out


def rates(counts: Counter) -> dict:
    """The counts with precision (correct of correct and wrong) and recall (found of gold)."""
    judged = counts["correct"] + counts["wrong"]
    return {k: counts[k] for k in COUNTS} | {
        "precision": round(counts["correct"] / judged, 4) if judged else None,
        "recall": round(counts["found"] / counts["gold"], 4) if counts["gold"] else None}


def run_topic(pipe: Pipeline, data: Path, key: dict[str, dict], topic: str) -> dict:
    """One topic folder through the pipeline, its links scored: counts by kind of link, mapping counts, seconds."""
    t = time.perf_counter()
    report = pipe.run([data / topic])
    seconds = time.perf_counter() - t
    sentence_of, found, mapping = map_claims(report, key, topic)
    gold = gold_pairs(set(sentence_of.values()))
    mapping["gold_pairs_lacking_a_claim"] = len(gold_pairs(found) - gold)
    as_dict = report.to_dict()
    kinds = {"facts": fact_links(as_dict)} | counterpart_links(as_dict)
    return {"seconds": round(seconds, 1), "articles": len(report.articles), "mapping": dict(mapping),
            "links": {name: score(links, sentence_of, gold) for name, links in kinds.items()}}


def rate(value: float | None) -> str:
    """A precision or recall as printed."""
    return "  n/a" if value is None else f"{value:.3f}"


def line(name: str, counts: Counter) -> str:
    """One kind of link's figures, on one line."""
    r = rates(counts)
    return (f"  {name:16s} links {r['links']:5d}  correct {r['correct']:4d}  wrong {r['wrong']:4d} "
            f"(across subtopics {r['wrong_across']}, {r['wrong_across_unannotated']} with a side unannotated)  "
            f"ignored {r['ignored']:5d}  P {rate(r['precision'])}  |  gold {r['gold']:4d}  found {r['found']:4d}  "
            f"R {rate(r['recall'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data/ecbplus-dev", type=Path)
    ap.add_argument("--topics", nargs="+", default=sorted(ECB_DEV_TOPICS, key=int),
                    help="ECB+ topics to run (default: the held-out ones)")
    ap.add_argument("--json", dest="json_out", type=Path, help="write the figures to this file")
    ap.add_argument("--judge-model", type=Path, help="a pair-model folder in place of the bundled judge")
    args = ap.parse_args()
    print(f"package {Path(compare.__file__).parent}", flush=True)
    trained = set(args.topics) - ECB_DEV_TOPICS
    if trained:
        print(f"note: topics {', '.join(sorted(trained, key=int))} were used in training", flush=True)
    key = json.loads((args.data / "key.json").read_text(encoding="utf-8"))["files"]
    pipe = Pipeline()  # the CLI's defaults, no cache
    if args.judge_model:
        from compare.linking.judge import CrossEncoderJudge

        pipe.clusterer.judge = CrossEncoderJudge(args.judge_model)
    t = time.perf_counter()
    topics, pooled = {}, {}
    for topic in args.topics:
        got = topics[topic] = run_topic(pipe, args.data, key, topic)
        print(f"topic {topic}: {got['articles']} articles, {got['seconds']} s, "
              + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(got["mapping"].items())), flush=True)
        for name, counts in got["links"].items():
            print(line(name, counts), flush=True)
            pooled[name] = pooled.get(name, Counter()) + counts
    seconds = time.perf_counter() - t
    print(f"pooled over {len(args.topics)} topics, {seconds:.0f} s")
    for name, counts in pooled.items():
        print(line(name, counts))
    if args.json_out:
        out = {"package": str(Path(compare.__file__).parent), "seconds": round(seconds, 1),
               "pooled": {name: rates(c) for name, c in pooled.items()},
               "topics": {t: got | {"links": {name: rates(c) for name, c in got["links"].items()}}
                          for t, got in topics.items()}}
        args.json_out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
