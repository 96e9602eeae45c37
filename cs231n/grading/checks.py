"""The grader's checks: what the submission is asked to compute, and how the answer is judged.

A check has three parts that run in two processes:

- ``make_inputs(rs)`` (grader process): the inputs, drawn from ``np.random.RandomState`` seeded
  by the check's name (RandomState streams never change between numpy versions), as a dict of
  arrays and JSON values;
- ``run(**inputs)`` (sandboxed child process): calls the SUBMISSION's ``cs231n`` functions and
  returns a dict of numeric outputs (arrays, floats);
- ``compare(check, outputs, expected, inputs)`` (grader process): judges the outputs against
  the expected values stored as data (``assignments/<a>/grading/expected.npz``, made from the
  reference by ``python -m cs231n.grade --make-expected <a>``) or against properties of the
  inputs; returns None when they pass, else a one-line message.

This module imports only numpy and the standard library at module level: the sandbox loads it
by file path next to the submission, never through the grader's ``cs231n`` package.
"""

import zlib
from dataclasses import dataclass
from functools import partial

import numpy as np

DEFAULT_TOL = 1e-6  # max |got - expected| relative to the largest |expected| of the array
EXACT_TOL = 0.0
TINY = 1e-30  # floor of the scale of an all-zero expected array
INIT_STD_RATIO = (0.8, 1.25)  # allowed std(W) / std(reference W) for initialisation checks
DROP_FRACTION_SLACK = 0.03  # |dropped fraction - p| allowed (5 sigma for 6000 units)
TRAIN_MIN_ACCURACY = 0.9  # training accuracy every training check asks for on its toy data
LOSS_DROP_FACTOR = 0.5  # the mean of the last losses must be below this times the first loss
LOSS_TAIL = 10  # number of final losses averaged


@dataclass(frozen=True)
class Check:
    """One named check; see the module docstring."""

    name: str
    run: object
    make_inputs: object
    compare: object
    tol: float
    description: str
    needs_expected: bool


CHECKS = {}


def check(make_inputs, compare=None, tol=DEFAULT_TOL, needs_expected=True):
    """Decorator registering ``run`` as the check named after the function.

    ``needs_expected=False`` marks property checks whose comparison uses only the inputs, so
    that no reference outputs are stored for them.
    """

    def register(run):
        doc = (run.__doc__ or run.__name__).strip().splitlines()[0]
        if run.__name__ in CHECKS:
            raise ValueError(f"check {run.__name__!r} is defined twice")
        CHECKS[run.__name__] = Check(
            run.__name__, run, make_inputs, compare or compare_to_expected, tol, doc,
            needs_expected,
        )
        return run

    return register


def input_seed(name):
    """Seed of a check's inputs: a checksum of its name, so inputs never depend on order."""
    return zlib.crc32(name.encode("utf-8"))


def build_inputs(name):
    """The inputs of check ``name`` (dict of arrays and JSON values)."""
    return CHECKS[name].make_inputs(np.random.RandomState(input_seed(name)))


# ---------------------------------------------------------------------------------------------
# Comparisons (grader process)
# ---------------------------------------------------------------------------------------------
def _where(index, shape):
    return str(tuple(int(i) for i in np.unravel_index(index, shape))) if shape else "()"


def compare_array(name, got, expected, tol):
    """None if ``got`` matches ``expected``, else a message naming ``name`` and the worst entry.

    Integer and boolean expected values must match exactly; floats must satisfy
    max|got - expected| <= tol * max|expected|. Shapes must agree up to length-1 axes.
    """
    got = np.asarray(got)
    if got.dtype.kind not in "biufc":
        return f"{name}: not a numeric array (dtype {got.dtype})"
    if got.shape != expected.shape:
        if got.size != expected.size or got.squeeze().shape != expected.squeeze().shape:
            return f"{name}: shape {got.shape}, expected {expected.shape}"
        got = got.reshape(expected.shape)
    if expected.dtype.kind in "biu":
        wrong = np.flatnonzero(got.ravel() != expected.ravel())
        if wrong.size:
            first = wrong[0]
            return (
                f"{name}: {wrong.size} of {expected.size} values differ (first at "
                f"{_where(first, expected.shape)}: got {got.ravel()[first]}, expected "
                f"{expected.ravel()[first]})"
            )
        return None
    finite = np.isfinite(expected)
    bad = np.flatnonzero(~np.isfinite(got) & finite)
    if bad.size:
        return (
            f"{name}: contains NaN/inf at {_where(bad[0], expected.shape)} where the expected "
            "value is finite (overflow? e.g. exp of large scores without subtracting the max)"
        )
    if expected.size == 0:
        return None
    diff = np.where(finite, np.abs(got.astype(np.complex128) - expected), 0.0).real
    worst = int(np.argmax(diff))
    scale = max(float(np.max(np.abs(expected[finite]), initial=0.0)), TINY)
    if diff.ravel()[worst] > tol * scale:
        return (
            f"{name}: differs from the expected values; worst at {_where(worst, expected.shape)}:"
            f" got {got.ravel()[worst]:.6g}, expected {expected.ravel()[worst]:.6g} "
            f"(error {diff.ravel()[worst] / scale:.2g} of the largest value > {tol:g})"
        )
    return None


