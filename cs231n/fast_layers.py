"""Fast convolution and max-pooling layers (Cython: per-image im2col + BLAS GEMM, max pooling
with argmax indices).

``conv_forward_fast`` / ``conv_backward_fast`` run every image through a cache-sized column
buffer and one GEMM per product inside one OpenMP region (see ``cs231n.im2col_cython`` for the
threading rules: OMP_NUM_THREADS threads, one BLAS thread each, small calls single-threaded);
``conv_forward_im2col`` / ``conv_backward_im2col`` are the CS231n-style whole-batch im2col +
one GEMM version, kept for comparison. ``max_pool_forward_fast`` handles any pool size and
stride, overlapping windows included.

Same contract as the naive layers in ``cs231n.layers``: ``*_forward -> (out, cache)`` and
``*_backward(dout, cache)``, same ``conv_param`` / ``pool_param`` dicts, same results (the max
pool routes each window's gradient to its FIRST maximum in row-major order, exactly like
``np.argmax`` in the naive layer, also for ties and overlapping windows).

dtypes: float32 inputs stay float32 and float64 stay float64; mixed inputs follow numpy's
promotion (e.g. float32 x with float64 w gives float64); integer inputs are computed in float64.

This module needs the compiled extension ``cs231n.im2col_cython`` (``make build`` or
``pip install -e .``); importing it without the extension raises an ImportError that says so.
"""

import itertools

import numpy as np

from cs231n.im2col import check_int, conv_output_shape

BUILD_HINT = (
    "cs231n.fast_layers needs the compiled extension cs231n.im2col_cython, which is not built. "
    "Build it with `make build` (or `pip install -e .` in the repository root)."
)

try:
    from cs231n import im2col_cython
except ImportError as error:
    raise ImportError(BUILD_HINT) from error

FLOAT_DTYPES = (np.float32, np.float64)  # dtypes the compiled kernels run in
FALLBACK_DTYPE = np.float64  # dtype for integer/bool inputs


# ----------------------------------------------------------------------------------------------
# Argument checks
# ----------------------------------------------------------------------------------------------
def _compute_dtype(*arrays):
    """float32/float64 dtype the layer computes in: numpy's promotion of the inputs
    (array-likes or dtypes)."""
    dtype = np.result_type(*(a if isinstance(a, np.dtype) else np.asarray(a) for a in arrays))
    return dtype if dtype in FLOAT_DTYPES else np.dtype(FALLBACK_DTYPE)


