"""Naive (pure numpy) layers: ``*_forward -> (out, cache)`` / ``*_backward(dout, cache)`` pairs.

Every forward pass returns the output and a ``cache`` holding what its backward pass needs;
every backward pass takes the upstream derivative ``dout`` (same shape as ``out``) and the
cache, and returns the gradient with respect to each input, in the order of the forward
pass's array arguments. The function names and signatures are those of CS231n (2017).

The layers keep the floating point type of their inputs: float32 in, float32 out.

Shape letters: N examples, D features (``d_1 * ... * d_k`` for higher-rank inputs), M affine
outputs, C channels / classes, H, W input height and width, F filters, HH, WW filter (or pool)
height and width, H', W' output height and width.
"""

import numpy as np

# The one geometry check of the package, re-exported here (layers.conv_output_size).
from cs231n.im2col import conv_output_size

# ---------------------------------------------------------------------------------------------
# Defaults (CS231n 2017 values)
# ---------------------------------------------------------------------------------------------
LEAKY_RELU_ALPHA = 0.01  # slope of leaky ReLU for x <= 0
ELU_ALPHA = 1.0  # ELU saturates at -alpha for x -> -inf
BN_EPS = 1e-5  # added to the variance before the square root (batch norm, layer norm)
BN_MOMENTUM = 0.9  # running = momentum * running + (1 - momentum) * batch statistic
SVM_MARGIN = 1.0  # the multiclass SVM's delta
MODES = ("train", "test")


# ---------------------------------------------------------------------------------------------
# Validation and geometry helpers (infrastructure, not exercises)
# ---------------------------------------------------------------------------------------------
def _check_array(fn, name, value, ndim=None):
    """Raise TypeError unless ``value`` is an ndarray, ValueError unless it has ``ndim`` dims."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(value).__name__}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(
            f"{fn}: {name} must have {ndim} dimensions, got shape {value.shape}"
        )


def _check_shape(fn, name, value, expected_shape):
    """Raise ValueError unless the array ``value`` has shape ``expected_shape``."""
    _check_array(fn, name, value)
    if value.shape != tuple(expected_shape):
        raise ValueError(
            f"{fn}: {name} must have shape {tuple(expected_shape)}, got {value.shape}"
        )


def _check_int(fn, name, value, minimum):
    """Raise TypeError unless ``value`` is an int, ValueError unless it is >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{fn}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{fn}: {name} must be >= {minimum}, got {value}")


def _check_mode(fn, mode):
    """Raise ValueError unless ``mode`` is 'train' or 'test'."""
    if mode not in MODES:
        raise ValueError(f"{fn}: mode must be 'train' or 'test', got {mode!r}")


def _require_keys(fn, param_name, params, keys):
    """Return ``tuple(params[k] for k in keys)``; clear errors for a non-dict or missing keys."""
    if not isinstance(params, dict):
        raise TypeError(f"{fn}: {param_name} must be a dict, got {type(params).__name__}")
    missing = [key for key in keys if key not in params]
    if missing:
        raise ValueError(
            f"{fn}: {param_name} is missing key(s) {missing}; expected keys {list(keys)}"
        )
    return tuple(params[key] for key in keys)


def _check_labels(fn, y, num_examples, num_classes):
    """Raise unless ``y`` is an integer array of shape (N,) with values in [0, C)."""
    _check_array(fn, "y", y, ndim=1)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{fn}: y must hold integer class labels, got dtype {y.dtype}")
    if y.shape[0] != num_examples:
        raise ValueError(f"{fn}: y has {y.shape[0]} labels but x has {num_examples} rows")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"{fn}: labels y must lie in [0, {num_classes}), got min {y.min()}, max {y.max()}"
        )


def _window_slices(out_height, out_width, window_height, window_width, stride):
    """Yield ``(i, j, rows, cols)`` for every output position (i, j) of a sliding window.

    ``rows`` and ``cols`` are the slices of the (padded) input that the window at (i, j)
    covers, so ``x[:, :, rows, cols]`` has shape (N, C, window_height, window_width).
    """
    for i in range(out_height):
        rows = slice(i * stride, i * stride + window_height)
        for j in range(out_width):
            cols = slice(j * stride, j * stride + window_width)
            yield i, j, rows, cols


def _pool_geometry(fn, x, pool_param):
    """Validate a pooling input; return (pool_height, pool_width, stride, H', W')."""
    _check_array(fn, "x", x, ndim=4)
    pool_height, pool_width, stride = _require_keys(
        fn, "pool_param", pool_param, ("pool_height", "pool_width", "stride")
    )
    _, _, H, W = x.shape
    out_height = conv_output_size(H, pool_height, stride, 0, fn, "H", "pool_height")
    out_width = conv_output_size(W, pool_width, stride, 0, fn, "W", "pool_width")
    return pool_height, pool_width, stride, out_height, out_width


