"""End to end: the Keras assignments graded by real nbgrader with a sqlite gradebook, in one temporary
copy of the course shared by this module (COURSE_FAST=1, as in CI).

keras_models: every design judged with compare_architecture and its compile settings.
keras_training: callbacks and the LR finder run inside short fits; the trained model is judged from
the .keras file the notebook saved, on held-out digits, with a parameter and a time budget.
For both: the solution scores full marks, the blank release 0, each mutant fails exactly its part,
and correct code whose cells write warnings and TensorFlow log lines to stderr keeps full marks.
"""

from __future__ import annotations

import pytest

from course_grader import sandbox, selftest
from grading_expectations import assert_graded_as_designed

pytestmark = [pytest.mark.slow, pytest.mark.tf]

try:
    sandbox.check()
except sandbox.SandboxUnavailable as err:
    pytest.skip(f"no sandbox here: {err}", allow_module_level=True)

KERAS_ASSIGNMENTS = ["keras_models", "keras_training"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_FAST", "1")  # the autograder's kernels inherit it: short trainings
        course = selftest.prepare(workdir=tmp_path_factory.mktemp("grading-keras"), assignments=KERAS_ASSIGNMENTS)
        out = {}
        for assignment in KERAS_ASSIGNMENTS:
            # Real TensorFlow writes to stderr in every run; the noisy fixture adds warnings inside test cells.
            noisy = {"r-noisy-stderr"} if assignment == "keras_training" else False
            out[assignment] = selftest.run(assignment, course, prepared=True, robustness=noisy)
            print(out[assignment].summary())
    return out


@pytest.mark.parametrize("assignment", KERAS_ASSIGNMENTS)
def test_solution_full_blank_zero_and_each_mutant_fails_its_part(results, assignment):
    assert_graded_as_designed(results[assignment])
    rows = results[assignment].rows
    if "r-noisy-stderr" in rows:
        assert rows["r-noisy-stderr"]["score"] == rows["r-noisy-stderr"]["max_score"]


def test_trained_model_is_judged_from_the_saved_file(results):
    course = results["keras_training"].course
    # The model is saved and reloaded inside the sandbox's scratch folder; nothing the learner's code
    # writes comes back into the course.
    assert not (course / "autograded" / "solution" / "keras_training" / "digits_model.keras").exists()
    # The artefact is never copied in from source/ (a stale instructor model must not be graded).
    assert not (course / "release" / "keras_training" / "digits_model.keras").exists()
    row = results["keras_training"].rows["mutant-model-never-trained"]
    assert "test_saved_model=0/3" in row["parts"]
