"""The checks of the assignment forward_pass (course_pkg.checks.forward_pass): right code passes, honest
unusual code keeps its marks, each misconception gets its own message, hidden kinds are all visible,
and no message shows an expected value.

The learner functions are written independently of the references, the way a learner would.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_pkg.checks import Case, CheckFailed, evaluate, probes
from course_pkg.checks import forward_pass as F
from course_pkg.numpy_nn import activations


def fails_with(check, fn, *fragments) -> str:
    with pytest.raises(CheckFailed) as info:
        check(fn)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def vector_dot(a, b):
    total = 0
    for i in range(len(a)):
        total += a[i] * b[i]
    return total


def matrix_dot(A, B):
    return [[vector_dot(row, [r[j] for r in B]) for j in range(len(B[0]))] for row in A]


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def count_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def mlp_shapes(m, n_inputs=10, n_hidden=50, n_outputs=3):
    return {"X": (m, n_inputs), "W_h": (n_inputs, n_hidden), "b_h": (n_hidden,), "W_o": (n_hidden, n_outputs),
            "b_o": (n_outputs,), "Y": (m, n_outputs)}


def test_correct_code_passes_every_visible_case(capsys):
    F.check_vector_dot(vector_dot)
    F.check_matrix_dot(matrix_dot)
    F.check_dense_relu(lambda X, W, b: np.maximum(X @ W + b, 0))
    F.check_sigmoid(sigmoid)
    F.check_softmax(softmax)
    F.check_count_params(count_params)
    F.check_mlp_shapes(mlp_shapes)
    assert capsys.readouterr().out.count("passed") == 7


def test_correct_code_passes_the_hidden_kinds_too():
    solutions = {"vector_dot": vector_dot, "matrix_dot": matrix_dot, "sigmoid": sigmoid, "softmax": softmax,
                 "dense_relu": lambda X, W, b: np.maximum(X @ W + b, 0), "count_params": count_params,
                 "mlp_shapes": mlp_shapes}
    for part in F.PARTS:
        cases = [Case(c.kind, c.inputs, hidden=True) for c in part.cases(np.random.default_rng(99), 3)]
        reference = part.reference()
        got = [probes.run(part.probe, solutions[part.target], c.inputs) for c in cases]
        expected = [probes.run(part.probe, reference, c.inputs) for c in cases]
        verdict = evaluate(part, cases, got, expected)
        assert verdict.passed, verdict.message


@pytest.mark.parametrize("part", F.PARTS, ids=lambda p: p.grade_id)
def test_every_hidden_kind_has_a_visible_representative(part):
    visible = {case.kind for case in part.visible_cases()}
    for seed in range(3):
        hidden = {case.kind for case in part.cases(np.random.default_rng(seed), 2)}
        assert hidden <= visible, hidden - visible


def test_honest_unusual_solutions_keep_their_marks():
    def softmax32(z):
        z = np.asarray(z, dtype=np.float32)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def dot(a, b):  # a loop helper that happens to be called dot
        return sum(x * y for x, y in zip(a, b))

    namespace = {"dot": dot}
    exec("def vector_dot(a, b):\n    return dot(a, b)\n", namespace)

    def noisy_sigmoid(z):
        print("computing...")
        return sigmoid(z).tolist()  # a list where an array is accepted

    F.check_softmax(softmax32)
    F.check_vector_dot(namespace["vector_dot"])
    F.check_sigmoid(noisy_sigmoid)
    F.check_dense_relu(lambda X, W, b: np.maximum(np.einsum("nd,dm->nm", X, W) + b, 0))
    F.check_count_params(lambda s: float(count_params(s)))  # a float that equals the count
    F.check_count_params(lambda s: np.int64(count_params(s)))
    F.check_mlp_shapes(lambda m, n_inputs=10, n_hidden=50, n_outputs=3: {
        k: list(v) for k, v in mlp_shapes(m, n_inputs, n_hidden, n_outputs).items()})


def test_loops_rule_is_judged_by_what_the_code_calls():
    fails_with(F.check_vector_dot, np.dot, "itself numpy.dot", "loops")
    fails_with(F.check_vector_dot, lambda a, b: float(np.dot(a, b)), "np.dot (numpy.dot)")
    fails_with(F.check_vector_dot, lambda a, b: np.asarray(a).dot(b), ".dot()")
    fails_with(F.check_matrix_dot, lambda A, B: (np.array(A) @ np.array(B)).tolist(), "uses @")

    namespace = {"np": np}  # a helper defined in the notebook, as the graded function is
    exec("def helper(a, b):\n    return np.inner(a, b)\n"
         "def vector_dot(a, b):\n    return helper(a, b)\n", namespace)
    fails_with(F.check_vector_dot, namespace["vector_dot"], "numpy.inner")


def test_each_misconception_gets_its_message():
    fails_with(F.check_vector_dot, lambda a, b: sum(a[i] * b[i] for i in range(len(a) - 1)), "skips the last element")
    fails_with(F.check_matrix_dot, lambda A, B: [[vector_dot(r, c) for c in B] for r in A], "COLUMN j of B")
    fails_with(F.check_dense_relu, lambda X, W, b: X @ W + b, "the ReLU is missing")
    fails_with(F.check_dense_relu, lambda X, W, b: np.maximum(X @ W, 0) + b, "after adding the bias")
    fails_with(F.check_dense_relu, lambda X, W, b: np.maximum(X @ W, 0), "the bias b is missing")
    fails_with(F.check_sigmoid, lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float))), "overflowed", "e = exp(-|z|)")
    naive = lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # noqa: E731
    fails_with(F.check_softmax, naive, "softmax overflowed for logits near 1000 — subtract each row's max first")
    whole_batch = lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=1, keepdims=True)  # noqa: E731
    fails_with(F.check_softmax, whole_batch, "each row's own max")
    columns = lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0, keepdims=True)  # noqa: E731
    fails_with(F.check_softmax, columns, "axis=1")
    fails_with(F.check_softmax, lambda z: softmax(z).sum(axis=1), "lost a dimension")

    def in_place(z):
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    fails_with(F.check_softmax, in_place, "changed its argument number 1 in place")
    fails_with(F.check_count_params, lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])), "misses the biases")
    fails_with(F.check_count_params, lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:])), "one bias per input")
    fails_with(F.check_count_params, lambda s: count_params(s) + 0.5, "whole number")
    transposed = lambda m, n_inputs=10, n_hidden=50, n_outputs=3: {  # noqa: E731
        **mlp_shapes(m, n_inputs, n_hidden, n_outputs), "W_h": (n_hidden, n_inputs)}
    fails_with(F.check_mlp_shapes, transposed, "W_h is transposed")
    column_bias = lambda m, n_inputs=10, n_hidden=50, n_outputs=3: {  # noqa: E731
        **mlp_shapes(m, n_inputs, n_hidden, n_outputs), "b_o": (1, n_outputs)}
    fails_with(F.check_mlp_shapes, column_bias, "a bias is one number per unit")


def test_blank_missing_and_crashing_functions_are_explained():
    def blank(z):
        raise NotImplementedError()

    fails_with(F.check_softmax, blank, "not written yet", "raise NotImplementedError()")
    fails_with(F.check_softmax, None, "TypeError", "expected a function")
    message = fails_with(F.check_softmax, lambda z: 1 / 0, "your code raised ZeroDivisionError", "visible case")
    assert "Traceback" not in message
    fails_with(F.check_mlp_shapes, lambda m, **kw: None, "it must return a dict; it returned None")


def test_messages_never_contain_expected_values():
    for z in (np.array([[1000.0, 1001.0, 999.0]]), np.array([[0.0, -1.0, -2.0]])):
        expected = activations.softmax(z)
        message = fails_with(F.check_softmax, lambda z: softmax(z) * 0.9 + 0.1 / z.shape[1], "wrong")
        numbers = {float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", message)}
        for value in expected.ravel():
            assert not any(np.isclose(value, n, rtol=1e-3) for n in numbers if n not in (0.0, 1.0))
    message = fails_with(F.check_count_params, lambda s: 7, "the count is wrong")
    assert "623290" not in message


def test_a_learner_using_the_reference_is_told_it_will_not_work_when_graded():
    fails_with(F.check_softmax, activations.softmax, "reference implementation", "not available while your notebook")
    fails_with(F.check_sigmoid, lambda z: activations.sigmoid(z), "course_pkg.numpy_nn")


ODD_RESULTS = [None, "text", True, 1 + 2j, [], [[1, 2], [3]], {"X": "no"}, np.array(["a"]), np.zeros((0, 3)),
               np.full((2, 2), np.nan), float("inf"), 10**400, (1, (2, 3)), object()]


@pytest.mark.parametrize("part", F.PARTS, ids=lambda p: p.grade_id)
def test_odd_results_fail_with_a_message_never_an_error(part):
    for value in ODD_RESULTS:
        check = getattr(F, f"check_{part.target}")
        with pytest.raises(CheckFailed) as info:
            check(lambda *args, value=value, **kwargs: value)
        assert str(info.value).startswith(f"{part.target}, visible case")
