"""Checks of the assignment ``backprop``: activation gradients, the fused softmax cross-entropy,
the backward pass of a dense layer, a numeric gradient, a whole network's gradients, and
training on the digits.

One :class:`~course_pkg.checks.Part` per graded function, in ``PARTS``; the notebook's test
cells call ``check_<name>(<name>)``, which runs the visible cases. Every kind of case the grader
draws hidden values for (huge magnitudes, z exactly 0, integer input, a batch of one, non-square
layers, a function read through a closure ...) is among the visible cases.

The learner writes the reference's own functions, with its signatures: ``sigmoid_grad(z)``,
``relu_grad(z)``, ``softmax_cross_entropy(logits, y)``, ``dense_backward(dY, cache)`` for the
``cache = (X, W)`` of ``dense_forward(X, W, b)``, and ``numeric_grad(f, x, h=1e-5)``. References:
:mod:`course_pkg.numpy_nn`, imported only when a check runs. The network of the assignment is
``X (N, D) -> Dense(H) -> ReLU -> Dense(C) -> softmax cross-entropy`` with parameters
``{"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}``.
"""

from __future__ import annotations

import functools

import numpy as np

from course_pkg.checks import probes
from course_pkg.checks._core import (
    Case,
    Part,
    arguments,
    as_number_array,
    close,
    compare_arrays,
    describe,
    elementwise_judge,
    reference_named,
    returned_array,
    returned_arrays,
    returned_tuple,
    run_check,
)

__all__ = [
    "PARTS",
    "PARAM_KEYS",
    "digits_split",
    "accuracy_of",
    "check_sigmoid_grad",
    "check_relu_grad",
    "check_softmax_cross_entropy",
    "check_dense_backward",
    "check_numeric_grad",
    "check_mlp_loss_and_grads",
    "check_train_digits",
]

PARAM_KEYS = ("W1", "b1", "W2", "b2")
# Overflow and 0/0 must not pass silently: the stable formulas raise neither.
_STRICT = {"over": "raise", "invalid": "raise"}


def _numpy_nn(name: str):
    return reference_named("course_pkg.numpy_nn", name)


def _activations(name: str):
    return reference_named("course_pkg.numpy_nn.activations", name)


# --------------------------------------------------------------------------- stand-ins
# Known-good versions of the learner's helpers, swapped in by name while another part is
# checked, so that each part is graded on its own. Plain NumPy: no reference calls.


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


def _dense_forward_stand_in(X, W, b):
    return X @ W + b, (X, W)


def _dense_backward_stand_in(dY, cache):
    X, W = cache
    return dY @ W.T, X.T @ dY, dY.sum(axis=0)


def _mlp_stand_in(params, X, y):
    X = np.asarray(X, dtype=float)
    Z1, cache1 = _dense_forward_stand_in(X, params["W1"], params["b1"])
    logits, cache2 = _dense_forward_stand_in(np.maximum(Z1, 0), params["W2"], params["b2"])
    loss, dlogits = _softmax_ce_stand_in(logits, y)
    dA1, dW2, db2 = _dense_backward_stand_in(dlogits, cache2)
    _, dW1, db1 = _dense_backward_stand_in(dA1 * (Z1 > 0), cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


_STAND_INS = {
    "relu_grad": _relu_grad_stand_in,
    "sigmoid_grad": _sigmoid_grad_stand_in,
    "softmax_cross_entropy": _softmax_ce_stand_in,
    "dense_forward": _dense_forward_stand_in,
    "dense_backward": _dense_backward_stand_in,
}
_STAND_INS_TRAIN = {**_STAND_INS, "mlp_loss_and_grads": _mlp_stand_in}


def probe_strict_call(fn, inputs: dict) -> dict:
    """Call ``fn`` with NumPy overflow and 0/0 turned into errors, and known-good helpers."""
    return probes.call(fn, inputs, stand_ins=_STAND_INS, errstate=_STRICT)


def probe_call(fn, inputs: dict) -> dict:
    """Call ``fn`` with known-good versions of the helpers of the other parts."""
    return probes.call(fn, inputs, stand_ins=_STAND_INS)


def _overflow_error(case: Case, error: dict) -> str | None:
    if error["type"] == "FloatingPointError":
        return "it overflowed: compute exp(-|z|), which never overflows, as in the stable sigmoid."
    return None


# --------------------------------------------------------------------------- Part 1: sigmoid_grad


def _sigmoid_grad_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("values from -4 to 4", arguments(np.linspace(-4, 4, 9)))]
    for _ in range(repeats):
        cases += [
            Case("a 2-D batch", arguments(rng.normal(scale=2, size=(3, int(rng.integers(2, 6)))))),
            Case("huge magnitudes (near -1000 and 1000)",
                 arguments(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]) + rng.uniform(-5, 5, 5))),
            Case("integer input", arguments(rng.integers(-4, 5, size=(1, 4)))),
            Case("a batch of one", arguments(rng.normal(size=(1, int(rng.integers(2, 7)))))),
        ]
    return cases


