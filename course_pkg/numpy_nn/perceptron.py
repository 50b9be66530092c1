"""The first artificial neurons: McCulloch-Pitts logic, the TLU and Rosenblatt's perceptron.

* ``mcp_neuron`` (McCulloch & Pitts, 1943): binary inputs; the neuron fires
  when at least ``threshold`` excitatory inputs are active and no inhibitory
  input is. The logic gates below are networks of such neurons, all with
  the threshold 2 of the classic drawings: an input wired twice counts
  twice.
* ``TLU``: the threshold logic unit, ``z = X @ w + b`` followed by a step.
* ``Perceptron`` (Rosenblatt, 1957): a layer of TLUs trained one sample at
  a time with ``w <- w + lr * (y - y_hat) * x`` (``lr`` is the
  ``learning_rate``).
* ``XORNetwork``: two layers of TLUs with hand-set weights solve XOR, which
  no single TLU can (Minsky & Papert, 1969).

Discrete outputs (gate values, step outputs, predicted labels) are int64
arrays.
"""

from __future__ import annotations

import numpy as np

from course_pkg import _checks
from course_pkg.numpy_nn.activations import heaviside, sign
from course_pkg.numpy_nn.backend import array_module_of, to_numpy

__all__ = [
    "mcp_neuron",
    "identity_gate",
    "and_gate",
    "or_gate",
    "a_and_not_b",
    "not_gate",
    "xor_network",
    "TLU",
    "Perceptron",
    "XORNetwork",
]

_STEPS = {"heaviside": heaviside, "sign": sign}


def _check_binary(x, *, where: str, name: str, min_ndim: int = 0):
    """Return ``x`` as an int64 array after checking it holds only 0 and 1."""
    arr = _checks.check_array(x, where=where, name=name)
    if arr.ndim < min_ndim:
        raise ValueError(
            f"{where}: expected {name} with at least {min_ndim} dimension(s), the last one "
            f"listing the input lines; got shape {_checks.format_shape(arr.shape)}."
        )
    xp = array_module_of(arr)
    bad = (arr != 0) & (arr != 1)
    if bool(xp.any(bad)):
        shown = np.unique(to_numpy(arr[bad]))[:5].tolist()
        raise ValueError(
            f"{where}: expected a binary {name} (only 0 and 1, or booleans); "
            f"got other values such as {shown}."
        )
    return arr.astype(xp.int64)


def _binary_pair(a, b, where: str):
    """Validate two gate inputs and broadcast them to one shape."""
    a = _check_binary(a, where=where, name="a")
    b = _check_binary(b, where=where, name="b")
    xp = array_module_of(a, b)
    try:
        return xp.broadcast_arrays(a, b)
    except ValueError:
        raise ValueError(
            f"{where}: expected a and b of the same (or broadcastable) shape; got "
            f"{_checks.format_shape(a.shape)} and {_checks.format_shape(b.shape)}."
        ) from None


def mcp_neuron(inputs, threshold=2, inhibitory=None):
    """A McCulloch-Pitts neuron: fires when enough excitatory inputs are active.

    Parameters
    ----------
    inputs : array_like of shape (..., D)
        Binary excitatory inputs, one input line per entry of the last
        axis; the leading axes index independent cases (e.g. the rows of a
        truth table). A line listed twice counts twice.
    threshold : int, default 2
        The neuron fires when at least ``threshold`` (>= 1) excitatory
        lines are active.
    inhibitory : array_like of shape (..., K), optional
        Binary inhibitory inputs with the same leading shape as ``inputs``.
        Any active one stops the neuron from firing. Defaults to none.

    Returns
    -------
    ndarray of shape (...)
        1 where the neuron fires, 0 elsewhere (int64).

    Raises
    ------
    ValueError
        If an input is not binary, ``inputs`` is a scalar, the leading
        shapes differ, or ``threshold < 1``.

    Notes
    -----
    ``fires = (sum(inputs) >= threshold) and not any(inhibitory)``: there
    are no weights, only wires, and a single active inhibitory input vetoes.

    Examples
    --------
    >>> int(mcp_neuron([1, 1])), int(mcp_neuron([1, 0])), int(mcp_neuron([1, 1], inhibitory=[1]))
    (1, 0, 0)
    >>> mcp_neuron([[0, 0], [0, 1], [1, 1]]).tolist()
    [0, 0, 1]
    """
    inputs = _check_binary(inputs, where="mcp_neuron", name="inputs", min_ndim=1)
    threshold = _checks.check_int(threshold, where="mcp_neuron", name="threshold", minimum=1)
    fires = inputs.sum(axis=-1) >= threshold  # (...)
    if inhibitory is not None:
        inhibitory = _check_binary(inhibitory, where="mcp_neuron", name="inhibitory", min_ndim=1)
        if inhibitory.shape[:-1] != inputs.shape[:-1]:
            raise ValueError(
                "mcp_neuron: expected inhibitory with the leading shape of inputs "
                f"{_checks.format_shape(inputs.shape[:-1])}; got inhibitory of shape "
                f"{_checks.format_shape(inhibitory.shape)}."
            )
        fires &= ~(inhibitory.sum(axis=-1) > 0)  # (...)
    xp = array_module_of(inputs)
    return xp.asarray(fires, dtype=xp.int64)  # a 0-d array, not a scalar, for one case


