"""How the cost of the Tensor engine grows with the graph, and how it compares with the layers.

Seed 001 claims that one forward and one backward pass each cost time and
memory linear in the size of the network.  This script measures it:

1. chains of growing length (many tiny nodes: the engine's per-node overhead);
2. MLPs of growing depth, then of growing width (cost dominated by the matrix
   products, so it should grow with the number of parameters);

fitting a line to time against size and printing its slope and R^2 (close to 1
means linear), and the backward/forward time ratio (about 2: each matmul has one
product forward and two backward).  Finally one SGD step on a 784-512-512-10
MLP (batch 256, float32) with Tensor against the same step with mlp.layers.

Every time is taken with Python's garbage collector on, as users run it; the
per-node cost of a scalar chain is also given with it off, and against PyTorch.

    python benchmarks/bench_tensor.py            # about a minute
    python benchmarks/bench_tensor.py --quick    # under 20 s
    python benchmarks/bench_tensor.py --chain-only   # only the scalar chain against PyTorch
"""

import argparse
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from mlp.autodiff import Tensor, no_grad, softmax_cross_entropy  # noqa: E402
from mlp.layers import Linear, ReLU  # noqa: E402
from mlp.losses import SoftmaxCrossEntropy  # noqa: E402
from mlp.network import Sequential  # noqa: E402
from mlp.optim import SGD  # noqa: E402


def median_time(fn, repeats):
    """Median wall time of ``fn``, garbage collector on (as users run it)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def line_fit(x, y):
    """Least-squares line y = slope * x + intercept; returns (slope, R^2)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    return slope, 1 - residual @ residual / np.sum((y - y.mean()) ** 2)


def forward_backward_times(build, repeats):
    """Best-of-``repeats`` forward time (graph building included) and backward time.

    The minimum, not the mean: on a shared machine the noise only ever adds time.
    """
    fwd, bwd = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        loss, params = build()
        middle = time.perf_counter()
        loss.backward()
        end = time.perf_counter()
        fwd.append(middle - start)
        bwd.append(end - middle)
        for p in params:
            p.zero_grad()
    return min(fwd), min(bwd)


def peak_memory(build):
    """Peak bytes allocated during one forward and backward pass."""
    tracemalloc.start()
    loss, _ = build()
    loss.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def chain(length):
    """A chain of ``length`` nodes on a vector of 16 numbers."""
    def build():
        x = Tensor(np.linspace(-1, 1, 16), requires_grad=True)
        h = x
        for i in range(length // 2):
            h = (h * 0.9).tanh()
        return h.sum(), [x]
    return build


def mlp(depth, width, batch=64, seed=0):
    """An MLP with ``depth`` hidden layers of ``width`` units, ReLU, cross-entropy on 10 classes."""
    rng = np.random.default_rng(seed)
    sizes = [width] * (depth + 1) + [10]
    params = [(Tensor(rng.standard_normal((a, b)) * np.sqrt(2 / a), requires_grad=True),
               Tensor(np.zeros(b), requires_grad=True)) for a, b in zip(sizes[:-1], sizes[1:])]
    x, labels = rng.standard_normal((batch, width)), rng.integers(0, 10, batch)
    flat = [p for pair in params for p in pair]

    def build():
        h = x
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            if i < len(params) - 1:
                h = h.relu()
        return softmax_cross_entropy(h, labels), flat
    return build, sum(p.value.size for p in flat)


def report_scaling(title, sizes, size_label, builds, repeats):
    print(f"\n{title}")
    print(f"{size_label:>12} {'forward ms':>11} {'backward ms':>12} {'bwd/fwd':>8} {'peak MB':>8}")
    # round robin over the sizes, so that a slow spell of the machine hits every size alike
    runs = [[forward_backward_times(build, 1) for build in builds] for _ in range(repeats)]
    fwd = [min(run[i][0] for run in runs) for i in range(len(sizes))]
    bwd = [min(run[i][1] for run in runs) for i in range(len(sizes))]
    mem = [peak_memory(build) for build in builds]
    for n, f, b, m in zip(sizes, fwd, bwd, mem):
        print(f"{n:>12,} {f * 1e3:>11.2f} {b * 1e3:>12.2f} {b / f:>8.2f} {m / 1e6:>8.2f}")
    unit = size_label.rstrip("s")
    fits = (("forward", fwd, 1e9, "ns"), ("backward", bwd, 1e9, "ns"), ("memory", mem, 1, "bytes"))
    for name, y, scale, per in fits:
        slope, r2 = line_fit(sizes, y)
        print(f"  {name:>8}: {slope * scale:.3g} {per} per {unit}, R^2 = {r2:.4f}")
    return float(np.sum(bwd) / np.sum(fwd))


def sgd_step_comparison(repeats, batch=256, sizes=(784, 512, 512, 10)):
    """Median time of one SGD step, Tensor engine against layers; float32 throughout."""
    rng = np.random.default_rng(0)
    dtype, lr = np.float32, 0.01
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], batch)

    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [Linear(a, b, rng=rng, dtype=dtype)] + ([ReLU()] if i < len(sizes) - 2 else [])
    model, loss_fn = Sequential(*layers), SoftmaxCrossEntropy()
    optimizer = SGD(model, lr)
    params = [Tensor(layer.params[k].copy(), requires_grad=True)
              for layer in layers if isinstance(layer, Linear) for k in ("W", "b")]

    def layer_step():
        model.train_step(x, labels, loss_fn, optimizer)

    def tensor_forward():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        return softmax_cross_entropy(h, labels), params

    def tensor_step():
        tensor_forward()[0].backward()
        with no_grad():
            for p in params:
                p.value -= lr * p.grad
                p.zero_grad()

    assert all(p.dtype == dtype for p in params)
    for step in (layer_step, tensor_step):  # warm up caches and BLAS threads
        step()
    # interleave the two so that drifts of the machine hit both alike
    t_layers, t_tensor = [], []
    for _ in range(repeats):
        t_layers.append(median_time(layer_step, 1))
        t_tensor.append(median_time(tensor_step, 1))
    fwd, bwd = forward_backward_times(tensor_forward, repeats)
    return float(np.median(t_layers)), float(np.median(t_tensor)), bwd / fwd


