"""Pick the trained variant with the best dev objective: the mean of STS-B dev Spearman,
ECB+ dev-topic AUC and the average precision on the tuning golds (seeds, river-dam,
city-budget; chemical-spill stays held out). Test-set figures play no part."""

import json
import sys
from pathlib import Path

DEV = ("dev-stsb_spearman", "dev-ecb_auc", "gold-seeds_ap", "gold-river-dam_ap", "gold-city-budget_ap")


def objective(epoch: dict) -> float:
    return sum(epoch[k] for k in DEV) / len(DEV)


def main() -> None:
    best = None
    for run in sys.argv[1:]:
        f = Path(run) / "scores.json"
        if not f.exists():
            print(run, "no scores")
            continue
        last = json.loads(f.read_text())["epochs"][-1]
        obj = objective(last)
        print(run, round(obj, 4), json.dumps(last))
        if best is None or obj > best[0]:
            best = (obj, run)
    print("best", best)


if __name__ == "__main__":
    main()
