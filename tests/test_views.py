"""The fact-check list, the worksheet and the first screen of report.html on hand-made reports:
contested facts first, corroboration only from independent sources, check-worthy single-source
claims capped, worksheet titles and questions that fit each fact, everything escaped."""

import re
from dataclasses import replace

import pytest

from compare.copies import describe
from compare.report import render, render_factcheck, render_html, render_markdown, render_teach
from compare.report.factcheck import SHOWN, build_factcheck, check_worthy
from compare.report.teach import build_teach, load_questions, pick_pair
from compare.schema import (
    Article,
    Claim,
    Cluster,
    Copy,
    Counterpart,
    DateMention,
    FramingTerm,
    Quantity,
    Report,
    Signal,
    Story,
    Thread,
)

ALPHA, BETA, GAMMA, DELTA = "Alpha Wire", "Beta Post", "Gamma Daily", "Delta Times"
GUESS = "the dateline gives no year; the year of the newest article"
WHY = "charged in the VADER lexicon; word model P(loaded) 0.91, log-odds 2.3 (z 3.1)"
# "judge" as the pair judge: the questions ask whether a word judges
MODEL_WORDS = ("VADER", "word model", "P(loaded)", "log-odds", "cosine", "probability", "pair model", "pair judge",
               "score")


def _claims(art: Article, sentences: list[str], extra: dict[int, dict]) -> list[Claim]:
    out = []
    for n, text in enumerate(sentences, start=1):
        start = art.text.index(text)
        out.append(Claim(id=f"{art.id}-{n:02d}", article=art.id, outlet=art.outlet, text=text, start=start,
                         end=start + len(text), **extra.get(n, {})))
    return out


def views_report(beta: str = BETA, gamma: str = GAMMA) -> Report:
    """Four outlets on one summit, by hand: a contested date (f001, which the outlets otherwise
    tell alike), loaded names with an omission (f002), one AFP copy run by two outlets (f003), a
    fact two independent outlets state (f004) and single-source claims; Delta wrote before the
    summit. ``beta`` and ``gamma`` rename two outlets."""
    texts = {
        "a1": (ALPHA, ["The summit opened in Orvel on Friday.", "Rebels seized the Orvel dam.",
                       "Heavy rain flooded the valley.", "The ministers signed the treaty."]),
        "b1": (beta, ["The summit opened in Orvel on Thursday.", "Freedom fighters took the Orvel dam.",
                      "Heavy rain flooded the valley.", "The ministers signed the treaty.",
                      "They will talk it over.", "The storm killed 40 people."]),
        "c1": (gamma, ["Officials met in Orvel."]),
        "d1": (DELTA, ["Orvel prepares for a summit."]),
    }
    arts, claims = [], []
    for aid, (outlet, sentences) in texts.items():
        text = " ".join(sentences) + "\n"
        art = Article(id=aid, source=f"{aid}.txt", outlet=outlet, title=f"{outlet} on the summit",
                      date="2023-05-20" if aid == "d1" else "2023-05-26", url=None, text=text,
                      date_guessed=GUESS if aid == "a1" else None)
        arts.append(art)
        extra: dict[int, dict] = {}
        if aid == "a1":
            at = text.index("on Friday")
            extra = {1: {"dates": ("2023-05-26",), "when": (DateMention(
                "on Friday", at, at + 9, "2023-05-26", "the Friday before the article", guessed=True),)}}
        elif aid == "b1":
            at = text.index("on Thursday")
            extra = {1: {"dates": ("2023-05-25",), "when": (DateMention("on Thursday", at, at + 11, "2023-05-25"),)},
                     6: {"numbers": (Quantity("40 people", 40.0, "people"),)}}
        claims += _claims(art, sentences, extra)
    date = Signal("conflict", (ALPHA, beta), {ALPHA: ["on Friday"], beta: ["on Thursday"]},
                  "The pair model reads a different day (probability 0.91).", about="date",
                  sides=((ALPHA, "a1-01", "on Friday"), (beta, "b1-01", "on Thursday")))
    loaded = Signal("wording", (ALPHA, beta), {ALPHA: ["rebel"], beta: ["freedom fighter"]},
                    f"{ALPHA} says 'rebels', {beta} 'freedom fighters' (word model P 0.93).")
    omits = Signal("omission", (gamma, DELTA), {gamma: [], DELTA: []}, f"no sentence of {gamma} tells it.")
    both = (ALPHA, beta)
    clusters = (
        Cluster("f001", "s1", ("a1-01", "b1-01"), both, "agree", (date,), score=2.0, sources=2),
        Cluster("f002", "s1", ("a1-02", "b1-02"), both, "diverge", (loaded, omits), score=1.5,
                missing=(gamma,), earlier=(DELTA,), event_date="2023-05-26"),
        Cluster("f003", "s1", ("a1-03", "b1-03"), both, "agree", (), sources=1),
        Cluster("f004", "s1", ("a1-04", "b1-04"), both, "agree", (), sources=2),
        Cluster("f005", "s1", ("b1-05",), (beta,), "single-source"),
        Cluster("f006", "s1", ("b1-06",), (beta,), "single-source"),
        Cluster("f007", "s1", ("c1-01",), (gamma,), "single-source"),
        Cluster("f008", "s1", ("d1-01",), (DELTA,), "single-source"),
    )
    copy = Copy(both, ("a1", "b1"), "AFP", (("a1-03",), ("b1-03",)), 0.4)
    framing = ((ALPHA, (FramingTerm("Rebels", "loaded", None, ("a1-02",), WHY, 0.9),)),)
    story = Story("s1", ("a1", "b1", "c1", "d1"), "Orvel summit", framing=framing)
    return Report(articles=tuple(arts), claims=tuple(claims), clusters=clusters, stories=(story,),
                  threads=(Thread("t1", ("s1",), "Orvel"),), model={"name": "hand-made"},
                  params={"linkage": "average", "threshold": 0.5}, copies=(copy,))


