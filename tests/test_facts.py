from dataclasses import replace

import numpy as np

from compare.context import story_context
from compare.facts import FactInputs, build_facts
from compare.linking.counterparts import Counterpart
from compare.linking.links import JudgedLinks
from compare.schema import Article, Claim, Story

OUTLETS = {"a": ("Alpha", "2024-03-04"), "b": ("Beta", "2024-03-04"), "c": ("Gamma", "2024-03-04"),
           "d": ("Delta", "2024-03-01")}
TEXTS = [
    ("a", "The dam at Halmberg was seized on 3 March 2024.", ("2024-03-03",)),
    ("b", "Rebels captured the Halmberg dam on 3 March 2024.", ("2024-03-03",)),
    ("c", "The Halmberg dam changed hands, officials said.", ()),
    ("d", "Fighting continued near the river.", ()),
    ("a", "Water levels fell downstream.", ()),
]


def inputs(grades: dict[int, list[Counterpart]]) -> FactInputs:
    arts = [Article(k, f"{k}.txt", o, None, d, None, "") for k, (o, d) in OUTLETS.items()]
    claims = [Claim(f"{k}-{i}", k, OUTLETS[k][0], t, 0, len(t), dates=ds, lemmas=tuple(t.lower().split()))
              for i, (k, t, ds) in enumerate(TEXTS)]
    labels = np.array([0, 0, 1, 2, 3])  # Alpha and Beta tell one fact
    judged = JudgedLinks(np.array([[0, 1]]), np.array([0.9]), np.array([[0.9, 0.05, 0.05]]))
    story = Story("s1", tuple(OUTLETS), "Halmberg dam")
    return FactInputs(arts, claims, labels, judged, [grades.get(i, []) for i in range(len(claims))], [story],
                      np.eye(len(claims), 4, dtype=np.float32), set(OUTLETS), {"t1": story_context(claims)})


def test_omission_spares_outlets_telling_it_differently_and_those_writing_before_it():
    facts, _ = build_facts(inputs({}), contradiction=0.9)
    fact = next(f for f in facts if len(f.outlets) == 2)
    # Delta's article (1 March) predates the 3 March event; Gamma does not tell it at all
    assert fact.missing == ("Gamma",)
    assert fact.earlier == ("Delta",) and fact.event_date == "2024-03-03"
    assert any(s.kind == "omission" and s.outlets == ("Gamma",) for s in fact.signals)

    told = {0: [Counterpart(1, "same", 0.9), Counterpart(2, "related", 0.45)], 1: [Counterpart(0, "same", 0.9)],
            2: [Counterpart(0, "related", 0.45)]}
    facts, graded = build_facts(inputs(told), contradiction=0.9)
    fact = next(f for f in facts if len(f.outlets) == 2)
    assert fact.missing == () and not any(s.kind == "omission" for s in fact.signals)
    assert [(r.claim, r.outlet, r.to) for r in fact.related] == [("c-2", "Gamma", "a-0")]
    assert [(k.claim, k.grade) for k in graded["a-0"]] == [("b-1", "same"), ("c-2", "related")]


def test_an_outlet_with_a_claim_as_close_as_a_related_one_is_not_said_to_omit_it():
    inp = inputs({})
    # Gamma's claim (row 2) is judged 0.5 against Alpha's (row 0) but is no counterpart of it
    # (one to one: it answers another claim); it still shows Gamma tells the fact
    judged = JudgedLinks(np.array([[0, 1], [0, 2]]), np.array([0.9, 0.5]), np.array([[0.9, 0.05, 0.05], [0.3, 0.6, 0.1]]))
    facts, _ = build_facts(replace(inp, judged=judged, related=0.4, doubt=0.4), contradiction=0.9)
    fact = next(f for f in facts if len(f.outlets) == 2)
    assert fact.missing == ()
    facts, _ = build_facts(replace(inp, judged=judged, related=0.6, doubt=0.6), contradiction=0.9)
    assert next(f for f in facts if len(f.outlets) == 2).missing == ("Gamma",)
    # at the shipped doubt (0.15) a claim judged 0.2, far below a related one, still spares Gamma:
    # "not found in Gamma" would be a statement the judge itself is not sure of
    judged = JudgedLinks(np.array([[0, 1], [0, 2]]), np.array([0.9, 0.2]), np.array([[0.9, 0.05, 0.05]] * 2))
    facts, _ = build_facts(replace(inp, judged=judged, related=0.4), contradiction=0.9)
    assert next(f for f in facts if len(f.outlets) == 2).missing == ()
