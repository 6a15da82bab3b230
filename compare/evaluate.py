"""Score a run against an annotated gold file (format: tests/gold/README.md)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from .diverge import CONFLICT_GOLD_KINDS, GOLD_KINDS
from .errors import GoldError
from .ingest import unaccounted_words
from .schema import Report, Span


@dataclass(frozen=True)
class Quote:
    file: str
    quote: str


@dataclass(frozen=True)
class Fact:
    id: str
    verdict: str
    signals: tuple[str, ...]
    claims: tuple[Quote, ...]


@dataclass
class Gold:
    path: Path
    corpus: list[Path]
    facts: list[Fact] = field(default_factory=list)
    not_linked: list[tuple[Quote, Quote]] = field(default_factory=list)
    # pairs an annotator reads as the same event or issue told differently (not one fact)
    related: list[tuple[Quote, Quote]] = field(default_factory=list)
    non_claims: list[tuple[Quote, str]] = field(default_factory=list)
    stories: dict[str, list[Path]] = field(default_factory=dict)
    threads: dict[str, list[str]] = field(default_factory=dict)  # thread id -> story ids


def _quote(raw, where: str) -> Quote:
    if not isinstance(raw, dict) or not raw.get("file") or not raw.get("quote"):
        raise GoldError(f"{where}: needs {{ file = ..., quote = ... }}")
    return Quote(raw["file"], raw["quote"])


def load_gold(path: str | Path) -> Gold:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldError(f"{path}: cannot read gold file ({exc.strerror}); check the path") from exc
    except tomllib.TOMLDecodeError as exc:
        raise GoldError(f"{path}: not valid TOML ({exc}); fix the gold file") from exc
    corpus = [(path.parent / data["corpus"]).resolve()] if "corpus" in data else []
    gold = Gold(path, corpus)
    for s in data.get("story", []):
        if "paths" in s:
            gold.stories[s["id"]] = [(path.parent / p).resolve() for p in s["paths"]]
    known = set(gold.stories)
    for t in data.get("thread", []):
        if not t.get("id") or not isinstance(t.get("stories"), list):
            raise GoldError(f"{path}: a [[thread]] needs id = \"...\" and stories = [story ids]")
        unknown = [s for s in t["stories"] if s not in known]
        if unknown:
            raise GoldError(f"{path}: thread {t['id']} names unknown stories {unknown}; "
                            "give each a [[story]] with paths")
        twice = [s for s in t["stories"] if any(s in other for other in gold.threads.values())]
        if twice:
            raise GoldError(f"{path}: stories {twice} are in two threads; put each story in one")
        gold.threads[t["id"]] = list(t["stories"])
    if gold.stories and not corpus:
        gold.corpus = sorted({p for ps in gold.stories.values() for p in ps})
    if not gold.corpus:
        raise GoldError(f"{path}: names no corpus; add corpus = \"folder\" or [[story]] paths")
    for i, f in enumerate(data.get("fact", []), 1):
        where = f"{path}: fact {f.get('id', i)}"
        if f.get("verdict") not in ("agree", "diverge"):
            raise GoldError(f"{where}: verdict must be 'agree' or 'diverge'")
        bad = [k for k in f.get("signals", []) if k not in GOLD_KINDS]
        if bad:
            raise GoldError(f"{where}: unknown signal kind(s) {bad}; use {', '.join(GOLD_KINDS)}")
        gold.facts.append(Fact(f.get("id", str(i)), f["verdict"], tuple(f.get("signals", [])),
                               tuple(_quote(q, where) for q in f.get("claims", []))))
    for i, p in enumerate(data.get("not_linked", []), 1):
        gold.not_linked.append((_quote(p.get("a"), f"{path}: not_linked {i}"),
                                _quote(p.get("b"), f"{path}: not_linked {i}")))
    for i, p in enumerate(data.get("related", []), 1):
        gold.related.append((_quote(p.get("a"), f"{path}: related {i}"),
                             _quote(p.get("b"), f"{path}: related {i}")))
    for i, n in enumerate(data.get("non_claim", []), 1):
        gold.non_claims.append((_quote(n, f"{path}: non_claim {i}"), n.get("reason", "")))
    return gold


class _Locator:
    """Finds the claim of a report that holds a gold quote."""

    def __init__(self, report: Report):
        self.report = report
        self.by_name = {}
        for a in report.articles:
            self.by_name.setdefault(Path(a.source.split(":")[0]).name, []).append(a)
        self.claims_of = {}
        for c in report.claims:
            self.claims_of.setdefault(c.article, []).append(c)

    def span(self, q: Quote):
        for art in self.by_name.get(q.file, []):
            at = art.text.find(q.quote)
            if at >= 0:
                return art, at, at + len(q.quote)
        raise GoldError(f"quote not found in {q.file}: {q.quote[:60]!r}; fix the gold file")

    def claim(self, q: Quote) -> str | None:
        art, s, e = self.span(q)
        best, overlap = None, 0
        for c in self.claims_of.get(art.id, []):
            ov = min(e, c.end) - max(s, c.start)
            if ov > overlap:
                best, overlap = c.id, ov
        return best


CONFLICT_KINDS = ("contradiction", "number", "date")


def _conflict_scores(report, gold, fact_claims: list[list[str]]) -> dict:
    """Conflicts scored by their two sides, wherever the report raised them (a fact's own claims
    or a fact's claim and its related version): a conflict is right when both sides' claims are
    in one gold fact annotated with its kind; a gold fact's annotated conflict is found when some
    right conflict of that kind falls inside it."""
    facts_of: dict[str, set[int]] = {}
    for k, ids in enumerate(fact_claims):
        for cid in ids:
            facts_of.setdefault(cid, set()).add(k)
    found: set[tuple[int, str]] = set()
    wrong = []
    seen = set()
    for cl in report.clusters:
        for s in cl.signals:
            if s.kind != "conflict" or len(s.sides) < 2:
                continue
            key = (gold_kind(s), frozenset(side[1] for side in s.sides))
            if key in seen:
                continue
            seen.add(key)
            both = facts_of.get(s.sides[0][1], set()) & facts_of.get(s.sides[1][1], set())
            hit = [k for k in both if key[0] in gold.facts[k].signals]
            found.update((k, key[0]) for k in hit)
            if not hit:
                wrong.append(f"{s.about}: {s.sides[0][1]} / {s.sides[1][1]}")
    annotated = {(k, kind) for k, f in enumerate(gold.facts) for kind in f.signals if kind in CONFLICT_KINDS}
    return {"annotated": len(annotated), "found": len(found & annotated), "false": len(wrong),
            "missed": sorted(f"{gold.facts[k].id}: {kind}" for k, kind in annotated - found), "wrong": sorted(wrong)}


def _omission_scores(report, fact_claims: list[list[str]]) -> dict:
    """Outlets the report says do not tell a fact (``Cluster.missing``) that the gold has telling
    it: the fact's gold facts (those holding one of its claims) list a claim of that outlet."""
    outlet_of = {c.id: c.outlet for c in report.claims}
    facts_of: dict[str, set[int]] = {}
    for k, ids in enumerate(fact_claims):
        for cid in ids:
            facts_of.setdefault(cid, set()).add(k)
    named = false = 0
    wrong = []
    for cl in report.clusters:
        gold_facts = set().union(*(facts_of.get(c, set()) for c in cl.claims))
        tellers = {outlet_of[c] for k in gold_facts for c in fact_claims[k]}
        for o in cl.missing:
            named += 1
            if o in tellers:
                false += 1
                wrong.append(f"{cl.id}: {o}")
    return {"named": named, "false": false, "wrong": wrong}


def gold_kind(s) -> str:
    """The kind a gold annotates a signal as: a conflict by what it is about (a conflict of
    years is a "date" signal there, of actors or event words a "contradiction")."""
    return CONFLICT_GOLD_KINDS[s.about] if s.kind == "conflict" else s.kind


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
            "tp": tp, "fp": fp, "fn": fn}