def singles_report(n: int) -> Report:
    """One outlet, ``n`` single-source claims with a number each and one with nothing to check."""
    sentences = [f"Officials counted {k + 2} boats in harbour {k + 1}." for k in range(n)] + ["They will talk it over."]
    text = " ".join(sentences) + "\n"
    art = Article(id="a", source="a.txt", outlet=ALPHA, title=None, date="2023-05-26", url=None, text=text)
    claims = _claims(art, sentences, {k + 1: {"numbers": (Quantity(str(k + 2), k + 2.0, ""),)} for k in range(n)})
    clusters = tuple(Cluster(f"f{k + 1:03d}", "s1", (c.id,), (ALPHA,), "single-source") for k, c in enumerate(claims))
    return Report(articles=(art,), claims=tuple(claims), clusters=clusters, stories=(Story("s1", ("a",), "Boats"),),
                  model={"name": "hand-made"}, params={"linkage": "average", "threshold": 0.5})


def _card(doc: str, fact: str) -> str:
    """The fact-check card of ``fact`` in the HTML list."""
    start = doc.index(f'id="check-{fact}"')
    return doc[start:doc.index("</article>", start)]


def _md_card(doc: str, fact: str) -> str:
    """The fact-check card of ``fact`` in the Markdown list, from its heading."""
    start = doc.rindex("\n### ", 0, doc.index(f"· fact {fact}"))
    nxt = doc.find("\n### ", start + 1)
    return doc[start:nxt if nxt >= 0 else len(doc)]


def _sheet(doc: str) -> str:
    """The students' pages of a worksheet: everything before the answer key."""
    return doc[:doc.index('id="answer-key"')] if 'id="answer-key"' in doc else doc[:doc.index("## Answer key")]


# fact-check

