"""The Solver: minibatch training loop for the classifiers (CS231n 2017 interface).

A ``Solver`` trains a model with one of the update rules of ``cs231n.optim``. It samples
minibatches, calls ``model.loss``, applies the update to every parameter, decays the learning
rate per epoch, measures train/val accuracy after every epoch, keeps the best parameters, and can
write checkpoints that resume an interrupted run bit for bit.

Example::

    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100, seed=231)
    solver.train()
    solver.best_val_acc, solver.loss_history, solver.epoch_history

Checkpoints are Python pickles. Loading one runs pickle, which can execute arbitrary code:
only load checkpoints you wrote yourself.
"""

import contextlib
import copy
import inspect
import numbers
import os
import pickle
import tempfile

import numpy as np
from tqdm.auto import tqdm

from cs231n import optim

# ---------------------------------------------------------------------------------------------
# Defaults of every Solver keyword argument (any other keyword is a ValueError).
SOLVER_DEFAULTS = {
    "update_rule": "sgd",  # name of a function in cs231n.optim, or a callable with its signature
    "optim_config": None,  # dict of hyperparameters for the update rule (None = {})
    "lr_decay": 1.0,  # multiply the learning rate by this after every epoch
    "lr_schedule": None,  # callable (base_lr, epoch) -> lr, e.g. optim.StepDecay; excludes lr_decay
    "batch_size": 100,  # minibatch size
    "num_epochs": 10,  # epochs to train for
    "num_train_samples": 1000,  # training examples used to measure train accuracy (None = all)
    "num_val_samples": None,  # validation examples used to measure val accuracy (None = all)
    "checkpoint_name": None,  # write <checkpoint_name>_epoch_<e>.pkl after every epoch
    "print_every": 10,  # print the loss every this many iterations (when verbose)
    "verbose": True,  # print progress; False = silent
    "progress": True,  # tqdm progress bar over iterations (only shown when verbose is also True)
    "seed": None,  # seed of the Solver's own RandomState (minibatches, accuracy subsets, dropout)
    "batch_transform": None,  # callable (X_batch, rng) -> X_batch for training batches, or None
    "snapshot_every": None,  # copy the weights into solver.snapshots every this many epochs
    "snapshot_params": None,  # names of the params to snapshot (None = all)
    "callbacks": (),  # callables callback(event, solver), see Solver
    "resume_from": None,  # path of a checkpoint to continue from
}
# Settings that change the training trajectory: a resumed run must use the saved values.
TRAJECTORY_KWARGS = (
    "update_rule",
    "optim_config",
    "lr_decay",
    "lr_schedule",
    "batch_size",
    "num_train_samples",
    "num_val_samples",
    "seed",
    "batch_transform",
)
# Settings that are live objects of this session and never go into a checkpoint.
UNSAVED_KWARGS = ("callbacks", "resume_from")
NO_LR_DECAY = 1.0
ACCURACY_BATCH_SIZE = 100  # default minibatch size of check_accuracy
DROPOUT_SEED_BOUND = 2**31 - 1  # per-iteration dropout seeds are drawn from [0, this)
CHECKPOINT_FORMAT = "cs231n.solver.checkpoint"
CHECKPOINT_VERSION = 1
REQUIRED_DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")
UPDATE_RULE_PARAMETERS = ("w", "dw", "config")  # how an update rule of cs231n.optim is called

# Callback events, in the order they happen.
EVENT_ITERATION = "iteration"  # after every parameter update
EVENT_EPOCH = "epoch"  # after every accuracy evaluation (first iteration and each epoch end)
EVENT_TRAIN_END = "train_end"  # once, after the best parameters are swapped in
# ---------------------------------------------------------------------------------------------


class TrainingDiverged(FloatingPointError):
    """Training stopped because the loss, a gradient or an updated weight became NaN or infinite.

    Attributes: iteration (1-based), epoch (float, fractional epochs done), learning_rate.
    """

    def __init__(self, message, iteration, epoch, learning_rate):
        super().__init__(message)
        self.iteration = iteration
        self.epoch = epoch
        self.learning_rate = learning_rate


