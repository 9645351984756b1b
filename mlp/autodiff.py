"""Reverse-mode automatic differentiation over a graph of ``Tensor`` nodes.

Every operation on a ``Tensor`` computes its value with numpy at once (the
forward pass) and, when some input requires a gradient, remembers which
primitive made it and from which inputs.  Those records form a directed
acyclic graph whose sinks are the leaves you created.

``y.backward()`` walks that graph once, from ``y`` to the leaves, in
topological order: a node is visited only after every node that consumed it,
so by then its gradient is complete, the sum over all its consumers (the
chain rule on a DAG).  At each node the gradient is pushed to each input with
that primitive's vector-Jacobian product from ``mlp.vjps``; no Jacobian is
ever built.  Each node and each edge is handled once, so backward costs a
constant multiple of forward.

Which tensors keep ``.grad``: leaves created with ``requires_grad=True``, and
any intermediate on which you called ``retain_grad()``.  Gradients accumulate
across ``backward`` calls, as in PyTorch; call ``zero_grad()`` to reset.
"""

import contextlib
import operator
from math import prod

import numpy as np

from .vjps import VJPS, vjp

_grad_enabled = True


@contextlib.contextmanager
def no_grad():
    """Inside this block, operations compute values but record no graph."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


class Tensor:
    """A value in a computation graph: ``value`` (ndarray) and, after backward, ``grad``.

    ``Tensor(array)`` keeps an ndarray's dtype and shares its memory; Python
    numbers and lists become float64.  An operation whose result is 0-d holds
    it as the numpy scalar numpy returns (``np.float64``, ...), which has the
    same ``shape``, ``dtype`` and ``item()``.
    """

    # _parents: the input Tensors that carry a gradient; _argnums: their positions among
    # the primitive's arguments (which VJP of mlp.vjps applies to each).
    __slots__ = ("value", "grad", "requires_grad", "_op", "_inputs", "_params", "_parents", "_argnums",
                 "_retain")
    __array_ufunc__ = None  # make `ndarray @ Tensor` call Tensor.__rmatmul__, not numpy

    def __init__(self, value, requires_grad=False):
        if isinstance(value, Tensor):
            value = value.value
        is_numpy = isinstance(value, (np.ndarray, np.generic))
        self.value = np.asarray(value) if is_numpy else np.asarray(value, dtype=np.float64)
        if requires_grad and self.value.dtype.kind != "f":
            raise ValueError("Tensor: expected a floating-point array to require grad, "
                             f"got dtype {self.value.dtype}")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._op, self._inputs, self._params, self._parents, self._argnums = None, (), _NO_PARAMS, (), ()
        self._retain = False

    shape = property(lambda self: self.value.shape)
    ndim = property(lambda self: self.value.ndim)
    dtype = property(lambda self: self.value.dtype)
    T = property(lambda self: self.transpose())

    def __repr__(self):
        body = np.array2string(self.value, separator=", ", prefix="Tensor(")
        extra = "" if self.dtype == np.float64 else f", dtype={self.dtype}"
        return f"Tensor({body}{extra}{', requires_grad=True' if self.requires_grad else ''})"

    def item(self):
        return self.value.item()

    def detach(self):
        """The same value (shared memory) with no history: gradients stop here."""
        return Tensor(self.value)

    def zero_grad(self):
        self.grad = None

    def retain_grad(self):
        """Keep this intermediate node's gradient in ``.grad`` after backward."""
        self._retain = True

    # --- operators: each is one primitive of mlp.vjps ---------------------------
    # Arithmetic goes through Python's operators, not the ufuncs: on arrays they
    # are the same call, and on numpy scalars they are about 15 times faster.
    def __add__(self, other): return _apply("add", operator.add, self, other)
    def __radd__(self, other): return _apply("add", operator.add, other, self)
    def __sub__(self, other): return _apply("sub", operator.sub, self, other)
    def __rsub__(self, other): return _apply("sub", operator.sub, other, self)
    def __mul__(self, other): return _apply("mul", operator.mul, self, other)
    def __rmul__(self, other): return _apply("mul", operator.mul, other, self)
    def __truediv__(self, other): return _apply("div", operator.truediv, self, other)
    def __rtruediv__(self, other): return _apply("div", operator.truediv, other, self)
    def __pow__(self, other): return _apply("pow", np.power, self, other)
    def __rpow__(self, other): return _apply("pow", np.power, other, self)
    def __matmul__(self, other): return _apply("matmul", np.matmul, self, other)
    def __rmatmul__(self, other): return _apply("matmul", np.matmul, other, self)
    def __neg__(self): return _apply("neg", operator.neg, self)
    def __getitem__(self, index): return _apply("getitem", _take, self, index=index)

    def exp(self): return _apply("exp", np.exp, self)
    def log(self): return _apply("log", np.log, self)
    def tanh(self): return _apply("tanh", np.tanh, self)
    def sigmoid(self): return _apply("sigmoid", _sigmoid, self)
    def relu(self): return _apply("relu", _relu, self)

    def sum(self, axis=None, keepdims=False):
        return _apply("sum", np.sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _apply("mean", np.mean, self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _apply("reshape", np.reshape, self, shape=tuple(shape))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _apply("transpose", np.transpose, self, axes=tuple(axes) if axes else None)

    def backward(self, v=None):
        """Add d(v . self)/d(leaf) to the ``.grad`` of every leaf that requires it.

        v: None for a scalar ``self`` (the seed dL/dL = 1), else an array of
        ``self.shape``; then each leaf receives ``v @ J``, J the Jacobian of
        ``self`` with respect to that leaf.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not depend on any tensor with requires_grad=True")
        if v is None:
            if self.value.size != 1:
                raise RuntimeError(f"backward: output of shape {self.shape} is not a scalar; "
                                   "pass v of the same shape to compute v @ J")
            v = np.ones_like(self.value)
        v = np.asarray(v, dtype=self.dtype)
        if v.shape != self.shape:
            raise ValueError(f"backward: expected v of shape {self.shape} (the output's), got {v.shape}")
        backpropagate(self, v)


def _take(x, index): return x[index]
def _relu(x): return np.maximum(x, 0)
def _sigmoid(x): return 0.5 * (1 + np.tanh(0.5 * x))  # = 1/(1+e^-x), without overflow


_NO_PARAMS = {}  # shared by every node whose primitive takes no settings; never written to


def _apply(op, fun, *args, **params):
    """Run primitive ``op`` on the values of ``args``; record it when a gradient will be needed.

    This runs once per node of every graph, so it is written for speed: one
    plain loop over the arguments (generator expressions cost a third of the
    time on a chain of scalars), and as few new objects as possible, because
    every object that can hold references is one more for Python's garbage
    collector to scan.
    """
    values, parents = [], []
    for a in args:
        if isinstance(a, Tensor):
            values.append(a.value)
            if a.requires_grad:
                parents.append(a)
        else:
            values.append(a)
    inputs = tuple(values)
    try:
        value = fun(*inputs, **params)
    except ValueError as error:
        if op in ("add", "sub", "mul", "div", "pow", "matmul"):
            raise _shape_error(op, inputs) from error
        raise
    out = Tensor.__new__(Tensor)  # skip __init__'s checks: value is numpy's own result
    # A 0-d result stays the numpy scalar numpy returns (np.float64 ...): it has
    # shape, dtype and item() as an array does, and arithmetic on it is ten
    # times cheaper than on a 0-d array, which is what a graph of scalars is made of.
    out.value = value if isinstance(value, (np.ndarray, np.generic)) else np.asarray(value)
    out.grad, out._retain, out._params = None, False, _NO_PARAMS
    if _grad_enabled and parents:  # only now keep a record: constants and no_grad build no graph
        out.requires_grad, out._op, out._inputs = True, op, inputs
        if len(parents) == len(args) and len(args) < len(_ALL_ARGS):
            # every argument carries a gradient: reuse the tuple of arguments and a shared tuple of positions
            out._parents, out._argnums = args, _ALL_ARGS[len(args)]
        else:
            out._parents = tuple(parents)
            out._argnums = tuple([i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad])
        if params:
            out._params = params
    else:
        out.requires_grad, out._op, out._inputs, out._parents, out._argnums = False, None, (), (), ()
    return out


_ALL_ARGS = ((), (0,), (0, 1), (0, 1, 2))


def _shape_error(op, inputs):
    x, y = (np.shape(v) for v in inputs)
    if op == "matmul":
        return ValueError(f"matmul: expected inner dimensions to agree, got {x} @ {y}")
    return ValueError(f"{op}: expected shapes that broadcast together, got {x} and {y}")


def concatenate(tensors, axis=0):
    """Join tensors (or arrays) along ``axis``: the merge of two paths."""
    try:
        return _apply("concatenate", lambda *xs, axis: np.concatenate(xs, axis), *tensors, axis=axis)
    except ValueError as error:
        shapes = [np.shape(t.value if isinstance(t, Tensor) else t) for t in tensors]
        raise ValueError(f"concatenate: expected shapes equal except along axis {axis}, "
                         f"got {shapes}") from error


# A Tensor's inputs that carry a gradient, read by a C function: the sort calls it twice per node.
_tensor_inputs = operator.attrgetter("_parents")


def topological_sort(root, parents=_tensor_inputs):
    """The nodes under ``root``, each placed after every node that consumes it.

    ``parents(node)`` lists the nodes ``node`` is computed from, once per use;
    by default a ``Tensor``'s inputs that carry a gradient.  Any node type
    works: chapter 2's scalar nodes sort with ``parents=lambda n: n.parents``.
    Nodes are told apart by identity.  Iterative, so graphs of any depth work:
    first count each node's consumers, then release a node once all of them
    have been placed (Kahn's algorithm).
    """
    consumers, stack = {id(root): 0}, [root]
    while stack:
        for parent in parents(stack.pop()):
            key = id(parent)
            if key in consumers:
                consumers[key] += 1
            else:
                consumers[key] = 1
                stack.append(parent)
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in parents(node):
            key = id(parent)
            consumers[key] -= 1
            if consumers[key] == 0:
                ready.append(parent)
    return order


def backpropagate(root, seed):
    """Push ``seed`` (dL/droot) down the graph; sum into ``.grad`` of leaves and retained nodes."""
    # Each pending gradient carries a flag: does it own its memory?  A VJP may
    # hand the same array to several inputs (add passes g through) or a view of
    # it (reshape); only an array nobody else holds is stored without a copy.
    grads = {root: (seed, False)}
    for node in topological_sort(root):
        g, owned = grads.pop(node)  # complete: every consumer has already been visited
        if not node._parents or node._retain:
            if node.grad is None:
                node.grad = g if owned else g.copy()
            else:
                node.grad = node.grad + g
            if not node._parents:
                continue
        for argnum, parent in zip(node._argnums, node._parents):
            try:  # the table itself, without a call: this loop runs once per edge
                vjp_of_arg = VJPS[node._op][argnum]
            except (KeyError, IndexError, TypeError):
                vjp_of_arg = None
            if vjp_of_arg is None:  # a variadic primitive, or none defined: vjp() wraps it or says so
                vjp_of_arg = vjp(node._op, argnum)
            g_parent = vjp_of_arg(g, node.value, *node._inputs, **node._params)
            pending = grads.get(parent)
            if pending is not None:  # fan-out: a node used by several consumers gets the sum
                grads[parent] = (pending[0] + g_parent, True)
            else:
                grads[parent] = (g_parent, g_parent is not g and getattr(g_parent, "base", None) is None)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of integer ``labels`` (N,) under ``softmax(logits)``; logits (N, C).

    Built from primitives, with log-sum-exp shifted by the row maximum (a
    constant: the shift cancels in the loss) so logits of 1e4 stay finite.
    """
    logits = logits if isinstance(logits, Tensor) else Tensor(logits)
    labels = np.asarray(labels)
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"softmax_cross_entropy: expected logits (N, C) and labels (N,), "
                         f"got {logits.shape} and {labels.shape}")
    z = logits - logits.value.max(axis=1, keepdims=True)
    log_probs = z - z.exp().sum(axis=1, keepdims=True).log()
    return -log_probs[np.arange(len(labels)), labels].mean()


def jacobian(f, x):
    """The full Jacobian of ``f`` at ``x``, one row per VJP with a unit vector.

    x: ndarray; returns an array of shape ``f(x).shape + x.shape``.  For
    teaching and testing only: it costs one backward pass per output entry.
    """
    x = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = f(x)
    J = np.zeros(y.shape + x.shape)
    for i in np.ndindex(*y.shape):
        unit = np.zeros(y.shape)
        unit[i] = 1.0
        x.zero_grad()
        if y.requires_grad:
            y.backward(unit)
        if x.grad is not None:
            J[i] = x.grad
    return J


def graph_edges(root, names=None):
    """The gradient-carrying edges under ``root`` as (name, output_shape, input_shape).

    names: optional dict Tensor -> label; unlabelled nodes are named by their primitive.
    """
    names = names or {}
    label = lambda t: names.get(t, t._op or "leaf")
    return [(f"d{label(node)}/d{label(parent)}", node.shape, parent.shape)
            for node in topological_sort(root) for parent in node._parents]


def jacobian_entry_counts(edges):
    """Count the entries a Jacobian chain rule builds against those a VJP produces.

    edges: (name, output_shape, input_shape) triples, or a root Tensor.  The
    Jacobian of an edge has size(output) * size(input) entries; its VJP only
    writes a gradient of size(input).  Returns one dict per edge, ready to print.
    """
    if isinstance(edges, Tensor):
        edges = graph_edges(edges)
    return [{"edge": name, "output_shape": tuple(out), "input_shape": tuple(inp),
             "jacobian_entries": prod(out) * prod(inp), "vjp_entries": prod(inp)}
            for name, out, inp in edges]
