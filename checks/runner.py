"""The sandbox's side of a graded run: run the student's cells, then answer the grader's calls.

The grader starts ``python -m checks.runner`` inside a bubblewrap sandbox and
talks to it over the process's standard input and output, one framed JSON
message at a time (``checks.wire``):

* ``{"op": "load", "cells": [{"label", "source"}, ...]}``: run these cells in
  one namespace, in order; an error in one cell is recorded and the next runs.
  Reply: ``{"op": "loaded", "cells": [{"label", "error", "seconds"}, ...]}``.
* ``{"op": "lookup", "name": ...}``: what the name is in that namespace.
  Reply: ``{"op": "found", "kind": "callable" | "value" | "missing", "value": ...}``
  (``"class": true`` with a callable that is a class).
* ``{"op": "call", "name", "args", "kwargs", "allow", "given"}``: call the
  student's function (or class: the grader then gets the instance).  With
  ``"method"`` and ``"target"`` (an instance made earlier), call that method of
  it; ``"mirror"`` carries the grader's copies of the instance's arrays, so a
  change the grader made to an array the instance keeps reaches it.  While it runs, the sandbox may ask the grader to run a
  function of the grader's (``{"op": "callback", ...}``), for instance the
  ``f`` handed to ``central_difference``.  Reply: ``{"op": "return", ...}`` or
  ``{"op": "raise", ...}``, with the arguments as the call left them.
* ``{"op": "exit"}``.

Nothing here decides a grade.  The student's code runs in this process and can
change anything in it, this file included; all it can spoil is its own answers.
The grader holds the expected results, on the other side of the sandbox.
"""

import contextlib
import io
import os
import sys
import time

from . import wire
from .guard import no_reference

MESSAGE_LIMIT = 64 * 2**20
_MAGIC_PREFIXES = ("%", "!")


class _Channel:
    """Framed messages on two file descriptors."""

    def __init__(self, fd_in, fd_out):
        self.fd_in, self.fd_out = fd_in, fd_out

    def send(self, message):
        data = wire.dumps(message)
        view = memoryview(data)
        while view:
            n = os.write(self.fd_out, view)
            view = view[n:]

    def receive(self):
        return wire.read_frame(self._read_exactly, MESSAGE_LIMIT)

    def _read_exactly(self, n):
        chunks, left = [], n
        while left:
            chunk = os.read(self.fd_in, min(left, 1 << 20))
            if not chunk:
                raise EOFError("the grader closed the channel")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


class _NoIPython:
    """``get_ipython()`` of the graded run: magics and shell commands do not run here."""

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise RuntimeError("IPython magics and shell commands do not run while grading")

        return refuse


def python_source(source):
    """The cell as plain Python: IPython's syntax (``%pip``, ``!ls``) turned into calls."""
    if not any(line.lstrip().startswith(_MAGIC_PREFIXES) for line in source.splitlines()):
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)


def _error(exc):
    return {"type_name": type(exc).__name__, "message": str(exc)[:2000]}