class Solver:
    """Trains a classification model with minibatch gradient descent.

    Model contract (what the Solver needs from ``model``):
    - ``model.params``: dict name -> ndarray holding every learnable parameter. The Solver
      writes ``model.params[name] = next_w`` after each update, and at the end of ``train()``
      replaces the dict by copies of the best parameters, so the model must read its weights
      from ``model.params`` on every call.
    - ``model.loss(X, y=None)``:
      - X: minibatch of shape (N, d_1, ..., d_k); y: int labels of shape (N,), 0 <= y[i] < C.
      - ``y is None`` (test mode): returns scores of shape (N, C); predictions are the argmax.
      - ``y`` given (training mode): returns ``(loss, grads)``; ``loss`` a scalar, ``grads`` a
        dict with exactly the keys of ``model.params`` and arrays of the same shapes.
      - The model switches its own train/test behaviour on ``y is None`` (e.g. it sets
        ``bn_param['mode']`` and ``dropout_param['mode']`` to "train" or "test").
    - Optional ``model.bn_params``: list of dicts with batch/layer norm state (running_mean,
      running_var, ...). It is part of the model state: saved in checkpoints, restored on resume.
    - Optional ``model.dropout_param``: dict (empty or absent = no dropout). Before every
      training call of ``model.loss`` the Solver writes a fresh ``dropout_param['seed']`` drawn
      from its own RandomState (the dropout layers build their mask from RandomState(seed)), so
      masks change every iteration, are reproducible from ``seed``, and a resumed run draws the
      same masks as an uninterrupted one. No hidden global random state is involved.
    - Conventions the Solver does not read: ``model.reg`` (L2 strength; the loss includes
      ``reg * sum(W**2)`` over the weights) and ``model.dtype`` (dtype of the params; the
      Solver does not cast the data, so pass data the model accepts).

    Data contract: ``data`` is a dict with
    - 'X_train': (N_train, d_1, ..., d_k) training inputs; 'y_train': (N_train,) int labels;
    - 'X_val': (N_val, d_1, ..., d_k) validation inputs; 'y_val': (N_val,) int labels.
    Other keys (e.g. 'X_test') are ignored.

    Keyword arguments (defaults in SOLVER_DEFAULTS; any other keyword raises ValueError):
    - update_rule: name of an update rule in cs231n.optim ('sgd', 'sgd_momentum', 'nesterov',
      'adagrad', 'rmsprop', 'adam') or a callable ``update(w, dw, config) -> (next_w, config)``.
    - optim_config: dict of hyperparameters passed to the update rule (e.g. learning_rate).
      Each parameter gets its own deep copy, which also holds the rule's state (velocity, m...).
    - lr_decay: after each epoch the learning rate is multiplied by this.
    - lr_schedule: callable ``(base_lr, epoch) -> lr`` (e.g. ``optim.StepDecay(5, 0.5)``); the
      learning rate of epoch e (0-based) is ``lr_schedule(optim_config['learning_rate'], e)``.
      Needs optim_config['learning_rate']; giving both lr_schedule and lr_decay is an error.
    - batch_size, num_epochs: minibatch size and number of epochs. An epoch is
      ``max(N_train // batch_size, 1)`` iterations; minibatches are sampled with replacement.
    - num_train_samples / num_val_samples: how many examples (drawn without replacement) the
      per-epoch accuracy checks use; None = the whole split.
    - checkpoint_name: if given, after every epoch the full training state is written ATOMICALLY
      to ``'%s_epoch_%d.pkl' % (checkpoint_name, epoch)`` (see ``save_checkpoint``).
    - print_every, verbose: print the loss every print_every iterations and the accuracies every
      epoch; verbose=False prints nothing.
    - progress: show a tqdm.auto progress bar over iterations (postfix: loss and epoch). Shown
      only when verbose is also True; while it is shown the per-iteration loss lines are left
      out (the bar shows the loss) and the epoch lines are written above the bar.
    - seed: seed of ``solver.rng``, the np.random.RandomState behind ALL of the Solver's
      randomness (minibatches, accuracy subsets, dropout seeds, batch_transform). Same seed,
      same model initialisation and data -> bitwise the same run.
    - batch_transform: None, or a callable ``batch_transform(X_batch, rng) -> X_batch`` applied
      to every TRAINING minibatch before ``model.loss`` (data augmentation, e.g.
      ``cs231n.augment.RandomFlipCrop(pad=4)``); it must draw its randomness from ``rng`` (the
      Solver's RandomState) and return an array of the same shape. Accuracy checks see the
      untransformed data. It is saved in checkpoints, so it must be picklable when
      checkpoint_name is set.
    - snapshot_every: every this many epochs append ``(epoch, {name: copy})`` to
      ``solver.snapshots``; the initial weights (epoch 0, before the first update) are always the
      first snapshot. snapshot_params: names of the params to copy (None = all).
    - callbacks: callables ``callback(event, solver)`` called with event
      EVENT_ITERATION ("iteration", after every update), EVENT_EPOCH ("epoch", after every
      accuracy evaluation: the first iteration and each epoch end; read
      ``solver.epoch_history[-1]``) and EVENT_TRAIN_END ("train_end"). An exception raised by a
      callback stops training (the checkpoint of that epoch is already written).
    - resume_from: path of a checkpoint; the Solver continues that run (see ``resume``). Settings
      not passed default to the checkpoint's; num_epochs may be raised to train longer.

    Attributes after/while training: epoch, t (iterations done), loss_history (per iteration),
    train_acc_history / val_acc_history (per evaluation), epoch_history (list of dicts with
    epoch, iteration, lr, train_acc, val_acc, loss = mean loss since the previous evaluation),
    best_val_acc, best_params, best_bn_params, best_epoch, snapshots, rng, last_checkpoint
    (path or None). At the end of train() the model gets the best epoch's params back, and its
    batch norm running averages of that epoch too, so it scores best_val_acc again.

    Divergence: if the loss or a gradient is NaN/inf, training stops with ``TrainingDiverged``
    (a FloatingPointError) naming the iteration, epoch and learning rate; that step is not
    applied, so ``model.params`` are those of the last finite step. If an update itself
    overflows the weights, training stops the same way before any parameter is replaced (an
    update rule that works in place, like CS231n's 'sgd', has then already changed its arrays).
    """

    def __init__(self, model, data, **kwargs):
        """Construct a Solver; see the class docstring for the model/data contract and kwargs.

        Inputs:
        - model: object following the model contract.
        - data: dict with X_train, y_train, X_val, y_val.
        - kwargs: the settings of SOLVER_DEFAULTS.
        """
        _check_model(model)
        _check_data(data)
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.num_train = self.X_train.shape[0]

        unknown = sorted(set(kwargs) - set(SOLVER_DEFAULTS))
        if unknown:
            raise ValueError(
                f"Solver: unrecognized keyword argument(s) {unknown}; "
                f"expected some of {sorted(SOLVER_DEFAULTS)}"
            )
        resume_from = kwargs.get("resume_from")
        checkpoint = None
        saved = {}
        if resume_from is not None:
            checkpoint = load_checkpoint(resume_from)
            saved = checkpoint["solver_kwargs"]
        settings = {**SOLVER_DEFAULTS, **saved, **kwargs}
        if settings["lr_schedule"] is not None and (
            "lr_decay" in kwargs or settings["lr_decay"] != NO_LR_DECAY
        ):
            raise ValueError(
                "Solver: give either lr_decay or lr_schedule, not both "
                f"(lr_decay={settings['lr_decay']!r}, lr_schedule={settings['lr_schedule']!r})"
            )
        self._apply_settings(settings)
        self._reset()
        if checkpoint is not None:
            self._restore(checkpoint, resume_from)

    # ------------------------------------------------------------------ settings and state

    def _apply_settings(self, settings):
        """Validate the keyword settings and store them as attributes."""
        update_rule = settings["update_rule"]
        if isinstance(update_rule, str):
            rule = getattr(optim, update_rule, None)
            if update_rule.startswith("_") or not _is_update_rule(rule):
                raise ValueError(
                    f"Solver: update_rule={update_rule!r} is not an update rule of cs231n.optim; "
                    "use e.g. 'sgd', 'sgd_momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam' "
                    "or pass a callable update(w, dw, config) -> (next_w, config)"
                )
            self.update_rule = rule
        elif callable(update_rule):
            self.update_rule = update_rule
        else:
            raise TypeError(
                f"Solver: update_rule must be a name in cs231n.optim or a callable, "
                f"got {type(update_rule).__name__}"
            )

        optim_config = settings["optim_config"]
        if optim_config is None:
            optim_config = {}
        if not isinstance(optim_config, dict):
            raise TypeError(
                f"Solver: optim_config must be a dict, got {type(optim_config).__name__}"
            )
        self.optim_config = copy.deepcopy(optim_config)

        self.lr_decay = _positive_number("lr_decay", settings["lr_decay"])
        self.lr_schedule = settings["lr_schedule"]
        if self.lr_schedule is not None:
            if not callable(self.lr_schedule):
                raise TypeError(
                    "Solver: lr_schedule must be a callable (base_lr, epoch) -> lr, got "
                    f"{type(self.lr_schedule).__name__}"
                )
            if "learning_rate" not in self.optim_config:
                raise ValueError(
                    "Solver: lr_schedule needs the base learning rate in "
                    "optim_config['learning_rate']"
                )
        self.batch_size = _positive_int("batch_size", settings["batch_size"])
        self.num_epochs = _positive_int("num_epochs", settings["num_epochs"])
        self.num_train_samples = _positive_int(
            "num_train_samples", settings["num_train_samples"], allow_none=True
        )
        self.num_val_samples = _positive_int(
            "num_val_samples", settings["num_val_samples"], allow_none=True
        )
        self.print_every = _positive_int("print_every", settings["print_every"])
        self.verbose = bool(settings["verbose"])
        self.progress = bool(settings["progress"])
        seed = settings["seed"]
        if seed is not None and not isinstance(seed, numbers.Integral):
            raise TypeError(f"Solver: seed must be an int or None, got {seed!r}")
        self.seed = seed
        batch_transform = settings["batch_transform"]
        if batch_transform is not None and not callable(batch_transform):
            raise TypeError(
                "Solver: batch_transform must be None or a callable (X_batch, rng) -> X_batch, "
                f"got {type(batch_transform).__name__}"
            )
        self.batch_transform = batch_transform

        self.snapshot_every = _positive_int(
            "snapshot_every", settings["snapshot_every"], allow_none=True
        )
        snapshot_params = settings["snapshot_params"]
        if snapshot_params is not None:
            if isinstance(snapshot_params, str):
                snapshot_params = [snapshot_params]
            snapshot_params = list(snapshot_params)
            missing = [name for name in snapshot_params if name not in self.model.params]
            if missing:
                raise ValueError(
                    f"Solver: snapshot_params {missing} are not in model.params "
                    f"(which has {sorted(self.model.params)})"
                )
        self.snapshot_params = snapshot_params

        callbacks = settings["callbacks"]
        if callable(callbacks):
            callbacks = (callbacks,)
        callbacks = tuple(callbacks)
        for callback in callbacks:
            if not callable(callback):
                raise TypeError(
                    f"Solver: every entry of callbacks must be callable, got {callback!r}"
                )
        self.callbacks = callbacks

        checkpoint_name = settings["checkpoint_name"]
        if checkpoint_name is not None:
            checkpoint_name = os.fspath(checkpoint_name)
            directory = os.path.dirname(os.path.abspath(checkpoint_name))
            if not os.path.isdir(directory):
                raise ValueError(
                    f"Solver: checkpoint_name={checkpoint_name!r} points into the missing "
                    f"directory {directory!r}; create it first"
                )
        self.checkpoint_name = checkpoint_name

        self.settings = {
            name: value for name, value in settings.items() if name not in UNSAVED_KWARGS
        }
        if checkpoint_name is not None:
            _check_picklable(self.settings)

    def _reset(self):
        """Set up the bookkeeping of a fresh run. Don't call this manually."""
        self.epoch = 0
        self.t = 0
        self.best_val_acc = 0.0
        self.best_params = {}
        self.best_bn_params = None  # the model's bn_params at the best epoch (running stats)
        self.best_epoch = None
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.epoch_history = []
        self.snapshots = []
        self.last_checkpoint = None
        self._loss_mark = 0  # index into loss_history where the current epoch started
        self.rng = np.random.RandomState(self.seed)
        self.optim_configs = {p: copy.deepcopy(self.optim_config) for p in self.model.params}
        self.base_lr = self.optim_config.get("learning_rate")
        if self.lr_schedule is not None:
            self._set_learning_rate(self._scheduled_lr(0))

    @property
    def iterations_per_epoch(self):
        """Iterations in one epoch: max(N_train // batch_size, 1)."""
        return max(self.num_train // self.batch_size, 1)

    @property
    def num_iterations(self):
        """Total iterations of the run: num_epochs * iterations_per_epoch."""
        return self.num_epochs * self.iterations_per_epoch

    def current_lr(self):
        """The learning rate of the update rule right now (None if the rule hasn't set one)."""
        for config in self.optim_configs.values():
            return config.get("learning_rate")
        return None

    def _set_learning_rate(self, learning_rate):
        for config in self.optim_configs.values():
            config["learning_rate"] = learning_rate

    def _scheduled_lr(self, epoch):
        learning_rate = self.lr_schedule(self.base_lr, epoch)
        if not isinstance(learning_rate, numbers.Real) or not np.isfinite(learning_rate):
            raise ValueError(
                f"Solver: lr_schedule({self.base_lr!r}, {epoch}) returned {learning_rate!r}; "
                "expected a finite number"
            )
        return learning_rate

    def _update_learning_rate(self):
        """Apply lr_schedule or lr_decay after self.epoch was incremented."""
        if self.lr_schedule is not None:
            self._set_learning_rate(self._scheduled_lr(self.epoch))
            return
        if self.lr_decay == NO_LR_DECAY:
            return
        for name, config in self.optim_configs.items():
            if "learning_rate" not in config:
                raise ValueError(
                    f"Solver: lr_decay needs a 'learning_rate' in the optimizer config of "
                    f"{name!r}; set optim_config['learning_rate']"
                )
            config["learning_rate"] *= self.lr_decay

    # ------------------------------------------------------------------ one step

    def _seed_model_dropout(self):
        """Give the model's dropout a fresh seed drawn from the Solver's RandomState."""
        dropout_param = getattr(self.model, "dropout_param", None)
        if isinstance(dropout_param, dict) and dropout_param:
            dropout_param["seed"] = int(self.rng.randint(DROPOUT_SEED_BOUND))

    def _diverged(self, what):
        iteration = self.t + 1
        epoch = self.t / self.iterations_per_epoch
        learning_rate = self.current_lr()
        if isinstance(learning_rate, numbers.Real):
            hint = f"try a lower learning rate, e.g. {learning_rate / 10:g}"
        else:
            hint = "try a lower learning rate"
        message = (
            f"Solver: training diverged: {what} at iteration {iteration}/{self.num_iterations} "
            f"(epoch {epoch:.2f}) with learning rate {learning_rate!r}; "
            f"{hint} (or a smaller weight_scale / stronger regularization)"
        )
        return TrainingDiverged(message, iteration, epoch, learning_rate)

    def _transformed(self, X_batch):
        """Apply batch_transform to a training minibatch and check that it kept the shape."""
        transformed = self.batch_transform(X_batch, self.rng)
        if getattr(transformed, "shape", None) != X_batch.shape:
            raise ValueError(
                f"Solver: batch_transform must return an array of the minibatch's shape "
                f"{X_batch.shape}, got {getattr(transformed, 'shape', type(transformed).__name__)}"
            )
        return transformed

    def _step(self):
        """Make a single gradient update. Called by train(); don't call it manually."""
        batch_mask = self.rng.choice(self.num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]
        if self.batch_transform is not None:
            X_batch = self._transformed(X_batch)

        self._seed_model_dropout()
        loss, grads = self.model.loss(X_batch, y_batch)
        if not np.isfinite(loss):
            raise self._diverged(f"the loss became {float(loss)}")
        if not isinstance(grads, dict) or grads.keys() != self.model.params.keys():
            got = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
            raise ValueError(
                f"Solver: model.loss must return grads keyed like model.params "
                f"{sorted(self.model.params)}, got {got}"
            )
        for name, dw in grads.items():
            if not np.all(np.isfinite(dw)):
                raise self._diverged(f"the gradient of {name!r} became non-finite")
        self.loss_history.append(float(loss))

        updates = {}
        for name, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[name], self.optim_configs[name])
            if not np.all(np.isfinite(next_w)):
                raise self._diverged(f"the update of {name!r} overflowed")
            updates[name] = (next_w, next_config)
        for name, (next_w, next_config) in updates.items():
            self.model.params[name] = next_w
            self.optim_configs[name] = next_config

    # ------------------------------------------------------------------ evaluation

    def check_accuracy(self, X, y, num_samples=None, batch_size=ACCURACY_BATCH_SIZE):
        """Check the accuracy of the model on the provided data.

        Inputs:
        - X: array of data, of shape (N, d_1, ..., d_k)
        - y: array of labels, of shape (N,)
        - num_samples: if not None and N > num_samples, measure on num_samples examples drawn
          without replacement by solver.rng.
        - batch_size: split X and y into batches of this size to avoid using too much memory.

        Returns:
        - acc: float, fraction of examples correctly classified by the model.
        """
        if X.shape[0] != y.shape[0]:
            raise ValueError(
                f"check_accuracy: X has {X.shape[0]} examples but y has {y.shape[0]} labels"
            )
        num_samples = _positive_int("num_samples", num_samples, allow_none=True)
        batch_size = _positive_int("batch_size", batch_size)
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self.rng.choice(N, num_samples, replace=False)
            N = num_samples
            X = X[mask]
            y = y[mask]

        num_batches = (N + batch_size - 1) // batch_size
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        return float(np.mean(y_pred == y))

    def _take_snapshot(self):
        names = self.snapshot_params if self.snapshot_params is not None else self.model.params
        self.snapshots.append(
            (self.epoch, {name: self.model.params[name].copy() for name in names})
        )

    def _evaluate(self, learning_rate, epoch_end):
        """Accuracy check, histories, best params, snapshot and checkpoint after an epoch."""
        train_acc = self.check_accuracy(
            self.X_train, self.y_train, num_samples=self.num_train_samples
        )
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        losses = self.loss_history[self._loss_mark :]
        self._loss_mark = len(self.loss_history)
        self.epoch_history.append(
            {
                "epoch": self.epoch,
                "iteration": self.t,
                "lr": learning_rate,
                "train_acc": train_acc,
                "val_acc": val_acc,
                "loss": float(np.mean(losses)),
            }
        )
        self._log(
            f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
            f"val_acc: {val_acc:f}"
        )
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_epoch = self.epoch
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
            self.best_bn_params = copy.deepcopy(getattr(self.model, "bn_params", None))
        if epoch_end and self.snapshot_every and self.epoch % self.snapshot_every == 0:
            self._take_snapshot()
        if epoch_end and self.checkpoint_name is not None:
            self.save_checkpoint(f"{self.checkpoint_name}_epoch_{self.epoch}.pkl")

    # ------------------------------------------------------------------ training loop

    def _notify(self, event):
        for callback in self.callbacks:
            callback(event, self)

    def _log(self, message):
        if not self.verbose:
            return
        if self._bar is not None:
            self._bar.write(message)
        else:
            print(message)

    _bar = None  # the tqdm bar while train() runs with a progress bar

    def train(self):
        """Run optimization to train the model (continues from iteration self.t).

        At the end the best parameters seen on the validation set are swapped into the model.
        """
        num_iterations = self.num_iterations
        iterations_per_epoch = self.iterations_per_epoch
        if self.t == 0 and self.snapshot_every and not self.snapshots:
            self._take_snapshot()
        if self.verbose and self.progress:
            self._bar = tqdm(total=num_iterations, initial=self.t, desc="training", unit="it")
        try:
            for t in range(self.t, num_iterations):
                self._step()
                self.t = t + 1
                if self._bar is not None:
                    self._bar.set_postfix(
                        loss=f"{self.loss_history[-1]:.4f}",
                        epoch=self.t // iterations_per_epoch,
                        refresh=False,
                    )
                    self._bar.update(1)
                elif t % self.print_every == 0:
                    self._log(
                        f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}"
                    )

                epoch_end = self.t % iterations_per_epoch == 0
                learning_rate = self.current_lr()
                if epoch_end:
                    self.epoch += 1
                    self._update_learning_rate()
                self._notify(EVENT_ITERATION)
                if t == 0 or epoch_end:
                    self._evaluate(learning_rate, epoch_end)
                    self._notify(EVENT_EPOCH)
        finally:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}
            _restore_bn_state(self.model, self.best_bn_params)
        self._notify(EVENT_TRAIN_END)

    # ------------------------------------------------------------------ checkpoints

    def checkpoint_state(self):
        """The full training state as a dict of plain Python/numpy objects (copies).

        Keys: format, version, model_class, params, bn_params (or None), optim_configs, epoch,
        iteration, num_train, base_lr, loss_history, train_acc_history, val_acc_history,
        epoch_history, loss_mark, best_val_acc, best_params, best_bn_params, best_epoch,
        snapshots, rng_state
        (of solver.rng), solver_kwargs (every setting except callbacks/resume_from).
        """
        model = self.model
        bn_params = getattr(model, "bn_params", None)
        return copy.deepcopy(
            {
                "format": CHECKPOINT_FORMAT,
                "version": CHECKPOINT_VERSION,
                "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
                "params": model.params,
                "bn_params": bn_params,
                "optim_configs": self.optim_configs,
                "epoch": self.epoch,
                "iteration": self.t,
                "num_train": self.num_train,
                "base_lr": self.base_lr,
                "loss_history": self.loss_history,
                "train_acc_history": self.train_acc_history,
                "val_acc_history": self.val_acc_history,
                "epoch_history": self.epoch_history,
                "loss_mark": self._loss_mark,
                "best_val_acc": self.best_val_acc,
                "best_params": self.best_params,
                "best_bn_params": self.best_bn_params,
                "best_epoch": self.best_epoch,
                "snapshots": self.snapshots,
                "rng_state": self.rng.get_state(),
                "solver_kwargs": self.settings,
            }
        )

    def save_checkpoint(self, path):
        """Write checkpoint_state() to ``path`` atomically (see atomic_pickle_dump).

        Inputs:
        - path: file name; its directory must exist.

        Returns the path; also stored as solver.last_checkpoint.
        """
        path = os.fspath(path)
        atomic_pickle_dump(self.checkpoint_state(), path)
        self.last_checkpoint = path
        if self.verbose:
            self._log(f"Saved checkpoint to {path}")
        return path

    def resume(self, checkpoint_path):
        """Load a checkpoint into this Solver and its model, to continue with train().

        The model parameters, batch/layer norm state, optimizer configs (with their velocity,
        m, v, t ...), counters, histories, best parameters, snapshots and the Solver's
        RandomState are restored, so train() then ends with bitwise the same parameters as an
        uninterrupted run. The Solver's trajectory settings (TRAJECTORY_KWARGS) must equal the
        saved ones; num_epochs, verbosity, checkpoint_name, snapshots and callbacks may differ.
        Runs pickle: only load checkpoints you wrote yourself.

        Inputs:
        - checkpoint_path: path of a file written by save_checkpoint.

        Returns self.
        """
        self._restore(load_checkpoint(checkpoint_path), checkpoint_path)
        return self

    def _restore(self, state, path):
        saved = {**SOLVER_DEFAULTS, **state["solver_kwargs"]}  # older files lack newer settings
        for name in TRAJECTORY_KWARGS:
            if not _same_setting(self.settings[name], saved[name]):
                raise ValueError(
                    f"Solver: cannot resume from {path!r}: {name}={self.settings[name]!r} but "
                    f"the checkpoint was trained with {name}={saved[name]!r}; use the saved "
                    f"value (or leave {name} out of Solver(..., resume_from=...))"
                )
        if state["num_train"] != self.num_train:
            raise ValueError(
                f"Solver: cannot resume from {path!r}: it was trained on {state['num_train']} "
                f"examples but data['X_train'] has {self.num_train}"
            )
        _load_model_state(self.model, state, path)
        self.optim_configs = copy.deepcopy(state["optim_configs"])
        self.epoch = state["epoch"]
        self.t = state["iteration"]
        self.base_lr = state["base_lr"]
        self.loss_history = list(state["loss_history"])
        self.train_acc_history = list(state["train_acc_history"])
        self.val_acc_history = list(state["val_acc_history"])
        self.epoch_history = copy.deepcopy(state["epoch_history"])
        self._loss_mark = state["loss_mark"]
        self.best_val_acc = state["best_val_acc"]
        self.best_params = copy.deepcopy(state["best_params"])
        self.best_bn_params = copy.deepcopy(state.get("best_bn_params"))
        self.best_epoch = state["best_epoch"]
        self.snapshots = copy.deepcopy(state["snapshots"])
        self.rng.set_state(state["rng_state"])
        self.last_checkpoint = os.fspath(path)


