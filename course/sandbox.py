"""A bubblewrap sandbox for one submission, and the grader's end of the wire to it.

``Sandbox`` starts ``checks.runner`` under ``bwrap`` with no network, its own
PID namespace (every process in it dies with it), read-only system and
Python files, an empty writable ``/tmp`` of limited size, and a private
``/sandbox/lib`` that holds the student package's runner and a stand-in
``mlp`` exposing only the reference modules the chapter allows.  The course
folder, the solutions, the hidden checks, the gradebook and every other
submission are simply not there.  Memory and the number of processes are
capped (a cgroup where the machine has one, rlimits otherwise); wall time is
capped per call and per notebook; messages are capped in bytes.

``Session`` is the grader's side: ``load`` the student's cells, look names up,
and get ``Answer`` proxies whose calls run in the sandbox while the checks run
here, in the trusted process.
"""

import ast
import contextlib
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import checks
from checks import wire
from checks.core import GradingError
from checks.guard import USES_REFERENCE

MLP_DIR = Path(__import__("mlp").__file__).resolve().parent
CHECKS_DIR = Path(checks.__file__).resolve().parent
RUNNER_FILES = ("__init__.py", "core.py", "guard.py", "wire.py", "runner.py")


@dataclass
class Limits:
    """What one submission may use. The command line's options set these."""

    notebook_seconds: float = 300.0  # the whole run: load and every call
    call_seconds: float = 60.0  # one cell of the student's, or one call of a check
    setup_seconds: float = 120.0  # the chapter's own set-up cell (imports), at least call_seconds
    memory_bytes: int = 2 * 2**30
    processes: int = 64
    message_bytes: int = 64 * 2**20  # one reply from the sandbox
    tmp_bytes: int = 64 * 2**20  # the writable /tmp


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


class SandboxStopped(GradingError):
    """The sandbox ended (time limit, memory, a crash, a protocol error): no more answers."""


def _short(text, limit=300):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + " [...]"


class RemoteError(Exception):
    """The student's code raised an exception; ``type_name`` is its type's name."""

    def __init__(self, type_name, message):
        super().__init__(message)
        self.type_name = type_name


def bwrap_path():
    return shutil.which("bwrap")