def identity_gate(a):
    """C = A: one neuron with A wired to it twice (threshold 2).

    Parameters
    ----------
    a : array_like of 0/1, any shape

    Returns
    -------
    ndarray of the shape of ``a``, int64

    Examples
    --------
    >>> identity_gate([0, 1]).tolist()
    [0, 1]
    """
    a = _check_binary(a, where="identity_gate", name="a")
    xp = array_module_of(a)
    return mcp_neuron(xp.stack([a, a], axis=-1))


def and_gate(a, b):
    """A AND B: A and B each wired once, so both must be active (threshold 2).

    Parameters
    ----------
    a, b : array_like of 0/1, broadcastable shapes

    Returns
    -------
    ndarray of the broadcast shape, int64

    Examples
    --------
    >>> and_gate([0, 0, 1, 1], [0, 1, 0, 1]).tolist()
    [0, 0, 0, 1]
    """
    a, b = _binary_pair(a, b, "and_gate")
    xp = array_module_of(a, b)
    return mcp_neuron(xp.stack([a, b], axis=-1))


def or_gate(a, b):
    """A OR B: A and B each wired twice, so either one alone reaches the threshold 2.

    Parameters
    ----------
    a, b : array_like of 0/1, broadcastable shapes

    Returns
    -------
    ndarray of the broadcast shape, int64

    Examples
    --------
    >>> or_gate([0, 0, 1, 1], [0, 1, 0, 1]).tolist()
    [0, 1, 1, 1]
    """
    a, b = _binary_pair(a, b, "or_gate")
    xp = array_module_of(a, b)
    return mcp_neuron(xp.stack([a, a, b, b], axis=-1))


def a_and_not_b(a, b):
    """A AND NOT B: A wired twice (excitatory), B inhibitory.

    Parameters
    ----------
    a, b : array_like of 0/1, broadcastable shapes

    Returns
    -------
    ndarray of the broadcast shape, int64

    Examples
    --------
    >>> a_and_not_b([0, 0, 1, 1], [0, 1, 0, 1]).tolist()
    [0, 0, 1, 0]
    """
    a, b = _binary_pair(a, b, "a_and_not_b")
    xp = array_module_of(a, b)
    return mcp_neuron(xp.stack([a, a], axis=-1), inhibitory=b[..., None])


def not_gate(a):
    """NOT A: "A AND NOT B" with an always-active first input and A as the inhibitor.

    Parameters
    ----------
    a : array_like of 0/1, any shape

    Returns
    -------
    ndarray of the shape of ``a``, int64

    Examples
    --------
    >>> not_gate([0, 1]).tolist()
    [1, 0]
    """
    a = _check_binary(a, where="not_gate", name="a")
    return a_and_not_b(array_module_of(a).ones_like(a), a)


def xor_network(a, b):
    """A XOR B from logic neurons: (A AND NOT B) OR (NOT A AND B).

    Two "A and not B" neurons feed an OR neuron: a two-layer network,
    because no single neuron computes XOR.

    Parameters
    ----------
    a, b : array_like of 0/1, broadcastable shapes

    Returns
    -------
    ndarray of the broadcast shape, int64

    Examples
    --------
    >>> xor_network([0, 0, 1, 1], [0, 1, 0, 1]).tolist()
    [0, 1, 1, 0]
    """
    a, b = _binary_pair(a, b, "xor_network")
    return or_gate(a_and_not_b(a, b), a_and_not_b(b, a))


