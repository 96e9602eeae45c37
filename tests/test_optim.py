"""Tests of cs231n.optim: update rules against independent scalar loops, defaults and state,
validation, and learning-rate schedules."""

import math

import numpy as np
import pytest

from cs231n import optim

NUM_STEPS = 5
RTOL = 1e-12


def gradient_sequence(rng, shape, num_steps=NUM_STEPS):
    """A list of num_steps gradient arrays (what a training loop would feed the rule)."""
    return [rng.standard_normal(shape) for _ in range(num_steps)]


def run_rule(rule, w, gradients, config):
    """Apply `rule` once per gradient, threading config through like the Solver."""
    for dw in gradients:
        w, config = rule(w, dw, config)
    return w, config


# ---------------------------------------------------------------------------------------------
# Independent references: one scalar at a time, plain Python floats
# ---------------------------------------------------------------------------------------------
def scalar_reference(step, w, gradients):
    """Run `step(w_i, dw_i, state_i) -> (w_i, state_i)` elementwise over flattened arrays."""
    w_flat = [float(value) for value in w.ravel()]
    states = [{} for _ in w_flat]
    for dw in gradients:
        for i, dw_i in enumerate(dw.ravel()):
            w_flat[i], states[i] = step(w_flat[i], float(dw_i), states[i])
    return np.array(w_flat).reshape(w.shape), states


def momentum_step(lr, mu):
    def step(w, dw, state):
        v = mu * state.get("v", 0.0) - lr * dw
        return w + v, {"v": v}

    return step


def nesterov_step_original(lr, mu, grad):
    """Nesterov in its original form: gradient at the look-ahead point x + mu * v."""

    def step(x, v):
        v_new = mu * v - lr * grad(x + mu * v)
        return x + v_new, v_new

    return step


def adagrad_step(lr, eps):
    def step(w, dw, state):
        total = state.get("sum_sq", 0.0) + dw * dw
        return w - lr * dw / (math.sqrt(total) + eps), {"sum_sq": total}

    return step


def rmsprop_step(lr, decay, eps):
    def step(w, dw, state):
        avg = decay * state.get("avg", 0.0) + (1 - decay) * dw * dw
        return w - lr * dw / (math.sqrt(avg) + eps), {"avg": avg}

    return step


def adam_step(lr, beta1, beta2, eps):
    def step(w, dw, state):
        t = state.get("t", 0) + 1
        m = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
        v = beta2 * state.get("v", 0.0) + (1 - beta2) * dw * dw
        # bias correction written as a sum of the geometric series: 1 - b**t = (1-b) sum b**k
        m_hat = m / ((1 - beta1) * sum(beta1**k for k in range(t)))
        v_hat = v / ((1 - beta2) * sum(beta2**k for k in range(t)))
        return w - lr * m_hat / (math.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}

    return step


# ---------------------------------------------------------------------------------------------
# Update rules against the references
# ---------------------------------------------------------------------------------------------
def test_sgd(rng):
    w = rng.standard_normal((3, 4))
    gradients = gradient_sequence(rng, w.shape)
    next_w, config = run_rule(optim.sgd, w, gradients, {"learning_rate": 0.1})
    expected = w.copy()
    for dw in gradients:
        expected = expected - 0.1 * dw
    assert np.allclose(next_w, expected, rtol=RTOL)
    assert config == {"learning_rate": 0.1}


def test_sgd_momentum(rng):
    w = rng.standard_normal((3, 4))
    gradients = gradient_sequence(rng, w.shape)
    config = {"learning_rate": 0.05, "momentum": 0.8}
    next_w, config = run_rule(optim.sgd_momentum, w, gradients, config)
    expected_w, states = scalar_reference(momentum_step(0.05, 0.8), w, gradients)
    assert np.allclose(next_w, expected_w, rtol=RTOL)
    assert np.allclose(config["velocity"].ravel(), [s["v"] for s in states], rtol=RTOL)


def test_nesterov_equals_the_look_ahead_form_of_the_original():
    # On f(x) = 0.5 * sum(a * x**2) the gradient is a * x. Original Nesterov tracks x and
    # evaluates the gradient at x + mu * v; the lecture's form tracks w = x + mu * v.
    a = np.array([1.0, 3.0, 0.5, 2.0])
    lr, mu = 0.1, 0.9
    original_step = nesterov_step_original(lr, mu, lambda point: a * point)
    x, v = np.array([1.0, -2.0, 3.0, 0.5]), np.zeros(4)
    w, config = x.copy(), {"learning_rate": lr, "momentum": mu}
    for _ in range(NUM_STEPS):
        x, v = original_step(x, v)
        w, config = optim.nesterov(w, a * w, config)
        assert np.allclose(w, x + mu * v, rtol=RTOL)
        assert np.allclose(config["velocity"], v, rtol=RTOL)


