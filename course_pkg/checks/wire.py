"""Values as plain data: what crosses between a graded notebook and the judge.

A probe's inputs and results are *wire values*: ``None``, bools, ints, floats,
strings, lists, tuples, dicts with string keys, and NumPy arrays (or NumPy
scalars) of a numeric or boolean dtype. :func:`dump` writes one wire value into
a folder as two files, ``<name>.json`` for the structure and ``<name>.npz`` for
the arrays; :func:`load` reads them back.

Anything else a learner's function returns (an object, a generator, an array of
strings) is written as ``{"unserialisable": "<type name>"}`` so the judge can say
what came back, and nothing of it is ever executed or unpickled.

:func:`load` is the only code that reads data written by learner code, so it is
strict: regular files only (no links, pipes or devices), size and item caps
checked before parsing, no pickle, numeric and boolean dtypes only, and a
bounded nesting depth.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> dump({"probs": np.array([[0.25, 0.75]]), "shape": (1, 2)}, folder, "demo")
>>> value = load(folder, "demo")
>>> value["shape"], value["probs"].dtype
((1, 2), dtype('float64'))
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["dump", "load", "encode", "decode", "WireError", "unserialisable"]

# Markers of the JSON layer. A learner dict that looks like a marker is wrapped in {"__dict__": ...}.
_ARRAY, _TUPLE, _DICT, _FLOAT = "__array__", "__tuple__", "__dict__", "__float__"
_MARKERS = {_ARRAY, _TUPLE, _DICT, _FLOAT, "unserialisable"}
_DTYPE_KINDS = "biufc"  # bool, signed, unsigned, float, complex
_MAX_DEPTH = 32
_MAX_STRING = 10_000
_MAX_INT_DIGITS = 400


class WireError(ValueError):
    """Data on the wire broke a rule (too big, wrong type, a link instead of a file ...)."""


def unserialisable(value: Any) -> dict:
    """The marker written in place of a value the wire cannot carry."""
    return {"unserialisable": type(value).__name__}


# --------------------------------------------------------------------------- encoding


def encode(value: Any, arrays: list[np.ndarray], *, _depth: int = 0) -> Any:
    """Turn a wire value into JSON-ready data, appending its arrays to ``arrays``.

    Never raises for a strange learner value: what cannot be carried becomes an
    ``unserialisable`` marker.
    """
    if _depth >= _MAX_DEPTH:
        return {"unserialisable": f"nesting deeper than {_MAX_DEPTH} levels"}
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str) and len(value) > _MAX_STRING:
            return value[:_MAX_STRING]
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in _DTYPE_KINDS or array.dtype.hasobject:
            return {"unserialisable": f"array of dtype {array.dtype}"}
        arrays.append(array.copy(order="C"))  # (np.ascontiguousarray would make a 0-d array 1-d)
        return {_ARRAY: len(arrays) - 1}
    if isinstance(value, int):
        # Exactly int (or a subclass used as one); huge ints are refused rather than slow to print.
        if value.bit_length() > _MAX_INT_DIGITS * 3:
            return {"unserialisable": "an integer with too many digits"}
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        return {_FLOAT: repr(float(value))}  # JSON has no NaN or infinity
    if isinstance(value, (list, tuple)):
        items = [encode(v, arrays, _depth=_depth + 1) for v in value]
        return {_TUPLE: items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            return {"unserialisable": "dict with keys that are not strings"}
        body = {k: encode(v, arrays, _depth=_depth + 1) for k, v in value.items()}
        return {_DICT: body} if _MARKERS & set(body) else body
    return unserialisable(value)


def decode(data: Any, arrays: list[np.ndarray], *, _depth: int = 0) -> Any:
    """Inverse of :func:`encode` (used on data already checked by :func:`load`)."""
    if isinstance(data, (list, dict)) and _depth > _MAX_DEPTH:
        raise WireError(f"decode: expected at most {_MAX_DEPTH} levels of nesting; got more.")
    if isinstance(data, list):
        return [decode(v, arrays, _depth=_depth + 1) for v in data]
    if isinstance(data, dict):
        if set(data) == {_ARRAY}:
            index = data[_ARRAY]
            if type(index) is not int or not 0 <= index < len(arrays):
                raise WireError(f"decode: expected an array index below {len(arrays)}; got {index!r}.")
            return arrays[index]
        if set(data) == {_TUPLE} and isinstance(data[_TUPLE], list):
            return tuple(decode(v, arrays, _depth=_depth + 1) for v in data[_TUPLE])
        if set(data) == {_FLOAT} and data[_FLOAT] in ("nan", "inf", "-inf"):
            return float(data[_FLOAT])
        if set(data) == {_DICT} and isinstance(data[_DICT], dict):
            data = data[_DICT]
        return {k: decode(v, arrays, _depth=_depth + 1) for k, v in data.items()}
    return data


# --------------------------------------------------------------------------- files


def dump(value: Any, folder, name: str) -> None:
    """Write ``value`` as ``<folder>/<name>.json`` (and ``<name>.npz`` when it holds arrays).

    The JSON file is written last and renamed into place, so a reader that
    finds it also finds the arrays it refers to.

    Parameters
    ----------
    value : wire value
        See the module docstring; other values become ``unserialisable`` markers.
    folder : path
        An existing folder.
    name : str
        File name without extension (letters, digits, ``_`` and ``-``).
    """
    _check_name(name, "dump")
    folder = Path(folder)
    arrays: list[np.ndarray] = []
    data = encode(value, arrays)
    if arrays:
        with open(folder / f".{name}.npz.part", "wb") as fh:
            np.savez(fh, *arrays)  # uncompressed: sizes in the zip directory are the real sizes
        os.replace(folder / f".{name}.npz.part", folder / f"{name}.npz")
    text = json.dumps({"n_arrays": len(arrays), "value": data}, allow_nan=False)
    with open(folder / f".{name}.json.part", "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(folder / f".{name}.json.part", folder / f"{name}.json")


def load(folder, name: str, *, max_bytes: int = 64 * 2**20, max_items: int = 10_000) -> Any:
    """Read a value written by :func:`dump`, refusing anything out of the ordinary.

    Parameters
    ----------
    folder : path
        The folder holding ``<name>.json`` and, with arrays, ``<name>.npz``.
    name : str
        File name without extension.
    max_bytes : int, default 64 MiB
        Largest size of each file, and of all arrays once unpacked.
    max_items : int, default 10000
        Most arrays, and most JSON values (list items and dict entries).

    Returns
    -------
    wire value

    Raises
    ------
    FileNotFoundError
        If ``<name>.json`` does not exist.
    WireError
        If a file is not a regular file, is too big, is not valid, holds a
        dtype that is not numeric or boolean, or would need pickle.
    """
    _check_name(name, "load")
    folder = Path(folder)
    raw = _read_regular(folder / f"{name}.json", max_bytes)
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise WireError(f"load: expected valid JSON in {name}.json; got {type(err).__name__}.") from err
    if not isinstance(document, dict) or type(document.get("n_arrays")) is not int or "value" not in document:
        raise WireError(f"load: expected {name}.json to hold n_arrays and value; got something else.")
    _check_size(document["value"], max_items)
    n_arrays = document["n_arrays"]
    if not 0 <= n_arrays <= max_items:
        raise WireError(f"load: expected at most {max_items} arrays; got {n_arrays}.")
    arrays = _read_arrays(folder / f"{name}.npz", n_arrays, max_bytes) if n_arrays else []
    return decode(document["value"], arrays)


def _check_name(name: str, where: str) -> None:
    if not name or not all(ch.isalnum() or ch in "_-" for ch in name):
        raise ValueError(f"{where}: expected a name of letters, digits, '_' or '-'; got {name!r}.")


def _refuse_constant(token: str):
    raise WireError(f"load: expected finite JSON numbers; got {token}.")


def _read_regular(path: Path, max_bytes: int) -> bytes:
    """Read a regular file without following a link and without blocking on a pipe."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as err:  # ELOOP: a symbolic link
        raise WireError(f"load: expected a regular file at {path.name}; got {err.strerror}.") from err
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise WireError(f"load: expected a regular file at {path.name}; got another kind of file.")
        if info.st_size > max_bytes:
            raise WireError(f"load: expected {path.name} of at most {max_bytes} bytes; got {info.st_size}.")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise WireError(f"load: expected {path.name} of at most {max_bytes} bytes; it grew while being read.")
    return data