def _bcubed(report: Report, gold_articles: set[str], fact_claims: list[list[str]]) -> dict[str, float]:
    """B-cubed precision, recall and F1 over every claim of the gold's articles (Bagga & Baldwin
    1998); a claim in no gold fact is its own class. Single-source claims weigh in, so the
    figures run higher than the pairwise ones."""
    ids = [c.id for c in report.claims if c.article in gold_articles]
    gold_class = {i: i for i in ids}
    for k, members in enumerate(fact_claims):
        for i in members:
            if gold_class.get(i) == i:
                gold_class[i] = f"fact-{k}"
    pred_class = {i: cl.id for cl in report.clusters for i in cl.claims if i in gold_class}
    by_gold: dict[str, set[str]] = {}
    by_pred: dict[str, set[str]] = {}
    for i in ids:
        by_gold.setdefault(gold_class[i], set()).add(i)
        by_pred.setdefault(pred_class[i], set()).add(i)
    if not ids:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    p = sum(len(by_pred[pred_class[i]] & by_gold[gold_class[i]]) / len(by_pred[pred_class[i]]) for i in ids) / len(ids)
    r = sum(len(by_pred[pred_class[i]] & by_gold[gold_class[i]]) / len(by_gold[gold_class[i]]) for i in ids) / len(ids)
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def _related_pairs(report: Report) -> set[frozenset[str]]:
    """The claim pairs the report grades ``related``."""
    return {frozenset((cid, k.claim)) for cid, ks in report.counterparts.items() for k in ks if k.grade == "related"}


