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
    model = TermModel(coef=(4.0, 0.5, 2.0, 0, 0, 0, 0, 0.5, 3.0, 1.0, -2.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), intercept=-2.0,
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
    assert len(m.word_coef) == 384 and m.reads_words(m.claim_embedder) and not m.reads_words("hashing")
    # claims embedded without word vectors are scored by the fallback over the plain features
    from compare.framing import PLAIN_FEATURES

    assert m.fallback is not None and len(m.fallback.coef) == len(PLAIN_FEATURES) and 0 < m.fallback.threshold < 1
    prof = FramingProfiler(m)
    assert prof.scorer(None) is m.fallback and prof.scorer({}) is m


def test_word_spans_follow_the_claim_as_embedded(story):
    from compare.framing import word_spans

    arts, claims = story
    body = {a.id: a.text for a in arts}
    c = next(c for c in claims if "slammed" in c.text)
    text = " ".join(("  " + c.text).split())  # the pipeline embeds the claim with its whitespace collapsed
    spans = word_spans(c, body[c.article], text)
    assert len(spans) == len(c.tokens)
    got = {text[a:b] for a, b in spans if b > a}
    assert {"slammed", "radical", "reckless", "disaster"} <= got
    assert "the" not in got and "Republicans" not in got  # function words and names are not scored


def test_word_model_scores_vectors_and_leaves_missing_words_to_its_prior(story):
    import numpy as np

    m = TermModel.load()
    v = np.random.default_rng(1).normal(size=(3, 384))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v[1] = 0.0  # a word without a vector
    p = m.word_bias(v)
    assert 0 < p[0] < 1 and 0 < p[2] < 1 and np.isnan(p[1])
    arts, claims = story
    df, n = document_frequency(claims)
    c = next(c for c in claims if "slammed" in c.text)
    k = next(k for k, t in enumerate(c.tokens) if t[2] == "slam")
    words = {c.id: np.full(len(c.tokens), np.nan)}
    words[c.id][k] = 0.97
    cands = candidates(claims, {a.id: a.text for a in arts}, df, n, words=words, word_prior=0.11)
    assert features(cands, "slammed")["word_bias"] == 0.97
    assert features(cands, "reckless")["word_bias"] == 0.11


@pytest.mark.slow
def test_encode_words_gives_the_embeddings_and_a_vector_per_word():
    import numpy as np

    from compare.embed import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder()
    texts = ["Republicans slammed the radical plan.", "Short."]
    emb, words = e.encode_words(texts, [[(12, 19), (-1, -1), (24, 31)], [(0, 5)]])
    assert np.allclose(emb, e.encode(texts), atol=1e-5)
    assert [w.shape for w in words] == [(3, 384), (1, 384)]
    assert np.allclose(np.linalg.norm(words[0], axis=1), [1, 0, 1], atol=1e-5)
    kept = e.encode_words(texts, [[(12, 19)], [(0, 5)]], reduce=TermModel.load().word_bias)[1]
    assert [k.shape for k in kept] == [(1,), (1,)] and all(0 < float(k[0]) < 1 for k in kept)


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


def test_alignment_keeps_mutual_best_matches_above_the_floor(story):
    import numpy as np

    from compare.framing import ALIGN_MIN, align

    _, claims = story
    a, b = claims[0], claims[2]  # any two claims: the alignment reads only the vectors
    va = np.zeros((len(a.tokens), 3))
    vb = np.zeros((len(b.tokens), 3))
    va[1], va[2] = [1, 0, 0], [0, 1, 0]
    vb[3], vb[4] = [0.9, 0.436, 0], [0, 0, 1]  # vb[3] is a's token 1's best match and vice versa
    got = align(a, va, b, vb)
    assert set(got) == {1} and got[1][0] == 3 and got[1][1] >= ALIGN_MIN
    assert align(a, va, b, np.zeros_like(vb)) == {}


def test_a_flagged_word_another_outlet_replaces_becomes_a_substitution(extractor):
    import numpy as np

    from compare.schema import FramingTerm

    texts = {"fox": ("Fox", "Republicans slammed the plan."), "nyt": ("NYT", "Republicans criticized the plan.")}
    arts = [parse_article(t, f"{k}.txt", k, {"outlet": o}, [], [])[0] for k, (o, t) in texts.items()]
    fox, nyt = extractor.extract(arts)
    body = {a.id: a.text for a in arts}

    def vecs(c):  # the two verbs share a direction, every other word has its own
        v = np.zeros((len(c.tokens), 8))
        for k, t in enumerate(c.tokens):
            v[k, 0 if t[3] == "VERB" else 1 + k] = 1.0
        return v

    vectors = {fox.id: vecs(fox), nyt.id: vecs(nyt)}
    fact_of = {fox.id: ("f001", (fox.id, nyt.id)), nyt.id: ("f001", (fox.id, nyt.id))}
    term = FramingTerm("slammed", "loaded", None, (fox.id,), "P(loaded) 0.90", 0.9)
    framing = FramingProfiler(TermModel((), 0, 0.5)).contrast(
        (("Fox", (term,)),), {fox.id: fox, nyt.id: nyt}, body, fact_of, vectors)
    got = framing[0][1][0]
    assert got.kind == "substitution" and got.instead == (("NYT", "criticized", "f001"),)
    assert got.why.startswith('where NYT says "criticized" (f001)')
    # a claim in no fact other outlets tell has no substitution
    same = FramingProfiler(TermModel((), 0, 0.5)).contrast(
        (("Fox", (term,)),), {fox.id: fox, nyt.id: nyt}, body, {}, vectors)
    assert same[0][1][0].kind == "loaded" and same[0][1][0].instead == ()