# One engine per process, so that neither pays for the other's objects: with
# the garbage collector on, a full collection scans every object alive in the
# process, and importing torch alone adds some 150 000 of them.
CHAIN_WORKER = """
import gc, sys, time
import numpy as np
engine, length = sys.argv[1], int(sys.argv[2])
if engine == "torch":
    import torch
    torch.set_num_threads(1)
    leaf = lambda: torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
else:
    sys.path.insert(0, sys.argv[3])
    from mlp.autodiff import Tensor
    leaf = lambda: Tensor(np.array(0.5), requires_grad=True)
for line in sys.stdin:
    (gc.enable if line.strip() == "gc" else gc.disable)()
    start = time.perf_counter()
    h = leaf()
    for _ in range(length // 2):
        h = (h * 0.9).tanh()
    h.backward()
    print(time.perf_counter() - start, flush=True)
    del h
"""


def scalar_chain_per_node(length, rounds):
    """Per-node time (forward + backward) of a chain of scalar nodes, mlp against torch.

    Returns {(engine, "gc" | "nogc"): list of seconds per node}; each round asks
    each engine's process for one chain in turn (interleaved).
    """
    engines = ["mlp"]
    try:
        import torch  # noqa: F401
        engines.append("torch")
    except ImportError:
        pass
    root = str(Path(__file__).resolve().parents[1])
    procs = {e: subprocess.Popen([sys.executable, "-c", CHAIN_WORKER, e, str(length), root],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for e in engines}
    samples = {(e, mode): [] for e in engines for mode in ("gc", "nogc")}
    try:
        for round_ in range(rounds + 2):  # two warm-up rounds
            for mode in ("gc", "nogc"):
                for e, proc in procs.items():
                    proc.stdin.write(mode + "\n")
                    proc.stdin.flush()
                    seconds = float(proc.stdout.readline())
                    if round_ >= 2:
                        samples[e, mode].append(seconds / length)
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()
    return samples


def report_scalar_chain(length, rounds):
    samples = scalar_chain_per_node(length, rounds)
    print(f"\nScalar chain of {length} nodes (x * 0.9, then tanh), forward + backward, per node; "
          f"each engine in its own process, {rounds} interleaved rounds")
    print(f"{'':8}{'gc on: median (min) us':>26}{'gc off: median (min) us':>27}")
    for engine in ("mlp", "torch"):
        if (engine, "gc") not in samples:
            continue
        cells = [f"{np.median(samples[engine, m]) * 1e6:8.2f} ({min(samples[engine, m]) * 1e6:5.2f})" for m in ("gc", "nogc")]
        print(f"{engine:8}{cells[0]:>26}{cells[1]:>27}")
    if ("torch", "gc") in samples:
        for mode, label in (("gc", "gc on"), ("nogc", "gc off")):
            ratio = np.median(np.divide(samples["mlp", mode], samples["torch", mode]))
            low = min(samples["mlp", mode]) / min(samples["torch", mode])
            print(f"  mlp / torch per node, {label}: {ratio:.2f} per-round median ({low:.2f} of minima)"
                  + ("   (goal <= 0.5)" if mode == "gc" else ""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats (< 20 s)")
    parser.add_argument("--chain-only", action="store_true", help="only the scalar chain against PyTorch")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else 9

    report_scalar_chain(2000 if args.quick else 10000, 10 if args.quick else 30)
    if args.chain_only:
        return

    lengths = [2000, 4000, 8000, 12000, 16000] if args.quick else [5000, 10000, 20000, 40000, 60000, 80000]
    report_scaling("Chains (each node: 16 numbers)", lengths, "nodes", [chain(n) for n in lengths], repeats)

    depths = [1, 2, 4, 6, 8] if args.quick else [1, 2, 4, 8, 12, 16]
    built = [mlp(d, 256) for d in depths]
    ratio_depth = report_scaling("MLPs of width 256, growing depth (batch 64)", [n for _, n in built],
                                 "parameters", [b for b, _ in built], repeats)

    widths = [128, 256, 384, 512] if args.quick else [128, 256, 512, 768, 1024]
    built = [mlp(2, w) for w in widths]
    ratio_width = report_scaling("MLPs of depth 2, growing width (batch 64)", [n for _, n in built],
                                 "parameters", [b for b, _ in built], repeats)
    print(f"\nbackward/forward time, summed over the MLPs above: {ratio_depth:.2f} (depth), "
          f"{ratio_width:.2f} (width)")

    t_layers, t_tensor, ratio = sgd_step_comparison(15 if args.quick else 50)
    print("\nSGD step, MLP 784-512-512-10, batch 256, float32 (median)")
    print(f"  Tensor backward/forward time: {ratio:.2f} (goal <= 2.2)")
    print(f"  layers {t_layers * 1e3:.2f} ms, Tensor {t_tensor * 1e3:.2f} ms, "
          f"ratio {t_tensor / t_layers:.2f} (goal <= 1.3)")


if __name__ == "__main__":
    main()
