"""Tests of cs231n.gradient_check: numerical gradients, complex step, checkers, reports."""

import numpy as np
import pytest

from cs231n.gradient_check import (
    GradCheckEntry,
    GradCheckReport,
    check_layer,
    check_loss,
    check_model,
    complex_step_gradient,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)

TIGHT_TOL = 1e-8  # a correct toy gradient must pass this in float64


# ---------------------------------------------------------------------------------------
# Toy layers, losses and models (written here, independent of cs231n.layers)
# ---------------------------------------------------------------------------------------
def toy_affine_forward(x, w, b):
    x_rows = x.reshape(x.shape[0], -1)  # (N, d_1, ..., d_k) -> (N, D)
    return x_rows @ w + b, (x, w, b)


def toy_affine_backward(dout, cache):
    x, w, _b = cache
    x_rows = x.reshape(x.shape[0], -1)  # (N, d_1, ..., d_k) -> (N, D)
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d_1, ..., d_k)
    return dx, x_rows.T @ dout, dout.sum(axis=0)


def toy_affine_backward_dw_sign_flipped(dout, cache):
    dx, dw, db = toy_affine_backward(dout, cache)
    return dx, -dw, db


def toy_tanh_forward(x):
    out = np.tanh(x)
    return out, out


def toy_tanh_backward(dout, cache):
    return dout * (1 - cache**2)


def toy_tanh_backward_missing_factor(dout, cache):
    return dout * (1 - cache)  # forgot to square tanh


def toy_scale_forward(x, scale_param):
    return x * scale_param["scale"], scale_param["scale"]


def toy_scale_backward(dout, cache):
    return dout * cache


def toy_softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return loss, dx / n


def toy_least_squares_loss(x, w, target):
    residual = x @ w - target
    return 0.5 * np.sum(residual**2), (residual @ w.T, x.T @ residual)


class TinyNet:
    """affine - tanh - affine - softmax, CS231n style (params dict, dtype, loss)."""

    def __init__(self, rng, dtype=np.float32, wrong_db2=False):
        self.dtype = dtype
        self.wrong_db2 = wrong_db2
        self.params = {
            "W1": (0.5 * rng.standard_normal((4, 5))).astype(dtype),
            "b1": (0.1 * rng.standard_normal(5)).astype(dtype),
            "W2": (0.5 * rng.standard_normal((5, 3))).astype(dtype),
            "b2": (0.1 * rng.standard_normal(3)).astype(dtype),
        }

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        hidden, hidden_cache = toy_affine_forward(X, self.params["W1"], self.params["b1"])
        act, act_cache = toy_tanh_forward(hidden)
        scores, scores_cache = toy_affine_forward(act, self.params["W2"], self.params["b2"])
        if y is None:
            return scores
        loss, dscores = toy_softmax_loss(scores, y)
        dact, dW2, db2 = toy_affine_backward(dscores, scores_cache)
        dhidden = toy_tanh_backward(dact, act_cache)
        _dX, dW1, db1 = toy_affine_backward(dhidden, hidden_cache)
        if self.wrong_db2:
            db2 = 2 * db2
        return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


class CallCounter:
    """Wrap f; raise RuntimeError on call number `fail_on` (1-based)."""

    def __init__(self, f, fail_on):
        self.f = f
        self.fail_on = fail_on
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("boom")
        return self.f(*args)


@pytest.fixture
def affine_inputs(rng):
    return {
        "x": rng.standard_normal((3, 2, 2)),
        "w": rng.standard_normal((4, 5)),
        "b": rng.standard_normal(5),
    }


# ---------------------------------------------------------------------------------------
# rel_error
# ---------------------------------------------------------------------------------------
def test_rel_error_matches_formula():
    x = np.array([1.0, 2.0, 0.0])
    y = np.array([1.1, 2.0, 0.0])
    assert rel_error(x, y) == pytest.approx(0.1 / 2.1)
    assert rel_error(3.0, 3.0) == 0.0
    assert isinstance(rel_error(x, y), float)


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"x has shape \(3,\) but y has shape \(3, 1\)"):
        rel_error(np.zeros(3), np.zeros((3, 1)))


