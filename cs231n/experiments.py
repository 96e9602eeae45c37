"""Small, reusable experiments behind the lecture notebooks 05-07.

Each function runs one experiment of the lectures through the package's layers, init schemes,
update rules and Solver, and returns plain arrays (the notebooks plot and discuss them):

- ``convolve_image``: filter a photograph with a bank of filters through the conv layer.
- ``activation_statistics``: per-layer activation and gradient statistics of a deep net under
  an initialisation scheme (lecture 6's 10-layer experiment), optionally with batch norm.
- ``subtract_mean`` / ``pca_whiten``: the preprocessing of lecture 6.
- ``activation_curves``, ``maxout``, ``dead_relu_fraction``: activation-function
  illustrations.
- ``train_models``: train several models on the same data with the Solver, recording
  divergence instead of stopping (babysitting, batch norm on/off).
- ``grid_vs_random_search``: lecture 6's picture of why random search beats grid search.
- ``dropout_mlp_scores`` / ``dropout_ensemble_probabilities``: dropout as an ensemble.
- ``select_classes``, ``first_per_class``, ``transfer_target_data``, ``transfer_convnet``,
  ``train_transfer_source``, ``train_from_scratch``, ``network_features``, ``linear_head``,
  ``train_linear_head``, ``attach_head``: transfer learning (a conv net trained on five
  CIFAR-10 classes, its body frozen and reused as a feature extractor for the other five).
- ``plot_optimizer_paths``: optimizer trajectories on the 2-D surfaces of
  ``cs231n.landscape`` (lecture 7).
- ``time_call``: best-of-n wall-clock timing.
"""

import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from cs231n.init import init_weights
from cs231n.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    elu_backward,
    elu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from cs231n.model_selection import parameter_grid, random_search
from cs231n.solver import Solver, TrainingDiverged

# ---------------------------------------------------------------------------------------------
# Defaults of the experiments (the lecture's numbers where it gives them)
# ---------------------------------------------------------------------------------------------
INIT_NUM_LAYERS = 10  # lecture 6: a 10-layer net ...
INIT_HIDDEN_DIM = 500  # ... with 500 units per layer ...
INIT_NUM_EXAMPLES = 1000  # ... fed 1000 standard normal examples of dimension 500
PCA_EPSILON = 1e-5  # added to the eigenvalues before dividing (whitening)
TIMING_REPEATS = 3
GRID_TRIALS = 9  # 3 x 3 grid against 9 random trials (the lecture's picture)
IMPORTANT_PEAK = (0.72, 0.1)  # (location, width) of the score bump along the important axis
UNIMPORTANT_WEIGHT = 0.05  # how much the unimportant hyperparameter can change the score
FEATURE_BATCH_SIZE = 500  # images per forward pass when extracting features
SOURCE_CLASSES = (0, 1, 2, 3, 4)  # transfer learning: plane, car, bird, cat, deer ...
TARGET_CLASSES = (5, 6, 7, 8, 9)  # ... reused for dog, frog, horse, ship, truck
TRANSFER_NUM_CLASSES = len(TARGET_CLASSES)
TRANSFER_FILTERS = (16, 32)  # channels of the two conv - relu - 2x2 pool stages
TRANSFER_FEATURES = 64  # width of the last hidden layer: the features that are transferred
CIFAR10_SHAPE = (3, 32, 32)  # (C, H, W)
BODY, HEAD = "0", "1"  # transfer_convnet = Sequential(body, head): param names "0.*", "1.*"
CONTOUR_LEVELS = 15
MARKED_PATH_STEPS = 100  # plot_optimizer_paths marks every point of paths up to this long
SOURCE_EPOCHS = 10  # training of the source network (long: a notebook stores the result)
SCRATCH_EPOCHS = 40  # training from scratch on a few target examples
TRANSFER_LEARNING_RATE = 1e-3  # Adam, for the source and the from-scratch networks
TRAIN_BATCH_SIZE = 100
FEW_SHOT_BATCH_SIZE = 25
PRINT_EVERY = 100
HEAD_EPOCHS = 50  # training of a new last layer on frozen features
HEAD_LEARNING_RATE = 1e-2