# ------------------------------------------------------------------------- helpers


def _positive_int(name, value, allow_none=False):
    """Return ``value`` if it is a positive int (or None when allowed), else raise."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        expected = "a positive int or None" if allow_none else "a positive int"
        raise ValueError(f"Solver: {name} must be {expected}, got {value!r}")
    return int(value)


def _positive_number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"Solver: {name} must be a positive number, got {value!r}")
    return value


def _is_update_rule(rule):
    """True for a function with the update rule signature (w, dw, config=None)."""
    if not inspect.isfunction(rule):
        return False
    return list(inspect.signature(rule).parameters)[:3] == list(UPDATE_RULE_PARAMETERS)


def _check_model(model):
    params = getattr(model, "params", None)
    if not isinstance(params, dict) or not params:
        raise TypeError(
            "Solver: model must have a non-empty dict `params` of learnable arrays, got "
            f"{type(params).__name__}"
        )
    if not callable(getattr(model, "loss", None)):
        raise TypeError("Solver: model must have a method loss(X, y=None)")


def _check_data(data):
    if not hasattr(data, "keys"):
        raise TypeError(f"Solver: data must be a dict, got {type(data).__name__}")
    missing = [key for key in REQUIRED_DATA_KEYS if key not in data]
    if missing:
        raise ValueError(
            f"Solver: data is missing {missing}; it needs the keys {list(REQUIRED_DATA_KEYS)}"
        )
    for split in ("train", "val"):
        X, y = data[f"X_{split}"], data[f"y_{split}"]
        if not hasattr(X, "shape") or not hasattr(y, "shape"):
            raise TypeError(f"Solver: data['X_{split}'] and data['y_{split}'] must be arrays")
        if X.shape[0] == 0 or X.shape[0] != y.shape[0]:
            raise ValueError(
                f"Solver: data['X_{split}'] has {X.shape[0]} examples and data['y_{split}'] "
                f"{y.shape[0]} labels; expected the same positive number"
            )


def _check_picklable(settings):
    for name, value in settings.items():
        try:
            pickle.dumps(value)
        except Exception as error:  # noqa: BLE001 - any pickling failure
            raise ValueError(
                f"Solver: {name}={value!r} cannot be pickled into a checkpoint ({error}); "
                "use a module-level function or object, or set checkpoint_name=None"
            ) from error


def _same_setting(a, b):
    """True when two settings are equal (objects without __eq__ compare their attributes)."""
    if a is b:
        return True
    try:
        if bool(a == b):
            return True
    except Exception:  # noqa: BLE001 - incomparable values are different
        return False
    if type(a) is type(b) and hasattr(a, "__dict__"):
        return _same_setting(vars(a), vars(b))
    return False


def _restore_bn_state(model, best_bn_params):
    """Copy the batch norm state saved at the best epoch back into model.bn_params, in place
    (layers may hold references to these dicts)."""
    own_bn = getattr(model, "bn_params", None)
    if not own_bn or best_bn_params is None:
        return
    for own, best in zip(own_bn, best_bn_params, strict=True):
        own.update(copy.deepcopy(best))


def _load_model_state(model, state, path):
    """Copy saved params (and bn_params) into ``model`` after checking they fit it."""
    saved_params = state["params"]
    if saved_params.keys() != model.params.keys():
        raise ValueError(
            f"Solver: cannot resume from {path!r}: it holds the params {sorted(saved_params)} "
            f"of a {state['model_class']} but the model has {sorted(model.params)}"
        )
    for name, value in saved_params.items():
        if value.shape != np.shape(model.params[name]):
            raise ValueError(
                f"Solver: cannot resume from {path!r}: params[{name!r}] has shape "
                f"{value.shape} in the checkpoint but {np.shape(model.params[name])} in the model"
            )
    for name, value in saved_params.items():
        model.params[name] = value.copy()

    saved_bn = state["bn_params"]
    if saved_bn is None:
        return
    own_bn = getattr(model, "bn_params", None)
    if not isinstance(own_bn, list) or len(own_bn) != len(saved_bn):
        raise ValueError(
            f"Solver: cannot resume from {path!r}: it holds {len(saved_bn)} bn_params but the "
            f"model has {len(own_bn) if isinstance(own_bn, list) else 'none'}"
        )
    for own, saved in zip(own_bn, saved_bn, strict=True):
        own.clear()
        own.update(copy.deepcopy(saved))


def atomic_pickle_dump(obj, path):
    """Pickle ``obj`` to ``path`` so that readers never see a partial file.

    The pickle is written to a temporary file in the same directory, flushed and fsync'ed, then
    moved over ``path`` with os.replace (atomic on POSIX and Windows). If anything fails the
    temporary file is removed and any previous file at ``path`` is left untouched.

    Inputs:
    - obj: any picklable object.
    - path: destination file name; its directory must exist.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp_path)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename durable where the OS allows fsync on a directory (POSIX)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_checkpoint(path):
    """Load a checkpoint written by Solver.save_checkpoint.

    This runs pickle, which can execute arbitrary code: only load your own checkpoints.

    Inputs:
    - path: checkpoint file name.

    Returns:
    - state: dict, see Solver.checkpoint_state.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file at {path!r}")
    with open(path, "rb") as f:
        state = pickle.load(f)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"load_checkpoint: {path!r} is not a cs231n Solver checkpoint")
    if state.get("version") != CHECKPOINT_VERSION:
        raise ValueError(
            f"load_checkpoint: {path!r} has checkpoint version {state.get('version')!r}; "
            f"this Solver reads version {CHECKPOINT_VERSION}"
        )
    return state
