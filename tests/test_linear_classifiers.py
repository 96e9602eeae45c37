"""Tests of the SVM and softmax losses and of LinearClassifier / LinearSVM / Softmax."""

import numpy as np
import pytest

from cs231n.classifiers.linear_classifier import (
    LinearClassifier,
    LinearSVM,
    Softmax,
    regularization_penalty,
)
from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from cs231n.gradient_check import check_loss, grad_check_sparse, rel_error

LOSS_PAIRS = {
    "svm": (svm_loss_naive, svm_loss_vectorized),
    "softmax": (softmax_loss_naive, softmax_loss_vectorized),
}
ALL_LOSSES = [svm_loss_naive, svm_loss_vectorized, softmax_loss_naive, softmax_loss_vectorized]
GRAD_TOL = 1e-6  # SVM kinks are avoided by the seeded data; smooth parts check to ~1e-9


@pytest.fixture
def small_problem(rng):
    """W (D=20, C=5) at CS231n's init scale 0.01 apart, X (N=15, D), y (N,), float64."""
    W = 0.01 * rng.standard_normal((20, 5))
    X = rng.standard_normal((15, 20))
    y = rng.integers(0, 5, size=15)
    return W, X, y


def separable_problem(rng, num_per_class=30, num_classes=3, dim=5):
    """Well separated Gaussian blobs with a bias column (the bias trick)."""
    centers = 4.0 * rng.standard_normal((num_classes, dim))
    y = np.repeat(np.arange(num_classes), num_per_class)
    X = centers[y] + 0.3 * rng.standard_normal((y.size, dim))
    X = np.hstack([X, np.ones((y.size, 1))])  # (N, dim) -> (N, dim + 1)
    return X, y


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("loss_fn", ALL_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_loss_gradients_pass_check_loss(small_problem, loss_fn, reg):
    W, X, y = small_problem
    report = check_loss(loss_fn, {"W": W}, args=(X, y, reg))
    report.assert_ok(tol=GRAD_TOL)


@pytest.mark.parametrize("loss_fn", ALL_LOSSES, ids=lambda f: f.__name__)
def test_loss_gradients_pass_grad_check_sparse(small_problem, loss_fn):
    W, X, y = small_problem
    _, grad = loss_fn(W, X, y, 1e-2)
    errors = grad_check_sparse(lambda w: loss_fn(w, X, y, 1e-2)[0], W, grad, num_checks=8, seed=0)
    assert max(errors) < GRAD_TOL


@pytest.mark.parametrize("kind", LOSS_PAIRS)
@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_naive_and_vectorized_agree(small_problem, kind, reg):
    W, X, y = small_problem
    naive, vectorized = LOSS_PAIRS[kind]
    loss_n, grad_n = naive(W, X, y, reg)
    loss_v, grad_v = vectorized(W, X, y, reg)
    assert abs(loss_n - loss_v) < 1e-10
    assert np.max(np.abs(grad_n - grad_v)) < 1e-10


def test_svm_worked_example_of_lecture_2():
    # the cat image of lecture 2: scores cat -96.8, dog 437.9, ship 61.95, true class cat
    X = np.eye(3)[:1]  # one example picking the first row of W: scores = W[0]
    W = np.array([[-96.8, 437.9, 61.95], [0, 0, 0], [0, 0, 0]])
    for loss_fn in LOSS_PAIRS["svm"]:
        loss, _ = loss_fn(W, X, np.array([0]), 0.0)
        assert loss == pytest.approx((437.9 + 96.8 + 1) + (61.95 + 96.8 + 1))
        assert loss == pytest.approx(695.45)


def test_svm_and_softmax_three_image_example_of_lecture_3():
    # rows: the cat, car and frog images; columns: scores for cat, car, frog
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    X, y = np.eye(3), np.array([0, 1, 2])
    for loss_fn in LOSS_PAIRS["svm"]:
        assert loss_fn(scores, X, y, 0.0)[0] == pytest.approx((2.9 + 0.0 + 12.9) / 3)
    for loss_fn in LOSS_PAIRS["softmax"]:
        # the cat image alone: -log(0.13) = 2.04
        assert loss_fn(scores, X[:1], y[:1], 0.0)[0] == pytest.approx(2.04, abs=5e-3)


def test_regularization_is_reg_times_sum_of_squares(small_problem):
    W, X, y = small_problem
    for loss_fn in ALL_LOSSES:
        loss0, grad0 = loss_fn(W, X, y, 0.0)
        loss1, grad1 = loss_fn(W, X, y, 0.3)
        assert loss1 - loss0 == pytest.approx(0.3 * np.sum(W**2), rel=1e-10)
        np.testing.assert_allclose(grad1 - grad0, 2 * 0.3 * W, rtol=1e-9, atol=1e-14)


def test_softmax_initial_loss_is_log_num_classes(rng):
    W = 1e-4 * rng.standard_normal((30, 10))
    X = rng.standard_normal((50, 30))
    y = rng.integers(0, 10, size=50)
    for loss_fn in LOSS_PAIRS["softmax"]:
        assert loss_fn(W, X, y, 0.0)[0] == pytest.approx(np.log(10), rel=1e-3)


def test_softmax_is_stable_for_huge_scores():
    scores = np.array([[123.0, 456.0, 789.0]]) * 1000
    X = np.ones((1, 1))
    for loss_fn in LOSS_PAIRS["softmax"]:
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
            loss_right, grad_right = loss_fn(scores, X, np.array([2]), 0.0)
            loss_wrong, grad_wrong = loss_fn(scores, X, np.array([0]), 0.0)
        assert loss_right == pytest.approx(0.0, abs=1e-12)
        assert loss_wrong == pytest.approx((789.0 - 123.0) * 1000)
        np.testing.assert_allclose(grad_right, 0.0, atol=1e-12)
        np.testing.assert_allclose(grad_wrong, [[-1.0, 0.0, 1.0]], atol=1e-12)


@pytest.mark.parametrize("loss_fn", ALL_LOSSES, ids=lambda f: f.__name__)
def test_loss_functions_reject_bad_input(small_problem, loss_fn):
    W, X, y = small_problem
    name = loss_fn.__name__
    with pytest.raises(ValueError, match=f"{name}: X has D=19"):
        loss_fn(W, X[:, :19], y, 0.0)
    with pytest.raises(ValueError, match="y must have shape"):
        loss_fn(W, X, y[:3], 0.0)
    with pytest.raises(ValueError, match="labels must lie in"):
        loss_fn(W, X, np.full(15, 5), 0.0)
    with pytest.raises(TypeError, match="integer class labels"):
        loss_fn(W, X, y.astype(float), 0.0)
    with pytest.raises(ValueError, match="reg"):
        loss_fn(W, X, y, -1.0)
    with pytest.raises(ValueError, match="W must be 2-D"):
        loss_fn(W[:, 0], X, y, 0.0)
    with pytest.raises(ValueError, match="X must be 2-D"):
        loss_fn(W, X.reshape(15, 4, 5), y, 0.0)


# ------------------------------------------------------------------ penalties
@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
def test_regularization_penalty_gradient(rng, l1_ratio):
    W = rng.standard_normal((6, 4))
    report = check_loss(lambda w: regularization_penalty(w, 0.7, l1_ratio), {"W": W})
    report.assert_ok(tol=1e-7)
    penalty, _ = regularization_penalty(W, 0.7, l1_ratio)
    expected = 0.7 * (l1_ratio * np.abs(W).sum() + (1 - l1_ratio) * (W**2).sum())
    assert penalty == pytest.approx(expected)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
@pytest.mark.parametrize("regularization", ["l1", "elastic"])
def test_classifier_loss_with_l1_and_elastic_net(small_problem, cls, regularization):
    W, X, y = small_problem
    clf = cls(regularization=regularization, l1_ratio=0.25)
    clf.W = W.copy()

    def loss_of(w):
        clf.W = w
        return clf.loss(X, y, 0.2)

    check_loss(loss_of, {"W": W}).assert_ok(tol=GRAD_TOL)
    clf.W = W
    l1_ratio = 1.0 if regularization == "l1" else 0.25
    data_loss, _ = cls.loss_function(W, X, y, 0.0)
    expected = data_loss + regularization_penalty(W, 0.2, l1_ratio)[0]
    assert clf.loss(X, y, 0.2)[0] == pytest.approx(expected, rel=1e-12)


def test_l2_classifier_loss_equals_loss_function(small_problem):
    W, X, y = small_problem
    for cls in (LinearSVM, Softmax):
        clf = cls()
        clf.W = W
        loss, grad = clf.loss(X, y, 0.4)
        expected_loss, expected_grad = cls.loss_function(W, X, y, 0.4)
        assert loss == expected_loss
        assert rel_error(grad, expected_grad) == 0.0
        penalty, dpenalty = regularization_penalty(W, 0.4)  # l1_ratio=0 is the same L2
        assert loss == pytest.approx(cls.loss_function(W, X, y, 0.0)[0] + penalty)


# ------------------------------------------------------------------ training
@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_training_fits_separable_data(rng, cls):
    X, y = separable_problem(rng)
    clf = cls()
    history = clf.train(X, y, learning_rate=1e-2, reg=1e-4, num_iters=300, batch_size=32, seed=0)
    assert len(history) == 300
    assert np.mean(history[-20:]) < 0.5 * history[0]
    assert clf.W.shape == (6, 3)
    assert np.mean(clf.predict(X) == y) > 0.95


@pytest.mark.parametrize("regularization", ["l1", "elastic"])
def test_training_with_l1_and_elastic_net(rng, regularization):
    X, y = separable_problem(rng)
    clf = Softmax(regularization=regularization)
    clf.train(X, y, learning_rate=1e-2, reg=1e-3, num_iters=200, batch_size=32, seed=0)
    assert np.mean(clf.predict(X) == y) > 0.95


def test_training_is_reproducible_with_seed(rng):
    X, y = separable_problem(rng)
    runs = []
    for _ in range(2):
        clf = LinearSVM()
        history = clf.train(X, y, num_iters=20, batch_size=10, seed=5)
        runs.append((history, clf.W.copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    other = LinearSVM()
    assert other.train(X, y, num_iters=20, batch_size=10, seed=6) != runs[0][0]


def test_initial_weights_are_small_gaussians(rng):
    X, y = separable_problem(rng)
    clf = Softmax()
    clf.train(X, y, num_iters=0, seed=0)
    assert clf.W.shape == (6, 3)
    assert 0.0003 < np.std(clf.W) < 0.003


def test_predict_returns_argmax_of_scores(rng):
    clf = LinearSVM()
    clf.W = rng.standard_normal((4, 3))
    X = rng.standard_normal((9, 4))
    np.testing.assert_array_equal(clf.predict(X), np.argmax(X @ clf.W, axis=1))


def test_classifier_errors(rng):
    X, y = separable_problem(rng)
    with pytest.raises(RuntimeError, match="before predict"):
        LinearSVM().predict(X)
    with pytest.raises(ValueError, match="regularization"):
        Softmax(regularization="l3")
    with pytest.raises(ValueError, match="l1_ratio"):
        Softmax(regularization="elastic", l1_ratio=1.5)
    with pytest.raises(NotImplementedError, match="abstract"):
        clf = LinearClassifier()
        clf.train(X, y, num_iters=1)
    clf = LinearSVM()
    with pytest.raises(ValueError, match="learning_rate"):
        clf.train(X, y, learning_rate=-1.0)
    with pytest.raises(ValueError, match="batch_size"):
        clf.train(X, y, batch_size=0)
    with pytest.raises(ValueError, match="num_iters"):
        clf.train(X, y, num_iters=2.5)
    with pytest.raises(ValueError, match="reg"):
        clf.train(X, y, reg=-0.1)
    with pytest.raises(ValueError, match="y must have shape"):
        clf.train(X, y[:-1])
    with pytest.raises(ValueError, match="2-D"):
        clf.train(X.reshape(-1, 2, 3), y)
    clf.train(X, y, num_iters=1, seed=0)
    with pytest.raises(ValueError, match=r"shape \(N, 6\)"):
        clf.predict(X[:, :5])
    with pytest.raises(ValueError, match="existing W"):
        clf.train(X[:, :5], y, num_iters=1)


def test_learning_rate_decay_once_per_epoch(rng):
    X, y = separable_problem(rng)  # 90 examples: 3 iterations per epoch at batch_size 30
    reference = Softmax()
    reference.train(X, y, learning_rate=1e-2, num_iters=3, batch_size=30, seed=0)
    # a decay of ~0 stops all updates after the first epoch, so 30 iterations = 3 iterations
    decayed = Softmax()
    decayed.train(
        X, y, learning_rate=1e-2, num_iters=30, batch_size=30, seed=0, learning_rate_decay=1e-30
    )
    np.testing.assert_allclose(decayed.W, reference.W, rtol=1e-12, atol=1e-30)
    constant = Softmax()
    constant.train(X, y, learning_rate=1e-2, num_iters=30, batch_size=30, seed=0)
    assert not np.allclose(constant.W, reference.W)
    with pytest.raises(ValueError, match="learning_rate_decay"):
        Softmax().train(X, y, learning_rate_decay=1.5)
