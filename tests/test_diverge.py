import pytest

from compare.diverge import assess
from compare.ingest import load_outlets, load_rules, parse_article


@pytest.fixture()
def fact(extractor):
    """{outlet: sentence} -> (verdict, {kind: signal}) for one fact told by those outlets."""

    def run(tellings: dict[str, str], story_outlets=None):
        arts = []
        for i, (outlet, text) in enumerate(tellings.items()):
            art, _ = parse_article(text + "\n", f"{i}.txt", f"a{i}", {"outlet": outlet, "date": "2024-03-04"},
                                   load_outlets(), load_rules())
            arts.append(art)
        claims = extractor.extract(arts)
        verdict, signals, score = assess(claims, story_outlets or sorted(tellings))
        return verdict, {s.kind: s for s in signals}, score

    return run


def test_loaded_words_are_a_wording_signal(fact):
    verdict, sig, _ = fact({"A": "During the war, Baku liberated numerous villages.",
                            "B": "During the war, Azerbaijan took numerous villages."})
    assert verdict == "diverge"
    assert sig["wording"].terms["A"] == ["liberate"] and sig["wording"].terms["B"] == []


def test_same_wording_agrees(fact):
    verdict, sig, score = fact({"A": "The ministers met in Moscow on Friday.",
                                "B": "The ministers met in Moscow on Friday."})
    assert verdict == "agree" and sig == {} and score == 0


def test_place_name_variants_are_a_naming_signal(fact):
    _, sig, _ = fact({"A": "A checkpoint was set up on the road to Stepanakert.",
                      "B": "A checkpoint was set up on the road to Khankendi."})
    assert sig["naming"].terms == {"A": ["Stepanakert"], "B": ["Khankendi"]}


def test_spelling_variants_of_a_name(fact):
    _, sig, _ = fact({"A": "Sergei Lavrov hosted the talks.", "B": "Sergey Lavrov hosted the talks."})
    assert "naming" in sig


def test_capital_for_state_only_as_actor(fact):
    _, sig, _ = fact({"A": "Baku closed the road.", "B": "Azerbaijan closed the road."})
    assert sig["naming"].terms == {"A": ["Baku"], "B": ["Azerbaijan"]}
    _, sig, _ = fact({"A": "The leaders met in Moscow.", "B": "The leaders met in Russia."})
    assert "naming" not in sig


def test_actor_versus_no_actor_is_agency(fact):
    _, sig, _ = fact({"A": "Clashes erupted along the border on Sunday.",
                      "B": "Azerbaijani forces attacked along the border on Sunday."})
    assert sig["agency"].terms["A"] == ["(agentless, no actor)"]
    assert sig["agency"].terms["B"] == ["Azerbaijani forces"]


def test_own_voice_versus_attributed(fact):
    _, sig, _ = fact({"A": "Twelve soldiers crossed the border.",
                      "B": "The ministry said twelve soldiers crossed the border."})
    assert sig["attribution"].terms == {"A": ["(own voice)"], "B": ["The ministry"]}


def test_conflicting_counts_of_the_same_thing(fact):
    _, sig, _ = fact({"A": "The shelling on March 2 killed 12 people.",
                      "B": "The shelling on March 2 killed 31 people."})
    assert sig["number"].terms == {"A": ["12 people"], "B": ["31 people"]}


@pytest.mark.parametrize("a,b", [
    ("Some 4,000 people fled the valley.", "Some 4,000 tonnes of aid reached the valley."),  # same value
    ("The war in 2020 killed more than 6,000 people.", "The war in 1994 claimed some 30,000 lives."),
    ("The 44-day war ended in November.", "Six weeks of hostilities ended in November."),
    ("More than 6,000 people were killed.", "About 6,500 people were killed."),
])
def test_numbers_that_do_not_conflict(fact, a, b):
    _, sig, _ = fact({"A": a, "B": b})
    assert "number" not in sig


def test_conflicting_dates(fact):
    _, sig, _ = fact({"A": "Fares rise on March 1, 2025.", "B": "Fares rise on April 1, 2025."})
    assert sig["date"].terms == {"A": ["2025-03-01"], "B": ["2025-04-01"]}
    _, sig, _ = fact({"A": "Fares rise on March 1, 2025.", "B": "Fares rise in 2025."})
    assert "date" not in sig


def test_denial_against_report_is_a_contradiction(fact):
    _, sig, _ = fact({"A": "Azerbaijani activists blocked the only road in December.",
                      "B": "Aliyev denied that Azerbaijan is blocking the only road."})
    assert set(sig["contradiction"].outlets) == {"A", "B"}
    assert "block" in sig["contradiction"].terms["A"]


def test_omission_names_the_outlets_that_leave_a_fact_out(fact):
    verdict, sig, _ = fact({"A": "The ministers met in Moscow.", "B": "The ministers met in Moscow."},
                           story_outlets=["A", "B", "C"])
    assert verdict == "agree"  # omission alone does not make the telling diverge
    assert sig["omission"].outlets == ("C",)


def test_single_outlet_is_single_source(fact):
    verdict, sig, _ = fact({"A": "The ministers met in Moscow."})
    assert verdict == "single-source" and sig == {}


def test_score_ranks_more_divergent_facts_higher(fact):
    _, _, low = fact({"A": "Baku closed the road.", "B": "Azerbaijan closed the road."})
    _, _, high = fact({"A": "The shelling on March 2 killed 12 people, terrorists said.",
                       "B": "The shelling on March 2 killed 31 people."})
    assert high > low
