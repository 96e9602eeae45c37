"""Optimizer race: the update rules of cs231n.optim side by side on 2-D surfaces (lecture 7).

Usage::

    OptimizerRace()                      # saddle, ravine or Rosenbrock; pick the rules

Every selected rule starts from the same point; its trajectory is drawn on the surface's
contour plot and its loss per step on the right. The "step" slider (driven by the Play
button) animates all trajectories together. Learning rates start at the surface's defaults
(``cs231n.landscape.SURFACES``); changing any setting recomputes the trajectories.
"""

import ipywidgets as widgets
import numpy as np

from cs231n import landscape
from cs231n.widgets._common import (
    WidgetBase,
    check_choice,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
)

# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------
DEFAULT_RULES = ("sgd", "sgd_momentum", "rmsprop", "adam")
RULE_COLORS = {
    "sgd": "#d62728",
    "sgd_momentum": "#1f77b4",
    "nesterov": "#17becf",
    "adagrad": "#9467bd",
    "rmsprop": "#2ca02c",
    "adam": "#ff7f0e",
}
MOMENTUM_RULES = ("sgd_momentum", "nesterov")
DEFAULT_MOMENTUM = 0.9
MOMENTUM_RANGE = (0.0, 0.99, 0.01)
LEARNING_RATE_RANGE = (1e-5, 10.0)
DEFAULT_STEPS = landscape.DEFAULT_RACE_STEPS
STEPS_RANGE = (10, 1000, 10)
CONTOUR_RESOLUTION = 200  # grid points per side for the contour plot
NUM_CONTOURS = 25
PLAY_INTERVAL_MS = 40
FIGSIZE = (10.0, 4.5)
VIEW_MARGIN = 0.5  # the loss plot's y range covers the points within 1.5 x the plot extent


def race(surface, rules, learning_rates, momentum=DEFAULT_MOMENTUM, num_steps=DEFAULT_STEPS):
    """Trajectories of several update rules from the surface's start point.

    Inputs:
    - surface: a key of cs231n.landscape.SURFACES or a Surface.
    - rules: names of update rules of cs231n.optim.
    - learning_rates: dict rule -> learning rate.
    - momentum: momentum of sgd_momentum and nesterov.
    - num_steps: int, updates per rule.

    Returns:
    - paths: dict rule -> (num_steps + 1, 2) array (NaN after a divergence).
    """
    paths = {}
    for rule in rules:
        config = {"learning_rate": learning_rates[rule]}
        if rule in MOMENTUM_RULES:
            config["momentum"] = momentum
        paths[rule] = landscape.optimizer_trajectory(surface, rule, config, num_steps)
    return paths