def _counterpart_scores(report: Report, gold: Gold, loc: _Locator, gold_articles: set[str],
                        gold_pairs: set[frozenset[str]], same_pairs: set[frozenset[str]]) -> dict:
    """The ``related`` counterpart pairs scored: right when the gold puts both claims in one
    fact or lists them as ``[[related]]``; and link recall counting ``same`` or ``related``."""
    article_of = {c.id: c.article for c in report.claims}
    related = {p for p in _related_pairs(report) if all(article_of[c] in gold_articles for c in p)} - same_pairs
    annotated = {frozenset((loc.claim(a), loc.claim(b))) for a, b in gold.related}
    right = related & (gold_pairs | annotated)
    found = (same_pairs | related) & gold_pairs
    return {"related": len(related), "related_right": len(right),
            "related_precision": round(len(right) / len(related), 3) if related else 1.0,
            "recall_same_or_related": round(len(found) / len(gold_pairs), 3) if gold_pairs else 1.0,
            "gold_pairs": len(gold_pairs)}


def score(report: Report, gold: Gold) -> dict:
    """Link P/R/F1, verdict accuracy, signal false alarms, leaked non-claims, lost words."""
    loc = _Locator(report)
    cluster_of = {cid: cl for cl in report.clusters for cid in cl.claims}
    article_of = {c.id: c.article for c in report.claims}
    gold_articles = {a.id for a in report.articles
                     if any(Path(a.source.split(":")[0]).resolve().is_relative_to(p) or
                            Path(a.source.split(":")[0]).resolve() == p for p in gold.corpus)}
    out: dict = {"gold": str(gold.path)}

    if gold.facts:
        gold_pairs: set[frozenset[str]] = set()
        fact_claims: list[list[str]] = []
        unmatched = 0
        for f in gold.facts:
            ids = []
            for q in f.claims:
                cid = loc.claim(q)
                if cid is None:
                    unmatched += 1
                else:
                    ids.append(cid)
            fact_claims.append(ids)
            for a, b in combinations(sorted(set(ids)), 2):
                if article_of[a] != article_of[b]:
                    gold_pairs.add(frozenset((a, b)))
        pred_pairs = set()
        for cl in report.clusters:
            members = [c for c in cl.claims if article_of[c] in gold_articles]
            for a, b in combinations(members, 2):
                if article_of[a] != article_of[b]:
                    pred_pairs.add(frozenset((a, b)))
        out["links"] = _prf(len(pred_pairs & gold_pairs), len(pred_pairs - gold_pairs),
                            len(gold_pairs - pred_pairs))
        out["counterparts"] = _counterpart_scores(report, gold, loc, gold_articles, gold_pairs, pred_pairs)
        out["bcubed"] = _bcubed(report, gold_articles, fact_claims)
        out["gold_quotes_not_in_claims"] = unmatched

        correct, rows = 0, []
        kinds = {k: {"tp": 0, "fp": 0, "fn": 0} for k in GOLD_KINDS if k != "omission"}
        matched_clusters = set()
        for f, ids in zip(gold.facts, fact_claims, strict=True):
            best = None
            for cl in {cluster_of[i].id: cluster_of[i] for i in ids}.values():
                arts = {article_of[i] for i in ids if i in cl.claims}
                if len(arts) >= 2 and (best is None or len(arts) > best[0]):
                    best = (len(arts), cl)
            cl = best[1] if best else None
            predicted = cl.verdict if cl else "single-source"
            if cl:
                matched_clusters.add(cl.id)
            correct += predicted == f.verdict
            got = {gold_kind(s) for s in cl.signals} if cl else set()
            for k, counts in kinds.items():
                counts["tp"] += k in got and k in f.signals
                counts["fp"] += k in got and k not in f.signals
                counts["fn"] += k not in got and k in f.signals
            rows.append({"fact": f.id, "gold": f.verdict, "predicted": predicted,
                         "cluster": cl.id if cl else None,
                         "signals": sorted(got - {"omission"}), "gold_signals": list(f.signals)})
        # signals raised on multi-outlet clusters that match no gold fact are false alarms too
        stray = {k: 0 for k in kinds}
        for cl in report.clusters:
            if cl.id in matched_clusters or len(cl.outlets) < 2:
                continue
            if not any(c in gold_articles for c in (article_of[i] for i in cl.claims)):
                continue
            for s in cl.signals:  # a conflict is scored by its two sides (see _conflict_scores)
                if s.kind != "conflict" and gold_kind(s) in stray:
                    stray[gold_kind(s)] += 1
        out["verdict_accuracy"] = round(correct / len(gold.facts), 3)
        # the same over facts the clustering found: how well the signals judge, apart from linking
        linked = [r for r in rows if r["cluster"] is not None]
        out["facts_linked"] = len(linked)
        out["verdict_accuracy_linked"] = (
            round(sum(r["gold"] == r["predicted"] for r in linked) / len(linked), 3) if linked else None)
        out["facts"] = len(gold.facts)
        out["signals"] = {k: v | {"stray": stray[k]} for k, v in kinds.items()}
        out["conflicts"] = _conflict_scores(report, gold, fact_claims)
        out["omissions"] = _omission_scores(report, fact_claims)
        out["per_fact"] = rows

    if gold.not_linked:
        together = graded = 0
        related = _related_pairs(report)
        for a, b in gold.not_linked:
            ca, cb = loc.claim(a), loc.claim(b)
            if ca and cb and cluster_of[ca].id == cluster_of[cb].id:
                together += 1
            elif ca and cb and frozenset((ca, cb)) in related:
                graded += 1
        out["not_linked_violations"] = together
        out["not_linked_related"] = graded
        out["not_linked_pairs"] = len(gold.not_linked)

    if gold.non_claims:
        leaked = []
        for q, reason in gold.non_claims:
            art, s, e = loc.span(q)
            if any(min(e, c.end) > max(s, c.start) for c in loc.claims_of.get(art.id, [])):
                leaked.append({"file": q.file, "quote": q.quote, "reason": reason})
        out["non_claims"] = len(gold.non_claims)
        out["non_claims_leaked"] = leaked

    lost = 0
    for a in report.articles:
        if a.id in gold_articles:
            lost += len(unaccounted_words(a, [Span(c.start, c.end) for c in loc.claims_of.get(a.id, [])]))
    out["lost_words"] = lost

    if gold.stories:
        from sklearn.metrics import adjusted_rand_score

        truth = {p: sid for sid, ps in gold.stories.items() for p in ps}
        pred_story = {aid: s.id for s in report.stories for aid in s.articles}
        y_true, y_pred = [], []
        for a in report.articles:
            p = Path(a.source.split(":")[0]).resolve()
            if p in truth:
                y_true.append(truth[p])
                y_pred.append(pred_story[a.id])
        out["stories"] = {"articles": len(y_true), "gold": len(gold.stories),
                          "predicted": len(set(y_pred)),
                          "adjusted_rand_index": round(float(adjusted_rand_score(y_true, y_pred)), 3)}
        if gold.threads:
            thread_of = {sid: tid for tid, sids in gold.threads.items() for sid in sids}
            pred_thread = {s.id: s.thread for s in report.stories}
            t_true = [thread_of.get(s, f"story:{s}") for s in y_true]  # a story alone is its own thread
            t_pred = [pred_thread[s] for s in y_pred]
            out["threads"] = {"gold": len(set(t_true)), "predicted": len(set(t_pred)),
                              "adjusted_rand_index": round(float(adjusted_rand_score(t_true, t_pred)), 3)}
    return out


