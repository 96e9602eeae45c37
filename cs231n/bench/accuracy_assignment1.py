"""Assignment 1's final models on real CIFAR-10: the recipes and the accuracy table.

    python -m cs231n.bench accuracy assignment1

The notebooks of assignment 1 (knn, svm, softmax, two_layer_net, features) train exactly these
recipes with the same preprocessing, so the numbers of the notebooks and of the benchmark agree:

- kNN (L2) on 5,000 training / 500 test images: k = 1 and the k chosen by 5-fold
  cross-validation over ``KNN_K_CHOICES`` (reported, no target).
- ``SVM_TRAIN``: LinearSVM on pixels minus the mean image, / 255, bias column
  (target: validation >= 0.38).
- ``SOFTMAX_TRAIN``: Softmax on the same data (target: validation >= 0.38).
- ``TWO_LAYER_NET`` / ``TWO_LAYER_TRAIN``: TwoLayerNet on pixels minus the mean image, divided
  by the standard deviation of all training pixels (targets: validation >= 0.52, test >= 0.50).
- ``FEATURES_NET`` / ``FEATURES_TRAIN``: TwoLayerNet on HOG + hue-histogram features, each
  feature standardised on the training set (target: TEST >= 0.57).

Data: the CS231n split of ``load_CIFAR10``: train = the first 49,000 training images,
validation = the next 1,000, test = the first 1,000 test images. Every run is seeded.
"""

import functools
import time
from functools import partial

import numpy as np

from cs231n.bench.accuracy import Experiment, Row
from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n.classifiers.linear_classifier import LinearSVM, Softmax
from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.features import color_histogram_hsv, extract_features, hog_feature
from cs231n.model_selection import best_param, cross_validate

# ---------------------------------------------------------------------------------------------
# Splits and targets
# ---------------------------------------------------------------------------------------------
NUM_TRAINING, NUM_VALIDATION, NUM_TEST = 49000, 1000, 1000
KNN_NUM_TRAINING, KNN_NUM_TEST = 5000, 500
NUM_CLASSES = 10

SVM_TARGET_VAL = 0.38
SOFTMAX_TARGET_VAL = 0.38
TWO_LAYER_TARGET_VAL = 0.52
TWO_LAYER_TARGET_TEST = 0.50
FEATURES_TARGET_TEST = 0.57

# ---------------------------------------------------------------------------------------------
# Recipes
# ---------------------------------------------------------------------------------------------
KNN_K_CHOICES = [1, 3, 5, 8, 10, 12, 15, 20, 50, 100]
KNN_NUM_FOLDS = 5

PIXEL_SCALE = 255.0  # linear classifiers: (pixels - mean image) / 255
SVM_TRAIN = {  # LinearSVM.train keyword arguments
    "learning_rate": 4e-2,
    "reg": 1e-2,
    "num_iters": 2000,
    "batch_size": 500,
    "learning_rate_decay": 0.8,
    "seed": 0,
}
SOFTMAX_TRAIN = {  # Softmax.train keyword arguments
    "learning_rate": 0.2,
    "reg": 1e-3,
    "num_iters": 2500,
    "batch_size": 200,
    "learning_rate_decay": 0.8,
    "seed": 0,
}
TWO_LAYER_NET = {"hidden_size": 300, "std": 1e-2, "seed": 0, "dtype": np.float32}
TWO_LAYER_TRAIN = {  # TwoLayerNet.train keyword arguments
    "learning_rate": 2e-2,
    "learning_rate_decay": 0.75,
    "reg": 3e-3,
    "num_iters": 3000,
    "batch_size": 200,
    "momentum": 0.9,
    "seed": 0,
}
NUM_COLOR_BINS = 10  # bins of the hue histogram
FEATURES_NET = {"hidden_size": 500, "std": 1e-2, "seed": 0}
FEATURES_TRAIN = {
    "learning_rate": 0.3,
    "learning_rate_decay": 0.95,
    "reg": 1e-3,
    "num_iters": 3000,
    "batch_size": 200,
    "momentum": 0.0,
    "seed": 0,
}


