"""Tests of cs231n.images: bundled sample photographs and the demo filters."""

import numpy as np
import pytest

from cs231n.images import (
    GRAYSCALE_WEIGHTS,
    SAMPLE_IMAGES,
    center_square,
    grayscale_and_edge_filters,
    load_sample_image,
    resize,
    sample_images,
)
from cs231n.layers import conv_forward_naive


@pytest.mark.parametrize("name", sorted(SAMPLE_IMAGES))
def test_sample_images_are_rgb_photographs_in_0_255(name):
    image = load_sample_image(name)
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.float64
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert 0 <= image.min() and image.max() <= 255 and image.max() > 128
    assert image.std() > 20  # a photograph, not a flat image
    assert not np.allclose(image[:, :, 0], image[:, :, 2])  # colour, not gray


def test_resized_sample_images():
    images, names = sample_images(size=48)
    assert images.shape == (len(SAMPLE_IMAGES), 48, 48, 3)
    assert names == list(SAMPLE_IMAGES)
    assert 0 <= images.min() and images.max() <= 255


def test_center_square_and_resize():
    image = np.arange(4 * 6 * 3, dtype=np.float64).reshape(4, 6, 3)
    square = center_square(image)
    np.testing.assert_array_equal(square, image[:, 1:5])
    flat = np.full((10, 10, 3), 77.0)
    np.testing.assert_array_equal(resize(flat, 4), np.full((4, 4, 3), 77.0))
    with pytest.raises(ValueError, match="size"):
        resize(flat, 0)
    with pytest.raises(ValueError, match="grace_hopper"):
        load_sample_image("kitten")


def test_filters_compute_grayscale_and_blue_edges():
    w, b = grayscale_and_edge_filters()
    assert w.shape == (2, 3, 3, 3) and b.shape == (2,)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(1, 3, 5, 5))
    out, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})
    gray = np.tensordot(GRAYSCALE_WEIGHTS, x[0], axes=1)  # (3,) . (3, 5, 5) -> (5, 5)
    np.testing.assert_allclose(out[0, 0], gray)
    blue = x[0, 2]
    # row above minus row below (Sobel weights 1, 2, 1) at an interior pixel
    expected = (blue[1, 1:4] @ [1, 2, 1]) - (blue[3, 1:4] @ [1, 2, 1]) + b[1]
    np.testing.assert_allclose(out[0, 1, 2, 2], expected)