def test_factcheck_puts_contested_facts_first_and_never_calls_them_corroborated():
    report = views_report()
    f = build_factcheck(report)
    assert [[e["fact"].cluster.id for e in f["groups"][g]] for g in ("contested", "diverging", "agreeing")] == \
        [["f001"], ["f002"], ["f003", "f004"]]
    assert f["groups"]["contested"][0]["label"] == "CONTESTED"
    html, md = render_factcheck(report), render_factcheck(report, "md")
    at = [html.index(f'id="check-{i}"') for i in ("f001", "f002", "f003", "f006")]
    assert at == sorted(at)
    card = _card(html, "f001")
    assert '<span class="flag contested">CONTESTED</span>' in card and "CORROBORATED" not in card
    assert "contested: the date" in card
    assert '<span class="outlet">Alpha Wire</span> says “on Friday”' in card
    assert '<span class="outlet">Beta Post</span> says “on Thursday”' in card
    for header in ("Contested (1)", "Diverging (1)", "Agreeing (2)", "Single-source, check-worthy (1 of 4)"):
        assert f"<h2>{header}</h2>" in html and f"## {header}\n" in md
    md_at = [md.index(f"· fact {i}") for i in ("f001", "f002", "f003", "f006")]
    assert md_at == sorted(md_at)
    assert md.index("### CONTESTED") < md.index("### DIVERGING") < md.index("### CORROBORATED")
    card = _md_card(md, "f001")
    assert "CORROBORATED" not in card and "**Alpha Wire** says “on Friday”" in card


def test_a_fact_whose_outlets_run_one_copy_is_one_source_not_corroborated():
    report = views_report()
    html, md = render_factcheck(report), render_factcheck(report, "md")
    one = _card(html, "f003")
    assert "ONE SOURCE" in one and "CORROBORATED" not in one
    assert "One source: Alpha Wire and Beta Post run the same AFP copy." in one
    assert "CORROBORATED" in _card(html, "f004")
    assert "ONE SOURCE" in _md_card(md, "f003") and "CORROBORATED" not in _md_card(md, "f003")
    # with no count from the pipeline, the report's copies decide
    unknown = replace(report, clusters=tuple(replace(c, sources=None) for c in report.clusters))
    labels = {e["fact"].cluster.id: e["label"] for e in build_factcheck(unknown)["groups"]["agreeing"]}
    assert labels == {"f003": "ONE SOURCE", "f004": "CORROBORATED"}


def test_multi_outlet_cards_show_every_outlets_version():
    html = render_factcheck(views_report())
    card = _card(html, "f002")  # nothing in it to check: a name, a number, a date or a quotation
    assert "Rebels seized the Orvel dam." in card and "Freedom fighters took the Orvel dam." in card


def test_only_check_worthy_single_source_claims_are_listed():
    report = views_report()
    by_id = {c.id: c for c in report.claims}
    assert check_worthy(by_id["b1-06"]) and not check_worthy(by_id["b1-05"])
    assert check_worthy(replace(by_id["b1-05"], speaker="the minister"))
    assert check_worthy(replace(by_id["b1-05"], text='"We will talk it over," he said.'))
    for doc in (render_factcheck(report), render_factcheck(report, "md")):
        assert "The storm killed 40 people." in doc
        assert "They will talk it over." not in doc and "Officials met in Orvel." not in doc


def test_single_source_claims_are_capped_and_the_rest_folded():
    report = singles_report(SHOWN + 5)
    f = build_factcheck(report)
    assert (len(f["shown"]), len(f["more"]), f["singles"]) == (SHOWN, 5, SHOWN + 6)
    html = render_factcheck(report)
    section = html[html.index('<details class="section" id="single" open>'):]
    assert "<h2>Single-source, check-worthy (20 of 21)</h2>" in section
    folded = section.index('<details class="more"><summary>5 more single-source claims worth checking</summary>')
    assert section[:folded].count('<article class="check"') == SHOWN
    assert section[folded:].count('<article class="check"') == 5
    assert "They will talk it over." not in html
    md = render_factcheck(report, "md")
    assert md.count("### SINGLE SOURCE") == SHOWN
    assert "… and 5 more single-source claims worth checking" in md


