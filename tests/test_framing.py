from dataclasses import replace

import numpy as np
import pytest

from compare.diverge import load_lexicons
from compare.framing import (
    FRAMING_FEATURES,
    FramingProfiler,
    TermModel,
    candidates,
    document_frequency,
    merged,
    naming_terms,
    quotations,
    vader_lexicon,
    with_fact_terms,
)
from compare.ingest import parse_article
from compare.schema import Cluster, FramingTerm, Signal, Story


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
    model = TermModel(coef=(4.0, 0.5, 2.0, 0, 0, 0, 0, 0.5, 3.0, 1.0, -2.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                      intercept=-2.0,
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


# --- one framing account: quoted words are the speaker's, the technical vocabulary is not
# loaded, side-taking names are grouped by referent, facts and profile name the same words ---


def _articles(extractor, texts):
    arts = [parse_article(t, f"{k}.txt", k, {"outlet": o}, [], [])[0] for k, (o, t) in texts.items()]
    return arts, extractor.extract(arts)


def _feature(cands, word, name):
    c = next(c for c in cands if c.word == word)
    return dict(zip(FRAMING_FEATURES, c.features, strict=True))[name]


def test_quotations_are_found_in_every_style():
    text = 'He said “a reckless plan” and "a bold move", «un plan», ‘it’s over’, „Schluss“, then left.'
    spans = [text[a:b] for a, b in quotations(text)]
    assert spans == ["“a reckless plan”", '"a bold move"', "«un plan»", "‘it’s over’", "„Schluss“"]
    assert quotations('They fired 5" shells and 12" rounds.') == []  # inch marks
    # an unbalanced straight quote does not swallow the outlet's own words up to the next one
    text = 'He said "we will fight. The outlet says the "terrorists" fled.'
    assert [text[a:b] for a, b in quotations(text)] == ['"terrorists"']


def test_a_short_quotation_nobody_speaks_is_the_outlets_scare_quote(extractor):
    arts, claims = _articles(extractor, {"a": ("Wire", 'The "liberation" of the town left it in ruins.')})
    df, n = document_frequency(claims)
    cands = candidates(claims, {a.id: a.text for a in arts}, df, n)
    assert _feature(cands, "liberation", "in_quote") == 0.0
    assert next(c for c in cands if c.word == "liberation").speaker is None


def test_a_word_inside_quotation_marks_is_the_speakers_and_comes_after_the_outlets_own(extractor):
    arts, claims = _articles(extractor, {
        "a": ("Wire", 'The senator called the bill "a reckless disaster," aides said. '
                      "Critics slammed the ruinous plan on Tuesday."),
    })
    df, n = document_frequency(claims)
    texts = {a.id: a.text for a in arts}
    cands = candidates(claims, texts, df, n)
    assert _feature(cands, "reckless", "in_quote") == 1.0
    assert _feature(cands, "ruinous", "in_quote") == 0.0
    reckless = next(c for c in cands if c.word == "reckless")
    assert reckless.speaker  # whose words: the claim's speaker, or "someone quoted"
    # a model that flags charged words, whatever their voice
    coef = [0.0] * len(FRAMING_FEATURES)
    coef[FRAMING_FEATURES.index("vader")] = 12.0
    prof = FramingProfiler(TermModel(tuple(coef), -2.0, 0.5)).profile(claims, texts, df, n)["Wire"]
    terms = [t.term for t in prof]
    assert "reckless" in terms and "ruinous" in terms
    assert terms.index("ruinous") < terms.index("reckless")  # own words first
    quoted = next(t for t in prof if t.term == "reckless")
    assert quoted.speaker and "not the outlet's" in quoted.why
    assert next(t for t in prof if t.term == "ruinous").speaker is None


def test_the_technical_vocabulary_is_never_a_candidate_unless_the_lexicon_lists_it(extractor):
    arts, claims = _articles(extractor, {
        "a": ("Wire", "The ministers agreed to start delimiting the border after a constructive exchange. "
                      "The occupation of the district went on."),
    })
    df, n = document_frequency(claims)
    words = {c.word for c in candidates(claims, {a.id: a.text for a in arts}, df, n)}
    assert not {"delimiting", "constructive", "border"} & words
    assert "occupation" in words  # in the framing lexicon: the data says it takes a side
    lex = load_lexicons()
    assert {"delimit", "constructive", "ceasefire"} <= lex.technical
    assert not lex.technical & set(lex.framing)  # no word is both


def test_a_side_taking_name_is_a_naming_term_with_the_other_sides_name_beside_it(extractor):
    arts, claims = _articles(extractor, {
        "arka": ("ARKA", "The town of Shushi was handed over in 2020."),
        "trt": ("TRT", "A checkpoint stands on the Lachin-Khankendi road."),
        "tass": ("TASS", "Talks on the road to Stepanakert went on."),
    })
    arka = [c for c in claims if c.outlet == "ARKA"]
    alone = naming_terms(arka, arka)["ARKA"]  # a story one outlet tells alone is read too
    shushi = next(t for t in alone if t.term == "Shushi")
    assert shushi.kind == "naming" and "Armenian usage" in shushi.why and '"Shusha"' in shushi.why
    assert ("", "Shusha", "Azerbaijani usage") in shushi.instead
    trt = naming_terms([c for c in claims if c.outlet == "TRT"], claims)["TRT"]
    khankendi = next(t for t in trt if t.term == "Khankendi")  # inside "Lachin-Khankendi road"
    assert ("TASS", "Stepanakert", "") in khankendi.instead and "TASS writes" in khankendi.why
    road = next(t for t in trt if t.term == "Lachin-Khankendi road")
    assert road.referent == "road linking Armenia and Karabakh"
    # a name of the international usage is common ground, not a naming term
    arts2, claims2 = _articles(extractor, {"x": ("AP", "Fighting flared in Nagorno-Karabakh.")})
    assert naming_terms(claims2, claims2) == {}


def test_an_outlet_writing_both_sides_names_has_no_naming_term(extractor):
    arts, claims = _articles(extractor, {
        "a": ("AP", "Stepanakert, which Azerbaijan calls Khankendi, was quiet."),
    })
    assert naming_terms(claims, claims) == {}


def test_profile_and_facts_give_one_account(extractor):
    arts, claims = _articles(extractor, {
        "a": ("A", 'Troops liberated the town of Shusha on Sunday. A general said "the occupation is over."'),
        "b": ("B", "Troops took the town of Shushi on Sunday, near Nagorno-Karabakh."),
    })
    texts = {a.id: a.text for a in arts}
    lashed = FramingTerm("troops", "loaded", None, (claims[0].id,), "w", 0.9)
    quoted = FramingTerm("took", "loaded", None, (claims[1].id,), "w", 0.95, speaker="a general")
    story = Story("s1", tuple(a.id for a in arts), "t", framing=(("A", (lashed,)), ("B", (quoted,))))
    # the lexicon's word named in a fact joins the outlet's profile, with the fact's sentence
    sig = Signal("wording", ("A", "B"), {"A": ["liberate", "occupation"], "B": []}, "A uses 'liberate'")
    name = Signal("naming", ("A", "B"), {"A": ["Shusha"], "B": ["Shushi", "Nagorno-Karabakh"]}, "Shusha vs Shushi")
    cl = Cluster("f001", "s1", tuple(c.id for c in claims), ("A", "B"), "diverge", (sig, name), 2.0)
    out = dict(with_fact_terms([story], [cl], {c.id: c for c in claims}, texts)[0].framing)
    a = {t.term: t for t in out["A"]}
    # the lemma joins as the outlet wrote it, with the sentence that holds it
    assert a["liberated"].claims == (claims[0].id,) and "fact f001" in a["liberated"].why
    assert "occupation" not in a  # inside quotation marks: the general's word, not A's
    assert a["Shusha"].kind == "naming" and a["Shusha"].referent == "town in Nagorno-Karabakh"
    b = [t.term for t in out["B"]]
    assert b[0] == "Shushi" and "Nagorno-Karabakh" not in b  # the international name takes no side
    assert b[-1] == "took"  # the quoted word last
    # a word the profile has gains the fact's sentences instead of being listed twice
    again = FramingTerm("liberated", "loaded", None, ("x-9",), "model", 0.95)
    story = replace(story, framing=(("A", (again,)), ("B", (quoted,))))
    a = dict(with_fact_terms([story], [cl], {c.id: c for c in claims}, texts)[0].framing)["A"]
    assert [(t.term, t.claims, t.why) for t in a if t.term == "liberated"] == [
        ("liberated", ("x-9", claims[0].id), "model")]


def test_merged_keeps_one_term_per_word_and_voice():
    own = FramingTerm("reckless", "loaded", None, ("c1",), "w", 0.9)
    again = FramingTerm("Reckless", "loaded", None, ("c2",), "w", 0.0)
    name = FramingTerm("Shushi", "naming", "town", ("c3",), "w")
    out = merged({"A": (own,)}, {"A": [again, name]})
    assert [t.term for t in out["A"]] == ["reckless", "Shushi"]


def test_the_loaded_word_model_reads_only_the_claims_the_gate_passes_and_its_scores_count(extractor):
    arts, claims = _articles(extractor, {
        "a": ("Wire", "Critics slammed the reckless plan. The ministers met on Tuesday."),
    })
    df, n = document_frequency(claims)
    texts = {a.id: a.text for a in arts}
    coef = [0.0] * len(FRAMING_FEATURES)
    coef[FRAMING_FEATURES.index("vader")] = 12.0
    coef[FRAMING_FEATURES.index("token_bias")] = 12.0
    prof = FramingProfiler(TermModel(tuple(coef), -6.0, 0.5, token_prior=0.0, token_gate=0.05))
    cands = prof.read(claims, texts, df, n)
    assert prof.to_read(cands, None) == {claims[0].id}  # "reckless" is charged; the meeting is not
    plain = {t.term for t in prof.terms(cands, None).get("Wire", ())}
    # the loaded-word model's score lifts a word the lexicons miss
    k = next(i for i, t in enumerate(claims[0].tokens) if texts[claims[0].article][t[0]:t[1]] == "plan")
    marks = np.full(len(claims[0].tokens), np.nan, dtype=np.float32)
    marks[k] = 0.9
    lifted = {t.term for t in prof.terms(cands, None, {claims[0].id: marks})["Wire"]}
    assert "plan" not in plain and "plan" in lifted


def test_a_name_inside_quotation_marks_is_the_speakers_not_a_naming_term(extractor):
    arts, claims = _articles(extractor, {
        "a": ("AP", 'The minister said "Shushi will be ours again," and left.'),
    })
    texts = {a.id: a.text for a in arts}
    assert naming_terms(claims, claims, texts) == {} and naming_terms(claims, claims) == {}
    arts, claims = _articles(extractor, {"a": ("AP", "The minister said Shushi will be theirs again.")})
    assert naming_terms(claims, claims)["AP"][0].term == "Shushi"
