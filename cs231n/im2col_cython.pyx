# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled im2col / col2im and max pooling (float32 and float64).

Column layout (the same as the pure-numpy reference ``cs231n.im2col``):

    cols.shape == (C * HH * WW, N * Ho * Wo)
    row    index = c * HH * WW + i * WW + j
    column index = n * Ho * Wo + h_out * Wo + w_out
    cols[row, column] == x_padded[n, c, h_out * stride + i, w_out * stride + j]

Padding is never materialised: positions that fall into the zero border are written as 0
(im2col) or skipped (col2im). Every loop runs without the GIL; the outer loop is a ``prange``
over (image, channel) planes, which never write to the same memory, so results do not depend on
the number of OpenMP threads (the module also builds and runs without OpenMP).

The Python-visible functions validate their arguments (TypeError/ValueError naming the argument)
before any unchecked indexing happens.
"""

import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport int64_t

from cs231n.im2col import check_int, conv_output_size

SUPPORTED_DTYPES = (np.float32, np.float64)


# ----------------------------------------------------------------------------------------------
# Argument checks (Python level, before any unchecked indexing)
# ----------------------------------------------------------------------------------------------
def _as_float_array(array, name, ndim, caller):
    """Return array as a C-contiguous float32/float64 ndarray with ndim dimensions."""
    array = np.asarray(array)
    if array.dtype not in SUPPORTED_DTYPES:
        raise TypeError(
            f"{caller}: {name} must be float32 or float64, got dtype {array.dtype}; "
            f"cast it first, e.g. {name}.astype(np.float64)"
        )
    if array.ndim != ndim:
        raise ValueError(f"{caller}: {name} must have {ndim} dimensions, got shape {array.shape}")
    return np.ascontiguousarray(array)


def _check_positive_sizes(sizes, names, caller):
    """Return the sizes as ints; TypeError/ValueError unless every size is an int >= 1."""
    return tuple(check_int(size, name, caller, minimum=1) for size, name in zip(sizes, names))


def _pool_output_size(H, W, pool_height, pool_width, stride, caller):
    """(Ho, Wo) of a max pool; floor semantics: trailing rows/columns no window reaches are
    ignored (the caller decides whether to require exact tiling)."""
    pool_height, pool_width, stride = _check_positive_sizes(
        (pool_height, pool_width, stride), ("pool_height", "pool_width", "stride"), caller
    )
    if pool_height > H or pool_width > W:
        raise ValueError(
            f"{caller}: pool {pool_height}x{pool_width} does not fit into the input {H}x{W}"
        )
    return (H - pool_height) // stride + 1, (W - pool_width) // stride + 1


# ----------------------------------------------------------------------------------------------
# Index helpers
# ----------------------------------------------------------------------------------------------
cdef inline Py_ssize_t _first_inside(Py_ssize_t offset, Py_ssize_t stride,
                                     Py_ssize_t count) noexcept nogil:
    """Smallest o in [0, count] with o * stride + offset >= 0."""
    cdef Py_ssize_t first
    if offset >= 0:
        return 0
    first = (-offset + stride - 1) // stride
    return first if first < count else count


cdef inline Py_ssize_t _end_inside(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                   Py_ssize_t first, Py_ssize_t count) noexcept nogil:
    """One past the largest o in [first, count) with o * stride + offset <= size - 1
    (returns first when there is none)."""
    cdef Py_ssize_t last_input = size - 1 - offset
    cdef Py_ssize_t end
    if last_input < 0:
        return first
    end = last_input // stride + 1
    if end > count:
        end = count
    return end if end > first else first


# ----------------------------------------------------------------------------------------------
# Kernels (fused over float / double; dispatched on the buffers' dtype)
# ----------------------------------------------------------------------------------------------
def _im2col_kernel(const floating[:, :, :, ::1] x, floating[:, ::1] cols,
                   Py_ssize_t field_height, Py_ssize_t field_width,
                   Py_ssize_t padding, Py_ssize_t stride,
                   Py_ssize_t out_height, Py_ssize_t out_width):
    """Fill cols (C*HH*WW, N*Ho*Wo) from x (N, C, H, W); every entry of cols is written."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t positions = out_height * out_width
    cdef Py_ssize_t plane, n, c, i, j, row, h, w, h_first, h_end, w_first, w_end
    cdef Py_ssize_t in_h, col_start
    with nogil:
        for plane in prange(N * C, schedule="static"):
            n = plane // C
            c = plane % C
            for i in range(field_height):
                h_first = _first_inside(i - padding, stride, out_height)
                h_end = _end_inside(i - padding, stride, H, h_first, out_height)
                for j in range(field_width):
                    row = (c * field_height + i) * field_width + j
                    w_first = _first_inside(j - padding, stride, out_width)
                    w_end = _end_inside(j - padding, stride, W, w_first, out_width)
                    for h in range(out_height):
                        col_start = n * positions + h * out_width
                        if h < h_first or h >= h_end:
                            for w in range(out_width):
                                cols[row, col_start + w] = 0
                            continue
                        in_h = h * stride + i - padding
                        for w in range(w_first):
                            cols[row, col_start + w] = 0
                        for w in range(w_first, w_end):
                            cols[row, col_start + w] = x[n, c, in_h, w * stride + j - padding]
                        for w in range(w_end, out_width):
                            cols[row, col_start + w] = 0


