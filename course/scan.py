"""What a notebook's code reaches for, read without running it.

``flags(notebook)`` parses every code cell the student could write (answer
cells and cells of their own) and lists what a grade should be reviewed for:
use of the reference package ``mlp``, the import machinery, introspection,
``exec``/``eval``, ``ctypes``, processes, signals and threads.  Nothing here
changes a score: scores come from the sandboxed run, where the reference is
absent.  The flags go into the gradebook, the CSV export and the feedback.
"""

import ast
import importlib
import importlib.util

from .judge import is_answer, is_test, nbgrader_meta, python_source, source_of

MODULES = {
    "mlp": "uses the reference package `mlp`",
    "importlib": "uses the import machinery",
    "imp": "uses the import machinery",
    "inspect": "inspects code (inspect)",
    "ctypes": "calls C code (ctypes)",
    "cffi": "calls C code (cffi)",
    "os": "uses the operating system (os)",
    "posix": "uses the operating system (posix)",
    "signal": "sends or catches signals",
    "subprocess": "starts processes",
    "multiprocessing": "starts processes",
    "threading": "starts threads",
    "_thread": "starts threads",
    "concurrent": "starts threads or processes",
    "socket": "opens network connections",
    "gc": "walks the garbage collector's objects",
    "builtins": "changes Python's builtins",
    "pickle": "loads pickles",
    "marshal": "loads code objects",
    "sys": "uses the interpreter's internals (sys)",
    "shutil": "copies or deletes files",
    "pathlib": "reads or writes files",
}
CALLS = {
    "exec": "runs code from a string (exec)",
    "eval": "runs code from a string (eval)",
    "compile": "compiles code at run time",
    "__import__": "imports by name at run time",
    "open": "opens files",
    "globals": "reaches into the module's namespace",
    "setattr": "sets attributes by name",
    "delattr": "deletes attributes by name",
    "breakpoint": "calls the debugger",
}
ATTRS = {
    "__dict__": "reaches into an object's attributes",
    "__globals__": "reaches into a function's globals",
    "__code__": "replaces or reads a function's code",
    "__builtins__": "changes Python's builtins",
    "__subclasses__": "walks the class hierarchy",
    "__class__": "changes or reads an object's class",
    "f_globals": "reaches into stack frames",
    "f_back": "reaches into stack frames",
    "setprofile": "changes the interpreter's hooks",
    "settrace": "changes the interpreter's hooks",
    "meta_path": "changes the import machinery",
    "modules": None,  # sys.modules only: see below
}


def cell_flags(source, allowed=()):
    """Reasons this cell's code deserves review, each once, in order of appearance.

    ``allowed``: the parts of ``mlp`` the chapter lets answers use (its ``SANDBOX_MLP``, such as
    ``("mlp.losses", "mlp.vjps.unbroadcast")``); a use of only those is not flagged.
    """
    try:
        tree = ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return []
    found = []

    def add(reason):
        if reason and reason not in found:
            found.append(reason)

    def reference(dotted):
        if not _allowed_use(dotted, allowed):
            add(MODULES["mlp"])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "mlp":
                    reference(alias.name)
                else:
                    add(MODULES.get(alias.name.split(".")[0]))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "mlp":
                for alias in node.names:
                    reference(f"{node.module}.{alias.name}")
            else:
                add(MODULES.get(node.module.split(".")[0]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            add(CALLS.get(node.func.id))
        elif isinstance(node, ast.Attribute):
            if node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                add("changes the loaded modules (sys.modules)")
            else:
                add(ATTRS.get(node.attr))
        elif isinstance(node, ast.Name) and node.id == "mlp" and isinstance(node.ctx, ast.Load):
            reference(_dotted_use(tree, node))
    return found


def _dotted_use(tree, name):
    """``mlp.losses.SoftmaxCrossEntropy`` for the ``mlp`` of that expression (the longest chain)."""
    best = "mlp"
    for node in ast.walk(tree):
        chain, inner = [], node
        while isinstance(inner, ast.Attribute):
            chain.append(inner.attr)
            inner = inner.value
        if inner is name and len(chain) > best.count("."):
            best = ".".join(["mlp", *reversed(chain)])
    return best


def _allowed_use(dotted, allowed):
    """Whether ``dotted`` (``mlp``, ``mlp.X``, ``mlp.module.X.attr``...) names only allowed parts."""
    if not allowed:
        return False
    parts = dotted.split(".")
    if len(parts) < 2:  # the bare package: allowed only if the chapter allows some of it
        return True
    try:
        package = importlib.import_module("mlp")
    except ImportError:
        return False
    head = parts[1]
    if importlib.util.find_spec(f"mlp.{head}") is not None:
        module, name = f"mlp.{head}", parts[2] if len(parts) > 2 else None
    else:  # a name the package exports: the module that defines it
        value = getattr(package, head, None)
        module, name = (getattr(value, "__module__", None) or "", head)
    return module in allowed or (name is not None and f"{module}.{name}" in allowed)


def flags(notebook, source, allowed=()):
    """["answer `sigmoid_grad` uses the reference package `mlp`", ...] for one notebook.

    Cells the chapter itself holds (``source``, the instructor's notebook), left
    as released, are not the student's code and are not read.
    """
    out = []
    released = {(c.get("id"), source_of(c)) for c in source.get("cells", []) if not is_answer(c)}
    demo_ids = {c.get("id") for c in source.get("cells", []) if not is_answer(c)}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or is_test(cell):
            continue
        meta = nbgrader_meta(cell)
        if (cell.get("id"), source_of(cell)) in released or (meta.get("locked") and not is_answer(cell)):
            continue
        label = f"answer `{meta['grade_id']}`" if is_answer(cell) and meta.get("grade_id") else \
            f"cell `{cell.get('id', '?')}`"
        reasons = cell_flags(source_of(cell), allowed)
        if cell.get("id") in demo_ids:  # an edited demo may use the reference as the chapter does
            reasons = [r for r in reasons if r != MODULES["mlp"]]
        out.extend(f"{label} {reason}" for reason in reasons)
    return out
