"""Checks of the assignment ``optimizers``: mini-batches, SGD with momentum, AdaGrad, RMSProp, Adam.

One :class:`~course_pkg.checks.Part` per graded name, in ``PARTS``; the notebook's test cells
call ``check_<name>(<name>)``, which runs the visible cases. Every kind of case the grader draws
hidden values for (a shorter last batch, an int seed, one shared generator, Nesterov momentum,
huge, tiny and sign-flipping gradients, float32 parameters ...) is among the visible cases; the
hidden ones draw other hyperparameters and values.

The learner writes the reference's own names and signatures:
``minibatches(n_samples, batch_size, *, shuffle=True, seed=None)`` and the classes
``SGD(learning_rate=0.01, momentum=0.0, nesterov=False)``, ``AdaGrad``, ``RMSProp`` and ``Adam``
of :mod:`course_pkg.numpy_nn.optimizers`, each with ``step(params, grads)``, which updates every
array of ``params`` in place. The probes run the learner's optimizer for five steps on three
parameters of different shapes and record the parameters after each step; the judge compares
them with the reference's, step by step, and names the misconception whose whole path the
learner's optimizer followed.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from course_pkg.checks._core import (
    Case,
    Part,
    as_number_array,
    close,
    compare_arrays,
    describe,
    keyword_problem,
    reference_named,
    run_check,
)

__all__ = ["PARTS", "check_minibatches", "check_sgd", "check_adagrad", "check_rmsprop", "check_adam"]

_SHAPES = {"W": (3, 2), "b": (2,), "v": (4,)}
_N_STEPS = 5
_HYPERPARAMETERS = ("learning_rate", "momentum", "nesterov", "initial_accumulator_value", "rho", "beta_1",
                    "beta_2", "epsilon")


def _numpy_nn(name: str):
    return reference_named("course_pkg.numpy_nn", name)


def _keyword_error(case: Case, error: dict) -> str | None:
    return keyword_problem(error, _HYPERPARAMETERS + ("shuffle", "seed"))


# --------------------------------------------------------------------------- Part 1: minibatches


def probe_minibatches(minibatches, inputs: dict) -> dict:
    """Ask ``minibatches`` for two epochs; return the index batches of each.

    ``inputs["seed_kind"]`` says what ``seed`` is: ``"generator"`` (one generator shared by both
    epochs, as a training loop passes it), ``"int"`` or ``"none"`` (no seed given).
    """
    n_samples, batch_size = inputs["n_samples"], inputs["batch_size"]
    kwargs = {} if inputs["shuffle"] is None else {"shuffle": inputs["shuffle"]}
    if inputs["seed_kind"] == "generator":
        kwargs["seed"] = np.random.default_rng(inputs["seed"])
    elif inputs["seed_kind"] == "int":
        kwargs["seed"] = inputs["seed"]
    epochs = []
    for _ in range(2):
        batches = itertools.islice(minibatches(n_samples, batch_size, **kwargs), n_samples + 1)  # never endless
        epochs.append([np.asarray(batch) for batch in batches])
    return {"epochs": epochs}


def _minibatch_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    def case(kind, n, batch_size, *, shuffle=None, seed_kind="generator"):
        return Case(kind, {"n_samples": n, "batch_size": batch_size, "shuffle": shuffle, "seed_kind": seed_kind,
                           "seed": int(rng.integers(0, 2**31))})

    cases = []
    for _ in range(repeats):
        n = int(rng.integers(10, 40))
        batch_size = int(rng.integers(3, 9))
        n_uneven = n + (batch_size - n % batch_size) % batch_size + 1  # never a multiple of batch_size
        cases += [
            case("a shorter last batch", n_uneven, batch_size),
            case("batch_size divides n_samples", batch_size * int(rng.integers(2, 6)), batch_size),
            case("batch_size larger than n_samples", int(rng.integers(1, 6)), int(rng.integers(6, 20))),
            case("batches of one sample", int(rng.integers(2, 8)), 1),
            case("a large epoch", int(rng.integers(900, 1100)), 64),
            case("shuffle=False", n, batch_size, shuffle=False),
            case("an int seed (the same order every call)", n, batch_size, seed_kind="int"),
            case("no seed", n, batch_size, seed_kind="none"),
        ]
    return cases


def _judge_minibatches(case: Case, got: dict, expected: dict) -> str | None:
    n = case.inputs["n_samples"]
    epochs = got.get("epochs")
    orders = []
    for which, batches in zip(("first", "second"), epochs):
        for batch in batches:
            if batch.ndim != 1 or (batch.size and batch.dtype.kind not in "iu"):
                return (f"it must yield 1-D arrays (or lists) of integer indices; it yielded "
                        f"{describe(batch)}.")
        order = np.concatenate(batches) if batches else np.zeros(0, dtype=int)
        if order.size < n and np.unique(order).size == order.size:
            return (f"the {which} epoch leaves samples out. Keep the last, shorter batch: every sample once per "
                    "epoch.")
        if not np.array_equal(np.sort(order), np.arange(n)):
            return (f"the batches of the {which} epoch are not a permutation of 0..n_samples-1: some samples "
                    "repeat or are missing. Draw one permutation per epoch and slice it, instead of sampling "
                    "with replacement.")
        sizes = [len(b) for b in batches]
        want = [len(b) for b in expected["epochs"][0]]
        if sizes != want:
            shown = "" if case.hidden else f" ({sizes[:6]}{'...' if len(sizes) > 6 else ''})"
            return (f"the batch sizes are wrong{shown}: cut the order into consecutive slices of batch_size (the "
                    "last one shorter).")
        orders.append(order)
    first, second = orders
    in_order = np.arange(n)
    if case.inputs["shuffle"] is False:
        if not (np.array_equal(first, in_order) and np.array_equal(second, in_order)):
            return "with shuffle=False the indices must come in order, 0, 1, 2, ..."
        return None
    if n >= 10 and np.array_equal(first, in_order):
        return "the samples come in their original order: shuffle them (with the generator seed gives)."
    if n >= 10 and case.inputs["seed_kind"] == "generator" and np.array_equal(first, second):
        return ("two epochs drawn with one shared Generator have the same order. Draw from the generator you are "
                "given (np.random.default_rng(seed) returns it unchanged), not from a new one made inside.")
    if case.inputs["seed_kind"] == "int" and not np.array_equal(first, second):
        return ("two calls with the same int seed give different orders: an int seed must make the order "
                "reproducible (np.random.default_rng(seed) inside the function).")
    return None


MINIBATCHES = Part(
    grade_id="test_minibatches", title="Part 1: mini-batches", target="minibatches",
    probe=probe_minibatches, cases=_minibatch_cases, reference=functools.partial(_numpy_nn, "minibatches"),
    judge=_judge_minibatches, seed=4101, on_error=_keyword_error,
)


def check_minibatches(minibatches) -> None:
    """Check ``minibatches(n_samples, batch_size, *, shuffle=True, seed=None)``: the index batches of
    one epoch, one permutation (from ``seed``: None, an int or a Generator) cut into consecutive
    slices, the last one shorter."""
    __tracebackhide__ = True
    run_check(MINIBATCHES, minibatches)


# --------------------------------------------------------------------------- the optimizers


def probe_optimizer(cls, inputs: dict) -> dict:
    """Construct ``cls(**inputs["kwargs"])`` and step it once per gradient dict of ``inputs["grads"]``.

    Returns, for each step, the parameters afterwards (copies of the caller's own arrays) and
    the keys whose array ``step`` replaced in the dict instead of updating it in place.
    """
    if not callable(cls):
        raise TypeError(f"expected a class; got {type(cls).__name__}. Define it in the solution cell and run it.")
    optimizer = cls(**inputs["kwargs"])
    params = inputs["params"]
    arrays = dict(params)  # the caller's arrays: a network's layers hold these very objects
    steps = []
    for grads in inputs["grads"]:
        optimizer.step(params, grads)
        steps.append({"params": {key: np.array(array) for key, array in arrays.items()},
                      "replaced": sorted(key for key in arrays if params.get(key) is not arrays[key])})
    return {"steps": steps, "precision": _narrowest_float(vars(optimizer), *arrays.values())}


def _narrowest_float(*values, depth: int = 3) -> str:
    """The narrowest float dtype among the arrays in ``values`` (dicts and lists searched too)."""
    found = []

    def visit(value, level):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            found.append(value.dtype)
        elif level < depth and isinstance(value, dict):
            for item in value.values():
                visit(item, level + 1)
        elif level < depth and isinstance(value, (list, tuple)):
            for item in value:
                visit(item, level + 1)

    for value in values:
        visit(value, 0)
    return str(min(found, key=lambda dtype: dtype.itemsize, default=np.dtype(np.float64)))


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _gradients(rng: np.random.Generator, kind: str, dtype=np.float64) -> list[dict]:
    scale = {"huge gradients": 1e3, "tiny gradients": 1e-6}.get(kind, 1.0)
    sequence = []
    for step in range(_N_STEPS):
        if kind == "gradients that flip sign":
            grads = {k: np.full(s, 1.0 if step % 2 == 0 else -1.0) * rng.uniform(0.5, 2) for k, s in _SHAPES.items()}
        elif kind == "a zero gradient first" and step == 0:
            grads = {k: np.zeros(s) for k, s in _SHAPES.items()}
        else:
            grads = {k: rng.normal(scale=scale, size=s) for k, s in _SHAPES.items()}
        sequence.append({k: g.astype(dtype) for k, g in grads.items()})
    return sequence


_GRADIENT_KINDS = ("random gradients", "a zero gradient first", "huge gradients", "tiny gradients",
                   "gradients that flip sign", "float32 parameters")


def _optimizer_cases(settings: dict, main: str):
    """``cases(rng, repeats)`` for an optimizer.

    ``settings`` maps a kind of setting ("Nesterov momentum") to ``draw(rng) -> kwargs``; each is
    a case with random gradients. Each kind of gradient is a case with the ``main`` setting.
    """

    def cases(rng: np.random.Generator, repeats: int) -> list[Case]:
        out = []
        for _ in range(repeats):
            plan = [(kind, draw, "random gradients") for kind, draw in settings.items()]
            plan += [(kind, settings[main], kind) for kind in _GRADIENT_KINDS[1:]]
            for kind, draw, gradient_kind in plan:
                dtype = np.float32 if gradient_kind == "float32 parameters" else np.float64
                params = {k: rng.normal(size=s).astype(dtype) for k, s in _SHAPES.items()}
                out.append(Case(kind, {"kwargs": draw(rng), "params": params,
                                       "grads": _gradients(rng, gradient_kind, dtype)}))
        return out

    return cases


def _simulate(rule, case: Case, *, t_per_parameter: bool = False) -> list[dict]:
    """Run a hand-written (wrong) update rule on a case: the parameters after each step."""
    params = {k: v.astype(np.float64) for k, v in case.inputs["params"].items()}
    state = {k: {} for k in params}
    path, t = [], 0
    for step, grads in enumerate(case.inputs["grads"], start=1):
        for key in params:
            t = t + 1 if t_per_parameter else step
            rule(params[key], grads[key].astype(np.float64), state[key], t, **case.inputs["kwargs"])
        path.append({k: v.copy() for k, v in params.items()})
    return path


def _follows(path: list[dict], steps: list) -> bool:
    return all(close(step["params"][k], want[k], rtol=1e-5, atol=1e-9) for step, want in zip(steps, path) for k in want)


def _optimizer_judge(name: str, misconceptions: dict):
    """The judge of one optimizer class; ``misconceptions`` maps a message to ``(rule, options)``."""

    def judge(case: Case, got: dict, expected: dict) -> str | None:
        steps = got.get("steps")
        if not isinstance(steps, list) or len(steps) != _N_STEPS:
            return f"{name}.step did not run {_N_STEPS} times."
        previous = case.inputs["params"]
        precision = got.get("precision") if got.get("precision") in ("float16", "float32") else None
        for number, (step, want) in enumerate(zip(steps, expected["steps"]), start=1):
            if step.get("replaced"):
                return (f"step put new arrays into params for {step['replaced']} instead of updating the existing "
                        "ones in place: use params[key] -= update (or p -= update), so that the layers holding "
                        "these arrays see the change.")
            for key, want_p in want["params"].items():
                array, problem = as_number_array(step["params"].get(key), f"params['{key}']")
                if problem:
                    return problem
                if compare_arrays(array, want_p, key, precision=precision) is None:
                    continue
                if all(np.array_equal(step["params"][k], previous[k]) for k in previous):
                    return (f"step {number} did not change the parameters. Update each array in place, e.g. "
                            "params[key] -= update.")
                hint = next((message for message, (rule, options) in misconceptions.items()
                             if _follows(_simulate(rule, case, **options), steps)), "")
                problem = compare_arrays(array, want_p, f"params['{key}'] after step {number}", precision=precision)
                return f"{problem}{' ' + hint if hint else ''}"
            previous = step["params"]
        return None

    return judge


def _optimizer_part(grade_id: str, title: str, name: str, settings: dict, main: str, misconceptions: dict,
                    seed: int) -> Part:
    return Part(grade_id=grade_id, title=title, target=name, probe=probe_optimizer,
                cases=_optimizer_cases(settings, main), reference=functools.partial(_numpy_nn, name),
                judge=_optimizer_judge(name, misconceptions), seed=seed, on_error=_keyword_error)


# Misconceptions, each written as the wrong rule it stands for: rule(p, g, state, t, **hyperparameters).


def _plain_sgd(p, g, s, t, learning_rate=0.01, **_):
    p -= learning_rate * g


def _classic_momentum(p, g, s, t, learning_rate=0.01, momentum=0.0, **_):
    s["v"] = momentum * s.get("v", 0.0) - learning_rate * g
    p += s["v"]


def _adagrad_no_memory(p, g, s, t, learning_rate=0.001, epsilon=1e-7, **_):
    p -= learning_rate * g / np.sqrt(g * g + epsilon)


def _adagrad_zero_start(p, g, s, t, learning_rate=0.001, epsilon=1e-7, **_):
    s["a"] = s.get("a", 0.0) + g * g
    p -= learning_rate * g / np.sqrt(s["a"] + epsilon)


def _rmsprop_no_one_minus_rho(p, g, s, t, learning_rate=0.001, rho=0.9, epsilon=1e-7, **_):
    s["a"] = rho * s.get("a", 0.0) + g * g
    p -= learning_rate * g / np.sqrt(s["a"] + epsilon)


def _rmsprop_epsilon_outside(p, g, s, t, learning_rate=0.001, rho=0.9, epsilon=1e-7, **_):
    s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g * g
    p -= learning_rate * g / (np.sqrt(s["a"]) + epsilon)


def _adam_moments(s, g, beta_1, beta_2):
    s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
    s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g * g
    return s["m"], s["v"]


def _adam_no_bias_correction(p, g, s, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m, v = _adam_moments(s, g, beta_1, beta_2)
    p -= learning_rate * m / (np.sqrt(v) + epsilon)


def _adam_textbook(p, g, s, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m, v = _adam_moments(s, g, beta_1, beta_2)
    p -= learning_rate * (m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + epsilon)


def _adam_keras(p, g, s, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m, v = _adam_moments(s, g, beta_1, beta_2)
    p -= learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (np.sqrt(v) + epsilon)


def _learning_rate(rng, low=1e-3, high=0.3):
    return _log_uniform(rng, low, high)


SGD = _optimizer_part(
    "test_sgd", "Part 2: SGD with momentum", "SGD",
    settings={
        "the default arguments": lambda rng: {},
        "plain SGD (momentum 0)": lambda rng: {"learning_rate": _learning_rate(rng)},
        "momentum": lambda rng: {"learning_rate": _learning_rate(rng), "momentum": float(rng.uniform(0.5, 0.99))},
        "Nesterov momentum": lambda rng: {"learning_rate": _learning_rate(rng), "momentum": float(rng.uniform(0.5, 0.99)),
                                          "nesterov": True},
    },
    main="momentum",
    misconceptions={
        "It matches plain SGD: keep a velocity per parameter that remembers the previous steps.":
            (_plain_sgd, {}),
        "It matches classic momentum: with nesterov=True, step by momentum * velocity - learning_rate * g "
        "after updating the velocity.": (_classic_momentum, {}),
    },
    seed=4201,
)

ADAGRAD = _optimizer_part(
    "test_adagrad", "Part 3: AdaGrad", "AdaGrad",
    settings={
        "the default arguments": lambda rng: {},
        "another learning rate and initial accumulator":
            lambda rng: {"learning_rate": _learning_rate(rng), "initial_accumulator_value": _log_uniform(rng, 0.01, 1)},
        "a larger epsilon": lambda rng: {"learning_rate": _learning_rate(rng), "epsilon": _log_uniform(rng, 1e-4, 1e-2)},
    },
    main="another learning rate and initial accumulator",
    misconceptions={
        "Your accumulator forgets earlier steps: add g**2 to it at every step.": (_adagrad_no_memory, {}),
        "Start each accumulator at initial_accumulator_value (0.1 by default, as in Keras), not at 0.":
            (_adagrad_zero_start, {}),
    },
    seed=4301,
)

RMSPROP = _optimizer_part(
    "test_rmsprop", "Part 4: RMSProp", "RMSProp",
    settings={
        "the default arguments": lambda rng: {},
        "another learning rate and rho": lambda rng: {"learning_rate": _learning_rate(rng),
                                                      "rho": float(rng.uniform(0.5, 0.99))},
        "a larger epsilon": lambda rng: {"learning_rate": _learning_rate(rng), "epsilon": _log_uniform(rng, 1e-4, 1e-2)},
    },
    main="another learning rate and rho",
    misconceptions={
        "The running mean must weigh the new squared gradient by (1 - rho): s = rho*s + (1 - rho)*g**2.":
            (_rmsprop_no_one_minus_rho, {}),
        "epsilon goes inside the square root here (Keras): sqrt(s + epsilon).": (_rmsprop_epsilon_outside, {}),
    },
    seed=4401,
)

ADAM = _optimizer_part(
    "test_adam", "Part 5: Adam", "Adam",
    settings={
        "the default arguments": lambda rng: {},
        "other betas": lambda rng: {"learning_rate": _learning_rate(rng), "beta_1": float(rng.uniform(0.5, 0.95)),
                                    "beta_2": float(rng.uniform(0.9, 0.9999))},
        "a larger epsilon": lambda rng: {"learning_rate": _learning_rate(rng), "epsilon": _log_uniform(rng, 1e-4, 1e-2)},
    },
    main="other betas",
    misconceptions={
        "It looks like Adam without bias correction: early steps are too small because m and v start at zero; "
        "scale the step by sqrt(1 - beta_2**t) / (1 - beta_1**t).": (_adam_no_bias_correction, {}),
        "It matches the textbook form with m_hat and v_hat and epsilon added to sqrt(v_hat); the course follows "
        "Keras: alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t), p -= alpha * m / (sqrt(v) + epsilon).":
            (_adam_textbook, {}),
        "t counts the parameters, not the steps: add 1 to t once per call of step, before the loop over the "
        "parameters.": (_adam_keras, {"t_per_parameter": True}),
    },
    seed=4501,
)


def check_sgd(optimizer_class) -> None:
    """Check ``SGD(learning_rate=0.01, momentum=0.0, nesterov=False)``, Keras' rule.

    ``velocity = momentum * velocity - learning_rate * g``; then ``p += velocity``, or with
    Nesterov ``p += momentum * velocity - learning_rate * g``; plain SGD (momentum 0):
    ``p -= learning_rate * g``.
    """
    __tracebackhide__ = True
    run_check(SGD, optimizer_class)


def check_adagrad(optimizer_class) -> None:
    """Check ``AdaGrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)`` (Keras' rule).

    ``accumulator += g**2`` (starting at ``initial_accumulator_value``);
    ``p -= learning_rate * g / sqrt(accumulator + epsilon)``.
    """
    __tracebackhide__ = True
    run_check(ADAGRAD, optimizer_class)


def check_rmsprop(optimizer_class) -> None:
    """Check ``RMSProp(learning_rate=0.001, rho=0.9, epsilon=1e-7)`` (Keras' rule, no momentum).

    ``s = rho * s + (1 - rho) * g**2``; ``p -= learning_rate * g / sqrt(s + epsilon)``.
    """
    __tracebackhide__ = True
    run_check(RMSPROP, optimizer_class)


def check_adam(optimizer_class) -> None:
    """Check ``Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`` (Keras' rule).

    ``t += 1`` once per ``step`` call; ``m = beta_1*m + (1-beta_1)*g``;
    ``v = beta_2*v + (1-beta_2)*g**2``;
    ``alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)``;
    ``p -= alpha * m / (sqrt(v) + epsilon)``.
    """
    __tracebackhide__ = True
    run_check(ADAM, optimizer_class)


PARTS = (MINIBATCHES, SGD, ADAGRAD, RMSPROP, ADAM)
