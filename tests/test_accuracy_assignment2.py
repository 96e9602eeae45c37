"""Smoke tests of the assignment-2 accuracy benchmark: its recipes, storage and table run on tiny
data (the real runs take minutes to an hour on CIFAR-10)."""

import argparse
import dataclasses
import io

import numpy as np
import pytest

from cs231n.bench import accuracy
from cs231n.bench import accuracy_assignment2 as a2

NUM_TRAIN, NUM_VAL, NUM_TEST = 40, 20, 20


def tiny_cifar(seed=0):
    """Random data shaped like get_CIFAR10_data() (N, 3, 32, 32), few examples."""
    rng = np.random.default_rng(seed)

    def split(n):
        return rng.standard_normal((n, 3, 32, 32)) * 50, rng.integers(10, size=n)

    data = {}
    for name, n in (("train", NUM_TRAIN), ("val", NUM_VAL), ("test", NUM_TEST)):
        data[f"X_{name}"], data[f"y_{name}"] = split(n)
    return data


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """Benchmark on tiny data, short schedules, files in tmp_path."""
    data = tiny_cifar()
    monkeypatch.setattr(a2, "_cifar10", lambda: data)
    monkeypatch.setattr(a2, "STORED_DIR", tmp_path)
    short = {"fc_net": 2, "three_layer_convnet": 1, "best_convnet": 1}
    for name, epochs in short.items():
        recipe = a2.RECIPES[name]
        solver = {**recipe.solver, "num_epochs": epochs, "batch_size": 20}
        if "lr_schedule" in solver:
            solver["lr_schedule"] = type(solver["lr_schedule"])(epochs)
        monkeypatch.setitem(a2.RECIPES, name, dataclasses.replace(recipe, solver=solver))
    return data


def test_experiments_produce_rows_with_the_targets(tiny):
    names = [e.name for e in a2.EXPERIMENTS]
    assert names == ["fc_net", "three_layer_convnet", "best_convnet"]
    fc_rows = a2.run_fc_net("unused")
    assert fc_rows[0].target == a2.FC_TARGET_VAL == 0.56
    tlc_rows = a2.run_three_layer_convnet("unused")
    assert tlc_rows[0].target == a2.THREE_LAYER_TARGET_TRAIN == 0.45
    retrained = a2.retrain_best_convnet("unused")  # trains and stores in tmp_path ...
    stored = a2.run_best_convnet("unused")  # ... and the default run evaluates that file
    assert retrained[0].target == stored[0].target == a2.BEST_CONVNET_TARGET_TEST == 0.75
    assert "stored" in stored[0].metric and "retrained" in retrained[0].metric
    assert retrained[0].value == stored[0].value
    for row in fc_rows + tlc_rows + stored:
        assert 0 <= row.value <= 1 or "minutes" in row.metric


def test_stored_recipe_round_trip(tiny, tmp_path):
    model, solver, metadata = a2.train_recipe("fc_net", tiny, verbose=False)  # with batch norm
    assert (tmp_path / a2.FC_NET_FILE).is_file()
    assert metadata["epochs"] == 2 and len(metadata["epoch_history"]) == 3
    loaded, stored = a2.load_recipe("fc_net")
    assert len(loaded.bn_params) == 2
    assert stored["test_acc"] == metadata["test_acc"]
    for name, value in model.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)
        assert loaded.params[name].dtype == value.dtype
    for own, saved in zip(loaded.bn_params, model.bn_params, strict=True):
        np.testing.assert_array_equal(own["running_mean"], saved["running_mean"])
        np.testing.assert_array_equal(own["running_var"], saved["running_var"])
    X = tiny["X_test"]
    np.testing.assert_array_equal(loaded.loss(X), model.loss(X))


def test_load_model_rejects_another_architecture(tiny, tmp_path):
    a2.train_recipe("fc_net", tiny, verbose=False)
    with pytest.raises(ValueError, match="params"):
        a2.load_recipe("three_layer_convnet", path=tmp_path / a2.FC_NET_FILE)
    with pytest.raises(ValueError, match="recipe"):
        a2.load_recipe("resnet")


def test_recipes_are_seeded(tiny):
    first = a2.train_recipe("fc_net", tiny, store=False, verbose=False)[0]
    second = a2.train_recipe("fc_net", tiny, store=False, verbose=False)[0]
    for name, value in first.params.items():
        np.testing.assert_array_equal(second.params[name], value)


def test_best_convnet_architecture():
    model = a2.best_convnet()
    assert model.net.output_shape((3, 32, 32)) == (10,)
    assert sum(v.size for v in model.params.values()) == model.summary(file=io.StringIO())
    assert all(v.dtype == np.float32 for v in model.params.values())


def test_accuracy_helper():
    class Fixed:
        def loss(self, X, y=None):
            return np.eye(3)[X[:, 0].astype(int)]  # predicts X[:, 0]

    X = np.array([[0.0], [1.0], [2.0], [1.0]])
    assert a2.accuracy(Fixed(), X, np.array([0, 1, 1, 1]), batch_size=3) == 0.75


def test_retrain_flag_calls_the_retrain_function(monkeypatch, capsys):
    calls = []

    def run(data_root):
        calls.append("run")
        return [accuracy.Row("stored metric", 0.8, 0.75)]

    def retrain(data_root):
        calls.append("retrain")
        return [accuracy.Row("retrained metric", 0.9, 0.75)]

    import cs231n.data_utils

    monkeypatch.setattr(cs231n.data_utils, "find_cifar10", lambda: "/data")
    monkeypatch.setattr(a2, "EXPERIMENTS", [accuracy.Experiment("convnet", run, retrain=retrain)])
    parser = argparse.ArgumentParser()
    accuracy.add_arguments(parser)
    assert accuracy.main(parser.parse_args(["assignment2"])) == 0
    assert accuracy.main(parser.parse_args(["assignment2", "--retrain"])) == 0
    assert calls == ["run", "retrain"]
    out = capsys.readouterr().out
    assert "stored metric" in out and "retrained metric" in out