def compare_to_expected(check, outputs, expected, inputs):
    """Every expected output must be present and match (see compare_array)."""
    for name, value in expected.items():
        if name not in outputs:
            return f"{name}: missing from the outputs"
        message = compare_array(name, outputs[name], value, check.tol)
        if message:
            return message
    return None


def _param_kind(name):
    for prefix, kind in (("gamma", "gamma"), ("beta", "beta"), ("W", "weight"), ("b", "bias")):
        if name.startswith(prefix):
            return kind
    return "other"


def compare_init(check, outputs, expected, inputs):
    """Initialised parameters: same names and shapes as the reference, biases and betas zero,
    gammas one, weights with the reference's spread (ratio of stds in INIT_STD_RATIO)."""
    missing = sorted(set(expected) - set(outputs))
    extra = sorted(set(outputs) - set(expected))
    if missing or extra:
        return f"params: missing {missing}, unexpected {extra}"
    for name, reference in expected.items():
        got = np.asarray(outputs[name])
        if got.shape != reference.shape:
            return f"params[{name!r}]: shape {got.shape}, expected {reference.shape}"
        kind = _param_kind(name)
        if kind in ("bias", "beta") and np.any(got != 0):
            return f"params[{name!r}]: should start at zero"
        if kind == "gamma" and np.any(got != 1):
            return f"params[{name!r}]: should start at one"
        if kind == "weight":
            ratio = float(np.std(got)) / max(float(np.std(reference)), TINY)
            low, high = INIT_STD_RATIO
            if not low <= ratio <= high:
                return (
                    f"params[{name!r}]: standard deviation {np.std(got):.3g}, expected about "
                    f"{np.std(reference):.3g} (weight_scale / init scheme)"
                )
    return None


def compare_training(check, outputs, expected, inputs, min_accuracy=TRAIN_MIN_ACCURACY):
    """Training on separable toy data: the loss falls and the training accuracy is high."""
    losses = np.asarray(outputs.get("loss_history", []), dtype=float).ravel()
    predictions = outputs.get("train_pred")
    if losses.size < LOSS_TAIL or predictions is None:
        return "loss_history (one loss per iteration) or train_pred missing from the outputs"
    if not np.all(np.isfinite(losses)):
        return "loss_history contains NaN/inf: the training diverged"
    tail = float(np.mean(losses[-LOSS_TAIL:]))
    if not tail < LOSS_DROP_FACTOR * losses[0]:
        return (
            f"the loss did not fall: first {losses[0]:.4g}, mean of the last {LOSS_TAIL} "
            f"{tail:.4g}"
        )
    predictions = np.asarray(predictions).ravel()
    if predictions.shape != inputs["y"].shape:
        return f"train_pred: shape {predictions.shape}, expected {inputs['y'].shape}"
    accuracy = float(np.mean(predictions == inputs["y"]))
    if accuracy < min_accuracy:
        return f"training accuracy {accuracy:.3f} on separable toy data, expected >= {min_accuracy}"
    return None


def compare_dropout_train(check, outputs, expected, inputs):
    """Inverted dropout in train mode: each unit is 0 or x / (1 - p), about a fraction p is
    dropped, and the same seed gives the same mask."""
    x, p = inputs["x"], inputs["dropout_param"]["p"]
    for name in ("out", "out_same_seed"):
        message = compare_array(name, outputs.get(name, np.zeros(0)), x, np.inf)
        if message:
            return message
    out = np.asarray(outputs["out"]).reshape(x.shape)
    kept = out != 0
    if not np.allclose(out[kept], x[kept] / (1 - p), rtol=1e-6, atol=0):
        if np.allclose(out[kept], x[kept], rtol=1e-6, atol=0):
            return (
                f"out: kept units equal x; inverted dropout scales them by 1 / (1 - p) = "
                f"{1 / (1 - p):.4g} so that the expected output is x"
            )
        return "out: every unit must be either 0 (dropped) or x / (1 - p) (kept)"
    dropped = 1.0 - float(np.mean(kept))
    if abs(dropped - p) > DROP_FRACTION_SLACK:
        return f"out: a fraction {dropped:.3f} of the units was dropped, expected about p = {p} "
    same = np.asarray(outputs["out_same_seed"]).reshape(x.shape)
    if not np.array_equal(same, out):
        return "out_same_seed: the same dropout_param['seed'] gave a different mask"
    return None