def check_available():
    """Raise ``SandboxUnavailable`` unless bwrap can start a process here."""
    exe = bwrap_path()
    if exe is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    probe = subprocess.run([exe, *_system_binds(), "--unshare-all", "--die-with-parent", "--", "/bin/true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode:
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here: {probe.stderr.strip()[:300]}")


# -- the sandbox's files -----------------------------------------------------------

def _module_imports(path):
    """Names of ``mlp`` modules that ``path`` imports relatively or absolutely."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(a.name for a in node.names)
            elif node.module and node.module.split(".")[0] == "mlp" and "." in node.module:
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "mlp" and len(parts) > 1:
                    found.add(parts[1])
    return {m for m in found if (MLP_DIR / f"{m}.py").exists() or (MLP_DIR / m).is_dir()}


def _closure(modules):
    """``modules`` with every ``mlp`` module they import, transitively."""
    todo, done = list(modules), set()
    while todo:
        m = todo.pop()
        if m in done:
            continue
        done.add(m)
        path = MLP_DIR / f"{m}.py"
        if path.exists():
            todo.extend(_module_imports(path) - done)
    return done


STUB = '''"""The reference package while grading: only the modules this chapter allows.

Allowed here: {allowed}.  Everything else of ``mlp`` is absent on purpose: an
exercise must be answered with your own code.
"""

import importlib

_ALLOWED = {allowed!r}
_EXPORTS = {exports!r}


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if f"mlp.{{name}}" in _ALLOWED:
        return importlib.import_module(f"mlp.{{name}}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"mlp.{{_EXPORTS[name]}}"), name)
    raise AttributeError(
        f"your answer {USES_REFERENCE} (mlp.{{name}}), which is not available "
        f"while grading: {{'this chapter allows only ' + ', '.join(_ALLOWED) if _ALLOWED else 'no part of mlp is'}}"
    )


for _module in _ALLOWED:
    importlib.import_module(_module)
'''


def _split_allowed(allowed):
    """({module: None (whole) or set of function names}) from entries such as
    ``"mlp.layers"`` (a whole module) and ``"mlp.vjps.unbroadcast"`` (one function of it)."""
    out = {}
    for entry in allowed:
        parts = entry.split(".")
        if parts[0] != "mlp" or len(parts) not in (2, 3) or not (MLP_DIR / f"{parts[1]}.py").exists():
            raise ValueError(f"expected 'mlp.<module>' or 'mlp.<module>.<function>' in SANDBOX_MLP, got {entry!r}")
        if len(parts) == 2:
            out[parts[1]] = None
        elif out.get(parts[1], set()) is not None:
            out.setdefault(parts[1], set()).add(parts[2])
    return out


def _lent_only(module, names):
    """Source of a stand-in for ``mlp.<module>`` whose functions ``names`` are placeholders.

    None of the module's code enters the sandbox: code that is not there cannot
    be reached, whatever a notebook does to the in-process guard.  While the
    grader calls an answer that may build on one of these functions, it lends
    the real one (``checks.guard.call`` passes it with ``given``; the runner puts
    it on this module for that call only, and the grader honours its callbacks
    only during that call).
    """
    import importlib
    import inspect

    real = importlib.import_module(f"mlp.{module}")
    chunks = [f'"""mlp.{module} while grading: {", ".join(sorted(names))} only, lent by the grader."""\n\n'
              "__lent__ = True  # the runner puts the grader's functions here, one call at a time\n"]
    for name in sorted(names):
        if not inspect.isfunction(getattr(real, name, None)):
            raise ValueError(f"SANDBOX_MLP names mlp.{module}.{name}, which is not a function of mlp.{module}")
        chunks.append(
            f"\ndef {name}(*args, **kwargs):\n"
            f"    raise RuntimeError('your answer {USES_REFERENCE} (mlp.{module}.{name}), "
            f"which the grader lends only to the exercises that build on it')\n")
    return "".join(chunks)


def prepare_lib(allowed, into):
    """Write the sandbox's ``/sandbox/lib`` into the folder ``into``; return it.

    ``allowed``: reference modules such as ``("mlp.network", "mlp.layers")``, or
    single functions such as ``("mlp.vjps.unbroadcast",)``, whose module is then
    a stand-in holding placeholders the grader fills per call (``_lent_only``).
    """
    into = Path(into)
    parts = _split_allowed(allowed)
    whole = {m for m, names in parts.items() if names is None}
    (into / "checks").mkdir(parents=True, exist_ok=True)
    for name in RUNNER_FILES:
        shutil.copy2(CHECKS_DIR / name, into / "checks" / name)
    for chapter in checks.CHAPTERS:  # the set-up cell imports its chapter's checks
        (into / "checks" / f"{chapter}.py").write_text(
            '"""The visible checks do not run while grading: the grader runs the tests itself."""\n')
    short = sorted(parts)
    (into / "mlp").mkdir(exist_ok=True)
    import mlp

    exports = {}  # names `mlp` re-exports from the allowed modules (or the allowed functions)
    for name, obj in vars(mlp).items():
        module = getattr(obj, "__module__", "")
        module = module.split(".")[1] if module.startswith("mlp.") else None
        if not name.startswith("_") and module in parts and (parts[module] is None or name in parts[module]):
            exports[name] = module
    (into / "mlp" / "__init__.py").write_text(
        STUB.format(allowed=tuple(f"mlp.{m}" for m in short), exports=exports, USES_REFERENCE=USES_REFERENCE))
    copied = _closure(whole)
    for m, names in parts.items():
        if names is not None and m not in copied:
            (into / "mlp" / f"{m}.py").write_text(_lent_only(m, names))
    for m in sorted(copied):
        src = MLP_DIR / f"{m}.py"
        if src.exists():
            shutil.copy2(src, into / "mlp" / f"{m}.py")
        elif (MLP_DIR / m).is_dir():
            shutil.copytree(MLP_DIR / m, into / "mlp" / m, ignore=shutil.ignore_patterns("__pycache__"))
    return into


def _system_binds():
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                "/etc/localtime", "/etc/matplotlibrc"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    return args


def _python_binds():
    """Read-only binds for this Python and its packages, with the course's own packages hidden."""
    prefixes = sorted({Path(p).resolve() for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)})
    args = []
    for p in prefixes:
        if not any(str(p).startswith(str(q) + os.sep) for q in prefixes if q != p) and not str(p).startswith("/usr"):
            args += ["--ro-bind", str(p), str(p)]
    # An installed (not editable) copy of the reference or the course inside a bound
    # prefix is covered by an empty folder: the sandbox gets only its own stand-in.
    for name in ("mlp", "checks", "course"):
        for site in map(Path, sys.path):
            hit = site / name
            if hit.is_dir() and any(str(hit.resolve()).startswith(str(p) + os.sep) for p in prefixes):
                args += ["--tmpfs", str(hit.resolve())]
    return args


def _python_executable():
    return str(Path(sys.executable))


# -- limits ------------------------------------------------------------------------

class _Cgroup:
    """A (v1) cgroup capping memory and processes of one sandbox, when the machine allows."""

    def __init__(self, limits):
        self.dirs = []
        name = f"backprop-grader-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        wanted = {"pids": {"pids.max": str(limits.processes)},
                  "memory": {"memory.limit_in_bytes": str(limits.memory_bytes),
                             "memory.memsw.limit_in_bytes": str(limits.memory_bytes)}}
        for controller, files in wanted.items():
            base = Path("/sys/fs/cgroup") / controller
            if not (base / "cgroup.procs").exists():
                continue
            with contextlib.suppress(OSError):
                d = base / name
                d.mkdir()
                self.dirs.append(d)
                for fname, value in files.items():
                    with contextlib.suppress(OSError):
                        (d / fname).write_text(value)

    def enter(self):
        """Move the calling process (the child, before exec) into the cgroups."""
        for d in self.dirs:
            with contextlib.suppress(OSError):
                (d / "cgroup.procs").write_text(str(os.getpid()))

    def kill_and_remove(self):
        for d in self.dirs:
            with contextlib.suppress(OSError):
                for pid in (d / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
        deadline = time.monotonic() + 5
        for d in self.dirs:
            while time.monotonic() < deadline:
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.02)


