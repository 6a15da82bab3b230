"""Fit the judge's cascade: which candidate pairs are worth the pair model's time.

The pipeline runs over the dev corpora (../shared/data/ecbplus-dev and basil-dev, 1,012 news
articles) with every candidate judged; each judged pair is labelled by whether the stacked model
puts it at P(same) >= ``--label`` (0.3: pairs under the 0.6 that links still move average
linkage). A logistic regression over the pair's structure alone
(compare.linking.stack.STRUCTURE_FEATURES: cosine, word overlap, dates, numbers) predicts that label.
Its cut is chosen out of fold (two folds by article) as the lowest of the folds' cuts that keep
``--keep`` of the labelled pairs; the model is then fitted on all pairs and written, with its
figures, to cascade.json beside the judge's stack.json.

    python training/cascade.py [--data ../shared/data] [--keep 0.999] [--label 0.3] [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from compare.cache import Cache  # noqa: E402
from compare.linking.cluster import JudgedClusterer  # noqa: E402
from compare.linking.judge import CrossEncoderJudge  # noqa: E402
from compare.linking.stack import LINK_FEATURES, STRUCTURE_FEATURES
from compare.pipeline import DEFAULT_JUDGE_THRESHOLD, DEFAULT_K, DEFAULT_LEXICAL_WEIGHT, Pipeline  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ("ecbplus-dev", "basil-dev")


def judged_pairs(data: Path, cache: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Structure features, stacked P(same) and the fold (0/1, by article) of every candidate."""
    folders = [f for name in CORPORA for f in sorted((data / name).iterdir()) if (f / "manifest.csv").is_file()]
    pipe = Pipeline(clusterer=JudgedClusterer(threshold=DEFAULT_JUDGE_THRESHOLD, k=DEFAULT_K,
                                              lexical_weight=DEFAULT_LEXICAL_WEIGHT, cascade=False),
                    cache=Cache(cache))
    report = pipe.analyse(pipe.prepare(folders))  # run() would read a kept report: no links_
    links = pipe.clusterer.links_
    pairs = links.pairs()
    art = np.array([int(hashlib.sha256(c.article.encode()).hexdigest()[:8], 16) % 2 for c in report.claims])
    start = LINK_FEATURES.index(STRUCTURE_FEATURES[0])
    return links.features[:, start:], links.same, art[pairs[:, 0]]


def fit(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    sc = StandardScaler().fit(x)
    return sc, LogisticRegression(C=1.0, max_iter=2000).fit(sc.transform(x), y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=ROOT / ".train" / "cascade.sqlite")
    ap.add_argument("--keep", type=float, default=0.999, help="share of the links the cascade keeps, out of fold")
    ap.add_argument("--label", type=float, default=0.3,
                    help="stacked P(same) from which a pair counts as one the judge must read: 0.3 (shipped), "
                         "below the 0.6 that links, as pairs between still move average linkage")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    x, same, fold = judged_pairs(args.data, args.cache)
    y = (same >= args.label).astype(int)
    linked = same >= 1 - DEFAULT_JUDGE_THRESHOLD
    cuts, rows = [], {}
    for f in (0, 1):
        sc, lr = fit(x[fold != f], y[fold != f])
        p = lr.predict_proba(sc.transform(x[fold == f]))[:, 1]
        cut = float(np.quantile(p[y[fold == f] == 1], 1 - args.keep))
        kept = p >= cut
        cuts.append(cut)
        rows[f"fold {f}"] = {"pairs": int((fold == f).sum()), "cut": round(cut, 5),
                             "judged": round(float(kept.mean()), 4),
                             "links_kept": round(float(y[fold == f][kept].sum() / max(y[fold == f].sum(), 1)), 4),
                             "linked_kept": round(float(linked[fold == f][kept].sum()
                                                        / max(linked[fold == f].sum(), 1)), 4)}
        print(f"fold {f}", json.dumps(rows[f"fold {f}"]), flush=True)
    sc, lr = fit(x, y)
    cut = min(cuts)
    p = lr.predict_proba(sc.transform(x))[:, 1]
    summary = {"pairs": int(len(y)), "links": int(y.sum()), "judged_in_sample": round(float((p >= cut).mean()), 4)}
    print("all", json.dumps(summary | {"cut": round(cut, 5)}))
    if args.write:
        folder = CrossEncoderJudge()._folder()
        out = {"features": list(STRUCTURE_FEATURES), "mean": sc.mean_.round(6).tolist(),
               "scale": sc.scale_.round(6).tolist(), "coef": lr.coef_[0].round(6).tolist(),
               "intercept": round(float(lr.intercept_[0]), 6), "cut": round(cut, 6),
               "label": f"stacked P(same) >= {args.label:g}", "keep": args.keep,
               "fitted_on": list(CORPORA), **summary, "out_of_fold": rows}
        (folder / "cascade.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print("wrote", folder / "cascade.json")


if __name__ == "__main__":
    main()
