"""Softmax (cross-entropy) loss for a linear classifier, naive and vectorised (lecture 3).

Both loss functions take W (D, C), X (N, D), y (N,), reg and return (loss, dW) where
loss = (1/N) sum_i -log(exp(s_{y_i}) / sum_j exp(s_j)) + reg * sum(W**2), s = X[i] @ W.
Scores are shifted by their maximum before exponentiating, so huge scores do not overflow.
"""

import numpy as np

from cs231n.classifiers.linear_svm import check_loss_inputs


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss function, naive implementation (with loops).

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
    check_loss_inputs(W, X, y, reg, "softmax_loss_naive")
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.result_type(W, np.float64))
    # TODO: Compute the softmax loss and its gradient using explicit loops over the
    # examples. Store the loss in loss and the gradient in dW. Shift each row of scores
    # by its maximum before exponentiating (numeric stability), average over the N
    # examples, and add the regularization reg * sum(W**2) and its gradient 2 * reg * W.
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)  # (C,)
        scores = scores - np.max(scores)
        log_sum_exp = np.log(np.sum(np.exp(scores)))
        loss += log_sum_exp - scores[y[i]]
        probs = np.exp(scores - log_sum_exp)  # (C,)
        probs[y[i]] -= 1.0
        dW += np.outer(X[i], probs)  # (D,) x (C,) -> (D, C)
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    ### END SOLUTION
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss function, vectorized version.

    Inputs and outputs are the same as softmax_loss_naive.
    """
    check_loss_inputs(W, X, y, reg, "softmax_loss_vectorized")
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.result_type(W, np.float64))
    # TODO: Compute the softmax loss and its gradient using no explicit loops. Store the
    # loss in loss and the gradient in dW. Remember the max-shift for numeric stability
    # and the regularization.
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W  # (N, C)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    log_sum_exp = np.log(np.sum(np.exp(scores), axis=1, keepdims=True))  # (N, 1)
    log_probs = scores - log_sum_exp  # (N, C)
    loss = -np.sum(log_probs[rows, y]) / num_train + reg * np.sum(W * W)
    dscores = np.exp(log_probs)  # (N, C) probabilities
    dscores[rows, y] -= 1.0
    dW = X.T @ dscores / num_train + 2 * reg * W  # (D, N) @ (N, C) -> (D, C)
    ### END SOLUTION
    return loss, dW
