"""First-order update rules and learning-rate schedules (lectures 6 and 7).

Every update rule has the CS231n (2017) interface::

    def update(w, dw, config=None):
        # w: array of current weights; dw: gradient of the loss with respect to w (same shape)
        # config: dict of hyperparameters and state (moving averages, ...); filled with the
        #         rule's defaults when None or when keys are missing
        return next_w, config

The Solver keeps one config per parameter and passes the returned config back on the next
step, so the rule's state (velocity, cache, m, v, t) lives in that dict. ``next_w`` is a new
array with w's dtype (w is not modified).

Hyperparameter defaults and state keys:

=============  =========================================================  ====================
rule           hyperparameters (default)                                   state keys
=============  =========================================================  ====================
sgd            learning_rate (1e-2)                                        -
sgd_momentum   learning_rate (1e-2), momentum (0.9)                        velocity
nesterov       learning_rate (1e-2), momentum (0.9)                        velocity
adagrad        learning_rate (1e-2), epsilon (1e-8)                        cache
rmsprop        learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8)     cache
adam           learning_rate (1e-3), beta1 (0.9), beta2 (0.999),           m, v, t
               epsilon (1e-8)
=============  =========================================================  ====================

Learning-rate schedules map (base_lr, epoch) to the learning rate of that epoch, where
``epoch`` counts the epochs completed so far (0 for the first epoch): the functions
``step_decay``, ``exponential_decay``, ``inverse_time_decay`` and ``cosine_decay`` hold the
math; the classes ``ConstantLR``, ``StepDecay``, ``ExponentialDecay``, ``InverseTimeDecay`` and
``CosineDecay`` bundle their settings for the Solver (``schedule(base_lr, epoch) -> lr``).
CS231n's ``lr_decay`` float (lr multiplied by lr_decay after every epoch) is
``ExponentialDecay(gamma=lr_decay)``; ``as_lr_schedule`` converts either form.
"""

import math
from dataclasses import dataclass

import numpy as np

# ---------------------------------------------------------------------------------------------
# Defaults of the update rules (CS231n 2017 values)
# ---------------------------------------------------------------------------------------------
SGD_DEFAULTS = {"learning_rate": 1e-2}
MOMENTUM_DEFAULTS = {"learning_rate": 1e-2, "momentum": 0.9}
ADAGRAD_DEFAULTS = {"learning_rate": 1e-2, "epsilon": 1e-8}
RMSPROP_DEFAULTS = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
ADAM_DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 0}

# What each hyperparameter must satisfy: (predicate, description for the error message).
_VALID_HYPERPARAMETERS = {
    "learning_rate": (lambda value: value >= 0, ">= 0"),
    "momentum": (lambda value: 0 <= value < 1, "in [0, 1)"),
    "decay_rate": (lambda value: 0 <= value < 1, "in [0, 1)"),
    "beta1": (lambda value: 0 <= value < 1, "in [0, 1)"),
    "beta2": (lambda value: 0 <= value < 1, "in [0, 1)"),
    "epsilon": (lambda value: value > 0, "> 0"),
    "t": (lambda value: value >= 0, ">= 0 (an int)"),
}


def _is_real(value):
    """True for int/float numbers (numpy scalars included), False for bools and others."""
    return not isinstance(value, bool) and isinstance(
        value, (int, float, np.integer, np.floating)
    )


def _prepare_config(rule, w, dw, config, defaults, state_keys=()):
    """Validate w and dw, fill ``config`` with ``defaults`` and zero state arrays; return it.

    Inputs:
    - rule: name of the update rule, for error messages
    - w, dw: weights and their gradient; must be arrays of the same shape
    - config: dict or None (a new dict is made); missing keys are added in place
    - defaults: dict of default hyperparameters (and scalar state such as adam's t)
    - state_keys: names of state arrays initialised to zeros like w

    Returns the config dict.
    """
    for name, value in (("w", w), ("dw", dw)):
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{rule}: {name} must be a numpy array, got {type(value).__name__}")
    if w.shape != dw.shape:
        raise ValueError(
            f"{rule}: w has shape {w.shape} but its gradient dw has shape {dw.shape}"
        )
    if config is None:
        config = {}
    elif not isinstance(config, dict):
        raise TypeError(f"{rule}: config must be a dict or None, got {type(config).__name__}")
    for key, value in defaults.items():
        config.setdefault(key, value)
        is_valid, expected = _VALID_HYPERPARAMETERS[key]
        if not _is_real(config[key]):
            raise TypeError(f"{rule}: config['{key}'] must be a number, got {config[key]!r}")
        if not is_valid(config[key]):
            raise ValueError(f"{rule}: config['{key}'] must be {expected}, got {config[key]!r}")
    for key in state_keys:
        config.setdefault(key, np.zeros_like(w))
        if np.shape(config[key]) != w.shape:
            raise ValueError(
                f"{rule}: config['{key}'] has shape {np.shape(config[key])} but w has shape "
                f"{w.shape}; use one config dict per parameter"
            )
    return config


