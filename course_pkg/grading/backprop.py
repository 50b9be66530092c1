"""Checks for the assignment ``backprop``: gradients of activations, losses and dense
layers, a numeric gradient, a whole network's backward pass, and training on digits.

References: :mod:`course_pkg.numpy_nn.activations`, :mod:`~course_pkg.numpy_nn.losses`,
:mod:`~course_pkg.numpy_nn.layers`, :mod:`~course_pkg.numpy_nn.gradcheck` and
:mod:`~course_pkg.numpy_nn.network`. The network of the assignment is
``X (N, D) -> Dense(H) -> ReLU -> Dense(C) -> softmax cross-entropy`` with
parameters ``{"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}``.
"""

from __future__ import annotations

import sys

import numpy as np

from course_pkg.grading._core import (
    Case,
    CheckFailed,
    as_result_array,
    call_learner,
    check_cases,
    close,
    compare,
    passed,
    require_callable,
)
from course_pkg.numpy_nn import activations, batching, gradcheck, layers, losses, network, optimizers

__all__ = [
    "check_sigmoid_grad",
    "check_relu_grad",
    "check_softmax_cross_entropy",
    "check_dense_backward",
    "check_numeric_gradient",
    "check_mlp_loss_and_grads",
    "check_train_digits",
    "PARAM_KEYS",
]

PARAM_KEYS = ("W1", "b1", "W2", "b2")
# The learner's code may call none of these: the references, and this module's own helpers.
_FORBIDDEN = (activations, losses, layers, gradcheck, network, optimizers, batching, sys.modules[__name__])
_STRICT = {"over": "raise", "invalid": "raise"}


# --------------------------------------------------------------------------- stand-ins
# Known-good versions of the learner's helpers, swapped in by name while another part is
# checked, so that each part is graded on its own. Self-contained NumPy: no reference calls.


def _relu_grad_stand_in(z):
    return (np.asarray(z) > 0).astype(float)


def _sigmoid_grad_stand_in(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1 + e) ** 2


def _softmax_ce_stand_in(logits, y):
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(-log_probs[np.arange(n), y].mean()), dlogits / n


def _dense_backward_stand_in(dY, X, W):
    return dY @ W.T, X.T @ dY, dY.sum(axis=0)


def _mlp_stand_in(params, X, y):
    X = np.asarray(X, dtype=float)
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0)
    loss, dlogits = _softmax_ce_stand_in(A1 @ params["W2"] + params["b2"], y)
    dA1, dW2, db2 = _dense_backward_stand_in(dlogits, A1, params["W2"])
    _, dW1, db1 = _dense_backward_stand_in(dA1 * (Z1 > 0), X, params["W1"])
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


_STAND_INS = {
    "relu_grad": _relu_grad_stand_in,
    "sigmoid_grad": _sigmoid_grad_stand_in,
    "softmax_cross_entropy": _softmax_ce_stand_in,
    "dense_backward": _dense_backward_stand_in,
}
_STAND_INS_TRAIN = {**_STAND_INS, "mlp_loss_and_grads": _mlp_stand_in}


# --------------------------------------------------------------------------- activation gradients