ACTIVATIONS = {  # name -> (forward, backward) pair of cs231n.layers
    "relu": (relu_forward, relu_backward),
    "tanh": (tanh_forward, tanh_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
}


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------
def _check_int(caller, name, value, minimum):
    """Raise TypeError unless value is an int, ValueError unless it is >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{caller}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{caller}: {name} must be >= {minimum}, got {value}")
    return int(value)


def _check_choice(caller, name, value, choices):
    """Raise ValueError unless value is one of choices."""
    if value not in choices:
        raise ValueError(f"{caller}: {name} must be one of {sorted(choices)}, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def select_classes(X, y, classes):
    """Keep the examples of some classes and relabel them 0..K-1 in the order given.

    Inputs:
    - X: array (N, ...) of examples.
    - y: int array (N,) of labels.
    - classes: sequence of K distinct labels to keep, e.g. (0, 1, 8, 9, 2).

    Returns a tuple of:
    - X_sel: (N_sel, ...) the examples whose label is in classes (original order).
    - y_sel: (N_sel,) int64, y_sel[i] = classes.index(label).
    """
    classes = list(classes)
    if not classes or len(set(classes)) != len(classes):
        raise ValueError(f"select_classes: classes must be distinct labels, got {classes}")
    y = np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"select_classes: X has {X.shape[0]} examples but y has {y.shape[0]} labels"
        )
    keep = np.isin(y, classes)
    relabel = np.full(int(max(max(classes), y.max(initial=0))) + 1, -1, dtype=np.int64)
    relabel[classes] = np.arange(len(classes))
    return X[keep], relabel[y[keep]]


def first_per_class(y, num_per_class):
    """Indices of the first num_per_class examples of every class present in y.

    Inputs:
    - y: int array (N,) of labels.
    - num_per_class: int >= 1.

    Returns an int array of indices into y (sorted), num_per_class per class (fewer if a
    class has fewer examples).
    """
    _check_int("first_per_class", "num_per_class", num_per_class, 1)
    y = np.asarray(y)
    picked = [np.flatnonzero(y == label)[:num_per_class] for label in np.unique(y)]
    return np.sort(np.concatenate(picked))


# ---------------------------------------------------------------------------------------------
# Lecture 5: convolution on a photograph
# ---------------------------------------------------------------------------------------------
def convolve_image(image, filters, stride=1, pad=0, bias=None):
    """Filter one image with a bank of filters using the package's convolution layer.

    Inputs:
    - image: (H, W) grayscale or (H, W, C) color image (any numeric dtype).
    - filters: (F, HH, WW) filters for a grayscale image or (F, C, HH, WW) for a color one.
    - stride, pad: as in conv_param.
    - bias: optional (F,) array; default zeros.

    Returns:
    - responses: float64 array (F, H', W'), one filtered image per filter.

    Uses conv_forward_fast when the Cython extension is built (layer_utils.CONV_BACKEND),
    conv_forward_naive otherwise.
    """
    from cs231n.layer_utils import CONV

    image = np.asarray(image, dtype=np.float64)
    filters = np.asarray(filters, dtype=np.float64)
    if image.ndim == 2:
        x = image[None, None]  # (H, W) -> (1, 1, H, W)
    elif image.ndim == 3:
        x = image.transpose(2, 0, 1)[None]  # (H, W, C) -> (1, C, H, W)
    else:
        raise ValueError(f"convolve_image: image must be (H, W) or (H, W, C), got {image.shape}")
    if filters.ndim == 3:
        filters = filters[:, None]  # (F, HH, WW) -> (F, 1, HH, WW)
    if filters.ndim != 4 or filters.shape[1] != x.shape[1]:
        raise ValueError(
            f"convolve_image: filters must be (F, HH, WW) for a grayscale image or "
            f"(F, C, HH, WW) with C = {x.shape[1]}, got {filters.shape}"
        )
    bias = np.zeros(filters.shape[0]) if bias is None else np.asarray(bias, dtype=np.float64)
    out, _ = CONV.forward(x, filters, bias, {"stride": stride, "pad": pad})
    return out[0]


# ---------------------------------------------------------------------------------------------
# Lecture 6: activation functions, preprocessing, initialisation
# ---------------------------------------------------------------------------------------------
def activation_curves(x, names=tuple(ACTIVATIONS)):
    """Values and derivatives of activation functions, computed by the package's layers.

    Inputs:
    - x: 1-D array of input values.
    - names: keys of ACTIVATIONS to evaluate.

    Returns a dict name -> (values, derivatives), both shaped like x; the derivative is the
    layer's backward pass with an upstream gradient of ones (ReLU uses 0 at x == 0).
    """
    x = np.asarray(x, dtype=np.float64)
    curves = {}
    for name in names:
        forward, backward = ACTIVATIONS[_check_choice("activation_curves", "name", name,
                                                      ACTIVATIONS)]
        values, cache = forward(x)
        curves[name] = (values, backward(np.ones_like(x), cache))
    return curves


def maxout(x, weights, biases):
    """A one-input maxout unit: max_k (weights[k] * x + biases[k]).

    Inputs:
    - x: array of any shape (the unit's input, one number per entry).
    - weights, biases: sequences of K numbers (one affine piece each).

    Returns:
    - out: array shaped like x. ReLU is maxout with pieces (1, 0) and (0, 0); leaky ReLU with
      (1, 0) and (alpha, 0).
    """
    weights = np.asarray(weights, dtype=np.float64)
    biases = np.asarray(biases, dtype=np.float64)
    if weights.ndim != 1 or weights.shape != biases.shape or weights.size == 0:
        raise ValueError(
            f"maxout: weights and biases must be 1-D with the same length K >= 1, got shapes "
            f"{weights.shape} and {biases.shape}"
        )
    x = np.asarray(x, dtype=np.float64)
    pieces = weights * x[..., None] + biases  # (..., 1) * (K,) -> (..., K)
    return pieces.max(axis=-1)


def dead_relu_fraction(X, W, b):
    """Fraction of ReLU units max(0, X W + b) that are zero for every example of X.

    Inputs:
    - X: (N, D) inputs (or (N, d_1, ..., d_k), flattened like affine_forward).
    - W: (D, H) weights; b: (H,) biases.

    Returns:
    - fraction: float in [0, 1], the share of the H units that never fire on X (their
      gradient is zero on all of X, so gradient descent cannot revive them from this data).
    """
    pre_activation, _ = affine_forward(X, W, b)  # (N, H)
    return float(np.mean(np.all(pre_activation <= 0, axis=0)))


def subtract_mean(X, per="image"):
    """Center images by the mean image (AlexNet) or by the per-channel mean (VGGNet).

    Inputs:
    - X: (N, H, W, C) images.
    - per: "image" subtracts the (H, W, C) mean image; "channel" subtracts C numbers.

    Returns a tuple of:
    - X_centered: (N, H, W, C) float64.
    - mean: the subtracted mean, (H, W, C) for "image" or (C,) for "channel".
    """
    _check_choice("subtract_mean", "per", per, ("image", "channel"))
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 4:
        raise ValueError(f"subtract_mean: X must be (N, H, W, C) images, got shape {X.shape}")
    mean = X.mean(axis=0) if per == "image" else X.mean(axis=(0, 1, 2))
    return X - mean, mean


@dataclass
class PCAResult:
    """Result of pca_whiten.

    Fields: mean (D,), eigenvectors (D, D) (columns, by decreasing eigenvalue), eigenvalues
    (D,), centered (N, D), decorrelated (N, D) = centered @ eigenvectors, whitened (N, D) =
    decorrelated / sqrt(eigenvalues + epsilon).
    """

    mean: np.ndarray
    eigenvectors: np.ndarray
    eigenvalues: np.ndarray
    centered: np.ndarray
    decorrelated: np.ndarray
    whitened: np.ndarray


def pca_whiten(X, epsilon=PCA_EPSILON):
    """Zero-center, decorrelate (PCA) and whiten data, as in the CS231n notes.

    Inputs:
    - X: (N, D) data, one example per row.
    - epsilon: float > 0 added to the eigenvalues before dividing (avoids blowing up noise).

    Returns a PCAResult; the covariance of ``decorrelated`` is diagonal (the eigenvalues) and
    that of ``whitened`` is close to the identity.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"pca_whiten: X must be (N, D) with N >= 2, got shape {X.shape}")
    if not epsilon > 0:
        raise ValueError(f"pca_whiten: epsilon must be > 0, got {epsilon!r}")
    mean = X.mean(axis=0)
    centered = X - mean
    covariance = centered.T @ centered / X.shape[0]  # (D, D)
    eigenvectors, eigenvalues, _ = np.linalg.svd(covariance)
    decorrelated = centered @ eigenvectors
    whitened = decorrelated / np.sqrt(eigenvalues + epsilon)
    return PCAResult(mean, eigenvectors, eigenvalues, centered, decorrelated, whitened)


@dataclass
class ActivationStatistics:
    """Result of activation_statistics: one entry per layer.

    Fields:
    - activation, weight_init, batchnorm: the settings.
    - hidden: list of L arrays (N, H), the activations after each layer.
    - means, stds: (L,) mean and standard deviation of each layer's activations.
    - weight_grad_stds: (L,) standard deviation of each layer's weight gradient dW for a
      standard normal upstream gradient at the last layer.
    """

    activation: str
    weight_init: str
    batchnorm: bool
    hidden: list = field(repr=False)
    means: np.ndarray
    stds: np.ndarray
    weight_grad_stds: np.ndarray


def deep_net_forward(activation, weight_init, num_layers, hidden_dim, num_examples,
                     weight_scale, batchnorm, rng):
    """Forward X = randn(N, H) through L layers of affine (zero bias) - [batch norm] - activation.

    Inputs (already validated by the caller):
    - activation: a key of ACTIVATIONS; weight_init: a cs231n.init scheme; weight_scale: std
      of the "small" scheme; batchnorm: batch norm in train mode (gamma 1, beta 0) before
      every activation.
    - num_layers, hidden_dim, num_examples: L, H, N.
    - rng: numpy RandomState or Generator; draws X first, then each layer's (H, H) weights.

    Returns a tuple of:
    - hidden: list of L arrays (N, H), the activations after each layer.
    - caches: list of L tuples (affine cache, batch norm cache or None, activation cache).
    """
    forward, _ = ACTIVATIONS[activation]
    x = rng.standard_normal((num_examples, hidden_dim))
    bias = np.zeros(hidden_dim)
    gamma, beta = np.ones(hidden_dim), np.zeros(hidden_dim)
    hidden, caches = [], []
    for _ in range(num_layers):
        w = init_weights((hidden_dim, hidden_dim), weight_init, rng, weight_scale)
        x, affine_cache = affine_forward(x, w, bias)  # (N, H) @ (H, H) -> (N, H)
        bn_cache = None
        if batchnorm:
            x, bn_cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
        x, activation_cache = forward(x)
        hidden.append(x)
        caches.append((affine_cache, bn_cache, activation_cache))
    return hidden, caches


def activation_statistics(activation="tanh", weight_init="xavier",
                          num_layers=INIT_NUM_LAYERS, hidden_dim=INIT_HIDDEN_DIM,
                          num_examples=INIT_NUM_EXAMPLES, weight_scale=1e-2, batchnorm=False,
                          seed=0):
    """Lecture 6's initialisation experiment: push random data through a deep net and watch.

    The input is X = randn(num_examples, hidden_dim); each of num_layers layers is
    affine (zero bias) - [batch norm in train mode, gamma 1, beta 0] - activation, with
    weights of shape (hidden_dim, hidden_dim) from cs231n.init (scheme weight_init). A
    standard normal upstream gradient is then backpropagated to every layer's weights.

    Inputs:
    - activation: a key of ACTIVATIONS ("tanh", "relu", "sigmoid", "leaky_relu", "elu").
    - weight_init: "small" (randn * weight_scale), "xavier" or "he".
    - num_layers, hidden_dim, num_examples: ints >= 1 (L, H, N).
    - weight_scale: std of the "small" scheme.
    - batchnorm: insert batch normalization before every activation.
    - seed: seeds the data, the weights and the upstream gradient (RandomState(seed)).

    Returns an ActivationStatistics.
    """
    caller = "activation_statistics"
    _check_choice(caller, "activation", activation, ACTIVATIONS)
    num_layers = _check_int(caller, "num_layers", num_layers, 1)
    hidden_dim = _check_int(caller, "hidden_dim", hidden_dim, 1)
    num_examples = _check_int(caller, "num_examples", num_examples, 2)
    _, backward = ACTIVATIONS[activation]
    rng = np.random.RandomState(seed)
    hidden, caches = deep_net_forward(activation, weight_init, num_layers, hidden_dim,
                                      num_examples, weight_scale, batchnorm, rng)
    dx = rng.standard_normal(hidden[-1].shape)
    weight_grad_stds = np.zeros(num_layers)
    for layer in reversed(range(num_layers)):
        affine_cache, bn_cache, activation_cache = caches[layer]
        dx = backward(dx, activation_cache)
        if bn_cache is not None:
            dx, _, _ = batchnorm_backward_alt(dx, bn_cache)
        dx, dw, _ = affine_backward(dx, affine_cache)
        weight_grad_stds[layer] = dw.std()
    return ActivationStatistics(
        activation=activation,
        weight_init=weight_init,
        batchnorm=batchnorm,
        hidden=hidden,
        means=np.array([h.mean() for h in hidden]),
        stds=np.array([h.std() for h in hidden]),
        weight_grad_stds=weight_grad_stds,
    )


def plot_activation_histograms(stats, axes_row, bins=50):
    """Draw one histogram of activations per layer of an ActivationStatistics into axes_row.

    Inputs:
    - stats: ActivationStatistics.
    - axes_row: sequence of L matplotlib Axes (one per layer).
    - bins: histogram bins.

    Returns None.
    """
    if len(axes_row) != len(stats.hidden):
        raise ValueError(
            f"plot_activation_histograms: need {len(stats.hidden)} axes (one per layer), got "
            f"{len(axes_row)}"
        )
    for layer, (ax, h) in enumerate(zip(axes_row, stats.hidden, strict=True), start=1):
        counts, edges = np.histogram(h, bins=bins)
        ax.stairs(counts, edges, fill=True)  # much faster than ax.hist on 500k values
        ax.set_yticks([])
        ax.set_title(f"layer {layer}\nstd {h.std():.2g}", fontsize=8)
        ax.tick_params(labelsize=6)


# ---------------------------------------------------------------------------------------------
# Lecture 6: babysitting and hyperparameter search
# ---------------------------------------------------------------------------------------------
@dataclass
class TrainResult:
    """Outcome of one training run of train_models.

    Fields: solver (the Solver, with its loss/accuracy histories), diverged (None, or the
    TrainingDiverged message when the loss blew up).
    """

    solver: Solver
    diverged: str | None = None


def train_models(models, data, **solver_kwargs):
    """Train several models on the same data, one Solver each, recording divergence.

    Inputs:
    - models: dict label -> model (following the Solver's model contract).
    - data: dict with X_train, y_train, X_val, y_val.
    - solver_kwargs: Solver settings shared by every run (update_rule, optim_config,
      num_epochs, batch_size, seed, verbose, ...). A per-model optim_config can be given as
      solver_kwargs["optim_configs"] = {label: config}.

    Returns a dict label -> TrainResult. A run whose loss or gradients become non-finite is
    stopped by the Solver (TrainingDiverged); its TrainResult keeps the Solver and the message
    (numpy's overflow warnings on the way there are silenced: the message says it all).
    """
    per_model_configs = solver_kwargs.pop("optim_configs", {})
    unknown = sorted(set(per_model_configs) - set(models))
    if unknown:
        raise ValueError(f"train_models: optim_configs has labels {unknown} not in models")
    results = {}
    for label, model in models.items():
        kwargs = dict(solver_kwargs)
        if label in per_model_configs:
            kwargs["optim_config"] = per_model_configs[label]
        solver = Solver(model, data, **kwargs)
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # reported as `diverged`
                solver.train()
        except TrainingDiverged as error:
            results[label] = TrainResult(solver, str(error))
        else:
            results[label] = TrainResult(solver)
    return results


def search_score(params):
    """A made-up validation score over two hyperparameters in [0, 1], for search pictures.

    score = bump(important) + UNIMPORTANT_WEIGHT * unimportant, where bump is a narrow
    Gaussian bump (peak IMPORTANT_PEAK): only the important hyperparameter matters much.

    Inputs:
    - params: dict with "important" and "unimportant", floats or arrays of the same shape.

    Returns the score (float or array).
    """
    location, width = IMPORTANT_PEAK
    important, unimportant = params["important"], params["unimportant"]
    return np.exp(-0.5 * ((important - location) / width) ** 2) + UNIMPORTANT_WEIGHT * unimportant


def grid_vs_random_search(num_trials=GRID_TRIALS, seed=0, score_fn=search_score):
    """Same budget, two strategies: a square grid against uniform random points in [0, 1]^2.

    Inputs:
    - num_trials: a perfect square (e.g. 9 = a 3 x 3 grid).
    - seed: seed of the random search.
    - score_fn: params dict -> score, higher is better (default search_score).

    Returns a dict with, for "grid" and "random": an (num_trials, 2) array of the tried
    (important, unimportant) points and the best score found; keys "grid_points",
    "random_points", "grid_best", "random_best".
    """
    side = math.isqrt(num_trials)
    if side * side != num_trials:
        raise ValueError(f"grid_vs_random_search: num_trials must be a perfect square, got "
                         f"{num_trials}")
    values = list((np.arange(side) + 0.5) / side)  # cell centres of a side x side grid
    grid = parameter_grid({"important": values, "unimportant": values})
    grid_scores = [float(score_fn(params)) for params in grid]
    space = {"important": lambda rng: float(rng.uniform()),
             "unimportant": lambda rng: float(rng.uniform())}
    trials = random_search(score_fn, space, num_trials, seed=seed)
    return {
        "grid_points": np.array([[p["important"], p["unimportant"]] for p in grid]),
        "random_points": np.array([[t.params["important"], t.params["unimportant"]]
                                   for t in trials]),
        "grid_best": max(grid_scores),
        "random_best": trials[0].score,
    }


# ---------------------------------------------------------------------------------------------
# Lecture 7: dropout as an ensemble
# ---------------------------------------------------------------------------------------------
def dropout_mlp_scores(model, X, mode, seed=None):
    """Class scores of a FullyConnectedNet (no normalization) with dropout in either mode.

    ``model.loss(X)`` always runs test mode; this runs the same layers (affine - relu -
    dropout per hidden layer, then affine) in "train" mode too, so one call = one randomly
    thinned sub-network of the ensemble that dropout trains.

    Inputs:
    - model: FullyConnectedNet built with dropout > 0 and normalization=None.
    - X: (N, d_1, ..., d_k) inputs.
    - mode: "train" (random masks) or "test" (no dropout; equals model.loss(X)).
    - seed: int seeding the masks in train mode (layer i uses seed + i).

    Returns:
    - scores: (N, C) array.
    """
    from cs231n.layer_utils import affine_relu_forward
    from cs231n.layers import dropout_forward

    _check_choice("dropout_mlp_scores", "mode", mode, ("train", "test"))
    if getattr(model, "normalization", None) is not None or not getattr(model, "use_dropout",
                                                                         False):
        raise ValueError(
            "dropout_mlp_scores: model must be a FullyConnectedNet with dropout > 0 and "
            "normalization=None"
        )
    hidden = X.astype(model.dtype, copy=False)
    for i in range(1, model.num_layers):
        hidden, _ = affine_relu_forward(hidden, model.params[f"W{i}"], model.params[f"b{i}"])
        dropout_param = {"p": model.dropout_param["p"], "mode": mode}
        if seed is not None:
            dropout_param["seed"] = seed + i
        hidden, _ = dropout_forward(hidden, dropout_param)
    last = model.num_layers
    scores, _ = affine_forward(hidden, model.params[f"W{last}"], model.params[f"b{last}"])
    return scores


def softmax_probabilities(scores):
    """Row-wise softmax of scores (N, C), shifted by the row maximum; returns (N, C)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    return exp_scores / exp_scores.sum(axis=1, keepdims=True)


def dropout_ensemble_probabilities(model, X, num_masks, seed=0):
    """Class probabilities of num_masks random dropout sub-networks of a model.

    Inputs:
    - model, X: as in dropout_mlp_scores.
    - num_masks: int >= 1, number of sampled sub-networks (train-mode passes).
    - seed: mask k uses seeds derived from seed + k * model.num_layers.

    Returns:
    - probabilities: (num_masks, N, C); their running mean over the first axis is the
      Monte Carlo ensemble, which approaches the single test-mode pass.
    """
    num_masks = _check_int("dropout_ensemble_probabilities", "num_masks", num_masks, 1)
    return np.stack([
        softmax_probabilities(dropout_mlp_scores(model, X, "train",
                                                 seed=seed + k * model.num_layers))
        for k in range(num_masks)
    ])


# ---------------------------------------------------------------------------------------------
# Lecture 7: transfer learning
# ---------------------------------------------------------------------------------------------
def transfer_convnet(num_classes=TRANSFER_NUM_CLASSES, input_shape=CIFAR10_SHAPE,
                     filters=TRANSFER_FILTERS, num_features=TRANSFER_FEATURES, seed=None,
                     dtype=np.float32):
    """A small conv net split into a body (the feature extractor) and a head (the classifier).

    Architecture: body = [conv 3x3 (pad 1) - relu - 2x2 max pool] x len(filters) - affine -
    relu (num_features units); head = affine (num_features -> num_classes). Built from
    cs231n.nn as ``Sequential(body, head)``, so the body's params are named "0.*" and the
    head's "1.*" (e.g. "1.W", "1.b").

    Inputs:
    - num_classes: C, number of class scores.
    - input_shape: (C_in, H, W) of one image; H and W must be divisible by 2**len(filters).
    - filters: channels of the conv stages.
    - num_features: D, width of the body's output.
    - seed: seeds the weights (He init); dtype: dtype of the params.

    Returns an nn.Classifier (Solver-ready).
    """
    from cs231n import nn

    layers, channels = [], input_shape[0]
    for out_channels in filters:
        layers += [nn.Conv2d(channels, out_channels, 3, pad=1), nn.ReLU(), nn.MaxPool(2, stride=2)]
        channels = out_channels
    pooled = 2 ** len(filters)
    flat_dim = channels * (input_shape[1] // pooled) * (input_shape[2] // pooled)
    layers += [nn.Flatten(), nn.Affine(flat_dim, num_features), nn.ReLU()]
    net = nn.Sequential(nn.Sequential(*layers), nn.Affine(num_features, num_classes))
    return nn.Classifier(net, input_shape=tuple(input_shape), seed=seed, dtype=dtype)


def _part_params(model, part):
    """The params of one child of model.net (BODY or HEAD), with the child's own names."""
    prefix = f"{part}."
    return {name[len(prefix):]: value for name, value in model.params.items()
            if name.startswith(prefix)}


def transfer_target_data(raw, mean_image, pixel_std=1.0, classes=TARGET_CLASSES,
                         num_train_per_class=20, num_val_per_class=20, num_test_per_class=100):
    """A few labelled examples per class of the target task, preprocessed like the source data.

    Inputs:
    - raw: dict with X_train (N, C, H, W), y_train, X_test, y_test WITHOUT mean subtraction
      (data_utils.load_cifar10_subset(..., subtract_mean=False)).
    - mean_image: (C, H, W), the mean image of the SOURCE training data, and
    - pixel_std: float, the standard deviation of its pixels: every image becomes
      (X - mean_image) / pixel_std, the preprocessing the pretrained body was trained with.
    - classes: labels of the target task, relabelled 0..K-1 in this order.
    - num_val_per_class: the first this many examples of each class in X_train validate ...
    - num_train_per_class: ... the next this many train (so the validation set does not depend
      on num_train_per_class, and a smaller training set is a subset of a larger one) ...
    - num_test_per_class: ... and the first this many of each class in X_test test.

    Returns a Solver-ready dict X_train, y_train, X_val, y_val, X_test, y_test.
    """
    caller = "transfer_target_data"
    num_train = _check_int(caller, "num_train_per_class", num_train_per_class, 1)
    num_val = _check_int(caller, "num_val_per_class", num_val_per_class, 1)
    num_test = _check_int(caller, "num_test_per_class", num_test_per_class, 1)
    X, y = select_classes(raw["X_train"], raw["y_train"], classes)
    X_test, y_test = select_classes(raw["X_test"], raw["y_test"], classes)
    train_idx, val_idx = [], []
    for label in range(len(classes)):
        idx = np.flatnonzero(y == label)
        if idx.size < num_train + num_val:
            raise ValueError(
                f"{caller}: class {classes[label]} has only {idx.size} training examples; "
                f"need num_train_per_class + num_val_per_class = {num_train + num_val}"
            )
        val_idx.append(idx[:num_val])
        train_idx.append(idx[num_val:num_val + num_train])
    test_idx = first_per_class(y_test, num_test)
    train_idx, val_idx = np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(val_idx))
    return {
        "X_train": (X[train_idx] - mean_image) / pixel_std, "y_train": y[train_idx],
        "X_val": (X[val_idx] - mean_image) / pixel_std, "y_val": y[val_idx],
        "X_test": (X_test[test_idx] - mean_image) / pixel_std, "y_test": y_test[test_idx],
    }


