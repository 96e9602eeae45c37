"""Pure-numpy im2col / col2im: the readable reference for the Cython extension.

``im2col`` turns every receptive field of a (padded) image batch into one column, so that a
convolution becomes a single matrix product; ``col2im`` is its adjoint (it scatter-adds the
columns back into image positions, so overlapping windows accumulate).

Column layout (shared with ``cs231n.im2col_cython``)
----------------------------------------------------
For x of shape (N, C, H, W), a field of HH x WW, and an output grid of Ho x Wo:

    cols.shape == (C * HH * WW, N * Ho * Wo)
    row    index = c * HH * WW + i * WW + j        (channel, then field row i, then field column j)
    column index = n * Ho * Wo + h_out * Wo + w_out (image, then output row, then output column)
    cols[row, column] == x_padded[n, c, h_out * stride + i, w_out * stride + j]

The row order matches ``w.reshape(F, -1)`` for conv weights w of shape (F, C, HH, WW). Columns are
image-major (not CS231n's original ``(h_out * Wo + w_out) * N + n``): that keeps each image's Ho*Wo
block contiguous, so the GEMM result (F, N*Ho*Wo) becomes (N, F, Ho, Wo) by swapping two whole
blocks, and both im2col and col2im read/write the image along contiguous rows.

The original course code had two bugs that this version fixes: the row index used ``i * HH``
instead of ``i * WW`` (wrong for non-square fields), and sizes were computed with ``/`` (a float
under Python 3).
"""

import operator

import numpy as np


def check_int(value, name, caller, minimum):
    """Return value as a Python int >= minimum.

    Raises TypeError (not an integer) or ValueError (too small), both naming caller and name.
    """
    try:
        if isinstance(value, bool):
            raise TypeError
        as_int = operator.index(value)
    except TypeError:
        raise TypeError(
            f"{caller}: {name} must be an integer, got {value!r} of type {type(value).__name__}"
        ) from None
    if as_int < minimum:
        raise ValueError(f"{caller}: {name} must be >= {minimum}, got {as_int}")
    return as_int


def conv_output_size(size, filter_size, stride, pad=0, name="conv_output_size",
                     size_label="H", filter_label="HH"):
    """Output length along one axis of a convolution or pooling window sliding over an input.

    ``out = 1 + (size + 2 * pad - filter_size) // stride``, after checking that the windows
    tile the padded input exactly (CS231n asserts this; here it is a ValueError). This is the
    one geometry check of the package: ``cs231n.layers`` re-exports it and the im2col code and
    fast layers use it through ``conv_output_shape``.

    Inputs:
    - size: int, input length along the axis (H or W).
    - filter_size: int, window length along the axis (HH, WW, pool_height or pool_width).
    - stride: int >= 1, step between neighbouring windows.
    - pad: int >= 0, zeros added on each side of the axis.
    - name: name of the calling function, used in error messages.
    - size_label, filter_label: how the message names the input and window lengths.

    Returns:
    - out_size: int, H' (or W').

    Raises TypeError for non-integer arguments and ValueError when the window does not fit or
    (size + 2*pad - filter_size) is not divisible by stride.
    """
    size = check_int(size, size_label, name, minimum=1)
    filter_size = check_int(filter_size, filter_label, name, minimum=1)
    stride = check_int(stride, "stride", name, minimum=1)
    pad = check_int(pad, "pad", name, minimum=0)
    span = size + 2 * pad - filter_size
    if span < 0:
        raise ValueError(
            f"{name}: {filter_label}={filter_size} is larger than the padded input "
            f"{size_label} + 2*pad = {size} + 2*{pad} = {size + 2 * pad}"
        )
    if span % stride != 0:
        raise ValueError(
            f"{name}: ({size_label} + 2*pad - {filter_label}) = ({size} + 2*{pad} - "
            f"{filter_size}) = {span} is not divisible by stride={stride}; pick a "
            "stride/pad that tiles the input"
        )
    return 1 + span // stride


def conv_output_shape(H, W, field_height, field_width, padding=1, stride=1, caller="im2col"):
    """Validate a sliding-window geometry and return the output grid size.

    Inputs:
    - H, W: input height and width (before padding)
    - field_height, field_width: window size HH, WW (>= 1)
    - padding: zero padding added on every side (>= 0)
    - stride: step between windows (>= 1)
    - caller: function name used as the prefix of error messages

    Returns a tuple (Ho, Wo) with Ho = (H + 2*padding - HH) // stride + 1 (same for Wo).

    Raises TypeError for non-integer arguments and ValueError when a window does not fit or
    (H + 2*padding - HH) or (W + 2*padding - WW) is not divisible by stride (conv_output_size).
    """
    out_height = conv_output_size(H, field_height, stride, padding, caller, "H", "field_height")
    out_width = conv_output_size(W, field_width, stride, padding, caller, "W", "field_width")
    return out_height, out_width


