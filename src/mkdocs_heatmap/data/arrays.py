"""NumPy files: ``.npy`` and ``.npz``, never unpickled, headers checked first."""

from __future__ import annotations

import io
import math
import zipfile
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError
from ..messages import one_line, q, quoted_list, suggest
from ..messages import size as shown_size
from ..model import MAX_PANELS, LabelledMatrix
from .cells import Ctx, build_matrix, check_cells, numbered, refuse

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


def parse_npy(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    array, what = load_array(spec, content, ctx)
    return array_matrix(picked(array, spec, ctx, what), ctx, what)


def parse_npz(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    return parse_npy(spec, content, ctx)


def load_array(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> tuple[np.ndarray[Any, Any], str]:
    """The array of an .npy file, or the one ``key`` picks in an .npz file
    (with the words that name it in messages).  More than two axes only when
    the block picks from them (``slice``, ``facet_axis``)."""
    refuse("pivot", spec, ctx)
    many = spec.slice is not None or spec.facet_axis is not None
    if ctx.fmt == "npz" and not content.startswith(b"\x93NUMPY"):
        return _npz_array(spec, content, ctx, many)
    if ctx.fmt == "npz" and spec.key is not None:
        # A lone array saved with an .npz name still has one obvious meaning.
        raise DataError(
            f"{ctx.name} is a single .npy array, so there is no array {q(spec.key)} "
            "to pick with 'key'",
            key="key",
        )
    refuse("key", spec, ctx)
    header = io.BytesIO(content)
    _check_npy_header(header, ctx, "", many)
    try:
        array = np.load(io.BytesIO(content), allow_pickle=False)
    except Exception as exc:
        raise _npy_failure(exc, ctx, "") from None
    if not isinstance(array, np.ndarray):
        raise DataError(f"{ctx.name} is not an array", key="data")
    return array, ""


def _npz_array(
    spec: HeatmapSpec, content: bytes, ctx: Ctx, many: bool
) -> tuple[np.ndarray[Any, Any], str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(
            f"{ctx.name} is not a valid .npz file: {one_line(str(exc))}", key="data"
        ) from None
    with archive:
        names = [n[: -len(".npy")] for n in archive.namelist() if n.endswith(".npy")]
        name = _npz_member(names, spec.key, ctx)
        what = f" array {q(name)}"
        try:
            # The member is opened by its full name and read by the same code
            # that checked its header: numpy's NpzFile would prefer a member
            # named exactly `name` (no .npy), which nothing here checked.
            info = archive.getinfo(f"{name}.npy")
            # A float64 cell is 8 bytes; the header a few hundred more.
            most = ctx.limits.max_cells * 16 + 65_536
            if info.file_size > most:
                raise DataError(
                    f"{ctx.name}{what} unpacks to {shown_size(info.file_size)}, more than "
                    f"{ctx.limits.max_cells:,} cells can take",
                    key="data",
                )
            with archive.open(info) as member:
                _check_npy_header(member, ctx, what, many)
            with archive.open(info) as member:
                array = np.lib.format.read_array(member, allow_pickle=False)
        except DataError:
            raise
        except Exception as exc:
            raise _npy_failure(exc, ctx, what) from None
    if not isinstance(array, np.ndarray):
        raise DataError(f"{ctx.name}{what} is not an array", key="data")
    return array, what


def picked(
    array: np.ndarray[Any, Any], spec: HeatmapSpec, ctx: Ctx, what: str
) -> np.ndarray[Any, Any]:
    """The array with ``slice``'s positions picked along its leading axes:
    two axes remain (three when ``facet_axis`` splits one of them)."""
    keep = 3 if spec.facet_axis is not None else 2
    positions = spec.slice or ()
    shown = " x ".join(str(n) for n in array.shape)
    if array.ndim <= 2 and spec.slice is not None:
        raise DataError(
            f"'slice' picks along the leading axes of an array of more than two axes, but "
            f"{ctx.name}{what} is a {array.ndim}-D array ({shown})",
            key="slice",
        )
    if array.ndim - len(positions) != keep and (spec.slice is not None or array.ndim > 2):
        axes = "two axes remain" if keep == 2 else "three axes remain (facet_axis splits one)"
        need = array.ndim - keep
        if spec.slice is None:
            raise DataError(
                f"{ctx.name}{what} is a {array.ndim}-D array ({shown}); give 'slice' with "
                f"{need} position{'s' if need != 1 else ''} (one per leading axis) so that "
                f"{axes}",
                key="facet_axis" if spec.facet_axis is not None else "data",
            )
        given = f"'slice' has {len(positions)} position{'s' if len(positions) != 1 else ''}"
        if need <= 0:
            raise DataError(
                f"{given}, but {ctx.name}{what} is a {array.ndim}-D array ({shown}) and "
                f"{axes}: there is no axis left to pick along; remove 'slice'",
                key="slice",
            )
        raise DataError(
            f"{given}, but {ctx.name}{what} is a {array.ndim}-D array ({shown}): give {need}, "
            f"one per leading axis, so that {axes}",
            key="slice",
        )
    for axis, position in enumerate(positions):
        count = array.shape[axis]
        if not -count <= position < count:
            raise DataError(
                f"'slice': position {position} is outside axis {axis} of {ctx.name}{what}, "
                f"which has {count} (0 to {count - 1}, or -{count} to -1 from the end)",
                key="slice",
            )
    return array[tuple(positions)] if positions else array


def facet_titles(spec: HeatmapSpec, count: int) -> tuple[str, ...]:
    """The titles of the ``count`` panels ``facet_axis`` makes: one per panel
    from ``panel_titles``, else "axis N = i"."""
    titles = spec.panel_titles
    if titles is None:
        return tuple(f"axis {spec.facet_axis} = {n}" for n in range(count))
    if len(titles) != count:
        raise DataError(
            f"'panel_titles' has {len(titles)} title{'s' if len(titles) != 1 else ''}, but "
            f"'facet_axis' makes {count} panels (axis {spec.facet_axis} has "
            f"{count} positions)",
            key="panel_titles",
        )
    return tuple(titles)


def facet_arrays(
    array: np.ndarray[Any, Any], spec: HeatmapSpec, ctx: Ctx, what: str
) -> list[np.ndarray[Any, Any]]:
    """One 2-D array per position along ``facet_axis`` (an axis of the file's
    array, counted before ``slice`` picks any)."""
    assert spec.facet_axis is not None
    if array.ndim < 3:
        shown = " x ".join(str(n) for n in array.shape)
        raise DataError(
            f"'facet_axis' makes one panel per position along an axis of an array of three "
            f"or more axes, but {ctx.name}{what} is a {array.ndim}-D array ({shown})",
            key="facet_axis",
        )
    first = len(spec.slice or ())
    if not first <= spec.facet_axis < array.ndim:
        sliced = f"; 'slice' picks along axes 0 to {first - 1}" if first else ""
        raise DataError(
            f"'facet_axis': {ctx.name}{what} has no axis {spec.facet_axis} to split: its "
            f"axes are 0 to {array.ndim - 1}{sliced}",
            key="facet_axis",
        )
    rest = picked(array, spec, ctx, what)
    axis = spec.facet_axis - first
    if rest.shape[axis] > MAX_PANELS:
        raise DataError(
            f"'facet_axis' makes {rest.shape[axis]:,} panels; at most {MAX_PANELS} (pick a "
            "position of another axis with 'slice')",
            key="facet_axis",
        )
    return [np.take(rest, i, axis=axis) for i in range(rest.shape[axis])]


def _npz_member(names: list[str], key: str | None, ctx: Ctx) -> str:
    if key is not None:
        if key in names:
            return key
        raise DataError(
            f"{ctx.name} has no array {q(key)}{suggest(key, names)}; its arrays are "
            f"{quoted_list(names) if names else 'none'}",
            key="key",
        )
    if len(names) == 1:
        return names[0]
    if not names:
        raise DataError(f"{ctx.name} holds no arrays", key="data")
    raise DataError(
        f"{ctx.name} holds {len(names)} arrays ({quoted_list(names)}); "
        "set 'key' to the one to plot",
        key="key",
    )


def _check_npy_header(fp: IO[bytes], ctx: Ctx, what: str, many: bool = False) -> None:
    """Refuse object arrays, bad shapes and oversize arrays before loading."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(fp)
        else:
            return  # newer headers: np.load checks them, the array is checked after
    except Exception as exc:
        raise _npy_failure(exc, ctx, what) from None
    _check_array(shape, dtype, ctx, what, many)


def _check_array(
    shape: tuple[int, ...], dtype: np.dtype[Any], ctx: Ctx, what: str, many: bool = False
) -> None:
    if dtype.hasobject:
        raise DataError(
            f"{ctx.name}{what} holds Python objects; pickled/object arrays are refused "
            "because loading them could run code (save a numeric array instead)",
            key="data",
        )
    if dtype.kind not in "biuf":
        raise DataError(f"{ctx.name}{what} holds {dtype} values, not real numbers", key="data")
    if len(shape) == 0:
        raise DataError(f"{ctx.name}{what} is a single number, not a matrix", key="data")
    if len(shape) > 2 and not many:
        shown = " x ".join(str(n) for n in shape)
        raise DataError(
            f"{ctx.name}{what} is a {len(shape)}-D array ({shown}); only 1-D and 2-D arrays "
            "can be drawn (pick a 2-D part with 'slice', or one panel per position along "
            "an axis with 'facet_axis')",
            key="data",
        )
    if len(shape) > 2:
        rows, cols = math.prod(shape[:-1]), shape[-1]
    else:
        rows, cols = (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])
    check_cells(rows, cols, ctx)


def _npy_failure(exc: Exception, ctx: Ctx, what: str) -> DataError:
    reason = one_line(str(exc)) or type(exc).__name__
    if "pickle" in reason.lower() or "object arrays" in reason.lower():
        return DataError(
            f"{ctx.name}{what} holds pickled Python objects; pickled/object arrays are "
            "refused because loading them could run code",
            key="data",
        )
    kind = "." + ctx.fmt
    return DataError(f"{ctx.name}{what} is not a valid {kind} array: {reason}", key="data")


def array_matrix(array: object, ctx: Ctx, what: str) -> LabelledMatrix:
    if not isinstance(array, np.ndarray):
        raise DataError(f"{ctx.name}{what} is not an array", key="data")
    _check_array(array.shape, array.dtype, ctx, what)
    matrix = array.reshape(1, -1) if array.ndim == 1 else array
    values = matrix.astype(np.float64)
    rows, cols = values.shape
    return build_matrix(values, numbered(cols), numbered(rows), ctx)