def train_transfer_source(raw, num_epochs=SOURCE_EPOCHS, classes=SOURCE_CLASSES, seed=0,
                          augment=True, verbose=True):
    """Train a transfer_convnet on the source classes (the long part of the experiment).

    Inputs:
    - raw: dict with X_train (N, C, H, W), y_train, X_val, y_val WITHOUT mean subtraction
      (e.g. data_utils.load_cifar10_subset(49000, 1000, ..., subtract_mean=False)).
    - num_epochs: epochs of Adam (learning rate TRANSFER_LEARNING_RATE, batch 100).
    - classes: the source classes, relabelled 0..K-1.
    - seed: seeds the weights and the Solver.
    - augment: random flips and crops (cs231n.augment.RandomFlipCrop) of every minibatch.
    - verbose: the Solver's progress output.

    Returns a tuple of:
    - model: the trained nn.Classifier (best validation parameters).
    - preprocessing: dict with mean_image (C, H, W) and pixel_std (float) of the source
      training images; inputs are (X - mean_image) / pixel_std.
    - solver: the Solver (histories).
    """
    mean_image = raw["X_train"].mean(axis=0)
    pixel_std = float(raw["X_train"].std())
    splits = {}
    for split in ("train", "val"):
        X, y = select_classes(raw[f"X_{split}"], raw[f"y_{split}"], classes)
        splits[f"X_{split}"], splits[f"y_{split}"] = (X - mean_image) / pixel_std, y
    model = transfer_convnet(num_classes=len(classes), seed=seed)
    solver = _transfer_solver(model, splits, num_epochs, TRAIN_BATCH_SIZE, seed, augment,
                              verbose)
    solver.train()
    return model, {"mean_image": mean_image, "pixel_std": pixel_std}, solver


