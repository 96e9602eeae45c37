"""Tests of cs231n.solver: the training loop, its settings, checkpoints and exact resume."""

import os
import pickle

import numpy as np
import pytest

from cs231n import optim
from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.solver import (
    EVENT_EPOCH,
    EVENT_ITERATION,
    EVENT_TRAIN_END,
    Solver,
    TrainingDiverged,
    load_checkpoint,
)

NUM_FEATURES = 10
NUM_CLASSES = 3
QUIET = {"verbose": False}


# ------------------------------------------------------------------------- toy models and data


def softmax_loss_and_grad(scores, y):
    """Mean softmax loss and its gradient with respect to the scores (N, C)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    N = scores.shape[0]
    loss = -np.mean(np.log(probs[np.arange(N), y]))
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    return loss, dscores / N


class SoftmaxToy:
    """A linear softmax classifier following the Solver's model contract."""

    def __init__(self, seed=0, num_features=NUM_FEATURES, num_classes=NUM_CLASSES):
        rng = np.random.RandomState(seed)
        self.params = {
            "W": 0.01 * rng.randn(num_features, num_classes),
            "b": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        X_rows = X.reshape(X.shape[0], -1)  # (N, d_1, ..., d_k) -> (N, D)
        scores = X_rows @ self.params["W"] + self.params["b"]
        if y is None:
            return scores
        loss, dscores = softmax_loss_and_grad(scores, y)
        return loss, {"W": X_rows.T @ dscores, "b": dscores.sum(axis=0)}


class NaNAfter(SoftmaxToy):
    """SoftmaxToy whose training loss turns NaN on call number ``bad_call`` (1-based)."""

    def __init__(self, bad_call):
        super().__init__()
        self.bad_call = bad_call
        self.calls = 0

    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        self.calls += 1
        loss, grads = result
        return (np.nan if self.calls == self.bad_call else loss), grads


class Quadratic:
    """loss = 0.5 * sum(W**2): plain SGD with a learning rate > 2 blows up geometrically."""

    def __init__(self):
        self.params = {"W": np.ones((NUM_FEATURES, NUM_CLASSES))}

    def loss(self, X, y=None):
        W = self.params["W"]
        if y is None:
            return X.reshape(X.shape[0], -1) @ W  # (N, d_1, ..., d_k) -> (N, D)
        with np.errstate(over="ignore"):
            return 0.5 * np.sum(W * W), {"W": W.copy()}


def make_blobs(num_train=120, num_val=30, seed=0, num_features=NUM_FEATURES):
    """Three Gaussian blobs: learnable, not trivially separable."""
    rng = np.random.RandomState(seed)
    centers = 1.5 * rng.randn(NUM_CLASSES, num_features)

    def split(n):
        y = rng.randint(NUM_CLASSES, size=n)
        return centers[y] + rng.randn(n, num_features), y

    X_train, y_train = split(num_train)
    X_val, y_val = split(num_val)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


@pytest.fixture
def data():
    return make_blobs()


def assert_params_equal(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


ADAM_RUN = {
    "update_rule": "adam",
    "optim_config": {"learning_rate": 5e-3},
    "lr_decay": 0.9,
    "batch_size": 20,
    "num_train_samples": 50,
    "seed": 7,
    **QUIET,
}


# ------------------------------------------------------------------------- settings


def test_unknown_keyword_is_a_value_error_naming_it(data):
    with pytest.raises(ValueError, match="learning_rate"):
        Solver(SoftmaxToy(), data, learning_rate=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"num_epochs": 2.5}, "num_epochs"),
        ({"lr_decay": -1.0}, "lr_decay"),
        ({"update_rule": "nope"}, "update_rule"),
        ({"update_rule": "StepDecay"}, "update_rule"),
        ({"snapshot_params": ["W", "gamma9"]}, "gamma9"),
        ({"lr_schedule": optim.StepDecay(2, 0.5)}, "learning_rate"),
        (
            {
                "lr_schedule": optim.StepDecay(2, 0.5),
                "lr_decay": 0.9,
                "optim_config": {"learning_rate": 1e-2},
            },
            "not both",
        ),
        ({"checkpoint_name": "/no/such/dir/ckpt"}, "missing directory"),
    ],
)
def test_bad_settings_raise_value_errors(data, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        Solver(SoftmaxToy(), data, **kwargs)


def test_bad_data_and_model(data):
    incomplete = {k: v for k, v in data.items() if k != "y_val"}
    with pytest.raises(ValueError, match="y_val"):
        Solver(SoftmaxToy(), incomplete)
    mismatched = dict(data, y_train=data["y_train"][:-1])
    with pytest.raises(ValueError, match="y_train"):
        Solver(SoftmaxToy(), mismatched)
    with pytest.raises(TypeError, match="params"):
        Solver(object(), data)


def test_unpicklable_setting_with_checkpoints_is_rejected_early(data, tmp_path):
    def local_sgd(w, dw, config=None):  # a local function can't be pickled by reference
        return optim.sgd(w, dw, config)

    with pytest.raises(ValueError, match="update_rule"):
        Solver(SoftmaxToy(), data, update_rule=local_sgd, checkpoint_name=str(tmp_path / "c"))


# ------------------------------------------------------------------------- training


def test_training_learns_and_keeps_histories(data):
    model = SoftmaxToy()
    solver = Solver(model, data, num_epochs=5, **ADAM_RUN)
    solver.train()

    iterations = 5 * (120 // 20)
    assert solver.t == iterations == solver.num_iterations
    assert solver.epoch == 5
    assert len(solver.loss_history) == iterations
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 6
    assert [entry["epoch"] for entry in solver.epoch_history] == [0, 1, 2, 3, 4, 5]
    assert set(solver.epoch_history[-1]) == {
        "epoch",
        "iteration",
        "lr",
        "train_acc",
        "val_acc",
        "loss",
    }
    assert solver.epoch_history[-1]["iteration"] == iterations
    epoch_5_losses = solver.loss_history[-6:]
    assert solver.epoch_history[-1]["loss"] == pytest.approx(np.mean(epoch_5_losses))
    assert solver.loss_history[-1] < solver.loss_history[0]
    assert solver.best_val_acc > 0.8
    assert solver.best_val_acc == max(solver.val_acc_history)
    assert_params_equal(model.params, solver.best_params)


def test_lr_decay_multiplies_the_learning_rate_each_epoch(data):
    solver = Solver(SoftmaxToy(), data, num_epochs=3, **ADAM_RUN)
    solver.train()
    assert solver.current_lr() == pytest.approx(5e-3 * 0.9**3)
    lrs = [entry["lr"] for entry in solver.epoch_history]
    assert lrs == pytest.approx([5e-3, 5e-3, 5e-3 * 0.9, 5e-3 * 0.9**2])


def test_lr_schedule_sets_the_learning_rate_of_every_epoch(data):
    schedule = optim.StepDecay(step_size=2, gamma=0.5)
    solver = Solver(
        SoftmaxToy(),
        data,
        update_rule="sgd_momentum",
        optim_config={"learning_rate": 1e-2},
        lr_schedule=schedule,
        num_epochs=4,
        batch_size=30,
        **QUIET,
    )
    assert solver.current_lr() == 1e-2
    solver.train()
    lrs = [entry["lr"] for entry in solver.epoch_history]
    assert lrs == pytest.approx([1e-2, 1e-2, 1e-2, 5e-3, 5e-3])
    assert solver.current_lr() == pytest.approx(2.5e-3)


def test_callable_update_rule(data):
    calls = []

    def tracking_sgd(w, dw, config=None):
        calls.append(1)
        return optim.sgd(w, dw, config)

    solver = Solver(
        SoftmaxToy(), data, update_rule=tracking_sgd, num_epochs=1, batch_size=40, **QUIET
    )
    solver.train()
    assert len(calls) == 3 * 2  # 3 iterations x 2 params


def test_same_seed_same_run_different_seed_different_run(data):
    def run(seed):
        model = SoftmaxToy()
        Solver(model, data, num_epochs=2, **dict(ADAM_RUN, seed=seed)).train()
        return model.params

    assert_params_equal(run(3), run(3))
    assert not np.array_equal(run(3)["W"], run(4)["W"])


def test_check_accuracy(data):
    model = SoftmaxToy()
    solver = Solver(model, data, seed=0, **QUIET)
    predictions = np.argmax(model.loss(data["X_val"]), axis=1)
    expected = np.mean(predictions == data["y_val"])
    assert solver.check_accuracy(data["X_val"], data["y_val"], batch_size=7) == expected
    subset = solver.check_accuracy(data["X_val"], data["y_val"], num_samples=10)
    assert subset in {k / 10 for k in range(11)}
    with pytest.raises(ValueError, match="num_samples"):
        solver.check_accuracy(data["X_val"], data["y_val"], num_samples=0)


def test_callbacks_see_every_iteration_and_epoch(data):
    events = []

    def record(event, solver):
        events.append((event, solver.t, solver.epoch))

    solver = Solver(SoftmaxToy(), data, num_epochs=2, batch_size=40, callbacks=[record], **QUIET)
    solver.train()
    kinds = [event for event, _, _ in events]
    assert kinds.count(EVENT_ITERATION) == solver.num_iterations == 6
    assert kinds.count(EVENT_EPOCH) == 3  # after iteration 1 and after each epoch
    assert kinds[-1] == EVENT_TRAIN_END and kinds.count(EVENT_TRAIN_END) == 1
    epoch_events = [(t, epoch) for event, t, epoch in events if event == EVENT_EPOCH]
    assert epoch_events == [(1, 0), (3, 1), (6, 2)]


def test_snapshots(data):
    model = SoftmaxToy()
    initial_W = model.params["W"].copy()
    solver = Solver(model, data, num_epochs=4, snapshot_every=2, snapshot_params=["W"], **ADAM_RUN)
    solver.train()
    assert [epoch for epoch, _ in solver.snapshots] == [0, 2, 4]
    assert all(set(weights) == {"W"} for _, weights in solver.snapshots)
    np.testing.assert_array_equal(solver.snapshots[0][1]["W"], initial_W)
    assert not np.array_equal(solver.snapshots[1][1]["W"], initial_W)


def test_verbose_output_with_and_without_progress_bar(data, capsys):
    Solver(SoftmaxToy(), data, num_epochs=1, batch_size=40, progress=False, print_every=1).train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 3) loss:" in out and "(Epoch 1 / 1) train acc:" in out
    Solver(SoftmaxToy(), data, num_epochs=1, batch_size=40, progress=True).train()
    captured = capsys.readouterr()
    assert "(Epoch 1 / 1)" in captured.out + captured.err
    assert "(Iteration" not in captured.out


# ------------------------------------------------------------------------- divergence


def test_nan_loss_stops_training_and_keeps_last_finite_params(data):
    model = NaNAfter(bad_call=4)
    seen = []

    def copy_params(event, solver):
        if event == EVENT_ITERATION:
            seen.append({k: v.copy() for k, v in solver.model.params.items()})

    solver = Solver(
        model,
        data,
        update_rule="sgd",
        optim_config={"learning_rate": 0.1},
        batch_size=20,
        callbacks=[copy_params],
        **QUIET,
    )
    with pytest.raises(TrainingDiverged, match="iteration 4/") as info:
        solver.train()
    error = info.value
    assert isinstance(error, FloatingPointError)
    assert error.iteration == 4 and error.learning_rate == 0.1
    message = str(error)
    assert "epoch 0.50" in message and "learning rate 0.1" in message and "lower" in message
    assert len(seen) == 3
    assert_params_equal(model.params, seen[-1])
    assert len(solver.loss_history) == 3


def test_exploding_weights_stop_training(data):
    solver = Solver(
        Quadratic(),
        data,
        update_rule="sgd",
        optim_config={"learning_rate": 1e3},
        batch_size=20,
        num_epochs=100,
        **QUIET,
    )
    with pytest.raises(FloatingPointError, match="learning rate 1000.0"):
        solver.train()
    assert np.all(np.isfinite(solver.model.params["W"]))
    assert solver.t < 200


# ------------------------------------------------------------------------- checkpoints


def test_checkpoint_files_and_contents(data, tmp_path):
    name = str(tmp_path / "toy")
    solver = Solver(SoftmaxToy(), data, num_epochs=2, checkpoint_name=name, **ADAM_RUN)
    solver.train()
    assert sorted(os.listdir(tmp_path)) == ["toy_epoch_1.pkl", "toy_epoch_2.pkl"]
    assert solver.last_checkpoint == name + "_epoch_2.pkl"
    state = load_checkpoint(name + "_epoch_1.pkl")
    assert state["epoch"] == 1 and state["iteration"] == 6
    assert set(state["params"]) == {"W", "b"}
    assert set(state["optim_configs"]["W"]) >= {"learning_rate", "m", "v", "t"}
    assert state["optim_configs"]["W"]["t"] == 6
    assert state["rng_state"][0] == "MT19937"
    assert state["solver_kwargs"]["update_rule"] == "adam"
    assert len(state["val_acc_history"]) == 2

    not_a_checkpoint = tmp_path / "other.pkl"
    not_a_checkpoint.write_bytes(pickle.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="not a cs231n Solver checkpoint"):
        load_checkpoint(not_a_checkpoint)


def test_failed_checkpoint_write_leaves_previous_file_intact(data, tmp_path, monkeypatch):
    name = str(tmp_path / "toy")
    solver = Solver(SoftmaxToy(), data, num_epochs=1, checkpoint_name=name, **ADAM_RUN)
    solver.train()
    path = name + "_epoch_1.pkl"
    before = open(path, "rb").read()

    def dump_half_then_fail(obj, f, protocol=None):
        f.write(pickle.dumps(obj, protocol)[:100])
        raise OSError("disk full")

    monkeypatch.setattr(pickle, "dump", dump_half_then_fail)
    solver.model.params["W"] += 1.0  # the new checkpoint would differ
    with pytest.raises(OSError, match="disk full"):
        solver.save_checkpoint(path)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["toy_epoch_1.pkl"]
    assert solver.last_checkpoint == path

    # The same during training: the epoch-2 write fails, epoch 1's file survives untouched.
    solver = Solver(SoftmaxToy(), data, num_epochs=2, resume_from=path, checkpoint_name=name)
    with pytest.raises(OSError, match="disk full"):
        solver.train()
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["toy_epoch_1.pkl"]


def run_interrupted(model_factory, data, kwargs, tmp_path, total_epochs, stop_epoch):
    """Train to stop_epoch with checkpoints, then resume a NEW model to total_epochs."""
    name = str(tmp_path / "run")
    first = Solver(model_factory(), data, num_epochs=stop_epoch, checkpoint_name=name, **kwargs)
    first.train()
    resumed_model = model_factory(seed=99)  # different init: everything must come from the file
    resumed = Solver(
        resumed_model, data, num_epochs=total_epochs, resume_from=f"{name}_epoch_{stop_epoch}.pkl"
    )
    assert resumed.epoch == stop_epoch
    resumed.train()
    return resumed


def assert_same_run(a, b):
    assert_params_equal(a.model.params, b.model.params)
    assert_params_equal(a.best_params, b.best_params)
    assert a.loss_history == b.loss_history
    assert a.train_acc_history == b.train_acc_history
    assert a.val_acc_history == b.val_acc_history
    assert a.epoch_history == b.epoch_history
    assert a.best_val_acc == b.best_val_acc
    assert (a.epoch, a.t) == (b.epoch, b.t)
    for x, y in zip(a.rng.get_state(), b.rng.get_state(), strict=True):
        np.testing.assert_array_equal(x, y)
    for name in a.optim_configs:
        for key, value in a.optim_configs[name].items():
            np.testing.assert_array_equal(value, b.optim_configs[name][key])


def test_resume_reproduces_the_uninterrupted_run_bitwise(data, tmp_path):
    uninterrupted = Solver(SoftmaxToy(), data, num_epochs=4, **ADAM_RUN)
    uninterrupted.train()
    resumed = run_interrupted(SoftmaxToy, data, ADAM_RUN, tmp_path, total_epochs=4, stop_epoch=2)
    assert_same_run(uninterrupted, resumed)


def test_resume_after_a_crash_with_the_resume_method(data, tmp_path):
    class Crash(Exception):
        pass

    def crash_after_epoch_2(event, solver):
        if event == EVENT_EPOCH and solver.epoch == 2:
            raise Crash

    kwargs = dict(ADAM_RUN, num_epochs=4, snapshot_every=1)
    uninterrupted = Solver(SoftmaxToy(), data, **kwargs)
    uninterrupted.train()

    name = str(tmp_path / "crash")
    crashing = Solver(
        SoftmaxToy(), data, checkpoint_name=name, callbacks=crash_after_epoch_2, **kwargs
    )
    with pytest.raises(Crash):
        crashing.train()
    assert crashing.epoch == 2
    resumed = Solver(SoftmaxToy(seed=5), data, **kwargs).resume(name + "_epoch_2.pkl")
    resumed.train()
    assert_same_run(uninterrupted, resumed)
    assert [epoch for epoch, _ in resumed.snapshots] == [0, 1, 2, 3, 4]


def test_resume_refuses_a_different_trajectory_setting(data, tmp_path):
    name = str(tmp_path / "toy")
    Solver(SoftmaxToy(), data, num_epochs=1, checkpoint_name=name, **ADAM_RUN).train()
    with pytest.raises(ValueError, match="batch_size"):
        Solver(SoftmaxToy(), data, resume_from=name + "_epoch_1.pkl", batch_size=10)
    with pytest.raises(ValueError, match="params"):
        Solver(
            SoftmaxToy(num_features=4),
            make_blobs(num_features=4),
            resume_from=name + "_epoch_1.pkl",
        )
    with pytest.raises(ValueError, match="examples"):
        Solver(SoftmaxToy(), make_blobs(num_train=100), resume_from=name + "_epoch_1.pkl")


FC_DIMS = {"hidden_dims": [16, 12], "input_dim": NUM_FEATURES, "num_classes": NUM_CLASSES}


@pytest.mark.parametrize(
    "net_options",
    [
        {"dropout": 0.3},
        {"normalization": "batchnorm"},
        {"normalization": "batchnorm", "dropout": 0.2},
        {"normalization": "layernorm", "dropout": 0.2},
    ],
    ids=["dropout", "batchnorm", "batchnorm+dropout", "layernorm+dropout"],
)
def test_resume_is_exact_for_nets_with_dropout_and_normalization(data, tmp_path, net_options):
    def make_net(seed=0):
        return FullyConnectedNet(**FC_DIMS, **net_options, weight_scale=0.1, seed=seed)

    kwargs = dict(ADAM_RUN, update_rule="sgd_momentum", optim_config={"learning_rate": 0.05})
    uninterrupted = Solver(make_net(), data, num_epochs=4, **kwargs)
    uninterrupted.train()
    resumed = run_interrupted(make_net, data, kwargs, tmp_path, total_epochs=4, stop_epoch=2)
    assert_same_run(uninterrupted, resumed)
    for a, b in zip(uninterrupted.model.bn_params, resumed.model.bn_params, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_solver_draws_a_fresh_dropout_seed_every_iteration(data):
    seeds = []

    def record_seed(event, solver):
        if event == EVENT_ITERATION:
            seeds.append(solver.model.dropout_param["seed"])

    net = FullyConnectedNet(**FC_DIMS, dropout=0.5, seed=1)
    Solver(net, data, num_epochs=1, batch_size=40, seed=0, callbacks=[record_seed], **QUIET).train()
    assert len(set(seeds)) == 3


# ------------------------------------------------------------------------- batch_transform


class AddNoise:
    """A picklable batch_transform: adds noise drawn from the Solver's RandomState."""

    def __init__(self, scale=0.5):
        self.scale = scale

    def __call__(self, X, rng):
        return X + self.scale * rng.randn(*X.shape)


def test_batch_transform_sees_every_training_batch_but_not_accuracy_checks(data):
    seen = []

    class Recording(AddNoise):
        def __call__(self, X, rng):
            seen.append(X.shape)
            return super().__call__(X, rng)

    solver = Solver(SoftmaxToy(), data, num_epochs=2, batch_transform=Recording(), **ADAM_RUN)
    solver.train()
    assert seen == [(20, NUM_FEATURES)] * solver.num_iterations
    assert solver.best_val_acc > 0.8


def test_batch_transform_changes_the_run_reproducibly(data):
    def run(transform):
        model = SoftmaxToy()
        Solver(model, data, num_epochs=2, batch_transform=transform, **ADAM_RUN).train()
        return model.params

    assert_params_equal(run(AddNoise()), run(AddNoise()))
    assert not np.array_equal(run(AddNoise())["W"], run(None)["W"])


def test_resume_with_a_batch_transform_is_exact(data, tmp_path):
    kwargs = dict(ADAM_RUN, batch_transform=AddNoise())
    uninterrupted = Solver(SoftmaxToy(), data, num_epochs=4, **kwargs)
    uninterrupted.train()
    resumed = run_interrupted(SoftmaxToy, data, kwargs, tmp_path, total_epochs=4, stop_epoch=2)
    assert_same_run(uninterrupted, resumed)
    with pytest.raises(ValueError, match="batch_transform"):
        Solver(
            SoftmaxToy(), data, resume_from=str(tmp_path / "run_epoch_2.pkl"), batch_transform=None
        )


def test_bad_batch_transform(data):
    with pytest.raises(TypeError, match="batch_transform"):
        Solver(SoftmaxToy(), data, batch_transform=3)
    solver = Solver(SoftmaxToy(), data, batch_transform=lambda X, rng: X[:-1], **QUIET)
    with pytest.raises(ValueError, match="batch_transform must return"):
        solver.train()


def test_the_best_epoch_comes_back_with_its_batchnorm_running_averages(data):
    model = FullyConnectedNet(**FC_DIMS, normalization="batchnorm", weight_scale=0.1, seed=0)
    settings = dict(ADAM_RUN, optim_config={"learning_rate": 0.05})
    solver = Solver(model, data, num_epochs=6, **settings)
    solver.train()
    assert solver.best_epoch < solver.epoch  # the last epoch was not the best: a real restore
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == solver.best_val_acc
