"""Fixtures of the grading tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def keras(tf):
    """Keras, seeded, for the tests of the Keras assignments' checks."""
    import keras

    keras.utils.set_random_seed(0)
    return keras
