"""Date resolution accuracy against the hand-made date gold.

Golds: tests/gold/dates/local.toml (the seed articles and tests/corpus, in the repository) and
benchmarks/dates_dev.toml (ECB+ and BASIL dev articles under the data root, which stays out of
the repository: that gold keeps offsets and a few words per item, never sentences). For each
article, `compare.dates.article_dates(text, published)` runs once with the gold's `published`
date (None where it is ""); each gold expression is matched to the returned mention that
overlaps its span most. An expected value is right when that mention's value equals it; an
expected "none" is right when no mention overlaps or the overlapping one has no value; a
dated expression no mention overlaps is "missed".

Prints accuracy per file, per kind and in total, and every wrong item (file, offsets,
expression, expected, got); for dev-set files only the gold expression and offsets, never the
article's text. Offsets are checked first (text == file_text[start:end]); a mismatch or a
missing file is an error line and the item is left out of the scores. Exits 0 after a run;
`--check` only validates the gold files and exits 1 when one is wrong.

    HF_HUB_OFFLINE=1 python benchmarks/dates.py [--data ../shared/data] [--json] [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCAL_GOLD = ROOT / "tests" / "gold" / "dates" / "local.toml"
DEV_GOLD = ROOT / "benchmarks" / "dates_dev.toml"


@dataclass(frozen=True)
class Item:
    """One gold date expression."""

    file: str  # as the gold writes it
    path: Path  # where it is read from
    start: int
    end: int
    text: str
    published: str | None
    expected: str
    kind: str
    dev: bool  # text under licence: never print it


@dataclass(frozen=True)
class Outcome:
    """How the tool did on one gold item."""

    item: Item
    right: bool
    got: str  # the value, "None" for a mention without one, "missed" for no mention
    span: tuple[int, int] | None  # the matched mention's offsets
    mention_text: str | None


def load(gold: Path, root: Path, dev: bool) -> list[Item]:
    """The gold's items, their files resolved against ``root``."""
    with gold.open("rb") as fh:
        data = tomllib.load(fh)
    return [
        Item(
            file=d["file"],
            path=root / d["file"],
            start=int(d["start"]),
            end=int(d["end"]),
            text=d["text"],
            published=d.get("published") or None,
            expected=str(d["expected"]),
            kind=d.get("kind", "other"),
            dev=dev,
        )
        for d in data.get("date", [])
    ]


def dev_root(data: str | None) -> Path:
    """The data root: --data, else the gold's own ``root`` (relative to the repository)."""
    if data:
        return Path(data).resolve()
    with DEV_GOLD.open("rb") as fh:
        return (ROOT / tomllib.load(fh).get("root", "../shared/data")).resolve()


def read_texts(items: Iterable[Item]) -> dict[Path, str]:
    """Each readable article's text, as Python reads it."""
    texts: dict[Path, str] = {}
    for path in {i.path for i in items}:
        if path.is_file():
            texts[path] = path.read_text(encoding="utf-8")
    return texts


def check(items: Sequence[Item], texts: dict[Path, str]) -> list[str]:
    """Error lines for items whose file is missing or whose offsets do not hold their text."""
    errors = []
    for i in items:
        if i.path not in texts:
            errors.append(f"error: {i.file}: file not found")
        elif not 0 <= i.start < i.end <= len(texts[i.path]) or texts[i.path][i.start : i.end] != i.text:
            errors.append(f"error: {i.file} [{i.start}:{i.end}] {i.text!r}: offsets do not hold the expression")
        if i.expected != "none" and not valid_value(i.expected):
            errors.append(f"error: {i.file} [{i.start}:{i.end}]: bad expected value {i.expected!r}")
    return errors


def valid_value(value: str) -> bool:
    """Whether ``value`` is one of the gold's formats (day, month, year, decade, yearless day)."""
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4}|\d{3}x|--\d{2}-\d{2}", value))


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters two spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def judge(item: Item, mentions: Sequence[Any]) -> Outcome:
    """Match the item to the mention overlapping it most and grade the value."""
    span = (item.start, item.end)
    best, best_overlap = None, 0
    for m in mentions:
        o = overlap(span, (m.start, m.end))
        if o > best_overlap:
            best, best_overlap = m, o
    if best is None:
        return Outcome(item, item.expected == "none", "missed", None, None)
    value = None if best.value is None else str(best.value)
    right = value is None if item.expected == "none" else value == item.expected
    return Outcome(item, right, "None" if value is None else value, (best.start, best.end), best.text)