def train_from_scratch(target, num_epochs=SCRATCH_EPOCHS, seed=1, augment=True, verbose=False):
    """Train a fresh transfer_convnet on a (small) target data set: the baseline.

    Inputs:
    - target: dict from transfer_target_data.
    - num_epochs: epochs of Adam (TRANSFER_LEARNING_RATE, batch FEW_SHOT_BATCH_SIZE).
    - seed, augment, verbose: as in train_transfer_source.

    Returns a tuple (model with the best validation parameters, solver).
    """
    num_classes = int(target["y_train"].max()) + 1
    model = transfer_convnet(num_classes=num_classes, seed=seed)
    solver = _transfer_solver(model, target, num_epochs, FEW_SHOT_BATCH_SIZE, seed, augment,
                              verbose)
    solver.train()
    return model, solver


def _transfer_solver(model, data, num_epochs, batch_size, seed, augment, verbose):
    """The Solver both transfer trainings use (Adam, optional flip/crop augmentation)."""
    from cs231n.augment import RandomFlipCrop

    return Solver(model, data, update_rule="adam",
                  optim_config={"learning_rate": TRANSFER_LEARNING_RATE},
                  num_epochs=num_epochs, batch_size=batch_size, seed=seed, verbose=verbose,
                  print_every=PRINT_EVERY, batch_transform=RandomFlipCrop() if augment else None)


