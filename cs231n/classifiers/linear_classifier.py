"""Linear classifiers trained with minibatch SGD: LinearSVM and Softmax (lecture 3).

Usage (rows of pixels minus the mean training image, divided by 255, with a bias column
appended: the "bias trick"):

    svm = LinearSVM()                                   # L2 regularization (the default)
    loss_history = svm.train(X_train, y_train, learning_rate=4e-2, reg=1e-2, num_iters=2000,
                             batch_size=500, learning_rate_decay=0.8, seed=0)
    y_pred = svm.predict(X_val)                         # CIFAR-10: about 0.385 validation

(For Softmax: learning_rate=0.2, reg=1e-3, same schedule: about 0.39 validation. On raw
0..255 pixels the same runs need learning rates about 255**2 times smaller and regularization
strengths about 255**2 times larger, the CS231n 1e-7 / 2.5e4 range.)

Regularization: ``LinearSVM(regularization="l2" | "l1" | "elastic", l1_ratio=0.5)``.
The loss functions (``svm_loss_vectorized``, ``softmax_loss_vectorized``) keep the CS231n
signature and always apply L2, reg * sum(W**2). With "l1" or "elastic" the classifier calls them
with reg=0 and adds :func:`regularization_penalty` instead:

    "l2":      reg * sum(W**2)
    "l1":      reg * sum(|W|)
    "elastic": reg * (l1_ratio * sum(|W|) + (1 - l1_ratio) * sum(W**2))

SGD samples each minibatch WITH replacement (as CS231n), from ``np.random`` (so
``cs231n.seed_all`` makes it reproducible) or from ``np.random.RandomState(seed)`` when
``train(..., seed=...)`` is given.
"""

import numbers

import numpy as np

from cs231n.classifiers.linear_svm import svm_loss_vectorized
from cs231n.classifiers.softmax import softmax_loss_vectorized

REGULARIZATIONS = ("l2", "l1", "elastic")
L1_RATIO_OF_KIND = {"l2": 0.0, "l1": 1.0}  # "elastic" takes l1_ratio from the constructor
WEIGHT_INIT_SCALE = 0.001  # W = 0.001 * randn(D, C), as CS231n
PRINT_EVERY = 100  # iterations between progress lines when verbose


def regularization_penalty(W, reg, l1_ratio=0.0):
    """Elastic-net weight penalty and its gradient; l1_ratio=0 is L2, l1_ratio=1 is L1.

    penalty = reg * (l1_ratio * sum(|W|) + (1 - l1_ratio) * sum(W**2))

    Inputs:
    - W: array of any shape, e.g. (D, C).
    - reg: float >= 0, regularization strength.
    - l1_ratio: float in [0, 1], the share of the L1 term.

    Returns a tuple of:
    - penalty: float
    - dW: array of the same shape as W, the (sub)gradient; sign(0) = 0 for the L1 term.
    """
    l2_share = 1.0 - l1_ratio
    penalty = reg * (l1_ratio * np.sum(np.abs(W)) + l2_share * np.sum(W * W))
    dW = reg * (l1_ratio * np.sign(W) + 2.0 * l2_share * W)
    return penalty, dW