def test_cards_show_each_date_with_its_words_and_a_guessed_year():
    report = views_report()
    html, md = render_factcheck(report), render_factcheck(report, "md")
    assert "dates: 2023-05-26 (year guessed) (from “on Friday”)" in _card(html, "f001")
    assert "dates: 2023-05-25 (from “on Thursday”)" in _card(html, "f001")
    assert "Alpha Wire, 2023-05-26 (year guessed)" in _card(html, "f001")
    assert "dates: 2023-05-26 (year guessed) (from “on Friday”)" in md
    report_html, report_md = render_html(report), render_markdown(report)
    assert "<td>2023-05-26 (year guessed)</td>" in report_html
    assert f"2023-05-26 (year guessed) <span class=\"guessed\">({GUESS})</span>" in report_html
    assert "| Alpha Wire | Alpha Wire on the summit | 2023-05-26 (year guessed) |" in report_md
    assert "<td>2023-05-26</td>" in report_html  # Beta's date is given, not guessed


# worksheet

def test_worksheet_titles_say_what_each_fact_is_about():
    report = views_report()
    t = build_teach(report)
    facts = [it for it in t["items"] if it["type"] == "fact"]
    assert [it["fact"].cluster.id for it in facts] == ["f001", "f002"]  # contested first
    assert all(not re.match(r"Fact f\d+", it["title"]) for it in facts)
    titles = {it["fact"].cluster.id: it["title"] for it in facts}
    # the words both outlets share, never one outlet's loaded name for the fighters
    assert titles["f002"] == "Orvel dam — 2023-05-26"
    for doc in (render_teach(report), render_teach(report, "md")):
        assert not re.search(r"Fact f\d{3}", _sheet(doc))
        assert "Orvel dam — 2023-05-26" in _sheet(doc)


def test_a_title_from_the_parse_keeps_the_shared_names_and_nouns():
    from compare.report.titles import fact_title
    from compare.report.view import build_facts

    pos = {"rebels": "NOUN", "fighters": "NOUN", "freedom": "NOUN", "orvel": "PROPN", "dam": "NOUN",
           "friday": "PROPN", "seized": "VERB", "took": "VERB", "the": "DET", "on": "ADP", ".": "PUNCT"}

    def parsed(cid, outlet, text):
        tokens = tuple((m.start(), m.end(), m.group(0).lower().rstrip("s") if m.group(0) != "Orvel" else "orvel",
                        pos[m.group(0).lower()], "", -1) for m in re.finditer(r"\w+|\.", text))
        return Claim(id=cid, article=cid, outlet=outlet, text=text, start=0, end=len(text), tokens=tokens,
                     entities=("GPE:Orvel", "DATE:Friday"))

    a = parsed("a", ALPHA, "Rebels seized the Orvel dam on Friday.")
    b = parsed("b", BETA, "Freedom fighters took the Orvel dam on Friday.")
    loaded = Signal("wording", (ALPHA, BETA), {ALPHA: ["rebel"], BETA: ["freedom fighter"]}, "")
    arts = tuple(Article(id=c.id, source="x", outlet=c.outlet, title=None, date=None, url=None, text=c.text)
                 for c in (a, b))
    report = Report(articles=arts, claims=(a, b), stories=(Story("s1", ("a", "b"), "Dam"),),
                    clusters=(Cluster("f001", "s1", ("a", "b"), (ALPHA, BETA), "diverge", (loaded,)),))
    assert fact_title(build_facts(report)[0]) == "Orvel dam, Friday"  # no verb, no one outlet's name for them


