import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# the CLI's default cache goes under the tests' own folder, never the user's
os.environ["XDG_CACHE_HOME"] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".pytest_cache", "xdg")

from hypothesis import HealthCheck, settings  # noqa: E402

# property tests: 200 examples each in CI; --hypothesis-profile=long for a longer local search
for _name, _n in (("ci", 200), ("long", 2000)):
    settings.register_profile(_name, max_examples=_n, deadline=None, derandomize=_name == "ci",
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile("ci")

from compare.claims import ClaimExtractor, load_spacy  # noqa: E402
from compare.embed import HashingEmbedder  # noqa: E402
from compare.linking.cluster import JudgedClusterer  # noqa: E402
from compare.linking.judge import OverlapJudge  # noqa: E402
from compare.pipeline import Pipeline  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "seeds")


@pytest.fixture(scope="session")
def nlp():
    return load_spacy()


@pytest.fixture(scope="session")
def extractor(nlp):
    return ClaimExtractor(nlp=nlp)


@pytest.fixture()
def fast_pipeline(extractor):
    """The real pipeline with the model-free embedder and judge: seconds, not minutes."""
    return Pipeline(embedder=HashingEmbedder(), extractor=extractor, clusterer=JudgedClusterer(OverlapJudge()))


@pytest.fixture()
def corpus(tmp_path):
    """Write {name: text} files into a temp folder and return the folder."""

    def make(files: dict[str, str]):
        for name, text in files.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        return tmp_path

    return make


WIRE = """KALDOR, March 3 /TASS/. Dornish artillery shelled the town of Halmberg on Sunday night, killing 12 people, the Veskarian defence ministry said.
"We will respond," the minister said.

3 comments
1. This is all propaganda, nobody believes it.
Leave a Reply
"""

PAPER = """Shelling hits border town

Shelling broke out near Kaldun on Sunday night and 31 people were killed, officials said.

Sign up for our newsletter
Get the latest news every morning.

Original url:
https://www.themoscowtimes.com/2024/03/04/shelling-a1
"""
