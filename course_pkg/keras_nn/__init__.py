"""The Keras 3 track (TensorFlow backend). Importing a module of it imports TensorFlow.

One module per concept; the names below are also importable from here
(``from course_pkg.keras_nn import build_mlp``). Both are loaded on first use (PEP 562), so
``import course_pkg.keras_nn.builders`` pays for Keras and the builders only, not for the tuner
(scikit-learn, SciPy), pandas or the device tools.

``builders``       ``build_mlp(layer_sizes)``, the one dense builder, and the chapters' presets
``architectures``  multi-input and multi-output models: multi-task heads, Wide & Deep
``compile``        ``compile_for(model, task)``: the loss, metrics and optimizer for a task
``inspection``     reading a built model: output layers, activations, units, parameter counts
``compare``        ``compare_architecture``: where a learner's model differs from a reference
``seeding``        ``seed_everything``: repeatable runs
``callbacks``      checkpoint, early stopping and TensorBoard together; the loss-ratio callback
``lr_finder``      the learning-rate finder
``history``        histories of either track as tables and curves; TensorBoard logs read back
``bridge``         a NumPy-track ``MLP`` and its Keras twin (``to_keras`` / ``from_keras``)
``tuning``         ``build_model``, randomised search (scikit-learn) and Keras Tuner
``device``         devices, memory growth, mixed precision and ``tf.distribute`` strategies
``multiworker``    one worker of the two-process ``MultiWorkerMirroredStrategy`` demonstration
"""

from __future__ import annotations

import importlib

# Public name -> the concept module that defines it.
_HOMES = {
    "builders": (
        "MLPModel", "build_mlp", "build_housing_regressor", "build_binary_classifier",
        "build_multiclass_classifier", "build_multilabel_classifier", "build_mnist_classifier",
    ),
    "architectures": (
        "MultiTaskModel", "WideAndDeepModel", "build_multitask_classifier", "build_wide_and_deep",
        "build_wide_and_deep_two_inputs", "build_wide_and_deep_aux", "split_wide_deep",
    ),
    "compile": ("compile_for",),
    "inspection": ("count_params", "layer_param_counts"),
    "compare": ("ArchitectureReport", "compare_architecture"),
    "seeding": ("seed_everything",),
    "callbacks": ("standard_callbacks", "LossRatioCallback"),
    "lr_finder": ("find_learning_rate",),
    "history": ("history_to_frame", "read_tensorboard_scalars"),
    "bridge": ("to_keras", "from_keras"),
    "tuning": ("build_model", "randomized_search", "tuner_search"),
    "device": ("choose_strategy", "configure_gpus", "describe_devices", "get_strategy", "use_mixed_precision"),
}  # fmt: skip
_MODULES = (*_HOMES, "multiworker")
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)


def __getattr__(name: str):
    # PEP 562: load a concept module (or the module defining a name) only when it is first asked for.
    if name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
    elif name in _HOME_OF:
        module = getattr(importlib.import_module(f"{__name__}.{_HOME_OF[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = module
    return module


def __dir__():
    return sorted(set(globals()) | set(_MODULES) | set(_HOME_OF))
