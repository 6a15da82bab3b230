import pytest

from compare.framing import (
    FRAMING_FEATURES,
    FramingProfiler,
    TermModel,
    candidates,
    document_frequency,
    vader_lexicon,
)
from compare.ingest import parse_article


@pytest.fixture()
def story(extractor):
    texts = {
        "fox": ("Fox", "Republicans slammed the radical plan as a reckless disaster. "
                       "North Korean dictator Kim Jong Un met Trump in Singapore."),
        "nyt": ("NYT", "Republicans criticized the plan on Tuesday. "
                       "North Korean leader Kim Jong Un met Trump in Singapore."),
    }
    arts = [parse_article(t, f"{k}.txt", k, {"outlet": o}, [], [])[0] for k, (o, t) in texts.items()]
    return arts, extractor.extract(arts)


def features(cands, word):
    return next(dict(zip(FRAMING_FEATURES, c.features, strict=True)) for c in cands if c.word == word)


def test_vader_lexicon_is_read_from_the_package():
    v = vader_lexicon()
    assert v["disaster"] < -2 and v["good"] > 1 and len(v) > 7000


def test_candidates_read_charge_role_and_referent(story):
    arts, claims = story
    df, n = document_frequency(claims)
    cands = candidates(claims, {a.id: a.text for a in arts}, df, n)
    words = {c.word for c in cands}
    assert {"slammed", "radical", "reckless", "dictator", "leader"} <= words
    assert "kim" not in words and "trump" not in words  # names are referents, not framing
    dictator = next(c for c in cands if c.word == "dictator")
    assert dictator.referent == "Kim Jong Un" and dictator.claim.outlet == "Fox"
    assert features(cands, "reckless")["vader"] > 0.3 and features(cands, "reckless")["adj"] == 1.0
    assert features(cands, "slammed")["shared"] == 0.0
    assert features(cands, "met")["shared"] == 1.0  # both outlets say "met"
    # Fox's "dictator" for Kim Jong Un is its own label; NYT names him too, as "leader"
    assert features(cands, "dictator")["label_own"] == 1.0 and features(cands, "leader")["label_own"] == 1.0


def test_profile_names_the_loaded_words_and_labels_with_why(story):
    arts, claims = story
    df, n = document_frequency(claims)
    model = TermModel(coef=(4.0, 0.5, 2.0, 0, 0, 0, 0, 0.5, 3.0, 1.0, -2.0, 0, 0, 0, 0, 0, 0, 0, 0, 0), intercept=-2.0,
                      threshold=0.5)
    prof = FramingProfiler(model).profile(claims, {a.id: a.text for a in arts}, df, n)
    fox = {t.term: t for t in prof["Fox"]}
    assert {"reckless", "disaster", "dictator"} <= set(fox)
    assert fox["dictator"].kind == "label" and fox["dictator"].referent == "Kim Jong Un"
    assert fox["reckless"].kind == "loaded" and "VADER" in fox["reckless"].why
    assert all(t.claims and t.why for ts in prof.values() for t in ts)
    assert "met" not in fox


def test_shipped_model_has_every_feature():
    m = TermModel.load()
    assert len(m.coef) == len(FRAMING_FEATURES) and 0 < m.threshold < 1
    assert len(m.claim_coef) == 384  # the sentence model reads all-MiniLM-L6-v2 embeddings


def test_sentence_model_falls_back_to_its_prior_for_other_embeddings():
    import numpy as np

    m = TermModel.load()
    x = np.random.default_rng(0).normal(size=(3, 384))
    assert list(m.claim_bias(np.ones((2, 16)), m.claim_embedder)) == [m.claim_prior] * 2
    assert list(m.claim_bias(x, "another-384-dimension-model")) == [m.claim_prior] * 3
    p = m.claim_bias(x, m.claim_embedder)
    assert p.shape == (3,) and ((0 < p) & (p < 1)).all() and len(set(p)) == 3


def test_a_story_one_outlet_tells_alone_is_not_all_distinctive(extractor):
    from compare.framing import SHARED_PRIOR

    art = parse_article("Republicans slammed the radical plan as a reckless disaster.", "fox.txt", "fox",
                        {"outlet": "Fox"}, [], [])[0]
    claims = extractor.extract([art])
    df, n = document_frequency(claims)
    cands = candidates(claims, {art.id: art.text}, df, n)
    assert {features(cands, w)["shared"] for w in ("slammed", "reckless")} == {SHARED_PRIOR}
    prof = FramingProfiler().profile(claims, {art.id: art.text}, df, n)
    assert all("no other outlet" not in t.why for ts in prof.values() for t in ts)