class OptimizerRace(WidgetBase):
    """Update rules racing on a 2-D test surface.

    Artists (updated with set_data): paths[rule] (trajectory), heads[rule] (current point),
    loss_lines[rule] (loss per step); contours are redrawn when the surface changes.
    Attributes: trajectories (dict rule -> (num_steps + 1, 2) array of the current race).
    """

    css_class = "cs231n-optimizer-race"

    def __init__(
        self,
        surface="rosenbrock",
        rules=DEFAULT_RULES,
        num_steps=DEFAULT_STEPS,
        momentum=DEFAULT_MOMENTUM,
        backend="auto",
    ):
        """Inputs:
        - surface: "saddle", "ravine" or "rosenbrock" (cs231n.landscape.SURFACES).
        - rules: the update rules selected first (any of cs231n.landscape.UPDATE_RULES).
        - num_steps: steps per rule; momentum: of sgd_momentum and nesterov.
        - backend: "auto", "ipympl" or "image".
        """
        super().__init__(FIGSIZE, backend)
        caller = "OptimizerRace"
        check_choice(caller, "surface", surface, tuple(landscape.SURFACES))
        for rule in rules:
            check_choice(caller, "rules[i]", rule, landscape.UPDATE_RULES)
        self.trajectories, self.losses = {}, {}
        self.contours = None

        self._add_control(
            "surface", dropdown("surface", list(landscape.SURFACES), surface), self._surface_changed
        )
        self.rule_boxes, self.lr_sliders = {}, {}
        rows = []
        defaults = landscape.SURFACES[surface].learning_rates
        for rule in landscape.UPDATE_RULES:
            box = widgets.Checkbox(
                value=rule in rules,
                description=rule,
                indent=False,
                layout=widgets.Layout(width="130px"),
            )
            slider = log_slider(
                "learning rate", defaults[rule], *LEARNING_RATE_RANGE, continuous=False
            )
            self.rule_boxes[rule] = self._add_control(f"use_{rule}", box, self.recompute)
            self.lr_sliders[rule] = self._add_control(f"lr_{rule}", slider, self.recompute)
            rows.append([box, slider])
        self._add_control(
            "momentum",
            float_slider("momentum", momentum, *MOMENTUM_RANGE, continuous=False),
            self.recompute,
        )
        self._add_control(
            "num_steps",
            int_slider("steps", num_steps, *STEPS_RANGE, continuous=False),
            self.recompute,
        )
        self._add_control(
            "frame", int_slider("show step", num_steps, 0, num_steps), self.show_frame
        )
        play = widgets.Play(
            value=num_steps,
            min=0,
            max=num_steps,
            step=1,
            interval=PLAY_INTERVAL_MS,
            description="play",
        )
        self._add_control("play", play)
        widgets.jslink((play, "value"), (self.controls["frame"], "value"))

        self._build_figure()
        c = self.controls
        self._assemble(
            [[c["surface"], c["momentum"]], *rows, [c["num_steps"]], [c["play"], c["frame"]]]
        )
        self._surface_changed()

    # ------------------------------------------------------------------ figure
    def _build_figure(self):
        fig = self.figure
        self.ax = fig.add_axes((0.06, 0.1, 0.48, 0.82))
        self.ax_loss = fig.add_axes((0.63, 0.12, 0.35, 0.78))
        self.paths, self.heads, self.loss_lines = {}, {}, {}
        for rule in landscape.UPDATE_RULES:
            color = RULE_COLORS[rule]
            (self.paths[rule],) = self.ax.plot([], [], "-", color=color, linewidth=1.5, label=rule)
            (self.heads[rule],) = self.ax.plot([], [], "o", color=color, markeredgecolor="k")
            (self.loss_lines[rule],) = self.ax_loss.plot([], [], "-", color=color, label=rule)
        (self.start_marker,) = self.ax.plot([], [], "ks", markersize=6)
        (self.minimum_marker,) = self.ax.plot([], [], "k*", markersize=12)
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("loss")
        self.legend = None

    def _surface_changed(self):
        """A new surface: redraw the contours, reset the learning rates, recompute."""
        surface = landscape.SURFACES[self.controls["surface"].value]
        with self._quietly():
            for rule, slider in self.lr_sliders.items():
                slider.value = surface.learning_rates[rule]
        x_min, x_max, y_min, y_max = surface.extent
        grid_x, grid_y = np.meshgrid(
            np.linspace(x_min, x_max, CONTOUR_RESOLUTION),
            np.linspace(y_min, y_max, CONTOUR_RESOLUTION),
        )
        values = surface.value(grid_x, grid_y)
        if surface.log_levels:
            values = np.log1p(values - np.min(values))
        if self.contours is not None:
            self.contours.remove()
        self.contours = self.ax.contour(
            grid_x, grid_y, values, levels=NUM_CONTOURS, cmap="Greys", linewidths=0.7
        )
        self.start_marker.set_data([surface.start[0]], [surface.start[1]])
        minimum = surface.minimum or (np.nan, np.nan)
        self.minimum_marker.set_data([minimum[0]], [minimum[1]])
        self.ax.set_xlim(x_min, x_max)
        self.ax.set_ylim(y_min, y_max)
        self.ax.set_title(
            f"{surface.name}" + (" (contours of log(1 + f))" if surface.log_levels else "")
        )
        self.recompute()

    # ------------------------------------------------------------------ racing
    def selected_rules(self):
        """Names of the update rules whose checkbox is ticked, in UPDATE_RULES order."""
        return [rule for rule, box in self.rule_boxes.items() if box.value]

    def recompute(self):
        """Run the selected rules with the current settings and show the last step."""
        c = self.controls
        surface = landscape.SURFACES[c["surface"].value]
        rules = self.selected_rules()
        learning_rates = {rule: self.lr_sliders[rule].value for rule in rules}
        num_steps = c["num_steps"].value
        self.trajectories = race(surface, rules, learning_rates, c["momentum"].value, num_steps)
        with self._quietly():
            c["frame"].max = num_steps
            c["play"].max = num_steps
            c["frame"].value = num_steps
        self.losses = {
            rule: surface.value(path[:, 0], path[:, 1]) for rule, path in self.trajectories.items()
        }
        shown = np.concatenate(
            [
                loss[_in_view(path, surface.extent)]
                for path, loss in zip(self.trajectories.values(), self.losses.values(), strict=True)
            ]
            or [np.zeros(1)]
        )
        self.ax_loss.set_xlim(0, num_steps)
        low, high = (float(np.min(shown)), float(np.max(shown))) if shown.size else (0.0, 1.0)
        pad = 0.05 * (high - low) or 0.5
        self.ax_loss.set_ylim(low - pad, high + pad)
        self.ax_loss.set_yscale("symlog" if surface.log_levels else "linear")
        diverged = [rule for rule, path in self.trajectories.items() if np.isnan(path[-1]).any()]
        if self.legend is not None:
            self.legend.remove()
        handles = [self.loss_lines[rule] for rule in rules]
        self.legend = self.ax_loss.legend(handles=handles, loc="upper right", fontsize=8)
        self.set_status(
            f"diverged: {', '.join(diverged)} (lower its learning rate)" if diverged else ""
        )
        self.show_frame()

    def show_frame(self):
        """Draw every trajectory up to the step of the "show step" slider."""
        step = self.controls["frame"].value
        for rule in landscape.UPDATE_RULES:
            path = self.trajectories.get(rule)
            visible = path is not None
            for artist in (self.paths[rule], self.heads[rule], self.loss_lines[rule]):
                artist.set_visible(visible)
            if not visible:
                continue
            shown = path[: step + 1]
            self.paths[rule].set_data(shown[:, 0], shown[:, 1])
            last = shown[np.isfinite(shown[:, 0])][-1:]  # the last finite point
            self.heads[rule].set_data(last[:, 0], last[:, 1])
            self.loss_lines[rule].set_data(np.arange(step + 1), self.losses[rule][: step + 1])
        self.redraw()


def _in_view(path, extent):
    """(T,) mask of the finite points of a path within the plot extent (plus a margin)."""
    x_min, x_max, y_min, y_max = extent
    dx, dy = VIEW_MARGIN * (x_max - x_min), VIEW_MARGIN * (y_max - y_min)
    x, y = path[:, 0], path[:, 1]
    with np.errstate(invalid="ignore"):
        return (x >= x_min - dx) & (x <= x_max + dx) & (y >= y_min - dy) & (y <= y_max + dy)
