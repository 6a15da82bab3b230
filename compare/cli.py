"""Command line: parse, call the library, print. Errors become one line and exit code 1."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import CompareError, printable
from .ingest import MAX_ARTICLE_CHARS
from .ingest.web import MAX_ENTRIES


def _error(message: str) -> click.ClickException:
    """The one ``Error:`` line, with whatever the input carried (escape sequences, bytes of a
    file name) shown as escapes, never sent to the terminal raw."""
    return click.ClickException(printable(message))


def _judge(judge: str, judge_model: str | None):
    from .linking.judge import CrossEncoderJudge, OverlapJudge

    return OverlapJudge() if judge == "overlap" else CrossEncoderJudge(judge_model)


def _pipeline(model: str | None, embedder: str, threshold: float | None, linkage: str | None,
              lexical_weight: float | None = None, judge: str = "model", judge_model: str | None = None,
              cache: str | None = None, no_cache: bool = False, one_story: bool = False):
    from .embed import HashingEmbedder, OnnxEmbedder, SentenceTransformerEmbedder
    from .linking.cluster import ClaimClusterer, JudgedClusterer
    from .pipeline import (
        DEFAULT_JUDGE_THRESHOLD,
        DEFAULT_K,
        DEFAULT_LEXICAL_WEIGHT,
        DEFAULT_LINKAGE,
        DEFAULT_THRESHOLD,
        Pipeline,
    )

    if embedder == "hashing":
        emb = HashingEmbedder()
    elif embedder == "onnx" and model is None:
        emb = OnnxEmbedder()
    else:  # a --model folder is a sentence-transformers model
        emb = SentenceTransformerEmbedder(model)
    weight = lexical_weight if lexical_weight is not None else DEFAULT_LEXICAL_WEIGHT
    if judge == "none":
        clusterer = ClaimClusterer(threshold if threshold is not None else DEFAULT_THRESHOLD,
                                   linkage or DEFAULT_LINKAGE, lexical_weight=weight)
    else:
        if threshold is not None and threshold >= 1:
            raise click.BadParameter("with a judge, --threshold is 1 - P(same), between 0 and 1",
                                     param_hint="--threshold")
        clusterer = JudgedClusterer(_judge(judge, judge_model),
                                    threshold if threshold is not None else DEFAULT_JUDGE_THRESHOLD,
                                    k=DEFAULT_K, linkage=linkage or DEFAULT_LINKAGE, lexical_weight=weight)
    # one_story: every article in one story and thread, so that any two are compared (diff)
    from .stories import StoryGrouper

    grouper = StoryGrouper(story_threshold=1.0, thread_threshold=1.0) if one_story else None
    return Pipeline(embedder=emb, clusterer=clusterer, grouper=grouper,
                    cache=None if no_cache else open_cache(cache))


def open_cache(path: str | None):
    """The cache at ``path`` (default: the user's cache folder), or a one-line error."""
    import sqlite3

    from .cache import Cache, default_path

    where = Path(path) if path else default_path()
    try:
        return Cache(where)
    except (sqlite3.Error, OSError) as exc:
        raise CompareError(f"cannot open the cache {where} ({exc}); pass --cache with a writable "
                           "file, or --no-cache") from None


class _Printable(logging.Formatter):
    """Log lines as :func:`printable` shows them, each line of a record alone."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(printable(line) for line in super().format(record).split("\n"))


@contextmanager
def _cluster(pipe, address: str | None, workers: int | None):
    """Route the pipeline's model work through Dask while the block runs (when asked)."""
    if not address and not workers:
        yield
        return
    from .distribute import connect, on_cluster

    client = connect(address, workers)
    try:
        on_cluster(pipe, client)
        yield
    finally:
        cluster = client.cluster if not address else None
        client.close()
        if cluster is not None:
            cluster.close()


def _setup_logging(verbose: int, quiet: bool = False) -> None:
    from . import progress

    progress.enable(False if quiet else None)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Printable("%(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
                        handlers=[handler])


model_options = [
    click.option("--model", metavar="NAME_OR_PATH",
                 help="sentence-transformers model folder (default: bundled all-MiniLM-L6-v2); "
                      "implies --embedder sentence-transformers."),
    click.option("--embedder", type=click.Choice(["onnx", "sentence-transformers", "hashing"]),
                 default="onnx", show_default=True,
                 help="'onnx' runs the bundled all-MiniLM-L6-v2 as int8 ONNX (1.6x fp32's speed); "
                      "'sentence-transformers' runs it (or --model) in fp32 with PyTorch; 'hashing' runs "
                      "without a model (fast, lexical only)."),
    click.option("--judge", type=click.Choice(["model", "overlap", "none"]), default="model", show_default=True,
                 help="what decides that two claims state one fact: the bundled pair model, a word-overlap "
                      "stand-in, or none (clustering on embedding and word-overlap distance alone)."),
    click.option("--judge-model", metavar="PATH", help="a pair-model folder (default: the bundled one)."),
    click.option("--threshold", type=click.FloatRange(0.01, 1.99), default=None,
                 help="distance under which claims are one fact: 1 - P(same) with a judge, the mixed "
                      "cosine distance without (default: tuned value)."),
    click.option("--linkage", type=click.Choice(["average", "complete", "single"]), default=None,
                 help="agglomerative linkage (default: tuned value)."),
    click.option("--lexical-weight", type=click.FloatRange(0.0, 1.0), default=None,
                 help="share of TF-IDF word overlap in the claim distance (default: tuned value)."),
    click.option("--cache", "cache_path", metavar="PATH", type=click.Path(dir_okay=False),
                 help="SQLite file that keeps claims, embeddings and pair scores between runs "
                      "(default: compare/cache.sqlite in the user's cache folder)."),
    click.option("--no-cache", is_flag=True, help="compute everything; read and write no cache."),
    click.option("-v", "--verbose", count=True, help="stage timings on stderr; -vv for detail."),
    click.option("--dask", "dask_address", metavar="ADDRESS",
                 help="run the model work (claims, embeddings, pair scores) on the Dask scheduler at ADDRESS "
                      "(e.g. tcp://host:8786); the report is the same bytes."),
    click.option("--workers", type=click.IntRange(1, 256), default=None,
                 help="run the model work on a local Dask cluster of N processes."),
    click.option("-q", "--quiet", is_flag=True, help="no progress bars (they show only on a terminal)."),
]


def with_model_options(fn):
    for opt in reversed(model_options):
        fn = opt(fn)
    return fn


class _Group(click.Group):
    """click's own error lines (a bad option value, an unknown command) made printable too."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            exc.message = printable(exc.message)
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            exc.message = printable(exc.message)
            raise


@click.group(cls=_Group)
@click.version_option(package_name="compare-news")
def cli():
    """Compare how news outlets report the same story, claim by claim."""


def _writable(out_dir: str) -> None:
    """One error line, now, when the reports cannot be written to ``out_dir``."""
    import tempfile

    target = Path(out_dir).absolute()
    probe = target
    while not probe.exists() and probe != probe.parent:  # the nearest part of the path already there
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(20, "a file is in the way", str(probe))
        if probe == target:
            with tempfile.TemporaryFile(dir=target):
                pass
        else:  # nothing is created yet: a bad input still leaves no trace
            with tempfile.TemporaryDirectory(dir=probe):
                pass
    except OSError as exc:
        raise _error(f"cannot write the reports to {out_dir} ({exc.strerror or exc}); choose another --out") from None


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "out_dir", default="reports/latest", show_default=True,
              help="folder the views' files are written to.")
@click.option("--view", "views", type=click.Choice(["report", "teach", "factcheck", "all"]), multiple=True,
              default=["report"], show_default=True,
              help="report: report.html/.md/.json and facts.csv; teach: teach.html/.md worksheet; "
                   "factcheck: factcheck.html/.md; all: every view. Repeat to pick several.")
@click.option("--manifest", type=click.Path(dir_okay=False),
              help="TOML or CSV naming each file's outlet, date and url.")
@click.option("--outlets", "outlets_file", type=click.Path(dir_okay=False),
              help="extra outlets (TOML as compare/data/outlets.toml, or CSV as compare/data/outlets.csv).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
              help="feeds: only entries published on or after this day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]),
              help="feeds: only entries published on or before this day (YYYY-MM-DD).")
@click.option("--strict", is_flag=True,
              help="stop at the first input that cannot be read, instead of skipping it with a warning.")
@click.option("--max-article-chars", type=click.IntRange(min=1000), default=MAX_ARTICLE_CHARS, show_default=True,
              help="an article longer than this is skipped (listed under 'skipped' in the report).")
@click.option("--max-entries", type=click.IntRange(min=1), default=MAX_ENTRIES, show_default=True,
              help="feeds: entries read at most from each feed (after --since/--until); one warning says "
                   "how many more there were.")
@click.option("--follow-links", is_flag=True,
              help="read symbolic links that lead out of the folders given (by default they are skipped "
                   "with a warning).")
@with_model_options
def run(paths, out_dir, views, manifest, outlets_file, since, until, strict, max_article_chars, max_entries,
        follow_links, model,
        embedder, judge, judge_model, threshold, linkage, lexical_weight, cache_path, no_cache, dask_address, workers,
        verbose, quiet):
    """Compare the articles in PATHS and write reports to --out.

    PATHS are files, folders (read at every level), http(s) addresses of pages or RSS/Atom
    feeds, or saved feed files (.xml, .rss, .atom). Only the addresses given, and a feed's
    entries, are fetched."""
    _setup_logging(verbose, quiet)
    from .ingest.web import Fetcher, is_url
    from .report import write_reports

    _writable(out_dir)  # before minutes of work, not after
    fetcher = None
    try:
        pipe = _pipeline(model, embedder, threshold, linkage, lexical_weight, judge, judge_model,
                         cache_path, no_cache)
        # only the hosts typed here may be local or private addresses
        fetcher = Fetcher(pipe.cache, max_entries=max_entries, given=[p for p in paths if is_url(p)])
        with _cluster(pipe, dask_address, workers):
            report = pipe.run(paths, manifest=manifest, outlets_file=outlets_file,
                              since=since.date() if since else None, until=until.date() if until else None,
                              strict=strict, max_chars=max_article_chars, fetcher=fetcher,
                              follow_links=follow_links)
        for w in report.warnings:
            click.echo(printable(f"Warning: {w}"), err=True)
        try:
            written = write_reports(report, out_dir, views)
        except OSError as exc:  # --out unwritable, a file in its place, the disk full
            where = exc.filename or out_dir
            raise _error(f"cannot write the reports to {where} ({exc.strerror or exc}); "
                         "choose another --out or free some space") from None
    except CompareError as exc:
        raise _error(str(exc)) from None
    except KeyboardInterrupt:  # reports are renamed into place only once all are written
        click.echo(printable(f"Error: interrupted; nothing was written, and the reports in {out_dir} are as "
                             "they were"), err=True)
        sys.exit(130)
    except sqlite3.Error as exc:
        raise _error(f"the cache cannot be used ({exc}); pass --no-cache, or --cache with another file") from None
    except OSError as exc:  # an input that vanished or cannot be opened mid-run
        raise _error(f"{exc.filename or 'input'}: {exc.strerror or exc}; check the path and its permissions") from None
    finally:
        if fetcher is not None:
            fetcher.close()
    multi = [c for c in report.clusters if c.verdict != "single-source"]
    click.echo(
        f"{len(report.articles)} articles, {len(report.claims)} claims, "
        f"{len(multi)} shared facts ({sum(c.verdict == 'diverge' for c in multi)} diverge), "
        f"{len(report.stories)} stor{'y' if len(report.stories) == 1 else 'ies'} in "
        f"{len(report.threads)} thread{'' if len(report.threads) == 1 else 's'}"
    )
    for p in written:
        click.echo(printable(str(p)))


def _run_articles(run_dir: str, first: str, second: str) -> list[dict]:
    """The report.json entries (id, source, outlet, chars) of two article ids of the run in ``run_dir``."""
    from .ingest.files import split_record
    from .ingest.web import is_url

    path = Path(run_dir) / "report.json"
    if not path.is_file():
        raise _error(f"{run_dir}: no report.json; give the --out folder of a 'compare run'")
    try:
        with open(path, encoding="utf-8") as fh:
            entries = json.load(fh)["articles"]
        by_id = {a["id"]: a for a in entries}
        if not all(isinstance(a["id"], str) and isinstance(a["source"], str) and isinstance(a["chars"], int)
                   for a in entries):
            raise TypeError("an article without a string id and source")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _error(f"{path}: not a report of 'compare run' ({type(exc).__name__}); run it again") from None
    out = []
    for given in (first, second):
        if given not in by_id:
            some = ", ".join(sorted(by_id)[:3])
            raise _error(f"{given} is no article of the run in {run_dir} (its ids look like {some}; "
                         "report.json lists them all)")
        src = by_id[given]["source"]
        if not is_url(src) and not os.path.exists(split_record(src)[0]):
            raise _error(f"the run read {given} from {src}, which no longer exists; make the run again"
                         if os.path.isabs(split_record(src)[0]) else
                         f"the run read {given} from {src}, which cannot be read from here; "
                         "run diff in the folder the run was made in")
        out.append(by_id[given])
    if out[0]["source"] == out[1]["source"]:
        raise _error("the two inputs are the same article; give two different ones")
    return out


def _run_input(entry: dict, tmp: Path) -> str:
    """What to read for an article of a run: its file or address, or for a record of a
    JSON-lines or JSON-list file that record alone, written to ``tmp`` under the name that
    gives it the run's id."""
    from .ingest.files import record_of, split_record

    base, n = split_record(entry["source"])
    if n is None:
        return base
    rec = record_of(Path(base), n)
    one = tmp / f"{Path(base).stem}-{n}.json"
    one.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return str(one)


@cli.command()
@click.argument("first")
@click.argument("second")
@click.option("--out", "out_dir", help="also write diff.html (the two articles in two columns) to this folder.")
@click.option("--worksheet", is_flag=True, help="with --out, also write teach.html and teach.md: a worksheet "
              "whose side-by-side exercise is these two articles.")
@click.option("--run", "run_dir", help="read FIRST and SECOND as article ids of the run written to this folder "
              "(its report.json); their sources are read again from where the run read them.")
@with_model_options
def diff(first, second, out_dir, worksheet, run_dir, model, embedder, judge, judge_model, threshold, linkage,
         lexical_weight, cache_path, no_cache, dask_address, workers, verbose, quiet):
    """Read two articles side by side: each claim of FIRST beside its counterpart in SECOND.

    FIRST and SECOND are files or http(s) addresses of pages, one article each, or with --run
    the ids of two articles of a run. Each claim of FIRST is printed with the claim of SECOND
    that tells the same fact ("same"), or probably the same event told differently or disputed
    ("related"), or nothing; the signals of the fact they share are marked [word|kind]; the
    claims only SECOND states come last."""
    _setup_logging(verbose, quiet)
    from .ingest.files import RECORD
    from .ingest.web import Fetcher, is_url
    from .report.diff import build_diff, render_text

    if worksheet and not out_dir:
        raise _error("--worksheet writes files: give --out DIR too")
    if out_dir:
        _writable(out_dir)
    if first == second or (not run_dir and not is_url(first)
                           and os.path.realpath(first) == os.path.realpath(second)):
        raise _error("the two inputs are the same article; give two different ones")
    from dataclasses import replace

    runs = _run_articles(run_dir, first, second) if run_dir else None
    fetcher = None
    tmp = tempfile.TemporaryDirectory(prefix="compare-diff-")
    try:
        inputs = [_run_input(e, Path(tmp.name)) for e in runs] if runs else [first, second]
        pipe = _pipeline(model, embedder, threshold, linkage, lexical_weight, judge, judge_model,
                         cache_path, no_cache, one_story=True)
        # an address read from report.json is no address the user gave: no private hosts for it
        fetcher = Fetcher(pipe.cache, given=[p for p in inputs if is_url(p)] if not runs else [])
        with _cluster(pipe, dask_address, workers):
            report = pipe.run(inputs, fetcher=fetcher, strict=True)

        def under(source: str, given: str) -> bool:  # the article came from this input
            if is_url(given):
                return source == given
            source = RECORD.sub("", source)  # the record of a .jsonl or .json list: "a.jsonl:1"
            src, top = os.path.abspath(source), os.path.abspath(printable(given))
            return src == top or src.startswith(top.rstrip(os.sep) + os.sep)

        ids = []
        for k, given in enumerate(inputs):
            found = [a for a in report.articles if under(a.source, given)]
            name = runs[k]["id"] if runs else given
            if len(found) != 1:
                raise CompareError(f"{name} gives {len(found)} articles; diff reads one article from each input")
            ids.append(found[0].id)
            if runs:  # the article the run read, or say what changed
                entry, art = runs[k], found[0]
                if len(art.text) != entry["chars"]:
                    raise CompareError(f"{name}: {entry['source']} has changed since the run ({entry['chars']:,} "
                                       f"characters then, {len(art.text):,} now); make the run again")
                if art.outlet != entry.get("outlet"):
                    report = replace(report, warnings=report.warnings + (
                        f"{name} is read as from {art.outlet} here and was from {entry.get('outlet')} in the run "
                        "(a --manifest or --outlets the run was given is not read again)",))
                report = replace(report, articles=tuple(replace(a, source=entry["source"]) if a.id == art.id
                                                        else a for a in report.articles))
        d = build_diff(report, *ids)
        for w in report.warnings:
            click.echo(printable(f"Warning: {w}"), err=True)
        for line in render_text(d).splitlines():
            click.echo(printable(line))
        if out_dir:
            from .report.diff import write_html

            for path in write_html(d, out_dir, report if worksheet else None):
                click.echo(printable(str(path)))
            if worksheet and all(r.grade == "none" for r in d.rows):
                click.echo("Warning: the two articles share no sentence, so the worksheet has no side-by-side "
                           "exercise", err=True)
    except CompareError as exc:
        raise _error(str(exc)) from None
    except sqlite3.Error as exc:
        raise _error(f"the cache cannot be used ({exc}); pass --no-cache, or --cache with another file") from None
    except OSError as exc:
        raise _error(f"{exc.filename or 'input'}: {exc.strerror or exc}; check the path and its permissions") from None
    finally:
        if fetcher is not None:
            fetcher.close()
        tmp.cleanup()


@cli.command()
@click.argument("gold", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the scores as JSON.")
@click.option("--sweep", is_flag=True,
              help="score a grid of linkages, lexical weights and thresholds instead of one setting "
                   "(the grid replaces --threshold, --linkage and --lexical-weight).")
@with_model_options
def evaluate(gold, as_json, sweep, model, embedder, judge, judge_model, threshold, linkage, lexical_weight,
             cache_path, no_cache, dask_address, workers, verbose, quiet):
    """Score runs against annotated GOLD files (see tests/gold/README.md)."""
    _setup_logging(verbose, quiet)
    from .evaluate import load_gold, score, summary_lines, sweep_grid

    try:
        golds = [load_gold(g) for g in gold]
        pipe = _pipeline(model, embedder, threshold, linkage, lexical_weight, judge, judge_model,
                         cache_path, no_cache)
        with _cluster(pipe, dask_address, workers):
            prepared = [pipe.prepare(g.corpus) for g in golds]
            rows = sweep_grid(pipe, golds, prepared) if sweep else None
            results = [score(pipe.analyse(p), g) for g, p in zip(golds, prepared, strict=True)] if not sweep else []
        if sweep:
            if as_json:
                click.echo(json.dumps(rows, indent=2))
            else:
                for r in rows:
                    knob = f"k {r['k']}" if "k" in r else f"weight {r['lexical_weight']:.2f}"
                    click.echo(f"{r['linkage']:8} {knob} threshold {r['threshold']:.2f}"
                               f"  objective {r['objective']:.3f}  mean F1 {r['mean_link_f1']:.3f}"
                               f"  F1 {r['link_f1']}  P {r['link_precision']}  verdicts {r['verdict_accuracy']}"
                               f"  must-not-link {r['not_linked_violations']}")
            return
    except CompareError as exc:
        raise _error(str(exc)) from None
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for r in results:
            for line in summary_lines(r):
                click.echo(line)


@cli.command()
@click.argument("infile", type=click.File("r", encoding="utf-8"))
@click.option("--judge", type=click.Choice(["model", "overlap"]), default="model", show_default=True,
              help="the bundled pair model, or the word-overlap stand-in.")
@click.option("--judge-model", metavar="PATH", help="a pair-model folder (default: the bundled one).")
@click.option("--batch", type=click.IntRange(1, 100000), default=2000, show_default=True,
              help="pairs read and scored at a time.")
def pairs(infile, judge, judge_model, batch):
    """Score claim pairs: INFILE holds JSON objects with "a" and "b", one a line ('-' for stdin).

    Writes one JSON object a line to stdout, in input order: "same" (the probability that a
    and b state the same fact, as the pipeline computes it for a candidate pair: the pair model,
    the bundled encoder's cosine and the structure two sentences give, stacked; word overlap
    weighs words by the texts of the batch), "judge" (the pair model's own probability), "nli"
    (entailment, neutral or contradiction of b given a) and the three NLI probabilities.
    """
    from .claims import ClaimExtractor
    from .embed import OnnxEmbedder
    from .linking.judge import NLI_LABELS
    from .linking.standalone import score_standalone

    try:
        scorer = _judge(judge, judge_model)
        embedder, extractor = OnnxEmbedder(), ClaimExtractor()
        rows: list[tuple[str, str]] = []
        done = 0
        show = sys.stderr.isatty()

        def flush():
            nonlocal done
            same, sc = score_standalone(rows, scorer, embedder, extractor)
            done += len(rows)
            if show:
                click.echo(f"\r{done} pairs scored", err=True, nl=False)
            for p, own, nli in zip(same, sc.same, sc.nli, strict=True):
                out = {"same": round(float(p), 4), "judge": round(float(own), 4), "nli": NLI_LABELS[int(nli.argmax())]}
                out |= {k: round(float(v), 4) for k, v in zip(NLI_LABELS, nli, strict=True)}
                click.echo(json.dumps(out))
            rows.clear()

        for n, line in enumerate(infile, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise _error(f"line {n}: not JSON; write one {{\"a\": ..., \"b\": ...}} object a line") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("a"), str) or not isinstance(obj.get("b"), str):
                raise _error(f"line {n}: needs string fields \"a\" and \"b\"")
            rows.append((obj["a"], obj["b"]))
            if len(rows) >= batch:
                flush()
        if rows:
            flush()
        if show and done:
            click.echo("", err=True)
    except CompareError as exc:
        raise _error(str(exc)) from None


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
