"""Passages through the int8 ONNX export: a vector depends on its text only (no batch
padding), stays close to the float32 model's, and the passage encoder is part of the model id,
so a searcher configured with the other one refuses the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index
from indexer.embedding import SentenceTransformerEmbedder
from indexer.errors import ModelMismatchError
from indexer.search import Searcher

from test_model_prepare import FEW, model_dir  # noqa: F401  (shared fixture)

FIXTURE = Path(__file__).parent / "fixtures" / "search_small"


def test_passage_encoder_is_part_of_the_model_id(model_dir: Path) -> None:  # noqa: F811
    int8 = SentenceTransformerEmbedder(str(model_dir), passage_encoder="onnx-int8")
    torch_side = SentenceTransformerEmbedder(str(model_dir), passage_encoder="torch")
    auto = SentenceTransformerEmbedder(str(model_dir), passage_encoder="auto")
    assert auto.passage_encoder == "onnx-int8" and auto.model_id == int8.model_id
    assert int8.model_id != torch_side.model_id
    assert int8.model_id.startswith(torch_side.model_id + "+passages:onnx-int8@")
    assert int8.calibration_id == torch_side.calibration_id == torch_side.model_id
    # the query encoder still does not change the id
    assert SentenceTransformerEmbedder(str(model_dir), passage_encoder="torch",
                                       query_encoder="torch").model_id == torch_side.model_id


def test_int8_passage_vectors_depend_on_the_text_only(model_dir: Path) -> None:  # noqa: F811
    int8 = SentenceTransformerEmbedder(str(model_dir), passage_encoder="onnx-int8",
                                       torch_threads=1)
    together = int8.encode_passages(FEW)
    alone = np.stack([int8.encode_passages([t])[0] for t in reversed(FEW)])[::-1]
    np.testing.assert_array_equal(together, alone)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    exact = SentenceTransformerEmbedder(str(model_dir), passage_encoder="torch",
                                        torch_threads=1).encode_passages(FEW)
    assert np.sum(together * exact, axis=1).min() >= 0.98


def test_searcher_refuses_an_index_of_the_other_passage_encoder(
        model_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    index = tmp_path / "index"
    int8 = SentenceTransformerEmbedder(str(model_dir), passage_encoder="onnx-int8",
                                       torch_threads=1)
    build_index(FIXTURE, index, int8, progress=False)
    searcher = Searcher.load(index, embedder=SentenceTransformerEmbedder(
        str(model_dir), passage_encoder="torch", torch_threads=1))
    assert searcher.manifest["passage_encoder"] == "onnx-int8"
    with pytest.raises(ModelMismatchError, match="passages:onnx-int8"):
        searcher.search("đăng ký khai sinh")
    ok = Searcher.load(index, embedder=int8)
    assert ok.search("đăng ký khai sinh cần giấy tờ gì").hits[0].procedure_id == \
        "dang-ky-khai-sinh"
