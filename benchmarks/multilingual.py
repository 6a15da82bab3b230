"""Cross-language linking on the project's parallel dev set (benchmarks/parallel/).

For each story, the English articles of tests/corpus/<story> are run together with their
translations (Russian, Spanish, and Armenian for river-dam), each translation as an outlet of
its own ("<outlet> (ru)"). A translation keeps the English article's own text only (the lines
the English ingest keeps), so what is measured is linking, not page chrome in other languages.

- translation recall: the share of translated sentences that end in the fact of the English
  sentence they translate;
- link precision: the share of the bridge's links (a translated claim to an English claim) that
  are right: to the claim of the sentence it translates, or to a claim of the same gold fact
  (tests/gold/<story>.toml);
- English facts unchanged: the English claims' pairs are the same as in the English-only run.

A second setting leaves each English article out in turn and runs its translations against
the other outlets' English articles (as a Russian original meets English reports that are no
translation of it): a link is right when the English claim is in the gold fact of the sentence
translated. A third runs all three stories together (each translation must find its own story). The
bridge's margin is chosen story by story: for each story, the lowest margin at
which the other two stories' pooled precision is at least 0.95 in both settings, then measured
on it.

    python benchmarks/multilingual.py [--margins 1.0,1.02,...] [--write-choice]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tomllib
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare.cache import Cache  # noqa: E402
from compare.ingest import read_articles  # noqa: E402
from compare.pipeline import Pipeline  # noqa: E402

PARALLEL = ROOT / "benchmarks" / "parallel"
MARGINS = (1.00, 1.02, 1.04, 1.06, 1.08, 1.10, 1.12, 1.15, 1.20)
MIN_PRECISION = 0.95


def build(story: str, work: Path, drop: str | None = None) -> tuple[Path, dict]:
    """The story's English articles and their translations in one folder (without the English
    article ``drop``, whose translations stay); where each record sits in each file:
    {(file, lang, record index): (start, end)}."""
    src = ROOT / "tests" / "corpus" / story
    recs = [json.loads(x) for x in (PARALLEL / f"{story}.jsonl").read_text(encoding="utf-8").splitlines()]
    langs = [k for k in recs[0] if k not in ("file", "line", "en")]
    manifest = tomllib.loads((src / "manifest.toml").read_text(encoding="utf-8"))["article"]
    outlet = {m["file"]: m for m in manifest}
    folder = work / (story if drop is None else f"{story}-without-{Path(drop).stem}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    english, _ = read_articles([src])
    kept_lines: dict[str, set[int]] = {}
    where: dict = {}
    for art in english:
        name = Path(art.source).name
        if name != drop:
            shutil.copy(src / name, folder / name)
        text = art.text
        lines = [(i, m) for i, m in enumerate(_line_spans(text))]
        own = [(s.start, s.end) for s in (*art.body, *art.headings)]
        kept_lines[name] = {i for i, (a, b) in lines if any(x < b and a < y for x, y in own)}
        for k, r in enumerate(recs):
            if r["file"] == name:
                a, _b = lines[r["line"]][1]
                off = text.index(r["en"], a)
                where[(name, "en", k)] = (off, off + len(r["en"]))
    entries = []
    for m in manifest:
        if m["file"] != drop:
            entries.append(dict(m) | {"language": "en"})
    for lang in langs:
        for name in sorted(kept_lines):
            if drop is not None and name != drop:
                continue
            out, pos = [], 0
            by_line: dict[int, list[int]] = {}
            for k, r in enumerate(recs):
                if r["file"] == name and r["line"] in kept_lines[name]:
                    by_line.setdefault(r["line"], []).append(k)
            for line in sorted(by_line):
                parts = []
                for k in by_line[line]:
                    if parts:
                        pos += 1
                    where[(f"{Path(name).stem}.{lang}.txt", lang, k)] = (pos, pos + len(recs[k][lang]))
                    pos += len(recs[k][lang])
                    parts.append(recs[k][lang])
                out.append(" ".join(parts))
                pos += 2
            fname = f"{Path(name).stem}.{lang}.txt"
            (folder / fname).write_text("\n\n".join(out) + "\n", encoding="utf-8")
            entries.append({"file": fname, "outlet": f"{outlet[name]['outlet']} ({lang})",
                            "date": outlet[name].get("date"), "language": lang})
    with (folder / "manifest.toml").open("w", encoding="utf-8") as fh:
        for e in entries:
            fh.write("[[article]]\n" + "".join(f'{k} = {json.dumps(v)}\n' for k, v in e.items() if v) + "\n")
    return folder, {"where": where, "records": recs, "langs": langs}


def _line_spans(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        if raw.strip():
            a = pos + len(raw) - len(raw.lstrip())
            out.append((a, a + len(raw.strip())))
        pos += len(raw) + 1
    return out


def claim_of(report, source_name: str, span: tuple[int, int]):
    """The claim of the file that overlaps the span most (None if none)."""
    best, most = None, 0
    arts = {a.id: a for a in report.articles}
    for c in report.claims:
        if Path(arts[c.article].source).name != source_name:
            continue
        o = min(c.end, span[1]) - max(c.start, span[0])
        if o > most:
            best, most = c, o
    return best


def gold_facts(story: str, report) -> dict[str, int]:
    """Claim id -> gold fact number, by quote."""
    gold = tomllib.loads((ROOT / "tests" / "gold" / f"{story}.toml").read_text(encoding="utf-8"))
    arts = {Path(a.source).name: a for a in report.articles}
    out = {}
    for n, fact in enumerate(gold.get("fact", [])):
        for q in fact["claims"]:
            a = arts.get(q["file"])
            if a is None or q["quote"] not in a.text:
                continue
            s = a.text.index(q["quote"])
            c = claim_of(report, q["file"], (s, s + len(q["quote"])))
            if c is not None:
                out[c.id] = n
    return out


def translations(report, info: dict, cluster_of: dict) -> tuple[dict[str, str], int, int]:
    """Translated claim id -> the English claim it translates; how many translated sentences,
    and how many of them share their original's fact."""
    where, recs = info["where"], info["records"]
    original: dict[str, str] = {}
    found = total = 0
    for (fname, lang, k), span in where.items():
        if lang == "en":
            continue
        t = claim_of(report, fname, span)
        e = claim_of(report, recs[k]["file"], where[(recs[k]["file"], "en", k)])
        if t is None or e is None:
            continue
        original.setdefault(t.id, e.id)
        total += 1
        found += cluster_of.get(t.id) == cluster_of.get(e.id)
    return original, total, found


