import hashlib
import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from compare.copies import (
    COPIED,
    KEPT,
    SHINGLE,
    _match,
    _read,
    describe,
    find_copies,
    load_agencies,
    shingles,
    sources,
)
from compare.schema import Article, Claim, Copy, Excluded

ROOT = Path(__file__).resolve().parent.parent

# --- the rule's test corpus: made-up wire sentences -------------------------------------------

# (wire, edited): one agency sentence as two outlets ran it
COPIED_PAIRS = [
    ("Floodwaters from the swollen Meran river forced more than 12,000 people from their homes in northern Valdoria on Tuesday, officials said, as rescue teams used boats to reach stranded villages.",
     "Floodwaters from the swollen Meran river drove more than 12,000 residents from their homes in northern Valdoria, officials said on Tuesday, as rescuers used boats to reach cut-off villages."),
    ("The regional governor, Anna Petrescu, declared a state of emergency in three districts and asked the army to help evacuate hospitals along the riverbank.",
     "Regional governor Anna Petrescu declared a state of emergency in three districts and asked the army to help evacuate hospitals on the riverbank."),
    ("Meteorologists warned that more rain was expected over the weekend, and that the river could crest a second time before the end of the week.",
     "Forecasters warned that more rain was expected at the weekend and the river could crest a second time before the week was out."),
    ("Valdoria has suffered repeated floods in recent years, which scientists link to deforestation in the mountains and to more intense storms driven by climate change.",
     "The country has suffered repeated floods in recent years, which experts link to deforestation in the mountains and to more intense storms fuelled by climate change."),
    ("The European Union said it stood ready to send pumps and rescue crews if the government asked for help.",
     "The EU said it was ready to send pumps and rescue crews if the government asked for help."),
    ("“We have never seen the water rise this fast,” Petrescu told reporters in the town of Kelso, adding that at least four people had died.",
     '"We have never seen the water rise this fast," Petrescu told reporters in Kelso, adding that at least four people had died.'),
    ("Dock workers at the port of Saltmarsh walked off the job on Monday in a dispute over pay, halting the loading of grain ships for the first time in two decades.",
     "Dockworkers at Saltmarsh port walked off the job on Monday in a pay dispute, halting the loading of grain ships for the first time in 20 years."),
    ("The union said its members had rejected an offer of a 3 percent raise, arguing that it fell far short of inflation, which reached 9 percent last year.",
     "The union said members rejected a 3 percent pay offer, arguing it fell far short of inflation, which hit 9 percent last year."),
    ("Port authorities said about 40 vessels were waiting offshore and warned that the backlog could take weeks to clear.",
     "Port officials said some 40 vessels were waiting offshore, warning that the backlog could take weeks to clear."),
    ("Voters in Dravia chose a new parliament on Sunday in an election seen as a test of Prime Minister Karel Novak's handling of the economy.",
     "Dravians voted for a new parliament on Sunday in an election widely seen as a test of Prime Minister Karel Novak’s handling of the economy."),
    ("Turnout was 58 percent by late afternoon, the electoral commission said, slightly higher than at the last vote four years ago.",
     "Turnout stood at 58 percent by late afternoon, according to the electoral commission, slightly higher than at the last vote in 2020."),
    ("Novak's centre-right party has led every opinion poll since January, but analysts said it was unlikely to win enough seats to govern alone.",
     "Analysts said Novak's centre-right party, which has led every opinion poll since January, was unlikely to win enough seats to govern alone."),
    ("The opposition Greens have campaigned on a promise to close the country's last coal mine by 2030.",
     "The opposition Greens campaigned on a pledge to close Dravia's last coal mine by 2030."),
]
# (outlet a, outlet b): one event told by each in its own words, outside quotation marks
INDEPENDENT_PAIRS = [
    ("Valdorian President Mihai Lupu and Dravian Prime Minister Karel Novak signed the agreement in Kelso on Friday.",
     "The agreement was signed by Valdorian President Mihai Lupu and Dravian Prime Minister Karel Novak after two days of talks."),
    ("The foreign ministry said in a statement on Thursday that the talks had been constructive.",
     "The defence ministry said in a statement on Thursday that it had sent two more battalions to the border."),
    ("At least four people have died in the floods in northern Valdoria, according to the regional governor.",
     "The regional governor said at least four people had been killed as the river burst its banks."),
    ("More than 12,000 people have been evacuated, officials said.",
     "Officials put the number of evacuees at more than 12,000."),
    ("The strike at Saltmarsh, the country's largest grain port, began on Monday after talks on pay broke down.",
     "Talks between the union and port operators broke down last week, and the walkout began on Monday."),
    ("Novak, who has been in power since 2016, has promised to cut taxes for small businesses if re-elected.",
     "The prime minister, in office since 2016, has pledged tax cuts for small firms if he wins a third term."),
    ("Polls opened at 7 a.m. and were due to close at 8 p.m., with preliminary results expected on Monday morning.",
     "Polling stations close at 8 p.m. and the first results are expected early on Monday."),
    ("The European Union has called for calm and urged all parties to respect the outcome of the vote.",
     "The European Union urged both sides to respect the result and called for calm."),
    ("President Mihai Lupu hosted Dravian Prime Minister Karel Novak and European Council President Sofia Brandt at his residence on Thursday for talks on a peace treaty.",
     "The three leaders met on Thursday, where Dravian Prime Minister Karel Novak and European Council President Sofia Brandt discussed a peace treaty."),
    ("He said the situation in the region remained tense but that both sides had shown a willingness to compromise on the main issues.",
     "The minister said both sides had shown a willingness to compromise, though the situation remained tense."),
    ("The government said it would publish the full text of the agreement in the coming days.",
     "The full text of the agreement will be published in the coming days, the government said."),
]
# one speaker quoted verbatim by two outlets: a shared quote, not a shared copy
QUOTE_PAIRS = [
    ('Petrescu said: "We have never seen the water rise this fast."',
     '"We have never seen the water rise this fast," the governor told local television.'),
    ('"This is not about money, it is about dignity," union leader Piotr Wren told a rally outside the port gates.',
     'Union leader Piotr Wren told the crowd: "This is not about money, it is about dignity."'),
]


