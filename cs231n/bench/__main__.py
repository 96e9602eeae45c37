"""Command line of the benchmarks: ``python -m cs231n.bench {accuracy,layers} ...``."""

import argparse
import importlib
import sys

# sub-command -> module of cs231n.bench that provides ``add_arguments(parser)`` and ``main(args)``
COMMANDS = {
    "accuracy": ("cs231n.bench.accuracy", "train the assignments' final models, print accuracies"),
    "layers": ("cs231n.bench.layers", "time the fast conv/pool layers against PyTorch"),
}


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m cs231n.bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(command_parser)
        command_parser.set_defaults(run=module.main)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