def summary_lines(result: dict) -> list[str]:
    """Human-readable lines for one gold file's scores."""
    lines = [f"gold: {result['gold']}"]
    if "links" in result:
        lk = result["links"]
        lines.append(f"  links      P {lk['precision']:.3f}  R {lk['recall']:.3f}  F1 {lk['f1']:.3f}"
                     f"  (tp {lk['tp']}, fp {lk['fp']}, fn {lk['fn']})")
        cp = result["counterparts"]
        lines.append(f"  related    P {cp['related_precision']:.3f} ({cp['related_right']} of {cp['related']})"
                     f"  recall counting same or related {cp['recall_same_or_related']:.3f}")
        b = result["bcubed"]
        lines.append(f"  B-cubed    P {b['precision']:.3f}  R {b['recall']:.3f}  F1 {b['f1']:.3f}"
                     "  (every claim; single-source claims count)")
        lines.append(f"  verdicts   accuracy {result['verdict_accuracy']:.3f} over {result['facts']} facts")
        if result["verdict_accuracy_linked"] is not None:
            lines.append(f"             {result['verdict_accuracy_linked']:.3f} over the {result['facts_linked']}"
                         " facts found as a multi-outlet cluster")
        fa = ", ".join(f"{k} {v['fp'] + v['stray']}" for k, v in result["signals"].items())
        lines.append(f"  false alarms per signal kind: {fa}")
        hit = ", ".join(f"{k} {v['tp']}/{v['tp'] + v['fn']}" for k, v in result["signals"].items()
                        if v["tp"] + v["fn"])
        lines.append(f"  signals found (of gold): {hit or 'none annotated'}")
        om = result["omissions"]
        lines.append(f"  omissions  {om['named']} named, {om['false']} where the gold has the outlet telling it"
                     + (f" ({', '.join(om['wrong'])})" if om["wrong"] else ""))
        cf = result["conflicts"]
        lines.append(f"  conflicts  {cf['found']} of {cf['annotated']} annotated found, {cf['false']} false"
                     + (f"; missed: {', '.join(cf['missed'])}" if cf["missed"] else "")
                     + (f"; false: {', '.join(cf['wrong'])}" if cf["wrong"] else ""))
    if "not_linked_pairs" in result:
        lines.append(f"  must-not-link pairs linked: {result['not_linked_violations']}"
                     f" of {result['not_linked_pairs']} (graded related: {result['not_linked_related']})")
    if "non_claims" in result:
        lines.append(f"  non-claims leaked into claims: {len(result['non_claims_leaked'])}"
                     f" of {result['non_claims']}")
    lines.append(f"  lost words: {result['lost_words']}")
    if "stories" in result:
        st = result["stories"]
        lines.append(f"  stories    ARI {st['adjusted_rand_index']:.3f}  ({st['predicted']} predicted,"
                     f" {st['gold']} in gold, {st['articles']} articles)")
    if "threads" in result:
        th = result["threads"]
        lines.append(f"  threads    ARI {th['adjusted_rand_index']:.3f}  ({th['predicted']} predicted,"
                     f" {th['gold']} in gold)")
    return lines


