"""Hyper-parameter selection: k-fold cross-validation and random search in log space.

k-fold cross-validation of kNN over k (lecture 2):

    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

    def knn_accuracies(ks, X_tr, y_tr, X_val, y_val):
        knn = KNearestNeighbor()
        knn.train(X_tr, y_tr)
        dists = knn.compute_distances_no_loops(X_val)       # once per fold, for every k
        return [np.mean(knn.predict_labels(dists, k=k) == y_val) for k in ks]

    k_to_accuracies = cross_validate(knn_accuracies, X_train, y_train, [1, 3, 5, 8, 10],
                                     num_folds=5, batch_params=True)
    best_k = best_param(k_to_accuracies)

(With batch_params=False, the default, the function gets one value at a time:
``fit_and_score(k, X_tr, y_tr, X_val, y_val) -> accuracy``.)

Random search of a learning rate and a regularization strength (lecture 3/4):

    space = {"learning_rate": lambda rng: log_uniform(1e-4, 1e-2, rng=rng),
             "reg": lambda rng: log_uniform(1e-3, 1e0, rng=rng),
             "hidden_size": [100, 200, 400]}                  # a list: a uniform choice
    results = random_search(train_and_validate, space, num_trials=10, seed=0)
    best = results[0]    # SearchResult(params={...}, score=0.51, model=...), best first
"""

import itertools
from collections import namedtuple

import numpy as np

SearchResult = namedtuple("SearchResult", ["params", "score", "model"])
SearchResult.__doc__ = """One random-search trial: params dict, validation score, and the model
(or any extra object) returned by fit_and_score, else None."""


def _check_count(value, name, low):
    """Raise ValueError unless `value` is an integer >= low."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def k_fold_indices(num_examples, num_folds, shuffle=False, seed=None):
    """Split range(num_examples) into num_folds folds; return (train, validation) index pairs.

    Folds are consecutive blocks (np.array_split: sizes differ by at most one), of a random
    permutation when shuffle=True.

    Inputs:
    - num_examples: int N, the number of examples.
    - num_folds: int, 2 <= num_folds <= N.
    - shuffle: bool, permute the examples before splitting.
    - seed: optional int seeding the permutation (np.random.default_rng(seed)).

    Returns:
    - folds: list of num_folds tuples (train_idx, val_idx) of int arrays; the val_idx arrays
      partition range(N) and train_idx holds every other index, in increasing fold order.
    """
    _check_count(num_examples, "k_fold_indices: num_examples", 1)
    _check_count(num_folds, "k_fold_indices: num_folds", 2)
    if num_folds > num_examples:
        raise ValueError(
            f"k_fold_indices: num_folds={num_folds} exceeds num_examples={num_examples}; every "
            "fold needs at least one example"
        )
    order = np.arange(num_examples)
    if shuffle:
        order = np.random.default_rng(seed).permutation(num_examples)
    fold_blocks = np.array_split(order, num_folds)
    folds = []
    for i, val_idx in enumerate(fold_blocks):
        train_idx = np.concatenate(fold_blocks[:i] + fold_blocks[i + 1 :])
        folds.append((train_idx, val_idx))
    return folds


def parameter_grid(grid):
    """All combinations of a grid of hyper-parameter values.

    Inputs:
    - grid: dict name -> list of values, e.g. {"learning_rate": [1e-7, 1e-6], "reg": [1e3]}.

    Returns:
    - list of dicts, one per combination, in itertools.product order.
    """
    if not isinstance(grid, dict) or not grid:
        raise TypeError(
            f"parameter_grid: grid must be a non-empty dict name -> values, got {grid!r}"
        )
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


def _param_key(param):
    """Hashable dict key of a hyper-parameter value: dicts become tuples of (name, value)."""
    return tuple(param.items()) if isinstance(param, dict) else param


def cross_validate(
    fit_and_score,
    X,
    y,
    param_values,
    num_folds=5,
    shuffle=False,
    seed=None,
    batch_params=False,
    verbose=False,
):
    """k-fold cross-validation of any model over a list (or grid) of hyper-parameter values.

    For every fold, the model is trained on the other folds and scored on this one.

    Inputs:
    - fit_and_score: callable. With batch_params=False:
      ``fit_and_score(param, X_train, y_train, X_val, y_val) -> float`` (e.g. accuracy).
      With batch_params=True it gets the whole list of values once per fold and returns one
      score per value: ``fit_and_score(params, X_train, y_train, X_val, y_val) -> list``
      (lets kNN compute the distances once per fold for every k).
    - X: array of shape (N, ...) of examples; y: array of shape (N,) of labels.
    - param_values: list of hyper-parameter values (e.g. [1, 3, 5] for k), or a dict grid
      name -> list of values (see parameter_grid); each fit_and_score call then gets a dict.
    - num_folds: number of folds.
    - shuffle, seed: as in k_fold_indices.
    - batch_params: see fit_and_score.
    - verbose: print the mean score of every value at the end.

    Returns:
    - scores: dict mapping each value (a grid combination becomes the tuple of its
      (name, value) pairs) to the list of its num_folds scores, in fold order.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or y.shape != (X.shape[0],):
        raise ValueError(
            f"cross_validate: y must have shape (N,) with N = X.shape[0]; got X {X.shape}, "
            f"y {y.shape}"
        )
    params = parameter_grid(param_values) if isinstance(param_values, dict) else list(param_values)
    if not params:
        raise ValueError("cross_validate: param_values is empty; give at least one value")
    keys = [_param_key(p) for p in params]
    if len(set(keys)) != len(keys):
        raise ValueError(f"cross_validate: param_values has duplicates: {keys}")
    scores = {key: [] for key in keys}
    for train_idx, val_idx in k_fold_indices(X.shape[0], num_folds, shuffle=shuffle, seed=seed):
        fold_data = (X[train_idx], y[train_idx], X[val_idx], y[val_idx])
        if batch_params:
            fold_scores = list(fit_and_score(params, *fold_data))
            if len(fold_scores) != len(params):
                raise ValueError(
                    f"cross_validate: with batch_params=True fit_and_score must return one "
                    f"score per value ({len(params)}), got {len(fold_scores)}"
                )
        else:
            fold_scores = [fit_and_score(p, *fold_data) for p in params]
        for key, score in zip(keys, fold_scores, strict=True):
            scores[key].append(float(score))
    if verbose:
        for key, fold_list in scores.items():
            print(f"{key}: mean {np.mean(fold_list):.4f} (std {np.std(fold_list):.4f})")
    return scores