def compare_dropout_backward(check, outputs, expected, inputs):
    """dx must be dout times the mask the forward pass applied (read off out / x)."""
    x, dout = inputs["x"], inputs["dout"]
    message = compare_array("out", outputs.get("out", np.zeros(0)), x, np.inf)
    if message:
        return message
    mask = np.asarray(outputs["out"]).reshape(x.shape) / x
    return compare_array("dx", outputs.get("dx", np.zeros(0)), dout * mask, check.tol)


# ---------------------------------------------------------------------------------------------
# Helpers for the runs (sandboxed process)
# ---------------------------------------------------------------------------------------------
def _flat(prefix, values):
    """{"W1": a, ...} -> {"<prefix>_W1": a, ...}: nested outputs as flat array names."""
    return {f"{prefix}_{name}": value for name, value in values.items()}


def _params(inputs):
    """The model parameters of a check's inputs (keys "p_<name>")."""
    return {k[2:]: np.array(v, dtype=np.float64) for k, v in inputs.items() if k.startswith("p_")}


def _model_outputs(model, X, y):
    """Test-time scores, then the training loss and gradients, of a Solver-style model."""
    scores = model.loss(X)
    loss, grads = model.loss(X, y)
    return {"scores": scores, "loss": loss, **_flat("grad", grads)}


# ---------------------------------------------------------------------------------------------
# Assignment 1: kNN
# ---------------------------------------------------------------------------------------------
def _knn_inputs(rs):
    return {"X_train": rs.randn(30, 8), "y_train": rs.randint(0, 4, 30), "X_test": rs.randn(7, 8)}


def _knn(X_train, y_train):
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

    knn = KNearestNeighbor()
    knn.train(X_train, y_train)
    return knn


@check(_knn_inputs)
def knn_two_loops(X_train, y_train, X_test):
    """KNearestNeighbor.compute_distances_two_loops: L2 distances."""
    return {"dists": _knn(X_train, y_train).compute_distances_two_loops(X_test)}


@check(_knn_inputs)
def knn_one_loop(X_train, y_train, X_test):
    """KNearestNeighbor.compute_distances_one_loop: L2 distances."""
    return {"dists": _knn(X_train, y_train).compute_distances_one_loop(X_test)}


@check(_knn_inputs)
def knn_no_loops(X_train, y_train, X_test):
    """KNearestNeighbor.compute_distances_no_loops: L2 distances."""
    return {"dists": _knn(X_train, y_train).compute_distances_no_loops(X_test)}


def _knn_label_inputs(rs):
    # distinct distances (no distance ties); k = 2 and 4 produce vote ties -> smaller label
    num_test, num_train = 12, 15
    return {
        "dists": rs.rand(num_test, num_train),
        "y_train": rs.randint(0, 3, num_train),
        "ks": [1, 2, 4, 5],
    }


@check(_knn_label_inputs)
def knn_predict_labels(dists, y_train, ks):
    """KNearestNeighbor.predict_labels: vote of the k nearest, ties to the smaller label."""
    knn = _knn(np.zeros((y_train.shape[0], 1)), y_train)
    return {f"k{k}": knn.predict_labels(dists, k=k) for k in ks}


# ---------------------------------------------------------------------------------------------
# Assignment 1: linear classifiers and the two-layer net
# ---------------------------------------------------------------------------------------------
def _linear_loss_inputs(rs, weight_scale=0.5, data_scale=1.0):
    return {
        "W": rs.randn(10, 4) * weight_scale,
        "X": rs.randn(16, 10) * data_scale,
        "y": rs.randint(0, 4, 16),
        "reg": 0.3,
    }


def _loss_outputs(loss_fn, W, X, y, reg):
    loss, dW = loss_fn(W, X, y, reg)
    return {"loss": loss, "dW": dW}


@check(_linear_loss_inputs)
def svm_loss_naive(W, X, y, reg):
    """svm_loss_naive: loss and gradient, with L2 regularization."""
    from cs231n.classifiers import linear_svm

    return _loss_outputs(linear_svm.svm_loss_naive, W, X, y, reg)


@check(_linear_loss_inputs)
def svm_loss_vectorized(W, X, y, reg):
    """svm_loss_vectorized: loss and gradient, with L2 regularization."""
    from cs231n.classifiers import linear_svm

    return _loss_outputs(linear_svm.svm_loss_vectorized, W, X, y, reg)


@check(_linear_loss_inputs)
def softmax_loss_naive(W, X, y, reg):
    """softmax_loss_naive: loss and gradient, with L2 regularization."""
    from cs231n.classifiers import softmax

    return _loss_outputs(softmax.softmax_loss_naive, W, X, y, reg)


@check(_linear_loss_inputs)
def softmax_loss_vectorized(W, X, y, reg):
    """softmax_loss_vectorized: loss and gradient, with L2 regularization."""
    from cs231n.classifiers import softmax

    return _loss_outputs(softmax.softmax_loss_vectorized, W, X, y, reg)


_large_scores = partial(_linear_loss_inputs, weight_scale=50.0, data_scale=10.0)


