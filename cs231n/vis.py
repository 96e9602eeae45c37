"""Plot helpers of the lecture notebooks 1-3 (matplotlib; every function returns its figure).

- Images: ``show_images`` (a row or grid with titles), ``show_class_grid`` (CS231n's
  samples-per-class grid), ``show_pixel_values`` (an image as numbers), ``plot_weight_templates``
  (the columns of a linear classifier's W as images).
- 2-D classifiers: ``plot_decision_regions`` (any predict function), ``plot_knn_regions``
  (kNN for several k and metrics).
- Model selection: ``plot_kfold_splits`` (which fold validates in which round),
  ``plot_cross_validation`` (scores per fold and their mean +- std).
- Training: ``plot_weight_histograms`` (regularization and sparsity), ``plot_loss_histories``,
  ``plot_timings``.
- Loss landscapes: ``plot_loss_lines`` (1-D slices), ``plot_loss_planes`` (2-D slices).

Images are (H, W, C) or (N, H, W, C) arrays with values in 0..255 unless said otherwise.
"""

import numpy as np

# ----------------------------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------------------------
MAX_PIXEL_VALUE = 255.0
PANEL_SIZE = 1.6  # inches per image panel
GRID_RESOLUTION = 200  # points per side of the decision-region mesh
REGION_PADDING = 0.5  # the mesh extends this far beyond the data, in data units
REGION_ALPHA = 0.35  # opacity of the coloured decision regions
CLASS_CMAP = "tab10"  # colours of classes 0..9
MAX_CLASSES = 10
POINT_SIZE = 18
PIXEL_PATCH = 6  # show_pixel_values shows a PIXEL_PATCH x PIXEL_PATCH patch
CHANNEL_NAMES = ("red", "green", "blue")
HISTOGRAM_BINS = 80
NEAR_ZERO = 1e-4  # |w| below this counts as (almost) zero in plot_weight_histograms
LOG_COUNT_FLOOR = 0.7  # lower y limit of log-scale histograms (a count of 1 stays visible)
FOLD_COLORS = {"train": "#9ecae1", "validation": "#fd8d3c", "test": "#bdbdbd"}


def _pyplot():
    """Import pyplot lazily so that ``import cs231n.vis`` works without a display backend."""
    import matplotlib.pyplot as plt

    return plt


def _as_display(image, normalize=False):
    """A float image in [0, 1] for imshow: 0..255 scaled down, or min-max if normalize."""
    image = np.asarray(image, dtype=np.float64)
    if normalize:
        low, high = image.min(), image.max()
        return (image - low) / (high - low) if high > low else np.zeros_like(image)
    return np.clip(image / MAX_PIXEL_VALUE, 0.0, 1.0)


