"""Tests of cs231n.vis: every helper draws the expected panels and rejects bad input clearly."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cs231n import toy, vis


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _image_axes(fig):
    """Axes of a figure that show an image."""
    return [ax for ax in fig.axes if ax.images]


def test_show_images_grid_and_titles(rng):
    images = rng.uniform(0, 255, size=(5, 8, 8, 3))
    fig = vis.show_images(images, titles=list("abcde"), ncols=3)
    assert len(fig.axes) == 6  # 2 rows x 3 columns, the last one empty
    shown = _image_axes(fig)
    assert [ax.get_title() for ax in shown] == list("abcde")
    np.testing.assert_allclose(shown[0].images[0].get_array(), images[0] / 255)
    with pytest.raises(ValueError, match="titles"):
        vis.show_images(images, titles=["a"])
    with pytest.raises(ValueError, match="ncols"):
        vis.show_images(images, ncols=0)


def test_show_images_normalize_stretches_each_image(rng):
    images = rng.uniform(-3, 2, size=(2, 4, 4, 3))
    fig = vis.show_images(images, normalize=True)
    data = np.asarray(_image_axes(fig)[0].images[0].get_array())
    assert data.min() == pytest.approx(0.0) and data.max() == pytest.approx(1.0)


def test_show_class_grid_layout_and_seeding(rng):
    X = rng.uniform(0, 255, size=(40, 6, 6, 3))
    y = np.repeat(np.arange(4), 10)
    names = ["a", "b", "c", "d"]
    fig = vis.show_class_grid(X, y, names, samples_per_class=3, seed=0)
    assert len(_image_axes(fig)) == 12
    assert [ax.get_title() for ax in fig.axes[:4]] == names  # class names over the first row
    again = vis.show_class_grid(X, y, names, samples_per_class=3, seed=0)
    for ax1, ax2 in zip(fig.axes, again.axes, strict=True):
        np.testing.assert_array_equal(ax1.images[0].get_array(), ax2.images[0].get_array())
    with pytest.raises(ValueError, match="fewer than samples_per_class"):
        vis.show_class_grid(X, y, names, samples_per_class=11)


def test_show_pixel_values_prints_the_patch(rng):
    image = np.round(rng.uniform(0, 255, size=(10, 10, 3)))
    fig = vis.show_pixel_values(image, top=2, left=3, size=4, channel=1)
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert len(texts) == 16
    assert texts[0] == f"{image[2, 3, 1]:.0f}"
    assert "green" in fig.axes[1].get_title()
    with pytest.raises(ValueError, match="does not fit"):
        vis.show_pixel_values(image, top=8, left=0, size=4)


def test_plot_weight_templates_drops_the_bias_row(rng):
    W = rng.standard_normal((4 * 4 * 3 + 1, 2))
    fig = vis.plot_weight_templates(W, ["x", "y"], image_shape=(4, 4, 3))
    shown = _image_axes(fig)
    assert [ax.get_title() for ax in shown] == ["x", "y"]
    assert shown[0].images[0].get_array().shape == (4, 4, 3)
    with pytest.raises(ValueError, match="bias row"):
        vis.plot_weight_templates(W[:-1], ["x", "y"], image_shape=(4, 4, 3))


def test_decision_regions_colour_the_predicted_class():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1])
    fig = vis.plot_decision_regions(lambda p: (p[:, 0] > 0).astype(int), X, y, resolution=10)
    labels = np.asarray(fig.axes[0].images[0].get_array())
    assert labels.shape == (10, 10)
    np.testing.assert_array_equal(labels[:, 0], 0)
    np.testing.assert_array_equal(labels[:, -1], 1)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        vis.plot_decision_regions(lambda p: p[:, 0], np.zeros((3, 3)), np.zeros(3, int))


def test_knn_regions_one_panel_per_metric_and_k():
    X, y = toy.make_blobs(num_per_class=10, num_classes=3, seed=0)
    fig = vis.plot_knn_regions(X, y, ks=(1, 5), metrics=("l1", "l2"), resolution=20)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["L1, k = 1", "L1, k = 5", "L2, k = 1", "L2, k = 5"]
    # k = 1 reproduces every training label
    regions = np.asarray(fig.axes[0].images[0].get_array())
    assert set(np.unique(regions)) <= {0, 1, 2}


def test_kfold_splits_draws_one_validation_block_per_round():
    fig = vis.plot_kfold_splits(100, 5, num_test=20)
    patches = fig.axes[0].patches
    assert len(patches) == 5 * (5 + 1)  # 5 folds + the test block in every round
    validation = [p for p in patches if p.get_facecolor()[:3] == pytest.approx(
        plt.matplotlib.colors.to_rgb(vis.FOLD_COLORS["validation"]))]
    assert len(validation) == 5


def test_plot_cross_validation_and_histories():
    scores = {1: [0.2, 0.3], 5: [0.3, 0.3], 3: [0.25, 0.35]}
    fig = vis.plot_cross_validation(scores)
    assert fig.axes[0].get_xlabel() == "k"
    with pytest.raises(ValueError, match="empty"):
        vis.plot_cross_validation({})
    fig = vis.plot_loss_histories({"a": np.arange(20.0), "b": np.ones(20)}, smooth=5)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="smooth"):
        vis.plot_loss_histories({"a": [1.0]}, smooth=0)


def test_weight_histograms_report_the_share_of_zeros():
    weights = {"sparse": np.array([0.0, 0.0, 0.0, 1.0]), "dense": np.array([1.0, -1.0])}
    fig = vis.plot_weight_histograms(weights, near_zero=1e-3)
    assert fig.axes[0].get_title().startswith("sparse: 75%")
    assert fig.axes[1].get_title().startswith("dense: 0%")


def test_plot_timings_checks_lengths():
    fig = vis.plot_timings([1, 2, 3], {"train": [0.1, 0.1, 0.1], "predict": [1, 2, 3]})
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="3 sizes"):
        vis.plot_timings([1, 2, 3], {"train": [0.1]})


def test_plot_weight_templates_channels_first(rng):
    chw = rng.standard_normal((2, 3, 4, 5))  # two "classes" as (C, H, W) images
    W = chw.reshape(2, -1).T  # (3 * 4 * 5, 2), flattened in (C, H, W) order, no bias
    fig = vis.plot_weight_templates(W, ["x", "y"], image_shape=(4, 5, 3), has_bias=False,
                                    channels_first=True)
    shown = np.asarray(_image_axes(fig)[0].images[0].get_array())
    hwc = chw.transpose(0, 2, 3, 1)  # (2, 3, 4, 5) -> (2, 4, 5, 3)
    expected = (hwc - chw.min()) / (chw.max() - chw.min())  # one scale for all templates
    np.testing.assert_allclose(shown, expected[0])


def test_loss_lines_and_planes():
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-2, 2, 4)
    fig = vis.plot_loss_lines(alphas, {"one": alphas**2, "two": np.abs(alphas)})
    assert [ax.get_title() for ax in fig.axes] == ["one", "two"]
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), np.abs(alphas))
    with pytest.raises(ValueError, match="expected"):
        vis.plot_loss_lines(alphas, {"bad": np.zeros(3)})
    surface = betas[:, None] ** 2 + alphas[None, :] ** 2  # (B, A)
    fig = vis.plot_loss_planes(alphas, betas, {"bowl": surface})
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), surface)
    with pytest.raises(ValueError, match="len\\(betas\\)"):
        vis.plot_loss_planes(alphas, betas, {"bowl": surface.T})
