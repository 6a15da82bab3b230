"""The reports as a person sees them: Debian's headless chromium driven by Playwright.

These tests fail, not skip, when chromium or Playwright is missing (``make chromium`` installs
the browser); set COMPARE_SKIP_BROWSER=1 to skip them on purpose.
"""

import os
import shutil
import struct
from pathlib import Path

import pytest

from compare.embed import HashingEmbedder
from compare.pipeline import Pipeline
from compare.report import write_reports

from .conftest import SEEDS

pytestmark = pytest.mark.browser

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-quic", "--disable-component-update", "--disable-sync"]

PAYLOAD = (
    "<script>window.__pwned = 1; alert('script')</script> "
    '<img src=x onerror="window.__pwned = 2; alert(\'img\')"> '
    '<svg onload="window.__pwned = 3"></svg> '
    "<a href=\"javascript:window.__pwned = 4\">click me</a> "
    "</script><script>window.__pwned = 5</script> "
    "</style></title><body onload=\"window.__pwned = 6\"> "
)
HOSTILE_WIRE = (
    "Halmberg talks\n\nThe minister said on Monday that the talks about Halmberg failed " + PAYLOAD + ".\n"
    "The ministers met in Geneva on Monday and agreed on a ceasefire.\n"
)
HOSTILE_PAPER = (
    "The talks about Halmberg failed on Monday, the minister said, calling the rebels terrorists " + PAYLOAD + ".\n"
    "The ministers met in Geneva on Monday and agreed on a ceasefire.\n"
)
HOSTILE_MANIFEST = (
    '[[article]]\nfile = "wire.txt"\noutlet = "Wire <script>window.__pwned = 7</script>"\n'
    'url = "javascript:window.__pwned = 8"\n'
    '[[article]]\nfile = "paper.txt"\noutlet = "Paper\\" onmouseover=\\"window.__pwned = 9"\n'
    'title = "</title><script>window.__pwned = 10</script>"\n'
)


def _unavailable(why: str):
    if os.environ.get("COMPARE_SKIP_BROWSER") == "1":
        pytest.skip(why)
    pytest.fail(f"{why}; run `make chromium` (or set COMPARE_SKIP_BROWSER=1 to skip the browser tests)",
                pytrace=False)