def match(a: str, b: str):
    ha, hb = shingles([a, b])
    return _match(_read(a), _read(b), ha, hb, set(), SHINGLE)


def test_the_rule_tells_edited_copies_from_independent_tellings():
    copied = [match(a, b).cover for a, b in COPIED_PAIRS]
    independent = [match(a, b).cover for a, b in INDEPENDENT_PAIRS]
    # every independent pair stays under the cut; 10 of 13 edited copies reach it, and the three
    # heaviest edits still reach the cut for sentences of an article pair that shares a copy
    assert max(independent) < COPIED
    assert sum(c >= COPIED for c in copied) == 10
    assert min(copied) >= KEPT
    # names and titles are not prose: ten common words of names cover under a third
    assert match(*INDEPENDENT_PAIRS[0]).cover < 0.35
    for a, b in QUOTE_PAIRS:
        m = match(a, b)
        assert m.cover >= COPIED and m.quoted > 0.5


def test_words_ignore_typography():
    a = match("“We have never seen it,” the 12,000 residents’ spokesman said on Tuesday.",
              '"We have never seen it," the 12000 residents\' spokesman said on Tuesday.')
    assert a.cover == 1.0


# --- corpora of whole articles ----------------------------------------------------------------

W = [  # the AFP wire story
    "Floodwaters from the swollen Meran river forced more than 12,000 people from their homes in northern Valdoria on Tuesday, officials said, as rescue teams used boats to reach stranded villages.",
    "The regional governor, Anna Petrescu, declared a state of emergency in three districts and asked the army to help evacuate hospitals along the riverbank.",
    "“We have never seen the water rise this fast,” Petrescu told reporters in the town of Kelso, adding that at least four people had died.",
    "Meteorologists warned that more rain was expected over the weekend, and that the river could crest a second time before the end of the week.",
    "Valdoria has suffered repeated floods in recent years, which scientists link to deforestation in the mountains and to more intense storms driven by climate change.",
    "The European Union said it stood ready to send pumps and rescue crews if the government asked for help.",
]