def _col2im_kernel(const floating[:, ::1] cols, floating[:, :, :, ::1] x,
                   Py_ssize_t field_height, Py_ssize_t field_width,
                   Py_ssize_t padding, Py_ssize_t stride,
                   Py_ssize_t out_height, Py_ssize_t out_width):
    """Scatter-add cols (C*HH*WW, N*Ho*Wo) into x (N, C, H, W), which must start zeroed."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t positions = out_height * out_width
    cdef Py_ssize_t plane, n, c, i, j, row, h, w, h_first, h_end, w_first, w_end
    cdef Py_ssize_t in_h, col_start
    with nogil:
        # Each (n, c) plane of x only receives columns of image n and rows of channel c.
        for plane in prange(N * C, schedule="static"):
            n = plane // C
            c = plane % C
            for i in range(field_height):
                h_first = _first_inside(i - padding, stride, out_height)
                h_end = _end_inside(i - padding, stride, H, h_first, out_height)
                for j in range(field_width):
                    row = (c * field_height + i) * field_width + j
                    w_first = _first_inside(j - padding, stride, out_width)
                    w_end = _end_inside(j - padding, stride, W, w_first, out_width)
                    for h in range(h_first, h_end):
                        col_start = n * positions + h * out_width
                        in_h = h * stride + i - padding
                        for w in range(w_first, w_end):
                            x[n, c, in_h, w * stride + j - padding] += cols[row, col_start + w]


def _max_pool_forward_kernel(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                             int64_t[:, :, :, ::1] argmax, Py_ssize_t pool_height,
                             Py_ssize_t pool_width, Py_ssize_t stride):
    """out[n, c, h, w] = max of the window; argmax = its flat index h_in * W + w_in.

    Ties go to the first maximum in row-major window order, a NaN wins (like np.argmax).
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], W = x.shape[3]
    cdef Py_ssize_t out_height = out.shape[2], out_width = out.shape[3]
    cdef Py_ssize_t plane, n, c, h, w, i, j, top, left, best_index
    cdef floating best, value
    with nogil:
        for plane in prange(N * C, schedule="static"):
            n = plane // C
            c = plane % C
            for h in range(out_height):
                top = h * stride
                for w in range(out_width):
                    left = w * stride
                    best = x[n, c, top, left]
                    best_index = top * W + left
                    for i in range(pool_height):
                        for j in range(pool_width):
                            value = x[n, c, top + i, left + j]
                            if value > best or (value != value and best == best):
                                best = value
                                best_index = (top + i) * W + left + j
                    out[n, c, h, w] = best
                    argmax[n, c, h, w] = best_index


def _max_pool_backward_kernel(const floating[:, :, :, ::1] dout,
                              const int64_t[:, :, :, ::1] argmax, floating[:, :, ::1] dx_flat):
    """dx_flat[n, c, argmax[n, c, h, w]] += dout[n, c, h, w]; dx_flat (N, C, H*W) starts zeroed.

    Serial inside each (n, c) plane, so overlapping windows accumulate correctly.
    """
    cdef Py_ssize_t N = dout.shape[0], C = dout.shape[1]
    cdef Py_ssize_t out_height = dout.shape[2], out_width = dout.shape[3]
    cdef Py_ssize_t plane, n, c, h, w
    with nogil:
        for plane in prange(N * C, schedule="static"):
            n = plane // C
            c = plane % C
            for h in range(out_height):
                for w in range(out_width):
                    dx_flat[n, c, argmax[n, c, h, w]] += dout[n, c, h, w]


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------
def im2col_cython(x, field_height, field_width, padding, stride):
    """Gather every receptive field of x into one column.

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - field_height, field_width: window size HH, WW (any sizes, need not be equal)
    - padding: zero padding on every side (>= 0)
    - stride: window step (>= 1); (H + 2*padding - HH) and (W + 2*padding - WW) must be
      divisible by it

    Returns cols of shape (C*HH*WW, N*Ho*Wo) and x's dtype, in the layout of the module
    docstring.
    """
    caller = "im2col_cython"
    x = _as_float_array(x, "x", 4, caller)
    N, C, H, W = x.shape
    out_height, out_width = conv_output_size(
        H, W, field_height, field_width, padding, stride, caller=caller
    )
    cols = np.empty((C * field_height * field_width, N * out_height * out_width), dtype=x.dtype)
    _im2col_kernel(x, cols, field_height, field_width, padding, stride, out_height, out_width)
    return cols


