import csv
import io
import json
import re
from dataclasses import replace

import numpy as np
import pytest

from compare.errors import CompareError
from compare.report import (
    VIEWS,
    facts_csv,
    render,
    render_factcheck,
    render_html,
    render_markdown,
    render_teach,
    to_json,
    write_reports,
)
from compare.report.charts import ABSENT, DIFFERENT, STATED, agreement_matrix, coverage_matrix
from compare.report.factcheck import build_factcheck, checkable, named_actor, quotes_in
from compare.report.teach import build_teach
from compare.report.view import safe_url
from compare.schema import (
    Article,
    Claim,
    Cluster,
    Excluded,
    FramingTerm,
    Quantity,
    Report,
    Signal,
    Story,
    Thread,
)

HOSTILE = """Evil Outlet headline

The minister said <script>alert(1)</script> that <img src=x onerror="alert(2)"> talks failed. See <a href="javascript:alert(3)">this</a> and </script><b>bold</b> *stars* [link](http://x).

Original url:
https://evil.example/2024/01/02/x
"""

FRIENDLY = "Talks failed on Monday, the minister said. The ministers met in Geneva.\n"


def hostile_report(fast_pipeline, corpus):
    folder = corpus({"evil.txt": HOSTILE, "ok.txt": FRIENDLY,
                     "manifest.toml": '[[article]]\nfile = "ok.txt"\noutlet = "Good Wire"\n'
                                      '[[article]]\nfile = "evil.txt"\noutlet = "Evil <b>Outlet</b>"\n'})
    return fast_pipeline.run([folder])


def tiny_report() -> Report:
    """Two outlets, three facts (diverge, agree, single-source) and a reader comment, built by hand."""
    wire = ("Dornish artillery shelled Halmberg on Sunday, killing 12 people. "
            "The ministers met in Geneva on Monday. \"We will respond,\" the minister said.\n")
    paper = ("Shelling broke out near Kaldun on Sunday and 31 people were killed.\n\n"
             "The ministers met in Geneva on Monday.\n\nThis is all propaganda, says a reader.\n")

    def claim(art, text, body, n, **kw):
        start = body.index(text)
        return Claim(id=f"{art}-{n:02d}", article=art, outlet={"wire": "TASS", "paper": "The Moscow Times"}[art],
                     text=text, start=start, end=start + len(text), **kw)

    c = [
        claim("wire", "Dornish artillery shelled Halmberg on Sunday, killing 12 people.", wire, 1,
              numbers=(Quantity("12 people", 12.0, "people"),), dates=("2024-03-03",), actor="Dornish artillery",
              entities=("Dornish", "Halmberg")),
        claim("wire", "The ministers met in Geneva on Monday.", wire, 2, dates=("2024-03-04",)),
        claim("wire", '"We will respond," the minister said.', wire, 3, speaker="the minister"),
        claim("paper", "Shelling broke out near Kaldun on Sunday and 31 people were killed.", paper, 1,
              numbers=(Quantity("31 people", 31.0, "people"),), dates=("2024-03-03",), voice="agentless"),
        claim("paper", "The ministers met in Geneva on Monday.", paper, 2, dates=("2024-03-04",)),
    ]
    comment = "This is all propaganda, says a reader."
    arts = (
        Article(id="wire", source="wire.txt", outlet="TASS", title=None, date="2024-03-04",
                url="javascript:alert(1)", text=wire),
        Article(id="paper", source="paper.txt", outlet="The Moscow Times", title="Shelling hits border town",
                date="2024-03-04", url="https://paper.example/2024/03/04/shelling", text=paper,
                excluded=(Excluded("paper", paper.index(comment), paper.index(comment) + len(comment), comment,
                                   "reader comment"),)),
    )
    both = ("TASS", "The Moscow Times")
    signals = (
        Signal("number", both, {"TASS": ["12 people"], "The Moscow Times": ["31 people"]},
               "The numbers disagree: TASS says 12 people, The Moscow Times 31 people."),
        Signal("naming", both, {"TASS": ["Halmberg"], "The Moscow Times": ["Kaldun"]},
               "The outlets name the place differently: 'Halmberg' (TASS), 'Kaldun' (The Moscow Times)."),
        Signal("agency", both, {"TASS": ["Dornish artillery"], "The Moscow Times": ["(agentless, no actor)"]},
               "TASS names the actor (Dornish artillery); The Moscow Times tells it without one."),
    )
    clusters = (
        Cluster("f001", "s1", ("paper-01", "wire-01"), both, "diverge", signals, score=4.5, cohesion=0.6),
        Cluster("f002", "s1", ("paper-02", "wire-02"), both, "agree", (), score=0.0, cohesion=1.0),
        Cluster("f003", "s1", ("wire-03",), ("TASS",), "single-source"),
    )
    return Report(articles=arts, claims=tuple(c), clusters=clusters,
                  stories=(Story("s1", ("wire", "paper"), "Halmberg, Kaldun"),),
                  model={"name": "hand-made"}, params={"linkage": "average", "threshold": 0.5},
                  timings={"render": 0.0})


@pytest.fixture()
def wire_report():
    return tiny_report()


