"""The Cython im2col / col2im / max-pool kernels against the pure-numpy reference and loops."""

import numpy as np
import pytest

from cs231n.im2col import (
    col2im_indices,
    conv_output_shape,
    conv_output_size,
    get_im2col_indices,
    im2col_indices,
)

im2col_cython = pytest.importorskip(
    "cs231n.im2col_cython", reason="Cython extension not built (run `make build`)"
)

DTYPES = [np.float32, np.float64]
FLOAT32_RTOL = 1e-5

# (N, C, H, W, field_height, field_width, padding, stride)
GEOMETRIES = [
    (2, 3, 7, 9, 3, 5, 1, 1),  # non-square field and input
    (3, 2, 9, 6, 5, 2, 2, 2),  # field taller than wide, stride 2
    (2, 1, 5, 5, 7, 7, 3, 1),  # field as large as the padded input
    (2, 4, 6, 5, 1, 1, 0, 1),  # 1x1 field
    (1, 2, 1, 1, 7, 7, 3, 1),  # a single pixel, all padding
    (2, 2, 1, 9, 7, 3, 3, 2),  # H=1 with a tall field
    (4, 3, 8, 8, 3, 3, 1, 1),  # the classic
    (2, 3, 11, 7, 3, 3, 0, 2),  # stride 2 without padding
    (1, 3, 4, 10, 2, 4, 1, 2),
    (3, 1, 7, 7, 4, 4, 3, 3),  # padding 3, stride 3
]


def random_geometries(count, seed):
    """Seeded random valid geometries (also exercising odd sizes and large padding)."""
    rng = np.random.default_rng(seed)
    geometries = []
    while len(geometries) < count:
        N, C = rng.integers(1, 4, size=2)
        H, W = rng.integers(1, 12, size=2)
        HH, WW = rng.integers(1, 8, size=2)
        padding, stride = rng.integers(0, 4), rng.integers(1, 4)
        padded_h, padded_w = H + 2 * padding, W + 2 * padding
        fits = HH <= padded_h and WW <= padded_w
        if fits and (padded_h - HH) % stride == 0 and (padded_w - WW) % stride == 0:
            geometries.append(tuple(int(v) for v in (N, C, H, W, HH, WW, padding, stride)))
    return geometries


ALL_GEOMETRIES = GEOMETRIES + random_geometries(12, seed=7)