# -- the sandbox -------------------------------------------------------------------

class Sandbox:
    """One running ``checks.runner`` under bubblewrap."""

    def __init__(self, allowed=(), limits=None, unsafe_no_sandbox=False):
        self.limits = limits or Limits()
        self.workdir = Path(tempfile.mkdtemp(prefix="backprop-sandbox-"))
        lib = prepare_lib(allowed, self.workdir / "lib")
        boot = ("import sys; sys.path.insert(0, '/sandbox/lib'); "
                "import checks.runner as r; r.main()")
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": "/tmp", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if key in os.environ:
                env[key] = os.environ[key]
        if unsafe_no_sandbox:
            # The instructor asked for it by name (--unsafe-no-sandbox): no isolation at all.
            env["PATH"] = os.environ.get("PATH", env["PATH"])
            cmd = [_python_executable(), "-I", "-c", boot.replace("/sandbox/lib", str(lib))]
        else:
            exe = bwrap_path()
            if exe is None:
                raise SandboxUnavailable("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
            # /tmp first: Python or its packages may live under /tmp (a clone there), and
            # binds made after the empty /tmp is mounted are laid on top of it.
            cmd = [exe, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                   "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp",
                   *_system_binds(), *_python_binds(),
                   "--ro-bind", str(lib), "/sandbox/lib",
                   "--proc", "/proc", "--dev", "/dev",
                   "--chdir", "/tmp", "--hostname", "sandbox",
                   "--", _python_executable(), "-I", "-c", boot]
        self.cgroup = _Cgroup(self.limits)
        memory = self.limits.memory_bytes

        def before_exec():
            os.setsid()
            self.cgroup.enter()
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.tmp_bytes, self.limits.tmp_bytes))

        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env, preexec_fn=before_exec,
                                        close_fds=True, cwd=str(self.workdir))
        self.started = time.monotonic()
        self.stopped = None  # why the sandbox ended early, if it did

    # -- framed messages with deadlines ------------------------------------------
    def send(self, message):
        if self.stopped:
            raise SandboxStopped(self.stopped)
        try:
            self.process.stdin.write(wire.dumps(message))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.stop("the sandbox closed its input: the notebook's code ended the process")
            raise SandboxStopped(self.stopped) from None

    def receive(self, seconds):
        if self.stopped:
            raise SandboxStopped(self.stopped)
        deadline = min(time.monotonic() + seconds, self.started + self.limits.notebook_seconds)
        fd = self.process.stdout.fileno()

        def read_exactly(n):
            chunks, left = [], n
            while left:
                wait = deadline - time.monotonic()
                if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                    whole = time.monotonic() >= self.started + self.limits.notebook_seconds
                    self.stop(f"the notebook used up its {self.limits.notebook_seconds:g} s of grading time"
                              if whole else f"a call did not finish within {seconds:g} s (an endless loop?)")
                    raise SandboxStopped(self.stopped)
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    self.stop(self._death())
                    raise SandboxStopped(self.stopped)
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)

        try:
            return wire.read_frame(read_exactly, self.limits.message_bytes)
        except wire.WireError as exc:
            self.stop(f"the sandbox sent something the grader cannot read ({exc})")
            raise SandboxStopped(self.stopped) from None

    def _death(self):
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the sandbox stopped answering"
        if code < 0 and -code == signal.SIGKILL:
            return "the notebook's process was killed (out of memory?)"
        return f"the notebook's process ended (exit status {code}): sys.exit, os._exit or a crash"

    def stop(self, why="finished"):
        """End the sandbox and every process in it."""
        if self.stopped is None:
            self.stopped = why
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(Exception):
                stream.close()
        self.cgroup.kill_and_remove()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Session:
    """The grader's conversation with one sandbox: load cells, look names up, call answers."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.table = wire.Table("g", resolve_class=wire.reference_class)
        self.calls = 0

    def load(self, cells, seconds=None):
        """Run ``cells`` ([{"label", "source"}]) in the sandbox; their errors, one per cell.

        ``seconds`` bounds the whole load (default: the per-call limit for each cell).
        """
        self.sandbox.send({"op": "load", "cells": cells})
        seconds = seconds or self.sandbox.limits.call_seconds * max(1, len(cells))
        reply = self.sandbox.receive(seconds)
        return reply.get("cells", []) if isinstance(reply.get("cells"), list) else []

    def lookup(self, name):
        """("callable", Answer) or ("value", value) or ("missing", None)."""
        self.sandbox.send({"op": "lookup", "name": name})
        reply = self.sandbox.receive(self.sandbox.limits.call_seconds)
        kind = reply.get("kind")
        if kind == "callable":
            return "callable", (AnswerClass if reply.get("class") is True else Answer)(self, name)
        if kind == "value":
            try:
                return "value", self.table.decode(reply.get("value"), reply.get("objects"))
            except wire.WireError as exc:
                self.sandbox.stop(f"the sandbox sent something the grader cannot read ({exc})")
                raise SandboxStopped(self.sandbox.stopped) from None
        return "missing", None

    def call(self, name, args, kwargs, allow=(), given=None, target=None, method=None):
        """Call the student's ``name(*args, **kwargs)`` in the sandbox; mirror what it changed.

        With ``target`` (an instance a class answer made) and ``method``, call
        ``target.method(*args, **kwargs)`` instead; the arrays the instance
        keeps go along, so that the grader's later changes to them reach it.
        """
        self.calls += 1
        given = dict(given or {})
        lent_before = set(self.table.functions)
        objects = {}
        message = {"op": "call", "name": name, "allow": list(allow)}
        parts = [list(args), dict(kwargs), given]
        if target is not None:
            ref = self.table.wire_id(target)
            mirror = [v for v in vars(target).values() if isinstance(v, np.ndarray)]
            parts.append(mirror)
            message["method"] = method
        encoded = self.table.encode(parts, objects)
        message.update(args=encoded[0], kwargs=encoded[1], given=encoded[2], objects=objects)
        if target is not None:
            message.update(target={"$ref": ref}, mirror=encoded[3])
        self.sandbox.send(message)
        try:
            while True:
                reply = self.sandbox.receive(self.sandbox.limits.call_seconds)
                if reply.get("op") != "callback":
                    break
                self._answer_callback(reply, args, kwargs)
        finally:
            # A function of the grader's may be called only during the call it was lent to.
            self.table.forget_functions(set(self.table.functions) - lent_before)
        try:
            value = self.table.decode(reply.get("value"), reply.get("objects"))
        except wire.WireError as exc:
            self.sandbox.stop(f"the sandbox sent something the grader cannot read ({exc})")
            raise SandboxStopped(self.sandbox.stopped) from None
        result = value[0] if isinstance(value, (list, tuple)) and len(value) == 4 else None
        if reply.get("op") == "raise":
            # Words from the sandbox reach the student's feedback: keep them short, so that a
            # notebook cannot carry the hidden inputs it was called with out in an error message.
            if reply.get("used_reference"):
                raise GradingError(_short(reply["used_reference"]))
            type_name, message = _short(reply.get("type_name"), 80), _short(reply.get("message", ""))
            if type_name == "NotImplementedError":
                raise NotImplementedError(message)
            raise RemoteError(type_name, message)
        if reply.get("op") != "return":
            self.sandbox.stop("the sandbox answered out of turn")
            raise SandboxStopped(self.sandbox.stopped)
        return result

    def _answer_callback(self, reply, args, kwargs):
        try:
            cb_args, cb_kwargs, _active = self.table.decode(reply.get("value"), reply.get("objects"))
            fn = self.table.functions.get(reply.get("fn"))
            if fn is None:
                raise wire.WireError("a call back to a function that is not lent now")
        except (wire.WireError, TypeError, ValueError) as exc:
            self.sandbox.stop(f"the sandbox sent something the grader cannot read ({exc})")
            raise SandboxStopped(self.sandbox.stopped) from None
        objects = {}
        try:
            value = fn(*cb_args, **dict(cb_kwargs))
            answer = {"op": "return", "value": self.table.encode((value, [list(args), dict(kwargs)]), objects)}
        except Exception as exc:  # the grader's function failed on the student's input
            answer = {"op": "raise", "type_name": type(exc).__name__, "message": str(exc)[:2000],
                      "value": self.table.encode((None, [list(args), dict(kwargs)]), objects)}
        answer["objects"] = objects
        self.sandbox.send(answer)


class Answer:
    """A student's function, as the checks see it: calling it runs it in the sandbox."""

    def __init__(self, session, name):
        self.session = session
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        return self.remote_call(args, kwargs)

    def remote_call(self, args, kwargs, allow=(), given=None):
        return self.session.call(self.__name__, args, kwargs, allow=allow, given=given)

    def __repr__(self):
        return f"<the notebook's {self.__name__}>"