# ---------------------------------------------------------------------------------------
# Numerical gradients against closed forms
# ---------------------------------------------------------------------------------------
def test_eval_numerical_gradient_sum_of_squares(rng):
    x = rng.standard_normal((3, 4))
    grad = eval_numerical_gradient(lambda z: np.sum(z**2), x, verbose=False)
    assert grad.shape == x.shape and grad.dtype == x.dtype
    assert rel_error(grad, 2 * x) < 1e-9


def test_eval_numerical_gradient_log_sum_exp(rng):
    x = rng.standard_normal(6)
    grad = eval_numerical_gradient(lambda z: np.log(np.sum(np.exp(z))), x, verbose=False)
    softmax = np.exp(x) / np.sum(np.exp(x))
    assert rel_error(grad, softmax) < 1e-8


def test_eval_numerical_gradient_verbose_prints_like_cs231n(rng, capsys):
    x = rng.standard_normal(2)
    eval_numerical_gradient(lambda z: np.sum(z), x)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("(0,) ")


def test_eval_numerical_gradient_closure_over_x(rng):
    """CS231n pattern: f ignores its argument and reads the perturbed array itself."""
    params = {"W": rng.standard_normal((2, 3))}
    grad = eval_numerical_gradient(lambda _: np.sum(params["W"] ** 3), params["W"], verbose=False)
    assert rel_error(grad, 3 * params["W"] ** 2) < 1e-8


def test_eval_numerical_gradient_array_matmul(rng):
    x = rng.standard_normal((3, 4))
    A = rng.standard_normal((4, 2))
    df = rng.standard_normal((3, 2))
    grad = eval_numerical_gradient_array(lambda z: z @ A, x, df)
    assert rel_error(grad, df @ A.T) < 1e-9


def test_eval_numerical_gradient_array_copies_outputs_that_view_x(rng):
    x = rng.standard_normal(5)
    df = rng.standard_normal(5)
    grad = eval_numerical_gradient_array(lambda z: z, x, df)  # returns x itself
    assert rel_error(grad, df) < 1e-9


def test_grad_check_sparse_returns_errors_and_prints(rng, capsys):
    x = rng.standard_normal((4, 3))
    errors = grad_check_sparse(lambda z: np.sum(z**2), x, 2 * x, num_checks=5, seed=0)
    assert len(errors) == 5 and max(errors) < 1e-8
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("numerical: ") for line in lines)
    assert "relative error: " in lines[0]


def test_grad_check_sparse_is_reproducible(rng, capsys):
    x = rng.standard_normal((6, 7))
    wrong = rng.standard_normal((6, 7))  # errors differ by element, so they reveal the indices
    first = grad_check_sparse(lambda z: np.sum(z**2), x, wrong, num_checks=4, seed=3)
    second = grad_check_sparse(lambda z: np.sum(z**2), x, wrong, num_checks=4, seed=3)
    assert first == second
    np.random.seed(7)  # noqa: NPY002 - seed=None draws from the global state, like CS231n
    third = grad_check_sparse(lambda z: np.sum(z**2), x, wrong, num_checks=4)
    np.random.seed(7)  # noqa: NPY002
    fourth = grad_check_sparse(lambda z: np.sum(z**2), x, wrong, num_checks=4)
    assert third == fourth
    capsys.readouterr()


# ---------------------------------------------------------------------------------------
# Complex step
# ---------------------------------------------------------------------------------------
def smooth_function(z):
    return np.sum(np.exp(z) * np.sin(z)) + np.sum(z[:-1] * z[1:])


def smooth_gradient(x):
    grad = np.exp(x) * (np.sin(x) + np.cos(x))
    grad[:-1] += x[1:]
    grad[1:] += x[:-1]
    return grad


def test_complex_step_is_exact_where_central_differences_are_not(rng):
    x = rng.standard_normal(8)
    exact = smooth_gradient(x)
    complex_error = rel_error(complex_step_gradient(smooth_function, x), exact)
    central_error = rel_error(eval_numerical_gradient(smooth_function, x, verbose=False), exact)
    assert complex_error < 1e-13
    assert 1e-12 < central_error < 1e-7
    assert central_error > 1000 * complex_error