def run(
    items: Sequence[Item], texts: dict[Path, str], resolve: Callable[[str, str | None], Sequence[Any]]
) -> list[Outcome]:
    """Run the resolver once per (article, published date) and grade its items."""
    groups: dict[tuple[Path, str | None], list[Item]] = defaultdict(list)
    for i in items:
        groups[(i.path, i.published)].append(i)
    outcomes = []
    for (path, published), group in groups.items():
        mentions = resolve(texts[path], published)
        outcomes.extend(judge(i, mentions) for i in group)
    return outcomes


def tally(outcomes: Iterable[Outcome], key: Callable[[Outcome], str]) -> dict[str, dict[str, float]]:
    """Right / total / accuracy per key, in first-seen order."""
    counts: dict[str, list[int]] = {}
    for o in outcomes:
        c = counts.setdefault(key(o), [0, 0])
        c[0] += o.right
        c[1] += 1
    return {k: {"right": r, "total": n, "accuracy": round(r / n, 3) if n else 0.0} for k, (r, n) in counts.items()}


def totals(outcomes: Sequence[Outcome], errors: Sequence[str]) -> dict[str, Any]:
    """The figures --json prints."""
    local = [o for o in outcomes if not o.item.dev]
    dev = [o for o in outcomes if o.item.dev]
    return {
        "total": tally(outcomes, lambda _: "all").get("all", {"right": 0, "total": 0, "accuracy": 0.0}),
        "local": tally(local, lambda _: "local").get("local", {"right": 0, "total": 0, "accuracy": 0.0}),
        "dev": tally(dev, lambda _: "dev").get("dev", {"right": 0, "total": 0, "accuracy": 0.0}),
        "by_kind": tally(outcomes, lambda o: o.item.kind),
        "by_file": tally(outcomes, lambda o: o.item.file),
        "missed": sum(o.got == "missed" and o.item.expected != "none" for o in outcomes),
        "errors": len(errors),
    }


def describe(o: Outcome) -> str:
    """One wrong item; dev-set items show only the gold expression, offsets and values."""
    i = o.item
    where = f"{i.file} [{i.start}:{i.end}] {i.text!r} (published {i.published or '-'})"
    got = o.got
    if o.span is not None:
        got += f" from [{o.span[0]}:{o.span[1]}]"
        if not i.dev:
            got += f" {o.mention_text!r}"
    return f"  wrong: {where}: expected {i.expected}, got {got}"


def report(outcomes: Sequence[Outcome], errors: Sequence[str]) -> None:
    """The text report."""
    t = totals(outcomes, errors)
    for line in errors:
        print(line)
    print("per file:")
    for name, c in t["by_file"].items():
        print(f"  {c['right']:3d}/{c['total']:<3d} {c['accuracy']:.3f}  {name}")
    print("per kind:")
    for name, c in sorted(t["by_kind"].items()):
        print(f"  {c['right']:3d}/{c['total']:<3d} {c['accuracy']:.3f}  {name}")
    wrong = [o for o in outcomes if not o.right]
    if wrong:
        print(f"wrong items ({len(wrong)}):")
        for o in wrong:
            print(describe(o))
    for name in ("local", "dev", "total"):
        c = t[name]
        if c["total"]:
            print(f"{name}: {c['right']}/{c['total']} = {c['accuracy']:.3f}")
    print(f"missed (no overlapping mention for a dated expression): {t['missed']}; errors: {t['errors']}")


def main(argv: Sequence[str] | None = None) -> int:
    """Check the golds, run the resolver, print the scores."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="data root holding ecbplus-dev/ and basil-dev/ (default: the dev gold's root)")
    ap.add_argument("--json", action="store_true", help="print the totals as JSON instead of the report")
    ap.add_argument("--check", action="store_true", help="only validate the gold files' offsets; exit 1 on an error")
    args = ap.parse_args(argv)

    items = load(LOCAL_GOLD, ROOT, dev=False)
    root = dev_root(args.data)
    if root.is_dir():
        items += load(DEV_GOLD, root, dev=True)
    else:
        print(f"note: no data root at {root}; dev-set gold skipped", file=sys.stderr)
    texts = read_texts(items)
    errors = check(items, texts)
    if args.check:
        for line in errors:
            print(line)
        print(f"{len(items)} gold items checked, {len(errors)} errors")
        return 1 if errors else 0

    broken = {
        (i.path, i.start, i.end) for i in items if i.path not in texts or texts[i.path][i.start : i.end] != i.text
    }
    scored = [i for i in items if (i.path, i.start, i.end) not in broken]

    from compare.dates import article_dates

    outcomes = run(scored, texts, article_dates)
    if args.json:
        print(json.dumps(totals(outcomes, errors), indent=2))
    else:
        report(outcomes, errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