# ---------------------------------------------------------------------------------------------
# Update rules
# ---------------------------------------------------------------------------------------------
def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)

    Returns (next_w, config).
    """
    config = _prepare_config("sgd", w, dw, config, SGD_DEFAULTS)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    v <- momentum * v - learning_rate * dw;  w <- w + v

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - momentum: scalar in [0, 1) giving the momentum value; 0 reduces to sgd (default 0.9)
    - velocity: state, array of the same shape as w holding a moving average of the
      gradients (initialised to zeros)

    Returns (next_w, config).
    """
    config = _prepare_config("sgd_momentum", w, dw, config, MOMENTUM_DEFAULTS, ("velocity",))
    next_w = None
    # TODO: Implement the momentum update rule. Store the new velocity in config['velocity'].
    ### BEGIN SOLUTION
    velocity = config["momentum"] * config["velocity"] - config["learning_rate"] * dw
    next_w = w + velocity
    config["velocity"] = velocity
    ### END SOLUTION
    return next_w, config


def nesterov(w, dw, config=None):
    """Nesterov momentum in the "look-ahead" form of the lecture and the CS231n notes.

    Nesterov evaluates the gradient at the look-ahead point x + momentum * v. Storing that
    look-ahead point as the parameters, w = x + momentum * v, turns the update into one that
    needs only the gradient dw at w:

        v_prev = v
        v <- momentum * v - learning_rate * dw
        w <- w - momentum * v_prev + (1 + momentum) * v

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - momentum: scalar in [0, 1) (default 0.9)
    - velocity: state, array of the same shape as w (initialised to zeros)

    Returns (next_w, config).
    """
    config = _prepare_config("nesterov", w, dw, config, MOMENTUM_DEFAULTS, ("velocity",))
    next_w = None
    # TODO: Implement the Nesterov update in the look-ahead form of the docstring. Store the
    # new velocity in config['velocity'].
    ### BEGIN SOLUTION
    momentum = config["momentum"]
    velocity_prev = config["velocity"]
    velocity = momentum * velocity_prev - config["learning_rate"] * dw
    next_w = w - momentum * velocity_prev + (1 + momentum) * velocity
    config["velocity"] = velocity
    ### END SOLUTION
    return next_w, config


