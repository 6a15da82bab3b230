import numpy as np
import pytest
from sklearn.datasets import make_blobs

from compare.linking.candidates import cosine_distances
from compare.linking.cluster import ClaimClusterer


def blobs(n_facts=4, per_fact=3, seed=0):
    centers = np.eye(16)[:n_facts] * 10
    x, y = make_blobs(n_samples=n_facts * per_fact, centers=centers, cluster_std=0.5, random_state=seed)
    return x, y


def test_recovers_blobs_as_facts():
    x, y = blobs()
    articles = [f"a{i % 3}" for i in range(len(y))]  # members of a blob come from different articles
    order = np.argsort(y, kind="stable")
    x, y = x[order], y[order]
    articles = [f"a{i % 3}" for i in range(len(y))]
    labels = ClaimClusterer(threshold=0.3).fit_predict(x, articles)
    assert len(set(labels)) == 4
    for lab in set(labels):
        assert len(set(y[labels == lab])) == 1


def test_same_article_claims_are_kept_apart():
    x = np.array([[1.0, 0.0], [0.99, 0.05], [0.98, 0.1]])
    labels = ClaimClusterer(threshold=0.3).fit_predict(x, ["a", "a", "b"])
    assert labels[0] != labels[1]
    assert labels[2] in (labels[0], labels[1])
    labels = ClaimClusterer(threshold=0.3, same_article_penalty=0.0).fit_predict(x, ["a", "a", "b"])
    assert len(set(labels)) == 1


def test_stories_never_share_a_cluster():
    x = np.array([[1.0, 0.0], [1.0, 0.0]])
    labels = ClaimClusterer(threshold=0.5).fit_predict(x, ["a", "b"], ["s1", "s2"])
    assert labels[0] != labels[1]


def test_labels_are_deterministic_and_ordered():
    x, _ = blobs(seed=3)
    arts = [f"a{i}" for i in range(len(x))]
    a = ClaimClusterer(threshold=0.3).fit_predict(x, arts)
    b = ClaimClusterer(threshold=0.3).fit_predict(x, arts)
    assert (a == b).all() and a[0] == 0


def test_cosine_distances_of_scaled_vectors():
    d = cosine_distances(np.array([[2.0, 0.0], [0.0, 3.0], [5.0, 0.0]]))
    assert d[0, 2] == pytest.approx(0.0) and d[0, 1] == pytest.approx(1.0)


def test_bad_threshold_is_refused():
    with pytest.raises(ValueError, match="cosine distance"):
        ClaimClusterer(threshold=3).fit_predict(np.ones((2, 2)), ["a", "b"])


def test_lexical_similarity_weighs_words_rare_in_the_story():
    bags = [["armenia", "azerbaijan", "checkpoint", "lachin"],
            ["armenia", "azerbaijan", "checkpoint", "lachin", "border"],
            ["armenia", "azerbaijan", "treaty"],
            ["armenia", "azerbaijan", "treaty", "sign"]]
    from compare.linking.candidates import lexical_similarity

    sim = lexical_similarity(bags)
    assert sim.shape == (4, 4) and np.allclose(np.diag(sim), 1.0)
    # words every claim shares weigh nothing; the rarer ones decide
    assert sim[0, 1] > 0.5 and sim[2, 3] > 0.4
    assert sim[0, 2] < 0.05 and sim[1, 3] < 0.05
    # in a story of two claims every word is in every claim; identical claims are still alike
    assert lexical_similarity([["dam", "flood"], ["dam", "flood"]])[0, 1] == pytest.approx(1.0)


def test_lexical_weight_separates_claims_the_embeddings_cannot():
    x = np.ones((4, 3))  # identical embeddings: the model sees one topic
    arts = ["a", "b", "a", "b"]
    bags = [["dam", "flood"], ["dam", "flood", "river"], ["budget", "tax"], ["budget", "tax", "vote"]]
    assert len(set(ClaimClusterer(threshold=0.5).fit_predict(x, arts))) == 2  # any pairing
    labels = ClaimClusterer(threshold=0.5, lexical_weight=0.5).fit_predict(x, arts, tokens=bags)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def test_lexical_weight_is_validated():
    with pytest.raises(ValueError, match="lexical_weight"):
        ClaimClusterer(lexical_weight=1.5).fit_predict(np.eye(2), ["a", "b"])