def test_adagrad(rng):
    w = rng.standard_normal((2, 5))
    gradients = gradient_sequence(rng, w.shape)
    next_w, config = run_rule(optim.adagrad, w, gradients, {"learning_rate": 0.1})
    expected_w, states = scalar_reference(adagrad_step(0.1, 1e-8), w, gradients)
    assert np.allclose(next_w, expected_w, rtol=RTOL)
    assert np.allclose(config["cache"].ravel(), [s["sum_sq"] for s in states], rtol=RTOL)


def test_rmsprop(rng):
    w = rng.standard_normal((2, 5))
    gradients = gradient_sequence(rng, w.shape)
    config = {"learning_rate": 0.01, "decay_rate": 0.9}
    next_w, config = run_rule(optim.rmsprop, w, gradients, config)
    expected_w, states = scalar_reference(rmsprop_step(0.01, 0.9, 1e-8), w, gradients)
    assert np.allclose(next_w, expected_w, rtol=RTOL)
    assert np.allclose(config["cache"].ravel(), [s["avg"] for s in states], rtol=RTOL)


def test_adam(rng):
    w = rng.standard_normal((2, 5))
    gradients = gradient_sequence(rng, w.shape)
    next_w, config = run_rule(optim.adam, w, gradients, {"learning_rate": 0.01})
    expected_w, states = scalar_reference(adam_step(0.01, 0.9, 0.999, 1e-8), w, gradients)
    assert np.allclose(next_w, expected_w, rtol=RTOL)
    assert config["t"] == NUM_STEPS
    assert np.allclose(config["m"].ravel(), [s["m"] for s in states], rtol=RTOL)
    assert np.allclose(config["v"].ravel(), [s["v"] for s in states], rtol=RTOL)


def test_adam_first_step_has_size_learning_rate():
    # With bias correction m_hat = dw and v_hat = dw**2 at t = 1: a step of lr * sign(dw).
    w, dw = np.zeros(4), np.array([1e-3, -2.0, 50.0, -0.1])
    next_w, config = optim.adam(w, dw)
    assert np.allclose(next_w, -1e-3 * np.sign(dw), rtol=1e-4)
    assert config["t"] == 1


def test_adam_resumes_from_a_given_t(rng):
    w, dw = rng.standard_normal(3), rng.standard_normal(3)
    m, v = rng.standard_normal(3), rng.random(3)
    config = {"learning_rate": 1e-2, "m": m.copy(), "v": v.copy(), "t": 5}
    next_w, config = optim.adam(w, dw, config)
    step = adam_step(1e-2, 0.9, 0.999, 1e-8)
    for i in range(3):
        expected, _ = step(w[i], dw[i], {"t": 5, "m": m[i], "v": v[i]})
        assert next_w[i] == pytest.approx(expected, rel=RTOL)
    assert config["t"] == 6