def article(aid: str, outlet: str, headline: str, paragraphs: list[str], prefix: str = "",
            credits: tuple[tuple[int, str], ...] = ()) -> tuple[Article, list[Claim]]:
    """An article of a headline, its paragraphs (one claim each; the first after ``prefix``) and
    credit lines inserted at the given line numbers (excluded as bylines)."""
    lines = [headline, prefix + paragraphs[0], *paragraphs[1:]]
    for at, line in credits:
        lines.insert(at, line)
    text = "\n\n".join(lines)
    claims, excluded = [], []
    for k, s in enumerate([headline, *paragraphs]):
        start = text.index(s)
        claims.append(Claim(f"{aid}-{k:02d}", aid, outlet, s, start, start + len(s), heading=k == 0))
    for _, line in credits:
        start = text.index(line)
        excluded.append(Excluded(aid, start, start + len(line), line, "byline"))
    return Article(aid, f"{aid}.txt", outlet, headline, None, None, text, excluded=tuple(excluded)), claims


def northern_star():
    return article("ns", "Northern Star", "Thousands flee as Meran river floods northern Valdoria", [
        "Floodwaters from the swollen Meran river drove more than 12,000 residents from their homes in northern Valdoria, officials said on Tuesday, as rescuers used boats to reach cut-off villages.",
        "Regional governor Anna Petrescu declared a state of emergency in three districts and asked the army to help evacuate hospitals on the riverbank.",
        W[2].replace("“", '"').replace("”", '"'),
        "Shops in the old town of Kelso stayed shut on Wednesday, and police closed the main bridge to all traffic until further notice.",
        "The country has suffered repeated floods in recent years, which experts link to deforestation in the mountains and to more intense storms fuelled by climate change.",
        "The EU said it was ready to send pumps and rescue crews if the government asked for help.",
    ], credits=((1, "By AFP"),))


def meridian():
    return article("mn", "Meridian News", "Valdoria declares emergency as floods displace 12,000", [
        "Floodwaters from the swollen Meran river forced more than 12,000 people from their homes in northern Valdoria on Tuesday, officials said, as rescue teams used boats to reach villages cut off by the water.",
        W[1],
        W[2],
        "Forecasters warned that more rain was expected at the weekend and the river could crest a second time before the week was out.",
        "Shops in the old town were expected to stay closed for the rest of the week, a local trader told Meridian News.",
        W[4],
    ], credits=((8, "Meridian News and agencies"),))


def courier():
    return article("vc", "Valley Courier", "Meran river floods force 12,000 from homes", [
        W[0],
        "Governor Anna Petrescu has declared a state of emergency in three districts and asked the army to help evacuate hospitals along the riverbank.",
        W[3], W[4], W[5],
        "The Courier's reporter saw sandbags piled along the high street.",
    ], prefix="KELSO, Valdoria (AFP) — ")


def run(*made, **kw):
    arts = [a for a, _ in made]
    claims = [c for _, cs in made for c in cs]
    return find_copies(arts, claims, **kw)


def test_two_outlets_running_one_agency_text_with_edits_share_one_copy():
    (copy,) = run(northern_star(), meridian())
    assert copy.outlets == ("Meridian News", "Northern Star") and copy.articles == ("mn", "ns")
    # Meridian credits "agencies" (its own name is no agency), the Star "By AFP"
    assert copy.agency == "AFP"
    # the dropped sentences (the forecast; the EU offer) and each outlet's own lines are not shared
    assert copy.claims == (("mn-01", "mn-02", "mn-03", "mn-06"), ("ns-01", "ns-02", "ns-03", "ns-05"))
    assert describe(copy) == "Meridian News and Northern Star carry the same AFP text (4 sentences)."
    # the Star has fewer words (153 against 160): its shared sentences have 30 + 23 + 25 + 26
    assert copy.share == pytest.approx(104 / 153)


def test_no_agency_named():
    star, star_claims = northern_star()
    star = replace(star, text=star.text.replace("By AFP", "By staff"), excluded=())
    (copy,) = run((star, star_claims), meridian())
    assert copy.agency is None
    assert describe(copy) == ("Meridian News and Northern Star carry the same text, from an agency neither "
                              "names (4 sentences).")