# ---------------------------------------------------------------------------------------------
# Data and preprocessing
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _cifar10(data_root):
    """(X_train, y_train, X_test, y_test) of load_CIFAR10(data_root), loaded once."""
    from cs231n.data_utils import load_CIFAR10

    return load_CIFAR10(data_root)


def prepare_assignment1_data(data_root, num_training=NUM_TRAINING,
                             num_validation=NUM_VALIDATION, num_test=NUM_TEST):
    """The CS231n split of assignment 1, raw images.

    Inputs:
    - data_root: the cifar-10-batches-py folder.
    - num_training, num_validation, num_test: sizes of the three splits.

    Returns a dict with X_train (num_training, 32, 32, 3) float64 in 0..255, y_train
    (num_training,) and likewise X_val, y_val (the next num_validation training images),
    X_test, y_test (the first num_test test images).
    """
    X_all, y_all, X_test_all, y_test_all = _cifar10(data_root)
    if num_training + num_validation > X_all.shape[0] or num_test > X_test_all.shape[0]:
        raise ValueError(
            f"prepare_assignment1_data: asked for {num_training} + {num_validation} training "
            f"and {num_test} test images; the data set has {X_all.shape[0]} and "
            f"{X_test_all.shape[0]}"
        )
    end_val = num_training + num_validation
    return {
        "X_train": X_all[:num_training], "y_train": y_all[:num_training],
        "X_val": X_all[num_training:end_val], "y_val": y_all[num_training:end_val],
        "X_test": X_test_all[:num_test], "y_test": y_test_all[:num_test],
    }


def _rows(X):
    """Images as rows."""
    return X.reshape(X.shape[0], -1)  # (N, 32, 32, 3) -> (N, 3072)


def linear_inputs(data):
    """Rows minus the mean training image, / PIXEL_SCALE, bias column; three (N, 3073) arrays."""
    mean_image = _rows(data["X_train"]).mean(axis=0)  # (3072,)
    return [
        np.hstack([(_rows(data[k]) - mean_image) / PIXEL_SCALE, np.ones((data[k].shape[0], 1))])
        for k in ("X_train", "X_val", "X_test")
    ]


def standardized_pixels(data):
    """Rows minus the mean training image, / std of all training pixels; three (N, 3072)."""
    train_rows = _rows(data["X_train"])
    mean_image, pixel_std = train_rows.mean(axis=0), train_rows.std()
    return [(_rows(data[k]) - mean_image) / pixel_std for k in ("X_train", "X_val", "X_test")]


def image_features(data):
    """HOG + hue histogram of every image, standardised per feature; three (N, F) arrays."""
    feature_fns = [hog_feature, partial(color_histogram_hsv, nbin=NUM_COLOR_BINS)]
    feats = [extract_features(data[k], feature_fns) for k in ("X_train", "X_val", "X_test")]
    mean, std = feats[0].mean(axis=0), feats[0].std(axis=0)
    return [(f - mean) / std for f in feats]


def _accuracy(model, X, y):
    """Fraction of the rows of X that model.predict labels correctly."""
    return float(np.mean(model.predict(X) == y))


# ---------------------------------------------------------------------------------------------
# The benchmark's experiments
# ---------------------------------------------------------------------------------------------
def _knn_accuracies(ks, X_tr, y_tr, X_val, y_val):
    """Validation accuracy of kNN for every k in ks (one distance matrix per fold)."""
    knn = KNearestNeighbor()
    knn.train(X_tr, y_tr)
    dists = knn.compute_distances_no_loops(X_val)
    return [np.mean(knn.predict_labels(dists, k=k) == y_val) for k in ks]