def network_features(model, X, batch_size=FEATURE_BATCH_SIZE):
    """Output of the body of a transfer_convnet (test mode): the features the head sees.

    Inputs:
    - model: nn.Classifier from transfer_convnet (any params, e.g. trained on other classes).
    - X: (N, C, H, W) images, preprocessed like the model's training data.
    - batch_size: images per forward pass.

    Returns:
    - features: (N, D) array in model.dtype.
    """
    _check_int("network_features", "batch_size", batch_size, 1)
    body, params = model.net[0], _part_params(model, BODY)
    X = X.astype(model.dtype, copy=False)
    chunks = [body.forward(X[i:i + batch_size], params, "test")[0]
              for i in range(0, X.shape[0], batch_size)]
    return np.concatenate(chunks)


def linear_head(num_features=TRANSFER_FEATURES, num_classes=TRANSFER_NUM_CLASSES, seed=None,
                dtype=np.float32, reg=0.0):
    """A lone affine layer (softmax classifier) on D features, as an nn.Classifier.

    Training it on network_features(...) is training only the last layer of a conv net whose
    body is frozen: the Solver updates every entry of model.params, and this model's params
    are exactly the head's (named "0.W", "0.b").

    Inputs:
    - num_features: D; num_classes: C; seed, dtype, reg: as in nn.Classifier.

    Returns an nn.Classifier with input_shape (D,).
    """
    from cs231n import nn

    net = nn.Sequential(nn.Affine(num_features, num_classes))
    return nn.Classifier(net, input_shape=(num_features,), reg=reg, seed=seed, dtype=dtype)


