"""Tests of course_pkg.numpy_nn.batching (minibatches) and the seed reader they share with the track."""

from __future__ import annotations

import numpy as np
import pytest

from course_pkg._checks import as_generator
from course_pkg.numpy_nn.batching import minibatches


def test_minibatches_cover_every_index_once_with_partial_last_batch():
    batches = list(minibatches(10, 4, seed=0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    assert np.concatenate(batches).tolist() != list(range(10))  # actually shuffled


def test_minibatches_same_seed_same_order_and_new_order_each_epoch():
    first = np.concatenate(list(minibatches(50, 8, seed=123)))
    again = np.concatenate(list(minibatches(50, 8, seed=123)))
    np.testing.assert_array_equal(first, again)
    gen = np.random.default_rng(123)
    epoch1 = np.concatenate(list(minibatches(50, 8, seed=gen)))
    epoch2 = np.concatenate(list(minibatches(50, 8, seed=gen)))
    np.testing.assert_array_equal(epoch1, first)  # an int seed is a fresh generator of that seed
    assert not np.array_equal(epoch1, epoch2)
    assert sorted(epoch2.tolist()) == list(range(50))


def test_minibatches_contiguous_slices_of_one_permutation():
    permutation = np.random.default_rng(7).permutation(9)
    batches = list(minibatches(9, 4, seed=7))
    np.testing.assert_array_equal(np.concatenate(batches), permutation)
    np.testing.assert_array_equal(batches[1], permutation[4:8])


def test_minibatches_without_shuffle_and_oversized_batch():
    assert [b.tolist() for b in minibatches(5, 2, shuffle=False)] == [[0, 1], [2, 3], [4]]
    assert [b.tolist() for b in minibatches(3, 100, shuffle=False)] == [[0, 1, 2]]


def test_minibatches_validate_at_the_call():
    with pytest.raises(ValueError, match="batch_size >= 1"):
        minibatches(10, 0)  # not iterated: the error must come from the call itself
    with pytest.raises(ValueError, match="n_samples >= 1"):
        minibatches(0, 2)
    with pytest.raises(TypeError, match="np.random.default_rng"):
        minibatches(10, 2, seed=np.random.RandomState(0))
    with pytest.raises(TypeError, match="batch_size as an integer"):
        minibatches(10, 2.5)


def test_as_generator_reads_every_seed_form():
    gen = np.random.default_rng(1)
    assert as_generator(gen) is gen
    assert as_generator(5).integers(1000) == np.random.default_rng(5).integers(1000)
    with pytest.raises(ValueError, match="seed >= 0"):
        as_generator(-1)
    with pytest.raises(TypeError, match=r"expected seed as None, an int or a numpy\.random\.Generator; got str"):
        as_generator("0")


def test_minibatches_are_importable_from_the_track_but_not_from_optimizers():
    from course_pkg import numpy_nn
    from course_pkg.numpy_nn import optimizers

    assert numpy_nn.minibatches is minibatches
    assert not hasattr(optimizers, "minibatches") and not hasattr(optimizers, "as_generator")
