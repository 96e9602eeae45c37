"""cs231n.fast_layers against the naive layers and against independent loop implementations."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

fast_layers = pytest.importorskip(
    "cs231n.fast_layers", reason="Cython extension not built (run `make build`)"
)
from cs231n import im2col_cython, layers  # noqa: E402 - after the skip guard on purpose

FLOAT64_TOL = 1e-10
FLOAT32_TOL = 1e-4

# (N, C, H, W, F, HH, WW, stride, pad)
CONV_CASES = [
    (2, 3, 8, 8, 4, 3, 3, 1, 1),
    (3, 2, 7, 9, 3, 3, 5, 1, 2),  # non-square filter and input
    (2, 3, 9, 6, 2, 5, 2, 2, 2),  # tall filter, stride 2
    (2, 2, 5, 7, 3, 7, 7, 1, 3),  # 7x7, pad 3
    (1, 4, 6, 5, 5, 1, 1, 1, 0),  # 1x1
    (2, 3, 11, 7, 2, 3, 3, 2, 0),  # stride 2, no padding
    (2, 1, 7, 7, 3, 4, 4, 3, 3),  # stride 3, pad 3
]

# (N, C, H, W, pool_height, pool_width, stride)
POOL_CASES = [
    (2, 3, 8, 8, 2, 2, 2),  # reshape path
    (2, 2, 12, 6, 3, 3, 3),  # reshape path, 3x3
    (2, 3, 7, 9, 3, 3, 2),  # overlapping 3x3 stride 2
    (2, 2, 6, 5, 2, 3, 1),  # non-square, overlapping
    (3, 1, 8, 10, 4, 2, 2),  # non-square, non-overlapping, not the reshape path
    (2, 2, 7, 7, 1, 1, 1),
]


def assert_matches(actual, expected, dtype):
    """actual has dtype and equals expected within the dtype's tolerance (relative to the
    largest entry of expected)."""
    assert actual.dtype == dtype, f"dtype {actual.dtype}, expected {dtype}"
    tol = FLOAT64_TOL if dtype == np.float64 else FLOAT32_TOL
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale)


# ----------------------------------------------------------------------------------------------
# Independent loop implementations (do not depend on cs231n.layers)
# ----------------------------------------------------------------------------------------------
def conv_loops(x, w, b, stride, pad, dout):
    """Return (out, dx, dw, db) with explicit loops over outputs."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    out_h, out_w = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, out_h, out_w))
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for h in range(out_h):
                for v in range(out_w):
                    rows = slice(h * stride, h * stride + HH)
                    cols = slice(v * stride, v * stride + WW)
                    out[n, f, h, v] = np.sum(x_pad[n, :, rows, cols] * w[f]) + b[f]
                    dw[f] += dout[n, f, h, v] * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += dout[n, f, h, v] * w[f]
    db = dout.sum(axis=(0, 2, 3))
    return out, dx_pad[:, :, pad : pad + H, pad : pad + W], dw, db


def max_pool_loops(x, pool_height, pool_width, stride, dout):
    """Return (out, dx): gradient to the first maximum (row-major) of each window."""
    N, C, H, W = x.shape
    out_h, out_w = (H - pool_height) // stride + 1, (W - pool_width) // stride + 1
    out, dx = np.zeros((N, C, out_h, out_w)), np.zeros(x.shape)
    for n, c, h, v in np.ndindex(N, C, out_h, out_w):
        top, left = h * stride, v * stride
        window = x[n, c, top : top + pool_height, left : left + pool_width]
        i, j = np.unravel_index(np.argmax(window), window.shape)
        out[n, c, h, v] = window[i, j]
        dx[n, c, top + i, left + j] += dout[n, c, h, v]
    return out, dx


def conv_inputs(case, dtype, rng):
    N, C, H, W, F, HH, WW, stride, pad = case
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, HH, WW)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    return x, w, b, {"stride": stride, "pad": pad}


# ----------------------------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------------------------
CONV_IMPLEMENTATIONS = {
    "fast": (fast_layers.conv_forward_fast, fast_layers.conv_backward_fast),
    "im2col": (fast_layers.conv_forward_im2col, fast_layers.conv_backward_im2col),
}


