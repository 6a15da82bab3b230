"""Stories and threads on the dev corpora, each as one run: ecbplus-dev (772 articles, 66 events
of 33 kinds) and basil-dev (240 articles, 80 events), read through training/story_data.py's cache.

Prints, per set: story and thread ARI against the events; the share of shared facts (facts told
by two outlets or more) that join articles of two events, and of two events of one kind; facts
that join two threads (must be 0); omissions naming an outlet with no article in the fact's
stories (must be 0); and the grouping's share of the run. Then the grouping alone on 250, 500
and 1,000 articles: seconds and peak memory (tracemalloc) per article, to show it grows linearly.

The shipped story model was fitted on these sets and its cuts chosen on them: the figures are
in sample (training/stories.py prints how a model fitted on one set groups the other).

Targets: story ARI >= 0.9 on each set; under 2 % of ECB+ shared facts join two events of one
kind; no fact across threads; grouping under 10 % of each run (the scaling lines show its time
and memory per article at 250, 500 and 1,000 articles). Exits non-zero
when a target is missed.

    python benchmarks/stories_dev.py [--cache .train/stories] [--sets ecbplus basil] [--no-facts]
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from compare.pipeline import Pipeline, Prepared  # noqa: E402
from compare.stories import StoryGrouper  # noqa: E402

TARGET_ARI = 0.9
TARGET_KIND_MIX = 0.02
TARGET_GROUPING_SHARE = 0.10


def facts(name: str, prep: Prepared, labels: list[tuple[str, str]]) -> tuple[dict, bool]:
    t = time.perf_counter()
    report = Pipeline().analyse(prep)
    total = time.perf_counter() - t + sum(prep.timings.values())
    event = {a.id: ev for a, (ev, _) in zip(prep.articles, labels, strict=True)}
    kind = {a.id: k for a, (_, k) in zip(prep.articles, labels, strict=True)}
    story = {aid: s.id for s in report.stories for aid in s.articles}
    thread = {s.id: s.thread for s in report.stories}
    ids = list(event)
    ari = adjusted_rand_score([event[a] for a in ids], [story[a] for a in ids])
    tari = adjusted_rand_score([event[a] for a in ids], [thread[story[a]] for a in ids])
    article_of = {c.id: c.article for c in report.claims}
    outlets_of_story = {s.id: {a.outlet for a in report.articles if a.id in set(s.articles)}
                        for s in report.stories}
    shared = [c for c in report.clusters if len(c.outlets) > 1]
    two_events = two_of_kind = across = bad_missing = 0
    for c in report.clusters:
        arts = {article_of[x] for x in c.claims}
        evs = {event[a] for a in arts}
        if len({thread[story[a]] for a in arts}) > 1:
            across += 1
        covering = set().union(*(outlets_of_story[s] for s in {story[a] for a in arts}))
        bad_missing += any(o not in covering for o in c.missing)
        if len(c.outlets) > 1 and len(evs) > 1:
            two_events += 1
            two_of_kind += len(evs) > len({kind[a] for a in arts})
    out = {
        "articles": len(ids), "events": len(set(event.values())), "stories": len(report.stories),
        "threads": len(report.threads), "story_ari": round(ari, 3), "thread_ari": round(tari, 3),
        "shared_facts": len(shared),
        "shared_two_events": round(two_events / max(len(shared), 1), 4),
        "shared_two_events_of_a_kind": round(two_of_kind / max(len(shared), 1), 4),
        "facts_across_threads": across, "omissions_outside_story": bad_missing,
        "grouping_share": round(report.timings["stories"] / total, 4),
        "run_seconds": round(total, 1),
    }
    ok = (ari >= TARGET_ARI and across == 0 and bad_missing == 0
          and report.timings["stories"] / total <= TARGET_GROUPING_SHARE
          and (name != "ecbplus" or two_of_kind / max(len(shared), 1) < TARGET_KIND_MIX))
    return out, ok


def scaling(preps: list[Prepared]) -> None:
    """Grouping alone on growing slices of the dev articles: time and peak memory per article."""
    articles = [a for p in preps for a in p.articles]
    claims = [c for p in preps for c in p.claims]
    emb = np.vstack([p.embeddings for p in preps])
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        rows.setdefault(c.article, []).append(i)
    order = np.random.default_rng(0).permutation(len(articles))
    for n in (250, 500, 1000):
        pick = [articles[i] for i in sorted(order[:n])]
        idx = [i for a in pick for i in rows.get(a.id, [])]
        sub_claims = [claims[i] for i in idx]
        grouper = StoryGrouper()
        grouper.group(pick[:2], [c for c in sub_claims if c.article in {pick[0].id, pick[1].id}],
                      emb[[i for i in idx if claims[i].article in {pick[0].id, pick[1].id}]])
        tracemalloc.start()
        t = time.perf_counter()
        stories, threads = grouper.group(pick, sub_claims, emb[idx])
        secs = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"  grouping {n:5d} articles: {secs:6.2f} s, peak {peak:7.1f} MiB "
              f"({peak * 1024 / n:6.1f} KiB per article), {len(stories)} stories, {len(threads)} threads")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=ROOT / ".train" / "stories")
    ap.add_argument("--sets", nargs="+", default=["ecbplus", "basil"])
    ap.add_argument("--no-facts", action="store_true", help="skip the full runs (grouping only)")
    args = ap.parse_args()
    ok, preps = True, []
    for name in args.sets:
        with open(args.cache / f"{name}.pkl", "rb") as fh:
            d = pickle.load(fh)
        preps.append(d["prep"])
        if not args.no_facts:
            out, good = facts(name, d["prep"], d["labels"])
            ok &= good
            print(name, " ".join(f"{k}={v}" for k, v in out.items()), flush=True)
    scaling(preps)
    print("targets met" if ok else "TARGET MISSED (see the figures above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
