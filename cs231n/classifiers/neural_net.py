"""A two-layer fully-connected network trained with minibatch SGD (lecture 4).

Architecture: input - fully connected layer - ReLU - fully connected layer - softmax.
Loss: softmax cross-entropy averaged over N plus L2 regularization reg * (sum(W1**2) +
sum(W2**2)) (biases are not regularized); gradients 2 * reg * W.

Usage (X: pixels minus the mean training image, divided by their standard deviation):

    net = TwoLayerNet(3072, 500, 10, std=1e-2, seed=0, dtype=np.float32)
    stats = net.train(X_train, y_train, X_val, y_val, learning_rate=2e-2, momentum=0.9,
                      learning_rate_decay=0.75, reg=3e-3, num_iters=3000, batch_size=200,
                      seed=0)
    val_acc = (net.predict(X_val) == y_val).mean()     # CIFAR-10: about 0.54
"""

import numpy as np

from cs231n.classifiers.linear_classifier import check_int, check_real

PARAM_NAMES = ("W1", "b1", "W2", "b2")
PRINT_EVERY = 100  # iterations between progress lines when verbose


class TwoLayerNet:
    """A two-layer fully-connected neural network.

    The net has an input dimension of D, a hidden layer dimension of H, and performs
    classification over C classes. We train the network with a softmax loss function and
    L2 regularization on the weight matrices. The network uses a ReLU nonlinearity after the
    first fully connected layer.

    In other words, the network has the following architecture:

    input - fully connected layer - ReLU - fully connected layer - softmax

    The outputs of the second fully-connected layer are the scores for each class.
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4, seed=None, dtype=np.float64):
        """Initialize the model.

        Weights are initialized to small random values and biases are initialized to zero.
        Weights and biases are stored in the variable self.params, which is a dictionary
        with the following keys:

        W1: First layer weights; has shape (D, H)
        b1: First layer biases; has shape (H,)
        W2: Second layer weights; has shape (H, C)
        b2: Second layer biases; has shape (C,)

        Inputs:
        - input_size: The dimension D of the input data.
        - hidden_size: The number of neurons H in the hidden layer.
        - output_size: The number of classes C.
        - std: scale of the normal initial weights, W = std * randn.
        - seed: optional int seeding a private RandomState for the weights; None uses the
          global np.random state (as CS231n).
        - dtype: numpy float dtype of the parameters and of all computations; float32 is about
          twice as fast, float64 (the default) is needed for numeric gradient checking.
        """
        check_int(input_size, "TwoLayerNet: input_size", 1)
        check_int(hidden_size, "TwoLayerNet: hidden_size", 1)
        check_int(output_size, "TwoLayerNet: output_size", 1)
        check_real(std, "TwoLayerNet: std", low=0.0)
        if not np.issubdtype(np.dtype(dtype), np.floating):
            raise TypeError(f"TwoLayerNet: dtype must be a float dtype, got {dtype!r}")
        self.dtype = dtype
        rng = np.random if seed is None else np.random.RandomState(seed)
        self.params = {
            "W1": std * rng.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": std * rng.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None, reg=0.0):
        """Compute the loss and gradients for a two layer fully connected neural network.

        Inputs:
        - X: Input data of shape (N, D). Each X[i] is a training sample.
        - y: Vector of training labels of shape (N,). y[i] is the label for X[i], and each
          y[i] is an integer in the range 0 <= y[i] < C. This parameter is optional; if it is
          not passed then we only return scores, and if it is passed then we instead return
          the loss and gradients.
        - reg: Regularization strength; the penalty is reg * (sum(W1**2) + sum(W2**2)).

        Returns:
        If y is None, return a matrix scores of shape (N, C) where scores[i, c] is the score
        for class c on input X[i].

        If y is not None, instead return a tuple of:
        - loss: Loss (data loss and regularization loss) for this batch of training samples.
        - grads: Dictionary mapping parameter names ("W1", "b1", "W2", "b2") to gradients of
          those parameters with respect to the loss function; has the same keys and shapes
          as self.params.
        """
        X, y = self._check_inputs(X, y, reg)
        X = X.astype(self.dtype, copy=False)  # compute in the model's dtype
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]

        # Compute the forward pass
        scores = None
        # TODO: Perform the forward pass, computing the class scores for the input. Store
        # the result in the scores variable, which should be an array of shape (N, C).
        # Keep the hidden activations around for the backward pass.
        ### BEGIN SOLUTION
        hidden = np.maximum(0.0, X @ W1 + b1)  # (N, H)
        scores = hidden @ W2 + b2  # (N, C)
        ### END SOLUTION

        # If the targets are not given then jump out, we're done
        if y is None:
            return scores

        # Compute the loss
        loss = None
        # TODO: Finish the forward pass, and compute the loss. This should include both the
        # data loss and L2 regularization for W1 and W2: reg * (sum(W1**2) + sum(W2**2)).
        # Store the result in the variable loss, which should be a scalar. Use the Softmax
        # classifier loss (shift the scores by their row maximum first).
        ### BEGIN SOLUTION
        rows = np.arange(N)
        shifted = scores - np.max(scores, axis=1, keepdims=True)  # (N, C)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        data_loss = -np.sum(log_probs[rows, y]) / N
        loss = data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        ### END SOLUTION

        # Backward pass: compute gradients
        grads = {}
        # TODO: Compute the backward pass, computing the derivatives of the weights and
        # biases. Store the results in the grads dictionary. For example, grads['W1'] should
        # store the gradient on W1, and be a matrix of same size.
        ### BEGIN SOLUTION
        dscores = np.exp(log_probs)  # (N, C) probabilities
        dscores[rows, y] -= 1.0
        dscores /= N
        grads["W2"] = hidden.T @ dscores + 2 * reg * W2  # (H, N) @ (N, C) -> (H, C)
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores @ W2.T  # (N, C) @ (C, H) -> (N, H)
        dhidden[hidden <= 0] = 0.0
        grads["W1"] = X.T @ dhidden + 2 * reg * W1  # (D, N) @ (N, H) -> (D, H)
        grads["b1"] = np.sum(dhidden, axis=0)
        ### END SOLUTION

        return loss, grads

    def train(
        self,
        X,
        y,
        X_val,
        y_val,
        learning_rate=1e-3,
        learning_rate_decay=0.95,
        reg=5e-6,
        num_iters=100,
        batch_size=200,
        verbose=False,
        momentum=0.0,
        seed=None,
    ):
        """Train this neural network using stochastic gradient descent.

        Inputs:
        - X: A numpy array of shape (N, D) giving training data.
        - y: A numpy array of shape (N,) giving training labels; y[i] = c means that X[i] has
          label c, where 0 <= c < C.
        - X_val: A numpy array of shape (N_val, D) giving validation data.
        - y_val: A numpy array of shape (N_val,) giving validation labels.
        - learning_rate: Scalar giving learning rate for optimization.
        - learning_rate_decay: Scalar giving factor used to decay the learning rate after
          each epoch.
        - reg: Scalar giving regularization strength.
        - num_iters: Number of steps to take when optimizing.
        - batch_size: Number of training examples to use per step (sampled with replacement).
        - verbose: boolean; if true print progress during optimization.
        - momentum: float in [0, 1); 0 (the default) is plain SGD as CS231n, otherwise
          classical momentum v = momentum * v - learning_rate * grad; w += v.
        - seed: optional int seeding a private RandomState for the minibatches; None uses
          the global np.random state.

        Returns a dict with
        - loss_history: list of the minibatch loss of every iteration,
        - train_acc_history: list of the minibatch accuracy at the end of every epoch,
        - val_acc_history: list of the validation accuracy at the end of every epoch.
        """
        X, y = self._check_inputs(X, y, reg, require_y=True)
        X_val, y_val = self._check_inputs(X_val, y_val, reg, require_y=True)
        check_real(learning_rate, "TwoLayerNet.train: learning_rate", low=0.0, low_inclusive=False)
        check_real(
            learning_rate_decay,
            "TwoLayerNet.train: learning_rate_decay",
            low=0.0,
            high=1.0,
            low_inclusive=False,
        )
        check_real(momentum, "TwoLayerNet.train: momentum", low=0.0, high=1.0, high_inclusive=False)
        check_int(num_iters, "TwoLayerNet.train: num_iters", 0)
        check_int(batch_size, "TwoLayerNet.train: batch_size", 1)
        rng = np.random if seed is None else np.random.RandomState(seed)

        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)
        velocities = {name: np.zeros_like(value) for name, value in self.params.items()}

        # Use SGD to optimize the parameters in self.model
        loss_history = []
        train_acc_history = []
        val_acc_history = []

        for it in range(num_iters):
            X_batch = None
            y_batch = None
            # TODO: Create a random minibatch of training data and labels, storing them in
            # X_batch and y_batch respectively (sample with replacement using rng.choice).
            ### BEGIN SOLUTION
            batch_indices = rng.choice(num_train, batch_size, replace=True)
            X_batch = X[batch_indices]
            y_batch = y[batch_indices]
            ### END SOLUTION

            # Compute loss and gradients using the current minibatch
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)

            # TODO: Use the gradients in the grads dictionary to update the parameters of
            # the network (stored in the dictionary self.params) using stochastic gradient
            # descent with momentum: v = momentum * v - learning_rate * grad; param += v
            # (momentum = 0 is plain SGD). The velocities are in the dict velocities.
            ### BEGIN SOLUTION
            for name in PARAM_NAMES:
                velocities[name] = momentum * velocities[name] - learning_rate * grads[name]
                self.params[name] += velocities[name]
            ### END SOLUTION

            if verbose and it % PRINT_EVERY == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")

            # Every epoch, check train and val accuracy and decay learning rate.
            if (it + 1) % iterations_per_epoch == 0:
                # Check accuracy
                train_acc = (self.predict(X_batch) == y_batch).mean()
                val_acc = (self.predict(X_val) == y_val).mean()
                train_acc_history.append(train_acc)
                val_acc_history.append(val_acc)

                # Decay learning rate
                learning_rate *= learning_rate_decay

        return {
            "loss_history": loss_history,
            "train_acc_history": train_acc_history,
            "val_acc_history": val_acc_history,
        }

    def predict(self, X):
        """Use the trained weights of this two-layer network to predict labels for data points.

        For each data point we predict scores for each of the C classes, and assign each data
        point to the class with the highest score.

        Inputs:
        - X: A numpy array of shape (N, D) giving N D-dimensional data points to classify.

        Returns:
        - y_pred: A numpy array of shape (N,) giving predicted labels for each of the elements
          of X. For all i, y_pred[i] = c means that X[i] is predicted to have class c, where
          0 <= c < C.
        """
        X, _ = self._check_inputs(X, None, 0.0)
        y_pred = None
        # TODO: Implement this function; it should be VERY simple!
        ### BEGIN SOLUTION
        y_pred = np.argmax(self.loss(X), axis=1)
        ### END SOLUTION
        return y_pred

    def _check_inputs(self, X, y, reg, require_y=False):
        """Validate X (N, D), optional labels y (N,) and reg; return X and y as arrays."""
        X = np.asarray(X)
        input_size, _ = self.params["W1"].shape
        num_classes = self.params["W2"].shape[1]
        if X.ndim != 2 or X.shape[1] != input_size:
            raise ValueError(
                f"TwoLayerNet: X must have shape (N, D={input_size}), got {X.shape}; "
                "flatten images with X.reshape(N, -1)"
            )
        if y is None:
            if require_y:
                raise ValueError("TwoLayerNet.train: labels y and y_val are required")
        else:
            y = np.asarray(y)
            if y.shape != (X.shape[0],):
                raise ValueError(
                    f"TwoLayerNet: y must have shape ({X.shape[0]},) to match X, got {y.shape}"
                )
            if not np.issubdtype(y.dtype, np.integer):
                raise TypeError(f"TwoLayerNet: y must hold integer labels, got dtype {y.dtype}")
            if y.size and (y.min() < 0 or y.max() >= num_classes):
                raise ValueError(
                    f"TwoLayerNet: labels must lie in [0, C={num_classes}), got "
                    f"min {y.min()} and max {y.max()}"
                )
            if X.shape[0] == 0:
                raise ValueError("TwoLayerNet: X has no rows; the loss needs N >= 1")
        check_real(reg, "TwoLayerNet: reg", low=0.0)
        return X, y
