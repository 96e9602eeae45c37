"""Data augmentation for minibatches of images: random horizontal flips and random crops.

Lecture 7 ("data augmentation" as a regularizer): every training image is shown in a slightly
different version at every step - mirrored left/right with probability 1/2 and shifted by up to
``pad`` pixels (zero-pad by ``pad`` on every side, then crop the original size at a random
offset). With mean-subtracted data the zero padding is the mean image colour.

Use it with the Solver, which applies ``batch_transform(X_batch, rng)`` to every training
minibatch and draws the randomness from its own RandomState (so seeded runs are reproducible
and a resumed run augments exactly like an uninterrupted one)::

    solver = Solver(model, data, batch_transform=RandomFlipCrop(pad=4), seed=0, ...)
"""

import numbers
from dataclasses import dataclass

import numpy as np

DEFAULT_CROP_PAD = 4  # shift images by up to 4 pixels (the usual CIFAR-10 setting)
FLIP_PROBABILITY = 0.5  # probability of mirroring an image left/right
IMAGE_NDIM = 4  # images come as (N, C, H, W)


def _check_images(caller, X):
    if not isinstance(X, np.ndarray) or X.ndim != IMAGE_NDIM:
        raise ValueError(
            f"{caller}: X must be a numpy array of images of shape (N, C, H, W), got "
            f"{getattr(X, 'shape', type(X).__name__)}"
        )


def _check_pad(caller, pad):
    if isinstance(pad, bool) or not isinstance(pad, numbers.Integral) or pad < 0:
        raise ValueError(f"{caller}: pad must be an int >= 0 (pixels), got {pad!r}")
    return int(pad)


def _random_integers(rng, high, size):
    """Integers in [0, high) from a np.random.RandomState or a np.random.Generator."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(0, high, size=size)
    if isinstance(rng, np.random.RandomState):
        return rng.randint(0, high, size=size)
    raise TypeError(
        f"random_flip_crop: rng must be a np.random.RandomState or np.random.Generator, "
        f"got {type(rng).__name__}"
    )


def _random_uniform(rng, size):
    """Uniform floats in [0, 1) from a np.random.RandomState or a np.random.Generator."""
    return rng.random(size) if isinstance(rng, np.random.Generator) else rng.random_sample(size)


def random_flip_crop(X, rng, pad=DEFAULT_CROP_PAD, flip=True):
    """Randomly mirror and shift every image of a minibatch (a new array; X is unchanged).

    Inputs:
    - X: images of shape (N, C, H, W)
    - rng: np.random.RandomState or np.random.Generator, the source of all randomness
    - pad: int >= 0; each image is zero-padded by ``pad`` pixels on every side and an H x W
      window is cropped at a uniformly random offset in [0, 2*pad] along each axis, i.e. the
      image moves by up to ``pad`` pixels in each direction (0 = no crop)
    - flip: mirror each image left/right with probability 1/2

    Returns:
    - X_aug: array of shape (N, C, H, W), same dtype as X.

    Draws, in this order: N vertical offsets, N horizontal offsets, N flip coins.
    """
    caller = "random_flip_crop"
    _check_images(caller, X)
    pad = _check_pad(caller, pad)
    N, C, H, W = X.shape
    offsets_y = _random_integers(rng, 2 * pad + 1, N)  # (N,)
    offsets_x = _random_integers(rng, 2 * pad + 1, N)  # (N,)
    flipped = (
        _random_uniform(rng, N) < FLIP_PROBABILITY if flip else np.zeros(N, dtype=bool)
    )  # (N,)

    padded = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H + 2p, W + 2p)
    rows = offsets_y[:, None] + np.arange(H)  # (N, H) rows of the padded image to keep
    steps = np.where(flipped[:, None], np.arange(W - 1, -1, -1), np.arange(W))  # (N, W)
    cols = offsets_x[:, None] + steps  # (N, W) columns to keep, reversed for mirrored images
    return padded[
        np.arange(N)[:, None, None, None],
        np.arange(C)[None, :, None, None],
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]  # (N, C, H, W)


@dataclass(frozen=True)
class RandomFlipCrop:
    """``random_flip_crop`` as a picklable Solver ``batch_transform``: ``t(X, rng) -> X_aug``.

    Attributes: pad (int, pixels of shift, default 4), flip (bool, mirror left/right).
    """

    pad: int = DEFAULT_CROP_PAD
    flip: bool = True

    def __post_init__(self):
        _check_pad("RandomFlipCrop", self.pad)

    def __call__(self, X, rng):
        return random_flip_crop(X, rng, pad=self.pad, flip=self.flip)