@check(_large_scores)
def softmax_loss_naive_large_scores(W, X, y, reg):
    """softmax_loss_naive with scores in the thousands (needs the max shift)."""
    from cs231n.classifiers import softmax

    return _loss_outputs(softmax.softmax_loss_naive, W, X, y, reg)


@check(_large_scores)
def softmax_loss_vectorized_large_scores(W, X, y, reg):
    """softmax_loss_vectorized with scores in the thousands (needs the max shift)."""
    from cs231n.classifiers import softmax

    return _loss_outputs(softmax.softmax_loss_vectorized, W, X, y, reg)


@check(lambda rs: {"W": rs.randn(6, 5), "X": rs.randn(20, 6)})
def linear_classifier_predict(W, X):
    """LinearClassifier.predict: the class with the highest score."""
    from cs231n.classifiers.linear_classifier import LinearSVM

    classifier = LinearSVM()
    classifier.W = W.copy()
    return {"y_pred": classifier.predict(X)}


def _blobs(rs, num_per_class=50, dim=5, num_classes=3, spread=0.5, bias_column=False):
    """Separable toy data: Gaussian blobs around random centres, shuffled."""
    centres = rs.randn(num_classes, dim) * 2.0
    X = np.concatenate([c + spread * rs.randn(num_per_class, dim) for c in centres])
    y = np.repeat(np.arange(num_classes), num_per_class)
    order = rs.permutation(len(y))
    X, y = X[order], y[order]
    if bias_column:
        X = np.hstack([X, np.ones((len(y), 1))])
    return {"X": X, "y": y}


@check(partial(_blobs, bias_column=True), compare=compare_training, needs_expected=False)
def linear_svm_train(X, y):
    """LinearSVM.train (SGD) on separable toy data, then predict."""
    from cs231n.classifiers.linear_classifier import LinearSVM

    svm = LinearSVM()
    history = svm.train(X, y, learning_rate=1e-2, reg=1e-3, num_iters=200, batch_size=50, seed=0)
    return {"loss_history": history, "train_pred": svm.predict(X)}


def _two_layer_inputs(rs):
    return {
        "X": rs.randn(5, 4) * 10,
        "y": np.array([0, 1, 2, 2, 1]),
        "reg": 0.05,
        "p_W1": rs.randn(4, 10) * 0.1,
        "p_b1": rs.randn(10) * 0.1,
        "p_W2": rs.randn(10, 3) * 0.1,
        "p_b2": rs.randn(3) * 0.1,
    }


def _two_layer_net(inputs):
    from cs231n.classifiers.neural_net import TwoLayerNet

    net = TwoLayerNet(4, 10, 3, std=0.1, seed=0)
    net.params = _params(inputs)
    return net


@check(_two_layer_inputs)
def two_layer_net_scores(X, y, reg, **params):
    """neural_net.TwoLayerNet.loss(X): the class scores."""
    return {"scores": _two_layer_net(params).loss(X)}


@check(_two_layer_inputs)
def two_layer_net_loss(X, y, reg, **params):
    """neural_net.TwoLayerNet.loss(X, y, reg): the loss value."""
    loss, _ = _two_layer_net(params).loss(X, y, reg=reg)
    return {"loss": loss}


@check(_two_layer_inputs)
def two_layer_net_gradients(X, y, reg, **params):
    """neural_net.TwoLayerNet.loss(X, y, reg): the gradients of W1, b1, W2, b2."""
    _, grads = _two_layer_net(params).loss(X, y, reg=reg)
    return _flat("grad", grads)


@check(_two_layer_inputs)
def two_layer_net_predict(X, y, reg, **params):
    """neural_net.TwoLayerNet.predict: the class with the highest score."""
    return {"y_pred": _two_layer_net(params).predict(X)}


@check(_blobs, compare=compare_training, needs_expected=False)
def two_layer_net_train(X, y):
    """neural_net.TwoLayerNet.train (SGD) on separable toy data, then predict."""
    from cs231n.classifiers.neural_net import TwoLayerNet

    net = TwoLayerNet(X.shape[1], 20, 3, std=0.1, seed=0)
    stats = net.train(X, y, X, y, learning_rate=0.1, reg=1e-4, num_iters=200, batch_size=30,
                      seed=0)
    return {"loss_history": stats["loss_history"], "train_pred": net.predict(X)}


# ---------------------------------------------------------------------------------------------
# Assignment 2: layers, losses, update rules
# ---------------------------------------------------------------------------------------------
@check(lambda rs: {"x": rs.randn(2, 4, 3), "w": rs.randn(12, 5), "b": rs.randn(5)})
def affine_forward(x, w, b):
    """layers.affine_forward."""
    from cs231n import layers

    return {"out": layers.affine_forward(x, w, b)[0]}


@check(lambda rs: {"x": rs.randn(4, 2, 3), "w": rs.randn(6, 5), "b": rs.randn(5),
                   "dout": rs.randn(4, 5)})
