import pytest

from compare.ingest import load_outlets, load_rules, parse_article


def claims_of(extractor, text, date="2023-05-26"):
    art, _ = parse_article(text, "t.txt", "t", {"outlet": "Test", "date": date}, load_outlets(), load_rules())
    return extractor.extract([art])


def test_quote_spanning_sentences_stays_one_claim_with_its_speaker(extractor):
    cs = claims_of(extractor, 'Peskov spoke on Friday. "It will be held next week. They will try to '
                              'finish," he said. "They will talk it over."\n')
    texts = [c.text for c in cs]
    assert texts[1] == '"It will be held next week. They will try to finish," he said.'
    assert texts[2] == '"They will talk it over."'
    assert cs[1].speaker == "Peskov" and cs[2].speaker == "Peskov"


def test_speaker_from_reported_speech_and_according_to(extractor):
    cs = claims_of(extractor, "Russian Foreign Minister Sergei Lavrov said on Friday that talks went well. "
                              "According to Lavrov, the sides are close. The sides are close.\n")
    assert [c.speaker for c in cs] == ["Sergei Lavrov", "Sergei Lavrov", None]


def test_claimed_lives_is_not_reported_speech(extractor):
    cs = claims_of(extractor, "The ensuing conflict claimed some 30,000 lives.\n")
    assert cs[0].speaker is None
    q = cs[0].numbers[0]
    assert (q.value, q.unit, q.qualifier) == (30000.0, "people", "some")


def test_durations_are_normalised_to_days(extractor):
    a = claims_of(extractor, "During the 44-day conflict, the army advanced.\n")[0].numbers
    b = claims_of(extractor, "Six weeks of hostilities ended with a ceasefire.\n")[0].numbers
    assert (a[0].value, a[0].unit) == (44.0, "day")
    assert (b[0].value, b[0].unit) == (42.0, "day")


def test_dates_relative_to_article_date(extractor):
    c = claims_of(extractor, "Putin met Aliyev on Thursday. Clashes erupted on September 27, 2020.\n")
    assert c[0].dates == ("2023-05-25",)
    assert c[1].dates == ("2020-09-27",)


def test_agency_active_versus_agentless(extractor):
    cs = claims_of(extractor, "Renewed clashes erupted on Sunday. Azerbaijani armed forces attacked the town. "
                              "The town was shelled.\n")
    assert [c.voice for c in cs] == ["agentless", "active", "passive"]
    assert cs[1].actor == "Azerbaijani armed forces"


def test_headline_is_a_heading_claim(extractor):
    cs = claims_of(extractor, "Dam talks stall in Strell\n\nTalks stalled on Monday.\n")
    assert cs[0].heading and cs[0].text == "Dam talks stall in Strell"
    assert not cs[1].heading


@pytest.mark.slow
def test_parsing_on_two_processes_gives_the_same_claims(nlp):
    from compare.claims import ClaimExtractor
    from compare.ingest import load_outlets, read_articles

    from .conftest import SEEDS

    arts, _ = read_articles([SEEDS], None, load_outlets(None))
    one = ClaimExtractor(nlp=nlp, workers=1).extract(arts)
    two = ClaimExtractor(nlp=nlp, workers=2)
    two.PARALLEL_BLOCKS = 1  # the seeds are far under the size that turns it on
    assert two.extract(arts) == one