class TLU:
    """Threshold logic unit(s): a weighted sum followed by a step.

    Parameters
    ----------
    weights : array_like of shape (D,) or (D, M)
        One column per unit; a 1-D vector is a single unit.
    bias : float or array_like of shape (M,)
        A scalar for a single unit, one value per unit otherwise.
    activation : {"heaviside", "sign"}, default "heaviside"
        The step: Heaviside gives 0 where z < 0 and 1 elsewhere; sign
        gives -1, 0 or +1.

    Raises
    ------
    ValueError
        If the shapes do not fit together, or the activation is unknown.

    Notes
    -----
    For a batch, ``z = X @ w + b`` (``(N, D) @ (D,) -> (N,)``, or
    ``(N, D) @ (D, M) -> (N, M)``), then ``step(z)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> TLU([1, 1], -1.5).predict(X).tolist()            # AND
    [0, 0, 0, 1]
    >>> TLU([1, 1], -0.5, activation="sign").predict(X).tolist()
    [-1, 1, 1, 1]
    """

    def __init__(self, weights, bias, activation="heaviside"):
        where = "TLU"
        self.activation = _checks.check_choice(activation, _STEPS, where=where, name="activation")
        weights = _checks.check_array(weights, where=where, name="weights")
        if weights.ndim not in (1, 2):
            raise ValueError(
                f"{where}: expected weights of shape (D,) or (D, M); "
                f"got {_checks.format_shape(weights.shape)}."
            )
        xp = array_module_of(weights)
        bias_shape = () if weights.ndim == 1 else (weights.shape[1],)
        bias = _checks.check_array(bias, where=where, name="bias", xp=xp)
        if bias.shape != bias_shape:
            wanted = f"shape {_checks.format_shape(bias_shape)}" if bias_shape else "a scalar"
            raise ValueError(
                f"{where}: expected bias as {wanted} to go with weights of shape "
                f"{_checks.format_shape(weights.shape)}; got shape {bias.shape}."
            )
        self.weights = weights.astype(xp.float64)
        self.bias = bias.astype(xp.float64)

    def __repr__(self) -> str:
        return (
            f"TLU(weights={self.weights.tolist()}, bias={self.bias.tolist()}, "
            f"activation={self.activation!r})"
        )

    def decision_function(self, X):
        """Return the pre-activation ``z = X @ w + b``.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        ndarray of shape (N,) or (N, M)
        """
        return self._z(X, "TLU.decision_function")

    def _z(self, X, where):
        X = _checks.check_array(X, where=where, name="X", shape=(None, self.weights.shape[0]))
        return X @ self.weights + self.bias  # (N,) or (N, M)

    def predict(self, X):
        """Return the step of ``X @ w + b``.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        ndarray of shape (N,) or (N, M)
            0/1 (Heaviside) or -1/0/+1 (sign), int64.
        """
        z = self._z(X, "TLU.predict")  # (N,) or (N, M)
        return _STEPS[self.activation](z).astype(array_module_of(z).int64)