def affine_backward(x, w, b, dout):
    """layers.affine_backward: dx, dw, db."""
    from cs231n import layers

    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    return {"dx": dx, "dw": dw, "db": db}


def _activation_inputs(rs):
    x = np.concatenate([rs.randn(40) * 3, [-800.0, -40.0, 40.0, 800.0]])
    return {"x": x.reshape(4, 11), "dout": rs.randn(4, 11)}


def _activation_outputs(forward, backward, x, dout, *args):
    out, cache = forward(x, *args)
    return {"out": out, "dx": backward(dout, cache)}


@check(_activation_inputs)
def relu(x, dout):
    """layers.relu_forward and relu_backward."""
    from cs231n import layers

    return _activation_outputs(layers.relu_forward, layers.relu_backward, x, dout)


@check(_activation_inputs)
def leaky_relu(x, dout):
    """layers.leaky_relu_forward and leaky_relu_backward (alpha = 0.1)."""
    from cs231n import layers

    return _activation_outputs(layers.leaky_relu_forward, layers.leaky_relu_backward, x, dout, 0.1)


@check(_activation_inputs)
def sigmoid(x, dout):
    """layers.sigmoid_forward and sigmoid_backward, also for |x| = 800."""
    from cs231n import layers

    return _activation_outputs(layers.sigmoid_forward, layers.sigmoid_backward, x, dout)


@check(_activation_inputs)
def tanh(x, dout):
    """layers.tanh_forward and tanh_backward."""
    from cs231n import layers

    return _activation_outputs(layers.tanh_forward, layers.tanh_backward, x, dout)


@check(_activation_inputs)
def elu(x, dout):
    """layers.elu_forward and elu_backward (alpha = 1.0), also for x = 800."""
    from cs231n import layers

    return _activation_outputs(layers.elu_forward, layers.elu_backward, x, dout, 1.0)


def _scores_inputs(rs):
    return {"x": rs.randn(50, 10) * 0.5, "y": rs.randint(0, 10, 50)}


@check(_scores_inputs)
def svm_loss_layer(x, y):
    """layers.svm_loss: loss and dx."""
    from cs231n import layers

    loss, dx = layers.svm_loss(x, y)
    return {"loss": loss, "dx": dx}


@check(_scores_inputs)
def softmax_loss_layer(x, y):
    """layers.softmax_loss: loss and dx, also for scores in the thousands."""
    from cs231n import layers

    loss, dx = layers.softmax_loss(x, y)
    loss_large, dx_large = layers.softmax_loss(x * 2000, y)
    return {"loss": loss, "dx": dx, "loss_large": loss_large, "dx_large": dx_large}


def _update_inputs(rs):
    return {"w": rs.randn(4, 5), "dws": rs.randn(3, 4, 5), "state": rs.rand(4, 5),
            "state2": rs.rand(4, 5)}


def _run_rule(rule, w, dws, config):
    for dw in dws:
        w, config = rule(w, dw, config)
    return w, config


@check(_update_inputs)
def sgd_momentum(w, dws, state, state2):
    """optim.sgd_momentum: three steps from a given velocity."""
    from cs231n import optim

    w, config = _run_rule(optim.sgd_momentum, w, dws,
                          {"learning_rate": 1e-2, "momentum": 0.9, "velocity": state - 0.5})
    return {"next_w": w, "velocity": config["velocity"]}


@check(_update_inputs)
def nesterov(w, dws, state, state2):
    """optim.nesterov: three steps from a given velocity."""
    from cs231n import optim

    w, config = _run_rule(optim.nesterov, w, dws,
                          {"learning_rate": 1e-2, "momentum": 0.9, "velocity": state - 0.5})
    return {"next_w": w, "velocity": config["velocity"]}


@check(_update_inputs)
def adagrad(w, dws, state, state2):
    """optim.adagrad: three steps from a given cache."""
    from cs231n import optim

    w, config = _run_rule(optim.adagrad, w, dws, {"learning_rate": 1e-2, "cache": state})
    return {"next_w": w, "cache": config["cache"]}


@check(_update_inputs)
def rmsprop(w, dws, state, state2):
    """optim.rmsprop: three steps from a given cache."""
    from cs231n import optim

    w, config = _run_rule(optim.rmsprop, w, dws,
                          {"learning_rate": 1e-2, "decay_rate": 0.99, "cache": state})
    return {"next_w": w, "cache": config["cache"]}


@check(_update_inputs)
def adam(w, dws, state, state2):
    """optim.adam: three steps from given m, v and t = 5 (bias-corrected moments)."""
    from cs231n import optim

    w, config = _run_rule(optim.adam, w, dws,
                          {"learning_rate": 1e-2, "m": state - 0.5, "v": state2, "t": 5})
    return {"next_w": w, "m": config["m"], "v": config["v"], "t": config["t"]}


