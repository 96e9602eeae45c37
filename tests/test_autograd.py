"""Tests of cs231n.autograd.Value: the lecture's worked examples and numerical gradients."""

import math

import numpy as np
import pytest

from cs231n.autograd import Value
from cs231n.gradient_check import eval_numerical_gradient, rel_error

GRAD_TOL = 1e-8  # centered differences (h=1e-5) on smooth scalar functions


def test_lecture_example_f_equals_x_plus_y_times_z():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)
    assert f.local_grads == (-4.0, 3.0)  # df/dq = z, df/dz = q


def sigmoid_neuron(w, x):
    """f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) gate by gate, as on the lecture slide."""
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    denominator = (-dot).exp() + 1
    return dot, denominator, 1 / denominator


def test_lecture_sigmoid_neuron_gate_by_gate():
    w = [Value(2.0), Value(-3.0), Value(-3.0)]
    x = [Value(-1.0), Value(-2.0)]
    dot, denominator, f = sigmoid_neuron(w, x)
    f.backward()
    assert round(f.data, 2) == 0.73
    assert round(denominator.data, 2) == 1.37
    # the 1/x gate: local gradient -1/1.37**2, times the upstream 1.00
    assert f.op == "1/x" and f.parents == (denominator,)
    assert round(f.local_grads[0], 2) == -0.53
    assert round(denominator.grad, 2) == -0.53
    assert round(dot.grad, 2) == 0.20
    assert [round(v.grad, 2) for v in w] == [-0.20, -0.39, 0.20]
    assert [round(v.grad, 2) for v in x] == [0.39, -0.59]


def test_sigmoid_gate_has_the_simple_local_gradient():
    w = [Value(2.0), Value(-3.0), Value(-3.0)]
    x = [Value(-1.0), Value(-2.0)]
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = dot.sigmoid()
    f.backward()
    assert dot.data == 1.0
    assert round(f.local_grads[0], 2) == 0.20  # (1 - 0.73) * 0.73
    _, _, gated = sigmoid_neuron(w, x)
    assert f.data == pytest.approx(gated.data, rel=1e-15)
    assert [round(v.grad, 2) for v in w] == [-0.20, -0.39, 0.20]


def test_gates_route_gradients_like_the_lecture_says():
    a, b = Value(3.0), Value(-1.0)
    for gate, expected in (
        (lambda: a + b, (2.0, 2.0)),  # add: distributes
        (lambda: a.max(b), (2.0, 0.0)),  # max: routes to the larger input
        (lambda: a * b, (-2.0, 6.0)),  # multiply: swaps the inputs
    ):
        out = gate() * 2  # upstream gradient 2
        out.backward()
        assert (a.grad, b.grad) == expected


# Functions of a vector of inputs built from Values, with their numpy twins for the checks.
FUNCTIONS = {
    "arithmetic": lambda v: (v[0] * v[1] - v[2] / v[3] + 2.5) ** 2 - 3 / v[1],
    "exp_log": lambda v: (v[0].exp() + v[1] * v[1]).log() - (-v[2]).exp() * v[3],
    "tanh_sigmoid": lambda v: (v[0] * v[1]).tanh() * v[2].sigmoid() + (-v[3]).sigmoid(),
    "relu_max": lambda v: (v[0] - v[1]).relu() * v[2] + v[3].max(v[0] * 2) - 1.5 * v[1],
    "reuse": lambda v: v[0] * v[0] * v[0] + v[0] * v[1] + (v[2] + v[2]) * v[3] - 1 - v[3],
    "pow_fraction": lambda v: (v[0] * v[0] + 1) ** 0.5 + (v[1] * v[1] + 2) ** -1.5,
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradients_match_numerical_gradients(name):
    fn = FUNCTIONS[name]
    point = np.random.default_rng(231).uniform(0.3, 1.7, size=4) * np.array([1, -1, 1, 1])

    def f(x):
        return fn([Value(float(v)) for v in x]).data

    inputs = [Value(float(v)) for v in point]
    out = fn(inputs)
    out.backward()
    analytic = np.array([v.grad for v in inputs])
    numeric = eval_numerical_gradient(f, point.copy(), verbose=False)
    assert rel_error(analytic, numeric) < GRAD_TOL


def test_two_layer_net_matches_numpy_backprop():
    """f = sum(W2 max(0, W1 x)) on scalars equals the matrix computation, gradients too."""
    rng = np.random.default_rng(0)
    W1, W2, x = rng.standard_normal((4, 3)), rng.standard_normal((2, 4)), rng.standard_normal(3)
    W1_v = [[Value(float(v)) for v in row] for row in W1]
    W2_v = [[Value(float(v)) for v in row] for row in W2]
    x_v = [Value(float(v)) for v in x]
    hidden = [sum((w * xi for w, xi in zip(row, x_v, strict=True)), Value(0.0)).relu()
              for row in W1_v]
    scores = [sum((w * h for w, h in zip(row, hidden, strict=True)), Value(0.0)) for row in W2_v]
    f = sum(scores, Value(0.0))
    f.backward()
    h = np.maximum(0, W1 @ x)
    assert f.data == pytest.approx(np.sum(W2 @ h), rel=1e-12)
    dh = W2.sum(axis=0) * (W1 @ x > 0)
    np.testing.assert_allclose([[v.grad for v in row] for row in W1_v], np.outer(dh, x))
    np.testing.assert_allclose([[v.grad for v in row] for row in W2_v], np.tile(h, (2, 1)))


def test_backward_twice_gives_the_same_grads_and_sigmoid_is_stable():
    x = Value(-800.0)
    s = x.sigmoid()
    assert s.data == 0.0 and math.isfinite(s.local_grads[0])
    y = Value(2.0)
    f = y * y + y
    f.backward()
    f.backward()
    assert y.grad == 5.0


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    out = x
    for _ in range(5000):
        out = out * 1.0001
    out.backward()
    assert x.grad == pytest.approx(1.0001**5000)


def test_repr_and_graph_dump():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    assert repr(f) == "Value(f, data=-12, grad=1)"
    lines = f.graph().splitlines()
    assert len(lines) == 5
    assert lines[-1].split() == ["f", "=", "*(q,", "z)", "data=-12", "grad=1", "local=(-4,", "3)"]
    assert "data=-2  grad=-4" in lines[0]
    assert "2.0" in (2 * x).graph()  # constants are inlined


def test_errors():
    with pytest.raises(TypeError, match="real number"):
        Value("3")
    with pytest.raises(TypeError, match="Value or a real number"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="constant real exponent"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="must be > 0"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="integer exponent"):
        Value(-1.0) ** 0.5
    with pytest.raises(ZeroDivisionError):
        1 / Value(0.0)
