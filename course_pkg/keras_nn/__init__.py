"""The Keras 3 track (TensorFlow backend). Importing this sub-package imports TensorFlow.

``models``    every model of the course in the Sequential, Functional and Subclassing APIs; ``compile_for``
``compare``   ``compare_architecture``: where a learner's model differs from a reference, in plain words
``training``  seeding, standard callbacks, the loss-ratio callback, the learning-rate finder, TensorBoard
              logs read back, and the bridge to the NumPy track (``to_keras`` / ``from_keras``)
``tuning``    ``build_model``, randomised search through ``keras.wrappers.SKLearnRegressor``, Keras Tuner
``device``    devices, memory growth, mixed precision and ``tf.distribute`` strategies
"""

from course_pkg.keras_nn.compare import ArchitectureReport, compare_architecture
from course_pkg.keras_nn.device import (
    choose_strategy,
    configure_gpus,
    describe_devices,
    get_strategy,
    use_mixed_precision,
)
from course_pkg.keras_nn.models import (
    WideAndDeepModel,
    build_binary_classifier,
    build_housing_regressor,
    build_mlp,
    build_mnist_classifier,
    build_multiclass_classifier,
    build_multilabel_classifier,
    build_multitask_classifier,
    build_regression_mlp,
    build_wide_and_deep,
    build_wide_and_deep_aux,
    build_wide_and_deep_two_inputs,
    compile_for,
    count_params,
)
from course_pkg.keras_nn.training import (
    LossRatioCallback,
    find_learning_rate,
    from_keras,
    history_to_frame,
    read_tensorboard_scalars,
    seed_everything,
    standard_callbacks,
    to_keras,
)
from course_pkg.keras_nn.tuning import build_model, randomized_search, tuner_search

__all__ = [
    "ArchitectureReport", "compare_architecture",
    "choose_strategy", "configure_gpus", "describe_devices", "get_strategy", "use_mixed_precision",
    "WideAndDeepModel", "build_binary_classifier", "build_housing_regressor", "build_mlp",
    "build_mnist_classifier", "build_multiclass_classifier", "build_multilabel_classifier",
    "build_multitask_classifier", "build_regression_mlp", "build_wide_and_deep", "build_wide_and_deep_aux",
    "build_wide_and_deep_two_inputs", "compile_for", "count_params",
    "LossRatioCallback", "find_learning_rate", "from_keras", "history_to_frame", "read_tensorboard_scalars",
    "seed_everything", "standard_callbacks", "to_keras",
    "build_model", "randomized_search", "tuner_search",
]
