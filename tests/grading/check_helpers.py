"""What the per-assignment check tests share: run a formative check, judge a part the grader's way.

``judge_like_the_grader`` runs a part's probe on the learner's object and on the reference for
hidden cases drawn from a test seed, and judges them with the one ``evaluate`` both the learner's
notebook and the grader use; only the sandbox is left out (the sandbox tests cover it).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_pkg.checks import Case, CheckFailed, evaluate, probes


def fails_with(check, obj, *fragments) -> str:
    """Run ``check(obj)``; require a CheckFailed whose message contains every fragment."""
    with pytest.raises(CheckFailed) as info:
        check(obj)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "Traceback" not in message
    return message


def judge_like_the_grader(part, obj, *, seed: int = 99, repeats: int = 2):
    """The verdict of ``part`` on ``obj`` for its visible cases and hidden cases drawn from ``seed``."""
    hidden = [Case(c.kind, c.inputs, hidden=True) for c in part.cases(np.random.default_rng(seed), repeats)]
    cases = part.visible_cases() + hidden
    reference = part.reference()
    got = [probes.run(part.probe, obj, case.inputs) for case in cases]
    expected = [probes.run(part.probe, reference, case.inputs) for case in cases]
    return evaluate(part, cases, got, expected)


def assert_hidden_kinds_are_visible(part, seeds=range(3)) -> None:
    """Every kind of hidden case has a visible representative, and vice versa."""
    visible = {case.kind for case in part.visible_cases()}
    for seed in seeds:
        hidden = {case.kind for case in part.cases(np.random.default_rng(seed), 2)}
        assert hidden == visible, (hidden - visible, visible - hidden)


def numbers_in(message: str) -> set[float]:
    """The decimal numbers a message shows (to prove it shows no expected value)."""
    return {float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", message)}
