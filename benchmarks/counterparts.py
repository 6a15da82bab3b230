"""Choose and check the P(same) a ``related`` counterpart needs, on the golds.

Runs the pipeline once per gold with every mutual best match kept (related cut 0), then for each
cut counts the related pairs that are right (both claims in one gold fact, or a gold
``[[related]]`` pair), the must-not-link pairs graded related, and link recall counting ``same``
or ``related``. The shipped cut (compare.linking.counterparts.DEFAULT_RELATED) is the lowest at
which related precision on the tuning golds, pooled, is at least 0.7 with no must-not-link pair
graded related; chemical-spill is held out and reported beside.

    python benchmarks/counterparts.py [--golds seeds river-dam city-budget chemical-spill]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from compare.evaluate import load_gold, score
from compare.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
TUNING = ("seeds", "river-dam", "city-budget")
CUTS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55)


def at_cut(report, cut: float):
    """The report with the related counterparts under ``cut`` dropped."""
    kept = {cid: tuple(k for k in ks if k.grade == "same" or (k.p is not None and k.p >= cut))
            for cid, ks in report.counterparts.items()}
    return replace(report, counterparts=kept)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--golds", nargs="+", default=[*TUNING, "chemical-spill"])
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    pipe = Pipeline(related=0.0)
    rows = {}
    for name in args.golds:
        gold = load_gold(ROOT / "tests" / "gold" / f"{name}.toml")
        report = pipe.run(gold.corpus)
        rows[name] = {}
        for cut in CUTS:
            r = score(at_cut(report, cut), gold)
            cp = r["counterparts"]
            rows[name][cut] = cp | {"same_precision": r["links"]["precision"], "same_recall": r["links"]["recall"],
                                    "not_linked_related": r.get("not_linked_related", 0)}
    print(f"{'cut':>5} " + " ".join(f"{g[:14]:>30}" for g in args.golds) + f" {'tuning pooled':>22}")
    for cut in CUTS:
        cells = []
        for g in args.golds:
            c = rows[g][cut]
            cells.append(f"P {c['related_precision']:.2f} ({c['related_right']:>2}/{c['related']:>2}) "
                         f"R {c['recall_same_or_related']:.2f} mnl {c['not_linked_related']}")
        tuned = [rows[g][cut] for g in args.golds if g in TUNING]
        right, n = sum(c["related_right"] for c in tuned), sum(c["related"] for c in tuned)
        mnl = sum(c["not_linked_related"] for c in tuned)
        print(f"{cut:>5} " + " ".join(f"{x:>30}" for x in cells)
              + f"   P {right / n if n else 1:.3f} ({right}/{n}) mnl {mnl}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