def test_far_apart_dates_marks_pairs_no_date_of_which_is_close():
    from compare.linking.candidates import far_apart_dates

    far = far_apart_dates([("2020-11-09",), ("2023-05-25",), ("2023-04-16", "2020-11-10"), (), ("2020",),
                           ("2023-05-20",)])
    assert far[0, 1] and far[1, 0]
    assert not far[0, 2]  # one of its dates is a day from the other's
    assert not far[1, 5]  # five days apart: maybe one event misdated, for the date signal to judge
    assert not far[0, 3].any() and not far[0, 4]  # no day-precise date, no constraint
    assert not far.diagonal().any()


def test_same_article_and_cannot_link_pairs_never_share_a_cluster():
    x = np.ones((6, 4)) + np.random.default_rng(0).normal(0, 1e-3, (6, 4))  # all but identical
    arts = ["A", "B", "C", "D", "E", "A"]
    labels = ClaimClusterer(threshold=0.5).fit_predict(x, arts)
    assert labels[0] != labels[5]
    assert len(set(labels)) == 2  # two tellings of one fact, each with one A claim
    dates = [(), ("2020-01-01",), ("2023-06-01",), (), (), ()]  # claims 1 and 2: years apart
    labels = ClaimClusterer(threshold=0.5).fit_predict(x, arts, dates=dates)
    assert labels[1] != labels[2] and labels[0] != labels[5]


def test_candidate_pairs_take_the_k_nearest_per_other_article_and_skip_blocked():
    from compare.linking.candidates import candidate_pairs

    sim = np.array([
        [1.0, 0.0, 0.9, 0.8, 0.1],
        [0.0, 1.0, 0.2, 0.3, 0.7],
        [0.9, 0.2, 1.0, 0.0, 0.0],
        [0.8, 0.3, 0.0, 1.0, 0.0],
        [0.1, 0.7, 0.0, 0.0, 1.0],
    ])
    arts = ["a", "a", "b", "b", "c"]
    blocked = np.equal.outer(np.array(arts), np.array(arts))
    blocked[0, 4] = blocked[4, 0] = True  # e.g. dates far apart
    pairs = candidate_pairs(sim, arts, blocked, k=1)
    assert (0, 2) in pairs and (1, 4) in pairs
    assert (0, 4) not in pairs and all(arts[i] != arts[j] for i, j in pairs)
    assert set(candidate_pairs(sim, arts, blocked, k=1)) <= set(candidate_pairs(sim, arts, blocked, k=2))


class TableJudge:
    """P(same) read from a table of text pairs; everything else 0.05."""

    def __init__(self, table):
        self.table = {frozenset(k): v for k, v in table.items()}
        self.calls = 0

    def score(self, pairs, cosine=None):
        from compare.linking.judge import PairScores

        self.calls += 1
        same = np.array([self.table.get(frozenset(p), 0.05) for p in pairs])
        nli = np.tile([0.1, 0.8, 0.1], (len(pairs), 1))
        return PairScores(same, nli)

    def describe(self):
        return {"name": "table"}


def test_judged_clusterer_links_only_what_the_judge_accepts():
    from compare.linking.cluster import JudgedClusterer

    texts = ["dam seized", "dam captured", "dam taken", "bridge opened", "bridge inaugurated"]
    arts = ["x", "y", "z", "x", "y"]
    emb = np.eye(5) + 0.5  # every pair looks alike to the embedding
    judge = TableJudge({("dam seized", "dam captured"): 0.9, ("dam seized", "dam taken"): 0.8,
                        ("dam captured", "dam taken"): 0.85, ("bridge opened", "bridge inaugurated"): 0.3})
    cl = JudgedClusterer(judge, threshold=0.5, k=5)
    labels = cl.fit_predict(emb, arts, texts=texts)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] != labels[4]  # judged unlikely: stays apart
    assert judge.calls == 1  # every story's candidates in one pass
    assert cl.links_[(0, 1)][0] == pytest.approx(0.9)
    assert all(arts[i] != arts[j] for i, j in cl.links_)


