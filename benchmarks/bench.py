"""Stage timings and peak memory of a full run on the seeds (or on the paths given).

Targets (2 cores, no GPU): whole seed run under 15 s with the pair judge, including the
models' load; peak RSS under 1.5 GB; on a large corpus the judge under a third of the run.
Exits non-zero when a target is missed.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare.pipeline import Pipeline  # noqa: E402
from compare.report import VIEWS  # noqa: E402

TARGET_SECONDS = 15.0
TARGET_RSS_MB = 1500.0
TARGET_JUDGE_SHARE = 1 / 3


def main(argv: list[str]) -> int:
    paths = argv or [str(ROOT / "seeds")]
    t0 = time.perf_counter()
    report = Pipeline().run(paths)
    t_run = time.perf_counter() - t0
    sizes, times = {}, {}
    for files in VIEWS.values():
        for name, fn in files.items():
            t = time.perf_counter()
            sizes[name] = len(fn(report).encode("utf-8"))
            times[name] = time.perf_counter() - t
    t_render = sum(times.values())
    total = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles {len(report.articles)}  claims {len(report.claims)}  clusters {len(report.clusters)}")
    for stage, secs in report.timings.items():
        print(f"  {stage:8} {secs:7.2f} s")
    print(f"  {'render':8} {t_render:7.2f} s  (every view)")
    for name in times:
        print(f"    {name:15} {times[name] * 1000:6.0f} ms {sizes[name] / 1024:7.1f} KiB")
    share = report.timings.get("judge", 0.0) / t_run
    print(f"total {total:.2f} s (pipeline {t_run:.2f} s incl. model load)  peak RSS {rss_mb:.0f} MB"
          f"  judge {share:.0%} of the run ({report.params.get('candidates_per_article')} candidates per claim"
          " and article)")
    ok = rss_mb <= TARGET_RSS_MB
    if argv:  # a large corpus: the judge's share of the run
        ok = ok and share <= TARGET_JUDGE_SHARE
    else:  # the seeds: the time target
        ok = ok and total <= TARGET_SECONDS
    targets = (f"judge under {TARGET_JUDGE_SHARE:.0%} of the run" if argv else f"{TARGET_SECONDS:.0f} s") + \
        f", {TARGET_RSS_MB:.0f} MB"
    print("targets met" if ok else f"TARGET MISSED: {targets}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
