"""Plain data across the sandbox's wall: encoding, decoding and framing.

The grader and the sandboxed student code exchange JSON messages, never
pickles, so nothing that crosses can carry code.  A value is encoded as:

* ``None``, ``bool``, ``int``, ``float``, ``str``: as JSON (NaN and inf allowed);
* list: a JSON list; tuple: ``{"$tuple": [...]}``; dict: ``{"$dict": [[key, value], ...]}``
  with ``str`` or ``int`` keys;
* numpy array (bool, integer or float dtype): ``{"$nd": base64, "dtype": "<f8", "shape": [...]}``,
  with ``"id"`` when the array is shared (an argument whose in-place changes are mirrored back),
  and, from the student's side only, ``"view": {"of": id, "offset": bytes, "strides": [...]}``
  when it is a slice of such an array (the grader rebuilds the same, read-only, view of its own);
* ``np.random.Generator``: ``{"$rng": state, "id": ...}`` (its state is mirrored back);
* an object with attributes: ``{"$ref": id}``, its attributes listed once per message in the
  message's ``"objects"`` table as ``{"cls": "module:Name", "attrs": {...}}``;
* a callable of the other side: ``{"$fn": id}``; anything else: ``{"$opaque": "type name"}``.

A ``Table`` on each side maps ids to live objects, so an object sent and sent
back is the same object, and re-sending an object updates it in place: that is
how in-place changes made by the student's code reach the grader's arrays and
objects.  Object graphs are flat in the message, so a chain of 5,000 nodes
needs no recursion.
"""

import base64
import functools
import json
import struct
import types

import numpy as np

_HEADER = struct.Struct(">Q")
_KINDS = "biuf"  # bool, signed and unsigned integers, floats


class WireError(Exception):
    """A message could not be encoded, decoded or read."""


class RemoteObject:
    """An object of the other side, seen as its attributes only (no methods cross)."""

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in list(vars(self).items())[:4])
        return f"{type(self).__name__}({fields})"