def im2col_loops(x, field_height, field_width, padding, stride):
    """Independent definition of the documented column layout, with plain loops."""
    N, C, H, W = x.shape
    out_h = (H + 2 * padding - field_height) // stride + 1
    out_w = (W + 2 * padding - field_width) // stride + 1
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.zeros((C * field_height * field_width, N * out_h * out_w), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(field_height):
                for j in range(field_width):
                    row = c * field_height * field_width + i * field_width + j
                    for h in range(out_h):
                        for w in range(out_w):
                            column = n * out_h * out_w + h * out_w + w
                            cols[row, column] = x_padded[n, c, h * stride + i, w * stride + j]
    return cols


def max_pool_loops(x, pool_height, pool_width, stride):
    """Loop max pool returning (out, dx for dout=ones-like weights) via np.argmax per window."""
    N, C, H, W = x.shape
    out_h, out_w = (H - pool_height) // stride + 1, (W - pool_width) // stride + 1
    out = np.zeros((N, C, out_h, out_w), dtype=x.dtype)
    argmax = np.zeros((N, C, out_h, out_w), dtype=np.int64)
    for n in range(N):
        for c in range(C):
            for h in range(out_h):
                for w in range(out_w):
                    top, left = h * stride, w * stride
                    window = x[n, c, top : top + pool_height, left : left + pool_width]
                    i, j = np.unravel_index(np.argmax(window), window.shape)
                    out[n, c, h, w] = window[i, j]
                    argmax[n, c, h, w] = (top + i) * W + left + j
    return out, argmax


def assert_close(actual, expected, dtype):
    """Exact in float64, FLOAT32_RTOL relative (to the largest entry) in float32."""
    assert actual.dtype == dtype
    if dtype == np.float64:
        np.testing.assert_array_equal(actual, expected)
    else:
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        np.testing.assert_allclose(actual, expected, rtol=FLOAT32_RTOL, atol=FLOAT32_RTOL * scale)


# ----------------------------------------------------------------------------------------------
# im2col / col2im
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", ALL_GEOMETRIES, ids=str)
def test_im2col_cython_matches_reference(geometry, dtype, rng):
    N, C, H, W, HH, WW, padding, stride = geometry
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    reference = im2col_indices(x, HH, WW, padding, stride)
    cols = im2col_cython.im2col_cython(x, HH, WW, padding, stride)
    out_h, out_w = conv_output_shape(H, W, HH, WW, padding, stride)
    assert cols.shape == (C * HH * WW, N * out_h * out_w)
    assert reference.dtype == dtype
    np.testing.assert_array_equal(cols, reference)  # pure copies: exact in every dtype
    assert cols.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", ALL_GEOMETRIES, ids=str)
def test_col2im_cython_matches_reference(geometry, dtype, rng):
    N, C, H, W, HH, WW, padding, stride = geometry
    out_h, out_w = conv_output_shape(H, W, HH, WW, padding, stride)
    cols = rng.standard_normal((C * HH * WW, N * out_h * out_w)).astype(dtype)
    reference = col2im_indices(cols, (N, C, H, W), HH, WW, padding, stride)
    x = im2col_cython.col2im_cython(cols, N, C, H, W, HH, WW, padding, stride)
    assert x.shape == (N, C, H, W)
    assert_close(x, reference, dtype)
    assert_close(reference, x, dtype)


@pytest.mark.parametrize("geometry", GEOMETRIES[:5], ids=str)
def test_reference_matches_loop_definition_of_layout(geometry, rng):
    N, C, H, W, HH, WW, padding, stride = geometry
    x = rng.standard_normal((N, C, H, W))
    np.testing.assert_array_equal(
        im2col_indices(x, HH, WW, padding, stride), im2col_loops(x, HH, WW, padding, stride)
    )


@pytest.mark.parametrize("geometry", ALL_GEOMETRIES[::3], ids=str)
def test_col2im_is_adjoint_of_im2col(geometry, rng):
    """<im2col(x), cols> == <x, col2im(cols)> for both implementations."""
    N, C, H, W, HH, WW, padding, stride = geometry
    x = rng.standard_normal((N, C, H, W))
    cols = rng.standard_normal(im2col_cython.im2col_cython(x, HH, WW, padding, stride).shape)
    lhs = np.sum(im2col_cython.im2col_cython(x, HH, WW, padding, stride) * cols)
    rhs_cython = np.sum(x * im2col_cython.col2im_cython(cols, N, C, H, W, HH, WW, padding, stride))
    rhs_numpy = np.sum(x * col2im_indices(cols, x.shape, HH, WW, padding, stride))
    np.testing.assert_allclose([rhs_cython, rhs_numpy], [lhs, lhs], rtol=1e-12)


def test_get_im2col_indices_non_square(rng):
    k, i, j = get_im2col_indices((1, 2, 4, 6), 3, 2, padding=0, stride=1)
    assert k.shape == (12, 1) and i.shape == j.shape == (12, 2 * 5)
    # row c*HH*WW + fi*WW + fj: channel 1, field row 2, field column 1 is row 1*6 + 2*2 + 1
    assert k[11, 0] == 1 and i[11, 0] == 2 and j[11, 0] == 1


def test_non_contiguous_input(rng):
    x = rng.standard_normal((3, 5, 7, 2)).transpose(0, 3, 2, 1)  # (3, 2, 7, 5), not contiguous
    np.testing.assert_array_equal(
        im2col_cython.im2col_cython(x, 3, 3, 1, 2), im2col_indices(x, 3, 3, 1, 2)
    )


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("shape", "field", "padding", "stride", "message"),
    [
        ((1, 1, 8, 8), (3, 3), 0, 2, r"\(H \+ 2\*pad - field_height\) = \(8 \+ 2\*0 - 3\) = 5 "),
        ((1, 1, 7, 8), (3, 3), 0, 2, r"\(W \+ 2\*pad - field_width\) = \(8 \+ 2\*0 - 3\) = 5 "),
        ((1, 1, 4, 4), (7, 3), 1, 1, r"field_height=7 is larger than the padded input H"),
        ((1, 1, 4, 4), (3, 3), 1, 0, r"stride must be >= 1"),
        ((1, 1, 4, 4), (3, 3), -1, 1, r"pad must be >= 0"),
        ((1, 1, 4, 4), (0, 3), 1, 1, r"field_height must be >= 1"),
    ],
)
def test_bad_geometry_raises_value_error(shape, field, padding, stride, message):
    x = np.zeros(shape)
    with pytest.raises(ValueError, match=message):
        im2col_cython.im2col_cython(x, *field, padding, stride)
    with pytest.raises(ValueError, match=message):
        im2col_indices(x, *field, padding, stride)
    with pytest.raises(ValueError, match=message):
        col2im_indices(np.zeros((9, 4)), shape, *field, padding, stride)
    with pytest.raises(ValueError, match=message):
        im2col_cython.col2im_cython(np.zeros((9, 4)), *shape, *field, padding, stride)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(TypeError, match="x must be float32 or float64, got dtype int64"):
        im2col_cython.im2col_cython(np.zeros((1, 1, 4, 4), dtype=np.int64), 3, 3, 1, 1)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        im2col_cython.im2col_cython(np.zeros((4, 4)), 3, 3, 1, 1)
    with pytest.raises(TypeError, match="stride must be an integer"):
        im2col_cython.im2col_cython(np.zeros((1, 1, 4, 4)), 3, 3, 1, 1.5)
    with pytest.raises(ValueError, match=r"cols must have shape \(C\*HH\*WW, N\*Ho\*Wo\)"):
        im2col_cython.col2im_cython(np.zeros((9, 5)), 1, 1, 4, 4, 3, 3, 1, 1)
    with pytest.raises(ValueError, match=r"cols must have shape"):
        col2im_indices(np.zeros((9, 5)), (1, 1, 4, 4), 3, 3, 1, 1)


