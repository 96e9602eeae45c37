"""Tests of cs231n.toy: seeded 2-D data sets, image transforms and the same-L2 construction."""

import numpy as np
import pytest

from cs231n import toy

H, W, C = 12, 10, 3


@pytest.fixture
def image(rng):
    """A textured (H, W, C) image with values in 0..255."""
    return rng.uniform(0, 255, size=(H, W, C))


# ---------------------------------------------------------------------------------------------
# 2-D data
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [toy.make_blobs, toy.make_spirals])
def test_toy_data_shapes_labels_and_seeding(make):
    X, y = make(num_per_class=20, num_classes=4, seed=3)
    assert X.shape == (80, 2) and X.dtype == np.float64
    assert y.shape == (80,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [20] * 4)
    X_again, y_again = make(num_per_class=20, num_classes=4, seed=3)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    X_other, _ = make(num_per_class=20, num_classes=4, seed=4)
    assert not np.allclose(X, X_other)


def test_blobs_are_centred_on_the_circle():
    X, y = toy.make_blobs(num_per_class=2000, num_classes=4, radius=3.0, spread=0.5, seed=0)
    centres = np.array([X[y == c].mean(axis=0) for c in range(4)])
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 3.0, atol=0.05)


def test_spirals_lie_in_the_unit_disc():
    X, _ = toy.make_spirals(num_per_class=50, num_classes=3, seed=0)
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"num_per_class": 0}, "num_per_class"), ({"num_classes": 1.5}, "num_classes"),
     ({"spread": -1.0}, "spread")],
)
def test_blobs_reject_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        toy.make_blobs(**kwargs)


def test_spirals_reject_negative_noise():
    with pytest.raises(ValueError, match="noise"):
        toy.make_spirals(noise=-0.1)


# ---------------------------------------------------------------------------------------------
# Geometric transforms
# ---------------------------------------------------------------------------------------------
def test_identity_transforms_return_the_image(image):
    for out in (toy.rotate_image(image, 0), toy.scale_image(image, 1.0),
                toy.shift_image(image, 0, 0), toy.shear_image(image, 0.0),
                toy.deform_image(image, 0.0, 8.0)):
        np.testing.assert_allclose(out, image, atol=1e-10)


def test_rotation_by_90_degrees_is_rot90(rng):
    square = rng.uniform(0, 255, size=(9, 9, 3))
    np.testing.assert_allclose(toy.rotate_image(square, 90), np.rot90(square), atol=1e-9)
    np.testing.assert_allclose(toy.rotate_image(square, -90), np.rot90(square, -1), atol=1e-9)


def test_integer_shift_moves_pixels_and_repeats_the_border(image):
    out = toy.shift_image(image, 1, 2)
    np.testing.assert_allclose(out[1:, 2:], image[:-1, :-2])
    np.testing.assert_allclose(out[0, 2:], image[0, :-2])  # top border repeated
    np.testing.assert_allclose(out[1:, 0], image[:-1, 0])  # left border repeated


def test_constant_fill_paints_the_outside(image):
    out = toy.shift_image(image, 0, 3, fill="constant", fill_value=(1.0, 2.0, 3.0))
    np.testing.assert_allclose(out[:, :3], np.broadcast_to([1.0, 2.0, 3.0], (H, 3, C)))


def test_half_pixel_shift_interpolates(image):
    out = toy.shift_image(image, 0, 0.5)
    np.testing.assert_allclose(out[:, 1:], (image[:, 1:] + image[:, :-1]) / 2)


def test_transforms_keep_shape_and_range(image, rng):
    clutter = rng.uniform(0, 255, size=(4, H, W, C))
    examples = toy.challenge_examples(image, clutter, seed=0)
    assert list(examples)[0] == "original"
    assert len(examples) == 9
    for name, out in examples.items():
        assert out.shape == image.shape, name
        assert out.min() >= 0 and out.max() <= 255, name
    for name in list(examples)[1:]:
        assert not np.allclose(examples[name], image), f"{name} left the image unchanged"