class Opaque:
    """Something the other side could not send as data (a module, a function, a file)."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return f"<{self.kind} (not data)>"


_REMOTE_CLASSES = {}


def remote_class(name):
    """A ``RemoteObject`` subclass named ``name`` (one per name), so ``type(obj).__name__`` survives."""
    short = name.rsplit(":", 1)[-1].rsplit(".", 1)[-1] or "Object"
    if not short.isidentifier():
        short = "Object"
    if short not in _REMOTE_CLASSES:
        _REMOTE_CLASSES[short] = type(short, (RemoteObject,), {"__module__": "remote"})
    return _REMOTE_CLASSES[short]


class Table:
    """Live objects by id on one side of the wall.

    ``prefix`` tells the sides' ids apart (``"g"`` for the grader, ``"s"`` for
    the sandbox).  ``resolve_class`` turns a class name from the other side
    into a class to instantiate, or None for a plain ``RemoteObject``.
    ``make_callable`` turns a ``$fn`` id into something the code can call.
    """

    def __init__(self, prefix, resolve_class=None, make_callable=None):
        self.prefix = prefix
        self.by_id = {}
        self.ids = {}  # id(obj) -> wire id; by_id keeps obj alive so id() stays unique
        self.resolve_class = resolve_class or (lambda name: None)
        self.make_callable = make_callable
        self.functions = {}  # wire id -> callable of this side
        self.mark_views = False  # the student's side sets it: say which results are slices of arguments
        self._count = 0

    def _new_id(self):
        self._count += 1
        return f"{self.prefix}{self._count}"

    def wire_id(self, obj):
        key = id(obj)
        if key not in self.ids:
            wid = self._new_id()
            self.ids[key] = wid
            self.by_id[wid] = obj
        return self.ids[key]

    def register(self, wid, obj):
        self.by_id[wid] = obj
        self.ids[id(obj)] = wid

    def function_id(self, fn):
        wid = self.wire_id(fn)
        self.functions[wid] = fn
        return wid

    def forget_functions(self, ids):
        for wid in ids:
            self.functions.pop(wid, None)

    # -- encoding ------------------------------------------------------------
    def encode(self, value, objects, share_arrays=True):
        """``value`` as JSON-able data; objects it reaches are added to ``objects``."""
        pending = []
        out = self._encode(value, objects, pending, share_arrays)
        while pending:
            obj = pending.pop()
            wid = self.wire_id(obj)
            attrs = {k: self._encode(v, objects, pending, share_arrays) for k, v in _attrs(obj).items()}
            objects[wid] = {"cls": _class_name(obj), "attrs": attrs}
        return out

    def _encode(self, value, objects, pending, share):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.ndarray):
            return self._encode_array(value, share)
        if isinstance(value, list):
            return [self._encode(v, objects, pending, share) for v in value]
        if isinstance(value, tuple):
            return {"$tuple": [self._encode(v, objects, pending, share) for v in value]}
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                if not isinstance(k, (str, int)) or isinstance(k, bool):
                    return {"$opaque": "dict with non-string keys"}
                items.append([k, self._encode(v, objects, pending, share)])
            return {"$dict": items}
        if isinstance(value, np.random.Generator):
            return {"$rng": _plain_state(value.bit_generator.state), "id": self.wire_id(value)}
        if self.ids.get(id(value)) in self.functions:
            return {"$fn": self.ids[id(value)]}
        if isinstance(value, RemoteFunction):
            return {"$fn": value.wire_id}
        if _is_object(value):
            wid = self.wire_id(value)
            if wid not in objects:
                objects[wid] = None  # placeholder: filled when its attributes are encoded
                pending.append(value)
            return {"$ref": wid}
        if isinstance(value, _FUNCTIONS):
            return {"$fn": self.function_id(value)}
        return {"$opaque": type(value).__name__}

    def _encode_array(self, arr, share):
        if arr.dtype.kind not in _KINDS:
            return {"$opaque": f"array of dtype {arr.dtype}"}
        data = np.ascontiguousarray(arr)
        out = {"$nd": base64.b64encode(data.tobytes()).decode("ascii"),
               "dtype": data.dtype.str, "shape": list(arr.shape)}
        if share:
            if self.mark_views and id(arr) not in self.ids:
                view = self._view_of_known(arr)
                if view is not None:
                    out["view"] = view
            out["id"] = self.wire_id(arr)
        return out

    def _view_of_known(self, arr):
        """Where ``arr`` lies inside an array that crossed the wall before (a slice of an
        argument), as ``{"of": id, "offset": bytes, "strides": [...]}``; else None.

        The other side can then rebuild the same view of its own array, so a check
        can ask whether an answer returned a view of its input or a copy.
        """
        base = arr.base
        while isinstance(base, np.ndarray):
            wid = self.ids.get(id(base))
            if wid is not None and self.by_id.get(wid) is base:
                if not base.flags.c_contiguous or base.dtype != arr.dtype:
                    return None
                offset = arr.__array_interface__["data"][0] - base.__array_interface__["data"][0]
                return {"of": wid, "offset": int(offset), "strides": [int(t) for t in arr.strides]}
            base = base.base
        return None

    # -- decoding ------------------------------------------------------------
    def decode(self, data, objects):
        """The value encoded in ``data``; objects in ``objects`` are created or updated in place."""
        objects = objects or {}
        live = {}
        for wid, spec in objects.items():
            if not isinstance(spec, dict):
                raise WireError(f"object {wid!r} has no description")
            obj = self.by_id.get(wid)
            if obj is None:
                cls = self.resolve_class(str(spec.get("cls", ""))) or remote_class(str(spec.get("cls", "")))
                obj = cls.__new__(cls)
                self.register(wid, obj)
            live[wid] = obj
        for wid, spec in objects.items():
            attrs = spec.get("attrs")
            if not isinstance(attrs, dict):
                raise WireError(f"object {wid!r} has no attributes")
            new = {str(k): self._decode(v) for k, v in attrs.items()}
            _set_attrs(live[wid], new)
        return self._decode(data)

    def _decode(self, data):
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self._decode(v) for v in data]
        if not isinstance(data, dict) or len(data) == 0:
            raise WireError(f"unexpected value on the wire: {type(data).__name__}")
        if "$nd" in data:
            return self._decode_array(data)
        if "$tuple" in data:
            return tuple(self._decode(v) for v in _list(data["$tuple"]))
        if "$dict" in data:
            out = {}
            for pair in _list(data["$dict"]):
                if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], (str, int)):
                    raise WireError("a dict entry must be a [key, value] pair")
                out[pair[0]] = self._decode(pair[1])
            return out
        if "$ref" in data:
            obj = self.by_id.get(data["$ref"])
            if obj is None:
                raise WireError(f"unknown object {data['$ref']!r}")
            return obj
        if "$rng" in data:
            return self._decode_rng(data)
        if "$fn" in data:
            wid = data["$fn"]
            if wid in self.functions:
                return self.functions[wid]
            if self.make_callable is None:
                return Opaque("function")
            return self.make_callable(wid)
        if "$opaque" in data:
            return Opaque(str(data["$opaque"]))
        raise WireError(f"unknown kind of value: {sorted(data)[:3]}")

    def _decode_array(self, data):
        try:
            dtype = np.dtype(str(data["dtype"]))
            shape = tuple(int(n) for n in data["shape"])
            raw = base64.b64decode(data["$nd"], validate=True)
        except (KeyError, TypeError, ValueError) as exc:
            raise WireError(f"malformed array: {exc}") from None
        if dtype.kind not in _KINDS or any(n < 0 for n in shape):
            raise WireError(f"arrays must hold numbers, got dtype {dtype}")
        if len(raw) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise WireError("array data does not match its shape")
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        wid = data.get("id")
        if wid is None:
            return arr
        if isinstance(data.get("view"), dict) and wid not in self.by_id:
            arr = self._rebuild_view(data["view"], arr)
        old = self.by_id.get(wid)
        if isinstance(old, np.ndarray):
            # The same array, changed on the other side: mirror the change in place.
            if old.shape == arr.shape and old.dtype == arr.dtype:
                if not np.array_equal(old, arr, equal_nan=old.dtype.kind == "f"):
                    if old.flags.writeable:
                        old[...] = arr
                return old
            return arr
        self.register(wid, arr)
        return arr

    def _rebuild_view(self, view, arr):
        """A read-only view of this side's array ``view["of"]`` holding ``arr``'s values, or ``arr``."""
        base = self.by_id.get(view.get("of"))
        if not isinstance(base, np.ndarray) or not base.flags.c_contiguous or base.dtype != arr.dtype:
            return arr
        try:
            rebuilt = np.ndarray(arr.shape, dtype=arr.dtype, buffer=base, offset=int(view["offset"]),
                                 strides=tuple(int(t) for t in view["strides"]))
        except (KeyError, TypeError, ValueError):
            return arr
        if not np.array_equal(rebuilt, arr, equal_nan=arr.dtype.kind == "f"):
            return arr  # the base changed meanwhile: the values are what counts
        rebuilt.flags.writeable = False  # a later message never writes through it
        return rebuilt

    def _decode_rng(self, data):
        wid, state = data.get("id"), data.get("$rng")
        old = self.by_id.get(wid)
        try:
            if isinstance(old, np.random.Generator):
                old.bit_generator.state = state
                return old
            name = state["bit_generator"]
            if name not in ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937"):
                raise WireError(f"unknown bit generator {name!r}")
            gen = np.random.Generator(getattr(np.random, name)())
            gen.bit_generator.state = state
        except (KeyError, TypeError, ValueError) as exc:
            raise WireError(f"malformed random generator state: {exc}") from None
        if wid is not None:
            self.register(wid, gen)
        return gen


def reference_class(name):
    """The reference's own class for ``"mlp.module:Class"``, if this side has it; else None.

    Only plain classes of ``mlp`` are rebuilt as themselves (their instances are
    made with ``__new__``, so no code of theirs runs); anything else arrives as
    a ``RemoteObject`` with its attributes.
    """
    import importlib

    module, _, qualname = name.partition(":")
    if not (module == "mlp" or module.startswith("mlp.")) or "." in qualname or not qualname:
        return None
    try:
        cls = getattr(importlib.import_module(module), qualname)
    except Exception:  # not available on this side: plain attributes instead
        return None
    return cls if isinstance(cls, type) and cls.__module__.startswith("mlp") else None


class RemoteFunction:
    """A callable of the other side; calling it is a round trip over the wire."""

    def __init__(self, wire_id, call):
        self.wire_id = wire_id
        self._call = call

    def __call__(self, *args, **kwargs):
        return self._call(self.wire_id, args, kwargs)


def _list(value):
    if not isinstance(value, list):
        raise WireError("expected a list on the wire")
    return value


def _plain_state(state):
    """A bit generator's state with numpy integers made plain (JSON-able)."""
    if isinstance(state, dict):
        return {str(k): _plain_state(v) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return state.tolist()
    if isinstance(state, np.integer):
        return int(state)
    return state


_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial,
              RemoteFunction)