@pytest.fixture(scope="module")
def browser():
    exe = os.environ.get("COMPARE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(exe):
        _unavailable(f"chromium not found at {exe}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


class Page:
    """A page opened from a file, recording console errors, page errors and dialogs."""

    def __init__(self, browser, path):
        self.errors, self.dialogs = [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def visible(self, selector):
        return self.page.eval_on_selector_all(
            selector, "els => els.filter(e => e.offsetParent !== null).map(e => e.id)")


@pytest.fixture(scope="module")
def seeds(extractor, tmp_path_factory):
    """The seed corpus through the real pipeline with the fast hashing embedder, every view written."""
    report = Pipeline(embedder=HashingEmbedder(), extractor=extractor).run([SEEDS])
    out = tmp_path_factory.mktemp("seeds")
    write_reports(report, out, ["all"])
    return report, out


@pytest.fixture(scope="module")
def report_page(browser, seeds):
    page = Page(browser, seeds[1] / "report.html")
    yield page
    page.page.close()


@pytest.mark.parametrize("name", ["report.html", "teach.html", "factcheck.html"])
def test_committed_seed_reports_open_cleanly(browser, name):
    """What `make run` wrote with the real model, as a reader opens it from reports/seeds/."""
    p = Page(browser, Path(SEEDS).parent / "reports" / "seeds" / name)
    assert p.errors == [] and p.dialogs == []
    assert p.page.locator("h1").first.is_visible()
    p.page.close()


def test_the_seeds_timeline_has_a_mark_for_each_dated_claim_and_draws_the_conflict(browser):
    """The committed report (real models): each thread's timeline shows every claim at each date
    it states, and the 1988 / 1991 origin of the conflict as a conflict line."""
    import json
    import re

    committed = Path(SEEDS).parent / "reports" / "seeds"
    data = json.loads((committed / "report.json").read_text(encoding="utf-8"))
    placeable = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
    dated = {(c["id"], d["value"]) for c in data["claims"] for d in c["when"]
             if d["value"] and placeable.match(d["value"])}
    p = Page(browser, committed / "report.html")
    marks = p.page.eval_on_selector_all("svg.timeline circle.mark", "els => els.map(e => e.dataset.claim)")
    assert len(marks) == len(dated) and set(marks) == {cid for cid, _ in dated}
    assert p.page.locator("svg.timeline").first.is_visible()
    conflicts = p.page.eval_on_selector_all("svg.timeline line.conflict", "els => els.map(e => e.textContent)")
    assert any("1988" in t and "1991" in t for t in conflicts), conflicts
    assert p.errors == []
    p.page.close()


def test_the_seeds_side_by_side_of_tass_and_the_moscow_times_shows_every_counterpart_pair(browser):
    """The committed report: TASS's claims beside The Moscow Times', one row per TASS claim, and
    each counterpart the run found in The Moscow Times' article in the row of its TASS claim."""
    import json

    committed = Path(SEEDS).parent / "reports" / "seeds"
    data = json.loads((committed / "report.json").read_text(encoding="utf-8"))
    article = {a["id"]: a for a in data["articles"]}
    tass = [c for c in data["claims"] if article[c["article"]]["outlet"] == "TASS"]
    text = {c["id"]: " ".join(c["text"].split()) for c in data["claims"]}
    expected = [(text[c["id"]], text[k["claim"]], k["grade"]) for c in tass for k in c["counterparts"]
                if article[next(x for x in data["claims"] if x["id"] == k["claim"])["article"]]["outlet"]
                == "The Moscow Times"]
    assert expected  # the two share facts
    p = Page(browser, committed / "report.html")
    box = p.page.locator('details.side-by-side[data-a="TASS"][data-b="The Moscow Times"]')
    box.locator("summary").click()
    rows = box.locator("tr[data-grade]").evaluate_all(
        "rs => rs.map(r => [r.dataset.grade, r.querySelector('td.a').innerText, r.querySelector('td.b').innerText])")
    assert sum(g != "only-b" for g, _, _ in rows) == len(tass)  # one row per TASS claim, in its order
    assert sum(g in ("same", "related") for g, _, _ in rows) == len(expected)
    for a, b, grade in expected:
        row = next(r for r in rows if r[0] == grade and " ".join(r[1].split()).startswith(a[:40]))
        assert " ".join(row[2].split()).startswith(b[:40])
    assert p.errors == []
    p.page.close()


def test_seed_views_render_without_console_errors(browser, seeds):
    report, out = seeds
    for name in ("report.html", "teach.html", "factcheck.html"):
        p = Page(browser, out / name)
        assert p.errors == [] and p.dialogs == [], name
        assert p.page.locator("h1").first.is_visible()
        p.page.close()


def test_report_shows_every_shared_fact_and_the_charts(report_page, seeds):
    report, _ = seeds
    shared = [c for c in report.clusters if c.verdict != "single-source"]
    assert sorted(report_page.visible("article.fact")) == sorted(f"fact-{c.id}" for c in shared)
    # each story charts its own shared facts against the outlets with an article in it
    outlet_of = {a.id: a.outlet for a in report.articles}
    coverage = agreement = 0
    for s in report.stories:
        outlets = {outlet_of[a] for a in s.articles}
        told = [c for c in shared if c.story == s.id]
        cells = report_page.page.locator(f"[id='story-{s.id}'] figure.coverage g.cell").count()
        assert cells == len(told) * len(outlets), s.id
        coverage += cells
        agreement += len(outlets) ** 2 if told else 0
    assert len(report.stories) > 1, "the seeds should give several stories"
    assert report_page.page.locator("figure.coverage g.cell").count() == coverage > 0
    assert report_page.page.locator("figure.agreement g.cell").count() == agreement
    assert report_page.page.locator("figure.coverage").first.bounding_box()["width"] > 400


def test_report_is_organised_by_thread_then_story(report_page, seeds):
    report, _ = seeds
    page = report_page.page
    assert page.eval_on_selector_all("section.thread", "els => els.map(e => e.id)") == \
        [f"thread-{t.id}" for t in report.threads]
    for t in report.threads:
        inside = page.eval_on_selector_all(f"[id='thread-{t.id}'] > section.story", "els => els.map(e => e.id)")
        assert inside == [f"story-{s.id}" for s in report.stories if s.thread == t.id]
    for c in report.clusters:
        if c.verdict != "single-source":
            assert page.locator(f"[id='story-{c.story}'] [id='fact-{c.id}']").count() == 1


def _select(page, select_id, value):
    page.page.select_option(f"#{select_id}", value)


def test_filters_hide_and_show_facts(report_page, seeds):
    report, _ = seeds
    page = report_page
    shared = {c.id: c for c in report.clusters if c.verdict != "single-source"}
    diverging = sorted(f"fact-{i}" for i, c in shared.items() if c.verdict == "diverge")
    agreeing = sorted(f"fact-{i}" for i, c in shared.items() if c.verdict == "agree")
    assert diverging and agreeing, "the seeds should give both verdicts"

    _select(page, "f-verdict", "agree")
    assert sorted(page.visible("article.fact")) == agreeing
    assert page.page.locator(f"#{diverging[0]}").is_hidden()

    _select(page, "f-verdict", "")
    outlet = sorted({o for c in shared.values() for o in c.outlets})[0]
    _select(page, "f-outlet", outlet)
    assert sorted(page.visible("article.fact")) == sorted(f"fact-{i}" for i, c in shared.items() if outlet in c.outlets)

    _select(page, "f-outlet", "")
    kind = next(s.kind for c in shared.values() for s in c.signals)
    _select(page, "f-kind", kind)
    expected = sorted(f"fact-{i}" for i, c in shared.items() if kind in {s.kind for s in c.signals})
    assert sorted(page.visible("article.fact")) == expected
    total = page.page.locator(".filterable").count()
    assert page.page.locator("#f-count").inner_text() == f"showing {len(expected)} of {total}"

    page.page.click("#f-reset")
    assert sorted(page.visible("article.fact")) == sorted(f"fact-{i}" for i in shared)
    assert page.errors == []


def test_highlighted_terms_are_marked_with_colour_and_a_second_cue(report_page, seeds):
    report, _ = seeds
    marks = report_page.page.eval_on_selector_all("mark", """els => els.map(e => ({
        text: e.textContent, kind: e.dataset.kind,
        underline: getComputedStyle(e).textDecorationLine,
        label: getComputedStyle(e, '::after').content,
        background: getComputedStyle(e).backgroundColor}))""")
    assert marks, "no highlighted term"
    terms = {t.lower() for c in report.clusters for s in c.signals for ts in s.terms.values() for t in ts}
    framing = {t.term.lower() for s in report.stories for _, ts in s.framing for t in ts}
    for m in marks:
        assert "underline" in m["underline"] and m["label"] == f'" [{m["kind"]}]"'
        assert m["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
        if m["kind"] in ("loaded", "label", "naming") and m["text"].lower() in framing:
            continue  # a framing term, marked as the outlet wrote it (a name may also be a fact's signal)
        if m["kind"] in ("loaded", "label"):
            assert m["text"].lower() in framing, m["text"]
        else:
            assert any(m["text"].lower().startswith(t[:max(len(t) - 1, 1)]) for t in terms), m["text"]


def test_framing_profile_per_outlet_opens_to_its_sentences(report_page, seeds):
    report, _ = seeds
    page = report_page.page
    outlet_of = {a.id: a.outlet for a in report.articles}
    assert any(terms for s in report.stories for _, terms in s.framing), "the seeds should give a framing profile"
    for s in report.stories:
        outlets = sorted({outlet_of[a] for a in s.articles} | {o for o, _ in s.framing})
        shown = page.eval_on_selector_all(f"[id='story-{s.id}'] .framing-outlet", "els => els.map(e => e.dataset.outlet)")
        assert shown == outlets, s.id
    s, (outlet, terms) = next((s, p) for s in report.stories for p in s.framing if p[1])
    details = page.locator(f"[id='story-{s.id}'] details.framing-outlet[data-outlet='{outlet}']")
    assert details.locator("li.term").first.is_hidden()  # a long profile stays folded under its summary
    details.locator("summary").click()
    assert details.locator("li.term").count() == len(terms)
    assert details.locator("li.term strong").first.inner_text() == terms[0].term
    first = details.locator("ul.sentences a").first
    assert first.is_visible() and first.get_attribute("href") == f"#{terms[0].claims[0]}"
    target = page.locator(f"[id='{terms[0].claims[0]}']")
    assert target.count() == 1 and target.evaluate("e => e.closest('.article-text') !== null")
    _select(report_page, "f-outlet", outlet)
    assert details.is_visible()
    others = page.locator(f".framing-outlet:not([data-outlet='{outlet}'])")
    assert others.count() > 0 and all(others.nth(i).is_hidden() for i in range(others.count()))
    _select(report_page, "f-outlet", "")
    assert others.first.is_visible()
    details.locator("summary").click()
    assert report_page.errors == []


def test_claim_links_reach_the_full_article(report_page):
    page = report_page.page
    href = page.locator("article.fact .telling a").first.get_attribute("href")
    target = page.locator(f"[id='{href[1:]}']")
    assert target.count() == 1
    assert target.evaluate("e => e.closest('.article-text') !== null")
    assert page.locator(".article-text .excluded").count() > 0
    reason = page.locator(".article-text .excluded").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert reason.startswith('"[') and reason != '"[]"'


def test_screenshot_is_produced(report_page, tmp_path):
    shot = tmp_path / "report.png"
    report_page.page.screenshot(path=str(shot), full_page=False)
    chart = tmp_path / "coverage.png"
    report_page.page.locator("figure.coverage").first.screenshot(path=str(chart))
    for png in (shot, chart):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 400 and height >= 100 and len(data) > 5000
    if os.environ.get("COMPARE_SCREENSHOTS"):
        shutil.copy(shot, os.environ["COMPARE_SCREENSHOTS"])


@pytest.fixture(scope="module")
def hostile(extractor, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-in")
    (folder / "wire.txt").write_text(HOSTILE_WIRE, encoding="utf-8")
    (folder / "paper.txt").write_text(HOSTILE_PAPER, encoding="utf-8")
    (folder / "manifest.toml").write_text(HOSTILE_MANIFEST, encoding="utf-8")
    report = Pipeline(embedder=HashingEmbedder(), extractor=extractor).run([folder])
    out = tmp_path_factory.mktemp("hostile-out")
    write_reports(report, out, ["all"])
    return report, out


@pytest.mark.parametrize("name", ["report.html", "teach.html", "factcheck.html"])
def test_hostile_article_renders_as_text_and_nothing_runs(browser, hostile, name):
    _, out = hostile
    p = Page(browser, out / name)
    page = p.page
    page.wait_for_timeout(300)  # time for an injected onerror/onload to fire
    page.mouse.move(10, 10)
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert p.dialogs == []
    assert page.evaluate("document.querySelectorAll('img, iframe, [onerror], [onload], [onmouseover]').length") == 0
    assert page.evaluate("document.scripts.length") == (1 if name == "report.html" else 0)
    text = page.evaluate("document.body.innerText")
    if name != "teach.html":  # the worksheet shows only diverging facts; the others show every claim
        assert "<script>window.__pwned = 1; alert('script')</script>" in text
        assert "</script><script>window.__pwned = 5</script>" in text
    assert "Wire <script>window.__pwned = 7</script>" in text or name == "teach.html"
    assert p.errors == []
    page.close()


def test_missing_browser_fails_unless_skipping_is_asked_for(monkeypatch):
    monkeypatch.delenv("COMPARE_SKIP_BROWSER", raising=False)
    with pytest.raises(pytest.fail.Exception, match="make chromium"):
        _unavailable("chromium not found at /nowhere")
    monkeypatch.setenv("COMPARE_SKIP_BROWSER", "1")
    with pytest.raises(pytest.skip.Exception):
        _unavailable("chromium not found at /nowhere")


def test_report_reads_without_script(browser, seeds):
    report, out = seeds
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto((out / "report.html").as_uri())
    assert page.locator("#filters").is_hidden()  # controls that would do nothing stay out of the way
    shared = [c for c in report.clusters if c.verdict != "single-source"]
    assert page.locator("article.fact:visible").count() == len(shared)
    assert page.locator("figure.coverage svg").first.is_visible()
    ctx.close()


def test_a_large_report_opens_as_an_index_and_a_page_per_thread(browser, seeds, tmp_path):
    """The split a report past SPLIT_AT articles gets, exercised on the seeds with a low cut."""
    import time

    report, _ = seeds
    write_reports(report, tmp_path, ["report"], split_at=1)
    t = time.perf_counter()
    index = Page(browser, tmp_path / "report.html")
    assert time.perf_counter() - t < 3.0
    assert index.errors == [] and index.dialogs == []
    links = index.page.eval_on_selector_all("#threads a", "els => els.map(e => e.getAttribute('href'))")
    pages = sorted({h.split("#")[0] for h in links})
    assert pages == sorted(f"threads/{t.id}.html" for t in report.threads)
    shared = {c.id for c in report.clusters if c.verdict != "single-source"}
    seen = set()
    for href in pages:
        t = time.perf_counter()
        p = Page(browser, tmp_path / href)
        assert time.perf_counter() - t < 3.0, href
        assert p.errors == [] and p.dialogs == [], href
        tid = href.split("/")[1].removesuffix(".html")
        assert p.page.locator(f"[id='thread-{tid}']").count() == 1
        seen |= {i.removeprefix("fact-") for i in p.visible("article.fact")}
        p.page.close()
    assert seen == shared  # every shared fact is on its thread's page
    index.page.close()
