"""Loss landscapes: directions, filter normalization, 1-D/2-D grids, PCA of a trajectory.

The pure math behind ``cs231n.widgets.LossLandscapeExplorer`` and ``OptimizerRace`` (lectures
3 and 7). No widget code lives here.

A landscape is the loss of a model at the parameter points ``center + sum_k c_k * d_k``: a
center (a dict ``name -> array`` like ``model.params``), K directions (dicts of the same keys
and shapes) and a (P, K) array of coordinates. With K = 1 that is a 1-D slice, with K = 2 a
2-D surface; linear interpolation between two parameter sets A and B (Goodfellow et al. 2015)
is the 1-D slice with center A, direction B - A and coordinates alpha (alpha = 0 is A,
alpha = 1 is B).

Random directions are filter-normalized as in Li et al. 2018 ("Visualizing the Loss Landscape
of Neural Nets"): each filter (conv weight ``W[f]`` of shape (C, HH, WW)) or neuron (affine
weight column ``W[:, j]``, since scores = x @ W) of the direction is rescaled to the norm of
the matching filter or neuron of the weights, and 1-D parameters (biases, batch-norm gamma and
beta) get a zero direction. The trajectory view projects the Solver's snapshots on their two
principal directions (PCA), centered at the final weights.

Evaluating a landscape (``evaluate_landscape``) calls ``model.loss(X, y)`` once per point, for
any model with ``params`` and ``loss``. For the fully-connected ReLU nets of the package
(``fc_net.TwoLayerNet``, ``FullyConnectedNet`` without normalization and dropout, and
assignment 1's ``neural_net.TwoLayerNet``) a batched evaluator does the same in a few big
matrix products: the first layer's pre-activations are linear in the coordinates, so
``X @ W1`` is computed once per direction and every grid point reuses it. It is used only
after it reproduces ``model.loss`` at the center.

Timing: ``python -m cs231n.landscape`` prints how long the 2-D 31x31 landscape of a two-layer
net on 1,000 CIFAR-10 images takes (see ``benchmark``).

``optimizer_trajectory`` and ``SURFACES`` are the 2-D test functions (saddle, ravine,
Rosenbrock) of the optimizer race.
"""

import argparse
import copy
import inspect
import math
import numbers
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------
NORMALIZATIONS = ("filter", "layer", "none")  # how random directions are rescaled
NORM_EPS = 1e-10  # keeps the rescaling finite for an all-zero direction filter
PCA_COMPONENTS = 2  # the trajectory view is 2-D
INTERPOLATION_MIDPOINT = 0.5  # interpolation grids are centered between A (0) and B (1)
METHODS = ("auto", "batched", "loop")  # how evaluate_landscape computes the losses
BATCHED_MATCH_RTOL = 1e-6  # the batched evaluator must reproduce model.loss this closely ...
MATCH_EPS_FACTOR = 100  # ... or to 100 float epsilons of the model's dtype (float32: 1.2e-5)
BATCH_ELEMENTS = 2**22  # the batched evaluator holds at most this many activations at once
DIVERGENCE_BOUND = 1e6  # an optimizer trajectory beyond this norm has diverged
MIN_RESOLUTION = 2  # a grid axis needs two points
DEFAULT_RACE_STEPS = 300  # steps of an optimizer trajectory

# Benchmark settings (``python -m cs231n.landscape``)
BENCH_NUM_IMAGES = 1000
BENCH_RESOLUTION = 31
BENCH_HIDDEN_DIM = 100
BENCH_SPAN = 1.0
BENCH_SEED = 0


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------
def _check_params(params, caller, name="params"):
    """Raise TypeError unless ``params`` is a non-empty mapping name -> ndarray."""
    if not isinstance(params, Mapping) or not params:
        raise TypeError(
            f"{caller}: {name} must be a non-empty dict name -> array (like model.params), "
            f"got {type(params).__name__}"
        )
    for key, value in params.items():
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"{caller}: {name}[{key!r}] must be a numpy array, got {type(value).__name__}"
            )


def _check_like(reference, other, caller, name):
    """Raise ValueError unless ``other`` has the keys and shapes of ``reference``."""
    _check_params(other, caller, name)
    if set(other) != set(reference):
        raise ValueError(
            f"{caller}: {name} has the keys {sorted(other)} but the center has "
            f"{sorted(reference)}; they must match"
        )
    for key, value in reference.items():
        if other[key].shape != value.shape:
            raise ValueError(
                f"{caller}: {name}[{key!r}] has shape {other[key].shape} but the center's is "
                f"{value.shape}"
            )