def test_three_outlets_sharing_one_copy_are_one_group():
    made = [courier(), northern_star(), meridian()]
    (copy,) = run(*made)
    assert copy.outlets == ("Meridian News", "Northern Star", "Valley Courier")
    assert copy.articles == ("mn", "ns", "vc")
    assert copy.agency == "AFP"  # "By AFP" and the Courier's dateline "(AFP)"
    assert copy.claims == (
        ("mn-01", "mn-02", "mn-03", "mn-04", "mn-06"),
        ("ns-01", "ns-02", "ns-03", "ns-05", "ns-06"),
        ("vc-01", "vc-02", "vc-03", "vc-04", "vc-05"),
    )
    assert describe(copy).startswith("Meridian News, Northern Star and Valley Courier carry the same AFP text")
    # every fact told by the three from this copy has one source; a fourth outlet adds one
    assert sources(["Meridian News", "Northern Star", "Valley Courier"], ["mn-06", "ns-05", "vc-04"], [copy]) == 1
    assert sources(["Meridian News", "Northern Star", "Eastern Herald"], ["mn-06", "ns-05", "eh-02"], [copy]) == 2
    # an outlet whose claim in the fact is its own sentence, not the copy's, counts apart
    assert sources(["Northern Star", "Valley Courier"], ["ns-04", "vc-04"], [copy]) == 2


def test_same_outlet_never_pairs_with_itself():
    a, ca = northern_star()
    b, cb = northern_star()  # the Star's update of its story
    b = replace(b, id="ns2")
    cb = [replace(c, id=c.id.replace("ns", "ns2"), article="ns2") for c in cb]
    assert run((a, ca), (b, cb)) == ()
    # with Meridian the three are one group, but what only the Star's two versions share (its
    # headline, its own Kelso sentence, five words of which Meridian has too) is not the copy's
    (copy,) = run((a, ca), (b, cb), meridian())
    assert copy.outlets == ("Meridian News", "Northern Star", "Northern Star")
    assert copy.claims[1] == ("ns-01", "ns-02", "ns-03", "ns-05") and copy.claims[2] == tuple(
        c.replace("ns", "ns2") for c in copy.claims[1])
    assert describe(copy) == "Meridian News and Northern Star carry the same AFP text (4 sentences)."


EASTERN = [
    "At least four people have died in floods in northern Valdoria, according to the regional governor, Anna Petrescu.",
    'Petrescu said: "We have never seen the water rise this fast, and we are not ready for what is coming."',
    '"Every family that needs shelter will have it by tonight, in a school or a hotel," she added.',
    "Prime Minister Karel Novak and Interior Minister Lena Varga flew to Kelso on Wednesday.",
    "The interior ministry said in a statement on Wednesday that 800 soldiers had been sent to the region.",
    "Residents blamed the authorities for failing to clear the riverbed after last year's floods.",
]
COASTAL = [
    '"We have never seen the water rise this fast, and we are not ready for what is coming," the governor, Anna Petrescu, told local television.',
    "Officials put the death toll at four and said more than 12,000 people had left their homes.",
    '"Every family that needs shelter will have it by tonight, in a school or a hotel," Petrescu said.',
    "The visit by Prime Minister Karel Novak and Interior Minister Lena Varga was announced late on Tuesday.",
    "The interior ministry said in a statement on Wednesday that roads into the valley would stay closed.",
    "Aid groups said clean drinking water was the most urgent need.",
]


def test_independent_reports_quoting_one_speaker_share_no_copy():
    eastern = article("eh", "Eastern Herald", "Four dead in Valdoria floods", EASTERN, credits=((1, "By Petra Novak"),))
    coastal = article("ct", "Coastal Times", "Governor: we are not ready", COASTAL)
    assert run(eastern, coastal) == ()
    # the same sentences outside quotation marks would be one copy: the quotes are what keep them apart
    unquoted = [s.replace('"', "") for s in EASTERN], [s.replace('"', "") for s in COASTAL]
    (copy,) = run(article("eh", "Eastern Herald", "Four dead", unquoted[0]),
                  article("ct", "Coastal Times", "Governor speaks", unquoted[1]))
    assert {"ct-01", "ct-03", "ct-05"} <= set(copy.claims[0]) and {"eh-02", "eh-03", "eh-05"} <= set(copy.claims[1])