class Perceptron:
    """Rosenblatt's perceptron: a layer of TLUs trained one sample at a time.

    Parameters
    ----------
    learning_rate : float, default 1.0
        Learning rate (eta, ``lr`` in the rule below), > 0. With zero initial
        weights its value only rescales the weights, not the predictions.
        ``lr=`` is refused with a ``TypeError``.
    max_epochs : int, default 100
        Most passes over the training set; training stops earlier after
        an epoch without a single error.
    shuffle : bool, default True
        Visit the samples in a new random order each epoch.
    seed : None, int or numpy.random.Generator, optional
        Source of the shuffling order; an int makes ``fit`` reproducible.
        Defaults to an unpredictable generator.

    Attributes
    ----------
    coef_ : ndarray of shape (D,) or (D, K)
        Weights: (D,) when ``y`` is 1-D, one column per output otherwise.
    intercept_ : float or ndarray of shape (K,)
        Biases.
    errors_ : list of int
        For each epoch, how many samples were misclassified when they were
        visited (that is, how many triggered an update); with several
        outputs a sample counts once if any output was wrong.
    n_epochs_ : int
        Number of epochs run.
    converged_ : bool
        True when the last epoch had no errors.

    Raises
    ------
    ValueError, TypeError
        At construction, for ``learning_rate <= 0``, ``max_epochs < 1``, a
        bad ``seed`` or an unknown keyword argument.

    Notes
    -----
    Weights and biases start at zero. For each sample ``x`` (a row of X)
    in turn::

        y_hat = heaviside(x @ W + b)       # 1 when the sum is >= 0
        W = W + lr * outer(x, y - y_hat)   # (D, K); zero when y_hat == y
        b = b + lr * (y - y_hat)           # (K,)

    The rule changes the weights only on mistakes. On linearly separable
    data it stops after finitely many updates (the perceptron convergence
    theorem); the solution it finds depends on the sample order and is not
    unique. On data that is not separable (XOR) it never stops on its own.
    Several outputs (``y`` of shape (N, K)) are K independent perceptrons
    sharing the inputs: multilabel classification.

    scikit-learn's ``Perceptron`` uses the same rule with another
    convention at zero (a score of exactly 0 counts as a mistake for
    either class), so its weights can differ from these.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> clf = Perceptron(shuffle=False).fit(X, np.array([0, 0, 0, 1]))   # AND
    >>> clf.predict(X).tolist(), clf.errors_[-1], clf.converged_
    ([0, 0, 0, 1], 0, True)
    """

    def __init__(self, learning_rate=1.0, max_epochs=100, *, shuffle=True, seed=None, **kwargs):
        where = "Perceptron"
        if kwargs:
            name = sorted(kwargs)[0]
            renamed = {"lr": "learning_rate", "rng": "seed"}.get(name)  # the course's words, as in Keras
            fix = f"Write Perceptron({renamed}={kwargs[name]!r})." if renamed else "Remove it."
            raise TypeError(
                f"{where}: expected keyword arguments among learning_rate, max_epochs, shuffle, seed; "
                f"got {name}={kwargs[name]!r}. {fix}"
            )
        self.learning_rate = _checks.check_positive(learning_rate, where=where, name="learning_rate")
        self.max_epochs = _checks.check_int(max_epochs, where=where, name="max_epochs")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"{where}: expected shuffle as True or False; got {shuffle!r}.")
        self.shuffle = bool(shuffle)
        _checks.as_generator(seed, where=where)  # fail early on a bad seed; fit makes its own generator
        self.seed = seed

    def __repr__(self) -> str:
        return (
            f"Perceptron(learning_rate={self.learning_rate!r}, max_epochs={self.max_epochs!r}, "
            f"shuffle={self.shuffle!r}, seed={self.seed!r})"
        )

    def _check_y(self, X, y, where: str):
        xp = array_module_of(X)
        y = _checks.check_array(y, where=where, name="y", xp=xp)
        if y.ndim not in (1, 2):
            raise ValueError(
                f"{where}: expected y of shape (N,) for one output or (N, K) for K outputs; "
                f"got {_checks.format_shape(y.shape)}."
            )
        _checks.check_same_rows(X, y, where=where)
        if bool(xp.any((y != 0) & (y != 1))):
            values = xp.unique(y)[:6].tolist()
            raise ValueError(
                f"{where}: expected labels y in {{0, 1}}; got values {values}. "
                "Re-encode them, e.g. y = (labels == positive_class).astype(int)."
            )
        return y.astype(X.dtype)

    def fit(self, X, y):
        """Train with Rosenblatt's rule, one sample at a time.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Training inputs.
        y : ndarray of shape (N,) or (N, K)
            0/1 targets: one label per sample, or K labels (multilabel).

        Returns
        -------
        Perceptron
            ``self``, fitted.

        Raises
        ------
        ValueError
            If X is not 2-D, ``y`` has a different number of rows, or a
            label is not 0 or 1.
        """
        where = "Perceptron.fit"
        X = _checks.check_array(X, where=where, name="X", ndim=2)
        xp = array_module_of(X)
        X = X.astype(xp.float64)
        y = self._check_y(X, y, where)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y  # (N, K)
        N, D = X.shape
        W = xp.zeros((D, Y.shape[1]))  # (D, K)
        b = xp.zeros(Y.shape[1])  # (K,)
        gen = _checks.as_generator(self.seed, where=where)
        lr = self.learning_rate

        self.errors_ = []
        for _ in range(self.max_epochs):
            order = gen.permutation(N) if self.shuffle else np.arange(N)
            n_errors = 0
            for i in order.tolist():
                x = X[i]  # (D,)
                y_hat = heaviside(x @ W + b)  # (K,)
                delta = Y[i] - y_hat  # (K,), entries -1, 0 or +1
                if bool(xp.any(delta)):
                    W += lr * xp.outer(x, delta)  # (D, K)
                    b += lr * delta  # (K,)
                    n_errors += 1
            self.errors_.append(n_errors)
            if n_errors == 0:
                break

        self.n_epochs_ = len(self.errors_)
        self.converged_ = self.errors_[-1] == 0
        if y.ndim == 1:
            self.coef_, self.intercept_ = W[:, 0], float(b[0])
        else:
            self.coef_, self.intercept_ = W, b
        return self

    def _check_fitted(self, where: str) -> None:
        if not hasattr(self, "coef_"):
            raise RuntimeError(
                f"{where}: expected a fitted perceptron; got one that was never fitted. "
                "Call fit(X, y) first."
            )

    def decision_function(self, X):
        """Return the weighted sums ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        ndarray of shape (N,) or (N, K)
        """
        return self._z(X, "Perceptron.decision_function")

    def _z(self, X, where):
        self._check_fitted(where)
        X = _checks.check_array(X, where=where, name="X", shape=(None, self.coef_.shape[0]))
        return X @ self.coef_ + self.intercept_  # (N,) or (N, K)

    def predict(self, X):
        """Return 0/1 predictions, ``heaviside(X @ coef_ + intercept_)``.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        ndarray of shape (N,) or (N, K)
            int64 labels.
        """
        return self._predict(X, "Perceptron.predict")

    def _predict(self, X, where):
        z = self._z(X, where)  # (N,) or (N, K)
        return heaviside(z).astype(array_module_of(z).int64)

    def score(self, X, y) -> float:
        """Return the accuracy on ``(X, y)``.

        With several outputs a sample counts as correct only when all its
        outputs are (subset accuracy, as in scikit-learn).

        Parameters
        ----------
        X : ndarray of shape (N, D)
        y : ndarray of shape (N,) or (N, K)
            0/1 targets, shaped like the training targets.

        Returns
        -------
        float
            Fraction of correctly classified samples.
        """
        where = "Perceptron.score"
        y_hat = self._predict(X, where)  # (N,) or (N, K)
        X = array_module_of(y_hat).asarray(X)
        y = self._check_y(X, y, where)
        if y.shape != y_hat.shape:
            raise ValueError(
                f"{where}: expected y of shape {_checks.format_shape(y_hat.shape)} like the "
                f"training targets; got {_checks.format_shape(y.shape)}."
            )
        correct = y_hat == y if y.ndim == 1 else (y_hat == y).all(axis=1)  # (N,)
        return float(correct.mean())


