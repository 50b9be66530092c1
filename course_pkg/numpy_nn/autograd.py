"""A scalar automatic-differentiation engine: backpropagation you can see.

Every :class:`Value` holds one number, the values it was computed from (its *parents*) and, for
each parent, the **local gradient**: the derivative of this value with respect to that parent,
worked out when the value is computed. ``backward()`` then applies the chain rule over the whole
graph, last value first::

    parent.grad += local_gradient * value.grad

That one line is all of backpropagation. The operations differ only in their local gradients,
which sit next to their forward formulas below: an addition passes the gradient on unchanged to
both inputs (local gradients 1 and 1), a product swaps its inputs (the gradient of ``a * b``
with respect to ``a`` is ``b``), ``relu`` routes the gradient to its input or stops it.

The engine works on Python floats, one scalar at a time: far too slow for real networks (the
``layers`` and ``network`` modules do the same with one matrix product per layer), but every
number of a backward pass can be printed and drawn. :meth:`Value.graph` exports the graph as
plain data for :func:`course_pkg.diagrams.computational_graph`.

Examples
--------
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b + a          # a is used twice: its gradient collects both uses
>>> c.backward()
>>> c.data, a.grad, b.grad
(-4.0, -2.0, 2.0)
"""

from __future__ import annotations

import math
import numbers

__all__ = ["Value"]