def right_links(links: dict, original: dict, facts: dict) -> int:
    """Bridge links to the original sentence's claim or to a claim of its gold fact."""
    right = 0
    for t, (e, _m) in links.items():
        o = original.get(t)
        right += o is not None and (o == e or (o in facts and facts.get(o) == facts.get(e)))
    return right


def measure(story: str, report, info: dict, english_pairs: set) -> dict:
    cluster_of = {cid: cl.id for cl in report.clusters for cid in cl.claims}
    facts = gold_facts(story, report)
    original, total, found = translations(report, info, cluster_of)
    links = report.params.get("bridge", {}).get("links", {})
    right = right_links(links, original, facts)
    english = {a.id for a in report.articles if a.language == "en"}
    en = {c.id for c in report.claims if c.article in english}
    pairs = {(a, b) for cl in report.clusters for a in cl.claims for b in cl.claims
             if a < b and a in en and b in en}
    return {"sentences": total, "recall": found / max(total, 1), "links": len(links),
            "precision": right / max(len(links), 1), "right": right,
            "english_unchanged": pairs == english_pairs}


def record_facts(story: str, report, info: dict) -> dict[int, int]:
    """Record index -> gold fact number, through the claim that holds the English sentence."""
    facts = gold_facts(story, report)
    out = {}
    for (fname, lang, k), span in info["where"].items():
        if lang == "en":
            c = claim_of(report, fname, span)
            if c is not None and c.id in facts:
                out[k] = facts[c.id]
    return out