# ---------------------------------------------------------------------------------------------
# Assignment 2: fully connected networks
# ---------------------------------------------------------------------------------------------
def _net_inputs(rs, dims, normalization=False, input_shape=None):
    """X, y, reg and parameters p_W1.., p_b1.. (and gammas/betas) for an affine net."""
    input_shape = input_shape or (dims[0],)
    inputs = {"X": rs.randn(10, *input_shape), "y": rs.randint(0, dims[-1], 10), "reg": 0.1}
    for i in range(1, len(dims)):
        inputs[f"p_W{i}"] = rs.randn(dims[i - 1], dims[i]) * 0.5
        inputs[f"p_b{i}"] = rs.randn(dims[i]) * 0.1
        if normalization and i < len(dims) - 1:
            inputs[f"p_gamma{i}"] = 1 + 0.1 * rs.randn(dims[i])
            inputs[f"p_beta{i}"] = 0.1 * rs.randn(dims[i])
    return inputs


@check(partial(_net_inputs, dims=(6, 8, 4), input_shape=(2, 3)))
def fc_two_layer_net(X, y, reg, **params):
    """fc_net.TwoLayerNet.loss: scores, loss and gradients (with L2 regularization)."""
    from cs231n.classifiers.fc_net import TwoLayerNet

    model = TwoLayerNet(input_dim=6, hidden_dim=8, num_classes=4, reg=reg, seed=0)
    model.params = _params(params)
    return _model_outputs(model, X, y)


def _init_outputs(model):
    return {name: np.asarray(value) for name, value in model.params.items()}


@check(lambda rs: {}, compare=compare_init)
def fc_two_layer_net_init():
    """fc_net.TwoLayerNet.__init__: parameter names, shapes and scales."""
    from cs231n.classifiers.fc_net import TwoLayerNet

    return _init_outputs(TwoLayerNet(input_dim=40, hidden_dim=30, num_classes=10,
                                     weight_scale=1e-2, seed=0))


def _fc_net(params, reg, **options):
    from cs231n.classifiers.fc_net import FullyConnectedNet

    model = FullyConnectedNet([7, 6], input_dim=5, num_classes=4, reg=reg, dtype=np.float64,
                              seed=0, **options)
    model.params = _params(params)
    return model


@check(partial(_net_inputs, dims=(5, 7, 6, 4)))
def fc_net_loss(X, y, reg, **params):
    """FullyConnectedNet.loss (two hidden layers, no dropout/normalization)."""
    return _model_outputs(_fc_net(params, reg), X, y)


@check(lambda rs: {}, compare=compare_init)
def fc_net_init():
    """FullyConnectedNet.__init__: parameter names, shapes and scales."""
    from cs231n.classifiers.fc_net import FullyConnectedNet

    return _init_outputs(FullyConnectedNet([30, 20], input_dim=40, num_classes=10,
                                           weight_scale=1e-2, dtype=np.float64, seed=0))


@check(lambda rs: {}, compare=compare_init)
def fc_net_batchnorm_init():
    """FullyConnectedNet.__init__ with batch norm: gammas one, betas zero."""
    from cs231n.classifiers.fc_net import FullyConnectedNet

    return _init_outputs(FullyConnectedNet([30, 20], input_dim=40, num_classes=10,
                                           normalization="batchnorm", weight_scale=1e-2,
                                           dtype=np.float64, seed=0))


def _normalized_net_outputs(normalization, X, y, reg, params):
    model = _fc_net(params, reg, normalization=normalization)
    loss, grads = model.loss(X, y)  # train mode first: batch norm updates its running averages
    return {"loss": loss, **_flat("grad", grads), "scores_test": model.loss(X)}


@check(partial(_net_inputs, dims=(5, 7, 6, 4), normalization=True))
def fc_net_batchnorm_loss(X, y, reg, **params):
    """FullyConnectedNet.loss with batch norm: loss, gradients, then test-mode scores."""
    return _normalized_net_outputs("batchnorm", X, y, reg, params)


@check(partial(_net_inputs, dims=(5, 7, 6, 4), normalization=True))
def fc_net_layernorm_loss(X, y, reg, **params):
    """FullyConnectedNet.loss with layer norm: loss, gradients, then test-mode scores."""
    return _normalized_net_outputs("layernorm", X, y, reg, params)


@check(partial(_net_inputs, dims=(5, 7, 6, 4)))
def fc_net_dropout(X, y, reg, **params):
    """FullyConnectedNet.loss with dropout 0.25 and a seed (mask as the dropout TODO says)."""
    model = _fc_net(params, reg, dropout=0.25)
    loss, grads = model.loss(X, y)
    return {"loss": loss, **_flat("grad", grads), "scores_test": model.loss(X)}


# ---------------------------------------------------------------------------------------------
# Assignment 2: batch and layer normalization, dropout
# ---------------------------------------------------------------------------------------------
def _norm_inputs(rs, shape=(8, 5)):
    features = shape[1]
    return {
        "x": 4 * rs.randn(*shape) + 10,
        "gamma": 1 + 0.5 * rs.randn(features),
        "beta": rs.randn(features),
        "dout": rs.randn(*shape),
    }


