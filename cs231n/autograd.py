"""A tiny scalar autograd engine: backpropagation on a computational graph (lecture 4).

Every ``Value`` is one node of a computational graph: it holds a number (``data``), the
derivative of the final output with respect to it (``grad``, filled in by ``backward()``), the
nodes it was computed from (``parents``) and the LOCAL gradient of its gate with respect to
each of them (``local_grads``). Backpropagation is the chain rule applied node by node in
reverse topological order: ``parent.grad += local_grad * node.grad``.

Example (the lecture's f(x, y, z) = (x + y) z)::

    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y          # q = 3, local gradients dq/dx = dq/dy = 1
    f = q * z          # f = -12, local gradients df/dq = z = -4, df/dz = q = 3
    f.backward()
    x.grad, y.grad, z.grad   # (-4.0, -4.0, 3.0)

Numbers mixed with Values become constant nodes (``2 * x``, ``1 / x``, ``x ** 2``).
"""

import math
import numbers

# Gate names used in graph dumps.
CONSTANT = "const"


def _as_value(other):
    """A Value for ``other`` (returned unchanged if it is one)."""
    if isinstance(other, Value):
        return other
    if isinstance(other, bool) or not isinstance(other, numbers.Real):
        raise TypeError(
            f"Value: can only combine with a Value or a real number, got {type(other).__name__}"
        )
    return Value(float(other), label=repr(float(other)), op=CONSTANT)


class Value:
    """A scalar node of a computational graph with reverse-mode differentiation.

    Attributes:
    - data: float, the value computed in the forward pass
    - grad: float, d(output)/d(this node) after output.backward() (0.0 before)
    - parents: tuple of the Values this node was computed from (empty for inputs)
    - local_grads: tuple of floats, d(this node)/d(parent) for each parent (the gate's local
      gradient, evaluated at the forward values)
    - op: name of the gate that produced this node ("+", "*", "exp", ..., "" for an input)
    - label: a name for graph dumps
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data, label="", op="", parents=(), local_grads=()):
        """Create a node.

        Inputs:
        - data: real number, the node's value
        - label: optional name (shown by graph())
        - op, parents, local_grads: set by the gates; leave them out for an input node
        """
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a real number, got {data!r}")
        if len(parents) != len(local_grads):
            raise ValueError(
                f"Value: got {len(parents)} parents but {len(local_grads)} local gradients"
            )
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(float(g) for g in local_grads)
        self.op = op
        self.label = label

    def __repr__(self):
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data:.4g}, grad={self.grad:.4g})"

    # -- gates: each returns a new node with its local gradients -----------------------------
    def _gate(self, op, data, parents, local_grads):
        return Value(data, op=op, parents=parents, local_grads=local_grads)

    def __add__(self, other):
        """Add gate: distributes the upstream gradient unchanged (local gradients 1, 1)."""
        other = _as_value(other)
        return self._gate("+", self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        """Multiply gate: swaps the inputs (local gradients other, self)."""
        other = _as_value(other)
        return self._gate("*", self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, exponent):
        """Power gate x**k for a constant real k: local gradient k * x**(k-1)."""
        if isinstance(exponent, Value) or not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"Value: only a constant real exponent is supported, got {exponent!r}"
            )
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(
                f"Value: a negative base ({self.data}) needs an integer exponent, got {exponent}"
            )
        if self.data == 0 and exponent < 1:
            raise ZeroDivisionError(f"Value: 0 ** {exponent} has no finite derivative")
        local = exponent * self.data ** (exponent - 1)
        op = "1/x" if exponent == -1 else f"**{exponent:g}"
        return self._gate(op, self.data**exponent, (self,), (local,))

    def __neg__(self):
        """Negation gate: local gradient -1."""
        return self._gate("neg", -self.data, (self,), (-1.0,))

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __truediv__(self, other):
        return self * _as_value(other) ** -1

    def __radd__(self, other):
        return _as_value(other) + self

    def __rmul__(self, other):
        return _as_value(other) * self

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rtruediv__(self, other):
        if not isinstance(other, Value) and other == 1:
            return self**-1  # the 1/x gate itself
        return _as_value(other) * self**-1

    def exp(self):
        """exp gate: local gradient exp(x)."""
        out = math.exp(self.data)
        return self._gate("exp", out, (self,), (out,))

    def log(self):
        """Natural logarithm gate (x > 0): local gradient 1 / x."""
        if self.data <= 0:
            raise ValueError(f"Value.log: the input must be > 0, got {self.data}")
        return self._gate("log", math.log(self.data), (self,), (1.0 / self.data,))

    def tanh(self):
        """tanh gate: local gradient 1 - tanh(x)**2."""
        out = math.tanh(self.data)
        return self._gate("tanh", out, (self,), (1.0 - out * out,))

    def relu(self):
        """ReLU gate max(0, x): local gradient 1 for x > 0, else 0."""
        return self._gate("relu", max(self.data, 0.0), (self,), (float(self.data > 0),))

    def sigmoid(self):
        """Sigmoid gate 1 / (1 + exp(-x)): local gradient (1 - sigma(x)) * sigma(x)."""
        if self.data >= 0:
            out = 1.0 / (1.0 + math.exp(-self.data))
        else:
            z = math.exp(self.data)
            out = z / (1.0 + z)
        return self._gate("sigmoid", out, (self,), ((1.0 - out) * out,))

    def max(self, other):
        """Max gate: routes the upstream gradient to the larger input (the first on a tie)."""
        other = _as_value(other)
        first_wins = self.data >= other.data
        data = self.data if first_wins else other.data
        return self._gate("max", data, (self, other), (float(first_wins), float(not first_wins)))

    # -- backpropagation ---------------------------------------------------------------------
    def topological_order(self):
        """Every node this one depends on (and itself), each after all of its parents."""
        order, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.parents))
        return order

    def backward(self):
        """Fill in ``grad`` of every node of the graph with d(self)/d(node).

        All grads of the graph are first reset to 0 (so calling backward twice gives the same
        grads), self.grad is set to 1, then the nodes are visited in reverse topological
        order and each adds ``local_grad * node.grad`` to its parents' grads (a node used
        several times sums the gradients of its uses).
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                parent.grad += local * node.grad

    def graph(self, precision=4):
        """A text dump of the graph, one node per line in topological order.

        Each line: the node's name (its label or n<k>), '=', the gate and its inputs, then
        data and grad, and for gates the local gradients. Constants are inlined.

        Inputs:
        - precision: significant digits of the printed numbers

        Returns a string.
        """
        order = [node for node in self.topological_order() if node.op != CONSTANT]
        names = {}
        for k, node in enumerate(order):
            names[id(node)] = node.label or f"n{k}"

        def name(node):
            return node.label if node.op == CONSTANT else names[id(node)]

        width = max(len(n) for n in names.values())
        lines = []
        for node in order:
            numbers_text = f"data={node.data:.{precision}g}  grad={node.grad:.{precision}g}"
            if not node.parents:
                lines.append(f"{name(node):>{width}} = input{'':21s} {numbers_text}")
                continue
            inputs = ", ".join(name(p) for p in node.parents)
            expression = f"{node.op}({inputs})"
            local = ", ".join(f"{g:.{precision}g}" for g in node.local_grads)
            lines.append(
                f"{name(node):>{width}} = {expression:26s} {numbers_text}  local=({local})"
            )
        return "\n".join(lines)