def _as_float(x, where: str, name: str) -> float:
    """A finite Python float from a real number; TypeError or ValueError otherwise."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{where}: expected {name} as a real number (int or float); got {type(x).__name__} {x!r}. "
            f"Convert it first, e.g. Value(float(x))."
        )
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{where}: expected {name} as a finite number; got {x}.")
    return x


class Value:
    """One scalar of a computation, with its gradient and the record of how it was made.

    Parameters
    ----------
    data : float
        The number. Ints and NumPy scalars are converted to float.
    parents : tuple of Value, default ()
        The values this one was computed from; empty for a leaf (an input or a parameter).
        A value used twice (``x * x``) appears twice.
    local_grads : tuple of float, default ()
        ``d(this value) / d(parent)`` for each parent, in the same order.
    op : str, default ""
        The operation's name, shown in drawings (``"+"``, ``"*"``, ``"tanh"`` ...); empty for a leaf.
    label : str, default ""
        A name for drawings and error messages (``"w1"``, ``"loss"``); may be set later.

    Attributes
    ----------
    grad : float
        ``d(output) / d(this value)`` after ``output.backward()``; 0.0 before.

    Raises
    ------
    TypeError
        If ``data`` or a local gradient is not a real number, or a parent is not a Value.
    ValueError
        If a number is not finite, or there is not one local gradient per parent.

    Examples
    --------
    A new operation is one constructor call: the forward result and its local gradient.

    >>> x = Value(0.5)
    >>> s = 1 / (1 + math.exp(-x.data))
    >>> y = Value(s, parents=(x,), local_grads=(s * (1 - s),), op="sigmoid")
    >>> y.backward()
    >>> round(x.grad, 6)
    0.235004
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data, parents=(), local_grads=(), op: str = "", label: str = ""):
        where = f"Value({op or 'leaf'})"
        self.data = _as_float(data, where, "data")
        parents, local_grads = tuple(parents), tuple(local_grads)
        for p in parents:
            if not isinstance(p, Value):
                raise TypeError(f"{where}: expected every parent as a Value; got {type(p).__name__} {p!r}.")
        if len(local_grads) != len(parents):
            raise ValueError(
                f"{where}: expected one local gradient per parent ({len(parents)}); got {len(local_grads)}."
            )
        self.local_grads = tuple(_as_float(g, where, "a local gradient") for g in local_grads)
        self.parents = parents
        if not isinstance(op, str) or not isinstance(label, str):
            raise TypeError(f"{where}: expected op and label as strings; got {op!r} and {label!r}.")
        self.op, self.label = op, label
        self.grad = 0.0

    def __repr__(self):
        name = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{op}{name})"

    # --- operations: each forward result next to its local gradients ---------------------------

    def __add__(self, other):
        other = _lift(other, "+")
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = _lift(other, "*")
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")  # swapped

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other):
        other = _lift(other, "-")
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other):
        other = _lift(other, "/")
        if other.data == 0.0:
            raise ValueError(f"Value.__truediv__: expected a non-zero divisor; got {other!r}.")
        return Value(self.data / other.data, (self, other), (1 / other.data, -self.data / other.data**2), "/")

    def __pow__(self, exponent):
        where = "Value.__pow__"
        if isinstance(exponent, Value):
            raise TypeError(
                f"{where}: expected the exponent as a plain number; got a Value. Write exp(log(x) * y) "
                f"with Value.exp and Value.log for a variable exponent."
            )
        n = _as_float(exponent, where, "the exponent")
        try:
            out = self.data**n
            local = n * self.data ** (n - 1) if n != 0 else 0.0
        except ZeroDivisionError:
            out = local = math.inf
        if isinstance(out, complex) or not (math.isfinite(out) and math.isfinite(local)):
            raise ValueError(
                f"{where}: expected a base where x ** {n:g} and its derivative are finite real numbers; "
                f"got x = {self.data:g}."
            )
        return Value(out, (self,), (local,), f"**{n:g}")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,), "tanh")

    def relu(self):
        on = self.data > 0
        return Value(self.data if on else 0.0, (self,), (1.0 if on else 0.0,), "relu")  # routes or stops

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise ValueError(f"Value.exp: expected an argument below about 709.78; got {self.data:g}.") from None
        return Value(e, (self,), (e,), "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: expected a positive argument; got {self.data:g}.")
        return Value(math.log(self.data), (self,), (1 / self.data,), "log")

    # Python calls these when the plain number comes first: 2 * x, 1 - x, 1 / x.
    def __radd__(self, other):
        return _lift(other, "+") + self

    def __rmul__(self, other):
        return _lift(other, "*") * self

    def __rsub__(self, other):
        return _lift(other, "-") - self

    def __rtruediv__(self, other):
        return _lift(other, "/") / self

    # --- backpropagation -------------------------------------------------------------------------

    def topological_order(self) -> list:
        """Every value this one depends on, each once, parents before the values made from them.

        Returns
        -------
        list of Value
            Leaves come early and ``self`` is last. A depth-first search with an explicit stack,
            so long chains do not hit Python's recursion limit.
        """
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))  # revisit after all its parents
                stack.extend((p, False) for p in reversed(node.parents))
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every value in the graph with ``d(self) / d(value)``.

        The gradients of the whole graph are first reset to 0 (so calling it twice gives the same
        result), ``self.grad`` is set to 1, then each value, from the last to the first, passes its
        gradient to its parents times the local gradients. A value used in several places sums the
        contributions of all of them.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # outputs before the values they were made from
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad  # the chain rule

    def graph(self):
        """The graph of this value as plain data for :func:`course_pkg.diagrams.computational_graph`.

        Returns
        -------
        nodes : list of dict
            One per value, in topological order: ``{"id", "label", "op", "value", "grad"}``. The id
            is the position in that order; the label is the value's ``label``, or its number for a
            constant (a leaf without a label).
        edges : list of (int, int)
            ``(parent_id, child_id)`` for every use of a value; repeated when used twice.

        Examples
        --------
        >>> x = Value(3.0, label="x")
        >>> y = x * x
        >>> y.label = "y"
        >>> y.backward()
        >>> nodes, edges = y.graph()
        >>> [(n["label"], n["value"], n["grad"]) for n in nodes], edges
        ([('x', 3.0, 6.0), ('y', 9.0, 1.0)], [(0, 1), (0, 1)])
        """
        order = self.topological_order()
        ids = {id(node): i for i, node in enumerate(order)}
        nodes, edges = [], []
        for i, node in enumerate(order):
            label = node.label or (f"{node.data:g}" if not node.parents else f"v{i}")
            nodes.append({"id": i, "label": label, "op": node.op or None, "value": node.data, "grad": node.grad})
            edges += [(ids[id(p)], i) for p in node.parents]
        return nodes, edges


def _lift(x, op: str) -> Value:
    """A Value as it is; a plain number as a constant leaf."""
    if isinstance(x, Value):
        return x
    return Value(_as_float(x, f"Value '{op}'", "the other operand"))