def run_knn(data_root):
    """kNN on KNN_NUM_TRAINING / KNN_NUM_TEST images; rows: k = 1 and cross-validated k, test."""
    started = time.perf_counter()
    X_all, y_all, X_test_all, y_test_all = _cifar10(data_root)
    X_train, y_train = _rows(X_all[:KNN_NUM_TRAINING]), y_all[:KNN_NUM_TRAINING]
    X_test, y_test = _rows(X_test_all[:KNN_NUM_TEST]), y_test_all[:KNN_NUM_TEST]
    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    dists = knn.compute_distances_no_loops(X_test)
    scores = cross_validate(_knn_accuracies, X_train, y_train, KNN_K_CHOICES,
                            num_folds=KNN_NUM_FOLDS, batch_params=True)
    best_k = best_param(scores)
    sizes = f"{X_train.shape[0]} train / {X_test.shape[0]} test"
    seconds = time.perf_counter() - started
    return [
        Row(f"kNN k=1 test accuracy ({sizes})",
            float(np.mean(knn.predict_labels(dists, k=1) == y_test)), seconds=seconds),
        Row(f"kNN k={best_k} ({KNN_NUM_FOLDS}-fold cross-validated) test accuracy",
            float(np.mean(knn.predict_labels(dists, k=best_k) == y_test))),
        Row(f"kNN k={best_k} cross-validation accuracy (mean of folds)",
            float(np.mean(scores[best_k]))),
    ]


def _run_linear(cls, train_kwargs, name, target_val, data_root):
    """Train a linear classifier of class cls on linear_inputs; rows: validation, test."""
    data = prepare_assignment1_data(data_root)
    X_train, X_val, X_test = linear_inputs(data)
    model = cls()
    started = time.perf_counter()
    model.train(X_train, data["y_train"], **train_kwargs)
    seconds = time.perf_counter() - started
    return [
        Row(f"{name} validation accuracy", _accuracy(model, X_val, data["y_val"]), target_val,
            seconds),
        Row(f"{name} test accuracy", _accuracy(model, X_test, data["y_test"])),
    ]


def run_svm(data_root):
    """Train LinearSVM with SVM_TRAIN; rows: validation (target), test."""
    return _run_linear(LinearSVM, SVM_TRAIN, "linear SVM", SVM_TARGET_VAL, data_root)


def run_softmax(data_root):
    """Train Softmax with SOFTMAX_TRAIN; rows: validation (target), test."""
    return _run_linear(Softmax, SOFTMAX_TRAIN, "softmax", SOFTMAX_TARGET_VAL, data_root)


def _train_net(X_train, X_val, data, net_kwargs, train_kwargs):
    """A TwoLayerNet built with net_kwargs, trained with train_kwargs; returns (net, seconds)."""
    net_kwargs = dict(net_kwargs)
    hidden_size = net_kwargs.pop("hidden_size")
    net = TwoLayerNet(X_train.shape[1], hidden_size, NUM_CLASSES, **net_kwargs)
    started = time.perf_counter()
    net.train(X_train, data["y_train"], X_val, data["y_val"], **train_kwargs)
    return net, time.perf_counter() - started


def run_two_layer_net(data_root):
    """Train TwoLayerNet on standardised pixels; rows: validation and test (targets)."""
    data = prepare_assignment1_data(data_root)
    X_train, X_val, X_test = standardized_pixels(data)
    net, seconds = _train_net(X_train, X_val, data, TWO_LAYER_NET, TWO_LAYER_TRAIN)
    return [
        Row("two-layer net validation accuracy", _accuracy(net, X_val, data["y_val"]),
            TWO_LAYER_TARGET_VAL, seconds),
        Row("two-layer net test accuracy", _accuracy(net, X_test, data["y_test"]),
            TWO_LAYER_TARGET_TEST),
    ]


def run_features_net(data_root):
    """HOG + colour histogram features, TwoLayerNet; rows: validation, TEST (target)."""
    data = prepare_assignment1_data(data_root)
    started = time.perf_counter()
    X_train, X_val, X_test = image_features(data)
    feature_seconds = time.perf_counter() - started
    net, seconds = _train_net(X_train, X_val, data, FEATURES_NET, FEATURES_TRAIN)
    return [
        Row("features + two-layer net validation accuracy", _accuracy(net, X_val, data["y_val"]),
            seconds=feature_seconds),
        Row("features + two-layer net TEST accuracy", _accuracy(net, X_test, data["y_test"]),
            FEATURES_TARGET_TEST, seconds),
    ]


EXPERIMENTS = [
    Experiment("knn", run_knn),
    Experiment("svm", run_svm),
    Experiment("softmax", run_softmax),
    Experiment("two_layer_net", run_two_layer_net),
    Experiment("features_net", run_features_net),
]
