"""Mutation testing of mlp's core: do the tests notice a one-token change?

Each mutant changes one token of one file (an operator, a comparison, a
constant, ``.T``, an axis, ``sum``/``mean``, ``min``/``max``, ``+=``/``=``,
``and``/``or``, ``True``/``False``) in a scratch copy of the repository; the
tests that cover that file then run with ``-x``.  A mutant is killed when they
fail (or hang past the timeout) and survives when they pass.  The script prints
the kill rate per file and every survivor, so each can be judged: a test to
add, or an equivalent mutant (one that changes nothing observable).

    python scripts/mutation.py                      # every core file (long: hours on 2 cores)
    python scripts/mutation.py mlp/optim.py
    python scripts/mutation.py mlp/layers.py --limit 40 --seed 1   # a random sample
    python scripts/mutation.py --root /tmp/old-checkout            # another tree, same mutants

Only the standard library is needed besides the project's own test tools
(POSIX only: each test run is a fork of this process).
"""

import argparse
import io
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import tokenize
import warnings
from pathlib import Path

import hypothesis  # noqa: F401  (imported once here, shared by every forked test run)
import numpy  # noqa: F401
import pytest

ROOT = Path(__file__).resolve().parents[1]

# Which tests cover which file; test_bad_input covers every file's validation.
TESTS = {name: tests + ["test_bad_input.py"] for name, tests in {
    "mlp/layers.py": ["test_layers.py", "test_network.py", "test_tensor_vs_layers.py"],
    "mlp/losses.py": ["test_losses.py", "test_network.py", "test_tensor_vs_layers.py"],
    "mlp/network.py": ["test_network.py", "test_training.py"],
    "mlp/optim.py": ["test_network.py", "test_tensor_vs_layers.py"],
    "mlp/autodiff.py": ["test_autodiff.py", "test_vjps.py", "test_tensor_vs_layers.py"],
    "mlp/vjps.py": ["test_vjps.py", "test_autodiff.py"],
    "mlp/gradcheck.py": ["test_gradcheck.py", "test_layers.py", "test_losses.py"],
}.items()}

SWAPS = {
    "+": ["-"], "-": ["+"], "*": ["/"], "/": ["*"], "//": ["/"], "**": ["*"], "@": ["*"],
    "<": ["<="], "<=": ["<"], ">": [">="], ">=": [">"], "==": ["!="], "!=": ["=="],
    "+=": ["="], "-=": ["+="], "*=": ["/="],
    "and": ["or"], "or": ["and"], "is": ["is not"], "in": ["not in"],
    "True": ["False"], "False": ["True"], "None": ["0"],
    "sum": ["mean"], "mean": ["sum"], "min": ["max"], "max": ["min"],
    "T": [""],  # x.T -> x (the dot is removed with it)
    "0": ["1"], "1": ["0", "2"], "2": ["1", "3"], "0.0": ["1.0"], "1.0": ["0.0", "2.0"], "2.0": ["1.0"],
}


def mutants(source):
    """Yield (line, column, old, new, mutated source) for every one-token change."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    docstring_lines = _docstring_lines(source)
    previous = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        before, previous = previous, tok if tok.type not in (tokenize.NL, tokenize.COMMENT) else previous
        if tok.type not in (tokenize.OP, tokenize.NAME, tokenize.NUMBER) or tok.string not in SWAPS:
            continue
        if tok.string in BINARY_ONLY and not _ends_operand(before):
            continue  # *args, **params, a bare * in a signature: not arithmetic
        row, col = tok.start
        if row in docstring_lines:
            continue
        start = offsets[row - 1] + col
        end = start + len(tok.string)
        if tok.string == "T":
            if source[start - 1] != ".":
                continue
            start -= 1  # drop ".T"
        elif tok.string in ("sum", "mean", "min", "max") and source[end:end + 1] != "(":
            continue  # only calls: x.sum(...), np.mean(...), max(...)
        for new in SWAPS[tok.string]:
            yield row, col, tok.string, new, source[:start] + new + source[end:]


BINARY_ONLY = {"*", "**", "/", "//", "@"}


def _ends_operand(tok):
    """Can an arithmetic operator follow ``tok``?  (A name, a number, a string or a closing bracket.)"""
    return tok is not None and (tok.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING)
                                and tok.string not in ("lambda", "return", "in", "and", "or", "not", "if", "else")
                                or tok.string in (")", "]", "}"))


def _docstring_lines(source):
    """Line numbers inside strings, comments excluded anyway: mutate code only."""
    rows = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING:
            rows.update(range(tok.start[0], tok.end[0] + 1))
    return rows


def compiles(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "is" with a literal: still a mutant worth running
        try:
            compile(text, "<mutant>", "exec")
            return True
        except SyntaxError:
            return False


PYTEST_ARGS = ["-x", "-q", "-o", "addopts=", "-p", "no:nbval", "-p", "no:xdist", "-p", "no:randomly",
               "-p", "no:cacheprovider", "--hypothesis-seed=0"]


def run_tests(tree, tests, timeout):
    """True when the tests pass in ``tree`` (the mutant survives).

    A forked child of this process runs pytest, so numpy, hypothesis and pytest
    are imported once, not once per mutant (mlp itself is imported afresh in
    each child, from ``tree``).
    """
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.chdir(tree)
            sys.path.insert(0, str(tree))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            paths = [str(tree / "tests" / t) for t in tests if (tree / "tests" / t).exists()]  # an older tree may lack some
            code = pytest.main(PYTEST_ARGS + paths)
        except BaseException:
            code = 99
        os._exit(int(code))
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        if time.monotonic() > deadline:  # a hang counts as killed
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False
        time.sleep(0.02)


def make_tree(root):
    tree = Path(tempfile.mkdtemp(prefix="mutation-"))
    for part in ("mlp", "tests", "checks", "pyproject.toml"):
        src = root / part
        if src.is_dir():
            shutil.copytree(src, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy(src, tree / part)
    return tree


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=list(TESTS), help="core files to mutate (default: all)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository to mutate (default: this one)")
    parser.add_argument("--limit", type=int, default=0, help="a random sample of this many mutants per file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)

    totals = {}
    for name in args.files:
        source = (args.root / name).read_text()
        found = [m for m in mutants(source) if compiles(m[4])]
        if args.limit and len(found) > args.limit:
            found = random.Random(args.seed).sample(found, args.limit)
        tree = make_tree(args.root)
        results = []
        try:
            for mutant in found:
                (tree / name).write_text(mutant[4])
                results.append((mutant, run_tests(tree, TESTS[name], args.timeout)))
        finally:
            shutil.rmtree(tree)
        survivors = [m for m, survived in results if survived]
        totals[name] = (len(found), len(found) - len(survivors))
        print(f"\n{name}: {len(found) - len(survivors)} of {len(found)} mutants killed", flush=True)
        lines = source.splitlines()
        for row, col, old, new, _ in survivors:
            print(f"  survived {name}:{row}:{col + 1} {old!r} -> {new!r}:  {lines[row - 1].strip()[:90]}")

    print("\nkill rate per file")
    for name, (n, killed) in totals.items():
        print(f"  {name:22s} {killed:4d} / {n:4d}  {killed / max(n, 1):6.1%}")
    n, killed = sum(t[0] for t in totals.values()), sum(t[1] for t in totals.values())
    print(f"  {'total':22s} {killed:4d} / {n:4d}  {killed / max(n, 1):6.1%}")


if __name__ == "__main__":
    main()