def test_worksheet_pages_hold_no_model_vocabulary_but_the_key_keeps_the_evidence():
    report = views_report()
    for doc in (render_teach(report), render_teach(report, "md")):
        sheet, key = _sheet(doc), doc[len(_sheet(doc)):]
        for word in MODEL_WORDS:
            assert word not in sheet, word
        assert "VADER" in key and "P(loaded)" in key and "word model" in key and "probability 0.91" in key


def test_omission_question_only_for_outlets_that_could_have_reported_it():
    report = views_report()
    q = load_questions()
    items = {it["fact"].cluster.id: it for it in build_teach(report)["items"] if it["type"] == "fact"}
    f002 = items["f002"]["questions"]
    assert q["omission"]["question"].format(outlets=GAMMA) in f002
    assert not any(DELTA in question for question in f002)  # Delta wrote before the summit
    assert items["f002"]["missing"] == [GAMMA]
    # every absent outlet wrote before it happened: no omission question at all
    only_earlier = replace(report.clusters[1], missing=(), earlier=(GAMMA, DELTA))
    later = replace(report, clusters=(report.clusters[0], only_earlier, *report.clusters[2:]))
    items = {it["fact"].cluster.id: it for it in build_teach(later)["items"] if it["type"] == "fact"}
    absent = q["omission"]["question"].split("{outlets}")[1]
    assert not any(absent in question or "leave it out" in question for question in items["f002"]["questions"])
    sheet = _sheet(render_teach(later))
    assert "not report this" not in sheet and '<p class="missing">' not in sheet


def test_a_contested_fact_asks_which_side_is_right():
    report = views_report()
    item = next(it for it in build_teach(report)["items"] if it["type"] == "fact" and it["fact"].cluster.id == "f001")
    ask = "Alpha Wire says “on Friday”, Beta Post says “on Thursday”: which is right, and how would you check?"
    assert ask in item["questions"]
    assert "Do the outlets agree on when it happened?" not in item["questions"]  # the conflict asks it already
    assert ask in _sheet(render_teach(report)) and ask in _sheet(render_teach(report, "md"))


# report.html

def test_the_first_screen_names_what_is_contested_and_what_diverges():
    report = views_report()
    html = render_html(report)
    first = html[:html.index("<table")]
    summary = first[first.index('<section class="summary" id="summary">'):]
    assert "<h3>Contested (1)</h3>" in summary and "<h3>Diverging (1)</h3>" in summary
    # titled by what it is about, not by its number; the counts come after the first screen
    contested = summary[summary.index('<ul class="contested">'):summary.index("<h3>Diverging")]
    assert '<a href="#fact-f001">f001</a>' not in contested and '<a href="#fact-f001">' in contested
    assert html.index('<section class="summary"') < html.index('<p class="counts">')
    diverging = summary[summary.index("<h3>Diverging"):summary.index("</section>")]
    assert '<ul class="versions">' in diverging  # each outlet's version under the title
    assert "the date: Alpha Wire says “on Friday”, Beta Post says “on Thursday”" in contested
    assert '<a href="#fact-f002">' in summary[summary.index("<h3>Diverging"):]
    assert describe(report.copies[0]) == "Alpha Wire and Beta Post carry the same AFP text (1 sentence)."
    assert "<li>Alpha Wire and Beta Post carry the same AFP text (1 sentence).</li>" in summary
    # the contested card leads its story, flagged
    card = html[html.index('<article class="fact filterable" id="fact-f001"'):]
    assert '<span class="flag">CONTESTED</span>' in card[:card.index("</h5>")]
    assert html.index('id="fact-f001"', html.index("<table")) < html.index('id="fact-f002"', html.index("<table"))
    md = render_markdown(report)
    glance = md[md.index("## At a glance"):md.index("## Threads and stories")]
    assert "(`f001`): the date: Alpha Wire says “on Friday”, Beta Post says “on Thursday”" in glance
    assert "\n\n### Shared copy" in glance
    from compare.report.view import build_facts

    div = glance[glance.index("### Diverging"):glance.index("### Shared copy")]
    assert sum(line.startswith("  - ") for line in div.splitlines()) == len(
        next(f for f in build_facts(report) if f.cluster.id == "f002").tellings)  # a line per version
    assert "- Alpha Wire and Beta Post carry the same AFP text (1 sentence)." in glance


