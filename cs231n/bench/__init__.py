"""Benchmark commands of the suite: ``python -m cs231n.bench --help``.

- ``python -m cs231n.bench accuracy assignment1`` (or ``assignment2``): trains the final
  models of an assignment on real CIFAR-10 and prints the accuracy table against the targets.
- ``python -m cs231n.bench layers``: times the fast layers against the numpy reference and
  PyTorch in the same run and prints the ratios.
"""
