"""A k-nearest-neighbour classifier with L2 (default) or L1 distance (lecture 2).

Usage:

    knn = KNearestNeighbor()                  # metric="l2"; KNearestNeighbor(metric="l1") for L1
    knn.train(X_train, y_train)               # X_train (N_train, D): just memorises the data
    y_pred = knn.predict(X_test, k=5)         # (N_test,) predicted labels

The three L2 distance methods (``compute_distances_two_loops``, ``..._one_loop``,
``..._no_loops``) are the CS231n exercise and must agree with each other. The L1 metric has one
vectorised implementation, :func:`l1_distances` (given code), which ``predict`` uses for every
``num_loops`` when ``metric="l1"``.
"""

import numpy as np

METRICS = ("l2", "l1")
VALID_NUM_LOOPS = (0, 1, 2)
L1_BLOCK_ELEMENTS = 2**24  # l1_distances broadcasts at most this many differences (128 MB) at once


def l1_distances(X, X_train, block_elements=L1_BLOCK_ELEMENTS):
    """L1 (Manhattan) distance between every row of X and every row of X_train.

    Broadcasts a block of test rows at a time, sized so that one block holds at most
    ``block_elements`` differences (at least one row).

    Inputs:
    - X: array of shape (N, D), test points.
    - X_train: array of shape (N_train, D), training points.
    - block_elements: int, memory bound of one broadcast block, in array elements.

    Returns:
    - dists: array of shape (N, N_train); dists[i, j] = sum_d |X[i, d] - X_train[j, d]|.
    """
    num_test = X.shape[0]
    num_train, dim = X_train.shape
    rows_per_block = max(1, block_elements // max(1, num_train * dim))
    dists = np.zeros((num_test, num_train))
    for start in range(0, num_test, rows_per_block):
        block = X[start : start + rows_per_block, None, :]  # (B, D) -> (B, 1, D)
        diffs = block - X_train[None, :, :]  # (B, 1, D) - (1, N_train, D) -> (B, N_train, D)
        dists[start : start + rows_per_block] = np.abs(diffs).sum(axis=2)
    return dists


class KNearestNeighbor:
    """A kNN classifier with L2 (default) or L1 distance.

    Inputs of the constructor:
    - metric: "l2" (Euclidean, default) or "l1" (Manhattan).

    Attributes after ``train``: X_train (N_train, D) float64, y_train (N_train,) int.
    """

    def __init__(self, metric="l2"):
        if metric not in METRICS:
            raise ValueError(f"KNearestNeighbor: metric={metric!r}; expected one of {METRICS}")
        self.metric = metric
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        """Train the classifier: for k-nearest neighbours this just memorises the training data.

        Inputs:
        - X: array of shape (N_train, D), one training example per row.
        - y: array of shape (N_train,) of integer labels; y[i] is the label of X[i].
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2:
            raise ValueError(
                f"KNearestNeighbor.train: X must be 2-D (N_train, D), got shape {X.shape}; "
                "flatten images first with X.reshape(X.shape[0], -1)"
            )
        if X.shape[0] == 0:
            raise ValueError("KNearestNeighbor.train: X has no rows; need at least one example")
        if y.shape != (X.shape[0],):
            raise ValueError(
                f"KNearestNeighbor.train: y must have shape ({X.shape[0]},) to match X, "
                f"got {y.shape}"
            )
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise ValueError("KNearestNeighbor.train: y must hold non-negative integer labels")
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """Predict labels for test data.

        Inputs:
        - X: array of shape (N, D), one test point per row.
        - k: number of nearest neighbours that vote, 1 <= k <= N_train.
        - num_loops: which L2 implementation computes the distances (0, 1 or 2 Python loops);
          ignored for metric="l1", which always uses :func:`l1_distances`.

        Returns:
        - y_pred: int array of shape (N,); y_pred[i] is the predicted label of X[i].
        """
        dists = self.compute_distances(X, num_loops=num_loops)
        return self.predict_labels(dists, k=k)

    def compute_distances(self, X, num_loops=0):
        """Distances between every test point and every training point, for self.metric.

        Inputs:
        - X: array of shape (N, D).
        - num_loops: 0, 1 or 2, the L2 implementation to use (ignored for metric="l1").

        Returns:
        - dists: array of shape (N, N_train).
        """
        if num_loops not in VALID_NUM_LOOPS:
            raise ValueError(
                f"KNearestNeighbor: num_loops={num_loops!r}; expected one of {VALID_NUM_LOOPS}"
            )
        if self.metric == "l1":
            return l1_distances(self._check_test_data(X), self.X_train)
        methods = {
            0: self.compute_distances_no_loops,
            1: self.compute_distances_one_loop,
            2: self.compute_distances_two_loops,
        }
        return methods[num_loops](X)

    def _check_test_data(self, X):
        """Validate test data against the training data; return it as a float64 (N, D) array."""
        if self.X_train is None:
            raise RuntimeError("KNearestNeighbor: call train(X, y) before predicting")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(
                f"KNearestNeighbor: test X must be 2-D (N, D), got shape {X.shape}; "
                "flatten images first with X.reshape(X.shape[0], -1)"
            )
        if X.shape[1] != self.X_train.shape[1]:
            raise ValueError(
                f"KNearestNeighbor: test X has D={X.shape[1]} features per row but the training "
                f"data has D={self.X_train.shape[1]}"
            )
        return X

    def compute_distances_two_loops(self, X):
        """L2 distance between each test point in X and each training point, with two loops.

        Inputs:
        - X: array of shape (N, D) of test data.

        Returns:
        - dists: array of shape (N, N_train) where dists[i, j] is the Euclidean distance
          between the ith test point and the jth training point.
        """
        X = self._check_test_data(X)
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                # TODO: Compute the L2 distance between the ith test point and the jth
                # training point, and store it in dists[i, j]. Do not use a loop over
                # dimensions and do not use np.linalg.norm().
                ### BEGIN SOLUTION
                dists[i, j] = np.sqrt(np.sum(np.square(X[i] - self.X_train[j])))
                ### END SOLUTION
        return dists

    def compute_distances_one_loop(self, X):
        """L2 distance between each test point in X and each training point, with one loop.

        Inputs / Returns: as compute_distances_two_loops.
        """
        X = self._check_test_data(X)
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            # TODO: Compute the L2 distance between the ith test point and all training
            # points, and store the result in dists[i, :]. Use broadcasting; do not use
            # np.linalg.norm().
            ### BEGIN SOLUTION
            dists[i, :] = np.sqrt(np.sum(np.square(self.X_train - X[i]), axis=1))
            ### END SOLUTION
        return dists

    def compute_distances_no_loops(self, X):
        """L2 distance between each test point in X and each training point, with no loops.

        Inputs / Returns: as compute_distances_two_loops.
        """
        X = self._check_test_data(X)
        dists = None
        # TODO: Compute the L2 distance between all test points and all training points
        # without any explicit loops, and store the result in dists. Use only basic array
        # operations (no scipy, no np.linalg.norm()). Hint: expand
        # ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b, one matrix multiplication plus two
        # broadcast sums; clip tiny negative round-off at 0 before the square root.
        ### BEGIN SOLUTION
        test_sq = np.sum(X**2, axis=1, keepdims=True)  # (N, 1)
        train_sq = np.sum(self.X_train**2, axis=1)  # (N_train,)
        cross = X @ self.X_train.T  # (N, D) @ (D, N_train) -> (N, N_train)
        dists = np.sqrt(np.maximum(test_sq + train_sq - 2.0 * cross, 0.0))
        ### END SOLUTION
        return dists

    def predict_labels(self, dists, k=1):
        """Predict a label for each test point from the distances to the training points.

        Ties in the vote go to the SMALLER label; ties in distance go to the training point
        that comes first.

        Inputs:
        - dists: array of shape (N, N_train); dists[i, j] is the distance between the ith
          test point and the jth training point.
        - k: number of nearest neighbours that vote, 1 <= k <= N_train.

        Returns:
        - y_pred: int array of shape (N,) of predicted labels.
        """
        if self.y_train is None:
            raise RuntimeError("KNearestNeighbor: call train(X, y) before predicting")
        dists = np.asarray(dists)
        num_train = self.y_train.shape[0]
        if dists.ndim != 2 or dists.shape[1] != num_train:
            raise ValueError(
                f"KNearestNeighbor.predict_labels: dists must have shape (N, {num_train}), "
                f"got {dists.shape}"
            )
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= num_train:
            raise ValueError(
                f"KNearestNeighbor.predict_labels: k={k!r}; expected an integer in "
                f"[1, {num_train}] (the number of training points)"
            )
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test, dtype=np.int64)
        for i in range(num_test):
            closest_y = []
            # TODO: Find the labels of the k nearest training points of the ith test point
            # and store them in closest_y (np.argsort(dists[i]) orders the training points
            # by distance), then pick the most common label and store it in y_pred[i].
            # Break vote ties by choosing the smaller label.
            ### BEGIN SOLUTION
            row = dists[i]
            # a full sort costs O(N_train log N_train); only the k smallest matter: keep
            # every point within the kth smallest distance (ties included, in index order)
            # and sort just those, stably, so equal distances favour earlier points
            kth_distance = np.partition(row, k - 1)[k - 1]
            candidates = np.flatnonzero(row <= kth_distance)
            nearest = candidates[np.argsort(row[candidates], kind="stable")[:k]]
            closest_y = self.y_train[nearest]
            y_pred[i] = np.argmax(np.bincount(closest_y))  # argmax returns the smallest tie
            ### END SOLUTION
        return y_pred
