"""Time, memory and page size of whole runs on a hostile corpus: N one-line files, each the same
six sentences (issue 13: 2,000 such files took 800 s, 649 s of it grouping stories, and wrote a
111 MB thread page).

Each size runs in its own process (peak RSS is per process) with the shipped models and no
cache, then writes every view. Prints per-stage seconds, peak RSS, the largest HTML page written
(and report.json's size, which holds every claim) and the growth exponent of the run's time
between consecutive sizes.

Targets: growth exponent at most 1.15 (linear); peak RSS under 2 GB; no HTML page over 5 MB.

    python benchmarks/near_duplicates.py 500 1000 2000 [--work .train/near_duplicates]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_EXPONENT, TARGET_RSS_MB, TARGET_PAGE_MB = 1.15, 2048, 5
SIX = ["Dornish artillery shelled the town of Halmberg on Sunday night, killing 12 people.",
       "The Veskarian defence ministry said the attack began at midnight.",
       "Officials in Kaldor said 40 houses were destroyed.",
       "The minister promised to respond to the shelling.",
       "Aid agencies sent food and water to the town on Monday.",
       "Residents fled to the nearby city of Brenn."]


def build(n: int, where: Path) -> Path:
    """``n`` one-line files of the six sentences under ``where`` (rebuilt only when missing);
    each file is its own outlet (named after the file)."""
    corpus = where / f"n{n}"
    if (corpus / "done").is_file():
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    line = " ".join(SIX) + "\n"
    for k in range(n):
        (corpus / f"outlet{k:05d}.txt").write_text(line, encoding="utf-8")
    (corpus / "done").write_text("")
    return corpus


def one(corpus: Path) -> dict:
    """One run in this process: stage seconds, stories, peak RSS, the largest HTML page written."""
    from compare.pipeline import Pipeline
    from compare.report import write_reports

    t = time.perf_counter()
    report = Pipeline().run(sorted(corpus.glob("*.txt")))
    run = time.perf_counter() - t
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        written = write_reports(report, out, ["all"])
        largest = max((p for p in written if p.suffix == ".html"), key=lambda p: p.stat().st_size)
        page = (str(largest.relative_to(out)), largest.stat().st_size)
        data = sum(p.stat().st_size for p in written if p.name == "report.json")
    write = time.perf_counter() - t
    return {"articles": len(report.articles), "stories": len(report.stories), "run": run, "write": write,
            "stages": dict(report.timings), "page": page, "json": data,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[500, 1000, 2000])
    ap.add_argument("--work", type=Path, default=ROOT / ".train" / "near_duplicates")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    rows = []
    for n in args.sizes:
        corpus = build(n, args.work)
        out = subprocess.run([sys.executable, __file__, "--one", str(corpus)], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((n, r))
        wall = r["run"] + r["write"]
        print(f"{n:6d} files  {wall:7.1f} s (run {r['run']:.1f}, write {r['write']:.1f})  peak {r['rss_mb']:.0f} MB  "
              f"{r['stories']} stor{'y' if r['stories'] == 1 else 'ies'}  largest page {r['page'][0]} "
              f"{r['page'][1] / 1e6:.2f} MB, report.json {r['json'] / 1e6:.1f} MB  | "
              + ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items()),
              flush=True)
    ok = True
    for (n0, r0), (n1, r1) in zip(rows, rows[1:], strict=False):
        e = math.log((r1["run"] + r1["write"]) / (r0["run"] + r0["write"])) / math.log(n1 / n0)
        print(f"growth exponent {n0} -> {n1}: {e:.2f}")
        ok &= e <= TARGET_EXPONENT
    ok &= all(r["rss_mb"] <= TARGET_RSS_MB and r["page"][1] <= TARGET_PAGE_MB * 1e6 for _, r in rows)
    print("targets met" if ok else "TARGET MISSED (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