def _check_int(caller, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{caller}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_positive(caller, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{caller}: {name} must be a positive number, got {value!r}")
    return float(value)


def _check_choice(caller, name, value, choices):
    if value not in choices:
        raise ValueError(f"{caller}: {name} must be one of {choices}, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Directions
# ---------------------------------------------------------------------------------------------
def neuron_axis(ndim):
    """Axis of a parameter array that indexes its filters or neurons.

    Inputs:
    - ndim: number of dimensions of the parameter.

    Returns:
    - axis: None for 1-D parameters (biases, gamma, beta); 1 for an affine weight (D, M),
      whose neuron j is the column W[:, j] (scores = x @ W); 0 otherwise, e.g. a conv weight
      (F, C, HH, WW) whose filter f is W[f].
    """
    if ndim <= 1:
        return None
    if ndim == 2:
        return 1
    return 0


def filter_normalize(direction, params, normalization="filter", ignore_biases=True):
    """Rescale a direction to the scale of the weights (Li et al. 2018).

    Inputs:
    - direction: dict name -> array, shapes as params.
    - params: dict name -> array, the weights the direction starts from.
    - normalization: "filter": every filter/neuron d_f of the direction becomes
      d_f * ||w_f|| / ||d_f|| (see neuron_axis for what a filter is); "layer": every array d
      becomes d * ||w|| / ||d||; "none": the direction is kept as it is.
    - ignore_biases: give 1-D parameters (biases, batch-norm gamma and beta) a zero direction.

    Returns:
    - normalized: dict name -> float64 array, shapes as params.
    """
    caller = "filter_normalize"
    _check_params(params, caller)
    _check_like(params, direction, caller, "direction")
    _check_choice(caller, "normalization", normalization, NORMALIZATIONS)
    normalized = {}
    for name, w in params.items():
        w = np.asarray(w, dtype=np.float64)
        d = np.asarray(direction[name], dtype=np.float64)
        axis = neuron_axis(w.ndim)
        if ignore_biases and axis is None:
            normalized[name] = np.zeros_like(w)
        elif normalization == "none":
            normalized[name] = d.copy()
        elif normalization == "layer" or axis is None:
            normalized[name] = d * (np.linalg.norm(w) / (np.linalg.norm(d) + NORM_EPS))
        else:
            others = tuple(i for i in range(w.ndim) if i != axis)  # axes inside one filter
            w_norms = np.sqrt(np.sum(w * w, axis=others, keepdims=True))  # 1 per filter
            d_norms = np.sqrt(np.sum(d * d, axis=others, keepdims=True))
            normalized[name] = d * (w_norms / (d_norms + NORM_EPS))
    return normalized


def random_directions(params, num_directions=2, seed=0, normalization="filter", ignore_biases=True):
    """Gaussian random directions in parameter space, filter-normalized.

    Inputs:
    - params: dict name -> array, the center of the landscape (e.g. trained model.params).
    - num_directions: int K >= 1.
    - seed: int, seed of the numpy Generator the directions are drawn from.
    - normalization, ignore_biases: see filter_normalize.

    Returns:
    - directions: list of K dicts name -> float64 array, shapes as params.
    """
    caller = "random_directions"
    _check_params(params, caller)
    num_directions = _check_int(caller, "num_directions", num_directions, 1)
    _check_int(caller, "seed", seed, 0)
    rng = np.random.default_rng(seed)
    directions = []
    for _ in range(num_directions):
        raw = {name: rng.standard_normal(w.shape) for name, w in params.items()}
        directions.append(filter_normalize(raw, params, normalization, ignore_biases))
    return directions


def param_difference(params_b, params_a):
    """The direction from parameter set A to B: dict name -> B[name] - A[name] (float64)."""
    _check_params(params_a, "param_difference", "params_a")
    _check_like(params_a, params_b, "param_difference", "params_b")
    return {
        name: np.asarray(params_b[name], np.float64) - np.asarray(a, np.float64)
        for name, a in params_a.items()
    }


def params_at(center, directions, coords):
    """The parameter point center + sum_k coords[k] * directions[k].

    Inputs:
    - center: dict name -> array.
    - directions: list of K dicts like center.
    - coords: sequence of K numbers.

    Returns:
    - params: dict name -> float64 array, shapes as center.
    """
    if len(coords) != len(directions):
        raise ValueError(
            f"params_at: got {len(coords)} coordinates for {len(directions)} directions"
        )
    point = {name: np.asarray(w, np.float64).copy() for name, w in center.items()}
    for c, direction in zip(coords, directions, strict=True):
        for name in point:
            point[name] += c * direction[name]
    return point


def interpolate_params(params_a, params_b, alpha):
    """Linear interpolation (1 - alpha) * A + alpha * B of two parameter sets (dict)."""
    return params_at(params_a, [param_difference(params_b, params_a)], [alpha])


# ---------------------------------------------------------------------------------------------
# Grids
# ---------------------------------------------------------------------------------------------
def grid_axis(span, resolution, midpoint=0.0):
    """Evenly spaced coordinates of one grid axis.

    Inputs:
    - span: float > 0, half-width of the axis.
    - resolution: int >= 2, number of points.
    - midpoint: float, center of the axis (INTERPOLATION_MIDPOINT for interpolation).

    Returns:
    - axis: (resolution,) array from midpoint - span to midpoint + span.
    """
    span = _check_positive("grid_axis", "span", span)
    resolution = _check_int("grid_axis", "resolution", resolution, MIN_RESOLUTION)
    return np.linspace(midpoint - span, midpoint + span, resolution)


def grid_coords(alphas, betas=None):
    """Coordinates of every point of a 1-D or 2-D grid, in row-major order.

    Inputs:
    - alphas: (A,) coordinates along the first direction (the x axis).
    - betas: (B,) coordinates along the second direction (the y axis), or None for 1-D.

    Returns:
    - coords: (A, 1) for 1-D; (B * A, 2) for 2-D, ordered so that
      ``losses.reshape(B, A)[i, j]`` is the point (alphas[j], betas[i]) (Z[y, x], as
      matplotlib's contour and imshow expect).
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    if betas is None:
        return alphas[:, None]  # (A,) -> (A, 1)
    betas = np.asarray(betas, dtype=np.float64)
    grid_x, grid_y = np.meshgrid(alphas, betas)  # each (B, A)
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)  # (B * A, 2)


# ---------------------------------------------------------------------------------------------
# Evaluating a model on a landscape
# ---------------------------------------------------------------------------------------------
def _takes_reg(model):
    """True when model.loss has a ``reg`` argument (assignment 1's neural_net.TwoLayerNet)."""
    try:
        return "reg" in inspect.signature(model.loss).parameters
    except (TypeError, ValueError):
        return False


def _check_model(model, caller):
    if not isinstance(getattr(model, "params", None), dict) or not callable(
        getattr(model, "loss", None)
    ):
        raise TypeError(
            f"{caller}: model must have a dict `params` and a method loss(X, y), got "
            f"{type(model).__name__}"
        )


def _loss_kwargs(model, reg, caller):
    if _takes_reg(model):
        return {} if reg is None else {"reg": reg}
    if reg is not None:
        raise ValueError(
            f"{caller}: {type(model).__name__}.loss takes no `reg`; its regularization is "
            "model.reg, so leave reg=None"
        )
    return {}


def model_loss_function(model, X, y, reg=None):
    """A function that evaluates model.loss(X, y) at any parameter point.

    The model's own params (and batch-norm state in ``model.bn_params``) are put back after
    every call.

    Inputs:
    - model: object with ``params`` (dict) and ``loss(X, y)`` returning (loss, grads), or
      ``loss(X, y, reg)`` like assignment 1's neural_net.TwoLayerNet.
    - X: (N, d_1, ..., d_k) inputs; y: (N,) int labels.
    - reg: regularization strength passed to ``loss(X, y, reg=reg)``; only for models whose
      loss takes it (None = the loss function's default). Other models use model.reg.

    Returns:
    - loss_at: callable params -> float.
    """
    caller = "model_loss_function"
    _check_model(model, caller)
    kwargs = _loss_kwargs(model, reg, caller)

    def loss_at(params):
        """model.loss(X, y)'s loss at ``params`` (dict like model.params), as a float."""
        saved_params = model.params
        saved_bn = copy.deepcopy(getattr(model, "bn_params", None))
        model.params = {
            name: np.asarray(params[name]).astype(w.dtype, copy=False)
            for name, w in saved_params.items()
        }
        try:
            out = model.loss(X, y, **kwargs)
        finally:
            model.params = saved_params
            if saved_bn is not None:
                for own, saved in zip(model.bn_params, saved_bn, strict=True):
                    own.clear()
                    own.update(saved)
        loss = out[0] if isinstance(out, tuple) else out
        return float(loss)

    return loss_at


def mlp_spec(model):
    """How to evaluate ``model`` with the batched evaluator, or None if it can't be.

    Inputs:
    - model: any model.

    Returns:
    - None, or a tuple (num_layers L, reg) for the affine - ReLU - ... - affine - softmax nets
      of the package whose loss is the mean softmax loss + reg * sum_l sum(W_l**2):
      fc_net.TwoLayerNet, fc_net.FullyConnectedNet without normalization and dropout, and
      neural_net.TwoLayerNet (whose reg is an argument of loss: the returned reg is None).
    """
    from cs231n.classifiers import fc_net, neural_net

    if type(model) is fc_net.FullyConnectedNet:
        if model.normalization is not None or model.use_dropout:
            return None
        return model.num_layers, model.reg
    if type(model) is fc_net.TwoLayerNet:
        return 2, model.reg
    if type(model) is neural_net.TwoLayerNet:
        return 2, None
    return None


def _stack_layer(center, directions, name):
    """(K + 1, ...) stack of center[name] and every direction's array of that name."""
    return np.stack([np.asarray(center[name], np.float64)] + [d[name] for d in directions])


def _blend(weights, stack):
    """sum_k weights[p, k] * stack[k] for every point p: (P, K + 1), (K + 1, ...) -> (P, ...)."""
    flat = stack.reshape(stack.shape[0], -1)  # (K + 1, ...) -> (K + 1, S)
    return (weights @ flat).reshape(weights.shape[0], *stack.shape[1:])  # (P, S) -> (P, ...)


def _blended_affine(hidden, blend, W_stack):
    """hidden[p] @ (sum_k blend[p, k] * W_stack[k]) for every point p, as ONE matrix product.

    hidden (P, N, H_in), blend (P, K + 1), W_stack (K + 1, H_in, H_out) -> (P, N, H_out).
    (A stacked matmul over P small matrices is far slower than this single BLAS call.)
    """
    P, N, H_in = hidden.shape
    num_terms, _, H_out = W_stack.shape
    # (K + 1, H_in, H_out) -> (H_in, K + 1, H_out) -> (H_in, (K + 1) * H_out)
    W_side = W_stack.transpose(1, 0, 2).reshape(H_in, -1)
    per_term = hidden.reshape(P * N, H_in) @ W_side  # (P * N, (K + 1) * H_out)
    per_term = per_term.reshape(P, N, num_terms, H_out)  # -> (P, N, K + 1, H_out)
    return np.einsum("pnkh,pk->pnh", per_term, blend)


def _softmax_losses(scores, y):
    """Mean softmax loss per point: scores (P, N, C), y (N,) -> (P,)."""
    shifted = scores - np.max(scores, axis=2, keepdims=True)  # (P, N, C)
    log_norm = np.log(np.sum(np.exp(shifted), axis=2))  # (P, N)
    correct = shifted[:, np.arange(y.shape[0]), y]  # (P, N)
    return np.mean(log_norm - correct, axis=1)


def mlp_grid_losses(
    X, y, center, directions, coords, num_layers, reg, progress=None, batch_elements=BATCH_ELEMENTS
):
    """Batched loss of an affine - ReLU - ... - affine - softmax net at many parameter points.

    The loss at point p is softmax_loss(scores_p, y) + reg * sum_l sum(W_l(p)**2) with
    W_l(p) = center[Wl] + sum_k coords[p, k] * directions[k][Wl] (and likewise the biases).
    The first layer's pre-activations X @ W1(p) + b1(p) are linear in the coordinates, so
    X @ W1 and X @ D_k[W1] are computed once; the L2 penalty is a quadratic form of the
    coordinates. Points are processed in batches of at most batch_elements activations.

    Inputs:
    - X: (N, d_1, ..., d_k) inputs with d_1 * ... * d_k = D; y: (N,) int labels.
    - center: dict with W1 (D, H_1), b1 (H_1,), ..., WL (H_{L-1}, C), bL (C,).
    - directions: list of K dicts like center.
    - coords: (P, K) coordinates.
    - num_layers: L, the number of affine layers.
    - reg: float, L2 strength.
    - progress: None or callable(done, total) called after every batch of points.
    - batch_elements: int, memory bound of a batch.

    Returns:
    - losses: (P,) float64.
    """
    N = X.shape[0]
    X_rows = np.asarray(X, np.float64).reshape(N, -1)  # (N, d_1, ..., d_k) -> (N, D)
    y = np.asarray(y)
    coords = np.asarray(coords, np.float64)
    P = coords.shape[0]
    weights = [_stack_layer(center, directions, f"W{i}") for i in range(1, num_layers + 1)]
    biases = [_stack_layer(center, directions, f"b{i}") for i in range(1, num_layers + 1)]
    # X @ W1(p) + b1(p) = sum_k blend[p, k] * (X @ V_k[W1] + V_k[b1]) with V = [center, dirs]
    first_pre = np.matmul(X_rows, weights[0])  # (N, D) @ (K + 1, D, H_1) -> (K + 1, N, H_1)
    first_pre += biases[0][:, None, :]  # (K + 1, H_1) -> (K + 1, 1, H_1)

    gram = np.zeros((len(directions) + 1,) * 2)  # <V_i, V_j> summed over the weight matrices
    for stack in weights:
        flat = stack.reshape(stack.shape[0], -1)  # (K + 1, ...) -> (K + 1, S)
        gram += flat @ flat.T  # (K + 1, S) @ (S, K + 1) -> (K + 1, K + 1)

    widest = max(stack.shape[-1] for stack in weights)
    batch = max(1, batch_elements // (N * widest))
    losses = np.empty(P)
    for start in range(0, P, batch):
        stop = min(start + batch, P)
        blend = np.concatenate([np.ones((stop - start, 1)), coords[start:stop]], axis=1)
        hidden = _blend(blend, first_pre)  # (P, N, H_1)
        for W_stack, b_stack in zip(weights[1:], biases[1:], strict=True):
            np.maximum(hidden, 0.0, out=hidden)  # ReLU
            hidden = _blended_affine(hidden, blend, W_stack) + _blend(blend, b_stack)[:, None]
        reg_losses = reg * np.einsum("pi,ij,pj->p", blend, gram, blend)
        losses[start:stop] = _softmax_losses(hidden, y) + reg_losses
        if progress is not None:
            progress(stop, P)
    return losses


def _tqdm_progress(total, description):
    """A progress(done, total) callback drawing a tqdm.auto bar, and a function closing it."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=description, unit="pt")

    def progress(done, _total):
        """Advance the bar to ``done`` points."""
        bar.update(done - bar.n)

    return progress, bar.close


def evaluate_landscape(
    model, X, y, center, directions, coords, reg=None, method="auto", progress=None
):
    """Loss of a model at the points center + sum_k coords[p, k] * directions[k].

    Inputs:
    - model: object with ``params`` (dict) and ``loss(X, y)`` (or ``loss(X, y, reg)``).
    - X: (N, d_1, ..., d_k) inputs; y: (N,) int labels.
    - center: dict name -> array with the keys and shapes of model.params.
    - directions: list of K dicts like center.
    - coords: (P, K) coordinates (see grid_coords).
    - reg: L2 strength for models whose loss takes ``reg`` (None = its default); others use
      model.reg.
    - method: "loop" calls model.loss once per point; "batched" uses mlp_grid_losses (only
      for the nets listed in mlp_spec); "auto" uses "batched" when mlp_spec allows it AND it
      reproduces model.loss at the center, "loop" otherwise.
    - progress: None, True (a tqdm.auto progress bar) or a callable(done, total).

    Returns a tuple of:
    - losses: (P,) float64 array.
    - method: "batched" or "loop", the method used.
    """
    caller = "evaluate_landscape"
    _check_model(model, caller)
    _check_params(center, caller, "center")
    _check_like(model.params, center, caller, "center")
    for k, direction in enumerate(directions):
        _check_like(model.params, direction, caller, f"directions[{k}]")
    _check_choice(caller, "method", method, METHODS)
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != len(directions):
        raise ValueError(
            f"{caller}: coords must have shape (P, K) = (P, {len(directions)}), got {coords.shape}"
        )
    if X.shape[0] != np.shape(y)[0]:
        raise ValueError(f"{caller}: X has {X.shape[0]} examples but y has {np.shape(y)[0]}")

    spec = mlp_spec(model)
    loss_at = model_loss_function(model, X, y, reg)
    if method == "batched" and spec is None:
        raise ValueError(
            f"{caller}: method='batched' needs an affine-ReLU-softmax net (see mlp_spec), got "
            f"a {type(model).__name__}; use method='loop'"
        )
    close = None
    if progress is True:
        progress, close = _tqdm_progress(coords.shape[0], "landscape")
    try:
        if spec is not None and method != "loop":
            num_layers, model_reg = spec
            reg_value = model_reg if model_reg is not None else _default_reg(model, reg)
            if method == "batched" or _batched_matches(
                X, y, center, loss_at, num_layers, reg_value
            ):
                losses = mlp_grid_losses(
                    X, y, center, directions, coords, num_layers, reg_value, progress
                )
                return losses, "batched"
        losses = np.empty(coords.shape[0])
        for p, point in enumerate(coords):
            losses[p] = loss_at(params_at(center, directions, point))
            if progress is not None:
                progress(p + 1, coords.shape[0])
        return losses, "loop"
    finally:
        if close is not None:
            close()


def _default_reg(model, reg):
    """reg for a model whose loss takes it: the given value, else loss's default."""
    if reg is not None:
        return float(reg)
    default = inspect.signature(model.loss).parameters["reg"].default
    return 0.0 if default is inspect.Parameter.empty else float(default)


def _batched_matches(X, y, center, loss_at, num_layers, reg):
    """True when the batched evaluator gives model.loss's value at the center.

    The tolerance is BATCHED_MATCH_RTOL, or MATCH_EPS_FACTOR float epsilons of the model's
    lowest precision (float32 models compute their loss less exactly than the float64 check).
    """
    expected = loss_at(center)
    got = mlp_grid_losses(X, y, center, [], np.zeros((1, 0)), num_layers, reg)[0]
    eps = max(
        np.finfo(w.dtype).eps if np.issubdtype(w.dtype, np.floating) else 0.0
        for w in center.values()
    )
    rtol = max(BATCHED_MATCH_RTOL, MATCH_EPS_FACTOR * eps)
    return bool(np.isclose(got, expected, rtol=rtol, atol=0.0))


# ---------------------------------------------------------------------------------------------
# Convenience: curves and surfaces
# ---------------------------------------------------------------------------------------------
def loss_curve(model, X, y, params_a, params_b, alphas, **kwargs):
    """Loss along the line (1 - alpha) * A + alpha * B (linear interpolation).

    Inputs:
    - model, X, y: as evaluate_landscape.
    - params_a, params_b: dicts like model.params (e.g. initial and trained weights).
    - alphas: (R,) interpolation coefficients (0 = A, 1 = B).
    - kwargs: reg, method, progress of evaluate_landscape.

    Returns:
    - losses: (R,) array.
    """
    direction = param_difference(params_b, params_a)
    losses, _ = evaluate_landscape(
        model, X, y, params_a, [direction], grid_coords(alphas), **kwargs
    )
    return losses


def loss_surface(model, X, y, center, direction_x, direction_y, alphas, betas, **kwargs):
    """Loss on the plane center + alpha * direction_x + beta * direction_y.

    Inputs:
    - model, X, y: as evaluate_landscape.
    - center, direction_x, direction_y: dicts like model.params.
    - alphas: (A,) coordinates along direction_x; betas: (B,) along direction_y.
    - kwargs: reg, method, progress of evaluate_landscape.

    Returns:
    - surface: (B, A) array, surface[i, j] = loss at (alphas[j], betas[i]).
    """
    losses, _ = evaluate_landscape(
        model, X, y, center, [direction_x, direction_y], grid_coords(alphas, betas), **kwargs
    )
    return losses.reshape(len(betas), len(alphas))  # (B * A,) -> (B, A)


# ---------------------------------------------------------------------------------------------
# PCA of a training trajectory
# ---------------------------------------------------------------------------------------------
def snapshot_params(snapshot):
    """The params dict of a snapshot: a Solver snapshot (epoch, {name: array}) or a dict."""
    if isinstance(snapshot, tuple) and len(snapshot) == 2 and isinstance(snapshot[1], Mapping):
        return snapshot[1]
    if isinstance(snapshot, Mapping):
        return snapshot
    raise TypeError(
        "snapshots must hold Solver snapshots (epoch, {name: array}) or dicts name -> array, "
        f"got {type(snapshot).__name__}"
    )


def pca_directions(snapshots, center, num_components=PCA_COMPONENTS):
    """Principal directions of a training trajectory, and the trajectory in their coordinates.

    The rows theta_t - center (one per snapshot, the params flattened and concatenated) are
    mean-centered and decomposed with an SVD; the top right-singular vectors are unit
    directions. Each direction's sign is chosen so that the first snapshot has a coordinate
    <= 0 (training moves along +direction towards the center).

    Inputs:
    - snapshots: list of T Solver snapshots (epoch, {name: array}) or dicts; every snapshot
      holds the same names, a subset of center's keys (Solver(snapshot_params=...)).
    - center: dict name -> array, usually the final (trained) params.
    - num_components: int, number of directions (T must be > num_components).

    Returns a tuple of:
    - directions: list of num_components dicts over center's keys (zero for params not in the
      snapshots), unit norm in the concatenated parameter space.
    - coords: (T, num_components) coordinates of every snapshot: <theta_t - center, d_k>.
    - explained: (num_components,) fraction of the trajectory's variance per direction.
    """
    caller = "pca_directions"
    _check_params(center, caller, "center")
    num_components = _check_int(caller, "num_components", num_components, 1)
    if len(snapshots) <= num_components:
        raise ValueError(
            f"{caller}: got {len(snapshots)} snapshots; {num_components} principal directions "
            f"need at least {num_components + 1} (train with Solver(snapshot_every=1) and more "
            "epochs)"
        )
    names = [name for name in center if name in snapshot_params(snapshots[0])]
    if not names:
        raise ValueError(f"{caller}: the snapshots hold none of the center's params")
    rows = []
    for t, snapshot in enumerate(snapshots):
        params = snapshot_params(snapshot)
        if sorted(params) != sorted(names):
            raise ValueError(
                f"{caller}: snapshot {t} holds {sorted(params)} but snapshot 0 holds "
                f"{sorted(names)}"
            )
        rows.append(
            np.concatenate([(np.asarray(params[n], np.float64) - center[n]).ravel() for n in names])
        )
    offsets = np.stack(rows)  # (T, S): theta_t - center, flattened
    centered = offsets - offsets.mean(axis=0)  # (T, S)
    _, singular, vt = np.linalg.svd(centered, full_matrices=False)  # vt: (min(T, S), S)
    components = vt[:num_components]  # (K, S)
    coords = offsets @ components.T  # (T, S) @ (S, K) -> (T, K)
    signs = np.where(coords[0] > 0, -1.0, 1.0)  # (K,)
    components = components * signs[:, None]
    coords = coords * signs
    variance = singular**2
    explained = variance[:num_components] / max(float(np.sum(variance)), NORM_EPS)

    directions = []
    for component in components:
        direction = {name: np.zeros(np.shape(w)) for name, w in center.items()}
        offset = 0
        for name in names:
            size = direction[name].size
            segment = component[offset : offset + size]  # (size,) part of the flat (S,)
            direction[name] = segment.reshape(direction[name].shape)  # (size,) -> param shape
            offset += size
        directions.append(direction)
    return directions, coords, explained


# ---------------------------------------------------------------------------------------------
# 2-D test surfaces and optimizer trajectories (the optimizer race)
# ---------------------------------------------------------------------------------------------
SADDLE_QUARTIC = 0.5  # f grows again for large |y|: minima at (0, +-1), f = -0.5


def saddle_value(x, y):
    """f(x, y) = x**2 - y**2 + 0.5 * y**4: a saddle at the origin, minima at (0, +-1)."""
    return x**2 - y**2 + SADDLE_QUARTIC * y**4


def saddle_gradient(x, y):
    """(df/dx, df/dy) of saddle_value."""
    return 2 * x, -2 * y + 4 * SADDLE_QUARTIC * y**3


RAVINE_X_CURVATURE = 0.2  # f'' along the floor of the ravine ...
RAVINE_Y_CURVATURE = 4.0  # ... and across it: condition number 20


def ravine_value(x, y):
    """f(x, y) = 0.5 * (0.2 * x**2 + 4 * y**2): a long narrow valley (condition number 20)."""
    return 0.5 * (RAVINE_X_CURVATURE * x**2 + RAVINE_Y_CURVATURE * y**2)


def ravine_gradient(x, y):
    """(df/dx, df/dy) of ravine_value."""
    return RAVINE_X_CURVATURE * x, RAVINE_Y_CURVATURE * y


ROSENBROCK_A = 1.0
ROSENBROCK_B = 100.0


def rosenbrock_value(x, y):
    """Rosenbrock's banana f(x, y) = (1 - x)**2 + 100 * (y - x**2)**2, minimum at (1, 1)."""
    return (ROSENBROCK_A - x) ** 2 + ROSENBROCK_B * (y - x**2) ** 2


def rosenbrock_gradient(x, y):
    """(df/dx, df/dy) of rosenbrock_value."""
    dx = -2 * (ROSENBROCK_A - x) - 4 * ROSENBROCK_B * x * (y - x**2)
    dy = 2 * ROSENBROCK_B * (y - x**2)
    return dx, dy


@dataclass(frozen=True)
class Surface:
    """A 2-D test function for the optimizer race.

    Fields: name; value(x, y) and gradient(x, y) -> (dx, dy), both broadcasting over arrays;
    start (x0, y0); extent (x_min, x_max, y_min, y_max) of the plot; minimum (x, y) or None;
    log_levels (draw contours of log(1 + f)); learning_rates: default learning rate per
    update rule of cs231n.optim.
    """

    name: str
    value: Callable
    gradient: Callable
    start: tuple
    extent: tuple
    minimum: tuple | None = None
    log_levels: bool = False
    learning_rates: dict = field(default_factory=dict)


# Default learning rates per surface, in the order of UPDATE_RULES (chosen so that every rule
# makes visible progress in DEFAULT_RACE_STEPS steps without diverging).
# fmt: off
SURFACES = {
    "saddle": Surface(
        "saddle", saddle_value, saddle_gradient, start=(-1.0, 1e-3),
        extent=(-1.5, 1.5, -1.5, 1.5), minimum=(0.0, 1.0),
        learning_rates=dict(zip(
            ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam"),
            (0.05, 0.01, 0.01, 0.1, 0.01, 0.02), strict=True)),
    ),
    "ravine": Surface(
        "ravine", ravine_value, ravine_gradient, start=(-4.0, 1.5), extent=(-5, 5, -2, 2),
        minimum=(0.0, 0.0),
        learning_rates=dict(zip(
            ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam"),
            (0.4, 0.05, 0.05, 1.0, 0.05, 0.2), strict=True)),
    ),
    "rosenbrock": Surface(
        "rosenbrock", rosenbrock_value, rosenbrock_gradient, start=(-1.2, 1.0),
        extent=(-2.0, 2.0, -1.0, 3.0), minimum=(1.0, 1.0), log_levels=True,
        learning_rates=dict(zip(
            ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam"),
            (1.5e-3, 1e-3, 1e-3, 1.0, 0.05, 0.2), strict=True)),
    ),
}
# fmt: on
UPDATE_RULES = ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam")


def optimizer_trajectory(
    surface, update_rule, config=None, num_steps=DEFAULT_RACE_STEPS, start=None
):
    """Run one update rule of cs231n.optim on a 2-D surface.

    Inputs:
    - surface: a Surface or a key of SURFACES.
    - update_rule: name of an update rule in cs231n.optim (see UPDATE_RULES).
    - config: dict of hyperparameters (copied; None = the surface's learning rate and the
      rule's defaults).
    - num_steps: int >= 0, updates to run.
    - start: (x, y) or None for surface.start.

    Returns:
    - path: (num_steps + 1, 2) array of the points visited, path[0] = start. After a
      divergence (a non-finite point or one of norm > DIVERGENCE_BOUND) the rows are NaN.
    """
    from cs231n import optim

    caller = "optimizer_trajectory"
    if isinstance(surface, str):
        surface = SURFACES[_check_choice(caller, "surface", surface, tuple(SURFACES))]
    _check_choice(caller, "update_rule", update_rule, UPDATE_RULES)
    num_steps = _check_int(caller, "num_steps", num_steps, 0)
    update = getattr(optim, update_rule)
    config = dict(config or {})
    config.setdefault("learning_rate", surface.learning_rates.get(update_rule))
    if config["learning_rate"] is None:
        del config["learning_rate"]
    w = np.array(surface.start if start is None else start, dtype=np.float64)
    path = np.full((num_steps + 1, 2), np.nan)
    path[0] = w
    for step in range(1, num_steps + 1):
        dw = np.array(surface.gradient(w[0], w[1]), dtype=np.float64)
        w, config = update(w, dw, config)
        if not np.all(np.isfinite(w)) or np.linalg.norm(w) > DIVERGENCE_BOUND:
            break
        path[step] = w
    return path


# ---------------------------------------------------------------------------------------------
# Benchmark: python -m cs231n.landscape
# ---------------------------------------------------------------------------------------------
def benchmark(
    num_images=BENCH_NUM_IMAGES,
    resolution=BENCH_RESOLUTION,
    hidden_dim=BENCH_HIDDEN_DIM,
    method="auto",
    seed=BENCH_SEED,
):
    """Time the 2-D landscape of a two-layer net on CIFAR-10 (or the stand-in).

    Inputs:
    - num_images: int, images the loss is averaged over.
    - resolution: int, grid points per axis (resolution**2 points in all).
    - hidden_dim: int, H of the fc_net.TwoLayerNet (3072 - H - 10).
    - method: see evaluate_landscape.
    - seed: seeds the net's weights and the random directions.

    Returns a dict with seconds, points, method, data (data set name), loss_center.
    """
    from cs231n.classifiers.fc_net import TwoLayerNet
    from cs231n.data_utils import get_CIFAR10_data

    data = get_CIFAR10_data(num_training=num_images, num_validation=0, num_test=0)
    X, y = data["X_train"], data["y_train"]
    model = TwoLayerNet(hidden_dim=hidden_dim, weight_scale=1e-3, reg=0.0, seed=seed)
    center = dict(model.params)
    axis = grid_axis(BENCH_SPAN, resolution)
    start = time.perf_counter()
    directions = random_directions(center, 2, seed=seed)
    losses, used = evaluate_landscape(
        model, X, y, center, directions, grid_coords(axis, axis), method=method
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "points": losses.size,
        "method": used,
        "num_images": X.shape[0],
        "loss_center": float(losses[losses.size // 2]),
    }


def main(argv=None):
    """Command line: python -m cs231n.landscape [--images N] [--resolution R] [--method M]."""
    parser = argparse.ArgumentParser(
        prog="python -m cs231n.landscape",
        description="Time the 2-D loss landscape of a two-layer net on CIFAR-10 images.",
    )
    parser.add_argument("--images", type=int, default=BENCH_NUM_IMAGES)
    parser.add_argument("--resolution", type=int, default=BENCH_RESOLUTION)
    parser.add_argument("--hidden", type=int, default=BENCH_HIDDEN_DIM)
    parser.add_argument("--method", choices=METHODS, default="auto")
    args = parser.parse_args(argv)
    result = benchmark(args.images, args.resolution, args.hidden, args.method)
    side = math.isqrt(result["points"])
    print(
        f"landscape {side}x{side} of a two-layer net (H={args.hidden}) on "
        f"{result['num_images']} images: {result['seconds']:.2f} s "
        f"(method={result['method']}, loss at the center {result['loss_center']:.4f})"
    )
    return result


if __name__ == "__main__":
    main()
