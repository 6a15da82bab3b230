import os

import numpy as np
import pytest

from compare.linking.judge import NLI_LABELS, CrossEncoderJudge, MemoJudge, OverlapJudge, PairScores

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_overlap_judge_orders_by_shared_words():
    sc = OverlapJudge().score([
        ("Dornish artillery shelled Halmberg on Sunday night", "Dornish artillery shelled Halmberg on Sunday"),
        ("Dornish artillery shelled Halmberg on Sunday night", "The minister opened a new bridge in Kaldor"),
    ])
    assert sc.same.shape == (2,) and sc.nli.shape == (2, 3)
    assert sc.same[0] > 0.5 > sc.same[1]
    np.testing.assert_allclose(sc.nli.sum(1), 1.0)


def test_overlap_judge_reads_one_sided_negation_as_contradiction():
    sc = OverlapJudge().score([("The ministers signed the border treaty in Kaldor",
                                "The ministers did not sign the border treaty in Kaldor")])
    assert NLI_LABELS[int(sc.nli[0].argmax())] == "contradiction"


class Counting:
    def __init__(self):
        self.seen = []

    def score(self, pairs, cosine=None):
        self.seen.extend(pairs)
        return PairScores(np.array([len(a) / 100 for a, _ in pairs]), np.tile([0.2, 0.5, 0.3], (len(pairs), 1)))

    def describe(self):
        return {"name": "counting"}


def test_memo_judge_scores_each_pair_once_and_keeps_input_order():
    inner = Counting()
    memo = MemoJudge(inner)
    first = memo.score([("aa", "b"), ("a", "b")])
    again = memo.score([("a", "b"), ("aa", "b"), ("aaa", "b")])
    assert sorted(inner.seen) == [("a", "b"), ("aa", "b"), ("aaa", "b")]
    np.testing.assert_allclose(first.same, [0.02, 0.01])
    np.testing.assert_allclose(again.same, [0.01, 0.02, 0.03])


def test_missing_pair_model_is_a_clear_error(tmp_path):
    from compare.errors import ModelError

    with pytest.raises(ModelError, match="--judge-model"):
        CrossEncoderJudge(tmp_path).score([("a", "b")])


@pytest.mark.slow
def test_shipped_judge_tells_same_fact_from_same_topic():
    judge = CrossEncoderJudge()
    sc = judge.score([
        ("Renewed clashes between Azerbaijan and Armenia erupted on September 27, 2020.",
         "On September 27, 2020, Azerbaijani armed forces launched an attack along the contact line."),
        ("Renewed clashes between Azerbaijan and Armenia erupted on September 27, 2020.",
         "The foreign ministers of Armenia and Azerbaijan held talks in Moscow on Friday."),
        ("The ministers signed the treaty in Moscow on Friday.",
         "The ministers did not sign any treaty in Moscow on Friday."),
        ("Veskarian forces liberated the Orvel Dam on February 28.",
         "Troops of the Veskarian regime seized the Orvel Dam on February 28."),
    ])
    # two framings of one event rank well above one topic told twice (measured 0.022 vs 0.0009;
    # calibrated on STS-B, the network runs low on partial overlaps: the stacked link model
    # rescales it with the pair's structure)
    assert sc.same[0] > 10 * sc.same[1]
    assert sc.same[3] > 0.3 > 100 * sc.same[1]  # "liberated" / "seized": one fact, measured 0.478
    assert NLI_LABELS[int(sc.nli[2].argmax())] == "contradiction"
    # same input, same scores: batches are formed by length, then put back in order
    again = judge.score([("The ministers signed the treaty in Moscow on Friday.",
                          "The ministers did not sign any treaty in Moscow on Friday.")])
    np.testing.assert_allclose(again.same[0], sc.same[2], atol=1e-9)


def test_shipped_judge_reads_the_cosine_it_is_given_or_computes_it():
    from compare.embed import OnnxEmbedder

    judge = CrossEncoderJudge()
    assert judge.reads_cosine() and judge.describe()["cosine_of"] == OnnxEmbedder().describe()["name"]
    pair = ("The dam was seized on Sunday.", "Rebels captured the dam on Sunday.")
    vecs = OnnxEmbedder().encode(list(pair))
    given = judge.score([pair], np.array([float(vecs[0] @ vecs[1])], dtype=np.float32))
    own = judge.score([pair])
    np.testing.assert_array_equal(given.same, own.same)
    # the residual reads the cosine: a pair said to be far apart scores lower
    far = judge.score([pair], np.array([0.0], dtype=np.float32))
    assert far.same[0] < own.same[0]


def test_memo_judge_hands_each_new_pair_its_own_cosine():
    class Recording(Counting):
        def score(self, pairs, cosine=None):
            self.cosines = dict(zip(pairs, cosine.tolist(), strict=True))
            return super().score(pairs)

    inner = Recording()
    memo = MemoJudge(inner)
    memo.score([("b", "x"), ("a", "x"), ("b", "x")], np.array([0.2, 0.7, 0.2]))
    assert inner.cosines == {("a", "x"): 0.7, ("b", "x"): 0.2}