def random_conv_cases(count, seed):
    """Seeded random valid conv geometries: non-square filters and inputs, odd sizes, 1x1."""
    case_rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        N, C, F = (int(v) for v in case_rng.integers(1, 5, size=3))
        H, W = (int(v) for v in case_rng.integers(1, 13, size=2))
        HH, WW = (int(v) for v in case_rng.integers(1, 6, size=2))
        pad, stride = int(case_rng.integers(0, 3)), int(case_rng.integers(1, 4))
        fits = HH <= H + 2 * pad and WW <= W + 2 * pad
        if fits and (H + 2 * pad - HH) % stride == 0 and (W + 2 * pad - WW) % stride == 0:
            cases.append((N, C, H, W, F, HH, WW, stride, pad))
    return cases


def check_conv_against_naive_and_loops(implementation, case, dtype, rng):
    forward, backward = CONV_IMPLEMENTATIONS[implementation]
    x, w, b, conv_param = conv_inputs(case, dtype, rng)
    out, cache = forward(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx, dw, db = backward(dout, cache)

    x64, w64, b64, dout64 = (a.astype(np.float64) for a in (x, w, b, dout))
    loops = conv_loops(x64, w64, b64, conv_param["stride"], conv_param["pad"], dout64)
    naive_out, naive_cache = layers.conv_forward_naive(x64, w64, b64, conv_param)
    naive = (naive_out, *layers.conv_backward_naive(dout64, naive_cache))
    for name, actual, from_loops, from_naive in zip(
        ("out", "dx", "dw", "db"), (out, dx, dw, db), loops, naive, strict=True
    ):
        assert actual.shape == from_loops.shape, name
        assert_matches(actual, from_loops, dtype)
        assert_matches(actual, from_naive, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("implementation", sorted(CONV_IMPLEMENTATIONS))
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_matches_naive_and_loops(case, implementation, dtype, rng):
    check_conv_against_naive_and_loops(implementation, case, dtype, rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", random_conv_cases(16, seed=5), ids=str)
def test_conv_fast_matches_naive_on_random_shapes(case, dtype, rng):
    check_conv_against_naive_and_loops("fast", case, dtype, rng)


def test_conv_fast_threaded_shape_matches_naive(rng):
    """Big enough for the OpenMP region (and several gradient groups): still exact."""
    case = (20, 3, 12, 12, 6, 5, 3, 1, 2)
    N, C, H, W, F, HH, WW, _, _ = case
    assert N * F * C * HH * WW * H * W >= im2col_cython.THREAD_MIN_MACS
    for dtype in (np.float64, np.float32):
        check_conv_against_naive_and_loops("fast", case, dtype, rng)


def test_conv_fast_cache_keeps_no_columns(rng):
    x, w, b, conv_param = conv_inputs(CONV_CASES[1], np.float32, rng)
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    cached_x, cached_w, cached_b, cached_param = cache
    assert cached_x is x and cached_w is w and cached_b is b and cached_param is conv_param
    assert out.flags.c_contiguous and out.dtype == np.float32
    _, im2col_cache = fast_layers.conv_forward_im2col(x, w, b, conv_param)
    x_cols = im2col_cache[-1]
    assert x_cols.shape == (2 * 3 * 5, 3 * 9 * 9) and x_cols.dtype == np.float32


def test_conv_fast_is_deterministic_for_any_thread_count():
    """dw/db are summed in fixed groups of images: 1 and 2 OpenMP threads agree bit for bit."""
    script = textwrap.dedent(
        """
        import hashlib
        import numpy as np
        from cs231n import fast_layers
        rng = np.random.default_rng(3)
        x = rng.standard_normal((33, 4, 10, 10))
        w = rng.standard_normal((8, 4, 3, 3))
        out, cache = fast_layers.conv_forward_fast(x, w, np.zeros(8), {"stride": 1, "pad": 1})
        grads = fast_layers.conv_backward_fast(rng.standard_normal(out.shape), cache)
        print(hashlib.sha256(b"".join(a.tobytes() for a in (out, *grads))).hexdigest())
        """
    )
    digests = set()
    for threads in ("1", "2"):
        env = dict(os.environ, OMP_NUM_THREADS=threads)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                check=False, timeout=120, env=env)
        assert result.returncode == 0, result.stderr
        digests.add(result.stdout.strip())
    assert len(digests) == 1


def test_conv_fast_gradient_matches_finite_differences(rng):
    """A check that does not rely on any other implementation of the backward pass."""
    x, w, b, conv_param = conv_inputs((1, 2, 5, 4, 2, 3, 2, 1, 1), np.float64, rng)
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    grads = fast_layers.conv_backward_fast(dout, cache)
    step = 1e-6
    for array, grad in zip((x, w, b), grads, strict=True):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + step
            plus = np.sum(fast_layers.conv_forward_fast(x, w, b, conv_param)[0] * dout)
            array[index] = saved - step
            minus = np.sum(fast_layers.conv_forward_fast(x, w, b, conv_param)[0] * dout)
            array[index] = saved
            numeric[index] = (plus - minus) / (2 * step)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_conv_fast_mixed_dtypes_promote(rng):
    x, w, b, conv_param = conv_inputs(CONV_CASES[0], np.float32, rng)
    out, _ = fast_layers.conv_forward_fast(x, w.astype(np.float64), b, conv_param)
    assert out.dtype == np.float64


@pytest.mark.parametrize(
    ("shapes", "conv_param", "error", "message"),
    [
        (((1, 1, 8, 8), (2, 1, 3, 3)), {"stride": 2, "pad": 0}, ValueError, "not divisible by"),
        (((1, 2, 8, 8), (2, 3, 3, 3)), {"stride": 1, "pad": 1}, ValueError, "input channels"),
        (((1, 1, 8, 8), (2, 1, 3, 3)), {"stride": 1}, ValueError, "key 'pad'"),
        (((1, 1, 8, 8), (2, 1, 3, 3)), {"stride": 0, "pad": 1}, ValueError, "stride'] must be"),
        (((8, 8), (2, 1, 3, 3)), {"stride": 1, "pad": 1}, ValueError, "x must be 4-D"),
    ],
)
def test_conv_fast_bad_input(shapes, conv_param, error, message):
    x_shape, w_shape = shapes
    b = np.zeros(w_shape[0])
    with pytest.raises(error, match=message):
        fast_layers.conv_forward_fast(np.zeros(x_shape), np.zeros(w_shape), b, conv_param)


def test_conv_backward_rejects_wrong_dout_shape(rng):
    x, w, b, conv_param = conv_inputs(CONV_CASES[0], np.float64, rng)
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    with pytest.raises(ValueError, match="dout must have the forward output's shape"):
        fast_layers.conv_backward_fast(out[:, :2], cache)


# ----------------------------------------------------------------------------------------------
# Max pooling
# ----------------------------------------------------------------------------------------------
POOL_IMPLEMENTATIONS = {
    "fast": (fast_layers.max_pool_forward_fast, fast_layers.max_pool_backward_fast),
    "argmax": (fast_layers.max_pool_forward_argmax, fast_layers.max_pool_backward_argmax),
    "im2col": (fast_layers.max_pool_forward_im2col, fast_layers.max_pool_backward_im2col),
}


def pool_input(case, dtype, rng, ties):
    N, C, H, W, pool_height, pool_width, stride = case
    shape = (N, C, H, W)
    if ties:  # ReLU-like: many exact zeros and repeated small integers
        x = np.maximum(rng.integers(-3, 3, size=shape), 0).astype(dtype)
    else:
        x = rng.standard_normal(shape).astype(dtype)
    return x, {"pool_height": pool_height, "pool_width": pool_width, "stride": stride}


@pytest.mark.parametrize("ties", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("implementation", sorted(POOL_IMPLEMENTATIONS))
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pool_matches_naive_and_loops(case, implementation, dtype, ties, rng):
    forward, backward = POOL_IMPLEMENTATIONS[implementation]
    x, pool_param = pool_input(case, dtype, rng, ties)
    out, cache = forward(x, pool_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = backward(dout, cache)

    x64, dout64 = x.astype(np.float64), dout.astype(np.float64)
    loop_out, loop_dx = max_pool_loops(x64, *case[4:], dout64)
    naive_out, naive_cache = layers.max_pool_forward_naive(x64, pool_param)
    naive_dx = layers.max_pool_backward_naive(dout64, naive_cache)
    for actual, from_loops, from_naive in ((out, loop_out, naive_out), (dx, loop_dx, naive_dx)):
        assert_matches(actual, from_loops, dtype)
        assert_matches(actual, from_naive, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[4] == c[5] == c[6]], ids=str)
def test_max_pool_reshape_routes_ties_to_first_max(case, dtype, rng):
    forward, backward = fast_layers.max_pool_forward_reshape, fast_layers.max_pool_backward_reshape
    x, pool_param = pool_input(case, dtype, rng, ties=True)
    x[0, 0] = 0  # a whole plane of tied windows
    out, cache = forward(x, pool_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = backward(dout, cache)
    _, loop_dx = max_pool_loops(x.astype(np.float64), *case[4:], dout.astype(np.float64))
    np.testing.assert_array_equal(dx, loop_dx.astype(dtype))
    # each window passes on exactly its one upstream value
    np.testing.assert_allclose(dx.sum(), dout.sum(), rtol=1e-5)


@pytest.mark.parametrize("case", [POOL_CASES[0], POOL_CASES[2]], ids=str)
def test_max_pool_fast_cache_holds_int32_argmax(case, rng):
    x, pool_param = pool_input(case, np.float32, rng, ties=False)
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
    cached_x, argmax, cached_param = cache
    assert cached_x is x and cached_param is pool_param
    assert argmax.dtype == np.int32 and argmax.shape == out.shape
    assert out.dtype == np.float32
    assert fast_layers.max_pool_backward_fast(np.ones_like(out), cache).dtype == np.float32


@pytest.mark.parametrize(
    ("pool_param", "message"),
    [
        ({"pool_height": 3, "pool_width": 3, "stride": 2}, r"\(H - pool_height\) = 8 - 3 = 5"),
        ({"pool_height": 9, "pool_width": 2, "stride": 2}, "pool_height=9 is larger than"),
        ({"pool_height": 2, "pool_width": 2}, "key 'stride'"),
    ],
)
def test_max_pool_fast_bad_input(pool_param, message):
    with pytest.raises(ValueError, match=message):
        fast_layers.max_pool_forward_fast(np.zeros((1, 1, 8, 7)), pool_param)


def test_max_pool_reshape_rejects_other_pools():
    pool_param = {"pool_height": 3, "pool_width": 3, "stride": 2}
    with pytest.raises(ValueError, match="use max_pool_forward_fast"):
        fast_layers.max_pool_forward_reshape(np.zeros((1, 1, 7, 7)), pool_param)


# ----------------------------------------------------------------------------------------------
# Missing extension
# ----------------------------------------------------------------------------------------------
def test_missing_extension_raises_import_error_with_build_command():
    script = textwrap.dedent(
        """
        import sys
        sys.modules["cs231n.im2col_cython"] = None  # makes `import cs231n.im2col_cython` fail
        try:
            import cs231n.fast_layers
        except ImportError as error:
            assert error.__cause__ is not None, "not chained from the original ImportError"
            print(error)
        else:
            raise SystemExit("no ImportError")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "cs231n.im2col_cython" in result.stdout
    assert "make build" in result.stdout and "pip install -e ." in result.stdout


def test_importing_cs231n_sets_sleeping_thread_defaults_but_keeps_the_users_values():
    import os
    import subprocess
    import sys

    import cs231n

    script = ("import os, cs231n; "
              "print(os.environ['OMP_WAIT_POLICY'], os.environ['OPENBLAS_THREAD_TIMEOUT'])")
    env = {k: v for k, v in os.environ.items() if k not in cs231n.THREAD_WAIT_DEFAULTS}
    defaults = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, check=True).stdout.split()
    assert defaults == [cs231n.THREAD_WAIT_DEFAULTS["OMP_WAIT_POLICY"],
                        cs231n.THREAD_WAIT_DEFAULTS["OPENBLAS_THREAD_TIMEOUT"]]
    own = subprocess.run([sys.executable, "-c", script],
                         env={**env, "OMP_WAIT_POLICY": "ACTIVE", "OPENBLAS_THREAD_TIMEOUT": "8"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert own == ["ACTIVE", "8"]