# ---------------------------------------------------------------------------------------------
# Affine layer
# ---------------------------------------------------------------------------------------------
def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer.

    The input x has shape (N, d_1, ..., d_k): a minibatch of N examples, each of dimension
    D = d_1 * ... * d_k. Each example is reshaped to a row of length D and mapped to M outputs.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k)
    - w: weights, shape (D, M)
    - b: biases, shape (M,)

    Returns a tuple of:
    - out: output, shape (N, M)
    - cache: (x, w, b)
    """
    fn = "affine_forward"
    _check_array(fn, "x", x)
    _check_array(fn, "w", w, ndim=2)
    if x.ndim < 1 or int(np.prod(x.shape[1:])) != w.shape[0]:
        raise ValueError(
            f"{fn}: x of shape {x.shape} has D = {int(np.prod(x.shape[1:]))} features per "
            f"example but w of shape {w.shape} expects D = {w.shape[0]}"
        )
    _check_shape(fn, "b", b, (w.shape[1],))
    out = None
    # TODO: Implement the affine forward pass. Reshape x into rows of length D,
    # then compute out = x_rows @ w + b.
    ### BEGIN SOLUTION
    x_rows = x.reshape(x.shape[0], -1)  # (N, d_1, ..., d_k) -> (N, D)
    out = x_rows @ w + b
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: upstream derivative, shape (N, M)
    - cache: (x, w, b) from affine_forward; x (N, d_1, ..., d_k), w (D, M), b (M,)

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, shape (D, M)
    - db: gradient with respect to b, shape (M,)
    """
    x, w, b = cache
    _check_shape("affine_backward", "dout", dout, (x.shape[0], w.shape[1]))
    dx, dw, db = None, None, None
    # TODO: Implement the affine backward pass. Use the row view x_rows (N, D) of x;
    # dx must come back in the original shape of x.
    ### BEGIN SOLUTION
    x_rows = x.reshape(x.shape[0], -1)  # (N, d_1, ..., d_k) -> (N, D)
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d_1, ..., d_k)
    dw = x_rows.T @ dout  # (D, N) @ (N, M) -> (D, M)
    db = dout.sum(axis=0)
    ### END SOLUTION
    return dx, dw, db


# ---------------------------------------------------------------------------------------------
# Elementwise activations (lecture 6)
# ---------------------------------------------------------------------------------------------
def relu_forward(x):
    """Forward pass of rectified linear units: out = max(0, x).

    Inputs:
    - x: input of any shape

    Returns a tuple of:
    - out: output, same shape as x
    - cache: x
    """
    _check_array("relu_forward", "x", x)
    out = None
    # TODO: Implement the ReLU forward pass.
    ### BEGIN SOLUTION
    out = np.maximum(x, 0)
    ### END SOLUTION
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of ReLU.

    Inputs:
    - dout: upstream derivative, any shape
    - cache: x, the input of relu_forward, same shape as dout

    Returns:
    - dx: gradient with respect to x (the subgradient 0 is used at x == 0)
    """
    x = cache
    _check_shape("relu_backward", "dout", dout, x.shape)
    dx = None
    # TODO: Implement the ReLU backward pass: the gradient flows where x > 0.
    ### BEGIN SOLUTION
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


def leaky_relu_forward(x, alpha=LEAKY_RELU_ALPHA):
    """Forward pass of leaky ReLU: out = x if x > 0 else alpha * x.

    Inputs:
    - x: input of any shape
    - alpha: float, slope for x <= 0

    Returns a tuple of:
    - out: output, same shape as x
    - cache: (x, alpha)
    """
    _check_array("leaky_relu_forward", "x", x)
    out = None
    # TODO: Implement the leaky ReLU forward pass.
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    ### END SOLUTION
    cache = (x, alpha)
    return out, cache


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU.

    Inputs:
    - dout: upstream derivative, any shape
    - cache: (x, alpha) from leaky_relu_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    x, alpha = cache
    _check_shape("leaky_relu_backward", "dout", dout, x.shape)
    dx = None
    # TODO: Implement the leaky ReLU backward pass (slope 1 where x > 0, alpha elsewhere).
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, alpha * dout)
    ### END SOLUTION
    return dx


def sigmoid_forward(x):
    """Forward pass of the logistic sigmoid: out = 1 / (1 + exp(-x)).

    Numerically stable for large |x|: exp is only ever taken of -|x| <= 0, so it cannot
    overflow (sigmoid(-1000) is 0 and sigmoid(1000) is 1, with no warning).

    Inputs:
    - x: input of any shape

    Returns a tuple of:
    - out: output in (0, 1), same shape as x
    - cache: out (the derivative is out * (1 - out))
    """
    _check_array("sigmoid_forward", "x", x)
    out = None
    # TODO: Implement a numerically stable sigmoid. With z = exp(-|x|) (never overflows),
    # sigmoid(x) = 1 / (1 + z) for x >= 0 and z / (1 + z) for x < 0.
    ### BEGIN SOLUTION
    z = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    ### END SOLUTION
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid.

    Inputs:
    - dout: upstream derivative, any shape
    - cache: out, the output of sigmoid_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    out = cache
    _check_shape("sigmoid_backward", "dout", dout, out.shape)
    dx = None
    # TODO: Implement the sigmoid backward pass using the cached output.
    ### BEGIN SOLUTION
    dx = dout * out * (1 - out)
    ### END SOLUTION
    return dx


def tanh_forward(x):
    """Forward pass of tanh.

    Inputs:
    - x: input of any shape

    Returns a tuple of:
    - out: output in (-1, 1), same shape as x
    - cache: out (the derivative is 1 - out**2)
    """
    _check_array("tanh_forward", "x", x)
    out = None
    # TODO: Implement the tanh forward pass.
    ### BEGIN SOLUTION
    out = np.tanh(x)
    ### END SOLUTION
    cache = out
    return out, cache


def tanh_backward(dout, cache):
    """Backward pass of tanh.

    Inputs:
    - dout: upstream derivative, any shape
    - cache: out, the output of tanh_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    out = cache
    _check_shape("tanh_backward", "dout", dout, out.shape)
    dx = None
    # TODO: Implement the tanh backward pass using the cached output.
    ### BEGIN SOLUTION
    dx = dout * (1 - out**2)
    ### END SOLUTION
    return dx


