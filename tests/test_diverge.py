import pytest

from compare.context import declared_aliases, log_odds_z, story_context
from compare.diverge import assess
from compare.ingest import load_outlets, load_rules, parse_article
from compare.schema import Claim


@pytest.fixture()
def fact(extractor):
    """{outlet: sentence} -> (verdict, {kind: signal}) for one fact told by those outlets."""

    def run(tellings: dict[str, str], story_outlets=None, story: dict[str, str] | None = None):
        """``story``: more of each outlet's article, so the story context is built as in a run."""
        arts = []
        for i, (outlet, text) in enumerate(tellings.items()):
            art, _ = parse_article(text + "\n", f"{i}.txt", f"a{i}", {"outlet": outlet, "date": "2024-03-04"},
                                   load_outlets(), load_rules())
            arts.append(art)
        claims = extractor.extract(arts)
        context = None
        if story is not None:
            rest = [parse_article(t + "\n", f"s{i}.txt", f"s{i}", {"outlet": o, "date": "2024-03-04"},
                                  load_outlets(), load_rules())[0] for i, (o, t) in enumerate(story.items())]
            context = story_context(claims + extractor.extract(rest))
        verdict, signals, score = assess(claims, story_outlets or sorted(tellings), context)
        # a conflict is keyed by what it is about (number, date, year, actor, event, contradiction)
        return verdict, {s.about if s.kind == "conflict" else s.kind: s for s in signals}, score

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
    assert sig["date"].terms == {"A": ["March 1, 2025 (2025-03-01)"], "B": ["April 1, 2025 (2025-04-01)"]}
    assert sig["date"].kind == "conflict" and [x[0] for x in sig["date"].sides] == ["A", "B"]
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


def test_names_the_story_declares_aliases_are_a_naming_signal(fact):
    tellings = {"A": "Halmberg, a town of 20,000 people, lies below the dam.",
                "B": "Kaldun, a town of 20,000 people, lies below the dam."}
    _, sig, _ = fact(tellings)
    assert "naming" not in sig  # nothing in two sentences says they are one town
    _, sig, _ = fact(tellings, story={"C": "Halmberg, known in Veskaria as Kaldun, was shelled on Sunday."})
    assert sig["naming"].terms == {"A": ["Halmberg"], "B": ["Kaldun"]}
    assert "own text" in sig["naming"].detail


def test_one_slot_named_differently_throughout_is_a_naming_signal(fact):
    tellings = {"A": "The budget includes $180 million for the Northside Line to Harlow Park.",
                "B": "The budget includes $180 million for the Route 9 extension to Harlow Park."}
    _, sig, _ = fact(tellings, story={"A": "Work on the Northside Line starts in May.",
                                      "B": "Critics call the Route 9 extension a waste."})
    assert set(sig["naming"].terms) == {"A", "B"}
    # an outlet that uses both names elsewhere is choosing detail, not naming the line its own way
    _, sig, _ = fact(tellings, story={"A": "Work on the Northside Line, or Route 9, starts in May.",
                                      "B": "Critics call the Route 9 extension a waste."})
    assert "naming" not in sig


def test_declared_aliases_patterns(extractor):
    text = ("Halmberg, known in Veskaria as Kaldun, is a town.\n"
            "Zangezur (Syunik) lies to the south.\n"
            "The Organisation for Security and Co-operation in Europe (OSCE) sent monitors.\n"
            "Aliyev met Putin in Moscow.\n"
            "Norvale, which changed its name from Varrow Chemical Works in 2022, makes resins.\n")
    art, _ = parse_article(text, "x.txt", "x", {"outlet": "A"}, load_outlets(), load_rules())
    pairs = declared_aliases(extractor.extract([art]))
    assert frozenset(("Halmberg", "Kaldun")) in pairs
    assert frozenset(("Zangezur", "Syunik")) in pairs
    assert any("Varrow Chemical Works" in p for p in pairs)
    assert not any("OSCE" in p for p in pairs)  # an acronym is not a rival name
    assert not any("Putin" in p or "Moscow" in p for p in pairs)


def test_log_odds_ranks_an_outlets_own_words_first():
    background = {"talks": 20, "minister": 20, "regime": 2, "government": 10}
    a = {"talks": 5, "regime": 10, "minister": 4}
    b = {"talks": 5, "government": 10, "minister": 4}
    z = log_odds_z(a, b, background, alpha0=10.0)
    assert z["regime"] > 1.96 > abs(z["talks"])
    assert max(z, key=z.get) == "regime"
    assert log_odds_z(b, a, background, alpha0=10.0)["government"] > 1.96


def test_distinctive_words_join_the_wording_evidence(fact):
    tellings = {"A": "Troops shelled the village on Monday.",
                "B": "Soldiers fired on the village on Monday."}
    story = {"A": " ".join(f"The troops held position {n}." for n in "ABCDEFGH"),
             "B": " ".join(f"The soldiers held position {n}." for n in "ABCDEFGH")}
    _, sig, _ = fact(tellings, story=story)
    assert sig["wording"].terms["A"] == ["shell", "troop"]  # the lexicon term first, then the habit
    assert "log-odds" in sig["wording"].detail