def test_copies_are_described_with_or_without_an_agency():
    k = Copy(("TRT World", "The Moscow Times"), ("a", "b"), "AFP", (("a-1",) * 6, ("b-1",) * 6), 0.5)
    assert describe(k) == "TRT World and The Moscow Times carry the same AFP text (6 sentences)."
    assert describe(replace(k, agency=None)) == \
        "TRT World and The Moscow Times carry the same text, from an agency neither names (6 sentences)."
    three = replace(k, outlets=("A", "B", "C"), agency=None, claims=(("1",), ("2",), ("3",)))
    assert describe(three) == "A, B and C carry the same text, from an agency none of them names (1 sentence)."


# escaping

BAD_B, BAD_G = "<script>alert(1)</script>", "<script>alert(2)</script>"


@pytest.fixture()
def hostile_docs():
    return render(views_report(beta=BAD_B, gamma=BAD_G), ["all"])


def test_hostile_outlet_names_are_escaped_in_every_new_piece(hostile_docs):
    esc_b, esc_g = "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(2)&lt;/script&gt;"
    for name in ("report.html", "teach.html", "factcheck.html"):
        assert "<script>alert" not in hostile_docs[name], name
    html = hostile_docs["report.html"]
    summary = html[html.index('id="summary"'):html.index("</section>", html.index('id="summary"'))]
    assert f"{esc_b} says “on Thursday”" in summary
    assert f"<li>Alpha Wire and {esc_b} carry the same AFP text (1 sentence).</li>" in summary
    assert f"Alpha Wire and {esc_b}" in summary[summary.index("<h3>Diverging"):]
    fc = hostile_docs["factcheck.html"]
    assert f'<span class="outlet">{esc_b}</span> says “on Thursday”' in _card(fc, "f001")
    assert f"One source: Alpha Wire and {esc_b} run the same AFP copy." in _card(fc, "f003")
    sheet = _sheet(hostile_docs["teach.html"])
    assert f"Alpha Wire says “on Friday”, {esc_b} says “on Thursday”: which is right" in sheet
    assert f"Why might {esc_g} not report this" in sheet
    for name in ("report.md", "teach.md", "factcheck.md"):
        assert not re.search(r"(?<!\\)<(script|b)\b", hostile_docs[name]), name
    md = hostile_docs["report.md"]
    assert "Alpha Wire and \\<script\\>alert(1)\\</script\\> carry the same AFP text" in md


def test_a_fact_told_in_one_shared_copy_is_not_agreement_between_its_two_outlets():
    from compare.report.charts import agreement_matrix
    from compare.schema import Cluster, Copy

    facts = [Cluster("f1", "s1", ("a-1", "b-1"), ("A", "B"), "agree"),
             Cluster("f2", "s1", ("a-2", "b-2"), ("A", "B"), "agree")]
    copy = Copy(("A", "B"), ("a", "b"), "AFP", (("a-1",), ("b-1",)), 0.2)
    shared, agreed = agreement_matrix(facts, ["A", "B"])
    assert shared[0, 1] == 2 and agreed[0, 1] == 2
    shared, agreed = agreement_matrix(facts, ["A", "B"], [copy])
    assert shared[0, 1] == 1 and agreed[0, 1] == 1 and shared[0, 0] == 2


# the side-by-side exercise