def elu_forward(x, alpha=ELU_ALPHA):
    """Forward pass of the exponential linear unit: out = x if x > 0 else alpha * (exp(x) - 1).

    Inputs:
    - x: input of any shape
    - alpha: float > 0, the value -alpha is the limit for x -> -inf

    Returns a tuple of:
    - out: output, same shape as x
    - cache: (x, out, alpha)
    """
    _check_array("elu_forward", "x", x)
    if not alpha > 0:
        raise ValueError(f"elu_forward: alpha must be > 0, got {alpha!r}")
    out = None
    # TODO: Implement the ELU forward pass. Only exponentiate min(x, 0) so that large
    # positive inputs cannot overflow (np.expm1 computes exp(z) - 1 accurately).
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    ### END SOLUTION
    cache = (x, out, alpha)
    return out, cache


def elu_backward(dout, cache):
    """Backward pass of ELU.

    Inputs:
    - dout: upstream derivative, any shape
    - cache: (x, out, alpha) from elu_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    x, out, alpha = cache
    _check_shape("elu_backward", "dout", dout, x.shape)
    dx = None
    # TODO: Implement the ELU backward pass. For x <= 0 the derivative alpha * exp(x)
    # equals out + alpha.
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, dout * (out + alpha))
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------------------------------------
# Normalization: batch norm, spatial batch norm, layer norm
# ---------------------------------------------------------------------------------------------
def _check_norm_inputs(fn, x, gamma, beta):
    """Validate x (N, D) with per-feature gamma and beta (D,)."""
    _check_array(fn, "x", x, ndim=2)
    _check_shape(fn, "gamma", gamma, (x.shape[1],))
    _check_shape(fn, "beta", beta, (x.shape[1],))


def _norm_eps(fn, params):
    """Read and validate ``eps`` from bn_param / ln_param (default BN_EPS)."""
    eps = params.get("eps", BN_EPS)
    if not eps > 0:
        raise ValueError(f"{fn}: eps must be > 0, got {eps!r}")
    return eps


def _standardize(x, axis, eps):
    """Standardize x to zero mean and unit variance along ``axis`` (0: batch norm, 1: layer norm).

    Inputs:
    - x: array of shape (N, D)
    - axis: 0 to normalize each feature over the batch, 1 to normalize each example
    - eps: float added to the variance

    Returns a dict with the intermediate values of the computational graph (statistics keep
    the reduced axis with length 1, so (1, D) for axis 0 and (N, 1) for axis 1):
    - mean, var: the mean and the (biased) variance along axis
    - x_centered: x - mean, shape (N, D)
    - std: sqrt(var + eps); inv_std: 1 / std
    - x_hat: x_centered * inv_std, shape (N, D)
    """
    stats = None
    # TODO: Compute the mean and biased variance of x along `axis` (keepdims=True), then
    # x_centered, std = sqrt(var + eps), inv_std and x_hat, and return them in a dict with
    # the keys listed in the docstring.
    ### BEGIN SOLUTION
    mean = x.mean(axis=axis, keepdims=True)
    x_centered = x - mean
    var = np.mean(x_centered**2, axis=axis, keepdims=True)
    std = np.sqrt(var + eps)
    inv_std = 1 / std
    stats = {
        "mean": mean,
        "var": var,
        "x_centered": x_centered,
        "std": std,
        "inv_std": inv_std,
        "x_hat": x_centered * inv_std,
    }
    ### END SOLUTION
    return stats


def _scale_shift_backward(dout, x_hat, gamma):
    """Backward pass of out = gamma * x_hat + beta with per-feature gamma, beta (D,).

    Returns (dx_hat (N, D), dgamma (D,), dbeta (D,)).
    """
    dx_hat, dgamma, dbeta = None, None, None
    # TODO: Backpropagate through out = gamma * x_hat + beta (gamma and beta broadcast
    # over the N rows).
    ### BEGIN SOLUTION
    dx_hat = dout * gamma
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    ### END SOLUTION
    return dx_hat, dgamma, dbeta


def _standardize_backward(dx_hat, x_hat, inv_std, axis):
    """Closed-form backward pass of x_hat = (x - mean) / sqrt(var + eps) along ``axis``.

    With K the number of values averaged (N for axis 0, D for axis 1):
    dx = inv_std / K * (K * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat)),
    sums taken along ``axis`` (keepdims).

    Returns dx, shape (N, D).
    """
    dx = None
    # TODO: Implement the simplified closed-form gradient given in the docstring.
    ### BEGIN SOLUTION
    count = dx_hat.shape[axis]
    dx = inv_std / count * (
        count * dx_hat
        - dx_hat.sum(axis=axis, keepdims=True)
        - x_hat * np.sum(dx_hat * x_hat, axis=axis, keepdims=True)
    )
    ### END SOLUTION
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    During training the sample mean and (biased) variance of the minibatch normalize each
    feature, and exponentially decaying running averages of them are kept:

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var

    At test time the running averages normalize the data instead. When absent, running_mean
    and running_var are created as zeros and ones of x's dtype (shape (D,)) and stored back in
    bn_param.

    Inputs:
    - x: data of shape (N, D)
    - gamma: scale parameter, shape (D,)
    - beta: shift parameter, shape (D,)
    - bn_param: dict with the keys
      - mode: 'train' or 'test' (required)
      - eps: constant for numeric stability (default 1e-5)
      - momentum: constant for the running averages (default 0.9)
      - running_mean: array of shape (D,), running mean of the features
      - running_var: array of shape (D,), running variance of the features

    Returns a tuple of:
    - out: shape (N, D)
    - cache: in 'train' mode a dict with the graph intermediates x_centered, var, std, inv_std,
      x_hat (statistics shaped (1, D)), gamma and mode; in 'test' mode {"mode": "test"}
      (batch norm is only backpropagated in train mode).
    """
    fn = "batchnorm_forward"
    _check_norm_inputs(fn, x, gamma, beta)
    (mode,) = _require_keys(fn, "bn_param", bn_param, ("mode",))
    _check_mode(fn, mode)
    eps = _norm_eps(fn, bn_param)
    momentum = bn_param.get("momentum", BN_MOMENTUM)
    if not 0 <= momentum <= 1:
        raise ValueError(f"{fn}: momentum must lie in [0, 1], got {momentum!r}")
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(D, dtype=x.dtype))
    _check_shape(fn, "bn_param['running_mean']", running_mean, (D,))
    _check_shape(fn, "bn_param['running_var']", running_var, (D,))

    out, cache = None, {"mode": mode}
    if mode == "train":
        # TODO: Implement the training-time forward pass. Normalize x with the minibatch
        # statistics (see _standardize), scale and shift with gamma and beta, store what the
        # backward pass needs in `cache`, and update running_mean / running_var with momentum.
        ### BEGIN SOLUTION
        stats = _standardize(x, axis=0, eps=eps)
        out = gamma * stats["x_hat"] + beta
        cache.update(stats, gamma=gamma)
        sample_mean = stats["mean"].reshape(D)  # (1, D) -> (D,)
        sample_var = stats["var"].reshape(D)  # (1, D) -> (D,)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        ### END SOLUTION
    else:
        # TODO: Implement the test-time forward pass: normalize x with the running averages,
        # then scale and shift.
        ### BEGIN SOLUTION
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        ### END SOLUTION

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def _train_cache(fn, cache):
    """Return a batch norm cache, or raise if it came from a test-mode forward pass."""
    if cache.get("mode") != "train":
        raise ValueError(
            f"{fn}: the cache comes from a forward pass in mode={cache.get('mode')!r}; "
            "backpropagate through batch norm in mode='train'"
        )
    return cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, node by node through the computational graph.

    The forward graph is: mean = sum(x) / N; x_centered = x - mean;
    var = sum(x_centered**2) / N; std = sqrt(var + eps); inv_std = 1 / std;
    x_hat = x_centered * inv_std; out = gamma * x_hat + beta.

    Inputs:
    - dout: upstream derivative, shape (N, D)
    - cache: the 'train' mode cache of batchnorm_forward

    Returns a tuple of:
    - dx: gradient with respect to the input x, shape (N, D)
    - dgamma: gradient with respect to gamma, shape (D,)
    - dbeta: gradient with respect to beta, shape (D,)
    """
    cache = _train_cache("batchnorm_backward", cache)
    _check_shape("batchnorm_backward", "dout", dout, cache["x_hat"].shape)
    dx, dgamma, dbeta = None, None, None
    # TODO: Backpropagate through the graph in the docstring one node at a time, from out back
    # to x (x reaches the output both directly through x_centered and through mean).
    ### BEGIN SOLUTION
    N = dout.shape[0]
    x_centered, std, inv_std = cache["x_centered"], cache["std"], cache["inv_std"]
    # out = gamma * x_hat + beta
    dx_hat, dgamma, dbeta = _scale_shift_backward(dout, cache["x_hat"], cache["gamma"])
    # x_hat = x_centered * inv_std
    dx_centered = dx_hat * inv_std
    dinv_std = np.sum(dx_hat * x_centered, axis=0, keepdims=True)
    # inv_std = 1 / std
    dstd = -dinv_std / std**2
    # std = sqrt(var + eps)
    dvar = dstd * 0.5 / std
    # var = sum(x_centered**2) / N
    dx_centered = dx_centered + 2 * x_centered * dvar / N
    # x_centered = x - mean
    dmean = -np.sum(dx_centered, axis=0, keepdims=True)
    # mean = sum(x) / N
    dx = dx_centered + dmean / N
    ### END SOLUTION
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization with the simplified closed-form expression.

    Same inputs and outputs as batchnorm_backward; with dx_hat = dout * gamma:
    dx = inv_std / N * (N * dx_hat - sum_n(dx_hat) - x_hat * sum_n(dx_hat * x_hat)).

    Inputs:
    - dout: upstream derivative, shape (N, D)
    - cache: the 'train' mode cache of batchnorm_forward

    Returns a tuple of:
    - dx: shape (N, D)
    - dgamma: shape (D,)
    - dbeta: shape (D,)
    """
    cache = _train_cache("batchnorm_backward_alt", cache)
    _check_shape("batchnorm_backward_alt", "dout", dout, cache["x_hat"].shape)
    dx, dgamma, dbeta = None, None, None
    # TODO: Compute dgamma, dbeta and dx_hat, then dx in closed form (see _standardize_backward).
    ### BEGIN SOLUTION
    dx_hat, dgamma, dbeta = _scale_shift_backward(dout, cache["x_hat"], cache["gamma"])
    dx = _standardize_backward(dx_hat, cache["x_hat"], cache["inv_std"], axis=0)
    ### END SOLUTION
    return dx, dgamma, dbeta


