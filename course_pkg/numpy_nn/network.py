"""A multilayer perceptron built from Dense (and Dropout) layers, trained with mini-batches.

The network is a list of layers. The forward pass feeds each layer's output to
the next; the backward pass walks the list in reverse, each layer turning the
gradient of its outputs into the gradient of its inputs and filling its own
``grads``. Three public methods are the three steps, and ``fit`` adds the fourth,
the optimizer's step::

    logits = model.forward(X, training=True, logits=True)  # (N, C), Z of the output layer
    loss, dlogits = model.loss_and_dlogits(logits, y)      # dlogits: (N, C)
    model.backward(dlogits)                                 # every layer fills its grads

A softmax output trained with cross-entropy (or a sigmoid output with binary
cross-entropy) is handled as one fused step on the logits, whose gradient is
simply ``(probs - Y) / N``: stable, and no softmax Jacobian is needed.

``fit`` runs the same mini-batch loop as Keras (one ``train_epoch`` of
``course_pkg.numpy_nn.training`` per epoch) and returns a history dict shaped
like ``keras.callbacks.History.history``, so the same plotting code serves both
tracks of the course.

The layers are named as ``course_pkg.keras_nn.builders.build_mlp`` names the
layers of the same network (``"hidden_1"``, ``"dropout_1"``, ...,
``"output"``), and ``params()`` is keyed ``"<layer>/W"`` and ``"<layer>/b"``,
where Keras writes ``"<layer>/kernel"`` and ``"<layer>/bias"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from course_pkg._checks import (
    as_generator,
    check_array,
    check_choice,
    check_float_dtype,
    check_fraction,
    check_int,
    check_labels,
    check_same_rows,
    format_shape,
)
from course_pkg.numpy_nn.activations import get_activation
from course_pkg.numpy_nn.backend import to_numpy
from course_pkg.numpy_nn.layers import INITIALIZERS, Dense, Dropout
from course_pkg.numpy_nn.losses import get_loss, sigmoid_binary_crossentropy, softmax_cross_entropy
from course_pkg.numpy_nn.optimizers import get_optimizer
from course_pkg.numpy_nn.training import NonFiniteLossError, train_epoch

__all__ = ["MLP"]

_CATEGORICAL = ("categorical_crossentropy", "sparse_categorical_crossentropy")
_REGRESSION = ("mse", "mae", "huber")
_LOSS_NAMES = (*_CATEGORICAL, "binary_crossentropy", *_REGRESSION)
# Rows per forward pass in predict/evaluate: bounds memory on large sets without slowing small ones.
_EVAL_CHUNK = 4096


class MLP:
    """A fully connected feed-forward network (multilayer perceptron).

    Parameters
    ----------
    layer_sizes : sequence of int
        Sizes from the input to the output, e.g. ``[784, 128, 64, 10]``: 784
        input features, hidden layers of 128 and 64 units, 10 outputs. At
        least two entries (input and output), all >= 1.
    hidden_activation : str, default "relu"
        Activation of every hidden layer (see ``get_activation``).
    output_activation : str or None, default "softmax"
        Activation of the output layer: ``"softmax"`` (multiclass),
        ``"sigmoid"`` (binary or multilabel), ``"linear"``/None (regression),
        or any other known activation.
    loss : str, optional
        ``"categorical_crossentropy"``, ``"sparse_categorical_crossentropy"``,
        ``"binary_crossentropy"``, ``"mse"``, ``"mae"`` or ``"huber"``.
        Defaults to categorical cross-entropy for a softmax output, binary
        cross-entropy for a sigmoid output and ``"mse"`` otherwise.
        Cross-entropies need the matching output (softmax, sigmoid).
    init : str, optional
        Weight initializer for every layer, one of
        ``course_pkg.numpy_nn.layers.INITIALIZERS``. Defaults, per layer, to
        ``"he_normal"`` for a ReLU layer and ``"glorot_uniform"`` (Keras'
        default) for any other activation.
    dropout : float, default 0.0
        Dropout rate in [0, 1) applied after each hidden layer during
        training; 0 adds no Dropout layers.
    seed : None, int or np.random.Generator, optional
        Seed of the initial weights, the dropout masks and, unless ``fit`` is
        given its own, the shuffling. The same seed gives the same model and
        the same training run; a ``Generator`` shares one stream.
    dtype : {"float32", "float64"}, default "float32"
        Floating type of parameters and computations (float64 for gradient
        checks).

    Attributes
    ----------
    layer_sizes : list of int
    hidden_activation, output_activation : str
        Canonical activation names.
    loss : str
        Canonical loss name.
    layers : list of Dense and Dropout
        ``Dense, [Dropout,] Dense, [Dropout,] ..., Dense``, named
        ``"hidden_1", ["dropout_1",] "hidden_2", ..., "output"``.
    is_classifier : bool
        True for cross-entropy losses: ``fit`` and ``evaluate`` then report
        accuracy.
    optimizer : Optimizer or None
        The optimizer used by the last ``fit`` (None before).

    Raises
    ------
    ValueError
        For sizes < 1, unknown names, a rate outside [0, 1), a softmax output
        with one unit, or a loss that does not fit the output activation.
    TypeError
        For arguments of the wrong type, including unknown keyword arguments.

    Notes
    -----
    Parameter keys in ``params()`` and ``grads()`` are ``"<layer>/W"`` and
    ``"<layer>/b"``, with the layer names of the Keras builder
    ``build_mlp(layer_sizes)``: ``params()["hidden_1/W"]`` is the weight
    ``model.get_layer("hidden_1").kernel`` of the Keras twin (variable path
    ``"hidden_1/kernel"``), of the same shape (D, M), and ``"output/b"`` is
    ``model.get_layer("output").bias``.

    Examples
    --------
    >>> model = MLP([13, 10, 10, 1], output_activation="linear", seed=0)
    >>> model.loss, model.count_params()
    ('mse', 261)
    >>> X = np.zeros((4, 13))
    >>> model.forward(X).shape
    (4, 1)
    >>> list(model.params())
    ['hidden_1/W', 'hidden_1/b', 'hidden_2/W', 'hidden_2/b', 'output/W', 'output/b']
    """

    def __init__(
        self,
        layer_sizes,
        hidden_activation="relu",
        output_activation="softmax",
        loss=None,
        *,
        init=None,
        dropout=0.0,
        seed=None,
        dtype="float32",
    ):
        where = "MLP"
        if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
            raise TypeError(
                f"{where}: expected layer_sizes as a list of ints such as [784, 128, 10]; "
                f"got {type(layer_sizes).__name__} {layer_sizes!r}."
            )
        if len(layer_sizes) < 2:
            raise ValueError(
                f"{where}: expected layer_sizes with at least 2 entries (inputs and outputs); "
                f"got {list(layer_sizes)!r}."
            )
        self.layer_sizes = [
            check_int(size, where=where, name=f"layer_sizes[{i}]") for i, size in enumerate(layer_sizes)
        ]
        hidden = get_activation(hidden_activation)
        output = get_activation(output_activation)
        self.hidden_activation = hidden.name
        self.output_activation = output.name
        self.loss = self._choose_loss(loss, output.name)
        if init is not None:
            check_choice(init, INITIALIZERS, where=where, name="init")
        self.init = init
        self.dropout = check_fraction(dropout, where=where, name="dropout")
        self.dtype = check_float_dtype(dtype, where=where)
        self._generator = as_generator(seed, where=where)
        self.optimizer = None  # the optimizer of the last fit, kept for inspection

        self.layers = []
        n_dense = len(self.layer_sizes) - 1
        for i, (fan_in, fan_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:])):
            is_output = i == n_dense - 1
            act = output if is_output else hidden
            layer_init = init
            if layer_init is None:
                layer_init = "he_normal" if act.name == "relu" else "glorot_uniform"
            name = "output" if is_output else f"hidden_{i + 1}"
            self.layers.append(
                Dense(fan_in, fan_out, act, init=layer_init, seed=self._generator, dtype=self.dtype, name=name)
            )
            if self.dropout > 0 and not is_output:
                self.layers.append(Dropout(self.dropout, seed=self._generator, name=f"dropout_{i + 1}"))

    def _choose_loss(self, loss, output_name):
        where = "MLP"
        n_out = self.layer_sizes[-1]
        if output_name == "softmax" and n_out < 2:
            raise ValueError(
                f"{where}: expected at least 2 output units for a softmax output; got {n_out} "
                "(a softmax over one unit is always 1). For two classes use 1 unit with "
                'output_activation="sigmoid", or 2 softmax units.'
            )
        if loss is None:
            return {"softmax": "categorical_crossentropy", "sigmoid": "binary_crossentropy"}.get(
                output_name, "mse"
            )
        name = get_loss(loss).name  # validates, lists known names, resolves aliases
        check_choice(name, _LOSS_NAMES, where=where, name="loss")
        needs = "softmax" if name in _CATEGORICAL else "sigmoid" if name == "binary_crossentropy" else None
        if needs is not None and output_name != needs:
            raise ValueError(
                f"{where}: expected output_activation={needs!r} with loss={name!r}; "
                f"got output_activation={output_name!r}. Cross-entropy needs probabilities: use a "
                f"{needs} output (the network then trains on its logits), or a regression loss."
            )
        return name

    def __repr__(self):
        return (
            f"MLP({self.layer_sizes}, hidden_activation={self.hidden_activation!r}, "
            f"output_activation={self.output_activation!r}, loss={self.loss!r}, "
            f"dropout={self.dropout}, dtype={self.dtype.name!r})"
        )

    # ------------------------------------------------------------------ structure

    @property
    def is_classifier(self) -> bool:
        """True when the loss is a cross-entropy (then accuracy is reported)."""
        return self.loss not in _REGRESSION

    @property
    def _fused(self):
        # Which fused loss trains the output logits, or None for the loss-then-backward path.
        if self.loss in _CATEGORICAL:
            return softmax_cross_entropy
        if self.loss == "binary_crossentropy":
            return sigmoid_binary_crossentropy
        return None

    @property
    def _dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def xp(self):
        """The array module (numpy or cupy) that holds the parameters."""
        return self.layers[0].xp

    def count_params(self) -> int:
        """Return the total number of parameters (weights and biases).

        Examples
        --------
        >>> MLP([784, 512, 512, 10]).count_params()
        669706
        """
        return sum(layer.count_params() for layer in self.layers)

    def params(self) -> dict:
        """Return every parameter in one flat dict, keyed ``"<layer name>/<W or b>"``.

        The values are the layers' own arrays (not copies): an optimizer that
        updates them in place trains the model. ``"hidden_1/W"`` corresponds to
        Keras' ``"hidden_1/kernel"``, ``"hidden_1/b"`` to ``"hidden_1/bias"``.
        """
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.params.items()}

    def grads(self) -> dict:
        """Return every gradient, with the same keys as ``params()``.

        The arrays are overwritten in place by each ``loss_and_grads``.
        """
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.grads.items()}

    def get_weights(self) -> list:
        """Return ``[W1, b1, W2, b2, ...]`` as NumPy copies, in Keras' layout.

        ``W`` has shape (inputs, units) and ``b`` shape (units,), exactly as
        ``keras.Model.get_weights()`` of the same network, so weights can be
        copied between the two tracks.
        """
        weights = []
        for layer in self._dense_layers:
            for key in ("W", "b"):
                arr = to_numpy(layer.params[key])
                weights.append(arr.copy() if arr is layer.params[key] else arr)
        return weights

    def set_weights(self, weights) -> None:
        """Copy ``[W1, b1, W2, b2, ...]`` (Keras' layout) into the model.

        Parameters
        ----------
        weights : list of ndarray
            One (inputs, units) matrix and one (units,) vector per Dense
            layer, as returned by ``get_weights`` or by a Keras model.

        Raises
        ------
        ValueError
            If the number of arrays, a shape (the message names the index),
            or a value (NaN, infinity) is wrong. Nothing is changed then.
        TypeError
            If ``weights`` is not a list or tuple of arrays.
        """
        where = "MLP.set_weights"
        dense = self._dense_layers
        if not isinstance(weights, (list, tuple)):
            raise TypeError(
                f"{where}: expected a list of arrays [W1, b1, W2, b2, ...]; got {type(weights).__name__}."
            )
        if len(weights) != 2 * len(dense):
            raise ValueError(
                f"{where}: expected {2 * len(dense)} arrays (W and b for each of {len(dense)} Dense layers); "
                f"got {len(weights)}."
            )
        checked = []
        for j, (value, layer, key) in enumerate(
            zip(weights, [d for d in dense for _ in (0, 1)], ["W", "b"] * len(dense))
        ):
            target = layer.params[key]
            arr = check_array(value, where=where, name=f"weights[{j}]", xp=layer.xp)
            if arr.shape != target.shape:
                raise ValueError(
                    f"{where}: expected weights[{j}] ({layer.name}/{key}, Dense {layer.n_inputs} -> "
                    f"{layer.units}) of shape {format_shape(target.shape)}; got {format_shape(arr.shape)}."
                )
            checked.append((target, arr))
        for target, arr in checked:
            target[...] = arr  # in place: optimizers and params() keep pointing at the same arrays

    def summary(self) -> str:
        """Return a table of the layers, their output shapes and parameter counts, like Keras'.

        Examples
        --------
        >>> print(MLP([4, 8, 3], dropout=0.5, seed=0).summary())
        Layer (type)              Output Shape      Param #
        ===================================================
        hidden_1 (Dense, relu)    (None, 8)              40
        dropout_1 (Dropout, 0.5)  (None, 8)               0
        output (Dense, softmax)   (None, 3)              27
        ===================================================
        Total params: 67
        """
        rows = []
        for layer in self.layers:
            if isinstance(layer, Dense):
                kind, units = f"Dense, {layer.activation.name}", layer.units
            else:
                kind, units = f"Dropout, {layer.rate:g}", rows[-1][1]
            rows.append((f"{layer.name} ({kind})", units, f"{layer.count_params():,}"))
        line = "=" * 51
        text = [f"{'Layer (type)':<26}{'Output Shape':<18}{'Param #':>7}", line]
        text += [f"{name:<26}{f'(None, {units})':<18}{count:>7}" for name, units, count in rows]
        text += [line, f"Total params: {self.count_params():,}"]
        return "\n".join(text)

    # ------------------------------------------------------------------ validation

    def _check_X(self, X, where):
        X = check_array(X, where=where, name="X", shape=(None, self.layer_sizes[0]), xp=self.xp)
        return X.astype(self.dtype, copy=False)

    def _check_logits(self, logits, where, name="logits"):
        shape = (None, self.layer_sizes[-1])
        return check_array(logits, where=where, name=name, shape=shape, finite=False, xp=self.xp)

    def _check_y(self, y, X, where):
        """Validate targets against X and return them in the form the loss takes."""
        xp = self.xp
        y = check_array(y, where=where, name="y", xp=xp)
        if y.ndim not in (1, 2):
            raise ValueError(f"{where}: expected y of shape (N,) or (N, K); got {format_shape(y.shape)}.")
        check_same_rows(X, y, where=where)
        n_out = self.layer_sizes[-1]
        if self.loss in _CATEGORICAL:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.reshape(-1)
            if y.ndim == 1:
                return check_labels(y, n_out, where=where)
            if self.loss == "sparse_categorical_crossentropy":
                raise ValueError(
                    f"{where}: expected integer labels y of shape (N,) for sparse_categorical_crossentropy; "
                    f"got {format_shape(y.shape)}. Pass y.argmax(axis=1), or use categorical_crossentropy."
                )
            if y.shape[1] != n_out:
                raise ValueError(
                    f"{where}: expected y as labels (N,) or one-hot of shape (N, {n_out}); "
                    f"got {format_shape(y.shape)}."
                )
            return y.astype(self.dtype, copy=False)
        # Binary and regression targets: one column per output unit.
        if y.ndim == 1:
            if n_out != 1:
                raise ValueError(
                    f"{where}: expected y of shape (N, {n_out}) (one column per output unit); "
                    f"got {format_shape(y.shape)}."
                )
            y = y.reshape(-1, 1)
        if y.shape[1] != n_out:
            raise ValueError(
                f"{where}: expected y of shape (N, {n_out}) (one column per output unit); "
                f"got {format_shape(y.shape)}."
            )
        y = y.astype(self.dtype, copy=False)
        if self.loss == "binary_crossentropy" and y.size and (float(y.min()) < 0 or float(y.max()) > 1):
            raise ValueError(
                f"{where}: expected y in [0, 1] (0/1 labels) for binary_crossentropy; "
                f"got values from {float(y.min()):.4g} to {float(y.max()):.4g}."
            )
        return y

    # ------------------------------------------------------------------ forward, loss, backward

    def forward(self, X, training=False, *, logits=False, check_input=True):
        """Return the network's output for a batch.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Inputs, D = ``layer_sizes[0]``.
        training : bool, default False
            Apply dropout (training mode) or not (evaluation).
        logits : bool, default False
            Return the output layer's logits Z (before its activation), which
            ``loss_and_dlogits`` takes, instead of the outputs.
        check_input : bool, default True
            Check X (2-D, ``layer_sizes[0]`` columns, finite) and cast it to the
            model's dtype. ``train_epoch`` passes False when its data were
            checked once before the loop.

        Returns
        -------
        ndarray of shape (N, C)
            Probabilities for a softmax or sigmoid output, raw values for a
            linear output (or the logits); in the model's array module (use
            ``predict`` for NumPy results).

        Raises
        ------
        ValueError
            If X is not 2-D with ``layer_sizes[0]`` columns or is not finite.
        """
        if check_input:
            X = self._check_X(X, "MLP.forward")
        A = X  # (N, D)
        for layer in self.layers[:-1]:
            A = layer.forward(A, training=training, check_input=False)  # (N, M) of this layer
        if logits:
            return self.layers[-1].linear_forward(A, check_input=False)  # (N, C)
        return self.layers[-1].forward(A, check_input=False)  # (N, C)

    def loss_and_dlogits(self, logits, y, *, check_input=True):
        """Return the loss of a batch and its gradient with respect to the logits.

        Parameters
        ----------
        logits : ndarray of shape (N, C)
            The output layer's logits, ``forward(X, logits=True)``.
        y : ndarray of shape (N,) or (N, C)
            Targets, as for ``fit``.
        check_input : bool, default True
            Check the shapes of logits and y and the values of y.

        Returns
        -------
        loss : float
            The loss, averaged over the batch; NaN when the output holds NaN
            or infinity (training diverged).
        dlogits : ndarray of shape (N, C) or None
            Gradient of the loss wrt the logits, what ``backward`` takes;
            None when the loss is NaN for that reason.

        Raises
        ------
        ValueError
            For logits or targets of the wrong shape, or labels out of range.

        Notes
        -----
        A softmax output with a cross-entropy (or a sigmoid output with binary
        cross-entropy) is one fused step on the logits, whose gradient is
        ``(probs - Y) / N``: stable, and no softmax Jacobian is needed. Other
        losses are computed on the outputs ``A = activation(Z)`` and their
        gradient is taken back through the activation.
        """
        if check_input:
            logits = self._check_logits(logits, "MLP.loss_and_dlogits")
            y = self._check_y(y, logits, "MLP.loss_and_dlogits")
        activation = self.layers[-1].activation
        fused = self._fused
        out = logits if fused is not None else activation.forward(logits)  # (N, C)
        if not bool(self.xp.isfinite(out).all()):
            return math.nan, None  # diverged: every caller says so in its own words
        if fused is not None:
            return fused(logits, y, check_input=False)  # (loss, dlogits); checked above or by the caller
        loss_fn = get_loss(self.loss)
        return loss_fn.value(y, out), activation.backward(logits, loss_fn.grad(y, out))

    def backward(self, dlogits, *, check_input=True):
        """Back-propagate ``dlogits`` through every layer, last layer first; fill the ``grads``.

        Parameters
        ----------
        dlogits : ndarray of shape (N, C)
            Gradient of the loss wrt the logits of the last forward pass, as
            returned by ``loss_and_dlogits``.
        check_input : bool, default True
            Check the shape of dlogits.

        Raises
        ------
        RuntimeError
            If no forward pass is stored.
        ValueError
            If dlogits does not have the shape of the last logits.
        """
        *hidden, output = self.layers
        if check_input:
            dlogits = self._check_logits(dlogits, "MLP.backward", name="dlogits")
        # The output layer gets the gradient wrt its logits Z: its activation is already accounted for.
        dA = output.linear_backward(dlogits, need_dX=bool(hidden), check_input=check_input)  # (N, M)
        for i in range(len(hidden) - 1, -1, -1):
            dA = hidden[i].backward(dA, need_dX=i > 0, check_input=False)  # the first layer needs no dX

    def count_correct(self, logits, y, *, check_input=True):
        """Count the correct predictions of a batch, for accuracy.

        Parameters
        ----------
        logits : ndarray of shape (N, C)
            The output layer's logits, ``forward(X, logits=True)``.
        y : ndarray of shape (N,) or (N, C)
            Targets, as for ``fit``.
        check_input : bool, default True
            Check the shapes of logits and y and the values of y.

        Returns
        -------
        n_correct : int
            Correct predictions.
        n_predictions : int
            Predictions made: N for a softmax output (one class per sample),
            N * C for a sigmoid output (one 0/1 prediction per output unit).
            The accuracy is ``n_correct / n_predictions``.

        Raises
        ------
        ValueError
            For a regression network (no classes to count), or invalid inputs.
        """
        where = "MLP.count_correct"
        if not self.is_classifier:
            raise ValueError(
                f"{where}: expected a classifier (a cross-entropy loss); got loss={self.loss!r}. "
                "Compare predict(X) with y yourself, e.g. with the mean absolute error."
            )
        if check_input:
            logits = self._check_logits(logits, where)
            y = self._check_y(y, logits, where)
        xp = self.xp
        if self.loss in _CATEGORICAL:
            labels = y if y.ndim == 1 else xp.argmax(y, axis=1)
            return int(xp.count_nonzero(xp.argmax(logits, axis=1) == labels)), logits.shape[0]
        # Sigmoid: p > 0.5 exactly when the logit is > 0 (Keras' binary_accuracy threshold).
        return int(xp.count_nonzero((logits > 0) == (y > 0.5))), logits.size

    def loss_and_grads(self, X, y, training=True) -> float:
        """Compute the loss on a batch and fill every layer's ``grads``.

        ``forward`` (to the logits), ``loss_and_dlogits`` and ``backward`` in one call.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Inputs.
        y : ndarray of shape (N,) or (N, C)
            Targets: integer labels or one-hot rows for softmax outputs, 0/1
            labels for sigmoid outputs, values for regression.
        training : bool, default True
            Forward in training mode (dropout active).

        Returns
        -------
        float
            The loss, averaged over the batch.

        Raises
        ------
        ValueError
            For inputs or targets of the wrong shape, labels out of range, or
            non-finite values (including a non-finite network output).
        """
        where = "MLP.loss_and_grads"
        X = self._check_X(X, where)
        y = self._check_y(y, X, where)
        logits = self.forward(X, training=training, logits=True, check_input=False)
        loss, dlogits = self.loss_and_dlogits(logits, y, check_input=False)
        if dlogits is None:
            raise ValueError(
                f"{where}: expected a finite network output; got NaN or infinity. "
                f"{self._diagnose_nonfinite(X)}"
            )
        self.backward(dlogits, check_input=False)
        return float(loss)

    # ------------------------------------------------------------------ training

    def _diagnose_nonfinite(self, X=None, learning_rate=None):
        """Say which layer went non-finite (a parameter, else the first overflowing output) and why."""
        xp = self.xp
        fix = "use a smaller learning rate" + (
            f" (learning_rate={learning_rate:g} now)" if learning_rate is not None else ""
        )
        for layer in self._dense_layers:
            for key, value in layer.params.items():
                if not bool(xp.isfinite(value).all()):
                    return (
                        f"Parameter {layer.name}/{key} of layer {layer.name} (Dense {layer.n_inputs} -> "
                        f"{layer.units}) holds NaN or infinity: training diverged; {fix}."
                    )
        if X is not None:
            A = X
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for layer in self.layers:
                    A = layer.forward(A, check_input=False)
                    if isinstance(layer, Dense) and not bool(xp.isfinite(A).all()):
                        largest = float(xp.abs(layer.params["W"]).max())
                        return (
                            f"The output of layer {layer.name} (Dense {layer.n_inputs} -> {layer.units}) "
                            f"overflowed to NaN or infinity; its largest weight is {largest:.3g} in "
                            f"magnitude. If this happened during training, training diverged: {fix}; "
                            "otherwise scale the inputs (e.g. standardize them)."
                        )
        return f"Scale the inputs (e.g. standardize them) or, during training, {fix}."

    def fit(
        self,
        X,
        y,
        *,
        epochs,
        batch_size=32,
        optimizer="adam",
        validation_data=None,
        shuffle=True,
        verbose=1,
        seed=None,
    ) -> dict:
        """Train with mini-batch gradient descent; return the per-epoch history.

        Each epoch is one call of ``course_pkg.numpy_nn.training.train_epoch``, the
        loop forward -> loss -> backward -> step over the mini-batches; ``fit`` checks
        the data once, then adds validation, a progress bar, the history and a
        diagnosis when training diverges.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Training inputs.
        y : ndarray of shape (N,) or (N, C)
            Training targets (see ``loss_and_grads``).
        epochs : int
            Passes over the training set, >= 1.
        batch_size : int, default 32
            Samples per update; the last batch of an epoch keeps the remainder.
        optimizer : str or Optimizer, default "adam"
            A name for ``get_optimizer`` (a fresh optimizer with its default
            hyperparameters; ``"adam"`` has Keras' ``learning_rate=0.001``, as
            in ``course_pkg.keras_nn.compile.compile_for``) or an optimizer
            instance, whose state carries over between ``fit`` calls.
        validation_data : tuple (X_val, y_val), optional
            Evaluated at the end of every epoch.
        shuffle : bool, default True
            Draw a new permutation of the samples each epoch.
        verbose : {0, 1, 2}, default 1
            0 prints nothing, 1 shows a progress bar over epochs, 2 prints
            one line per epoch.
        seed : None, int or np.random.Generator, optional
            Seed of the shuffling (and dropout). Defaults to the model's own
            generator, seeded by ``MLP(seed=...)``.

        Returns
        -------
        dict of str to list of float
            ``{"loss": [...], "accuracy": [...], "val_loss": [...],
            "val_accuracy": [...]}`` with one value per epoch, as
            ``keras.callbacks.History.history``; accuracies only for
            classification, ``val_*`` only with ``validation_data``.

        Raises
        ------
        ValueError, TypeError
            For invalid data or arguments.
        FloatingPointError
            If the network output or a parameter becomes non-finite; the
            message names the layer and suggests a smaller learning rate.

        Notes
        -----
        Like Keras, the training loss and accuracy of an epoch are the
        size-weighted means of the batch values computed during the epoch
        (each before its update); the validation values use the weights at
        the end of the epoch. Each epoch draws one permutation of the samples
        and cuts it into contiguous batches (no sampling with replacement).
        """
        where = "MLP.fit"
        X = self._check_X(X, where)
        y = self._check_y(y, X, where)
        if X.shape[0] == 0:
            raise ValueError(f"{where}: expected at least one sample in X; got shape {format_shape(X.shape)}.")
        epochs = check_int(epochs, where=where, name="epochs")
        batch_size = check_int(batch_size, where=where, name="batch_size")
        if verbose not in (0, 1, 2):
            raise ValueError(f"{where}: expected verbose to be 0, 1 or 2; got {verbose!r}.")
        opt = get_optimizer(optimizer)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError(
                    f"{where}: expected validation_data as a tuple (X_val, y_val); "
                    f"got {type(validation_data).__name__}."
                )
            X_val = self._check_X(validation_data[0], f"{where} (validation_data)")
            val = (X_val, self._check_y(validation_data[1], X_val, f"{where} (validation_data)"))
        gen = self._generator if seed is None else as_generator(seed, where=where)
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.reseed(gen)  # one stream for the whole run: reproducible from one seed

        history = {}  # filled in the order of each record: loss, accuracy, val_loss, val_accuracy
        epoch_iter = range(epochs)
        bar = None
        if verbose == 1:
            from tqdm.auto import tqdm  # noqa: PLC0415 - imported on use: keeps `import course_pkg` fast

            bar = epoch_iter = tqdm(epoch_iter, desc="fit", unit="epoch")
        try:
            # Divergence is detected and reported below; NumPy's overflow warnings would only
            # precede that message with less helpful ones.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for epoch in epoch_iter:
                    try:
                        record = train_epoch(
                            self, X, y, opt, batch_size=batch_size, shuffle=shuffle, seed=gen,
                            check_input=False,
                        )
                    except NonFiniteLossError as err:
                        raise FloatingPointError(
                            f"{where}: the loss became non-finite at epoch {epoch + 1}, batch {err.batch}. "
                            f"{self._diagnose_nonfinite(err.X_batch, getattr(opt, 'learning_rate', None))}"
                        ) from None
                    if not all(bool(self.xp.isfinite(p).all()) for p in self.params().values()):
                        raise FloatingPointError(
                            f"{where}: after epoch {epoch + 1}: "
                            f"{self._diagnose_nonfinite(learning_rate=getattr(opt, 'learning_rate', None))}"
                        )
                    if val is not None:
                        scores = self._evaluate(*val)
                        record.update({f"val_{k}": v for k, v in scores.items()})
                    for key, value in record.items():
                        history.setdefault(key, []).append(float(value))
                    if bar is not None:
                        bar.set_postfix({k: f"{v:.4f}" for k, v in record.items()})
                    elif verbose == 2:
                        line = " - ".join(f"{k}: {v:.4f}" for k, v in record.items())
                        print(f"Epoch {epoch + 1}/{epochs} - {line}")
        finally:
            if bar is not None:
                bar.close()
        self.optimizer = opt
        return history

    # ------------------------------------------------------------------ inference

    def _chunks(self, X):
        for start in range(0, X.shape[0], _EVAL_CHUNK):
            yield slice(start, start + _EVAL_CHUNK)

    def _evaluate(self, X, y):
        total_loss, correct, predictions = 0.0, 0, 0
        for rows in self._chunks(X):
            logits = self.forward(X[rows], logits=True, check_input=False)  # (n, C)
            loss, dlogits = self.loss_and_dlogits(logits, y[rows], check_input=False)
            if dlogits is None:
                raise ValueError(
                    f"MLP.evaluate: expected a finite network output; got NaN or infinity. "
                    f"{self._diagnose_nonfinite(X[rows])}"
                )
            total_loss += loss * logits.shape[0]
            if self.is_classifier:
                hits, made = self.count_correct(logits, y[rows], check_input=False)
                correct, predictions = correct + hits, predictions + made
        scores = {"loss": total_loss / max(X.shape[0], 1)}
        if self.is_classifier:
            scores["accuracy"] = correct / max(predictions, 1)
        return scores

    def evaluate(self, X, y) -> dict:
        """Return the loss (and accuracy, for classification) on a data set.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Inputs.
        y : ndarray of shape (N,) or (N, C)
            Targets, as for ``fit``.

        Returns
        -------
        dict
            ``{"loss": float, "accuracy": float}``; no ``"accuracy"`` for
            regression. Computed in evaluation mode (no dropout).

        Raises
        ------
        ValueError
            For invalid inputs or targets.
        """
        X = self._check_X(X, "MLP.evaluate")
        y = self._check_y(y, X, "MLP.evaluate")
        return {k: float(v) for k, v in self._evaluate(X, y).items()}

    def predict_proba(self, X) -> np.ndarray:
        """Return the output probabilities as a NumPy array.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Inputs.

        Returns
        -------
        ndarray of shape (N, C)
            Softmax probabilities (rows sum to 1), or one sigmoid probability
            per output unit.

        Raises
        ------
        ValueError
            For a regression network (use ``predict``) or invalid X.
        """
        if self.output_activation not in ("softmax", "sigmoid"):
            raise ValueError(
                f"MLP.predict_proba: expected a softmax or sigmoid output; got "
                f"output_activation={self.output_activation!r}. Use predict() for raw outputs."
            )
        return self._predict_raw(self._check_X(X, "MLP.predict_proba"))

    def _predict_raw(self, X):
        xp = self.xp
        outs = [self.forward(X[rows], check_input=False) for rows in self._chunks(X)]
        out = xp.concatenate(outs) if outs else xp.zeros((0, self.layer_sizes[-1]), dtype=self.dtype)
        return to_numpy(out)

    def predict(self, X) -> np.ndarray:
        """Return predictions as a NumPy array.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Inputs.

        Returns
        -------
        ndarray
            Softmax output: class labels of shape (N,) (argmax). Sigmoid
            output: 0/1 labels (probability > 0.5) of shape (N,) for one unit,
            (N, K) for K units. Otherwise: the raw outputs, shape (N, K), as
            Keras' ``predict`` (note: compare with targets of shape (N, K),
            not (N,), to avoid broadcasting to (N, N)).
        """
        X = self._check_X(X, "MLP.predict")
        out = self._predict_raw(X)  # (N, K)
        if self.output_activation == "softmax":
            return out.argmax(axis=1)
        if self.output_activation == "sigmoid":
            labels = (out > 0.5).astype(np.int64)
            return labels[:, 0] if labels.shape[1] == 1 else labels
        return out
