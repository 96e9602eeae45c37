"""Tests of cs231n.features: per-image and batched features agree with loop references."""

from functools import partial

import matplotlib.colors
import numpy as np
import pytest

from cs231n.features import (
    batched_version,
    color_histogram_hsv,
    color_histograms_hsv,
    extract_features,
    hog_feature,
    hog_features,
    rgb2gray,
)


@pytest.fixture
def images(rng):
    """Twenty random 32x32 RGB images with integer values in 0..255 (like CIFAR-10)."""
    return rng.integers(0, 256, size=(20, 32, 32, 3)).astype(np.float64)


def hog_reference(gray, orientations=9, cell=8):
    """The simplified HOG computed pixel by pixel with plain loops."""
    height, width = gray.shape
    cells_y, cells_x = height // cell, width // cell
    hist = np.zeros((cells_y, cells_x, orientations))
    for r in range(cells_y * cell):
        for c in range(cells_x * cell):
            gx = gray[r, c + 1] - gray[r, c] if c + 1 < width else 0.0
            gy = gray[r + 1, c] - gray[r, c] if r + 1 < height else 0.0
            angle = np.degrees(np.arctan2(gy, gx)) % 180.0
            b = int(angle // (180.0 / orientations)) % orientations
            hist[r // cell, c // cell, b] += np.hypot(gx, gy)
    return hist.ravel() / cell**2


def hue_histogram_reference(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """CS231n's color_histogram_hsv, written with np.histogram."""
    bins = np.linspace(xmin, xmax, nbin + 1)
    hsv = matplotlib.colors.rgb_to_hsv(im / xmax) * xmax
    imhist, bin_edges = np.histogram(hsv[:, :, 0], bins=bins, density=normalized)
    return imhist * np.diff(bin_edges) if normalized else imhist


def test_rgb2gray_weights():
    pixel = np.array([[[10.0, 20.0, 30.0]]])
    assert rgb2gray(pixel)[0, 0] == pytest.approx(0.299 * 10 + 0.587 * 20 + 0.114 * 30)
    assert rgb2gray(np.ones((2, 4, 4, 3))).shape == (2, 4, 4)
    np.testing.assert_allclose(rgb2gray(np.full((3, 3, 3), 7.0)), 7.0)
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        rgb2gray(np.ones((4, 2)))


@pytest.mark.parametrize("shape", [(32, 32, 3), (16, 24), (20, 17, 3)])
def test_hog_matches_loop_reference(rng, shape):
    im = rng.integers(0, 256, size=shape).astype(np.float64)
    gray = rgb2gray(im) if im.ndim == 3 else im
    feat = hog_feature(im)
    assert feat.shape == ((shape[0] // 8) * (shape[1] // 8) * 9,)
    np.testing.assert_allclose(feat, hog_reference(gray), rtol=1e-12, atol=1e-12)


def test_hog_of_simple_gradients():
    ramp = np.tile(np.arange(16.0), (16, 1))  # brightness grows to the right: gx = 1, gy = 0
    hist = hog_feature(ramp).reshape(2, 2, 9)
    assert np.all(hist[..., 1:] == 0)  # every gradient points at 0 degrees
    np.testing.assert_allclose(hist[:, 0, 0], 1.0)  # full cells: 64 pixels of magnitude 1
    np.testing.assert_allclose(hist[:, 1, 0], 56 / 64)  # the last column has gx = 0
    hist_t = hog_feature(ramp.T).reshape(2, 2, 9)  # gradient at 90 degrees: bin 4
    assert np.all(np.delete(hist_t, 4, axis=2) == 0)
    # unsigned orientation: the reversed ramp (180 degrees) falls into bin 0 too
    assert np.all(hog_feature(ramp[:, ::-1]).reshape(2, 2, 9)[..., 1:] == 0)
    assert np.all(hog_feature(np.full((16, 16, 3), 9.0)) == 0)


def test_hog_batched_equals_per_image(images):
    batched = hog_features(images)
    per_image = np.stack([hog_feature(im) for im in images])
    assert batched.shape == (20, 144)
    np.testing.assert_array_equal(batched, per_image)
    assert hog_feature.batched is hog_features


@pytest.mark.parametrize("nbin, normalized", [(10, True), (7, False), (25, True)])
def test_color_histogram_matches_np_histogram(images, nbin, normalized):
    for im in images[:5]:
        expected = hue_histogram_reference(im, nbin=nbin, normalized=normalized)
        np.testing.assert_allclose(
            color_histogram_hsv(im, nbin=nbin, normalized=normalized),
            expected,
            rtol=1e-12,
            atol=1e-15,
        )


def test_color_histogram_batched_equals_per_image_and_sums_to_one(images):
    batched = color_histograms_hsv(images, nbin=12)
    per_image = np.stack([color_histogram_hsv(im, nbin=12) for im in images])
    assert batched.shape == (20, 12)
    np.testing.assert_array_equal(batched, per_image)
    np.testing.assert_allclose(batched.sum(axis=1), 1.0)


def test_color_histogram_of_pure_colors():
    red = np.zeros((4, 4, 3))
    red[..., 0] = 255
    hist = color_histogram_hsv(red, nbin=6)  # hue 0 -> first bin
    np.testing.assert_array_equal(hist, [1, 0, 0, 0, 0, 0])
    blue = np.zeros((4, 4, 3))
    blue[..., 2] = 255  # hue 2/3 * 255 = 170 -> bin 4 of 6 (edges every 42.5)
    np.testing.assert_array_equal(
        color_histogram_hsv(blue, nbin=6, normalized=False), [0, 0, 0, 0, 16, 0]
    )
    # xmin cuts hues below it out of the histogram, like np.histogram
    both = np.concatenate([red, blue], axis=0)
    np.testing.assert_allclose(
        color_histogram_hsv(both, nbin=2, xmin=100), hue_histogram_reference(both, nbin=2, xmin=100)
    )


def test_color_histogram_rejects_bad_input(images):
    with pytest.raises(ValueError, match="mean-subtracted"):
        color_histogram_hsv(images[0] - 128.0)
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        color_histograms_hsv(images[..., 0])
    with pytest.raises(ValueError, match="nbin"):
        color_histogram_hsv(images[0], nbin=0)
    with pytest.raises(ValueError, match="one image"):
        color_histogram_hsv(images)
    with pytest.raises(ValueError, match="one image"):
        hog_feature(images)
    with pytest.raises(ValueError, match="no whole"):
        hog_feature(np.ones((5, 5)))


def test_batched_version_detection():
    assert batched_version(hog_feature) is hog_features
    wrapped = batched_version(partial(color_histogram_hsv, nbin=3))
    assert wrapped.func is color_histograms_hsv and wrapped.keywords == {"nbin": 3}
    assert batched_version(lambda im: hog_feature(im)) is None
    assert batched_version(partial(color_histogram_hsv, np.zeros((2, 2, 3)))) is None


def test_extract_features_batched_path_equals_per_image_loop(images):
    fast = extract_features(
        images, [hog_feature, partial(color_histogram_hsv, nbin=10)], chunk_size=7
    )
    slow = extract_features(
        images, [lambda im: hog_feature(im), lambda im: color_histogram_hsv(im, nbin=10)]
    )
    assert fast.shape == (20, 144 + 10)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fast[:, :144], hog_features(images))


def test_extract_features_with_any_function_and_progress_bar(images, capsys):
    feats = extract_features(images, [lambda im: im.mean(axis=(0, 1))], verbose=True, chunk_size=6)
    np.testing.assert_allclose(feats, images.mean(axis=(1, 2)))
    assert "extract_features" in capsys.readouterr().err


def test_extract_features_errors(images):
    with pytest.raises(ValueError, match="non-empty stack"):
        extract_features(images[:0], [hog_feature])
    with pytest.raises(ValueError, match="non-empty stack"):
        extract_features(images[0, :, :, 0].ravel(), [hog_feature])
    with pytest.raises(TypeError, match="callables"):
        extract_features(images, [])
    with pytest.raises(ValueError, match="1-D array per image"):
        extract_features(images, [lambda im: im[:2, :2, 0]])
    with pytest.raises(ValueError, match="chunk_size"):
        extract_features(images, [hog_feature], chunk_size=0)