SWEEP_LINKAGES = ("average", "complete")
SWEEP_LEXICAL_WEIGHTS = (0.0, 0.25, 0.5, 0.6, 0.7, 0.8)
SWEEP_THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


SWEEP_JUDGE_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
SWEEP_JUDGE_K = (2, 3, 5)
SWEEP_JUDGE_LINKAGES = ("average", "complete", "single")


def _settings(clusterer):
    """The grid of clusterers a sweep scores: judged clustering when the pipeline has a judge."""
    from .linking.cluster import ClaimClusterer, JudgedClusterer
    from .linking.judge import MemoJudge

    if isinstance(clusterer, JudgedClusterer):
        judge = MemoJudge(clusterer._judge())
        for link in SWEEP_JUDGE_LINKAGES:
            for k in SWEEP_JUDGE_K:
                for th in SWEEP_JUDGE_THRESHOLDS:
                    yield {"linkage": link, "k": k, "threshold": th}, JudgedClusterer(
                        judge, th, k=k, linkage=link, lexical_weight=clusterer.lexical_weight,
                        stack=clusterer.stack, max_per_claim=clusterer.max_per_claim,
                        # every candidate judged: the cascade is fitted for the default threshold
                        min_similarity=clusterer.min_similarity, cascade=False)
        return
    for link in SWEEP_LINKAGES:
        for w in SWEEP_LEXICAL_WEIGHTS:
            for th in SWEEP_THRESHOLDS:
                yield {"linkage": link, "lexical_weight": w, "threshold": th}, ClaimClusterer(
                    th, link, lexical_weight=w)


