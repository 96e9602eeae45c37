"""Structured (multiclass) SVM loss for a linear classifier, naive and vectorised (lecture 3).

Both loss functions take W (D, C), X (N, D), y (N,), reg and return (loss, dW) where
loss = (1/N) sum_i sum_{j != y_i} max(0, s_j - s_{y_i} + 1) + reg * sum(W**2), s = X[i] @ W.
"""

import numbers

import numpy as np

SVM_MARGIN = 1.0  # the Delta of the hinge loss max(0, s_j - s_yi + Delta)


def check_loss_inputs(W, X, y, reg, name):
    """Validate the inputs of a linear loss function; raise a clear error naming `name`.

    Inputs:
    - W: array of shape (D, C) of weights.
    - X: array of shape (N, D) of data.
    - y: int array of shape (N,) with labels 0 <= y[i] < C.
    - reg: float >= 0, regularization strength.
    - name: str, the calling function's name for the error messages.
    """
    W = np.asarray(W)
    X = np.asarray(X)
    y = np.asarray(y)
    if W.ndim != 2:
        raise ValueError(f"{name}: W must be 2-D (D, C), got shape {W.shape}")
    if X.ndim != 2:
        raise ValueError(
            f"{name}: X must be 2-D (N, D), got shape {X.shape}; flatten with X.reshape(N, -1)"
        )
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"{name}: X has D={X.shape[1]} columns but W has D={W.shape[0]} rows; did you "
            "forget (or add twice) the bias column?"
        )
    if y.shape != (X.shape[0],):
        raise ValueError(f"{name}: y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name}: y must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= W.shape[1]):
        raise ValueError(
            f"{name}: labels must lie in [0, C={W.shape[1]}), got min {y.min()} and max {y.max()}"
        )
    if isinstance(reg, bool) or not isinstance(reg, numbers.Real) or reg < 0:
        raise ValueError(f"{name}: reg must be a real number >= 0, got {reg!r}")
    if X.shape[0] == 0:
        raise ValueError(f"{name}: X has no rows; the loss is an average over N >= 1 examples")


def svm_loss_naive(W, X, y, reg):
    """Structured SVM loss function, naive implementation (with loops).

    Inputs have dimension D, there are C classes, and we operate on minibatches of N examples.

    Inputs:
    - W: A numpy array of shape (D, C) containing weights.
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    - y: A numpy array of shape (N,) containing training labels; y[i] = c means that X[i] has
      label c, where 0 <= c < C.
    - reg: (float) regularization strength; the penalty is reg * sum(W**2).

    Returns a tuple of:
    - loss as single float
    - gradient with respect to weights W; an array of same shape as W (D, C)
    """
    check_loss_inputs(W, X, y, reg, "svm_loss_naive")
    loss = 0.0
    dW = np.zeros(W.shape)  # initialize the gradient as zero
    # TODO: Compute the SVM loss and its gradient with explicit loops over the examples
    # and the classes. For every example i and every wrong class j with a positive margin
    # s_j - s_{y_i} + 1, add the margin to the loss, add X[i] to column j of dW and
    # subtract X[i] from column y[i]. Average the data loss and dW over the N examples,
    # then add the regularization reg * sum(W**2) and its gradient 2 * reg * W.
    ### BEGIN SOLUTION
    num_classes = W.shape[1]
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)  # (C,)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + SVM_MARGIN
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    ### END SOLUTION
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss function, vectorized implementation.

    Inputs and outputs are the same as svm_loss_naive.
    """
    check_loss_inputs(W, X, y, reg, "svm_loss_vectorized")
    loss = 0.0
    dW = np.zeros(W.shape)  # initialize the gradient as zero
    # TODO: Implement a vectorized version of the structured SVM loss and its gradient,
    # without any loops: compute all scores at once, the margins of every wrong class,
    # and build the gradient from a matrix of margin indicators with one matrix product.
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W  # (N, C)
    correct_class_scores = scores[rows, y][:, None]  # (N,) -> (N, 1)
    margins = np.maximum(0.0, scores - correct_class_scores + SVM_MARGIN)  # (N, C)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    coeffs = (margins > 0).astype(margins.dtype)  # (N, C): +1 for every wrong class with margin > 0
    coeffs[rows, y] = -np.sum(coeffs, axis=1)
    dW = X.T @ coeffs / num_train + 2 * reg * W  # (D, N) @ (N, C) -> (D, C)
    ### END SOLUTION
    return loss, dW
