"""mlp: the reference implementation of the course on backpropagation.

Two ways to compute gradients, taught side by side:

* layers with hand-written ``forward``/``backward`` (``Linear``, ``ReLU``, ...),
  chained by ``Sequential`` and trained with ``SGD``;
* ``Tensor``, a node of a computation graph whose ``backward`` runs
  reverse-mode automatic differentiation with one vector-Jacobian product per
  primitive (``mlp.vjps``).

Only numpy is needed at run time; ``mlp.data`` uses scikit-learn's bundled
data sets and ``mlp.plotting`` uses matplotlib, each imported on first use.
"""

from .autodiff import (
    Tensor,
    backpropagate,
    concatenate,
    jacobian,
    jacobian_entry_counts,
    no_grad,
    softmax_cross_entropy,
    topological_sort,
)
from .gradcheck import check_gradients, check_vjp, numerical_gradient, numerical_jacobian, rel_error
from .layers import Branch, Identity, Linear, Merge, ReLU, Sigmoid, Tanh
from .losses import MSELoss, SoftmaxCrossEntropy
from .network import Sequential
from .optim import SGD

__version__ = "0.1.0"


def __getattr__(name):
    # Submodules with optional dependencies load on first use.
    if name in ("data", "plotting"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlp' has no attribute {name!r}")