def col2im_cython(cols, N, C, H, W, field_height, field_width, padding, stride):
    """Adjoint of im2col_cython: scatter-add columns back into an image batch.

    Overlapping windows accumulate, so this is the gradient of im2col.

    Inputs:
    - cols: array of shape (C*HH*WW, N*Ho*Wo), float32 or float64
    - N, C, H, W: shape of the image batch to rebuild
    - field_height, field_width, padding, stride: the geometry cols was built with

    Returns x of shape (N, C, H, W) and cols' dtype.
    """
    caller = "col2im_cython"
    cols = _as_float_array(cols, "cols", 2, caller)
    N, C = _check_positive_sizes((N, C), ("N", "C"), caller)
    out_height, out_width = conv_output_size(
        H, W, field_height, field_width, padding, stride, caller=caller
    )
    expected = (C * field_height * field_width, N * out_height * out_width)
    if cols.shape != expected:
        raise ValueError(
            f"{caller}: cols must have shape (C*HH*WW, N*Ho*Wo) = {expected} for "
            f"(N, C, H, W) = {(N, C, H, W)}, got {cols.shape}"
        )
    x = np.zeros((N, C, H, W), dtype=cols.dtype)
    _col2im_kernel(cols, x, field_height, field_width, padding, stride, out_height, out_width)
    return x


def max_pool_forward_cython(x, pool_height, pool_width, stride):
    """Max pooling with any window size and stride (windows may overlap).

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - pool_height, pool_width: window size
    - stride: window step; Ho = (H - pool_height) // stride + 1 (same for Wo). Rows/columns that
      no window reaches are ignored; callers that need exact tiling check it themselves.

    Returns a tuple of:
    - out: maxima of shape (N, C, Ho, Wo), x's dtype
    - argmax: int64 array (N, C, Ho, Wo), flat index h_in * W + w_in of each maximum inside its
      (H, W) plane (the first maximum in row-major window order, as np.argmax picks)
    """
    caller = "max_pool_forward_cython"
    x = _as_float_array(x, "x", 4, caller)
    N, C, H, W = x.shape
    out_height, out_width = _pool_output_size(H, W, pool_height, pool_width, stride, caller)
    out = np.empty((N, C, out_height, out_width), dtype=x.dtype)
    argmax = np.empty((N, C, out_height, out_width), dtype=np.int64)
    _max_pool_forward_kernel(x, out, argmax, pool_height, pool_width, stride)
    return out, argmax


def max_pool_backward_cython(dout, argmax, x_shape):
    """Route each upstream gradient to the input position that won its window.

    Correct for overlapping windows: an input that wins several windows gets the sum.

    Inputs:
    - dout: upstream gradient of shape (N, C, Ho, Wo), float32 or float64
    - argmax: int array (N, C, Ho, Wo) from max_pool_forward_cython
    - x_shape: (N, C, H, W) of the pooled input

    Returns dx of shape (N, C, H, W) and dout's dtype.
    """
    caller = "max_pool_backward_cython"
    dout = _as_float_array(dout, "dout", 4, caller)
    argmax = np.asarray(argmax)
    if argmax.dtype.kind not in "iu":
        raise TypeError(f"{caller}: argmax must be an integer array, got dtype {argmax.dtype}")
    argmax = np.ascontiguousarray(argmax, dtype=np.int64)
    if len(x_shape) != 4:
        raise ValueError(f"{caller}: x_shape must be (N, C, H, W), got {tuple(x_shape)}")
    N, C, H, W = _check_positive_sizes(x_shape, ("N", "C", "H", "W"), caller)
    if argmax.shape != dout.shape or dout.shape[:2] != (N, C):
        raise ValueError(
            f"{caller}: dout {dout.shape} and argmax {argmax.shape} must both have shape "
            f"(N, C, Ho, Wo) with (N, C) = {(N, C)} from x_shape"
        )
    if argmax.size and (argmax.min() < 0 or argmax.max() >= H * W):
        raise ValueError(
            f"{caller}: argmax holds indices outside [0, H*W) = [0, {H * W}); "
            "it must come from max_pool_forward_cython on an input of shape x_shape"
        )
    dx_flat = np.zeros((N, C, H * W), dtype=dout.dtype)
    _max_pool_backward_kernel(dout, argmax, dx_flat)
    return dx_flat.reshape(N, C, H, W)  # (N, C, H*W) -> (N, C, H, W)
