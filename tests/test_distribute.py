"""The model work on a 2-worker Dask LocalCluster gives the same bytes as one process."""

import pytest

from compare.embed import HashingEmbedder
from compare.linking.cluster import JudgedClusterer
from compare.linking.judge import OverlapJudge
from compare.pipeline import Pipeline
from compare.report import to_json

from .conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    from compare.distribute import connect

    c = connect(workers=2)
    yield c
    cluster = c.cluster
    c.close()
    cluster.close()


def test_the_same_bytes_on_two_workers_as_in_one_process(client, extractor):
    from compare.distribute import on_cluster

    def pipeline():
        return Pipeline(embedder=HashingEmbedder(), extractor=extractor, clusterer=JudgedClusterer(OverlapJudge()))

    alone = to_json(pipeline().run([SEEDS]))
    spread = pipeline()
    on_cluster(spread, client)
    assert to_json(spread.run([SEEDS])) == alone
    assert len(client.scheduler_info()["workers"]) == 2


def test_the_bundled_models_give_the_same_bytes_on_the_cluster(client, extractor, tmp_path):
    from compare.cache import Cache
    from compare.distribute import on_cluster

    alone = to_json(Pipeline(extractor=extractor).run([SEEDS]))
    spread = Pipeline(extractor=extractor, cache=Cache(tmp_path / "c.sqlite"))
    on_cluster(spread, client)
    assert to_json(spread.run([SEEDS])) == alone


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path):
    from click.testing import CliRunner

    from compare.cli import cli

    res = CliRunner().invoke(cli, ["run", SEEDS, "--embedder", "hashing", "--judge", "overlap", "--no-cache",
                                   "--dask", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o")])
    assert res.exit_code != 0 and "cannot reach the Dask scheduler" in res.output
    assert "Traceback" not in res.output


def test_diff_runs_on_the_cluster_it_is_given(tmp_path):
    from click.testing import CliRunner

    from compare.cli import cli

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Rebels seized the dam on the Orvel river on Friday.\n", encoding="utf-8")
    b.write_text("Fighters took control of the dam on the Orvel river on Friday.\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["diff", str(a), str(b), "--embedder", "hashing", "--judge", "overlap",
                                   "--no-cache", "--dask", "tcp://127.0.0.1:9"])
    assert res.exit_code != 0 and "cannot reach the Dask scheduler" in res.output  # it was asked, not ignored
    assert "Traceback" not in res.output