def threaded_report() -> Report:
    """Two threads, three stories, three outlets, built by hand.

    Thread t1 (the dam) holds s1 (Alpha, Beta) and s2 (Beta, Gamma); f001 is told in both, most
    of it in s1. Thread t2 (the budget) holds s3 (Alpha, Gamma). Gamma wrote nothing in s1.
    """
    texts = {
        "a1": ("Alpha", "The dam at Orvel was seized by rebel fighters on Friday. Water levels rose in Kaldor.\n"),
        "b1": ("Beta", "Freedom fighters took control of the Orvel dam on Friday.\n"),
        "b2": ("Beta", "Engineers repaired the Orvel dam on Monday.\n"),
        "c2": ("Gamma", "Insurgents seized the dam at Orvel on Friday. Engineers repaired the Orvel dam on Monday.\n"),
        "a3": ("Alpha", "The city council cut the school budget by 4 million.\n"),
        "c3": ("Gamma", "The council slashed school funding by 4 million.\n"),
    }
    arts = tuple(Article(id=k, source=f"{k}.txt", outlet=o, title=f"{o} on {k}", date="2024-05-03", url=None,
                         text=t) for k, (o, t) in texts.items())
    claims = []
    for a in arts:
        for n, sentence in enumerate(a.text.strip().split(". "), start=1):
            sentence = sentence if sentence.endswith(".") else sentence + "."
            start = a.text.index(sentence)
            numbers = (Quantity("4 million", 4e6, ""),) if "4 million" in sentence else ()
            claims.append(Claim(id=f"{a.id}-{n:02d}", article=a.id, outlet=a.outlet, text=sentence,
                                start=start, end=start + len(sentence), numbers=numbers))
    seized = (Signal("wording", ("Alpha", "Beta", "Gamma"),
                     {"Alpha": ["rebel"], "Beta": ["freedom fighter"], "Gamma": ["insurgent"]},
                     "Alpha says 'rebel', Beta 'freedom fighter', Gamma 'insurgent'."),)
    cut = (Signal("wording", ("Alpha", "Gamma"), {"Alpha": [], "Gamma": ["slash"]}, "Gamma uses 'slashed'."),)
    clusters = (
        Cluster("f001", "s1", ("a1-01", "b1-01", "c2-01"), ("Alpha", "Beta", "Gamma"), "diverge", seized,
                score=3.0, thread="t1", stories=("s1", "s2")),
        Cluster("f002", "s1", ("a1-02",), ("Alpha",), "single-source", thread="t1", stories=("s1",)),
        Cluster("f003", "s2", ("b2-01", "c2-02"), ("Beta", "Gamma"), "agree", thread="t1", stories=("s2",)),
        Cluster("f004", "s3", ("a3-01", "c3-01"), ("Alpha", "Gamma"), "diverge", cut, score=2.0,
                thread="t2", stories=("s3",)),
    )
    stories = (Story("s1", ("a1", "b1"), "Orvel dam seized", "t1"),
               Story("s2", ("b2", "c2"), "Orvel dam repaired", "t1"),
               Story("s3", ("a3", "c3"), "School budget cut", "t2"))
    threads = (Thread("t1", ("s1", "s2"), "Orvel dam"), Thread("t2", ("s3",), "City budget"))
    return Report(articles=arts, claims=tuple(claims), clusters=clusters, stories=stories, threads=threads,
                  model={"name": "hand-made"}, params={"linkage": "average", "threshold": 0.5})


RECKLESS_WHY = "charged in the VADER lexicon (-1.5 on -4..4); no other outlet of the story uses it; P(loaded) 0.91"
DICTATOR_WHY = "a label for Kim Jong Un; no other outlet of the story uses it; P(loaded) 0.85"


def framed_report(hostile: str = "", terms: tuple[FramingTerm, ...] | None = None) -> Report:
    """Fox and AP on one missile launch, built by hand; Fox's framing profile loads one sentence
    ("reckless") and labels Kim Jong Un ("dictator"), AP has no profile. ``hostile`` is put into
    Fox's second sentence; ``terms`` replace Fox's profile."""
    texts = {"fox": ("Fox", f"North Korean dictator Kim Jong Un fired a missile on Sunday. "
                            f"The reckless launch alarmed Tokyo{hostile}.\n"),
             "ap": ("AP", "North Korean leader Kim Jong Un fired a missile on Sunday.\n")}
    arts = tuple(Article(id=k, source=f"{k}.txt", outlet=o, title=None, date="2024-06-02", url=None, text=t)
                 for k, (o, t) in texts.items())
    claims = []
    for a in arts:
        for n, sentence in enumerate(a.text.strip().split(". "), start=1):
            sentence = sentence if sentence.endswith(".") else sentence + "."
            start = a.text.index(sentence)
            claims.append(Claim(id=f"{a.id}-{n:02d}", article=a.id, outlet=a.outlet, text=sentence, start=start,
                                end=start + len(sentence)))
    label = (Signal("wording", ("AP", "Fox"), {"AP": [], "Fox": ["dictator"]}, "Fox says 'dictator'."),)
    clusters = (Cluster("f001", "s1", ("ap-01", "fox-01"), ("AP", "Fox"), "diverge", label, score=2.0),
                Cluster("f002", "s1", ("fox-02",), ("Fox",), "single-source"))
    if terms is None:
        terms = (FramingTerm("reckless", "loaded", None, ("fox-02",), RECKLESS_WHY, 0.91),
                 FramingTerm("dictator", "label", "Kim Jong Un", ("fox-01",), DICTATOR_WHY, 0.85))
    story = Story("s1", ("fox", "ap"), "Missile launch", framing=(("Fox", terms),))
    return Report(articles=arts, claims=tuple(claims), clusters=clusters, stories=(story,),
                  model={"name": "hand-made"}, params={"linkage": "average", "threshold": 0.5})


def _in_order(doc: str, *parts: str) -> list[int]:
    """Where each part first occurs after the one before; fails when one is missing or out of order."""
    at, pos = [], 0
    for part in parts:
        pos = doc.index(part, pos)
        at.append(pos)
    return at


def test_html_escapes_article_text(fast_pipeline, corpus):
    html = render_html(hostile_report(fast_pipeline, corpus))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onerror="alert(2)"' not in html and "<img" not in html
    assert 'href="javascript:' not in html
    assert "Evil <b>Outlet</b>" not in html and "Evil &lt;b&gt;Outlet&lt;/b&gt;" in html
    assert html.count("<script>") == 1 and html.count("</script>") == 1  # only the page's own filter script