def test_a_shared_headline_and_one_short_sentence_are_no_copy():
    line = "Regional governor Anna Petrescu declared a state of emergency in three districts."
    headline = "Floods force more than 12,000 people from their homes in Valdoria"
    a = article("a", "Alpha", headline, [line, EASTERN[5]])
    b = article("b", "Beta", headline, [line, COASTAL[5]])
    assert run(a, b) == ()
    # nor are two sentences under 8 words, which outlets write alike by chance
    short = ["The main bridge at Kelso was closed again.", "Schools across the region will stay shut."]
    assert run(article("a", "Alpha", "Floods", short + [EASTERN[5]]), article("b", "Beta", "Rain", short + [COASTAL[5]])) == ()
    # two longer ones are two pieces of evidence
    a = article("a", "Alpha", "Floods", [line, W[5], EASTERN[5]])
    b = article("b", "Beta", "Valdoria", [line, W[5], COASTAL[5]])
    assert run(a, b)[0].claims == (("a-01", "a-02"), ("b-01", "b-02"))
    # one shared sentence of 25 words or more is enough
    a = article("a", "Alpha", "Floods", [W[0], EASTERN[5]])
    b = article("b", "Beta", "Valdoria", [W[0], COASTAL[5]])
    (copy,) = run(a, b)
    assert copy.claims == (("a-01",), ("b-01",)) and copy.agency is None


def test_boilerplate_shared_by_many_articles_is_ignored():
    made = [article(f"x{i}", f"Outlet {i}", "Floods", W[:4] + [f"Our own line number {i} says little."])
            for i in range(4)]
    assert len(run(*made)) == 1
    assert run(*made, max_articles=3) == ()


def test_deterministic_for_any_input_order():
    made = [courier(), northern_star(), meridian(),
            article("eh", "Eastern Herald", "Four dead", EASTERN), article("ct", "Coastal Times", "Governor", COASTAL)]
    first = run(*made)
    rng = random.Random(7)
    for _ in range(5):
        arts = [a for a, _ in made]
        claims = [c for _, cs in made for c in cs]
        rng.shuffle(arts)
        rng.shuffle(claims)
        assert find_copies(arts, claims) == first