def _check_images(images, name):
    """Return images as a float64 array (N, H, W, C) or (N, H, W); raise a clear error."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim not in (3, 4) or images.shape[0] == 0:
        raise ValueError(
            f"{name}: images must have shape (N, H, W, C) or (N, H, W) with N >= 1, got "
            f"{images.shape}"
        )
    return images


# ----------------------------------------------------------------------------------------------
# Images
# ----------------------------------------------------------------------------------------------
def show_images(images, titles=None, ncols=None, normalize=False, panel_size=PANEL_SIZE,
                suptitle=None):
    """Show images in a grid, each with an optional title.

    Inputs:
    - images: array (N, H, W, C) or (N, H, W), or a list of such images, values 0..255.
    - titles: optional list of N strings.
    - ncols: images per row (default: all in one row).
    - normalize: rescale every image to its own min..max instead of 0..255.
    - panel_size: inches per image.
    - suptitle: optional title of the whole figure.

    Returns: the matplotlib Figure.
    """
    images = _check_images(images, "show_images")
    num_images = images.shape[0]
    if titles is not None and len(titles) != num_images:
        raise ValueError(f"show_images: got {len(titles)} titles for {num_images} images")
    ncols = num_images if ncols is None else ncols
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"show_images: ncols must be an integer >= 1, got {ncols!r}")
    nrows = -(-num_images // ncols)
    plt = _pyplot()
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel_size * ncols, panel_size * nrows + 0.4), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < num_images:
            ax.imshow(_as_display(images[i], normalize))
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_class_grid(X, y, class_names, samples_per_class=7, seed=0, panel_size=1.0):
    """CS231n's data set tour: a few random training images of every class, one column each.

    Inputs:
    - X: array of shape (N, H, W, C), values 0..255.
    - y: int array of shape (N,) with labels 0..C-1.
    - class_names: list of C names (column titles).
    - samples_per_class: images per column.
    - seed: int, seeds np.random.default_rng for the choice of images.
    - panel_size: inches per image.

    Returns: the matplotlib Figure.
    """
    X = _check_images(X, "show_class_grid")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"show_class_grid: y must have shape ({X.shape[0]},), got {y.shape}")
    rng = np.random.default_rng(seed)
    num_classes = len(class_names)
    plt = _pyplot()
    fig, axes = plt.subplots(
        samples_per_class,
        num_classes,
        figsize=(panel_size * num_classes, panel_size * samples_per_class),
        squeeze=False,
    )
    for cls, name in enumerate(class_names):
        members = np.flatnonzero(y == cls)
        if members.size < samples_per_class:
            raise ValueError(
                f"show_class_grid: class {cls} ({name!r}) has {members.size} images, fewer "
                f"than samples_per_class={samples_per_class}"
            )
        chosen = rng.choice(members, samples_per_class, replace=False)
        for row, idx in enumerate(chosen):
            ax = axes[row, cls]
            ax.imshow(_as_display(X[idx]))
            ax.axis("off")
            if row == 0:
                ax.set_title(name, fontsize=10)
    fig.tight_layout()
    return fig


def show_pixel_values(image, top, left, size=PIXEL_PATCH, channel=0):
    """An image as the computer sees it: the picture, and a patch of it as a table of numbers.

    Inputs:
    - image: array of shape (H, W, C), values 0..255.
    - top, left: ints, the patch's first row and column.
    - size: int, side of the square patch.
    - channel: int, which channel's numbers to print (0 = red for RGB).

    Returns: the matplotlib Figure (left: the image with the patch outlined; right: the
    patch, each pixel labelled with its value).
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 3:
        raise ValueError(f"show_pixel_values: image must be (H, W, C), got {image.shape}")
    height, width, num_channels = image.shape
    if not (0 <= top and top + size <= height and 0 <= left and left + size <= width):
        raise ValueError(
            f"show_pixel_values: the {size}x{size} patch at (top={top}, left={left}) does not "
            f"fit in the {height}x{width} image"
        )
    if not 0 <= channel < num_channels:
        raise ValueError(f"show_pixel_values: channel={channel}; image has {num_channels}")
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    fig, (ax_img, ax_patch) = plt.subplots(1, 2, figsize=(9, 4.2))
    ax_img.imshow(_as_display(image))
    ax_img.add_patch(
        Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor="yellow", lw=2)
    )
    ax_img.set_title("what you see")
    ax_img.axis("off")
    patch = image[top : top + size, left : left + size, channel]
    ax_patch.imshow(patch, cmap="gray", vmin=0, vmax=MAX_PIXEL_VALUE)
    for (r, c), value in np.ndenumerate(patch):
        color = "black" if value > MAX_PIXEL_VALUE / 2 else "white"
        ax_patch.text(c, r, f"{value:.0f}", ha="center", va="center", color=color, fontsize=9)
    name = CHANNEL_NAMES[channel] if num_channels == len(CHANNEL_NAMES) else f"channel {channel}"
    ax_patch.set_title(f"what the computer sees ({name} channel)")
    ax_patch.axis("off")
    fig.tight_layout()
    return fig


