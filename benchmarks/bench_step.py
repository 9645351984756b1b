"""One SGD step of an MLP 784-512-512-10 (batch 256): mlp against its floor and PyTorch.

Timed side by side in one interleaved run, float32 and float64 together:

* floor: numpy doing only the eight matrix products a training step needs
  (three per layer: x @ W, x.T @ grad, grad @ W.T; the first layer's input
  gradient is never used): no package built on numpy can beat it;
* mlp layers: ``Sequential.train_step`` with ``SoftmaxCrossEntropy`` and ``SGD``;
* mlp Tensor: the same step on the ``Tensor`` engine (``mlp.autodiff``);
* plain numpy: the step as a student would first write it, for comparison;
* torch: the same step in PyTorch (``pip install -r requirements-bench.txt``).

The machine may be shared: each round times every candidate once in turn
(so a slow spell hits them all alike), and the table gives medians and minima
over the rounds, and ratios: the median of the per-round ratios, and the
ratio of the minima.  BLAS and torch use the same number
of threads, printed with the table.

Run:  python benchmarks/bench_step.py [--threads 1] [--rounds 60]
Goals (issue 15): mlp layers <= 1.0x torch and <= 1.15x floor; Tensor <= 1.1x torch.
"""

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import mlp  # noqa: E402
from mlp.autodiff import Tensor, no_grad, softmax_cross_entropy  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH = 256
LR = 1e-3


def make_problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], BATCH)
    Ws = [(rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(dtype) for a, b in zip(SIZES[:-1], SIZES[1:])]
    return x, y, Ws


def floor_step_fn(x, y, Ws):
    """Only the eight matrix products of a forward and backward pass."""
    def step():
        acts = [x]
        for W in Ws:
            acts.append(acts[-1] @ W)
        g = acts[-1]
        for i in range(len(Ws) - 1, -1, -1):
            acts[i].T @ g
            if i > 0:  # the first layer's input gradient: never needed
                g = g @ Ws[i].T
    return step


def layers_step_fn(x, y, Ws):
    layers = []
    for i, W in enumerate(Ws):
        linear = mlp.Linear(*W.shape, dtype=W.dtype)
        linear.params["W"][...] = W
        layers.append(linear)
        if i < len(Ws) - 1:
            layers.append(mlp.ReLU())
    model = mlp.Sequential(*layers)
    loss, opt = mlp.SoftmaxCrossEntropy(), mlp.SGD(model, lr=LR)
    return lambda: model.train_step(x, y, loss, opt)


def tensor_step_fn(x, y, Ws):
    params = []
    for W in Ws:
        params += [Tensor(W.copy(), requires_grad=True), Tensor(np.zeros(W.shape[1], W.dtype), requires_grad=True)]

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        softmax_cross_entropy(h, y).backward()
        with no_grad():
            for p in params:
                p.value -= LR * p.grad
                p.zero_grad()
    return step


def plain_step_fn(x, y, Ws):
    """The step as a student would first write it."""
    Ws = [W.copy() for W in Ws]
    bs = [np.zeros(W.shape[1], dtype=W.dtype) for W in Ws]
    Y = np.eye(SIZES[-1], dtype=x.dtype)[y]

    def step():
        zs, acts = [], [x]
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = acts[-1] @ W + b
            zs.append(z)
            acts.append(np.maximum(z, 0) if i < len(Ws) - 1 else z)
        z = acts[-1] - acts[-1].max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        g = (p - Y) / len(x)
        for i in range(len(Ws) - 1, -1, -1):
            dW, db = acts[i].T @ g, g.sum(axis=0)
            if i > 0:
                g = (g @ Ws[i].T) * (zs[i - 1] > 0)
            Ws[i] -= LR * dW
            bs[i] -= LR * db
    return step


def torch_step_fn(x, y, Ws):
    import torch

    torch.manual_seed(0)
    mods = []
    for i, W in enumerate(Ws):
        linear = torch.nn.Linear(*W.shape, dtype=torch.from_numpy(W).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.zero_()
        mods.append(linear)
        if i < len(Ws) - 1:
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        lossf(model(tx), ty).backward()
        opt.step()
    return step


def set_threads(n):
    """Give BLAS and torch the same thread count; return what each reports."""
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(n)
    blas = sorted({(p["internal_api"], p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"})
    try:
        import torch
    except ImportError:
        return blas, None
    torch.set_num_threads(n)
    return blas, torch.get_num_threads()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for BLAS and torch alike (default 1)")
    parser.add_argument("--rounds", type=int, default=60, help="interleaved rounds (each times every candidate once)")
    args = parser.parse_args(argv)
    blas, torch_threads = set_threads(args.threads)

    builders = {"floor (8 products)": floor_step_fn, "mlp layers": layers_step_fn,
                "mlp Tensor": tensor_step_fn, "plain numpy": plain_step_fn}
    if torch_threads is not None:
        builders["torch"] = torch_step_fn
    dtypes = (np.float32, np.float64)
    steps = {}
    for dtype in dtypes:
        problem = make_problem(dtype)
        for name, build in builders.items():
            steps[name, dtype] = build(*problem)
    for step in steps.values():  # warm up: caches, allocator, BLAS threads
        for _ in range(3):
            step()

    # Garbage collection stays on, as users run: its cost is part of a step.
    samples = {key: [] for key in steps}
    for _ in range(args.rounds):
        for key, step in steps.items():
            start = time.perf_counter()
            step()
            samples[key].append(time.perf_counter() - start)
    gc.collect()

    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}; {args.rounds} interleaved rounds")
    print(f"threads: BLAS {blas}, torch {torch_threads}")
    names = list(builders)
    print(f"\n{'median ms (min ms)':22s}" + "".join(f"{np.dtype(d).name:>20s}" for d in dtypes))
    for name in names:
        cells = [f"{np.median(samples[name, d]) * 1e3:9.2f} ({min(samples[name, d]) * 1e3:6.2f})" for d in dtypes]
        print(f"{name:22s}" + "".join(f"{c:>20s}" for c in cells))

    pairs = [("mlp layers", "floor (8 products)"), ("mlp layers", "torch"), ("mlp Tensor", "torch"),
             ("torch", "floor (8 products)"), ("plain numpy", "floor (8 products)")]
    # A round times every candidate within a few tens of milliseconds, so the
    # ratio within a round is little touched by slow spells of a shared machine:
    # the table gives the median of the per-round ratios, then the ratio of minima.
    print(f"\n{'ratio: per-round median (of minima)':40s}" + "".join(f"{np.dtype(d).name:>16s}" for d in dtypes))
    for a, b in pairs:
        if a not in builders or b not in builders:
            continue
        cells = []
        for d in dtypes:
            per_round = np.median(np.divide(samples[a, d], samples[b, d]))
            cells.append(f"{per_round:6.2f} ({min(samples[a, d]) / min(samples[b, d]):5.2f})")
        print(f"{a + ' / ' + b.split(' (')[0]:40s}" + "".join(f"{c:>16s}" for c in cells))

if __name__ == "__main__":
    main()