def test_shingle_hashes_are_the_same_on_every_machine_and_run():
    # ((w0 * P + w1) * P + ...) modulo 2**64 over blake2b hashes of the words: fixed bytes on any
    # machine, whatever PYTHONHASHSEED says
    def word(w: str) -> int:
        return int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")

    by_hand = 0
    for w in "the river rose fast today".split():
        by_hand = (by_hand * 0x100000001B3 + word(w)) % 2**64
    assert int(shingles(["The river rose fast today"])[0][0]) == by_hand == 1303159386084623380
    assert [len(h) for h in shingles(["four words only here", "two words", "", "a b c d e f"])] == [0, 0, 0, 2]
    assert find_copies([], []) == ()
    code = ("from compare.copies import shingles; "
            "print(shingles(['Floodwaters from the swollen Meran river forced people'])[0].tolist())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert outs == {f"{shingles(['Floodwaters from the swollen Meran river forced people'])[0].tolist()}\n"}


@pytest.mark.parametrize("outlet, text, found", [
    ("Northern Star", "By AFP\n\nThe river rose.", ["AFP"]),
    ("TRT World", "The river rose.\n\nSOURCE:TRTWorld and agencies", []),
    ("TRT World", "The river rose.\n\nTRT World and agencies", []),
    ("TASS", "MOSCOW, May 26. /TASS/. A peace treaty may be signed.", ["TASS"]),
    ("Daily Post", "YEREVAN, April 16. /ARKA/. Prices rose.", ["ARKA"]),
    ("Daily Post", "WASHINGTON (AP) — The Senate voted on Tuesday.", ["AP"]),
    ("Daily Post", "The Senate voted.\n\nReuters and The Associated Press contributed to this report.", ["Reuters", "AP"]),
    ("Daily Post", "The Senate voted on Tuesday after a long debate, officials said. — AFP", ["AFP"]),
    ("Daily Post", "The Senate voted.\n\n(with AFP)", ["AFP"]),
    ("Daily Post", "The Senate voted.\n\nReuters", ["Reuters"]),
    ("Daily Post", "Agence France-Presse\n\nThe Senate voted.", ["AFP"]),
    ("Daily Post", "Photo: AFP / AFP\n\nThe Senate voted.", []),
    ("Daily Post", "According to the Russian state news agency TASS, the talks went well.", []),
    ("Daily Post", "By Petra Novak\n\nThe Senate voted.", []),
    ("Daily Post", "By Reuters Staff\n\nThe Senate voted.", ["Reuters"]),
])
def test_credit_lines(outlet, text, found):
    assert load_agencies().credited(Article("a", "a.txt", outlet, None, None, None, text)) == found


def test_the_agency_is_the_one_named_over_unnamed_agencies():
    # "agencies" names none; any named credit in the group gives the agency
    agencies = load_agencies()
    star, _ = northern_star()
    mer, _ = meridian()
    assert agencies.credited(mer) == [] and agencies.credited(star) == ["AFP"]


SEEDS = ROOT / "reports" / "seeds" / "report.json"


@pytest.mark.skipif(not SEEDS.exists(), reason="the seed report is not in this checkout")
def test_seeds_trt_world_and_the_moscow_times_share_one_afp_copy():
    report = json.loads(SEEDS.read_text(encoding="utf-8"))
    excluded: dict[str, list[Excluded]] = {}
    for e in report["excluded"]:
        excluded.setdefault(e["article"], []).append(Excluded(e["article"], e["start"], e["end"], e["text"], e["reason"]))
    arts = [Article(a["id"], a["source"], a["outlet"], None, None, None,
                    (ROOT / a["source"]).read_text(encoding="utf-8"), excluded=tuple(excluded.get(a["id"], ())))
            for a in report["articles"]]
    claims = [Claim(c["id"], c["article"], c["outlet"], c["text"], c["start"], c["end"], heading=c["heading"])
              for c in report["claims"]]
    (copy,) = find_copies(arts, claims)
    assert copy.outlets == ("TRT World", "The Moscow Times")
    assert copy.articles == ("001_752a922da9ade599", "004_5561b9b5b6de4c6c")
    assert copy.agency == "AFP"
    # the transport-links sentence, one edit ("vice" for "deputy") and a new ending apart
    assert copy.claims == (("001_752a922da9ade599-02",), ("004_5561b9b5b6de4c6c-10",))


def test_copy_record_round_trips_through_describe_for_three_outlets_without_agency():
    k = Copy(("A", "B", "C"), ("a", "b", "c"), None, (("a-1", "a-2"), ("b-1", "b-2", "b-3"), ("c-1", "c-2")), 0.4)
    assert describe(k) == "A, B and C carry the same text, from an agency none of them names (2 sentences)."


def test_a_run_names_the_copy_and_counts_its_facts_once(fast_pipeline, corpus):
    """End to end: the report lists the copy, and a fact told only in the shared sentences of the
    two outlets has one independent source, not two."""
    files = {}
    for make in (northern_star, meridian):
        art, _ = make()
        files[f"{art.id}.txt"] = art.text
    folder = corpus(files)
    (folder / "manifest.csv").write_text("file,outlet,date,url,title\nns.txt,Northern Star,2024-04-02,,\n"
                                         "mn.txt,Meridian News,2024-04-02,,\n", encoding="utf-8")
    report = fast_pipeline.run([str(folder)])
    (copy,) = report.copies
    assert copy.outlets == ("Meridian News", "Northern Star") and copy.agency == "AFP"
    copied = [f for f in report.clusters if len(f.outlets) == 2 and set(f.claims) & set(copy.claims[0])]
    assert copied and all(f.sources == 1 for f in copied)
    told_apart = [f for f in report.clusters if len(f.outlets) == 2 and not set(f.claims) & set(copy.claims[0])]
    assert all(f.sources == 2 for f in told_apart)
    assert report.to_dict()["copies"][0]["agency"] == "AFP"
