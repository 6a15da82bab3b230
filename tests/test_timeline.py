"""The thread timeline (compare/report/timeline.py)."""

from dataclasses import replace

from compare.report import render_html, render_markdown
from compare.report.timeline import build_timeline, timeline_rows

from .test_views import paired_report, views_report


def test_each_dated_claim_is_a_mark_and_a_date_conflict_a_line():
    report = views_report()
    tl = build_timeline(report, {a.id for a in report.articles})
    assert tl is not None
    dated = {(c.id, d.value) for c in report.claims for d in c.when if d.value and len(d.value) >= 4
             and d.value[:4].isdigit()}
    assert {(m.claim.id, m.value) for m in tl.marks} == dated
    assert list(tl.slots) == sorted(tl.slots)  # one time axis, in order
    assert all(tl.x(a) < tl.x(b) for a, b in zip(tl.slots, tl.slots[1:], strict=False))
    # f001: one outlet says Friday, the other Thursday
    assert any(a.fact == "f001" and b.fact == "f001" and a.value != b.value for a, b, _ in tl.conflicts)
    rows = timeline_rows(tl)
    assert [r["date"].split(" ")[0] for r in rows] == [m.value for m in tl.marks]


def test_no_dated_claim_no_timeline():
    report = views_report()
    bare = replace(report, claims=tuple(replace(c, when=()) for c in report.claims))
    assert build_timeline(bare, {a.id for a in bare.articles}) is None
    assert 'class="timeline"' not in render_html(bare) and "### Timeline" not in render_markdown(bare)


def test_the_timeline_is_drawn_in_html_and_tabled_in_markdown():
    report = views_report()
    html, md = render_html(report), render_markdown(report)
    assert html.count('<circle class="mark"') == len(build_timeline(report, {a.id for a in report.articles}).marks)
    assert '<line class="conflict"' in html
    assert "### Timeline" in md and "| Date | Outlet | Words | Claim | Fact |" in md


def test_a_conflict_told_in_two_facts_is_drawn_once():
    report = views_report()
    once = build_timeline(report, {a.id for a in report.articles}).conflicts
    twice = build_timeline(replace(report, clusters=report.clusters + report.clusters),
                           {a.id for a in report.articles}).conflicts
    assert once and len(twice) == len(once)


def test_every_side_by_side_row_holds_only_what_is_between_its_two_outlets():
    from itertools import combinations

    from compare.report.diff import DiffIndex, build_diff

    report = paired_report()
    index = DiffIndex.of(report)
    diffs = [build_diff(report, a, b, index) for a, b in combinations([x.id for x in report.articles], 2)]
    assert any(r.signals for d in diffs for r in d.rows) and any(d.only_b for d in diffs)  # something to check
    for d in diffs:
        a = d.a.id
        for r in d.rows:
            for s in r.signals:
                assert {d.a.outlet, d.b.outlet} <= set(s.outlets), (a, d.b.id, s.kind)
        told = {r.b.id for r in d.rows if r.b is not None}
        for c in d.only_b:  # no claim of B left alone that tells one of A's facts
            assert c.id not in told and not any(
                next(x for x in report.claims if x.id == k.claim).article == a for k in report.counterparts.get(c.id, ()))