def _channels_to_rows(x):
    """Reshape (N, C, H, W) to (N*H*W, C): one row per pixel, one column per channel."""
    rows = None
    # TODO: Move the channel axis last, then flatten the other axes into rows.
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)  # (N, C, H, W) -> (N*H*W, C)
    ### END SOLUTION
    return rows


def _rows_to_channels(rows, shape):
    """Inverse of _channels_to_rows: (N*H*W, C) back to ``shape`` = (N, C, H, W)."""
    x = None
    # TODO: Undo _channels_to_rows.
    ### BEGIN SOLUTION
    N, C, H, W = shape
    x = rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # (N*H*W, C) -> (N, C, H, W)
    ### END SOLUTION
    return x


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization (one mean/variance per channel).

    Every pixel of every image is one example of its channel's features: the data is viewed
    as (N*H*W, C) rows, batch normalized, and reshaped back.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - gamma: scale parameter, shape (C,)
    - beta: shift parameter, shape (C,)
    - bn_param: dict as in batchnorm_forward (mode, eps, momentum, running_mean (C,),
      running_var (C,))

    Returns a tuple of:
    - out: output data, shape (N, C, H, W)
    - cache: the batchnorm_forward cache of the (N*H*W, C) view
    """
    _check_array("spatial_batchnorm_forward", "x", x, ndim=4)
    out, cache = None, None
    # TODO: Implement spatial batch norm by reusing batchnorm_forward on the row view of x.
    ### BEGIN SOLUTION
    out_rows, cache = batchnorm_forward(_channels_to_rows(x), gamma, beta, bn_param)
    out = _rows_to_channels(out_rows, x.shape)
    ### END SOLUTION
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    Inputs:
    - dout: upstream derivative, shape (N, C, H, W)
    - cache: from spatial_batchnorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, C, H, W)
    - dgamma: gradient with respect to gamma, shape (C,)
    - dbeta: gradient with respect to beta, shape (C,)
    """
    _check_array("spatial_batchnorm_backward", "dout", dout, ndim=4)
    dx, dgamma, dbeta = None, None, None
    # TODO: Implement the spatial batch norm backward pass with batchnorm_backward_alt.
    ### BEGIN SOLUTION
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(_channels_to_rows(dout), cache)
    dx = _rows_to_channels(dx_rows, dout.shape)
    ### END SOLUTION
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization.

    Each example (row) is normalized over its D features, with the same computation at train
    and test time (no running averages), then scaled and shifted per feature.

    Inputs:
    - x: data of shape (N, D)
    - gamma: scale parameter, shape (D,)
    - beta: shift parameter, shape (D,)
    - ln_param: dict with the optional key eps (default 1e-5)

    Returns a tuple of:
    - out: shape (N, D)
    - cache: dict with the graph intermediates x_centered, var, std, inv_std, x_hat
      (statistics shaped (N, 1)) and gamma
    """
    fn = "layernorm_forward"
    _check_norm_inputs(fn, x, gamma, beta)
    _require_keys(fn, "ln_param", ln_param, ())
    eps = _norm_eps(fn, ln_param)
    out, cache = None, None
    # TODO: Implement layer norm: standardize each row of x (see _standardize), then scale and
    # shift with gamma and beta.
    ### BEGIN SOLUTION
    cache = _standardize(x, axis=1, eps=eps)
    cache["gamma"] = gamma
    out = gamma * cache["x_hat"] + beta
    ### END SOLUTION
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Inputs:
    - dout: upstream derivative, shape (N, D)
    - cache: from layernorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dgamma: gradient with respect to gamma, shape (D,)
    - dbeta: gradient with respect to beta, shape (D,)
    """
    _check_shape("layernorm_backward", "dout", dout, cache["x_hat"].shape)
    dx, dgamma, dbeta = None, None, None
    # TODO: Implement the layer norm backward pass (the batch norm closed form along axis 1).
    ### BEGIN SOLUTION
    dx_hat, dgamma, dbeta = _scale_shift_backward(dout, cache["x_hat"], cache["gamma"])
    dx = _standardize_backward(dx_hat, cache["x_hat"], cache["inv_std"], axis=1)
    ### END SOLUTION
    return dx, dgamma, dbeta


