"""The framing profile against BASIL's experts, in one run of all 240 basil-dev articles (read
through training/story_data.py's cache; the text stays in ../shared).

Prints: the share of `lex` spans (the outlet's own loaded word choice) with a content word that
the report names as that outlet's framing term for the span's claim; flagged words per word of
text; the share of flagged words inside a span the experts marked (`lex` or `inf`); the framing
stage's share of the run (the loaded-word model's pass included). Then the same three figures
over a range of cuts (a precision-recall table), from the one run's scores.

The shipped models were fitted on these 240 articles, so these figures are in sample; the
five-fold figures of training/framing.py are the honest ones.

Targets: lex recall >= 0.5 at <= 0.05 flagged words per word; >= 1/3 of flagged words inside
experts' spans; framing under 20 % of the run. Exits non-zero when one is missed.

    python benchmarks/framing_dev.py [--cache .train/stories]
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import numpy as np  # noqa: E402
from framing import spans  # noqa: E402

from compare.framing import FRAMING_FEATURES, FramingProfiler, document_frequency, word_spans  # noqa: E402
from compare.pipeline import Pipeline  # noqa: E402

TARGET_RECALL, TARGET_DENSITY, TARGET_INSIDE, TARGET_SHARE = 0.5, 0.05, 1 / 3, 0.20


def score_flags(flags, marks, words) -> tuple[float, float, float]:
    """flags: (article, start, end) of every flagged word occurrence."""
    hit, inside = set(), 0
    for art, a, b in flags:
        m = marks[art]
        for k, (s, e) in enumerate(m["lex"]):
            if s <= a and b <= e:
                hit.add((art, k))
        inside += any(s <= a and b <= e for s, e in m["lex"] + m["inf"])
    total = sum(len(m["lex"]) for m in marks.values())
    return len(hit) / total, len(flags) / sum(words.values()), inside / max(len(flags), 1)


def word_scoring_cost(prep, sample: int = 1000) -> float:
    """Seconds the word scores add to the embedding pass, from timing both on ``sample`` claims."""
    embedder, profiler = Pipeline().embedder, FramingProfiler()  # what a run embeds with
    body = {a.id: a.text for a in prep.articles}
    claims = prep.claims[:: max(1, len(prep.claims) // sample)]
    texts = [" ".join(c.text.split()) for c in claims]
    spans = [word_spans(c, body[c.article], t) for c, t in zip(claims, texts, strict=True)]
    embedder.encode(texts[:8])  # load the model outside the timings
    t = time.perf_counter()
    embedder.encode(texts)
    plain = time.perf_counter() - t
    t = time.perf_counter()
    embedder.encode_words(texts, spans, profiler.word_bias)
    both = time.perf_counter() - t
    return max(0.0, both - plain) * len(prep.claims) / len(claims)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=ROOT / ".train" / "stories")
    args = ap.parse_args()
    with open(args.cache / "basil.pkl", "rb") as fh:
        prep = pickle.load(fh)["prep"]
    if not any(c.tokens for c in prep.claims) or getattr(prep, "words", None) is None:
        print("the cache predates claim tokens or word scores; rebuild it: make story-data")
        return 2
    marks = {a.id: spans(Path(a.source).parent, a) for a in prep.articles}
    words = {a.id: len(re.findall(r"\w+", a.text)) for a in prep.articles}
    t = time.perf_counter()
    pipe = Pipeline()
    report = pipe.analyse(prep)
    total = time.perf_counter() - t + sum(prep.timings.values())
    claims = {c.id: c for c in report.claims}
    texts = {a.id: a.text for a in report.articles}
    flags = []
    for s in report.stories:
        for _outlet, terms in s.framing:
            for term in terms:
                for cid in term.claims:
                    c = claims[cid]
                    said = set(term.term.lower().split())  # a lexicon phrase flags each of its words
                    flags += [(c.article, a, b) for a, b, *_ in c.tokens if texts[c.article][a:b].lower() in said]
    recall, density, inside = score_flags(flags, marks, words)
    subst = [(c, t) for s in report.stories for _o, terms in s.framing for t in terms if t.kind == "substitution"
             for c in (claims[i] for i in t.claims)]
    subst_in = [any(s <= a and b <= e for s, e in marks[c.article]["lex"] + marks[c.article]["inf"])
                for c, t in subst for a, b, *_ in c.tokens if texts[c.article][a:b].lower() == t.term]
    # the word scores come out of the embedding pass: their cost is what encode_words takes
    # over encode, measured on a sample of the claims and scaled to all of them
    extra = word_scoring_cost(prep)
    share = (report.timings["framing"] + extra) / total
    print(f"basil-dev one run: {len(report.stories)} stories; lex recall {recall:.3f}, "
          f"{density:.4f} flagged words per word, {inside:.3f} of them inside experts' spans; "
          f"framing {report.timings['framing']:.1f} s + word scoring {extra:.1f} s = {share:.1%} of the run "
          f"({total:.0f} s)")

    print(f"substitutions: {len({(c.outlet, t.term) for c, t in subst})} terms with another outlet's word "
          f"in their place, {np.mean(subst_in) if subst_in else 0:.3f} of their occurrences inside experts' spans")
    for c, t in subst[:12]:
        print(f"  {c.outlet}: {t.term!r} where " + "; ".join(f"{o} says {w!r}" for o, w, _ in t.instead))

    # the precision-recall table: the same run's candidates scored once, cut at each level
    story_of = {a: s.id for s in report.stories for a in s.articles}
    df, n = document_frequency(report.claims)
    by_story: dict[str, list] = {}
    for c in report.claims:
        by_story.setdefault(story_of[c.article], []).append(c)
    profiler = FramingProfiler()
    bias = dict(zip([c.id for c in prep.claims],
                    profiler.claim_bias(prep.embeddings, report.model.get("name")).tolist(), strict=True))
    # as the run scores them: the loaded-word model reads the claims the gate passes
    cands = {sid: profiler.read(by_story[sid], texts, df, n, bias, prep.words) for sid in sorted(by_story)}
    need = set().union(*(profiler.to_read(cs, prep.words) for cs in cands.values()))
    marked = pipe._marked([c for c in report.claims if c.id in need], texts)
    print(f"the loaded-word model read {len(need)} of {len(report.claims)} claims")
    scored = []
    for sid in sorted(by_story):
        scored += list(zip(*profiler.scored(cands[sid], prep.words, marked), strict=True))
    cut_now = profiler.describe()["framing_threshold"]
    model = profiler.scorer(prep.words)
    below = model.threshold - (model.lexicon_threshold if model.lexicon_threshold is not None else model.threshold)
    listed = FRAMING_FEATURES.index("lexicon")
    print(f"cut    lex recall  words/word  inside experts' spans  (framing-lexicon words from {below:.3f} lower)")
    for cut in np.round(np.arange(0.6, 0.96, 0.025), 3):
        f = [(c.claim.article, *c.claim.tokens[c.token][:2]) for c, p in scored
             if p >= cut or (c.features[listed] and p >= cut - below)]
        r, d, i = score_flags(f, marks, words)
        print(f"{cut:5.3f}  {r:10.3f}  {d:10.4f}  {i:10.3f}{'   <- shipped' if abs(cut - cut_now) < 1e-9 else ''}")
    ok = recall >= TARGET_RECALL and density <= TARGET_DENSITY and inside >= TARGET_INSIDE and share <= TARGET_SHARE
    print("targets met" if ok else "TARGET MISSED (see the figures above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