def _check_x_shape(x_shape, caller):
    """Return x_shape as four ints (N, C, H, W), or raise a ValueError."""
    if len(x_shape) != 4:
        raise ValueError(f"{caller}: x_shape must be (N, C, H, W), got {tuple(x_shape)}")
    N, C, H, W = (check_int(size, "x_shape", caller, minimum=1) for size in x_shape)
    return N, C, H, W


def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    """Fancy-index arrays that gather every receptive field of a padded input.

    Inputs:
    - x_shape: (N, C, H, W)
    - field_height, field_width: window size HH, WW
    - padding, stride: as in a convolution

    Returns a tuple (k, i, j) of int arrays, k of shape (C*HH*WW, 1) and i, j of shape
    (C*HH*WW, Ho*Wo), such that x_padded[:, k, i, j] has shape (N, C*HH*WW, Ho*Wo) and holds
    x_padded[n, c, h_out*stride + fi, w_out*stride + fj]
    at [n, c*HH*WW + fi*WW + fj, h_out*Wo + w_out].
    """
    caller = "get_im2col_indices"
    _, C, H, W = _check_x_shape(x_shape, caller)
    out_height, out_width = conv_output_shape(
        H, W, field_height, field_width, padding, stride, caller=caller
    )
    field_rows = np.tile(np.repeat(np.arange(field_height), field_width), C)  # (C*HH*WW,)
    field_cols = np.tile(np.arange(field_width), field_height * C)  # (C*HH*WW,)
    out_rows = stride * np.repeat(np.arange(out_height), out_width)  # (Ho*Wo,)
    out_cols = stride * np.tile(np.arange(out_width), out_height)  # (Ho*Wo,)
    i = field_rows[:, None] + out_rows[None, :]  # (C*HH*WW, Ho*Wo)
    j = field_cols[:, None] + out_cols[None, :]  # (C*HH*WW, Ho*Wo)
    k = np.repeat(np.arange(C), field_height * field_width)[:, None]  # (C*HH*WW, 1)
    return k, i, j


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
    """Gather every receptive field of x into one column (pure numpy).

    Inputs:
    - x: input of shape (N, C, H, W), any dtype (kept)
    - field_height, field_width: window size HH, WW
    - padding, stride: as in a convolution

    Returns cols of shape (C*HH*WW, N*Ho*Wo) in the layout described in the module docstring.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"im2col_indices: x must have shape (N, C, H, W), got shape {x.shape}")
    k, i, j = get_im2col_indices(x.shape, field_height, field_width, padding, stride)
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = x_padded[:, k, i, j]  # (N, C*HH*WW, Ho*Wo)
    rows = cols.shape[1]
    return cols.transpose(1, 0, 2).reshape(rows, -1)  # -> (C*HH*WW, N, Ho*Wo) -> (C*HH*WW, N*Ho*Wo)


def col2im_indices(cols, x_shape, field_height=3, field_width=3, padding=1, stride=1):
    """Adjoint of im2col_indices: scatter-add columns back into an image batch (pure numpy).

    Overlapping windows accumulate (np.add.at), so this is the gradient of im2col.

    Inputs:
    - cols: array of shape (C*HH*WW, N*Ho*Wo), layout as in the module docstring
    - x_shape: (N, C, H, W) of the image batch to rebuild
    - field_height, field_width, padding, stride: the geometry cols was built with

    Returns x of shape (N, C, H, W) and the dtype of cols (padding is cropped away).
    """
    caller = "col2im_indices"
    cols = np.asarray(cols)
    N, C, H, W = _check_x_shape(x_shape, caller)
    k, i, j = get_im2col_indices(x_shape, field_height, field_width, padding, stride)
    rows, positions = i.shape
    if cols.shape != (rows, N * positions):
        raise ValueError(
            f"{caller}: cols must have shape (C*HH*WW, N*Ho*Wo) = {(rows, N * positions)} "
            f"for x_shape={tuple(x_shape)}, got {cols.shape}"
        )
    cols_per_image = cols.reshape(rows, N, positions).transpose(1, 0, 2)
    # (C*HH*WW, N*Ho*Wo) -> (C*HH*WW, N, Ho*Wo) -> (N, C*HH*WW, Ho*Wo)
    x_padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    np.add.at(x_padded, (slice(None), k, i, j), cols_per_image)
    return x_padded[:, :, padding : padding + H, padding : padding + W].copy()
