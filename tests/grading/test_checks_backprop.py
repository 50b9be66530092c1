"""The checks of the assignment backprop (course_pkg.checks.backprop): right code passes the visible and the
hidden cases, honest unusual code keeps its marks, each misconception gets its message, each part is judged
on its own, and hidden kinds are all visible.

The learner functions are written independently of the references, the way a learner would.
"""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import assert_hidden_kinds_are_visible, fails_with, judge_like_the_grader, numbers_in

from course_pkg.checks import backprop as B
from course_pkg.numpy_nn import activations, layers


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z):
    return sigmoid(z) * (1 - sigmoid(z))


def relu_grad(z):
    return (np.asarray(z) > 0).astype(float)


def softmax_cross_entropy(logits, y):
    logits = np.asarray(logits, dtype=float)
    n = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    d = np.exp(log_p)
    d[np.arange(n), y] -= 1
    return float(-log_p[np.arange(n), y].mean()), d / n


def dense_forward(X, W, b):
    return X @ W + b, (X, W)


def dense_backward(dY, cache):
    X, W = cache
    return dY @ W.T, X.T @ dY, dY.sum(axis=0)


def numeric_grad(f, x, h=1e-5):
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


def mlp_loss_and_grads(params, X, y):
    Z1, cache1 = dense_forward(X, params["W1"], params["b1"])
    A1 = np.maximum(Z1, 0)
    logits, cache2 = dense_forward(A1, params["W2"], params["b2"])
    loss, dlogits = softmax_cross_entropy(logits, y)
    dA1, dW2, db2 = dense_backward(dlogits, cache2)
    _, dW1, db1 = dense_backward(dA1 * relu_grad(Z1), cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def train_digits(X, y, seed=0, epochs=20, learning_rate=0.5):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(scale=0.17, size=(X.shape[1], 48)), "b1": np.zeros(48),
              "W2": rng.normal(scale=0.2, size=(48, 10)), "b2": np.zeros(10)}
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 32):
            batch = order[start:start + 32]
            _, grads = mlp_loss_and_grads(params, X[batch], y[batch])
            for key in params:
                params[key] -= learning_rate * grads[key]
    return params


SOLUTIONS = {f.__name__: f for f in (sigmoid_grad, relu_grad, softmax_cross_entropy, dense_backward, numeric_grad,
                                     mlp_loss_and_grads, train_digits)}
CHECKS = {part.target: getattr(B, f"check_{part.target}") for part in B.PARTS}


def test_correct_code_passes_every_visible_case(capsys):
    for name, check in CHECKS.items():
        check(SOLUTIONS[name])
    assert capsys.readouterr().out.count("passed") == len(B.PARTS)


@pytest.mark.parametrize("part", B.PARTS, ids=lambda p: p.grade_id)
def test_correct_code_passes_the_hidden_cases_too(part):
    verdict = judge_like_the_grader(part, SOLUTIONS[part.target])
    assert verdict.passed and verdict.n_hidden > 0, verdict.message


@pytest.mark.parametrize("part", B.PARTS, ids=lambda p: p.grade_id)
def test_every_hidden_kind_has_a_visible_representative(part):
    assert_hidden_kinds_are_visible(part)


def test_honest_unusual_solutions_keep_their_marks(capsys):
    def sigmoid_grad32(z):  # float32 arithmetic, and a print
        print("differentiating")
        e = np.exp(-np.abs(np.asarray(z, dtype=np.float32)))
        return e / (1 + e) ** 2

    def dense_backward_einsum(dY, cache):  # einsum, and lists where arrays are accepted
        X, W = cache
        return np.einsum("nm,dm->nd", dY, W), np.einsum("nd,nm->dm", X, dY).tolist(), list(dY.sum(axis=0))

    def numeric_grad_slow(f, x, h=1e-5):  # a flat loop over a view, warnings on the way
        import warnings

        flat, grad = x.reshape(-1), np.zeros(x.size)
        for i in range(x.size):
            warnings.warn("slow on purpose", UserWarning)
            old = flat[i]
            flat[i] = old + h
            up = f(x)
            flat[i] = old - h
            grad[i] = (up - f(x)) / (2 * h)
            flat[i] = old
        return grad.reshape(x.shape)

    namespace = {"np": np}  # a helper named like a reference function
    exec("def relu(z):\n    return np.maximum(z, 0)\n"
         "def relu_grad(z):\n    return (relu(np.asarray(z, dtype=float)) > 0) * 1.0\n", namespace)

    with pytest.warns(UserWarning):
        B.check_numeric_grad(numeric_grad_slow)
    B.check_sigmoid_grad(sigmoid_grad32)
    B.check_dense_backward(dense_backward_einsum)
    B.check_relu_grad(namespace["relu_grad"])
    B.check_softmax_cross_entropy(lambda z, y: (np.float32(softmax_cross_entropy(z, y)[0]),
                                                softmax_cross_entropy(z, y)[1].astype(np.float32)))
    assert capsys.readouterr().out.count("passed") == 5


