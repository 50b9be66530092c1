"""Compare a learner's Keras model with a reference architecture, in plain words, for graders.

:func:`compare_architecture` lists where a model differs from a reference: inputs and outputs,
the layers in order (type, units, activation, dropout rate, output shape) and the parameter
counts, e.g. ``"layer 2 (Dense 'dense_1'): 64 units, expected 128"`` or
``"output activation is relu, expected softmax, at layer 3 (Dense 'dense_2')"``. It compares
architectures only: it never reads, prints or compares weights.

What counts as "the same":

- Layer names do not matter, nor whether the model was written with the Sequential, Functional
  or Subclassing API; input layers are ignored.
- ``Dense(10, activation="softmax")`` equals ``Dense(10)`` followed by ``Activation("softmax")``
  (or a ``Softmax``/``ReLU`` layer): an activation layer right after a Dense layer without an
  activation is folded into it. An activation layer anywhere else is compared as a layer.
- Layers are numbered from 1 in the learner's ``model.layers`` order, input layers left out
  (for a Sequential model, layer ``k`` is ``model.layers[k - 1]``).
- A model used as a layer is compared as one layer (its type and parameter count).
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from dataclasses import dataclass, field

import keras
from keras import layers

from course_pkg._checks import fail, format_shape
from course_pkg.keras_nn.inspection import layer_activation, output_layers, producing_layer

__all__ = ["LayerSummary", "ArchitectureReport", "summarize_layers", "compare_architecture"]

_ACTIVATION_LAYERS = (layers.Activation, layers.ReLU, layers.Softmax)


@dataclass
class LayerSummary:
    """What :func:`compare_architecture` knows about one layer (no weights).

    Attributes
    ----------
    position : int
        1-based position in ``model.layers`` with input layers left out.
    name : str
        The layer's name (reported, never compared).
    kind : str
        The layer's class name, e.g. ``"Dense"``, ``"Dropout"``, ``"Flatten"``.
    units : int or None
        ``units`` of a Dense-like layer.
    activation : str or None
        Activation name ("relu", "softmax", "linear"), after folding a following activation
        layer; None for layers without one.
    rate : float or None
        Dropout rate.
    output_shape : tuple or None
        Output shape with the batch axis as None; None when it cannot be known (some layers of
        a subclassed model).
    params : int or None
        Number of parameters.
    is_output : bool
        Whether the layer produces one of the model's outputs.
    """

    position: int
    name: str
    kind: str
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    output_shape: tuple | None = None
    params: int | None = None
    is_output: bool = False

    def describe(self) -> str:
        """A short description, e.g. ``Dense(10, softmax)``, ``Dropout(0.5)``, ``Flatten``."""
        details = []
        if self.units is not None:
            details.append(str(self.units))
        if self.activation is not None and (self.units is not None or self.kind == "Activation"):
            details.append(self.activation)
        if self.rate is not None:
            details.append(f"{self.rate:g}")
        return f"{self.kind}({', '.join(details)})" if details else self.kind

    def label(self) -> str:
        """How a message names the layer: ``layer 2 (Dense 'hidden_2')``."""
        return f"layer {self.position} ({self.kind} '{self.name}')"

    def signature(self) -> tuple:
        """What must match for two layers to count as the same (names and shapes left out)."""
        return (self.kind, self.units, self.activation, self.rate)


@dataclass
class ArchitectureReport:
    """The result of :func:`compare_architecture`.

    Attributes
    ----------
    differences : list of str
        One plain sentence per difference; empty when the architectures match.
    summary_rows : list of tuple of str
        The two models side by side, one ``(position, model layer, reference layer)`` row per
        aligned pair; a missing or extra layer shows ``"-"`` on the other side.
    n_params : int
        Parameters of the model.
    n_params_reference : int
        Parameters of the reference.
    """

    differences: list[str] = field(default_factory=list)
    summary_rows: list[tuple[str, str, str]] = field(default_factory=list)
    n_params: int = 0
    n_params_reference: int = 0

    @property
    def same(self) -> bool:
        """True when no difference was found."""
        return not self.differences

    def __str__(self) -> str:
        if self.same:
            return (
                f"The architecture matches the reference ({len(self.summary_rows)} layers, "
                f"{self.n_params:,} parameters)."
            )
        count = len(self.differences)
        ways = f"{count} way{'s' if count != 1 else ''}"
        lines = [f"The architecture differs from the reference in {ways}:"]
        lines += [f"  - {difference}" for difference in self.differences]
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Reading a model
# ----------------------------------------------------------------------------------------------


def _check_model(model, where: str, name: str) -> None:
    if not isinstance(model, keras.Model):
        fail(
            where,
            f"{name} as a keras.Model",
            f"{type(model).__module__}.{type(model).__name__}",
            "Pass the model object itself (not its summary, weights or predictions).",
            exc=TypeError,
        )
    if not model.built:
        fail(
            where,
            f"{name} as a built model",
            f"model '{model.name}' that has not been built yet",
            "Call it on data (model(X[:1])) or start it with keras.Input(shape=...) so its layers "
            "have shapes.",
        )


def _batchless(shape) -> tuple | None:
    # Subclassed models are built on a concrete batch; the batch size is not architecture.
    if shape is None:
        return None
    shape = tuple(None if s is None else int(s) for s in shape)
    return (None, *shape[1:]) if shape else shape


def _output_shape(layer, previous: tuple | None) -> tuple | None:
    try:
        return _batchless(layer.output.shape)
    except (AttributeError, ValueError, TypeError):
        pass
    # Layers of a subclassed model have no symbolic output; recompute from the build shape,
    # or, for layers that keep no build shape (Dropout, Flatten), from the previous layer.
    build = layer.get_build_config() if hasattr(layer, "get_build_config") else None
    input_shape = build.get("input_shape") if build else previous
    if input_shape is None:
        return None
    try:
        return _batchless(layer.compute_output_shape(input_shape))
    except Exception:  # noqa: BLE001 - any layer may refuse; the shape is then unknown
        return None


def _count(layer) -> int | None:
    try:
        return int(sum(math.prod(w.shape) for w in layer.weights))
    except (AttributeError, ValueError, TypeError):
        return None


def _folds_into(layer, previous: LayerSummary | None, previous_layer) -> bool:
    """Whether an activation layer only adds the activation of the Dense layer before it."""
    if previous is None or previous.units is None or previous.activation != "linear":
        return False
    try:
        source = producing_layer(layer.input)
    except (AttributeError, ValueError):
        source = None
    return source is None or source is previous_layer


def summarize_layers(model) -> list[LayerSummary]:
    """Describe each layer of a built model (input layers left out, activation layers folded).

    Parameters
    ----------
    model : keras.Model
        A built Sequential, Functional or subclassed model.

    Returns
    -------
    list of LayerSummary

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``.
    ValueError
        If the model has not been built.

    Examples
    --------
    >>> from course_pkg.keras_nn.builders import build_mnist_classifier
    >>> [s.describe() for s in summarize_layers(build_mnist_classifier((300, 100), seed=0))]
    ['Flatten', 'Dense(300, relu)', 'Dense(100, relu)', 'Dense(10, softmax)']
    """
    _check_model(model, "summarize_layers", "model")
    output_ids = {id(layer) for layer in output_layers(model)}
    summaries: list[LayerSummary] = []
    previous_layer = None
    previous_shape = None
    position = 0
    for layer in model.layers:
        if isinstance(layer, layers.InputLayer):
            continue
        position += 1
        shape = _output_shape(layer, previous_shape)
        activation = layer_activation(layer)
        if isinstance(layer, _ACTIVATION_LAYERS):
            last = summaries[-1] if summaries else None
            if _folds_into(layer, last, previous_layer):
                last.activation = activation
                last.is_output = last.is_output or id(layer) in output_ids
                last.output_shape = shape or last.output_shape
                previous_layer, previous_shape = layer, shape
                continue
            kind = "Activation"
        else:
            kind = type(layer).__name__
        units = getattr(layer, "units", None)
        rate = getattr(layer, "rate", None)
        summaries.append(
            LayerSummary(
                position=position,
                name=layer.name,
                kind=kind,
                units=int(units) if isinstance(units, int) else None,
                activation=activation,
                rate=float(rate) if isinstance(rate, (int, float)) else None,
                output_shape=shape,
                params=_count(layer),
                is_output=id(layer) in output_ids,
            )
        )
        previous_layer, previous_shape = layer, shape
    return summaries


def _input_shapes(model) -> list[tuple] | None:
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        return [_batchless(t.shape) for t in inputs]
    return None


def _n_outputs(model) -> int | None:
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        outputs = None
    if outputs:
        return len(outputs)
    names = getattr(model, "output_names", None)
    return len(names) if names else None


# ----------------------------------------------------------------------------------------------
# Comparing
# ----------------------------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _pair_differences(mine: LayerSummary, ref: LayerSummary) -> list[str]:
    """Differences between two aligned layers of the same kind."""
    found = []
    if mine.units != ref.units:
        if ref.is_output:
            found.append(
                f"output size is {mine.units} units, expected {ref.units}, at {mine.label()}"
            )
        else:
            found.append(f"{mine.label()}: {mine.units} units, expected {ref.units}")
    if mine.activation != ref.activation:
        if ref.is_output:
            found.append(
                f"output activation is {mine.activation}, expected {ref.activation}, "
                f"at {mine.label()}"
            )
        else:
            found.append(f"{mine.label()}: activation {mine.activation}, expected {ref.activation}")
    if mine.rate != ref.rate:
        found.append(f"{mine.label()}: rate {mine.rate:g}, expected {ref.rate:g}")
    if (
        not found
        and mine.output_shape is not None
        and ref.output_shape is not None
        and mine.output_shape != ref.output_shape
    ):
        found.append(
            f"{mine.label()}: output shape {format_shape(mine.output_shape)}, "
            f"expected {format_shape(ref.output_shape)}"
        )
    return found


def _where_missing(at: int, mine: list[LayerSummary]) -> str:
    if at >= len(mine):
        return "at the end"
    if at == 0:
        return "at the start"
    return f"after {mine[at - 1].label()}"


def _align(mine: list[LayerSummary], ref: list[LayerSummary]):
    """Align two layer lists.

    Returns (mine, ref) pairs to compare, the extra layers (in ``mine`` only) and the missing
    ones as (ref layer, index in ``mine`` where it would go).
    """
    pairs, extra, missing = [], [], []

    def by_kind(i1, i2, j1, j2):
        # Inside a block that differs, pair layers of the same kind in order; the rest are
        # extra or missing.
        matcher = difflib.SequenceMatcher(
            None, [s.kind for s in mine[i1:i2]], [s.kind for s in ref[j1:j2]], autojunk=False
        )
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                pairs.extend(zip(mine[i1 + a1 : i1 + a2], ref[j1 + b1 : j1 + b2]))
                continue
            extra.extend(mine[i1 + a1 : i1 + a2])
            missing.extend((r, i1 + a1) for r in ref[j1 + b1 : j1 + b2])

    matcher = difflib.SequenceMatcher(
        None, [s.signature() for s in mine], [s.signature() for s in ref], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(mine[i1:i2], ref[j1:j2]))
        else:
            by_kind(i1, i2, j1, j2)
    return pairs, extra, missing


def compare_architecture(model, reference) -> ArchitectureReport:
    """List, in plain words, where ``model``'s architecture differs from ``reference``.

    Parameters
    ----------
    model : keras.Model
        The learner's model, built (called on data, or started with ``keras.Input``).
    reference : keras.Model
        The model it should match, built.

    Returns
    -------
    ArchitectureReport
        ``.same`` is True when nothing differs; ``.differences`` holds one sentence per
        difference; ``str(report)`` reads well in a test failure.

    Raises
    ------
    TypeError
        If either argument is not a ``keras.Model`` (the message says what was received).
    ValueError
        If either model has not been built.

    Notes
    -----
    Compared, in this order: number of inputs and their shapes; number of outputs; the number
    of layers of each type; the layers in order, aligned so that one missing or extra layer is
    reported as such instead of shifting every later comparison (units, activation, dropout rate,
    and the output shape where nothing else differs); the total parameter count, and the
    trainable count when the non-trainable counts differ. Layer names and the API used are
    ignored, and an activation layer directly after a Dense layer counts as that layer's
    activation (see the module docstring). Weights are never compared or printed.

    Examples
    --------
    >>> from course_pkg.keras_nn.builders import build_mlp
    >>> reference = build_mlp([4, 8, 3], output_activation="softmax", seed=0)
    >>> learner = build_mlp([4, 8, 3], output_activation="relu", api="functional", seed=1)
    >>> print(compare_architecture(learner, reference))
    The architecture differs from the reference in 1 way:
      - output activation is relu, expected softmax, at layer 2 (Dense 'output')
    """
    where = "compare_architecture"
    _check_model(model, where, "model")
    _check_model(reference, where, "reference")
    differences: list[str] = []

    inputs, ref_inputs = _input_shapes(model), _input_shapes(reference)
    if inputs is not None and ref_inputs is not None:
        if len(inputs) != len(ref_inputs):
            differences.append(
                f"model has {_plural(len(inputs), 'input')}, expected {len(ref_inputs)}"
            )
        else:
            for k, (shape, ref_shape) in enumerate(zip(inputs, ref_inputs), start=1):
                if shape != ref_shape:
                    which = "input shape" if len(inputs) == 1 else f"input {k} shape"
                    differences.append(
                        f"{which} is {format_shape(shape)}, expected {format_shape(ref_shape)}"
                    )
    n_out, ref_n_out = _n_outputs(model), _n_outputs(reference)
    if n_out is not None and ref_n_out is not None and n_out != ref_n_out:
        differences.append(f"model has {_plural(n_out, 'output')}, expected {ref_n_out}")

    mine, ref = summarize_layers(model), summarize_layers(reference)
    pairs, extra, missing = _align(mine, ref)

    # Headline per layer type, with the missing or extra layers of that type as the hint.
    counts, ref_counts = Counter(s.kind for s in mine), Counter(s.kind for s in ref)
    explained = set()
    for kind in list(dict.fromkeys([s.kind for s in ref] + [s.kind for s in mine])):
        if counts[kind] == ref_counts[kind]:
            continue
        explained.add(kind)
        hints = [
            f"missing a {r.describe()} {_where_missing(at, mine)}"
            for r, at in missing
            if r.kind == kind
        ]
        hints += [f"extra {s.describe()} at {s.label()}" for s in extra if s.kind == kind]
        hint = f" ({'; '.join(hints)}?)" if hints else ""
        differences.append(
            f"model has {_plural(counts[kind], kind + ' layer')}, expected {ref_counts[kind]}{hint}"
        )
    for r, at in missing:
        if r.kind not in explained:
            differences.append(f"missing a {r.describe()} {_where_missing(at, mine)}")
    for s in extra:
        if s.kind not in explained:
            differences.append(f"extra {s.describe()} at {s.label()}")
    for s, r in pairs:
        differences.extend(_pair_differences(s, r))

    n_params, ref_params = _total(model), _total(reference)
    if n_params != ref_params:
        differences.append(f"model has {n_params:,} parameters, expected {ref_params:,}")
    trainable, ref_trainable = _trainable(model), _trainable(reference)
    if n_params - trainable != ref_params - ref_trainable:
        differences.append(
            f"model has {trainable:,} trainable parameters, expected {ref_trainable:,} "
            "(check which layers are frozen with trainable=False)"
        )

    return ArchitectureReport(
        differences=differences,
        summary_rows=_rows(pairs, extra, missing, mine),
        n_params=n_params,
        n_params_reference=ref_params,
    )


def _total(model) -> int:
    return int(sum(math.prod(w.shape) for w in model.weights))


def _trainable(model) -> int:
    return int(sum(math.prod(w.shape) for w in model.trainable_weights))


def _rows(pairs, extra, missing, mine) -> list[tuple[str, str, str]]:
    rows = [(s.position, str(s.position), s.describe(), r.describe()) for s, r in pairs]
    rows += [(s.position, str(s.position), s.describe(), "-") for s in extra]
    for r, at in missing:
        # Just after the learner's layer it should follow (sorted() keeps ties in order).
        after = mine[at - 1].position if at > 0 else 0
        rows.append((after + 0.5, "-", "-", r.describe()))
    rows.sort(key=lambda row: row[0])
    return [row[1:] for row in rows]