def plot_weight_templates(W, class_names, image_shape=(32, 32, 3), has_bias=True,
                          channels_first=False):
    """The rows of a linear classifier seen as images: one "template" per class.

    Every class score is the dot product of the image with that class's column of W, so the
    column, reshaped to an image, shows what the class "looks for". All columns share one
    min-max scale (as in CS231n), so their contrasts are comparable.

    Inputs:
    - W: array of shape (D, C) (D = H*W*C pixels, plus one bias row if has_bias), as trained
      by LinearSVM / Softmax on flattened images.
    - class_names: list of C names.
    - image_shape: (H, W, C) of the images.
    - has_bias: True when the last row of W is the bias (the "bias trick").
    - channels_first: False when the images were flattened from (N, H, W, C) arrays
      (load_CIFAR10, load_dataset), True when from (N, C, H, W) arrays (get_CIFAR10_data).

    Returns: the matplotlib Figure.
    """
    W = np.asarray(W, dtype=np.float64)
    num_pixels = int(np.prod(image_shape))
    expected_rows = num_pixels + int(has_bias)
    if W.ndim != 2 or W.shape[0] != expected_rows or W.shape[1] != len(class_names):
        raise ValueError(
            f"plot_weight_templates: W must have shape ({expected_rows}, {len(class_names)}) "
            f"for images of shape {image_shape}{' plus a bias row' if has_bias else ''}, got "
            f"{W.shape}"
        )
    columns = W[:num_pixels].T  # (D, C) -> (C, D), bias row dropped
    height, width, channels = image_shape
    num_classes = len(class_names)
    if channels_first:
        templates = columns.reshape(num_classes, channels, height, width)  # -> (C, 3, H, W)
        templates = templates.transpose(0, 2, 3, 1)  # (C, 3, H, W) -> (C, H, W, 3)
    else:
        templates = columns.reshape(num_classes, height, width, channels)  # -> (C, H, W, 3)
    scaled = MAX_PIXEL_VALUE * _as_display(templates, normalize=True)
    return show_images(scaled, titles=list(class_names), ncols=len(class_names))


# ----------------------------------------------------------------------------------------------
# 2-D classifiers
# ----------------------------------------------------------------------------------------------
def _class_colors(num_classes):
    """RGBA colours of classes 0..num_classes-1."""
    if num_classes > MAX_CLASSES:
        raise ValueError(f"at most {MAX_CLASSES} classes can be coloured, got {num_classes}")
    plt = _pyplot()
    return plt.get_cmap(CLASS_CMAP)(np.arange(num_classes))