_judge_sigmoid_grad = elementwise_judge("the derivative", [
    (lambda z: z * (1 - z), "that is a * (1 - a) applied to z itself: the formula needs the sigmoid's output, "
                            "sigmoid(z) * (1 - sigmoid(z))."),
], shape_hint="The derivative keeps the shape of z.")


SIGMOID_GRAD = Part(
    grade_id="test_sigmoid_grad", title="Part 1a: the sigmoid's derivative", target="sigmoid_grad",
    probe=probe_strict_call, cases=_sigmoid_grad_cases, reference=functools.partial(_activations, "sigmoid_grad"),
    judge=_judge_sigmoid_grad, seed=3101, on_error=_overflow_error,
)


def check_sigmoid_grad(sigmoid_grad) -> None:
    """Check ``sigmoid_grad(z)``: the derivative of the sigmoid at the pre-activation ``z``,
    without overflow for |z| up to 1000."""
    __tracebackhide__ = True
    run_check(SIGMOID_GRAD, sigmoid_grad)


# --------------------------------------------------------------------------- Part 1b: relu_grad


def _relu_grad_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("z exactly 0", arguments(np.array([-1.0, 0.0, 2.0])))]
    for _ in range(repeats):
        cases += [
            Case("mixed signs", arguments(rng.normal(size=(4, 3)))),
            Case("integer input", arguments(rng.integers(-3, 4, size=(1, 5)) | np.array([0, 0, 0, 0, 1]))),
            Case("a batch of one", arguments(rng.normal(size=(1, int(rng.integers(2, 7)))))),
            Case("a 3-D array", arguments(rng.normal(size=(2, 3, 2)))),
        ]
    return cases


_judge_relu_grad = elementwise_judge("the derivative", [
    (lambda z: (z >= 0).astype(float), "at z = 0 use the derivative 0 (z > 0), as TensorFlow does."),
    (lambda z: np.maximum(z, 0), "that is relu(z) itself; its derivative is 1 where z > 0 and 0 elsewhere."),
], shape_hint="The derivative keeps the shape of z.")


RELU_GRAD = Part(
    grade_id="test_relu_grad", title="Part 1b: the ReLU's derivative", target="relu_grad",
    probe=probe_call, cases=_relu_grad_cases, reference=functools.partial(_activations, "relu_grad"),
    judge=_judge_relu_grad, seed=3102,
)


def check_relu_grad(relu_grad) -> None:
    """Check ``relu_grad(z)``: 1 where z > 0, else 0 (0 at the kink z = 0, as in TensorFlow)."""
    __tracebackhide__ = True
    run_check(RELU_GRAD, relu_grad)


# --------------------------------------------------------------------------- Part 2: softmax_cross_entropy


def _ce_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("huge logits (near 1000)", arguments(np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]),
                                                      np.array([1, 2])))]
    for _ in range(repeats):
        c = int(rng.integers(3, 6))
        cases += [
            Case("random logits", arguments(rng.normal(size=(4, c)), rng.integers(0, c, 4))),
            Case("a batch of one", arguments(rng.normal(size=(1, c)), rng.integers(0, c, 1))),
            Case("two classes", arguments(rng.normal(scale=3, size=(7, 2)), rng.integers(0, 2, 7))),
            Case("confident and right", arguments(np.array([[50.0, -50.0, 0.0]]) * rng.uniform(1, 2), np.array([0]))),
            Case("integer logits", arguments(rng.integers(-3, 4, size=(5, c)), rng.integers(0, c, 5))),
        ]
    return cases


def _ce_error(case: Case, error: dict) -> str | None:
    if error["type"] == "FloatingPointError":
        return ("it overflowed: subtract each row's max from the logits before exponentiating "
                "(log-sum-exp), so no exponent is positive.")
    return None