# ---------------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------------
def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    In train mode every unit is dropped (set to zero) with probability p and the kept units
    are scaled by 1 / (1 - p), so the expected output equals x and test mode is the identity.

    Inputs:
    - x: input data, any shape
    - dropout_param: dict with the keys
      - p: probability of DROPPING each unit, in [0, 1) (required)
      - mode: 'train' or 'test' (required)
      - seed: optional int; when given the mask comes from a fresh RandomState(seed), so the
        same seed gives the same mask (needed for gradient checking); otherwise numpy's global
        random state (seeded by cs231n.seed_all) is used.

    Returns a tuple of:
    - out: same shape as x
    - cache: (dropout_param, mask); mask (same shape and dtype as x) holds 0 for dropped units
      and 1 / (1 - p) for kept ones in train mode, and is None in test mode.
    """
    fn = "dropout_forward"
    _check_array(fn, "x", x)
    p, mode = _require_keys(fn, "dropout_param", dropout_param, ("p", "mode"))
    _check_mode(fn, mode)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"{fn}: p must be a number (drop probability), got {p!r}")
    if not 0 <= p < 1:
        raise ValueError(f"{fn}: p is the probability of DROPPING a unit and must lie in "
                         f"[0, 1), got {p}")
    seed = dropout_param.get("seed")
    random_source = np.random if seed is None else np.random.RandomState(seed)

    mask, out = None, None
    if mode == "train":
        # TODO: Implement inverted dropout in train mode: draw uniform numbers in [0, 1) with
        # random_source.random(x.shape), keep the units whose number is >= p, scale the kept
        # units by 1 / (1 - p), and store the mask (in x's dtype) for the backward pass.
        ### BEGIN SOLUTION
        mask = ((random_source.random(x.shape) >= p) / (1 - p)).astype(x.dtype, copy=False)
        out = x * mask
        ### END SOLUTION
    else:
        # TODO: Implement the test-mode forward pass.
        ### BEGIN SOLUTION
        out = x
        ### END SOLUTION
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream derivative, any shape
    - cache: (dropout_param, mask) from dropout_forward

    Returns:
    - dx: gradient with respect to x, same shape as dout
    """
    dropout_param, mask = cache
    dx = None
    if dropout_param["mode"] == "train":
        _check_shape("dropout_backward", "dout", dout, mask.shape)
        # TODO: Implement the train-mode backward pass.
        ### BEGIN SOLUTION
        dx = dout * mask
        ### END SOLUTION
    else:
        dx = dout
    return dx


