"""Train each assignment's final models on real CIFAR-10 and print accuracy against the targets.

    python -m cs231n.bench accuracy assignment1 [--json FILE]
    python -m cs231n.bench accuracy assignment2 [--json FILE]

Each assignment module (``cs231n.bench.accuracy_<assignment>``) provides ``EXPERIMENTS``: an
ordered list of ``Experiment(name, target_text, run)`` where ``run(data_root)`` returns a list
of ``Row`` (metric name, value, target or None). This module only runs them and prints the table.
"""

import importlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

ASSIGNMENTS = ("assignment1", "assignment2")


@dataclass(frozen=True)
class Row:
    """One printed line: ``metric`` measured as ``value``; ``target`` is the minimum, if any."""

    metric: str
    value: float
    target: float | None = None
    seconds: float | None = None

    @property
    def meets_target(self):
        return self.target is None or self.value >= self.target


@dataclass(frozen=True)
class Experiment:
    """A named training run; ``run(data_root)`` returns a list of ``Row``.

    ``retrain`` (optional): for experiments whose ``run`` evaluates STORED parameters, the
    function (same signature) that trains the model again instead; ``--retrain`` calls it.
    """

    name: str
    run: Callable
    retrain: Callable | None = None


def add_arguments(parser):
    parser.add_argument("assignment", choices=ASSIGNMENTS)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")
    parser.add_argument(
        "--only", metavar="NAME", action="append", help="run only the experiment(s) named NAME"
    )
    parser.add_argument(
        "--retrain",
        action="store_true",
        help="retrain the models that are otherwise evaluated from stored parameters",
    )


def format_table(rows):
    """Return the accuracy table as text: metric, value, target, verdict, seconds."""
    header = f"{'metric':<52} {'value':>7} {'target':>7}  {'ok':<4} {'seconds':>8}"
    lines = [header, "-" * len(header)]
    for row in rows:
        target = "" if row.target is None else f">={row.target:.2f}"
        verdict = "" if row.target is None else ("yes" if row.meets_target else "NO")
        seconds = "" if row.seconds is None else f"{row.seconds:8.1f}"
        lines.append(f"{row.metric:<52} {row.value:7.4f} {target:>7}  {verdict:<4} {seconds:>8}")
    return "\n".join(lines)


def main(args):
    from cs231n.data_utils import find_cifar10

    data_root = find_cifar10()
    if data_root is None:
        print("CIFAR-10 not found: the accuracy benchmark needs the real data set "
              "(make data, or set CS231N_DATASETS).", file=sys.stderr)
        return 2
    module = importlib.import_module(f"cs231n.bench.accuracy_{args.assignment}")
    experiments = [e for e in module.EXPERIMENTS if not args.only or e.name in args.only]
    if args.only and len(experiments) != len(set(args.only)):
        known = ", ".join(e.name for e in module.EXPERIMENTS)
        print(f"--only: unknown experiment name(s); known: {known}", file=sys.stderr)
        return 2
    rows = []
    for experiment in experiments:
        started = time.perf_counter()
        print(f"== {experiment.name}", flush=True)
        run = experiment.retrain if args.retrain and experiment.retrain else experiment.run
        new_rows = run(data_root)
        elapsed = time.perf_counter() - started
        print(f"   done in {elapsed:.1f} s", flush=True)
        rows.extend(new_rows)
    print()
    print(f"{args.assignment} on CIFAR-10 at {data_root}")
    print(format_table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([asdict(r) | {"meets_target": r.meets_target} for r in rows], f, indent=2)
    return 0 if all(r.meets_target for r in rows) else 1