@check(partial(_norm_inputs, shape=(200, 3)))
def batchnorm_forward_train(x, gamma, beta, dout):
    """layers.batchnorm_forward in train mode: out and the running averages it updates."""
    from cs231n import layers

    bn_param = {"mode": "train"}
    out, _ = layers.batchnorm_forward(x, gamma, beta, bn_param)
    return {"out": out, "running_mean": bn_param["running_mean"],
            "running_var": bn_param["running_var"]}


@check(lambda rs: {"xs": 2 * rs.randn(20, 50, 3) + 5, "gamma": rs.rand(3) + 0.5,
                   "beta": rs.randn(3), "x_test": 2 * rs.randn(10, 3) + 5})
def batchnorm_forward_test(xs, gamma, beta, x_test):
    """layers.batchnorm_forward in test mode after 20 training batches."""
    from cs231n import layers

    bn_param = {"mode": "train"}
    for x in xs:
        layers.batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    return {"out": layers.batchnorm_forward(x_test, gamma, beta, bn_param)[0]}


def _norm_backward(forward, backward, x, gamma, beta, dout, param):
    _, cache = forward(x, gamma, beta, param)
    dx, dgamma, dbeta = backward(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


@check(_norm_inputs)
def batchnorm_backward(x, gamma, beta, dout):
    """layers.batchnorm_backward (through the graph): dx, dgamma, dbeta."""
    from cs231n import layers

    return _norm_backward(layers.batchnorm_forward, layers.batchnorm_backward, x, gamma, beta,
                          dout, {"mode": "train"})


@check(_norm_inputs)
def batchnorm_backward_alt(x, gamma, beta, dout):
    """layers.batchnorm_backward_alt (closed form): dx, dgamma, dbeta."""
    from cs231n import layers

    return _norm_backward(layers.batchnorm_forward, layers.batchnorm_backward_alt, x, gamma,
                          beta, dout, {"mode": "train"})


@check(_norm_inputs)
def layernorm_forward(x, gamma, beta, dout):
    """layers.layernorm_forward."""
    from cs231n import layers

    return {"out": layers.layernorm_forward(x, gamma, beta, {})[0]}


@check(_norm_inputs)
def layernorm_backward(x, gamma, beta, dout):
    """layers.layernorm_backward: dx, dgamma, dbeta."""
    from cs231n import layers

    return _norm_backward(layers.layernorm_forward, layers.layernorm_backward, x, gamma, beta,
                          dout, {})


def _dropout_inputs(rs):
    return {"x": rs.randn(60, 100) + 0.5, "dout": rs.randn(60, 100),
            "dropout_param": {"mode": "train", "p": 0.3, "seed": 17}}


@check(_dropout_inputs, compare=compare_dropout_train, needs_expected=False)
def dropout_forward_train(x, dout, dropout_param):
    """layers.dropout_forward in train mode (p = probability of dropping)."""
    from cs231n import layers

    out, _ = layers.dropout_forward(x, dict(dropout_param))
    again, _ = layers.dropout_forward(x, dict(dropout_param))
    return {"out": out, "out_same_seed": again}


@check(_dropout_inputs, tol=EXACT_TOL)
def dropout_forward_test(x, dout, dropout_param):
    """layers.dropout_forward in test mode: the identity."""
    from cs231n import layers

    return {"out": layers.dropout_forward(x, {**dropout_param, "mode": "test"})[0]}


@check(_dropout_inputs, compare=compare_dropout_backward, needs_expected=False)
def dropout_backward(x, dout, dropout_param):
    """layers.dropout_backward in train mode: dout times the forward pass's mask."""
    from cs231n import layers

    out, cache = layers.dropout_forward(x, dict(dropout_param))
    return {"out": out, "dx": layers.dropout_backward(dout, cache)}


# ---------------------------------------------------------------------------------------------
# Assignment 2: convolutional networks
# ---------------------------------------------------------------------------------------------
def _conv_inputs(rs):
    return {
        "x": rs.randn(2, 3, 7, 9), "w": rs.randn(4, 3, 3, 5), "b": rs.randn(4),
        "dout": rs.randn(2, 4, 4, 4), "conv_param": {"stride": 2, "pad": 1},
        "x2": rs.randn(1, 2, 5, 5), "w2": rs.randn(3, 2, 3, 3), "b2": rs.randn(3),
    }


@check(_conv_inputs)
def conv_forward_naive(x, w, b, dout, conv_param, x2, w2, b2):
    """layers.conv_forward_naive: stride 2 / pad 1 with a 3x5 filter, and stride 1 / pad 1."""
    from cs231n import layers

    return {
        "out": layers.conv_forward_naive(x, w, b, conv_param)[0],
        "out_stride1": layers.conv_forward_naive(x2, w2, b2, {"stride": 1, "pad": 1})[0],
    }


@check(_conv_inputs)
def conv_backward_naive(x, w, b, dout, conv_param, x2, w2, b2):
    """layers.conv_backward_naive: dx, dw, db (stride 2, pad 1, 3x5 filter)."""
    from cs231n import layers

    _, cache = layers.conv_forward_naive(x, w, b, conv_param)
    dx, dw, db = layers.conv_backward_naive(dout, cache)
    return {"dx": dx, "dw": dw, "db": db}


POOL_CASES = {  # name: pool_param; x is (2, 3, 8, 6)
    "2x2_stride2": {"pool_height": 2, "pool_width": 2, "stride": 2},
    "3x2_stride1": {"pool_height": 3, "pool_width": 2, "stride": 1},
}


POOL_INPUT_SHAPE = (2, 3, 8, 6)


def _pooled_shape(shape, pool_param):
    """(N, C, H, W) -> (N, C, H', W') of a pool without padding."""
    N, C, H, W = shape
    stride = pool_param["stride"]
    out_height = 1 + (H - pool_param["pool_height"]) // stride
    out_width = 1 + (W - pool_param["pool_width"]) // stride
    return N, C, out_height, out_width


def _pool_inputs(rs):
    douts = {f"dout_{name}": rs.randn(*_pooled_shape(POOL_INPUT_SHAPE, pool_param))
             for name, pool_param in POOL_CASES.items()}
    return {"x": rs.randn(*POOL_INPUT_SHAPE), **douts}


def _pool_outputs(forward, backward, x, inputs):
    outputs = {}
    for name, pool_param in POOL_CASES.items():
        out, cache = forward(x, pool_param)
        outputs[f"out_{name}"] = out
        if backward is not None:
            outputs[f"dx_{name}"] = backward(inputs[f"dout_{name}"], cache)
    return outputs


@check(_pool_inputs)
def max_pool_forward_naive(x, **inputs):
    """layers.max_pool_forward_naive: 2x2 stride 2 and overlapping 3x2 stride 1 pools."""
    from cs231n import layers

    return _pool_outputs(layers.max_pool_forward_naive, None, x, inputs)


@check(_pool_inputs)
def max_pool_backward_naive(x, **inputs):
    """layers.max_pool_backward_naive: 2x2 stride 2 and overlapping 3x2 stride 1 pools."""
    from cs231n import layers

    return _pool_outputs(layers.max_pool_forward_naive, layers.max_pool_backward_naive, x, inputs)


@check(_pool_inputs)
def avg_pool_naive(x, **inputs):
    """layers.avg_pool_forward_naive and avg_pool_backward_naive."""
    from cs231n import layers

    return _pool_outputs(layers.avg_pool_forward_naive, layers.avg_pool_backward_naive, x, inputs)


def _spatial_inputs(rs):
    return {"x": 4 * rs.randn(2, 3, 4, 5) + 10, "gamma": 1 + 0.5 * rs.randn(3),
            "beta": rs.randn(3), "dout": rs.randn(2, 3, 4, 5)}


@check(_spatial_inputs)
def spatial_batchnorm_forward(x, gamma, beta, dout):
    """layers.spatial_batchnorm_forward in train mode: out and running averages."""
    from cs231n import layers

    bn_param = {"mode": "train"}
    out, _ = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    return {"out": out, "running_mean": bn_param["running_mean"],
            "running_var": bn_param["running_var"]}


@check(_spatial_inputs)
def spatial_batchnorm_backward(x, gamma, beta, dout):
    """layers.spatial_batchnorm_backward: dx, dgamma, dbeta."""
    from cs231n import layers

    return _norm_backward(layers.spatial_batchnorm_forward, layers.spatial_batchnorm_backward,
                          x, gamma, beta, dout, {"mode": "train"})


def _convnet_inputs(rs):
    return {
        "X": rs.randn(2, 3, 8, 8), "y": np.array([1, 3]), "reg": 0.1,
        "p_W1": rs.randn(3, 3, 3, 3) * 0.5, "p_b1": rs.randn(3) * 0.1,
        "p_W2": rs.randn(3 * 4 * 4, 7) * 0.5, "p_b2": rs.randn(7) * 0.1,
        "p_W3": rs.randn(7, 4) * 0.5, "p_b3": rs.randn(4) * 0.1,
    }


@check(_convnet_inputs)
def three_layer_convnet_loss(X, y, reg, **params):
    """ThreeLayerConvNet.loss: scores, loss and gradients."""
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=3, filter_size=3, hidden_dim=7,
                              num_classes=4, reg=reg, dtype=np.float64, seed=0)
    model.params = _params(params)
    return _model_outputs(model, X, y)


@check(lambda rs: {}, compare=compare_init)
def three_layer_convnet_init():
    """ThreeLayerConvNet.__init__: parameter names, shapes and scales."""
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    return _init_outputs(ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=6, filter_size=5,
                                           hidden_dim=30, num_classes=10, weight_scale=1e-2,
                                           dtype=np.float64, seed=0))
