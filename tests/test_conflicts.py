"""Contested facts and the evidence checks, on small corpora of our own."""

import pytest

from compare.diverge import assess
from compare.ingest import load_outlets, load_rules, parse_article
from compare.schema import Cluster


@pytest.fixture()
def tell(extractor):
    """{outlet: article text} -> (claims by outlet, texts by outlet), parsed as a run does."""

    def run(articles: dict[str, str], date: str = "2023-05-26"):
        arts = [parse_article(text + "\n", f"{i}.txt", f"a{i}", {"outlet": o, "date": date}, load_outlets(),
                              load_rules())[0] for i, (o, text) in enumerate(articles.items())]
        claims = extractor.extract(arts)
        return claims, {a.outlet: a.text for a in arts}

    return run


def first(claims, outlet, words):
    return next(c for c in claims if c.outlet == outlet and words in c.text)


def conflicts_of(signals):
    return {s.about: s for s in signals if s.kind == "conflict"}


def test_two_years_for_the_start_of_one_conflict_are_contested(tell):
    claims, texts = tell({
        "Alpha": "The conflict over the region broke out in February 1988 when its council voted to leave.",
        "Beta": "The conflict over the region broke out in 1991 when separatists broke away."})
    verdict, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    found = conflicts_of(signals)
    assert verdict == "diverge" and "year" in found
    assert [side[0] for side in found["year"].sides] == ["Alpha", "Beta"]
    assert "1988" in found["year"].detail and "1991" in found["year"].detail
    fact = Cluster("f1", "s1", tuple(c.id for c in claims), ("Alpha", "Beta"), verdict, signals)
    assert fact.contested