def plot_decision_regions(predict, X, y, ax=None, resolution=GRID_RESOLUTION,
                          padding=REGION_PADDING, title=None, num_classes=None):
    """Colour the plane by the class a classifier predicts, and draw the data on top.

    Inputs:
    - predict: callable mapping an (M, 2) array of points to (M,) integer labels.
    - X: array of shape (N, 2), the data points; y: int array (N,) of their labels.
    - ax: matplotlib Axes to draw into (default: a new figure).
    - resolution: int, mesh points per side.
    - padding: margin around the data, in data units.
    - title: optional axes title.
    - num_classes: number of colours (default: max label + 1).

    Returns: the matplotlib Figure.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_regions: X must have shape (N, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"plot_decision_regions: y must have shape ({X.shape[0]},), got {y.shape}")
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    num_classes = int(y.max()) + 1 if num_classes is None else num_classes
    colors = _class_colors(num_classes)
    (x_min, y_min), (x_max, y_max) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xs, ys = np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)  # (R, R) each
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)  # (R*R, 2)
    labels = np.asarray(predict(points)).reshape(resolution, resolution)  # (R*R,) -> (R, R)
    ax.imshow(
        labels, origin="lower", extent=(x_min, x_max, y_min, y_max), aspect="auto",
        cmap=ListedColormap(colors), vmin=-0.5, vmax=num_classes - 0.5, alpha=REGION_ALPHA,
        interpolation="nearest",
    )
    ax.scatter(X[:, 0], X[:, 1], c=colors[y], s=POINT_SIZE, edgecolors="black", linewidths=0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax.figure


def plot_knn_regions(X, y, ks=(1, 3, 5, 15), metrics=("l1", "l2"), resolution=GRID_RESOLUTION):
    """kNN decision regions on 2-D data: one row per distance metric, one column per k.

    Inputs:
    - X: array of shape (N, 2); y: int array of shape (N,).
    - ks: numbers of neighbours to show.
    - metrics: KNearestNeighbor metrics, "l1" and/or "l2".
    - resolution: mesh points per side.

    Returns: the matplotlib Figure.
    """
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

    plt = _pyplot()
    fig, axes = plt.subplots(
        len(metrics), len(ks), figsize=(3.2 * len(ks), 3.2 * len(metrics)), squeeze=False
    )
    num_classes = int(np.max(y)) + 1
    for row, metric in enumerate(metrics):
        knn = KNearestNeighbor(metric=metric)
        knn.train(X, y)
        for col, k in enumerate(ks):
            plot_decision_regions(
                lambda points, k=k, knn=knn: knn.predict(points, k=k), X, y, ax=axes[row, col],
                resolution=resolution, title=f"{metric.upper()}, k = {k}",
                num_classes=num_classes,
            )
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Model selection
# ----------------------------------------------------------------------------------------------
def plot_kfold_splits(num_examples, num_folds, num_test=None):
    """k-fold cross-validation as a picture: in round i, fold i validates, the rest trains.

    Inputs:
    - num_examples: int, size of the training data that is split into folds.
    - num_folds: int, number of folds (rounds).
    - num_test: optional int, size of a held-out test set drawn at the right (never used
      for choosing hyper-parameters).

    Returns: the matplotlib Figure.
    """
    from matplotlib.patches import Patch, Rectangle

    from cs231n.model_selection import k_fold_indices

    folds = k_fold_indices(num_examples, num_folds)
    total = num_examples + (num_test or 0)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 0.45 * num_folds + 1.2))
    for round_idx in range(num_folds):
        row = num_folds - 1 - round_idx
        start = 0
        for fold_idx, (_, fold_val) in enumerate(folds):
            role = "validation" if fold_idx == round_idx else "train"
            ax.add_patch(Rectangle((start, row + 0.1), fold_val.size, 0.8,
                                   facecolor=FOLD_COLORS[role], edgecolor="white"))
            start += fold_val.size
        if num_test:
            ax.add_patch(Rectangle((num_examples, row + 0.1), num_test, 0.8,
                                   facecolor=FOLD_COLORS["test"], edgecolor="white"))
        ax.text(-0.01 * total, row + 0.5, f"round {round_idx + 1}", ha="right", va="center")
    ax.set_xlim(0, total)
    ax.set_ylim(0, num_folds)
    ax.set_yticks([])
    ax.set_xlabel("example index")
    roles = ["train", "validation"] + (["test"] if num_test else [])
    ax.legend(handles=[Patch(color=FOLD_COLORS[r], label=r) for r in roles],
              loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=len(roles), frameon=False)
    ax.set_title(f"{num_folds}-fold cross-validation of {num_examples} training examples")
    fig.tight_layout()
    return fig


def plot_cross_validation(scores, xlabel="k", ylabel="validation accuracy"):
    """Scores of every fold (dots) and their mean +- standard deviation (error bars).

    Inputs:
    - scores: dict value -> list of per-fold scores, as returned by
      cs231n.model_selection.cross_validate (numeric values, e.g. k).
    - xlabel, ylabel: axis labels.

    Returns: the matplotlib Figure.
    """
    if not scores:
        raise ValueError("plot_cross_validation: scores is empty")
    values = sorted(scores)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for value in values:
        ax.scatter([value] * len(scores[value]), scores[value], color="gray", s=12)
    means = np.array([np.mean(scores[v]) for v in values])
    stds = np.array([np.std(scores[v]) for v in values])
    ax.errorbar(values, means, yerr=stds, color="C0", capsize=4, marker="o", label="mean +- std")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title("cross-validation")
    ax.legend()
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------
def plot_weight_histograms(weights, bins=HISTOGRAM_BINS, near_zero=NEAR_ZERO):
    """Histograms of learned weights, one panel per model, with the share of (near-)zeros.

    Inputs:
    - weights: dict name -> array of any shape (e.g. W of shape (D, C)); the bias row may be
      included or not.
    - bins: number of histogram bins.
    - near_zero: |w| below this is counted as zero in the panel titles.

    Returns: the matplotlib Figure.
    """
    if not weights:
        raise ValueError("plot_weight_histograms: weights is empty")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(weights), figsize=(4 * len(weights), 3.2), squeeze=False)
    limit = max(np.max(np.abs(w)) for w in weights.values())
    edges = np.linspace(-limit, limit, bins + 1)
    for ax, (name, w) in zip(axes.flat, weights.items(), strict=True):
        w = np.ravel(w)
        ax.hist(w, bins=edges, color="C0")
        ax.set_yscale("log")
        ax.set_ylim(bottom=LOG_COUNT_FLOOR)
        share = np.mean(np.abs(w) < near_zero)
        ax.set_title(f"{name}: {100 * share:.0f}% of |w| < {near_zero:g}", fontsize=10)
        ax.set_xlabel("weight value")
    axes[0, 0].set_ylabel("count (log scale)")
    fig.tight_layout()
    return fig


def plot_loss_histories(histories, smooth=1, xlabel="iteration", ylabel="loss", logy=False):
    """Loss curves of several runs, optionally smoothed by a moving average.

    Inputs:
    - histories: dict label -> sequence of loss values (one per iteration).
    - smooth: int >= 1, width of the moving average (1 = raw values); the raw curves are
      drawn faintly behind the smoothed ones.
    - xlabel, ylabel: axis labels.
    - logy: log-scale y axis.

    Returns: the matplotlib Figure.
    """
    if isinstance(smooth, bool) or not isinstance(smooth, (int, np.integer)) or smooth < 1:
        raise ValueError(f"plot_loss_histories: smooth must be an integer >= 1, got {smooth!r}")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, (label, history) in enumerate(histories.items()):
        history = np.asarray(history, dtype=np.float64)
        color = f"C{i % MAX_CLASSES}"
        if smooth > 1 and history.size >= smooth:
            ax.plot(history, color=color, alpha=0.25, lw=0.8)
            kernel = np.ones(smooth) / smooth
            smoothed = np.convolve(history, kernel, mode="valid")
            ax.plot(np.arange(smooth - 1, history.size), smoothed, color=color, label=label)
        else:
            ax.plot(history, color=color, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_timings(sizes, timings, xlabel="number of training images", ylabel="seconds"):
    """Run time against problem size, one line per operation.

    Inputs:
    - sizes: sequence of problem sizes (x values).
    - timings: dict label -> sequence of times in seconds, one per size.
    - xlabel, ylabel: axis labels.

    Returns: the matplotlib Figure.
    """
    sizes = np.asarray(sizes)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for label, times in timings.items():
        times = np.asarray(times, dtype=np.float64)
        if times.shape != sizes.shape:
            raise ValueError(
                f"plot_timings: {label!r} has {times.size} times for {sizes.size} sizes"
            )
        ax.plot(sizes, times, marker="o", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Loss landscapes
# ----------------------------------------------------------------------------------------------
def plot_loss_lines(alphas, curves, xlabel="step along the direction (a)"):
    """1-D slices of a loss: one panel per curve, loss against the coordinate.

    Inputs:
    - alphas: array of shape (A,), the coordinates.
    - curves: dict title -> array of shape (A,) of losses.
    - xlabel: label of the x axes.

    Returns: the matplotlib Figure.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    if not curves:
        raise ValueError("plot_loss_lines: curves is empty")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(curves), figsize=(4.5 * len(curves), 3.4), squeeze=False)
    for ax, (title, losses) in zip(axes.flat, curves.items(), strict=True):
        losses = np.asarray(losses, dtype=np.float64)
        if losses.shape != alphas.shape:
            raise ValueError(
                f"plot_loss_lines: {title!r} has shape {losses.shape}; expected {alphas.shape}"
            )
        ax.plot(alphas, losses)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
    axes[0, 0].set_ylabel("loss")
    fig.tight_layout()
    return fig