def test_routine_sourcing_is_not_an_attribution_signal(fact):
    _, sig, _ = fact({"A": "The talks will be held on March 11, officials said.",
                      "B": "The talks will be held on March 11."})
    assert "attribution" not in sig
    _, sig, _ = fact({"A": "At least 12 people were killed, according to doctors.",
                      "B": "The shelling killed 12 people."})
    assert "attribution" in sig  # a figure vouched for by one outlet, sourced by the other


def test_spellings_with_one_usage_are_not_a_naming_signal(fact):
    _, sig, _ = fact({"A": "Both countries fought a war over the Karabakh region in 2020.",
                      "B": "Both countries fought a war over Karabakh in 2020."})
    assert "naming" not in sig
    _, sig, _ = fact({"A": "Both countries fought a war over Nagorno-Karabakh in 2020.",
                      "B": "Both countries fought a war over Karabakh in 2020."})
    assert sig["naming"].terms == {"A": ["Nagorno-Karabakh"], "B": ["Karabakh"]}


def test_loaded_word_inside_a_neutral_set_phrase_is_not_wording(fact):
    _, sig, _ = fact({"A": "Both sides must bolster the ceasefire regime along the border.",
                      "B": "Both sides must strengthen the ceasefire along the border."})
    assert "wording" not in sig
    _, sig, _ = fact({"A": "The regime must bolster the ceasefire along the border.",
                      "B": "The government must strengthen the ceasefire along the border."})
    assert sig["wording"].terms["A"] == ["regime"]


def test_one_loaded_root_in_two_forms_is_shared_wording(fact):
    _, sig, _ = fact({"A": "The shelling killed 12 people in the market.",
                      "B": "Shells killed 12 people in the market."})
    assert "wording" not in sig


def test_a_name_written_shorter_is_not_a_naming_signal(fact):
    tellings = {"A": "Eleven people were treated at St. Brigid's Hospital in Kellby.",
                "B": "Eleven people were treated at St Brigid's in Kellby."}
    _, sig, _ = fact(tellings, story={"A": "The hospital is busy.", "B": "The ward is busy."})
    assert "naming" not in sig


def test_dates_precise_to_the_month_can_conflict(fact):
    _, sig, _ = fact({"A": "The plant was last inspected by the state in April 2023.",
                      "B": "The plant was last inspected by the state in April 2021."})
    assert sig["date"].terms == {"A": ["April 2023 (2023-04)"], "B": ["April 2021 (2021-04)"]}
    _, sig, _ = fact({"A": "The plant was last inspected in April 2023.",
                      "B": "The plant was last inspected on April 12, 2023."})
    assert "date" not in sig


def test_a_declared_alias_covers_the_longer_and_shorter_name():
    from compare.context import StoryContext

    ctx = StoryContext(aliases=frozenset({frozenset(("Norvale", "Varrow Chemical Works"))}))
    assert ctx.alias_of("Norvale Chemicals", "Varrow Chemical Works")
    assert ctx.alias_of("Varrow Chemical Works", "Norvale")
    assert not ctx.alias_of("Norvale Chemicals", "Varrow Town Hall")
    assert not StoryContext(aliases=frozenset({frozenset(("Al", "Bo"))})).alias_of("Alma", "Bob")


def test_a_proper_noun_actor_counts_as_named_without_an_entity(fact):
    _, sig, _ = fact({"A": "Norvale sent a cloud of vapour over the homes of Eastbank.",
                      "B": "A vapour cloud was released over the homes of Eastbank."})
    assert sig["agency"].terms == {"A": ["Norvale"], "B": ["(passive, no actor)"]}


def test_a_word_that_only_starts_like_a_loaded_one_does_not_share_it(fact):
    _, sig, _ = fact({"A": "Azerbaijani forces shelled the village on Monday.",
                      "B": "Residents of the village hid in a shelter on Monday."})
    assert sig["wording"].terms["A"] == ["shell"]


def test_routine_sourcing_is_routine_at_the_start_of_a_sentence_too(fact):
    _, sig, _ = fact({"A": "Officials said the talks will be held on March 11.",
                      "B": "The talks will be held on March 11."})
    assert "attribution" not in sig


def test_one_name_compares_whole_words():
    from compare.diverge import _one_name

    assert _one_name("St. Brigid's Hospital", "St Brigid's")
    assert not _one_name("Niger", "Nigeria")


def test_judged_contradiction_becomes_a_signal_with_both_sentences():
    a = Claim("a1", "a", "Alpha News", "The ministers signed the treaty on Friday.", 0, 10)
    b = Claim("b1", "b", "Beta Daily", "No treaty was signed on Friday.", 0, 10)
    verdict, signals, _ = assess([a, b], ["Alpha News", "Beta Daily"], contradictions=[(a, b, 0.93)])
    sig = next(s for s in signals if s.kind == "conflict" and s.about == "contradiction")
    assert verdict == "diverge"
    assert sig.outlets == ("Alpha News", "Beta Daily")
    assert [side[2] for side in sig.sides] == [a.text, b.text] and "0.93" in sig.detail
    # without the judge's reading the same pair is no contradiction
    _, plain, _ = assess([a, b], ["Alpha News", "Beta Daily"])
    assert all(s.kind != "conflict" for s in plain)