def train_linear_head(features, y, val_features, y_val, num_epochs=HEAD_EPOCHS,
                      learning_rate=HEAD_LEARNING_RATE, batch_size=FEW_SHOT_BATCH_SIZE, seed=0):
    """Train only a last layer: a linear_head on fixed (frozen-body) features.

    The features are standardised for training (minus their training mean, divided by their
    overall standard deviation) and the standardisation is then folded into the layer:
    ((f - center) / scale) W + b = f (W / scale) + (b - (center / scale) W), so the returned
    head takes the raw features, like the conv net's own last layer (see attach_head).

    Inputs:
    - features: (N, D) training features; y: (N,) int labels in 0..C-1.
    - val_features: (N_val, D), y_val: (N_val,), for the Solver's choice of the best epoch.
    - num_epochs, learning_rate, batch_size: Adam settings; seed: weights and Solver.

    Returns the trained head (nn.Classifier from linear_head; params "0.W" (D, C), "0.b" (C,)).
    """
    num_features, num_classes = features.shape[1], int(max(y.max(), y_val.max())) + 1
    center = features.mean(axis=0)
    scale = float(features.std()) or 1.0
    head = linear_head(num_features, num_classes, seed=seed, dtype=features.dtype)
    Solver(head, {"X_train": (features - center) / scale, "y_train": y,
                  "X_val": (val_features - center) / scale, "y_val": y_val},
           update_rule="adam", optim_config={"learning_rate": learning_rate},
           num_epochs=num_epochs, batch_size=batch_size, seed=seed, verbose=False).train()
    W, b = head.params["0.W"], head.params["0.b"]
    head.params = {"0.W": (W / scale).astype(head.dtype),
                   "0.b": (b - (center / scale) @ W).astype(head.dtype)}
    return head


