"""Hostile corpora at scale: thousands of copies of one article must group in linear work, a
story told by hundreds of outlets must give charts a reader can read in a page of bounded size,
and the outlet filter must work for any outlet name."""

import json
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser

import numpy as np
import pytest

from benchmarks.near_duplicates import SIX, build
from compare.embed import HashingEmbedder
from compare.linkage import sparse_linkage
from compare.report import charts, render_html, render_markdown
from compare.report.charts import agreement_chart, coverage_chart
from compare.report.view import build_facts
from compare.schema import Article, Claim, Cluster, Report, Signal, Story, Thread
from compare.stories import StoryGrouper, StoryModel, neighbour_pairs, signatures, sparse_average_linkage

from .test_browser import Page, browser  # noqa: F401  (the headless chromium fixture)


@dataclass(frozen=True)
class Counted(StoryModel):
    """The shipped story model, counting the pairs it scores; past ``budget`` pairs it stops
    (quadratic work on thousands of articles would run for an hour)."""

    scored: list = field(default_factory=list)
    budget: int | None = None

    def proba(self, features):
        self.scored.append(features.shape[0] * features.shape[1])
        assert self.budget is None or sum(self.scored) <= self.budget, f"over {self.budget} pairs scored"
        return super().proba(features)


def counted(budget: int | None = None) -> Counted:
    return Counted(**asdict(StoryModel.load()), budget=budget)


def copies(n: int, rotate: bool = False) -> tuple[list[Article], list[Claim], np.ndarray]:
    """``n`` one-line articles of the same six sentences (``rotate``: each starting at another
    one, so six leads), by hand: no spaCy."""
    arts, claims = [], []
    for k in range(n):
        sentences = SIX[k % 6:] + SIX[:k % 6] if rotate else SIX
        text = " ".join(sentences)
        aid = f"a{k:05d}"
        arts.append(Article(aid, f"{aid}.txt", f"Outlet {k:05d}", None, None, None, text))
        start = 0
        for j, s in enumerate(sentences):
            claims.append(Claim(f"{aid}-{j}", aid, f"Outlet {k:05d}", s, start, start + len(s),
                                lemmas=tuple(w.lower().strip(".,") for w in s.split() if len(w) > 3),
                                entities=("GPE:Halmberg", "GPE:Kaldor")))
            start += len(s) + 1
    return arts, claims, HashingEmbedder().encode([c.text for c in claims])


# case 13: stories of near-duplicate articles stay linear


@pytest.mark.parametrize("rotate", [False, True])
def test_copies_of_one_article_are_grouped_in_linear_work(rotate):
    work = {}
    for n in (50, 200):
        model = counted()
        stories, threads = StoryGrouper(model).group(*copies(n, rotate))
        assert sum(len(s.articles) for s in stories) == n and len(threads) <= len(stories) <= 6
        work[n] = (len(model.scored), sum(model.scored))
    (calls0, pairs0), (calls1, pairs1) = work[50], work[200]
    assert calls1 <= 4 * calls0 + 4, work  # the model is asked once per distinct article, not per pair
    assert pairs1 <= 4 * pairs0 + 64, work


def test_two_thousand_copies_group_in_seconds():
    model = counted(budget=2000 * 50)
    arts, claims, emb = copies(2000, rotate=True)
    t = time.perf_counter()
    stories, threads = StoryGrouper(model).group(arts, claims, emb)
    assert time.perf_counter() - t < 20
    assert sum(len(s.articles) for s in stories) == 2000 and len(threads) <= len(stories) <= 6


def test_two_thousand_one_line_files_through_the_pipeline(fast_pipeline, tmp_path):
    """The issue's corpus (benchmarks/near_duplicates.py runs it with the real models): 2,000
    files of one line, the same six sentences, read and split by the real pipeline (model-free
    embedder); grouping them is seconds, not minutes."""
    prep = fast_pipeline.prepare([build(2000, tmp_path)])
    t = time.perf_counter()
    stories, threads = StoryGrouper(counted(budget=2000 * 50)).group(prep.articles, prep.claims, prep.embeddings)
    assert time.perf_counter() - t < 20
    assert len(stories) == 1 and len(stories[0].articles) == 2000 and len(threads) == 1