def measure_without(story: str, report, info: dict, fact_of_record: dict[int, int]) -> dict:
    """With the original left out: a link is right when the English claim is in the gold fact
    of the sentence translated; recall over translated sentences whose gold fact some English
    article in the run tells."""
    facts = gold_facts(story, report)
    told = set(facts.values())
    cluster_of = {cid: cl.id for cl in report.clusters for cid in cl.claims}
    members: dict[str, list[str]] = {}
    for cid, cl in cluster_of.items():
        members.setdefault(cl, []).append(cid)
    record_of: dict[str, int] = {}
    total = found = 0
    for (fname, lang, k), span in info["where"].items():
        if lang == "en":
            continue
        t = claim_of(report, fname, span)
        if t is None:
            continue
        record_of.setdefault(t.id, k)
        if fact_of_record.get(k) in told:
            total += 1
            found += any(facts.get(o) == fact_of_record[k] for o in members.get(cluster_of.get(t.id), []))
    links = report.params.get("bridge", {}).get("links", {})
    right = sum(fact_of_record.get(record_of.get(t, -1), -1) == facts.get(e, -2) for t, (e, _m) in links.items())
    return {"sentences": total, "found": found, "links": len(links), "right": right}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / ".train" / "multilingual")
    ap.add_argument("--margins", default=",".join(map(str, MARGINS)))
    args = ap.parse_args()
    margins = [float(x) for x in args.margins.split(",")]
    pipe = Pipeline(cache=Cache(args.work / "cache.sqlite"))
    table: dict[str, dict[float, dict]] = {}
    for f in sorted(PARALLEL.glob("*.jsonl")):
        story = f.stem
        folder, info = build(story, args.work)
        english_only = pipe.run([ROOT / "tests" / "corpus" / story])
        english_pairs = {(a, b) for cl in english_only.clusters for a in cl.claims for b in cl.claims if a < b}
        prep = pipe.prepare([folder])
        table[story] = {}
        for m in margins:
            pipe.bridge_margin = m
            table[story][m] = measure(story, pipe.analyse(prep), info, english_pairs)
            r = table[story][m]
            print(f"{story:15s} margin {m:.2f}  recall {r['recall']:.3f} ({r['sentences']} sentences)  "
                  f"precision {r['precision']:.3f} ({r['right']}/{r['links']})  "
                  f"english unchanged {r['english_unchanged']}", flush=True)

    print("\noriginal left out (each English article's translations against the other outlets):")
    without: dict[str, dict[float, dict]] = {}
    for story in table:
        src = ROOT / "tests" / "corpus" / story
        full_folder, full_info = build(story, args.work)
        fact_of_record = record_facts(story, pipe.run([full_folder]), full_info)
        without[story] = {m: {"sentences": 0, "found": 0, "links": 0, "right": 0} for m in margins}
        for f in sorted(src.glob("*.txt")):
            folder, info = build(story, args.work, drop=f.name)
            prep = pipe.prepare([folder])
            for m in margins:
                pipe.bridge_margin = m
                r = measure_without(story, pipe.analyse(prep), info, fact_of_record)
                for key in r:
                    without[story][m][key] += r[key]
        for m in margins:
            r = without[story][m]
            print(f"{story:15s} margin {m:.2f}  recall {r['found'] / max(r['sentences'], 1):.3f} "
                  f"({r['found']}/{r['sentences']})  precision {r['right'] / max(r['links'], 1):.3f} "
                  f"({r['right']}/{r['links']})", flush=True)
    for m in margins:
        links = sum(without[s][m]["links"] for s in without)
        right = sum(without[s][m]["right"] for s in without)
        print(f"  all stories, margin {m:.2f}: precision {right / max(links, 1):.3f} ({right}/{links})")

    print("\nall stories in one run (each article must find its own story among three):")
    mixed = args.work / "all-stories"
    shutil.rmtree(mixed, ignore_errors=True)
    mixed.mkdir(parents=True)
    infos, manifest = {}, ""
    for story in table:
        folder, infos[story] = build(story, args.work)
        for f in folder.glob("*.txt"):
            shutil.copy(f, mixed / f.name)
        manifest += (folder / "manifest.toml").read_text(encoding="utf-8")
    (mixed / "manifest.toml").write_text(manifest, encoding="utf-8")
    prep = pipe.prepare([mixed])
    for m in margins:
        pipe.bridge_margin = m
        report = pipe.analyse(prep)
        found = total = right = 0
        original, facts = {}, {}
        cluster_of = {cid: cl.id for cl in report.clusters for cid in cl.claims}
        for story, info in infos.items():
            facts.update({cid: (story, n) for cid, n in gold_facts(story, report).items()})
            got, n, k = translations(report, info, cluster_of)
            original.update(got)
            total, found = total + n, found + k
        links = report.params.get("bridge", {}).get("links", {})
        right = right_links(links, original, facts)
        print(f"  margin {m:.2f}  recall {found / max(total, 1):.3f} ({total} sentences)  "
              f"precision {right / max(len(links), 1):.3f} ({right}/{len(links)})", flush=True)

    def pooled(tab: dict, stories: list[str], m: float) -> float:
        links = sum(tab[s][m]["links"] for s in stories)
        return sum(tab[s][m]["right"] for s in stories) / links if links else 0.0

    def choose(stories: list[str]) -> float:
        """The lowest margin (the most links) at which the pooled precision of those stories
        is at least MIN_PRECISION, with the original in the run and without it."""
        ok = [m for m in margins if pooled(table, stories, m) >= MIN_PRECISION
              and pooled(without, stories, m) >= MIN_PRECISION]
        return min(ok) if ok else max(margins)

    print(f"\nheld out (margin chosen on the other stories: pooled precision >= {MIN_PRECISION} in both settings):")
    for story in table:
        m = choose([s for s in table if s != story])
        r, w = table[story][m], without[story][m]
        print(f"  {story:15s} margin {m:.2f}  translation recall {r['recall']:.3f}  precision {r['precision']:.3f} "
              f"({r['right']}/{r['links']})  | original left out: recall {w['found'] / max(w['sentences'], 1):.3f} "
              f"precision {w['right'] / max(w['links'], 1):.3f} ({w['right']}/{w['links']})  "
              f"english unchanged {r['english_unchanged']}")
    print(f"margin chosen on all stories: {choose(list(table)):.2f}")


if __name__ == "__main__":
    main()
