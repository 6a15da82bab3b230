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


def test_late_judge_reads_the_pairs_of_connected_claims_together():
    from compare.linking.judge import grouped_pairs

    pairs = [("a", "b"), ("x", "y"), ("b", "c"), ("y", "z"), ("a", "c")]
    # {a, b, c} first (where it first appears), by first text then second; then {x, y, z}
    assert grouped_pairs(pairs) == [0, 4, 2, 1, 3]
    assert grouped_pairs([]) == []


@pytest.fixture(scope="module")
def late_folder(tmp_path_factory):
    """A small late-read pair model (random weights, the bundled tokenizer), exported as
    training/export_onnx.py exports a trained one: claim and join graphs."""
    import shutil
    import sys

    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, BertModel

    from compare.models import PAIR_MODEL_DIR
    from compare.models.pair_net import PairNet

    sys.path.insert(0, os.path.join(ROOT, "training"))
    try:
        from export_onnx import export_late
    finally:
        sys.path.remove(os.path.join(ROOT, "training"))
    folder = tmp_path_factory.mktemp("late")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                        intermediate_size=64)
    net = PairNet(BertModel(config))
    net.cos_coef = torch.tensor([5.0, -2.0])
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(folder / "model.safetensors"))
    config.save_pretrained(str(folder))
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        shutil.copy(PAIR_MODEL_DIR / name, folder / name)
    (folder / "model.json").write_text('{"name": "tiny-late", "split": 2}')
    export_late(folder)
    return folder


LATE_PAIRS = [("The dam was seized on Sunday.", "Rebels captured the dam on Sunday."),
              ("The council passed the budget.", "The budget was approved by the council on Monday."),
              ("Rebels captured the dam on Sunday.", "The dam fell to the rebels."),
              ("The dam was seized on Sunday.", "The dam fell to the rebels."),
              ("The budget was approved by the council on Monday.", "Councillors voted for the budget.")]


def test_late_judge_graphs_read_as_the_network_does(late_folder):
    import torch
    from transformers import AutoTokenizer

    from compare.models.pair_net import load_late_net

    judge = CrossEncoderJudge(late_folder)
    assert judge.describe()["runtime"] == "onnxruntime, claims then pairs"
    cos = np.array([0.8, 0.7, 0.6, 0.5, 0.4], dtype=np.float32)
    got = judge.score(LATE_PAIRS, cos)
    net, tok = load_late_net(late_folder), AutoTokenizer.from_pretrained(str(late_folder))
    a = tok([x for x, _ in LATE_PAIRS], padding=True, return_tensors="pt")
    b = tok([y for _, y in LATE_PAIRS], padding=True, return_tensors="pt")
    with torch.inference_mode():
        same, nli = net(a["input_ids"], a["attention_mask"], b["input_ids"], b["attention_mask"], torch.from_numpy(cos))
    # int8 weights, fp32 arithmetic: close to the torch network it was exported from
    np.testing.assert_allclose(got.same, torch.sigmoid(same).numpy(), atol=2e-3)
    np.testing.assert_allclose(got.nli, torch.softmax(nli, -1).numpy(), atol=2e-3)


def test_late_judge_scores_are_the_same_bytes_in_any_corpus(late_folder):
    judge = CrossEncoderJudge(late_folder)
    cos = np.array([0.8, 0.7, 0.6, 0.5, 0.4], dtype=np.float32)
    whole = judge.score(LATE_PAIRS, cos)
    np.testing.assert_allclose(whole.nli.sum(1), 1.0, atol=1e-5)
    # read in another order, a pair a block, one claim's states held at a time (the rest read
    # again), or alone: a pair's scores never depend on what else is judged
    judge._load()
    tiny = judge._score_late(judge._net, LATE_PAIRS[::-1], cos[::-1], block=1, max_claims=1)
    np.testing.assert_array_equal(tiny.same[::-1], whole.same)
    np.testing.assert_array_equal(tiny.nli[::-1], whole.nli)
    alone = judge.score(LATE_PAIRS[2:3], cos[2:3])
    np.testing.assert_array_equal(alone.same, whole.same[2:3])
    assert len({tuple(np.round(row, 6)) for row in whole.nli}) == len(LATE_PAIRS)  # each pair read for itself


def test_a_late_model_not_yet_exported_is_a_clear_error(tmp_path):
    from compare.errors import ModelError

    (tmp_path / "model.safetensors").write_bytes(b"")
    (tmp_path / "model.json").write_text('{"split": 5}')
    with pytest.raises(ModelError, match="training/export_onnx.py"):
        CrossEncoderJudge(tmp_path).score([("a", "b")])
