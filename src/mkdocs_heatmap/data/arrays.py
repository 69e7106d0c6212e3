"""NumPy files: ``.npy`` and ``.npz``, never unpickled, headers checked first."""

from __future__ import annotations

import io
import zipfile
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError
from ..messages import one_line, q, quoted_list, suggest
from ..messages import size as shown_size
from ..model import LabelledMatrix
from .cells import Ctx, build_matrix, check_cells, numbered, refuse

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


def parse_npy(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    refuse("pivot", spec, ctx)
    refuse("key", spec, ctx)
    header = io.BytesIO(content)
    _check_npy_header(header, ctx, "")
    try:
        array = np.load(io.BytesIO(content), allow_pickle=False)
    except Exception as exc:
        raise _npy_failure(exc, ctx, "") from None
    return _array_matrix(array, ctx, "")


def parse_npz(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    refuse("pivot", spec, ctx)
    if content.startswith(b"\x93NUMPY"):
        # A lone array saved with an .npz name still has one obvious meaning.
        if spec.key is not None:
            raise DataError(
                f"{ctx.name} is a single .npy array, so there is no array {q(spec.key)} "
                "to pick with 'key'",
                key="key",
            )
        return parse_npy(spec, content, ctx)
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
                _check_npy_header(member, ctx, what)
            with archive.open(info) as member:
                array = np.lib.format.read_array(member, allow_pickle=False)
        except DataError:
            raise
        except Exception as exc:
            raise _npy_failure(exc, ctx, what) from None
    return _array_matrix(array, ctx, what)


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


def _check_npy_header(fp: IO[bytes], ctx: Ctx, what: str) -> None:
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
    _check_array(shape, dtype, ctx, what)


def _check_array(shape: tuple[int, ...], dtype: np.dtype[Any], ctx: Ctx, what: str) -> None:
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
    if len(shape) > 2:
        shown = " x ".join(str(n) for n in shape)
        raise DataError(
            f"{ctx.name}{what} is a {len(shape)}-D array ({shown}); only 1-D and 2-D arrays "
            "can be drawn",
            key="data",
        )
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


def _array_matrix(array: object, ctx: Ctx, what: str) -> LabelledMatrix:
    if not isinstance(array, np.ndarray):
        raise DataError(f"{ctx.name}{what} is not an array", key="data")
    _check_array(array.shape, array.dtype, ctx, what)
    matrix = array.reshape(1, -1) if array.ndim == 1 else array
    values = matrix.astype(np.float64)
    rows, cols = values.shape
    return build_matrix(values, numbered(cols), numbered(rows), ctx)
