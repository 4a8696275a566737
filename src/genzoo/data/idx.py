"""Reader for the IDX format of MNIST and Fashion-MNIST, gzip-compressed or raw, fully validated.

Layout: two zero bytes, a type code, the number of dimensions ``d``, ``d`` big-endian uint32 sizes,
then the values in C order, big-endian.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ..errors import DatasetError

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
MAX_BYTES = 8 << 30  # refuse a header that claims more than 8 GiB before allocating anything


def read_idx(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw, told apart by content) into an array of native byte order.

    Raises :class:`DatasetError` naming the file for a bad magic number, an unknown type code, a
    truncated header or body, trailing bytes, a corrupt gzip stream, or a size over ``max_bytes``.
    """
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rb") as f:
            return _read_stream(f, path, max_bytes)
    except DatasetError:
        raise
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise DatasetError(f"{path}: corrupt or truncated gzip data ({e}); delete it and fetch it again") from None


def _read_stream(f, path: Path, max_bytes: int) -> np.ndarray:
    head = f.read(4)
    if len(head) < 4:
        raise DatasetError(f"{path}: truncated IDX header ({len(head)} of 4 bytes)")
    if head[0] != 0 or head[1] != 0:
        raise DatasetError(f"{path}: not an IDX file (magic bytes {head[:2].hex()}, expected 0000)")
    code, ndim = head[2], head[3]
    if code not in IDX_TYPES:
        raise DatasetError(f"{path}: unknown IDX type code 0x{code:02x} (known: 08 09 0b 0c 0d 0e)")
    if not 1 <= ndim <= 4:
        raise DatasetError(f"{path}: IDX header claims {ndim} dimensions (1 to 4 are supported)")
    dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DatasetError(f"{path}: truncated IDX header (dimension sizes cut off)")
    shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
    dtype = IDX_TYPES[code]
    nbytes = math.prod(shape) * dtype.itemsize
    # a zero dimension makes nbytes 0, but the other dimensions must still describe an array NumPy can hold
    if math.prod(max(d, 1) for d in shape) * dtype.itemsize > max_bytes:
        raise DatasetError(f"{path}: IDX header claims shape {shape} ({nbytes:,} bytes), over the {max_bytes:,} limit")
    body = f.read(nbytes + 1)
    if len(body) < nbytes:
        raise DatasetError(
            f"{path}: truncated: header promises {nbytes:,} data bytes for shape {shape}, file has {len(body):,}"
        )
    if len(body) > nbytes:
        raise DatasetError(f"{path}: {path.name} has data beyond the {nbytes:,} bytes its header declares for shape {shape}")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
