"""The wiring: stories and threads reach every fact, and coverage counts only a fact's stories."""

from .conftest import PAPER, WIRE

FARM = """Drought hits the northern farms

Farmers in the northern valley said on Tuesday that the drought had cut the wheat harvest by half.
The agriculture ministry promised 40 million in aid to 3,000 farms.
"""

FARM2 = """Wheat harvest halved by drought

The drought has halved the wheat harvest in the northern valley, farmers said on Tuesday.
The ministry will pay 40 million in aid to 3,000 farms, officials said.
"""


def test_facts_stay_in_their_thread_and_omissions_in_their_story(corpus, fast_pipeline):
    folder = corpus({"wire.txt": WIRE, "paper.txt": PAPER, "farm.txt": FARM, "farm2.txt": FARM2,
                     "manifest.toml": '[[article]]\nfile = "wire.txt"\noutlet = "Wire"\ndate = "2024-03-03"\n'
                                      '[[article]]\nfile = "paper.txt"\noutlet = "Paper"\ndate = "2024-03-04"\n'
                                      '[[article]]\nfile = "farm.txt"\noutlet = "Farm News"\ndate = "2019-08-06"\n'
                                      '[[article]]\nfile = "farm2.txt"\noutlet = "Agri Wire"\ndate = "2019-08-06"\n'})
    report = fast_pipeline.run([folder])
    story_of = {a: s.id for s in report.stories for a in s.articles}
    outlet_of = {a.id: a.outlet for a in report.articles}
    groups = [{outlet_of[a] for a in s.articles} for s in report.stories]
    assert {"Agri Wire", "Farm News"} in groups  # the model-free embedder still pairs near-copies
    assert not any(g & {"Agri Wire", "Farm News"} and g & {"Paper", "Wire"} for g in groups)
    assert len(report.threads) >= 2
    thread_of = {s.id: s.thread for s in report.stories}
    article_of = {c.id: c.article for c in report.claims}
    for c in report.clusters:
        arts = {article_of[x] for x in c.claims}
        assert {thread_of[story_of[a]] for a in arts} == {c.thread}
        assert set(c.stories) == {story_of[a] for a in arts} and c.story in c.stories
        told = {outlet_of[a] for s in c.stories for a in next(x for x in report.stories if x.id == s).articles}
        assert set(c.missing) <= told - set(c.outlets)
        for s in c.signals:
            if s.kind == "omission":
                assert set(s.outlets) <= told
    doc = report.to_dict()
    assert [t["id"] for t in doc["threads"]] == [f"t{k + 1}" for k in range(len(report.threads))]
    assert {s["thread"] for s in doc["stories"]} == {t["id"] for t in doc["threads"]}
    assert all({"thread", "stories"} <= set(c) for c in doc["clusters"])