def paired_report(beta: str = BETA) -> Report:
    """views_report with counterparts: Alpha and Beta share four facts (one of them related),
    Gamma's one claim is Alpha's first told differently."""
    from dataclasses import replace

    report = views_report(beta=beta)
    outlet = {c.id: c.outlet for c in report.claims}
    links = {("a1-01", "b1-01"): ("same", 0.95), ("a1-02", "b1-02"): ("related", 0.55),
             ("a1-03", "b1-03"): ("same", 0.99), ("a1-04", "b1-04"): ("same", 0.97),
             ("c1-01", "a1-01"): ("related", 0.45)}
    parts: dict[str, list] = {}
    for (x, y), (grade, p) in links.items():
        parts.setdefault(x, []).append(Counterpart(y, outlet[y], grade, p))
        parts.setdefault(y, []).append(Counterpart(x, outlet[x], grade, p))
    return replace(report, counterparts={k: tuple(v) for k, v in parts.items()})


def test_the_pair_for_the_exercise_is_the_two_articles_sharing_most_claims():
    from dataclasses import replace

    report = paired_report()
    assert pick_pair(report) == ("a1", "b1")
    only_gamma = {k: tuple(c for c in v if "c1" in (k[:2], c.claim[:2])) for k, v in report.counterparts.items()}
    assert pick_pair(replace(report, counterparts=only_gamma)) is None  # one shared claim is no exercise
    assert pick_pair(views_report()) is None
    assert all(it["type"] != "pair" for it in build_teach(views_report())["items"])


def test_the_worksheet_reads_two_articles_side_by_side():
    report = paired_report()
    item = next(it for it in build_teach(report)["items"] if it["type"] == "pair")
    assert [(r.a.id, r.b.id, r.grade) for r in item["rows"]] == [
        ("a1-01", "b1-01", "same"), ("a1-02", "b1-02", "related"), ("a1-03", "b1-03", "same"),
        ("a1-04", "b1-04", "same")]
    assert (item["only_a"], item["only_b"], item["more"]) == (0, 2, 0)
    assert item["questions"][1].startswith(
        "Read the two whole articles (their titles are above): about 2 sentences of Beta Post seem to have "
        "nothing close in the other article.")
    html, md = render_teach(report), render_teach(report, "md")
    sheet = _sheet(html)
    assert f"Two articles side by side: {ALPHA} and {BETA}</h4>" in sheet
    assert "<tr><td>Rebels seized the Orvel dam.</td><td>Freedom fighters took the Orvel dam.</td></tr>" in sheet
    assert "| Rebels seized the Orvel dam. | Freedom fighters took the Orvel dam. |" in _sheet(md)
    for doc in (sheet, _sheet(md)):
        for word in MODEL_WORDS:
            assert word not in doc, word
    key = html[len(sheet):]
    assert "the same fact (P 0.95)" in key and "probably the same event, told differently or disputed (P 0.55)" in key
    assert "Nothing close found in the other article: 0 sentences of Alpha Wire, 2 of Beta Post." in key
    assert "Nothing close found in the other article: 0 sentences of Alpha Wire, 2 of Beta Post." in md
    # each article's title and date, the guessed year said as guessed
    assert "Alpha Wire: Alpha Wire on the summit, 2023-05-26 (year guessed) · Beta Post: Beta Post on the summit, " \
           "2023-05-26" in sheet


def test_the_pair_exercise_escapes_outlet_names_and_text():
    report = paired_report(beta=BAD_B)
    html, md = render_teach(report), render_teach(report, "md")
    assert "<script>alert" not in html
    assert "Two articles side by side: Alpha Wire and &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "| Alpha Wire | \\<script\\>alert(1)\\</script\\> |" in md


def test_two_articles_of_one_outlet_are_told_apart_as_a_and_b():
    from dataclasses import replace

    report = paired_report()
    same_outlet = replace(report, articles=tuple(replace(a, outlet=ALPHA) if a.id == "b1" else a
                                                 for a in report.articles))
    item = next(it for it in build_teach(same_outlet, pair=("a1", "b1"))["items"] if it["type"] == "pair")
    assert (item["a"], item["b"]) == (f"{ALPHA} (A)", f"{ALPHA} (B)")
    assert item["questions"][0].startswith(f"Read each pair of sentences from {ALPHA} (A) and {ALPHA} (B).")