def test_complex_step_leaves_x_untouched(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    before = x.tobytes()
    grad = complex_step_gradient(lambda z: np.sum(z**2), x)
    assert x.tobytes() == before and x.dtype == np.float32
    assert grad.dtype == np.float64
    assert rel_error(grad, 2 * x.astype(np.float64)) < 1e-13


@pytest.mark.parametrize(
    "discarding_f",
    [
        lambda z: np.sum(np.real(z) ** 2),  # returns a real value
        lambda z: float(np.sum(z.real**2)),  # returns a Python float
        lambda z: np.sum(np.abs(z) ** 2),  # abs is not analytic, real output
    ],
)
def test_complex_step_rejects_f_that_discards_the_imaginary_part(rng, discarding_f):
    x = rng.standard_normal(3)
    with pytest.raises(TypeError, match="discards the imaginary part"):
        complex_step_gradient(discarding_f, x)


def test_complex_step_rejects_writes_into_float_arrays(rng):
    def writes_into_float_buffer(z):
        buffer = np.zeros(z.shape)
        buffer[:] = z  # numpy drops the imaginary part with a ComplexWarning
        return np.sum(buffer**2) + 0j

    with pytest.raises(TypeError, match="ComplexWarning|discards the imaginary part"):
        complex_step_gradient(writes_into_float_buffer, rng.standard_normal(3))


# ---------------------------------------------------------------------------------------
# x restored exactly, also when f raises
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_x_bit_identical_after_successful_runs(rng, dtype):
    x = rng.standard_normal((3, 2)).astype(dtype)
    before = x.tobytes()
    eval_numerical_gradient(lambda z: np.sum(np.sin(z)), x, verbose=False)
    eval_numerical_gradient_array(np.sin, x, np.ones((3, 2)))
    grad_check_sparse(lambda z: np.sum(np.sin(z)), x, np.cos(x), num_checks=3, seed=0)
    assert x.tobytes() == before


def sum_of_sines(z):
    return np.sum(np.sin(z))


@pytest.mark.parametrize(
    "run",
    [
        lambda f, x: eval_numerical_gradient(f, x, verbose=False),
        lambda f, x: eval_numerical_gradient_array(f, x, 1.0),
        lambda f, x: grad_check_sparse(f, x, np.zeros_like(x), num_checks=4, seed=1),
        lambda f, x: complex_step_gradient(f, x),
    ],
    ids=[
        "eval_numerical_gradient",
        "eval_numerical_gradient_array",
        "grad_check_sparse",
        "complex",
    ],
)
def test_x_restored_when_f_raises_on_third_call(rng, capsys, run):
    x = rng.standard_normal((2, 3))
    before = x.tobytes()
    f = CallCounter(sum_of_sines, fail_on=3)  # 3rd call = first perturbation of 2nd element
    with pytest.raises(RuntimeError, match="boom"):
        run(f, x)
    assert f.calls == 3
    assert x.tobytes() == before
    capsys.readouterr()


def test_check_layer_inputs_untouched_when_forward_raises(affine_inputs):
    before = {name: value.tobytes() for name, value in affine_inputs.items()}
    forward = CallCounter(toy_affine_forward, fail_on=5)
    with pytest.raises(RuntimeError, match="boom"):
        check_layer(forward, toy_affine_backward, affine_inputs)
    assert {name: value.tobytes() for name, value in affine_inputs.items()} == before


# ---------------------------------------------------------------------------------------
# check_layer
# ---------------------------------------------------------------------------------------
def test_check_layer_passes_on_correct_affine(affine_inputs):
    before = {name: value.copy() for name, value in affine_inputs.items()}
    report = check_layer(toy_affine_forward, toy_affine_backward, affine_inputs)
    assert report.names == ["x", "w", "b"]
    assert report.max_rel_error < TIGHT_TOL
    assert report.assert_ok(TIGHT_TOL) is report
    assert report["w"].shape == (4, 5)
    for name, value in affine_inputs.items():
        np.testing.assert_array_equal(value, before[name])


def test_check_layer_single_input_and_float32_input(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    report = check_layer(toy_tanh_forward, toy_tanh_backward, {"x": x})
    assert report.max_rel_error < TIGHT_TOL
    assert x.dtype == np.float32


def test_check_layer_flags_only_the_wrong_array(affine_inputs):
    report = check_layer(toy_affine_forward, toy_affine_backward_dw_sign_flipped, affine_inputs)
    assert [entry.name for entry in report.failures()] == ["w"]
    assert report["x"].max_rel_error < TIGHT_TOL and report["b"].max_rel_error < TIGHT_TOL
    entry = report["w"]
    assert entry.max_rel_error == pytest.approx(1.0)
    assert entry.analytic == pytest.approx(-entry.numeric, rel=1e-6)
    with pytest.raises(AssertionError) as excinfo:
        report.assert_ok()
    message = str(excinfo.value)
    assert "w:" in message and str(entry.worst_index) in message
    assert "x:" not in message and "b:" not in message
    assert f"{entry.analytic:.10g}" in message and f"{entry.numeric:.10g}" in message


def test_check_layer_catches_missing_factor(rng):
    report = check_layer(
        toy_tanh_forward, toy_tanh_backward_missing_factor, {"x": rng.standard_normal(6)}
    )
    assert not report.ok()
    with pytest.raises(AssertionError, match=r"x: max rel error"):
        report.assert_ok(1e-7)


def test_check_layer_default_dout_is_seeded(affine_inputs):
    first = check_layer(
        toy_affine_forward, toy_affine_backward_dw_sign_flipped, affine_inputs, seed=4
    )
    again = check_layer(
        toy_affine_forward, toy_affine_backward_dw_sign_flipped, affine_inputs, seed=4
    )
    assert first["w"] == again["w"]


def test_check_layer_explicit_dout_and_args(rng):
    x = rng.standard_normal((2, 3))
    scale_param = {"scale": 2.5}
    dout = rng.standard_normal((2, 3))
    report = check_layer(
        toy_scale_forward, toy_scale_backward, {"x": x}, args=(scale_param,), dout=dout
    )
    assert report.max_rel_error < TIGHT_TOL


def test_check_layer_does_not_mutate_param_dicts(rng):
    def counting_forward(x, param):
        param["calls"] = param.get("calls", 0) + 1  # like bn_param's running averages
        return x * 2.0, None

    param = {}
    check_layer(
        counting_forward,
        lambda dout, cache: 2.0 * dout,
        {"x": rng.standard_normal(3)},
        args=(param,),
    )
    assert param == {}


def test_report_table_and_lookup(affine_inputs):
    report = check_layer(toy_affine_forward, toy_affine_backward_dw_sign_flipped, affine_inputs)
    table = str(report)
    assert "toy_affine_forward" in table and "max rel error" in table and "worst index" in table
    lines = table.splitlines()
    assert len(lines) == 1 + 1 + 3  # title, header, one row per array
    row_w = next(line for line in lines if line.startswith("w "))
    assert "(4, 5)" in row_w and row_w.rstrip().endswith("FAIL")
    assert next(line for line in lines if line.startswith("x ")).rstrip().endswith("OK")
    assert repr(report) == table
    assert isinstance(report["b"], GradCheckEntry) and len(report) == 3
    with pytest.raises(KeyError, match="no entry 'dw'"):
        report["dw"]


def test_nan_gradient_fails_the_check():
    entry = GradCheckEntry("x", float("nan"), (0,), float("nan"), 1.0, (2,))
    report = GradCheckReport([entry])
    assert not entry.ok() and not report.ok()
    assert np.isnan(report.max_rel_error)
    with pytest.raises(AssertionError, match="x: max rel error nan"):
        report.assert_ok()


# ---------------------------------------------------------------------------------------
# check_loss
# ---------------------------------------------------------------------------------------
def test_check_loss_softmax(rng):
    x = rng.standard_normal((5, 4))
    y = rng.integers(4, size=5)
    report = check_loss(toy_softmax_loss, {"x": x}, args=(y,))
    assert report.names == ["x"]
    report.assert_ok()  # a scalar loss of size ~1 limits central differences to ~1e-8


def test_check_loss_two_inputs_flags_wrong_one(rng):
    inputs = {"x": rng.standard_normal((3, 4)), "w": rng.standard_normal((4, 2))}
    target = rng.standard_normal((3, 2))
    report = check_loss(toy_least_squares_loss, inputs, args=(target,))
    report.assert_ok(TIGHT_TOL)

    def wrong_dx_loss(x, w, target):
        loss, (dx, dw) = toy_least_squares_loss(x, w, target)
        return loss, (0.5 * dx, dw)

    wrong = check_loss(wrong_dx_loss, inputs, args=(target,))
    assert [entry.name for entry in wrong.failures()] == ["x"]


# ---------------------------------------------------------------------------------------
# check_model
# ---------------------------------------------------------------------------------------
@pytest.fixture
def tiny_batch(rng):
    return rng.standard_normal((4, 4)).astype(np.float32), rng.integers(3, size=4)


def test_check_model_passes_and_restores_params(rng, tiny_batch):
    model = TinyNet(rng)
    originals = dict(model.params)
    snapshots = {name: value.tobytes() for name, value in model.params.items()}
    report = check_model(model, *tiny_batch)
    assert report.names == ["W1", "b1", "W2", "b2"]
    report.assert_ok(1e-6)  # a float32 model: rel error ~1 unless checked in float64
    assert model.dtype == np.float32
    for name, value in model.params.items():
        assert value is originals[name] and value.dtype == np.float32
        assert value.tobytes() == snapshots[name]


def test_check_model_flags_only_the_wrong_gradient(rng, tiny_batch):
    report = check_model(TinyNet(rng, wrong_db2=True), *tiny_batch)
    assert [entry.name for entry in report.failures()] == ["b2"]


def test_check_model_restores_params_when_loss_raises(rng, tiny_batch):
    model = TinyNet(rng)
    originals = dict(model.params)
    model.loss = CallCounter(model.loss, fail_on=6)
    with pytest.raises(RuntimeError, match="boom"):
        check_model(model, *tiny_batch)
    assert model.dtype == np.float32
    for name, value in model.params.items():
        assert value is originals[name] and value.dtype == np.float32


# ---------------------------------------------------------------------------------------
# Argument validation
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda x: eval_numerical_gradient("f", x), TypeError, "f must be callable"),
        (
            lambda x: eval_numerical_gradient(np.sum, [1.0, 2.0]),
            TypeError,
            "x must be a numpy ndarray",
        ),
        (
            lambda x: eval_numerical_gradient(np.sum, x.astype(int)),
            TypeError,
            "x must hold real floats",
        ),
        (lambda x: eval_numerical_gradient(np.sum, x, h=0.0), ValueError, "h must be a positive"),
        (lambda x: eval_numerical_gradient(np.sum, x, h=-1e-5), ValueError, "h must be a positive"),
        (
            lambda x: eval_numerical_gradient(lambda z: z, x, verbose=False),
            ValueError,
            "must return a scalar",
        ),
        (
            lambda x: eval_numerical_gradient_array(np.sin, x, np.ones(2)),
            ValueError,
            "upstream gradient has shape",
        ),
        (
            lambda x: grad_check_sparse(np.sum, x, np.zeros(2)),
            ValueError,
            "analytic_grad has shape",
        ),
        (
            lambda x: grad_check_sparse(np.sum, x, x, num_checks=0),
            ValueError,
            "num_checks must be >= 1",
        ),
        (lambda x: complex_step_gradient(np.sum, x, h=0), ValueError, "h must be a positive"),
        (
            lambda x: complex_step_gradient(np.sum, x.astype(complex)),
            TypeError,
            "x must hold real floats",
        ),
    ],
)
def test_numerical_helpers_validate_arguments(rng, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(rng.standard_normal((2, 3)))


def test_read_only_x_is_rejected(rng):
    x = rng.standard_normal(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="x is read-only"):
        eval_numerical_gradient(np.sum, x, verbose=False)


def test_check_layer_wrong_number_of_gradients(affine_inputs):
    def two_grads(dout, cache):
        return toy_affine_backward(dout, cache)[:2]

    expected = r"backward returned 2 gradients but inputs has 3 entries \(x, w, b\)"
    with pytest.raises(ValueError, match=expected):
        check_layer(toy_affine_forward, two_grads, affine_inputs)


def test_check_layer_single_array_for_many_inputs(affine_inputs):
    with pytest.raises(ValueError, match="returned a single ndarray .* 3 entries"):
        check_layer(toy_affine_forward, lambda dout, cache: cache[0], affine_inputs)


def test_check_layer_wrong_gradient_shape(affine_inputs):
    def transposed_dw(dout, cache):
        dx, dw, db = toy_affine_backward(dout, cache)
        return dx, dw.T, db

    with pytest.raises(
        ValueError, match=r"gradient of 'w' has shape \(5, 4\) but 'w' has shape \(4, 5\)"
    ):
        check_layer(toy_affine_forward, transposed_dw, affine_inputs)


def test_check_layer_none_gradient(affine_inputs):
    def unimplemented(dout, cache):
        return None, None, None

    with pytest.raises(TypeError, match="returned None as the gradient of 'x'"):
        check_layer(toy_affine_forward, unimplemented, affine_inputs)


def test_check_layer_dout_shape_mismatch(affine_inputs):
    with pytest.raises(
        ValueError, match=r"dout has shape \(3, 4\) but forward's output has shape \(3, 5\)"
    ):
        check_layer(toy_affine_forward, toy_affine_backward, affine_inputs, dout=np.ones((3, 4)))


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"forward": None}, TypeError, "forward must be callable"),
        ({"backward": 3}, TypeError, "backward must be callable"),
        ({"inputs": [np.ones(2)]}, TypeError, "inputs must be a dict"),
        ({"inputs": {}}, ValueError, "inputs is empty"),
        ({"inputs": {"x": np.arange(3)}}, TypeError, r"inputs\['x'\] must hold real floats"),
        ({"args": {"stride": 1}}, TypeError, "args must be a tuple"),
        ({"h": 0}, ValueError, "h must be a positive"),
        ({"forward": lambda x: x}, TypeError, r"forward must return a pair \(out, cache\)"),
    ],
)
def test_check_layer_validates_arguments(rng, kwargs, error, pattern):
    arguments = {
        "forward": toy_tanh_forward,
        "backward": toy_tanh_backward,
        "inputs": {"x": rng.standard_normal(3)},
    }
    arguments.update(kwargs)
    with pytest.raises(error, match=pattern):
        check_layer(**arguments)