def sweep_grid(pipe, golds: Sequence[Gold], prepared: Sequence) -> list[dict]:
    """Link F1 and verdict accuracy per gold over a grid of clustering settings.

    ``prepared`` holds one :class:`~compare.pipeline.Prepared` per gold, so the models run once
    (and the judge scores each pair once). ``objective`` is the mean of mean link precision,
    mean link F1 and mean verdict accuracy. The judged defaults were read off the rows: the
    fewest must-not-link pairs linked, then the highest objective.
    """
    rows = []
    original = pipe.clusterer
    for setting, clusterer in _settings(original):
        pipe.clusterer = clusterer
        try:
            res = [score(pipe.analyse(p), g) for g, p in zip(golds, prepared, strict=True)]
        finally:
            pipe.clusterer = original
        res = [r for r in res if "links" in r]
        f1 = [r["links"]["f1"] for r in res]
        prec = [r["links"]["precision"] for r in res]
        va = [r["verdict_accuracy"] for r in res]
        mnl = sum(r.get("not_linked_violations", 0) for r in res)
        mean_f1, mean_va = sum(f1) / max(len(f1), 1), sum(va) / max(len(va), 1)
        mean_p = sum(prec) / max(len(prec), 1)
        rows.append(setting | {"link_f1": f1, "link_precision": prec, "mean_link_f1": round(mean_f1, 3),
                               "mean_link_precision": round(mean_p, 3),
                               "verdict_accuracy": va, "mean_verdict_accuracy": round(mean_va, 3),
                               "not_linked_violations": mnl,
                               "objective": round((mean_p + mean_f1 + mean_va) / 3, 3)})
    return rows