def _events():
    """Three events, some articles copied past the 10 neighbours the grouper reads, with a few
    articles of nothing (identical too, and far apart)."""
    quake = ["A strong earthquake struck the coast of Chile overnight.", "Rescuers searched collapsed homes.",
             "Officials counted the dead and injured."]
    vote = ["The parliament of Norway approved the budget after a long debate.", "The opposition walked out.",
            "Taxes rise next year under the plan."]
    fire = ["A forest fire spread near Athens on Tuesday.", "Firefighters fought the flames all night.",
            "Hundreds of people left their homes."]
    plan = [(quake, "2024-03-01", 14), (quake[:2], "2024-03-02", 1), (vote, "2021-06-10", 3),
            (vote[1:], "2021-06-11", 2), (fire, "2023-07-18", 1), (fire[::-1], "2023-07-18", 12), ([], None, 4),
            (quake[1:], "2024-03-01", 1)]
    arts, claims = [], []
    for sentences, day, times in plan:
        for _ in range(times):
            aid = f"a{len(arts):03d}"
            text = " ".join(sentences)
            arts.append(Article(aid, f"{aid}.txt", f"O{len(arts)}", None, day, None, text))
            start = 0
            for j, s in enumerate(sentences):
                claims.append(Claim(f"{aid}-{j}", aid, arts[-1].outlet, s, start, start + len(s),
                                    lemmas=tuple(w.lower().strip(".,") for w in s.split() if len(w) > 3),
                                    dates=(day,)))
                start += len(s) + 1
    order = np.random.default_rng(4).permutation(len(arts))  # copies scattered, not side by side
    arts = [arts[i] for i in order]
    rank = {a.id: k for k, a in enumerate(arts)}
    claims.sort(key=lambda c: rank[c.article])
    return arts, claims, HashingEmbedder().encode([c.text for c in claims]) if claims else None


@pytest.mark.parametrize("threshold", [0.3, 0.4, 0.6])
def test_collapsing_copies_gives_the_grouping_without_collapsing(threshold):
    arts, claims, emb = _events()
    sig = signatures(arts, claims, emb)
    model = StoryModel.load()

    def prob(rows, cols):
        from compare.stories import pair_features

        return model.proba(pair_features(sig, rows, cols))

    n = len(arts)
    plain = sparse_average_linkage(n, prob, neighbour_pairs(n, prob, model.neighbours), threshold)
    ours = StoryGrouper(model).cluster(sig, threshold)
    assert ours.tolist() == plain.tolist()
    assert len(set(ours)) > 3  # the articles of nothing stay apart


def test_weighted_points_link_as_their_copies():
    """Linkage on points standing for their copies = linkage on every copy."""
    rng = np.random.default_rng(7)
    m = 9
    q = rng.uniform(0.0, 0.9, (m, m))
    q = (q + q.T) / 2
    np.fill_diagonal(q, 0.97)  # a copy is its own likeliest partner
    weight = np.array([1, 12, 3, 1, 1, 15, 2, 1, 4])
    point_of = np.repeat(np.arange(m), weight)
    point_of = point_of[np.random.default_rng(1).permutation(len(point_of))]
    first = np.unique(point_of, return_index=True)[1]
    order = np.argsort(first)
    renumber = np.empty(m, dtype=int)
    renumber[order] = np.arange(m)
    point_of = renumber[point_of]
    q = q[np.ix_(order, order)]
    weight = weight[order]
    n = len(point_of)
    p_rows = q[np.ix_(point_of, point_of)]

    def rows_prob(r, c):
        return p_rows[np.ix_(r, c)].copy()

    def points_prob(r, c):
        return q[np.ix_(r, c)].copy()

    for k in (2, 5, 10):
        for threshold in (0.3, 0.5, 0.7):
            plain = sparse_average_linkage(n, rows_prob, neighbour_pairs(n, rows_prob, k), threshold)
            edges = neighbour_pairs(n, points_prob, k, point_of=point_of)
            ours = sparse_linkage(m, points_prob, edges, threshold, None, "average", False, weight)
            assert ours[point_of].tolist() == plain.tolist(), (k, threshold)


# case 13: charts past a few dozen outlets