def test_judged_clusterer_keeps_same_article_and_cannot_link_apart():
    from compare.linking.cluster import JudgedClusterer

    texts = ["a", "b", "c"]
    judge = TableJudge({("a", "b"): 0.99, ("a", "c"): 0.99, ("b", "c"): 0.99})
    dates = [("2020-01-01",), (), ("2023-06-01",)]  # claims 0 and 2: years apart
    labels = JudgedClusterer(judge, threshold=0.9, k=3, linkage="single").fit_predict(
        np.ones((3, 4)), ["p", "p", "q"], texts=texts, dates=dates)
    assert labels[0] != labels[1]  # same article
    assert labels[0] != labels[2]  # cannot-link
    assert labels[1] == labels[2]


def test_stacked_link_model_reads_features_and_refuses_other_ones(tmp_path):
    import json

    from compare.errors import ModelError
    from compare.linking.stack import LINK_FEATURES, StackedLinkModel, link_features

    f = link_features(0.9, np.array([0.7, 0.2, 0.1]), 0.8, 0.5, ("date:2023-05-25", "number:3"),
                      ("date:2023-05-25", "number:4"))
    assert len(f) == len(LINK_FEATURES)
    assert f[0] == pytest.approx(np.log(9)) and f[5:] == [1.0, 0.0, 0.0]
    k = len(LINK_FEATURES)
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"features": list(LINK_FEATURES), "mean": [0.0] * k, "scale": [1.0] * k,
                                "coef": [1.0] + [0.0] * (k - 1), "intercept": 0.0}))
    stack = StackedLinkModel.load(path)
    assert stack.predict(np.array([f]))[0] == pytest.approx(0.9)
    path.write_text(json.dumps({"features": ["judge_logit"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0}))
    with pytest.raises(ModelError, match="refit"):
        StackedLinkModel.load(path)
    assert StackedLinkModel.load(tmp_path / "none.json") is None


def test_judged_clusterer_links_by_the_stack_when_given_one():
    from compare.linking.cluster import JudgedClusterer
    from compare.linking.stack import LINK_FEATURES, StackedLinkModel
    from compare.logistic import Logistic

    k = len(LINK_FEATURES)
    texts = ["dam seized", "dam captured"]
    judge = TableJudge({("dam seized", "dam captured"): 0.9})
    # a stack that ignores the judge and reads only the bi-encoder cosine (feature 3), here 0
    ignore = StackedLinkModel(Logistic((0, 0, 0, 10.0, 0, 0, 0, 0), -5.0, (0.0,) * k, (1.0,) * k))
    cl = JudgedClusterer(judge, threshold=0.5, k=1, stack=ignore, min_similarity=-1.0)
    labels = cl.fit_predict(np.array([[1.0, 0.0], [0.0, 1.0]]), ["x", "y"], texts=texts)
    assert labels[0] != labels[1]
    assert cl.links_[(0, 1)][0] == pytest.approx(1 / (1 + np.exp(5)))
    assert cl.links_.features[0, 0] == pytest.approx(np.log(9))


def test_candidates_per_claim_are_capped_over_all_articles():
    from compare.linking.candidates import candidate_pairs

    rng = np.random.default_rng(0)
    arts = [f"a{i // 2}" for i in range(20)]  # 10 articles of 2 claims
    sim = rng.random((20, 20))
    sim = (sim + sim.T) / 2
    blocked = np.equal.outer(np.array(arts), np.array(arts))
    capped = candidate_pairs(sim, arts, blocked, k=2, max_per_claim=3)
    full = candidate_pairs(sim, arts, blocked, k=2)
    assert set(capped) < set(full)
    # each claim brings at most 3 pairs of its own choosing (others may choose it too)
    assert len(capped) <= 20 * 3
    best_of_0 = max((j for j in range(20) if not blocked[0, j]), key=lambda j: sim[0, j])
    assert (0, best_of_0) in capped


def test_pairs_under_the_similarity_floor_are_not_judged():
    from compare.linking.cluster import JudgedClusterer

    judge = TableJudge({("a", "b"): 0.99})
    cl = JudgedClusterer(judge, threshold=0.5, k=1, stack=None)
    labels = cl.fit_predict(np.array([[1.0, 0.0], [0.0, 1.0]]), ["x", "y"], texts=["a", "b"])
    assert cl.links_ == {} and labels[0] != labels[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blockwise_candidates_are_the_dense_ones(seed):
    from compare.linking.candidates import DateGate, candidate_pairs, far_apart_dates, lexical_similarity
    from compare.linking.cluster import JudgedClusterer

    rng = np.random.default_rng(seed)
    n = 60
    emb = rng.normal(size=(n, 8))
    arts = [f"a{i % 7}" for i in range(n)]
    words = [f"w{k}" for k in range(15)]
    tokens = [tuple(rng.choice(words, size=4)) for _ in range(n)]
    dates = [(f"20{10 + i % 3}-01-01",) if i % 4 == 0 else () for i in range(n)]
    cl = JudgedClusterer(k=2, max_per_claim=5)
    pairs, sims = cl._candidates(np.arange(n), emb, arts, tokens, DateGate(dates), block=16)
    got = [tuple(p) for p in pairs.tolist()]
    cos = 1.0 - cosine_distances(emb)
    lex = lexical_similarity(tokens)
    sim = 0.3 * cos + 0.7 * lex
    a = np.array(arts)
    blocked = (a[:, None] == a[None, :]) | far_apart_dates(dates) | (sim < cl.min_similarity)
    assert got == candidate_pairs(sim, arts, blocked, 2, 5)
    assert np.allclose(sims[:, 0], [cos[p] for p in got]) and np.allclose(sims[:, 1], [lex[p] for p in got])


def test_judged_links_look_up_pairs_as_a_mapping():
    from compare.linking.links import JudgedLinks

    links = JudgedLinks(np.array([[3, 9], [0, 2], [0, 1]]), np.array([0.7, 0.2, 0.9]),
                        np.arange(9.0).reshape(3, 3), np.arange(3.0)[:, None])
    assert list(links) == [(0, 1), (0, 2), (3, 9)] and len(links) == 3
    assert links[(3, 9)][0] == 0.7 and list(links[(3, 9)][1]) == [0.0, 1.0, 2.0]
    assert links.features[:, 0].tolist() == [2.0, 1.0, 0.0]
    assert (0, 1) in links and (1, 0) not in links and (9, 3) not in links and (0, 12) not in links
    with pytest.raises(KeyError):
        links[(1, 2)]
    assert len(JudgedLinks(np.zeros((0, 2)), np.zeros(0), np.zeros((0, 3)))) == 0


@pytest.mark.parametrize("linkage", ["average", "complete", "single"])
def test_sparse_linkage_matches_scikit_learn_on_a_judged_graph(linkage):
    from sklearn.cluster import AgglomerativeClustering

    from compare.linkage import relabel_in_order, sparse_linkage

    rng = np.random.default_rng(3)
    n = 40
    arts = np.array([i % 6 for i in range(n)])
    edges = {}
    for i in range(n):
        for j in rng.choice(n, size=4, replace=False):
            if arts[i] != arts[j]:
                edges[(min(i, int(j)), max(i, int(j)))] = float(rng.uniform(0.3, 1.0))
    d = np.ones((n, n))
    for (i, j), p in edges.items():
        d[i, j] = d[j, i] = 1 - p
    d += 1e3 * (arts[:, None] == arts[None, :])
    np.fill_diagonal(d, 0)
    want = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage=linkage,
                                   distance_threshold=0.4).fit_predict(d)

    def prob(r, c):
        return 1 - d[np.ix_(r, c)]

    got = sparse_linkage(n, prob, edges, 0.4, linkage=linkage)
    assert list(relabel_in_order(got)) == list(relabel_in_order(want))
