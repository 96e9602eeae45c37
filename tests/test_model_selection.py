"""Tests of cs231n.model_selection: k-fold splits, cross-validation and random search."""

import numpy as np
import pytest

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n.model_selection import (
    best_param,
    cross_validate,
    k_fold_indices,
    log_uniform,
    parameter_grid,
    random_search,
)


def test_k_fold_indices_partition_the_examples():
    folds = k_fold_indices(11, 3)
    assert [len(val) for _, val in folds] == [4, 4, 3]
    np.testing.assert_array_equal(np.concatenate([val for _, val in folds]), np.arange(11))
    for train, val in folds:
        assert len(train) + len(val) == 11
        assert not set(train) & set(val)
    np.testing.assert_array_equal(folds[1][0], [0, 1, 2, 3, 8, 9, 10])


def test_k_fold_indices_shuffle_is_seeded():
    a = k_fold_indices(20, 4, shuffle=True, seed=1)
    b = k_fold_indices(20, 4, shuffle=True, seed=1)
    c = k_fold_indices(20, 4, shuffle=True, seed=2)
    for (ta, va), (tb, vb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(va, vb)
        np.testing.assert_array_equal(ta, tb)
    assert not np.array_equal(a[0][1], c[0][1])
    assert sorted(np.concatenate([v for _, v in a])) == list(range(20))


@pytest.mark.parametrize("num_examples, num_folds", [(5, 1), (3, 4), (0, 2), (10, 2.0)])
def test_k_fold_indices_errors(num_examples, num_folds):
    with pytest.raises(ValueError, match="num_"):
        k_fold_indices(num_examples, num_folds)


def test_cross_validate_known_scores():
    X = np.arange(10.0)
    y = np.zeros(10, dtype=int)
    # score = param * mean of the validation fold; folds {0,1}, {2,3}, ... have means 0.5, 2.5...
    scores = cross_validate(lambda p, Xt, yt, Xv, yv: p * Xv.mean(), X, y, [1, 2], num_folds=5)
    assert scores == {1: [0.5, 2.5, 4.5, 6.5, 8.5], 2: [1.0, 5.0, 9.0, 13.0, 17.0]}
    assert best_param(scores) == 2


def knn_scores(ks, X_tr, y_tr, X_val, y_val):
    """Distances once per fold, accuracy for every k."""
    knn = KNearestNeighbor()
    knn.train(X_tr, y_tr)
    dists = knn.compute_distances_no_loops(X_val)
    return [np.mean(knn.predict_labels(dists, k=k) == y_val) for k in ks]


def knn_score(k, X_tr, y_tr, X_val, y_val):
    """One k at a time."""
    return knn_scores([k], X_tr, y_tr, X_val, y_val)[0]


def test_cross_validate_knn_over_k(rng):
    # two far apart clusters, plus one minority point of class 1 inside cluster 0 at each
    # end of the data: 1-NN is right wherever the neighbours agree, a majority of 9 is better
    y = np.repeat([0, 1], 30)
    X = np.where(y[:, None] == 0, -5.0, 5.0) + rng.standard_normal((60, 2))
    scores = cross_validate(knn_score, X, y, [1, 3, 9], num_folds=5, shuffle=True, seed=0)
    assert set(scores) == {1, 3, 9}
    assert all(len(v) == 5 for v in scores.values())
    assert scores[1] == [1.0] * 5  # separable clusters: every fold is perfect
    batched = cross_validate(
        knn_scores, X, y, [1, 3, 9], num_folds=5, shuffle=True, seed=0, batch_params=True
    )
    assert batched == scores


def test_cross_validate_knn_prefers_larger_k_with_label_noise(rng):
    y_true = np.repeat([0, 1], 50)
    X = np.where(y_true[:, None] == 0, -3.0, 3.0) + rng.standard_normal((100, 2))
    y = y_true.copy()
    flipped = rng.choice(100, size=15, replace=False)
    y[flipped] = 1 - y[flipped]
    scores = cross_validate(
        knn_scores, X, y, [1, 15], num_folds=5, shuffle=True, seed=0, batch_params=True
    )
    assert np.mean(scores[15]) > np.mean(scores[1])
    assert best_param(scores) == 15
    # a majority vote of 15 recovers the clusters: every error is a flipped label
    assert np.mean(scores[15]) == pytest.approx(0.85, abs=0.03)


def test_cross_validate_with_a_grid():
    grid = {"a": [1, 2], "b": [10, 20]}
    assert parameter_grid(grid) == [
        {"a": 1, "b": 10},
        {"a": 1, "b": 20},
        {"a": 2, "b": 10},
        {"a": 2, "b": 20},
    ]
    X, y = np.ones(6), np.zeros(6, dtype=int)
    scores = cross_validate(lambda p, *data: p["a"] * p["b"], X, y, grid, num_folds=3)
    assert scores[(("a", 2), ("b", 20))] == [40.0, 40.0, 40.0]
    assert best_param(scores) == (("a", 2), ("b", 20))


def test_cross_validate_errors():
    X, y = np.ones(6), np.zeros(6, dtype=int)

    def fn(p, *data):
        return 0.0

    with pytest.raises(ValueError, match="y must have shape"):
        cross_validate(fn, X, y[:5], [1])
    with pytest.raises(ValueError, match="empty"):
        cross_validate(fn, X, y, [])
    with pytest.raises(ValueError, match="duplicates"):
        cross_validate(fn, X, y, [1, 1])
    with pytest.raises(ValueError, match="one score per value"):
        cross_validate(lambda ps, *data: [0.0], X, y, [1, 2], num_folds=2, batch_params=True)
    with pytest.raises(ValueError, match="num_folds"):
        cross_validate(fn, X, y, [1], num_folds=7)


def test_log_uniform():
    rng = np.random.default_rng(0)
    samples = log_uniform(1e-4, 1e-1, size=4000, rng=rng)
    assert samples.shape == (4000,)
    assert samples.min() >= 1e-4 and samples.max() <= 1e-1
    # uniform in the exponent: a quarter of the samples below 10**-3.25, the median ~ 10**-2.5
    assert np.median(np.log10(samples)) == pytest.approx(-2.5, abs=0.05)
    assert np.mean(samples < 10**-3.25) == pytest.approx(0.25, abs=0.03)
    single = log_uniform(1e-3, 1e-2, rng=np.random.default_rng(1))
    assert isinstance(single, float)
    assert single == log_uniform(1e-3, 1e-2, rng=np.random.default_rng(1))
    assert log_uniform(1e-3, 1e-2, rng=np.random.RandomState(0)) > 0
    with pytest.raises(ValueError, match="0 < low < high"):
        log_uniform(0.0, 1.0)
    with pytest.raises(ValueError, match="0 < low < high"):
        log_uniform(1.0, 0.1)


def test_random_search_finds_the_optimum_and_sorts():
    def fit_and_score(params):
        score = -abs(np.log10(params["learning_rate"]) + 3) - (params["hidden"] != 200)
        return score, f"model {params}"

    space = {
        "learning_rate": lambda rng: log_uniform(1e-5, 1e-1, rng=rng),
        "hidden": [100, 200, 400],
    }
    results = random_search(fit_and_score, space, num_trials=40, seed=0)
    assert len(results) == 40
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    best = results[0]
    assert best.params["hidden"] == 200
    assert abs(np.log10(best.params["learning_rate"]) + 3) < 0.5  # within ~3x of 1e-3
    assert best.model == f"model {best.params}"
    again = random_search(fit_and_score, space, num_trials=40, seed=0)
    assert [r.params for r in again] == [r.params for r in results]
    plain = random_search(lambda p: p["x"], {"x": [1, 2, 3]}, num_trials=5, seed=0)
    assert plain[0].model is None


def test_random_search_errors():
    with pytest.raises(TypeError, match="space"):
        random_search(lambda p: 0.0, {}, num_trials=3)
    with pytest.raises(TypeError, match="search-space entry"):
        random_search(lambda p: 0.0, {"x": 3}, num_trials=3)
    with pytest.raises(ValueError, match="num_trials"):
        random_search(lambda p: 0.0, {"x": [1]}, num_trials=0)