def attach_head(model, head):
    """Copy a trained linear_head into the head of a transfer_convnet (in place).

    Afterwards model.loss(X) scores images with the frozen body and the retrained head.

    Inputs:
    - model: nn.Classifier from transfer_convnet; head: nn.Classifier from linear_head with
      matching D and C.

    Returns model.
    """
    for name in ("W", "b"):
        target, source = f"{HEAD}.{name}", head.params[f"0.{name}"]
        if model.params[target].shape != source.shape:
            raise ValueError(
                f"attach_head: the head's {name} has shape {source.shape} but the model's "
                f"{target} has shape {model.params[target].shape}"
            )
        model.params[target] = source.astype(model.dtype)
    return model


def plot_optimizer_paths(surface, paths, ax=None, num_levels=CONTOUR_LEVELS):
    """Contour plot of a 2-D surface of cs231n.landscape with one path per optimizer.

    Inputs:
    - surface: a cs231n.landscape.Surface or a key of landscape.SURFACES.
    - paths: dict label -> (T, 2) array from landscape.optimizer_trajectory (NaN rows after a
      divergence are not drawn).
    - ax: matplotlib Axes; None = a new figure.
    - num_levels: number of contour levels.

    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from cs231n import landscape

    if isinstance(surface, str):
        surface = landscape.SURFACES[_check_choice("plot_optimizer_paths", "surface", surface,
                                                   tuple(landscape.SURFACES))]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    x_min, x_max, y_min, y_max = surface.extent
    xs, ys = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
    values = surface.value(xs, ys)
    if surface.log_levels:
        values = np.log1p(values - values.min())
    ax.contour(xs, ys, values, levels=num_levels, cmap="Greys", linewidths=0.6)
    for label, path in paths.items():
        style = ".-" if len(path) <= MARKED_PATH_STEPS else "-"
        ax.plot(path[:, 0], path[:, 1], style, markersize=3, linewidth=1, label=label)
    if surface.minimum is not None:
        ax.plot(*surface.minimum, "k*", markersize=12)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_title(surface.name)
    ax.legend(fontsize=8)
    return ax


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------
def time_call(fn, *args, repeats=TIMING_REPEATS, **kwargs):
    """Best wall-clock time of fn(*args, **kwargs) over repeats calls.

    Returns a tuple (seconds, result of the last call).
    """
    repeats = _check_int("time_call", "repeats", repeats, 1)
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result
