"""course_pkg: the Python package behind the neural-networks course.

Sub-packages and modules (imported on first use, so ``import course_pkg`` stays fast and never
imports TensorFlow):

``course_pkg.numpy_nn``
    The from-scratch track: activations, losses, perceptrons, dense layers, MLPs, optimizers,
    mini-batches and gradient checking in NumPy (CuPy on a GPU).
``course_pkg.keras_nn``
    The Keras track (the only part that imports TensorFlow).
``course_pkg.data``
    Offline-first data sets and preprocessing.
``course_pkg.plotting``
    Figures shared by the book and both tracks.
``course_pkg.diagrams``
    Diagrams of neurons, networks and computational graphs, drawn as SVG by plain Python.
``course_pkg.settings``
    The one reader of every ``COURSE_*`` environment variable (``fast_mode()`` and the others).
``course_pkg.book``
    Helpers the book's notebooks share (``budget(full=..., fast=...)``).
``course_pkg.checks``
    The checks learners run in their assignment notebooks (visible cases and their messages; the
    instructor's grader, a separate package, adds the hidden ones).

**One vocabulary, two dialects.** The two tracks say the same things with the same words, so that code, error messages and the
assignments read alike. Shapes use N (batch), D (features), M (units), C (classes or outputs).

=====================  ==========================================  ==========================================
concept                NumPy track (``course_pkg.numpy_nn``)       Keras track (``course_pkg.keras_nn``)
=====================  ==========================================  ==========================================
sizes of a dense       ``MLP(layer_sizes)``,                       ``build_mlp(layer_sizes)``, the same list;
network                ``layer_sizes = [D, M_1, ..., C]``          D may be None with
                                                                   ``flatten_input_shape=(28, 28)``
one dense layer        ``Dense(n_inputs, units, activation)``:     ``keras.layers.Dense(units, activation)``:
                       told its inputs, so weights exist at once   learns D from the first batch
activations            ``hidden_activation=``,                     the same keywords
                       ``output_activation=``
learning rate          ``learning_rate=`` everywhere (optimizers,  ``learning_rate=``
                       ``Perceptron``); ``lr=`` is refused with a
                       ``TypeError``, as in Keras 3; ``lr`` only
                       abbreviates it inside update rules
random state           ``seed=``: None, an int, or a               ``seed=``: None or an int
                       ``numpy.random.Generator`` to share one
                       stream (one per training run); never
                       global state
default optimizer      ``MLP.fit(optimizer="adam")``,              ``compile_for(optimizer="adam")``,
                       learning rate 0.001                         learning rate 0.001
weights of a layer     ``params = {"W": (D, M), "b": (M,)}``,      ``kernel`` (D, M), ``bias`` (M,)
                       ``grads`` with the same keys and shapes
                       (dW, db)
names in a network     layers ``"hidden_1"``, ``"dropout_1"``,     the same layer names;
                       ..., ``"output"``; ``MLP.params()`` keys    ``"hidden_1/kernel"``,
                       ``"hidden_1/W"``, ``"hidden_1/b"``          ``"hidden_1/bias"``
data and training      ``X (N, D)``, ``y``, ``epochs``,            the same
                       ``batch_size``, ``validation_data=(X_val,
                       y_val)``
history                ``fit`` returns a dict shaped like          ``History.history``
                       ``keras.callbacks.History.history``
=====================  ==========================================  ==========================================

Counts are named ``n_samples``, ``n_inputs`` (features), ``units``, ``n_outputs`` and
``n_classes``. ``course_pkg.keras_nn.bridge`` carries a network between the dialects with its
weights (``to_keras``, ``from_keras``).
"""

from __future__ import annotations

import importlib

from course_pkg.settings import fast_mode

__version__ = "0.1.0"

_SUBMODULES = {"book", "numpy_nn", "keras_nn", "data", "plotting", "diagrams", "checks"}

__all__ = ["__version__", "fast_mode", "settings", *sorted(_SUBMODULES)]


def __getattr__(name: str):
    # PEP 562 lazy sub-modules: `course_pkg.keras_nn` imports TensorFlow only when first touched.
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_pkg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