def _judge_ce(case: Case, got: dict, expected: dict) -> str | None:
    value, problem = returned_arrays(got, ("loss", "dlogits"))
    if problem:
        return problem
    loss, d = value
    if loss.size != 1:
        return f"the loss must be one number (the mean over the batch); it has shape {loss.shape}."
    loss = loss.reshape(())
    want_loss, want_d = expected["returned"]
    n = np.shape(case.inputs["args"][0])[0]
    if not np.isfinite(loss):
        return ("the loss is not finite: compute log softmax as z - max - log(sum(exp(z - max))) (log-sum-exp) "
                "instead of log(softmax(z)).")
    if n > 1 and close(loss, want_loss * n) and not close(loss, want_loss):
        return "the loss is the sum over the batch; the course uses the mean: divide by N."
    problem = compare_arrays(loss, want_loss, "the loss")
    if problem:
        return problem
    if d.shape == np.shape(want_d) and not close(d, want_d):
        if n > 1 and close(d, want_d * n):
            return "dlogits is N times too large: the loss is a mean over the batch, so its gradient is (p - y) / N."
        if close(d, -want_d):
            return "dlogits has the wrong sign: it is p - y, the probabilities minus the one-hot labels."
    return compare_arrays(d, want_d, "dlogits", shape_hint="dlogits has the shape of the logits, (N, C).")


SOFTMAX_CROSS_ENTROPY = Part(
    grade_id="test_softmax_cross_entropy", title="Part 2: softmax and cross-entropy, fused",
    target="softmax_cross_entropy", probe=probe_strict_call, cases=_ce_cases,
    reference=functools.partial(_numpy_nn, "softmax_cross_entropy"), judge=_judge_ce, seed=3201,
    on_error=_ce_error,
)


def check_softmax_cross_entropy(softmax_cross_entropy) -> None:
    """Check ``softmax_cross_entropy(logits, y) -> (loss, dlogits)``.

    ``logits`` is (N, C), ``y`` holds N integer labels; ``loss`` is the mean over the batch of
    ``-log softmax(logits)[n, y[n]]`` and ``dlogits`` its gradient, ``(softmax(logits) - onehot(y)) / N``.
    """
    __tracebackhide__ = True
    run_check(SOFTMAX_CROSS_ENTROPY, softmax_cross_entropy)


# --------------------------------------------------------------------------- Part 3: dense_backward


def _dense_backward_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    def case(kind, n, d, m, X=None):
        X = rng.normal(size=(n, d)) if X is None else X
        return Case(kind, arguments(rng.normal(size=(n, m)), (X, rng.normal(size=(d, m)))))

    cases = []
    for _ in range(repeats):
        n, d, m = (int(v) for v in rng.integers(2, 7, 3))
        cases += [
            case("a small layer", n + 1, d, m),
            case("a batch of one", 1, d + 1, m),
            case("more units than inputs", n, 2, m + 5),
            case("a larger layer", 64, 128, 10),
            case("integer inputs X", n, d, m, X=rng.integers(-3, 4, size=(n, d))),
        ]
    return cases


def _dense_backward_error(case: Case, error: dict) -> str | None:
    if error["type"] == "TypeError" and "positional argument" in error["message"]:
        return ("it must take two arguments, dense_backward(dY, cache), where cache = (X, W) is what "
                "dense_forward(X, W, b) returned next to Y: unpack it with X, W = cache.")
    return None


def _judge_dense_backward(case: Case, got: dict, expected: dict) -> str | None:
    value, problem = returned_arrays(got, ("dX", "dW", "db"))
    if problem:
        return problem
    dY, (X, _) = case.inputs["args"]
    for label, array, want, owner in zip(("dX", "dW", "db"), value, expected["returned"], ("X", "W", "b")):
        if array.shape != want.shape:
            if label == "dW" and array.shape == want.shape[::-1]:
                return f"dW has shape {array.shape}; it must have the shape of W, {want.shape}: dW = X.T @ dY."
            if label == "db" and array.shape == np.shape(dY):
                return f"db has shape {array.shape}; sum dY over the batch, dY.sum(axis=0), to get the shape of b."
            return f"{label} has shape {array.shape}; it must have the shape of {owner}, {want.shape}."
        if label == "dW" and X.shape[0] > 1 and close(array, want / X.shape[0]):
            return ("dW is divided by N; dY already carries the 1/N of the mean loss, so dW = X.T @ dY without "
                    "another division.")
        problem = compare_arrays(array, want, label)
        if problem:
            return problem
    return None