@pytest.mark.parametrize("view", ["teach.html", "factcheck.html"])
def test_views_escape_article_text(fast_pipeline, corpus, view):
    html = render(hostile_report(fast_pipeline, corpus), ["all"])[view]
    assert "<script>" not in html and "</script>" not in html and "<img" not in html
    assert "<b>" not in html and 'href="javascript:' not in html


def test_html_is_self_contained(fast_pipeline, corpus):
    docs = render(hostile_report(fast_pipeline, corpus), ["all"])
    for name in ("report.html", "teach.html", "factcheck.html"):
        html = docs[name]
        assert "default-src 'none'" in html
        assert "<link" not in html and 'src="http' not in html and "@import" not in html
    assert "http://" not in docs["report.html"].replace("http://x", "").replace("http://www.w3.org/2000/svg", "")


def test_markdown_escapes_markup(fast_pipeline, corpus):
    docs = render(hostile_report(fast_pipeline, corpus), ["all"])
    md = docs["report.md"]
    assert "<script>" not in md and "\\<script\\>" in md
    assert "\\*stars\\*" in md
    for name in ("teach.md", "factcheck.md"):
        assert not re.search(r"(?<!\\)<(script|img|b)\b", docs[name]), name
    assert "\\<img src=x" in docs["factcheck.md"]


def test_json_contract_and_stable_bytes(fast_pipeline, corpus):
    report = hostile_report(fast_pipeline, corpus)
    doc = json.loads(to_json(report))
    assert {"articles", "claims", "clusters", "excluded", "model", "params", "stories"} <= set(doc)
    assert "timings" not in doc  # the same input gives the same bytes
    assert {"id", "source", "outlet", "title", "date", "url"} <= set(doc["articles"][0])
    assert {"id", "article", "text", "speaker"} <= set(doc["claims"][0])
    assert {"id", "claims", "outlets", "verdict", "signals", "story"} <= set(doc["clusters"][0])
    clustered = [c for cl in doc["clusters"] for c in cl["claims"]]
    assert sorted(clustered) == sorted(c["id"] for c in doc["claims"])  # each claim in exactly one cluster
    assert to_json(fast_pipeline.run([corpus({})])) == to_json(report)


def test_every_view_renders_the_same_bytes_twice(wire_report):
    first, second = render(wire_report, ["all"]), render(wire_report, ["all"])
    assert first == second


