"""Unit tests of the NumPy checks still in course_pkg.grading: right code passes, wrong code fails with a message
that names the mistake, the reference (or a wrapper of it) fails, and no message reveals an expected value.

The learner functions below are written independently of the references (the point of the checks
is to compare two implementations), in the plain style a learner would use.
"""

from __future__ import annotations

import functools
import sys

import numpy as np
import pytest

from course_pkg.grading import CheckFailed, ReferenceUsed, _core
from course_pkg.grading import backprop as B
from course_pkg.grading import optimizers as O
from course_pkg.grading import perceptrons as P
from course_pkg.numpy_nn import activations, layers, optimizers


def fails_with(check, fn, *fragments, exc=CheckFailed, **kwargs) -> str:
    """Run ``check(fn)``, require it to raise ``exc`` whose message contains every fragment."""
    with pytest.raises(exc) as info:
        check(fn, **kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# --------------------------------------------------------------------------- learner code


def heaviside(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def tlu_predict(X, w, b):
    return heaviside(np.asarray(X) @ w + b)


def perceptron_update(w, b, x, y, lr=1.0):
    x = np.asarray(x, dtype=float)
    error = y - heaviside(x @ w + b)
    return w + lr * error * x, b + lr * error


def train_perceptron(X, y, lr=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        mistakes = 0
        for x_i, y_i in zip(X, y):
            mistakes += int(heaviside(x_i @ w + b) != y_i)
            w, b = perceptron_update(w, b, x_i, y_i, lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax_ce(logits, y):
    logits = np.asarray(logits, dtype=float)
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    d = np.exp(log_p)
    d[np.arange(n), y] -= 1
    return float(-log_p[np.arange(n), y].mean()), d / n


# --------------------------------------------------------------------------- perceptrons


def test_perceptron_checks_pass_correct_code():
    P.check_heaviside(heaviside, hidden=True)
    P.check_tlu_predict(tlu_predict, hidden=True)
    P.check_perceptron_update(perceptron_update, hidden=True)
    P.check_train_perceptron(train_perceptron, hidden=True)
    P.check_perceptron_converges(lambda X, y, max_epochs=100: train_perceptron(X, y, max_epochs=max_epochs)[2][-1] == 0, hidden=True)
    P.check_gate_weights({"and": ([1, 1], -1.5), "or": ([1, 1], -0.5), "nand": ([-1, -1], 1.5)})
    P.check_xor_weights({"W_hidden": [[1, -1], [1, -1]], "b_hidden": [-0.5, 1.5], "w_out": [1, 1], "b_out": -1.5})


def test_perceptron_checks_name_the_mistakes():
    fails_with(P.check_heaviside, lambda z: np.where(np.asarray(z) > 0, 1.0, 0.0), "heaviside(0) must be 1")
    fails_with(P.check_heaviside, lambda z: np.sign(z), "sign function")
    fails_with(P.check_tlu_predict, lambda X, w, b: heaviside(np.asarray(X) @ w), "bias b is missing")
    fails_with(P.check_perceptron_update, lambda w, b, x, y, lr=1.0: (
        w - lr * (y - heaviside(x @ w + b)) * x, b - lr * (y - heaviside(x @ w + b))), "wrong way")

    def in_place(w, b, x, y, lr=1.0):
        error = y - heaviside(x @ w + b)
        w += lr * error * x
        return w, b + lr * error

    fails_with(P.check_perceptron_update, in_place, "in place")
    fails_with(P.check_perceptron_converges, lambda X, y, max_epochs=100: True, "wrong answer", "'XOR'")
    fails_with(P.check_xor_weights, {"W_hidden": [[1, -1], [1, -1]], "b_hidden": [-0.5, 1.5], "w_out": [1, 1], "b_out": -0.5},
               "wrong output")


def test_part_isolation_swaps_helpers_and_restores_them():
    # A broken heaviside in the learner's namespace must not cost the tlu_predict points...
    namespace = {"np": np}
    exec(
        "def heaviside(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n"
        "def tlu_predict(X, w, b):\n    return heaviside(np.asarray(X) @ w + b)\n",
        namespace,
    )
    broken = namespace["heaviside"]
    P.check_tlu_predict(namespace["tlu_predict"], hidden=True)
    # ...and the learner's own helper is back afterwards, still failing its own check.
    assert namespace["heaviside"] is broken
    fails_with(P.check_heaviside, broken, "must be 1")


# --------------------------------------------------------------------------- the old checks' machinery
# (forward_pass's checks moved to course_pkg.checks: see test_checks_forward_pass.py)


def sigmoid_grad(z):
    return sigmoid(z) * (1 - sigmoid(z))


def test_messages_never_contain_expected_values():
    # dW mismatch: the reference gradient is never printed.
    message = fails_with(B.check_dense_backward, lambda dY, X, W: (dY @ W.T, X.T @ dY * 1.5, dY.sum(0)), "dW is wrong")
    assert "array(" not in message


@pytest.mark.parametrize(
    "learner",
    [
        activations.sigmoid_grad,
        lambda z: activations.sigmoid_grad(z),
        functools.partial(activations.sigmoid_grad),
        lambda z: activations.sigmoid(z) * (1 - activations.sigmoid(z)),
    ],
    ids=["is-the-reference", "lambda-wrapper", "partial", "via-another-reference"],
)
def test_reference_or_wrapper_fails(learner):
    fails_with(B.check_sigmoid_grad, learner, "reference implementation", exc=ReferenceUsed)


def test_reference_detection_covers_layers_and_classes():
    fails_with(B.check_dense_backward, lambda dY, X, W: layers.dense_backward(dY, (X, W)),
               "course_pkg.numpy_nn", exc=ReferenceUsed)

    class Adam(optimizers.Adam):
        pass

    fails_with(O.check_adam, Adam, "subclasses", exc=ReferenceUsed)


def test_guard_restores_the_previous_profiler():
    seen = []

    def outer(frame, event, arg):
        seen.append(event)

    sys.setprofile(outer)
    try:
        B.check_sigmoid_grad(sigmoid_grad)
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)


def test_not_implemented_passes_through_unchanged():
    def blank(z):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        B.check_sigmoid_grad(blank)
    fails_with(B.check_sigmoid_grad, None, "expected a function")


def test_learner_exception_is_explained_with_the_case():
    def crashes(z):
        raise ValueError("boom")

    message = fails_with(B.check_sigmoid_grad, crashes, "raised ValueError", "boom")
    assert "Traceback" not in message


def test_uses_operations_sees_nested_code():
    def outer(a, b):
        return [x @ y for x, y in zip(a, b)]

    assert _core.uses_operations(outer, matmul=True) == ["@"]
    assert _core.uses_operations(lambda a: np.einsum("i,i", a, a), ["einsum"]) == ["einsum"]


# --------------------------------------------------------------------------- backprop


def test_backprop_checks_pass_correct_code():
    def dense_backward(dY, X, W):
        return dY @ W.T, X.T @ dY, dY.sum(axis=0)

    def numeric_gradient(f, x, h=1e-5):
        grad = np.zeros_like(x, dtype=float)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            up = f(x)
            x[i] = old - h
            down = f(x)
            x[i] = old
            grad[i] = (up - down) / (2 * h)
        return grad

    def mlp(params, X, y):
        Z1 = X @ params["W1"] + params["b1"]
        A1 = np.maximum(Z1, 0)
        loss, d = softmax_ce(A1 @ params["W2"] + params["b2"], y)
        dA1, dW2, db2 = dense_backward(d, A1, params["W2"])
        _, dW1, db1 = dense_backward(dA1 * (Z1 > 0), X, params["W1"])
        return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    B.check_sigmoid_grad(lambda z: sigmoid(z) * (1 - sigmoid(z)), hidden=True)
    B.check_relu_grad(lambda z: (np.asarray(z) > 0).astype(float), hidden=True)
    B.check_softmax_cross_entropy(softmax_ce, hidden=True)
    B.check_dense_backward(dense_backward, hidden=True)
    B.check_numeric_gradient(numeric_gradient, hidden=True)
    B.check_mlp_loss_and_grads(mlp, hidden=True)


def test_backprop_misconceptions():
    fails_with(B.check_dense_backward, lambda dY, X, W: (dY @ W.T, dY.T @ X, dY.sum(0)),
               "your dW has shape (3, 4); it must have the shape of W, (4, 3)")
    fails_with(B.check_dense_backward, lambda dY, X, W: (dY @ W.T, X.T @ dY, dY), "sum dY over the batch")
    fails_with(B.check_softmax_cross_entropy, lambda z, y: (softmax_ce(z, y)[0], softmax_ce(z, y)[1] * len(z)),
               "N times too large")
    fails_with(B.check_sigmoid_grad, lambda z: z * (1 - z), "applied to z itself")
    fails_with(B.check_relu_grad, lambda z: (np.asarray(z) >= 0).astype(float), "derivative 0")

    def forward_difference(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            bumped = x.copy()
            bumped[i] += h
            grad[i] = (f(bumped) - f(x)) / h
        return grad

    fails_with(B.check_numeric_gradient, forward_difference, "one-sided")


def test_train_digits_judges_held_out_accuracy():
    def chance(X, y, seed=0):
        rng = np.random.default_rng(seed)
        return {"W1": rng.normal(size=(64, 8)), "b1": np.zeros(8), "W2": rng.normal(size=(8, 10)), "b2": np.zeros(10)}

    message = fails_with(B.check_train_digits, chance, "held-out digits", "at least 90%")
    assert "%" in message


# --------------------------------------------------------------------------- optimizers


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.velocity = lr, momentum, {}

    def step(self, params, grads):
        for key, p in params.items():
            v = self.velocity.setdefault(key, np.zeros_like(p))
            v *= self.momentum
            v -= self.lr * grads[key]
            p += v


class Adam:
    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, per_key_t=False, correct=True):
        self.lr, self.b1, self.b2, self.eps = lr, beta_1, beta_2, epsilon
        self.t, self.m, self.v, self.correct = 0, {}, {}, correct

    def step(self, params, grads):
        self.t += 1
        alpha = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t) if self.correct else self.lr
        for key, p in params.items():
            m = self.m.setdefault(key, np.zeros_like(p))
            v = self.v.setdefault(key, np.zeros_like(p))
            m[...] = self.b1 * m + (1 - self.b1) * grads[key]
            v[...] = self.b2 * v + (1 - self.b2) * grads[key] ** 2
            p -= alpha * m / (np.sqrt(v) + self.eps)


def test_optimizer_checks_pass_correct_code():
    O.check_momentum(Momentum, hidden=True)
    O.check_adam(Adam, hidden=True)

    def minibatch_indices(n, batch_size, rng):
        order = rng.permutation(n)
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]

    O.check_minibatch_indices(minibatch_indices, hidden=True)


def test_optimizer_misconceptions():
    fails_with(O.check_adam, functools.partial(Adam, correct=False), "without bias correction")

    class Rebinds(Momentum):
        def step(self, params, grads):
            for key in list(params):
                params[key] = params[key] - self.lr * grads[key]

    fails_with(O.check_momentum, Rebinds, "in place")
    def drops_last(n, batch_size, rng):
        order = rng.permutation(n)
        return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]

    fails_with(O.check_minibatch_indices, drops_last, "Keep the last, shorter batch")