def _check_size(data: Any, max_items: int) -> None:
    """Count JSON values without recursion (a hostile file may nest very deeply)."""
    stack, count = [(data, 0)], 0
    while stack:
        item, depth = stack.pop()
        count += 1
        # A tuple or a marked dict takes two JSON levels, hence twice the depth of a wire value.
        if count > max_items * 10 or depth > 2 * _MAX_DEPTH + 2:
            raise WireError(f"load: expected at most {max_items * 10} values nested {_MAX_DEPTH} deep; got more.")
        if isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, str) and len(item) > _MAX_STRING:
            raise WireError(f"load: expected strings of at most {_MAX_STRING} characters; got a longer one.")


def _read_arrays(path: Path, n_arrays: int, max_bytes: int) -> list[np.ndarray]:
    raw = _read_regular(path, max_bytes)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as err:
        raise WireError(f"load: expected a NumPy .npz archive in {path.name}; got something else.") from err
    with archive:
        members = archive.infolist()
        expected = {f"arr_{i}.npy" for i in range(n_arrays)}
        if {m.filename for m in members} != expected:
            raise WireError(f"load: expected exactly the arrays arr_0 ... arr_{n_arrays - 1} in {path.name}.")
        if sum(m.file_size for m in members) > max_bytes:
            raise WireError(f"load: expected arrays of at most {max_bytes} bytes in all; got more.")
        arrays = []
        budget = max_bytes
        for i in range(n_arrays):
            with archive.open(f"arr_{i}.npy") as fh:
                array = _read_npy(fh, budget, f"array {i} of {path.name}")
            budget -= array.nbytes
            arrays.append(array)
    return arrays


def _read_npy(fh, budget: int, what: str) -> np.ndarray:
    """Read one .npy member, checking its header before allocating anything."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(fh)
        else:
            raise ValueError(f"version {version}")
    except ValueError as err:
        raise WireError(f"load: {what} is not a plain .npy array ({err}).") from err
    if dtype.kind not in _DTYPE_KINDS or dtype.hasobject or dtype.fields is not None:
        raise WireError(f"load: expected numeric or boolean arrays; got dtype {dtype} in {what}.")
    count = math.prod(shape)
    if count * dtype.itemsize > budget:
        raise WireError(f"load: {what} declares {count * dtype.itemsize} bytes, more than the {budget} left.")
    data = fh.read(count * dtype.itemsize + 1)
    if len(data) != count * dtype.itemsize:
        raise WireError(f"load: {what} holds {len(data)} bytes of data; its header declares {count * dtype.itemsize}.")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape[::-1]).T.copy() if fortran else array.reshape(shape).copy()
