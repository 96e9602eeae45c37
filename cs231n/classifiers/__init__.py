"""Classifiers of assignment 1 (kNN, linear SVM / softmax, two-layer net) and assignment 2."""

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n.classifiers.linear_classifier import LinearClassifier, LinearSVM, Softmax
from cs231n.classifiers.neural_net import TwoLayerNet

__all__ = ["KNearestNeighbor", "LinearClassifier", "LinearSVM", "Softmax", "TwoLayerNet"]
