"""Smoke tests of the assignment-1 accuracy benchmark: every experiment runs on tiny random data
with short schedules and returns rows with the targets (the real runs take minutes)."""

import argparse

import numpy as np
import pytest

from cs231n.bench import accuracy
from cs231n.bench import accuracy_assignment1 as a1

NUM_TRAIN_ALL, NUM_TEST_ALL = 60, 20
SPLIT = {"num_training": 40, "num_validation": 20, "num_test": 20}
SHORT_ITERS = 5


def tiny_cifar(seed=0):
    """Random images shaped like load_CIFAR10's: (N, 32, 32, 3) in 0..255, labels 0..9."""
    rng = np.random.default_rng(seed)
    X_train = rng.integers(0, 256, size=(NUM_TRAIN_ALL, 32, 32, 3)).astype(np.float64)
    X_test = rng.integers(0, 256, size=(NUM_TEST_ALL, 32, 32, 3)).astype(np.float64)
    y_train = np.arange(NUM_TRAIN_ALL) % 10
    y_test = np.arange(NUM_TEST_ALL) % 10
    return X_train, y_train, X_test, y_test


@pytest.fixture
def tiny(monkeypatch):
    """The benchmark on tiny data: small splits, few iterations, few k values."""
    data = tiny_cifar()
    monkeypatch.setattr(a1, "_cifar10", lambda data_root: data)
    monkeypatch.setattr(a1, "NUM_TRAINING", SPLIT["num_training"])
    monkeypatch.setattr(a1, "KNN_NUM_TRAINING", 50)
    monkeypatch.setattr(a1, "KNN_NUM_TEST", 10)
    monkeypatch.setattr(a1, "KNN_K_CHOICES", [1, 3, 5])
    original = a1.prepare_assignment1_data
    monkeypatch.setattr(a1, "prepare_assignment1_data",
                        lambda data_root: original(data_root, **SPLIT))
    for name in ("SVM_TRAIN", "SOFTMAX_TRAIN", "TWO_LAYER_TRAIN", "FEATURES_TRAIN"):
        monkeypatch.setitem(getattr(a1, name), "num_iters", SHORT_ITERS)
        monkeypatch.setitem(getattr(a1, name), "batch_size", 10)
    for name in ("TWO_LAYER_NET", "FEATURES_NET"):
        monkeypatch.setitem(getattr(a1, name), "hidden_size", 8)
    return data


def test_every_experiment_produces_rows(tiny):
    names = [e.name for e in a1.EXPERIMENTS]
    assert names == ["knn", "svm", "softmax", "two_layer_net", "features_net"]
    rows = [row for e in a1.EXPERIMENTS for row in e.run("unused")]
    for row in rows:
        assert isinstance(row, accuracy.Row)
        assert 0.0 <= row.value <= 1.0, row
    targets = {row.metric: row.target for row in rows if row.target is not None}
    assert sorted(targets.values()) == [0.38, 0.38, 0.5, 0.52, 0.57]
    assert any(row.metric.startswith("kNN k=1 ") for row in rows)
    assert any("cross-validated" in row.metric for row in rows)


def test_recipes_are_seeded(tiny):
    first = [row.value for row in a1.run_two_layer_net("unused")]
    again = [row.value for row in a1.run_two_layer_net("unused")]
    assert first == again


def test_split_is_the_cs231n_split():
    data = tiny_cifar()
    a1._cifar10.cache_clear()
    original = a1._cifar10
    try:
        a1._cifar10 = lambda data_root: data
        split = a1.prepare_assignment1_data("unused", **SPLIT)
        with pytest.raises(ValueError, match="asked for"):
            a1.prepare_assignment1_data("unused", num_training=NUM_TRAIN_ALL)
    finally:
        a1._cifar10 = original
    np.testing.assert_array_equal(split["X_val"], data[0][40:60])
    np.testing.assert_array_equal(split["X_test"], data[2][:20])


def test_preprocessing_shapes_and_centering(tiny):
    data = a1.prepare_assignment1_data("unused")
    X_train, X_val, X_test = a1.linear_inputs(data)
    assert X_train.shape == (40, 3073) and X_val.shape == (20, 3073)
    np.testing.assert_allclose(X_train[:, :-1].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_array_equal(X_test[:, -1], 1.0)
    pixels = a1.standardized_pixels(data)
    assert pixels[0].shape == (40, 3072)
    feats = a1.image_features(data)
    assert feats[0].shape[0] == 40 and feats[2].shape[0] == 20
    np.testing.assert_allclose(feats[0].mean(axis=0), 0.0, atol=1e-10)


def test_bench_command_prints_the_table(tiny, monkeypatch, capsys):
    monkeypatch.setattr("cs231n.data_utils.find_cifar10", lambda: "unused")
    args = argparse.Namespace(assignment="assignment1", json=None, only=["svm", "knn"],
                              retrain=False)
    accuracy.main(args)
    out = capsys.readouterr().out
    assert "linear SVM validation accuracy" in out and ">=0.38" in out
    assert "kNN k=1 test accuracy" in out