def test_each_misconception_gets_its_message():
    fails_with(B.check_sigmoid_grad, lambda z: z * (1 - z), "applied to z itself")
    naive = lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2  # noqa: E731
    fails_with(B.check_sigmoid_grad, naive, "'huge magnitudes (near -1000 and 1000)'", "overflowed", "exp(-|z|)")
    fails_with(B.check_relu_grad, lambda z: (np.asarray(z) >= 0).astype(float), "derivative 0")
    fails_with(B.check_relu_grad, lambda z: np.maximum(z, 0), "relu(z) itself")
    fails_with(B.check_softmax_cross_entropy, lambda z, y: (softmax_cross_entropy(z, y)[0],
                                                            softmax_cross_entropy(z, y)[1] * len(z)), "N times too large")
    fails_with(B.check_softmax_cross_entropy, lambda z, y: (softmax_cross_entropy(z, y)[0] * len(z),
                                                            softmax_cross_entropy(z, y)[1]), "the mean: divide by N")
    fails_with(B.check_softmax_cross_entropy, lambda z, y: (softmax_cross_entropy(z, y)[0],
                                                            -softmax_cross_entropy(z, y)[1]), "wrong sign")

    def naive_ce(logits, y):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return float(-np.log(p[np.arange(len(y)), y]).mean()), p

    fails_with(B.check_softmax_cross_entropy, naive_ce, "overflowed", "log-sum-exp")
    fails_with(B.check_softmax_cross_entropy, lambda z, y: softmax_cross_entropy(z, y)[1], "the pair (loss, dlogits)")
    fails_with(B.check_dense_backward, lambda dY, c: (dY @ c[1].T, dY.T @ c[0], dY.sum(0)),
               "dW has shape", "it must have the shape of W")
    fails_with(B.check_dense_backward, lambda dY, c: (dY @ c[1].T, c[0].T @ dY, dY), "sum dY over the batch")
    fails_with(B.check_dense_backward, lambda dY, c: (dY @ c[1].T, c[0].T @ dY / len(dY), dY.sum(0)),
               "dW is divided by N")
    fails_with(B.check_dense_backward, lambda dY, X, W: (dY @ W.T, X.T @ dY, dY.sum(0)), "X, W = cache")

    def forward_difference(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            bumped = x.copy()
            bumped[i] += h
            grad[i] = (f(bumped) - f(x)) / h
        return grad

    fails_with(B.check_numeric_grad, forward_difference, "one-sided")

    def on_copies(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[i] += h
            down[i] -= h
            grad[i] = (f(up) - f(down)) / (2 * h)
        return grad

    fails_with(B.check_numeric_grad, on_copies, "reads x through a closure", "in place")

    def not_restored(f, x, h=1e-5):
        grad = numeric_grad(f, x, h)
        x += h
        return grad

    fails_with(B.check_numeric_grad, not_restored, "put each entry back")

    def skips_relu(params, X, y):
        Z1, cache1 = dense_forward(X, params["W1"], params["b1"])
        logits, cache2 = dense_forward(np.maximum(Z1, 0), params["W2"], params["b2"])
        loss, dlogits = softmax_cross_entropy(logits, y)
        dA1, dW2, db2 = dense_backward(dlogits, cache2)
        _, dW1, db1 = dense_backward(dA1, cache1)
        return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    fails_with(B.check_mlp_loss_and_grads, skips_relu, "through the ReLU")
    fails_with(B.check_mlp_loss_and_grads, lambda p, X, y: (mlp_loss_and_grads(p, X, y)[0], {}), "missing the key(s)")
    fails_with(B.check_mlp_loss_and_grads, lambda p, X, y: (1.0, mlp_loss_and_grads(p, X, y)[1]), "forward pass")

    def ascent(X, y, seed=0):
        params = train_digits(X, y, seed, epochs=2, learning_rate=-0.5)
        return params

    fails_with(B.check_train_digits, ascent, "held-out digits", "at least 90%")


def test_each_part_is_judged_on_its_own():
    # Wrong helpers in the learner's namespace cost only their own parts.
    namespace = {"np": np, "softmax_cross_entropy": lambda z, y: (0.0, np.zeros_like(z)),
                 "dense_forward": dense_forward, "dense_backward": lambda dY, cache: (dY, dY, dY),
                 "relu_grad": lambda z: np.ones_like(z)}
    exec("def mlp_loss_and_grads(params, X, y):\n"
         "    Z1, c1 = dense_forward(X, params['W1'], params['b1'])\n"
         "    logits, c2 = dense_forward(np.maximum(Z1, 0), params['W2'], params['b2'])\n"
         "    loss, d = softmax_cross_entropy(logits, y)\n"
         "    dA1, dW2, db2 = dense_backward(d, c2)\n"
         "    _, dW1, db1 = dense_backward(dA1 * relu_grad(Z1), c1)\n"
         "    return loss, {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}\n", namespace)
    broken = namespace["dense_backward"]
    assert judge_like_the_grader(B.MLP_LOSS_AND_GRADS, namespace["mlp_loss_and_grads"]).passed
    assert namespace["dense_backward"] is broken


def test_train_digits_is_judged_on_digits_it_never_sees():
    seen = []

    def spy(X, y, seed=0):
        seen.append(len(X))
        return train_digits(X, y, seed)

    B.check_train_digits(spy)
    (X_train, _), (X_test, _) = B.digits_split()
    assert seen == [len(X_train)] and len(X_test) > 400


def test_messages_never_contain_expected_values():
    message = fails_with(B.check_dense_backward, lambda dY, c: (dY @ c[1].T, c[0].T @ dY * 1.5, dY.sum(0)),
                         "dW is wrong")
    case = B.DENSE_BACKWARD.visible_cases()[0]
    expected = layers.dense_backward(*case.inputs["args"])[1]
    assert not any(np.isclose(expected, n, rtol=1e-3).any() for n in numbers_in(message) if n not in (0.0, 1.0))


def test_blank_and_reference_code_are_explained():
    def blank(z):
        raise NotImplementedError()

    fails_with(B.check_sigmoid_grad, blank, "not written yet")
    fails_with(B.check_sigmoid_grad, activations.sigmoid_grad, "reference implementation")
    fails_with(B.check_dense_backward, lambda dY, cache: layers.dense_backward(dY, cache), "course_pkg.numpy_nn")