DENSE_BACKWARD = Part(
    grade_id="test_dense_backward", title="Part 3: the backward pass of a dense layer", target="dense_backward",
    probe=probe_call, cases=_dense_backward_cases, reference=functools.partial(_numpy_nn, "dense_backward"),
    judge=_judge_dense_backward, seed=3301, on_error=_dense_backward_error,
)


def check_dense_backward(dense_backward) -> None:
    """Check ``dense_backward(dY, cache) -> (dX, dW, db)`` for ``Y = X @ W + b``, ``cache = (X, W)``.

    ``dX = dY @ W.T`` (N, D), ``dW = X.T @ dY`` (D, M), ``db = dY.sum(axis=0)`` (M,).
    """
    __tracebackhide__ = True
    run_check(DENSE_BACKWARD, dense_backward)


# --------------------------------------------------------------------------- Part 4: numeric_grad
# The functions whose gradients the cases ask for. A case names one (functions are not data);
# the probe passes it, or a closure that reads the point itself, to the learner's numeric_grad.


def _cubic(x):
    return float(np.sum(x**3) + 0.5 * np.sum(x))


def _sine_product(x):
    return float(np.sum(np.sin(x) * np.cos(2 * x.ravel()[0])))


def _weighted_squares(x):
    v = x.ravel()
    return float((v**2 * np.arange(1, v.size + 1)).sum())


TEST_FUNCTIONS = {"cubic": _cubic, "sine product": _sine_product, "weighted squares": _weighted_squares}


def probe_numeric_grad(numeric_grad, inputs: dict) -> dict:
    """Call ``numeric_grad(f, x, ...)`` for the case's function; report whether ``x`` was put back.

    With ``inputs["closure"]``, ``f`` ignores its argument and reads ``x`` itself, as a gradient
    check of a network's weights does.
    """
    x = inputs["x"]
    before = x.copy()
    function = TEST_FUNCTIONS[inputs["function"]]
    f = (lambda _: function(x)) if inputs.get("closure") else function
    returned = numeric_grad(f, x, **inputs.get("kwargs", {}))
    return {"returned": returned, "restored": bool(np.array_equal(x, before))}


def _numeric_grad_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    def case(kind, function, x, closure=False, **kwargs):
        return Case(kind, {"function": function, "x": x, "closure": closure, "kwargs": kwargs})

    cases = [case("a single entry", "cubic", np.array([[0.7]]))]
    for _ in range(repeats):
        cases += [
            case("a 2-D point", "cubic", rng.normal(size=(2, 3))),
            case("a product of sines and cosines", "sine product", rng.normal(size=int(rng.integers(3, 6)))),
            case("a weighted sum of squares", "weighted squares", rng.normal(size=(3, 2))),
            case("a step h other than 1e-5", "cubic", rng.normal(size=4), h=float(rng.choice([1e-4, 1e-3]))),
            case("f reads x through a closure (it ignores its argument)", "weighted squares",
                 rng.normal(size=(2, 2)), closure=True),
        ]
    return cases


def _forward_difference(function, x, h):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        bumped = x.copy()
        bumped[i] += h
        grad[i] = (function(bumped) - function(x)) / h
    return grad


def _judge_numeric_grad(case: Case, got: dict, expected: dict) -> str | None:
    if not got.get("restored"):
        return "x is not the same after the call: put each entry back after nudging it."
    value, problem = as_number_array(got.get("returned"), "the gradient")
    if problem:
        return problem
    want = expected["returned"]
    x = case.inputs["x"]
    if not case.inputs["closure"] and value.shape == x.shape and not close(value, want, rtol=1e-6, atol=1e-8):
        h = case.inputs["kwargs"].get("h", 1e-5)
        if close(value, _forward_difference(TEST_FUNCTIONS[case.inputs["function"]], x, h), rtol=1e-6, atol=1e-8):
            return ("it uses a one-sided difference (f(x + h) - f(x)) / h; use the centred difference "
                    "(f(x + h) - f(x - h)) / (2h): its error is of order h**2, not h.")
    if case.inputs["closure"] and value.shape == x.shape and close(value, np.zeros_like(x)):
        return ("every entry is 0 for a function that reads x through a closure: nudge the entries of x "
                "itself (in place), not of a copy, and put each one back.")
    return compare_arrays(value, want, "the gradient", shape_hint="The gradient has the shape of x.")