def test_sample_image_rejects_bad_input(image):
    with pytest.raises(ValueError, match="fill"):
        toy.sample_image(image, np.zeros((2, 2)), np.zeros((2, 2)), fill="wrap")
    with pytest.raises(ValueError, match="same shape"):
        toy.sample_image(image, np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        toy.rotate_image(np.zeros((2, H, W, C)), 10)


def test_affine_rejects_singular_matrix(image):
    with pytest.raises(ValueError, match="invertible"):
        toy.affine_image(image, np.zeros((2, 2)))


# ---------------------------------------------------------------------------------------------
# Photometric transforms, occlusion, clutter
# ---------------------------------------------------------------------------------------------
def test_illumination_gain_color_and_clipping(image):
    np.testing.assert_allclose(toy.adjust_illumination(image, gain=0.5), image / 2)
    tinted = toy.adjust_illumination(image, color=(1.0, 0.0, 1.0))
    np.testing.assert_allclose(tinted[..., 1], 0.0)
    assert toy.adjust_illumination(image, gain=10.0).max() == 255.0
    with pytest.raises(ValueError, match="color"):
        toy.adjust_illumination(image, color=(1.0, 1.0))
    with pytest.raises(ValueError, match="shading"):
        toy.adjust_illumination(image, shading=2.0)


def test_occlusion_covers_only_the_rectangle(image):
    out = toy.occlude_image(image, 2, 3, 4, 5, value=7.0)
    np.testing.assert_allclose(out[2:6, 3:8], 7.0)
    mask = np.ones((H, W), dtype=bool)
    mask[2:6, 3:8] = False
    np.testing.assert_allclose(out[mask], image[mask])
    half = toy.occlude_image(image, 2, 3, 4, 5, value=7.0, alpha=0.5)
    np.testing.assert_allclose(half[2:6, 3:8], (image[2:6, 3:8] + 7.0) / 2)


def test_clutter_is_made_of_crops_and_background_surrounds_the_object(rng, image):
    images = rng.uniform(0, 255, size=(3, 16, 16, C))
    background = toy.make_clutter(images, (H, W), tile=4, seed=1)
    assert background.shape == (H, W, C)
    np.testing.assert_array_equal(background, toy.make_clutter(images, (H, W), tile=4, seed=1))
    pasted = toy.place_on_background(image, background, scale=0.5)
    np.testing.assert_allclose(pasted[0], background[0])  # the border is background
    with pytest.raises(ValueError, match="tile"):
        toy.make_clutter(images, (H, W), tile=32)
    with pytest.raises(ValueError, match="must match"):
        toy.place_on_background(image, background[:-1])


# ---------------------------------------------------------------------------------------------
# Distances and the same-L2 counter-example
# ---------------------------------------------------------------------------------------------
def test_distances():
    a, b = np.zeros((2, 2, 1)), np.full((2, 2, 1), 3.0)
    assert toy.l2_distance(a, b) == pytest.approx(6.0)
    assert toy.l1_distance(a, b) == pytest.approx(12.0)
    with pytest.raises(ValueError, match="shapes differ"):
        toy.l2_distance(a, b[:1])


def test_same_l2_examples_share_the_distance_of_the_shift(image):
    examples = toy.same_l2_examples(image, seed=0)
    assert list(examples) == ["original", "shifted", "boxed", "tinted", "noisy"]
    target = toy.l2_distance(examples["shifted"], image)
    assert target > 0
    for name in ("boxed", "tinted", "noisy"):
        assert toy.l2_distance(examples[name], image) == pytest.approx(target, rel=1e-9), name
        assert examples[name].min() >= 0 and examples[name].max() <= 255, name
    np.testing.assert_array_equal(examples["original"], image)
    # the alterations differ from each other as much as from the original
    assert toy.l2_distance(examples["boxed"], examples["tinted"]) > 0.5 * target


def test_same_l2_examples_reject_a_flat_image():
    with pytest.raises(ValueError, match="does not change"):
        toy.same_l2_examples(np.full((8, 8, 3), 100.0))


def test_match_l2_distance_reports_an_unreachable_target(image):
    with pytest.raises(ValueError, match="t_max"):
        toy.match_l2_distance(image, lambda t: image + t, target=1e9, t_max=1.0)
    altered, t = toy.match_l2_distance(image, lambda t: image + t, target=10.0, t_max=100.0)
    assert toy.l2_distance(altered, image) == pytest.approx(10.0)
    assert t == pytest.approx(10.0 / np.sqrt(image.size))


# ---------------------------------------------------------------------------------------------
# Loss along directions
# ---------------------------------------------------------------------------------------------
def test_loss_along_directions_matches_the_loss_functions(rng):
    from cs231n.classifiers.linear_svm import svm_loss_vectorized
    from cs231n.classifiers.softmax import softmax_loss_vectorized
    from cs231n.layers import softmax_loss

    X = rng.standard_normal((7, 5))
    y = rng.integers(0, 3, size=7)
    W = rng.standard_normal((5, 3))
    directions = [rng.standard_normal((5, 3)), rng.standard_normal((5, 3))]
    coords = rng.uniform(-1, 1, size=(6, 2))
    for loss_fn, reference in ((toy.svm_loss, svm_loss_vectorized),
                               (softmax_loss, softmax_loss_vectorized)):
        losses = toy.loss_along_directions(W, X, y, directions, coords, loss_fn=loss_fn, reg=0.3)
        assert losses.shape == (6,)
        for p, (a, b) in enumerate(coords):
            W_p = W + a * directions[0] + b * directions[1]
            assert losses[p] == pytest.approx(reference(W_p, X, y, 0.3)[0], rel=1e-10)


def test_svm_loss_along_a_line_is_piecewise_linear(rng):
    X = rng.standard_normal((1, 4))
    y = np.array([0])
    W = rng.standard_normal((4, 3))
    alphas = np.linspace(-5, 5, 2001)
    losses = toy.loss_along_directions(W, X, y, [rng.standard_normal((4, 3))], alphas[:, None])
    slopes = np.diff(losses) / np.diff(alphas)
    # one example, 2 hinges: at most 2 kinks, so the slope takes at most 3 values (+ the
    # segments that contain a kink)
    distinct = np.unique(np.round(slopes, 6))
    assert len(distinct) <= 3 + 2
    assert np.all(losses >= 0)


def test_loss_along_directions_rejects_bad_shapes(rng):
    W, X, y = np.zeros((4, 3)), np.zeros((2, 4)), np.zeros(2, dtype=int)
    with pytest.raises(ValueError, match="directions\\[0\\]"):
        toy.loss_along_directions(W, X, y, [np.zeros((3, 3))], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="coords"):
        toy.loss_along_directions(W, X, y, [np.zeros((4, 3))], np.zeros((5, 2)))
    with pytest.raises(ValueError, match="matching D"):
        toy.loss_along_directions(W, X[:, :3], y, [], np.zeros((1, 0)))