def check_real(value, name, low=None, high=None, low_inclusive=True, high_inclusive=True):
    """Raise ValueError unless `value` is a real number within [low, high] (None = unbounded).

    Inputs:
    - value: the value to check.
    - name: str naming the argument in the error message, e.g. "LinearSVM.train: reg".
    - low, high: optional bounds; low_inclusive / high_inclusive choose [ or ( and ] or ).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        lower = ("[" if low_inclusive else "(") + ("-inf" if low is None else f"{low}")
        upper = ("inf" if high is None else f"{high}") + ("]" if high_inclusive else ")")
        raise ValueError(f"{name}={value!r} is out of range; expected {lower}, {upper}")


def check_int(value, name, low):
    """Raise ValueError unless `value` is an integer >= low (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


class LinearClassifier:
    """Base class of the linear classifiers: weights W (D, C), scores X @ W, SGD training.

    Inputs of the constructor:
    - regularization: "l2" (default), "l1" or "elastic"; see the module docstring.
    - l1_ratio: float in [0, 1], the L1 share of the "elastic" penalty (ignored otherwise).

    Subclasses set ``loss_function(W, X, y, reg) -> (loss, dW)`` with L2 regularization.
    """

    loss_function = None

    def __init__(self, regularization="l2", l1_ratio=0.5):
        if regularization not in REGULARIZATIONS:
            raise ValueError(
                f"{type(self).__name__}: regularization={regularization!r}; expected one of "
                f"{REGULARIZATIONS}"
            )
        check_real(l1_ratio, f"{type(self).__name__}: l1_ratio", low=0.0, high=1.0)
        self.regularization = regularization
        self.l1_ratio = float(L1_RATIO_OF_KIND.get(regularization, l1_ratio))
        self.W = None

    def train(
        self,
        X,
        y,
        learning_rate=1e-3,
        reg=1e-5,
        num_iters=100,
        batch_size=200,
        verbose=False,
        seed=None,
        learning_rate_decay=1.0,
    ):
        """Train this linear classifier using stochastic gradient descent.

        Inputs:
        - X: A numpy array of shape (N, D) containing training data; there are N training
          samples each of dimension D.
        - y: A numpy array of shape (N,) containing training labels; y[i] = c means that X[i]
          has label 0 <= c < C for C classes.
        - learning_rate: (float) learning rate for optimization.
        - reg: (float) regularization strength.
        - num_iters: (integer) number of steps to take when optimizing.
        - batch_size: (integer) number of training examples to use at each step (sampled
          with replacement).
        - verbose: (boolean) If true, print progress during optimization.
        - seed: optional int; seeds a private RandomState for the weight init and the
          minibatches. None uses the global np.random state.
        - learning_rate_decay: (float) factor multiplying the learning rate after every epoch
          (max(N // batch_size, 1) iterations); 1.0, the default, keeps it constant as CS231n.

        Outputs:
        A list containing the value of the loss function at each training iteration.
        """
        name = f"{type(self).__name__}.train"
        X, y = self._check_data(X, y, name)
        check_real(learning_rate, f"{name}: learning_rate", low=0.0, low_inclusive=False)
        check_real(reg, f"{name}: reg", low=0.0)
        check_int(num_iters, f"{name}: num_iters", 0)
        check_int(batch_size, f"{name}: batch_size", 1)
        check_real(
            learning_rate_decay,
            f"{name}: learning_rate_decay",
            low=0.0,
            high=1.0,
            low_inclusive=False,
        )
        rng = np.random if seed is None else np.random.RandomState(seed)

        num_train, dim = X.shape
        num_classes = int(np.max(y)) + 1  # assume y takes values 0...C-1 for C classes
        if self.W is None:
            # lazily initialize W
            self.W = WEIGHT_INIT_SCALE * rng.randn(dim, num_classes)
        elif self.W.shape[0] != dim or self.W.shape[1] < num_classes:
            raise ValueError(
                f"{name}: the existing W has shape {self.W.shape} but the data needs "
                f"({dim}, >= {num_classes}); set W = None to start over"
            )

        iterations_per_epoch = max(num_train // batch_size, 1)

        # Run stochastic gradient descent to optimize W
        loss_history = []
        for it in range(num_iters):
            X_batch = None
            y_batch = None
            # TODO: Sample batch_size elements from the training data and their
            # corresponding labels to use in this round of gradient descent. Store the data
            # in X_batch (batch_size, D) and the labels in y_batch (batch_size,). Sample
            # WITH replacement using rng.choice (rng is np.random or a seeded RandomState).
            ### BEGIN SOLUTION
            batch_indices = rng.choice(num_train, batch_size, replace=True)
            X_batch = X[batch_indices]
            y_batch = y[batch_indices]
            ### END SOLUTION

            # evaluate loss and gradient
            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)

            # perform parameter update
            # TODO: Update the weights using the gradient and the learning rate.
            ### BEGIN SOLUTION
            self.W -= learning_rate * grad
            ### END SOLUTION

            if verbose and it % PRINT_EVERY == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")

            if (it + 1) % iterations_per_epoch == 0:
                learning_rate *= learning_rate_decay

        return loss_history

    def predict(self, X):
        """Use the trained weights of this linear classifier to predict labels for data points.

        Inputs:
        - X: A numpy array of shape (N, D) containing data; there are N samples each of
          dimension D.

        Returns:
        - y_pred: Predicted labels for the data in X. y_pred is a 1-dimensional array of
          length N, and each element is an integer giving the predicted class.
        """
        if self.W is None:
            raise RuntimeError(f"{type(self).__name__}: call train(X, y) before predict(X)")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.W.shape[0]:
            raise ValueError(
                f"{type(self).__name__}.predict: X must have shape (N, {self.W.shape[0]}), "
                f"got {X.shape}"
            )
        y_pred = np.zeros(X.shape[0], dtype=np.int64)
        # TODO: Implement this method. Store the predicted labels in y_pred: the class with
        # the highest score X @ W for every row.
        ### BEGIN SOLUTION
        y_pred = np.argmax(X @ self.W, axis=1)
        ### END SOLUTION
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        """Compute the loss function and its derivative, with the chosen regularization.

        Inputs:
        - X_batch: A numpy array of shape (N, D) containing a minibatch of N data points;
          each point has dimension D.
        - y_batch: A numpy array of shape (N,) containing labels for the minibatch.
        - reg: (float) regularization strength.

        Returns: A tuple containing:
        - loss as a single float
        - gradient with respect to self.W; an array of the same shape as W (D, C)
        """
        if self.loss_function is None:
            raise NotImplementedError(
                "LinearClassifier is abstract: use LinearSVM or Softmax (or set loss_function)"
            )
        if self.regularization == "l2":
            return self.loss_function(self.W, X_batch, y_batch, reg)
        data_loss, dW = self.loss_function(self.W, X_batch, y_batch, 0.0)
        penalty, dpenalty = regularization_penalty(self.W, reg, self.l1_ratio)
        return data_loss + penalty, dW + dpenalty

    @staticmethod
    def _check_data(X, y, name):
        """Validate training data; return X (N, D) and y (N,) as arrays."""
        X = np.asarray(X)
        y = np.asarray(y)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(
                f"{name}: X must be a non-empty 2-D array (N, D), got shape {X.shape}; "
                "flatten images with X.reshape(N, -1) and append the bias column"
            )
        if y.shape != (X.shape[0],):
            raise ValueError(f"{name}: y must have shape ({X.shape[0]},) to match X, got {y.shape}")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise ValueError(f"{name}: y must hold non-negative integer labels 0..C-1")
        return X, y


class LinearSVM(LinearClassifier):
    """A subclass that uses the Multiclass SVM loss function."""

    loss_function = staticmethod(svm_loss_vectorized)


class Softmax(LinearClassifier):
    """A subclass that uses the Softmax + Cross-entropy loss function."""

    loss_function = staticmethod(softmax_loss_vectorized)
