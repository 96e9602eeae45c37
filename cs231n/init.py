"""Weight initialisation schemes for the classifiers (lecture 6).

Every scheme draws from a standard normal distribution (``randn``) and only differs in the
scale:

- ``small_random``: ``randn * scale`` (the CS231n default, ``scale = weight_scale``);
- ``xavier``: ``randn * sqrt(1 / fan_in)`` (Glorot & Bengio 2010, in the lecture's form);
- ``he``: ``randn * sqrt(2 / fan_in)`` (He et al. 2015, for ReLU networks).

``fan_in`` is the number of inputs feeding one output unit: ``D`` for an affine weight of
shape (D, M) and ``C * HH * WW`` for a conv filter bank of shape (F, C, HH, WW).

Every function takes an optional ``rng``: a ``numpy.random.Generator`` or
``numpy.random.RandomState``. Without one they draw from numpy's global random state, like the
original ``np.random.randn`` calls, so ``np.random.seed(231)`` in a notebook still makes the
weights reproducible.

``INIT_SCHEMES`` maps each scheme name to its function; ``init_weights`` dispatches on it.
"""

import numpy as np

DEFAULT_WEIGHT_SCALE = 1e-2  # std of the "small" scheme when no scale is given
XAVIER_GAIN = 1.0  # variance numerator of Xavier init: Var(W) = 1 / fan_in
HE_GAIN = 2.0  # variance numerator of He init: Var(W) = 2 / fan_in (ReLU halves the variance)
AFFINE_NDIM = 2  # affine weights are (D, M)
CONV_NDIM = 4  # conv weights are (F, C, HH, WW)


def _check_shape(shape, caller):
    """Return ``shape`` as a tuple of positive ints or raise a ValueError/TypeError naming it."""
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{caller}: shape must be a tuple of ints, got {shape!r}") from None
    if any(s <= 0 for s in shape):
        raise ValueError(f"{caller}: every entry of shape must be positive, got {shape}")
    return shape


def _standard_normal(shape, rng):
    """Draw a standard normal array of ``shape`` from ``rng`` (or numpy's global state)."""
    source = np.random if rng is None else rng
    if not hasattr(source, "standard_normal"):
        raise TypeError(
            "rng must be a numpy.random.Generator, a numpy.random.RandomState or None, "
            f"got {type(rng).__name__}"
        )
    return source.standard_normal(shape)


def fan_in(shape):
    """Number of inputs feeding one output unit of a weight array.

    Inputs:
    - shape: weight shape, either (D, M) for an affine layer or (F, C, HH, WW) for a conv layer.

    Returns:
    - fan_in: int, D for (D, M) and C * HH * WW for (F, C, HH, WW).
    """
    shape = _check_shape(shape, "fan_in")
    if len(shape) == AFFINE_NDIM:
        return shape[0]
    if len(shape) == CONV_NDIM:
        return shape[1] * shape[2] * shape[3]
    raise ValueError(
        f"fan_in: shape must be an affine weight (D, M) or a conv weight (F, C, HH, WW), "
        f"got {shape} with {len(shape)} dimensions"
    )


def small_random(shape, scale=DEFAULT_WEIGHT_SCALE, rng=None):
    """Small Gaussian weights: ``randn(*shape) * scale``.

    Inputs:
    - shape: tuple, any weight shape.
    - scale: float > 0, the standard deviation.
    - rng: numpy Generator / RandomState, or None for numpy's global random state.

    Returns:
    - w: float64 array of the given shape.
    """
    shape = _check_shape(shape, "small_random")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"small_random: scale must be a positive number, got {scale!r}")
    return _standard_normal(shape, rng) * scale


def _fan_in_scaled(shape, gain, rng):
    """``randn(*shape) * sqrt(gain / fan_in(shape))``: shared body of Xavier and He."""
    return _standard_normal(shape, rng) * np.sqrt(gain / fan_in(shape))


def xavier(shape, rng=None):
    """Xavier initialisation: ``randn(*shape) * sqrt(1 / fan_in)``.

    Inputs:
    - shape: (D, M) for an affine weight or (F, C, HH, WW) for a conv weight.
    - rng: numpy Generator / RandomState, or None for numpy's global random state.

    Returns:
    - w: float64 array of the given shape, std sqrt(1 / fan_in).
    """
    return _fan_in_scaled(_check_shape(shape, "xavier"), XAVIER_GAIN, rng)


def he(shape, rng=None):
    """He (Kaiming) initialisation for ReLU nets: ``randn(*shape) * sqrt(2 / fan_in)``.

    Inputs:
    - shape: (D, M) for an affine weight or (F, C, HH, WW) for a conv weight.
    - rng: numpy Generator / RandomState, or None for numpy's global random state.

    Returns:
    - w: float64 array of the given shape, std sqrt(2 / fan_in).
    """
    return _fan_in_scaled(_check_shape(shape, "he"), HE_GAIN, rng)


INIT_SCHEMES = {
    "small": small_random,
    "xavier": xavier,
    "he": he,
}


def init_weights(shape, scheme="small", rng=None, weight_scale=DEFAULT_WEIGHT_SCALE):
    """Initialise one weight array with a named scheme.

    Inputs:
    - shape: (D, M) for an affine weight or (F, C, HH, WW) for a conv weight.
    - scheme: a key of INIT_SCHEMES: "small", "xavier" or "he".
    - rng: numpy Generator / RandomState, or None for numpy's global random state.
    - weight_scale: std of the "small" scheme; Xavier and He derive their scale from fan_in and
      do not use it.

    Returns:
    - w: float64 array of the given shape.
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(
            f"init_weights: unknown scheme {scheme!r}; expected one of {sorted(INIT_SCHEMES)}"
        )
    if scheme == "small":
        return small_random(shape, scale=weight_scale, rng=rng)
    return INIT_SCHEMES[scheme](shape, rng=rng)
