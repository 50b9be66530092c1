"""Data sets (offline-first) and the preprocessing the course does by hand.

Every loader works without internet (MNIST once its file is there). One module per kind of data;
every name below is also importable from ``course_pkg.data`` itself
(``from course_pkg.data import load_mnist``):

- ``tables``: scikit-learn's bundled tables, :func:`load_digits`, :func:`load_iris`,
  :func:`load_breast_cancer`, :func:`load_wine`, :func:`load_diabetes`;
- ``mnist``: :func:`load_mnist` from an offline ``mnist.npz`` (a folder you name,
  ``COURSE_DATA_DIR``, or the Keras cache), downloaded once with :func:`download_mnist` (checked
  against its SHA-256) when none is there and ``COURSE_OFFLINE`` is off; it never imports TensorFlow;
- ``synthetic``: 2-D sets drawn from a seed, :func:`make_xor`, :func:`make_moons`,
  :func:`make_circles`, :func:`make_spiral`, :func:`make_blobs`;
- ``preprocessing``: :func:`scale_images`, :func:`one_hot`, :class:`Standardizer` (fitted on the
  training split only), :func:`train_val_test_split`, :func:`subsample`;
- ``catalog``: :func:`describe_datasets`, what is available offline and from where.

Conventions: features ``X`` are float32 of shape (N, D) (images (N, 28, 28) unless flattened),
class labels ``y`` are int64 of shape (N,). Every ``seed`` argument accepts None (fresh,
unseeded), an int, or a ``numpy.random.Generator``.
"""

from course_pkg.data.catalog import DatasetInfo, describe_datasets
from course_pkg.data.mnist import (
    MNIST_FILENAME,
    MNIST_SHA256,
    MNIST_URL,
    DatasetDownloadError,
    DatasetNotFoundError,
    download_mnist,
    load_mnist,
    mnist_available,
    mnist_search_paths,
)
from course_pkg.data.preprocessing import Standardizer, one_hot, scale_images, subsample, train_val_test_split
from course_pkg.data.synthetic import (
    load_xor_truth_table,
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
)
from course_pkg.data.tables import Dataset, load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine

__all__ = [
    "Dataset",
    "DatasetNotFoundError",
    "DatasetDownloadError",
    "DatasetInfo",
    "MNIST_FILENAME",
    "MNIST_URL",
    "MNIST_SHA256",
    "load_digits",
    "load_iris",
    "load_breast_cancer",
    "load_wine",
    "load_diabetes",
    "load_mnist",
    "download_mnist",
    "mnist_available",
    "mnist_search_paths",
    "describe_datasets",
    "load_xor_truth_table",
    "make_xor",
    "make_moons",
    "make_circles",
    "make_spiral",
    "make_blobs",
    "scale_images",
    "one_hot",
    "Standardizer",
    "train_val_test_split",
    "subsample",
]