def adagrad(w, dw, config=None):
    """AdaGrad: per-parameter learning rates scaled by the history of squared gradients.

    cache <- cache + dw**2;  w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - epsilon: small scalar used for smoothing to avoid dividing by zero (default 1e-8)
    - cache: state, sum of squared gradients, same shape as w (initialised to zeros)

    Returns (next_w, config).
    """
    config = _prepare_config("adagrad", w, dw, config, ADAGRAD_DEFAULTS, ("cache",))
    next_w = None
    # TODO: Implement the AdaGrad update rule. Store the new cache in config['cache'].
    ### BEGIN SOLUTION
    cache = config["cache"] + dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    ### END SOLUTION
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: AdaGrad with a leaky (moving-average) squared-gradient cache.

    cache <- decay_rate * cache + (1 - decay_rate) * dw**2
    w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - decay_rate: scalar in [0, 1) giving the decay rate of the squared gradient cache
      (default 0.99)
    - epsilon: small scalar used for smoothing to avoid dividing by zero (default 1e-8)
    - cache: state, moving average of second moments of gradients (initialised to zeros)

    Returns (next_w, config).
    """
    config = _prepare_config("rmsprop", w, dw, config, RMSPROP_DEFAULTS, ("cache",))
    next_w = None
    # TODO: Implement the RMSprop update rule. Store the new cache in config['cache'].
    ### BEGIN SOLUTION
    decay_rate = config["decay_rate"]
    cache = decay_rate * config["cache"] + (1 - decay_rate) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    ### END SOLUTION
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and its square, with bias correction.

    t <- t + 1
    m <- beta1 * m + (1 - beta1) * dw;       m_hat = m / (1 - beta1**t)
    v <- beta2 * v + (1 - beta2) * dw**2;    v_hat = v / (1 - beta2**t)
    w <- w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    config format:
    - learning_rate: scalar learning rate (default 1e-3)
    - beta1: decay rate for the moving average of the first moment (default 0.9)
    - beta2: decay rate for the moving average of the second moment (default 0.999)
    - epsilon: small scalar used for smoothing to avoid dividing by zero (default 1e-8)
    - m: state, moving average of the gradient (initialised to zeros)
    - v: state, moving average of the squared gradient (initialised to zeros)
    - t: state, iteration number (starts at 0; incremented BEFORE it is used, so the first
      step uses t = 1)

    Returns (next_w, config).
    """
    config = _prepare_config("adam", w, dw, config, ADAM_DEFAULTS, ("m", "v"))
    next_w = None
    # TODO: Implement the Adam update rule with bias correction, incrementing t first. Store
    # the new m, v and t in config.
    ### BEGIN SOLUTION
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config.update(m=m, v=v, t=t)
    ### END SOLUTION
    return next_w, config


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules: the math
# ---------------------------------------------------------------------------------------------
def step_decay(lr0, epoch, drop=0.5, every=10):
    """Step decay: lr0 * drop ** (epoch // every) (multiply by `drop` every `every` epochs)."""
    return lr0 * drop ** (epoch // every)


def exponential_decay(lr0, epoch, k=0.1):
    """Exponential decay in the lecture's form: lr0 * exp(-k * epoch)."""
    return lr0 * math.exp(-k * epoch)


def inverse_time_decay(lr0, epoch, k=0.1):
    """1/t decay: lr0 / (1 + k * epoch)."""
    return lr0 / (1 + k * epoch)


def cosine_decay(lr0, epoch, total_epochs, min_lr=0.0):
    """Cosine annealing from lr0 (epoch 0) to min_lr (epoch >= total_epochs).

    lr = min_lr + (lr0 - min_lr) * (1 + cos(pi * epoch / total_epochs)) / 2
    """
    progress = min(epoch, total_epochs) / total_epochs
    return min_lr + (lr0 - min_lr) * (1 + math.cos(math.pi * progress)) / 2


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules: objects for the Solver
# ---------------------------------------------------------------------------------------------
def _check_positive(schedule, name, value, allow_zero=False):
    """Raise unless ``value`` is a real number > 0 (>= 0 when allow_zero)."""
    if not _is_real(value):
        raise TypeError(f"{schedule}: {name} must be a number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{schedule}: {name} must be {bound}, got {value!r}")


class LRSchedule:
    """Base class of the schedules: ``schedule(base_lr, epoch) -> lr`` after validation."""

    def __call__(self, base_lr, epoch):
        name = type(self).__name__
        _check_positive(name, "base_lr", base_lr, allow_zero=True)
        _check_positive(name, "epoch", epoch, allow_zero=True)
        return self.rate(base_lr, epoch)

    def rate(self, base_lr, epoch):
        """The learning rate at ``epoch`` (completed epochs) for a start value ``base_lr``."""
        raise NotImplementedError


@dataclass(frozen=True)
class ConstantLR(LRSchedule):
    """Keep the learning rate at base_lr."""

    def rate(self, base_lr, epoch):
        return base_lr


@dataclass(frozen=True)
class StepDecay(LRSchedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    step_size: int
    gamma: float = 0.1

    def __post_init__(self):
        _check_positive("StepDecay", "step_size", self.step_size)
        _check_positive("StepDecay", "gamma", self.gamma)

    def rate(self, base_lr, epoch):
        return step_decay(base_lr, epoch, drop=self.gamma, every=self.step_size)


@dataclass(frozen=True)
class ExponentialDecay(LRSchedule):
    """Multiply the learning rate by ``gamma`` after every epoch: base_lr * gamma ** epoch.

    Equals exponential_decay with k = -ln(gamma), and CS231n's Solver with lr_decay=gamma.
    """

    gamma: float

    def __post_init__(self):
        _check_positive("ExponentialDecay", "gamma", self.gamma)

    def rate(self, base_lr, epoch):
        return base_lr * self.gamma**epoch


@dataclass(frozen=True)
class InverseTimeDecay(LRSchedule):
    """1/t decay: base_lr / (1 + k * epoch)."""

    k: float

    def __post_init__(self):
        _check_positive("InverseTimeDecay", "k", self.k, allow_zero=True)

    def rate(self, base_lr, epoch):
        return inverse_time_decay(base_lr, epoch, k=self.k)


@dataclass(frozen=True)
class CosineDecay(LRSchedule):
    """Cosine annealing from base_lr down to ``min_lr`` over ``total_epochs`` epochs."""

    total_epochs: int
    min_lr: float = 0.0

    def __post_init__(self):
        _check_positive("CosineDecay", "total_epochs", self.total_epochs)
        _check_positive("CosineDecay", "min_lr", self.min_lr, allow_zero=True)

    def rate(self, base_lr, epoch):
        return cosine_decay(base_lr, epoch, self.total_epochs, min_lr=self.min_lr)


def as_lr_schedule(schedule=None, lr_decay=None):
    """Turn a Solver's ``lr_schedule`` / CS231n ``lr_decay`` setting into a schedule object.

    Inputs:
    - schedule: None, or a callable (base_lr, epoch) -> lr such as the LRSchedule classes
    - lr_decay: None, or CS231n's float (the learning rate is multiplied by it every epoch)

    Returns an LRSchedule or the given callable: ``schedule`` if given, else
    ExponentialDecay(lr_decay) if lr_decay is given, else ConstantLR(). Giving both is a
    ValueError.
    """
    if schedule is not None and lr_decay is not None:
        raise ValueError("as_lr_schedule: give either lr_schedule or lr_decay, not both")
    if schedule is not None:
        if not callable(schedule):
            raise TypeError(
                f"as_lr_schedule: lr_schedule must be callable (base_lr, epoch) -> lr, got "
                f"{schedule!r}"
            )
        return schedule
    if lr_decay is not None:
        return ExponentialDecay(lr_decay)
    return ConstantLR()
