import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.metrics import adjusted_rand_score

from compare.linkage import relabel_in_order
from compare.schema import Article, Claim
from compare.stories import (
    STORY_FEATURES,
    StoryGrouper,
    StoryModel,
    name_tokens,
    neighbour_pairs,
    pair_features,
    signatures,
    sparse_average_linkage,
    when_tokens,
)


def random_probabilities(n, groups, seed=0):
    """Symmetric P: high inside each group, low across, with noise."""
    rng = np.random.default_rng(seed)
    lab = np.repeat(np.arange(groups), n // groups)
    p = np.where(lab[:, None] == lab[None, :], 0.8, 0.1) + rng.uniform(-0.1, 0.1, (n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 1.0)
    return p, lab


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_sparse_linkage_with_every_edge_is_average_linkage(threshold):
    p, _ = random_probabilities(24, 4, seed=1)

    def prob(rows, cols):
        return p[np.ix_(rows, cols)]

    edges = {(i, j): p[i, j] for i in range(24) for j in range(i + 1, 24)}
    ours = sparse_average_linkage(24, prob, edges, threshold)
    ref = fcluster(linkage(squareform(1 - p, checks=False), "average"), threshold, "distance")
    assert adjusted_rand_score(ref, ours) == 1.0
    assert list(ours) == list(relabel_in_order(ours))


def test_sparse_linkage_counts_pairs_that_are_no_edge():
    # 0-1 and 1-2 are likely, 0-2 very unlikely: with every pair counted, 2 stays out
    p = np.array([[1.0, 0.95, 0.0], [0.95, 1.0, 0.9], [0.0, 0.9, 1.0]])
    labels = sparse_average_linkage(3, lambda r, c: p[np.ix_(r, c)], {(0, 1): 0.95, (1, 2): 0.9}, 0.4)
    assert labels[0] == labels[1] != labels[2]


def test_sparse_linkage_merges_given_groups_whole():
    p, lab = random_probabilities(12, 3, seed=2)
    groups = [[0, 1], [2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    edges = {(i, j): p[i, j] for i in range(12) for j in range(i + 1, 12)}
    labels = sparse_average_linkage(12, lambda r, c: p[np.ix_(r, c)], edges, 0.5, groups)
    for g in groups:
        assert len(set(labels[g])) == 1
    assert adjusted_rand_score(lab, labels) == 1.0


def test_neighbour_pairs_keeps_the_likeliest_above_the_floor():
    p, _ = random_probabilities(20, 2, seed=3)
    pairs = neighbour_pairs(20, lambda r, c: p[np.ix_(r, c)].copy(), k=3, floor=0.5, chunk=7)
    assert all(i < j and v >= 0.5 for (i, j), v in pairs.items())
    for i in range(20):
        top = sorted((j for j in range(20) if j != i), key=lambda j: -p[i, j])[:3]
        assert all((min(i, j), max(i, j)) in pairs for j in top if p[i, j] >= 0.5)


def _article(aid, outlet, date, sentences, names, numbers=()):
    text = " ".join(sentences)
    art = Article(aid, f"{aid}.txt", outlet, None, date, None, text)
    claims, start = [], 0
    for k, s in enumerate(sentences):
        lemmas = tuple(w.lower().strip(".,") for w in s.split() if len(w) > 3)
        claims.append(Claim(f"{aid}-{k}", aid, outlet, s, start, start + len(s), lemmas=lemmas,
                            entities=tuple(names), dates=(date,) if date else ()))
        start += len(s) + 1
    return art, claims


QUAKE = ["A strong earthquake struck the coast overnight.", "Rescuers searched collapsed homes.",
         "Officials counted the dead and injured."]
VOTE = ["The parliament approved the budget after a long debate.", "The opposition walked out.",
        "Taxes rise next year under the plan."]


def corpus_of_two_events():
    arts, claims = [], []
    for k, (outlet, day) in enumerate([("A", "2024-03-01"), ("B", "2024-03-02"), ("C", "2024-03-01")]):
        a, c = _article(f"q{k}", outlet, day, QUAKE, ["GPE:Chile", "PERSON:Ana Rojas"])
        arts.append(a)
        claims += c
    for k, (outlet, day) in enumerate([("A", "2021-06-10"), ("B", "2021-06-10")]):
        a, c = _article(f"v{k}", outlet, day, VOTE, ["GPE:Norway", "ORG:Storting"])
        arts.append(a)
        claims += c
    return arts, claims


def embed(claims):
    """Stand-in embeddings: one direction per sentence wording."""
    vocab = sorted({c.text for c in claims})
    e = np.zeros((len(claims), len(vocab)))
    for i, c in enumerate(claims):
        e[i, vocab.index(c.text)] = 1.0
    return e + 0.05


def test_features_describe_the_pair():
    arts, claims = corpus_of_two_events()
    sig = signatures(arts, claims, embed(claims))
    f = pair_features(sig, np.array([0]), np.array([1, 3]))
    same, other = dict(zip(STORY_FEATURES, f[0, 0], strict=True)), dict(zip(STORY_FEATURES, f[0, 1], strict=True))
    assert same["names"] > 0.99 and other["names"] == 0.0
    assert same["body"] > other["body"]
    assert same["days"] < 0 < other["days"]  # one day apart vs three years
    nodate = pair_features(sig, np.array([0]), np.array([3]), dates=False)
    assert nodate[0, 0, STORY_FEATURES.index("days")] == 0.0


def test_groups_two_events_into_two_stories_and_threads():
    arts, claims = corpus_of_two_events()
    stories, threads = StoryGrouper().group(arts, claims, embed(claims))
    assert [s.articles for s in stories] == [("q0", "q1", "q2"), ("v0", "v1")]
    assert [s.id for s in stories] == ["s1", "s2"]
    assert sorted(a for s in stories for a in s.articles) == sorted(a.id for a in arts)
    assert {s.thread for s in stories} == {t.id for t in threads}
    assert [t.stories for t in threads] == [("s1",), ("s2",)]
    assert "Chile" in stories[0].title  # no headlines: the names the articles share
    titled = [Article(a.id, a.source, a.outlet, f"Headline {a.id}", a.date, a.url, a.text) for a in arts]
    stories, _ = StoryGrouper().group(titled, claims, embed(claims))
    assert stories[0].title in {"Headline q0", "Headline q1", "Headline q2"}


def test_one_affair_on_two_dates_is_two_stories_in_one_thread():
    # cuts chosen so that the date gap alone separates the stories, and leaving it out joins them
    arts, claims = corpus_of_two_events()
    arts = arts[:3] + [Article("q9", "q9.txt", "D", None, "2024-05-20", None, arts[0].text)]
    claims = claims[:9] + [Claim(f"q9-{k}", "q9", "D", c.text, c.start, c.end, lemmas=c.lemmas,
                                 entities=c.entities, dates=("2024-05-20",)) for k, c in enumerate(claims[:3])]
    model = StoryModel(coef=(1, 1, 1, 1, 1, 1, 0, 0, -3.0), intercept=-4.0, story_threshold=0.5,
                       thread_threshold=0.5)
    stories, threads = StoryGrouper(model).group(arts, claims, embed(claims))
    assert [s.articles for s in stories] == [("q0", "q1", "q2"), ("q9",)]
    assert len(threads) == 1 and threads[0].stories == ("s1", "s2")


def test_grouping_is_deterministic():
    arts, claims = corpus_of_two_events()
    e = embed(claims)
    assert StoryGrouper().group(arts, claims, e) == StoryGrouper().group(arts, claims, e)


def test_a_lone_article_is_one_story():
    arts, claims = corpus_of_two_events()
    stories, threads = StoryGrouper().group(arts[:1], claims[:3], embed(claims[:3]))
    assert len(stories) == 1 and len(threads) == 1 and stories[0].thread == threads[0].id


def test_name_and_time_tokens():
    c = Claim("x", "a", "o", "t", 0, 1, entities=("PERSON:Nikol Pashinyan", "DATE:May", "GPE:Armenia"))
    assert name_tokens(c) == ["nikol pashinyan", "pashinyan", "armenia"]
    assert when_tokens(["2023-05-26"], ["2020-09-27", "--05-19", "1990x"]) == [
        "2023", "2023-05", "2020", "2020-09"]


def test_shipped_model_loads_with_every_feature():
    m = StoryModel.load()
    assert len(m.coef) == len(STORY_FEATURES)
    assert 0 < m.story_threshold <= m.thread_threshold < 1


def test_two_big_stories_can_still_join_one_thread():
    # every article's 10 likeliest partners sit in its own story: the thread pass looks across
    n = 24
    lab = np.repeat([0, 1], 12)
    p = np.where(lab[:, None] == lab[None, :], 0.99, 0.7)

    def prob(rows, cols):
        return p[np.ix_(rows, cols)]

    groups = [list(range(12)), list(range(12, 24))]
    group_of = np.repeat([0, 1], 12)
    edges = neighbour_pairs(n, prob, k=10, group_of=group_of)
    assert edges and all(group_of[i] != group_of[j] for i, j in edges)
    assert len(set(sparse_average_linkage(n, prob, edges, 0.575, groups))) == 1


def test_no_articles_no_stories():
    assert StoryGrouper().group([], [], np.zeros((0, 4))) == ([], [])


def test_a_zero_cut_is_a_cut():
    assert StoryGrouper(story_threshold=0.0).describe()["story_threshold"] == 0.0


def test_a_model_fitted_on_other_features_is_refused(tmp_path):
    import json

    from compare.errors import ModelError
    from compare.stories import MODEL_PATH

    d = json.loads(MODEL_PATH.read_text())
    d["lead_claims"] = 2
    (tmp_path / "m.json").write_text(json.dumps(d))
    with pytest.raises(ModelError, match="refit"):
        StoryModel.load(tmp_path / "m.json")