def _as_4d(array, name, dtype, caller):
    """array as a C-contiguous 4-D ndarray of dtype (no copy when it already is one)."""
    array = np.asarray(array)
    if array.ndim != 4:
        raise ValueError(f"{caller}: {name} must be 4-D, got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=dtype)


def _param(params, key, dict_name, minimum, caller):
    """params[key] as an int >= minimum, with a clear error when it is missing or invalid."""
    if not isinstance(params, dict) or key not in params:
        raise ValueError(f"{caller}: {dict_name} must be a dict with key {key!r}, got {params!r}")
    return check_int(params[key], f"{dict_name}[{key!r}]", caller, minimum)


def _check_conv_inputs(x, w, b, conv_param, caller):
    """Validate conv inputs; return (x, w, b, stride, pad, out_height, out_width) with x, w, b
    contiguous arrays of one float dtype."""
    dtype = _compute_dtype(x, w, b)
    x = _as_4d(x, "x", dtype, caller)
    w = _as_4d(w, "w", dtype, caller)
    b = np.ascontiguousarray(b, dtype=dtype)
    N, C, H, W = x.shape
    F, w_channels, HH, WW = w.shape
    if w_channels != C:
        raise ValueError(
            f"{caller}: w has {w_channels} input channels (w.shape={w.shape}) but x has C={C} "
            f"(x.shape={x.shape})"
        )
    if b.shape != (F,):
        raise ValueError(f"{caller}: b must have shape (F,) = ({F},), got {b.shape}")
    stride = _param(conv_param, "stride", "conv_param", 1, caller)
    pad = _param(conv_param, "pad", "conv_param", 0, caller)
    out_height, out_width = conv_output_shape(H, W, HH, WW, pad, stride, caller=caller)
    return x, w, b, stride, pad, out_height, out_width


def _check_pool_inputs(x, pool_param, caller):
    """Validate max-pool inputs; return (x, pool_height, pool_width, stride) with x a contiguous
    float array. The windows must tile the input: (H - pool_height) % stride == 0, same for W."""
    x = _as_4d(x, "x", _compute_dtype(x), caller)
    pool_height = _param(pool_param, "pool_height", "pool_param", 1, caller)
    pool_width = _param(pool_param, "pool_width", "pool_param", 1, caller)
    stride = _param(pool_param, "stride", "pool_param", 1, caller)
    _, _, H, W = x.shape
    for size, size_name, pool, pool_name in (
        (H, "H", pool_height, "pool_height"),
        (W, "W", pool_width, "pool_width"),
    ):
        if pool > size:
            raise ValueError(
                f"{caller}: {pool_name}={pool} is larger than the input {size_name}={size}"
            )
        if (size - pool) % stride != 0:
            raise ValueError(
                f"{caller}: ({size_name} - {pool_name}) = {size} - {pool} = {size - pool} is not "
                f"divisible by stride={stride}; pick a pool size/stride that tiles the input"
            )
    return x, pool_height, pool_width, stride


def _check_dout(dout, expected_shape, cache_dtype, caller):
    """dout as a C-contiguous array of the expected shape, in the promoted dtype."""
    dout = np.asarray(dout)
    if dout.shape != tuple(expected_shape):
        raise ValueError(
            f"{caller}: dout must have the forward output's shape {tuple(expected_shape)}, "
            f"got {dout.shape}"
        )
    return np.ascontiguousarray(dout, dtype=_compute_dtype(dout, np.dtype(cache_dtype)))


# ----------------------------------------------------------------------------------------------
# Convolution: im2col + one GEMM
# ----------------------------------------------------------------------------------------------
def conv_forward_im2col(x, w, b, conv_param):
    """Convolution forward pass as one matrix product over the whole batch's im2col columns
    (the CS231n way; conv_forward_fast avoids the batch-sized column matrix).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW) (HH and WW may differ)
    - b: biases of shape (F,)
    - conv_param: dict with 'stride' (>= 1) and 'pad' (zero padding on every side, >= 0);
      (H + 2*pad - HH) and (W + 2*pad - WW) must be divisible by stride

    Returns a tuple of:
    - out: output of shape (N, F, Ho, Wo), Ho = 1 + (H + 2*pad - HH) // stride,
      Wo = 1 + (W + 2*pad - WW) // stride
    - cache: (x, w, b, conv_param, x_cols) with x_cols the im2col matrix of shape
      (C*HH*WW, N*Ho*Wo) (layout in cs231n.im2col)
    """
    x, w, b, stride, pad, out_height, out_width = _check_conv_inputs(
        x, w, b, conv_param, "conv_forward_im2col"
    )
    N = x.shape[0]
    F, _, HH, WW = w.shape

    x_cols = im2col_cython.im2col_cython(x, HH, WW, pad, stride)  # (C*HH*WW, N*Ho*Wo)
    w_rows = w.reshape(F, -1)  # (F, C, HH, WW) -> (F, C*HH*WW)
    out_rows = w_rows @ x_cols  # (F, N*Ho*Wo)
    out_rows += b[:, None]
    out = out_rows.reshape(F, N, out_height, out_width)  # (F, N*Ho*Wo) -> (F, N, Ho, Wo)
    out = np.ascontiguousarray(out.transpose(1, 0, 2, 3))  # (F, N, Ho, Wo) -> (N, F, Ho, Wo)

    cache = (x, w, b, conv_param, x_cols)
    return out, cache


def conv_backward_im2col(dout, cache):
    """Convolution backward pass for conv_forward_im2col.

    Inputs:
    - dout: upstream derivatives of shape (N, F, Ho, Wo)
    - cache: (x, w, b, conv_param, x_cols) as returned by conv_forward_im2col

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, C, H, W)
    - dw: gradient with respect to w, shape (F, C, HH, WW)
    - db: gradient with respect to b, shape (F,)
    """
    x, w, _, conv_param, x_cols = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    out_height, out_width = conv_output_shape(H, W, HH, WW, pad, stride)
    dout = _check_dout(dout, (N, F, out_height, out_width), x_cols.dtype, "conv_backward_im2col")

    db = dout.sum(axis=(0, 2, 3))  # (F,)
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    # (N, F, Ho, Wo) -> (F, N, Ho, Wo) -> (F, N*Ho*Wo), the column layout of x_cols
    dw = (dout_rows @ x_cols.T).reshape(w.shape)  # (F, C*HH*WW) -> (F, C, HH, WW)
    w_rows = w.reshape(F, -1)  # (F, C, HH, WW) -> (F, C*HH*WW)
    dx_cols = w_rows.T @ dout_rows  # (C*HH*WW, F) @ (F, N*Ho*Wo) -> (C*HH*WW, N*Ho*Wo)
    dx = im2col_cython.col2im_cython(dx_cols, N, C, H, W, HH, WW, pad, stride)  # (N, C, H, W)
    return dx, dw, db


def conv_forward_fast(x, w, b, conv_param):
    """Fast convolution forward pass: per image, im2col into a cache-sized buffer and one GEMM
    straight into the output, all images in one OpenMP region (see cs231n.im2col_cython).

    Inputs:
    - x: input data of shape (N, C, H, W)
    - w: filter weights of shape (F, C, HH, WW) (HH and WW may differ)
    - b: biases of shape (F,)
    - conv_param: dict with 'stride' (>= 1) and 'pad' (zero padding on every side, >= 0);
      (H + 2*pad - HH) and (W + 2*pad - WW) must be divisible by stride

    Returns a tuple of:
    - out: output of shape (N, F, Ho, Wo), Ho = 1 + (H + 2*pad - HH) // stride,
      Wo = 1 + (W + 2*pad - WW) // stride
    - cache: (x, w, b, conv_param) with x, w, b as contiguous arrays of the compute dtype
      (no column matrix is kept: the backward pass rebuilds each image's columns in cache)
    """
    x, w, b, stride, pad, _, _ = _check_conv_inputs(x, w, b, conv_param, "conv_forward_fast")
    out = im2col_cython.conv_forward_cython(x, w, b, pad, stride)  # (N, F, Ho, Wo)
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_fast(dout, cache):
    """Backward pass for conv_forward_fast.

    Inputs:
    - dout: upstream derivatives of shape (N, F, Ho, Wo)
    - cache: (x, w, b, conv_param) as returned by conv_forward_fast

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, C, H, W)
    - dw: gradient with respect to w, shape (F, C, HH, WW)
    - db: gradient with respect to b, shape (F,)
    """
    x, w, _, conv_param = cache
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    out_height, out_width = conv_output_shape(H, W, HH, WW, pad, stride)
    dout = _check_dout(dout, (N, F, out_height, out_width), x.dtype, "conv_backward_fast")
    if dout.dtype != x.dtype:  # e.g. float64 dout for a float32 layer: compute in float64
        x, w = x.astype(dout.dtype), w.astype(dout.dtype)
    return im2col_cython.conv_backward_cython(dout, x, w, pad, stride)


# ----------------------------------------------------------------------------------------------
# Max pooling
# ----------------------------------------------------------------------------------------------
def _pool_windows(array, pool_height, pool_width):
    """View of a (N, C, H, W) array as its non-overlapping windows (N, C, Ho, HP, Wo, WP)."""
    N, C, H, W = array.shape
    windows_shape = (N, C, H // pool_height, pool_height, W // pool_width, pool_width)
    return array.reshape(windows_shape)  # (N, C, H, W) -> (N, C, Ho, HP, Wo, WP)


def _window_offsets(pool_height, pool_width):
    """Every (i, j) offset inside a pool window, in row-major order (np.argmax's order)."""
    return itertools.product(range(pool_height), range(pool_width))


def _is_reshape_pool(x_shape, pool_height, pool_width, stride):
    """True when the pools are square, non-overlapping and tile (H, W) exactly."""
    _, _, H, W = x_shape
    square = pool_height == pool_width == stride
    return square and H % pool_height == 0 and W % pool_width == 0


def max_pool_forward_reshape(x, pool_param):
    """Max pooling for square, non-overlapping pools that tile the input, via one reshape.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: dict with 'pool_height', 'pool_width', 'stride', all equal, and H, W
      divisible by them

    Returns a tuple of:
    - out: output of shape (N, C, H // pool_height, W // pool_width)
    - cache: (x, out, pool_param)
    """
    caller = "max_pool_forward_reshape"
    x, pool_height, pool_width, stride = _check_pool_inputs(x, pool_param, caller)
    if not _is_reshape_pool(x.shape, pool_height, pool_width, stride):
        raise ValueError(
            f"{caller}: needs pool_height == pool_width == stride dividing H and W, got "
            f"pool {pool_height}x{pool_width}, stride {stride}, input {x.shape[2:]}; "
            "use max_pool_forward_fast"
        )
    x_windows = _pool_windows(x, pool_height, pool_width)  # (N, C, Ho, HP, Wo, WP)
    # np.maximum over the HP*WP strided (N, C, Ho, Wo) slices is much faster than
    # x_windows.max(axis=(3, 5)), whose reduced axes are tiny
    out = x_windows[:, :, :, 0, :, 0].copy()  # (N, C, Ho, Wo)
    for i, j in _window_offsets(pool_height, pool_width):
        np.maximum(out, x_windows[:, :, :, i, :, j], out=out)
    cache = (x, out, pool_param)
    return out, cache


def max_pool_backward_reshape(dout, cache):
    """Backward pass for max_pool_forward_reshape.

    Each window's gradient goes to its first maximum in row-major window order (like np.argmax
    in the naive layer), so ties (e.g. all-zero windows after a ReLU) never double-count.

    Inputs:
    - dout: upstream derivatives of shape (N, C, Ho, Wo)
    - cache: (x, out, pool_param) as returned by max_pool_forward_reshape

    Returns dx: gradient with respect to x, shape (N, C, H, W).
    """
    x, out, pool_param = cache
    pool_height, pool_width = pool_param["pool_height"], pool_param["pool_width"]
    dout = _check_dout(dout, out.shape, x.dtype, "max_pool_backward_reshape")

    dx = np.empty(x.shape, dtype=dout.dtype)  # every entry is written below
    x_windows = _pool_windows(x, pool_height, pool_width)  # (N, C, Ho, HP, Wo, WP)
    dx_windows = _pool_windows(dx, pool_height, pool_width)  # (N, C, Ho, HP, Wo, WP), a view
    unrouted = np.ones(out.shape, dtype=bool)  # windows whose gradient is not placed yet
    for i, j in _window_offsets(pool_height, pool_width):  # the first maximum wins
        first_max = x_windows[:, :, :, i, :, j] == out  # (N, C, Ho, Wo)
        first_max &= unrouted
        # dout * mask writes the whole strided slice: ~10x faster than np.copyto(where=)
        np.multiply(dout, first_max, out=dx_windows[:, :, :, i, :, j])
        unrouted ^= first_max
    return dx


def max_pool_forward_argmax(x, pool_param):
    """Max pooling for any pool size and stride (also overlapping pools), in Cython.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: dict with 'pool_height', 'pool_width', 'stride';
      (H - pool_height) and (W - pool_width) must be divisible by stride

    Returns a tuple of:
    - out: output of shape (N, C, Ho, Wo), Ho = 1 + (H - pool_height) // stride (same for Wo)
    - cache: (x, argmax, pool_param) with argmax an int32 array (N, C, Ho, Wo) holding the
      flat index h * W + w of each window's first maximum inside its (H, W) plane
    """
    x, pool_height, pool_width, stride = _check_pool_inputs(
        x, pool_param, "max_pool_forward_argmax"
    )
    out, argmax = im2col_cython.max_pool_forward_cython(x, pool_height, pool_width, stride)
    cache = (x, argmax, pool_param)
    return out, cache


def max_pool_backward_argmax(dout, cache):
    """Backward pass for max_pool_forward_argmax (overlapping windows accumulate).

    Inputs:
    - dout: upstream derivatives of shape (N, C, Ho, Wo)
    - cache: (x, argmax, pool_param) as returned by max_pool_forward_argmax

    Returns dx: gradient with respect to x, shape (N, C, H, W).
    """
    x, argmax, _ = cache
    dout = _check_dout(dout, argmax.shape, x.dtype, "max_pool_backward_argmax")
    return im2col_cython.max_pool_backward_cython(dout, argmax, x.shape)


def max_pool_forward_im2col(x, pool_param):
    """Max pooling via im2col: every window becomes a column, the max is taken per column.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: dict with 'pool_height', 'pool_width', 'stride' (windows must tile)

    Returns a tuple of:
    - out: output of shape (N, C, Ho, Wo)
    - cache: (x, window_argmax, pool_param) with window_argmax an int array (N*C*Ho*Wo,)
      holding the row-major position inside each window of its first maximum
    """
    x, pool_height, pool_width, stride = _check_pool_inputs(
        x, pool_param, "max_pool_forward_im2col"
    )
    N, C, H, W = x.shape
    out_height, out_width = conv_output_shape(H, W, pool_height, pool_width, 0, stride)
    x_planes = x.reshape(N * C, 1, H, W)  # (N, C, H, W) -> (N*C, 1, H, W)
    x_cols = im2col_cython.im2col_cython(x_planes, pool_height, pool_width, 0, stride)
    # x_cols: (HP*WP, N*C*Ho*Wo), column = (n*C + c)*Ho*Wo + h*Wo + w
    window_argmax = x_cols.argmax(axis=0)  # (N*C*Ho*Wo,)
    out = x_cols[window_argmax, np.arange(x_cols.shape[1])]  # (N*C*Ho*Wo,)
    out = out.reshape(N, C, out_height, out_width)  # (N*C*Ho*Wo,) -> (N, C, Ho, Wo)
    cache = (x, window_argmax, pool_param)
    return out, cache


def max_pool_backward_im2col(dout, cache):
    """Backward pass for max_pool_forward_im2col.

    Inputs:
    - dout: upstream derivatives of shape (N, C, Ho, Wo)
    - cache: (x, window_argmax, pool_param) as returned by max_pool_forward_im2col

    Returns dx: gradient with respect to x, shape (N, C, H, W).
    """
    x, window_argmax, pool_param = cache
    N, C, H, W = x.shape
    pool_height, pool_width = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    out_height, out_width = conv_output_shape(H, W, pool_height, pool_width, 0, stride)
    dout = _check_dout(dout, (N, C, out_height, out_width), x.dtype, "max_pool_backward_im2col")

    dx_cols = np.zeros((pool_height * pool_width, window_argmax.size), dtype=dout.dtype)
    dx_cols[window_argmax, np.arange(window_argmax.size)] = dout.reshape(-1)
    # dout (N, C, Ho, Wo) -> (N*C*Ho*Wo,), the column order of dx_cols
    dx_planes = im2col_cython.col2im_cython(
        dx_cols, N * C, 1, H, W, pool_height, pool_width, 0, stride
    )  # (N*C, 1, H, W)
    return dx_planes.reshape(N, C, H, W)  # (N*C, 1, H, W) -> (N, C, H, W)


def max_pool_forward_fast(x, pool_param):
    """Fast max pooling for any pool size and stride (also overlapping pools): one Cython
    pass over x records each window's maximum and its position.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pool_param: dict with 'pool_height', 'pool_width', 'stride';
      (H - pool_height) and (W - pool_width) must be divisible by stride

    Returns a tuple of:
    - out: output of shape (N, C, Ho, Wo), Ho = 1 + (H - pool_height) // stride (same for Wo)
    - cache: (x, argmax, pool_param) with argmax an int32 array (N, C, Ho, Wo) holding the
      flat index h * W + w of each window's first maximum inside its (H, W) plane
    """
    return max_pool_forward_argmax(x, pool_param)


def max_pool_backward_fast(dout, cache):
    """Backward pass for max_pool_forward_fast (overlapping windows accumulate).

    Inputs:
    - dout: upstream derivatives of shape (N, C, Ho, Wo)
    - cache: (x, argmax, pool_param) as returned by max_pool_forward_fast

    Returns dx: gradient with respect to x, shape (N, C, H, W).
    """
    return max_pool_backward_argmax(dout, cache)
