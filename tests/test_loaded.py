"""The loaded-word token classifier (compare/loaded.py)."""

import numpy as np
import pytest

from compare.loaded import TokenModel, word_means


def test_word_means_average_the_pieces_of_each_word():
    pieces = np.array([0.0, 0.2, 0.4, 0.9, 0.0], dtype=np.float32)
    offsets = [(0, 0), (0, 3), (3, 6), (7, 12), (0, 0)]
    got = word_means(pieces, offsets, [(0, 6), (7, 12), (-1, -1)])
    assert got[0] == pytest.approx(0.3) and got[1] == pytest.approx(0.9) and np.isnan(got[2])


@pytest.mark.skipif(not TokenModel().available(), reason="the loaded-word model is not installed")
def test_the_token_model_gives_the_same_bytes_alone_and_in_a_batch():
    model = TokenModel(batch_size=4)
    texts = ["Critics slammed the reckless plan.", "The ministers met on Tuesday.",
             "Critics slammed the reckless plan.", "A bizarre, hysterical rant followed the vote."]
    spans = [[(0, 7), (8, 15), (20, 28)], [(4, 13), (14, 17)], [(0, 7), (8, 15), (20, 28)], [(2, 9), (11, 21)]]
    together = model.score(texts, spans)
    alone = [model.score([t], [s])[0] for t, s in zip(texts, spans, strict=True)]
    for a, b in zip(together, alone, strict=True):
        assert a.tobytes() == b.tobytes()
    assert together[0].tobytes() == together[2].tobytes()
    # loaded words score above plain ones
    assert together[0][2] > together[1][1] and together[3].max() > together[1].max()