NUMERIC_GRAD = Part(
    grade_id="test_numeric_grad", title="Part 4: a numeric gradient", target="numeric_grad",
    probe=probe_numeric_grad, cases=_numeric_grad_cases, reference=functools.partial(_numpy_nn, "numeric_grad"),
    judge=_judge_numeric_grad, seed=3401,
)


def check_numeric_grad(numeric_grad) -> None:
    """Check ``numeric_grad(f, x, h=1e-5)``: centred differences, ``x`` put back afterwards.

    Entry ``i`` of the result is ``(f(x + h e_i) - f(x - h e_i)) / (2h)``; the result has ``x``'s
    shape. ``f`` may read ``x`` through a closure, so the entries of ``x`` itself are nudged.
    """
    __tracebackhide__ = True
    run_check(NUMERIC_GRAD, numeric_grad)


# --------------------------------------------------------------------------- Part 5: mlp_loss_and_grads


def _init(rng, d, h, c, scale=0.5):
    return {"W1": rng.normal(scale=scale, size=(d, h)), "b1": rng.normal(scale=0.1, size=h),
            "W2": rng.normal(scale=scale, size=(h, c)), "b2": rng.normal(scale=0.1, size=c)}


def _mlp_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    def case(kind, n, d, h, c):
        return Case(kind, arguments(_init(rng, d, h, c), rng.normal(size=(n, d)), rng.integers(0, c, n)))

    cases = []
    for _ in range(repeats):
        n, d, h, c = (int(v) for v in rng.integers(2, 7, 4))
        cases += [
            case("a small network", n + 3, d, h, c + 1),
            case("a batch of one", 1, d, h, c + 1),
            case("a wide hidden layer", n, 2, 16, c + 1),
            case("many classes", 4 * n, d + 4, h, 10),
        ]
    return cases


def _mlp_reference():
    dense_forward, dense_backward = _numpy_nn("dense_forward"), _numpy_nn("dense_backward")
    relu, relu_grad = _numpy_nn("relu"), _activations("relu_grad")
    softmax_cross_entropy = _numpy_nn("softmax_cross_entropy")

    def mlp_loss_and_grads(params, X, y):
        Z1, cache1 = dense_forward(X, params["W1"], params["b1"])
        logits, cache2 = dense_forward(relu(Z1), params["W2"], params["b2"])
        loss, dlogits = softmax_cross_entropy(logits, y)
        dA1, dW2, db2 = dense_backward(dlogits, cache2)
        _, dW1, db1 = dense_backward(dA1 * relu_grad(Z1), cache1)
        return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    return mlp_loss_and_grads


def _judge_mlp(case: Case, got: dict, expected: dict) -> str | None:
    value, problem = returned_tuple(got, ("loss", "grads"))
    if problem:
        return problem
    loss, grads = value
    if not isinstance(grads, dict) or set(grads) == {"unserialisable"}:
        return f"grads must be a dict keyed like params; it is {describe(grads)}."
    missing = [k for k in PARAM_KEYS if k not in grads]
    if missing:
        return f"grads is missing the key(s) {missing}."
    want_loss, want_grads = expected["returned"]
    loss, problem = as_number_array(loss, "the loss")
    if problem:
        return problem
    if loss.size != 1 or compare_arrays(loss.reshape(()), want_loss, "the loss"):
        return "the loss is wrong: check the forward pass."
    wrong = []
    for key in PARAM_KEYS:
        array, problem = as_number_array(grads[key], f"grads['{key}']")
        if problem:
            return problem
        if array.shape != want_grads[key].shape:
            return (f"grads['{key}'] has shape {array.shape}; it must have the shape of params['{key}'], "
                    f"{want_grads[key].shape}.")
        if compare_arrays(array, want_grads[key], key):
            wrong.append(key)
    if wrong == ["W1", "b1"]:
        return ("the output layer's gradients are right but W1 and b1 are wrong: check the backward pass "
                "through the ReLU, dZ1 = dA1 * relu_grad(Z1).")
    return f"the gradients {wrong} are wrong." if wrong else None


MLP_LOSS_AND_GRADS = Part(
    grade_id="test_mlp_loss_and_grads", title="Part 5: the whole network", target="mlp_loss_and_grads",
    probe=probe_call, cases=_mlp_cases, reference=_mlp_reference, judge=_judge_mlp, seed=3501,
)


