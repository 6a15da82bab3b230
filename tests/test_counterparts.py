import numpy as np
import pytest

from compare.linking.cluster import join_restatements
from compare.linking.counterparts import counterparts
from compare.linking.links import JudgedLinks


def links(table: dict[tuple[int, int], float]) -> JudgedLinks:
    pairs = sorted(table)
    return JudgedLinks(np.array(pairs), np.array([table[p] for p in pairs]), np.zeros((len(pairs), 3)))


def grades(out, i):
    return {(k.other, k.grade) for k in out[i]}


def test_fact_members_are_same_and_mutual_best_matches_related():
    # rows 0, 1 in article a; 2, 3 in b; 4 in c. Rows 0 and 2 are one fact.
    arts = ["a", "a", "b", "b", "c"]
    labels = np.array([0, 1, 0, 2, 3])
    out = counterparts(labels, arts, links({(0, 2): 0.9, (1, 3): 0.45, (1, 4): 0.2, (3, 4): 0.5}), related=0.3)
    assert grades(out, 0) == {(2, "same")} and grades(out, 2) == {(0, "same")}
    assert grades(out, 1) == {(3, "related")}  # its best in b, and b's best back; 0.2 to c is under the cut
    assert grades(out, 3) == {(1, "related"), (4, "related")}
    assert grades(out, 4) == {(3, "related")}
    assert out[0][0].p == pytest.approx(0.9)


def test_no_related_counterpart_unless_the_match_is_mutual():
    # row 2 (article b) prefers row 1 of article a over row 0, so 0 -> 2 is not mutual
    arts = ["a", "a", "b"]
    out = counterparts(np.array([0, 1, 2]), arts, links({(0, 2): 0.5, (1, 2): 0.7}), related=0.3)
    assert grades(out, 0) == set()
    assert grades(out, 1) == {(2, "related")} and grades(out, 2) == {(1, "related")}


def test_a_restatement_counts_as_the_claim_it_restates():
    # rows 0 and 1 (article a) are one fact (a lead and its restatement); row 2 of b matches 1 best
    arts = ["a", "a", "b"]
    out = counterparts(np.array([0, 0, 1]), arts, links({(0, 2): 0.4, (1, 2): 0.6}), related=0.3)
    assert grades(out, 0) == {(2, "related")}
    assert grades(out, 1) == {(2, "related")}


def test_a_fact_member_of_another_article_is_never_related():
    arts = ["a", "b", "b"]
    # rows 0 and 1 are one fact; 2 scores higher with 0 but 0's counterpart in b is its fact's claim
    out = counterparts(np.array([0, 0, 1]), arts, links({(0, 1): 0.7, (0, 2): 0.8}), related=0.3)
    assert grades(out, 0) == {(1, "same")}
    assert grades(out, 2) == set()  # 0's fact is already told in b


def test_a_restatement_joins_the_fact_its_article_tells():
    # fact {0 (a), 2 (b), 3 (c)}; row 1 of a restates it: judged 0.8 and 0.7 against b and c
    arts = ["a", "a", "b", "c"]
    labels = np.array([0, 1, 0, 0])
    joined = join_restatements(labels, arts, links({(0, 2): 0.9, (0, 3): 0.9, (1, 2): 0.8, (1, 3): 0.7}), 0.6)
    assert list(joined) == [0, 0, 0, 0]
    # one claim of the fact under the cut (or never judged) keeps it out
    kept = join_restatements(labels, arts, links({(0, 2): 0.9, (0, 3): 0.9, (1, 2): 0.8}), 0.6)
    assert list(kept) == [0, 1, 0, 0]
    # a fact not told in the claim's own article is not joined this way (linking declined it)
    alone = join_restatements(np.array([0, 1, 1]), ["a", "b", "c"], links({(0, 1): 0.9, (0, 2): 0.9}), 0.6)
    assert list(alone) == [0, 1, 1]