class Runner:
    """One student's namespace and the calls the grader makes into it."""

    def __init__(self, channel):
        self.channel = channel
        self.table = wire.Table("s", resolve_class=wire.reference_class, make_callable=self._remote_function)
        self.table.mark_views = True  # a returned slice of an argument is sent as a view of it
        self.namespace = {"__name__": "__main__", "get_ipython": _NoIPython}
        self.active = []  # arguments of the calls now running, mirrored at each callback

    # -- messages from the grader ---------------------------------------------------
    def serve(self):
        while True:
            try:
                message = self.channel.receive()
            except EOFError:
                return
            op = message.get("op")
            if op == "exit":
                return
            handler = {"load": self.load, "lookup": self.lookup, "call": self.call}.get(op)
            if handler is None:
                self.channel.send({"op": "error", "message": f"unknown operation {op!r}"})
                continue
            self.channel.send(handler(message))

    def load(self, message):
        results = []
        for cell in message.get("cells", []):
            label, start, error = str(cell.get("label")), time.perf_counter(), None
            try:
                code = compile(python_source(str(cell.get("source", ""))), f"<cell {label}>", "exec")
                exec(code, self.namespace)
            except BaseException as exc:  # noqa: B036 - a student's sys.exit() is only an error here
                error = _error(exc)
            results.append({"label": label, "error": error, "seconds": time.perf_counter() - start})
        return {"op": "loaded", "cells": results}

    def lookup(self, message):
        name = str(message.get("name"))
        if name not in self.namespace:
            return {"op": "found", "kind": "missing"}
        value = self.namespace[name]
        if isinstance(value, type) and value.__module__ == "__main__":
            return {"op": "found", "kind": "callable", "class": True}  # a class the notebook defined
        if callable(value) and not isinstance(value, type):
            return {"op": "found", "kind": "callable"}
        objects = {}
        try:
            data = self.table.encode(value, objects)
        except Exception as exc:
            return {"op": "found", "kind": "value", "value": {"$opaque": f"unreadable: {exc}"}, "objects": {}}
        return {"op": "found", "kind": "value", "value": data, "objects": objects}

    def call(self, message):
        start = time.perf_counter()
        fn = self.namespace.get(str(message.get("name")))
        method = message.get("method")
        try:
            # the mirrored arrays need no name: decoding them updates the instance's own in place
            args, kwargs, given, target, _mirror = self.table.decode(
                [message.get("args", []), message.get("kwargs", {"$dict": []}), message.get("given", {"$dict": []}),
                 message.get("target"), message.get("mirror", [])],
                message.get("objects"),
            )
        except wire.WireError as exc:
            return {"op": "raise", "type_name": "WireError", "message": str(exc)}
        if method is not None:
            if not (isinstance(method, str) and method.isidentifier() and not method.startswith("_")):
                return {"op": "raise", "type_name": "WireError", "message": f"no such method {method!r}"}
            fn = getattr(target, method, None)
            if not callable(fn):
                return {"op": "raise", "type_name": "AttributeError",
                        "message": f"{type(target).__name__} has no method {method!r}"}
        allow = tuple(str(a) for a in message.get("allow", []))
        self.active.append((args, kwargs))
        reply = {}
        try:
            with self._given(given), no_reference(allow):
                result = _materialised(fn(*args, **kwargs))
            reply = {"op": "return", "value": (result, args, kwargs, target)}
        except BaseException as exc:  # noqa: B036 - SystemExit from an answer is the answer's error
            reply = {"op": "raise", **_error(exc), "value": (None, args, kwargs, target)}
            if type(exc).__name__ == "UsedReference":
                reply["used_reference"] = str(exc)
        finally:
            self.active.pop()
        reply["seconds"] = time.perf_counter() - start
        return self._encoded(reply)

    def _encoded(self, reply):
        objects = {}
        try:
            reply["value"] = self.table.encode(reply["value"], objects)
        except Exception as exc:  # an object the wire cannot carry
            return {"op": "raise", "type_name": "WireError", "message": f"the result cannot be sent: {exc}",
                    "seconds": reply.get("seconds", 0.0)}
        reply["objects"] = objects
        return reply

    @contextlib.contextmanager
    def _given(self, given):
        """Bind the grader's stand-ins for earlier answers while one call runs."""
        missing = object()
        # "mlp.vjps.unbroadcast": a reference function the grader lends for this call, put on
        # the sandbox's stand-in module (marked ``__lent__``), so that every alias of it sees it.
        lent = []  # (module, attribute, value)
        for name, value in given.items():
            module, _, attr = name.rpartition(".")
            if module and getattr(sys.modules.get(module), "__lent__", False):
                lent.append((sys.modules[module], attr, value))
        given = {name: value for name, value in given.items() if "." not in name}
        saved = {name: self.namespace.get(name, missing) for name in given}
        kept = [(mod, attr, getattr(mod, attr, missing)) for mod, attr, _ in lent]
        self.namespace.update(given)
        for mod, attr, value in lent:
            setattr(mod, attr, value)
        try:
            yield
        finally:
            for name, old in saved.items():
                if old is missing:
                    self.namespace.pop(name, None)
                else:
                    self.namespace[name] = old
            for mod, attr, old in kept:
                if old is missing:
                    delattr(mod, attr)
                else:
                    setattr(mod, attr, old)

    # -- calls back into the grader ------------------------------------------------
    def _remote_function(self, wire_id):
        return wire.RemoteFunction(wire_id, self._callback)

    def _callback(self, wire_id, args, kwargs):
        objects = {}
        data = self.table.encode((args, kwargs, self.active), objects)
        self.channel.send({"op": "callback", "fn": wire_id, "value": data, "objects": objects})
        reply = self.channel.receive()
        value, _active = self.table.decode(reply.get("value"), reply.get("objects"))
        if reply.get("op") == "raise":
            raise CallbackError(reply.get("type_name", "Exception"), reply.get("message", ""))
        return value


class CallbackError(Exception):
    """A function of the grader's, called from the student's code, raised an error."""

    def __init__(self, type_name, message):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name


def main():
    # The channel keeps the original standard input and output; the student's
    # prints (and anything written to file descriptors 1 and 2) go nowhere.
    fd_in, fd_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = io.StringIO()
    _Sink.install()
    Runner(_Channel(fd_in, fd_out)).serve()


class _Sink(io.StringIO):
    """Printed text is dropped: nothing a cell prints reaches the grader."""

    def write(self, text):
        return len(text)

    @classmethod
    def install(cls):
        sys.stdout = sys.stderr = cls()


MAX_ITEMS = 1_000_000


def _materialised(result):
    """A generator or iterator result as the list it yields (run here, under the reference guard).

    Answers such as ``minibatches`` may ``yield`` instead of returning a list, as
    they could at home, where the visible check takes ``list()`` of them. Only
    data crosses the wire, so the items are drawn here, at most ``MAX_ITEMS``.
    """
    import itertools
    import types

    if isinstance(result, (types.GeneratorType, map, filter, zip, enumerate, itertools.islice)) or (
            hasattr(result, "__next__") and hasattr(result, "__iter__")
            and not isinstance(result, (str, bytes, list, tuple, dict))):
        items = list(itertools.islice(result, MAX_ITEMS + 1))
        if len(items) > MAX_ITEMS:
            raise ValueError(f"the answer's iterator yielded more than {MAX_ITEMS} items")
        return items
    return result


if __name__ == "__main__":
    main()