def check_sigmoid_grad(sigmoid_grad, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``sigmoid_grad(z)``: the derivative of the sigmoid at the pre-activation ``z``."""
    rng = np.random.default_rng(seed)
    cases = [
        Case("values from -4 to 4", (np.linspace(-4, 4, 9),)),
        Case("a batch, shape (3, 4)", (rng.normal(scale=2, size=(3, 4)),)),
    ]
    if hidden:
        cases += [
            Case("huge magnitudes (-1000 and 1000)", (np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]),)),
            Case("integer input", (np.array([[-2, 0, 3]]),)),
            Case("a batch of one", (rng.normal(size=(1, 5)),)),
        ]

    def diagnose(case, got, expected):
        z = case.args[0].astype(float)
        if close(got, z * (1 - z)):
            return ("that is a * (1 - a) applied to z itself: the formula needs the sigmoid's output, "
                    "sigmoid(z) * (1 - sigmoid(z))")
        return None

    n = check_cases(sigmoid_grad, cases, activations.sigmoid_grad, name="sigmoid_grad", references=_FORBIDDEN,
                    diagnose=diagnose, errstate=_STRICT, on_error=_overflow("sigmoid_grad"), stand_ins=_STAND_INS)
    passed("sigmoid_grad", n)


def _overflow(name):
    def on_error(err, case):
        if isinstance(err, FloatingPointError):
            return (f"{name} overflowed on the case '{case.name}': compute exp(-|z|), which never "
                    "overflows, as in the stable sigmoid")
        return None

    return on_error


def check_relu_grad(relu_grad, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``relu_grad(z)``: 1 where z > 0, else 0 (0 at the kink z = 0, as in TensorFlow)."""
    rng = np.random.default_rng(seed)
    cases = [
        Case("mixed signs", (rng.normal(size=(4, 3)),)),
        Case("z exactly 0", (np.array([-1.0, 0.0, 2.0]),)),
    ]
    if hidden:
        cases += [
            Case("integer input", (np.array([[-3, 0, 5]]),)),
            Case("a batch of one", (rng.normal(size=(1, 6)),)),
        ]

    def diagnose(case, got, expected):
        z = case.args[0]
        if close(got, (z >= 0).astype(float)):
            return "at z = 0 use the derivative 0 (z > 0), as TensorFlow does"
        if close(got, np.maximum(z, 0)):
            return "that is relu(z) itself; its derivative is 1 where z > 0 and 0 elsewhere"
        return None

    n = check_cases(relu_grad, cases, activations.relu_grad, name="relu_grad", references=_FORBIDDEN,
                    diagnose=diagnose, stand_ins=_STAND_INS)
    passed("relu_grad", n)


# --------------------------------------------------------------------------- loss


def check_softmax_cross_entropy(softmax_cross_entropy, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``softmax_cross_entropy(logits, y) -> (loss, dlogits)``.

    ``logits`` is (N, C), ``y`` holds N integer labels; ``loss`` is the mean
    over the batch of ``-log softmax(logits)[n, y[n]]`` and ``dlogits`` the
    gradient of that mean, ``(softmax(logits) - onehot(y)) / N``.
    """
    require_callable(softmax_cross_entropy, name="softmax_cross_entropy")
    rng = np.random.default_rng(seed)
    cases = [
        Case("4 samples, 3 classes", (rng.normal(size=(4, 3)), np.array([0, 2, 1, 2]))),
        Case("huge logits (1000)", (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]), np.array([1, 2]))),
    ]
    if hidden:
        cases += [
            Case("a batch of one", (rng.normal(size=(1, 5)), np.array([3]))),
            Case("two classes, 7 samples", (rng.normal(scale=3, size=(7, 2)), rng.integers(0, 2, 7))),
            Case("confident and right", (np.array([[50.0, -50.0, 0.0]]), np.array([0]))),
            Case("integer logits", (rng.integers(-3, 4, size=(5, 4)), rng.integers(0, 4, 5))),
        ]
    for case in cases:
        got = call_learner(softmax_cross_entropy, case, name="softmax_cross_entropy", references=_FORBIDDEN,
                           errstate=_STRICT, stand_ins=_STAND_INS, on_error=_ce_overflow)
        if not isinstance(got, tuple) or len(got) != 2:
            raise CheckFailed(
                f"softmax_cross_entropy must return the pair (loss, dlogits); got {type(got).__name__} "
                f"on the case '{case.name}'."
            )
        loss, dlogits = got
        exp_loss, exp_d = losses.softmax_cross_entropy(*case.args)
        n = case.args[0].shape[0]
        loss_arr = as_result_array(loss, name="softmax_cross_entropy", what="the loss", case=case)
        if loss_arr.size != 1:
            raise CheckFailed(
                f"softmax_cross_entropy: the loss must be one number (the mean over the batch); got shape "
                f"{loss_arr.shape} on the case '{case.name}'."
            )
        loss_value = float(loss_arr.reshape(()))
        if not np.isfinite(loss_value):
            raise CheckFailed(
                f"softmax_cross_entropy: the loss is not finite on the case '{case.name}': compute "
                "log softmax as z - max - log(sum(exp(z - max))) (log-sum-exp) instead of log(softmax)."
            )
        if n > 1 and close(loss_value, exp_loss * n) and not close(loss_value, exp_loss):
            raise CheckFailed(
                f"softmax_cross_entropy: the loss is the sum over the batch (case '{case.name}'); "
                "the course uses the mean: divide by N."
            )
        if not close(loss_value, exp_loss, rtol=1e-6, atol=1e-8):
            raise CheckFailed(f"softmax_cross_entropy: the loss is wrong on the case '{case.name}'.")
        d = as_result_array(dlogits, name="softmax_cross_entropy", what="dlogits", case=case)
        if close(d, exp_d, rtol=1e-6, atol=1e-10):
            continue
        if n > 1 and close(d, exp_d * n) and not close(d, exp_d):
            raise CheckFailed(
                f"softmax_cross_entropy: dlogits is N times too large (case '{case.name}'): the loss is a "
                "mean over the batch, so its gradient is (p - y) / N."
            )
        if close(d, -exp_d):
            raise CheckFailed(
                f"softmax_cross_entropy: dlogits has the wrong sign (case '{case.name}'): it is p - y, "
                "the probabilities minus the one-hot labels."
            )
        compare(d, exp_d, name="softmax_cross_entropy", what="dlogits", case=case, rtol=1e-6, atol=1e-10,
                shape_hint="dlogits has the shape of the logits, (N, C).")
    passed("softmax_cross_entropy", len(cases))


def _ce_overflow(err, case):
    if isinstance(err, FloatingPointError):
        return (f"softmax_cross_entropy overflowed on the case '{case.name}': subtract each row's max "
                "from the logits before exponentiating (log-sum-exp)")
    return None


# --------------------------------------------------------------------------- dense backward


def check_dense_backward(dense_backward, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``dense_backward(dY, X, W) -> (dX, dW, db)`` for ``Y = X @ W + b``.

    ``dX = dY @ W.T`` (N, D), ``dW = X.T @ dY`` (D, M), ``db = dY.sum(axis=0)`` (M,).
    """
    require_callable(dense_backward, name="dense_backward")
    rng = np.random.default_rng(seed)

    def case(name, n, d, m):
        return Case(name, (rng.normal(size=(n, m)), rng.normal(size=(n, d)), rng.normal(size=(d, m))))

    cases = [case("N=5, D=4, M=3", 5, 4, 3)]
    if hidden:
        cases += [
            case("a batch of one, D=6, M=2", 1, 6, 2),
            case("more units than inputs, D=2, M=7", 3, 2, 7),
            case("N=64, D=128, M=10", 64, 128, 10),
        ]
    for c in cases:
        got = call_learner(dense_backward, c, name="dense_backward", references=_FORBIDDEN, stand_ins=_STAND_INS)
        if not isinstance(got, tuple) or len(got) != 3:
            raise CheckFailed(
                f"dense_backward must return the triple (dX, dW, db); got {type(got).__name__} on the case "
                f"'{c.name}'."
            )
        dY, X, W = c.args
        expected = layers.dense_backward(dY, (X, W))
        for label, value, want, shape_name in zip(("dX", "dW", "db"), got, expected, ("X", "W", "b")):
            arr = as_result_array(value, name="dense_backward", what=label, case=c)
            if arr.shape != want.shape:
                if label == "dW" and arr.shape == want.shape[::-1]:
                    raise CheckFailed(
                        f"dense_backward: your dW has shape {arr.shape}; it must have the shape of W, "
                        f"{want.shape} (case '{c.name}'). dW = X.T @ dY."
                    )
                if label == "db" and arr.shape == dY.shape:
                    raise CheckFailed(
                        f"dense_backward: db has shape {arr.shape}; it must have the shape of b, "
                        f"{want.shape}: sum dY over the batch, dY.sum(axis=0) (case '{c.name}')."
                    )
                raise CheckFailed(
                    f"dense_backward: {label} has shape {arr.shape}; it must have the shape of {shape_name}, "
                    f"{want.shape} (case '{c.name}')."
                )
            if close(arr, want):
                continue
            if label == "dW" and X.shape[0] > 1 and close(arr, want / X.shape[0]):
                raise CheckFailed(
                    f"dense_backward: dW is divided by N (case '{c.name}'); dY already carries the 1/N of "
                    "the mean loss, so dW = X.T @ dY without another division."
                )
            compare(arr, want, name="dense_backward", what=label, case=c)
    passed("dense_backward", len(cases))


# --------------------------------------------------------------------------- numeric gradient


def _cubic(x):
    return float(np.sum(x**3) + 0.5 * np.sum(x))


def _sine_product(x):
    return float(np.sum(np.sin(x) * np.cos(2 * x.ravel()[0])))


def _quadratic_form(x):
    v = x.ravel()
    return float((v**2 * np.arange(1, v.size + 1)).sum())


def check_numeric_gradient(numeric_gradient, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``numeric_gradient(f, x, h=1e-5)``: centred differences, ``x`` restored afterwards.

    Entry ``i`` of the result is ``(f(x + h e_i) - f(x - h e_i)) / (2h)``; the
    result has ``x``'s shape.
    """
    require_callable(numeric_gradient, name="numeric_gradient")
    rng = np.random.default_rng(seed)
    cases = [Case("f(x) = sum(x**3) + sum(x)/2 at a (2, 3) point", (_cubic, rng.normal(size=(2, 3))))]
    if hidden:
        cases += [
            Case("a product of sines and cosines, shape (4,)", (_sine_product, rng.normal(size=4))),
            Case("a weighted sum of squares, shape (3, 2)", (_quadratic_form, rng.normal(size=(3, 2)))),
            Case("a single entry", (_cubic, np.array([[0.7]]))),
            Case("h = 1e-4", (_cubic, rng.normal(size=5)), {"h": 1e-4}),
        ]
    for c in cases:
        f, x = c.args
        got = call_learner(numeric_gradient, c, name="numeric_gradient", references=_FORBIDDEN,
                           allowed=(_cubic, _sine_product, _quadratic_form))
        got = as_result_array(got, name="numeric_gradient", what="the gradient", case=c)
        expected = gradcheck.numeric_grad(f, x.copy(), **c.kwargs)
        h = c.kwargs.get("h", 1e-5)
        forward = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            bumped = x.copy()
            bumped[i] += h
            forward[i] = (f(bumped) - f(x)) / h
        if got.shape == x.shape and close(got, forward, rtol=1e-9, atol=1e-12) and not close(forward, expected, rtol=1e-8, atol=1e-10):
            raise CheckFailed(
                f"numeric_gradient uses a one-sided difference (f(x + h) - f(x)) / h on the case '{c.name}'; "
                "use the centred difference (f(x + h) - f(x - h)) / (2h): its error is of order h**2, not h."
            )
        compare(got, expected, name="numeric_gradient", what="the gradient", case=c, rtol=1e-6, atol=1e-8,
                shape_hint="The gradient has the shape of x.")
    passed("numeric_gradient", len(cases))


# --------------------------------------------------------------------------- the whole network


def _init(rng, d, h, c, scale=0.5):
    return {"W1": rng.normal(scale=scale, size=(d, h)), "b1": rng.normal(scale=0.1, size=h),
            "W2": rng.normal(scale=scale, size=(h, c)), "b2": rng.normal(scale=0.1, size=c)}


def _mlp_reference(params, X, y):
    """Loss and gradients of the two-layer network, from the library's layers and losses."""
    Z1, cache1 = layers.dense_forward(X, params["W1"], params["b1"])
    A1 = activations.relu(Z1)
    logits, cache2 = layers.dense_forward(A1, params["W2"], params["b2"])
    loss, dlogits = losses.softmax_cross_entropy(logits, y)
    dA1, dW2, db2 = layers.dense_backward(dlogits, cache2)
    _, dW1, db1 = layers.dense_backward(dA1 * activations.relu_grad(Z1), cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def check_mlp_loss_and_grads(mlp_loss_and_grads, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``mlp_loss_and_grads(params, X, y) -> (loss, grads)`` of the two-layer network.

    ``grads`` has the keys of ``params`` (W1, b1, W2, b2), each gradient with
    its parameter's shape.
    """
    require_callable(mlp_loss_and_grads, name="mlp_loss_and_grads")
    rng = np.random.default_rng(seed)

    def case(name, n, d, h, c):
        return Case(name, (_init(rng, d, h, c), rng.normal(size=(n, d)), rng.integers(0, c, n)))

    cases = [case("N=6, D=4, H=5, C=3", 6, 4, 5, 3)]
    if hidden:
        cases += [
            case("a batch of one", 1, 3, 4, 2),
            case("wide hidden layer, H=16", 8, 2, 16, 4),
            case("N=20, D=10, H=3, C=5", 20, 10, 3, 5),
        ]
    for c in cases:
        got = call_learner(mlp_loss_and_grads, c, name="mlp_loss_and_grads", references=_FORBIDDEN,
                           stand_ins=_STAND_INS)
        if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[1], dict):
            raise CheckFailed(
                "mlp_loss_and_grads must return (loss, grads) with grads a dict keyed like params; got "
                f"{type(got).__name__} on the case '{c.name}'."
            )
        loss, grads = got
        exp_loss, exp_grads = _mlp_reference(*c.args)
        missing = [k for k in PARAM_KEYS if k not in grads]
        if missing:
            raise CheckFailed(f"mlp_loss_and_grads: grads is missing the key(s) {missing}.")
        if not close(float(np.asarray(loss).reshape(())), exp_loss):
            raise CheckFailed(f"mlp_loss_and_grads: the loss is wrong on the case '{c.name}' (forward pass).")
        wrong = []
        for key in PARAM_KEYS:
            arr = as_result_array(grads[key], name="mlp_loss_and_grads", what=f"grads['{key}']", case=c)
            want = exp_grads[key]
            if arr.shape != want.shape:
                raise CheckFailed(
                    f"mlp_loss_and_grads: your grads['{key}'] has shape {arr.shape}; it must have the shape "
                    f"of params['{key}'], {want.shape} (case '{c.name}')."
                )
            if not close(arr, want, rtol=1e-6, atol=1e-9):
                wrong.append(key)
        if wrong == ["W1", "b1"]:
            raise CheckFailed(
                f"mlp_loss_and_grads: the output layer's gradients are right but W1 and b1 are wrong (case "
                f"'{c.name}'): check the backward pass through the ReLU, dZ1 = dA1 * (Z1 > 0)."
            )
        if wrong:
            raise CheckFailed(f"mlp_loss_and_grads: the gradients {wrong} are wrong on the case '{c.name}'.")
    passed("mlp_loss_and_grads", len(cases))


# --------------------------------------------------------------------------- training


def digits_split(seed: int = 0):
    """The digits split the assignment trains and tests on: (train, test) pairs of (X, y), float64."""
    from course_pkg import data

    X, y = data.load_digits()
    (X_tr, y_tr), _, (X_te, y_te) = data.train_val_test_split(
        X.astype(np.float64), y, val_size=0, test_size=0.25, seed=seed
    )
    return (X_tr, y_tr), (X_te, y_te)


def accuracy_of(params, X, y) -> float:
    """Accuracy of the two-layer network with ``params`` on (X, y), by the library's forward pass."""
    Z1, _ = layers.dense_forward(X, params["W1"], params["b1"])
    logits, _ = layers.dense_forward(activations.relu(Z1), params["W2"], params["b2"])
    return float(np.mean(np.argmax(logits, axis=1) == y))


def check_train_digits(train_digits, *, min_accuracy: float = 0.9, seed: int = 0) -> None:
    """Check ``train_digits(X, y, seed=0) -> params`` reaches ``min_accuracy`` on held-out digits.

    The check trains with the learner's function on 75 % of scikit-learn's
    digits and measures the accuracy of the returned parameters on the other
    25 %, which the function never sees, with the library's forward pass.
    """
    require_callable(train_digits, name="train_digits")
    (X_tr, y_tr), (X_te, y_te) = digits_split(seed)
    c = Case("digits, 75 % for training", (X_tr, y_tr), {"seed": seed})
    params = call_learner(train_digits, c, name="train_digits", references=_FORBIDDEN, stand_ins=_STAND_INS_TRAIN)
    if not isinstance(params, dict) or any(k not in params for k in PARAM_KEYS):
        raise CheckFailed(f"train_digits must return the dict of parameters with keys {list(PARAM_KEYS)}.")
    try:
        params = {k: np.asarray(params[k], dtype=np.float64) for k in PARAM_KEYS}
        acc = accuracy_of(params, X_te, y_te)
    except (ValueError, TypeError) as err:
        raise CheckFailed(f"train_digits returned parameters that do not fit the network: {err}") from err
    if not np.all([np.all(np.isfinite(v)) for v in params.values()]):
        raise CheckFailed("train_digits: the parameters contain NaN or infinity; lower the learning rate.")
    if acc < min_accuracy:
        raise CheckFailed(
            f"train_digits: the trained network classifies {acc:.1%} of the held-out digits correctly; "
            f"at least {min_accuracy:.0%} is needed. Check the update direction (params -= lr * grads), "
            "the learning rate, and that every epoch visits every sample."
        )
    print(f"train_digits: held-out accuracy {acc:.1%} (at least {min_accuracy:.0%} needed).")