def test_check_layer_rejects_nondeterministic_forward(rng):
    noise = np.random.default_rng(0)

    def unseeded_dropout_forward(x):
        mask = noise.random(x.shape) > 0.5
        return x * mask, mask

    with pytest.raises(ValueError, match="must be deterministic"):
        check_layer(
            unseeded_dropout_forward, lambda dout, mask: dout * mask, {"x": rng.standard_normal(4)}
        )


def test_check_layer_rejects_in_place_mutation(rng):
    def mutating_forward(x):
        x -= x.mean()
        return x.copy(), None

    with pytest.raises(ValueError, match="modified 'x' in place"):
        check_layer(mutating_forward, lambda dout, cache: dout, {"x": rng.standard_normal(4)})


def test_check_loss_validates_result(rng):
    x = {"x": rng.standard_normal((2, 3))}
    with pytest.raises(TypeError, match=r"loss_fn must return a pair \(loss, grads\)"):
        check_loss(lambda x: 1.0, x)
    with pytest.raises(ValueError, match="loss_fn must return a scalar"):
        check_loss(lambda x: (x, x), x)
    with pytest.raises(
        ValueError, match=r"loss_fn returned 2 gradients but inputs has 1 entry \(x\)"
    ):
        check_loss(lambda x: (np.sum(x), (x, x)), x)