def _is_object(value):
    """An instance with attributes: sent as data even if it has a ``__call__``."""
    if isinstance(value, (type, types.ModuleType) + _FUNCTIONS):
        return False
    return hasattr(value, "__dict__")


def _attrs(obj):
    try:
        return dict(vars(obj))
    except TypeError:
        return {}


def _set_attrs(obj, attrs):
    try:
        d = vars(obj)
    except TypeError:
        return
    d.clear()
    d.update(attrs)


def _class_name(obj):
    cls = type(obj)
    if isinstance(obj, RemoteObject):
        return f"remote:{cls.__name__}"
    return f"{getattr(cls, '__module__', '?')}:{getattr(cls, '__qualname__', cls.__name__)}"


# -- framing ----------------------------------------------------------------------

def dumps(message):
    """A message (a dict of plain JSON values) as one frame of bytes."""
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    return _HEADER.pack(len(body)) + body


def read_frame(read_exactly, limit):
    """Read one frame with ``read_exactly(n)``; refuse a body longer than ``limit`` bytes."""
    header = read_exactly(_HEADER.size)
    (size,) = _HEADER.unpack(header)
    if size > limit:
        raise WireError(f"a message of {size} bytes is over the limit of {limit} bytes")
    try:
        message = json.loads(read_exactly(size).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"a message is not valid JSON: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("a message must be a JSON object")
    return message
