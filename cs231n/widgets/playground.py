"""Linear classifier playground: a 2-D, three-class linear classifier to poke at (lecture 3).

After the course's interactive web demo. Usage::

    LinearClassifierPlayground()            # built-in points; or (X, y) of your own

Nine sliders set W (2, 3) and b (3,): the score of class c at point x is x @ W[:, c] + b[c].
The plot shows the decision regions (the argmax class at every pixel), each class's line
score_c = 0 and the points; the table lists every point's scores and loss. "step" makes one
gradient-descent step on the mean loss (multiclass SVM or softmax, ``cs231n.layers``) plus
``reg * sum(W**2)``; "run" keeps stepping (a Play widget, started and stopped in the
browser).
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap

from cs231n.widgets._common import WidgetBase, check_choice, dropdown, float_slider, log_slider

# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------
# Nine points in the unit square, three per class (the web demo's setting; our own values).
# fmt: off
DEMO_POINTS = np.array([
    [0.6, 0.5], [0.8, 0.2], [0.3, 0.7],  # class 0
    [-0.5, 0.4], [-0.3, 0.8], [-0.8, 0.1],  # class 1
    [0.5, -0.5], [0.2, -0.8], [-0.4, -0.6],  # class 2
])
# fmt: on
DEMO_LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
DEMO_W = np.array([[1.0, -2.0, 0.5], [2.0, 1.0, -3.0]])  # (D, C) = (2, 3)
DEMO_B = np.array([0.0, 0.5, -0.5])
NUM_CLASSES = 3
LOSSES = ("svm", "softmax")
PARAM_RANGE = (-5.0, 5.0, 0.01)  # (min, max, step) of the W and b sliders
REG_RANGE = (1e-4, 1.0)
DEFAULT_REG = 0.1
LEARNING_RATE_RANGE = (1e-3, 1.0)
DEFAULT_LEARNING_RATE = 0.1
PLOT_EXTENT = (-1.0, 1.0, -1.0, 1.0)  # (x_min, x_max, y_min, y_max)
REGION_RESOLUTION = 120  # pixels per side of the decision-region image
PLAY_INTERVAL_MS = 150  # "run" makes one step every this many milliseconds
PLAY_MAX = 10**6
CLASS_COLORS = ("#d62728", "#2ca02c", "#1f77b4")
REGION_COLORS = ("#f6c9c9", "#c9ecc9", "#c6dbf1")
FIGSIZE = (9.0, 4.2)


def scores_and_loss(W, b, X, y, loss="svm", reg=0.0):
    """Scores, mean loss and gradients of a linear classifier on 2-D points.

    Inputs:
    - W: (D, C) weights; b: (C,) biases; X: (N, D) points; y: (N,) labels.
    - loss: "svm" (cs231n.layers.svm_loss) or "softmax" (cs231n.layers.softmax_loss).
    - reg: L2 strength; the loss includes reg * sum(W**2).

    Returns a tuple of:
    - scores: (N, C) = X @ W + b
    - total: float, mean data loss + reg * sum(W**2)
    - dW: (D, C), db: (C,) gradients of total.
    """
    from cs231n.layers import softmax_loss, svm_loss

    check_choice("scores_and_loss", "loss", loss, LOSSES)
    loss_fn = svm_loss if loss == "svm" else softmax_loss
    scores = X @ W + b  # (N, D) @ (D, C) -> (N, C)
    data_loss, dscores = loss_fn(scores, y)
    total = float(data_loss + reg * np.sum(W * W))
    dW = X.T @ dscores + 2 * reg * W  # (D, N) @ (N, C) -> (D, C)
    db = np.sum(dscores, axis=0)
    return scores, total, dW, db


def per_point_losses(scores, y, loss="svm"):
    """Data loss of every point: (N, C) scores, (N,) labels -> (N,) losses."""
    from cs231n.layers import softmax_loss, svm_loss

    loss_fn = svm_loss if loss == "svm" else softmax_loss
    return np.array([loss_fn(scores[i : i + 1], y[i : i + 1])[0] for i in range(len(y))])


class LinearClassifierPlayground(WidgetBase):
    """Edit W and b of a 2-D linear classifier and watch its decision regions and losses.

    Artists (updated in place): region_image (decision regions, set_data), class_lines
    (score_c = 0 lines, set_data), loss_line (total loss per step), loss_text.
    Attributes: W (2, 3), b (3,), loss_history, table (ipywidgets.HTML of per-point values).
    """

    css_class = "cs231n-playground"

    def __init__(
        self,
        X=None,
        y=None,
        W=None,
        b=None,
        loss="svm",
        reg=DEFAULT_REG,
        learning_rate=DEFAULT_LEARNING_RATE,
        backend="auto",
    ):
        """Inputs:
        - X: (N, 2) points in PLOT_EXTENT and y: (N,) labels in {0, 1, 2} (default: nine
          built-in points).
        - W: (2, 3) initial weights; b: (3,) initial biases (defaults DEMO_W, DEMO_B).
        - loss: "svm" or "softmax"; reg: L2 strength; learning_rate: step size of "step".
        - backend: "auto", "ipympl" or "image".
        """
        super().__init__(FIGSIZE, backend)
        caller = "LinearClassifierPlayground"
        self.X = np.asarray(DEMO_POINTS if X is None else X, dtype=np.float64)
        self.y = np.asarray(DEMO_LABELS if y is None else y)
        if self.X.ndim != 2 or self.X.shape[1] != 2 or self.X.shape[0] != self.y.shape[0]:
            raise ValueError(
                f"{caller}: X must have shape (N, 2) and y shape (N,), got {self.X.shape} and "
                f"{self.y.shape}"
            )
        if self.y.size and (self.y.min() < 0 or self.y.max() >= NUM_CLASSES):
            raise ValueError(f"{caller}: labels y must lie in 0..{NUM_CLASSES - 1}")
        self.initial_W = np.array(DEMO_W if W is None else W, dtype=np.float64)
        self.initial_b = np.array(DEMO_B if b is None else b, dtype=np.float64)
        if self.initial_W.shape != (2, NUM_CLASSES) or self.initial_b.shape != (NUM_CLASSES,):
            raise ValueError(
                f"{caller}: W must have shape (2, {NUM_CLASSES}) and b ({NUM_CLASSES},), got "
                f"{self.initial_W.shape} and {self.initial_b.shape}"
            )
        self.loss_history = []

        self.weight_sliders = {}
        for c in range(NUM_CLASSES):
            for name, value in (
                (f"W[0,{c}]", self.initial_W[0, c]),
                (f"W[1,{c}]", self.initial_W[1, c]),
                (f"b[{c}]", self.initial_b[c]),
            ):
                slider = float_slider(name, float(value), *PARAM_RANGE)
                slider.style.handle_color = CLASS_COLORS[c]
                self.weight_sliders[name] = slider
                key = name.replace("[", "_").replace(",", "_").replace("]", "")
                self._add_control(key, slider, self._params_changed)
        self._add_control("loss", dropdown("loss", list(LOSSES), loss), self._params_changed)
        self._add_control("reg", log_slider("reg", reg, *REG_RANGE), self._params_changed)
        self._add_control(
            "learning_rate", log_slider("step size", learning_rate, *LEARNING_RATE_RANGE)
        )
        self._add_control("step", widgets.Button(description="step", icon="forward"))
        self.controls["step"].on_click(lambda _button: self._run(self.step))
        self._add_control("reset", widgets.Button(description="reset", icon="undo"))
        self.controls["reset"].on_click(lambda _button: self._run(self.reset))
        play = widgets.Play(
            value=0,
            min=0,
            max=PLAY_MAX,
            step=1,
            interval=PLAY_INTERVAL_MS,
            description="run",
            show_repeat=False,
        )
        self._add_control("run", play, self._play_tick)
        self.table = widgets.HTML()

        self._build_figure()
        c = self.controls
        sliders = list(self.weight_sliders.values())
        columns = widgets.HBox(
            [widgets.VBox(sliders[i : i + 3]) for i in range(0, len(sliders), 3)]
        )
        self._assemble(
            [columns, [c["loss"], c["reg"]], [c["learning_rate"], c["step"], c["run"], c["reset"]]],
            extra=[self.table],
        )
        self._params_changed()

    # ------------------------------------------------------------------ parameters
    @property
    def W(self):
        """(2, 3) weights read from the sliders."""
        s = self.weight_sliders
        return np.array([[s[f"W[{d},{c}]"].value for c in range(NUM_CLASSES)] for d in (0, 1)])

    @property
    def b(self):
        """(3,) biases read from the sliders."""
        return np.array([self.weight_sliders[f"b[{c}]"].value for c in range(NUM_CLASSES)])

    def set_params(self, W, b):
        """Move the sliders to W (2, 3) and b (3,) (clipped to the slider range), redraw once."""
        with self._quietly():
            for c in range(NUM_CLASSES):
                for d in (0, 1):
                    self.weight_sliders[f"W[{d},{c}]"].value = float(W[d, c])
                self.weight_sliders[f"b[{c}]"].value = float(b[c])
        self._params_changed()

    def step(self):
        """One gradient-descent step on the total loss."""
        _, _, dW, db = scores_and_loss(
            self.W, self.b, self.X, self.y, self.controls["loss"].value, self.controls["reg"].value
        )
        learning_rate = self.controls["learning_rate"].value
        self.set_params(self.W - learning_rate * dW, self.b - learning_rate * db)

    def _play_tick(self):
        """The Play widget ticked: step, unless it was stopped (its value went back to 0)."""
        if self.controls["run"].value > 0:
            self.step()

    def reset(self):
        """Back to the initial W and b; clear the loss history."""
        self.loss_history = []
        self.set_params(self.initial_W, self.initial_b)

    # ------------------------------------------------------------------ drawing
    def _build_figure(self):
        fig = self.figure
        self.ax = fig.add_axes((0.06, 0.1, 0.5, 0.82))
        self.ax_loss = fig.add_axes((0.66, 0.15, 0.32, 0.72))
        x_min, x_max, y_min, y_max = PLOT_EXTENT
        self.grid_x = np.linspace(x_min, x_max, REGION_RESOLUTION)
        self.grid_y = np.linspace(y_min, y_max, REGION_RESOLUTION)
        self.region_image = self.ax.imshow(
            np.zeros((REGION_RESOLUTION, REGION_RESOLUTION)),
            origin="lower",
            extent=PLOT_EXTENT,
            cmap=ListedColormap(REGION_COLORS),
            vmin=-0.5,
            vmax=NUM_CLASSES - 0.5,
            interpolation="nearest",
        )
        self.class_lines = [
            self.ax.plot([], [], color=color, linewidth=2)[0] for color in CLASS_COLORS
        ]
        self.ax.scatter(
            self.X[:, 0],
            self.X[:, 1],
            c=[CLASS_COLORS[label] for label in self.y],
            edgecolors="k",
            s=60,
            zorder=3,
        )
        for i, (px, py) in enumerate(self.X):
            self.ax.annotate(str(i), (px, py), xytext=(5, 5), textcoords="offset points")
        self.ax.set_xlim(x_min, x_max)
        self.ax.set_ylim(y_min, y_max)
        self.ax.set_title("decision regions; lines: score_c = 0")
        (self.loss_line,) = self.ax_loss.plot([], [], "-", color="k")
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_title("total loss")
        self.loss_text = self.ax.text(
            0.02,
            0.02,
            "",
            transform=self.ax.transAxes,
            fontsize=10,
            bbox={"facecolor": "w", "alpha": 0.8},
        )

    def _params_changed(self):
        W, b = self.W, self.b
        loss = self.controls["loss"].value
        reg = self.controls["reg"].value
        scores, total, _, _ = scores_and_loss(W, b, self.X, self.y, loss, reg)
        self.loss_history.append(total)

        grid_x, grid_y = np.meshgrid(self.grid_x, self.grid_y)  # each (R, R)
        pixels = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)  # (R * R, 2)
        regions = np.argmax(pixels @ W + b, axis=1).reshape(grid_x.shape)  # (R * R,) -> (R, R)
        self.region_image.set_data(regions)
        for c, line in enumerate(self.class_lines):
            line.set_data(*_zero_line(W[:, c], b[c]))
        steps = np.arange(len(self.loss_history))
        self.loss_line.set_data(steps, self.loss_history)
        self.ax_loss.set_xlim(0, max(1, steps[-1]))
        self.ax_loss.set_ylim(0, max(self.loss_history) * 1.05 or 1.0)
        self.loss_text.set_text(f"{loss} loss {total:.4f}")
        self.table.value = _score_table(scores, self.y, per_point_losses(scores, self.y, loss))
        self.redraw()


def _zero_line(w, b):
    """Two points of the line w . x + b = 0 across PLOT_EXTENT (empty if w = 0)."""
    x_min, x_max, y_min, y_max = PLOT_EXTENT
    if abs(w[1]) >= abs(w[0]) and w[1] != 0:
        xs = np.array([x_min, x_max])
        return xs, -(w[0] * xs + b) / w[1]
    if w[0] != 0:
        ys = np.array([y_min, y_max])
        return -(w[1] * ys + b) / w[0], ys
    return np.array([]), np.array([])


def _score_table(scores, y, losses):
    """HTML table: point, label, the three scores, loss."""
    header = "".join(f"<th>score {c}</th>" for c in range(scores.shape[1]))
    rows = []
    for i, (row, label, loss) in enumerate(zip(scores, y, losses, strict=True)):
        cells = "".join(
            f"<td style='color:{CLASS_COLORS[c]}'>{value:+.2f}</td>" for c, value in enumerate(row)
        )
        rows.append(f"<tr><td>{i}</td><td>{label}</td>{cells}<td>{loss:.3f}</td></tr>")
    return (
        "<table style='font-family: monospace; font-size: 12px'>"
        f"<tr><th>point</th><th>class</th>{header}<th>loss</th></tr>{''.join(rows)}</table>"
    )