# ---------------------------------------------------------------------------------------------
# Convolution and pooling (naive)
# ---------------------------------------------------------------------------------------------
def _conv_geometry(fn, x, w, b, conv_param):
    """Validate a convolution's inputs; return (stride, pad, H', W')."""
    _check_array(fn, "x", x, ndim=4)
    _check_array(fn, "w", w, ndim=4)
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"{fn}: x has C={x.shape[1]} channels (shape {x.shape}) but the filters w expect "
            f"C={w.shape[1]} (shape {w.shape})"
        )
    _check_shape(fn, "b", b, (w.shape[0],))
    stride, pad = _require_keys(fn, "conv_param", conv_param, ("stride", "pad"))
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    out_height = conv_output_size(H, HH, stride, pad, fn, "H", "HH")
    out_width = conv_output_size(W, WW, stride, pad, fn, "W", "WW")
    return stride, pad, out_height, out_width


def _pad_spatial(x, pad):
    """Zero-pad the last two axes of x (N, C, H, W) -> (N, C, H + 2*pad, W + 2*pad)."""
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv_forward_naive(x, w, b, conv_param):
    """A naive implementation of the forward pass of a convolutional layer.

    The input consists of N data points, each with C channels, height H and width W. Each
    input is convolved (cross-correlated) with F different filters, each spanning all C
    channels with height HH and width WW.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - conv_param: dict with the keys
      - stride: pixels between adjacent receptive fields, horizontally and vertically
      - pad: number of zeros added on each side of the height and width axes

    H' = 1 + (H + 2 * pad - HH) / stride and W' = 1 + (W + 2 * pad - WW) / stride must be
    whole numbers (ValueError otherwise; see conv_output_size).

    This is deliberately the formula written as loops, one output number per Python step, as
    a student writes it first: it is the reference that the fast layers are checked against,
    and slow (seconds on a CS231n-sized batch). Train with conv_forward_fast.

    Returns a tuple of:
    - out: output data, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param)
    """
    fn = "conv_forward_naive"
    stride, pad, out_height, out_width = _conv_geometry(fn, x, w, b, conv_param)
    N, F = x.shape[0], w.shape[0]
    _, _, HH, WW = w.shape
    out = np.zeros((N, F, out_height, out_width), dtype=np.result_type(x, w, b))
    # TODO: Implement the convolutional forward pass with plain loops, the formula itself:
    # pad x with _pad_spatial; for every image n, filter f and output position (i, j) (see
    # _window_slices), out[n, f, i, j] = sum(window * w[f]) + b[f], where window is the
    # (C, HH, WW) patch of the padded image n under position (i, j).
    ### BEGIN SOLUTION
    x_pad = _pad_spatial(x, pad)
    for n in range(N):
        for f in range(F):
            for i, j, rows, cols in _window_slices(out_height, out_width, HH, WW, stride):
                window = x_pad[n, :, rows, cols]  # (C, HH, WW)
                out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    ### END SOLUTION
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a convolutional layer.

    Inputs:
    - dout: upstream derivatives, shape (N, F, H', W')
    - cache: (x, w, b, conv_param) as in conv_forward_naive

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, C, H, W)
    - dw: gradient with respect to w, shape (F, C, HH, WW)
    - db: gradient with respect to b, shape (F,)
    """
    x, w, b, conv_param = cache
    fn = "conv_backward_naive"
    stride, pad, out_height, out_width = _conv_geometry(fn, x, w, b, conv_param)
    _check_shape(fn, "dout", dout, (x.shape[0], w.shape[0], out_height, out_width))
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    dx, dw, db = None, None, None
    # TODO: Implement the convolutional backward pass with the same loops as the forward pass:
    # out[n, f, i, j] = sum(window * w[f]) + b[f], so dout[n, f, i, j] * window adds to dw[f]
    # and dout[n, f, i, j] * w[f] to the window's patch of a padded dx; db[f] sums dout over
    # n, i, j. Finally crop the padding off dx.
    ### BEGIN SOLUTION
    N, F = dout.shape[:2]
    x_pad = _pad_spatial(x, pad)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i, j, rows, cols in _window_slices(out_height, out_width, HH, WW, stride):
                dw[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]  # (C, HH, WW)
                dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]  # (C, HH, WW)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    ### END SOLUTION
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass of a max-pooling layer.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - pool_param: dict with the keys
      - pool_height: height of each pooling region (HH)
      - pool_width: width of each pooling region (WW)
      - stride: distance between adjacent pooling regions (may be smaller than the pool:
        overlapping pools are fine)

    No padding; H' = 1 + (H - pool_height) / stride and W' = 1 + (W - pool_width) / stride
    must be whole numbers.

    Returns a tuple of:
    - out: output data, of shape (N, C, H', W')
    - cache: (x, pool_param)
    """
    fn = "max_pool_forward_naive"
    pool_height, pool_width, stride, out_height, out_width = _pool_geometry(fn, x, pool_param)
    N, C = x.shape[:2]
    out = np.zeros((N, C, out_height, out_width), dtype=x.dtype)
    # TODO: Implement the max-pooling forward pass over every window (see _window_slices).
    ### BEGIN SOLUTION
    for i, j, rows, cols in _window_slices(out_height, out_width, pool_height, pool_width,
                                           stride):
        out[:, :, i, j] = x[:, :, rows, cols].max(axis=(2, 3))
    ### END SOLUTION
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a max-pooling layer.

    Each window passes its upstream derivative to its maximum; when several entries tie for
    the maximum, the first one (row-major order within the window) gets it. Overlapping
    windows accumulate.

    Inputs:
    - dout: upstream derivatives, shape (N, C, H', W')
    - cache: (x, pool_param) as in the forward pass

    Returns:
    - dx: gradient with respect to x, shape (N, C, H, W)
    """
    x, pool_param = cache
    fn = "max_pool_backward_naive"
    pool_height, pool_width, stride, out_height, out_width = _pool_geometry(fn, x, pool_param)
    N, C = x.shape[:2]
    _check_shape(fn, "dout", dout, (N, C, out_height, out_width))
    dx = None
    # TODO: Implement the max-pooling backward pass: route dout[:, :, i, j] to the (first)
    # argmax of each window, accumulating into dx.
    ### BEGIN SOLUTION
    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    for i, j, rows, cols in _window_slices(out_height, out_width, pool_height, pool_width,
                                           stride):
        window = x[:, :, rows, cols].reshape(N, C, -1)  # (N, C, HH, WW) -> (N, C, HH*WW)
        first_argmax = window.argmax(axis=2)[:, :, None]  # (N, C) -> (N, C, 1)
        routed = np.zeros(window.shape, dtype=dx.dtype)
        np.put_along_axis(routed, first_argmax, dout[:, :, i, j, None], axis=2)
        dx[:, :, rows, cols] += routed.reshape(N, C, pool_height, pool_width)  # -> (N, C, HH, WW)
    ### END SOLUTION
    return dx


def avg_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass of an average-pooling layer.

    Inputs:
    - x: input data, of shape (N, C, H, W)
    - pool_param: dict with pool_height, pool_width, stride (as in max_pool_forward_naive)

    Returns a tuple of:
    - out: output data, of shape (N, C, H', W')
    - cache: (x, pool_param)
    """
    fn = "avg_pool_forward_naive"
    pool_height, pool_width, stride, out_height, out_width = _pool_geometry(fn, x, pool_param)
    N, C = x.shape[:2]
    out = np.zeros((N, C, out_height, out_width), dtype=x.dtype)
    # TODO: Implement the average-pooling forward pass over every window.
    ### BEGIN SOLUTION
    for i, j, rows, cols in _window_slices(out_height, out_width, pool_height, pool_width,
                                           stride):
        out[:, :, i, j] = x[:, :, rows, cols].mean(axis=(2, 3))
    ### END SOLUTION
    cache = (x, pool_param)
    return out, cache


