"""What every assignment's self-test must show, shared by the NumPy and Keras end-to-end tests."""

from __future__ import annotations


def assert_graded_as_designed(result) -> None:
    """The solution scores full marks, the blank release 0 with status ok, the mutants that run to the end
    (status ok) each fail exactly one graded part, together failing every part at least once, and the honest
    unusual solutions among them (nothing they must fail) keep full marks."""
    assert result.ok, result.summary()
    rows = result.rows
    assert rows["solution"]["score"] == rows["solution"]["max_score"]
    assert float(rows["blank"]["score"]) == 0 and rows["blank"]["status"] == "ok"
    # Per student, the score of each graded part: {"solution": {"test_softmax": "2/2", ...}, ...}
    parts = {s: dict(p.split("=") for p in rows[s]["parts"].split("; ")) for s in rows if rows[s]["parts"]}
    ran = [f for f in result.fixtures if f.student.startswith("mutant-") and f.status == "ok"]
    honest = [f.student for f in ran if f.zero == ()]
    for student in honest:
        assert rows[student]["score"] == rows[student]["max_score"], (student, rows[student])
    mutants = [f.student for f in ran if f.zero != ()]
    assert mutants
    killed = set()
    for mutant in mutants:
        zeros = [test for test, score in parts[mutant].items() if score.startswith("0/")]
        assert len(zeros) == 1, (mutant, zeros)
        killed.update(zeros)
    assert killed == set(parts["solution"]), f"parts no mutant fails: {set(parts['solution']) - killed}"
