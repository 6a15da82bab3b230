"""Time and memory of whole runs as the corpus grows, on real news text.

Corpora of N articles are built (under --work, never committed) from ../shared/data's
ecbplus-dev (772 articles) and basil-dev (240): first the articles themselves, then wire copies,
as happens in real news: the same story run by another outlet ("<outlet> via wire k"), with one
paragraph in k + 2 left out so that no two copies are the same text. Each size runs in its own
process (peak RSS is per process): a cold run with an empty cache, then a warm re-run from that
cache. Prints per-stage seconds, claims per second, peak RSS, the warm run's share of the cold
one, and the growth exponent of the cold time between consecutive sizes.

Targets (issue 11): 10,000 articles in under an hour at under 4 GB; exponent at most 1.15;
warm re-run under 10 % of the cold run.

``--distinct`` builds corpora of distinct articles instead (issue 24): past the 1,012 dev
articles, each new article is one event's articles recombined, as outlets covering one event
write it: the lead paragraph of one of the event's articles, then two to four paragraphs drawn
from its other articles in a random order, under the lead's date and a new outlet name. Dates
and names stay those of the event. Every sentence of a recombined article loses two words at
seeded positions (never its first two), so that articles share almost no sentence and no cache
can collapse them: the run embeds, parses and judges every sentence, as it would for text
written apart. The builder prints the share of distinct sentences.

    python benchmarks/scale.py 250 1000 [--data ../shared/data] [--work .train/scale] [--distinct]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_HOUR_AT, TARGET_RSS_MB, TARGET_EXPONENT, TARGET_WARM = 10_000, 4096, 1.15, 0.10


def sources(data: Path) -> list[tuple[Path, dict]]:
    """Every dev article with its manifest row, in a fixed order."""
    out = []
    for name in ("ecbplus-dev", "basil-dev"):
        for folder in sorted((data / name).iterdir(), key=lambda p: (len(p.name), p.name)):
            man = folder / "manifest.csv"
            if not man.is_file():
                continue
            with open(man, newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    out.append((folder / row["file"], row))
    return out


def _write(corpus: Path, k: int, text: str, outlet: str, date: str) -> None:
    """Article ``k`` of a corpus, in folders of 200 with a manifest each."""
    folder = corpus / f"{k // 200:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"a{k:05d}.txt").write_text(text, encoding="utf-8")
    with open(folder / "manifest.csv", "a", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if fh.tell() == 0:
            w.writerow(["file", "outlet", "date", "url", "title"])
        w.writerow([f"a{k:05d}.txt", outlet, date, "", ""])


def build(data: Path, n: int, where: Path) -> Path:
    """A corpus of ``n`` articles under ``where`` (rebuilt only when missing)."""
    corpus = where / f"n{n}"
    if (corpus / "done").is_file():
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    src = sources(data)
    for k in range(n):
        path, row = src[k % len(src)]
        copy = k // len(src)
        text = path.read_text(encoding="utf-8")
        outlet = row["outlet"]
        if copy:
            paras = text.split("\n\n")
            text = "\n\n".join(p for i, p in enumerate(paras) if i == 0 or i % (copy + 2))
            outlet = f"{outlet} via wire {copy}"
        _write(corpus, k, text, outlet, row.get("date", ""))
    (corpus / "done").write_text("")
    return corpus


def events(data: Path) -> list[list[tuple[Path, dict]]]:
    """The dev articles grouped by event: ECB+'s two events of each topic apart, each BASIL
    triplet one event."""
    groups: dict[tuple[str, bool], list[tuple[Path, dict]]] = {}
    for path, row in sources(data):
        groups.setdefault((str(path.parent), "ecbplus" in path.name), []).append((path, row))
    return [g for _, g in sorted(groups.items()) if len(g) >= 2]


def _trim(sentence: str, rng) -> str:
    """The sentence with two words past its second dropped at seeded places (under six words:
    kept whole)."""
    words = sentence.split(" ")
    if len(words) < 6:
        return sentence
    drop = set(rng.sample(range(2, len(words)), 2))
    return " ".join(w for i, w in enumerate(words) if i not in drop)


def build_distinct(data: Path, n: int, where: Path) -> Path:
    """A corpus of ``n`` distinct articles (see the module docstring), rebuilt only when missing."""
    import random
    import re

    corpus = where / f"d{n}"
    if (corpus / "done").is_file():
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    src, groups = sources(data), events(data)
    seen: set[str] = set()
    total = 0
    for k in range(n):
        rng = random.Random(k)
        if k < len(src):
            path, row = src[k]
            text, outlet, date = path.read_text(encoding="utf-8"), row["outlet"], row.get("date", "")
        else:
            group = groups[k % len(groups)]
            lead_path, lead_row = group[rng.randrange(len(group))]
            paras = [p for p in lead_path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
            pool = [p for path, _ in group if path != lead_path
                    for p in path.read_text(encoding="utf-8").split("\n\n")[1:] if p.strip()]
            # a short first paragraph is a masthead or title line: it stays, with the lead after it
            head = 2 if len(paras) > 1 and len(paras[0].split()) < 8 else 1
            body = paras[head - 1:head] + (rng.sample(pool, min(len(pool), rng.randint(2, 4))) if pool
                                           else paras[head:head + 2])
            text = "\n\n".join(paras[:head - 1] + [" ".join(_trim(s, rng) for s in re.split(r"(?<=[.!?]) ", p))
                                                   for p in body])
            outlet, date = f"Desk {k % 97:02d}", lead_row.get("date", "")
        for sent in re.split(r"(?<=[.!?])\s+", text):
            if len(sent.split()) >= 6:  # mastheads and short lines repeat, as in real feeds
                total += 1
                seen.add(sent.strip())
        _write(corpus, k, text, outlet, date)
    print(f"corpus d{n}: {total} sentences of six words or more, {len(seen) / max(total, 1):.1%} distinct",
          flush=True)
    (corpus / "done").write_text("")
    return corpus


def one(corpus: Path, cache: Path | None) -> dict:
    """One run in this process: stage seconds, claims, peak RSS."""
    from compare.cache import Cache
    from compare.pipeline import Pipeline

    folders = sorted(p for p in corpus.iterdir() if p.is_dir())
    t = time.perf_counter()
    report = Pipeline(cache=Cache(cache) if cache else None).run(folders)
    wall = time.perf_counter() - t
    return {"articles": len(report.articles), "claims": len(report.claims), "wall": wall,
            "stages": dict(report.timings),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[250, 1000])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--work", type=Path, default=ROOT / ".train" / "scale")
    ap.add_argument("--distinct", action="store_true", help="recombined distinct articles, not wire copies")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.cache)))
        return 0
    rows = []
    for n in args.sizes:
        corpus = (build_distinct if args.distinct else build)(args.data, n, args.work)
        cache = args.work / f"{corpus.name}.cache.sqlite"
        cache.unlink(missing_ok=True)
        runs = []
        for _ in ("cold", "warm"):
            out = subprocess.run([sys.executable, __file__, "--one", str(corpus), "--cache", str(cache)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        cold, warm = runs
        rows.append((n, cold, warm))
        st = cold["stages"]
        print(f"{n:6d} articles {cold['claims']:7d} claims  cold {cold['wall']:7.1f} s "
              f"({cold['claims'] / cold['wall']:.0f} claims/s, peak {cold['rss_mb']:.0f} MB)  "
              f"warm {warm['wall']:6.1f} s = {warm['wall'] / cold['wall']:.1%}  | "
              + ", ".join(f"{k} {v:.1f}" for k, v in st.items()), flush=True)
    ok = True
    for (n0, c0, _), (n1, c1, _) in zip(rows, rows[1:], strict=False):
        e = math.log(c1["wall"] / c0["wall"]) / math.log(n1 / n0)
        print(f"growth exponent {n0} -> {n1}: {e:.2f}")
        ok &= e <= TARGET_EXPONENT
    ok &= all(warm["wall"] <= TARGET_WARM * cold["wall"] for _, cold, warm in rows)
    # to the target size: time with the exponent between the smallest and largest sizes run,
    # peak RSS along the straight line through them (one size: time and memory per article)
    (n0, c0, _), (n1, c1, _) = rows[0], rows[-1]
    e = math.log(c1["wall"] / c0["wall"]) / math.log(n1 / n0) if n1 > n0 else 1.0
    hour = c1["wall"] * (TARGET_HOUR_AT / n1) ** e
    slope = (c1["rss_mb"] - c0["rss_mb"]) / (n1 - n0) if n1 > n0 else c1["rss_mb"] / n1
    rss = c1["rss_mb"] + slope * (TARGET_HOUR_AT - n1)
    print(f"{TARGET_HOUR_AT} articles, extrapolated from the sizes run: {hour / 60:.0f} min, "
          f"peak RSS {rss / 1024:.1f} GB")
    ok &= hour <= 3600 and rss <= TARGET_RSS_MB
    print("targets met" if ok else "TARGET MISSED (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
