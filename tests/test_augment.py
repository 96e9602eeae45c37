"""Tests of cs231n.augment: random flips and crops of image minibatches."""

import pickle

import numpy as np
import pytest

from cs231n.augment import RandomFlipCrop, random_flip_crop

SHAPE = (16, 3, 8, 10)  # (N, C, H, W), H != W to catch swapped axes


@pytest.fixture
def images():
    return np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)


def reference_flip_crop(X, offsets_y, offsets_x, flipped, pad):
    """Loop version: pad one image, crop at its offsets, mirror it if flipped."""
    N, _, H, W = X.shape
    out = np.empty_like(X)
    for i in range(N):
        padded = np.pad(X[i], ((0, 0), (pad, pad), (pad, pad)))
        crop = padded[:, offsets_y[i] : offsets_y[i] + H, offsets_x[i] : offsets_x[i] + W]
        out[i] = crop[:, :, ::-1] if flipped[i] else crop
    return out


@pytest.mark.parametrize("pad", [0, 1, 3])
def test_matches_a_loop_over_images_with_the_same_draws(images, pad):
    out = random_flip_crop(images, np.random.RandomState(5), pad=pad)
    draws = np.random.RandomState(5)
    offsets_y = draws.randint(0, 2 * pad + 1, size=SHAPE[0])
    offsets_x = draws.randint(0, 2 * pad + 1, size=SHAPE[0])
    flipped = draws.random_sample(SHAPE[0]) < 0.5
    assert 0 < flipped.sum() < SHAPE[0]
    expected = reference_flip_crop(images, offsets_y, offsets_x, flipped, pad)
    assert out.shape == images.shape and out.dtype == images.dtype
    np.testing.assert_array_equal(out, expected)


def test_no_pad_no_flip_is_the_identity_and_input_is_untouched(images):
    before = images.copy()
    out = random_flip_crop(images, np.random.default_rng(1), pad=0, flip=False)
    np.testing.assert_array_equal(out, images)
    assert out is not images
    np.testing.assert_array_equal(images, before)


def test_flip_only_mirrors_about_half_the_images():
    X = np.random.default_rng(2).standard_normal((400, 1, 2, 5))
    out = random_flip_crop(X, np.random.default_rng(3), pad=0)
    mirrored = np.all(out == X[..., ::-1], axis=(1, 2, 3))
    unchanged = np.all(out == X, axis=(1, 2, 3))
    assert np.all(mirrored ^ unchanged)
    assert 150 < mirrored.sum() < 250


def test_crops_shift_content_and_fill_with_zeros():
    X = np.ones((50, 1, 6, 6))
    out = random_flip_crop(X, np.random.RandomState(0), pad=2, flip=False)
    zeros_per_image = (out == 0).sum(axis=(1, 2, 3))
    assert zeros_per_image.max() > 0  # some images moved, exposing the zero padding
    assert zeros_per_image.max() <= 6 * 6 - 4 * 4  # shifted by at most 2 pixels per axis


def test_transform_object_is_seeded_picklable_and_comparable(images):
    transform = RandomFlipCrop(pad=2)
    a = transform(images, np.random.RandomState(9))
    b = pickle.loads(pickle.dumps(transform))(images, np.random.RandomState(9))
    np.testing.assert_array_equal(a, b)
    assert transform == RandomFlipCrop(pad=2) != RandomFlipCrop(pad=3)


def test_bad_inputs_name_the_argument(images):
    with pytest.raises(ValueError, match="pad"):
        random_flip_crop(images, np.random.RandomState(0), pad=-1)
    with pytest.raises(ValueError, match="pad"):
        RandomFlipCrop(pad=1.5)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        random_flip_crop(images[0], np.random.RandomState(0))
    with pytest.raises(TypeError, match="rng"):
        random_flip_crop(images, 0)
