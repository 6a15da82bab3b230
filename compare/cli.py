"""Command line: parse, call the library, print. Errors become one line and exit code 1."""

from __future__ import annotations

import json
import logging
import sys

import click

from .errors import CompareError


def _pipeline(model: str | None, embedder: str, threshold: float | None, linkage: str | None,
              lexical_weight: float | None = None):
    from .cluster import ClaimClusterer
    from .embed import HashingEmbedder, SentenceTransformerEmbedder
    from .pipeline import DEFAULT_LEXICAL_WEIGHT, DEFAULT_LINKAGE, DEFAULT_THRESHOLD, Pipeline

    emb = HashingEmbedder() if embedder == "hashing" else SentenceTransformerEmbedder(model)
    return Pipeline(
        embedder=emb,
        clusterer=ClaimClusterer(
            threshold if threshold is not None else DEFAULT_THRESHOLD,
            linkage or DEFAULT_LINKAGE,
            lexical_weight=lexical_weight if lexical_weight is not None else DEFAULT_LEXICAL_WEIGHT,
        ),
    )


def _setup_logging(verbose: int) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
        format="%(message)s", stream=sys.stderr,
    )


model_options = [
    click.option("--model", metavar="NAME_OR_PATH",
                 help="sentence-transformers model folder (default: bundled all-MiniLM-L6-v2)."),
    click.option("--embedder", type=click.Choice(["sentence-transformers", "hashing"]),
                 default="sentence-transformers", show_default=True,
                 help="'hashing' runs without a model (fast, lexical only)."),
    click.option("--threshold", type=click.FloatRange(0.01, 1.99), default=None,
                 help="cosine distance under which claims are one fact (default: tuned value)."),
    click.option("--linkage", type=click.Choice(["average", "complete", "single"]), default=None,
                 help="agglomerative linkage (default: tuned value)."),
    click.option("--lexical-weight", type=click.FloatRange(0.0, 1.0), default=None,
                 help="share of TF-IDF word overlap in the claim distance (default: tuned value)."),
    click.option("-v", "--verbose", count=True, help="progress on stderr; -vv for detail."),
]


def with_model_options(fn):
    for opt in reversed(model_options):
        fn = opt(fn)
    return fn


@click.group()
@click.version_option(package_name="compare-news")
def cli():
    """Compare how news outlets report the same story, claim by claim."""


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
              help="extra outlet signatures (TOML, same form as compare/data/outlets.toml).")
@with_model_options
def run(paths, out_dir, views, manifest, outlets_file, model, embedder, threshold, linkage, lexical_weight,
        verbose):
    """Compare the articles in PATHS (files or folders) and write reports to --out."""
    _setup_logging(verbose)
    from .report import write_reports

    try:
        pipe = _pipeline(model, embedder, threshold, linkage, lexical_weight)
        report = pipe.run(paths, manifest=manifest, outlets_file=outlets_file)
        for w in report.warnings:
            click.echo(f"Warning: {w}", err=True)
        written = write_reports(report, out_dir, views)
    except CompareError as exc:
        raise click.ClickException(str(exc)) from None
    multi = [c for c in report.clusters if c.verdict != "single-source"]
    click.echo(
        f"{len(report.articles)} articles, {len(report.claims)} claims, "
        f"{len(multi)} shared facts ({sum(c.verdict == 'diverge' for c in multi)} diverge), "
        f"{len(report.stories)} stor{'y' if len(report.stories) == 1 else 'ies'}"
    )
    for p in written:
        click.echo(str(p))


@cli.command()
@click.argument("gold", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the scores as JSON.")
@click.option("--sweep", is_flag=True,
              help="score a grid of linkages, lexical weights and thresholds instead of one setting "
                   "(the grid replaces --threshold, --linkage and --lexical-weight).")
@with_model_options
def evaluate(gold, as_json, sweep, model, embedder, threshold, linkage, lexical_weight, verbose):
    """Score runs against annotated GOLD files (see tests/gold/README.md)."""
    _setup_logging(verbose)
    from .evaluate import load_gold, score, summary_lines, sweep_grid

    try:
        golds = [load_gold(g) for g in gold]
        pipe = _pipeline(model, embedder, threshold, linkage, lexical_weight)
        prepared = [pipe.prepare(g.corpus) for g in golds]
        if sweep:
            rows = sweep_grid(pipe, golds, prepared)
            if as_json:
                click.echo(json.dumps(rows, indent=2))
            else:
                for r in rows:
                    click.echo(f"{r['linkage']:8} weight {r['lexical_weight']:.2f} threshold {r['threshold']:.2f}"
                               f"  objective {r['objective']:.3f}  mean F1 {r['mean_link_f1']:.3f}"
                               f"  F1 {r['link_f1']}  verdicts {r['verdict_accuracy']}")
            return
        results = [score(pipe.analyse(p), g) for g, p in zip(golds, prepared, strict=True)]
    except CompareError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for r in results:
            for line in summary_lines(r):
                click.echo(line)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