def test_write_reports_writes_the_report_view_by_default(fast_pipeline, corpus, tmp_path):
    out = tmp_path / "out"
    written = write_reports(hostile_report(fast_pipeline, corpus), out)
    assert sorted(p.name for p in written) == ["facts.csv", "report.html", "report.json", "report.md"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_write_reports_all_views(wire_report, tmp_path):
    written = write_reports(wire_report, tmp_path / "o", ["all"])
    assert sorted(p.name for p in written) == sorted(n for files in VIEWS.values() for n in files)
    assert {"teach.html", "teach.md", "factcheck.html", "factcheck.md"} <= {p.name for p in written}
    written = write_reports(wire_report, tmp_path / "t", ["teach", "teach"])
    assert sorted(p.name for p in written) == ["teach.html", "teach.md"]


def test_unknown_view_is_refused_before_writing(wire_report, tmp_path):
    with pytest.raises(CompareError, match="unknown view 'slides'; choose from report, teach, factcheck or all"):
        write_reports(wire_report, tmp_path / "o", ["report", "slides"])
    assert not (tmp_path / "o").exists()


def test_highlight_matches_inflections_of_lemmas():
    from compare.report.view import highlight

    pieces = highlight("backed by foreign mercenaries, Baku liberated towns", ["mercenary", "liberate"], "wording")
    assert [p.text for p in pieces if p.mark] == ["mercenaries", "liberated"]
    assert "".join(p.text for p in pieces) == "backed by foreign mercenaries, Baku liberated towns"


# charts: coverage and agreement from hand-made clusters

OUTLETS = ["A", "B", "C"]


def cluster(cid, outlets, verdict="agree", signals=()):
    return Cluster(id=cid, story="s1", claims=tuple(f"{cid}-{o}" for o in outlets), outlets=tuple(outlets),
                   verdict=verdict, signals=tuple(signals))


def wording(terms):
    return Signal("wording", tuple(terms), terms, "loaded words")


def test_coverage_matrix_states():
    clusters = [
        cluster("f1", ["A", "B"], "diverge", [wording({"A": ["regime"], "B": []}),
                                               Signal("omission", ("C",), {"C": []}, "C leaves it out")]),
        cluster("f2", ["A", "B", "C"]),
        cluster("f3", ["C"], "single-source"),
    ]
    m = coverage_matrix(clusters, OUTLETS)
    assert m.tolist() == [[DIFFERENT, STATED, ABSENT], [STATED, STATED, STATED], [ABSENT, ABSENT, STATED]]


def test_agreement_matrix_counts_shared_facts_and_splits():
    clusters = [
        cluster("f1", ["A", "B", "C"], "diverge", [Signal("naming", ("A", "B", "C"),
                                                          {"A": ["Kaldun"], "B": ["Kaldun"], "C": ["Kaldor"]}, "")]),
        cluster("f2", ["A", "B"]),
        cluster("f3", ["A", "C"], "diverge", [Signal("omission", ("B",), {"B": []}, "")]),
    ]
    shared, agreed = agreement_matrix(clusters, OUTLETS)
    assert shared.tolist() == [[3, 2, 2], [2, 2, 1], [2, 1, 2]]
    assert agreed[0, 1] == 2 and agreed[0, 2] == 1 and agreed[1, 2] == 0  # omission does not split A and C
    assert np.array_equal(agreed, agreed.T)


def test_charts_in_html_read_without_colour(wire_report):
    html = render_html(wire_report)
    assert html.count('<figure class="chart coverage">') == 1 and '<figure class="chart agreement">' in html
    for symbol, state in (("●", "stated"), ("≠", "stated differently"), ("–", "absent")):
        assert symbol in html and state in html  # a symbol and a legend word per state, not colour alone
    assert "%</text>" in html  # agreement cells carry their percentage


def test_markdown_mirrors_the_html_sections(wire_report):
    md, html = render_markdown(wire_report), render_html(wire_report)
    for level, heading in ((2, "Thread t1: Halmberg, Kaldun"), (3, "Story s1: Halmberg, Kaldun"), (4, "Overview"),
                           (4, "Coverage"), (4, "Agreement between outlets"), (2, "Articles")):
        assert f"\n{'#' * level} {heading}\n" in md
        assert f"<h{level}>{heading}</h{level}>" in html
    assert "| Fact | TASS | The Moscow Times |" in md
    assert "| f001 · Dornish artillery shelled Halmberg on Sunday… | ≠ | ≠ |" in md
    assert "killing 12 people. \\[f001\\] The ministers met" in md
    assert "| **TASS** | — | 50% (1/2) |" in md
    assert "*\\[reader comment\\]* ~~" in md  # excluded text struck through with its reason
    shared = [c for c in wire_report.clusters if c.verdict != "single-source"]
    for c in shared:
        assert f"`{c.id}`" in md or f"{c.id} ·" in md


# threads and stories

def test_markdown_is_ordered_thread_then_story_then_fact():
    md = render_markdown(threaded_report())
    body = md[md.index("## Thread t1: Orvel dam\n"):md.index("## Excluded text")]
    _in_order(body, "## Thread t1: Orvel dam\n", "2 stories · 4 articles from 3 outlets (Alpha, Beta, Gamma)",
              "### Story s1: Orvel dam seized\n", "`f001`", "*Also told in story s2: Orvel dam repaired.*",
              "- Alpha: Water levels rose in Kaldor.",
              "### Story s2: Orvel dam repaired\n", "**Engineers repaired the Orvel dam on Monday.** — Beta, Gamma",
              "## Thread t2: City budget\n", "### Story s3: School budget cut\n", "`f004`")
    assert body.count("## Thread ") == 2 and body.count("### Story ") == 3
    s1 = body[body.index("### Story s1"):body.index("### Story s2")]
    assert "| Fact | Alpha | Beta |" in s1 and "Gamma |" not in s1  # Gamma has no article in s1
    assert "| f001 · " in s1 and "| ≠ | ≠ |" in s1
    s3 = body[body.index("### Story s3"):]
    assert "| Fact | Alpha | Gamma |" in s3 and "| **Alpha** | — | 0% (0/1) |" in s3
    assert "`f001`" not in body[body.index("### Story s2"):]  # a fact is listed once, under its primary story
    contents = md[md.index("## Threads and stories"):md.index("## Thread t1:")]
    _in_order(contents, "- Thread t1: Orvel dam (2 stories, 4 articles)", "  - Story s1: Orvel dam seized — Alpha, Beta",
              "  - Story s2: Orvel dam repaired — Beta, Gamma", "- Thread t2: City budget (1 story, 2 articles)",
              "  - Story s3: School budget cut — Alpha, Gamma")


def test_html_is_ordered_thread_then_story_then_fact():
    html = render_html(threaded_report())
    _in_order(html, '<section class="thread" id="thread-t1">', "<h2>Thread t1: Orvel dam</h2>",
              '<section class="story" id="story-s1">', 'id="fact-f001"', 'id="fact-f002"',
              '<section class="story" id="story-s2">', 'id="fact-f003"',
              '<section class="thread" id="thread-t2">', '<section class="story" id="story-s3">', 'id="fact-f004"')
    fact = html[html.index('id="fact-f001"'):html.index("</article>", html.index('id="fact-f001"'))]
    assert '<p class="also">Also told in <a href="#story-s2">story s2: Orvel dam repaired</a>.</p>' in fact
    assert "Also told in" not in html[html.index('id="fact-f003"'):]

    def coverage(story):
        section = html[html.index(f'id="story-{story}"'):]
        return section[section.index('<figure class="chart coverage">'):section.index("</figure>")]

    s1 = coverage("s1")
    assert s1.count('<g class="cell"') == 2  # one shared fact x the two outlets with an article in s1
    assert ">Gamma</text>" not in s1 and ">Alpha</text>" in s1 and ">Beta</text>" in s1
    assert coverage("s2").count('<g class="cell"') == 2 and ">Alpha</text>" not in coverage("s2")
    assert html.count('<figure class="chart coverage">') == 3
    _in_order(html, '<h2>Articles</h2>', 'id="article-a1"', 'id="article-b1"', 'id="article-b2"', 'id="article-a3"')


def test_views_of_a_threaded_report_are_stable_and_escaped():
    report = threaded_report()
    hostile = replace(report, threads=(Thread("t1", ("s1", "s2"), "<script>alert(1)</script>"), report.threads[1]),
                      stories=(replace(report.stories[0], title="*Orvel* <b>dam</b>"), *report.stories[1:]))
    docs = render(hostile, ["all"])
    assert docs == render(hostile, ["all"])
    assert "<script>alert" not in docs["report.html"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in docs["report.html"]
    assert "<b>dam" not in docs["report.html"] + docs["teach.html"] + docs["factcheck.html"]
    assert "## Thread t1: \\<script\\>alert(1)\\</script\\>" in docs["report.md"]
    assert "### Story s1: \\*Orvel\\* \\<b\\>dam\\</b\\>" in docs["report.md"]
    for name in ("report.md", "teach.md", "factcheck.md"):
        assert not re.search(r"(?<!\\)<(script|b)\b", docs[name]), name


def test_a_report_without_threads_groups_its_stories_by_their_thread_ids(wire_report):
    assert wire_report.threads == ()
    md = render_markdown(wire_report)
    assert "## Thread t1: Halmberg, Kaldun" in md and md.count("## Thread ") == 1


def test_teach_groups_exercises_by_thread_then_story():
    report = threaded_report()
    t = build_teach(report)
    assert [(th["thread"].id, [st["story"].id for st in th["stories"]]) for th in t["threads"]] == \
        [("t1", ["s1"]), ("t2", ["s3"])]
    assert [it["n"] for it in t["items"]] == [1, 2] and [it["fact"].cluster.id for it in t["items"]] == ["f001", "f004"]
    md = render_teach(report, "md")
    assert "the same story" not in md
    assert "reporting 2 of the 3 stories found in these articles" in md
    _in_order(md, "## Thread t1: Orvel dam", "### Story s1: Orvel dam seized", "Written about by Alpha, Beta.",
              "#### 1. Seized, dam, Orvel, Friday", "## Thread t2: City budget", "### Story s3: School budget cut",
              "Written about by Alpha, Gamma.", "#### 2. Council, school, million", "## Answer key",
              "### 1. Seized, dam, Orvel, Friday (story s1, fact f001", "### 2. Council, school, million (story s3, fact f004")
    html = render_teach(report)
    assert "the same story" not in html and "<h1>Worksheet: same events, different outlets</h1>" in html
    _in_order(html, '<section class="thread" id="thread-t1">', '<section class="story" id="story-s1">',
              '<p class="note">Written about by Alpha, Beta.</p>', '<h4>1. Seized, dam, Orvel, Friday</h4>',
              '<section class="thread" id="thread-t2">', '<p class="note">Written about by Alpha, Gamma.</p>',
              '<h4>2. Council, school, million</h4>', 'id="answer-key"')
    one = render_teach(tiny_report(), "md")
    assert "reporting the same story." in one and "# Worksheet: same story, different outlets" in one


def test_factcheck_names_the_story_of_each_fact():
    report = threaded_report()
    html, md = render_factcheck(report), render_factcheck(report, "md")
    assert "Story s3 (thread t2): School budget cut" in html and "Story s3 (thread t2): School budget cut." in md


# facts.csv

def test_facts_csv_one_row_per_fact(wire_report):
    rows = list(csv.DictReader(io.StringIO(facts_csv(wire_report))))
    assert sorted(r["id"] for r in rows) == sorted(c.id for c in wire_report.clusters)
    assert list(rows[0]) == ["id", "thread", "story", "verdict", "score", "outlets", "missing", "signal_kinds",
                             "claims", "text"]
    by_id = {c.id: c for c in wire_report.clusters}
    for r in rows:
        cl = by_id[r["id"]]
        assert (r["thread"], r["story"]) == (cl.thread, cl.story)
        assert r["verdict"] == cl.verdict and r["outlets"].split(";") == list(cl.outlets)
        assert set(filter(None, r["signal_kinds"].split(";"))) == {s.kind for s in cl.signals}
    verdicts = [r["verdict"] for r in rows]
    assert verdicts == sorted(verdicts, key=["diverge", "agree", "single-source"].index)


def test_facts_csv_defuses_spreadsheet_formulas(fast_pipeline, corpus):
    folder = corpus({"a.txt": '=HYPERLINK("http://x","click") said the minister on Monday.\n',
                     "b.txt": "The ministers met in Geneva on Monday.\n",
                     "manifest.toml": '[[article]]\nfile = "a.txt"\noutlet = "@Alpha"\n'
                                      '[[article]]\nfile = "b.txt"\noutlet = "Beta"\n'})
    rows = list(csv.reader(io.StringIO(facts_csv(fast_pipeline.run([folder])))))[1:]
    assert rows and all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    assert any(r[-1].startswith("'=HYPERLINK") for r in rows)


# teach

def test_teach_picks_diverging_facts_and_hides_answers_until_the_key(wire_report):
    t = build_teach(wire_report)
    assert 1 <= len(t["items"]) <= 5
    assert all(it["fact"].cluster.verdict == "diverge" for it in t["items"])
    scores = [it["fact"].cluster.score for it in t["items"]]
    assert scores == sorted(scores, reverse=True)
    html = render_teach(wire_report)
    sheet, key = html.split('id="answer-key"')
    assert "<mark" not in sheet and "<mark" in key
    assert "Who does each sentence say did it?" in sheet or "Compare the numbers." in sheet
    for it in t["items"]:
        for s in it["fact"].signals:
            assert s.detail.replace("'", "&#39;") in key
    md = render_teach(wire_report, "md")
    assert "## Answer key" in md and md.index("## Answer key") > md.index("#### 1. ")


def test_teach_selects_the_clearest_diverging_facts_and_caps_them():
    from compare.report.teach import select
    from compare.report.view import Fact, Piece, Telling
    from compare.schema import Cluster, Signal

    def fact(k, verdict="diverge", score=1.0, marked=True, words=8, kinds=("wording",)):
        tellings = tuple(
            Telling(o, Claim(id=f"{o}{k}", article=o, outlet=o, text="word " * words, start=0, end=1),
                    (Piece("loaded", "wording" if marked and o == "A" else ""), Piece(" rest", "")))
            for o in ("A", "B"))
        signals = tuple(Signal(kind, ("A", "B"), {"A": ["loaded"]}, "d") for kind in kinds)
        cl = Cluster(id=f"f{k:03d}", story="s1", claims=(f"A{k}", f"B{k}"), outlets=("A", "B"),
                     verdict=verdict, signals=signals, score=score, cohesion=1.0, missing=())
        return Fact(cl, tellings, signals, "h")

    facts = [fact(1, score=1.0), fact(2, score=3.0), fact(3, score=2.0, marked=False),
             fact(4, verdict="agree", score=9.0), fact(5, score=8.0, words=200),
             fact(6, score=7.0, kinds=("omission",)), fact(7, score=2.5)]
    picked = [f.cluster.id for f in select(facts, 3)]
    # agree, overlong and omission-only facts are out; visible evidence first, then score
    assert picked == ["f002", "f007", "f001"]
    assert [f.cluster.id for f in select(facts, 10)] == ["f002", "f007", "f001", "f003"]
    assert select([], 3) == []


# factcheck

def test_factcheck_lists_every_version_of_a_shared_fact_and_each_check_worthy_claim_once(wire_report):
    from compare.report.factcheck import check_worthy

    f = build_factcheck(wire_report)
    listed = [x.claim.id for g in f["groups"].values() for e in g for x in e["items"]]
    by_id = {c.id: c for c in wire_report.claims}
    shared = [i for cl in wire_report.clusters if len(cl.outlets) > 1 for i in cl.claims]
    single = [i for cl in wire_report.clusters if len(cl.outlets) == 1 for i in cl.claims if check_worthy(by_id[i])]
    assert sorted(listed) == sorted(shared + single) and len(listed) == f["total"] > 0
    assert [e["fact"].cluster.id for e in f["groups"]["diverging"]] == ["f001"]
    assert {s.kind for s in f["groups"]["diverging"][0]["signals"]} == {"number", "naming", "agency"}
    assert all(len(e["outlets"]) == 1 for e in f["groups"]["single"])
    html = render_factcheck(wire_report)
    assert "DIVERGING" in html and "killing 12 people" in html
    # the <q> element draws the quotation marks; written ones too would double them
    assert "Quotation to verify: <q>We will respond,</q>" in html
    md = render_factcheck(wire_report, "md")
    assert "## Diverging (1)" in md and "killing 12 people" in md


def test_checkable_kinds():
    c = Claim(id="x-01", article="x", outlet="A", text='Lavrov said: "We are close to a deal," on May 5.',
              start=0, end=10, dates=("2024-05-05",), actor="Lavrov", entities=("Lavrov",))
    assert checkable(c).kinds == ("date", "quote", "action")
    assert quotes_in(c.text) == ("We are close to a deal,",)
    assert quotes_in("«Нет» and “yes, sir”") == ("Нет", "yes, sir")
    assert named_actor(Claim(id="y", article="y", outlet="A", text="It rained.", start=0, end=1, actor="it")) is None
    assert checkable(Claim(id="z", article="z", outlet="A", text="Talks went well.", start=0, end=1)) is None


def test_safe_url_only_links_http():
    assert safe_url("https://a.example/x") == "https://a.example/x"
    assert safe_url("javascript:alert(1)") is None and safe_url(None) is None
    assert safe_url('https://a.example/"onmouseover=x') is None


def test_headline_is_the_telling_closest_to_the_others_cut_at_a_word():
    from compare.report.view import headline

    def claim(text, lemmas):
        return Claim(id=text[:5], article="a", outlet="A", text=text, start=0, end=len(text), lemmas=tuple(lemmas))

    odd = claim("Officials praised the quick response at the dam.", ["official", "praise", "quick", "response", "dam"])
    core = claim("The dam was seized by troops on Friday.", ["dam", "seize", "troop", "friday"])
    near = claim("Troops seized the dam on Friday night.", ["troop", "seize", "dam", "friday", "night"])
    assert headline([odd, core, near]) == "The dam was seized by troops on Friday."
    long = claim("word " * 60, ["word"])
    cut = headline([long], width=30)
    assert cut.endswith(" …") and len(cut) <= 32 and "wor …" not in cut


def test_a_capitalised_common_noun_is_not_a_named_actor():
    c = Claim(id="r", article="r", outlet="A", text="Residents fled the town.", start=0, end=1, actor="Residents")
    assert named_actor(c) is None
    assert named_actor(replace(c, actor="Norvale", actor_named=True)) == "Norvale"
    assert named_actor(replace(c, actor="Ilham Aliyev", entities=("PERSON:Ilham Aliyev",))) == "Ilham Aliyev"


def test_linked_facts_carry_their_judged_links_and_confidence(fast_pipeline, corpus):
    folder = corpus({
        "wire.txt": "Alpha News\n\nDornish artillery shelled the town of Halmberg on Sunday night, killing 12 people.\n\n"
                    "The bridge over the Orvel river reopened on Monday after repairs.\n",
        "paper.txt": "Beta Daily\n\nDornish artillery shelled the town of Halmberg on Sunday night, killing 12 people, "
                     "officials said.\n\nA new school opened in Kaldor.\n",
    })
    report = fast_pipeline.run([folder], manifest=None)
    doc = json.loads(to_json(report))
    shared = [cl for cl in doc["clusters"] if len(cl["outlets"]) > 1]
    assert shared
    for cl in shared:
        assert cl["links"] and 0.5 <= cl["confidence"] <= 1
        assert all({"a", "b", "same", "nli", "contradiction"} == set(k) for k in cl["links"])
        assert cl["confidence"] == pytest.approx(sum(k["same"] for k in cl["links"]) / len(cl["links"]), abs=1e-3)
    single = [cl for cl in doc["clusters"] if len(cl["outlets"]) == 1]
    assert all(cl["confidence"] is None and cl["links"] == [] for cl in single)
    html = render_html(report)
    assert "same fact with probability" in html
    assert doc["model"]["judge"]["name"] == "overlap"


# framing profile

def test_html_shows_each_outlets_framing_profile_with_its_sentences():
    html = render_html(framed_report())
    story = html[html.index('<section class="story" id="story-s1">'):html.index("<h2>Articles</h2>")]
    _in_order(story, "<h4>Overview</h4>", "<h4>Agreement between outlets</h4>", "<h4>Framing profile</h4>",
              '<p class="framing-outlet none" data-outlet="AP"><span class="outlet">AP</span>: no loaded word, '
              "label or side-taking name found.</p>",
              '<details class="framing-outlet" id="framing-s1-2" data-outlet="Fox">',
              '<summary><span class="outlet">Fox</span>: 2 terms, most loaded “reckless”, “dictator”</summary>',
              '<strong>reckless</strong> <span class="kind">loaded</span>', RECKLESS_WHY,
              'The <mark data-kind="loaded">reckless</mark> launch alarmed Tokyo.', '<a href="#fox-02">in the article</a>',
              '<strong>dictator</strong> <span class="kind">label</span> for <em>Kim Jong Un</em>', DICTATOR_WHY,
              'North Korean <mark data-kind="label">dictator</mark> Kim Jong Un fired a missile on Sunday.',
              '<a href="#fox-01">in the article</a> · <a href="#fact-f001">fact f001</a>',
              "<h4>Facts, most divergent first</h4>")
    profile = story[story.index("<h4>Framing profile</h4>"):story.index("<h4>Facts, most divergent first</h4>")]
    assert '<a href="#fox-02">in the article</a> · ' not in profile  # a single-source claim has no fact to link
    for cid in ("fox-01", "fox-02"):
        assert f'<span class="claim" id="{cid}"' in html  # each link reaches the sentence in the full text


def test_markdown_lists_each_outlets_framing_profile():
    md = render_markdown(framed_report())
    _in_order(md, "#### Agreement between outlets\n", "#### Framing profile\n",
              "- **AP**: no loaded word, label or side-taking name found.\n",
              "- **Fox** (2 terms)\n"
              f"  - **reckless** (loaded): {RECKLESS_WHY}\n"
              "    - The **reckless** launch alarmed Tokyo.\n"
              f"  - **dictator** (label, for Kim Jong Un): {DICTATOR_WHY}\n"
              "    - North Korean **dictator** Kim Jong Un fired a missile on Sunday. \\[f001\\]\n",
              "#### Facts told differently")


def test_framing_profile_shows_terms_most_loaded_first_and_marks_only_the_word():
    from compare.report.view import framing_profile, highlight

    report = framed_report(terms=(FramingTerm("top", "loaded", None, ("fox-02",), "w", 0.6),
                                  FramingTerm("reckless", "loaded", None, ("fox-02", "gone"), "w", 0.9)))
    claims = {c.id: c for c in report.claims}
    rows = framing_profile(report.stories[0], ["AP", "Fox"], claims)
    assert [(r["outlet"], [f.term.term for f in r["terms"]]) for r in rows] == [("AP", []), ("Fox", ["reckless", "top"])]
    assert [[tl.claim.id for tl in f.sentences] for f in rows[1]["terms"]] == [["fox-02"], ["fox-02"]]  # unknown ids skipped
    assert [p.text for p in rows[1]["terms"][1].sentences[0].pieces if p.mark] == []  # "top" is not in the sentence
    pieces = highlight("the top topic, Top", ["top"], "loaded", exact=True)
    assert [p.text for p in pieces if p.mark] == ["top", "Top"]  # the word as written, not a prefix


def test_framing_profile_escapes_terms_whys_referents_and_sentences():
    bad = "<script>alert(2)</script>"
    term = FramingTerm(bad, "label", "<b>Kim</b>", ("fox-02",), "why <script>alert(3)</script>", 0.99)
    report = framed_report(hostile=f" {bad}", terms=(term,))
    docs = render(report, ["all"])
    assert docs == render(report, ["all"])
    for name in ("report.html", "teach.html"):
        html = docs[name]
        assert "<script>alert" not in html and "<b>Kim" not in html, name
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html and "&lt;b&gt;Kim&lt;/b&gt;" in html, name
    assert "why &lt;script&gt;alert(3)&lt;/script&gt;" in docs["report.html"]
    assert '<mark data-kind="label">&lt;script&gt;alert(2)&lt;/script&gt;</mark>' in docs["teach.html"]
    for name in ("report.md", "teach.md"):
        assert not re.search(r"(?<!\\)<(script|b)\b", docs[name]), name
    assert "**\\<script\\>alert(2)\\</script\\>** (label, for \\<b\\>Kim\\</b\\>)" in docs["report.md"]


def test_teach_adds_word_choice_exercises_from_the_framing_profile():
    report = framed_report()
    t = build_teach(report)
    assert [(it["type"], it["n"]) for it in t["items"]] == [("fact", 1), ("word", 2), ("word", 3)]
    words = [it for it in t["items"] if it["type"] == "word"]
    assert [(it["outlet"], it["term"].term, it["telling"].claim.id) for it in words] == \
        [("Fox", "reckless", "fox-02"), ("Fox", "dictator", "fox-01")]
    assert [it["term"].term for it in build_teach(report, words=1)["items"] if it["type"] == "word"] == ["reckless"]
    assert [it["type"] for it in build_teach(report, words=0)["items"]] == ["fact"]
    html = render_teach(report)
    sheet, key = html.split('id="answer-key"')
    _in_order(sheet, '<h4>1. North Korean, Kim Jong Un fired, missile, Sunday</h4>', '<h4>2. Word choice: Fox</h4>', "<p>Fox writes:</p>",
              "<blockquote>The reckless launch alarmed Tokyo.</blockquote>", "Which word in this sentence loads it",
              "What would a neutral word be?", '<h4>3. Word choice: Fox</h4>',
              "Which word does Fox use to describe Kim Jong Un?")
    assert "<mark" not in sheet and RECKLESS_WHY not in sheet
    _in_order(key, "<h3>2. Word choice: Fox (story s1)</h3>",
              '<blockquote>The <mark data-kind="loaded">reckless</mark> launch alarmed Tokyo.</blockquote>',
              f'<strong>reckless</strong> <span class="kind">loaded</span>: {RECKLESS_WHY}.',
              "Fox chose “reckless”.", "<h3>3. Word choice: Fox (story s1)</h3>",
              f'<span class="kind">label</span> for <em>Kim Jong Un</em>: {DICTATOR_WHY}.',
              "Fox calls Kim Jong Un by the label “dictator”.")
    md = render_teach(report, "md")
    _in_order(md, "#### 2. Word choice: Fox\n\nFox writes:\n\n> The reckless launch alarmed Tokyo.\n",
              "## Answer key", "### 2. Word choice: Fox (story s1)\n\n> The **reckless** launch alarmed Tokyo.\n",
              f"- **reckless** (loaded): {RECKLESS_WHY}. What to look for: Fox chose “reckless”.")


def test_word_exercises_spread_over_outlets_and_sentences():
    from compare.report.teach import select_words

    report = framed_report()
    fox = [FramingTerm("reckless", "loaded", None, ("fox-02",), "w", 0.95),
           FramingTerm("launch", "loaded", None, ("fox-02",), "w", 0.94),  # the same sentence again
           FramingTerm("fired", "loaded", None, ("fox-01",), "w", 0.93),
           FramingTerm("absent", "loaded", None, ("fox-01",), "w", 0.99)]  # not in its sentence
    ap = [FramingTerm("leader", "loaded", None, ("ap-01",), "w", 0.5)]
    story = replace(report.stories[0], framing=(("AP", tuple(ap)), ("Fox", tuple(fox))))
    claims = {c.id: c for c in report.claims}
    picked = select_words(story, claims, 3)
    assert [(tl.outlet, t.term) for t, tl in picked] == [("Fox", "reckless"), ("Fox", "fired"), ("AP", "leader")]
    assert [(tl.outlet, t.term) for t, tl in select_words(story, claims, 2)] == [("Fox", "reckless"), ("AP", "leader")]


def test_report_json_is_written_in_pieces_with_the_same_bytes(fast_pipeline, tmp_path):
    from compare.report import to_json

    from .conftest import SEEDS

    report = fast_pipeline.run([SEEDS])
    write_reports(report, tmp_path, ["report"])
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == to_json(report)


def test_past_the_split_size_report_html_is_an_index_of_thread_pages(fast_pipeline, tmp_path):
    from compare.report import render

    from .conftest import SEEDS

    report = fast_pipeline.run([SEEDS])
    written = {p.relative_to(tmp_path).as_posix() for p in write_reports(report, tmp_path, ["report"], split_at=1)}
    assert {f"threads/{t.id}.html" for t in report.threads} <= written and "report.html" in written
    index = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert all(f'href="threads/{t.id}.html"' in index for t in report.threads)
    one = render(report, ["report"])  # under the size: one page, no thread pages
    assert not any(name.startswith("threads/") for name in one)


def test_related_versions_and_honest_absences_are_shown_and_escaped():
    from compare.schema import Counterpart, Related

    base = tiny_report()
    hostile = Claim(id="paper-09", article="paper", outlet="The Moscow Times",
                    text="<script>x</script> Artillery fire was reported.", start=0, end=10)
    f003 = replace(base.clusters[2], related=(Related("paper-09", "The Moscow Times", 0.42, "wire-03"),))
    f002 = replace(base.clusters[1], outlets=("TASS",), earlier=("Massis Post",), event_date="2024-03-04")
    f004 = Cluster("f004", "s1", ("paper-09",), ("The Moscow Times",), "single-source",
                   related=(Related("wire-03", "TASS", 0.42, "paper-09"),))
    report = replace(base, claims=base.claims + (hostile,), clusters=(base.clusters[0], f002, f003, f004),
                     counterparts={"wire-03": (Counterpart("paper-09", "The Moscow Times", "related", 0.42),)})
    html, md = render_html(report), render_markdown(report)
    assert "Told differently or disputed by" in html and "Probably the same event" in html
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "0.42" in html and "0.42" in md and "Probably the same event" in md
    data = json.loads(to_json(report))
    assert data["clusters"][2]["related"] == [{"claim": "paper-09", "outlet": "The Moscow Times", "p": 0.42,
                                               "to": "wire-03"}]
    assert data["claims"][2]["counterparts"] == [{"claim": "paper-09", "outlet": "The Moscow Times",
                                                  "grade": "related", "p": 0.42}]
    assert "not counted as corroboration" in render_factcheck(report)
    assert "not counted as corroboration" in render_factcheck(report, "md")
    assert "Not expected from Massis Post: dated before this happened (2024-03-04)." in html


def test_a_facts_sentences_mark_the_framing_profiles_words():
    from compare.report.view import build_facts

    report = framed_report()
    facts = build_facts(report)
    fox = next(t for f in facts for t in f.tellings if t.claim.id == "fox-02")
    assert [(p.text, p.mark) for p in fox.pieces if p.mark] == [("reckless", "loaded")]  # no signal names it
    fox = next(t for f in facts for t in f.tellings if t.claim.id == "fox-01")
    assert [(p.text, p.mark) for p in fox.pieces if p.mark] == [("dictator", "wording")]  # the signal's kind first