# ----------------------------------------------------------------------------------------------
# Max pooling kernels
# ----------------------------------------------------------------------------------------------
POOLS = [  # (N, C, H, W, pool_height, pool_width, stride)
    (2, 3, 8, 8, 2, 2, 2),
    (2, 3, 7, 9, 3, 3, 2),  # overlapping
    (1, 2, 6, 5, 2, 3, 1),  # non-square, overlapping
    (2, 2, 9, 7, 4, 2, 1),
    (3, 1, 10, 11, 3, 3, 3),  # floor semantics: trailing rows/columns ignored
    (1, 1, 1, 1, 1, 1, 1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pool", POOLS, ids=str)
def test_max_pool_cython_matches_loops(pool, dtype, rng):
    N, C, H, W, pool_height, pool_width, stride = pool
    # small integers make ties frequent: the first maximum must win
    x = rng.integers(-2, 3, size=(N, C, H, W)).astype(dtype)
    out, argmax = im2col_cython.max_pool_forward_cython(x, pool_height, pool_width, stride)
    expected_out, expected_argmax = max_pool_loops(x, pool_height, pool_width, stride)
    assert out.dtype == dtype and argmax.dtype == np.int32
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(argmax, expected_argmax)

    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = im2col_cython.max_pool_backward_cython(dout, argmax, x.shape)
    expected_dx = np.zeros((N, C, H * W), dtype=dtype)
    for index in np.ndindex(out.shape):  # serial scatter-add: overlaps accumulate
        expected_dx[index[0], index[1], argmax[index]] += dout[index]
    assert dx.dtype == dtype
    np.testing.assert_array_equal(dx, expected_dx.reshape(x.shape))


def test_max_pool_cython_nan_wins_like_argmax():
    x = np.array([[[[1.0, np.nan], [3.0, np.nan]]]])
    out, argmax = im2col_cython.max_pool_forward_cython(x, 2, 2, 2)
    assert np.isnan(out[0, 0, 0, 0]) and argmax[0, 0, 0, 0] == 1


def test_max_pool_cython_bad_arguments():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="pool 5x2 does not fit into the input 4x4"):
        im2col_cython.max_pool_forward_cython(x, 5, 2, 1)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        im2col_cython.max_pool_forward_cython(x, 2, 2, 0)
    out, argmax = im2col_cython.max_pool_forward_cython(x, 2, 2, 2)
    with pytest.raises(ValueError, match=r"argmax holds indices outside \[0, H\*W\)"):
        im2col_cython.max_pool_backward_cython(out, argmax + 16, x.shape)
    with pytest.raises(ValueError, match="must both have shape"):
        im2col_cython.max_pool_backward_cython(out[:, :, :1], argmax, x.shape)
    with pytest.raises(TypeError, match="argmax must be an integer array"):
        im2col_cython.max_pool_backward_cython(out, argmax.astype(float), x.shape)


# ----------------------------------------------------------------------------------------------
# The one geometry helper, threads and the BLAS thread pin
# ----------------------------------------------------------------------------------------------
def test_conv_output_size_is_shared_with_layers():
    from cs231n import layers

    assert layers.conv_output_size is conv_output_size
    assert conv_output_size(32, 5, 1, 2) == 32 and conv_output_size(7, 3, 2, 1) == 4
    assert conv_output_shape(7, 9, 3, 5, padding=1, stride=1) == (7, 7)
    message = r"cnn: \(H \+ 2\*pad - filter_size\) = \(8 \+ 2\*0 - 3\) = 5 is not divisible"
    with pytest.raises(ValueError, match=message):
        conv_output_size(8, 3, 2, name="cnn", size_label="H", filter_label="filter_size")
    with pytest.raises(TypeError, match="stride must be an integer"):
        conv_output_size(8, 3, True)


def test_small_convs_stay_on_one_thread():
    tiny = im2col_cython._conv_use_threads((2, 2, 4, 4), (2, 2, 3, 3), 4, 4)
    big = im2col_cython._conv_use_threads((50, 3, 32, 32), (32, 3, 7, 7), 32, 32)
    assert not tiny
    assert big == im2col_cython.BLAS_THREAD_PIN.available
    assert im2col_cython.openmp_threads() >= 1


def test_blas_thread_pin_nests_and_restores():
    calls = []
    state = {"threads": 4}

    def set_threads(count):
        calls.append(count)
        state["threads"] = count

    pin = im2col_cython.BlasThreadPin((set_threads, lambda: state["threads"]))
    assert pin.available
    with pin:
        assert state["threads"] == 1
        with pin:
            assert state["threads"] == 1
        assert state["threads"] == 1
    assert state["threads"] == 4 and calls == [1, 4]
    with im2col_cython.BlasThreadPin(None) as unavailable:  # no OpenBLAS found: a no-op
        assert not unavailable.available


def test_conv_cython_bad_arguments():
    x, w, b = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="w has 2 input channels"):
        im2col_cython.conv_forward_cython(x[:, :1], w, b, 1, 1)
    with pytest.raises(ValueError, match=r"b must have shape \(F,\) = \(3,\)"):
        im2col_cython.conv_forward_cython(x, w, b[:2], 1, 1)
    with pytest.raises(ValueError, match=r"dout must have shape \(N, F, Ho, Wo\)"):
        im2col_cython.conv_backward_cython(np.zeros((1, 3, 4, 4)), x, w, 1, 1)
    with pytest.raises(TypeError, match="x must be float32 or float64"):
        im2col_cython.conv_forward_cython(x.astype(np.int32), w, b, 1, 1)