class XORNetwork:
    """A 2-2-1 network of Heaviside TLUs with hand-set weights that computes XOR.

    Hidden unit 1 is OR (``a + b - 0.5 >= 0``), hidden unit 2 is NAND
    (``-a - b + 1.5 >= 0``); the output unit is AND of the two
    (``h1 + h2 - 1.5 >= 0``). XOR is true exactly when at least one input
    is on (OR) and not both (NAND).

    Attributes
    ----------
    hidden : TLU
        Weights of shape (2, 2) and bias (2,).
    output : TLU
        Weights of shape (2,) and a scalar bias.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> XORNetwork().predict(X).tolist()
    [0, 1, 1, 0]
    """

    def __init__(self):
        self.hidden = TLU([[1.0, -1.0], [1.0, -1.0]], [-0.5, 1.5])  # columns: OR, NAND
        self.output = TLU([1.0, 1.0], -1.5)  # AND

    def hidden_activations(self, X):
        """Return the hidden units' outputs for ``X`` of shape (N, 2): (N, 2) of 0/1."""
        return self.hidden.predict(X)  # (N, 2)

    def predict(self, X):
        """Return XOR of the two columns of ``X`` (shape (N, 2)) as (N,) int64."""
        return self.output.predict(self.hidden_activations(X))  # (N,)