def check_mlp_loss_and_grads(mlp_loss_and_grads) -> None:
    """Check ``mlp_loss_and_grads(params, X, y) -> (loss, grads)`` of the two-layer network.

    ``grads`` has the keys of ``params`` (W1, b1, W2, b2), each gradient with its parameter's shape.
    """
    __tracebackhide__ = True
    run_check(MLP_LOSS_AND_GRADS, mlp_loss_and_grads)


# --------------------------------------------------------------------------- Part 6: train_digits

_MIN_ACCURACY = 0.9


def digits_split(seed: int = 0):
    """The digits split of the assignment: ``(X_train, y_train), (X_test, y_test)``, float64 pixels.

    75 % of scikit-learn's 8 by 8 digits for training, 25 % held out. The grader trains with the
    learner's ``train_digits`` on the training part only and measures the accuracy on the other.
    """
    from course_pkg import data

    X, y = data.load_digits()
    (X_tr, y_tr), _, (X_te, y_te) = data.train_val_test_split(
        X.astype(np.float64), y, val_size=0, test_size=0.25, seed=seed
    )
    return (X_tr, y_tr), (X_te, y_te)


def accuracy_of(params: dict, X, y) -> float:
    """Accuracy of the two-layer ReLU network with ``params`` on ``(X, y)``: the share of rows
    whose largest logit is the label."""
    hidden = np.maximum(np.asarray(X, dtype=float) @ params["W1"] + params["b1"], 0)  # (N, H)
    logits = hidden @ params["W2"] + params["b2"]  # (N, C)
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))


def _train_digits_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    (X_train, y_train), _ = digits_split()
    return [Case("75 % of the digits, another seed", arguments(X_train, y_train, seed=int(rng.integers(0, 10_000))))
            for _ in range(repeats)]


def probe_train_digits(train_digits, inputs: dict) -> dict:
    """Call ``train_digits(X, y, seed=...)`` with a known-good ``mlp_loss_and_grads`` and helpers."""
    return probes.call(train_digits, inputs, stand_ins=_STAND_INS_TRAIN)


def _train_digits_reference():
    MLP = _numpy_nn("MLP")

    def train_digits(X, y, seed=0):
        model = MLP([X.shape[1], 64, 10], seed=seed)
        model.fit(X, y, epochs=20, verbose=0, seed=seed)
        W1, b1, W2, b2 = model.get_weights()
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

    return train_digits


def _judge_train_digits(case: Case, got: dict, expected: dict) -> str | None:
    params = got.get("returned")
    if not isinstance(params, dict) or any(k not in params for k in PARAM_KEYS):
        return f"it must return the dict of parameters with the keys {list(PARAM_KEYS)}; it returned {describe(params)}."
    arrays = {}
    for key in PARAM_KEYS:
        arrays[key], problem = as_number_array(params[key], f"params['{key}']")
        if problem:
            return problem
    if not all(np.all(np.isfinite(a)) for a in arrays.values()):
        return "the parameters contain NaN or infinity: lower the learning rate."
    _, (X_test, y_test) = digits_split()  # the held-out digits: the learner's code never sees them
    try:
        accuracy = accuracy_of(arrays, X_test, y_test)
    except ValueError:
        return ("the parameters do not fit the network: W1 must be (64, H), b1 (H,), W2 (H, 10) and b2 (10,) "
                "for some H.")
    if accuracy < _MIN_ACCURACY:
        return (f"the trained network classifies {accuracy:.1%} of the held-out digits correctly; at least "
                f"{_MIN_ACCURACY:.0%} is needed. Check the update direction (params -= learning_rate * grads), "
                "the learning rate, and that every epoch visits every sample.")
    return None


TRAIN_DIGITS = Part(
    grade_id="test_train_digits", title="Part 6: training on the digits", target="train_digits",
    probe=probe_train_digits, cases=_train_digits_cases, reference=_train_digits_reference,
    judge=_judge_train_digits, seed=3601,
)


def check_train_digits(train_digits) -> None:
    """Check ``train_digits(X, y, seed=0) -> params``: trained on 75 % of the digits, the network
    classifies at least 90 % of the other 25 % (which it never sees) correctly."""
    __tracebackhide__ = True
    run_check(TRAIN_DIGITS, train_digits)


PARTS = (SIGMOID_GRAD, RELU_GRAD, SOFTMAX_CROSS_ENTROPY, DENSE_BACKWARD, NUMERIC_GRAD, MLP_LOSS_AND_GRADS,
         TRAIN_DIGITS)
