import numpy as np
import pytest

from compare.cache import Cache, CachedJudge, claim_from_dict, claim_to_dict
from compare.embed import HashingEmbedder
from compare.linking.cluster import JudgedClusterer
from compare.linking.judge import OverlapJudge
from compare.pipeline import Pipeline
from compare.report import to_json

from .conftest import SEEDS


class Counting:
    """Wraps a model and counts the items it is asked to compute."""

    def __init__(self, inner, method):
        self.inner, self.method, self.n = inner, method, 0
        setattr(self, method, self._call)

    def _call(self, items, *args, **kwargs):
        self.n += len(items)
        return getattr(self.inner, self.method)(items, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def pipeline(extractor, cache):
    emb = Counting(HashingEmbedder(), "encode")
    ext = Counting(extractor, "extract")
    judge = Counting(OverlapJudge(), "score")
    pipe = Pipeline(embedder=emb, extractor=ext, clusterer=JudgedClusterer(judge), cache=cache)
    return pipe, emb, ext, judge


def test_claims_round_trip_exactly(extractor):
    from compare.ingest import parse_article

    art = parse_article('Officials said 1,200 people fled on May 3. "We were attacked," he said.', "a.txt", "a",
                        {"outlet": "A"}, [], [])[0]
    for c in extractor.extract([art]):
        assert claim_from_dict(claim_to_dict(c)) == c


def test_a_warm_run_does_no_model_work_and_gives_the_same_bytes(extractor, tmp_path):
    cold_pipe, *_ = pipeline(extractor, None)
    plain = to_json(cold_pipe.run([SEEDS]))
    cache = Cache(tmp_path / "c.sqlite")
    first, emb, ext, judge = pipeline(extractor, cache)
    assert to_json(first.run([SEEDS])) == plain
    assert emb.n > 0 and ext.n == 5 and judge.n > 0
    warm, emb, ext, judge = pipeline(extractor, Cache(tmp_path / "c.sqlite"))
    assert to_json(warm.run([SEEDS])) == plain
    assert (emb.n, ext.n, judge.n) == (0, 0, 0)


def test_only_new_articles_are_processed(extractor, corpus, tmp_path):
    import shutil
    from pathlib import Path

    folder = corpus({})
    seeds = sorted(Path(SEEDS).glob("*.txt"))
    for p in seeds[:3]:
        shutil.copy(p, folder / p.name)
    shutil.copy(Path(SEEDS) / "manifest.csv", folder / "manifest.csv")
    pipe, *_ = pipeline(extractor, Cache(tmp_path / "c.sqlite"))
    pipe.run([folder])
    for p in seeds[3:]:
        shutil.copy(p, folder / p.name)
    again, emb, ext, _ = pipeline(extractor, Cache(tmp_path / "c.sqlite"))
    report = again.run([folder])
    assert ext.n == len(seeds) - 3
    assert emb.n == sum(1 for c in report.claims if c.article in {a.id for a in report.articles[3:]})


def test_the_cached_judge_scores_each_pair_once(tmp_path):
    judge = Counting(OverlapJudge(), "score")
    cached = CachedJudge(judge, Cache(tmp_path / "c.sqlite"))
    pairs = [("Troops crossed the river.", "The troops crossed a river."), ("A", "B"), ("A", "B")]
    first = cached.score(pairs)
    assert judge.n == 2
    second = cached.score(pairs)
    assert judge.n == 2
    assert np.array_equal(first.same, second.same) and np.array_equal(first.nli, second.nli)
    assert np.array_equal(first.same, OverlapJudge().score(pairs).same)


def test_an_unwritable_cache_is_a_one_line_error(tmp_path):
    from click.testing import CliRunner

    from compare.cli import cli

    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(cli, ["run", SEEDS, "--embedder", "hashing", "--judge", "overlap",
                                   "--cache", str(blocker / "c.sqlite"), "--out", str(tmp_path / "out")])
    assert res.exit_code != 0 and "cannot open the cache" in res.output and "Traceback" not in res.output


@pytest.mark.slow
def test_the_bundled_encoder_gives_the_same_bytes_cold_warm_and_uncached(extractor, tmp_path):
    from compare.embed import OnnxEmbedder

    def run(cache):
        return to_json(Pipeline(embedder=OnnxEmbedder(), extractor=extractor, cache=cache).run([SEEDS]))

    plain = run(None)
    assert run(Cache(tmp_path / "c.sqlite")) == plain
    assert run(Cache(tmp_path / "c.sqlite")) == plain



def test_an_unchanged_corpus_reads_its_whole_report_from_the_cache(extractor, tmp_path, monkeypatch):
    cache = Cache(tmp_path / "c.sqlite")
    first, *_ = pipeline(extractor, cache)
    cold = to_json(first.run([SEEDS]))
    warm, *_ = pipeline(extractor, Cache(tmp_path / "c.sqlite"))
    monkeypatch.setattr(Pipeline, "analyse", lambda self, prep: pytest.fail("analysed again"))
    assert to_json(warm.run([SEEDS])) == cold
    # another setting is another report
    monkeypatch.undo()
    other, *_ = pipeline(extractor, Cache(tmp_path / "c.sqlite"))
    other.contradiction = 0.99
    calls = []
    real = Pipeline.analyse
    monkeypatch.setattr(Pipeline, "analyse", lambda self, prep: calls.append(1) or real(self, prep))
    other.run([SEEDS])
    assert calls == [1]


def test_every_file_the_cache_keys_on_exists():
    """A moved or renamed module would silently drop out of the cache key (stale claims)."""
    from pathlib import Path

    from compare.cache import CACHED_BY

    root = Path(__import__("compare").__file__).parent
    assert [name for name in CACHED_BY if not (root / name).exists()] == []