def test_check_model_validates_model(rng, tiny_batch):
    class NoParams:
        def loss(self, X, y=None):
            return 0.0, {}

    with pytest.raises(TypeError, match="model must have a params dict"):
        check_model(NoParams(), *tiny_batch)
    model = TinyNet(rng)
    with pytest.raises(ValueError, match="y is None"):
        check_model(model, tiny_batch[0], None)
    original_loss = model.loss

    def missing_grad(X, y=None):
        loss, grads = original_loss(X, y)
        del grads["b1"]
        return loss, grads

    model.loss = missing_grad
    with pytest.raises(ValueError, match=r"missing gradients for \['b1'\]"):
        check_model(model, *tiny_batch)
    assert all(value.dtype == np.float32 for value in model.params.values())


def test_scaled_error_divides_by_the_largest_entry_not_each_element():
    from cs231n.gradient_check import scaled_error

    expected = np.array([4.0, 1e-6, -2.0])
    actual = expected + np.array([0.0, 1e-15, 0.0])  # a rounding difference at a small output
    assert rel_error(actual, expected) > 1e-10  # elementwise: dominated by the small entry
    assert scaled_error(actual, expected) == pytest.approx(1e-15 / 4.0)
    with pytest.raises(ValueError, match="same shape"):
        scaled_error(np.ones(2), np.ones(3))