def best_param(scores):
    """The hyper-parameter value with the highest mean score (the first one on a tie).

    Inputs:
    - scores: dict value -> list of scores, as returned by cross_validate.

    Returns:
    - the best value (a key of scores).
    """
    if not scores:
        raise ValueError("best_param: scores is empty")
    return max(scores, key=lambda key: np.mean(scores[key]))


def log_uniform(low, high, size=None, rng=None):
    """Sample uniformly in log space: 10**uniform(log10(low), log10(high)).

    Inputs:
    - low, high: positive floats, low < high.
    - size: None for one float, or an int / shape for an array.
    - rng: a numpy Generator (np.random.default_rng) or RandomState; None uses np.random.

    Returns:
    - a float (size=None) or an array of shape size, every value in [low, high].
    """
    if not 0 < low < high:
        raise ValueError(f"log_uniform: need 0 < low < high, got low={low!r}, high={high!r}")
    rng = np.random if rng is None else rng
    exponents = rng.uniform(np.log10(low), np.log10(high), size=size)
    samples = 10.0**exponents
    return float(samples) if size is None else samples


def _sample_value(spec, rng):
    """One value of a search-space entry: spec(rng) for a callable, a uniform pick otherwise."""
    if callable(spec):
        return spec(rng)
    if isinstance(spec, (list, tuple)) and spec:
        return spec[rng.integers(len(spec))]
    raise TypeError(
        f"random_search: a search-space entry must be a callable rng -> value or a non-empty "
        f"list of choices, got {spec!r}"
    )


def random_search(fit_and_score, space, num_trials, seed=None, verbose=False):
    """Random hyper-parameter search; returns the trials sorted best first.

    Inputs:
    - fit_and_score: callable ``fit_and_score(params) -> score`` or ``-> (score, model)``,
      where params is a dict name -> value; higher scores are better (e.g. validation
      accuracy).
    - space: dict name -> callable ``rng -> value`` (e.g. ``lambda rng: log_uniform(1e-4,
      1e-2, rng=rng)``) or a list of choices picked uniformly.
    - num_trials: number of random configurations to try.
    - seed: optional int seeding np.random.default_rng for the sampling.
    - verbose: print every trial.

    Returns:
    - results: list of num_trials SearchResult(params, score, model), highest score first
      (model is None when fit_and_score returns only a score).
    """
    if not isinstance(space, dict) or not space:
        raise TypeError(f"random_search: space must be a non-empty dict, got {space!r}")
    _check_count(num_trials, "random_search: num_trials", 1)
    rng = np.random.default_rng(seed)
    results = []
    for trial in range(num_trials):
        params = {name: _sample_value(spec, rng) for name, spec in space.items()}
        outcome = fit_and_score(params)
        score, model = outcome if isinstance(outcome, tuple) else (outcome, None)
        results.append(SearchResult(params, float(score), model))
        if verbose:
            print(f"trial {trial + 1}/{num_trials}: {params} -> {float(score):.4f}")
    return sorted(results, key=lambda result: result.score, reverse=True)