class AnswerClass(Answer):
    """A class the student wrote: calling it makes an instance in the sandbox, seen as an ``Instance``."""

    def remote_call(self, args, kwargs, allow=(), given=None):
        obj = self.session.call(self.__name__, args, kwargs, allow=allow, given=given)
        return Instance(self.session, self.__name__, obj) if isinstance(obj, wire.RemoteObject) else obj


class Instance:
    """An instance of a student's class, living in the sandbox.

    Its data attributes read as the grader last saw them (after the latest
    call); any other public name is a method, run in the sandbox.
    """

    def __init__(self, session, class_name, obj):
        self._session, self._class_name, self._obj = session, class_name, obj

    def __getattr__(self, name):
        attrs = vars(self._obj)
        if name in attrs:
            return attrs[name]
        if name.startswith("_"):
            raise AttributeError(name)
        return Method(self, name)

    def __repr__(self):
        return f"<the notebook's {self._class_name} object>"


class Method:
    """A method of an ``Instance``: calling it runs it in the sandbox."""

    def __init__(self, instance, name):
        self.instance, self.name = instance, name
        self.__name__ = f"{instance._class_name}.{name}"

    def __call__(self, *args, **kwargs):
        return self.remote_call(args, kwargs)

    def remote_call(self, args, kwargs, allow=(), given=None):
        inst = self.instance
        return inst._session.call(inst._class_name, args, kwargs, allow=allow, given=given,
                                  target=inst._obj, method=self.name)