def test_a_ceasefire_called_a_peace_deal_is_contested(tell):
    claims, texts = tell({
        "Alpha": "The war ended with a Russian-brokered peace deal that was celebrated in Baku.",
        "Beta": "The war ended with a Russian-brokered ceasefire that left the dispute open."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    event = conflicts_of(signals)["event"]
    assert event.terms == {"Alpha": ["peace deal"], "Beta": ["ceasefire"]}
    # an outlet that writes both words elsewhere in its article has made no such choice
    claims, texts = tell({
        "Alpha": "The war ended with a Russian-brokered peace deal.\n\nThe ceasefire has mostly held since.",
        "Beta": "The war ended with a Russian-brokered ceasefire."})
    fact = [c for c in claims if "ended" in c.text]
    _, signals, _ = assess(fact, ["Alpha", "Beta"], texts=texts)
    assert "event" not in conflicts_of(signals)


def test_the_same_act_by_two_actors_is_contested_but_a_meeting_is_not(tell):
    claims, texts = tell({"Alpha": "Veskarian troops shelled the town of Kaldun overnight.",
                          "Beta": "Dornish artillery shelled the town of Kaldun overnight."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert "actor" in conflicts_of(signals)
    claims, texts = tell({
        "Alpha": "Putin on Thursday met in Moscow with Aliyev and Pashinyan.",
        "Beta": "Pashinyan and Aliyev met separately with Putin on Thursday."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert "actor" not in conflicts_of(signals)


def test_a_related_version_can_contest_a_single_source_fact(tell):
    claims, texts = tell({"Alpha": "Some 1,200 residents were evacuated overnight.",
                          "Beta": "About 300 residents were evacuated overnight."})
    a, b = first(claims, "Alpha", "1,200"), first(claims, "Beta", "300")
    verdict, signals, _ = assess([a], ["Alpha", "Beta"], related=[(a, b)], texts=texts)
    assert verdict == "single-source" and "number" in conflicts_of(signals)


def test_relative_dates_one_day_apart_are_not_a_conflict(tell):
    # a wire dated Friday says "on Thursday"; a paper dated Saturday says "on Friday" for the
    # same day of talks read one day off: the lag, not a conflict
    claims, texts = tell({"Alpha": "The leaders met in Moscow on Thursday."})
    later, later_texts = tell({"Beta": "The leaders met in Moscow on Friday."}, date="2023-05-27")
    _, signals, _ = assess(claims + later, ["Alpha", "Beta"], texts=texts | later_texts)
    assert "date" not in conflicts_of(signals)
    _, signals, _ = assess(claims + tell({"Beta": "The leaders met in Moscow on March 3, 2023."})[0],
                           ["Alpha", "Beta"])
    assert "date" in conflicts_of(signals)


def test_a_naming_habit_needs_the_outlet_never_to_use_the_other_form(tell):
    fact_a = "Talks on Karabakh resumed in Moscow on Thursday."
    fact_b = "Talks on Nagorno-Karabakh resumed in Moscow on Thursday."
    claims, texts = tell({"Alpha": fact_a, "Beta": fact_b})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert any(s.kind == "naming" for s in signals)
    claims, texts = tell({"Alpha": fact_a + "\n\nNagorno-Karabakh has been disputed for decades.", "Beta": fact_b})
    fact = [c for c in claims if "resumed" in c.text]
    verdict, signals, _ = assess(fact, ["Alpha", "Beta"], texts=texts)
    assert not any(s.kind == "naming" for s in signals) and verdict == "agree"


def test_agency_needs_the_other_telling_to_name_no_one_who_acted(tell):
    claims, texts = tell({
        "Alpha": "The conflict broke out in 1988 after the Karabakh Regional Council announced its withdrawal.",
        "Beta": "In 1988 Armenian separatists in Karabakh launched a campaign to leave Azerbaijan."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert not any(s.kind == "agency" for s in signals)  # Alpha names the council as the actor
    claims, texts = tell({"Alpha": "Renewed clashes between the two countries erupted in the region.",
                          "Beta": "Azerbaijan attacked the region along the entire front line."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert any(s.kind == "agency" for s in signals)


def test_a_bracketed_note_in_a_quote_is_the_outlets_own_voice(tell):
    claims, texts = tell({
        "Alpha": '"As was said yesterday (at a meeting between the three leaders in Moscow - Alpha), '
                 'the situation has changed," Peskov said.',
        "Beta": "The three leaders held a meeting in Moscow on Thursday."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert not any(s.kind == "attribution" for s in signals)


def test_no_false_conflict_from_a_relative_year_a_range_or_a_detail_left_out(tell):
    claims, texts = tell({"Alpha": "The dam collapsed on Thursday.", "Beta": "The dam, completed in 1988, collapsed."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert "year" not in conflicts_of(signals)  # Thursday's year is the article's, not the claim's
    claims, texts = tell({"Alpha": "The bridge was rebuilt in 2020-2021.", "Beta": "The bridge was rebuilt in 2021."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert "year" not in conflicts_of(signals)
    claims, texts = tell({"Alpha": "The storm killed 12 people and forced 300 people from their homes.",
                          "Beta": "The storm killed 12 people."})
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert "number" not in conflicts_of(signals)


def test_last_friday_a_week_off_and_a_guessed_year_keep_the_slack(tell):
    # Saturday 27 May: "last Friday" may be the 26th or the 19th; "on Friday" elsewhere is no conflict
    claims, texts = tell({"Alpha": "The ministers met last Friday in Moscow.",
                          "Beta": "The ministers met on Friday in Moscow."}, date="2023-05-27")
    _, signals, _ = assess(claims, ["Alpha", "Beta"], texts=texts)
    assert "date" not in conflicts_of(signals)


def test_a_guessed_year_still_allows_the_one_day_lag():
    from compare.conflicts import date_conflict
    from compare.schema import Claim, DateMention

    tass = Claim("t-1", "t", "TASS", "The leaders met on Thursday.", 0, 28, dates=("2023-05-25",),
                 when=(DateMention("Thursday", 19, 27, "2023-05-25", "the latest such day on or before", True),))
    alpha = Claim("a-1", "a", "Alpha", "The leaders met on Friday.", 0, 26, dates=("2023-05-26",),
                  when=(DateMention("Friday", 19, 25, "2023-05-26", "the latest such day on or before"),))
    assert date_conflict(tass, alpha) is None
    far = Claim("a-2", "a", "Alpha", "The leaders met on May 12, 2023.", 0, 32, dates=("2023-05-12",),
                when=(DateMention("May 12, 2023", 19, 31, "2023-05-12"),))
    assert date_conflict(tass, far) is not None