def plot_loss_planes(alphas, betas, surfaces, num_levels=20):
    """2-D slices of a loss: one panel per surface, as a colour map with contour lines.

    Inputs:
    - alphas: array (A,), coordinates along the first direction (x axis).
    - betas: array (B,), coordinates along the second direction (y axis).
    - surfaces: dict title -> array of shape (B, A) (surface[i, j] at (alphas[j], betas[i]),
      as cs231n.landscape.grid_coords orders the points).
    - num_levels: number of contour lines.

    Returns: the matplotlib Figure.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    betas = np.asarray(betas, dtype=np.float64)
    if not surfaces:
        raise ValueError("plot_loss_planes: surfaces is empty")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(surfaces), figsize=(4.5 * len(surfaces), 4), squeeze=False)
    for ax, (title, surface) in zip(axes.flat, surfaces.items(), strict=True):
        surface = np.asarray(surface, dtype=np.float64)
        if surface.shape != (betas.size, alphas.size):
            raise ValueError(
                f"plot_loss_planes: {title!r} has shape {surface.shape}; expected "
                f"(len(betas), len(alphas)) = {(betas.size, alphas.size)}"
            )
        extent = (alphas[0], alphas[-1], betas[0], betas[-1])
        image = ax.imshow(surface, origin="lower", extent=extent, aspect="auto", cmap="viridis",
                          interpolation="bilinear")
        ax.contour(alphas, betas, surface, levels=num_levels, colors="white", linewidths=0.5)
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("a")
        ax.set_ylabel("b")
    fig.tight_layout()
    return fig
