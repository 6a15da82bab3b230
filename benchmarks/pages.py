"""How long each HTML page of a report takes to open in a real browser (issue 25: under 2 s at
1,000 articles, thread pages included).

Each page of the folder (report.html, teach.html, factcheck.html and every threads/*.html) is
opened from its file in Debian's headless chromium, driven by Playwright as the browser tests
drive it, one fresh page at a time. For each, the browser's own navigation timing is read: the
time to the DOMContentLoaded event (the page can be read) and to the load event (everything is
laid out, inline SVG included), with the file's size. Prints one line per page, then the
slowest; exits 1 when a page takes 2 s or more to load.

    python -m compare run CORPUS --out OUT --view all
    python benchmarks/pages.py OUT [--chromium /usr/bin/chromium] [--target 2.0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-quic", "--disable-component-update", "--disable-sync"]
TIMING = """() => { const n = performance.getEntriesByType('navigation')[0];
                    return [n.domContentLoadedEventEnd, n.loadEventEnd]; }"""


def pages(folder: Path) -> list[Path]:
    """The report's HTML pages: the top ones, then each thread's page, in name order."""
    top = [folder / n for n in ("report.html", "teach.html", "factcheck.html") if (folder / n).is_file()]
    return top + sorted((folder / "threads").glob("*.html"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="the --out folder of a `compare run --view all`")
    ap.add_argument("--chromium", default=os.environ.get("COMPARE_CHROMIUM") or shutil.which("chromium")
                    or "/usr/bin/chromium")
    ap.add_argument("--target", type=float, default=2.0, help="seconds a page may take to load")
    args = ap.parse_args()
    args.folder = args.folder.resolve()
    found = pages(args.folder)
    if not found:
        print(f"{args.folder}: no report.html or threads/*.html; give the --out folder of a run", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
        try:
            for path in found:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(path.as_uri(), wait_until="load", timeout=120_000)
                ready, load = (ms / 1000 for ms in page.evaluate(TIMING))
                page.close()
                rows.append((path.relative_to(args.folder), path.stat().st_size, ready, load))
                print(f"{str(rows[-1][0]):40s} {rows[-1][1] / 2**20:7.2f} MB  ready {ready:6.2f} s  load {load:6.2f} s",
                      flush=True)
        finally:
            browser.close()
    loads = [r[3] for r in rows]
    slow = max(rows, key=lambda r: r[3])
    print(f"{len(rows)} pages: load median {statistics.median(loads):.2f} s, slowest {slow[0]} {slow[3]:.2f} s "
          f"({slow[1] / 2**20:.1f} MB); target {args.target:.1f} s: {'met' if slow[3] < args.target else 'MISSED'}")
    return 0 if slow[3] < args.target else 1


if __name__ == "__main__":
    sys.exit(main())
