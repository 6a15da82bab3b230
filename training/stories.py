"""Fit and measure the story model (compare/models/stories/model.json).

Reads what training/story_data.py cached (ECB+ and BASIL dev, claims and embeddings) and the
project's own golds (seeds and tests/corpus, whose stories and threads tests/gold/mixed.toml
names). Fits a logistic regression on every article pair of each set (same story or not), then
sweeps the story and thread cuts, scoring the adjusted Rand index of one run over each whole set.

Figures printed: each set grouped by a model fitted on the *other* set, at the cut best for the
set scored (an upper bound on how it carries to news it was not fitted on); then every set by
the model fitted on both, which ``--write`` ships. Those are in sample: the model was fitted on
ECB+ and BASIL, and the cuts chosen on them and on the project's golds.

    python training/stories.py [--cache .train/stories] [--write]
"""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

import numpy as np
from fitted import linear
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score

from compare.evaluate import load_gold
from compare.pipeline import Pipeline
from compare.stories import (
    LEAD_CLAIMS,
    MODEL_PATH,
    STORY_FEATURES,
    TYPICAL_GAP_DAYS,
    StoryGrouper,
    StoryModel,
    pair_features,
    signatures,
)

ROOT = Path(__file__).resolve().parent.parent
STORY_GRID = np.round(np.arange(0.30, 0.86, 0.025), 3)
THREAD_GRID = np.round(np.arange(0.30, 0.96, 0.025), 3)  # only cuts at or above the story cut count


def load_sets(cache: Path) -> dict[str, dict]:
    sets = {}
    for name in ("ecbplus", "basil"):
        with open(cache / f"{name}.pkl", "rb") as fh:
            d = pickle.load(fh)
        prep = d["prep"]
        sets[name] = {"sig": signatures(prep.articles, prep.claims, prep.embeddings),
                      "story": [s for s, _ in d["labels"]],
                      # each event is its own affair in both sets
                      "thread": [s for s, _ in d["labels"]],
                      "kind": [k for _, k in d["labels"]]}
    gold = load_gold(ROOT / "tests" / "gold" / "mixed.toml")
    prep = Pipeline().prepare(gold.corpus)
    story_of = {p: sid for sid, ps in gold.stories.items() for p in ps}
    thread_of = {sid: tid for tid, sids in gold.threads.items() for sid in sids}
    story = [story_of[Path(a.source).resolve()] for a in prep.articles]
    sets["golds"] = {"sig": signatures(prep.articles, prep.claims, prep.embeddings), "story": story,
                     "thread": [thread_of.get(s, s) for s in story], "kind": story}
    return sets


def all_pairs(sig, labels) -> tuple[np.ndarray, np.ndarray]:
    n = len(labels)
    rows = np.arange(n)
    f = pair_features(sig, rows, rows)
    iu = np.triu_indices(n, 1)
    lab = np.asarray(labels)
    return f[iu], (lab[:, None] == lab[None, :])[iu].astype(int)


def fit(data: list[tuple[np.ndarray, np.ndarray]]) -> LogisticRegression:
    x = np.concatenate([d[0] for d in data])
    y = np.concatenate([d[1] for d in data])
    # each set weighs the same whatever its number of pairs
    w = np.concatenate([np.full(len(d[1]), 1.0 / len(d[1])) for d in data]) * len(y)
    return LogisticRegression(C=1.0, max_iter=2000).fit(x, y, sample_weight=w)


def as_model(lr: LogisticRegression, story: float = 0.5, thread: float = 0.7) -> StoryModel:
    return StoryModel(tuple(float(c) for c in lr.coef_[0]), float(lr.intercept_[0]), story, thread)


def story_ari(model: StoryModel, s: dict, t: float) -> tuple[float, np.ndarray]:
    labels = StoryGrouper(model).cluster(s["sig"], t)
    return adjusted_rand_score(s["story"], labels), labels


def kind_mix(s: dict, labels: np.ndarray) -> int:
    """Predicted stories holding articles of two events of one kind."""
    bad = 0
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        kinds = {s["kind"][i] for i in idx}
        events = {s["story"][i] for i in idx}
        bad += len(events) > len(kinds)
    return bad


def thread_ari(model: StoryModel, s: dict, labels: np.ndarray, t: float) -> float:
    groups = [np.flatnonzero(labels == lab) for lab in range(labels.max() + 1)]
    per_article = StoryGrouper(model).cluster(s["sig"], t, dates=False, groups=groups)
    return adjusted_rand_score(s["thread"], per_article)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path(".train/stories"))
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    sets = load_sets(args.cache)
    pairs = {k: all_pairs(v["sig"], v["story"]) for k, v in sets.items() if k != "golds"}
    print("pairs:", {k: (len(v[1]), int(v[1].sum())) for k, v in pairs.items()})

    # each dev set grouped by a model fitted on the other one
    for held, other in (("ecbplus", "basil"), ("basil", "ecbplus")):
        model = as_model(fit([pairs[other]]))
        scores = {t: story_ari(model, sets[held], t)[0] for t in STORY_GRID}
        best = max(scores, key=scores.get)
        print(f"{held:8s} by a model fitted on {other}: best ARI {scores[best]:.3f} at {best}; "
              + " ".join(f"{t}:{v:.3f}" for t, v in scores.items() if abs(t - best) <= 0.1))

    lr = fit(list(pairs.values()))
    print("coef", dict(zip(STORY_FEATURES, np.round(lr.coef_[0], 3), strict=True)),
          "intercept", round(float(lr.intercept_[0]), 3))
    model = as_model(lr)
    rows = []
    for t in STORY_GRID:
        r = {name: story_ari(model, s, t) for name, s in sets.items()}
        rows.append((t, r))
        print(f"story cut {t}: " + "  ".join(
            f"{name} {a:.3f} ({labels.max() + 1} stories, {kind_mix(sets[name], labels)} mix kinds)"
            for name, (a, labels) in r.items()))
    # the cut: best mean ARI over the three dev sets (ECB+, BASIL, the project's own golds)
    t_story, r = max(rows, key=lambda tr: (np.mean([v[0] for v in tr[1].values()]), -tr[0]))
    print(f"story cut chosen: {t_story}")
    trows = []
    for t in THREAD_GRID[THREAD_GRID >= t_story]:
        a = {name: thread_ari(model, s, r[name][1], t) for name, s in sets.items()}
        trows.append((t, a))
        print(f"thread cut {t}: " + "  ".join(f"{k} {v:.3f}" for k, v in a.items()))
    # the loosest cut that costs no dev set more than 0.005 ARI against its own threads (each
    # ECB+ and BASIL event is its own affair), beside its stories at the story cut
    floor = {k: thread_ari(model, s, r[k][1], t_story) for k, s in sets.items()}
    ok = [t for t, a in trows if all(a[k] >= floor[k] - 0.005 for k in sets)]
    t_thread = max(ok) if ok else t_story
    print(f"thread cut chosen: {t_thread}")
    if args.write:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps({
            "features": list(STORY_FEATURES),
            **linear(lr),
            "story_threshold": float(t_story),
            "thread_threshold": float(t_thread),
            "neighbours": model.neighbours,
            "lead_claims": LEAD_CLAIMS,
            "typical_gap_days": TYPICAL_GAP_DAYS,
            "fitted_on": [f"{name}-dev ({len(sets[name]['story'])} articles, "
                          f"{len(set(sets[name]['story']))} events)" for name in pairs],
        }, indent=2) + "\n")
        print(f"wrote {MODEL_PATH}")


if __name__ == "__main__":
    main()