def avg_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass of an average-pooling layer.

    Inputs:
    - dout: upstream derivatives, shape (N, C, H', W')
    - cache: (x, pool_param) as in the forward pass

    Returns:
    - dx: gradient with respect to x, shape (N, C, H, W)
    """
    x, pool_param = cache
    fn = "avg_pool_backward_naive"
    pool_height, pool_width, stride, out_height, out_width = _pool_geometry(fn, x, pool_param)
    _check_shape(fn, "dout", dout, x.shape[:2] + (out_height, out_width))
    dx = None
    # TODO: Implement the average-pooling backward pass: every entry of a window receives
    # 1 / (pool_height * pool_width) of the window's upstream derivative (accumulate).
    ### BEGIN SOLUTION
    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    window_size = pool_height * pool_width
    for i, j, rows, cols in _window_slices(out_height, out_width, pool_height, pool_width,
                                           stride):
        dx[:, :, rows, cols] += dout[:, :, i, j, None, None] / window_size
    ### END SOLUTION
    return dx


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------
def _check_scores(fn, x, y):
    """Validate class scores x (N, C) and labels y (N,)."""
    _check_array(fn, "x", x, ndim=2)
    _check_labels(fn, y, x.shape[0], x.shape[1])


def svm_loss(x, y):
    """Loss and gradient of the multiclass SVM (hinge) loss, averaged over the minibatch.

    loss = 1/N * sum_i sum_{j != y_i} max(0, x[i, j] - x[i, y_i] + 1)

    Inputs:
    - x: input data, of shape (N, C) where x[i, j] is the score for the jth class of the
      ith input
    - y: vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: scalar giving the loss
    - dx: gradient of the loss with respect to x, shape (N, C)
    """
    _check_scores("svm_loss", x, y)
    loss, dx = None, None
    # TODO: Implement the vectorized SVM loss and its gradient (margin SVM_MARGIN).
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    correct_scores = x[rows, y][:, None]  # (N,) -> (N, 1)
    margins = np.maximum(0, x - correct_scores + SVM_MARGIN)
    margins[rows, y] = 0
    loss = margins.sum() / N
    positive = (margins > 0).astype(x.dtype)
    positive[rows, y] = -positive.sum(axis=1)
    dx = positive / N
    ### END SOLUTION
    return loss, dx


def softmax_loss(x, y):
    """Loss and gradient of softmax classification (cross-entropy), averaged over the minibatch.

    Numerically stable: the row maximum is subtracted before exponentiating and the log
    probabilities come from log-sum-exp.

    Inputs:
    - x: input data, of shape (N, C) where x[i, j] is the score for the jth class of the
      ith input
    - y: vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: scalar giving the loss
    - dx: gradient of the loss with respect to x, shape (N, C)
    """
    _check_scores("softmax_loss", x, y)
    loss, dx = None, None
    # TODO: Implement the numerically stable softmax loss and its gradient.
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].sum() / N
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= N
    ### END SOLUTION
    return loss, dx
