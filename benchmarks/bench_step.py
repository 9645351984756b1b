"""One SGD step of an MLP 784-512-512-10 (batch 256): mlp against its floors.

Printed, side by side in one run (median of repeated timings):

* floor: numpy doing only the layers' matrix products, three per layer
  (x @ W, grad @ W.T, x.T @ grad): no package built on numpy can beat it;
* needed: the eight of those products a training step needs (the first
  layer's input gradient is never used);
* mlp: ``Sequential.train_step`` with ``SoftmaxCrossEntropy`` and ``SGD``;
* plain: a straightforward hand-written numpy step, for comparison;
* torch: the same step in PyTorch, when it is installed.

Run:  python benchmarks/bench_step.py [--dtype float32|float64|both] [--repeat 30]
Goals (issue 2): mlp <= 1.10x floor and <= 1.25x torch.
"""

import argparse
import os
import time

import numpy as np

import mlp

SIZES = (784, 512, 512, 10)
BATCH = 256


def median_time(fn, repeat, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def make_problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], BATCH)
    return x, y


def floor_step(x, Ws, skip_first_input_grad):
    """Only the matrix products of a forward and backward pass."""
    acts = [x]
    for W in Ws:
        acts.append(acts[-1] @ W)
    g = acts[-1]
    for i in range(len(Ws) - 1, -1, -1):
        acts[i].T @ g
        if i > 0 or not skip_first_input_grad:
            g = g @ Ws[i].T


def mlp_step_fn(x, y, dtype):
    layers = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(mlp.Linear(a, b, rng=i, dtype=dtype))
        if i < len(SIZES) - 2:
            layers.append(mlp.ReLU())
    model = mlp.Sequential(*layers)
    loss, opt = mlp.SoftmaxCrossEntropy(), mlp.SGD(model, lr=1e-3)
    return lambda: model.train_step(x, y, loss, opt), model


def plain_step_fn(x, y, dtype):
    """The step as a student would first write it."""
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(dtype) for a, b in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.zeros(b, dtype=dtype) for b in SIZES[1:]]
    Y = np.eye(SIZES[-1], dtype=dtype)[y]

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
            Ws[i] -= 1e-3 * dW
            bs[i] -= 1e-3 * db

    return step


def torch_step_fn(x, y, dtype):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    torch.manual_seed(0)
    mods = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        mods.append(torch.nn.Linear(a, b, dtype=tdtype))
        if i < len(SIZES) - 2:
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        lossf(model(tx), ty).backward()
        opt.step()

    return step


def run(dtype, repeat):
    x, y = make_problem(dtype)
    Ws = [np.random.default_rng(i).standard_normal((a, b)).astype(dtype) for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:]))]
    step, _ = mlp_step_fn(x, y, dtype)
    candidates = {
        "floor (9 products)": lambda: floor_step(x, Ws, False),
        "needed (8 products)": lambda: floor_step(x, Ws, True),
        "mlp step": step,
        "plain numpy step": plain_step_fn(x, y, dtype),
    }
    torch_step = torch_step_fn(x, y, dtype)
    if torch_step is not None:
        candidates["torch step"] = torch_step
    # Interleave rounds so drift in machine speed hits every candidate alike.
    rounds = {k: [] for k in candidates}
    for _ in range(5):
        for name, fn in candidates.items():
            rounds[name].append(median_time(fn, max(1, repeat // 5)))
    times = {k: float(np.median(v)) for k, v in rounds.items()}
    floor = times["floor (9 products)"]
    print(f"\nMLP {'-'.join(map(str, SIZES))}, batch {BATCH}, {np.dtype(dtype).name}, {os.cpu_count()} cores")
    print(f"{'':22s}{'ms':>9s}{'x floor':>10s}{'x torch':>10s}")
    for name, t in times.items():
        vs_torch = f"{t / times['torch step']:10.2f}" if "torch step" in times else f"{'-':>10s}"
        print(f"{name:22s}{t * 1e3:9.2f}{t / floor:10.2f}{vs_torch}")
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    dtypes = [np.float32, np.float64] if args.dtype == "both" else [np.dtype(args.dtype).type]
    for dtype in dtypes:
        run(dtype, args.repeat)


if __name__ == "__main__":
    main()