# ---------------------------------------------------------------------------------------------
# Defaults, state, dtypes, validation
# ---------------------------------------------------------------------------------------------
EXPECTED_DEFAULTS = {
    optim.sgd: ({"learning_rate": 1e-2}, ()),
    optim.sgd_momentum: ({"learning_rate": 1e-2, "momentum": 0.9}, ("velocity",)),
    optim.nesterov: ({"learning_rate": 1e-2, "momentum": 0.9}, ("velocity",)),
    optim.adagrad: ({"learning_rate": 1e-2, "epsilon": 1e-8}, ("cache",)),
    optim.rmsprop: ({"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}, ("cache",)),
    optim.adam: ({"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                  "t": 1}, ("m", "v")),
}
RULES = list(EXPECTED_DEFAULTS)
RULE_IDS = [rule.__name__ for rule in RULES]


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_defaults_and_state_keys(rule):
    hyperparameters, state_keys = EXPECTED_DEFAULTS[rule]
    w, dw = np.ones((2, 3)), np.full((2, 3), 0.5)
    _, config = rule(w, dw)
    assert set(config) == set(hyperparameters) | set(state_keys)
    for key, value in hyperparameters.items():
        assert config[key] == value, key
    for key in state_keys:
        assert config[key].shape == w.shape, key


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_config_is_updated_in_place_and_w_is_not(rule):
    w, dw = np.ones(3), np.full(3, 0.5)
    config = {"learning_rate": 0.5}
    next_w, returned = rule(w, dw, config)
    assert returned is config and config["learning_rate"] == 0.5
    assert np.array_equal(w, np.ones(3))
    assert np.all(next_w < w)  # every rule steps against a positive gradient


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_float32_stays_float32(rule):
    w, dw = np.ones(4, dtype=np.float32), np.full(4, 0.5, dtype=np.float32)
    next_w, config = rule(w, dw)
    next_w, _ = rule(next_w, dw, config)
    assert next_w.dtype == np.float32


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_shape_mismatch_names_both_shapes(rule):
    with pytest.raises(ValueError, match=r"w has shape \(2, 3\).*dw has shape \(3, 2\)"):
        rule(np.ones((2, 3)), np.ones((3, 2)))


def test_bad_config_values_are_rejected():
    with pytest.raises(ValueError, match=r"config\['momentum'\] must be in \[0, 1\)"):
        optim.sgd_momentum(np.ones(2), np.ones(2), {"momentum": 1.5})
    with pytest.raises(ValueError, match=r"config\['learning_rate'\] must be >= 0"):
        optim.adam(np.ones(2), np.ones(2), {"learning_rate": -1e-3})
    with pytest.raises(ValueError, match=r"config\['epsilon'\] must be > 0"):
        optim.rmsprop(np.ones(2), np.ones(2), {"epsilon": 0.0})
    with pytest.raises(TypeError, match=r"config\['beta1'\] must be a number"):
        optim.adam(np.ones(2), np.ones(2), {"beta1": "0.9"})
    with pytest.raises(ValueError, match=r"config\['velocity'\] has shape \(3,\)"):
        optim.nesterov(np.ones(2), np.ones(2), {"velocity": np.zeros(3)})
    with pytest.raises(TypeError, match="config must be a dict"):
        optim.sgd(np.ones(2), np.ones(2), [("learning_rate", 1)])
    with pytest.raises(TypeError, match="dw must be a numpy array"):
        optim.sgd(np.ones(2), [1.0, 1.0])


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules
# ---------------------------------------------------------------------------------------------
def test_step_decay():
    schedule = optim.StepDecay(step_size=3, gamma=0.5)
    assert [schedule(1.0, epoch) for epoch in range(8)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert optim.StepDecay(10)(2.0, 25) == pytest.approx(0.02)  # default gamma 0.1
    assert optim.step_decay(1.0, 20) == 0.25  # lecture defaults: halve every 10 epochs


def test_exponential_decay_equals_cs231n_lr_decay_loop():
    schedule = optim.ExponentialDecay(gamma=0.95)
    lr = 1e-3
    for epoch in range(20):
        assert schedule(1e-3, epoch) == pytest.approx(lr, rel=1e-12)
        lr *= 0.95  # what CS231n's Solver does after every epoch with lr_decay=0.95
    assert optim.exponential_decay(2.0, 3, k=0.5) == pytest.approx(2.0 * math.exp(-1.5))


def test_cosine_decay():
    schedule = optim.CosineDecay(total_epochs=10, min_lr=0.1)
    values = [schedule(1.0, epoch) for epoch in range(13)]
    assert values[0] == pytest.approx(1.0)
    assert values[5] == pytest.approx(0.55)  # halfway: the mean of the two ends
    assert values[10] == pytest.approx(0.1)
    assert values[12] == pytest.approx(0.1)  # stays at min_lr afterwards
    assert all(np.diff(values) <= 0)
    assert optim.CosineDecay(4)(2.0, 1) == pytest.approx(1.0 + math.cos(math.pi / 4))


def test_constant_and_inverse_time_schedules():
    assert optim.ConstantLR()(3e-4, 100) == 3e-4
    assert optim.InverseTimeDecay(k=0.5)(1.0, 4) == pytest.approx(1 / 3)
    assert optim.inverse_time_decay(1.0, 10, k=0.1) == pytest.approx(0.5)


def test_as_lr_schedule():
    assert optim.as_lr_schedule() == optim.ConstantLR()
    assert optim.as_lr_schedule(lr_decay=0.9) == optim.ExponentialDecay(0.9)
    step = optim.StepDecay(5)
    assert optim.as_lr_schedule(step) is step
    with pytest.raises(ValueError, match="not both"):
        optim.as_lr_schedule(step, lr_decay=0.9)
    with pytest.raises(TypeError, match="must be callable"):
        optim.as_lr_schedule(0.9)


def test_schedule_validation():
    with pytest.raises(ValueError, match="step_size must be > 0"):
        optim.StepDecay(0)
    with pytest.raises(ValueError, match="gamma must be > 0"):
        optim.ExponentialDecay(-0.5)
    with pytest.raises(TypeError, match="total_epochs must be a number"):
        optim.CosineDecay("10")
    with pytest.raises(ValueError, match="epoch must be >= 0"):
        optim.StepDecay(2)(1.0, -1)
