"""Read the story-grouping dev corpora once and keep what the grouper needs (claims, claim
embeddings, article dates) under .train/stories/, so fitting and sweeping take seconds.

- ecbplus-dev: 772 articles; the story is the subtopic (one real event), the kind is the topic.
- basil-dev: 240 articles; the story is the triplet (one event told by three outlets).

Labels come from each set's key.json. Beside each cache, a story gold (file paths only) for
`compare evaluate .train/stories/ecbplus.toml`. Nothing here is committed: the text stays in
../shared.

    python training/story_data.py --data ../shared/data --out .train/stories
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from pathlib import Path

from compare.pipeline import Pipeline


def ecbplus(root: Path) -> tuple[list[Path], dict[str, tuple[str, str]]]:
    """Topic folders, and {resolved file: (story, kind)}."""
    key = json.loads((root / "key.json").read_text())["files"]
    labels = {str((root / f).resolve()): (f"{v['topic']}-{v['subtopic']}", str(v["topic"]))
              for f, v in key.items()}
    dirs = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: int(p.name))
    return dirs, labels


def basil(root: Path) -> tuple[list[Path], dict[str, tuple[str, str]]]:
    key = json.loads((root / "key.json").read_text())
    labels = {str((root / f).resolve()): (v["triplet"], v["triplet"]) for f, v in key.items()}
    return sorted(p for p in root.iterdir() if p.is_dir()), labels


def write_gold(path: Path, articles, labels: list[tuple[str, str]]) -> None:
    """A story gold for `compare evaluate` (file paths only, no text): one [[story]] per event."""
    members: dict[str, list[str]] = {}
    for a, (story, _) in zip(articles, labels, strict=True):
        members.setdefault(story, []).append(str(Path(a.source).resolve()))
    lines = [f"# {path.stem}: one [[story]] per event; written by training/story_data.py\n"]
    for story, paths in members.items():
        lines.append(f"[[story]]\nid = {json.dumps(story)}\npaths = {json.dumps(paths)}\n")
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path(".train/stories"))
    ap.add_argument("--only", choices=["ecbplus", "basil"])
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pipe = Pipeline()
    for name, loader in (("ecbplus", ecbplus), ("basil", basil)):
        if args.only and name != args.only:
            continue
        dirs, labels = loader(args.data / f"{name}-dev")
        t = time.perf_counter()
        prep = pipe.prepare(dirs)
        story = [labels[str(Path(a.source).resolve())] for a in prep.articles]
        with open(args.out / f"{name}.pkl", "wb") as fh:
            pickle.dump({"prep": prep, "labels": story, "embedder": pipe.embedder.describe()["name"]}, fh)
        write_gold(args.out / f"{name}.toml", prep.articles, story)
        print(f"{name}: {len(prep.articles)} articles, {len(prep.claims)} claims, "
              f"{time.perf_counter() - t:.0f} s", flush=True)


if __name__ == "__main__":
    main()
