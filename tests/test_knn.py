"""Tests of cs231n.classifiers.k_nearest_neighbor."""

import numpy as np
import pytest

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor, l1_distances


@pytest.fixture
def knn_data(rng):
    """A small random problem: 40 training and 7 test points in D=12, 4 classes."""
    X_train = rng.standard_normal((40, 12))
    y_train = rng.integers(0, 4, size=40)
    X_test = rng.standard_normal((7, 12))
    return X_train, y_train, X_test


def reference_distances(X, X_train, ord_):
    """Distances by np.linalg.norm, the straightforward reference."""
    return np.array([[np.linalg.norm(a - b, ord=ord_) for b in X_train] for a in X])


def test_three_l2_distance_methods_agree(knn_data):
    X_train, y_train, X_test = knn_data
    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    d2 = knn.compute_distances_two_loops(X_test)
    d1 = knn.compute_distances_one_loop(X_test)
    d0 = knn.compute_distances_no_loops(X_test)
    assert d2.shape == (7, 40)
    np.testing.assert_allclose(d2, reference_distances(X_test, X_train, 2), rtol=1e-12)
    np.testing.assert_allclose(d1, d2, rtol=1e-12)
    np.testing.assert_allclose(d0, d2, rtol=1e-10, atol=1e-10)


def test_no_loop_distance_of_identical_points_is_zero_not_nan(rng):
    X = rng.standard_normal((5, 30)) * 1e3
    knn = KNearestNeighbor()
    knn.train(X, np.arange(5))
    d = knn.compute_distances_no_loops(X)
    assert np.all(np.isfinite(d))
    np.testing.assert_allclose(np.diag(d), 0.0, atol=1e-3)  # sqrt of round-off ~ 1e-8


def test_l1_metric(knn_data):
    X_train, y_train, X_test = knn_data
    expected = reference_distances(X_test, X_train, 1)
    np.testing.assert_allclose(l1_distances(X_test, X_train), expected, rtol=1e-12)
    # a tiny block forces several broadcast blocks
    np.testing.assert_allclose(l1_distances(X_test, X_train, block_elements=1), expected)
    knn = KNearestNeighbor(metric="l1")
    knn.train(X_train, y_train)
    for num_loops in (0, 1, 2):
        np.testing.assert_allclose(knn.compute_distances(X_test, num_loops), expected)
    nearest = np.argmin(expected, axis=1)
    np.testing.assert_array_equal(knn.predict(X_test, k=1), y_train[nearest])


def test_predict_k1_returns_label_of_nearest_point(knn_data):
    X_train, y_train, X_test = knn_data
    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    nearest = np.argmin(reference_distances(X_test, X_train, 2), axis=1)
    for num_loops in (0, 1, 2):
        np.testing.assert_array_equal(
            knn.predict(X_test, k=1, num_loops=num_loops), y_train[nearest]
        )
    # the training points themselves are their own nearest neighbours
    np.testing.assert_array_equal(knn.predict(X_train, k=1), y_train)


def test_predict_labels_majority_vote_and_tie_break_to_smaller_label():
    knn = KNearestNeighbor()
    knn.train(np.zeros((5, 1)), np.array([3, 1, 1, 2, 2]))
    dists = np.array(
        [
            [0.0, 1.0, 2.0, 3.0, 4.0],  # k=3: labels 3, 1, 1 -> 1
            [4.0, 3.0, 2.0, 0.0, 1.0],  # k=3: labels 2, 2, 1 -> 2
            [1.0, 0.0, 5.0, 0.5, 6.0],  # k=2: labels 1, 2 -> tie -> 1
        ]
    )
    np.testing.assert_array_equal(knn.predict_labels(dists[:2], k=3), [1, 2])
    assert knn.predict_labels(dists[2:], k=2)[0] == 1
    # a 2-2 tie among four votes (labels 2, 2, 1, 1) also goes to the smaller label 1
    tie4 = np.array([[9.0, 2.0, 3.0, 0.0, 1.0]])
    assert knn.predict_labels(tie4, k=4)[0] == 1
    # k = 5: three-way vote 3, 1, 1, 2, 2 -> tie between 1 and 2 -> 1
    assert knn.predict_labels(tie4, k=5)[0] == 1


def test_predict_labels_equal_distances_prefer_earlier_training_point():
    knn = KNearestNeighbor()
    knn.train(np.zeros((3, 1)), np.array([7, 2, 5]))
    assert knn.predict_labels(np.array([[1.0, 1.0, 1.0]]), k=1)[0] == 7


def test_predict_with_integer_images_does_not_overflow():
    X_train = np.array([[255, 255], [0, 0]], dtype=np.uint8)
    knn = KNearestNeighbor()
    knn.train(X_train, np.array([0, 1]))
    np.testing.assert_array_equal(
        knn.predict(np.array([[250, 250], [3, 3]], dtype=np.uint8)), [0, 1]
    )


def test_predict_before_train_raises():
    with pytest.raises(RuntimeError, match="train"):
        KNearestNeighbor().predict(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="train"):
        KNearestNeighbor().predict_labels(np.zeros((2, 3)))


@pytest.mark.parametrize("k", [0, -1, 41, 2.5, True])
def test_bad_k_raises(knn_data, k):
    X_train, y_train, X_test = knn_data
    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    with pytest.raises(ValueError, match="k="):
        knn.predict(X_test, k=k)


@pytest.mark.parametrize("num_loops", [3, -1, "0", None])
def test_bad_num_loops_raises(knn_data, num_loops):
    X_train, y_train, X_test = knn_data
    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    with pytest.raises(ValueError, match="num_loops"):
        knn.predict(X_test, num_loops=num_loops)


def test_dimension_mismatch_raises(knn_data):
    X_train, y_train, _ = knn_data
    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    for num_loops in (0, 1, 2):
        with pytest.raises(ValueError, match="D=11"):
            knn.predict(np.zeros((3, 11)), num_loops=num_loops)
    with pytest.raises(ValueError, match="dists must have shape"):
        knn.predict_labels(np.zeros((3, 39)))


def test_bad_training_data_raises(rng):
    knn = KNearestNeighbor()
    with pytest.raises(ValueError, match="2-D"):
        knn.train(rng.standard_normal((4, 2, 2)), np.arange(4))
    with pytest.raises(ValueError, match="y must have shape"):
        knn.train(rng.standard_normal((4, 3)), np.arange(5))
    with pytest.raises(ValueError, match="integer labels"):
        knn.train(rng.standard_normal((4, 3)), np.array([0.5, 1, 2, 3]))
    with pytest.raises(ValueError, match="metric"):
        KNearestNeighbor(metric="cosine")


@pytest.mark.parametrize("k", [1, 4, 9, 60])
def test_predict_labels_equals_stable_full_sort_with_many_distance_ties(rng, k):
    y_train = rng.integers(0, 5, size=60)
    dists = rng.integers(0, 6, size=(30, 60)).astype(np.float64)  # ties everywhere
    knn = KNearestNeighbor()
    knn.train(np.zeros((60, 1)), y_train)
    expected = [
        np.argmax(np.bincount(y_train[np.argsort(row, kind="stable")[:k]])) for row in dists
    ]
    np.testing.assert_array_equal(knn.predict_labels(dists, k=k), expected)