def _crowd(n_outlets: int = 300) -> Report:
    """One story told by ``n_outlets`` outlets: f001 by all, f002 (diverging) by the first half,
    f003 by the first 25, and one claim of each outlet only it states."""
    names = [f"Outlet {k:03d}" for k in range(n_outlets)]
    arts, claims, solo = [], [], []
    told = {"f001": names, "f002": names[:n_outlets // 2], "f003": names[:25]}
    sentences = {"f001": "The dam at Orvel broke on Friday.", "f002": "Rebels seized the Orvel dam.",
                 "f003": "Water rose in Kaldor.", "own": "Our reporter was there."}
    members: dict[str, list[str]] = {f: [] for f in told}
    for k, o in enumerate(names):
        mine = [f for f in told if o in told[f]] + ["own"]
        text = " ".join(sentences[f] for f in mine)
        aid = f"a{k:03d}"
        arts.append(Article(aid, f"{aid}.txt", o, None, "2024-03-01", None, text))
        for j, f in enumerate(mine):
            start = text.index(sentences[f])
            cid = f"{aid}-{j}"
            claims.append(Claim(cid, aid, o, sentences[f], start, start + len(sentences[f])))
            if f == "own":
                solo.append(Cluster(f"g{k:03d}", "s1", (cid,), (o,), "single-source", thread="t1"))
            else:
                members[f].append(cid)
    loaded = Signal("wording", tuple(told["f002"]), {o: (["rebels"] if i % 2 else []) for i, o in
                                                     enumerate(told["f002"])}, "loaded words")
    clusters = [Cluster("f001", "s1", tuple(members["f001"]), tuple(told["f001"]), "agree", thread="t1"),
                Cluster("f002", "s1", tuple(members["f002"]), tuple(told["f002"]), "diverge", (loaded,), score=2.0,
                        thread="t1"),
                Cluster("f003", "s1", tuple(members["f003"]), tuple(told["f003"]), "agree", thread="t1"), *solo]
    return Report(articles=tuple(arts), claims=tuple(claims), clusters=tuple(clusters),
                  stories=(Story("s1", tuple(a.id for a in arts), "Orvel", thread="t1"),),
                  threads=(Thread("t1", ("s1",), "Orvel"),), model={"name": "hand-made"},
                  params={"linkage": "average", "threshold": 0.5})


def _section(html: str, start: str, end: str = "</figure>") -> str:
    i = html.index(start)
    return html[i:html.index(end, i) + len(end)]


def test_charts_show_the_outlets_with_most_facts_and_count_the_rest():
    top_n = charts.MAX_OUTLETS
    report = _crowd(300)
    outlets = sorted(a.outlet for a in report.articles)
    facts = [f for f in build_facts(report) if f.cluster.verdict != "single-source"]
    cov = coverage_chart(facts, outlets)
    top = [f"Outlet {k:03d}" for k in range(top_n)]  # the 25 that state every fact; ties by name
    assert cov["outlets"] == top and [c["text"] for c in cov["cols"]] == top
    assert cov["left_out"] == 300 - top_n and len(cov["cells"]) == 3 * top_n
    agr = agreement_chart(report.clusters, outlets)
    assert agr["outlets"] == top and agr["left_out"] == 300 - top_n
    assert len(agr["cells"]) == top_n ** 2 and agr["shared"].shape == (top_n, top_n)
    few = coverage_chart(facts, outlets[:5])  # a handful: every one, in the order given
    assert few["outlets"] == outlets[:5] and few["left_out"] == 0


def test_a_story_of_300_outlets_renders_a_page_of_bounded_size():
    top_n = charts.MAX_OUTLETS
    html = render_html(_crowd(300))
    heatmap = _section(html, "<h4>Agreement between outlets</h4>")
    coverage = _section(html, "<h4>Coverage</h4>")
    assert len(heatmap.encode()) < 200_000 and len(coverage.encode()) < 100_000
    assert heatmap.count('<g class="cell">') == top_n ** 2
    left_out = f"{300 - top_n} more outlets are not shown"
    assert left_out in heatmap and left_out in coverage
    assert len(html.encode()) < 2_000_000
    md = render_markdown(_crowd(300))
    header = next(line for line in md.splitlines() if line.startswith("| Fact |"))
    assert header.count("|") == top_n + 2 and left_out in md


# case 14: the outlet filter, for any outlet name

BAR, TAG, QUOTE = "A|B", "<script>", "L'Orient"


def _odd_names() -> Report:
    """Four outlets, three with names that break naive encodings: f001 told by A|B and L'Orient,
    f002 by <script> and L'Orient, f003 by A|B and A."""
    texts = {"a1": (BAR, ["The dam broke on Friday.", "Rain fell all week."]),
             "a2": (TAG, ["The dam broke on Friday.", "The mayor resigned."]),
             "a3": (QUOTE, ["The dam broke on Friday.", "The mayor resigned."]),
             "a4": ("A", ["Rain fell all week."])}
    arts, claims = [], []
    for aid, (outlet, sentences) in texts.items():
        text = " ".join(sentences)
        arts.append(Article(aid, f"{aid}.txt", outlet, None, "2024-03-01", None, text))
        for j, s in enumerate(sentences):
            claims.append(Claim(f"{aid}-{j}", aid, outlet, s, text.index(s), text.index(s) + len(s)))
    clusters = (Cluster("f001", "s1", ("a1-0", "a3-0", "a2-0"), (BAR, QUOTE, TAG), "agree", thread="t1"),
                Cluster("f002", "s1", ("a2-1", "a3-1"), (TAG, QUOTE), "agree", thread="t1"),
                Cluster("f003", "s1", ("a1-1", "a4-0"), (BAR, "A"), "agree", thread="t1"))
    return Report(articles=tuple(arts), claims=tuple(claims), clusters=clusters,
                  stories=(Story("s1", tuple(texts), "Dam", thread="t1"),), threads=(Thread("t1", ("s1",), "Dam"),),
                  model={"name": "hand-made"})


class Filterable(HTMLParser):
    """The filter's data as a browser reads it: each .filterable's data-outlets, and the options."""

    def __init__(self):
        super().__init__()
        self.outlets, self.options, self._in_select = {}, [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "filterable" in (a.get("class") or "").split():
            self.outlets[a["id"]] = json.loads(a["data-outlets"])
        if tag == "select":
            self._in_select = a.get("id") == "f-outlet"
        if tag == "option" and self._in_select:
            self.options.append(a.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._in_select = False


def test_outlet_filter_data_round_trips_any_name():
    html = render_html(_odd_names())
    parsed = Filterable()
    parsed.feed(html)
    assert parsed.outlets == {"fact-f001": [BAR, QUOTE, TAG], "fact-f002": [TAG, QUOTE], "fact-f003": [BAR, "A"]}
    assert parsed.options == ["", TAG, "A", BAR, QUOTE]
    assert html.count("<script>") == 1  # the filter's own; the outlet named so is text
    assert "&lt;script&gt;" in html


@pytest.mark.browser
def test_outlet_filter_in_the_browser_keeps_facts_of_odd_names(browser, tmp_path):  # noqa: F811
    (tmp_path / "report.html").write_text(render_html(_odd_names()), encoding="utf-8")
    page = Page(browser, tmp_path / "report.html")
    for outlet, shown in ((BAR, ["fact-f001", "fact-f003"]), (TAG, ["fact-f001", "fact-f002"]), ("A", ["fact-f003"]),
                          (QUOTE, ["fact-f001", "fact-f002"])):
        page.page.select_option("#f-outlet", value=outlet)
        assert sorted(page.visible("article.fact")) == shown, outlet
    assert page.page.evaluate("typeof window.__pwned") == "undefined"
    assert page.errors == [] and page.dialogs == []
    page.page.close()


def test_a_story_page_shows_a_bounded_number_of_related_groups():
    from compare.report import render_markdown
    from compare.report.view import RELATED_SHOWN
    from compare.schema import Article, Claim, Cluster, Related, Report, Story, Thread

    n = RELATED_SHOWN + 25
    arts = (Article("a", "a.txt", "A", None, "2024-01-01", None, "x"),
            Article("b", "b.txt", "B", None, "2024-01-01", None, "x"))
    claims = tuple(Claim(f"{o}-{k}", o, o.upper(), f"Sentence {o} {k}.", 0, 1) for k in range(n) for o in "ab")
    clusters = tuple(Cluster(f"f{k}", "s1", (f"a-{k}",), ("A",), "single-source",
                             related=(Related(f"b-{k}", "B", 0.5, f"a-{k}"),)) for k in range(n)) + tuple(
        Cluster(f"g{k}", "s1", (f"b-{k}",), ("B",), "single-source") for k in range(n))
    report = Report(arts, claims, clusters, (Story("s1", ("a", "b"), "Story", thread="t1"),),
                    (Thread("t1", ("s1",), "Thread"),), model={"name": "test"},
                    params={"linkage": "average", "threshold": 0.5})
    md = render_markdown(report)
    assert f"{n - RELATED_SHOWN} more such groups are not shown here" in md
    assert md.count("(pair model 0.50)") == RELATED_SHOWN


def test_the_factcheck_page_folds_a_bounded_number_of_single_source_claims():
    from compare.report import render_factcheck
    from compare.report.factcheck import FOLDED, SHOWN
    from compare.schema import Article, Claim, Cluster, Quantity, Report, Story, Thread

    n = SHOWN + FOLDED + 30
    arts = (Article("a", "a.txt", "A", None, "2024-01-01", None, "x"),
            Article("b", "b.txt", "B", None, "2024-01-01", None, "x"))
    claims = tuple(Claim(f"a-{k}", "a", "A", f"Officials counted {k} boats.", 0, 1,
                         numbers=(Quantity(f"{k} boats", float(k), "boat"),)) for k in range(n))
    clusters = tuple(Cluster(f"f{k}", "s1", (f"a-{k}",), ("A",), "single-source") for k in range(n))
    report = Report(arts, claims, clusters, (Story("s1", ("a", "b"), "Story", thread="t1"),),
                    (Thread("t1", ("s1",), "Thread"),), model={"name": "test"},
                    params={"linkage": "average", "threshold": 0.5})
    page = render_factcheck(report, "html")
    assert page.count("Officials counted") == 2 * (SHOWN + FOLDED)  # a card: its title and its quote
    assert "30 more single-source claims worth checking are not listed here" in page
